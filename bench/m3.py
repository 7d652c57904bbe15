"""M3 yearly benchmark of the forecasting engine (645 series, h = 6), side by side with the anchors.

Usage:
    python bench/m3.py [--bench-dir DIR] [--n-jobs 2] [--tile 1]

Reads ``m3_yearly.csv`` from --bench-dir (default: $INNOVATION_FORECAST_BENCH or ../shared/bench).
Fits ``forecast(models="auto", keys=("series_id",))`` on the train part of every series: model
choice (single models and median/mean combinations) and the interval calibration use only
in-sample rolling origins of the train part; the 6 test points are used for scoring only.
Metrics are those of ``anchor_statsforecast.py``: sMAPE, MASE (lag-1 in-sample scale), MAPE,
OWA vs naive, 95 % coverage and MSIS (alpha = 0.05), plus 80 % coverage.

``--tile K`` repeats the data set K times (series ids suffixed) to show how the cost grows;
with K > 1 only timings are printed.

``--holdout`` is the in-sample hold-out used to judge changes to the engine: every series' train
part minus its last 6 points is fitted and those 6 points are scored (the test part is never read
for this; the anchors printed beside it are test-part figures and not comparable).

``--holdout-origins 6,9,12`` is the multi-origin version of it: the pipeline is run once per cut
``c``, fitting every series' train part minus its last ``c`` points and scoring the next 6 (series
with fewer than ``c + --holdout-min-train`` train points sit that origin out); each series' errors
are averaged over the origins it takes part in, then over series. It prints every origin's figures
and their spread; ``--save-series FILE`` writes the per-series, per-origin errors so two variants can
be compared pairwise (:func:`compare`). Only the train part is read.

``--single`` scores single models fitted directly (no engine, no selection) beside the
StatsForecast anchor of the same method: on the test part this checks that a port reproduces
the published figure; with ``--holdout`` it gives the single-model hold-out figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

from innovation_forecast.forecast import FallbackWarning, forecast
from innovation_forecast.models import CES, ETS, DynamicOptimizedTheta, Theta

# StatsForecast 2.1.1 measured on this 2-core machine and M3's original submissions recomputed,
# both from ../shared/bench/PUBLISHED_ANCHORS.md: (sMAPE, MASE, Cov95, MSIS, wall s)
ANCHORS = [
    ("Naive (SF)", 17.880, 3.172, 78.5, 39.98, 0.7),
    ("RandomWalkWithDrift (SF)", 16.790, 2.632, 80.3, 32.56, 0.7),
    ("AutoETS (SF)", 16.190, 2.695, 83.6, 28.71, 3.3),
    ("AutoARIMA (SF)", 16.713, 2.882, 79.4, 40.21, 159.7),
    ("Theta (SF)", 16.650, 2.770, 71.6, 42.75, 1.0),
    ("DynamicOptimizedTheta (SF)", 15.787, 2.576, 74.4, 38.08, 1.5),
    ("AutoTheta (SF)", 16.618, 2.598, 73.1, 38.71, 3.0),
    ("AutoCES (SF)", 17.611, 3.187, 63.1, 66.52, 59.2),
    ("mean(ETS,ARIMA,CES,DOTM) (SF)", 15.655, 2.666, np.nan, np.nan, 223.6),
    ("mean(ETS,ARIMA,Theta) (SF)", 15.677, 2.623, np.nan, np.nan, 163.9),
    ("RBF (M3 best yearly sMAPE)", 16.42, 2.720, np.nan, np.nan, np.nan),
    ("Robust-Trend (M3 best MASE)", 17.03, 2.625, np.nan, np.nan, np.nan),
    ("THETA (M3 winner)", 16.97, 2.806, np.nan, np.nan, np.nan),
]
GOALS = "goals: sMAPE <= 15.5, MASE <= 2.55, Cov95 in [92, 97], MSIS <= 27, wall <= 60 s on 2 cores, peak <= 2 GiB"


def load(bench_dir: str, tile: int = 1, align: str = "start"):
    """(train, test) frames; ``align="end"`` relabels every series' index so its last train point is year 0."""
    df = pd.read_csv(os.path.join(bench_dir, "m3_yearly.csv")).sort_values(["series_id", "t"])
    df = df.rename(columns={"t": "year"})
    if align == "end":
        n_train = df[df["split"] == "train"].groupby("series_id")["year"].max()
        df["year"] = df["year"] - df["series_id"].map(n_train)
    if tile > 1:
        df = pd.concat([df.assign(series_id=df["series_id"] + f"_{k}") for k in range(tile)], ignore_index=True)
    train = df[df["split"] == "train"][["series_id", "category", "year", "value"]]
    test = df[df["split"] == "test"][["series_id", "year", "value"]].rename(columns={"value": "actual"})
    return train, test


def holdout(train: pd.DataFrame, h: int = 6, align: str = "start", cut: int | None = None, min_train: int = 0):
    """(train minus each series' last ``cut`` points, the first ``h`` of those as the test frame).

    ``cut`` defaults to ``h``; series with fewer than ``cut + min_train`` points are left out of both
    frames; ``align`` as in :func:`load`.
    """
    cut = h if cut is None else int(cut)
    if cut < h:
        raise ValueError(f"cut ({cut}) must be at least h ({h})")
    train = train.sort_values(["series_id", "year"])
    size = train.groupby("series_id")["year"].transform("size")
    train = train[size >= cut + max(min_train, 1)]
    rank = train.groupby("series_id").cumcount(ascending=False)  # 0 = last point
    held = train[rank < cut]
    last = held[held.groupby("series_id").cumcount() < h]
    train, test = train[rank >= cut], last[["series_id", "year", "value"]].rename(columns={"value": "actual"})
    if align == "end":
        end = train.groupby("series_id")["year"].max()
        train = train.assign(year=train["year"] - train["series_id"].map(end))
        test = test.assign(year=test["year"] - test["series_id"].map(end))
    return train, test


def series_errors(train, test, fc) -> pd.DataFrame:
    """Per-series mean sAPE, ASE (lag-1 in-sample scale), 95 % interval score and coverage counts."""
    scale = train.groupby("series_id")["value"].apply(lambda s: np.mean(np.abs(np.diff(s.to_numpy()))))
    last = train.groupby("series_id")["value"].last()
    m = test.merge(fc, on=["series_id", "year"], how="left")
    y, f = m["actual"].to_numpy(float), m["mean"].to_numpy(float)
    sc = m["series_id"].map(scale).to_numpy(float)
    nv = m["series_id"].map(last).to_numpy(float)
    lo, hi = m["lo_95"].to_numpy(float), m["hi_95"].to_numpy(float)
    a = 0.05
    out = pd.DataFrame({
        "series_id": m["series_id"],
        "sape": 200 * np.abs(y - f) / (np.abs(y) + np.abs(f)),
        "ase": np.abs(y - f) / sc,
        "sape_naive": 200 * np.abs(y - nv) / (np.abs(y) + np.abs(nv)),
        "ase_naive": np.abs(y - nv) / sc,
        "is95": ((hi - lo) + (2 / a) * (lo - y) * (y < lo) + (2 / a) * (y - hi) * (y > hi)) / sc,
        "in95": ((y >= lo) & (y <= hi)).astype(float),
        "in80": ((y >= m["lo_80"].to_numpy(float)) & (y <= m["hi_80"].to_numpy(float))).astype(float),
    })
    return out.groupby("series_id").mean()


def summarise(per: pd.DataFrame) -> dict:
    """Figures of per-series, per-origin errors (columns of :func:`series_errors` plus ``origin``):
    each series' errors averaged over its origins, then over series; OWA against naive on the same rows."""
    s = per.groupby("series_id").mean(numeric_only=True)
    res = {"sMAPE": s["sape"].mean(), "MASE": s["ase"].mean()}
    res["OWA"] = 0.5 * (res["sMAPE"] / s["sape_naive"].mean() + res["MASE"] / s["ase_naive"].mean())
    if "in95" in s:
        res.update({"Cov95": 100 * s["in95"].mean(), "Cov80": 100 * s["in80"].mean(), "MSIS": s["is95"].mean()})
    res.update({"series": len(s), "rows": len(per)})
    return res


def compare(a: pd.DataFrame, b: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> dict:
    """Paired difference b - a of two per-series, per-origin error frames (same series and origins):
    overall, per origin, and the bootstrap-over-series standard error of the overall difference."""
    key = ["series_id", "origin"]
    m = a.reset_index().merge(b.reset_index(), on=key, suffixes=("_a", "_b"))
    out = {}
    for col, name in (("sape", "sMAPE"), ("ase", "MASE")):
        d = (m[f"{col}_b"] - m[f"{col}_a"]).groupby(m["series_id"]).mean()
        rng = np.random.default_rng(seed)
        boot = [d.to_numpy()[rng.integers(0, len(d), len(d))].mean() for _ in range(n_boot)]
        out[name] = {"diff": float(d.mean()), "se": float(np.std(boot)),
                     "by_origin": (m[f"{col}_b"] - m[f"{col}_a"]).groupby(m["origin"]).mean().round(4).to_dict()}
    return out


def evaluate(train, test, fc, naive_smape=None, naive_mase=None):
    scale = train.groupby("series_id")["value"].apply(lambda s: np.mean(np.abs(np.diff(s.to_numpy()))))
    m = test.merge(fc, on=["series_id", "year"], how="left")
    y, f = m["actual"].to_numpy(float), m["mean"].to_numpy(float)
    sc = m["series_id"].map(scale).to_numpy(float)
    m["sape"] = 200 * np.abs(y - f) / (np.abs(y) + np.abs(f))
    m["ase"] = np.abs(y - f) / sc
    m["ape"] = 100 * np.abs(y - f) / np.abs(y)
    res = {
        "sMAPE": m.groupby("series_id")["sape"].mean().mean(),
        "MASE": m.groupby("series_id")["ase"].mean().mean(),
        "MAPE": m.groupby("series_id")["ape"].mean().mean(),
        "n_nan": int(np.isnan(f).sum()),
    }
    if "lo_95" in m:
        lo, hi = m["lo_95"].to_numpy(float), m["hi_95"].to_numpy(float)
        a = 0.05
        res["Cov95"] = 100 * np.mean((y >= lo) & (y <= hi))
        m["is"] = ((hi - lo) + (2 / a) * (lo - y) * (y < lo) + (2 / a) * (y - hi) * (y > hi)) / sc
        res["MSIS"] = m.groupby("series_id")["is"].mean().mean()
        res["Cov80"] = 100 * np.mean((y >= m["lo_80"]) & (y <= m["hi_80"]))
    if naive_smape:
        res["OWA"] = 0.5 * (res["sMAPE"] / naive_smape + res["MASE"] / naive_mase)
    return res


def single_models():
    """(label, model factory, StatsForecast anchor (sMAPE, MASE) on the test part or None), all on levels."""
    return [
        ("DOTM, grid (dotm_level)", lambda: DynamicOptimizedTheta(log=False), (15.787, 2.576)),
        ("DOTM, Nelder-Mead (SF port)", lambda: DynamicOptimizedTheta(optimizer="nelder-mead", log=False),
         (15.787, 2.576)),
        ("Theta, grid (theta_level)", lambda: Theta(log=False), (16.650, 2.770)),
        ("Theta, Nelder-Mead (SF port)", lambda: Theta(optimizer="nelder-mead", log=False), (16.650, 2.770)),
        ("CES (SF AutoCES port)", lambda: CES(log=False), (17.611, 3.187)),
        ("damped ETS (ets_level)", lambda: ETS(log=False), None),
        ("AutoETS (SF port)", lambda: ETS(engine="autoets", log=False), (16.190, 2.695)),
    ]


def run_single(train, test) -> None:
    """Fit every model of :func:`single_models` to every series and score its own point forecasts."""
    rows = []
    groups = {k: g["value"].to_numpy(float) for k, g in train.groupby("series_id")}
    years = test.groupby("series_id")["year"].apply(np.asarray)
    for label, make, anchor in single_models():
        t0 = time.perf_counter()
        parts = []
        for sid, y in groups.items():
            f = make().fit(y).point(len(years[sid]))
            parts.append(pd.DataFrame({"series_id": sid, "year": years[sid], "mean": f}))
        wall = time.perf_counter() - t0
        r = evaluate(train, test, pd.concat(parts, ignore_index=True))
        rows.append({"model": label, "sMAPE": r["sMAPE"], "MASE": r["MASE"], "fit s": wall,
                     "SF sMAPE (test)": anchor[0] if anchor else np.nan,
                     "SF MASE (test)": anchor[1] if anchor else np.nan})
    with pd.option_context("display.width", 200):
        print(pd.DataFrame(rows).set_index("model").to_string(float_format=lambda v: f"{v:.3f}", na_rep="-"))


def run_multi_origin(args, **forecast_kw) -> pd.DataFrame:
    """The multi-origin hold-out (``--holdout-origins``): per-origin and averaged figures; returns the
    per-series, per-origin errors."""
    cuts = [int(c) for c in str(args.holdout_origins).split(",") if c.strip()]
    full, _ = load(args.bench_dir, 1, args.align)  # the test part is dropped here and never scored
    parts, rows = [], []
    for c in cuts:
        train, test = holdout(full, h=6, align=args.align, cut=c, min_train=args.holdout_min_train)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FallbackWarning)
            fc = forecast(train, h=6, level=(80, 95), keys=("series_id",), n_jobs=args.n_jobs, **forecast_kw)
        per = series_errors(train, test, fc).assign(origin=c)
        parts.append(per)
        rows.append({"origin": f"last {c} held out", **summarise(per), "wall_s": time.perf_counter() - t0})
    per = pd.concat(parts)
    rows.append({"origin": "all (per series over its origins)", **summarise(per), "wall_s": np.nan})
    out = pd.DataFrame(rows).set_index("origin")
    with pd.option_context("display.width", 200):
        print(f"multi-origin in-sample hold-out, cuts {cuts}, series need >= cut + {args.holdout_min_train} "
              f"train points (test part not read)")
        print(out.to_string(float_format=lambda v: f"{v:.3f}"))
    single = out.iloc[:-1]
    print(f"origin-to-origin spread (max - min): sMAPE {np.ptp(single['sMAPE']):.3f}, MASE {np.ptp(single['MASE']):.3f}, "
          f"OWA {np.ptp(single['OWA']):.3f}")
    if args.save_series:
        per.to_csv(args.save_series)
    return per


def _peak_mib() -> tuple[float, float]:
    """(this process, largest finished child) peak resident memory in MiB (Linux reports KiB)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ch = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, ch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench-dir", default=os.environ.get("INNOVATION_FORECAST_BENCH", "../shared/bench"))
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--tile", type=int, default=1)
    ap.add_argument("--holdout", action="store_true",
                    help="score the last 6 train points of every series (in-sample hold-out; the test part is not read)")
    ap.add_argument("--by-category", action="store_true",
                    help="choose models and calibrate per M3 category instead of over all series")
    ap.add_argument("--single", action="store_true",
                    help="score single models fitted directly, beside StatsForecast's figure for the same method")
    ap.add_argument("--align", choices=("start", "end"), default="start",
                    help="M3's index t as the year (start: t = 1 at every series' first point) or "
                         "relabelled so every series' last fitted point is year 0 (end)")
    ap.add_argument("--holdout-origins", default="",
                    help="comma-separated cuts, e.g. 6,9,12: the multi-origin in-sample hold-out (test part not read)")
    ap.add_argument("--holdout-min-train", type=int, default=8,
                    help="with --holdout-origins: fewest fitted points a series needs to take part in an origin")
    ap.add_argument("--save-series", default="",
                    help="with --holdout-origins: write per-series, per-origin errors to this CSV")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    if args.holdout_origins:
        run_multi_origin(args)
        return 0
    train, test = load(args.bench_dir, args.tile, args.align)
    if args.holdout:
        train, test = holdout(train, align=args.align)
        print("in-sample hold-out: scoring the last 6 train points (anchor rows below are test-part figures)")
    if args.single:
        run_single(train, test)
        return 0
    nser = train["series_id"].nunique()
    print(f"M3 yearly x{args.tile}: {nser} series, h=6, train length "
          f"{train.groupby('series_id').size().agg(['min', 'median', 'max']).tolist()}, n_jobs={args.n_jobs}, "
          f"cpus={os.cpu_count()}")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(train, h=6, level=(80, 95), keys=("series_id",), n_jobs=args.n_jobs,
                      group_by=("category",) if args.by_category else ())
    t_fc = time.perf_counter() - t0
    # shut the joblib workers down so their peak memory is counted among finished children
    try:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
    except Exception:  # joblib absent or no executor: nothing to shut down
        pass
    wall = time.perf_counter() - t_start
    me, ch = _peak_mib()
    print(f"forecast() wall {t_fc:.1f} s; whole run incl. reading {wall:.1f} s; peak RSS main {me:.0f} MiB, "
          f"largest worker {ch:.0f} MiB (sum over main + {args.n_jobs} workers <= {me + args.n_jobs * ch:.0f} MiB)")
    if args.tile > 1:
        return 0
    cal = fc.attrs["calibration"]
    print("chosen:", cal.choice, " error space:",
          {k[1]: v["space"] for k, v in cal.tables.items() if k[1] in cal.choice.values()})
    print("in-sample selection scores (best 5):")
    print(cal.scores.sort_values("owa").head(5).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    last = train.groupby("series_id").tail(1).set_index("series_id")["value"]
    nv = test[["series_id", "year"]].assign(mean=test["series_id"].map(last))
    r_nv = evaluate(train, test, nv)
    r = evaluate(train, test, fc, r_nv["sMAPE"], r_nv["MASE"])
    rows = [{"method": f"innovation_forecast auto [{fc['model'].iloc[0]}]", **r, "wall_s": t_fc}]
    for name, sm, ms, cov, msis, w in ANCHORS:
        rows.append({"method": name, "sMAPE": sm, "MASE": ms, "Cov95": cov, "MSIS": msis, "wall_s": w,
                     "OWA": 0.5 * (sm / r_nv["sMAPE"] + ms / r_nv["MASE"])})
    out = pd.DataFrame(rows).set_index("method")[["sMAPE", "MASE", "MAPE", "OWA", "Cov95", "Cov80", "MSIS", "wall_s"]]
    with pd.option_context("display.width", 200):
        print(out.to_string(float_format=lambda v: f"{v:.3f}", na_rep="-"))
    by_cat = test.merge(train[["series_id", "category"]].drop_duplicates(), on="series_id")
    print("by category:")
    for cat, g in by_cat.groupby("category"):
        rc = evaluate(train[train.series_id.isin(g.series_id)], g.drop(columns="category"), fc)
        print(f"  {cat:13s} n={g.series_id.nunique():3d} sMAPE {rc['sMAPE']:.2f} MASE {rc['MASE']:.3f} "
              f"Cov95 {rc['Cov95']:.1f} MSIS {rc['MSIS']:.2f}")
    print(GOALS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
