"""Leading series behind the peer-growth paths: grants follow applications, stocks follow grants."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from innovation_forecast import feasibility as fz
from innovation_forecast.feasibility.leading import LEADS, lead_growth
from innovation_forecast.registry import regions_frame

N = 400
YEARS = range(2004, 2018)
LAGS = {"invention": 2, "utility": 1, "design": 1}


def _region_series(rng, surge: float = 0.0, rate: float = 0.6) -> dict[str, dict[int, float]]:
    """Applications of each type with noisy growth; grants = rate x applications ``lag`` years before."""
    out: dict[str, dict[int, float]] = {}
    total: dict[int, float] = {}
    for typ, lag in LAGS.items():
        g = 0.08 + 0.15 * rng.standard_normal(len(YEARS) + 3)
        apps = 1000.0 * np.exp(np.cumsum(g))
        apps[-1] *= np.exp(surge)  # the last year (2017) of applications of every type jumps by ``surge``
        years = list(range(YEARS[0] - 3, YEARS[-1] + 1))
        a = dict(zip(years, apps))
        out[f"{typ}_patent_applications"] = {y: a[y] for y in YEARS}
        out[f"{typ}_patent_grants"] = {y: rate * a[y - lag] for y in YEARS}
        for y in YEARS:
            total[y] = total.get(y, 0.0) + rate * a[y - lag]
    out["patent_grants"] = total
    return out


def _panel(regions: dict[str, dict[str, dict[int, float]]], drop: tuple[str, ...] = ()) -> pd.DataFrame:
    rows = [{"region": r, "indicator": i, "year": y, "value": v, "status": "actual"}
            for r, s in regions.items() for i, d in s.items() if i not in drop for y, v in d.items()]
    return pd.DataFrame(rows)


def _getter(series: dict[str, dict[int, float]]):
    return lambda ind: pd.Series(series[ind]) if ind in series else None


def test_grant_lead_is_growth_of_lagged_applications_by_type():
    rng = np.random.default_rng(0)
    s = _region_series(rng)
    get = _getter(s)
    g = lead_growth("patent_grants", get, 2018, 1)
    # grants of 2018 = sum over types of rate x applications (2017 utility/design, 2016 invention)
    expected = np.log((s["utility_patent_applications"][2017] + s["design_patent_applications"][2017]
                       + s["invention_patent_applications"][2016])
                      / (s["utility_patent_applications"][2016] + s["design_patent_applications"][2016]
                         + s["invention_patent_applications"][2015]))
    assert g == pytest.approx(expected, rel=1e-9)
    # what happened in or after the target year does not enter
    later = {k: {**v, 2018: v.get(2017, 1.0) * 5} for k, v in s.items()}
    assert lead_growth("patent_grants", _getter(later), 2018, 1) == pytest.approx(g)
    # a missing input: no prediction; an indicator without a lead: none either
    no_design = {k: v for k, v in s.items() if k != "design_patent_applications"}
    assert np.isnan(lead_growth("patent_grants", _getter(no_design), 2018, 1))
    assert np.isnan(lead_growth("patent_applications", get, 2018, 1))
    assert np.isnan(lead_growth("patent_grants", get, 2019, 2))  # utility applications of 2018 unknown


def test_stock_lead_is_projected_grants_over_the_stock():
    stock = {2014: 800.0, 2015: 900.0, 2016: 1000.0}
    grants = {2015: 100.0, 2016: 120.0}
    apps = {2013: 500.0, 2014: 550.0, 2015: 605.0, 2016: 665.5}  # +10% a year
    get = _getter({"valid_invention_patents": stock, "invention_patent_grants": grants,
                   "invention_patent_applications": apps, "population": {2015: 100.0, 2016: 101.0}})
    assert lead_growth("valid_invention_patents", get, 2017, 1) == pytest.approx(np.log1p(120 * 1.1 / 1000))
    # two years ahead: grants 132 then 145.2, the stock in between 1132
    assert lead_growth("valid_invention_patents", get, 2018, 2) == pytest.approx(np.log1p(120 * 1.21 / 1132))
    # per 10,000 people: less the population growth
    assert lead_growth("invention_patents_per_10k", get, 2017, 1) == pytest.approx(
        np.log1p(120 * 1.1 / 1000) - np.log(1.01))
    assert LEADS["valid_invention_patents"].relative and not LEADS["patent_grants"].relative


def test_peer_paths_of_grants_follow_each_region_applications():
    rng = np.random.default_rng(3)
    names = [n for n in regions_frame().query("level == 'province'")["name"] if n not in ("江西省", "湖南省")]
    regions = {n: _region_series(rng) for n in names[:24]}
    regions["江西省"] = _region_series(rng, surge=0.5)  # applications of 2017 jumped 65%
    regions["湖南省"] = _region_series(rng, surge=-0.5)  # and fell 40%
    target = pd.DataFrame([{"doc": "t", "region": r, "year": 2018, "indicator": "patent_grants",
                            "basis": "growth_pct", "comparator": "ge", "value": 10.0, "stretch_low": np.nan,
                            "stretch_high": np.nan, "unit": "%", "quote": "q"} for r in ("江西省", "湖南省")])
    flat = {(r, "patent_grants"): SimpleNamespace(years=np.array([2018]), model="toy",
                                                  paths=np.full((N, 1), regions[r]["patent_grants"][2017]))
            for r in ("江西省", "湖南省")}
    out = fz.assess_targets(_panel(regions), target, paths=flat, n_paths=N, peer_weight=1.0, calibration=None)
    up, down = out["p_meet"].to_numpy()
    assert up > 0.9 and down < 0.1
    assert "centred on applications" in out.iloc[0]["notes"]
    # without the application series every region gets the same centre: no such split
    plain = fz.assess_targets(_panel(regions, drop=tuple(k for k in regions["江西省"] if "applications" in k)),
                              target, paths=flat, n_paths=N, peer_weight=1.0, calibration=None)
    assert abs(plain["p_meet"].iloc[0] - plain["p_meet"].iloc[1]) < 0.2
    assert "centred on" not in plain.iloc[0]["notes"]
    # reviewed as of 2016, the applications of 2017 are not known: changing them changes nothing
    panel = _panel(regions)
    later = panel.copy()
    later.loc[later["indicator"].str.endswith("applications") & (later["year"] == 2017), "value"] *= 3
    kw = dict(n_paths=N, peer_weight=1.0, calibration=None, as_of=2016,
              paths={k: SimpleNamespace(years=np.array([2017]), model="toy", paths=np.full((N, 1), 1.0))
                     for k in flat})
    early = fz.assess_targets(panel, target.assign(year=2017), **kw)
    assert fz.assess_targets(later, target.assign(year=2017), **kw)["p_meet"].tolist() == early["p_meet"].tolist()


def test_relative_lead_gets_its_slope_from_the_peers():
    rng = np.random.default_rng(5)
    lead_x = {}
    peers = {}
    for k in range(30):
        x = 0.1 * rng.standard_normal(15)  # what the lead knows a year ahead
        g = 0.05 + 0.8 * x + 0.03 * rng.standard_normal(15)
        peers[(f"r{k}", "x")] = pd.Series(100 * np.exp(np.cumsum(g)), index=range(2003, 2018))
        lead_x[f"r{k}"] = dict(zip(range(2003, 2019), np.append(x, 0.3 if k == 0 else -0.3)))

    def lead(key, t, h):
        return lead_x[key[0]].get(t, np.nan)

    pg = fz.peer_growth(peers, upto=2017, lead=lead, relative=True)
    assert pg.lead_slope == pytest.approx(0.8, abs=0.1)
    assert pg.n_lead > 100
    # the lead's errors are tighter than the growths around one centre
    plain = fz.peer_growth(peers, upto=2017)
    assert np.std(pg.z) < 0.7 * np.std(plain.z)
    hi, lo = pg.centres(("r0", "x"), 2017, 1)[0], pg.centres(("r1", "x"), 2017, 1)[0]
    assert hi - lo == pytest.approx(0.8 * 0.6, abs=0.1)
    # a lead that knows nothing gets a slope near 0 and leaves the centres near the common one
    noise = {r: dict(zip(range(2003, 2019), rng.standard_normal(16))) for r in lead_x}
    pn = fz.peer_growth(peers, upto=2017, lead=lambda key, t, h: noise[key[0]].get(t, np.nan), relative=True)
    assert pn.lead_slope < 0.1
    assert abs(pn.centres(("r0", "x"), 2017, 1)[0] - plain.centre) < 0.05
    # a series the lead cannot predict keeps the common centre and the spread of the growths around it,
    # not the lead's narrower errors
    none = pg.centres(("none", "x"), 2017, 2)
    assert none == pytest.approx([pg.centre] * 2)
    same = pg.paths(100.0, 0.1, 2, 500, np.random.default_rng(0), none)
    assert np.allclose(same, plain.paths(100.0, 0.1, 2, 500, np.random.default_rng(0)))
    led = pg.paths(100.0, 0.1, 1, 4000, np.random.default_rng(0), pg.centres(("r0", "x"), 2017, 1))
    assert np.std(np.log(led)) < 0.7 * np.std(np.log(same[:, :1]))


def test_peer_growth_winsorises_standardised_growths():
    """A peer with a tiny volatility turns one jump into a z of hundreds; the paths must not inherit it."""
    from innovation_forecast.feasibility.peers import Z_CLIP, peer_growth

    rng = np.random.default_rng(4)
    years = np.arange(2006, 2021)
    series = {f"r{i}": pd.Series(100 * np.exp(np.cumsum(0.1 + 0.05 * rng.standard_normal(len(years)))), index=years)
              for i in range(20)}
    smooth = 100 * np.exp(0.01 * np.arange(len(years)))
    smooth[-1] *= 3.0  # one jump after years of near-constant growth: z of about 1,000
    series["smooth"] = pd.Series(smooth, index=years)
    pg = peer_growth(series, 2020)
    raw_max = (np.log(3.0) + 0.01 - pg.centre) / 0.02  # at least this large before clipping (volatility floor 0.02)
    assert raw_max > 50
    assert pg.z.max() < 10 and pg.z.min() > -10
    k = int(np.floor(Z_CLIP * len(pg.z)))
    assert k >= 1 and np.sum(pg.z >= pg.z.max()) == k + 1  # the k largest set to the next value inwards
    paths = pg.paths(100.0, 0.3, 2, 5000, np.random.default_rng(0))
    assert np.all(paths < 100.0 * np.exp(2 * (pg.centre + 0.3 * pg.z.max())) * (1 + 1e-9))
