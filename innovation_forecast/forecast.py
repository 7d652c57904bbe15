"""Forecast every series of a tidy panel with calibrated intervals and sample paths.

The engine (the "core class" of STYLE.md) does the fan-out that models know nothing about:

1. **Input checks** at the public edge: required columns, numeric values, integer years,
   no duplicate (keys, year) rows.
2. **Rolling origins, in sample.** For every series, each candidate model is refitted at the
   last ``n_origins`` origins inside the data and forecasts up to ``h`` years ahead
   (only years before the forecast origin are ever used). Global models
   (:class:`~innovation_forecast.models.GlobalAR`, ``uses_global``) get one pooled fit per
   group and origin year, made from windows of the group's series whose targets are all at or
   before that year; like the pooled growth model's panel rates, nothing after the origin enters.
3. **Selection** (``models="auto"``), per indicator group (``group_by``; for M3 one group):
   candidates -- 15 single models (trend models on logs and on levels, the pooled growth
   model) and the median or mean of every 2-5-subset of the best 7 -- are ranked by the M4
   OWA (sMAPE and MASE relative to naive, every horizon weighted equally) on the pooled
   rolling-origin forecasts. The forecast is the median of the 20 best-ranked candidates
   (``model`` reads e.g. ``median of 20: theta, ets, pooled, drift, ...``, the single models most
   often among the members; the full member list is in ``Calibration.combos[model]``): many candidates
   score within noise of each other and their median averages that noise out. A series the
   ensemble cannot serve (fewer than two members fit) falls back to the next-ranked model
   that fits (recorded in ``fallback_used``/``fallback_reason``).
4. **Calibration.** The rolling-origin errors of each model are pooled per group and
   horizon in two error spaces -- log ratios divided by the series' log volatility, and level
   errors divided by the mean absolute change of the last 5 years -- and the space with the
   lower two-fold cross-validated interval score is kept. Empirical quantiles, shrunk toward a
   horizon-pooled sqrt(h) shape when a horizon has few errors and toward the all-groups table
   when a group has few, give the quantile function ``Q_j(p)``. Intervals are
   ``point * exp(s * Q_j(p))`` or ``point + scale * Q_j(p)`` (floored at 0 for positive series);
   sample paths put the same ``Q_j`` on a random-walk copula (cumulative growth shocks), so path
   quantiles equal the intervals.
5. **Short series** (:mod:`innovation_forecast.models.spread`). A series' log volatility is shrunk
   toward a prior that depends on its size (slope of log volatility on log level, fitted per group
   on the pooled panel); a city or county whose prior comes from provinces gets an extra log-growth
   sd ``tau`` (from Jiangxi city/county growth figures, moved toward the deviations of the group's own
   city series of the same or a deeper level, all up to the series' last year only: ``_group_tau``),
   added around the calibrated median on logs; groups without any 4-value series use the indicator
   kind's default volatility, and a group without rolling-origin errors of its own borrows the
   all-groups table's spread centred on its own forecast. A one-value series grows at the panel's
   median growth (the pooled model). See ``BENCHMARKS.md`` ("Forecasting: short sub-provincial series").

With an explicit model list every model gets its own rows; where one cannot fit a series the
``fallback`` (default naive) fills in, the rows keep the requested model's name and say so in
``fallback_used``/``fallback_reason``.

The fitted selection and quantile tables live in a :class:`Calibration`; fit it once with
:func:`calibrate` and pass ``calibration=`` to reuse it.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri, stdtrit  # scipy.stats costs ~1 s at import; these are all we need

from .errors import DataValidationError
from .panel import annual_values
from .models import default_models
from .models.base import Model, cumulative_normals, level_keys, quantile_key
from .models.combination import Combination, combine_points
from .models.switch import SwitchRule, fit_switch, series_features
from .models.spread import TAU_PRIOR_N, kind_volatility, prior_at, region_depth, size_prior, subregional_tau

__all__ = [
    "Calibration",
    "FallbackWarning",
    "ForecastPaths",
    "accuracy",
    "backtest",
    "calibrate",
    "coverage",
    "crps_quantiles",
    "forecast",
    "forecast_paths",
    "interval_score",
    "mape",
    "mase",
    "smape",
]

#: Probability grid of the stored quantile functions.
_P = np.concatenate([[0.001, 0.0025], np.linspace(0.005, 0.995, 199), [0.9975, 0.999]])
#: Probability beyond which (and below one minus which) stored quantiles get a bounded tail (_bounded_tails):
#: the 95 % interval's edge, so 80 % and 95 % intervals are never changed by it.
_TAIL_EDGE = 0.975
#: Lowest ratio to the point forecast that a level-space quantile keeps when a positive series is widened
#: on logs (_Fitted._values_widened_on_logs): a level quantile at or below zero becomes 5 % of the point.
_LOG_RATIO_FLOOR = 0.05
#: Pseudo-count pulling a horizon's empirical quantiles toward the horizon-pooled shape.
_SHRINK_N0 = 20.0
#: Pseudo-count pulling a group's quantile table toward the all-groups table of the same model.
_GROUP_N0 = 100.0
#: Fewest rolling-origin errors for a group-specific quantile table (else the all-groups one).
_MIN_CAL = 30
#: Fewest common rolling-origin points for a group-specific model choice.
_MIN_SELECT = 10
#: Best single models whose subsets (2 to 5 members, median or mean) are tried as combinations.
_COMBO_POOL = 7
#: Combinations kept (and calibrated) per group after ranking.
_KEEP_COMBOS = 3
#: Longest run of missing years filled by interpolation; earlier data before a longer gap are dropped.
_MAX_GAP = 3
#: Years of recent changes that set the scale of level-space errors (None = the whole series).
_LEVEL_WINDOW = 5
#: Weight rolling-origin errors so each horizon counts equally in model selection.
_EQUAL_HORIZONS = True
#: Best-ranked candidates (singles and combinations) whose median is the auto forecast (0 = use the single best).
#: Many combinations score within noise of each other; their median averages the selection noise out
#: (M3 in-sample hold-out: sMAPE 18.38 -> 18.25 / 18.22 / 18.07 / 18.03 / 18.04 for 1 / 3 / 5 / 10 / 20 / 40).
_ENSEMBLE = 20
#: How the ensemble's members are combined (on logs for positive series): "median", "mean" or "trimmed".
_ENSEMBLE_METHOD = "median"
#: Default number of in-sample rolling origins per series.
N_ORIGINS = 8
#: Feature-based switch from the auto ensemble to a single model (models/switch.py): a series leaves the
#: ensemble when a model's predicted in-sample OWA-loss difference is below -_SWITCH_MARGIN. Learned per
#: group with at least _SWITCH_MIN_SERIES series (fewer: no switch). M3 multi-origin hold-out (cuts 6/9/12):
#: sMAPE / MASE 17.941 / 3.064 without, 17.793 / 3.008 with margin 0.2 (0.15-0.25 chosen leaving each origin
#: out); cuts 7/8/10/11, not used for the margin: 15.755 / 2.869 -> 15.557 / 2.810. M3 test part (run once
#: after adopting): 15.513 / 2.601 -> 15.722 / 2.730, worse (BENCHMARKS.md, M3 section). Off by default: the
#: hold-out gain did not carry over, and groups of regions (31 provinces) are below _SWITCH_MIN_SERIES anyway.
_SWITCH = False
_SWITCH_MARGIN = 0.2
_SWITCH_MIN_SERIES = 100


class FallbackWarning(UserWarning):
    """One summary of the series that could not use the requested or selected model."""


# ---------------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------------
def smape(actual, pred) -> np.ndarray:
    """Symmetric APE in percent, elementwise: 200 |y - f| / (|y| + |f|) (M3/M4 definition)."""
    a, f = np.asarray(actual, float), np.asarray(pred, float)
    den = np.abs(a) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 200 * np.abs(a - f) / den, 0.0)


def mape(actual, pred) -> np.ndarray:
    """Absolute percentage error in percent, elementwise: 100 |y - f| / |y|."""
    a, f = np.asarray(actual, float), np.asarray(pred, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100 * np.abs(a - f) / np.abs(a)


def mase(actual, pred, scale) -> np.ndarray:
    """Absolute error scaled by the in-sample mean absolute first difference, elementwise."""
    return np.abs(np.asarray(actual, float) - np.asarray(pred, float)) / np.asarray(scale, float)


def coverage(actual, lo, hi) -> np.ndarray:
    """1.0 where ``lo <= actual <= hi``, else 0.0."""
    a = np.asarray(actual, float)
    return ((a >= np.asarray(lo, float)) & (a <= np.asarray(hi, float))).astype(float)


def interval_score(actual, lo, hi, level: float, scale=1.0) -> np.ndarray:
    """Winkler / interval score of a central ``level`` % interval, divided by ``scale``.

    ``(hi - lo) + 2/a (lo - y) 1[y < lo] + 2/a (y - hi) 1[y > hi]`` with ``a = 1 - level/100``;
    with the MASE scale this is the M4 MSIS.
    """
    a = 1 - level / 100
    y, lo, hi = (np.asarray(v, float) for v in (actual, lo, hi))
    # penalties only where the actual is outside (an infinite bound times a zero indicator is not 0 but NaN)
    s = (hi - lo) + np.where(y < lo, (2 / a) * (lo - y), 0.0) + np.where(y > hi, (2 / a) * (y - hi), 0.0)
    return s / np.asarray(scale, float)


def crps_quantiles(actual, qpred: np.ndarray, probs: Sequence[float], scale=1.0) -> np.ndarray:
    """CRPS approximated from quantile forecasts: twice the mean pinball loss over ``probs``.

    ``qpred`` has shape ``(n, len(probs))``. With an evenly spread, fine grid of probabilities
    this converges to the CRPS (Gneiting & Raftery 2007, eq. 22).
    """
    y = np.asarray(actual, float)[:, None]
    q = np.asarray(qpred, float)
    p = np.asarray(probs, float)[None, :]
    loss = np.where(y >= q, p * (y - q), (1 - p) * (q - y))
    return 2 * loss.mean(axis=1) / np.asarray(scale, float)


# ---------------------------------------------------------------------------------------------
# containers
# ---------------------------------------------------------------------------------------------
@dataclass
class ForecastPaths:
    """Calibrated joint sample paths of one series.

    Attributes
    ----------
    years
        The ``h`` future years (int array).
    paths
        ``(n_paths, h)`` values on the original scale; column quantiles equal
        :func:`forecast`'s intervals up to Monte-Carlo error.
    model
        Model that produced the point path.
    last_year, last_value, n_obs
        The last observation and the number of observations used.
    """

    years: np.ndarray
    paths: np.ndarray
    model: str
    last_year: int
    last_value: float
    n_obs: int

    def prob(self, year: int, threshold: float, comparator: str = "ge") -> float:
        """Share of paths with the value in ``year`` ``comparator`` ``threshold`` (ge, gt, le, lt)."""
        idx = np.flatnonzero(self.years == int(year))
        if not len(idx):
            raise ValueError(f"year {year} is not among the forecast years {self.years.tolist()}.")
        v = self.paths[:, idx[0]]
        ops = {"ge": v >= threshold, "gt": v > threshold, "le": v <= threshold, "lt": v < threshold}
        if comparator not in ops:
            raise ValueError(f"comparator must be one of {sorted(ops)}; got {comparator!r}.")
        return float(np.mean(ops[comparator]))


@dataclass
class Calibration:
    """Model choice and empirical quantile functions fitted on a panel's rolling origins.

    Attributes
    ----------
    h
        Horizons covered by the tables (longer horizons are extrapolated with sqrt(h)).
    group_by
        Columns that define a calibration group (e.g. ``("indicator",)``; ``()`` = one group).
    choice
        ``{group: model name}`` chosen by ``models="auto"`` (empty for explicit model lists).
    ranking
        ``{group: [model names, best first]}`` used for fallbacks.
    tables
        ``{(group, model): {"space": "log"|"level", "log": array, "level": array}}``: quantiles
        ``(h, len(probs))`` of the scaled errors in both error spaces and the space chosen by
        two-fold cross-validated interval score.
    pooled_tables
        ``{model: same}`` over all groups, used for groups without enough errors.
    probs
        The probability grid of the tables.
    combos
        ``{name: (member names, method)}`` combinations built by the selection.
    volatility_prior
        ``{(group, "log"|"level"): float}`` median volatility, used to shrink short series'.
    n_errors
        ``{(group, model): number of scaled errors}``.
    scores
        Tidy frame of the selection scores: group, model, smape, mase, owa, n.
    switch
        ``{group: SwitchRule}``: the feature-based rule that moves a series from the group's ensemble to
        a single model (:mod:`innovation_forecast.models.switch`); absent for small groups.
    """

    h: int
    group_by: tuple = ()
    choice: dict = field(default_factory=dict)
    ranking: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    pooled_tables: dict = field(default_factory=dict)
    probs: np.ndarray = field(default_factory=lambda: _P.copy())
    combos: dict = field(default_factory=dict)
    volatility_prior: dict = field(default_factory=dict)
    n_errors: dict = field(default_factory=dict)
    scores: pd.DataFrame | None = None
    switch: dict = field(default_factory=dict)

    def table(self, group, model: str, h: int, positive: bool = True,
              prefer_log: bool = False) -> tuple[str, np.ndarray]:
        """``(space, quantile table (h, len(probs)))`` for a group and model.

        ``space`` is ``"log"`` (errors are log ratios / volatility) or ``"level"`` (errors / MASE scale).
        Falls back to the all-groups table, then to a deliberately wide default (on logs for a
        positive series: growth, not change, is what the default volatility priors describe).
        ``prefer_log``: take the log table of a positive series whenever there is one (a city or county
        below its group's level, whose extra uncertainty is a log-growth sd: see ``_Fitted.widening``).
        A group without a table of its own borrows the all-groups table's spread but not its median: how a
        model over- or under-forecasts other indicators says nothing about this one's growth.
        """
        own = self.tables.get((group, model))
        entry = own or self.pooled_tables.get(model)
        if entry is None:
            return ("log" if positive else "level"), _extend_table(_default_table(self.h), h)
        space = ("log" if prefer_log and entry.get("log") is not None else entry["space"]) if positive else "level"
        tab = entry.get(space)
        if tab is None:
            space, tab = "level", entry["level"]
        if own is None:
            tab = tab - np.array([np.interp(0.5, _P, row) for row in tab])[:, None]
        return space, _extend_table(_bounded_tails(tab), h)


def _default_table(h: int) -> np.ndarray:
    """Quantiles used without any rolling-origin errors: Student t(4) * sqrt(j) * 1.25 (deliberately wide)."""
    j = np.arange(1, h + 1)[:, None]
    return 1.25 * np.sqrt(j) * stdtrit(4, _P)[None, :]


def _bounded_tails(tab: np.ndarray, edge: float = _TAIL_EDGE, inner: float = 0.90, df: int = 4) -> np.ndarray:
    """Quantiles beyond ``edge`` (and below ``1 - edge``) no further out than a Student t(``df``) tail
    continued from the table's own ``inner``-to-``edge`` spread.

    The outermost empirical quantiles of scaled errors are the few largest errors of any series in the
    pool; a series whose volatility is tiny (population, a smooth stock) turns an ordinary revision or
    jump into an error of tens to hundreds of volatilities, and partial pooling passes the all-groups
    table's tail on to every group. On the province panel (all indicators in one call) the 0.99
    quantile at h = 2 reached 84 volatilities for patent grants, the 0.999 quantile 675, and 1 % of
    sample paths went beyond 1e13 (path means up to 1e55 times the last value). Quantiles up to
    ``edge`` -- hence 80 % and 95 % intervals -- are never changed, and a tail already lighter than the
    t(``df``) continuation is kept as it is.
    """
    out = np.array(tab, dtype=float, copy=True)
    t = stdtrit(df, _P)
    t_edge, t_inner = stdtrit(df, edge), stdtrit(df, inner)
    for upper in (True, False):
        p_edge, p_inner = (edge, inner) if upper else (1 - edge, 1 - inner)
        q_edge = np.array([np.interp(p_edge, _P, row) for row in out])
        q_inner = np.array([np.interp(p_inner, _P, row) for row in out])
        spread = np.abs(q_edge - q_inner) / (t_edge - t_inner)  # table units per unit of t
        beyond = _P > edge if upper else _P < 1 - edge
        step = (np.abs(t[beyond]) - t_edge)[None, :] * spread[:, None]
        if upper:
            out[:, beyond] = np.minimum(out[:, beyond], q_edge[:, None] + step)
        else:
            out[:, beyond] = np.maximum(out[:, beyond], q_edge[:, None] - step)
    return out


def _extend_table(tab: np.ndarray, h: int) -> np.ndarray:
    if tab.shape[0] >= h:
        return tab[:h]
    last = tab[-1]
    k = tab.shape[0]
    extra = [last * np.sqrt((k + i) / k) for i in range(1, h - k + 1)]
    return np.vstack([tab] + extra)


# ---------------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------------
@dataclass
class _Series:
    sid: int
    key: tuple
    group: tuple
    years: np.ndarray
    y: np.ndarray
    reference: bool = False
    note: str = ""
    n_actual: int = 0
    depth: int | None = None  # administrative depth of the region (spread.LEVEL_DEPTH), None if unknown
    filled: tuple = ()  # years whose value was interpolated across a gap


def _default_group_by(keys: Sequence[str]) -> tuple:
    if "indicator" in keys:
        return ("indicator",)
    return ()


def _check_panel(panel: pd.DataFrame, keys: Sequence[str], what: str = "panel") -> pd.DataFrame:
    if not isinstance(panel, pd.DataFrame):
        raise DataValidationError(f"{what} must be a pandas DataFrame; got {type(panel).__name__}.")
    missing = [c for c in (*keys, "year", "value") if c not in panel.columns]
    if missing:
        raise DataValidationError(
            f"{what} lacks column(s) {missing}; it needs the key columns {list(keys)} plus 'year' and 'value' "
            f"(columns present: {list(panel.columns)[:12]}).")
    extra = [c for c in ("status", "months") if c in panel.columns and c not in keys]
    df = panel.loc[:, list(dict.fromkeys([*keys, "year", "value", *extra]))].copy()
    val = pd.to_numeric(df["value"], errors="coerce")
    bad = val.isna() & df["value"].notna()
    if bad.any():
        rows = df.loc[bad].head(3)
        desc = "; ".join(f"{tuple(r[k] for k in keys)} {r['year']}: {r['value']!r}" for _, r in rows.iterrows())
        raise DataValidationError(
            f"{what} has {int(bad.sum())} non-numeric value(s), e.g. {desc}. Values must be numbers "
            "in the indicator's unit (convert or drop those rows first).",
            problems=[str(i) for i in df.index[bad]])
    df["value"] = val.astype(float)
    yr = pd.to_numeric(df["year"], errors="coerce")
    if yr.isna().any() or not np.all(np.isclose(yr.dropna(), np.round(yr.dropna()))):
        bad = df.loc[yr.isna() | ~np.isclose(yr.fillna(0.5), np.round(yr.fillna(0.5)))].head(3)
        raise DataValidationError(
            f"{what} has non-integer years, e.g. {bad['year'].tolist()}; 'year' must be an integer such as 2021.")
    df["year"] = yr.round().astype(int)
    if "status" in extra:
        # a tidy panel: one full-year value per series-year (actual > estimate > nowcast year-to-date)
        df = annual_values(df, keys=keys)[[*keys, "year", "value"]]
    dup = df.duplicated(subset=[*keys, "year"], keep=False)
    if dup.any():
        d = df.loc[dup, [*keys, "year"]].drop_duplicates().head(5)
        desc = "; ".join(f"{tuple(r[k] for k in keys)} year {r['year']}" for _, r in d.iterrows())
        n = int(df.loc[dup, [*keys, "year"]].drop_duplicates().shape[0])
        raise DataValidationError(
            f"{what} has {n} duplicated (keys, year) combination(s), e.g. {desc}. Each series needs one value "
            "per year: filter the panel (e.g. status == 'actual', one source) or aggregate first.",
            problems=[desc])
    return df


@functools.lru_cache(maxsize=4096)
def _depth(region) -> int | None:
    return region_depth(region)


def _split_series(df: pd.DataFrame, keys: Sequence[str], group_by: Sequence[str], start: int = 0,
                  reference: bool = False, extra: pd.DataFrame | None = None) -> list[_Series]:
    """One _Series per key: finite values, the trailing run of consecutive years."""
    out = []
    gcols = list(group_by)
    src = df if extra is None else df.join(extra)
    for i, (key, g) in enumerate(src.sort_values("year").groupby(list(keys), sort=True, dropna=False)):
        key = key if isinstance(key, tuple) else (key,)
        group = tuple(g[c].iloc[0] for c in gcols) if gcols else ()
        g = g[np.isfinite(g["value"].to_numpy())]
        years = g["year"].to_numpy(int)
        y = g["value"].to_numpy(float)
        note = ""
        n_actual = len(y)
        filled = []
        if len(years) > 1:
            gaps = np.diff(years) - 1
            long_gaps = np.flatnonzero(gaps > _MAX_GAP)
            if len(long_gaps):
                cut = long_gaps[-1] + 1
                note = f"years before {years[cut]} dropped (gap of {gaps[cut - 1]} years after {years[cut - 1]})"
                years, y = years[cut:], y[cut:]
                n_actual = len(y)
            if np.any(np.diff(years) > 1):
                full = np.arange(years[0], years[-1] + 1)
                if np.all(y > 0):  # geometric interpolation: constant growth across the gap
                    y = np.exp(np.interp(full, years, np.log(y)))
                else:
                    y = np.interp(full, years, y)
                filled = sorted(set(full.tolist()) - set(years.tolist()))
                note = "; ".join(filter(None, [note, f"{len(filled)} missing year(s) interpolated "
                                                     f"({', '.join(map(str, filled))})"]))
                years = full
        depth = _depth(key[list(keys).index("region")]) if "region" in keys else None
        out.append(_Series(start + i, key, group, years, y, reference, note, n_actual, depth, tuple(filled)))
    return out


# ---------------------------------------------------------------------------------------------
# per-series work (runs in workers)
# ---------------------------------------------------------------------------------------------
def _volatility(x: np.ndarray, prior: float, k0: float = 2.0, is_log: bool = True) -> float:
    """Sd of first differences, shrunk toward the group's typical value for short series."""
    d = np.diff(x)
    m = len(d)
    v = float(np.var(d, ddof=1)) if m >= 2 else np.nan
    if np.isfinite(prior) and prior > 0:
        s2 = ((m - 1) * v + k0 * prior ** 2) / ((m - 1) + k0) if m >= 2 else prior ** 2
    elif np.isfinite(v):
        s2 = v
    elif m == 1:
        s2 = d[0] ** 2
    else:
        s2 = np.nan
    floor = 1e-3 if is_log else 1e-3 * float(np.mean(np.abs(x))) + 1e-12
    if not np.isfinite(s2) or s2 <= 0:
        s2 = (0.05 if is_log else 0.05 * float(np.mean(np.abs(x))) + 1e-12) ** 2
    return max(math.sqrt(s2), floor)


def _level_scale(y: np.ndarray) -> float:
    """Scale of level errors: mean absolute change over the last ``_LEVEL_WINDOW`` years.

    Recent changes, not the whole history's, set the size of next year's change in a growing
    series. Falls back to 5 % of the mean level (else 1) for constant or one-point series.
    """
    if _LEVEL_WINDOW:
        y = y[-(_LEVEL_WINDOW + 1):]
    s = _mase_scale(y)
    if np.isfinite(s):
        return s
    m = float(np.mean(np.abs(y))) if len(y) else 0.0
    return 0.05 * m if m > 0 else 1.0


def _one_point_scale(y: np.ndarray, prior: float) -> float:
    """Level-error scale of a one-value positive series: the volatility prior times the value.

    (``_level_scale`` would give 5 % of the value whatever the indicator; the prior is the group's,
    size-adjusted, or the indicator kind's default.)
    """
    if not (np.isfinite(prior) and prior > 0):
        return _level_scale(y)
    return float(prior * abs(y[-1]))


def _mase_scale(y: np.ndarray) -> float:
    if len(y) < 2:
        return float("nan")
    s = float(np.mean(np.abs(np.diff(y))))
    return s if s > 0 else float("nan")


def _fit_point(model: Model, y: np.ndarray, h: int, panel_info, global_fit=None) -> np.ndarray:
    if model.uses_panel:
        g, v = panel_info if panel_info is not None else (None, None)
        model.fit(y, panel_growths=g, panel_volatility=v)
    elif getattr(model, "uses_global", False):
        if global_fit is None:
            raise ValueError(f"{model.name}: no pooled fit of the group at this origin (too few windows)")
        model.fit(y, global_fit=global_fit)
    else:
        model.fit(y)
    p = model.point(h)
    if not np.all(np.isfinite(p)):
        raise FloatingPointError("non-finite forecast")
    return p


def _usable(model: Model, n: int, positive: bool) -> str:
    """'' when the model can be tried on a series of n values, else the reason."""
    if n < model.min_obs:
        return f"{n} obs < {model.min_obs} needed by {model.name}"
    if model.needs_positive and not positive:
        return f"{model.name} needs positive values"
    return ""


def _run_chunk(chunk: list[_Series], models: list[Model], h: int, n_origins: int,
               panel_info: dict, priors: dict, do_origins: bool, global_info: dict | None = None) -> list[dict]:
    """Rolling-origin point forecasts and final point forecasts for a chunk of series.

    ``global_info`` is ``{model index: {group: {year: GlobalFit}}}`` for the global models
    (:func:`_global_fit_info`): at an origin year the series gets the fit made from windows
    whose targets are all at or before that year.
    """
    import copy

    results = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in chunk:
            y, years = s.y, s.years
            n = len(y)
            positive = bool(n and np.all(y > 0))
            prior = priors.get((s.group, "log" if positive else "level"), np.nan)
            size_fit = priors.get((s.group, "size")) if positive else None
            info = panel_info.get(s.group, {})
            ginfo = {mi: by_group.get(s.group, {}) for mi, by_group in (global_info or {}).items()}
            rec = []  # (k, j, model_idx, forecast, actual, s_k, mase_scale_k)
            if do_origins and n >= 3:
                for k in range(max(2, n - n_origins), n):
                    hh = min(h, n - k)
                    yk = y[:k]
                    xk = np.log(yk) if positive else yk
                    s_k = _volatility(xk, prior_at(size_fit, yk[-1]) if size_fit else prior, is_log=positive)
                    sc_k = _mase_scale(yk)
                    sl_k = _level_scale(yk)
                    pinfo = _info_at(info, int(years[k - 1]))
                    for mi, m in enumerate(models):
                        if _usable(m, k, positive):
                            continue
                        try:
                            f = _fit_point(copy.copy(m), yk, hh, pinfo,
                                           ginfo[mi].get(int(years[k - 1])) if mi in ginfo else None)
                        except (ValueError, FloatingPointError, np.linalg.LinAlgError, ZeroDivisionError):
                            continue
                        for j in range(hh):
                            rec.append((k, j + 1, mi, f[j], y[k + j], s_k, sc_k, sl_k))
            final, reasons = {}, {}
            if n:
                pinfo = _info_at(info, int(years[-1]))
                for mi, m in enumerate(models):
                    why = _usable(m, n, positive)
                    if why:
                        reasons[mi] = why
                        continue
                    try:
                        final[mi] = _fit_point(copy.copy(m), y, h, pinfo,
                                               ginfo[mi].get(int(years[-1])) if mi in ginfo else None)
                    except (ValueError, FloatingPointError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
                        reasons[mi] = f"{m.name} failed: {exc}"
            x = np.log(y) if positive else y
            prior_n = prior_at(size_fit, y[-1]) if (size_fit and n) else prior
            results.append({
                "sid": s.sid,
                "positive": positive,
                "s": _volatility(x, prior_n, is_log=positive) if n else np.nan,
                "extra": _subregional_extra(s, priors, positive) if n else 0.0,
                "scale": _level_scale(y) if n >= 2 or not positive else _one_point_scale(y, prior_n),
                "records": np.array(rec, dtype=float).reshape(-1, 8),
                "final": final,
                "reasons": reasons,
            })
    return results


# ---------------------------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------------------------
def _info_at(info: dict, year: int):
    """The panel's growth information as of ``year``: that year's entry, else the latest earlier one (a
    series may end in a year no other series of the panel reports, e.g. a city's one 2024 value)."""
    if year in info:
        return info[year]
    earlier = [y for y in info if y < year]
    return info[max(earlier)] if earlier else None


def _panel_growth_info(series: list[_Series], window: int = 5) -> dict:
    """{group: {year: (growth rates of every positive series up to year, median volatility)}}."""
    out: dict = {}
    by_group: dict = {}
    for s in series:
        if len(s.y) >= 2 and np.all(s.y > 0):
            by_group.setdefault(s.group, []).append(s)
    for group, ss in by_group.items():
        frames = {}
        for s in ss:
            frames[s.sid] = pd.Series(np.log(s.y), index=s.years)
        wide = pd.DataFrame(frames).sort_index()
        d = wide.diff()
        g = d.rolling(window, min_periods=1).mean()
        v = d.rolling(window, min_periods=3).std()
        # carry each series' latest value forward so every year sees every series that has started
        g = g.ffill()
        v = v.ffill()
        info = {}
        for yr in wide.index:
            gr = g.loc[yr].to_numpy(float)
            gr = gr[np.isfinite(gr)]
            vv = v.loc[yr].to_numpy(float)
            vv = vv[np.isfinite(vv)]
            info[int(yr)] = (gr, float(np.median(vv)) if len(vv) else np.nan)
        out[group] = info
    return out


def _global_fit_info(series: list[_Series], models: list[Model], h: int) -> dict:
    """``{model index: {group: {year: GlobalFit}}}`` for the models with ``uses_global``.

    Each group's pooled regressions are refitted at every year of the group; at year ``Y`` a
    window counts for horizon ``j`` only when its target year is at or before ``Y``
    (:meth:`~innovation_forecast.models.global_ar.GlobalAR.pooled_fits`). A series scored at an
    in-sample origin therefore never sees its own or any other series' values after that year.
    """
    out: dict = {}
    idx = [i for i, m in enumerate(models) if getattr(m, "uses_global", False)]
    if not idx:
        return out
    by_group: dict = {}
    for s in series:
        if len(s.y):
            by_group.setdefault(s.group, []).append((s.years, s.y))
    for i in idx:
        out[i] = {g: models[i].pooled_fits(ss, h) for g, ss in by_group.items()}
    return out


def _volatility_priors(series: list[_Series], group_by: Sequence[str] = ()) -> dict:
    """Per group: ``(group, "log")`` median sd of log growth over series with 4+ values, ``(group, "size")``
    its fit on the series' size (:func:`~innovation_forecast.models.spread.size_prior`), ``(group, "depth")``
    the administrative level most of those series are at (None when no region is registered).

    A group of positive series without any 4-value series gets the indicator kind's default
    (:data:`~innovation_forecast.models.spread.KIND_VOLATILITY`), marked ``(group, "default")``.
    """
    acc: dict = {}
    groups = set()
    for s in series:
        pos = bool(len(s.y) and np.all(s.y > 0))
        if pos:
            groups.add(s.group)
        if len(s.y) < 4 or not pos:
            continue  # levels are not comparable across series; no prior for them
        d = np.diff(np.log(s.y))
        acc.setdefault(s.group, []).append((float(np.median(s.y)), float(np.std(d, ddof=1)), s.depth))
    out: dict = {}
    for g, rows in acc.items():
        fit = size_prior(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]))
        out[(g, "log")] = fit[0]
        out[(g, "size")] = fit
        depths = [r[2] for r in rows if r[2] is not None]
        # the level most of them are at (a national total beside 31 provinces does not make it "country")
        out[(g, "depth")] = max(set(depths), key=lambda d: (depths.count(d), -d)) if depths else None
    for g, rows in _subregional_rows(series, out).items():
        out[(g, "subdev")] = rows
    ind_pos = list(group_by).index("indicator") if "indicator" in group_by else None
    if ind_pos is not None:
        for g in groups:
            out[(g, "tau_scale")] = _tau_scale(g[ind_pos])
    for g in groups - set(acc):
        out[(g, "log")] = kind_volatility(g[ind_pos] if ind_pos is not None else None)
        out[(g, "default")] = True
        out[(g, "depth")] = 1  # the kind defaults are province volatilities
    return out


def _subregional_rows(series: list[_Series], priors: dict) -> dict:
    """Per group: ``(year, deviation, spread, depth)`` of every annual log growth of a series below the
    group's prior level (a city among provinces) from the median growth of the series at that level in the
    same year, with their spread (1.4826 MAD) and the series' administrative depth -- the panel's own
    version of ``spread.SUBREGIONAL_DEVIATIONS``."""
    by_group: dict = {}
    for s in series:
        ref = priors.get((s.group, "depth"))
        if ref is None or s.depth is None or len(s.y) < 2 or not np.all(s.y > 0):
            continue
        if s.depth >= ref:  # a national total beside the provinces is neither
            by_group.setdefault(s.group, ([], []))[0 if s.depth == ref else 1].append(s)
    out = {}
    for g, (top, deeper) in by_group.items():
        if not top or not deeper:
            continue
        grow: dict = {}
        for s in top:
            for yr, d in zip(s.years[1:], np.diff(np.log(s.y))):
                grow.setdefault(int(yr), []).append(float(d))
        stats = {yr: (float(np.median(v)), 1.4826 * float(np.median(np.abs(np.asarray(v) - np.median(v)))))
                 for yr, v in grow.items() if len(v) >= 3}
        # growths between two reported years only: an interpolated year would fake a smooth deviation
        rows = [(int(yr), float(d) - stats[int(yr)][0], stats[int(yr)][1], int(s.depth))
                for s in deeper for yr, d in zip(s.years[1:], np.diff(np.log(s.y)))
                if int(yr) in stats and int(yr) not in s.filled and int(yr) - 1 not in s.filled]
        if rows:
            out[g] = tuple(rows)
    return out


def _group_tau(rows, upto: int, depth: int | None = None, scale: float = 1.0) -> float:
    """Extra sub-provincial log-growth sd of a group: the curated figures' ``subregional_tau(upto)``, moved
    toward the group's own deviations (``_subregional_rows``) up to ``upto`` by their number ``n``, on logs
    (``log tau = (n log est + TAU_PRIOR_N log tau_curated) / (n + TAU_PRIOR_N)``, ``est`` at least 0.01):
    city GDP, which tracks the provinces' growth within a few points, does not inherit the +-50 % that
    innovation figures swing by. Only rows of series at ``depth`` or deeper count: how closely cities
    track the provinces says nothing about counties. ``scale`` (at most 1) shrinks the curated value for
    indicators steadier than the counts and amounts it was measured on (R&D intensity, GDP)."""
    tau_c = subregional_tau(upto) * scale
    r = [x for x in (rows or ()) if x[0] <= upto and (depth is None or len(x) < 4 or x[3] >= depth)]
    if not r:
        return tau_c
    dev = np.array([x[1] for x in r], float)
    spr = np.array([x[2] for x in r], float)
    est = np.sqrt(max(float(np.mean(dev ** 2) - np.mean(spr ** 2)), 0.0))
    n = len(r)
    return float(np.exp((n * np.log(max(est, 0.01)) + TAU_PRIOR_N * np.log(tau_c)) / (n + TAU_PRIOR_N)))


#: Typical province sd of annual log growth of the indicators behind the curated sub-provincial deviations
#: (:data:`~innovation_forecast.models.spread.SUBREGIONAL_DEVIATIONS`: patents, R&D expenditure, contracts,
#: recognitions -- the count and amount kinds of ``KIND_VOLATILITY``, 0.17 and 0.16; the smaller). An
#: indicator of a steadier kind gets the curated tau times sqrt(its kind's volatility / this): R&D
#: intensity (ratio, 0.055) 0.59 of it; counts and amounts are not changed.
CURATED_TAU_VOLATILITY = 0.16


def _tau_scale(indicator) -> float:
    return float(min(1.0, np.sqrt(kind_volatility(indicator) / CURATED_TAU_VOLATILITY)))


def _subregional_extra(s: _Series, priors: dict, positive: bool, k0: float = 2.0) -> float:
    """Extra annual log-growth sd of a region below the level its group's volatility prior comes from.

    ``tau`` (:func:`_group_tau`: the curated city/county growth figures and the group's own sub-provincial
    series, up to the series' last year only) times the square root of the prior's weight in the series'
    volatility (``k0 / (m - 1 + k0)`` with ``m`` own growth rates, 1 for one or two values): a long
    own history speaks for itself.
    """
    ref = priors.get((s.group, "depth"))
    if not positive or s.depth is None or ref is None or s.depth <= ref:
        return 0.0
    m = len(s.y) - 1
    w = 1.0 if m < 2 else k0 / ((m - 1) + k0)
    scale = priors.get((s.group, "tau_scale"), 1.0)
    return float(np.sqrt(w) * _group_tau(priors.get((s.group, "subdev")), int(s.years[-1]), s.depth, scale))


def _resolve_models(models, fallback: Model | None = None) -> tuple[list[Model], list[Model], bool]:
    """(base models to fit, requested models incl. combinations, auto?)."""
    auto = isinstance(models, str) and models == "auto"
    if auto:
        requested = _auto_candidates()
    else:
        if isinstance(models, Model):
            models = [models]
        requested = list(models)
        if not requested or not all(isinstance(m, Model) for m in requested):
            raise TypeError("models must be 'auto' or a list of model instances, e.g. [Naive(), Drift(), ETS()].")
    names = [m.name for m in requested]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"model names must be unique in a run; {dup} appear more than once "
                         "(pass name=... to tell variants apart).")
    base: list[Model] = []
    seen = set()
    for m in requested:
        parts = m.members if isinstance(m, Combination) else [m]
        for p in parts:
            if p.name not in seen:
                seen.add(p.name)
                base.append(p)
    if not auto and fallback is not None and fallback.name not in seen:
        base.append(fallback)  # fitted so it can stand in; not reported unless used
    return base, requested, auto


def _auto_candidates() -> list[Model]:
    return default_models()


def _chunks(items: list, n: int) -> list[list]:
    n = max(1, min(n, len(items)))
    return [items[i::n] for i in range(n)]


def _map_chunks(chunks, fn_args, n_jobs: int, client) -> list:
    if client is not None:
        futures = client.map(_run_chunk, chunks, *[[a] * len(chunks) for a in fn_args], pure=False)
        parts = client.gather(futures)
    elif n_jobs is not None and n_jobs != 1 and len(chunks) > 1:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs)(delayed(_run_chunk)(c, *fn_args) for c in chunks)
    else:
        parts = [_run_chunk(c, *fn_args) for c in chunks]
    return [r for p in parts for r in p]


def _to_scale(v: np.ndarray, positive: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(positive, np.log(np.maximum(v, 1e-300)), v)


def _records_frame(results, series_by_sid, base_names) -> pd.DataFrame:
    """All rolling-origin forecasts in one long frame (numpy concatenation; the group as an int code)."""
    cols = ["sid", "k", "j", "model", "f", "actual", "s", "scale", "lscale", "positive", "gid"]
    recs = [r for r in results if len(r["records"])]
    if not recs:
        return pd.DataFrame(columns=cols)
    arr = np.concatenate([r["records"] for r in recs])
    lens = [len(r["records"]) for r in recs]
    sid = np.repeat([r["sid"] for r in recs], lens)
    pos = np.repeat([r["positive"] for r in recs], lens)
    groups = list(dict.fromkeys(series_by_sid[r["sid"]].group for r in recs))
    gcode = {g: i for i, g in enumerate(groups)}
    gid = np.repeat([gcode[series_by_sid[r["sid"]].group] for r in recs], lens)
    df = pd.DataFrame({
        "sid": sid, "k": arr[:, 0].astype(int), "j": arr[:, 1].astype(int),
        "model": pd.Categorical.from_codes(arr[:, 2].astype(int), categories=list(base_names)),
        "f": arr[:, 3], "actual": arr[:, 4], "s": arr[:, 5], "scale": arr[:, 6], "lscale": arr[:, 7],
        "positive": pos, "gid": gid,
    })
    df.attrs["groups"] = groups
    return df


def _wide_points(rec: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pivot rolling-origin forecasts to (sid, k, j) x model, plus the row facts."""
    idx = ["sid", "k", "j"]
    wide = rec.set_index([*idx, "model"])["f"].unstack("model")
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.dropna(axis=1, how="all")
    facts = rec.drop_duplicates(idx).set_index(idx)[["actual", "s", "scale", "lscale", "positive", "gid"]]
    facts = facts.loc[wide.index]
    return wide, facts


def _combo_values(wide: pd.DataFrame, facts_positive: np.ndarray, members: list[str], method: str) -> np.ndarray:
    cols = [m for m in members if m in wide.columns]
    if len(cols) < 2:
        return np.full(len(wide), np.nan)
    vals = wide[cols].to_numpy(float)
    xs = _to_scale(vals, facts_positive[:, None])
    ok = np.isfinite(xs)
    cnt = ok.sum(axis=1)
    xs = np.where(ok, xs, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows become NaN, as intended
        if method == "median":
            comb = np.nanmedian(xs, axis=1)
        elif method == "mean":
            comb = np.nanmean(xs, axis=1)
        else:
            comb = np.array([combine_points(r[o][:, None], method)[0] if o.sum() else np.nan
                             for r, o in zip(xs, ok)])
    comb = np.where(cnt >= 2, comb, np.nan)
    return np.where(facts_positive, np.exp(comb), comb)


def _score(actual, f, scale, naive_f, w=None) -> dict:
    """sMAPE, MASE and OWA (relative to naive) of rolling-origin forecasts, weighted by ``w``."""
    sm = float(np.average(smape(actual, f), weights=w))
    ms = float(np.average(mase(actual, f, scale), weights=w))
    sm0 = float(np.average(smape(actual, naive_f), weights=w))
    ms0 = float(np.average(mase(actual, naive_f, scale), weights=w))
    owa = 0.5 * (sm / sm0 if sm0 > 0 else 1.0) + 0.5 * (ms / ms0 if ms0 > 0 else 1.0)
    return {"smape": sm, "mase": ms, "owa": owa, "n": int(len(actual))}


def _choose_space(e_log, e_lev, j, sids, actual, f, s_log, sc_lev, h) -> str:
    """Error space with the lower two-fold (split by series) mean interval score at 80 % and 95 %."""
    fold = (sids % 2).astype(bool)
    if fold.all() or (~fold).all():
        fold = np.arange(len(sids)) % 2 == 1
    probs = np.array([0.025, 0.1, 0.9, 0.975])
    idx = np.searchsorted(_P, probs)
    total = {"log": 0.0, "level": 0.0}
    for tr in (fold, ~fold):
        te = ~tr
        if tr.sum() < 10 or te.sum() < 1:
            continue
        for space, e in (("log", e_log), ("level", e_lev)):
            tab = _quantile_table(e[tr], j[tr], h)
            q = tab[j[te] - 1][:, idx]
            if space == "log":
                with np.errstate(over="ignore"):  # an overflowing bound is an infinitely wide interval
                    b = np.exp(np.log(np.maximum(f[te], 1e-300))[:, None] + s_log[te][:, None] * q)
            else:
                b = np.maximum(f[te][:, None] + sc_lev[te][:, None] * q, 0.0)
            sc = sc_lev[te]
            total[space] += float(np.sum(interval_score(actual[te], b[:, 0], b[:, 3], 95, sc))
                                  + np.sum(interval_score(actual[te], b[:, 1], b[:, 2], 80, sc)))
    return "log" if total["log"] < total["level"] else "level"


def _quantile_table(e: np.ndarray, j: np.ndarray, h: int) -> np.ndarray:
    """Empirical quantiles per horizon, shrunk toward sqrt(j) x the horizon-pooled quantiles."""
    pooled = np.quantile(e / np.sqrt(j), _P)
    tab = np.empty((h, len(_P)))
    for jj in range(1, h + 1):
        base = np.sqrt(jj) * pooled
        ej = e[j == jj]
        if len(ej) >= 5:
            emp = np.quantile(ej, _P)
            w = len(ej) / (len(ej) + _SHRINK_N0)
            tab[jj - 1] = w * emp + (1 - w) * base
        else:
            tab[jj - 1] = base
    return tab


#: Prefixes of the auto ensemble's model name ("median of 20: theta, ets, pooled, ...").
_ENSEMBLE_PREFIXES = ("median of ", "mean of ", "trimmed mean of ")
#: Base model names spelled out in an ensemble's name (the rest are elided with "...").
_ENSEMBLE_SHOWN = 4


def _is_ensemble(name: str) -> bool:
    return str(name).startswith(_ENSEMBLE_PREFIXES)


def _base_members(members: Sequence[str]) -> list[str]:
    """Single-model names inside ``members`` (combinations such as ``median(theta,ets)`` opened up),
    most frequent first, ties in order of appearance."""
    counts: dict = {}
    for m in members:
        inner = m[m.index("(") + 1: m.rindex(")")].split(",") if m.endswith(")") and "(" in m else [m]
        for b in inner:
            counts[b] = counts.get(b, 0) + 1
    order = list(counts)
    return sorted(order, key=lambda b: (-counts[b], order.index(b)))


def _ensemble_name(members: Sequence[str], taken: dict) -> str:
    """Readable, run-unique name of the auto ensemble: ``median of 20: theta, ets, pooled, drift, ...``.

    The listed models are the single models most often found among the members (the full member list
    is in ``Calibration.combos[name]``). Two groups whose ensembles would read the same but hold
    different members get `` #2``, `` #3``... appended.
    """
    bases = _base_members(members)
    shown = ", ".join(bases[:_ENSEMBLE_SHOWN]) + (", ..." if len(bases) > _ENSEMBLE_SHOWN else "")
    prefix = {"median": "median of ", "mean": "mean of ", "trimmed": "trimmed mean of "}[_ENSEMBLE_METHOD]
    name = f"{prefix}{len(members)}: {shown}"
    k = 1
    cand = name
    while cand in taken and list(taken[cand][0]) != list(members):
        k += 1
        cand = f"{name} #{k}"
    return cand


def _switch_rule(sub: pd.DataFrame, fsub: pd.DataFrame, singles: list[str], ename: str,
                 values: dict) -> SwitchRule | None:
    """Fit the group's :class:`SwitchRule` on its rolling-origin forecasts ``sub`` ((sid, k, j) x models).

    Loss of a forecast: 0.5 sAPE / mean naive sAPE + 0.5 ASE / mean naive ASE, averaged over the
    horizons of each origin; features of each series on its values up to that origin only.
    """
    sid = sub.index.get_level_values("sid").to_numpy(int)
    if len(np.unique(sid)) < _SWITCH_MIN_SERIES or "naive" not in singles:
        return None
    a = fsub["actual"].to_numpy(float)[:, None]
    sc = fsub["scale"].to_numpy(float)[:, None]
    F = sub[singles + [ename]].to_numpy(float)
    with np.errstate(all="ignore"):
        sape = 200 * np.abs(a - F) / (np.abs(a) + np.abs(F))
        ase = np.abs(a - F) / sc
    ni = singles.index("naive")
    s0, m0 = np.nanmean(sape[:, ni]), np.nanmean(ase[:, ni])
    if not (s0 > 0 and m0 > 0):
        return None
    loss = pd.DataFrame(0.5 * sape / s0 + 0.5 * ase / m0, index=sub.index)
    by = loss.groupby(level=["sid", "k"], sort=True)
    lk = by.mean()
    fs = sub[singles]
    feats = np.array([series_features(values[i][:k], fs.loc[(i, k)].to_numpy(float).T) for i, k in lk.index])
    return fit_switch(feats, lk.to_numpy(float), singles, ename, _SWITCH_MARGIN, n_series=len(np.unique(sid)))


def _fit_calibration(rec: pd.DataFrame, requested: list[Model], auto: bool, h: int, group_by: tuple,
                     priors: dict, values: dict | None = None, switch: bool | None = None) -> Calibration:
    cal = Calibration(h=h, group_by=tuple(group_by), volatility_prior=dict(priors))
    if rec.empty:
        return cal
    wide, facts = _wide_points(rec)
    pos = facts["positive"].to_numpy(bool)
    base_names = list(wide.columns)
    # combinations requested explicitly
    for m in requested:
        if isinstance(m, Combination):
            wide[m.name] = _combo_values(wide, pos, m.member_names, m.method)
            cal.combos[m.name] = (m.member_names, m.method)
    actual = facts["actual"].to_numpy(float)
    scale = facts["scale"].to_numpy(float)
    groups = rec.attrs.get("groups", [])
    gcodes = facts["gid"].to_numpy(int)
    group_masks = {groups[i]: gcodes == i for i in np.unique(gcodes)}
    score_rows = []
    if auto:
        cand = [c for c in base_names]
        for group, gm in group_masks.items():
            sub = wide.loc[gm]
            ok_scale = np.isfinite(scale[gm])
            # common rows: every candidate that forecasts most rows of this group
            avail = sub[cand].notna().mean()
            use = [c for c in cand if avail[c] >= 0.5] or ["naive"]
            common = sub[use].notna().all(axis=1).to_numpy() & ok_scale
            if "naive" not in use or common.sum() < _MIN_SELECT:
                continue
            a, sc = actual[gm][common], scale[gm][common]
            nv = sub["naive"].to_numpy(float)[common]
            # every horizon 1..h counts equally, as in the final evaluation (short horizons have more origins)
            jc = sub.index.get_level_values("j").to_numpy(int)[common]
            cnt = np.bincount(jc)
            wts = 1.0 / cnt[jc] if _EQUAL_HORIZONS else None
            scores = {c: _score(a, sub[c].to_numpy(float)[common], sc, nv, wts) for c in use}
            ranked = sorted(use, key=lambda c: scores[c]["owa"])
            top = [c for c in ranked if c != "naive"][:_COMBO_POOL]
            gpos = pos[gm][common]
            csub = sub.loc[common]
            for kk in range(2, min(5, len(top)) + 1):
                for members in itertools.combinations(top, kk):
                    for method in ("median", "mean"):
                        if method == "median" and kk == 2:
                            continue  # same as the mean
                        name = f"{method}({','.join(members)})"
                        vals = _combo_values(csub, gpos, list(members), method)
                        scores[name] = _score(a, vals, sc, nv, wts)
                        cal.combos[name] = (list(members), method)
            ranked = sorted(scores, key=lambda c: scores[c]["owa"])
            if _ENSEMBLE and len(ranked) > 2:
                # median of the best few candidates: averages over the selection noise among near-ties
                top = [c for c in ranked if c != "naive"][:_ENSEMBLE]
                cols = np.column_stack([_combo_values(csub, gpos, *cal.combos[c]) if c in cal.combos
                                        else csub[c].to_numpy(float) for c in top])
                xs = _to_scale(cols, gpos[:, None])
                ens = combine_points(xs.T, _ENSEMBLE_METHOD)
                ens = np.where(gpos, np.exp(ens), ens)
                ename = _ensemble_name(top, cal.combos)
                scores[ename] = _score(a, ens, sc, nv, wts)
                cal.combos[ename] = (top, _ENSEMBLE_METHOD)
                ranked = [ename] + [c for c in sorted(scores, key=lambda c: scores[c]["owa"]) if c != ename]
            # keep every single model (fallbacks) but only the best few combinations
            combos_ranked = [c for c in ranked if c in cal.combos]
            keep = set(combos_ranked[:_KEEP_COMBOS])
            ranked = [c for c in ranked if c not in cal.combos or c in keep]
            cal.ranking[group] = ranked
            cal.choice[group] = ranked[0]
            for c, sc_ in scores.items():
                score_rows.append({"group": group, "model": c, **sc_})
        used = {c for r in cal.ranking.values() for c in r}
        used |= {m for c in list(used) if _is_ensemble(c) for m in cal.combos[c][0]}
        cal.combos = {k: v for k, v in cal.combos.items() if k in used}
        # combos chosen anywhere need values on every row for calibration (ensembles last: their members first)
        for last in (False, True):
            new = {name: _combo_values(wide, pos, members, method)
                   for name, (members, method) in cal.combos.items()
                   if _is_ensemble(name) == last and name not in wide.columns}
            if new:  # one concat per pass (column-by-column inserts fragment the frame)
                wide = pd.concat([wide, pd.DataFrame(new, index=wide.index)], axis=1)
        if (_SWITCH if switch is None else switch) and values is not None:
            for group, gm in group_masks.items():
                ename = cal.choice.get(group)
                if ename and _is_ensemble(ename) and ename in wide.columns:
                    rule = _switch_rule(wide.loc[gm], facts.loc[gm], base_names, ename, values)
                    if rule is not None:
                        cal.switch[group] = rule
    cal.scores = pd.DataFrame(score_rows)
    # calibration tables: scaled errors of every model column, in both spaces
    x_act = _to_scale(actual, pos)
    s_log = facts["s"].to_numpy(float)
    sc_lev = facts["lscale"].to_numpy(float)
    jj = facts.index.get_level_values("j").to_numpy(int)
    sids = facts.index.get_level_values("sid").to_numpy(int)
    ranked_any = {c for r in cal.ranking.values() for c in r}
    for name in wide.columns:
        if name in cal.combos and cal.ranking and name not in ranked_any:
            continue  # an ensemble member only: its values are needed, its intervals are not
        f = wide[name].to_numpy(float)
        e_log = np.where(pos, (x_act - _to_scale(f, pos)) / s_log, np.nan)
        e_lev = (actual - f) / sc_lev
        ok_lev = np.isfinite(e_lev)
        ok_log = np.isfinite(e_log) & ok_lev
        masks = [(None, np.ones(len(f), bool))] + list(group_masks.items())
        for group, gmask in masks:
            gl, gg = gmask & ok_lev, gmask & ok_log
            if gl.sum() < _MIN_CAL:
                continue
            entry = {"level": _quantile_table(e_lev[gl], jj[gl], h), "log": None, "space": "level"}
            if gg.sum() >= _MIN_CAL:
                entry["log"] = _quantile_table(e_log[gg], jj[gg], h)
                entry["space"] = _choose_space(e_log[gg], e_lev[gg], jj[gg], sids[gg], actual[gg], f[gg],
                                               s_log[gg], sc_lev[gg], h)
            allg = cal.pooled_tables.get(name)
            if group is not None and allg is not None and len(group_masks) > 1:
                # partial pooling across groups: a group's few origin years say little about rare shocks
                for space, n_g in (("level", gl.sum()), ("log", gg.sum())):
                    if entry[space] is not None and allg[space] is not None:
                        w = n_g / (n_g + _GROUP_N0)
                        entry[space] = w * entry[space] + (1 - w) * allg[space]
            if group is None:
                cal.pooled_tables[name] = entry
            else:
                cal.tables[(group, name)] = entry
                cal.n_errors[(group, name)] = int(gl.sum())
    return cal


def _widening_factor(q10: np.ndarray, q90: np.ndarray, extra: float, unit=1.0) -> np.ndarray:
    """``k_j = sqrt(1 + j extra^2 / (unit^2 v_j))``: the factor that adds an independent log-growth variance
    ``j extra^2`` to quantiles whose Gaussian-equivalent variance (from the 10-90 % range) is ``v_j``, in
    units of ``unit``."""
    v = np.maximum((q90 - q10) / (2 * ndtri(0.9)), 1e-6) ** 2
    return np.sqrt(1 + np.arange(1, len(q10) + 1) * extra ** 2 / (unit ** 2 * v))


@dataclass
class _Fitted:
    """Per-series outcome: model used, point on the modelling scale, volatility, fallback."""

    series: _Series
    model: str
    point: np.ndarray  # value scale
    positive: bool
    s: float
    scale: float
    fallback: bool
    reason: str
    space: str
    table: np.ndarray
    extra: float = 0.0  # extra annual log-growth sd (a region below its prior's level), see _subregional_extra

    def widening(self) -> tuple[np.ndarray, np.ndarray]:
        """(centre, factor) per horizon: scaled errors ``q`` become ``c + k (q - c)``.

        The calibrated quantiles ``Q_j`` (in units of ``s``) get the independent extra log-growth
        variance ``j * extra^2`` added around their median: ``k_j = sqrt(1 + j extra^2 / (s^2 v_j))``
        with ``v_j`` the Gaussian-equivalent variance of ``Q_j`` from its 10-90 % range.

        In level space (positive series only) the unit of ``Q_j`` is ``scale / point_j`` in relative terms.
        """
        h = self.table.shape[0]
        c = np.array([np.interp(0.5, _P, self.table[j]) for j in range(h)])
        if self.space == "log":
            unit = np.full(h, self.s)
        elif self.positive:
            unit = self.scale / np.maximum(np.asarray(self.point, float)[:h], 1e-300)
        else:
            unit = np.zeros(h)
        if not (self.extra > 0 and np.all(unit > 0)):
            return c, np.ones(h)
        q10 = np.array([np.interp(0.1, _P, self.table[j]) for j in range(h)])
        q90 = np.array([np.interp(0.9, _P, self.table[j]) for j in range(h)])
        return c, _widening_factor(q10, q90, self.extra, unit)

    def values(self, q: np.ndarray) -> np.ndarray:
        """Map scaled-error quantiles ``q`` (last axis = horizon) to values."""
        if self.extra > 0 and self.space != "log" and self.positive:
            return self._values_widened_on_logs(np.asarray(q, float))
        if self.extra > 0:
            c, k = self.widening()
            q = c + k * (np.asarray(q, float) - c)
        if self.space == "log":
            x = np.log(np.maximum(self.point, 1e-300)) + self.s * q
            return np.exp(np.clip(x, -700, 700))
        v = self.point + self.scale * q
        return np.maximum(v, 0.0) if self.positive else v

    def _values_widened_on_logs(self, q: np.ndarray) -> np.ndarray:
        """A positive series calibrated in level space, widened by ``extra`` (a log-growth sd): the level
        quantiles become log ratios to the point, ``log(1 + scale q / point)`` (at least log 0.05), and
        those are widened around their median as in :meth:`widening`, so the extra uncertainty is
        multiplicative, as it was measured, and a wide band never reaches zero."""
        h = self.table.shape[0]
        pt = np.maximum(np.asarray(self.point, float)[:h], 1e-300)

        def logs(qq):
            return np.log(np.maximum(1 + self.scale * qq / pt, _LOG_RATIO_FLOOR))

        tq = np.array([np.interp([0.1, 0.5, 0.9], _P, self.table[j]) for j in range(h)])  # (h, 3)
        l10, c, l90 = (logs(tq[:, i]) for i in range(3))
        k = _widening_factor(l10, l90, self.extra)
        lq = logs(q)
        return pt * np.exp(np.clip(c + k * (lq - c), -700, 700))


def _engine(panel, h, models, keys, group_by, n_jobs, client, reference, calibration, n_origins,
            fallback: Model | None = None, switch: bool | None = None):
    keys = tuple(keys)
    if isinstance(h, (bool, np.bool_)) or int(h) != h or int(h) < 1:
        raise ValueError(f"h (horizon in years) must be a positive integer; got {h!r}.")
    h = int(h)
    if group_by is None:
        group_by = calibration.group_by if calibration is not None else _default_group_by(keys)
    group_by = tuple(group_by)
    cols = list(dict.fromkeys([*keys, *group_by]))
    df = _check_panel(panel, cols)
    series = _split_series(df, keys, group_by)
    if not series:
        raise DataValidationError("panel has no rows to forecast.")
    ref_series: list[_Series] = []
    if reference is not None:
        rkeys = tuple(c for c in keys if c in reference.columns)
        rcols = list(dict.fromkeys([*rkeys, *group_by]))
        rdf = _check_panel(reference, rcols, what="reference")
        ref_series = _split_series(rdf, rkeys or group_by, group_by, start=len(series), reference=True)
    allser = series + ref_series
    by_sid = {s.sid: s for s in allser}
    if fallback is None:
        from .models import Naive

        fallback = Naive()
    if not isinstance(fallback, Model):
        raise TypeError(f"fallback must be a model instance such as Naive(); got {fallback!r}.")
    base, requested, auto = _resolve_models(models, fallback)
    if calibration is not None:
        # only the models the stored choice may need
        need = set(calibration.choice.values()) | {n for r in calibration.ranking.values() for n in r}
        for name, (members, _) in calibration.combos.items():
            need |= set(members)
        if auto:
            base = [m for m in base if m.name in need] or base
    priors = calibration.volatility_prior if calibration is not None else _volatility_priors(allser, group_by)
    pinfo = _panel_growth_info(allser)
    do_origins = calibration is None
    work = allser if do_origins else series
    n_chunks = 1 if (client is None and (n_jobs in (None, 1))) else (
        4 * (n_jobs if n_jobs and n_jobs > 0 else _cpu()) if client is None else 4 * _dask_workers(client))
    chunks = _chunks(work, n_chunks)
    # each chunk only needs its groups' panel info
    ginfo = _global_fit_info(allser, base, h)
    results = _map_chunks(chunks, (base, h, n_origins, pinfo, priors, do_origins, ginfo), n_jobs, client)
    base_names = [m.name for m in base]
    if calibration is None:
        rec = _records_frame(results, by_sid, base_names)
        calibration = _fit_calibration(rec, requested, auto, h, group_by, priors,
                                       values={s.sid: s.y for s in allser}, switch=switch)
    res_by_sid = {r["sid"]: r for r in results}
    switch_to: dict = {}  # sid -> single model replacing the group's ensemble (Calibration.switch)
    if auto and calibration.switch:
        for group, rule in calibration.switch.items():
            ss = [s for s in series if s.group == group and len(s.y)
                  and calibration.choice.get(group) == rule.ensemble]
            fins = [{base_names[i]: v for i, v in res_by_sid[s.sid]["final"].items()} for s in ss]
            for s, to in zip(ss, rule.choose_many([s.y for s in ss], fins)):
                if to is not None:
                    switch_to[s.sid] = to
    fitted: list[_Fitted] = []
    for s in series:
        r = res_by_sid[s.sid]
        finals = {base_names[i]: v for i, v in r["final"].items()}
        reasons = {base_names[i]: v for i, v in r["reasons"].items()}
        pos = r["positive"]

        def value_of(name):
            if name in finals:
                return finals[name]
            spec = calibration.combos.get(name)
            if spec is None:
                for m in requested:
                    if isinstance(m, Combination) and m.name == name:
                        spec = (m.member_names, m.method)
            if spec is None:
                return None
            members, method = spec
            pts = [v for v in (value_of(m) for m in members) if v is not None]
            if len(pts) < 2:
                reasons.setdefault(name, f"series too short for the group's ensemble ({name}): fewer than two of "
                                         "its models could be fitted")
                return None
            xs = _to_scale(np.vstack(pts), pos)
            c = combine_points(xs, method)
            return np.exp(c) if pos else c

        if auto:
            wanted = [calibration.choice.get(s.group)] if calibration.choice.get(s.group) else []
            if s.sid in switch_to:
                wanted = [switch_to[s.sid]]
            order = wanted + [m for m in calibration.ranking.get(s.group, []) if m not in wanted]
            order += [m for m in ("pooled", "drift", "drift_level", "naive") if m not in order]
            if fallback.name in {b.name for b in base} and fallback.name not in order:
                order.append(fallback.name)
            first = order[0]
            for name in order:
                v = value_of(name)
                if v is not None:
                    fb = name != first
                    why = ""
                    if fb:
                        why = f"{reasons.get(first, first + ' unavailable')}; used {name}"
                        if not calibration.choice.get(s.group):
                            why += f" (no model choice for the group: too few rolling-origin errors; " \
                                   f"default order {', '.join(order[:4])})"
                    fitted.append(_Fitted(s, name, v, pos, r["s"], r["scale"], fb, why,
                                          *calibration.table(s.group, name, h, pos, r["extra"] > 0),
                                          extra=r["extra"]))
                    break
        else:
            for m in requested:
                v = value_of(m.name)
                fb, why, used = False, "", m.name
                if v is None:
                    fb = True
                    why = f"{reasons.get(m.name, m.name + ' unavailable')}; {fallback.name} used"
                    v = value_of(fallback.name)
                    if v is None:
                        why = f"{reasons.get(m.name, m.name + ' unavailable')}; " \
                              f"{fallback.name} unavailable too, last value carried forward"
                        v = np.full(h, s.y[-1]) if len(s.y) else np.full(h, np.nan)
                    tab = calibration.table(s.group, fallback.name, h, pos, r["extra"] > 0)
                else:
                    tab = calibration.table(s.group, m.name, h, pos, r["extra"] > 0)
                fitted.append(_Fitted(s, used, v, pos, r["s"], r["scale"], fb, why, *tab, extra=r["extra"]))
    return fitted, calibration, keys, h


def _cpu() -> int:
    import os

    return max(1, os.cpu_count() or 1)


def _dask_workers(client) -> int:
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:  # a client without scheduler info still works with one chunk per call
        return 1


def _quantiles_for(f: _Fitted, probs: np.ndarray) -> np.ndarray:
    """Value-scale quantiles, shape (h, len(probs)), from the calibrated table."""
    tab = f.table
    h = len(f.point)
    q = np.empty((len(probs), h))
    for j in range(h):
        q[:, j] = np.interp(probs, _P, tab[j])
    return f.values(q).T


def _warn_fallbacks(fitted: list[_Fitted], total: int) -> None:
    fb = [f for f in fitted if f.fallback]
    if not fb:
        return
    keys = {f.series.key for f in fb}
    eg = "; ".join(f"{f.series.key}: {f.reason}" for f in fb[:3])
    warnings.warn(f"{len(keys)} of {total} series fell back to another model "
                  f"(see columns fallback_used/fallback_reason), e.g. {eg}", FallbackWarning, stacklevel=3)


def forecast(panel: pd.DataFrame, h: int, level: Sequence[float] = (80, 95), models: Any = "auto",
             keys: Sequence[str] = ("region", "indicator"), n_jobs: int = 1, client=None,
             reference: pd.DataFrame | None = None, quantiles: Sequence[float] = (),
             group_by: Sequence[str] | None = None, calibration: Calibration | None = None,
             n_origins: int = N_ORIGINS, fallback: Model | None = None) -> pd.DataFrame:
    """Forecast every series of a long panel with calibrated intervals.

    Parameters
    ----------
    panel
        Long frame with the ``keys`` columns, ``year`` (int) and ``value``; extra columns are ignored,
        except that a tidy panel's ``status`` (and ``months``) is honoured: one value per series-year is
        kept, an actual over an estimate, a lone year-to-date figure as its seasonal full-year nowcast
        (:func:`innovation_forecast.panel.annual_values`).
    h
        Years ahead.
    level
        Interval levels in percent -> columns ``lo_80, hi_80, ...``.
    models
        ``"auto"`` (choose per indicator group by rolling-origin accuracy; one row per series and
        year) or a list of model instances (one row per model, series and year).
    keys
        Columns identifying a series, e.g. ``("region", "indicator")`` or ``("series_id",)``.
    n_jobs
        joblib processes for the per-series work (``-1`` = all cores).
    client
        A ``dask.distributed.Client``; when given the work is mapped on its cluster.
    reference
        Extra series (same value columns, e.g. the 31 provinces) that inform selection, calibration
        and the pooled growth model of each group but are not forecast.
    quantiles
        Probabilities -> columns ``q_10, q_50, ...``.
    group_by
        Columns defining calibration/selection groups; default ``("indicator",)`` when
        ``indicator`` is a key, else all series form one group.
    calibration
        A :class:`Calibration` from :func:`calibrate` to reuse instead of refitting.
    n_origins
        In-sample rolling origins per series.
    fallback
        Model standing in when a requested model cannot fit a series (default ``Naive()``); with
        ``models="auto"`` the next-ranked model that fits is used first.

    Returns
    -------
    DataFrame
        keys..., year, model, mean, lo_80, hi_80, lo_95, hi_95, [q_*], fallback_used, fallback_reason,
        note. ``mean`` is the point forecast (for positive series the back-transformed log forecast,
        i.e. a median). ``note`` records data handling: inner gaps of up to 3 years are filled by
        geometric interpolation; data before a longer gap are dropped.

    Example
    -------
    >>> fc = forecast(panel, h=2, level=(80, 95))                      # doctest: +SKIP
    >>> fc = forecast(m3, h=6, keys=("series_id",), n_jobs=2)           # doctest: +SKIP
    """
    level = [float(v) for v in level]
    for v in level:
        if not 0 < v < 100:
            raise ValueError(f"level must be in percent, strictly between 0 and 100; got {v!r}.")
    quantiles = [float(q) for q in quantiles]
    for q in quantiles:
        if not 0 < q < 1:
            raise ValueError(f"quantiles must be probabilities strictly between 0 and 1; got {q!r}.")
    fitted, cal, keys, h = _engine(panel, h, models, keys, group_by, n_jobs, client, reference, calibration,
                                   n_origins, fallback)
    probs = []
    for v in level:
        probs += [0.5 - v / 200, 0.5 + v / 200]
    probs += quantiles
    probs = np.array(probs)
    rows = []
    for f in fitted:
        q = _quantiles_for(f, probs) if len(probs) else np.empty((h, 0))
        last = int(f.series.years[-1]) if len(f.series.years) else 0
        d = {k: [v] * h for k, v in zip(keys, f.series.key)}
        d["year"] = np.arange(last + 1, last + h + 1)
        d["model"] = f.model
        d["mean"] = f.point
        for i, v in enumerate(level):
            lo, hi = level_keys(v)
            d[lo] = q[:, 2 * i]
            d[hi] = q[:, 2 * i + 1]
        for i, p in enumerate(quantiles):
            d[quantile_key(p)] = q[:, 2 * len(level) + i]
        d["fallback_used"] = f.fallback
        d["fallback_reason"] = f.reason
        d["note"] = f.series.note
        rows.append(pd.DataFrame(d))
    _warn_fallbacks(fitted, len({f.series.key for f in fitted}))
    out = pd.concat(rows, ignore_index=True)
    out["year"] = out["year"].astype(int)
    out.attrs["calibration"] = cal
    return out


def forecast_paths(panel: pd.DataFrame, h: int, n_paths: int = 2000, keys: Sequence[str] = ("region", "indicator"),
                   seed: int = 0, reference: pd.DataFrame | None = None, models: Any = "auto",
                   n_jobs: int = 1, client=None, group_by: Sequence[str] | None = None,
                   calibration: Calibration | None = None, n_origins: int = N_ORIGINS) -> dict:
    """Calibrated joint sample paths for every series.

    The marginal at each horizon is the calibrated quantile function used by :func:`forecast`
    (so path quantiles reproduce its intervals); across horizons the paths follow cumulative
    growth shocks (a random-walk Gaussian copula), so a bad year is not undone the next year.

    Parameters
    ----------
    panel, h, keys, reference, n_jobs, client, group_by, calibration, n_origins
        As in :func:`forecast`.
    n_paths
        Paths per series.
    seed
        Seed of the random generator (results are reproducible).
    models
        ``"auto"`` or a list holding exactly one model instance.

    Returns
    -------
    dict
        ``{key tuple: ForecastPaths}``.

    Example
    -------
    >>> fp = forecast_paths(panel, h=3)                                    # doctest: +SKIP
    >>> fp[("南昌市", "patent_applications")].prob(2025, 30000)             # doctest: +SKIP
    """
    if not (isinstance(models, str) and models == "auto"):
        mlist = [models] if isinstance(models, Model) else list(models)
        if len(mlist) != 1:
            raise ValueError("forecast_paths takes models='auto' or exactly one model.")
    if int(n_paths) < 1:
        raise ValueError(f"n_paths must be at least 1; got {n_paths!r}.")
    fitted, cal, keys, h = _engine(panel, h, models, keys, group_by, n_jobs, client, reference, calibration,
                                   n_origins)
    rng = np.random.default_rng(seed)
    out = {}
    for f in fitted:
        z = cumulative_normals(rng, int(n_paths), h)
        u = ndtr(z)
        q = np.empty_like(u)
        for j in range(h):
            q[:, j] = np.interp(u[:, j], _P, f.table[j])
        paths = f.values(q)
        last = int(f.series.years[-1])
        out[f.series.key] = ForecastPaths(years=np.arange(last + 1, last + h + 1), paths=paths, model=f.model,
                                          last_year=last, last_value=float(f.series.y[-1]),
                                          n_obs=int(f.series.n_actual))
    _warn_fallbacks(fitted, len(fitted))
    return out


def calibrate(panel: pd.DataFrame, h: int, models: Any = "auto", keys: Sequence[str] = ("region", "indicator"),
              n_jobs: int = 1, client=None, reference: pd.DataFrame | None = None,
              group_by: Sequence[str] | None = None, n_origins: int = N_ORIGINS,
              switch: bool = False) -> Calibration:
    """Fit model choice and interval calibration once on a panel, for reuse via ``calibration=``.

    Parameters
    ----------
    panel, h, models, keys, n_jobs, client, reference, group_by, n_origins
        As in :func:`forecast`.
    switch
        Also learn, per group of at least 100 series, the feature-based switch from the auto ensemble to a
        single model (:mod:`innovation_forecast.models.switch`); ``forecast(..., calibration=cal)`` then
        applies it. Off by default: it improved M3's in-sample hold-out but not its test part
        (BENCHMARKS.md, "Forecasting: M3 yearly").

    Returns
    -------
    Calibration
        choice/ranking per group, quantile tables per (group, model), selection scores.

    Example
    -------
    >>> cal = calibrate(panel, h=3)                                         # doctest: +SKIP
    >>> fc = forecast(panel, h=3, calibration=cal)                          # doctest: +SKIP
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        _, cal, _, _ = _engine(panel, h, models, keys, group_by, n_jobs, client, reference, None, n_origins,
                               switch=bool(switch))
    return cal


# ---------------------------------------------------------------------------------------------
# backtests
# ---------------------------------------------------------------------------------------------
def _parse_origins(origins) -> list[int]:
    if isinstance(origins, str):
        if "-" in origins:
            a, b = origins.split("-", 1)
            return list(range(int(a), int(b) + 1))
        return [int(v) for v in origins.split(",")]
    if isinstance(origins, (int, np.integer)):
        return [int(origins)]
    return [int(v) for v in origins]


def backtest(panel: pd.DataFrame, origins: Iterable[int] | str, h: int, models: Any = "auto",
             keys: Sequence[str] = ("region", "indicator"), level: Sequence[float] = (80, 95),
             quantiles: Sequence[float] = (), n_jobs: int = 1, client=None,
             reference: pd.DataFrame | None = None, group_by: Sequence[str] | None = None,
             n_origins: int = N_ORIGINS) -> pd.DataFrame:
    """Rolling-origin evaluation: at each origin year forecast from data up to that year only.

    Everything -- model choice, interval calibration, the pooled model's panel growth -- is refitted
    on the truncated panel, so no information after the origin is used.

    Parameters
    ----------
    origins
        Last year of data at each origin, e.g. ``range(2016, 2023)`` or ``"2016-2022"``.
    h
        Years ahead from each origin (rows beyond the data are dropped).
    Other parameters as in :func:`forecast`.

    Returns
    -------
    DataFrame
        keys..., origin, year, horizon, model, actual, mean, lo_*/hi_*, [q_*], scale (in-sample mean
        absolute first difference, the MASE denominator), fallback_used.

    Example
    -------
    >>> bt = backtest(panel, origins=range(2016, 2023), h=2)                 # doctest: +SKIP
    >>> accuracy(bt)                                                          # doctest: +SKIP
    """
    keys = tuple(keys)
    gb = group_by if group_by is not None else _default_group_by(keys)
    df = _check_panel(panel, list(dict.fromkeys([*keys, *gb])))
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        for o in _parse_origins(origins):
            train = df[df["year"] <= o]
            if train.empty:
                continue
            ref = reference[reference["year"] <= o] if reference is not None else None
            fc = forecast(train, h, level=level, models=models, keys=keys, n_jobs=n_jobs, client=client,
                          reference=ref, quantiles=quantiles, group_by=gb, n_origins=n_origins)
            fc = fc[fc.groupby(list(keys))["year"].transform("min") == o + 1]  # series ending at the origin
            scale = (train.sort_values("year").groupby(list(keys))["value"]
                     .apply(lambda v: _mase_scale(v.dropna().to_numpy(float))).rename("scale"))
            act = df[(df["year"] > o) & (df["year"] <= o + h)][[*keys, "year", "value"]].rename(
                columns={"value": "actual"})
            m = fc.merge(act, on=[*keys, "year"], how="inner").merge(scale.reset_index(), on=list(keys), how="left")
            m.insert(len(keys), "origin", o)
            m["horizon"] = m["year"] - o
            out.append(m)
    if not out:
        raise DataValidationError(f"no forecasts could be scored for origins {origins!r}: no actual values "
                                  "after any origin.")
    bt = pd.concat(out, ignore_index=True)
    front = [*keys, "origin", "year", "horizon", "model", "actual", "mean"]
    return bt[front + [c for c in bt.columns if c not in front]]


def accuracy(bt: pd.DataFrame, by: Sequence[str] = ("model",), series_keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Accuracy metrics of a :func:`backtest` frame.

    Errors are averaged within each series and origin first, then across them (as in the M3/M4
    evaluations): ``smape``, ``mape`` (percent), ``mase`` (MAE / in-sample mean absolute first
    difference), ``coverage_80``/``coverage_95`` (percent of actuals inside), ``msis_80``/``msis_95``
    (scaled interval score), ``winkler_95`` (unscaled interval score), ``crps`` (scaled, from the
    interval bounds and quantile columns treated as quantiles, with ``mean`` as the median).

    Parameters
    ----------
    bt
        Output of :func:`backtest` (or any frame with actual, mean, scale and interval columns).
    by
        Grouping columns of the result, e.g. ``("model",)`` or ``("indicator", "model")``.
    series_keys
        Columns identifying one series in ``bt``; default: every column before ``origin``.

    Returns
    -------
    DataFrame
        by..., n, smape, mape, mase, coverage_*, msis_*, winkler_*, crps.
    """
    bt = bt.copy()
    if series_keys is None:
        cols = list(bt.columns)
        series_keys = cols[: cols.index("origin")] if "origin" in cols else []
    unit = [*series_keys, *(["origin"] if "origin" in bt.columns else [])]
    for b in by:
        if b not in unit:
            unit.append(b)
    y, f = bt["actual"].to_numpy(float), bt["mean"].to_numpy(float)
    sc = bt["scale"].to_numpy(float) if "scale" in bt.columns else np.ones(len(bt))
    bt["_smape"] = smape(y, f)
    bt["_mape"] = mape(y, f)
    bt["_mase"] = mase(y, f, sc)
    levels = sorted({float(c[3:]) for c in bt.columns if c.startswith("lo_") and f"hi_{c[3:]}" in bt.columns})
    metric_cols = ["_smape", "_mape", "_mase"]
    qcols, qprobs = [], []
    for lv in levels:
        lo, hi = level_keys(lv)
        tag = f"{lv:g}"
        bt[f"_cov_{tag}"] = 100 * coverage(y, bt[lo], bt[hi])
        bt[f"_msis_{tag}"] = interval_score(y, bt[lo], bt[hi], lv, sc)
        bt[f"_wink_{tag}"] = interval_score(y, bt[lo], bt[hi], lv, 1.0)
        metric_cols += [f"_cov_{tag}", f"_msis_{tag}", f"_wink_{tag}"]
        qcols += [lo, hi]
        qprobs += [0.5 - lv / 200, 0.5 + lv / 200]
    for c in bt.columns:
        if c.startswith("q_"):
            qcols.append(c)
            qprobs.append(float(c[2:]) / 100)
    if qcols:
        qcols.append("mean")
        qprobs.append(0.5)
        order = np.argsort(qprobs)
        bt["_crps"] = crps_quantiles(y, bt[[qcols[i] for i in order]].to_numpy(float),
                                     [qprobs[i] for i in order], sc)
        metric_cols.append("_crps")
    valid = np.isfinite(y) & np.isfinite(f)
    per = bt.loc[valid].groupby(unit, dropna=False)[metric_cols].mean().reset_index()
    res = per.groupby(list(by), dropna=False)[metric_cols].mean()
    res.insert(0, "n", per.groupby(list(by), dropna=False).size())
    ren = {"_smape": "smape", "_mape": "mape", "_mase": "mase", "_crps": "crps"}
    for lv in levels:
        tag = f"{lv:g}"
        ren.update({f"_cov_{tag}": f"coverage_{tag}", f"_msis_{tag}": f"msis_{tag}", f"_wink_{tag}": f"winkler_{tag}"})
    return res.rename(columns=ren).reset_index()
