"""Forecasting models sharing one interface (:class:`~innovation_forecast.models.base.Model`).

``fit(y)`` on a 1-d array, ``predict(h, level, quantiles)`` -> dict of arrays,
``sample(h, n, rng)`` -> (n, h) paths, ``min_obs``, ``name``.
"""

from __future__ import annotations

from .arima import ARIMA
from .base import Model, check_length
from .combination import Combination
from .ets import ETS
from .pooled import PooledGrowth
from .simple import Drift, LogLinearTrend, Naive, RobustTrend
from .theta import DynamicOptimizedTheta, Theta

__all__ = [
    "ARIMA",
    "Combination",
    "Drift",
    "DynamicOptimizedTheta",
    "ETS",
    "LogLinearTrend",
    "Model",
    "Naive",
    "PooledGrowth",
    "RobustTrend",
    "Theta",
    "check_length",
    "default_models",
]


def default_models() -> list[Model]:
    """Fresh instances of the candidate models ``forecast(models="auto")`` chooses among."""
    members = [ETS(), DynamicOptimizedTheta(), Theta(), ARIMA(), Drift()]
    return [Naive(), Drift(), LogLinearTrend(), ETS(), Theta(), DynamicOptimizedTheta(), ARIMA(),
            PooledGrowth(), Combination(members, method="median", name="combo")]
