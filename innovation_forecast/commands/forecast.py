"""``innovation-forecast forecast`` and ``innovation-forecast backtest``.

    innovation-forecast forecast --region 江西 --indicator patent_applications --horizon 2
    innovation-forecast --data-dir ../shared/data/raw forecast --region 南昌市 --indicator rd_intensity \\
        --horizon 3 --level 80 95 --format csv
    innovation-forecast backtest --indicator patent_applications --origins 2016-2022 --horizon 2

``forecast`` forecasts the asked series with ``models="auto"``; every other region's series of the
same indicator in the panel is passed as ``reference=``, so a short city series borrows growth
information (and interval calibration) from the provinces. ``backtest`` scores the engine on
rolling origins over every region of the indicator (or the ``--region`` ones) and prints
accuracy per indicator, next to naive.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
import pandas as pd

from ..errors import InnovationForecastError
from ._output import emit, positive_int

_FC_COLUMNS = ["region", "indicator", "year", "model", "mean"]


def register(subparsers) -> None:
    f = subparsers.add_parser("forecast", help="forecast a region's indicator with calibrated intervals",
                              description="Forecast one or more regions' indicators with calibrated intervals "
                                          "(model chosen by rolling-origin accuracy; other regions inform it).")
    f.add_argument("--region", action="append", required=True,
                   help="region name, alias or code (repeatable), e.g. 江西, 南昌市")
    f.add_argument("--indicator", action="append", required=True,
                   help="indicator name or alias (repeatable), e.g. patent_applications, 研发投入强度")
    f.add_argument("--horizon", type=positive_int, default=2, help="years ahead (default 2)")
    f.add_argument("--level", type=float, nargs="+", default=[80.0, 95.0], help="interval levels in percent")
    f.add_argument("--format", choices=["table", "csv"], default="table",
                   help="table (default, for reading) or csv (for programs)")
    f.add_argument("--n-jobs", type=positive_int, default=1, help="parallel processes for the fits (default 1)")
    f.add_argument("--data-dir", default=argparse.SUPPRESS,
                   help="external data directory (default: $INNOVATION_FORECAST_DATA; none = embedded data only)")
    f.set_defaults(func=_forecast)

    b = subparsers.add_parser("backtest", help="rolling-origin accuracy and interval coverage of the forecasts",
                              description="Rolling-origin backtest of the forecasting engine on the panel.")
    b.add_argument("--indicator", action="append", required=True, help="indicator name or alias (repeatable)")
    b.add_argument("--region", action="append", help="restrict to these regions (default: all with data)")
    b.add_argument("--level-filter", dest="levels", choices=["province", "prefecture", "county", "country"],
                   action="append", help="only regions of this administrative level (repeatable; default province)")
    b.add_argument("--origins", default="2016-2022", help="origin years, e.g. 2016-2022 or 2018,2020")
    b.add_argument("--horizon", type=positive_int, default=2, help="years ahead scored from each origin (default 2)")
    b.add_argument("--level", type=float, nargs="+", default=[80.0, 95.0], help="interval levels in percent")
    b.add_argument("--detail", action="store_true", help="print every scored forecast instead of the summary")
    b.add_argument("--format", choices=["table", "csv"], default="table",
                   help="table (default, for reading) or csv (for programs)")
    b.add_argument("--n-jobs", type=positive_int, default=1, help="parallel processes for the fits (default 1)")
    b.add_argument("--data-dir", default=argparse.SUPPRESS,
                   help="external data directory (default: $INNOVATION_FORECAST_DATA; none = embedded data only)")
    b.set_defaults(func=_backtest)


def _number(v: float) -> str:
    """A figure as a reader writes it: 11,820 (not 1.182e+04), 341.8, 2.2, 0.0123."""
    if not np.isfinite(v):
        return str(v)
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.4g}"


def _emit(df: pd.DataFrame, fmt: str) -> None:
    # shared printer: CSV cells are escaped so no region name or note reaches a spreadsheet as a formula
    emit(df, fmt, float_format=_number)


def _load(args, indicators: list[str]) -> pd.DataFrame:
    from .. import load_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # source conflicts are reported by `data show`, not here
        panel = load_panel(data_dir=getattr(args, "data_dir", None))
    return panel[panel["indicator"].isin(indicators)]


def _actual_panel(args, indicators: list[str]) -> pd.DataFrame:
    p = _load(args, indicators)
    p = p[p["status"] == "actual"]
    return p[["region", "level", "indicator", "year", "value"]].reset_index(drop=True)


def _annual_panel(args, indicators: list[str]) -> pd.DataFrame:
    """One value per series and year as the briefs and feasibility reviews use them (``panel.annual_values``:
    an actual, else the report's full-year estimate, else its year-to-date figure nowcast to the full year)."""
    from ..panel import annual_values

    return annual_values(_load(args, indicators)).reset_index(drop=True)


def _base_notes(annual: pd.DataFrame) -> dict:
    """{(region, indicator): note} for series whose last value is not an actual figure."""
    out = {}
    for (region, ind), g in annual.groupby(["region", "indicator"]):
        last = g.sort_values("year").iloc[-1]
        if last["status"] != "actual":
            what = "an estimate (预计)" if last["status"] == "estimate" else "a year-to-date figure nowcast to the full year"
            out[(region, ind)] = f"the {int(last['year'])} value is {what}" + (
                f": {last['note']}" if str(last.get("note", "") or "") else "")
    return out


def _resolve(args):
    from ..registry import resolve_indicator, resolve_region

    regions = [resolve_region(r).name for r in (args.region or [])]
    indicators = [resolve_indicator(i).name for i in args.indicator]
    return regions, indicators


def _forecast(args) -> int:
    from ..forecast import forecast

    try:
        regions, indicators = _resolve(args)
        annual = _annual_panel(args, indicators)
        notes = _base_notes(annual[annual["region"].isin(regions)])
        panel = annual[["region", "indicator", "year", "value"]]
        target = panel[panel["region"].isin(regions)]
        missing = [(r, i) for r in regions for i in indicators
                   if target[(target.region == r) & (target.indicator == i)].empty]
        if missing:
            print("innovation-forecast forecast: no values in the panel for "
                  + ", ".join(f"{r} / {i}" for r, i in missing)
                  + " (set --data-dir or $INNOVATION_FORECAST_DATA to add the provincial tables).", file=sys.stderr)
            if len(missing) == len(regions) * len(indicators):
                return 2
        ref = panel[~panel["region"].isin(regions)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fc = forecast(target, h=args.horizon, level=tuple(args.level), reference=ref if len(ref) else None,
                          n_jobs=args.n_jobs)
        for w in caught:
            print(f"innovation-forecast: warning: {w.message}", file=sys.stderr)
    except (InnovationForecastError, ValueError) as exc:
        print(f"innovation-forecast forecast: {exc}", file=sys.stderr)
        return 2
    cols = _FC_COLUMNS + [c for c in fc.columns if c.startswith(("lo_", "hi_"))] + ["fallback_used"]
    if notes:
        extra = [notes.get((r, i), "") for r, i in zip(fc["region"], fc["indicator"])]
        fc["note"] = ["; ".join(filter(None, [a, b])) for a, b in zip(fc["note"], extra)]
    if (fc["note"] != "").any():
        cols.append("note")
    _emit(fc[cols], args.format)
    return 0


def _backtest(args) -> int:
    from ..forecast import accuracy, backtest
    from ..models import Naive

    try:
        regions, indicators = _resolve(args)
        panel = _actual_panel(args, indicators)
        levels = args.levels or ["province"]
        panel = panel[panel["level"].isin(levels)] if not regions else panel[panel["region"].isin(regions)]
        if panel.empty:
            print("innovation-forecast backtest: no actual values for "
                  f"{indicators} at {levels} level (set --data-dir or $INNOVATION_FORECAST_DATA).", file=sys.stderr)
            return 2
        panel = panel.drop(columns="level")
        bt = backtest(panel, origins=args.origins, h=args.horizon, level=tuple(args.level), n_jobs=args.n_jobs)
        if bt.empty:
            years = sorted(panel["year"].unique())
            print(f"innovation-forecast backtest: nothing to score at origins {args.origins}: the data run "
                  f"{years[0]}–{years[-1]}, and an origin needs data before it and an actual value up to "
                  f"{args.horizon} year(s) after it.", file=sys.stderr)
            return 2
        if args.detail:
            _emit(bt, args.format)
            return 0
        acc = accuracy(bt, by=("indicator",))
        nv = accuracy(backtest(panel, origins=args.origins, h=args.horizon, level=tuple(args.level),
                               models=[Naive()], n_jobs=args.n_jobs), by=("indicator",))
    except (InnovationForecastError, ValueError) as exc:
        print(f"innovation-forecast backtest: {exc}", file=sys.stderr)
        return 2
    acc = acc.merge(nv[["indicator", "mase"]].rename(columns={"mase": "mase_naive"}), on="indicator")
    acc["mase_vs_naive"] = acc["mase"] / acc["mase_naive"]
    cols = ["indicator", "n", "smape", "mase", "mase_naive", "mase_vs_naive"] + \
        [c for c in acc.columns if c.startswith(("coverage_", "msis_"))] + ["crps"]
    _emit(acc[[c for c in cols if c in acc.columns]], args.format)
    return 0
