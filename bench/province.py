"""Province-panel benchmark of the forecasting engine (rolling origins, h = 1 and 2).

Usage:
    python bench/province.py [--data-dir ../shared/data/raw] [--origins 2016-2022] [--h 2] [--n-jobs 2]

For each origin year T in --origins, every indicator's 31 province series are cut at T and
forecast 1..h years ahead with ``forecast(models="auto")``: model choice, interval calibration
and the pooled model's panel growth are all refitted on data up to T only (``backtest()``).
Prints, per indicator and overall: MASE of the engine relative to naive, sMAPE, 80 % and 95 %
coverage, MSIS; and the goals (relative MASE <= 0.85 averaged over indicators, 80 % coverage in
[75, 85], 95 % coverage in [90, 98]).
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
    args = ap.parse_args(argv)
    panel = province_panel(args.data_dir)
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


if __name__ == "__main__":
    sys.exit(main())
