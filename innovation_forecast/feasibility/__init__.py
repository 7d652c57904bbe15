"""Target feasibility: how likely is each work-report target to be met?

``assess_targets(panel, targets)`` turns every target into a level of its
indicator at the target year, compares it with calibrated joint sample paths
from the forecast engine (:func:`innovation_forecast.forecast.forecast_paths`),
and returns one tidy row per target with the probability of meeting it, the
growth it needs, the growth the region has shown, an Open SDG style progress
ratio and a one-sentence explanation in Chinese or English.

How each basis becomes a question about sample paths ``Y`` (one value per path):

=========================  ==================================================  =========================================
basis (targets frame)      example                                             event whose probability is ``p_meet``
=========================  ==================================================  =========================================
``level``                  专利申请量达5500件                                  ``Y_T >= 5500``
``growth_pct``             全社会研发投入增长25%以上                           ``Y_T >= 1.25 * Y_{T-1}`` (jointly when
                                                                               ``T-1`` is also in the future)
``increment`` of a stock   万人发明专利拥有量提高0.2件                         ``Y_T - Y_{T-1} >= 0.2``
``increment`` of a flow    专利申请量增加500件                                 ``Y_T - Y_{T-1} >= 500``
new-count flows            新增高新技术企业40家 (``hte_new``)                  ``hte_new_T >= 40`` whatever the basis
                                                                               (the flow *is* the increment); with only
                                                                               ``hte_total``: ``Δ stock >= 40``, a lower
                                                                               bound, said so in ``notes``
``pp``                     研发投入强度提高0.2个百分点                         ``Y_T - Y_{T-1} >= 0.2``
``cagr`` (period)          到2025年专利授权量年均增长15% (``base_year`` 2020)   ``Y_T >= Y_base * 1.15 ** (T - base_year)``
``multiple`` (period)      高新技术企业数量实现翻番 (value 2, ``base_year``)     ``Y_T >= 2 * Y_base`` (``Y_base`` from a
                                                                               path when the base year is ahead too)
ratio ``rd_intensity``     研发经费投入占GDP比重达2.2%                         from the intensity series, or from
                                                                               ``100 * rd_expenditure / gdp`` sample
                                                                               paths when that pair has more history;
                                                                               ``inputs`` says which
=========================  ==================================================  =========================================

Comparators ``ge``/``gt``/``le``/``lt`` are applied as written; ``eq``
("达到X") is read as ``>= X``: a work report that reaches more than planned
has met its plan. ``stretch_low`` (力争 level or the bottom of a 力争 range) is
scored the same way as ``p_stretch``.

``p_meet`` is the share of sample paths meeting the target. The paths are a linear pool
(:data:`PEER_WEIGHT` = 50/50) of the forecast engine's calibrated paths and *peer-growth* paths
(:class:`PeerGrowth`: the indicator's recent growth across all regions of the panel and ``reference``,
scaled to this region's volatility). Where the indicator has a leading relation
(:mod:`~innovation_forecast.feasibility.leading`: patent grants follow applications one to two years
earlier, the stock of valid invention patents follows projected invention grants, R&D spending follows
last year's GDP growth) and the panel holds the region's input series, the region's peer-growth paths are
centred on what that relation predicts. On 26,000 rolling-origin targets of the 31 provinces the pool
scored a Brier skill of 0.10 against the historical frequency (0.08 with one centre for all regions, engine
alone 0.04) and was reliable within 3 points in every decile without recalibration (BENCHMARKS.md
"Target feasibility"). A map
fitted on outcomes of one's own past targets (:mod:`innovation_forecast.feasibility.calibration`)
can be passed as ``calibration=``; ``p_meet_raw`` then keeps the share itself.

Verdicts (thresholds :data:`VERDICT_THRESHOLDS`): ``likely`` p >= 0.8,
``toss-up`` 0.4 <= p < 0.8, ``stretch`` 0.2 < p < 0.4, ``unlikely`` p <= 0.2;
``met``/``missed`` when the target year's value is already known;
``no data`` when the indicator has no usable history for the region.
"""

from __future__ import annotations

import inspect
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataValidationError, UnknownIndicatorError, UnknownRegionError
from ..panel import annual_values
from ..registry import convert, resolve_indicator, resolve_region
from .leading import LEADS, lead_growth
from .peers import MIN_PAIRS, PeerGrowth, _log_growths, _volatility, peer_growth

__all__ = [
    "PEER_WEIGHT",
    "PROGRESS_THRESHOLDS",
    "PeerGrowth",
    "VERDICT_THRESHOLDS",
    "assess_targets",
    "growth_percentile",
    "historical_cagr",
    "p_event",
    "peer_growth",
    "published_digits",
    "period_targets_as_targets",
    "progress_label",
    "progress_ratio",
    "required_growth",
    "verdict",
]

#: Probability cut-offs of the verdict classes (lower bounds, p in [0, 1]).
#: ``likely``: p >= 0.8 (met four times in five); ``toss-up``: 0.4 <= p < 0.8;
#: ``stretch``: 0.2 < p < 0.4 (needs clearly better than usual luck or effort);
#: ``unlikely``: p <= 0.2. Symmetric around a coin flip would put toss-up at 0.2-0.8;
#: we start it at 0.4 so that "toss-up" never describes a target missed three times in five.
VERDICT_THRESHOLDS: dict[str, float] = {"likely": 0.8, "toss-up": 0.4, "stretch": 0.2}

#: Open SDG / Statistics Canada progress categories for the ratio R of observed to
#: required compound annual growth (docs/progress-methodology.md in open-sdg/open-sdg):
#: R >= 0.95 on track; 0.6 <= R < 0.95 progress made but acceleration needed;
#: 0 <= R < 0.6 limited progress; R < 0 deterioration; "target achieved" when the
#: latest value already meets the target.
PROGRESS_THRESHOLDS: dict[str, float] = {"on track": 0.95, "acceleration needed": 0.6, "limited progress": 0.0}

#: Flows that are themselves a count of *new* units: a target to "add" N of them is a level of the flow.
NEW_COUNT_FLOWS: dict[str, str] = {"hte_new": "hte_total"}

#: Target bases :func:`assess_targets` understands; the period ones count from a ``base_year``.
BASES = ("level", "growth_pct", "increment", "pp", "cagr", "multiple")
PERIOD_BASES = ("cagr", "multiple")

#: Fewest pooled annual growths worth borrowing from or ranking against (fewer: no fallback, no percentile).
MIN_POOL = 10
#: Years of history used for the historical CAGR (intervals ending at the latest year).
CAGR_WINDOW = 3
#: Years of annual growths (own and peers') pooled for percentiles and the historical base rate.
POOL_YEARS = 10
#: Weight of the peer-growth paths in the mixture behind ``p_meet`` (the rest: the forecast engine's paths).
#: A linear opinion pool of two forecasts (Stone 1961; Genest & Zidek 1986): on 26,000 rolling-origin
#: targets of the 31 provinces the 50/50 mixture had a Brier skill of 0.08 against the historical
#: frequency, the engine alone 0.04 and peer growth alone 0.07, and the mixture needed no recalibration
#: (every decile within 3 points); with peer paths centred on leading series (:mod:`.leading`) 0.10;
#: BENCHMARKS.md "Target feasibility".
PEER_WEIGHT = 0.5


_VERDICT_ZH = {"likely": "很可能完成", "toss-up": "五五开", "stretch": "需加把劲", "unlikely": "不太可能完成",
               "met": "已完成", "missed": "未完成", "no data": "无数据"}
_PROGRESS_ZH = {"target achieved": "已达标", "on track": "进展顺利", "acceleration needed": "有进展但需加快",
                "limited progress": "进展有限", "deterioration": "倒退", "": ""}
_CMP_TEXT = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "≥"}

RESULT_COLUMNS = [
    "doc", "region", "indicator", "target_year", "basis", "comparator", "value", "target", "stretch",
    "latest_year", "latest_value", "required_growth", "required_growth_pct_rank", "historical_growth",
    "historical_growth_years", "historical_growth_pct_rank", "mean", "lo_80", "hi_80", "p_meet", "p_stretch", "p_meet_raw", "p_stretch_raw", "base_rate",
    "progress_ratio", "progress_label", "verdict", "explanation", "n_obs", "model", "inputs", "notes", "quote",
]


# --------------------------------------------------------------------------------------------------
# small pure helpers (public: usable on their own and tested directly)
# --------------------------------------------------------------------------------------------------

def p_event(samples: np.ndarray, threshold: np.ndarray | float, comparator: str = "ge") -> float:
    """Share of sample values that satisfy ``samples <comparator> threshold``.

    Parameters
    ----------
    samples
        1-d array of sample values (one per path), e.g. ``paths[:, j]`` or ``paths[:, j] / paths[:, j-1]``.
    threshold
        A number, or an array of the same length (a path-wise threshold such as ``1.25 * Y_{T-1}``).
    comparator
        ``ge``, ``gt``, ``le``, ``lt`` or ``eq`` (read as ``ge``: "达到X" is met by anything at least X).

    Returns
    -------
    float
        The probability estimate in [0, 1]; NaN when no sample is finite.

    Examples
    --------
    >>> p_event(np.array([1.0, 2.0, 3.0, 4.0]), 2.5)
    0.5
    """
    s = np.asarray(samples, dtype=float)
    t = np.broadcast_to(np.asarray(threshold, dtype=float), s.shape)
    ok = np.isfinite(s) & np.isfinite(t)
    if not ok.any():
        return float("nan")
    s, t = s[ok], t[ok]
    cmp = {"ge": np.greater_equal, "eq": np.greater_equal, "gt": np.greater,
           "le": np.less_equal, "lt": np.less}.get(comparator)
    if cmp is None:
        raise DataValidationError(f"comparator {comparator!r} is not one of ge, gt, le, lt, eq.")
    # relative tolerance so that a deterministic path exactly on the target counts as meeting it
    tol = 1e-9 * np.maximum(1.0, np.abs(t))
    if comparator in ("ge", "eq"):
        hit = s >= t - tol
    elif comparator == "le":
        hit = s <= t + tol
    else:
        hit = cmp(s, t)
    return float(np.mean(hit))


def historical_cagr(hist: pd.Series, window: int = CAGR_WINDOW) -> tuple[float, int | None, int | None]:
    """Compound annual growth over the last ``window`` years of a series.

    Parameters
    ----------
    hist
        Values indexed by integer year (gaps allowed).
    window
        Number of years back from the latest year; the earliest observation inside the window is the base.

    Returns
    -------
    (cagr, first_year, last_year)
        ``cagr`` as a fraction (0.183 = +18.3%/yr); NaN with ``None`` years when fewer than two positive
        observations fall in the window.

    Examples
    --------
    >>> historical_cagr(pd.Series([100.0, 110.0, 121.0], index=[2015, 2016, 2017]))[0]  # doctest: +ELLIPSIS
    0.1000...
    """
    h = hist.dropna()
    h = h[h > 0]
    if len(h) < 2:
        return float("nan"), None, None
    last = int(h.index.max())
    inside = h[h.index >= last - window]
    if len(inside) < 2:
        inside = h.iloc[-2:]
    first = int(inside.index.min())
    span = last - first
    return float((inside.loc[last] / inside.loc[first]) ** (1.0 / span) - 1.0), first, last


def required_growth(target: float, latest_value: float, latest_year: int, target_year: int) -> float:
    """Annual growth needed to go from the latest value to the target level by the target year (fraction).

    Examples
    --------
    >>> round(required_growth(121.0, 100.0, 2017, 2019), 6)
    0.1
    """
    span = target_year - latest_year
    if span <= 0 or not (latest_value > 0) or not (target > 0):
        return float("nan")
    return float((target / latest_value) ** (1.0 / span) - 1.0)


def growth_percentile(x: float, pool: np.ndarray) -> float:
    """Percentile rank (0-100) of growth ``x`` among pooled annual growths (mid-rank for ties)."""
    pool = np.asarray(pool, dtype=float)
    pool = pool[np.isfinite(pool)]
    if not np.isfinite(x) or len(pool) == 0:
        return float("nan")
    tie = np.isclose(pool, x, rtol=0.0, atol=1e-9)  # growths computed two ways differ in the last bits
    return float(100.0 * (np.mean((pool < x) & ~tie) + 0.5 * np.mean(tie)))


def progress_ratio(y0: float, t0: int | None, yi: float, ti: int | None, target: float, target_year: int,
                   comparator: str = "ge", flow: bool = False) -> tuple[float, str]:
    """Open SDG progress ratio R = observed CAGR / CAGR required from the base year, and its label.

    Follows Statistics Canada's method as adopted by Open SDG: observed CAGR between base year ``t0`` and
    latest year ``ti``; required CAGR from ``y0`` to the target level at ``target_year``; ``d`` = +1 for
    an increase target (``ge``/``gt``/``eq``), -1 for a decrease target. Labels: see
    :data:`PROGRESS_THRESHOLDS`.

    Returns
    -------
    (ratio, label)
        label one of ``target achieved``, ``on track``, ``acceleration needed``, ``limited progress``,
        ``deterioration``, or ``""`` when the history is too short to say.

    ``flow``: the indicator counts what happens in a year (patent applications, new enterprises). A latest
    year already at the target level then does not achieve a later year's target; it is ``on track``
    (the same level again would do).
    """
    d = -1.0 if comparator in ("le", "lt") else 1.0
    if np.isfinite(yi) and np.isfinite(target) and (yi - target) * d >= 0:
        if flow and ti is not None and target_year > ti:
            return float("nan"), "on track"
        return float("nan"), "target achieved"
    if t0 is None or ti is None or ti <= t0 or not (y0 > 0 and yi > 0 and target > 0):
        return float("nan"), ""
    cagr_i = (yi / y0) ** (1.0 / (ti - t0)) - 1.0
    if target_year <= t0:
        return float("nan"), ""
    cagr_t = (target / y0) ** (1.0 / (target_year - t0)) - 1.0
    if d * cagr_t <= 0:
        # the base already met the target but the latest value does not: only the direction speaks
        return float("nan"), "deterioration" if d * cagr_i < 0 else "limited progress"
    r = float(cagr_i / cagr_t)
    return r, progress_label(r)


def progress_label(r: float) -> str:
    """Open SDG category of a progress ratio (see :data:`PROGRESS_THRESHOLDS`)."""
    if not np.isfinite(r):
        return ""
    for label, lo in PROGRESS_THRESHOLDS.items():
        if r >= lo:
            return label
    return "deterioration"


def published_digits(hist: pd.Series, last: int = 5, max_digits: int = 3) -> int | None:
    """Decimals the series is published with: the fewest (0 to ``max_digits``) that reproduce its
    last ``last`` values exactly, or None when they carry more (derived or unrounded figures).

    Sample paths are rounded to them before a target is judged, so that, as in the published
    figures, a path can *equal* last year's value or the target (R&D intensity is reported to
    0.01 points; 3 % of provincial year-on-year intensity figures repeat exactly).
    """
    v = np.asarray(hist.dropna().to_numpy(dtype=float)[-last:])
    if len(v) < 2:
        return None
    for d in range(max_digits + 1):
        if np.all(np.abs(v - np.round(v, d)) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            return d
    return None


def verdict(p: float) -> str:
    """Verdict class of a probability (see :data:`VERDICT_THRESHOLDS`), judged as shown: rounded to two
    decimals, so that "P(meet) = 0.80" never reads "toss-up"."""
    if not np.isfinite(p):
        return "no data"
    p = round(float(p), 2)
    if p >= VERDICT_THRESHOLDS["likely"]:
        return "likely"
    if p >= VERDICT_THRESHOLDS["toss-up"]:
        return "toss-up"
    if p > VERDICT_THRESHOLDS["stretch"]:
        return "stretch"
    return "unlikely"


# --------------------------------------------------------------------------------------------------
# series: observed history plus sample paths, possibly derived from other series
# --------------------------------------------------------------------------------------------------

@dataclass
class _Series:
    """History (year -> value) and joint sample paths of one quantity, with what produced them."""

    hist: pd.Series
    years: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))
    paths: np.ndarray | None = None  # (n, h)
    model: str = ""
    n_obs: int = 0
    inputs: str = ""
    notes: list[str] = field(default_factory=list)
    getter: Callable[[int, int], np.ndarray | None] | None = None

    @property
    def last_year(self) -> int | None:
        return int(self.hist.index.max()) if len(self.hist) else None

    def get(self, year: int, n: int) -> np.ndarray | None:
        """Samples (length n) of the value in ``year``: the known value repeated, or a path column."""
        if self.getter is not None:
            return self.getter(year, n)
        if year in self.hist.index and np.isfinite(self.hist.loc[year]):
            return np.full(n, float(self.hist.loc[year]))
        if self.paths is not None and len(self.years):
            j = np.flatnonzero(self.years == year)
            if len(j):
                return self.paths[:, int(j[0])]
        return None


def _ratio_series(num: _Series, den: _Series, scale: float, inputs: str) -> _Series:
    common = num.hist.index.intersection(den.hist.index)
    hist = (scale * num.hist.loc[common] / den.hist.loc[common]).sort_index()

    def getter(year, n):
        a, b = num.get(year, n), den.get(year, n)
        if a is None or b is None:
            return None
        return scale * a / b

    s = _Series(hist=hist, model=f"{num.model} / {den.model}", n_obs=min(num.n_obs, den.n_obs), inputs=inputs,
                notes=num.notes + den.notes, getter=getter)
    return s


def _diff_series(stock: _Series, inputs: str) -> _Series:
    hist = stock.hist.sort_index()
    d = hist.diff()
    d = d[(d.index.to_series().diff() == 1).values].dropna()

    def getter(year, n):
        a, b = stock.get(year, n), stock.get(year - 1, n)
        if a is None or b is None:
            return None
        return a - b

    return _Series(hist=d, model=stock.model, n_obs=stock.n_obs, inputs=inputs, notes=list(stock.notes),
                   getter=getter)


# --------------------------------------------------------------------------------------------------
# panel preparation
# --------------------------------------------------------------------------------------------------

def _canonical_region(name):
    try:
        return resolve_region(name).name
    except UnknownRegionError:
        return name


def _prepare_panel(panel: pd.DataFrame | None, as_of: int | None) -> tuple[pd.DataFrame, list[str]]:
    """One value per (region, indicator, year) up to ``as_of`` (:func:`innovation_forecast.panel.annual_values`:
    actual > estimate > year-to-date, which becomes a full-year estimate by the reader's nowcast), regions
    under their canonical names."""
    if panel is None or len(panel) == 0:
        return pd.DataFrame(columns=["region", "indicator", "year", "value", "status"]), []
    df = panel.copy()
    if "region" in df.columns:
        regions = {r: _canonical_region(r) for r in df["region"].unique()}
        df["region"] = df["region"].map(regions)
    out = annual_values(df, as_of=as_of)
    return out[["region", "indicator", "year", "value", "status"]], list(out.attrs.get("notes", []))


def _normalise_targets(targets: pd.DataFrame) -> pd.DataFrame:
    need = {"region", "year", "indicator", "basis", "comparator", "value"}
    missing = need - set(targets.columns)
    if missing:
        raise DataValidationError(
            f"targets lack column(s) {sorted(missing)}; expected the targets frame of load_targets() "
            "(doc, region, year, indicator, basis, comparator, value, stretch_low, stretch_high, unit, quote).")
    t = targets.copy().reset_index(drop=True)
    for col in ("doc", "quote", "unit"):
        if col not in t.columns:
            t[col] = ""
    for col in ("stretch_low", "stretch_high"):
        if col not in t.columns:
            t[col] = np.nan
    regions, indicators = [], []
    for i, row in t.iterrows():
        where = f"targets row {i}" + (f" (doc {row['doc']!r}, quote {row['quote']!r})" if row["doc"] or row["quote"]
                                       else "")
        try:
            regions.append(resolve_region(row["region"]).name)
        except UnknownRegionError as exc:
            raise UnknownRegionError(f"{where}: {exc}") from None
        try:
            indicators.append(resolve_indicator(row["indicator"]).name)
        except UnknownIndicatorError as exc:
            raise UnknownIndicatorError(f"{where}: {exc}") from None
        if row["basis"] not in BASES:
            raise DataValidationError(f"{where}: basis {row['basis']!r} is not one of {', '.join(BASES)}.")
        if row["basis"] in PERIOD_BASES and not _is_year(row.get("base_year")):
            raise DataValidationError(f"{where}: a {row['basis']} target needs the year its growth counts from "
                                      f"in column base_year (e.g. 2020 for '到2025年年均增长15%'), got "
                                      f"{row.get('base_year')!r}.")
        if row["comparator"] not in ("ge", "gt", "le", "lt", "eq"):
            raise DataValidationError(f"{where}: comparator {row['comparator']!r} is not one of ge, gt, le, lt, eq.")
    t["region"] = regions
    t["indicator"] = indicators
    t["year"] = t["year"].astype(int)
    if "base_year" not in t.columns:
        t["base_year"] = pd.NA
    t["base_year"] = pd.to_numeric(t["base_year"], errors="coerce").astype("Int64")
    bad = t["basis"].isin(PERIOD_BASES) & (t["base_year"] >= t["year"]).fillna(False)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError(f"targets row {i} (quote {t.loc[i, 'quote']!r}): base_year {t.loc[i, 'base_year']} "
                                  f"is not before the target year {t.loc[i, 'year']}.")
    return t


def _is_year(v) -> bool:
    try:
        return v is not None and not pd.isna(v) and 1900 <= int(v) <= 2200
    except (TypeError, ValueError):
        return False


def period_targets_as_targets(period: pd.DataFrame) -> pd.DataFrame:
    """Multi-year commitments read by the report reader (``Report.period_targets``) as rows of a targets
    frame that :func:`assess_targets` judges: 年均增长15% becomes basis ``cagr`` (value 15), 实现翻番 basis
    ``multiple`` (value 2), both counted from ``base_year``.

    Rows without a base year are kept (``base_year`` <NA>) so that :func:`assess_targets` names them in its
    error; pass ``period[period["base_year"].notna()]`` to judge only the complete ones.

    Examples
    --------
    >>> from innovation_forecast.reader import read_report
    >>> rep = read_report("plan.txt")  # doctest: +SKIP
    >>> targets = pd.concat([rep.targets, period_targets_as_targets(rep.period_targets)])  # doctest: +SKIP
    """
    cols = ["doc", "region", "year", "indicator", "basis", "comparator", "value", "base_year", "stretch_low",
            "stretch_high", "unit", "quote"]
    if period is None or len(period) == 0:
        return pd.DataFrame(columns=cols)
    kinds = {"annual_average_growth": "cagr", "multiple": "multiple"}
    unknown = sorted(set(period["kind"]) - set(kinds))
    if unknown:
        raise DataValidationError(f"period target kind(s) {unknown} not understood; expected "
                                  f"{sorted(kinds)} (the reader's Report.period_targets).")
    out = period.assign(basis=period["kind"].map(kinds), stretch_low=np.nan, stretch_high=np.nan)
    for c in ("doc", "unit", "quote"):
        if c not in out.columns:
            out[c] = ""
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# sample paths: the engine, or pooled growth when a series is too short for it
# --------------------------------------------------------------------------------------------------

def _engine():
    try:
        from ..forecast import forecast_paths
    except ImportError:
        return None
    return forecast_paths


def _call_engine(fp, sub: pd.DataFrame, h: int, n_paths: int, seed: int, reference: pd.DataFrame | None):
    kwargs = dict(n_paths=n_paths, keys=("region", "indicator"), seed=seed)
    if reference is not None and "reference" in inspect.signature(fp).parameters:
        kwargs["reference"] = reference
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fp(sub, h, **kwargs)
    for w in caught:  # the engine's fallback summary names forecast()'s columns; a review has `model`
        msg = str(w.message)
        if type(w.message).__name__ == "FallbackWarning":
            msg = msg.replace("(see columns fallback_used/fallback_reason)", "(the review's `model` column says which)")
        warnings.warn(msg if msg != str(w.message) else w.message, w.category, stacklevel=4)
    return out


def _growth_pool(indicator: str, frames: list[pd.DataFrame], upto: int | None) -> np.ndarray:
    """Annual growth rates (fractions) of ``indicator`` in every region of ``frames`` over recent years."""
    parts = []
    for f in frames:
        if f is None or len(f) == 0:
            continue
        sub = f[f["indicator"] == indicator]
        if upto is not None:
            sub = sub[(sub["year"] <= upto) & (sub["year"] > upto - POOL_YEARS)]
        for _, g in sub.groupby("region"):
            s = g.groupby("year")["value"].first().sort_index()
            s = s[s > 0]
            consecutive = np.diff(s.index.values) == 1
            r = (s.values[1:] / s.values[:-1] - 1.0)[consecutive]
            parts.append(r)
    return np.concatenate(parts) if parts else np.array([])


# --------------------------------------------------------------------------------------------------
# the public verb
# --------------------------------------------------------------------------------------------------

def _auto_reference(panel: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame | None:
    """The province rows of ``panel`` when some target is for a smaller region (a city or county borrows
    the provinces' growth); None when there are none, or every target is itself a province's."""
    if panel is None or "level" not in getattr(panel, "columns", ()):
        return None
    prov = panel[panel["level"] == "province"]
    if prov.empty or not len(targets):
        return None
    provinces = set(prov["region"])
    if set(targets["region"]) <= provinces:
        return None
    return prov


def assess_targets(panel: pd.DataFrame, targets: pd.DataFrame, *, as_of: int | None = None, lang: str = "en",
                   reference: pd.DataFrame | str | None = "auto", n_paths: int = 2000, seed: int = 0,
                   paths: Mapping | None = None, calibration=None,
                   peer_weight: float = PEER_WEIGHT) -> pd.DataFrame:
    """Probability that each target is met by its target year, with the numbers behind it.

    Parameters
    ----------
    panel
        Tidy panel (``region, indicator, year, value`` and optionally ``status, months``), e.g. ``load_panel()``.
    targets
        Targets frame (``load_targets()`` or ``reader.read_report(path).targets``): ``region, year,
        indicator, basis, comparator, value, stretch_low, stretch_high, unit`` (+ ``doc, quote``).
    as_of
        Review as it could have been done at the end of that year: only panel (and reference) rows with
        ``year <= as_of``; year-to-date figures of ``as_of`` become full-year estimates (reader's nowcast).
    lang
        ``"en"`` or ``"zh"``: language of ``explanation`` and of nothing else (columns stay English).
    reference
        Panel of same-indicator series (e.g. the 31 provinces) passed to the engine so that short city
        series borrow growth, and used for peer percentiles and the pooled-growth fallback. ``"auto"``
        (default): the province rows of ``panel`` (its ``level`` column) when some target is for a region
        that is not a province, as ``innovation-forecast feasibility`` does; ``None``: no reference.
    n_paths, seed
        Number of sample paths and the random seed passed to the engine.
    paths
        Optional precomputed ``{(region, indicator): ForecastPaths}``; skips the engine for those keys
        (peer-growth paths are mixed in as with the engine's own; ``peer_weight=0`` uses them as given).
    peer_weight
        Share of the sample paths that grow like the peers (:class:`PeerGrowth`, from the panel and
        ``reference`` up to ``as_of``) instead of following the engine: 0 = the engine alone. A series the
        engine cannot forecast gets peer-growth paths only.
    calibration
        ``None`` (default): ``p_meet`` is the share of sample paths; or a
        :class:`~innovation_forecast.feasibility.calibration.FeasibilityCalibration` fitted on outcomes of
        past targets, applied to that share (which stays in ``p_meet_raw``/``p_stretch_raw``).

    Returns
    -------
    DataFrame
        One row per target: ``doc, region, indicator, target_year, basis, comparator, value`` (as written),
        ``target`` (the commitment as a level of the indicator at the target year; for growth targets whose
        base year is still ahead, 1+g times the forecast mean of that year), ``stretch`` (likewise for
        ``stretch_low``), ``latest_year, latest_value``, ``required_growth`` (annual, fraction) and its
        percentile among own and peer annual growths ``required_growth_pct_rank`` (0-100),
        ``historical_growth`` (CAGR over the last :data:`CAGR_WINDOW` years, fraction),
        ``historical_growth_years`` ("2014–2017"), ``historical_growth_pct_rank``, ``mean, lo_80, hi_80``
        (forecast of the indicator at the target year), ``p_meet, p_stretch`` (shares of the pooled
        paths, or mapped by ``calibration``), ``p_meet_raw, p_stretch_raw`` (shares of sample paths), ``base_rate`` (share of
        pooled own/peer annual growths that reached the required growth: the historical frequency),
        ``progress_ratio,
        progress_label`` (Open SDG), ``verdict``, ``explanation``, ``n_obs, model, inputs, notes, quote``.

    Examples
    --------
    >>> from innovation_forecast import load_panel, load_targets
    >>> scores = assess_targets(load_panel(), load_targets(), as_of=2017)  # doctest: +SKIP
    >>> scores[["region", "indicator", "p_meet", "verdict"]]  # doctest: +SKIP
    """
    if lang not in ("en", "zh"):
        raise DataValidationError(f"lang {lang!r} is not supported; use 'en' or 'zh'.")
    t = _normalise_targets(targets)
    if isinstance(reference, str):
        if reference != "auto":
            raise DataValidationError(f"reference {reference!r}: pass a panel, 'auto' or None.")
        reference = _auto_reference(panel, t)
    pan, panel_notes = _prepare_panel(panel, as_of)
    ref, ref_notes = _prepare_panel(reference, as_of) if reference is not None else (None, [])
    if not 0.0 <= float(peer_weight) <= 1.0:
        raise DataValidationError(f"peer_weight {peer_weight!r} must lie between 0 and 1.")
    ctx = _Context(pan, ref, n_paths, seed, reference is not None, paths or {}, as_of)
    ctx.peer_weight = float(peer_weight)
    ctx.global_notes = panel_notes + ref_notes
    if calibration is not None and not hasattr(calibration, "apply"):
        raise DataValidationError(f"calibration {calibration!r}: use None (the share of sample paths) or a "
                                  "FeasibilityCalibration from feasibility.calibration.fit_calibration.")
    ctx.calibration = calibration
    ctx.prefetch(t)
    rows = [_assess_one(ctx, row, lang) for _, row in t.iterrows()]
    out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for col in ("latest_year", "n_obs"):
        out[col] = out[col].astype("Int64")
    return out


class _Context:
    """Caches series and sample paths across the targets of one call."""

    def __init__(self, pan, ref, n_paths, seed, has_ref, given_paths, as_of):
        self.pan, self.ref, self.n, self.seed = pan, ref, n_paths, seed
        self.has_ref, self.given, self.as_of = has_ref, dict(given_paths), as_of
        self.global_notes: list[str] = []
        self._cache: dict[tuple, _Series] = {}

    def hist(self, region: str, indicator: str) -> pd.Series:
        if not hasattr(self, "_hist"):
            self._hist = {}
            for src in (self.ref, self.pan):  # panel rows win over reference rows for the same key
                if src is None or len(src) == 0:
                    continue
                for k, g in src.groupby(["region", "indicator"], sort=False):
                    self._hist[k] = g.set_index("year")["value"].sort_index().astype(float)
        h = self._hist.get((region, indicator))
        return h.copy() if h is not None else pd.Series(dtype=float)

    def pool(self, indicator: str) -> np.ndarray:
        if not hasattr(self, "_pool"):
            self._pool = {}
        if indicator not in self._pool:
            upto = self.as_of
            if upto is None:
                years = [f["year"].max() for f in (self.pan, self.ref) if f is not None and len(f)]
                upto = int(max(years)) if years else None
            self.hist("", "")  # builds the per-key index: each region counted once even if in panel and reference
            frames = [g.rename("value").rename_axis("year").reset_index().assign(region=k[0], indicator=k[1])
                      for k, g in self._hist.items() if k[1] == indicator]
            self._pool[indicator] = _growth_pool(indicator, [pd.concat(frames)] if frames else [], upto)
        return self._pool[indicator]

    def base(self, region: str, indicator: str, target_year: int) -> _Series:
        """History and paths of one observed series, reaching at least ``target_year``."""
        hist = self.hist(region, indicator).dropna()
        last = int(hist.index.max()) if len(hist) else target_year
        key = (region, indicator, max(0, target_year - last))
        if key in self._cache:
            return self._cache[key]
        s = _Series(hist=hist, n_obs=int(hist.notna().sum()))
        if s.n_obs == 0:
            self._cache[key] = s
            return s
        last_year = s.last_year
        h = max(1, target_year - last_year)
        span = f"{int(hist.index.min())}–{last_year}" if s.n_obs > 1 else f"{last_year}"
        s.inputs = f"{indicator} {span} ({s.n_obs} obs)"
        if target_year <= last_year:
            s.model = "observed"
            self._cache[key] = s
            return s
        fp_obj = self.given.get((region, indicator))
        if fp_obj is None:
            fp_obj = getattr(self, "engine_out", {}).get((region, indicator))
        if fp_obj is None and (region, indicator) in getattr(self, "engine_err", {}):
            s.notes.append(f"{region} {indicator}: {self.engine_err[(region, indicator)]}")
        peer = self.peer(indicator)
        rng = np.random.default_rng(self.seed + zlib.crc32(f"{region}|{indicator}".encode()) % 10_000)
        if fp_obj is not None:
            s.years = np.asarray(fp_obj.years, dtype=int)
            arr = np.asarray(fp_obj.paths, dtype=float)
            if arr.ndim == 1:
                arr = arr[:, None]
            # every quantity of one call shares n paths; repeating whole rows keeps each path's joint shape
            s.paths = arr[np.arange(self.n) % arr.shape[0]] if arr.shape[0] != self.n else arr
            s.model = str(getattr(fp_obj, "model", ""))
            n_peer = int(round(self.peer_weight * self.n)) if peer is not None else 0
            if n_peer and float(hist.iloc[-1]) > 0:
                # the linear pool: a share PEER_WEIGHT of the paths grows like the peers (see PEER_WEIGHT)
                vol = _volatility(_log_growths(hist), last_year, prior=peer.median_vol)
                s.paths = s.paths.copy()
                rows = rng.choice(self.n, size=n_peer, replace=False)  # a random subset: paths may come sorted
                centres = self.peer_centres(peer, region, indicator, last_year, s.paths.shape[1], s.notes)
                s.paths[rows] = peer.paths(float(hist.iloc[-1]), vol, s.paths.shape[1], n_peer, rng, centres)
                s.model = f"{s.model} + peer growth ({self.peer_weight:.0%} of paths)"
        elif peer is None or float(hist.iloc[-1]) <= 0:
            s.notes.append(f"{region} {indicator}: no forecast and too few peer growths to borrow "
                           f"(fewer than {MIN_PAIRS} annual growths of series with a known volatility"
                           + ("" if self.has_ref else "; pass reference= or set a data directory") + ")")
            s.model = ""
        else:
            vol = _volatility(_log_growths(hist), last_year, prior=peer.median_vol)
            s.years = np.arange(last_year + 1, last_year + h + 1)
            centres = self.peer_centres(peer, region, indicator, last_year, h, s.notes)
            s.paths = peer.paths(float(hist.iloc[-1]), vol, h, self.n, rng, centres)
            s.model = "peer growth"
            s.notes.append(f"{region} {indicator}: fell back to peer growth ({len(peer.z)} recent annual growths "
                           f"of {indicator} in {peer.n_series} series, centre {np.expm1(peer.centre):+.1%}/yr, "
                           f"scaled to this series' volatility {vol:.2f})")
        self._cache[key] = s
        return s

    def peer(self, indicator: str) -> PeerGrowth | None:
        if not hasattr(self, "_peer"):
            self._peer = {}
        if indicator not in self._peer:
            self.hist("", "")  # builds the per-key index
            upto = self.as_of
            if upto is None:
                years = [f["year"].max() for f in (self.pan, self.ref) if f is not None and len(f)]
                upto = int(max(years)) if years else None
            lead = LEADS.get(indicator)
            self._peer[indicator] = peer_growth({k: v for k, v in self._hist.items() if k[1] == indicator}, upto,
                                                lead=self._lead_fn(indicator) if lead is not None else None,
                                                relative=bool(lead is not None and lead.relative))
        return self._peer[indicator]

    def _lead_fn(self, indicator: str):
        """``(key, t, h) -> predicted log growth`` of ``indicator`` from the same region's other series."""
        def fn(key, t, h):
            return lead_growth(indicator, lambda i: self._hist.get((key[0], i)), t, h)
        return fn

    def peer_centres(self, peer: PeerGrowth, region: str, indicator: str, last_year: int, h: int,
                     notes: list[str]) -> np.ndarray:
        """Yearly centres of this series' peer-growth paths: its lead's prediction where it has one."""
        c = peer.centres((region, indicator), last_year, h)
        if peer.lead is not None and np.any(c != peer.centre):
            notes.append(f"{region} {indicator}: peer-growth paths centred on {LEADS[indicator].text} "
                         f"({', '.join(f'{np.expm1(x):+.1%}' for x in c)} in {last_year + 1}"
                         f"{'–' + str(last_year + h) if h > 1 else ''}, against {np.expm1(peer.centre):+.1%} "
                         f"for all peers; errors of that lead on {peer.n_lead} peer growths)")
        return c

    def prefetch(self, targets: pd.DataFrame) -> None:
        """One engine call for every observed series the targets need (calibration pools them per indicator)."""
        need: dict[tuple, int] = {}
        for _, row in targets.iterrows():
            ind, T = row["indicator"], int(row["year"])
            inds = [ind]
            if ind == "rd_intensity":
                inds += ["rd_expenditure", "gdp"]
            if ind in NEW_COUNT_FLOWS:
                inds.append(NEW_COUNT_FLOWS[ind])
            for i in inds:
                k = (row["region"], i)
                if k in self.given:
                    continue
                hist = self.hist(*k).dropna()
                if len(hist) and int(hist.index.max()) < T:
                    need[k] = max(need.get(k, 0), T - int(hist.index.max()))
        self.engine_out: dict[tuple, object] = {}
        self.engine_err: dict[tuple, str] = {}
        if not need:
            return
        fp = _engine()
        if fp is None:
            for k in need:
                self.engine_err[k] = "forecast engine (innovation_forecast.forecast.forecast_paths) not available"
            return
        parts = []
        for (region, ind) in need:
            hist = self.hist(region, ind).dropna()
            parts.append(pd.DataFrame({"region": region, "indicator": ind, "year": hist.index.astype(int),
                                       "value": hist.values}))
        sub = pd.concat(parts, ignore_index=True)
        ref = None
        if self.has_ref and self.ref is not None:
            inds = {k[1] for k in need}
            ref = self.ref[self.ref["indicator"].isin(inds)]
            ref = ref[~ref.set_index(["region", "indicator"]).index.isin(list(need))]
            ref = ref[["region", "indicator", "year", "value"]] if len(ref) else None
        h = max(need.values())
        try:
            out = _call_engine(fp, sub, h, self.n, self.seed, ref)
        except Exception as exc:  # one bad series should not sink the others: retry one by one
            out = {}
            for k in need:
                one = sub[(sub["region"] == k[0]) & (sub["indicator"] == k[1])]
                r1 = None if ref is None else ref[ref["indicator"] == k[1]]
                try:
                    out.update(_call_engine(fp, one, need[k], self.n, self.seed,
                                            r1 if r1 is not None and len(r1) else None))
                except Exception as exc1:  # the engine's own errors (e.g. too short): pooled growth takes over
                    self.engine_err[k] = f"engine failed ({type(exc1).__name__}: {exc1})"
            del exc
        for k in need:
            if k in out:
                self.engine_out[k] = out[k]
            elif k not in self.engine_err:
                self.engine_err[k] = "engine returned no paths"

    def series_for(self, region: str, indicator: str, basis: str, target_year: int) -> tuple[_Series, list[str]]:
        """The quantity a target is about, possibly derived (ratio of two series, change of a stock)."""
        notes: list[str] = []
        if indicator == "rd_intensity":
            own = self.base(region, "rd_intensity", target_year)
            rd = self.hist(region, "rd_expenditure")
            gdp = self.hist(region, "gdp")
            n_pair = min(rd.notna().sum(), gdp.notna().sum())
            if n_pair > own.n_obs and n_pair > 0:
                num = self.base(region, "rd_expenditure", target_year)
                den = self.base(region, "gdp", target_year)
                s = _ratio_series(num, den, 100.0,
                                  f"joint rd_expenditure/gdp sample paths ({num.inputs}; {den.inputs}), "
                                  f"independent draws")
                notes.append(f"rd_intensity from rd_expenditure and gdp paths ({n_pair} paired obs > "
                             f"{own.n_obs} intensity obs)")
                return s, notes
            if own.n_obs:
                own.inputs = f"rd_intensity series: {own.inputs}"
            return own, notes
        if indicator in NEW_COUNT_FLOWS:
            own = self.base(region, indicator, target_year)
            if own.n_obs == 0:
                stock = NEW_COUNT_FLOWS[indicator]
                st = self.base(region, stock, target_year)
                if st.n_obs >= 2:
                    s = _diff_series(st, f"Δ {stock} (change of the stock): {st.inputs}")
                    notes.append(f"no {indicator} data: used the change of {stock}, which nets out expiring "
                                 f"certificates, so p_meet is a lower bound")
                    return s, notes
            return own, notes
        return self.base(region, indicator, target_year), notes


def _model_zh(model: str) -> str:
    """The model label in a Chinese sentence (:func:`innovation_forecast.models.names.model_label`)."""
    from ..models.names import model_label

    return model_label(model, "zh")


def _fmt_num(x: float, count: bool = False) -> str:
    """A number in an explanation; ``count`` (件, 家, 项) as a whole number."""
    if not np.isfinite(x):
        return "n/a"
    if count:
        return f"{x:,.0f}"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def _pct(x: float, signed: bool = True) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:+.1%}" if signed else f"{x:.1%}"


def _ordinal(p: float) -> str:
    k = int(round(p))
    suf = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suf}"


def _assess_one(ctx: _Context, row: pd.Series, lang: str) -> dict:
    region, ind_name, T = row["region"], row["indicator"], int(row["year"])
    ind = resolve_indicator(ind_name)
    basis, cmp = row["basis"], row["comparator"]
    cmp_eff = "ge" if cmp == "eq" else cmp
    notes: list[str] = []
    if cmp == "eq":
        notes.append("'达到X' (eq) read as ≥ X")
    out = {"doc": row.get("doc", ""), "region": region, "indicator": ind_name, "target_year": T, "basis": basis,
           "comparator": cmp, "value": float(row["value"]), "quote": row.get("quote", ""),
           "target": np.nan, "stretch": np.nan, "latest_year": pd.NA, "latest_value": np.nan,
           "required_growth": np.nan, "required_growth_pct_rank": np.nan, "historical_growth": np.nan,
           "historical_growth_years": "", "historical_growth_pct_rank": np.nan, "mean": np.nan, "lo_80": np.nan,
           "hi_80": np.nan, "p_meet": np.nan, "p_stretch": np.nan, "p_meet_raw": np.nan, "p_stretch_raw": np.nan,
           "base_rate": np.nan, "progress_ratio": np.nan, "progress_label": "",
           "verdict": "no data", "explanation": "", "n_obs": 0, "model": "", "inputs": "", "notes": ""}

    s, snotes = ctx.series_for(region, ind_name, basis, T)
    involved = {ind_name, "rd_expenditure", "gdp"} if ind_name == "rd_intensity" else \
        {ind_name, NEW_COUNT_FLOWS.get(ind_name, ind_name)}
    notes += [g for g in ctx.global_notes if g.startswith(f"{region} ") and g.split(" ")[1].rstrip(":") in involved]
    notes += snotes + s.notes
    notes += _input_doubts(row, cmp)
    out["n_obs"], out["model"], out["inputs"] = s.n_obs, s.model, s.inputs
    hist = s.hist.dropna()
    # only history before the target year speaks about the trend
    hist_before = hist[hist.index < T]
    if len(hist_before) == 0:
        if len(hist):  # the series exists but starts after the target year
            first = int(hist.index.min())
            reason = f"the target year {T} is before the first {ind_name} data year {first} for {region}"
            reason_zh = f"{T}年早于{region}{ind.zh}数据的首年（{first}年）"
        else:
            reason = (f"no {ind_name} data for {region}" + (f" up to {ctx.as_of}" if ctx.as_of is not None else "")
                      + (f" (nor {NEW_COUNT_FLOWS[ind_name]})" if ind_name in NEW_COUNT_FLOWS else ""))
            reason_zh = _reason_zh(ind, region, ctx.as_of)
        notes.append(reason)
        out["notes"] = "; ".join(notes)
        out["explanation"] = (f"{region} {ind.zh}：{T}年目标无法评估——{reason_zh}。"
                              if lang == "zh" else f"Cannot judge the {T} target: {reason} → no data.")
        return out
    latest_year = int(hist_before.index.max())
    latest_value = float(hist_before.loc[latest_year])
    out["latest_year"], out["latest_value"] = latest_year, latest_value

    def value_in_units(v):
        if not np.isfinite(v):
            return v
        u = row.get("unit", "")
        if basis in ("level", "increment") and isinstance(u, str) and u and u not in ("%",) \
                and u != ind.unit:
            try:
                return convert(v, u, ind_name)
            except Exception as exc:
                notes.append(f"unit {u!r} kept as is ({exc})")
        return v

    firm = value_in_units(float(row["value"]))
    sl, sh = row.get("stretch_low", np.nan), row.get("stretch_high", np.nan)
    stretch_v = float(sl) if pd.notna(sl) else (float(sh) if pd.notna(sh) else np.nan)
    stretch_v = value_in_units(stretch_v)

    n = ctx.n
    y_T = s.get(T, n)
    is_new_count = ind_name in NEW_COUNT_FLOWS
    kind = ("level" if basis in ("level",) + PERIOD_BASES or (is_new_count and basis == "increment")
            else "growth" if basis == "growth_pct" else "diff")
    y_base = None
    if basis in PERIOD_BASES:
        by = int(row["base_year"])
        y_base = s.get(by, n)
        if y_base is None:
            have = f"{int(hist.index.min())}–{int(hist.index.max())}" if len(hist) else "none"
            notes.append(f"no value or forecast of {ind_name} for the base year {by} (data: {have})")
            out["notes"] = "; ".join(notes)
            out["explanation"] = (f"{region}：{by}年（基期）{ind.zh}缺失，无法评估{T}年的目标（无数据）。"
                                  if lang == "zh" else f"Cannot judge the {T} target: {ind_name} for the base year "
                                  f"{by} is missing → no data.")
            return out
        if by > latest_year:
            notes.append(f"base year {by} is still ahead: its value comes from the same sample paths")
    y_prev = s.get(T - 1, n) if kind != "level" else None
    digits = published_digits(hist_before)
    if digits is not None:  # judged on the figure as it will be published: 2.195% is reported as 2.20%
        y_T, y_prev, y_base = (None if a is None else np.round(a, digits) for a in (y_T, y_prev, y_base))
    if kind != "level" and y_prev is None:
        notes.append(f"no value or forecast of {ind_name} for {T - 1}, the base of a {basis} target")
        out["notes"] = "; ".join(notes)
        out["explanation"] = (f"{region}：{T - 1}年{ind.zh}缺失，无法评估增长目标（无数据）。" if lang == "zh"
                              else f"Cannot judge the {T} target: {ind_name} for {T - 1} is missing → no data.")
        return out

    def threshold(v):
        if not np.isfinite(v):
            return None
        if basis == "cagr":
            return y_base * (1.0 + v / 100.0) ** (T - int(row["base_year"]))
        if basis == "multiple":
            return y_base * v
        if kind == "level":
            return np.full(n, v)
        if kind == "growth":
            return y_prev * (1.0 + v / 100.0)
        return y_prev + v

    thr = threshold(firm)
    thr_s = threshold(stretch_v)
    if basis in PERIOD_BASES and thr is not None:
        what = (f"{firm:g}% a year" if basis == "cagr" else f"{firm:g} times")
        notes.append(f"{what} from {int(row['base_year'])} ({_fmt_num(float(np.mean(y_base)))}) → "
                     f"{_fmt_num(float(np.mean(thr)))} in {T}")
    if thr is not None:
        out["target"] = float(np.mean(thr))
    if thr_s is not None:
        out["stretch"] = float(np.mean(thr_s))
    if kind != "level" and T - 1 > latest_year:
        notes.append(f"target level uses the forecast mean of {T - 1}; p_meet is computed path by path")

    known = y_T is not None and T <= latest_year_all(s)
    if y_T is None:
        why = next((x for x in reversed(notes) if "no forecast" in x or "engine" in x), "")
        notes.append(f"no forecast of {ind_name} reaches {T}")
        out["notes"] = "; ".join(dict.fromkeys(notes))
        out["explanation"] = (f"{region}：{ind.zh}无可用预测（无数据）{('：' + why) if why else ''}。" if lang == "zh"
                              else f"Cannot judge the {T} target: no forecast of {ind_name} for {T}"
                                   f"{(' (' + why + ')') if why else ''} → no data.")
        return out
    # the quantity compared with the threshold: the level, or the change for increment/pp targets
    stat = y_T if kind != "diff" else y_T - y_prev
    p = p_event(stat, thr if kind != "diff" else np.full(n, firm), cmp_eff) if thr is not None else np.nan
    ps = (p_event(stat, thr_s if kind != "diff" else np.full(n, stretch_v), cmp_eff)
          if thr_s is not None else np.nan)
    out["p_meet"], out["p_stretch"] = p, ps
    out["mean"] = float(np.mean(y_T))
    out["lo_80"], out["hi_80"] = (float(v) for v in np.quantile(y_T, [0.1, 0.9]))

    # growth figures: required (latest -> target level), historical CAGR, percentiles among pooled growths
    req = required_growth(out["target"], latest_value, latest_year, T)
    out["required_growth"] = req
    cagr, y0_year, yi_year = historical_cagr(hist_before)
    out["historical_growth"] = cagr
    if y0_year is not None:
        out["historical_growth_years"] = f"{y0_year}–{yi_year}"
    pool = ctx.pool(ind_name)
    if len(pool) < MIN_POOL:
        notes.append(f"percentiles left out: {len(pool)} annual growths of {ind_name} in the panel and reference "
                     f"(< {MIN_POOL})")
        if s.n_obs <= 2:
            notes.append(f"only {s.n_obs} observation(s) and no peer growths: the spread of the forecast is the "
                         "engine's default, not learnt"
                         + ("" if ctx.has_ref else "; pass reference= (or set a data directory) for a sounder "
                            "probability"))
        pool = np.array([])
    out["required_growth_pct_rank"] = growth_percentile(req, pool)
    out["base_rate"] = _base_rate(req, pool, cmp_eff)
    out["historical_growth_pct_rank"] = growth_percentile(cagr, pool)
    if len(pool) and not np.isfinite(cagr):
        notes.append(f"no own growth history (n_obs={s.n_obs}); peers' median growth is {np.median(pool):+.1%}/yr")

    y0 = float(hist_before.loc[y0_year]) if y0_year is not None else np.nan
    r, lab = progress_ratio(y0, y0_year, latest_value, latest_year, out["target"], T, cmp_eff,
                            flow=getattr(ind, "stock_or_flow", "") == "flow")
    out["progress_ratio"], out["progress_label"] = r, lab

    out["p_meet_raw"], out["p_stretch_raw"] = p, ps
    cal = getattr(ctx, "calibration", None)
    if cal is not None and not known:
        from .calibration import calibration_group

        group = calibration_group({"level": "level", "growth": "growth_pct"}.get(kind, "increment"),
                                  T - latest_year)
        req_s = required_growth(out["stretch"], latest_value, latest_year, T)
        p = float(cal.apply([p], [out["base_rate"]], [group])[0]) if np.isfinite(p) else p
        ps = (float(cal.apply([ps], [_base_rate(req_s, pool, cmp_eff)], [group])[0]) if np.isfinite(ps) else ps)
        out["p_meet"], out["p_stretch"] = p, ps
        notes.append(f"p_meet recalibrated ({group} map; share of paths {out['p_meet_raw']:.2f})")
    if known:
        out["verdict"] = "met" if p >= 0.5 else "missed"
        notes.append(f"{T} value already known ({_fmt_num(float(np.mean(y_T)))})")
    else:
        out["verdict"] = verdict(p)
    out["notes"] = "; ".join(dict.fromkeys(notes))
    out["explanation"] = _explain(out, ind, kind, lang, known, ctx.has_ref)
    if any("lower bound" in x for x in notes) and not known:
        out["explanation"] += ("（仅有高企总数变化，概率为下限）" if lang == "zh"
                               else " (only the change of the stock is known: P is a lower bound)")
    return out


def _base_rate(req: float, pool: np.ndarray, comparator: str) -> float:
    """Share of pooled annual growths that reached the required annual growth (the historical frequency)."""
    if not np.isfinite(req) or len(pool) == 0:
        return float("nan")
    tol = 1e-9
    if comparator in ("le", "lt"):
        return float(np.mean(pool <= req + tol))
    return float(np.mean(pool >= req - tol))


def latest_year_all(s: _Series) -> int:
    """Last year with an observed value of the quantity (derived series: of its history)."""
    return int(s.hist.dropna().index.max()) if len(s.hist.dropna()) else -1


def _input_doubts(row: pd.Series, cmp: str) -> list[str]:
    """Notes on a target row that contradicts itself or another row (checked by load_targets for files;
    frames built in code or read from reports arrive here unchecked)."""
    out = []
    c = row.get("conflict", False)
    if isinstance(c, (bool, np.bool_)) and c:
        out.append("conflict: the document gives this target other values too; each value is judged on its own")
    v = row.get("value", np.nan)
    stretch = [float(x) for x in (row.get("stretch_low", np.nan), row.get("stretch_high", np.nan)) if pd.notna(x)]
    if stretch and pd.notna(v):
        if cmp in ("ge", "gt", "eq") and min(stretch) < float(v):
            out.append(f"stretch {min(stretch):g} is below the firm value {float(v):g}; a 力争 level should go "
                       "beyond the firm commitment (check the target)")
        elif cmp in ("le", "lt") and max(stretch) > float(v):
            out.append(f"stretch {max(stretch):g} is above the firm value {float(v):g} of a ceiling; a 力争 level "
                       "should be at most the firm commitment (check the target)")
    return out


def _reason_zh(ind, region, as_of) -> str:
    return f"{region}{'截至' + str(as_of) + '年' if as_of is not None else ''}没有{ind.zh}数据"


def _explain(o: dict, ind, kind: str, lang: str, known: bool, has_ref: bool) -> str:
    T, unit = o["target_year"], ind.unit

    def num(x):
        return _fmt_num(x, count=getattr(ind, "kind", "") == "count")

    v = o["verdict"]
    if lang == "zh":
        vz = _VERDICT_ZH[v]
        if known:
            return (f"{T}年{ind.zh}实际为{num(o['mean'])}{unit}，目标{_CMP_TEXT[o['comparator']]}"
                    f"{num(o['target'])}{unit} → {vz}。")
        span = T - int(o["latest_year"])
        req = o["required_growth"]
        up = o["comparator"] not in ("le", "lt")
        years = f"{T}年" if span == 1 else f"{int(o['latest_year']) + 1}–{T}年"
        avg = "" if span == 1 else "年均"
        if np.isfinite(req) and up and req <= 0:
            need = (f"{years}{avg}持平即可完成" if abs(req) < 5e-4
                    else f"{years}即使{avg}下降{_pct(-req, False)}也可完成")
        else:
            need = f"{years}需{avg}增长{_pct(req, False)}"
        need += f"（目标{num(o['target'])}{unit}，{o['latest_year']}年为{num(o['latest_value'])}{unit}"
        if np.isfinite(o["required_growth_pct_rank"]):
            need += f"，同类地区历年增速中{100 - o['required_growth_pct_rank']:.0f}%达到过"
        need += "）"
        if np.isfinite(o["historical_growth"]):
            hist = f"{o['historical_growth_years']}年年均增长{_pct(o['historical_growth'], False)}"
            if np.isfinite(o["historical_growth_pct_rank"]):
                hist += f"（在同类地区中位于第{o['historical_growth_pct_rank']:.0f}百分位）"
        else:
            hist = f"缺少本地增长历史（{o['n_obs']}个观测值，模型为{_model_zh(o['model']) or '无'}）"
        s = f"{need}，{hist}；达成概率{o['p_meet']:.2f} → {vz}"
        if np.isfinite(o["p_stretch"]) and not np.isclose(o["stretch"], o["target"]):
            s += f"；力争目标{num(o['stretch'])}{unit}的达成概率{o['p_stretch']:.2f}"
        return s + "。"
    from ..registry import format_value_en

    def val(x):
        return format_value_en(x, unit, count=getattr(ind, "kind", "") == "count")

    if known:
        return (f"{T} actual {val(o['mean'])} vs target {_CMP_TEXT[o['comparator']]} "
                f"{val(o['target'])} → {v}.")
    span = T - int(o["latest_year"])
    up = o["comparator"] not in ("le", "lt")
    easy = np.isfinite(o["required_growth"]) and (o["required_growth"] <= 0 if up else o["required_growth"] >= 0)
    verb = "Met even with" if easy else "Needs"
    g = ("no growth" if easy and abs(o["required_growth"]) < 5e-4
         else _pct(o["required_growth"]) + ("" if span == 1 else "/yr"))
    need = (f"{verb} {g} in {T}" if span == 1 else f"{verb} {g} over {int(o['latest_year']) + 1}–{T}")
    need += f" (to {val(o['target'])} from {val(o['latest_value'])} in {o['latest_year']}"
    if np.isfinite(o["required_growth_pct_rank"]):
        need += f"; reached in {100 - o['required_growth_pct_rank']:.0f}% of peer region-years"
    need += ")"
    if np.isfinite(o["historical_growth"]):
        hist = f"{_pct(o['historical_growth'])}/yr over {o['historical_growth_years']}"
        if np.isfinite(o["historical_growth_pct_rank"]):
            hist += f" ({_ordinal(o['historical_growth_pct_rank'])} percentile among peers)"
    else:
        hist = f"no own growth history ({o['n_obs']} obs; model {o['model'] or 'none'})"
    s = f"{need} vs {hist}; P(meet) = {o['p_meet']:.2f} → {v}"
    if np.isfinite(o["p_stretch"]) and not np.isclose(o["stretch"], o["target"]):
        s += f"; P(stretch {val(o['stretch'])}) = {o['p_stretch']:.2f}"
    return s + "."
