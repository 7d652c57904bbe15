"""A pooled growth model: a short series borrows growth information from a panel of regions."""

from __future__ import annotations

import numpy as np

from .base import Model

__all__ = ["PooledGrowth"]


class PooledGrowth(Model):
    """Growth rate shrunk toward the panel's: empirical Bayes on recent log growth.

    For a region with few years the own average growth is noisy; the other regions'
    growth in the same indicator says much about what is plausible. With the own
    recent mean log growth ``g`` (last ``window`` years, sampling variance ``s^2/k``)
    and the panel's growth rates (median ``m``, robust spread ``tau^2`` from the median absolute
    deviation, net of sampling noise), the forecast growth is
    the precision-weighted mean (James & Stein 1961; Efron & Morris 1975)::

        g_hat = w g + (1 - w) m,   w = tau^2 / (tau^2 + s^2 / k)

    and the forecast is ``log y_T + j g_hat``. ``s`` itself is shrunk toward the panel's
    typical volatility, so a 3-point series does not claim a tiny variance. A series of one
    value has no own growth (``w = 0``): it grows at the panel's median, uncertain by the
    panel's spread ``tau^2`` (on the province panel, forecasting each province from its origin
    year's value alone: MASE 0.759 x naive's, ``bench/province.py --one-point``). Without a
    panel the model is a random walk with drift on logs (a random walk for one value).

    Fit with ``PooledGrowth().fit(y, panel_growths=g_panel, panel_volatility=v)``;
    :func:`innovation_forecast.forecast.forecast` supplies both per indicator group (and
    from ``reference=`` series), using only years up to each forecast origin.

    Parameters
    ----------
    window
        Number of recent annual growth rates used for the own growth (and for the panel's).
    prior_obs
        Weight, in observations, of the panel volatility when shrinking the own one.
    """

    name = "pooled"
    min_obs = 1
    needs_positive = True
    uses_panel = True

    def __init__(self, window: int = 5, prior_obs: float = 3.0, name: str | None = None):
        super().__init__(log=True, name=name)
        self.window = int(window)
        self.prior_obs = float(prior_obs)

    def _fit(self, x: np.ndarray, panel_growths=None, panel_volatility=None) -> None:
        d = np.diff(x)[-self.window:]
        k = len(d)
        g = float(np.mean(d)) if k else np.nan
        own_var = float(np.var(d, ddof=1)) if k >= 2 else np.nan
        pg = np.asarray(panel_growths if panel_growths is not None else [], dtype=float)
        pg = pg[np.isfinite(pg)]
        pv = float(panel_volatility) if panel_volatility is not None and np.isfinite(panel_volatility) else np.nan
        if np.isfinite(pv) and pv > 0:
            s2 = ((k - 1) * own_var + self.prior_obs * pv ** 2) / (k - 1 + self.prior_obs) if k >= 2 else pv ** 2
        else:
            s2 = own_var if np.isfinite(own_var) and own_var > 0 else 0.05 ** 2
        s2 = max(s2, 1e-8)
        if len(pg) >= 3:
            m = float(np.median(pg))
            # robust spread of the panel's growth rates (one runaway region -- or the series itself,
            # when it is part of the panel -- must not widen the prior), less their sampling noise
            spread2 = (1.4826 * float(np.median(np.abs(pg - m)))) ** 2
            if spread2 <= 0:
                spread2 = float(np.var(pg, ddof=1))
            tau2 = max(spread2 - s2 / self.window, 0.1 * spread2, 1e-8)
            w = tau2 / (tau2 + s2 / k) if k else 0.0
            self.panel_growth_ = m
        else:
            tau2, w = np.inf, 1.0
            self.panel_growth_ = np.nan
        self.own_growth_ = g
        self.weight_ = float(w)
        if k == 0:
            # one value: no own growth at all, so the panel's median growth (or none without a panel),
            # uncertain by the panel's spread of growth rates
            self.growth_ = float(self.panel_growth_) if np.isfinite(tau2) else 0.0
            self.growth_var_ = float(tau2) if np.isfinite(tau2) else 0.0
        else:
            self.growth_ = float(w * g + (1 - w) * (self.panel_growth_ if w < 1 else 0.0))
            self.growth_var_ = float(w * s2 / k) if np.isfinite(tau2) else s2 / k
        self.sigma_ = float(np.sqrt(s2))
        self.last_ = float(x[-1])

    def _forecast(self, h: int):
        j = np.arange(1, h + 1)
        pt = self.last_ + j * self.growth_
        sd = np.sqrt(j * self.sigma_ ** 2 + j ** 2 * self.growth_var_)
        return pt, sd
