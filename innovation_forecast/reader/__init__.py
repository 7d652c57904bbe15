"""Chinese S&T work reports → tidy figures and targets.

>>> rep = read_report("2018年，力争全市专利申请量达到5500件以上。", region="上饶市", report_year=2017)
>>> rep.targets[["indicator", "comparator", "value", "stretch_low"]].to_dict("records")
[{'indicator': 'patent_applications', 'comparator': 'ge', 'value': 5500.0, 'stretch_low': 5500.0}]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import ReportReadError
from ..registry import resolve_region
from .extract import DocInfo, analyse, build_search, doc_info
from .nowcast import PROFILES, nowcast_full_year
from .text import load_source

__all__ = ["FIGURE_COLUMNS", "PANEL_COLUMNS", "PERIOD_TARGET_COLUMNS", "PROFILES", "Report", "TARGET_COLUMNS",
           "nowcast_full_year", "read_report"]

FIGURE_COLUMNS = ["doc", "region", "year", "indicator", "status", "basis", "value", "unit", "months", "quote",
                  "start", "end"]
TARGET_COLUMNS = ["doc", "region", "year", "indicator", "basis", "comparator", "value", "stretch_low",
                  "stretch_high", "unit", "quote", "start", "end", "conflict"]
#: Multi-year commitments the targets contract cannot hold (its growth_pct is year on year):
#: kind = annual_average_growth (年均增长15% → value 15, unit %) or multiple (实现翻番 → value 2, unit 倍),
#: measured from base_year to year.
PERIOD_TARGET_COLUMNS = ["doc", "region", "year", "indicator", "kind", "comparator", "value", "base_year", "unit",
                         "quote", "start", "end"]
PANEL_COLUMNS = ["region_code", "region", "level", "year", "indicator", "value", "unit", "status", "months",
                 "source", "flag"]


@dataclass
class Report:
    """One read report.

    Attributes
    ----------
    doc : str
        File stem (or the name given).
    text : str
        The normalised text; every ``start``/``end`` offset points into it (``text[start:end] == quote``).
    figures : DataFrame
        doc, region, year, indicator, status, basis, value, unit, months, quote, start, end
    targets : DataFrame
        doc, region, year, indicator, basis, comparator, value, stretch_low, stretch_high, unit, quote, start,
        end, conflict
    title, region, report_year, plan_year
        What was found about the document (region is the canonical name or None).
    """

    doc: str
    text: str
    figures: pd.DataFrame
    targets: pd.DataFrame
    title: str = ""
    region: str | None = None
    report_year: int | None = None
    plan_year: int | None = None
    #: One doubt string per figure row ("" or "year_inferred", "implausible", joined by ";").
    flags: list[str] = field(default_factory=list)
    #: doc, region, year, indicator, kind, comparator, value, base_year, unit, quote, start, end —
    #: multi-year targets (年均增长 X%, 翻番) kept apart from ``targets``.
    period_targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PERIOD_TARGET_COLUMNS))

    def to_panel(self) -> pd.DataFrame:
        """Level figures as tidy panel rows (``region_code, region, level, year, indicator, value, unit,
        status, months, source, flag``; source = doc)."""
        f = self.figures[self.figures["basis"] == "level"]
        if f["region"].isna().any():
            raise ReportReadError(
                f"{self.doc}: the report's region could not be determined from its title or text; "
                "pass region= to read_report (e.g. region='上饶市'); on the command line --region "
                "(read-report) or --report-region (feasibility)."
            )
        rows = []
        for i, r in f.iterrows():
            reg = resolve_region(r["region"])
            rows.append({"region_code": reg.code, "region": reg.name, "level": reg.level, "year": int(r["year"]),
                         "indicator": r["indicator"], "value": float(r["value"]), "unit": r["unit"],
                         "status": r["status"], "months": r["months"], "source": self.doc,
                         "flag": self.flags[i] if i < len(self.flags) else ""})
        out = pd.DataFrame(rows, columns=PANEL_COLUMNS)
        out["year"] = out["year"].astype(int)
        out["months"] = out["months"].astype("Int64")
        return out


#: Bounds beyond which a figure is kept but flagged "implausible" (a misprint or a misread number):
#: shares and intensities above 100 %, growth above +1000 % or below −100 %, levels larger than
#: China's own totals by an order of magnitude.
_LEVEL_LIMITS = {"件": 1e8, "家": 1e7, "项": 1e8, "亿元": 2e7, "万人": 2e5, "件/万人": 1e3, "%": 100.0}


def _implausible(indicator: str, basis: str, value: float) -> str:
    from ..registry import INDICATORS

    if basis == "growth_pct":
        bad = value > 1000 or value < -100
    elif basis == "pp":
        bad = abs(value) > 100
    else:
        bad = value < 0 or value > _LEVEL_LIMITS.get(INDICATORS[indicator].unit, float("inf"))
    return "implausible" if bad else ""


def _quote(text: str, pos: list[int], a: int, b: int) -> tuple[str, int, int]:
    start, end = pos[a], pos[b - 1] + 1
    return text[start:end], start, end


def read_report(source, *, region: str | None = None, report_year: int | None = None,
                doc: str | None = None) -> Report:
    """Read the figures and numeric targets of a Chinese S&T work report.

    Parameters
    ----------
    source
        A path (``str`` ending in .txt/.html or ``pathlib.Path``), bytes, or the text itself. UTF-8,
        GB18030/GBK (detected) and HTML pages are read.
    region
        The report's region (any registry name or code). Default: from the title, the opening lines, the
        text (我市/全县… plus the most named region) or the file name.
    report_year
        The year the report reviews (its "今年"); the plan part's targets default to the next year.
        Default: from the title ("2017年工作总结及2018年工作打算" → 2017) or the text.
    doc
        Name for the ``doc`` column (default: the file stem, or ``"text"``).

    Returns
    -------
    Report
        ``.figures`` (doc, region, year, indicator, status, basis, value, unit, months, quote, start, end),
        ``.targets`` (doc, region, year, indicator, basis, comparator, value, stretch_low, stretch_high,
        unit, quote, start, end, conflict) and ``.period_targets`` (doc, region, year, indicator, kind,
        comparator, value, base_year, unit, quote, start, end: 年均增长 and 翻番 commitments). Traditional
        characters are read as simplified; quotes keep the original characters.

    Raises
    ------
    ReportReadError
        Empty input, no Chinese text, an undecodable file or a missing path.

    Examples
    --------
    >>> rep = read_report("../shared/seeds/shangrao_2017_summary_2018_plan.txt")  # doctest: +SKIP
    >>> rep.figures.query("indicator == 'hte_new'")[["year", "value"]]  # doctest: +SKIP
    """
    if report_year is not None:
        try:
            report_year = int(report_year)
        except (TypeError, ValueError):
            raise ReportReadError(f"report_year must be a year such as 2017; got {report_year!r}.") from None
    text, doc = load_source(source, doc=doc)
    s, pos = build_search(text)
    info: DocInfo = doc_info(s, doc=doc, region=region, report_year=report_year)
    items = analyse(s, info)

    figs, flags, seen = [], [], set()
    for it in items:
        if it.kind != "figure":
            continue
        key = (it.region, it.year, it.indicator, it.status, it.basis, it.months)
        if key in seen:
            continue
        seen.add(key)
        quote, start, end = _quote(text, pos, it.s_start, it.s_end)
        figs.append({"doc": doc, "region": it.region, "year": it.year, "indicator": it.indicator,
                     "status": it.status, "basis": it.basis, "value": it.value, "unit": it.unit,
                     "months": it.months, "quote": quote, "start": start, "end": end})
        flags.append(";".join(x for x in (it.year_flag, _implausible(it.indicator, it.basis, it.value)) if x))
    figures = pd.DataFrame(figs, columns=FIGURE_COLUMNS)
    figures["year"] = figures["year"].astype("Int64")
    figures["months"] = figures["months"].astype("Int64")
    figures["value"] = figures["value"].astype(float)
    figures["start"] = figures["start"].astype(int)
    figures["end"] = figures["end"].astype(int)

    tg, seen_t = [], {}
    for it in items:
        if it.kind != "target":
            continue
        key = (it.region, it.indicator, it.year, it.basis, round(it.value, 9))
        if key in seen_t:
            continue
        seen_t[key] = True
        quote, start, end = _quote(text, pos, it.s_start, it.s_end)
        tg.append({"doc": doc, "region": it.region, "year": it.year, "indicator": it.indicator, "basis": it.basis,
                   "comparator": it.comparator, "value": it.value, "stretch_low": it.stretch_low,
                   "stretch_high": it.stretch_high, "unit": it.unit, "quote": quote, "start": start, "end": end,
                   "conflict": False})
    targets = pd.DataFrame(tg, columns=TARGET_COLUMNS)
    if len(targets):
        n_values = targets.groupby(["region", "indicator", "year", "basis"], dropna=False)["value"].transform("nunique")
        targets["conflict"] = n_values > 1
    targets["conflict"] = targets["conflict"].astype(bool)
    targets["year"] = targets["year"].astype("Int64")
    for c in ("value", "stretch_low", "stretch_high"):
        targets[c] = targets[c].astype(float)
    targets["start"] = targets["start"].astype(int)
    targets["end"] = targets["end"].astype(int)
    pt, seen_p = [], set()
    for it in items:
        if it.kind != "period":
            continue
        key = (it.region, it.indicator, it.year, it.period_kind, round(it.value, 9))
        if key in seen_p:
            continue
        seen_p.add(key)
        quote, start, end = _quote(text, pos, it.s_start, it.s_end)
        pt.append({"doc": doc, "region": it.region, "year": it.year, "indicator": it.indicator,
                   "kind": it.period_kind, "comparator": it.comparator, "value": it.value, "base_year": it.base_year,
                   "unit": it.unit, "quote": quote, "start": start, "end": end})
    period = pd.DataFrame(pt, columns=PERIOD_TARGET_COLUMNS)
    period["year"] = period["year"].astype("Int64")
    period["base_year"] = period["base_year"].astype("Int64")
    period["value"] = period["value"].astype(float)
    return Report(doc=doc, text=text, figures=figures, targets=targets, title=info.title,
                  region=info.region.name if info.region else None, report_year=info.report_year,
                  plan_year=info.plan_year, flags=flags, period_targets=period)
