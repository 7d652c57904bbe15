"""ARIMA(p, 1, 0) with a small order search, on logs for positive series."""

from __future__ import annotations

import numpy as np

from .base import Model

__all__ = ["ARIMA"]


def _stationary(phi: np.ndarray, margin: float = 0.98) -> bool:
    """AR(1)/AR(2) stationarity with a margin (roots of 1 - phi_1 z - phi_2 z^2 outside 1/margin)."""
    if len(phi) == 0:
        return True
    if len(phi) == 1:
        return abs(phi[0]) < margin
    p1, p2 = phi[0], phi[1]
    # companion eigenvalues: lambda^2 - p1 lambda - p2 = 0
    disc = p1 * p1 + 4 * p2
    if disc >= 0:
        r = np.sqrt(disc)
        return max(abs((p1 + r) / 2), abs((p1 - r) / 2)) < margin
    return np.sqrt(-p2) < margin


def _fit_ar(w: np.ndarray, p: int, const: bool):
    """Conditional least squares AR(p) on w; returns (coefs, c, sigma2, aicc) or None."""
    n = len(w) - p
    k = p + int(const)
    if n < k + 2:
        return None
    target = w[p:]
    if k:
        cols = [w[p - i - 1: len(w) - i - 1] for i in range(p)]
        if const:
            cols.append(np.ones(n))
        X = np.column_stack(cols)
        xtx = X.T @ X
        try:
            beta = np.linalg.solve(xtx + 1e-10 * np.eye(k), X.T @ target)
        except np.linalg.LinAlgError:
            return None
        resid = target - X @ beta
    else:
        beta = np.zeros(0)
        resid = target
    sigma2 = float(resid @ resid) / n
    if sigma2 <= 1e-300:
        sigma2 = 1e-12
    phi = beta[:p]
    if not _stationary(phi):
        return None  # explosive AR on growth rates is rarely credible
    c = float(beta[p]) if const else 0.0
    npar = k + 1
    aic = n * np.log(sigma2) + 2 * npar
    aicc = aic + 2 * npar * (npar + 1) / max(n - npar - 1, 1)
    return phi, c, sigma2 * n / max(n - k, 1), aicc


class ARIMA(Model):
    """ARIMA(p, 1, 0), p in {0, 1, 2}, with or without drift, chosen by AICc.

    A deliberately small version of Hyndman & Khandakar's (2008) auto.arima for short annual
    series: one difference (of logs for positive series, i.e. growth rates), an AR term of order
    at most 2 on the growth rates, and a constant (mean growth) when it lowers AICc. Fitted by
    conditional least squares; orders that imply explosive growth-rate dynamics are skipped.
    Error sd from the psi-weights of the integrated process.
    """

    name = "arima"
    min_obs = 4

    def __init__(self, max_p: int = 2, log: bool | str = "auto", name: str | None = None):
        super().__init__(log=log, name=name)
        self.max_p = int(max_p)

    def _fit(self, x: np.ndarray) -> None:
        w = np.diff(x)
        best = None
        for p in range(self.max_p + 1):
            for const in (False, True):
                r = _fit_ar(w, p, const)
                if r is not None and (best is None or r[3] < best[1][3]):
                    best = ((p, const), r)
        if best is None:  # too short for any search: plain random walk with drift
            phi, c, s2 = np.zeros(0), float(np.mean(w)), float(np.var(w)) if len(w) > 1 else 1e-4
            self.order_ = (0, 1, 0)
        else:
            (p, const), (phi, c, s2, _) = best
            self.order_ = (p, 1, 0)
            self.has_drift_ = const
        self.phi_ = np.asarray(phi, dtype=float)
        self.c_ = float(c)
        self.sigma_ = float(np.sqrt(max(s2, 1e-12)))
        self.last_ = float(x[-1])
        self.w_tail_ = w[-len(self.phi_):][::-1].copy() if len(self.phi_) else np.zeros(0)

    def _forecast(self, h: int):
        p = len(self.phi_)
        hist = list(self.w_tail_)  # most recent first
        wf = np.empty(h)
        for k in range(h):
            v = self.c_ + sum(self.phi_[i] * hist[i] for i in range(p))
            wf[k] = v
            hist = [v] + hist[:-1] if p else hist
        pt = self.last_ + np.cumsum(wf)
        # psi weights of the AR on differences, then cumulate for the level
        psi = np.zeros(h)
        psi[0] = 1.0
        for k in range(1, h):
            psi[k] = sum(self.phi_[i] * psi[k - i - 1] for i in range(min(p, k)))
        cpsi = np.cumsum(psi)
        var = np.cumsum(cpsi ** 2)
        return pt, self.sigma_ * np.sqrt(var)
