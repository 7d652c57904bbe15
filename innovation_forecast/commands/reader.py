"""``innovation-forecast read-report FILE…``: figures and targets of Chinese work reports.

    innovation-forecast read-report ../shared/seeds/yongxiu_2017_summary_2018_plan.txt
    innovation-forecast read-report report.html --region 上饶市 --report-year 2017 --format csv
    innovation-forecast read-report a.txt b.txt --format json
"""

from __future__ import annotations

import json
import math
import sys

import pandas as pd

_FIG_SHOW = ["doc", "region", "year", "indicator", "status", "basis", "value", "unit", "months", "quote"]
_TGT_SHOW = ["doc", "region", "year", "indicator", "basis", "comparator", "value", "stretch_low", "stretch_high",
             "unit", "conflict", "quote"]
_PERIOD_SHOW = ["doc", "region", "base_year", "year", "indicator", "kind", "comparator", "value", "unit", "quote"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "read-report", help="read figures and numeric targets from Chinese S&T work reports",
        description="Read the figures (actual, estimate, year-to-date) and numeric targets of Chinese "
                    "science-and-technology work reports (UTF-8, GBK/GB18030 or HTML).")
    p.add_argument("files", nargs="+", metavar="FILE", help="report file(s): .txt or .html")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table (default): two tables per file; csv: one table with a 'kind' column; json")
    p.add_argument("--region", help="the reports' region when the text does not say (e.g. 上饶市)")
    p.add_argument("--report-year", type=int, help="the year the report reviews (its 今年), e.g. 2017")
    p.set_defaults(func=_run)


def _jsonable(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _run(args) -> int:
    from .._csv import safe_to_csv
    from ..reader import read_report

    reports = [read_report(f, region=args.region, report_year=args.report_year) for f in args.files]
    for f, r in zip(args.files, reports):
        if not (len(r.figures) or len(r.targets) or len(r.period_targets)):
            print(f"innovation-forecast read-report: note: no figures or targets found in {f}. The reader looks for "
                  "phrases such as 专利申请量5500件, 新增高新技术企业40家以上 or 研发经费投入占GDP比重达2.2%; is this a "
                  "science-and-technology work report?", file=sys.stderr)
    out = sys.stdout
    if args.format == "json":
        payload = []
        for r in reports:
            payload.append({
                "doc": r.doc, "title": r.title, "region": r.region, "report_year": r.report_year,
                "figures": [{k: _jsonable(v) for k, v in row.items()} for row in r.figures.to_dict("records")],
                "targets": [{k: _jsonable(v) for k, v in row.items()} for row in r.targets.to_dict("records")],
                "period_targets": [{k: _jsonable(v) for k, v in row.items()}
                                   for row in r.period_targets.to_dict("records")],
            })
        json.dump(payload, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return 0
    if args.format == "csv":
        frames = []
        for r in reports:
            f = r.figures.assign(kind="figure")
            t = r.targets.assign(kind="target", status=pd.NA, months=pd.NA)
            # 年均增长 → basis annual_average_growth, 翻番 → multiple, counted from base_year
            pt = r.period_targets.rename(columns={"kind": "basis"}).assign(kind="period_target")
            frames += [f, t, pt]
        allc = ["kind", "doc", "region", "year", "indicator", "status", "basis", "comparator", "value",
                "base_year", "stretch_low", "stretch_high", "unit", "months", "conflict", "quote", "start", "end"]
        frames = [fr for fr in frames if len(fr)]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        safe_to_csv(table.reindex(columns=allc), out, index=False)  # nothing found: the header alone
        return 0
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 220,
                           "display.max_colwidth", 50):
        for r in reports:
            out.write(f"# {r.doc}: {r.region or '(region unknown: pass --region)'}, report year "
                      f"{r.report_year or '?'}; {len(r.figures)} figures, {len(r.targets)} targets"
                      + (f", {len(r.period_targets)} multi-year targets" if len(r.period_targets) else "") + "\n")
            out.write("## figures\n" + (r.figures[_FIG_SHOW].to_string(index=False) if len(r.figures) else "(none)")
                      + "\n## targets\n" + (r.targets[_TGT_SHOW].to_string(index=False) if len(r.targets)
                                           else "(none)") + "\n")
            if len(r.period_targets):
                out.write("## multi-year targets (年均增长, 翻番)\n"
                          + r.period_targets[_PERIOD_SHOW].to_string(index=False) + "\n")
            out.write("\n")
    return 0
