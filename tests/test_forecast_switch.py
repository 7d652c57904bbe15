"""The feature-based switch from the auto ensemble to a single model (models/switch.py, forecast._switch_rule)."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

from innovation_forecast.forecast import FallbackWarning, forecast
from innovation_forecast.models.switch import FEATURES, fit_switch, series_features

F = importlib.import_module("innovation_forecast.forecast")


def _steady(rng, n=16):
    return 100 * np.exp(np.cumsum(0.08 + 0.005 * rng.standard_normal(n)))


def _wandering(rng, n=16):
    return 100 * np.exp(np.cumsum(0.12 * rng.standard_normal(n)))


def test_series_features_are_finite_and_describe_the_series():
    rng = np.random.default_rng(0)
    up, rw = series_features(_steady(rng)), series_features(_wandering(rng))
    assert up.shape == rw.shape == (len(FEATURES),)
    i = {f: k for k, f in enumerate(FEATURES)}
    assert up[i["r2_linear"]] > 0.99 and up[i["share_falls"]] == 0
    assert up[i["change_snr"]] > 5 * abs(rw[i["change_snr"]])
    for y in ([5.0], [3.0, 3.0], [1.0, -2.0, 0.0, 4.0], [0.0, 0.0, 0.0, 0.0]):
        assert np.isfinite(series_features(np.array(y))).all()
    # disagreement of the models' forecasts: zero when they agree, larger when they spread
    y = _steady(rng)
    same = series_features(y, np.vstack([np.full(6, y[-1])] * 3))
    apart = series_features(y, np.vstack([np.full(6, y[-1]), np.full(6, 2 * y[-1])]))
    assert same[i["disagreement"]] == 0 and apart[i["disagreement"]] > 1


def _rule(margin):
    """Rule trained where 'drift' beats the ensemble by 0.5 on steady series and loses by 0.5 on wandering ones."""
    rng = np.random.default_rng(1)
    feats, losses = [], []
    for k in range(400):
        steady = k % 2 == 0
        y = _steady(rng) if steady else _wandering(rng)
        feats.append(series_features(y))
        d = -0.5 if steady else 0.5
        losses.append([1.0 + d + 0.05 * rng.standard_normal(), 1.2, 1.0])  # drift, naive, ensemble
    return fit_switch(np.array(feats), np.array(losses), ["drift", "naive"], "median of 20: x", margin)


def test_switch_rule_moves_only_series_with_a_clear_predicted_gain():
    rng = np.random.default_rng(2)
    rule = _rule(0.2)
    finals = {"drift": np.ones(6), "naive": np.ones(6)}
    steady = [rule.choose(_steady(rng), finals) for _ in range(20)]
    wandering = [rule.choose(_wandering(rng), finals) for _ in range(20)]
    assert steady.count("drift") >= 18
    assert wandering.count(None) >= 18
    # a margin above the learned gain keeps the ensemble; an unavailable model is never chosen
    assert all(_rule(0.8).choose(_steady(rng), finals) is None for _ in range(10))
    assert all(rule.choose(_steady(rng), {"naive": np.ones(6)}) is None for _ in range(10))
    assert rule.choose(_steady(rng), {"drift": np.full(6, np.nan), "naive": np.ones(6)}) is None


def _panel(n_series, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_series):
        y = _steady(rng, 14) if i % 3 == 0 else _wandering(rng, 14) * (1 + i)
        rows += [{"series_id": f"S{i:03d}", "year": t + 1, "value": float(v)} for t, v in enumerate(y)]
    return pd.DataFrame(rows)


def _fc(panel, **consts):
    old = {k: getattr(F, k) for k in consts}
    try:
        for k, v in consts.items():
            setattr(F, k, v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FallbackWarning)
            return forecast(panel, h=4, keys=("series_id",), level=(80,))
    finally:
        for k, v in old.items():
            setattr(F, k, v)


@pytest.fixture(scope="module")
def big():
    return _panel(110)


def test_switch_is_learned_per_group_and_applied_by_its_margin(big):
    base = _fc(big, _SWITCH=False)
    assert base["model"].str.startswith("median of").all()
    fc = _fc(big, _SWITCH=True)
    rule = fc.attrs["calibration"].switch[()]
    assert rule.ensemble == base["model"].iloc[0] and rule.n_series == 110 and len(rule.models) >= 10
    # an unreachable margin reproduces the ensemble exactly; margin -inf moves every series to its best model
    never = _fc(big, _SWITCH=True, _SWITCH_MARGIN=1e9)
    pd.testing.assert_frame_equal(never.reset_index(drop=True), base.reset_index(drop=True))
    always = _fc(big, _SWITCH=True, _SWITCH_MARGIN=-np.inf)
    per = always.groupby("series_id")["model"].first()
    assert per.isin(rule.models).all()
    # a switched series carries its single model's own forecast (and intervals around it)
    sid = per.index[0]
    one = always[always.series_id == sid]
    alone = forecast(big, h=4, keys=("series_id",), level=(80,),
                     models=[m for m in F.default_models() if m.name == per[sid]])
    np.testing.assert_allclose(one["mean"].to_numpy(), alone[alone.series_id == sid]["mean"].to_numpy())
    assert (one["lo_80"] <= one["mean"]).all() and (one["mean"] <= one["hi_80"]).all()
    # the default margin moves at most a minority
    moved = (fc.groupby("series_id")["model"].first() != rule.ensemble).mean()
    assert moved < 0.5


def test_small_groups_get_no_switch(big):
    small = big[big.series_id.isin(sorted(big.series_id.unique())[:60])]
    fc = _fc(small, _SWITCH=True)
    assert fc.attrs["calibration"].switch == {}
    pd.testing.assert_frame_equal(fc, _fc(small, _SWITCH=False))


def test_switch_training_features_see_only_values_up_to_each_origin(big, monkeypatch):
    seen = []
    real = F.series_features

    def spy(y, forecasts=None):
        seen.append(np.array(y, float))
        return real(y, forecasts)

    monkeypatch.setattr(F, "series_features", spy)
    _fc(big, _SWITCH=True)
    full = {sid: g["value"].to_numpy(float) for sid, g in big.groupby("series_id")}
    assert len(seen) > 110 * 3
    prefixes = {tuple(np.round(v[:k], 9)) for v in full.values() for k in range(2, len(v))}
    for y in seen:
        assert tuple(np.round(y, 9)) in prefixes  # a strict prefix: never the whole series nor a later value


def test_switch_is_off_by_default(big):
    """The M3 test part got worse with it (BENCHMARKS.md): the default auto forecast is the ensemble."""
    assert F._SWITCH is False
    fc = _fc(big)
    assert fc.attrs["calibration"].switch == {}
    assert fc["model"].str.startswith("median of").all()


def test_calibrate_with_switch_is_the_public_way_to_use_it(big):
    from innovation_forecast.forecast import calibrate

    cal = calibrate(big, h=4, keys=("series_id",), switch=True)
    assert set(cal.switch) == {()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(big, h=4, keys=("series_id",), level=(80,), calibration=cal)
    pd.testing.assert_frame_equal(fc.reset_index(drop=True),
                                  _fc(big, _SWITCH=True).reset_index(drop=True), check_like=True)
    assert calibrate(big, h=4, keys=("series_id",)).switch == {}
