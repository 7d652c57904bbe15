"""Spread priors for short series: how volatile is a region's annual growth before it has a history?

A series of one to five years cannot estimate its own volatility; the engine borrows it from the
other series of the same indicator (the pooled panel and ``reference=``). Two facts make a plain
median of the panel's volatilities too narrow for small, sub-provincial series:

1. **Size.** Across the 31 provinces (techme tables 2000-2024) the standard deviation of annual log
   growth falls with the series' size in every indicator: the slope of log volatility on log level
   is -0.01 to -0.57 (patent applications -0.064, patent grants -0.075, R&D expenditure -0.26,
   technology-contract value -0.38). :func:`size_prior` fits that slope per indicator group on the
   pooled panel itself (clipped to [-0.5, 0]) and evaluates it at a series' last value, extrapolating
   down to one hundredth of the smallest fitted series.

2. **Administrative level.** A city or county is not a small province: one new plant or one
   subsidy drive moves its numbers by tens of percent. The growth rates Jiangxi's cities and
   counties report (``data/figures.csv``, ``basis == growth_pct``, region level prefecture/county,
   one figure per region, year and indicator, preferring actual over estimate over year-to-date)
   sit far from the provinces' median growth of the same indicator and year:
   :data:`SUBREGIONAL_DEVIATIONS` holds the 18 such rows that have province growth to compare with
   (log growth minus the province median, and the provinces' own cross-sectional spread, 1.4826
   MAD). Their root mean square is 0.52 against 0.12 for the provinces' spread, i.e. an extra
   sub-provincial log-growth standard deviation ``tau = sqrt(mean(dev^2) - mean(spread^2)) ~ 0.51``
   (the mean of the deviations, +0.32, is part of it: reported growth is selected and Jiangxi grew
   faster than the median province; the engine widens the interval around its point forecast
   rather than shifting it). :func:`subregional_tau` uses only rows up to a given year (a forecast
   made at the end of 2017 sees no later figure) and shrinks the estimate toward a prior
   ``TAU_PRIOR = 0.25`` with weight :data:`TAU_PRIOR_N` figures (a judgement: a county's growth
   swinging +-25 % beyond the provinces' is ordinary), so years with few figures stay sensible.
   The engine then moves this curated value toward the deviations of the panel's own city and county
   series of the same indicator (``forecast._group_tau``): Jiangxi's city GDP, which tracks the
   provinces' growth within a few points, gets a small ``tau``; figures like Yongxiu's keep a large one.

Without any series to learn from (one-point series, embedded data only), :data:`KIND_VOLATILITY`
gives the prior per indicator kind: the median over the province series of that kind's indicators
of the sd of annual log growth (count 0.17, amount 0.16, ratio 0.055; techme 2000-2024).

``subregional_deviations(figures, province_panel)`` recomputes :data:`SUBREGIONAL_DEVIATIONS` from
the two inputs (the test suite checks that it matches when the shared data are present).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "KIND_VOLATILITY",
    "LEVEL_DEPTH",
    "SUBREGIONAL_DEVIATIONS",
    "TAU_PRIOR",
    "TAU_PRIOR_N",
    "kind_volatility",
    "region_depth",
    "size_prior",
    "subregional_deviations",
    "subregional_tau",
]

#: Default sd of annual log growth per indicator kind when no series can inform it.
KIND_VOLATILITY = {"count": 0.17, "amount": 0.16, "ratio": 0.055}
#: Used for an unknown indicator (the count value: most indicators are counts).
_UNKNOWN_KIND_VOLATILITY = 0.17
#: Depth of each administrative level (deeper = smaller unit).
LEVEL_DEPTH = {"country": 0, "province": 1, "prefecture": 2, "county": 3}
#: Prior value of the extra sub-provincial log-growth sd and its weight in figures.
TAU_PRIOR = 0.25
TAU_PRIOR_N = 5.0
#: Slope bounds of log volatility on log level, and how far below the smallest series it extrapolates.
_SLOPE_BOUNDS = (-0.5, 0.0)
_EXTRAPOLATE = 100.0
#: Fewest series for a size slope (else the slope is 0: the plain median).
_MIN_SIZE_SERIES = 8

#: (region, year, indicator, log growth minus the province median, province spread (1.4826 MAD)),
#: from data/figures.csv and the techme province tables; see :func:`subregional_deviations`.
SUBREGIONAL_DEVIATIONS = (
    ("上饶市", 2016, "rd_expenditure", 0.337759, 0.058833),
    ("九江市", 2017, "patent_applications", 0.115776, 0.161782),
    ("南昌市", 2020, "rd_expenditure", -0.000072, 0.039851),
    ("南昌市", 2018, "patent_applications", 0.009808, 0.102658),
    ("南昌市", 2013, "patent_applications", 0.094761, 0.098308),
    ("九江市", 2015, "patent_grants", 0.357512, 0.083781),
    ("九江市", 2015, "patent_applications", 0.201650, 0.084292),
    ("九江市", 2016, "patent_grants", 0.261800, 0.084655),
    ("九江市", 2016, "patent_applications", 0.148032, 0.091070),
    ("南昌市", 2021, "hte_in_recognition_notices", -0.817136, 0.234711),
    ("永修县", 2017, "tech_contract_value", 0.626096, 0.138794),
    ("上饶市", 2017, "patent_applications", 0.170313, 0.161782),
    ("永修县", 2017, "rd_expenditure", 0.818590, 0.070074),
    ("永修县", 2017, "patent_grants", 0.384597, 0.100825),
    ("永修县", 2017, "patent_applications", 0.338432, 0.161782),
    ("上饶市", 2017, "patent_grants", 0.106767, 0.100825),
    ("永修县", 2017, "invention_patent_applications", 1.308771, 0.170129),
    ("永修县", 2017, "invention_patent_grants", 0.858680, 0.113609),
)


def kind_volatility(indicator) -> float:
    """Default sd of annual log growth for an indicator name (via the registry's ``kind``)."""
    try:
        from ..registry import resolve_indicator

        kind = resolve_indicator(str(indicator)).kind
    except Exception:  # any non-indicator key (M3 ids, free text): the generic default
        return _UNKNOWN_KIND_VOLATILITY
    return KIND_VOLATILITY.get(kind, _UNKNOWN_KIND_VOLATILITY)


def region_depth(region) -> int | None:
    """Administrative depth of a region name (0 country ... 3 county), None when not a registered region."""
    try:
        from ..registry import resolve_region

        return LEVEL_DEPTH.get(resolve_region(str(region)).level)
    except Exception:  # not a region of the registry (M3 ids, test names): no level-based widening
        return None


def size_prior(levels: np.ndarray, vols: np.ndarray) -> tuple[float, float, float, float]:
    """Fit log volatility on log level across series.

    Parameters
    ----------
    levels
        A typical (median) positive level of each series.
    vols
        Each series' sd of annual log growth.

    Returns
    -------
    tuple
        ``(median volatility, slope, median log level, smallest log level)``; the prior at level ``L``
        is ``median * exp(slope * (log L - median log level))`` (see :func:`prior_at`).
    """
    lv = np.log(np.asarray(levels, float))
    v = np.asarray(vols, float)
    ok = np.isfinite(lv) & np.isfinite(v) & (v > 0)
    lv, v = lv[ok], v[ok]
    if not len(v):
        return float("nan"), 0.0, float("nan"), float("nan")
    med = float(np.median(v))
    slope = 0.0
    if len(v) >= _MIN_SIZE_SERIES and np.ptp(lv) > 0:
        slope = float(np.clip(np.polyfit(lv, np.log(v), 1)[0], *_SLOPE_BOUNDS))
    return med, slope, float(np.median(lv)), float(np.min(lv))


def prior_at(fit: tuple, level: float) -> float:
    """Volatility prior of a series at ``level`` from a :func:`size_prior` fit."""
    med, slope, mid, lo = fit
    if not np.isfinite(med):
        return float("nan")
    if not slope or not (np.isfinite(level) and level > 0):
        return med
    x = max(np.log(level), lo - np.log(_EXTRAPOLATE))
    return float(med * np.exp(slope * (x - mid)))


def subregional_tau(upto: int | None = None, rows=SUBREGIONAL_DEVIATIONS) -> float:
    """Extra log-growth sd of a city or county over a province's, from figures up to ``upto``.

    ``tau^2 = (n * max(mean(dev^2) - mean(spread^2), 0) + TAU_PRIOR_N * TAU_PRIOR^2) / (n + TAU_PRIOR_N)``
    over the ``n`` rows of ``rows`` with year <= ``upto`` (all when None).
    """
    r = [x for x in rows if upto is None or int(x[1]) <= int(upto)]
    n = len(r)
    est2 = 0.0
    if n:
        dev = np.array([x[3] for x in r], float)
        spr = np.array([x[4] for x in r], float)
        est2 = max(float(np.mean(dev ** 2) - np.mean(spr ** 2)), 0.0)
    return float(np.sqrt((n * est2 + TAU_PRIOR_N * TAU_PRIOR ** 2) / (n + TAU_PRIOR_N)))


def subregional_deviations(figures: pd.DataFrame, province_panel: pd.DataFrame) -> list[tuple]:
    """Rebuild :data:`SUBREGIONAL_DEVIATIONS` from the curated figures and a province panel.

    Parameters
    ----------
    figures
        ``load_figures()``: rows with ``basis == "growth_pct"`` of prefecture and county regions are used
        (one per region, year and indicator: actual before estimate before ytd).
    province_panel
        Tidy province rows (``region, indicator, year, value``), e.g. the techme tables with
        ``status == "actual"``.

    Returns
    -------
    list of tuple
        ``(region, year, indicator, deviation, province spread)`` for the figures whose indicator and year
        have province growth rates.
    """
    depth = {r: region_depth(r) for r in figures["region"].unique()}
    f = figures[(figures["basis"] == "growth_pct") & figures["region"].map(depth).isin([2, 3])].copy()
    f["rank"] = f["status"].map({"actual": 0, "estimate": 1, "ytd": 2}).fillna(3)
    f = f.sort_values("rank", kind="stable").drop_duplicates(["region", "year", "indicator"])
    p = province_panel[province_panel["value"] > 0].sort_values("year").copy()
    p["lg"] = p.groupby(["region", "indicator"])["value"].transform(lambda v: np.log(v).diff())
    p = p[p.groupby(["region", "indicator"])["year"].diff() == 1]
    agg = p.groupby(["indicator", "year"])["lg"]
    med = agg.median()
    spread = agg.agg(lambda v: 1.4826 * float(np.median(np.abs(v - np.median(v)))))
    out = []
    for _, r in f.iterrows():
        k = (r["indicator"], int(r["year"]))
        if k not in med.index:
            continue
        dev = float(np.log1p(float(r["value"]) / 100) - med.loc[k])
        out.append((r["region"], int(r["year"]), r["indicator"], round(dev, 6), round(float(spread.loc[k]), 6)))
    return out
