"""Property-based tests of the report reader: it never crashes on arbitrary input, and target sentences
built from templates with random numbers, units and modifiers are read back exactly."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innovation_forecast.errors import ReportReadError
from innovation_forecast.reader import Report, read_report

_TOKENS = ["全市", "我县", "全省", "专利申请量", "授权量", "其中", "发明", "实用新型", "高新技术企业", "新增", "总数",
           "技术合同成交额", "研发投入", "强度", "占GDP比重", "达到", "突破", "超过", "以上", "力争", "确保", "预计",
           "截至", "9月", "1-9月", "今年", "去年", "2018年", "2017年", "的", "，", "。", "；", "、", "(", ")", "%",
           "个百分点", "件", "家", "亿元", "万元", "增长", "下降", "分别", "和", "一百二十", "两千", "1.2万", "60-80",
           "60～80", "３５", "\n", "二、2018年工作打算\n", "工作总结", " ", "万人发明专利拥有量", "提高", "0.2"]


def _read_or_error(source, **kw):
    try:
        rep = read_report(source, **kw)
    except ReportReadError:
        return None
    assert isinstance(rep, Report)
    for frame in (rep.figures, rep.targets):
        for q, a, b in zip(frame["quote"], frame["start"], frame["end"]):
            assert rep.text[a:b] == q
    return rep


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_report_read_error(text):
    _read_or_error(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS) | st.integers(0, 10**6).map(str) | st.text(max_size=3), max_size=60),
       st.sampled_from([None, "上饶市", "永修县"]), st.sampled_from([None, 2017, 2021]))
def test_report_like_noise_raises_only_report_read_error(tokens, region, year):
    _read_or_error("".join(tokens), region=region, report_year=year)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_report_read_error(raw):
    _read_or_error(raw)


_INDICATORS = {
    "专利申请量": ("patent_applications", {"件": 1.0}),
    "高新技术企业总数": ("hte_total", {"家": 1.0}),
    "技术合同成交额": ("tech_contract_value", {"亿元": 1.0, "万元": 1e-4}),
}
_VERBS = {"达到": "ge", "突破": "gt", "超过": "gt"}


@settings(max_examples=300, deadline=None)
@given(year=st.integers(2000, 2035), commit=st.sampled_from(["力争", "确保", ""]),
       phrase=st.sampled_from(sorted(_INDICATORS)), verb=st.sampled_from(sorted(_VERBS)),
       n=st.integers(1, 2_000_000), decimals=st.integers(0, 2), suffix=st.sampled_from(["以上", ""]),
       unit_pick=st.integers(0, 1), full_width=st.booleans())
def test_template_targets_read_back_exactly(year, commit, phrase, verb, n, decimals, suffix, unit_pick, full_width):
    indicator, units = _INDICATORS[phrase]
    unit = sorted(units)[unit_pick % len(units)]
    if units[unit] == 1.0 and indicator != "tech_contract_value":
        decimals = 0  # counts are whole numbers
    number = n / 10**decimals
    shown = f"{number:.{decimals}f}"
    sep = "，"
    if full_width:  # full-width digits and punctuation, as pasted from Word
        shown = shown.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    text = f"{year}年{sep}{commit}全市{phrase}{verb}{shown}{unit}{suffix}。"
    rep = read_report(text, region="南昌市", report_year=year - 1)
    assert len(rep.figures) == 0, rep.figures
    assert len(rep.targets) == 1, (text, rep.targets)
    t = rep.targets.iloc[0]
    assert t["indicator"] == indicator and t["year"] == year and t["basis"] == "level" and t["region"] == "南昌市"
    assert t["comparator"] == _VERBS[verb]
    assert math.isclose(t["value"], number * units[unit], rel_tol=1e-9)
    if commit == "力争":
        assert t["stretch_low"] == t["stretch_high"] == t["value"]
    else:
        assert math.isnan(t["stretch_low"]) and math.isnan(t["stretch_high"])
    assert rep.text[t["start"]:t["end"]] == t["quote"]


@settings(max_examples=150, deadline=None)
@given(firm=st.integers(1, 500), low=st.integers(1, 500), width=st.integers(1, 300),
       sep=st.sampled_from(["-", "～", "~", "至"]), year=st.integers(2010, 2030))
def test_template_firm_and_stretch_range(firm, low, width, sep, year):
    text = f"{year}年工作计划：新增高新技术企业{firm}家以上，力争{low}{sep}{low + width}家。"
    rep = read_report(text, region="九江市", report_year=year - 1)
    assert len(rep.targets) == 1
    t = rep.targets.iloc[0]
    assert (t["indicator"], t["comparator"], t["value"]) == ("hte_new", "ge", float(firm))
    assert (t["stretch_low"], t["stretch_high"]) == (float(low), float(low + width))


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 99_999), pct=st.integers(1, 300), months=st.integers(1, 11), year=st.integers(2005, 2030))
def test_template_ytd_figures(n, pct, months, year):
    text = f"截至{year}年{months}月，全县专利申请量{n}件，同比增长{pct}%。"
    rep = read_report(text, region="永修县", report_year=year)
    f = rep.figures.set_index("basis")
    assert set(f.index) == {"level", "growth_pct"}
    assert (f["status"] == "ytd").all() and (f["months"] == months).all() and (f["year"] == year).all()
    assert f.loc["level", "value"] == n and f.loc["growth_pct", "value"] == pct
