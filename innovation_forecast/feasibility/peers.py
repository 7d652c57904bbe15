"""Peer growth: what the recent growth of every region in a panel says about one region's next years.

:func:`~innovation_forecast.feasibility.assess_targets` pools these paths with the forecast engine's
(:data:`~innovation_forecast.feasibility.PEER_WEIGHT`); a series the engine cannot forecast gets
them alone. Only growths up to the review's ``as_of`` year are used. When the indicator has a leading
relation (:mod:`.leading`) and a region has its inputs, that region's paths are centred on what the
lead predicts instead of on the one centre shared by all regions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Mapping

import numpy as np
import pandas as pd

__all__ = ["LEAD_SLOPE_BOUNDS", "MIN_PAIRS", "PEER_YEARS", "VOL_YEARS", "Z_CLIP", "PeerGrowth", "peer_growth"]

#: Years of peers' annual growths behind the peer-growth paths (the outcome years, ending at ``as_of``).
PEER_YEARS = 12
#: Years of a region's own growths that measure its volatility (shrunk toward the peers' median).
VOL_YEARS = 6
#: Fewest peer growths (with a measurable volatility) worth borrowing from.
MIN_PAIRS = 10
#: Bounds of the slope of a relative lead (fitted on the peers' years; 0 = the lead says nothing).
LEAD_SLOPE_BOUNDS = (0.0, 1.5)

#: Share of standardised peer growths clipped at each end (winsorised to the ``Z_CLIP`` and ``1 - Z_CLIP``
#: quantiles): a peer whose volatility was tiny turns one jump into z of 100 and more, which times another
#: region's volatility gave paths of 1e28 times the last value (path means in the review's ``mean`` column).
Z_CLIP = 0.01

#: ``lead(key, t, h)``: predicted log growth of series ``key`` in year ``t`` from data up to ``t - h``.
LeadFn = Callable[[Hashable, int, int], float]


@dataclass
class PeerGrowth:
    """What peers' recent growth says about next year's growth of a series of the same indicator.

    Annual log growths ``g`` of every series of the indicator (panel and reference) in the last
    :data:`PEER_YEARS` years, each divided by its series' volatility ``v`` at the year before (standard
    deviation of the previous :data:`VOL_YEARS` growths): ``z = (g - centre) / v`` with ``centre`` the
    precision-weighted mean growth. A series with volatility ``v_own`` then grows by ``centre + v_own * z``,
    ``z`` drawn from the peers' standardised growths -- the recent climate of the indicator, scaled to how
    erratic this region is.
    """

    centre: float
    z: np.ndarray
    median_vol: float
    n_series: int
    #: Leading relation (None: one centre for every series). ``lead_centre`` is the peers' mean error of
    #: the lead (precision-weighted), ``lead_slope`` its weight (1 for ``level`` leads), ``n_lead`` the
    #: peer growths it was checked on; their standardised errors are in ``z``.
    lead: LeadFn | None = None
    lead_relative: bool = False
    lead_centre: float = float("nan")
    lead_slope: float = 1.0
    n_lead: int = 0
    keys: tuple = ()
    #: Standardised growths around the common centre, for series the lead cannot predict (``z`` then
    #: mixes in the lead's errors, which are narrower).
    z_plain: np.ndarray | None = None
    _mu: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.z = _winsorised(self.z)
        if self.z_plain is not None:
            self.z_plain = _winsorised(self.z_plain)

    def centres(self, key: Hashable, last_year: int, h: int) -> np.ndarray:
        """Centre of each of the ``h`` years after ``last_year`` for series ``key``: the lead's prediction
        where it has its inputs, the common centre elsewhere."""
        out = np.full(h, self.centre)
        if self.lead is None:
            return out
        for k in range(1, h + 1):
            m = self._lead_term(key, last_year + k, k)
            if np.isfinite(m):
                out[k - 1] = self.lead_centre + m
        return out

    def _lead_term(self, key: Hashable, t: int, h: int) -> float:
        m = _safe(self.lead, key, t, h)
        if not np.isfinite(m) or not self.lead_relative:
            return m
        if (t, h) not in self._mu:
            self._mu[(t, h)] = _cross_mean(self.lead, self.keys, t, h)
        mu = self._mu[(t, h)]
        return self.lead_slope * (m - mu) if np.isfinite(mu) else np.nan

    def paths(self, last_value: float, vol: float, h: int, n: int, rng: np.random.Generator,
              centres: np.ndarray | None = None) -> np.ndarray:
        c = self.centre if centres is None else np.asarray(centres, dtype=float)[None, :h]
        led = centres is not None and bool(np.any(np.asarray(centres, dtype=float)[:h] != self.centre))
        z = self.z if (led or self.z_plain is None) else self.z_plain
        draws = c + vol * rng.choice(z, size=(n, h), replace=True)
        return last_value * np.exp(np.cumsum(draws, axis=1))


def _winsorised(z: np.ndarray, share: float = Z_CLIP) -> np.ndarray:
    """``z`` with its ``floor(share * n)`` lowest and highest values set to the next order statistic
    inwards (so clipping twice changes nothing)."""
    z = np.asarray(z, dtype=float)
    k = int(np.floor(share * z.size))
    if k < 1:
        return z
    srt = np.sort(z)
    return np.clip(z, srt[k], srt[-k - 1])


def _safe(lead: LeadFn, key: Hashable, t: int, h: int) -> float:
    try:
        m = float(lead(key, t, h))
    except (TypeError, ValueError, KeyError):
        return np.nan
    return m if np.isfinite(m) else np.nan


def _cross_mean(lead: LeadFn, keys, t: int, h: int, min_n: int = 5) -> float:
    """Mean of the lead over the series in year ``t`` (NaN with fewer than ``min_n``)."""
    vals = [m for m in (_safe(lead, k, t, h) for k in keys) if np.isfinite(m)]
    return float(np.mean(vals)) if len(vals) >= min_n else np.nan


def _log_growths(s: pd.Series) -> pd.Series:
    """Annual log growths of a positive series, indexed by the later year (gaps and non-positive values dropped)."""
    s = s[s > 0].sort_index()
    yrs = s.index.to_numpy()
    g = pd.Series(np.log(s.to_numpy()[1:] / s.to_numpy()[:-1]), index=yrs[1:])
    return g[np.diff(yrs) == 1]


def _volatility(g: pd.Series, upto: int, prior: float = np.nan, k0: float = 2.0, floor: float = 0.02) -> float:
    """Standard deviation of the growths of the :data:`VOL_YEARS` years up to ``upto``; with fewer than
    two, or shrunk toward ``prior`` with the weight of ``k0`` growths when a prior is given."""
    r = g[(g.index <= upto) & (g.index > upto - VOL_YEARS)].to_numpy()
    k = len(r)
    own = float(np.std(r, ddof=1)) if k >= 2 else np.nan
    if np.isfinite(prior):
        v2 = ((k - 1) * own ** 2 + k0 * prior ** 2) / (k - 1 + k0) if k >= 2 else prior ** 2
        return max(float(np.sqrt(v2)), floor)
    return max(own, floor) if np.isfinite(own) else np.nan


def peer_growth(series: Mapping, upto: int | None, lead: LeadFn | None = None,
                relative: bool = False) -> PeerGrowth | None:
    """:class:`PeerGrowth` from ``{key: pd.Series(year -> value)}`` of one indicator, growths up to ``upto``.

    ``lead(key, t, h)`` (optional): predicted log growth of series ``key`` in year ``t`` from data up to
    ``t - h`` (:mod:`.leading`). Checked on the peers' growths up to ``upto``: with at least
    :data:`MIN_PAIRS` predictions, ``z`` holds the standardised errors of the lead (around their
    precision-weighted mean ``lead_centre``) where it had a prediction and of the common centre elsewhere.
    ``relative=True`` uses the lead's deviation from the mean over the series of that year, times a
    slope fitted by weighted least squares on those peers' years (bounds :data:`LEAD_SLOPE_BOUNDS`).
    """
    gs = {k: _log_growths(v) for k, v in series.items()}
    gs = {k: g for k, g in gs.items() if len(g) >= 3}
    if not gs:
        return None
    if upto is None:
        upto = int(max(g.index.max() for g in gs.values()))
    ks, ts, ys, vs = [], [], [], []
    for key, g in gs.items():
        for t in g.index:
            if t > upto or t <= upto - PEER_YEARS:
                continue
            v = _volatility(g, t - 1)
            if np.isfinite(v):
                ks.append(key)
                ts.append(int(t))
                ys.append(float(g.loc[t]))
                vs.append(v)
    if len(ys) < MIN_PAIRS:
        return None
    y, v = np.asarray(ys), np.asarray(vs)
    w = 1.0 / v ** 2
    centre = float(np.sum(w * y) / np.sum(w))
    out = PeerGrowth(centre=centre, z=(y - centre) / v, median_vol=float(np.median(v)), n_series=len(gs))
    if lead is None:
        return out
    keys = tuple(series.keys())
    m = np.array([_safe(lead, k, t, 1) for k, t in zip(ks, ts)])
    if relative:
        mus = {t: _cross_mean(lead, keys, t, 1) for t in set(ts)}
        m = m - np.array([mus[t] for t in ts])
    ok = np.isfinite(m)
    if ok.sum() < MIN_PAIRS:
        return out
    slope = 1.0
    if relative:
        wo, mo, yo = w[ok], m[ok], y[ok]
        mm, ym = np.sum(wo * mo) / wo.sum(), np.sum(wo * yo) / wo.sum()
        sxx = float(np.sum(wo * (mo - mm) ** 2))
        slope = float(np.sum(wo * (mo - mm) * (yo - ym)) / sxx) if sxx > 0 else 0.0
        slope = float(np.clip(slope, *LEAD_SLOPE_BOUNDS))
    e = y[ok] - slope * m[ok]
    lead_centre = float(np.sum(w[ok] * e) / np.sum(w[ok]))
    z = out.z.copy()
    z[ok] = (e - lead_centre) / v[ok]
    return PeerGrowth(centre=centre, z=z, median_vol=out.median_vol, n_series=out.n_series, lead=lead,
                      lead_relative=relative, lead_centre=lead_centre, lead_slope=slope, n_lead=int(ok.sum()),
                      keys=keys, z_plain=out.z)
