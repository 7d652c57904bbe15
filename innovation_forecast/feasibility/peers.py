"""Peer growth: what the recent growth of every region in a panel says about one region's next years.

:func:`~innovation_forecast.feasibility.assess_targets` pools these paths with the forecast engine's
(:data:`~innovation_forecast.feasibility.PEER_WEIGHT`); a series the engine cannot forecast gets
them alone. Only growths up to the review's ``as_of`` year are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

__all__ = ["MIN_PAIRS", "PEER_YEARS", "VOL_YEARS", "PeerGrowth", "peer_growth"]

#: Years of peers' annual growths behind the peer-growth paths (the outcome years, ending at ``as_of``).
PEER_YEARS = 12
#: Years of a region's own growths that measure its volatility (shrunk toward the peers' median).
VOL_YEARS = 6
#: Fewest peer growths (with a measurable volatility) worth borrowing from.
MIN_PAIRS = 10


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

    def paths(self, last_value: float, vol: float, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        draws = self.centre + vol * rng.choice(self.z, size=(n, h), replace=True)
        return last_value * np.exp(np.cumsum(draws, axis=1))


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


def peer_growth(series: Mapping, upto: int | None) -> PeerGrowth | None:
    """:class:`PeerGrowth` from ``{key: pd.Series(year -> value)}`` of one indicator, growths up to ``upto``."""
    gs = [_log_growths(v) for v in series.values()]
    gs = [g for g in gs if len(g) >= 3]
    if not gs:
        return None
    if upto is None:
        upto = int(max(g.index.max() for g in gs))
    ys, vs = [], []
    for g in gs:
        for t in g.index:
            if t > upto or t <= upto - PEER_YEARS:
                continue
            v = _volatility(g, t - 1)
            if np.isfinite(v):
                ys.append(float(g.loc[t]))
                vs.append(v)
    if len(ys) < MIN_PAIRS:
        return None
    y, v = np.asarray(ys), np.asarray(vs)
    w = 1.0 / v ** 2
    centre = float(np.sum(w * y) / np.sum(w))
    return PeerGrowth(centre=centre, z=(y - centre) / v, median_vol=float(np.median(v)), n_series=len(gs))
