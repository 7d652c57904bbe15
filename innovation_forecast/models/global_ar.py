"""A global autoregression: one linear model fitted across every series of a group."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import Model

__all__ = ["GlobalAR", "GlobalFit"]


class GlobalFit:
    """Direct multi-horizon coefficients fitted on windows pooled over many series.

    One regression per window length ``p = 2 .. lags`` (a series shorter than ``lags`` uses the
    one of its own length).

    Attributes
    ----------
    coef
        ``{p: (h, p) array}``: for horizon ``j`` the intercept and the weights of the ``p - 1``
        normalised past changes (see :class:`GlobalAR`); a row of NaN where horizon ``j`` had too
        few windows.
    sigma
        ``{p: (h,) array}`` residual standard deviation of each horizon's regression (normalised units).
    n_windows
        ``{p: (h,) array}`` number of windows each horizon was fitted on.
    """

    __slots__ = ("coef", "sigma", "n_windows")

    def __init__(self, coef: dict, sigma: dict, n_windows: dict):
        self.coef = coef
        self.sigma = sigma
        self.n_windows = n_windows

    def __repr__(self) -> str:
        return f"GlobalFit(lags={sorted(self.coef)}, n_windows={ {p: v.tolist() for p, v in self.n_windows.items()} })"

    def horizons(self, p: int) -> int:
        """Number of leading horizons with a usable fit for windows of length ``p`` (0 if none)."""
        if p not in self.coef:
            return 0
        ok = np.isfinite(self.coef[p]).all(axis=1)
        return int(np.argmin(ok)) if not ok.all() else len(ok)


class GlobalAR(Model):
    """Direct multi-horizon ridge autoregression pooled over a group of series.

    After Montero-Manso & Hyndman (2021, "Principles and algorithms for forecasting groups of
    time series: locality and globality", *IJF* 37(4)): a single linear autoregression fitted on
    windows of every series in a collection, each window normalised by its own last value (and
    scale), competes with per-series models on short yearly series.

    For a window ending at ``t`` (on logs, ``x = log y``)::

        inputs   u_k = (x_{t-k} - x_t) / s_t,   k = 1 .. lags - 1
        targets  v_j = (x_{t+j} - x_t) / s_t,   j = 1 .. h

    where ``s_t`` is the mean absolute change of ``x`` up to ``t`` (``norm="change"``, on logs and
    levels alike: a window is measured in its own series' typical annual changes), the mean absolute
    value up to ``t`` (``norm="level"``) or 1 (``norm="none"``, log ratios as they are). Inputs are
    clipped to ``[-clip, clip]`` and targets to ``[-j clip, j clip]`` so that a series with one
    outlying year cannot steer the pooled fit. One ridge regression per horizon ``j`` (intercept
    unpenalised) is fitted on the windows of every series of the group, and the forecast is
    ``x_T + s_T * (b_j0 + sum_k b_jk u_k)``; its model sd is ``s_T`` times the horizon's residual sd.

    :func:`innovation_forecast.forecast.forecast` fits the pooled regressions per indicator group
    and forecast origin with :meth:`pooled_fits` (a window counts for horizon ``j`` at origin year
    ``Y`` only when its target year ``t + j <= Y``) and passes the one for the series' origin as
    ``fit(y, global_fit=...)``. Without ``global_fit`` the model fits the regression on the
    series' own windows, which needs a long series.

    Parameters
    ----------
    lags
        Window length ``L``: the last value and ``L - 1`` past values relative to it. Shorter series
        (at least 2 values) use regressions fitted on windows of their own length.
    ridge
        Ridge penalty on the slopes, per window (the penalty is ``ridge * n_windows``).
    log
        ``True`` (default; positive series only, every window on logs) or ``False`` (levels).
        One transformation for the whole group, so ``"auto"`` is not accepted.
    norm
        Window scale ``s_t``: ``"change"``, ``"level"`` or ``"none"`` (see above).
    scale_window
        Changes (or values) before ``t`` that ``s_t`` averages over; None = the whole history.
    clip
        Bound on the normalised inputs (targets: ``j`` times it); None = no clipping.
    max_h
        Horizons fitted when the model fits the series' own windows (without ``global_fit``).
    min_windows
        Fewest windows a horizon's regression needs.
    """

    name = "global_ar"
    uses_global = True

    def __init__(self, lags: int = 6, ridge: float = 1.0, log: bool = True, norm: str = "change",
                 scale_window: int | None = None, clip: float | None = 5.0,
                 max_h: int = 10, min_windows: int = 20, name: str | None = None):
        if log not in (True, False):
            raise ValueError(f"GlobalAR log must be True or False (one transformation for the whole group); got {log!r}.")
        if norm not in ("none", "change", "level"):
            raise ValueError(f"norm must be 'none', 'change' or 'level'; got {norm!r}.")
        if int(lags) < 2:
            raise ValueError(f"lags must be at least 2; got {lags!r}.")
        super().__init__(log=log, name=name)
        self.lags = int(lags)
        self.ridge = float(ridge)
        self.norm = norm
        self.scale_window = None if scale_window is None else int(scale_window)
        self.clip = None if clip is None else float(clip)
        self.max_h = int(max_h)
        self.min_windows = int(min_windows)
        self.min_obs = 2
        self.needs_positive = bool(log)

    # -- the pooled regression ------------------------------------------------------------------
    def _scales(self, x: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Normalising scale of the windows of ``x`` ending at positions ``ends``."""
        if self.norm == "none":
            return np.ones(len(ends))
        w = self.scale_window if self.scale_window else len(x)
        start = np.maximum(ends - max(w, 1), 0)
        lev = np.concatenate([[0.0], np.cumsum(np.abs(x))])
        mlev = (lev[ends + 1] - lev[start]) / (ends + 1 - start)
        if self.norm == "level":
            return mlev
        ch = np.concatenate([[0.0, 0.0], np.cumsum(np.abs(np.diff(x)))])
        cnt = ends - start
        mch = np.where(cnt > 0, (ch[ends + 1] - ch[start + 1]) / np.maximum(cnt, 1), 0.0)
        floor = 0.01 if self.log else 0.01 * mlev
        return np.where(mch > 0, mch, floor)

    def _inputs(self, x: np.ndarray, ends: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
        """(design rows with intercept, scales) of the length-``p`` windows of ``x`` ending at ``ends``."""
        s = self._scales(x, ends)
        idx = ends[:, None] - np.arange(1, p)[None, :]
        u = (x[idx] - x[ends][:, None]) / s[:, None]
        if self.clip:
            u = np.clip(u, -self.clip, self.clip)
        return np.hstack([np.ones((len(ends), 1)), u]), s

    def windows(self, x: np.ndarray, h: int, p: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Design rows, targets ``(n, h)`` (NaN past the series' end) and window end positions of one series.

        ``x`` is on the modelling scale (logs when ``log=True``); ``p`` is the window length
        (default ``lags``).
        """
        n, L = len(x), self.lags if p is None else int(p)
        if n < L + 1:
            return np.empty((0, L)), np.empty((0, h)), np.empty(0, int)
        ends = np.arange(L - 1, n - 1)
        X, s = self._inputs(x, ends, L)
        idx = ends[:, None] + np.arange(1, h + 1)[None, :]
        fut = np.where(idx < n, x[np.minimum(idx, n - 1)], np.nan)
        T = (fut - x[ends][:, None]) / s[:, None]
        if self.clip:
            T = np.clip(T, -self.clip * np.arange(1, h + 1), self.clip * np.arange(1, h + 1))
        ok = np.isfinite(X).all(axis=1) & (s > 0)
        return X[ok], T[ok], ends[ok]

    def pooled_fits(self, series: Sequence[tuple[np.ndarray, np.ndarray]], h: int,
                    at: Sequence[int] | None = None) -> dict:
        """Pooled regressions at every origin year, using only windows whose targets are known by then.

        Parameters
        ----------
        series
            ``(years, values)`` pairs (consecutive integer years, values on the original scale);
            series with zeros or negatives are skipped on logs.
        h
            Horizons to fit.
        at
            Origin years to fit at (default: every year of any series).

        Returns
        -------
        dict
            ``{year: GlobalFit}``; horizon ``j``'s rows at year ``Y`` come from windows with
            ``end year + j <= Y``.
        """
        xs, all_years = [], set()
        for years, y in series:
            y = np.asarray(y, float)
            years = np.asarray(years, int)
            all_years.update(years.tolist())
            if self.log:
                if not np.all(y > 0):
                    continue
                xs.append((years, np.log(y)))
            else:
                xs.append((years, y))
        at = sorted(all_years) if at is None else sorted(set(int(a) for a in at))
        at_arr = np.asarray(at, int)
        coefs = [dict() for _ in at]
        sigs = [dict() for _ in at]
        nwins = [dict() for _ in at]
        for p in range(2, self.lags + 1):
            parts = [(self.windows(x, h, p), years) for years, x in xs]
            parts = [(X, T, years[e]) for (X, T, e), years in parts if len(X)]
            c = np.full((len(at), h, p), np.nan)
            sg = np.full((len(at), h), np.nan)
            nw = np.zeros((len(at), h), int)
            if parts:
                X = np.vstack([q[0] for q in parts])
                T = np.vstack([q[1] for q in parts])
                E = np.concatenate([q[2] for q in parts])
                self._solve(X, T, E, at_arr, c, sg, nw)
            for i in range(len(at)):
                coefs[i][p], sigs[i][p], nwins[i][p] = c[i], sg[i], nw[i]
        return {int(yr): GlobalFit(coefs[i], sigs[i], nwins[i]) for i, yr in enumerate(at)}

    def _solve(self, X, T, E, at, coefs, sig, nwin) -> None:
        """Ridge fits at every origin year ``at`` from cumulative sums over windows sorted by target year."""
        p = X.shape[1]
        pen = np.eye(p)
        pen[0, 0] = 0.0
        outer = X[:, :, None] * X[:, None, :]
        for j in range(T.shape[1]):
            ok = np.isfinite(T[:, j])
            tyear = E[ok] + j + 1
            order = np.argsort(tyear, kind="stable")
            tyear = tyear[order]
            Xj, tj, oj = X[ok][order], T[ok, j][order], outer[ok][order]
            cxx = np.cumsum(oj, axis=0)
            cxy = np.cumsum(Xj * tj[:, None], axis=0)
            cyy = np.cumsum(tj ** 2)
            cnt = np.searchsorted(tyear, at, side="right")
            for i, m in enumerate(cnt):
                nwin[i, j] = m
                if m < max(self.min_windows, p + 1):
                    continue
                b = np.linalg.solve(cxx[m - 1] + self.ridge * m * pen, cxy[m - 1])
                rss = cyy[m - 1] - 2 * b @ cxy[m - 1] + b @ cxx[m - 1] @ b
                coefs[i, j] = b
                sig[i, j] = np.sqrt(max(rss, 0.0) / max(m - p, 1))

    # -- the per-series hooks -------------------------------------------------------------------
    def _fit(self, x: np.ndarray, global_fit: GlobalFit | None = None) -> None:
        n = len(x)
        p = min(n, self.lags)
        if global_fit is None:
            y = np.exp(x) if self.log_ else x
            global_fit = self.pooled_fits([(np.arange(n), y)], self.max_h, at=[n - 1]).get(n - 1)
            if global_fit is None or global_fit.horizons(p) == 0:
                raise ValueError(f"GlobalAR: a series of {n} values has too few windows to fit on its own "
                                 f"(needs {self.min_windows} per horizon); pass global_fit= from pooled_fits().")
        if not isinstance(global_fit, GlobalFit):
            raise TypeError(f"global_fit must be a GlobalFit from GlobalAR.pooled_fits(); got {type(global_fit).__name__}.")
        if global_fit.horizons(p) == 0:
            raise ValueError(f"GlobalAR: the pooled fit has no regression for windows of {p} values at this origin "
                             "(too few windows).")
        row, s = self._inputs(x, np.array([n - 1]), p)
        self.s_ = float(s[0])
        if not (np.isfinite(self.s_) and self.s_ > 0):
            raise ValueError("GlobalAR: the last window has no scale (constant at zero).")
        self.p_ = p
        self.avail_ = global_fit.horizons(p)
        self.last_ = float(x[-1])
        self.pred_ = global_fit.coef[p] @ row[0]
        self.sig_ = global_fit.sigma[p]

    def _forecast(self, h: int):
        if h > self.avail_:
            raise ValueError(f"GlobalAR was fitted for {self.avail_} horizon(s) at this origin; {h} asked.")
        return self.last_ + self.s_ * self.pred_[:h], self.s_ * self.sig_[:h]
