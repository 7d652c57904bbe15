"""Province-panel benchmark of the forecasting engine (rolling origins, h = 1 and 2).

Usage:
    python bench/province.py [--data-dir ../shared/data/raw] [--origins 2016-2022] [--h 2] [--n-jobs 2]

For each origin year T in --origins, every indicator's 31 province series are cut at T and
forecast 1..h years ahead with ``forecast(models="auto")``: model choice, interval calibration
and the pooled model's panel growth are all refitted on data up to T only (``backtest()``).
Prints, per indicator and overall: MASE of the engine relative to naive, sMAPE, 80 % and 95 %
coverage, MSIS; and the goals (relative MASE <= 0.85 averaged over indicators, 80 % coverage in
[75, 85], 95 % coverage in [90, 98]).

``--one-point`` instead asks how a region with a single value is forecast (a city that published one
figure): at each origin T every province is given only its value of year T, with every province's
history up to T as ``reference=`` (under other names), and forecast 1..h years ahead; scored with the
province's own mean absolute change up to T as the MASE scale. Origins default to 2014-2021.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np
import pandas as pd

from innovation_forecast import load_panel
from innovation_forecast.forecast import accuracy, backtest
from innovation_forecast.models import Naive

INDICATORS = [
    "patent_applications",
    "patent_grants",
    "invention_patent_applications",
    "rd_expenditure",
    "rd_intensity",
    "tech_contract_value",
]


def province_panel(data_dir: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = load_panel(["techme"], data_dir=data_dir, include_embedded=False)
    p = panel[(panel["level"] == "province") & (panel["status"] == "actual") & panel["indicator"].isin(INDICATORS)]
    return p[["region", "indicator", "year", "value"]].reset_index(drop=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.environ.get("INNOVATION_FORECAST_DATA", "../shared/data/raw"))
    ap.add_argument("--origins", default="2016-2022")
    ap.add_argument("--h", type=int, default=2)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--one-point", action="store_true",
                    help="forecast each province from its origin year's value alone, the panel as reference")
    args = ap.parse_args(argv)
    panel = province_panel(args.data_dir)
    if args.one_point:
        origins = "2014-2021" if args.origins == "2016-2022" else args.origins
        return one_point(panel, origins, args.h, args.n_jobs)
    print(f"province panel: {panel.region.nunique()} provinces, {len(panel)} rows, indicators "
          f"{sorted(panel.indicator.unique())}")
    print(f"python={sys.version.split()[0]} cpus={os.cpu_count()} machine={platform.machine()}")
    t0 = time.perf_counter()
    bt = backtest(panel, origins=args.origins, h=args.h, level=(80, 95), n_jobs=args.n_jobs)
    t_auto = time.perf_counter() - t0
    bt_naive = backtest(panel, origins=args.origins, h=args.h, level=(80, 95), models=[Naive()], n_jobs=args.n_jobs)
    acc = accuracy(bt, by=("indicator",))
    acc_h = accuracy(bt, by=("horizon",))
    nv = accuracy(bt_naive, by=("indicator",)).set_index("indicator")
    acc = acc.set_index("indicator")
    acc["mase_naive"] = nv["mase"]
    acc["rel_mase"] = acc["mase"] / acc["mase_naive"]
    acc["naive_cov80"] = nv["coverage_80"]
    acc["naive_cov95"] = nv["coverage_95"]
    cols = ["n", "smape", "mase", "mase_naive", "rel_mase", "coverage_80", "coverage_95", "msis_95",
            "naive_cov80", "naive_cov95"]
    with pd.option_context("display.width", 200):
        print(acc[cols].to_string(float_format=lambda v: f"{v:.3f}"))
        print()
        print(acc_h[["horizon", "n", "smape", "mase", "coverage_80", "coverage_95", "msis_95"]]
              .to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    cov80 = 100 * np.mean((bt.actual >= bt.lo_80) & (bt.actual <= bt.hi_80))
    cov95 = 100 * np.mean((bt.actual >= bt.lo_95) & (bt.actual <= bt.hi_95))
    rel = float(acc["rel_mase"].mean())
    print()
    print("models used:", bt.drop_duplicates(["indicator", "origin"]).groupby("indicator")["model"]
          .agg(lambda s: ", ".join(sorted(set(s)))).to_dict())
    print(f"relative MASE (engine / naive), mean over indicators: {rel:.3f}   goal <= 0.85")
    print(f"coverage 80 %: {cov80:.1f}   goal 75-85;   coverage 95 %: {cov95:.1f}   goal 90-98")
    print(f"points: {len(bt)};  wall (auto backtest, all origins): {t_auto:.1f} s")
    return 0


def one_point(panel: pd.DataFrame, origins: str, h: int, n_jobs: int) -> int:
    """Score forecasts of one-value series (each province at its origin year) against naive."""
    from innovation_forecast.forecast import _parse_origins, forecast

    t0 = time.perf_counter()
    parts = []
    for o in _parse_origins(origins):
        ref = panel[panel["year"] <= o].assign(region=lambda d: "ref:" + d["region"])
        one = panel[panel["year"] == o]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = forecast(one, h=h, reference=ref, n_jobs=n_jobs)
        past = panel[panel["year"] <= o].sort_values("year").groupby(["region", "indicator"])["value"]
        fc = (fc.merge(panel.rename(columns={"value": "actual"}), on=["region", "indicator", "year"])
              .join(past.apply(lambda v: v.diff().abs().mean()).rename("scale"),
                    on=["region", "indicator"])
              .join(one.set_index(["region", "indicator"])["value"].rename("y_origin"), on=["region", "indicator"]))
        parts.append(fc.assign(origin=o))
    df = pd.concat(parts, ignore_index=True)
    a = 0.05
    df = df.assign(
        ase=np.abs(df["actual"] - df["mean"]) / df["scale"],
        ase_naive=np.abs(df["actual"] - df["y_origin"]) / df["scale"],
        cov80=100 * ((df["actual"] >= df["lo_80"]) & (df["actual"] <= df["hi_80"])),
        cov95=100 * ((df["actual"] >= df["lo_95"]) & (df["actual"] <= df["hi_95"])),
        msis95=((df["hi_95"] - df["lo_95"]) + 2 / a * np.maximum(df["lo_95"] - df["actual"], 0)
                + 2 / a * np.maximum(df["actual"] - df["hi_95"], 0)) / df["scale"])
    g = df.groupby("indicator").agg(n=("ase", "size"), mase=("ase", "mean"), mase_naive=("ase_naive", "mean"),
                                     cov80=("cov80", "mean"), cov95=("cov95", "mean"), msis95=("msis95", "mean"))
    g["rel_mase"] = g["mase"] / g["mase_naive"]
    with pd.option_context("display.width", 200):
        print(g.to_string(float_format=lambda v: f"{v:.3f}"))
    print("models used:", df["model"].value_counts().to_dict())
    print(f"one-value series: relative MASE (engine / naive), mean over indicators: {g['rel_mase'].mean():.3f}; "
          f"coverage 80 %: {df['cov80'].mean():.1f}; 95 %: {df['cov95'].mean():.1f}; MSIS95, mean over "
          f"indicators: {g['msis95'].mean():.2f}; points: {len(df)}; wall {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
