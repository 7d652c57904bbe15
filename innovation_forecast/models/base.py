"""The one model interface shared by every forecasting model.

Every model is fitted on a plain 1-d array of annual values and knows nothing
about regions or frames (``forecast()`` does the fan-out). Positive series are
modelled on the log scale by default (``log="auto"``): annual innovation counts
and amounts grow multiplicatively, and logs keep interval bounds positive.

A model subclass implements two private hooks on the *modelling* scale
(logs or levels):

``_fit(x)``
    learn parameters from the transformed series ``x``;
``_forecast(h)``
    return ``(point, sd)``: two arrays of length ``h``, the point forecast and
    the model's own standard deviation of the forecast error at each horizon.

The base class turns those into ``predict`` (mean and Gaussian intervals or
quantiles) and ``sample`` (joint paths). The engine in
:mod:`innovation_forecast.forecast` replaces the Gaussian intervals with
empirically calibrated ones; the model-based ones are what a user gets when
calling a model directly.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.special import ndtri  # the normal quantile function, without importing scipy.stats

from ..errors import SeriesTooShortError

__all__ = [
    "Model",
    "check_length",
    "level_keys",
    "quantile_key",
]


def quantile_key(q: float) -> str:
    """Column name of quantile ``q`` (a probability): 0.1 -> ``"q_10"``, 0.025 -> ``"q_2.5"``."""
    return f"q_{100 * float(q):g}"


def level_keys(level: int | float) -> tuple[str, str]:
    """Column names of the central interval at ``level`` percent: 80 -> ``("lo_80", "hi_80")``."""
    return f"lo_{float(level):g}", f"hi_{float(level):g}"


def check_length(y: np.ndarray, model: "Model", what: str = "the series") -> None:
    """Raise :class:`SeriesTooShortError` when ``y`` is shorter than ``model.min_obs``."""
    if len(y) < model.min_obs:
        raise SeriesTooShortError(
            f"{type(model).__name__} needs at least {model.min_obs} observations; {what} has {len(y)}. "
            "Use Naive() (min_obs 1) or let forecast() fall back."
        )


def _check_levels(level: Sequence[float]) -> list[float]:
    out = []
    for lv in level:
        lv = float(lv)
        if not 0 < lv < 100:
            raise ValueError(f"level must be in percent, strictly between 0 and 100; got {lv!r}.")
        out.append(lv)
    return out


def _check_quantiles(quantiles: Sequence[float]) -> list[float]:
    out = []
    for q in quantiles:
        q = float(q)
        if not 0 < q < 1:
            raise ValueError(f"quantiles must be probabilities strictly between 0 and 1; got {q!r}.")
        out.append(q)
    return out


class Model:
    """Base class: log handling, length checks, Gaussian intervals and joint sample paths.

    Parameters
    ----------
    log
        ``"auto"`` (model logs when every value is positive), ``True`` (always;
        raises on zeros or negatives) or ``False`` (levels).
    name
        Override the ``model`` column value (e.g. ``Drift(log=False, name="drift_level")``).
    """

    #: Value written to the ``model`` column.
    name: str = "model"
    #: Fewest observations the model accepts.
    min_obs: int = 1
    #: True for models that only make sense on logs (the engine skips them for series with zeros/negatives).
    needs_positive: bool = False
    #: True for models whose ``fit`` takes ``panel_growths=`` (the engine supplies the indicator's panel).
    uses_panel: bool = False
    #: True for models whose ``fit`` takes ``global_fit=`` (the engine fits one per group and origin year).
    uses_global: bool = False

    def __init__(self, log: bool | str = "auto", name: str | None = None):
        if log not in ("auto", True, False):
            raise ValueError(f"log must be 'auto', True or False; got {log!r}.")
        self.log = log
        if name is not None:
            self.name = str(name)

    def __repr__(self) -> str:
        args = []
        if self.log != "auto":
            args.append(f"log={self.log!r}")
        if self.name != type(self).name:
            args.append(f"name={self.name!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    # -- public API -----------------------------------------------------------------------------
    def fit(self, y: Sequence[float] | np.ndarray, **kwargs) -> "Model":
        """Fit the model to a 1-d array of annual values (oldest first) and return ``self``."""
        y = np.asarray(y, dtype=float)
        if y.ndim != 1:
            raise ValueError(f"{type(self).__name__}.fit expects a 1-d array; got shape {y.shape}.")
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{type(self).__name__}.fit got missing or infinite values; drop them first.")
        check_length(y, self)
        positive = bool(np.all(y > 0))
        if self.log is True and not positive:
            raise ValueError(f"{type(self).__name__}(log=True) needs positive values; the series has zeros or negatives.")
        if self.needs_positive and not positive:
            raise ValueError(f"{type(self).__name__} models growth on logs and needs positive values; "
                             "the series has zeros or negatives.")
        self.log_ = bool(positive and self.log in ("auto", True)) or (self.needs_positive and positive)
        self.n_obs_ = len(y)
        self.last_value_ = float(y[-1])
        x = np.log(y) if self.log_ else y
        self._fit(x, **kwargs)
        return self

    def forecast_scale(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Point forecast and error sd on the modelling scale (logs when ``log_``), each of length ``h``."""
        self._check_fitted()
        h = self._check_h(h)
        pt, sd = self._forecast(h)
        pt = np.asarray(pt, dtype=float).reshape(h)
        sd = np.maximum(np.asarray(sd, dtype=float).reshape(h), 0.0)
        return pt, sd

    def point(self, h: int) -> np.ndarray:
        """Point forecast on the value scale (the median when the model works on logs)."""
        pt, _ = self.forecast_scale(h)
        return self._inverse(pt)

    def predict(self, h: int, level: Sequence[float] = (), quantiles: Sequence[float] = ()) -> dict[str, np.ndarray]:
        """Point forecast plus Gaussian intervals on the modelling scale.

        Parameters
        ----------
        h
            Number of years ahead.
        level
            Interval levels in percent, e.g. ``(80, 95)`` -> keys ``lo_80, hi_80, lo_95, hi_95``.
        quantiles
            Probabilities, e.g. ``(0.1, 0.5, 0.9)`` -> keys ``q_10, q_50, q_90``.

        Returns
        -------
        dict
            ``mean`` plus the interval and quantile keys, each an array of length ``h``.
            For models on logs ``mean`` is the back-transformed point forecast (the median).
        """
        level = _check_levels(level)
        quantiles = _check_quantiles(quantiles)
        pt, sd = self.forecast_scale(h)
        out = {"mean": self._inverse(pt)}
        for lv in level:
            z = ndtri(0.5 + lv / 200)
            lo, hi = level_keys(lv)
            out[lo] = self._inverse(pt - z * sd)
            out[hi] = self._inverse(pt + z * sd)
        for q in quantiles:
            out[quantile_key(q)] = self._inverse(pt + ndtri(q) * sd)
        return out

    def sample(self, h: int, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """Joint sample paths, shape ``(n, h)``, on the value scale.

        Shocks accumulate over the horizon (a random-walk copula: the standardised
        error at horizon j is the scaled sum of j independent shocks), so a path that
        starts high tends to stay high, while each horizon's marginal matches
        :meth:`predict`.
        """
        if int(n) < 1:
            raise ValueError(f"n (number of paths) must be at least 1; got {n!r}.")
        pt, sd = self.forecast_scale(h)
        rng = np.random.default_rng(rng)
        z = cumulative_normals(rng, int(n), len(pt))
        return self._inverse(pt[None, :] + sd[None, :] * z)

    # -- hooks ----------------------------------------------------------------------------------
    def _fit(self, x: np.ndarray, **kwargs) -> None:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} does not implement _fit")

    def _forecast(self, h: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} does not implement _forecast")

    # -- helpers --------------------------------------------------------------------------------
    def _inverse(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.log_:
            return np.exp(np.clip(x, -700, 700))
        return x

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_obs_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call .fit(y) first.")

    @staticmethod
    def _check_h(h: int) -> int:
        if int(h) != h or int(h) < 1:
            raise ValueError(f"h (horizon in years) must be a positive integer; got {h!r}.")
        return int(h)


def cumulative_normals(rng: np.random.Generator, n: int, h: int) -> np.ndarray:
    """Standard-normal marginals with random-walk dependence: ``z_j = (e_1 + ... + e_j) / sqrt(j)``."""
    eps = rng.standard_normal((n, h))
    return np.cumsum(eps, axis=1) / np.sqrt(np.arange(1, h + 1))[None, :]


def diff_sd(x: np.ndarray, demean: bool = True) -> float:
    """Standard deviation of first differences (NaN with fewer than 2 differences when demeaned)."""
    d = np.diff(x)
    if demean:
        if len(d) < 2:
            return float("nan")
        return float(np.std(d, ddof=1))
    if len(d) < 1:
        return float("nan")
    return float(np.sqrt(np.mean(d ** 2)))
