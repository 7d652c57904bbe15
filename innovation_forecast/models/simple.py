"""Benchmarks for short annual series: naive, random walk with drift, log-linear trend."""

from __future__ import annotations

import numpy as np

from .base import Model, diff_sd

__all__ = ["Naive", "Drift", "LogLinearTrend", "RobustTrend"]


def _fallback_sd(x: np.ndarray) -> float:
    """A volatility guess for series too short to estimate one (2 % of the level, or 0.05 on logs)."""
    return 0.05 if np.all(np.abs(x) < 50) else 0.02 * float(np.mean(np.abs(x)))


class Naive(Model):
    """Random walk: every future year equals the last observed one.

    Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), §5.2.
    The error sd grows with the square root of the horizon.
    """

    name = "naive"
    min_obs = 1

    def _fit(self, x: np.ndarray) -> None:
        self.last_ = float(x[-1])
        sd = diff_sd(x, demean=False)
        self.sigma_ = sd if np.isfinite(sd) and sd > 0 else _fallback_sd(x)

    def _forecast(self, h: int):
        j = np.arange(1, h + 1)
        return np.full(h, self.last_), self.sigma_ * np.sqrt(j)


class Drift(Model):
    """Random walk with drift: the line through the first and last observations, extended.

    Hyndman & Athanasopoulos, FPP3 §5.2: slope = (y_T - y_1)/(T - 1); error sd
    sigma * sqrt(h (1 + h/T)).
    """

    name = "drift"
    min_obs = 2

    def _fit(self, x: np.ndarray) -> None:
        n = len(x)
        self.last_ = float(x[-1])
        self.slope_ = float((x[-1] - x[0]) / (n - 1))
        sd = diff_sd(x, demean=True)
        self.sigma_ = sd if np.isfinite(sd) and sd > 0 else _fallback_sd(x)
        self.n_ = n

    def _forecast(self, h: int):
        j = np.arange(1, h + 1)
        return self.last_ + self.slope_ * j, self.sigma_ * np.sqrt(j * (1 + j / self.n_))


class LogLinearTrend(Model):
    """Least-squares straight line on log values: constant growth rate.

    Classic OLS prediction intervals (FPP3 §7.6). Only for positive series.
    """

    name = "loglinear"
    min_obs = 3
    needs_positive = True

    def _fit(self, x: np.ndarray) -> None:
        n = len(x)
        t = np.arange(n, dtype=float)
        self.tbar_ = t.mean()
        self.sxx_ = float(np.sum((t - self.tbar_) ** 2))
        self.slope_ = float(np.sum((t - self.tbar_) * (x - x.mean())) / self.sxx_)
        self.intercept_ = float(x.mean() - self.slope_ * self.tbar_)
        resid = x - (self.intercept_ + self.slope_ * t)
        self.sigma_ = float(np.sqrt(np.sum(resid ** 2) / max(n - 2, 1)))
        if self.sigma_ <= 0:
            self.sigma_ = 1e-3
        self.n_ = n

    def _forecast(self, h: int):
        t = np.arange(self.n_, self.n_ + h, dtype=float)
        pt = self.intercept_ + self.slope_ * t
        sd = self.sigma_ * np.sqrt(1 + 1 / self.n_ + (t - self.tbar_) ** 2 / self.sxx_)
        return pt, sd


class RobustTrend(Model):
    """Last value plus the median annual change: a drift that one outlying year cannot swing.

    After the "Robust-Trend" entry of the M3 competition (Makridakis & Hibon 2000), the best
    original method there by MASE on yearly series.
    """

    name = "robust_trend"
    min_obs = 3

    def _fit(self, x: np.ndarray) -> None:
        d = np.diff(x)
        self.last_ = float(x[-1])
        self.slope_ = float(np.median(d))
        mad = float(np.median(np.abs(d - self.slope_))) * 1.4826
        sd = mad if mad > 0 else diff_sd(x, demean=True)
        self.sigma_ = sd if np.isfinite(sd) and sd > 0 else _fallback_sd(x)
        self.n_ = len(x)

    def _forecast(self, h: int):
        j = np.arange(1, h + 1)
        return self.last_ + self.slope_ * j, self.sigma_ * np.sqrt(j * (1 + j / self.n_))
