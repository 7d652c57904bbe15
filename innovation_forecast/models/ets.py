"""Exponential smoothing with a damped additive trend, ETS(A,Ad,N), on logs for positive series."""

from __future__ import annotations

import warnings

import numpy as np

from .base import Model

__all__ = ["ETS"]

# Parameter grid for the fast engine. The trend smoothing is given as a share of alpha
# (beta* = alpha * share keeps 0 <= beta* <= alpha, the usual admissible region).
_ALPHAS = np.array([0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99])
_SHARES = np.array([0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
_PHIS = np.array([0.8, 0.85, 0.9, 0.94, 0.97, 0.98])
_A, _S, _P = (g.ravel() for g in np.meshgrid(_ALPHAS, _SHARES, _PHIS, indexing="ij"))
_B = _A * _S


def _init_states(x: np.ndarray) -> tuple[float, float]:
    """Initial level and trend from a line through the first few points (Hyndman et al. 2008, §2.6)."""
    m = min(len(x), 5)
    t = np.arange(m, dtype=float)
    if m >= 2:
        b0, a0 = np.polyfit(t, x[:m], 1)
    else:
        a0, b0 = float(x[0]), 0.0
    return float(a0 - b0), float(b0)  # level one step before x[0]


def _damped_sse_grid(x: np.ndarray, alpha, beta, phi, l0: float, b0: float):
    """One-step SSE of ETS(A,Ad,N) for every parameter triple (vectorised over the grid)."""
    lev = np.full(alpha.shape, l0)
    tr = np.full(alpha.shape, b0)
    sse = np.zeros(alpha.shape)
    for xt in x:
        f = lev + phi * tr
        e = xt - f
        sse += e * e
        lev = f + alpha * e
        tr = phi * tr + beta * e
    return sse, lev, tr


class ETS(Model):
    """Damped-trend exponential smoothing, ETS(A,Ad,N) (Gardner & McKenzie 1985; Hyndman et al. 2008).

    On logs for positive series, so the trend is a damped growth rate.

    Parameters
    ----------
    engine
        ``"fast"`` (default): smoothing parameters chosen by one-step squared error over a
        fixed grid (alpha x beta x phi, 594 triples), initial states from a line through the
        first five points -- vectorised numpy, about a millisecond per series.
        ``"statsmodels"``: :class:`statsmodels.tsa.exponential_smoothing.ets.ETSModel` with
        ``trend="add", damped_trend=True`` fitted by maximum likelihood (slower; same model).
    log
        See :class:`~innovation_forecast.models.base.Model`.
    """

    name = "ets"
    min_obs = 4

    def __init__(self, engine: str = "fast", log: bool | str = "auto", name: str | None = None):
        super().__init__(log=log, name=name)
        if engine not in ("fast", "statsmodels"):
            raise ValueError(f"engine must be 'fast' or 'statsmodels'; got {engine!r}.")
        self.engine = engine

    def _fit(self, x: np.ndarray) -> None:
        self.n_ = len(x)
        if self.engine == "statsmodels":
            self._fit_statsmodels(x)
            return
        l0, b0 = _init_states(x)
        sse, lev, tr = _damped_sse_grid(x, _A, _B, _P, l0, b0)
        i = int(np.argmin(sse))
        self.alpha_, self.beta_, self.phi_ = float(_A[i]), float(_B[i]), float(_P[i])
        self.level_, self.trend_ = float(lev[i]), float(tr[i])
        self.sigma_ = float(np.sqrt(sse[i] / max(self.n_ - 3, 1))) or 1e-3

    def _fit_statsmodels(self, x: np.ndarray) -> None:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ETSModel(x, error="add", trend="add", damped_trend=True).fit(disp=False)
        p = res.params
        names = list(res.model.param_names)
        self.alpha_ = float(p[names.index("smoothing_level")])
        self.beta_ = float(p[names.index("smoothing_trend")])
        self.phi_ = float(p[names.index("damping_trend")])
        self.level_ = float(np.asarray(res.level)[-1])
        self.trend_ = float(np.asarray(res.slope)[-1])
        self.sigma_ = float(np.sqrt(np.mean(res.resid ** 2))) or 1e-3

    def _forecast(self, h: int):
        j = np.arange(1, h + 1)
        phis = self.phi_ ** j
        cum = np.cumsum(phis)  # phi + phi^2 + ... + phi^j
        pt = self.level_ + cum * self.trend_
        # Hyndman et al. (2008) Table 6.1, class 1: var_h = s^2 [1 + sum_{i<h} c_i^2],
        # c_i = alpha + beta * phi (1 - phi^i) / (1 - phi)
        i = np.arange(1, h)
        c = self.alpha_ + self.beta_ * self.phi_ * (1 - self.phi_ ** i) / (1 - self.phi_)
        var = np.concatenate([[0.0], np.cumsum(c ** 2)]) + 1.0
        return pt, self.sigma_ * np.sqrt(var)
