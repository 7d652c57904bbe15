"""Forecast combinations: the median or trimmed mean of several member models."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import Model

__all__ = ["Combination", "combine_points"]


def combine_points(points: np.ndarray, method: str = "median", trim: float = 0.2) -> np.ndarray:
    """Combine member point forecasts, shape ``(members, h)``, into one row of length ``h``."""
    points = np.asarray(points, dtype=float)
    if method == "median":
        return np.median(points, axis=0)
    if method == "mean":
        return points.mean(axis=0)
    if method == "trimmed":
        m = points.shape[0]
        k = int(np.floor(trim * m))
        s = np.sort(points, axis=0)
        return s[k: m - k].mean(axis=0) if m - 2 * k > 0 else np.median(points, axis=0)
    raise ValueError(f"method must be 'median', 'mean' or 'trimmed'; got {method!r}.")


class Combination(Model):
    """Equal-weight combination of member models, on the modelling (log) scale.

    Combining a few trend-type methods is the most reliable single improvement for
    short yearly series (Makridakis & Hibon 2000; Petropoulos & Svetunkov 2020;
    Hyndman's 2018 "forecast ensemble benchmark"). The median (or a trimmed mean)
    protects against one member's runaway trend.

    Members that cannot be fitted on a series (too short, zeros for log-only models,
    numerical failure) are left out; at least two must remain.

    Parameters
    ----------
    members
        Model instances (unfitted).
    method
        ``"median"`` (default), ``"trimmed"`` (mean after dropping ``trim`` of each end) or ``"mean"``.
    name
        Value for the ``model`` column (default ``"combo"``).
    """

    def __init__(self, members: Sequence[Model], method: str = "median", trim: float = 0.2,
                 name: str = "combo", log: bool | str = "auto"):
        super().__init__(log=log, name=name)
        if len(members) < 2:
            raise ValueError(f"A Combination needs at least two members; got {len(members)}.")
        combine_points(np.zeros((2, 1)), method, trim)  # validate method early
        self.members = list(members)
        self.method = method
        self.trim = float(trim)
        mins = sorted(m.min_obs for m in self.members)
        self.min_obs = mins[1]  # at least two members must be fittable

    def __repr__(self) -> str:
        inner = ", ".join(repr(m) for m in self.members)
        return f"Combination([{inner}], method={self.method!r}, name={self.name!r})"

    @property
    def member_names(self) -> list[str]:
        return [m.name for m in self.members]

    def _fit(self, x: np.ndarray, **kwargs) -> None:
        y = np.exp(x) if self.log_ else x
        fitted = []
        for m in self.members:
            if len(y) < m.min_obs:
                continue
            try:
                kw = kwargs if m.uses_panel else {}
                fitted.append(m.fit(y, **kw))
            except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                continue
        if len(fitted) < 2:
            raise ValueError(f"Combination {self.name!r}: fewer than two members could be fitted "
                             f"on a series of {len(y)} values.")
        self.fitted_ = fitted

    def _forecast(self, h: int):
        pts, sds = [], []
        for m in self.fitted_:
            pt, sd = m.forecast_scale(h)
            if m.log_ == self.log_:
                pts.append(pt)
                sds.append(sd)
                continue
            # bring a member on the other scale to ours (delta method for the sd)
            val = np.exp(pt) if m.log_ else pt
            if self.log_:
                val = np.maximum(val, 1e-12)
                pts.append(np.log(val))
                sds.append(sd / val if not m.log_ else sd)
            else:
                pts.append(val)
                sds.append(sd * val)
        pt = combine_points(np.vstack(pts), self.method, self.trim)
        return pt, np.median(np.vstack(sds), axis=0)
