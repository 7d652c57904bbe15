"""Theta models: the standard Theta method and the dynamic optimised Theta model (DOTM).

Both follow the state-space form of Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler
(2016), "Models for optimising the theta method and their relationship to state space
models", IJF 32(4) 1151-1161. With ``theta = 2`` and a static trend line this is the
M3-winning method of Assimakopoulos & Nikolopoulos (2000) (SES with drift, Hyndman &
Billah 2003). The dynamic version updates the trend line's intercept A_t and slope B_t
with each new observation; the optimised version also chooses theta.

Two ways to choose the parameters:

``optimizer="grid"``
    alpha (and theta) by one-step mean squared error over a grid, the initial smoothed level
    fixed at the first value; vectorised numpy, about a millisecond per series.
``optimizer="nelder-mead"``
    StatsForecast 2.1.1's procedure (``statsforecast/theta.py`` and its C++ core): the initial
    smoothed level, alpha in [0.1, 0.99] and theta >= 1 minimise the sum of squared one-step
    errors from the fourth observation on, divided by mean |y|, by a bounded, adaptive
    Nelder-Mead started at (y_1 / 2, 0.5, 2) with 5 % initial steps, stopping when the standard
    deviation of the simplex's values falls below 1e-4 (at most 1,000 iterations). A pure-Python
    port (no numba, about 1-2 ms per series); on M3 yearly it reproduces StatsForecast's DOTM
    test-part sMAPE / MASE (15.786 / 2.576 against the published 15.787 / 2.576).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from .base import Model

__all__ = ["Theta", "DynamicOptimizedTheta"]

_ALPHAS = np.concatenate([np.linspace(0.05, 0.95, 19), [0.99]])
_THETAS = np.array([1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 5.0])
# StatsForecast's bounds for (initial smoothed level, alpha, theta) and its burn-in of 3 errors
_NM_LOWER = (-1e10, 0.1, 1.0)
_NM_UPPER = (1e10, 0.99, 1e10)
_NM_BURN_IN = 3


def _static_line(x: np.ndarray) -> tuple[float, float]:
    """OLS intercept and slope of x on t = 1..n."""
    n = len(x)
    t = np.arange(1, n + 1, dtype=float)
    b = float(np.sum((t - t.mean()) * (x - x.mean())) / np.sum((t - t.mean()) ** 2))
    return float(x.mean() - b * t.mean()), b


def _sse_from(y: list[float], c: float, alpha: float, theta: float, dynamic: bool,
              an: float, bn: float, burn_in: int = _NM_BURN_IN) -> float:
    """Sum of squared one-step errors ``e_i``, ``i >= burn_in``, for one parameter triple (scalar loop).

    ``y`` is a list of floats (plain Python arithmetic is several times faster than numpy
    scalars for the 10-50 points of an annual series); ``c`` is the initial smoothed level.
    """
    om = 1.0 - alpha
    w = 1.0 - 1.0 / theta
    level = alpha * y[0] + om * c
    meany = y[0]
    pw = om  # (1 - alpha)^i
    s = 0.0
    for i in range(1, len(y)):
        pn = pw * om
        yi = y[i]
        if i >= burn_in:
            e = yi - level - w * (an * pw + bn * (1.0 - pn) / alpha)
            s += e * e
        level = alpha * yi + om * level
        new_mean = (i * meany + yi) / (i + 1)
        if dynamic:
            bn = ((i - 1) * bn + 6.0 * (yi - meany) / (i + 1)) / (i + 2)
            an = new_mean - bn * (i + 2) / 2.0
        meany = new_mean
        pw = pn
    return s


def nelder_mead(fun: Callable[[list[float]], float], x0: Sequence[float], lower: Sequence[float],
                upper: Sequence[float], init_step: float = 0.05, zero_pert: float = 1e-4,
                max_iter: int = 1000, tol_std: float = 1e-4) -> tuple[list[float], float, int]:
    """Bounded adaptive Nelder-Mead as in StatsForecast's C++ core (``nelder_mead.h``).

    Every trial point is clipped to the bounds; the adaptive coefficients of Gao & Han (2012)
    (expansion ``1 + 2/n``, contraction ``0.75 - 1/(2n)``, shrink ``1 - 1/n``); the initial simplex
    multiplies one coordinate at a time by ``1 + init_step`` (a zero becomes ``zero_pert``);
    it stops when the standard deviation of the simplex's function values is below ``tol_std``.

    Parameters
    ----------
    fun
        Objective taking a list of ``n`` floats.
    x0, lower, upper
        Start and bounds, each of length ``n``.
    init_step, zero_pert, max_iter, tol_std
        As in StatsForecast (defaults are its values for the theta models).

    Returns
    -------
    tuple
        ``(x, fun(x), iterations)`` for the best vertex of the last ordering.
    """
    n = len(x0)
    lo, hi = list(lower), list(upper)

    def clip(v):
        return [min(max(v[k], lo[k]), hi[k]) for k in range(n)]

    gamma, rho, sigma = 1.0 + 2.0 / n, 0.75 - 1.0 / (2 * n), 1.0 - 1.0 / n
    start = clip(list(x0))
    simplex = [list(start) for _ in range(n + 1)]
    for i in range(n):
        v = simplex[i][i]
        simplex[i][i] = min(max(zero_pert if v == 0 else v * (1 + init_step), lo[i]), hi[i])
    f = [fun(s) for s in simplex]
    best, it = 0, 0
    for it in range(max_iter):
        mean = sum(f) / (n + 1)
        if math.sqrt(sum((v - mean) ** 2 for v in f) / (n + 1)) < tol_std:
            break
        order = sorted(range(n + 1), key=f.__getitem__)
        best, worst, second = order[0], order[n], order[n - 1]
        xo = [sum(simplex[j][k] for j in order[:n]) / n for k in range(n)]
        xw = simplex[worst]
        xr = clip([xo[k] + (xo[k] - xw[k]) for k in range(n)])
        fr = fun(xr)
        if f[best] <= fr < f[second]:
            simplex[worst], f[worst] = xr, fr
            continue
        if fr < f[best]:
            xe = clip([xo[k] + gamma * (xr[k] - xo[k]) for k in range(n)])
            fe = fun(xe)
            simplex[worst], f[worst] = (xe, fe) if fe < fr else (xr, fr)
            continue
        if f[second] <= fr < f[worst]:
            xc = clip([xo[k] + rho * (xr[k] - xo[k]) for k in range(n)])
            fc = fun(xc)
            if fc <= fr:
                simplex[worst], f[worst] = xc, fc
                continue
        else:
            xc = clip([xo[k] - rho * (xr[k] - xo[k]) for k in range(n)])
            fc = fun(xc)
            if fc < f[worst]:
                simplex[worst], f[worst] = xc, fc
                continue
        # shrink vertices 1..n toward the best, as StatsForecast does (vertex 0 stays put even when not the best)
        xb = list(simplex[best])
        for j in range(1, n + 1):
            simplex[j] = clip([xb[k] + sigma * (simplex[j][k] - xb[k]) for k in range(n)])
            f[j] = fun(simplex[j])
    return simplex[best], f[best], it


def _theta_filter(x, alpha, theta, dynamic: bool, a_static=0.0, b_static=0.0, optimise_init=False, init=None):
    """Run the theta recursions over x for arrays of (alpha, theta).

    The one-step errors are affine in the initial smoothed level ``c`` (the level before
    ``x[0]``): ``e_i(c) = e_i(0) - c (1 - alpha)^i``, so the best ``c`` is found in closed
    form for every grid point (least squares) when ``optimise_init``; ``init`` fixes it; by
    default ``c = x[0]``, which forecast better on held-out M3 origins than the least-squares ``c``.
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
        c = np.full(np.shape(alpha), float(x[0]) if init is None else float(init))
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

    def __init__(self, optimizer: str = "grid", log: bool | str = "auto", name: str | None = None):
        super().__init__(log=log, name=name)
        if optimizer not in ("grid", "nelder-mead"):
            raise ValueError(f"optimizer must be 'grid' or 'nelder-mead'; got {optimizer!r}.")
        self.optimizer = optimizer

    def __repr__(self) -> str:
        base = super().__repr__()
        if self.optimizer == "grid":
            return base
        inner = base[base.index("(") + 1:-1]
        return f"{type(self).__name__}(optimizer={self.optimizer!r}{', ' + inner if inner else ''})"

    def _fit(self, x: np.ndarray) -> None:
        self.n_ = len(x)
        if self.optimizer == "nelder-mead":
            self._fit_nelder_mead(x)
            return
        thetas = _THETAS if self.optimise_theta else np.array([2.0])
        a, t = (g.ravel() for g in np.meshgrid(_ALPHAS, thetas, indexing="ij"))
        a0, b0 = (0.0, 0.0) if self.dynamic else _static_line(x)
        mse, level, meany, an, bn, _ = _theta_filter(x, a, t, self.dynamic, a0, b0)
        i = int(np.argmin(mse))
        self.alpha_, self.theta_, self.init_level_ = float(a[i]), float(t[i]), float(x[0])
        self.state_ = (float(level[i]), meany, an, bn)
        self.sigma_ = float(np.sqrt(mse[i])) or 1e-3

    def _fit_nelder_mead(self, x: np.ndarray) -> None:
        """StatsForecast's fit: (initial level, alpha[, theta]) by Nelder-Mead on the burnt-in MSE."""
        y = [float(v) for v in x]
        an0, bn0 = (y[0], 0.0) if self.dynamic else _static_line(x)
        scale = max(float(np.mean(np.abs(x))), 1e-10)
        k = 3 if self.optimise_theta else 2

        def objective(p):
            theta = p[2] if self.optimise_theta else 2.0
            return _sse_from(y, p[0], p[1], theta, self.dynamic, an0, bn0) / scale

        p, _, _ = nelder_mead(objective, [y[0] / 2, 0.5, 2.0][:k], _NM_LOWER[:k], _NM_UPPER[:k])
        c, alpha = p[0], p[1]
        theta = p[2] if self.optimise_theta else 2.0
        a0, b0 = (0.0, 0.0) if self.dynamic else (an0, bn0)
        mse, level, meany, an, bn, _ = _theta_filter(x, np.array([alpha]), np.array([theta]), self.dynamic,
                                                     a0, b0, init=c)
        self.alpha_, self.theta_, self.init_level_ = float(alpha), float(theta), float(c)
        self.state_ = (float(level[0]), meany, an, bn)
        self.sigma_ = float(np.sqrt(mse[0])) or 1e-3

    def _forecast(self, h: int):
        level, meany, an, bn = self.state_
        pt = _theta_forecast(h, self.n_, self.alpha_, self.theta_, self.dynamic, level, meany, an, bn)
        j = np.arange(1, h + 1)
        # SES-type error growth (the theta model is SES with drift): var_h = s^2 (1 + (h-1) alpha^2)
        return pt, self.sigma_ * np.sqrt(1 + (j - 1) * self.alpha_ ** 2)


class Theta(_ThetaBase):
    """Standard Theta method: theta = 2, static trend line, alpha by one-step MSE.

    Assimakopoulos & Nikolopoulos (2000); state-space form of Fiorucci et al. (2016), "STM".

    Parameters
    ----------
    optimizer
        ``"grid"`` (default) or ``"nelder-mead"`` (StatsForecast's fit, see the module docstring).
        On the in-sample M3 hold-out of ``bench/m3.py`` swapping it in or adding it was no better
        inside ``forecast(models="auto")`` (BENCHMARKS.md), so the grid stays the default.
    log, name
        See :class:`~innovation_forecast.models.base.Model`.
    """

    name = "theta"


class DynamicOptimizedTheta(_ThetaBase):
    """Dynamic optimised Theta model (DOTM) of Fiorucci et al. (2016).

    The trend line is re-estimated each year and theta (>= 1) is chosen with alpha,
    as in StatsForecast's ``DynamicOptimizedTheta``. Parameters as in :class:`Theta`.
    """

    name = "dotm"
    dynamic = True
    optimise_theta = True
    min_obs = 4
