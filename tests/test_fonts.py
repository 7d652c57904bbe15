"""Chinese chart labels render: a CJK font is found and matplotlib reports no missing glyph."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from innovation_forecast.briefs import fonts  # noqa: E402

LABELS = ["南昌市", "九江市", "永修县", "湘东区", "萍乡市", "赣州市", "鹰潭市", "景德镇市",
          "专利申请量（件）", "高新技术企业数（家）", "R&D经费投入强度（%）", "每万人发明专利拥有量",
          "技术合同成交额（亿元）", "力争目标", "预测中位数", "年内累计", "−12.5%"]


def glyph_warnings(rec) -> list[str]:
    return [str(w.message) for w in rec if "Glyph" in str(w.message) and "missing" in str(w.message)]


def render(labels, path):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_title(" ".join(labels[:6]))
    ax.set_xlabel(" ".join(labels[6:11]))
    ax.set_ylabel(labels[11])
    ax.plot([2015, 2016, 2017], [-1.0, 0.5, 2.0], label=" ".join(labels[11:]))
    ax.legend()
    fig.savefig(path)
    plt.close(fig)


@pytest.fixture
def restore_rc():
    saved = matplotlib.rcParams.copy()
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(saved)


def test_chinese_labels_render_without_missing_glyphs(tmp_path, restore_rc):
    family = fonts.setup_cjk_fonts(strict=True)
    assert family
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        render(LABELS, tmp_path / "zh.png")
    assert glyph_warnings(rec) == []
    assert (tmp_path / "zh.png").stat().st_size > 5000


def test_the_check_would_catch_a_missing_font(tmp_path, restore_rc):
    # without the CJK font matplotlib warns "Glyph ... missing from font(s) DejaVu Sans": the
    # assertion above is not vacuous
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        render(LABELS, tmp_path / "boxes.png")
    assert glyph_warnings(rec)


def test_brief_charts_have_no_missing_glyphs(tmp_path, restore_rc):
    from innovation_forecast.briefs.charts import fan_chart, growth_chart

    hist = pd.DataFrame({"indicator": ["patent_applications"] * 3 + ["hte_new"] * 2,
                         "year": [2015, 2016, 2017, 2016, 2017], "value": [3397, 5036, 6200, 26, 63],
                         "status": ["actual", "actual", "estimate", "actual", "ytd"]})
    fc = pd.DataFrame({"indicator": ["patent_applications"] * 2, "year": [2018, 2019], "mean": [7000, 7800],
                       "lo_80": [6000, 6500], "hi_80": [8000, 9100], "lo_95": [5500, 5800], "hi_95": [8600, 9900]})
    a = pd.DataFrame({"indicator": ["patent_applications", "hte_new"], "target_year": [2018, 2018],
                      "target": [7130.0, 40.0], "stretch": [float("nan"), 60.0],
                      "required_growth": [0.15, -0.36], "historical_growth": [0.35, 0.55]})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        for lang in ("zh", "en"):
            fan_chart(hist, fc, a, lang=lang, title="九江市").savefig(tmp_path / f"fan_{lang}.png")
            growth_chart(a, lang=lang).savefig(tmp_path / f"growth_{lang}.png")
    assert glyph_warnings(rec) == []
    plt.close("all")


def test_pip_fallback_font_is_found_without_system_fonts(monkeypatch, restore_rc):
    pytest.importorskip("noto_cjk_sans_otc", reason="pip fallback package noto-cjk-sans-otc not installed")
    from matplotlib import font_manager as fm

    monkeypatch.setattr(fonts, "_SYSTEM_FILES", ())
    monkeypatch.setattr(fm.fontManager, "ttflist",
                        [f for f in fm.fontManager.ttflist if f.name not in fonts.CJK_FAMILIES])
    found = fonts.find_cjk_font()
    assert found is not None
    family, path = found
    assert "noto_cjk_sans_otc" in str(path) and family in fonts.CJK_FAMILIES


def test_no_font_warns_with_the_install_hint(monkeypatch, restore_rc):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="install_fonts.sh"):
        assert fonts.setup_cjk_fonts() is None
    from innovation_forecast.errors import BriefError

    with pytest.raises(BriefError, match="noto-cjk-sans-otc"):
        fonts.setup_cjk_fonts(strict=True)
