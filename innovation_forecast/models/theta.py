"""Theta models: the standard Theta method and the dynamic optimised Theta model (DOTM).

Both follow the state-space form of Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler
(2016), "Models for optimising the theta method and their relationship to state space
models", IJF 32(4) 1151-1161. With ``theta = 2`` and a static trend line this is the
M3-winning method of Assimakopoulos & Nikolopoulos (2000) (SES with drift, Hyndman &
Billah 2003). The dynamic version updates the trend line's intercept A_t and slope B_t
with each new observation; the optimised version also chooses theta.

Parameters are chosen by one-step mean squared error over a grid, vectorised in numpy
(no numba, about a millisecond per series).
"""

from __future__ import annotations

import numpy as np

from .base import Model

__all__ = ["Theta", "DynamicOptimizedTheta"]

_ALPHAS = np.concatenate([np.linspace(0.05, 0.95, 19), [0.99]])
_THETAS = np.array([1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 5.0])


def _static_line(x: np.ndarray) -> tuple[float, float]:
    """OLS intercept and slope of x on t = 1..n."""
    n = len(x)
    t = np.arange(1, n + 1, dtype=float)
    b = float(np.sum((t - t.mean()) * (x - x.mean())) / np.sum((t - t.mean()) ** 2))
    return float(x.mean() - b * t.mean()), b


def _theta_filter(x, alpha, theta, dynamic: bool, a_static=0.0, b_static=0.0, optimise_init=False):
    """Run the theta recursions over x for arrays of (alpha, theta).

    The one-step errors are affine in the initial smoothed level ``c`` (the level before
    ``x[0]``): ``e_i(c) = e_i(0) - c (1 - alpha)^(i+1)``, so the best ``c`` is found in closed
    form for every grid point (least squares) when ``optimise_init``; by default ``c = x[0]``,
    which forecast better on held-out M3 origins (optimising it overfits short series).
    Returns mse, the final level (with the best ``c``), meany, An, Bn and the best ``c``.
    """
    n = len(x)
    om = 1 - alpha
    level = alpha * x[0] + 0.0 * om  # with c = 0
    meany = float(x[0])
    if dynamic:
        an, bn = float(x[0]), 0.0
    else:
        an, bn = a_static, b_static
    w = 1 - 1 / theta
    s00 = np.zeros(np.shape(alpha))
    s01 = np.zeros(np.shape(alpha))
    s11 = np.zeros(np.shape(alpha))
    pw = om.copy()  # (1 - alpha)^i
    for i in range(1, n):
        pw_next = pw * om
        mu = level + w * (an * pw + bn * (1 - pw_next) / alpha)
        e = x[i] - mu
        r = pw  # sensitivity of mu_i to c: the level L_{i-1} carries c (1 - alpha)^i
        s00 += e * e
        s01 += e * r
        s11 += r * r
        level = alpha * x[i] + om * level
        new_mean = (i * meany + x[i]) / (i + 1)
        if dynamic:
            bn = ((i - 1) * bn + 6 * (x[i] - meany) / (i + 1)) / (i + 2)
            an = new_mean - bn * (i + 2) / 2
        meany = new_mean
        pw = pw_next
    if optimise_init:
        c = np.where(s11 > 1e-12, s01 / np.maximum(s11, 1e-12), x[0])
    else:
        c = np.full(np.shape(alpha), float(x[0]))
    sse = s00 - 2 * c * s01 + c * c * s11
    level = level + c * pw  # pw == (1 - alpha)^n here
    return np.maximum(sse, 0) / max(n - 1, 1), level, meany, an, bn, c


def _theta_forecast(h, n, alpha, theta, dynamic, level, meany, an, bn):
    """Iterate the recursions forward with the forecasts standing in for the data."""
    out = np.empty(h)
    w = 1 - 1 / theta
    for k in range(h):
        i = n + k
        mu = level + w * (an * (1 - alpha) ** i + bn * (1 - (1 - alpha) ** (i + 1)) / alpha)
        out[k] = mu
        level = alpha * mu + (1 - alpha) * level
        new_mean = (i * meany + mu) / (i + 1)
        if dynamic:
            bn = ((i - 1) * bn + 6 * (mu - meany) / (i + 1)) / (i + 2)
            an = new_mean - bn * (i + 2) / 2
        meany = new_mean
    return out


class _ThetaBase(Model):
    dynamic = False
    optimise_theta = False
    min_obs = 3

    def _fit(self, x: np.ndarray) -> None:
        n = len(x)
        thetas = _THETAS if self.optimise_theta else np.array([2.0])
        a, t = (g.ravel() for g in np.meshgrid(_ALPHAS, thetas, indexing="ij"))
        a0, b0 = (0.0, 0.0) if self.dynamic else _static_line(x)
        mse, level, meany, an, bn, _ = _theta_filter(x, a, t, self.dynamic, a0, b0)
        i = int(np.argmin(mse))
        self.alpha_, self.theta_ = float(a[i]), float(t[i])
        self.state_ = (float(level[i]), meany, an, bn)
        self.sigma_ = float(np.sqrt(mse[i])) or 1e-3
        self.n_ = n

    def _forecast(self, h: int):
        level, meany, an, bn = self.state_
        pt = _theta_forecast(h, self.n_, self.alpha_, self.theta_, self.dynamic, level, meany, an, bn)
        j = np.arange(1, h + 1)
        # SES-type error growth (the theta model is SES with drift): var_h = s^2 (1 + (h-1) alpha^2)
        return pt, self.sigma_ * np.sqrt(1 + (j - 1) * self.alpha_ ** 2)


class Theta(_ThetaBase):
    """Standard Theta method: theta = 2, static trend line, alpha by one-step MSE.

    Assimakopoulos & Nikolopoulos (2000); state-space form of Fiorucci et al. (2016), "STM".
    """

    name = "theta"


class DynamicOptimizedTheta(_ThetaBase):
    """Dynamic optimised Theta model (DOTM) of Fiorucci et al. (2016).

    The trend line is re-estimated each year and theta (>= 1) is chosen with alpha,
    as in StatsForecast's ``DynamicOptimizedTheta``.
    """

    name = "dotm"
    dynamic = True
    optimise_theta = True
    min_obs = 4
