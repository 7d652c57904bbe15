"""``innovation-forecast feasibility``: how likely is each target to be met?

Examples
--------
innovation-forecast feasibility                               # curated seed targets, as of each report's year
innovation-forecast feasibility --report plan.txt --lang zh   # targets read straight from a work report
innovation-forecast --data-dir ../shared/data/raw feasibility --region 九江市 --as-of 2017 --format csv
"""

from __future__ import annotations

import argparse
import re
import sys

import pandas as pd

from ..errors import DataValidationError, InnovationForecastError
from ._output import positive_int

#: Columns shown by ``--format table`` (``csv`` writes every column of assess_targets()).
TABLE_COLUMNS = ["region", "indicator", "target_year", "basis", "target", "latest_value", "p_meet", "p_stretch",
                 "verdict", "explanation"]


def report_year(doc: str) -> int | None:
    """Year a work report was written about: the first 4-digit year in its name
    (``jiujiang_2017_summary_2018_plan`` → 2017), or None."""
    m = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", str(doc))
    return int(m.group(0)) if m else None


def _as_of_arg(s: str):
    """--as-of: a year, 'report' or 'none', checked when the arguments are read (before the panel loads)."""
    if str(s).lower() in ("report", "none"):
        return str(s).lower()
    try:
        return int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a year, 'report' or 'none'") from None


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "feasibility", help="probability that work-report targets are met",
        description="Judge targets (curated seed targets by default) against calibrated forecast paths.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--targets", metavar="FILE", help="targets CSV in the targets-frame columns "
                                                        "(default: the curated data/targets.csv)")
    src.add_argument("--report", metavar="FILE", nargs="+", help="work report(s) to read targets from (multi-year 年均增长/翻番 targets "
                                                             "included, counted from their base year)")
    p.add_argument("--report-region", default=None, metavar="REGION",
                   help="with --report: the reports' region when the text does not say (e.g. 上饶市)")
    p.add_argument("--report-year", type=int, default=None, metavar="YEAR",
                   help="with --report: the year the reports review (their 今年) when the text does not say")
    p.add_argument("--region", nargs="+", default=None, help="only these regions (any alias)")
    p.add_argument("--as-of", default="report", type=_as_of_arg,
                   help="review with data up to YEAR only; 'report' (default) = the year in each report's "
                        "name, else all data; 'none' = all data")
    p.add_argument("--format", choices=("table", "csv"), default="table",
                   help="table (default, for reading) or csv (every column, for programs)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the explanation (default en)")
    p.add_argument("--n-paths", type=positive_int, default=2000,
                   help="sample paths per series (default 2000; fewer is faster and coarser)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the paths (default 0: reproducible)")
    p.set_defaults(func=run)


def _targets(args) -> tuple[pd.DataFrame, list[pd.DataFrame], dict[str, int]]:
    """Targets to review, extra panel rows (a report's own figures) and each report's year."""
    if args.report:
        from ..reader import read_report

        frames, figures, years = [], [], {}
        for path in args.report:
            rep = read_report(path, region=getattr(args, "report_region", None),
                              report_year=getattr(args, "report_year", None))
            if not (len(rep.targets) or len(rep.period_targets)):
                print(f"innovation-forecast: note: {path}: no numeric targets found"
                      + ("" if rep.region else " (nor its region: pass --report-region)"), file=sys.stderr)
            frames.append(rep.targets)
            period = rep.period_targets
            if len(period):  # 年均增长 / 翻番: judged from their base year; without one they cannot be
                from ..feasibility import period_targets_as_targets

                complete = period["base_year"].notna()
                for q in period.loc[~complete, "quote"]:
                    print(f"innovation-forecast: note: {path}: multi-year target {q!r} has no base year; "
                          "not judged", file=sys.stderr)
                frames.append(period_targets_as_targets(period[complete]))
            if rep.report_year is not None:
                years[str(rep.doc)] = int(rep.report_year)
            try:
                figures.append(rep.to_panel())
            except InnovationForecastError as exc:  # no region found: targets fail on their own with a clear row
                print(f"innovation-forecast: note: figures of {path} not used ({exc})", file=sys.stderr)
        return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), figures, years
    if args.targets:
        from ..loaders import load_targets

        try:  # load_targets names each bad line (file:line) and checks stretch levels and conflicts
            return load_targets(args.targets), [], {}
        except OSError as exc:
            raise DataValidationError(f"cannot read targets file {args.targets!r}: {exc}") from None
    from ..loaders import load_targets

    return load_targets(), [], {}


def run(args) -> int:
    from ..feasibility import assess_targets
    from ..loaders import load_panel
    from ..registry import resolve_region

    targets, extra, doc_years = _targets(args)
    if args.region:
        wanted = {resolve_region(r).name for r in args.region}
        targets = targets[targets["region"].map(lambda r: resolve_region(r).name).isin(wanted)]
    panel = load_panel(data_dir=getattr(args, "data_dir", None))
    if extra:  # the report's own figures come after the loaded sources: those win on the same status
        panel = pd.concat([panel, *extra], ignore_index=True)
    reference = None
    if "level" in panel.columns and (panel["level"] == "province").any():
        reference = panel[panel["level"] == "province"]
    as_of = str(args.as_of).lower()
    if len(targets) == 0:
        where = (f" in {', '.join(args.report)} (the reader found no numeric targets such as 专利申请量达5500件 or "
                 "增长25%以上)" if getattr(args, "report", None) else "")
        where += f" for {', '.join(args.region)}" if args.region else ""
        print(f"no targets to review{where}", file=sys.stderr)
        return 1
    if as_of == "report":
        docs = targets["doc"] if "doc" in targets.columns else pd.Series([""] * len(targets))
        years = docs.map(lambda d: doc_years.get(str(d), report_year(d)))
        parts = []
        for y, grp in targets.groupby(years.fillna(-1).astype(int), sort=False):
            parts.append(assess_targets(panel, grp, as_of=None if y < 0 else int(y), lang=args.lang,
                                        reference=reference, n_paths=args.n_paths, seed=args.seed)
                         .assign(as_of=None if y < 0 else int(y)).set_axis(grp.index))
        out = pd.concat(parts).sort_index()
    else:
        year = None if as_of == "none" else _year(args.as_of)
        out = assess_targets(panel, targets, as_of=year, lang=args.lang, reference=reference,
                             n_paths=args.n_paths, seed=args.seed).assign(as_of=year)
    if args.format == "csv":
        from .._csv import safe_to_csv

        safe_to_csv(out, sys.stdout, index=False)  # report quotes are user text: no spreadsheet formulas
    else:
        show = out[TABLE_COLUMNS].copy()
        for c in ("target", "latest_value"):
            show[c] = show[c].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}")
        for c in ("p_meet", "p_stretch"):
            show[c] = show[c].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        with pd.option_context("display.max_colwidth", 400, "display.width", 400):
            print(show.to_string(index=False))
    return 0


def _year(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise DataValidationError(f"--as-of {s!r} is not a year, 'report' or 'none'.") from None


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser()
    register(ap.add_subparsers())
    args = ap.parse_args()
    sys.exit(args.func(args))
