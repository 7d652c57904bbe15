"""Optional post-hoc recalibration of feasibility probabilities (Platt scaling with the historical base rate).

``assess_targets`` reports the share of its sample paths (a 50/50 pool of the engine and peer growth)
as ``p_meet`` without any map: on the rolling-origin benchmark (``bench/feasibility.py``) that share is
reliable within 3 points in every decile, and every recalibration fitted on earlier outcomes lowered
its Brier skill (BENCHMARKS.md "Target feasibility"). This module stays for users who hold outcomes
of their own region's past targets and want a map fitted on them:

    logit p = a + b * logit(p_raw) + c * logit(base_rate)

per group of targets, where ``base_rate`` is the share of pooled annual growths (own and peer regions,
last :data:`~innovation_forecast.feasibility.POOL_YEARS` years) that reached the growth the target
needs -- the "historical frequency" of such a target. Groups: the target's basis kind (``level``,
``growth``, ``change`` for increment/pp) times horizon (``h1``: target year right after the latest
data, ``h2``: two or more years ahead). Platt (1999) on the model score, extended with the
climatology as a second input. Pass the fitted map as ``assess_targets(..., calibration=cal)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["FeasibilityCalibration", "calibration_group", "fit_calibration"]

_EPS = 0.005


def _logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def calibration_group(basis: str, h: int) -> str:
    """Group of a target for calibration: ``level_h1``, ``growth_h2``, ``change_h1``…"""
    kind = "level" if basis == "level" else "growth" if basis == "growth_pct" else "change"
    return f"{kind}_h{1 if int(h) <= 1 else 2}"


@dataclass
class FeasibilityCalibration:
    """Platt-with-base-rate maps per group; ``"all"`` is used for groups without their own.

    Attributes
    ----------
    coef
        ``{group: (a, b, c)}`` as in the module docstring, and ``{"<group>|p": (a, b, 0)}``: the map on
        ``logit(p_raw)`` alone, used when a target has no base rate.
    n
        Training pairs per group.
    fitted_on
        Free text saying which outcomes the map was fitted on.
    """

    coef: dict[str, tuple[float, float, float]]
    n: dict[str, int] = field(default_factory=dict)
    fitted_on: str = ""

    def apply(self, p_raw, base_rate, group) -> np.ndarray:
        """Recalibrated probabilities (arrays of equal length).

        Where ``base_rate`` is NaN (no peer growths to count) the group's p-only map (key ``"<group>|p"``,
        fitted without the base rate) is used, so a missing base rate is not read as a base rate of 0.5.
        """
        p_raw = np.atleast_1d(np.asarray(p_raw, dtype=float))
        base = np.atleast_1d(np.asarray(base_rate, dtype=float))
        groups = np.broadcast_to(np.asarray(group, dtype=object), p_raw.shape)
        out = p_raw.copy()
        has_base = np.isfinite(base)
        for g in set(groups.tolist()):
            for with_base in (True, False):
                m = (groups == g) & np.isfinite(p_raw) & (has_base if with_base else ~has_base)
                if not m.any():
                    continue
                if with_base:
                    a, b, c = self.coef.get(g, self.coef.get("all", (0.0, 1.0, 0.0)))
                    z = a + b * _logit(p_raw[m]) + c * _logit(base[m])
                else:
                    a, b, _ = self.coef.get(f"{g}|p", self.coef.get("all|p", (0.0, 1.0, 0.0)))
                    z = a + b * _logit(p_raw[m])
                out[m] = 1.0 / (1.0 + np.exp(-z))
        return out


def _fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 50) -> np.ndarray:
    """Newton-Raphson for a small ridge-penalised logistic regression (intercept first, unpenalised)."""
    X1 = np.column_stack([np.ones(len(X)), X])
    w = np.zeros(X1.shape[1])
    pen = np.full(X1.shape[1], l2 * len(X))
    pen[0] = 0.0
    for _ in range(iters):
        z = X1 @ w
        p = 1.0 / (1.0 + np.exp(-z))
        g = X1.T @ (p - y) + pen * w
        H = (X1 * (p * (1 - p))[:, None]).T @ X1 + np.diag(pen)
        step = np.linalg.solve(H + 1e-9 * np.eye(len(w)), g)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def fit_calibration(frame: pd.DataFrame, min_pairs: int = 200, fitted_on: str = "") -> FeasibilityCalibration:
    """Fit the per-group maps from past targets with known outcomes.

    Parameters
    ----------
    frame
        Columns ``p_raw`` (or ``p_meet_raw``), ``base_rate``, ``outcome`` (0/1), ``group``
        (see :func:`calibration_group`).
    min_pairs
        Fewest pairs for a group-specific map; smaller groups use the ``"all"`` map.

    Returns
    -------
    FeasibilityCalibration
    """
    pcol = "p_raw" if "p_raw" in frame.columns else "p_meet_raw"
    df = frame[frame[pcol].notna() & frame["outcome"].notna()]
    coef, n = {}, {}

    def fit(d):
        X = np.column_stack([_logit(d[pcol]), _logit(d["base_rate"].fillna(0.5))])
        return tuple(float(v) for v in _fit_logistic(X, d["outcome"].to_numpy(float)))

    def fit_p(d):
        a, b = _fit_logistic(_logit(d[pcol])[:, None], d["outcome"].to_numpy(float))
        return float(a), float(b), 0.0

    for g, d in [("all", df), *((str(k), v) for k, v in df.groupby("group"))]:
        if len(d) >= min_pairs and d["outcome"].nunique() == 2:
            wb = d[d["base_rate"].notna()]
            if len(wb) >= min_pairs and wb["outcome"].nunique() == 2:
                coef[g], n[g] = fit(wb), len(wb)
            coef[f"{g}|p"], n[f"{g}|p"] = fit_p(d), len(d)
    return FeasibilityCalibration(coef=coef, n=n, fitted_on=fitted_on)
