"""Forecasting models sharing one interface (:class:`~innovation_forecast.models.base.Model`).

``fit(y)`` on a 1-d array, ``predict(h, level, quantiles)`` -> dict of arrays,
``sample(h, n, rng)`` -> (n, h) paths, ``min_obs``, ``name``.
"""

from __future__ import annotations

from .arima import ARIMA
from .base import Model, check_length
from .ces import CES
from .combination import Combination
from .ets import ETS
from .global_ar import GlobalAR
from .pooled import PooledGrowth
from .simple import Drift, LogLinearTrend, Naive, RobustTrend
from .theta import DynamicOptimizedTheta, Theta

__all__ = [
    "ARIMA",
    "CES",
    "Combination",
    "Drift",
    "DynamicOptimizedTheta",
    "ETS",
    "GlobalAR",
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
    """Fresh instances of the single models ``forecast(models="auto")`` chooses among.

    Each trend model comes on logs (for positive series) and on levels; the engine adds median and
    mean combinations of the best few, ranked on in-sample rolling origins.
    """
    return [
        Naive(), Drift(), Drift(log=False, name="drift_level"), LogLinearTrend(),
        RobustTrend(), RobustTrend(log=False, name="robust_trend_level"),
        ETS(), ETS(log=False, name="ets_level"), Theta(), Theta(log=False, name="theta_level"),
        DynamicOptimizedTheta(), DynamicOptimizedTheta(log=False, name="dotm_level"),
        ARIMA(), ARIMA(log=False, name="arima_level"), PooledGrowth(),
    ]
