"""Contract tests: every model honours the one interface (fit / predict / sample / min_obs)."""

from __future__ import annotations

import numpy as np
import pytest

from innovation_forecast.errors import SeriesTooShortError
from innovation_forecast.models import (
    ARIMA,
    CES,
    ETS,
    Combination,
    Drift,
    DynamicOptimizedTheta,
    GlobalAR,
    LogLinearTrend,
    Naive,
    PooledGrowth,
    RobustTrend,
    Theta,
)


def all_models():
    return [
        Naive(), Drift(), Drift(log=False, name="drift_level"), RobustTrend(), LogLinearTrend(),
        ETS(), ETS(log=False, name="ets_level"), ETS(trend="auto", name="ets_auto"),
        ETS(init="optimal", name="ets_opt"), Theta(), DynamicOptimizedTheta(), ARIMA(), PooledGrowth(),
        Theta(optimizer="nelder-mead", name="theta_nm"), DynamicOptimizedTheta(optimizer="nelder-mead", name="dotm_nm"),
        CES(), CES(log=False, name="ces_level"), ETS(engine="autoets", log=False, name="autoets"),
        Combination([ETS(), Theta(), Drift()], name="combo"),
        Combination([ETS(), Theta(), Drift(), ARIMA()], method="mean", name="combo_mean"),
        GlobalAR(), GlobalAR(log=False, name="global_ar_level"),
    ]


def growth_panel(n_series=40, n_years=20, seed=5):
    """``(years, values)`` pairs of noisy exponential growth, for the global model's pooled fits."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_series):
        g, s = rng.uniform(0.03, 0.12), rng.uniform(0.02, 0.08)
        out.append((np.arange(2000, 2000 + n_years), 500 * np.exp(np.cumsum(g + s * rng.standard_normal(n_years)))))
    return out


def _fit(model, y):
    if model.uses_panel:
        return model.fit(y, panel_growths=[0.05, 0.08, 0.1, 0.12, 0.07], panel_volatility=0.05)
    if model.uses_global:
        return model.fit(y, global_fit=model.pooled_fits(growth_panel(), h=6)[2019])
    return model.fit(y)


@pytest.fixture
def series():
    rng = np.random.default_rng(3)
    return 1000 * np.exp(np.cumsum(0.08 + 0.05 * rng.standard_normal(14)))


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.name)
def test_predict_shapes_and_keys(model, series):
    out = _fit(model, series).predict(h=4, level=(80, 95), quantiles=(0.1, 0.5, 0.9))
    assert set(out) == {"mean", "lo_80", "hi_80", "lo_95", "hi_95", "q_10", "q_50", "q_90"}
    assert all(v.shape == (4,) for v in out.values())
    assert all(np.all(np.isfinite(v)) for v in out.values())


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.name)
def test_quantiles_monotone_and_nested(model, series):
    out = _fit(model, series).predict(h=5, level=(50, 80, 95), quantiles=(0.05, 0.25, 0.5, 0.75, 0.95))
    q = np.vstack([out[k] for k in ("q_5", "q_25", "q_50", "q_75", "q_95")])
    assert np.all(np.diff(q, axis=0) >= -1e-9)
    assert np.all(out["lo_95"] <= out["lo_80"]) and np.all(out["lo_80"] <= out["lo_50"])
    assert np.all(out["hi_50"] <= out["hi_80"]) and np.all(out["hi_80"] <= out["hi_95"])
    assert np.all(out["lo_80"] <= out["mean"] + 1e-9) and np.all(out["mean"] <= out["hi_80"] + 1e-9)
    # uncertainty grows (weakly) with the horizon
    width = out["hi_80"] / out["lo_80"]
    assert np.all(np.diff(width) >= -1e-9)


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.name)
def test_sample_shape_and_seed(model, series):
    m = _fit(model, series)
    a = m.sample(3, 500, rng=7)
    b = m.sample(3, 500, rng=7)
    assert a.shape == (500, 3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, m.sample(3, 500, rng=8))
    # the sample median sits near the point forecast (log models: the point is the median)
    np.testing.assert_allclose(np.median(a, axis=0), m.predict(3)["mean"], rtol=0.05)


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.name)
def test_fit_is_deterministic(model, series):
    a = _fit(model, series).predict(3, level=(80,))
    b = _fit(model, series).predict(3, level=(80,))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("model", [m for m in all_models() if m.min_obs > 1], ids=lambda m: m.name)
def test_min_obs_error(model, series):
    with pytest.raises(SeriesTooShortError, match=f"at least {model.min_obs}"):
        model.fit(series[: model.min_obs - 1])
    _fit(model, series[: model.min_obs])  # exactly min_obs is enough


def test_one_point_models_are_naive_and_the_pooled_growth():
    np.testing.assert_allclose(Naive().fit([5.0]).predict(2)["mean"], [5.0, 5.0])
    assert {type(m).__name__ for m in all_models() if m.min_obs == 1} == {"Naive", "PooledGrowth"}


def test_pooled_growth_of_one_value_is_the_panels_growth():
    panel = np.random.default_rng(3).normal(0.10, 0.04, size=31)
    m = PooledGrowth().fit([50.0], panel_growths=panel, panel_volatility=0.05)
    assert m.weight_ == 0 and m.growth_ == pytest.approx(np.median(panel))
    np.testing.assert_allclose(m.predict(2)["mean"], 50 * np.exp(np.median(panel) * np.array([1, 2])))
    # the growth is uncertain by the panel's spread: the log half-width at 2 years exceeds a random walk's
    # sqrt(2) x that at 1 year
    f = m.predict(2, level=(80,))
    half = np.log(f["hi_80"]) - np.log(f["mean"])
    assert half[1] > np.sqrt(2) * half[0] * 1.01
    # without a panel there is nothing to borrow: a random walk
    np.testing.assert_allclose(PooledGrowth().fit([50.0]).predict(2)["mean"], [50.0, 50.0])


def test_log_models_reject_nonpositive_series():
    y = np.array([3.0, 0.0, 4.0, 6.0, 7.0])
    with pytest.raises(ValueError, match="positive"):
        LogLinearTrend().fit(y)
    with pytest.raises(ValueError, match="positive"):
        PooledGrowth().fit(y)
    # the others fall back to levels
    assert not Drift().fit(y).log_
    assert Drift().fit(y).predict(1)["mean"][0] == pytest.approx(7 + 1.0)


def test_drift_and_naive_formulas():
    y = np.array([10.0, 12.0, 15.0, 19.0])
    d = Drift(log=False).fit(y)
    np.testing.assert_allclose(d.predict(2)["mean"], [22.0, 25.0])
    n = Naive(log=False).fit(y)
    np.testing.assert_allclose(n.predict(2)["mean"], [19.0, 19.0])
    # naive sd = root mean square of the differences, growing with sqrt(h)
    sd = np.sqrt(np.mean(np.diff(y) ** 2))
    out = n.predict(2, level=(95,))
    np.testing.assert_allclose(out["hi_95"] - 19.0, 1.959964 * sd * np.sqrt([1, 2]), rtol=1e-5)


def test_ets_engines_follow_a_smooth_trend():
    y = 100 * 1.07 ** np.arange(15) * (1 + 0.01 * np.sin(np.arange(15)))
    truth = 100 * 1.07 ** np.arange(15, 18)
    for engine in ("fast", "statsmodels"):
        m = ETS(engine=engine).fit(y)
        assert 0.8 <= m.phi_ <= 1
        np.testing.assert_allclose(m.predict(3)["mean"], truth, rtol=0.06)


def test_theta_on_a_line_extrapolates_with_half_the_slope_or_more():
    y = 50 + 5.0 * np.arange(12)
    th = Theta(log=False).fit(y).predict(3)["mean"]
    assert np.all(np.diff(th) > 0)
    assert np.all(th > y[-1])
    # theta = 2 halves the slope at long horizons; DOTM may choose a larger theta and keep more of it
    dotm = DynamicOptimizedTheta(log=False).fit(y).predict(3)["mean"]
    assert np.all(np.diff(dotm) >= 2.5) and np.all(np.diff(dotm) <= 5.5)
    assert np.all(np.diff(th) >= 2.5 - 1e-9)


def test_nelder_mead_respects_bounds_and_finds_the_constrained_minimum():
    from innovation_forecast.models.theta import nelder_mead

    x, fx, it = nelder_mead(lambda p: (p[0] - 3) ** 2 + (p[1] + 1) ** 2, [1.0, 2.0], [-10, 0.0], [10, 10],
                            tol_std=1e-12)
    assert x[1] >= 0 and it < 1000
    np.testing.assert_allclose(x, [3.0, 0.0], atol=1e-3)
    assert fx == pytest.approx(1.0, abs=1e-5)


def test_theta_nelder_mead_is_statsforecasts_fit():
    """Initial level, alpha in [0.1, 0.99] and theta >= 1 minimise the one-step SSE after 3 burn-in errors."""
    from innovation_forecast.models.theta import _sse_from

    rng = np.random.default_rng(5)
    y = 100 + np.cumsum(4 + 3 * rng.standard_normal(20))
    m = DynamicOptimizedTheta(optimizer="nelder-mead", log=False).fit(y)
    assert 0.1 <= m.alpha_ <= 0.99 and m.theta_ >= 1
    ys = [float(v) for v in y]
    fitted = _sse_from(ys, m.init_level_, m.alpha_, m.theta_, True, ys[0], 0.0)
    start = _sse_from(ys, ys[0] / 2, 0.5, 2.0, True, ys[0], 0.0)
    assert fitted < start
    # no nearby point of the grid of the three parameters does better (a local minimum)
    for dc, da, dt in [(1, 0, 0), (-1, 0, 0), (0, 0.01, 0), (0, -0.01, 0), (0, 0, 0.05), (0, 0, -0.05)]:
        a, t = min(max(m.alpha_ + da, 0.1), 0.99), max(m.theta_ + dt, 1.0)
        assert _sse_from(ys, m.init_level_ + dc, a, t, True, ys[0], 0.0) >= fitted * (1 - 1e-3)
    # the forecast continues the recent trend
    f = m.predict(4)["mean"]
    assert np.all(np.diff(f) > 0) and f[0] > y[-1] - 10
    # the standard Theta method keeps theta = 2 with the same optimiser
    assert Theta(optimizer="nelder-mead", log=False).fit(y).theta_ == 2.0


def test_autoets_chooses_error_and_trend_by_aicc():
    from innovation_forecast.models.ets import _sf_fit_one

    rng = np.random.default_rng(11)
    trend = 100 + 8 * np.arange(20) + 2 * rng.standard_normal(20)
    m = ETS(engine="autoets", log=False).fit(trend)
    assert m.kind_ in ("linear", "damped") and m.error_ in ("A", "M")
    assert 1e-4 <= m.alpha_ <= 0.9999 and 0.8 <= m.phi_ <= 1.0
    # the chosen model has the lowest AICc of the six fitted
    y = [float(v) for v in trend]
    fits = [_sf_fit_one(y, trend, mult, tr, dp) for mult in (False, True)
            for tr, dp in ((False, False), (True, True), (True, False))]
    best = min(fits, key=lambda f: f[0])
    assert (best[1], best[2]) == (m.error_, m.kind_)
    np.testing.assert_allclose(m.predict(3)["mean"], 100 + 8 * np.arange(20, 23), rtol=0.03)
    # a flat noisy series gets no trend; a series with a zero gets additive errors only
    flat = 50 + rng.standard_normal(20)
    assert ETS(engine="autoets", log=False).fit(flat).kind_ == "none"
    with_zero = np.concatenate([[0.0], flat[1:]])
    assert ETS(engine="autoets", log=False).fit(with_zero).error_ == "A"


def test_ces_fit_is_statsforecasts_autoces():
    """(a0, a1) within StatsForecast's bounds, a local minimum of n log SSE after backfitting the states."""
    from innovation_forecast.models.ces import _backfit

    rng = np.random.default_rng(7)
    y = 200 + np.cumsum(6 + 4 * rng.standard_normal(18))
    m = CES(log=False).fit(y)
    assert 0.01 <= m.a0_ <= 1.8 and 0.01 <= m.a1_ <= 1.9
    ys = [float(v) for v in y]
    l0 = float(np.mean(y[:10]))
    fitted = _backfit(ys, m.a0_, m.a1_, l0, l0 / 1.1)[0]
    assert fitted < _backfit(ys, 1.3, 1.0, l0, l0 / 1.1)[0]
    for d0, d1 in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        a0, a1 = min(max(m.a0_ + d0, 0.01), 1.8), min(max(m.a1_ + d1, 0.01), 1.9)
        assert _backfit(ys, a0, a1, l0, l0 / 1.1)[0] >= fitted * (1 - 1e-3)
    # the backfitted initial level sits near the start of the series, not at the mean of the first 10 values
    assert abs(m.init_[0] - y[0]) < abs(l0 - y[0])
    # a trending series gets a trending forecast, with error sd growing with the horizon
    pt, sd = m.forecast_scale(5)
    assert np.all(np.diff(pt) > 0) and pt[0] > y[-1] - 20
    assert np.all(np.diff(sd) > 0)


def test_arima_order_search_picks_ar_on_autocorrelated_growth():
    rng = np.random.default_rng(0)
    w = np.zeros(40)
    for t in range(1, 40):
        w[t] = 0.7 * w[t - 1] + 0.02 * rng.standard_normal()
    y = np.exp(np.cumsum(0.03 + w))
    m = ARIMA().fit(y)
    assert m.order_[0] >= 1


def test_pooled_growth_shrinks_short_series_toward_panel():
    y = np.array([100.0, 140.0, 190.0, 260.0])  # ~ +30 % a year, 3 growth rates
    own = np.mean(np.diff(np.log(y)))
    panel = np.random.default_rng(1).normal(0.08, 0.02, size=31)
    m = PooledGrowth().fit(y, panel_growths=panel, panel_volatility=0.05)
    assert 0 < m.weight_ < 1
    assert np.median(panel) < m.growth_ < own
    # much closer to the panel than to its own noisy growth
    assert abs(m.growth_ - np.median(panel)) < abs(m.growth_ - own)
    # a long steady series keeps more of its own growth
    long = 100 * np.exp(0.3 * np.arange(12) + 0.005 * np.random.default_rng(2).standard_normal(12))
    m_long = PooledGrowth(window=10).fit(long, panel_growths=panel, panel_volatility=0.05)
    assert m_long.weight_ > m.weight_
    # without a panel it is a drift on logs
    m0 = PooledGrowth().fit(y)
    assert m0.growth_ == pytest.approx(own)


def test_global_ar_continues_the_panel_growth():
    # every series grows 6 % a year, with noise: the pooled regression forecasts about 6 % a year
    rng = np.random.default_rng(11)
    panel = [(np.arange(1990, 2010), 100 * np.exp(np.cumsum(0.06 + 0.01 * rng.standard_normal(20))))
             for _ in range(30)]
    fits = GlobalAR().pooled_fits(panel, h=4)
    y = 50 * np.exp(0.06 * np.arange(8))
    m = GlobalAR().fit(y, global_fit=fits[2009])
    np.testing.assert_allclose(np.log(m.point(4) / y[-1]), 0.06 * np.arange(1, 5), atol=0.01)
    lev = GlobalAR(log=False).fit(np.arange(10.0, 90.0, 10.0), global_fit=GlobalAR(log=False).pooled_fits(
        [(np.arange(2000, 2015), 5.0 * np.arange(15) + 7 + 0.1 * rng.standard_normal(15)) for _ in range(20)],
        h=3)[2014])
    np.testing.assert_allclose(lev.point(3), [90, 100, 110], atol=1.0)  # a line continues as a line


def test_global_ar_pooled_fits_use_only_targets_up_to_the_year():
    panel = growth_panel(n_series=30, n_years=16)
    base = GlobalAR().pooled_fits(panel, h=3)
    # multiply every value after 2009 by 3: the fits at years up to 2009 do not move
    changed = [(yr, np.where(yr > 2009, 3 * y, y)) for yr, y in panel]
    new = GlobalAR().pooled_fits(changed, h=3)
    for yr in (2007, 2008, 2009):
        for p in base[yr].coef:
            np.testing.assert_array_equal(base[yr].coef[p], new[yr].coef[p])
            np.testing.assert_array_equal(base[yr].n_windows[p], new[yr].n_windows[p])
    assert not np.allclose(base[2012].coef[6], new[2012].coef[6], equal_nan=True)
    # horizon j at year Y counts windows ending at Y - j or before: fewer for longer horizons
    nw = base[2009].n_windows[6]
    assert np.all(np.diff(nw) < 0) and nw[0] == 30 * (2009 - 1 - 2005 + 1)


def test_global_ar_short_series_use_windows_of_their_own_length():
    fits = GlobalAR().pooled_fits(growth_panel(), h=6)[2019]
    assert sorted(fits.coef) == [2, 3, 4, 5, 6]
    m = GlobalAR().fit([100.0, 110.0, 121.0], global_fit=fits)
    assert m.p_ == 3 and np.all(np.isfinite(m.point(6)))
    assert GlobalAR().fit(np.arange(1.0, 30.0), global_fit=fits).p_ == 6


def test_global_ar_declines_without_enough_windows():
    y = 100 * np.exp(0.05 * np.arange(12))
    with pytest.raises(ValueError, match="too few windows"):
        GlobalAR().fit(y)  # its own 6 windows are fewer than min_windows
    long = 100 * np.exp(np.cumsum(0.05 + 0.02 * np.random.default_rng(1).standard_normal(60)))
    assert np.all(np.isfinite(GlobalAR().fit(long).point(6)))
    # a pooled fit made at an early year has no long horizons: asking for them fails, not extrapolates
    early = GlobalAR().pooled_fits(growth_panel(n_series=10), h=6)[2003]
    with pytest.raises(ValueError, match="too few windows"):
        GlobalAR().fit(y, global_fit=early)
    with pytest.raises(TypeError, match="GlobalFit"):
        GlobalAR().fit(y, global_fit={"coef": 1})
    with pytest.raises(ValueError, match="positive"):
        GlobalAR().fit(np.array([1.0, -2.0, 3.0]), global_fit=early)


def test_combination_is_median_of_members(series):
    members = [Drift(), Theta(), ETS()]
    c = Combination([Drift(), Theta(), ETS()], name="c").fit(series)
    pts = np.vstack([np.log(m.fit(series).predict(3)["mean"]) for m in members])
    np.testing.assert_allclose(np.log(c.predict(3)["mean"]), np.median(pts, axis=0))


def test_bad_arguments():
    with pytest.raises(ValueError, match="level"):
        Drift().fit([1.0, 2.0, 3.0]).predict(2, level=(120,))
    with pytest.raises(ValueError, match="horizon"):
        Drift().fit([1.0, 2.0, 3.0]).predict(0)
    with pytest.raises(ValueError, match="1-d"):
        Drift().fit(np.ones((2, 3)))
    with pytest.raises(ValueError, match="missing"):
        Drift().fit([1.0, np.nan, 3.0])
    with pytest.raises(RuntimeError, match="not fitted"):
        Drift().predict(2)
    with pytest.raises(ValueError, match="optimizer"):
        Theta(optimizer="bfgs")
    with pytest.raises(ValueError, match="engine"):
        ETS(engine="ets")
    with pytest.raises(ValueError, match="log must be True or False"):
        GlobalAR(log="auto")
    with pytest.raises(ValueError, match="norm"):
        GlobalAR(norm="mean")
    with pytest.raises(ValueError, match="lags"):
        GlobalAR(lags=1)
