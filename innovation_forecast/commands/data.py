"""``innovation-forecast data …``: show the panel, validate a file, list the registries.

    innovation-forecast data show --region 江西 --indicator rd_intensity
    innovation-forecast --data-dir ../shared/data/raw data show --region 南昌 --indicator gdp --format csv
    innovation-forecast data validate my_table.csv
    innovation-forecast data regions
"""

from __future__ import annotations

import argparse
import sys
import warnings

import pandas as pd

from ..errors import DataValidationError, UnknownIndicatorError, UnknownRegionError
from ._output import emit

_SHOW_COLUMNS = ["region", "year", "indicator", "value", "unit", "status", "months", "source", "flag"]


def register(subparsers) -> None:
    p = subparsers.add_parser("data", help="show the tidy panel, validate data files, list regions/indicators",
                              description="Show the tidy panel, validate data files, list regions and indicators.")
    sub = p.add_subparsers(dest="data_command", metavar="ACTION")

    s = sub.add_parser("show", help="print one region's / indicator's rows of the panel")
    s.add_argument("--region", action="append", help="region name, alias or code (repeatable), e.g. 江西, 南昌市")
    s.add_argument("--indicator", action="append", help="indicator name or alias (repeatable), e.g. rd_intensity")
    s.add_argument("--status", choices=["actual", "estimate", "ytd"], help="only rows with this status")
    s.add_argument("--format", choices=["table", "csv"], default="table")
    s.add_argument("--no-embedded", action="store_true", help="leave out the curated figures shipped with the package")
    s.add_argument("--data-dir", default=argparse.SUPPRESS,
                   help="external data directory (default: $INNOVATION_FORECAST_DATA; none = embedded data only)")
    s.set_defaults(func=_show)

    t = sub.add_parser("targets", help="print the targets table (curated by default, or a targets file)")
    t.add_argument("file", nargs="?", help="a targets CSV in load_targets()'s columns (default: data/targets.csv)")
    t.add_argument("--region", action="append", help="region name, alias or code (repeatable)")
    t.add_argument("--indicator", action="append", help="indicator name or alias (repeatable)")
    t.add_argument("--format", choices=["table", "csv"], default="table")
    t.set_defaults(func=_targets)

    v = sub.add_parser("validate", help="check a data file and list every problem with file:line")
    v.add_argument("file")
    v.add_argument("--wide", metavar="INDICATOR",
                   help="the file is a wide table (regions × years) of this indicator")
    v.add_argument("--unit", help="unit of a wide table's cells (default: from its title, else canonical)")
    v.add_argument("--sheet", default="0", help="Excel sheet name or 0-based index (default: the first)")
    v.add_argument("--max-bytes", default=None,
                   help="refuse files larger than this, e.g. 200MB (default: $INNOVATION_FORECAST_MAX_BYTES or 512MB)")
    v.set_defaults(func=_validate)

    r = sub.add_parser("regions", help="list the registered regions")
    r.add_argument("--format", choices=["table", "csv"], default="table")
    r.set_defaults(func=_regions)
    i = sub.add_parser("indicators", help="list the canonical indicators and their aliases")
    i.add_argument("--format", choices=["table", "csv"], default="table")
    i.set_defaults(func=_indicators)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _show(args) -> int:
    from ..loaders import load_panel
    from ..registry import resolve_indicator, resolve_region

    try:
        regions = [resolve_region(r).code for r in args.region or []]
        indicators = [resolve_indicator(i).name for i in args.indicator or []]
    except (UnknownRegionError, UnknownIndicatorError) as exc:
        print(f"innovation-forecast data show: {exc}", file=sys.stderr)
        return 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        panel = load_panel(data_dir=getattr(args, "data_dir", None), include_embedded=not args.no_embedded)
    sel = panel
    if regions:
        sel = sel[sel["region_code"].isin(regions)]
    if indicators:
        sel = sel[sel["indicator"].isin(indicators)]
    if args.status:
        sel = sel[sel["status"] == args.status]
    sel = sel.sort_values(["region_code", "indicator", "year", "status"])
    if sel.empty:
        print("no rows for that selection" + ("" if getattr(args, "data_dir", None) else
              " (embedded data only; pass --data-dir DIR or set INNOVATION_FORECAST_DATA for the province tables)"),
              file=sys.stderr)
        return 1
    emit(sel[_SHOW_COLUMNS], args.format)
    conf = panel.attrs.get("conflicts")
    if conf is not None and len(conf):
        mine = conf[conf["region_code"].isin(sel["region_code"]) & conf["indicator"].isin(sel["indicator"])]
        if len(mine):
            print(f"note: {len(mine)} value(s) here disagreed between sources; the higher-priority one is shown:",
                  file=sys.stderr)
            for r in mine.itertuples():
                print(f"  {r.region} {r.year} {r.indicator}: {r.kept_value:g} ({r.kept_source}) vs "
                      f"{r.dropped_value:g} ({r.dropped_source})", file=sys.stderr)
    for w in caught:
        if not issubclass(w.category, UserWarning) or "disagree between sources" not in str(w.message):
            print(f"innovation-forecast: warning: {w.message}", file=sys.stderr)
    return 0


_TARGET_SHOW = ["region", "year", "indicator", "basis", "comparator", "value", "stretch_low", "stretch_high", "unit",
                "conflict", "quote", "doc"]


def _targets(args) -> int:
    from ..loaders import load_targets
    from ..registry import resolve_indicator, resolve_region

    try:
        regions = [resolve_region(r).name for r in args.region or []]
        indicators = [resolve_indicator(i).name for i in args.indicator or []]
    except (UnknownRegionError, UnknownIndicatorError) as exc:
        print(f"innovation-forecast data targets: {exc}", file=sys.stderr)
        return 2
    tg = load_targets(args.file)
    if regions:
        tg = tg[tg["region"].isin(regions)]
    if indicators:
        tg = tg[tg["indicator"].isin(indicators)]
    if tg.empty:
        print("no targets for that selection", file=sys.stderr)
        return 1
    emit(tg[_TARGET_SHOW].sort_values(["region", "year", "indicator"]), args.format, max_colwidth=40)
    return 0


def _kind(path: str) -> str:
    """tidy / figures / targets, from a CSV header."""
    from pathlib import Path

    from ..loaders._io import read_grid

    if Path(path).suffix.lower() not in (".csv", ".tsv", ".txt"):
        return "tidy"
    grid = read_grid(path)
    head = {str(h).strip() for h in (grid.rows[0] if grid.rows else [])}
    if {"basis", "comparator"} <= head:
        return "targets"
    if {"basis", "doc"} <= head:
        return "figures"
    return "tidy"


def _validate(args) -> int:
    from pathlib import Path

    from ..loaders import load_figures, load_targets, read_tidy, read_wide
    from ..loaders._io import check_size

    if not Path(args.file).exists():
        print(f"innovation-forecast data validate: {args.file}: no such file", file=sys.stderr)
        return 2
    try:
        check_size(args.file, args.max_bytes)  # before anything reads it, sniffing included
        sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
        if args.wide:
            kind = "wide"
            out = read_wide(args.file, indicator=args.wide, unit=args.unit, sheet=sheet, max_bytes=args.max_bytes)
        else:
            kind = _kind(args.file)
            if kind == "tidy":
                out = read_tidy(args.file, sheet=sheet, max_bytes=args.max_bytes)
            else:
                out = {"targets": load_targets, "figures": load_figures}[kind](args.file)
    except DataValidationError as exc:
        for p in exc.problems or [str(exc)]:
            print(p)
        print(f"{len(exc.problems)} problem(s) in {args.file}", file=sys.stderr)
        if not args.wide and any("missing column" in p for p in exc.problems):
            print("hint: for a wide table (regions × years) pass --wide INDICATOR, e.g. --wide gdp", file=sys.stderr)
        return 1
    except FileNotFoundError:  # removed while being read
        print(f"innovation-forecast data validate: {args.file}: no such file", file=sys.stderr)
        return 2
    years = f"{out['year'].min()}–{out['year'].max()}" if len(out) else "none"
    print(f"OK {args.file}: {len(out)} rows ({kind}), {out['region'].nunique()} regions, "
          f"{out['indicator'].nunique()} indicators, years {years}")
    for note in out.attrs.get("notes", []):  # rows or columns left out on purpose, e.g. rows with no value
        print(f"note: {note}", file=sys.stderr)
    return 0


def _regions(args) -> int:
    from ..registry import regions_frame

    emit(regions_frame(), args.format)
    return 0


def _indicators(args) -> int:
    from ..registry import indicators_frame

    emit(indicators_frame(), args.format)
    return 0
