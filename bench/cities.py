"""Out-of-sample check of the engine on the sub-provincial series the city briefs forecast.

For every city or county series in ``load_panel()`` (the curated figures plus, with a data directory, the
Jiangxi bulletins: city GDP 2013-2023 and sparse innovation figures) and every year ``t`` that has a later
value within two years, the series up to ``t`` is forecast to that later year with the province panel up to
``t`` as ``reference=`` (``panel.annual_values``: an actual, else an estimate, else a nowcast year-to-date
figure) and scored: coverage of the 50/80/95 % intervals, the 95 % interval score divided by the actual
(a scale-free MSIS), and the mean absolute log error against naive. GDP (a smooth series, 97 cases with the
shared data) and the innovation indicators (15 cases) are reported apart.

Usage::

    INNOVATION_FORECAST_DATA=../shared/data/raw python bench/cities.py [--csv FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from innovation_forecast import load_panel  # noqa: E402
from innovation_forecast.forecast import FallbackWarning, forecast  # noqa: E402
from innovation_forecast.panel import annual_values  # noqa: E402


def cases(panel: pd.DataFrame) -> pd.DataFrame:
    prov = panel[(panel["level"] == "province") & (panel["status"] == "actual")][["region", "indicator", "year", "value"]]
    sub = annual_values(panel[panel["level"].isin(["prefecture", "county"])])
    rows = []
    for (region, ind), g in sub.groupby(["region", "indicator"]):
        if ind not in set(prov["indicator"]):
            continue
        g = g.sort_values("year")
        for t in g["year"].to_numpy()[:-1]:
            later = g[(g["year"] > t) & (g["year"] <= t + 2)]
            if later.empty:
                continue
            T = int(later["year"].iloc[0])
            hist = g[g["year"] <= t][["region", "indicator", "year", "value"]]
            ref = prov[(prov["indicator"] == ind) & (prov["year"] <= t)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FallbackWarning)
                fc = forecast(hist, h=T - int(t), reference=ref, level=(50, 80, 95))
            f = fc[fc["year"] == T].iloc[0]
            y = float(later["value"].iloc[0])
            rows.append({
                "region": region, "indicator": ind, "origin": int(t), "year": T, "n": len(hist), "actual": y,
                "model": f["model"], "mean": f["mean"], "lo_80": f["lo_80"], "hi_80": f["hi_80"],
                "lo_95": f["lo_95"], "hi_95": f["hi_95"],
                "in50": f["lo_50"] <= y <= f["hi_50"], "in80": f["lo_80"] <= y <= f["hi_80"],
                "in95": f["lo_95"] <= y <= f["hi_95"],
                "is95_rel": ((f["hi_95"] - f["lo_95"]) + 40 * max(f["lo_95"] - y, 0) + 40 * max(y - f["hi_95"], 0)) / y,
                "abs_log_err": abs(np.log(y / f["mean"])), "abs_log_err_naive": abs(np.log(y / hist["value"].iloc[-1])),
            })
    return pd.DataFrame(rows)


def summary(d: pd.DataFrame) -> pd.DataFrame:
    what = np.where(d["indicator"] == "gdp", "GDP", "innovation indicators")
    out = d.groupby(what).agg(cases=("in80", "size"), cov50=("in50", "mean"), cov80=("in80", "mean"),
                              cov95=("in95", "mean"), is95_rel=("is95_rel", "mean"),
                              abs_log_err=("abs_log_err", "mean"), naive=("abs_log_err_naive", "mean"))
    for c in ("cov50", "cov80", "cov95"):
        out[c] = 100 * out[c]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default="", help="also write every case to this file")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = load_panel()
    d = cases(panel)
    if d.empty:
        print("no sub-provincial series with a later value (set INNOVATION_FORECAST_DATA to add the bulletins)")
        return 1
    with pd.option_context("display.width", 200):
        print(summary(d).to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"{len(d)} cases, {time.perf_counter() - t0:.1f} s")
    if args.csv:
        d.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
