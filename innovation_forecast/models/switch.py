"""Feature-based switch away from the auto ensemble, in the spirit of FFORMA.

Montero-Manso, Athanasopoulos, Hyndman & Talagala (2020, *IJF*, "FFORMA: feature-based forecast model
averaging") learn, from series features, which forecasting method will do best on a series. Here the
learning data are the engine's own rolling-origin forecasts: for every in-sample origin ``k`` of every
series of a group, the loss of each single model and of the ensemble over the horizons scored there,

    loss = 0.5 sAPE / mean naive sAPE + 0.5 ASE / mean naive ASE   (the OWA of that origin's forecasts),

and the features of the series measured on its values up to ``k`` only (length, mean and volatility
of log changes, their ratio, share of falls, the last change and last three changes against the
mean change, linear fit R^2, curvature, lag-1 autocorrelation of changes, mean absolute change over
the mean level, where the last value sits in the range seen, and how much the single models'
forecasts disagree). One gradient-boosted regression per single model predicts its loss minus the
ensemble's from the features. At the forecast origin a series leaves the ensemble for the single
model with the lowest predicted difference only when that difference is below ``-margin``:
learned weights over all models (FFORMA proper) and switching on any predicted gain were worse on
the M3 hold-out; a clear predicted gain moves a few series (13–25 per M3 hold-out cut, 31 of 645 at
the final origin) that the median of candidates fits badly. Caveat: on M3's test part the switch made
sMAPE / MASE worse (15.513 / 2.601 -> 15.722 / 2.730) although seven in-sample hold-out cuts improved.
The engine therefore leaves it off by default; ``calibrate(panel, h, switch=True)`` learns it and
``forecast(panel, h, calibration=cal)`` applies it, for large groups of series where a user's own
hold-out favours it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEATURES = ("log_n", "mean_change", "sd_change", "change_snr", "share_falls", "last_vs_mean",
            "last3_vs_mean", "r2_linear", "curvature", "acf1_change", "mase_scale_rel", "last_in_range",
            "disagreement")


def series_features(y: np.ndarray, forecasts: np.ndarray | None = None) -> np.ndarray:
    """Features of a series ``y`` (values up to an origin) and of its models' forecasts there.

    ``forecasts`` is ``(models, horizons)``; ``disagreement`` is the mean over horizons of the
    models' spread (sd of log forecasts of a positive series, of forecasts / mean |y| otherwise)
    in units of the volatility of changes. Changes are log changes for a positive series and
    changes / mean |y| otherwise.
    """
    y = np.asarray(y, float)
    n = len(y)
    pos = bool(n and np.all(y > 0))
    norm = float(np.mean(np.abs(y))) if n else 1.0
    norm = norm if norm > 0 else 1.0
    x = np.log(y) if pos else y / norm
    d = np.diff(x)
    sd = float(np.std(d)) if len(d) > 1 else 0.0
    md = float(np.mean(d)) if len(d) else 0.0
    t = np.arange(n)
    r2, curv = 0.0, 0.0
    if n >= 3:
        b = np.polyfit(t, x, 1)
        r = x - np.polyval(b, t)
        r2 = 1 - float(np.var(r)) / (float(np.var(x)) + 1e-12)
        curv = float(np.polyfit(t / max(n - 1, 1), x, 2)[0]) / (sd + 1e-3)
    acf1 = float(np.corrcoef(d[:-1], d[1:])[0, 1]) if len(d) > 3 and np.std(d[:-1]) > 0 and np.std(d[1:]) > 0 \
        else 0.0
    rng = float(x.max() - x.min()) if n else 0.0
    dis = 0.0
    if forecasts is not None and np.size(forecasts):
        f = np.asarray(forecasts, float)
        fx = np.log(np.maximum(f, 1e-9)) if pos else f / norm
        with np.errstate(all="ignore"):
            s = np.nanstd(np.where(np.isfinite(fx), fx, np.nan), axis=0)
        dis = float(np.nanmean(s)) / (sd + 1e-3) if np.isfinite(s).any() else 0.0
    return np.array([
        np.log(max(n, 1)), md, sd, md / (sd + 1e-3), float(np.mean(d < 0)) if len(d) else 0.5,
        (d[-1] - md) / (sd + 1e-3) if len(d) else 0.0,
        (float(np.mean(d[-3:])) - md) / (sd + 1e-3) if len(d) else 0.0,
        r2, curv, acf1 if np.isfinite(acf1) else 0.0,
        float(np.mean(np.abs(np.diff(y)))) / norm if n >= 2 else 0.0,
        (x[-1] - x.min()) / (rng + 1e-12) if n else 0.5, dis,
    ])


@dataclass
class SwitchRule:
    """Learned switch for one calibration group (see the module docstring).

    ``models`` are the single models it may switch to, ``regressors[i]`` predicts ``models[i]``'s
    loss minus the ensemble's from standardised features (``mu``, ``sd``; clipped at +-4).
    """

    ensemble: str
    models: list
    regressors: list
    mu: np.ndarray
    sd: np.ndarray
    margin: float
    n_rows: int = 0
    n_series: int = 0

    def predict(self, feats: np.ndarray) -> np.ndarray:
        """Predicted loss difference (model - ensemble), rows x models."""
        z = np.clip((np.atleast_2d(feats) - self.mu) / self.sd, -4, 4)
        return np.column_stack([r.predict(z) for r in self.regressors])

    def choose(self, y: np.ndarray, finals: dict) -> str | None:
        """The single model a series with values ``y`` and final forecasts ``finals`` ({name: array})
        should use instead of the ensemble, or None to keep the ensemble."""
        return self.choose_many([y], [finals])[0]

    def choose_many(self, ys: list, finals: list) -> list:
        """:meth:`choose` for many series at once (one prediction per regressor)."""
        out: list = [None] * len(ys)
        rows, avail = [], []
        for i, (y, fin) in enumerate(zip(ys, finals)):
            ok = [m in fin and bool(np.all(np.isfinite(fin[m]))) for m in self.models]
            if not any(ok):
                continue
            fc = np.vstack([fin[m] for m in self.models if m in fin])
            rows.append((i, series_features(y, fc)))
            avail.append(ok)
        if not rows:
            return out
        gains = self.predict(np.vstack([f for _, f in rows]))
        gains = np.where(np.array(avail), gains, np.inf)
        for (i, _), g in zip(rows, gains):
            best = int(np.argmin(g))
            if g[best] < -self.margin:
                out[i] = self.models[best]
        return out


def fit_switch(feats: np.ndarray, losses: np.ndarray, models: list, ensemble: str, margin: float,
               n_series: int = 0, seed: int = 0) -> SwitchRule:
    """Fit a :class:`SwitchRule` from per-origin features (rows x FEATURES) and losses
    (rows x (models + ensemble last)); rows where a model has no forecast hold NaN."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    feats = np.asarray(feats, float)
    mu = feats.mean(axis=0)
    sd = feats.std(axis=0) + 1e-9
    z = np.clip((feats - mu) / sd, -4, 4)
    regs, kept = [], []
    for i, m in enumerate(models):
        t = losses[:, i] - losses[:, -1]
        ok = np.isfinite(t)
        if ok.sum() < 100:
            continue
        r = HistGradientBoostingRegressor(max_iter=100, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=50,
                                          early_stopping=False, random_state=seed)
        r.fit(z[ok], t[ok])
        regs.append(r)
        kept.append(m)
    return SwitchRule(ensemble, kept, regs, mu, sd, float(margin), n_rows=len(feats), n_series=n_series)
