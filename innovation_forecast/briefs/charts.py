"""Charts of a city brief: fan charts per indicator and required against historical growth.

Both take the tidy frames of :func:`innovation_forecast.briefs.brief_tables` (or any frames with
the same columns) and return a matplotlib Figure. Labels are Chinese (``lang="zh"``) or English;
:func:`~innovation_forecast.briefs.fonts.setup_cjk_fonts` runs first so Chinese renders.
"""

from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from ..registry import UNITS_EN  # noqa: F401  (briefs.tables reads it from here)
from .fonts import setup_cjk_fonts

__all__ = ["fan_chart", "growth_chart", "indicator_label", "prepare_kernel"]

_TEXT = {
    "zh": {
        "actual": "实际值", "estimate": "估计值", "ytd": "年内累计（{m}个月）", "ytd_legend": "年内累计", "median": "预测中位数",
        "b80": "80% 区间", "b95": "95% 区间", "target": "目标", "stretch": "力争目标", "year": "年份",
        "required": "所需年均增速", "historical": "历史年均增速", "growth": "年均增速（%）",
        "growth_title": "目标所需增速与历史增速", "no_data": "无数据", "no_targets": "无可比较的增速",
    },
    "en": {
        "actual": "actual", "estimate": "estimate", "ytd": "year to date ({m} months)", "ytd_legend": "year to date", "median": "forecast median",
        "b80": "80% interval", "b95": "95% interval", "target": "target", "stretch": "stretch target",
        "year": "year", "required": "required annual growth", "historical": "historical annual growth",
        "growth": "annual growth (%)", "growth_title": "Growth needed for each target against past growth",
        "no_data": "no data", "no_targets": "no growth figures to compare",
    },
}


def _t(lang: str) -> dict[str, str]:
    return _TEXT["zh" if lang == "zh" else "en"]


def indicator_label(indicator: str, lang: str = "zh", unit: bool = True) -> str:
    """Display name of a canonical indicator, e.g. ``专利申请量（件）``; the raw name if unknown."""
    try:
        from ..registry import INDICATORS

        ind = INDICATORS[indicator]
    except (ImportError, KeyError):
        return indicator
    name = ind.zh if lang == "zh" else ind.en
    if not unit:
        return name
    if lang == "zh":
        return f"{name}（{ind.unit}）"
    u = UNITS_EN.get(ind.unit, ind.unit)
    return f"{name} ({u})" if u else name


def prepare_kernel() -> None:
    """Settings for a kernel that renders briefs: Chinese fonts, a quiet inline backend, whitegrid style."""
    import matplotlib as mpl

    _style("zh")
    mpl.rcParams["figure.dpi"] = 96
    mpl.rcParams["savefig.dpi"] = 96
    try:  # charts lay themselves out; a "tight" bounding box would render every figure twice
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # matplotlib_inline's traitlets deprecation notice
                ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")
                ip.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    except ImportError:
        pass


def _style(lang: str) -> None:
    # seaborn's whitegrid look as shipped with matplotlib: importing seaborn itself (and scipy.stats
    # with it) would add about a second to every kernel's start
    import matplotlib.pyplot as plt

    plt.style.use("seaborn-v0_8-whitegrid")
    setup_cjk_fonts()


def fan_chart(history: pd.DataFrame, fc: pd.DataFrame, targets: pd.DataFrame | None = None, *,
              indicators: Sequence[str] | None = None, lang: str = "zh", ncols: int = 2, title: str | None = None):
    """One fan chart per indicator: history, forecast median with 80% and 95% bands, targets.

    Parameters
    ----------
    history
        Tidy rows of one region: ``indicator, year, value`` and optionally ``status``
        (actual | estimate | ytd) and ``months``; estimates are drawn hollow, year-to-date
        figures as triangles.
    fc
        Forecast rows: ``indicator, year, mean, lo_80, hi_80, lo_95, hi_95`` and ideally ``q_50`` (one model);
        the dashed line is ``q_50`` when present, else ``mean``.
    targets
        Assessment rows (:func:`~innovation_forecast.assess_targets`): ``indicator, target_year,
        target`` and optionally ``stretch``. Drawn as a diamond (target) and a star (stretch).
    indicators
        Which indicators, in order (default: those in ``history`` or ``fc``).
    lang
        ``"zh"`` or ``"en"`` labels.
    ncols
        Panels per row.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = fan_chart(bt.history, bt.forecasts, bt.assessment, lang="zh")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    _style(lang)
    tx = _t(lang)
    history = history if history is not None else pd.DataFrame(columns=["indicator", "year", "value"])
    fc = fc if fc is not None else pd.DataFrame(columns=["indicator", "year", "mean"])
    if indicators is None:
        seen: list[str] = []
        for frame in (targets, history, fc):
            if frame is not None and "indicator" in frame:
                seen += [i for i in pd.unique(frame["indicator"]) if i not in seen]
        indicators = seen
    indicators = list(indicators)
    n = max(len(indicators), 1)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.0 * ncols, 3.0 * nrows + 0.6), squeeze=False)
    palette = {"line": "#1f4e79", "band80": "#6fa8dc", "band95": "#cfe2f3", "target": "#c0392b", "stretch": "#e67e22"}
    for k, ax in enumerate(axes.flat):
        if k >= len(indicators):
            ax.set_visible(False)
            continue
        ind = indicators[k]
        h = history[history["indicator"] == ind].sort_values("year")
        f = fc[fc["indicator"] == ind].sort_values("year")
        if h.empty and f.empty:
            ax.text(0.5, 0.5, tx["no_data"], ha="center", va="center", transform=ax.transAxes, color="#777777")
            ax.set_xticks([])
            ax.set_yticks([])
        status = h["status"] if "status" in h else pd.Series("actual", index=h.index)
        full = h[status != "ytd"]
        if not full.empty:
            ax.plot(full["year"], full["value"], color=palette["line"], lw=1.6, zorder=3)
        act = h[status == "actual"]
        est = h[status == "estimate"]
        ytd = h[status == "ytd"]
        ax.scatter(act["year"], act["value"], color=palette["line"], s=22, zorder=4)
        ax.scatter(est["year"], est["value"], facecolors="white", edgecolors=palette["line"], s=26, zorder=4)
        ax.scatter(ytd["year"], ytd["value"], marker="^", color="#7f8c8d", s=30, zorder=4)
        if not f.empty:
            xs = f["year"].to_numpy()
            if not full.empty:  # join the fan to the last observation
                last = full.iloc[-1]
                if last["year"] < xs[0]:
                    xs = np.r_[last["year"], xs]
                    pad = lambda col: np.r_[last["value"], f[col].to_numpy(dtype=float)]  # noqa: E731
                else:
                    pad = lambda col: f[col].to_numpy(dtype=float)  # noqa: E731
            else:
                pad = lambda col: f[col].to_numpy(dtype=float)  # noqa: E731
            if {"lo_95", "hi_95"} <= set(f.columns):
                ax.fill_between(xs, pad("lo_95"), pad("hi_95"), color=palette["band95"], lw=0, zorder=1)
            if {"lo_80", "hi_80"} <= set(f.columns):
                ax.fill_between(xs, pad("lo_80"), pad("hi_80"), color=palette["band80"], alpha=0.7, lw=0, zorder=2)
            # the centre line is the median of the calibrated distribution (q_50), so it sits inside the
            # bands it is drawn with; the model's point forecast can lie off-centre when errors are skewed
            ax.plot(xs, pad("q_50" if "q_50" in f.columns else "mean"), color=palette["line"], ls="--", lw=1.4,
                    zorder=3)
        if targets is not None and len(targets):
            tg = targets[targets["indicator"] == ind]
            for _, row in tg.iterrows():
                ty = row.get("target_year", row.get("year"))
                if pd.notna(row.get("target")) and pd.notna(ty):
                    ax.scatter([ty], [row["target"]], marker="D", color=palette["target"], s=42, zorder=5)
                    ax.hlines(row["target"], ty - 0.4, ty + 0.4, color=palette["target"], lw=1.2, zorder=5)
                stretch = row.get("stretch")
                if stretch is not None and pd.notna(stretch) and pd.notna(ty) and stretch != row.get("target"):
                    ax.scatter([ty], [stretch], marker="*", color=palette["stretch"], s=80, zorder=5)
        ax.set_title(indicator_label(ind, lang), fontsize=11, y=1.01)  # a set y skips a costly auto-placement
        ax.set_xlabel("")
        years = pd.concat([h["year"], f["year"]]) if len(f) else h["year"]
        if len(years) and years.min() == years.max():  # one point: keep the axis on that year
            ax.set_xlim(years.min() - 1, years.max() + 1)
        if len(years):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles = [
        Line2D([], [], color=palette["line"], marker="o", lw=1.6, label=tx["actual"]),
        Line2D([], [], color=palette["line"], marker="o", mfc="white", lw=0, label=tx["estimate"]),
        Line2D([], [], color="#7f8c8d", marker="^", lw=0, label=tx["ytd_legend"]),
        Line2D([], [], color=palette["line"], ls="--", label=tx["median"]),
        Patch(color=palette["band80"], alpha=0.7, label=tx["b80"]),
        Patch(color=palette["band95"], label=tx["b95"]),
        Line2D([], [], color=palette["target"], marker="D", lw=0, label=tx["target"]),
        Line2D([], [], color=palette["stretch"], marker="*", ms=10, lw=0, label=tx["stretch"]),
    ]
    # fixed margins instead of tight_layout / bbox_inches="tight": each of those renders the
    # figure once more just to measure it, and rendering is most of a brief's time
    height = fig.get_figheight()
    legend_h = 0.55 / height
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=9, bbox_to_anchor=(0.5, 0.0))
    if title:
        fig.suptitle(title, fontsize=13)
    top = 1 - (0.85 if title else 0.32) / height
    fig.subplots_adjust(left=0.08, right=0.98, bottom=legend_h + 0.45 / height, top=top,
                        wspace=0.22, hspace=0.55 * 3.4 / max(3.4, height / nrows) + 0.1)
    return fig


def growth_chart(assessment: pd.DataFrame, *, lang: str = "zh", title: str | None = None):
    """Required annual growth of each target against the indicator's historical growth.

    Parameters
    ----------
    assessment
        Rows of :func:`~innovation_forecast.assess_targets`: ``indicator, target_year,
        required_growth, historical_growth`` (fractions) and optionally ``verdict``.
    lang
        ``"zh"`` or ``"en"`` labels.

    Returns
    -------
    matplotlib.figure.Figure
        A dot plot, one row per target: required growth (red) and historical growth (blue),
        joined by a line; values in percent.
    """
    import matplotlib.pyplot as plt

    _style(lang)
    tx = _t(lang)
    a = assessment.copy() if assessment is not None else pd.DataFrame()
    if len(a):
        a = a[a["required_growth"].notna() | a["historical_growth"].notna()]
    n = len(a)
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.42 * max(n, 1)))
    if n == 0:
        ax.text(0.5, 0.5, tx["no_targets"], ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    year_col = "target_year" if "target_year" in a else "year"
    labels = [f"{indicator_label(r['indicator'], lang, unit=False)} {int(r[year_col])}" for _, r in a.iterrows()]
    y = np.arange(n)[::-1]
    req = a["required_growth"].to_numpy(dtype=float) * 100
    his = a["historical_growth"].to_numpy(dtype=float) * 100
    for yi, r, hh in zip(y, req, his):
        if np.isfinite(r) and np.isfinite(hh):
            ax.plot([hh, r], [yi, yi], color="#bbbbbb", lw=2, zorder=1)
    ax.scatter(req, y, color="#c0392b", s=46, zorder=3, label=tx["required"])
    ax.scatter(his, y, color="#1f4e79", s=46, zorder=3, label=tx["historical"])
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(tx["growth"])
    ax.set_title(title or tx["growth_title"], fontsize=11, loc="left")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=9, frameon=False)
    longest = max(len(s) for s in labels)
    height = fig.get_figheight()
    fig.subplots_adjust(left=min(0.5, 0.04 + 0.017 * longest), right=0.97, bottom=0.55 / height,
                        top=1 - 0.6 / height)
    return fig
