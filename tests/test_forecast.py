"""forecast(), forecast_paths(), backtest() and accuracy(): the engine around the models."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from innovation_forecast.errors import DataValidationError
from innovation_forecast.forecast import (
    Calibration,
    FallbackWarning,
    ForecastPaths,
    accuracy,
    backtest,
    calibrate,
    crps_quantiles,
    forecast,
    forecast_paths,
    interval_score,
)
from innovation_forecast.models import Drift, Naive, Theta


def rw_panel(n_series=40, n_years=14, seed=0, start=2005, indicator="patent_applications", prefix="r"):
    """Random walks with drift on logs: growth 3-15 %, volatility 3-12 % a year."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_series):
        g, s = rng.uniform(0.03, 0.15), rng.uniform(0.03, 0.12)
        x = np.log(rng.uniform(500, 5000)) + np.cumsum(g + s * rng.standard_normal(n_years))
        for t in range(n_years):
            rows.append({"region": f"{prefix}{i:03d}", "indicator": indicator, "year": start + t,
                         "value": float(np.exp(x[t]))})
    return pd.DataFrame(rows)


def short_panel():
    """Eight provinces with 8 years, one city with 3 years, one with a single year."""
    p = rw_panel(8, 8, seed=4)
    extra = pd.DataFrame([
        {"region": "萍乡市", "indicator": "patent_applications", "year": 2010, "value": 900.0},
        {"region": "萍乡市", "indicator": "patent_applications", "year": 2011, "value": 1000.0},
        {"region": "萍乡市", "indicator": "patent_applications", "year": 2012, "value": 1200.0},
        {"region": "湘东区", "indicator": "patent_applications", "year": 2012, "value": 50.0},
    ])
    return pd.concat([p, extra], ignore_index=True)


def test_auto_gives_one_row_per_series_and_year(tiny_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(tiny_panel, h=3)
    for c in ["region", "indicator", "year", "model", "mean", "lo_80", "hi_80", "lo_95", "hi_95",
              "fallback_used", "fallback_reason"]:
        assert c in fc.columns
    assert len(fc) == 2 * 3
    assert not fc.duplicated(["region", "indicator", "year"]).any()
    assert fc["year"].dtype.kind == "i"
    assert sorted(fc["year"].unique().tolist()) == [2018, 2019, 2020]
    assert (fc["lo_95"] <= fc["lo_80"]).all() and (fc["lo_80"] <= fc["hi_80"]).all()
    assert (fc["hi_80"] <= fc["hi_95"]).all()
    # steady 12 % growth: the forecast keeps growing
    nc = fc[fc.region == "南昌市"].sort_values("year")
    assert (np.diff(nc["mean"]) > 0).all()


def test_fallback_recorded_with_one_summary_warning():
    panel = short_panel()
    with pytest.warns(FallbackWarning) as rec:
        fc = forecast(panel, h=2)
    assert len([w for w in rec if issubclass(w.category, FallbackWarning)]) == 1
    msg = str(rec[0].message)
    assert "of 10 series" in msg
    one = fc[fc.region == "湘东区"].sort_values("year")
    assert len(one) == 2 and one["fallback_used"].all()
    # one value: no own growth, so the pooled model grows it at the panel's median growth
    assert one["model"].iloc[0] == "pooled"
    assert (one["fallback_reason"].str.len() > 0).all()
    others = panel[(panel.region != "湘东区") & (panel.year <= 2012)].sort_values("year")
    growths = [np.mean(np.diff(np.log(g["value"].to_numpy()))[-5:]) for _, g in others.groupby("region")
               if len(g) >= 2]
    m = float(np.median(growths))
    assert np.allclose(one["mean"], 50.0 * np.exp(m * np.arange(1, 3)))
    # exactly one row per series-year still holds
    assert not fc.duplicated(["region", "indicator", "year"]).any()
    assert len(fc) == 10 * 2


def test_m3_style_keys_and_extra_columns():
    p = rw_panel(12, 20, seed=2).rename(columns={"region": "series_id"}).drop(columns="indicator")
    p["category"] = "MICRO"
    p["year"] = p["year"] - 2004  # t = 1..n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(p, h=6, keys=("series_id",), level=(95,), quantiles=(0.1, 0.5, 0.9))
    assert list(fc.columns[:3]) == ["series_id", "year", "model"]
    assert {"lo_95", "hi_95", "q_10", "q_50", "q_90"} <= set(fc.columns)
    assert "lo_80" not in fc.columns
    assert len(fc) == 12 * 6
    assert (fc["q_10"] <= fc["q_50"]).all() and (fc["q_50"] <= fc["q_90"]).all()
    assert fc["year"].min() == 21


def test_duplicate_rows_name_the_series(tiny_panel):
    dup = pd.concat([tiny_panel, tiny_panel.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"南昌市.*2013"):
        forecast(dup, h=2)


def test_non_numeric_values_rejected(tiny_panel):
    bad = tiny_panel.astype({"value": object})
    bad.loc[2, "value"] = "1,234件"
    with pytest.raises(DataValidationError, match="non-numeric"):
        forecast(bad, h=2)


def test_missing_columns_and_bad_horizon(tiny_panel):
    with pytest.raises(DataValidationError, match="lacks column"):
        forecast(tiny_panel.drop(columns="indicator"), h=2)
    with pytest.raises(ValueError, match="horizon"):
        forecast(tiny_panel, h=0)


def test_zeros_skip_log_models():
    p = rw_panel(10, 12, seed=5)
    p.loc[(p.region == "r000") & (p.year == 2008), "value"] = 0.0
    fc = forecast(p, h=2, models=[Theta(), Drift()], level=(80,))
    z = fc[fc.region == "r000"]
    assert np.isfinite(z["mean"]).all() and not z["fallback_used"].any()
    # a log-only model cannot be used there: it falls back, the others are fine
    from innovation_forecast.models import LogLinearTrend

    with pytest.warns(FallbackWarning, match="1 of 10"):
        fc2 = forecast(p, h=2, models=[LogLinearTrend()], level=(80,))
    row = fc2[fc2.region == "r000"]
    assert row["fallback_used"].all() and row["fallback_reason"].str.contains("positive").all()


def test_explicit_models_give_one_row_per_model(tiny_panel):
    fc = forecast(tiny_panel, h=2, models=[Naive(), Drift(), Theta()])
    assert sorted(fc["model"].unique()) == ["drift", "naive", "theta"]
    assert len(fc) == 2 * 2 * 3
    nv = fc[(fc.model == "naive") & (fc.region == "九江市")]
    last = tiny_panel[tiny_panel.region == "九江市"]["value"].iloc[-1]
    assert np.allclose(nv["mean"], last)


def test_joblib_equals_serial():
    p = rw_panel(16, 12, seed=6)
    a = forecast(p, h=2, n_jobs=1)
    b = forecast(p, h=2, n_jobs=2)
    pd.testing.assert_frame_equal(a, b)


def test_dask_client_equals_serial():
    distributed = pytest.importorskip("distributed")
    p = rw_panel(10, 10, seed=7)
    a = forecast(p, h=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        b = forecast(p, h=2, client=client)
    pd.testing.assert_frame_equal(a, b)


def test_calibration_80_percent_on_held_out_random_walks():
    """Intervals calibrated on in-sample origins cover ~80 % of truly new years."""
    h = 3
    full = rw_panel(200, 15 + h, seed=11)
    train = full[full.year < 2005 + 15]
    test = full[full.year >= 2005 + 15]
    fc = forecast(train, h=h, level=(80, 95))
    m = fc.merge(test, on=["region", "indicator", "year"])
    assert len(m) == 200 * h
    cov80 = 100 * np.mean((m.value >= m.lo_80) & (m.value <= m.hi_80))
    cov95 = 100 * np.mean((m.value >= m.lo_95) & (m.value <= m.hi_95))
    assert abs(cov80 - 80) <= 7, cov80
    assert 88 <= cov95 <= 99, cov95


def test_paths_match_intervals_and_are_reproducible():
    p = rw_panel(30, 12, seed=8)
    fc = forecast(p, h=3, level=(80,))
    fp = forecast_paths(p, h=3, n_paths=4000, seed=1)
    fp2 = forecast_paths(p, h=3, n_paths=4000, seed=1)
    key = ("r005", "patent_applications")
    assert isinstance(fp[key], ForecastPaths)
    assert fp[key].paths.shape == (4000, 3)
    np.testing.assert_array_equal(fp[key].paths, fp2[key].paths)
    assert fp[key].years.tolist() == [2017, 2018, 2019]
    assert fp[key].last_year == 2016 and fp[key].n_obs == 12
    row = fc[(fc.region == "r005")].sort_values("year")
    lo = np.quantile(fp[key].paths, 0.1, axis=0)
    hi = np.quantile(fp[key].paths, 0.9, axis=0)
    np.testing.assert_allclose(lo, row["lo_80"], rtol=0.03)
    np.testing.assert_allclose(hi, row["hi_80"], rtol=0.03)
    assert fp[key].model == row["model"].iloc[0]
    # cumulative shocks: consecutive years are strongly, not perfectly, dependent
    r = np.corrcoef(np.log(fp[key].paths[:, 0]), np.log(fp[key].paths[:, 2]))[0, 1]
    assert 0.3 < r < 0.95
    # P(target met) from the paths
    med = float(np.median(fp[key].paths[:, 1]))
    assert fp[key].prob(2018, med) == pytest.approx(0.5, abs=0.03)


def test_reference_panel_informs_a_four_point_city():
    prov = rw_panel(31, 12, seed=9)  # growth 3-15 %
    city = pd.DataFrame({"region": "鹰潭市", "indicator": "patent_applications",
                         "year": [2013, 2014, 2015, 2016], "value": [100.0, 160.0, 230.0, 380.0]})
    own = np.log(380 / 100) / 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        alone = forecast(city, h=2, models=[Naive(), Drift()] + [__import__(
            "innovation_forecast.models", fromlist=["PooledGrowth"]).PooledGrowth()])
        ref = forecast(city, h=2, reference=prov, models=[
            __import__("innovation_forecast.models", fromlist=["PooledGrowth"]).PooledGrowth()])
    g_alone = np.log(alone[alone.model == "pooled"]["mean"].iloc[0] / 380)
    g_ref = np.log(ref["mean"].iloc[0] / 380)
    assert g_alone == pytest.approx(own, rel=1e-6)
    assert g_ref < own - 0.1  # pulled well toward the provinces' 3-15 %
    assert set(ref["region"]) == {"鹰潭市"}  # reference series are not forecast
    # auto with the reference: one row per year, a calibrated interval
    fc = forecast(city, h=2, reference=prov)
    assert len(fc) == 2 and (fc.lo_80 < fc["mean"]).all()


def test_calibration_reuse(tiny_panel):
    p = rw_panel(30, 12, seed=10)
    cal = calibrate(p, h=2)
    assert isinstance(cal, Calibration)
    assert cal.choice[("patent_applications",)]
    a = forecast(p, h=2)
    b = forecast(p, h=2, calibration=cal)
    pd.testing.assert_frame_equal(a.drop(columns=[]), b)


def test_backtest_uses_only_data_up_to_origin():
    p = rw_panel(20, 14, seed=12)
    bt = backtest(p, origins=[2014, 2015], h=2, level=(80, 95))
    assert list(bt.columns[:8]) == ["region", "indicator", "origin", "year", "horizon", "model", "actual", "mean"]
    assert set(bt.origin) == {2014, 2015}
    assert bt.loc[bt.origin == 2015, "horizon"].tolist().count(2) == 20
    assert (bt.year - bt.origin == bt.horizon).all()
    # changing values after 2014 does not change the 2014-origin forecasts
    p2 = p.copy()
    p2.loc[p2.year == 2018, "value"] *= 3
    bt2 = backtest(p2, origins=[2014], h=2)
    a = bt[bt.origin == 2014].reset_index(drop=True)
    pd.testing.assert_series_equal(a["mean"], bt2["mean"], check_names=False)
    acc = accuracy(bt, by=("model",))
    assert {"smape", "mase", "mape", "coverage_80", "coverage_95", "msis_95", "crps"} <= set(acc.columns)


def test_accuracy_against_hand_computed_values():
    bt = pd.DataFrame({
        "series_id": ["a", "a", "b", "b"],
        "origin": [0, 0, 0, 0],
        "year": [1, 2, 1, 2],
        "horizon": [1, 2, 1, 2],
        "model": "m",
        "actual": [100.0, 110.0, 10.0, 20.0],
        "mean": [90.0, 110.0, 12.0, 16.0],
        "lo_80": [95.0, 100.0, 11.0, 10.0],
        "hi_80": [105.0, 120.0, 13.0, 30.0],
        "scale": [5.0, 5.0, 2.0, 2.0],
    })
    acc = accuracy(bt).iloc[0]
    smape_a = np.mean([200 * 10 / 190, 0.0])
    smape_b = np.mean([200 * 2 / 22, 200 * 4 / 36])
    assert acc["smape"] == pytest.approx((smape_a + smape_b) / 2)
    assert acc["mape"] == pytest.approx((np.mean([10, 0]) + np.mean([20, 20])) / 2)
    assert acc["mase"] == pytest.approx((np.mean([10 / 5, 0]) + np.mean([2 / 2, 4 / 2])) / 2)
    # a: 100 outside [95,105]? no (inside); 110 inside; b: 10 below 11 -> outside; 20 inside
    assert acc["coverage_80"] == pytest.approx((100 + 50) / 2)
    # interval score, alpha = 0.2: width + 2/0.2 * miss
    is_a = np.mean([10 / 5, 20 / 5])
    is_b = np.mean([(2 + 10 * 1) / 2, 20 / 2])
    assert acc["msis_80"] == pytest.approx((is_a + is_b) / 2)
    assert acc["n"] == 2


def test_interval_score_of_an_unbounded_interval_is_infinite_without_numpy_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value encountered in multiply"
        s = interval_score(np.array([5.0, 1.0, 9.0]), np.array([4.0, 4.0, 4.0]), np.array([np.inf, 6.0, 6.0]), 95)
    assert np.isinf(s[0]) and s[0] > 0
    assert s[1] == pytest.approx(2.0 + 40 * 3.0) and s[2] == pytest.approx(2.0 + 40 * 3.0)


def test_interval_score_and_crps_helpers():
    assert interval_score(5.0, 4.0, 6.0, 95) == pytest.approx(2.0)
    assert interval_score(7.0, 4.0, 6.0, 95) == pytest.approx(2.0 + 40 * 1.0)
    # CRPS of a point mass at f from its quantiles = |y - f| (every quantile equals f)
    probs = np.linspace(0.01, 0.99, 99)
    assert crps_quantiles([3.0], np.full((1, 99), 1.0), probs)[0] == pytest.approx(2.0, rel=1e-9)
    # standard normal forecast, y = 0: CRPS = (sqrt(2) - 1) / sqrt(pi) ~ 0.2337
    from scipy.stats import norm

    probs = np.linspace(0.0005, 0.9995, 1000)
    crps = crps_quantiles([0.0], norm.ppf(probs)[None, :], probs)[0]
    assert crps == pytest.approx((np.sqrt(2) - 1) / np.sqrt(np.pi), rel=0.02)


def test_gaps_are_interpolated_and_noted():
    p = pd.DataFrame({"region": "南昌市", "indicator": "patent_applications",
                      "year": [2013, 2016, 2018, 2020], "value": [6190.0, 16184.0, 22479.0, 30006.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(p, h=1, models=[Drift()])
        fp = forecast_paths(p, h=1, models=[Drift()], n_paths=10)
    assert fc["note"].iloc[0].startswith("4 missing year(s) interpolated")
    # drift over the filled 2013-2020 series = the drift between the observed endpoints
    assert fc["mean"].iloc[0] == pytest.approx(30006 * (30006 / 6190) ** (1 / 7), rel=1e-9)
    assert fp[("南昌市", "patent_applications")].n_obs == 4


def _run_cli(argv, capsys):
    from innovation_forecast.cli import main

    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_forecast_csv(data_dir, capsys):
    import io

    code, out, err = _run_cli(["--data-dir", str(data_dir), "forecast", "--region", "江西", "--indicator",
                               "patent_applications", "--horizon", "2", "--format", "csv"], capsys)
    assert code == 0, err
    fc = pd.read_csv(io.StringIO(out))
    assert list(fc.columns[:5]) == ["region", "indicator", "year", "model", "mean"]
    assert len(fc) == 2 and set(fc.region) == {"江西省"}
    assert fc.year.tolist() == [2024, 2025]
    assert ((fc.lo_95 < fc.lo_80) & (fc.lo_80 < fc["mean"]) & (fc["mean"] < fc.hi_80) & (fc.hi_80 < fc.hi_95)).all()


def test_cli_forecast_uses_estimates_and_says_so(capsys, monkeypatch):
    import io

    # embedded data only: Shangrao's 2017 patent applications are the work report's estimate (预计 5,000),
    # its grants an 11-month year-to-date figure; the briefs and reviews forecast from them, so does the CLI
    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)
    code, out, err = _run_cli(["forecast", "--region", "上饶", "--indicator", "patent_applications",
                               "--indicator", "patent_grants", "--horizon", "1", "--format", "csv"], capsys)
    assert code == 0, err
    fc = pd.read_csv(io.StringIO(out)).set_index("indicator")
    assert fc.loc["patent_applications", "note"].startswith("the 2017 value is an estimate")
    assert "year-to-date" in fc.loc["patent_grants", "note"] and "2103" in fc.loc["patent_grants", "note"]
    assert (fc["year"] == 2018).all() and (fc["lo_95"] > 0).all()


def test_cli_forecast_table_writes_figures_as_readers_do(data_dir, capsys):
    code, out, err = _run_cli(["--data-dir", str(data_dir), "forecast", "--region", "江西", "--indicator",
                               "patent_applications", "--indicator", "rd_intensity", "--horizon", "1"], capsys)
    assert code == 0, err
    assert "e+" not in out  # 96,643, not 9.664e+04
    row = next(line for line in out.splitlines() if "patent_applications" in line)
    assert any(tok.count(",") == 1 and tok.replace(",", "").isdigit() and len(tok) >= 6 for tok in row.split())


def test_cli_forecast_unknown_region(data_dir, capsys):
    code, out, err = _run_cli(["--data-dir", str(data_dir), "forecast", "--region", "火星",
                               "--indicator", "patent_applications"], capsys)
    assert code == 2 and "火星" in err


def test_cli_backtest_with_origins_outside_the_data_says_so(data_dir, capsys):
    code, out, err = _run_cli(["--data-dir", str(data_dir), "backtest", "--indicator", "rd_intensity",
                               "--origins", "2030-2032"], capsys)
    assert code == 2 and out == ""
    assert "nothing to score at origins 2030-2032" in err and "the data run" in err


def test_cli_backtest_summary(data_dir, capsys):
    import io

    code, out, err = _run_cli(["--data-dir", str(data_dir), "backtest", "--indicator", "rd_intensity",
                               "--origins", "2020-2021", "--horizon", "1", "--format", "csv"], capsys)
    assert code == 0, err
    acc = pd.read_csv(io.StringIO(out))
    assert acc["indicator"].tolist() == ["rd_intensity"]
    assert acc["n"].iloc[0] == 31 * 2
    for c in ("mase", "mase_vs_naive", "coverage_80", "coverage_95", "msis_95"):
        assert np.isfinite(acc[c].iloc[0])


def test_fallback_model_can_be_chosen():
    p = short_panel()
    with pytest.warns(FallbackWarning):
        fc = forecast(p, h=2, models=[Theta()], fallback=Drift())
    city = fc[fc.region == "萍乡市"]  # 3 years: enough for Theta (min_obs 3)
    assert not city["fallback_used"].any()
    one = fc[fc.region == "湘东区"]  # 1 year: Theta cannot fit, Drift cannot either -> the constant
    assert one["fallback_used"].all() and one["fallback_reason"].str.contains("last value carried").all()
    assert fc[fc.region == "r000"]["fallback_reason"].eq("").all()
    assert np.allclose(one["mean"], 50.0)
    assert set(fc["model"]) == {"theta"}
    with pytest.raises(TypeError, match="fallback"):
        forecast(p, h=2, models=[Theta()], fallback="naive")


def test_auto_model_name_is_readable_and_names_its_members():
    p = rw_panel(12, 10, seed=5)
    q = rw_panel(12, 10, seed=6, indicator="patent_grants")
    fc = forecast(pd.concat([p, q], ignore_index=True), h=2)
    cal = fc.attrs["calibration"]
    for name in fc["model"].unique():
        assert name.startswith("median of "), name
        members, method = cal.combos[name]
        assert method == "median" and len(members) == int(name.split(":")[0].split()[-1])
        # the listed models are single models found among the members
        listed = [m.strip() for m in name.split(":", 1)[1].split("#")[0].split(",") if m.strip() != "..."]
        assert listed and all(any(b in m for m in members) for b in listed)
    # one name per distinct member list in the run
    names = [n for n in cal.combos if n.startswith("median of ")]
    assert len({tuple(cal.combos[n][0]) for n in names}) == len(names)


# ---------------------------------------------------------------------------------------------
# spread of short sub-provincial series (models/spread.py)
# ---------------------------------------------------------------------------------------------
def province_reference(n_years=12, seed=21, indicator="patent_applications"):
    """The 31 registered provinces, sizes 300-300,000; log-growth sd falls with size (0.25 -> 0.06)."""
    from innovation_forecast.registry import REGIONS

    provs = sorted(r.name for r in REGIONS.values() if r.level == "province")
    rng = np.random.default_rng(seed)
    rows = []
    for i, name in enumerate(provs):
        size = 300 * 1000 ** (i / (len(provs) - 1))
        sd = 0.25 - 0.19 * i / (len(provs) - 1)
        x = np.log(size) + np.cumsum(0.10 + sd * rng.standard_normal(n_years))
        rows += [{"region": name, "indicator": indicator, "year": 2006 + t, "value": float(np.exp(v))}
                 for t, v in enumerate(x)]
    return pd.DataFrame(rows)


def rel_width(fc, region, level=80):
    r = fc[fc.region == region].iloc[0]
    return float(np.log(r[f"hi_{level}"] / r[f"lo_{level}"]))


def test_county_borrowing_from_provinces_gets_a_wider_relative_interval():
    ref = province_reference()
    short = pd.DataFrame({"region": ["永修县", "永修县", "江西省", "江西省"],
                          "indicator": "patent_applications", "year": [2016, 2017, 2016, 2017],
                          "value": [195.0, 300.0, 20000.0, 30000.0]})
    ref = ref[ref.region != "江西省"]
    # a national total beside the provinces does not make the provinces "sub-reference"
    nat = ref.groupby(["indicator", "year"], as_index=False)["value"].sum().assign(region="全国")
    ref = pd.concat([ref, nat], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(short, h=2, reference=ref)
    county, province = rel_width(fc, "永修县"), rel_width(fc, "江西省")
    assert county > 1.5 * province
    from innovation_forecast.forecast import _engine

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fitted, *_ = _engine(short, 2, "auto", ("region", "indicator"), None, 1, None, ref, None, 8)
    extra = {f.series.key[0]: f.extra for f in fitted}
    assert extra["江西省"] == 0 and extra["永修县"] > 0
    # the county's 80 % interval reaches a +43 % target year (Yongxiu's 2018 plan: 430 after ~300)
    assert fc[fc.region == "永修县"]["hi_80"].iloc[0] > 430
    # paths carry the same widening: their quantiles equal the intervals
    fp = forecast_paths(short, h=2, reference=ref, n_paths=4000)
    p = fp[("永修县", "patent_applications")].paths[:, 0]
    row = fc[fc.region == "永修县"].iloc[0]
    assert np.quantile(p, 0.9) == pytest.approx(row["hi_80"], rel=0.08)
    assert np.quantile(p, 0.1) == pytest.approx(row["lo_80"], rel=0.08)


def test_small_series_get_wider_prior_spread_by_size_alone():
    # unregistered names: no administrative widening, only the size slope fitted on the reference
    ref = province_reference()
    short = pd.DataFrame({"region": ["small", "small", "big", "big"], "indicator": "patent_applications",
                          "year": [2016, 2017, 2016, 2017], "value": [260.0, 300.0, 26000.0, 30000.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(short, h=1, reference=ref)
    assert rel_width(fc, "small") > 1.2 * rel_width(fc, "big")
    pri = fc.attrs["calibration"].volatility_prior
    assert pri[(("patent_applications",), "size")][1] < 0  # volatility falls with size


def test_subregional_tau_uses_only_figures_up_to_the_origin():
    from innovation_forecast.models import spread

    rows = spread.SUBREGIONAL_DEVIATIONS
    t2016 = spread.subregional_tau(2016)
    # outcomes after 2016 (e.g. Yongxiu's 2017 growth) cannot move a forecast made at the end of 2016
    altered = [r if r[1] <= 2016 else (r[0], r[1], r[2], 5.0, r[4]) for r in rows]
    assert spread.subregional_tau(2016, rows=altered) == t2016
    assert spread.subregional_tau(2017, rows=altered) > spread.subregional_tau(2017)
    # no figure yet: the documented prior
    assert spread.subregional_tau(2000) == pytest.approx(spread.TAU_PRIOR)
    # the county figures are far more dispersed than the provinces' growth
    assert spread.subregional_tau() > 2 * np.sqrt(np.mean([r[4] ** 2 for r in rows]))
    # the engine's widening of a county ending in 2016 follows the 2016 estimate
    ref = province_reference()
    one = pd.DataFrame({"region": "永修县", "indicator": "patent_applications", "year": [2016], "value": [195.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        a = forecast(one, h=1, reference=ref[ref.year <= 2016])
    from innovation_forecast.forecast import _engine

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fitted, *_ = _engine(one, 1, "auto", ("region", "indicator"), None, 1, None,
                             ref[ref.year <= 2016], None, 8)
    assert fitted[0].extra == pytest.approx(t2016)
    assert np.isfinite(a[["lo_80", "hi_80"]].to_numpy()).all()


def test_subregional_deviations_snapshot_matches_the_data(data_dir):
    from innovation_forecast import load_panel
    from innovation_forecast.loaders import load_figures
    from innovation_forecast.models import spread

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = load_panel(["techme"], data_dir=data_dir, include_embedded=False)
    p = p[(p.level == "province") & (p.status == "actual")]
    got = spread.subregional_deviations(load_figures(), p)
    key = lambda r: (r[0], r[1], r[2])  # noqa: E731
    assert sorted(got, key=key) == sorted(spread.SUBREGIONAL_DEVIATIONS, key=key)


@pytest.mark.parametrize("region,indicator", [("永修县", "patent_applications"), ("鹰潭市", "rd_expenditure"),
                                              ("江西省", "patent_applications"), ("江西省", "rd_intensity")])
def test_one_point_series_without_reference_keep_a_kind_sized_interval(region, indicator):
    from innovation_forecast.models.spread import KIND_VOLATILITY, kind_volatility

    one = pd.DataFrame({"region": region, "indicator": indicator, "year": [2017], "value": [300.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(one, h=2)
    w = fc["hi_80"].to_numpy() / fc["lo_80"].to_numpy()
    assert kind_volatility(indicator) in KIND_VOLATILITY.values()
    # at least a +-1.28 sd Gaussian band at the kind's default volatility, widening with the horizon
    assert np.log(w[0]) > 2 * 1.28 * kind_volatility(indicator)
    assert w[1] > w[0]


def test_forecast_takes_a_tidy_panel_with_estimates_and_ytd_rows():
    """load_panel() output goes straight in: one value per year (actual > estimate > nowcast ytd)."""
    rows = [("上饶市", "patent_applications", y, v, "actual", None)
            for y, v in [(2012, 2100.0), (2013, 2500.0), (2014, 2900.0), (2015, 3300.0), (2016, 3900.0)]]
    rows += [("上饶市", "patent_applications", 2017, 4153.0, "ytd", 11),
             ("上饶市", "patent_applications", 2017, 5000.0, "estimate", None)]
    panel = pd.DataFrame(rows, columns=["region", "indicator", "year", "value", "status", "months"])
    fc = forecast(panel, h=1, models=[Naive()])
    assert fc["year"].tolist() == [2018] and fc["mean"].iloc[0] == pytest.approx(5000.0)
    only_ytd = panel[panel["status"] != "estimate"]
    fc2 = forecast(only_ytd, h=1, models=[Naive()])
    assert fc2["mean"].iloc[0] > 4153.0 * 12 / 11  # nowcast with the year-end surge, not the raw ytd figure


def test_global_model_fits_the_group_and_declines_gracefully():
    from innovation_forecast.models import GlobalAR

    p = short_panel()  # 8 provinces x 8 years, a 3-year city, a 1-year county
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(p, h=2, models=[GlobalAR()], level=(80,))
    assert len(fc) == 2 * p.region.nunique() and np.isfinite(fc["mean"]).all()
    one = fc[fc.region == "湘东区"]
    assert one.fallback_used.all() and "obs <" in one.fallback_reason.iloc[0]  # one value: naive stands in
    three = fc[fc.region == "萍乡市"]
    assert not three.fallback_used.any()  # three values: the pooled 3-value windows serve it
    assert (three["mean"].to_numpy() > 1200).all()  # growing panel, growing forecast


def test_global_model_in_sample_origins_see_no_later_values():
    from innovation_forecast.forecast import _global_fit_info, _run_chunk, _split_series
    from innovation_forecast.models import GlobalAR

    models = [Naive(), GlobalAR(lags=4, min_windows=5)]
    p = rw_panel(12, 14, seed=21)  # 2005-2018
    p2 = p.copy()
    p2.loc[p2.year >= 2015, "value"] *= 3  # every series changes after 2014

    def records(panel):
        ser = _split_series(panel, ("region", "indicator"), ("indicator",))
        ginfo = _global_fit_info(ser, models, 3)
        out = _run_chunk(ser[:3], models, 3, 8, {}, {}, True, ginfo)
        return [(r["records"], ser[i].years) for i, r in enumerate(out)]

    n_checked = 0
    for (ra, years), (rb, _) in zip(records(p), records(p2)):
        ga, gb = ra[ra[:, 2] == 1], rb[rb[:, 2] == 1]
        assert len(ga) == len(gb) > 0
        origin_year = years[ga[:, 0].astype(int) - 1]
        early = origin_year <= 2014
        np.testing.assert_array_equal(ga[early, 3], gb[early, 3])  # forecasts made at or before 2014
        assert not np.allclose(ga[~early, 3], gb[~early, 3])
        n_checked += early.sum()
    assert n_checked > 0


def test_backtest_with_global_model_uses_only_data_up_to_origin():
    from innovation_forecast.models import GlobalAR

    p = rw_panel(20, 14, seed=12)
    p2 = p.copy()
    p2.loc[p2.year >= 2016, "value"] *= 3
    a = backtest(p, origins=[2014], h=2, models=[GlobalAR()])
    b = backtest(p2, origins=[2014], h=2, models=[GlobalAR()])
    pd.testing.assert_series_equal(a["mean"], b["mean"])
    assert (a.model == "global_ar").all() and not a.fallback_used.any()


def test_bounded_tails_change_only_the_outermost_quantiles():
    from innovation_forecast.forecast import _P, _bounded_tails

    rng = np.random.default_rng(2)
    normal = np.quantile(rng.standard_normal(200_000), _P)[None, :]
    np.testing.assert_array_equal(_bounded_tails(normal), normal)  # lighter than t(4): kept
    wild = normal.copy()
    wild[0, _P > 0.995] = [60.0, 257.0]  # one near-deterministic series' revision, hundreds of volatilities
    wild[0, _P < 0.005] = [-300.0, -50.0]
    out = _bounded_tails(wild)
    inside = (_P >= 0.025) & (_P <= 0.975)
    np.testing.assert_array_equal(out[0, inside], wild[0, inside])  # 80 % and 95 % intervals untouched
    assert np.all(np.diff(out[0]) >= 0)
    assert out[0, -1] < 10 and out[0, 0] > -10  # a t(4)-like continuation of the 0.95-0.99 spread
    assert out[0, -1] > np.interp(0.975, _P, wild[0])
    jump = normal.copy()
    jump[0, _P > 0.985] = 84.0  # a few huge errors already at the 0.99 quantile (h = 2 on the province panel)
    assert _bounded_tails(jump)[0, -1] < 10

def test_paths_of_a_whole_province_panel_have_sane_means(data_dir):
    """Every indicator of the province panel in one call (as the feasibility review makes it): the
    calibration pools scaled errors across indicators, and population's near-deterministic series once
    gave paths whose mean was 1e39 times the median."""
    from innovation_forecast.loaders import load_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = load_panel(data_dir=data_dir)
        prov = full[(full["level"] == "province") & (full["year"] <= 2014) & (full["status"] == "actual")]
        fp = forecast_paths(prov[["region", "indicator", "year", "value"]], h=2, n_paths=2000, seed=3)
    bad = []
    for key, f in fp.items():
        lo, hi = np.quantile(f.paths, [0.01, 0.99], axis=0)
        mean = f.paths.mean(axis=0)
        if not (np.all(np.isfinite(mean)) and np.all(mean >= lo) and np.all(mean <= hi)):
            bad.append((key, mean.tolist(), hi.tolist()))
    assert not bad, f"{len(bad)} of {len(fp)} series have path means outside their 1-99 % range: {bad[:3]}"


_JIANGXI_CITIES = ("赣州市", "九江市", "上饶市", "宜春市", "抚州市")


def _gdp_like_panel(city_noise: float, seed: int = 0) -> pd.DataFrame:
    """The 31 provinces growing about 7 % a year (own sd 0.02) and five Jiangxi cities whose growth is the
    provinces' common growth plus noise of sd ``city_noise``, 2013-2022 (ten values each)."""
    from innovation_forecast.registry import REGIONS

    provs = sorted(r.name for r in REGIONS.values() if r.level == "province")
    rng = np.random.default_rng(seed)
    years = np.arange(2013, 2023)
    common = 0.07 + 0.01 * rng.standard_normal(len(years))
    rows = []
    for name in provs:
        v = 5000 * np.exp(rng.normal(0, 0.5) + np.cumsum(common + 0.02 * rng.standard_normal(len(years))))
        rows += [{"region": name, "indicator": "gdp", "year": y, "value": x} for y, x in zip(years, v)]
    for c in _JIANGXI_CITIES:
        v = 2000 * np.exp(np.cumsum(common + city_noise * rng.standard_normal(len(years))))
        rows += [{"region": c, "indicator": "gdp", "year": y, "value": x} for y, x in zip(years, v)]
    return pd.DataFrame(rows)


def _city_extras(panel: pd.DataFrame) -> dict:
    from innovation_forecast.forecast import _engine

    is_city = panel.region.isin(_JIANGXI_CITIES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fitted, *_ = _engine(panel[is_city], 1, "auto", ("region", "indicator"), None, 1, None,
                             panel[~is_city], None, 8)
    return {f.series.key[0]: f.extra for f in fitted}


def test_city_widening_follows_how_far_the_panels_cities_stray_from_the_provinces():
    from innovation_forecast.models import spread

    # with the curated figures alone, a 10-value city (9 growth rates: prior weight 2 / (8 + 2)) would be
    # widened by sqrt(0.2) x their tau
    before = np.sqrt(0.2) * spread.subregional_tau(2022)
    tight, loose = _city_extras(_gdp_like_panel(0.02)), _city_extras(_gdp_like_panel(0.5))
    assert len(tight) == len(loose) == 5
    # cities that track the provinces within ~2 points (city GDP): a fraction of that widening
    assert all(0 < t < 0.4 * before for t in tight.values())
    # cities that swing by about +-50 % a year (as the innovation figures do): about the same widening
    assert all(0.7 * before < v < 1.3 * before for v in loose.values())


def test_group_tau_reads_only_deviations_up_to_the_series_last_year():
    from innovation_forecast.forecast import _group_tau
    from innovation_forecast.models import spread

    assert _group_tau(None, 2016) == spread.subregional_tau(2016)
    small = tuple((y, 0.01 * (-1) ** y, 0.005) for y in range(2010, 2017) for _ in range(5))
    assert _group_tau(small, 2016) < 0.1
    # later rows, however wild, do not move a series ending in 2016
    late = small + tuple((2019, 3.0, 0.01) for _ in range(50))
    assert _group_tau(late, 2016) == _group_tau(small, 2016)
    assert _group_tau(late, 2019) > spread.subregional_tau(2019)


def test_a_widened_positive_series_keeps_its_band_above_zero():
    from innovation_forecast.forecast import _P, _Fitted, _Series

    s = _Series(0, ("永修县", "patent_applications"), ("patent_applications",), np.array([2017]), np.array([300.0]))
    table = np.vstack([np.interp(_P, [0, 1], [-4, 4]) * np.sqrt(j) for j in (1, 2)])  # level errors, +-4 scales
    common = dict(series=s, model="pooled", point=np.array([330.0, 360.0]), positive=True, s=0.2, scale=60.0,
                  fallback=False, reason="", space="level", table=table)
    plain, wide = _Fitted(**common), _Fitted(**common, extra=0.45)
    q = np.array([[0.01, 0.01], [0.5, 0.5], [0.99, 0.99]])
    qs = np.vstack([np.interp(q[:, j], _P, table[j]) for j in range(2)]).T
    v0, v1 = plain.values(qs), wide.values(qs)
    # the extra log-growth sd widens the band on logs: it never reaches zero, and widens both sides
    assert (v1 > 0).all() and v1[0, 1] < v0[0, 1] and v1[2, 1] > v0[2, 1]
    assert v1[1] == pytest.approx(v0[1])  # the median stays
    # the same extra widening on a log table, for comparison, also stays positive
    assert (_Fitted(**{**common, "space": "log"}, extra=0.45).values(qs) > 0).all()


def test_city_deviations_count_reported_growths_of_cities_only():
    from innovation_forecast.forecast import _split_series, _volatility_priors

    panel = _gdp_like_panel(0.02)
    provinces = panel[~panel.region.isin(_JIANGXI_CITIES)]
    nat = provinces.groupby(["indicator", "year"], as_index=False)["value"].sum().assign(region="全国")
    city = pd.DataFrame({"region": "赣州市", "indicator": "gdp", "year": [2013, 2014, 2016, 2017],
                         "value": [1900.0, 2100.0, 2500.0, 2800.0]})  # 2015 missing: interpolated
    series = _split_series(pd.concat([provinces, nat, city], ignore_index=True), ("region", "indicator"),
                           ("indicator",))
    rows = _volatility_priors(series, ("indicator",))[(("gdp",), "subdev")]
    # 2014 and 2017 are growths between reported years; 2015 and 2016 touch the interpolated 2015
    assert sorted(r[0] for r in rows) == [2014, 2017]


def test_county_widening_is_not_narrowed_by_how_cities_track_the_provinces():
    from innovation_forecast.forecast import _group_tau
    from innovation_forecast.models import spread

    city_rows = tuple((y, 0.01, 0.02, 2) for y in range(2010, 2017) for _ in range(6))
    assert _group_tau(city_rows, 2016, depth=2) < 0.1  # prefecture: its own kind's evidence
    assert _group_tau(city_rows, 2016, depth=3) == spread.subregional_tau(2016)  # county: the curated figures


def test_a_group_without_errors_of_its_own_borrows_the_spread_but_not_the_bias():
    from innovation_forecast.forecast import _P

    # provinces grow 10 % a year: naive under-forecasts them, so its all-groups error table sits above zero;
    # a city indicator with no province data borrows that table's spread, centred on its own forecast
    ref = province_reference()
    city = pd.DataFrame({"region": "上饶市", "indicator": "hte_new", "year": [2017], "value": [93.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(city, h=1, reference=ref, models=[Naive()])
    cal = fc.attrs["calibration"]
    pooled = cal.pooled_tables["naive"]
    assert np.interp(0.5, _P, pooled[pooled["space"]][0]) > 0.1  # the borrowed bias exists
    space, tab = cal.table(("hte_new",), "naive", 1)
    assert np.interp(0.5, _P, tab[0]) == pytest.approx(0.0, abs=1e-9)
    assert np.interp(0.9, _P, tab[0]) - np.interp(0.1, _P, tab[0]) > 0  # the spread is kept
    row = fc.iloc[0]
    assert row["lo_80"] < 93.0 < row["hi_80"]


def test_a_value_in_a_year_no_other_series_reports_still_grows_with_the_panel():
    """上饶市 reports high-tech enterprises for 2017 and 2024 only (the 2017 value is dropped across the
    gap); the other cities stop before 2024. The one 2024 value grows at the panel's growth as of 2024,
    not at none."""
    rows = [{"region": r, "indicator": "hte_total", "year": y, "value": v0 * 1.2 ** (y - 2016)}
            for r, v0 in (("南昌市", 1000.0), ("九江市", 100.0), ("赣州市", 300.0), ("宜春市", 200.0))
            for y in range(2016, 2022)]
    rows += [{"region": "上饶市", "indicator": "hte_total", "year": y, "value": v} for y, v in ((2017, 179.0), (2024, 642.0))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FallbackWarning)
        fc = forecast(pd.DataFrame(rows), h=2)
    sr = fc[fc["region"] == "上饶市"].set_index("year")
    assert list(sr.index) == [2025, 2026]
    assert sr.loc[2025, "mean"] == pytest.approx(642 * 1.2, rel=0.02)
    assert sr.loc[2026, "mean"] > sr.loc[2025, "mean"]


def test_a_steadier_kind_of_indicator_gets_a_smaller_city_spread():
    """The curated sub-provincial tau was measured on counts and amounts; a county's R&D intensity (a
    ratio, province volatility 0.055 against 0.16) gets sqrt(0.055 / 0.16) of it."""
    from innovation_forecast.forecast import _engine
    from innovation_forecast.models import spread

    extras = {}
    for ind in ("patent_applications", "rd_intensity"):
        ref = province_reference(indicator=ind)
        one = pd.DataFrame({"region": "永修县", "indicator": ind, "year": [2016], "value": [1.3]})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FallbackWarning)
            fitted, *_ = _engine(one, 1, "auto", ("region", "indicator"), None, 1, None,
                                 ref[ref.year <= 2016], None, 8)
        extras[ind] = fitted[0].extra
    assert extras["patent_applications"] == pytest.approx(spread.subregional_tau(2016))
    assert extras["rd_intensity"] == pytest.approx(np.sqrt(0.055 / 0.16) * extras["patent_applications"])
