"""The feasibility benchmark's own scoring (bench/feasibility.py): outcomes and the shock decomposition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_bench


@pytest.fixture(scope="module")
def fb():
    return load_bench("feasibility")


def _panel(seed=0, n_regions=8, years=range(2005, 2021)):
    """Two indicators whose provinces share a yearly shock."""
    rng = np.random.default_rng(seed)
    yrs = list(years)
    series = {}
    for ind, start in (("patent_applications", 1000.0), ("valid_invention_patents", 500.0)):
        shock = rng.normal(0.08, 0.08, len(yrs))
        for r in range(n_regions):
            g = shock + rng.normal(0, 0.05, len(yrs))
            g[0] = 0.0
            series[(f"R{r}", ind)] = pd.Series(start * (1 + r) * np.exp(np.cumsum(g)), index=yrs)
    return series


def test_log_thresholds_decide_every_kind_of_target_like_the_outcome_does(fb):
    """The decomposition rewrites each target as "the sum of these log growths reaches this threshold";
    on every synthetic target that rewrite must give the outcome the bench scores."""
    series = _panel()
    checked = 0
    for o in (2010, 2014, 2018):
        targets = fb.make_targets(series, o)
        for t in targets.itertuples(index=False):
            s = series[(t.region, t.indicator)]
            outcome = fb._event(t.kind, s, int(t.year), float(t.value))
            if not np.isfinite(outcome):
                continue
            yrs, thr = fb._log_threshold(t.kind, s, o)
            growth = sum(np.log(s.loc[y] / s.loc[y - 1]) for y in yrs)
            if abs(growth - thr) < 1e-9:
                continue  # a tie on the boundary: both sides allow for rounding differently
            assert float(growth >= thr) == outcome, (t.kind, t.region, o)
            checked += 1
    assert checked > 300


def test_deviation_oracle_beats_the_forecast_and_the_forecast_sees_only_earlier_years(fb):
    series = _panel(seed=1)
    rows = []
    for o in (2012, 2014, 2016, 2018):
        for t in fb.make_targets(series, o).itertuples(index=False):
            s = series[(t.region, t.indicator)]
            out = fb._event(t.kind, s, int(t.year), float(t.value))
            if np.isfinite(out):
                rows.append({"region": t.region, "indicator": t.indicator, "kind": t.kind, "origin": o,
                             "outcome": out, "baseline": 0.5})
    ev = pd.DataFrame(rows)
    res = fb.shock_decomposition(ev, series, n_draws=400)
    assert res["idio_oracle_n"] == len(ev) and res["two_component_n"] == len(ev)
    # knowing each province's deviation (5 % noise around a shared 8 % shock) beats a coin flip by far;
    # a forecast that cannot know it does much worse than the oracle
    assert res["idio_oracle"] > 0.3
    assert res["two_component"] < res["idio_oracle"] - 0.1
    # the forecast reads nothing after each origin: rewriting the years after the last origin (2019-2020,
    # outcome years only) leaves its score as it was, while the oracle, which reads them, moves
    rng = np.random.default_rng(5)
    later = {k: s.where(s.index <= 2018, s * rng.uniform(0.5, 2.0)) for k, s in series.items()}
    res2 = fb.shock_decomposition(ev, later, n_draws=400)
    assert res2["two_component"] == res["two_component"]
    assert res2["idio_oracle"] != res["idio_oracle"]
