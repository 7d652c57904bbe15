"""Target feasibility: every basis on synthetic panels whose path arrays make p exactly computable."""

from __future__ import annotations

import io
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from innovation_forecast import feasibility as fz
from innovation_forecast.errors import InnovationForecastError, UnknownIndicatorError, UnknownRegionError
from innovation_forecast.feasibility import (
    assess_targets, historical_cagr, p_event, progress_ratio, required_growth, verdict,
)

N = 100  # paths in the hand-made arrays


def _panel(series: dict[tuple[str, str], dict[int, float]], status: str = "actual") -> pd.DataFrame:
    rows = [{"region": r, "indicator": i, "year": y, "value": v, "status": status}
            for (r, i), s in series.items() for y, v in s.items()]
    return pd.DataFrame(rows)


def _fp(years, cols, model="toy"):
    """A ForecastPaths look-alike: ``cols`` is a list of length-N arrays, one per year."""
    return SimpleNamespace(years=np.asarray(years), paths=np.column_stack(cols), model=model)


def _target(region="九江市", year=2018, indicator="patent_applications", basis="level", comparator="ge", value=1.0,
            stretch_low=np.nan, unit="件", **kw):
    return {"doc": "synthetic", "region": region, "year": year, "indicator": indicator, "basis": basis,
            "comparator": comparator, "value": value, "stretch_low": stretch_low, "stretch_high": np.nan,
            "unit": unit, "quote": kw.get("quote", "q"), "conflict": False}


def _assess(panel, targets, paths, **kw):
    kw.setdefault("calibration", None)  # exact shares of paths; the recalibration has its own tests
    kw.setdefault("peer_weight", 0.0)  # the hand-made paths alone; pooling with peer growth has its own tests
    return assess_targets(panel, pd.DataFrame(targets), paths=paths, n_paths=N, **kw)


GROWING = {y: 100.0 * 1.1 ** (y - 2010) for y in range(2010, 2018)}  # +10%/yr, 2017 = 194.87


# --------------------------------------------------------------------------------------------------
# bases
# --------------------------------------------------------------------------------------------------

def test_level_target_probability_is_share_of_paths():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    col = np.arange(1, N + 1, dtype=float) * 3  # 3, 6, ..., 300
    out = _assess(panel, [_target(value=180.0)], {("九江市", "patent_applications"): _fp([2018], [col])})
    row = out.iloc[0]
    assert row["p_meet"] == pytest.approx(np.mean(col >= 180.0))  # 0.41
    assert row["target"] == 180.0
    assert row["verdict"] == "toss-up"
    assert row["mean"] == pytest.approx(col.mean())
    assert row["lo_80"] == pytest.approx(np.quantile(col, 0.1))


def test_growth_target_uses_known_previous_year():
    panel = _panel({("九江市", "rd_expenditure"): {2015: 60.0, 2016: 80.0, 2017: 100.0}})
    col = np.linspace(100.0, 150.0, N)
    out = _assess(panel, [_target(indicator="rd_expenditure", basis="growth_pct", value=25, stretch_low=40,
                                  unit="%")],
                  {("九江市", "rd_expenditure"): _fp([2018], [col])})
    row = out.iloc[0]
    assert row["target"] == pytest.approx(125.0)  # previous year × 1.25
    assert row["stretch"] == pytest.approx(140.0)
    # the series is published in whole 亿元, so are the paths before they are judged
    assert row["p_meet"] == pytest.approx(np.mean(np.round(col) >= 125.0 - 1e-9))
    assert row["p_stretch"] == pytest.approx(np.mean(np.round(col) >= 140.0 - 1e-9))
    assert row["required_growth"] == pytest.approx(0.25)


def test_growth_target_two_years_ahead_is_judged_path_by_path():
    # half the paths fall in 2018 then grow 30% in 2019; the other half jump in 2018 then grow 10%.
    panel = _panel({("九江市", "patent_applications"): GROWING})
    y18 = np.r_[np.full(N // 2, 150.0), np.full(N // 2, 300.0)]
    y19 = np.r_[np.full(N // 2, 195.0), np.full(N // 2, 330.0)]
    out = _assess(panel, [_target(year=2019, basis="growth_pct", value=25, unit="%")],
                  {("九江市", "patent_applications"): _fp([2018, 2019], [y18, y19])})
    row = out.iloc[0]
    # marginally, 2019 exceeds 1.25 × mean(2018) = 281.25 on half the paths too, but the joint event is what counts:
    # exactly the first half grew ≥ 25%.
    assert row["p_meet"] == pytest.approx(0.5)
    assert row["target"] == pytest.approx(1.25 * y18.mean())
    assert "path by path" in row["notes"]


def test_joint_growth_differs_from_marginal():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    y18 = np.r_[np.full(N // 2, 150.0), np.full(N // 2, 300.0)]
    y19 = np.r_[np.full(N // 2, 170.0), np.full(N // 2, 390.0)]  # +13% and +30%
    out = _assess(panel, [_target(year=2019, basis="growth_pct", value=25, unit="%")],
                  {("九江市", "patent_applications"): _fp([2018, 2019], [y18, y19])})
    assert out.iloc[0]["p_meet"] == pytest.approx(0.5)  # marginal vs 1.25 × 225 = 281 would also be 0.5; check below
    y19b = np.r_[np.full(N // 2, 290.0), np.full(N // 2, 310.0)]  # all above 281.25, but only the first half grew ≥25%
    out = _assess(panel, [_target(year=2019, basis="growth_pct", value=25, unit="%")],
                  {("九江市", "patent_applications"): _fp([2018, 2019], [y18, y19b])})
    assert out.iloc[0]["p_meet"] == pytest.approx(0.5)
    assert np.mean(y19b >= 1.25 * y18.mean()) == 1.0


def test_increment_of_a_stock_compares_the_change():
    panel = _panel({("九江市", "invention_patents_per_10k"): {2015: 0.5, 2016: 0.7, 2017: 0.94}})
    col = 0.94 + np.linspace(0.0, 0.4, N)
    out = _assess(panel, [_target(indicator="invention_patents_per_10k", basis="increment", value=0.2,
                                  unit="件/万人")],
                  {("九江市", "invention_patents_per_10k"): _fp([2018], [col])})
    row = out.iloc[0]
    assert row["target"] == pytest.approx(1.14)
    assert row["p_meet"] == pytest.approx(np.mean(np.round(col, 2) - 0.94 >= 0.2 - 1e-9))


def test_new_enterprise_target_compares_the_flow_itself():
    panel = _panel({("九江市", "hte_new"): {2015: 20.0, 2016: 40.0, 2017: 63.0},
                    ("九江市", "hte_total"): {2015: 150.0, 2016: 170.0, 2017: 200.0}})
    col = np.linspace(20.0, 80.0, N)
    out = _assess(panel, [_target(indicator="hte_new", basis="increment", value=40, stretch_low=60, unit="家")],
                  {("九江市", "hte_new"): _fp([2018], [col])})
    row = out.iloc[0]
    assert row["target"] == 40.0  # not 63 + 40
    assert row["p_meet"] == pytest.approx(np.mean(col >= 40.0))
    assert row["p_stretch"] == pytest.approx(np.mean(col >= 60.0))
    assert "hte_new" in row["inputs"]


def test_new_enterprise_target_falls_back_to_stock_change_as_lower_bound():
    panel = _panel({("九江市", "hte_total"): {2015: 150.0, 2016: 170.0, 2017: 200.0}})
    col = 200.0 + np.linspace(0.0, 100.0, N)
    out = _assess(panel, [_target(indicator="hte_new", basis="increment", value=40, unit="家")],
                  {("九江市", "hte_total"): _fp([2018], [col])})
    row = out.iloc[0]
    assert row["p_meet"] == pytest.approx(np.mean(col - 200.0 >= 40.0))
    assert "lower bound" in row["notes"] and "lower bound" in row["explanation"]
    assert "hte_total" in row["inputs"]


def test_ratio_target_from_rd_and_gdp_paths_when_they_have_more_history():
    panel = _panel({("九江市", "rd_expenditure"): {2013: 20.0, 2014: 24.0, 2015: 28.0, 2016: 33.0, 2017: 40.0},
                    ("九江市", "gdp"): {2013: 2000.0, 2014: 2100.0, 2015: 2200.0, 2016: 2300.0, 2017: 2500.0},
                    ("九江市", "rd_intensity"): {2016: 1.43, 2017: 1.6}})
    rd = np.linspace(40.0, 70.0, N)
    gdp = np.full(N, 2600.0)
    out = _assess(panel, [_target(indicator="rd_intensity", value=2.2, unit="%")],
                  {("九江市", "rd_expenditure"): _fp([2018], [rd]), ("九江市", "gdp"): _fp([2018], [gdp])})
    row = out.iloc[0]
    assert row["p_meet"] == pytest.approx(np.mean(100 * rd / gdp >= 2.2 - 1e-9))
    assert "rd_expenditure/gdp" in row["inputs"]
    assert row["latest_value"] == pytest.approx(1.6)  # 100 × 40 / 2500


def test_ratio_target_from_intensity_series_when_it_is_longer():
    panel = _panel({("九江市", "rd_intensity"): {2013: 1.0, 2014: 1.1, 2015: 1.2, 2016: 1.3, 2017: 1.4},
                    ("九江市", "rd_expenditure"): {2017: 40.0}, ("九江市", "gdp"): {2016: 2300.0, 2017: 2500.0}})
    col = np.linspace(1.2, 1.8, N)
    out = _assess(panel, [_target(indicator="rd_intensity", value=1.5, unit="%")],
                  {("九江市", "rd_intensity"): _fp([2018], [col])})
    row = out.iloc[0]
    assert row["p_meet"] == pytest.approx(np.mean(np.round(col, 1) >= 1.5 - 1e-9))
    assert row["inputs"].startswith("rd_intensity series")


def test_pp_target_compares_the_change_in_points():
    panel = _panel({("九江市", "rd_intensity"): {2015: 1.2, 2016: 1.3, 2017: 1.4}})
    col = np.linspace(1.3, 1.8, N)
    out = _assess(panel, [_target(indicator="rd_intensity", basis="pp", value=0.2, unit="个百分点")],
                  {("九江市", "rd_intensity"): _fp([2018], [col])})
    assert out.iloc[0]["p_meet"] == pytest.approx(np.mean(np.round(col, 1) - 1.4 >= 0.2 - 1e-9))


@pytest.mark.parametrize("comparator, expect", [("ge", lambda c: c >= 150), ("gt", lambda c: c > 150),
                                                ("le", lambda c: c <= 150), ("lt", lambda c: c < 150),
                                                ("eq", lambda c: c >= 150)])
def test_comparators(comparator, expect):
    panel = _panel({("九江市", "patent_applications"): GROWING})
    col = np.arange(100.0, 200.0)  # contains 150 exactly
    out = _assess(panel, [_target(value=150.0, comparator=comparator)],
                  {("九江市", "patent_applications"): _fp([2018], [col])})
    assert out.iloc[0]["p_meet"] == pytest.approx(np.mean(expect(col)))
    if comparator == "eq":
        assert "≥" in out.iloc[0]["notes"]


def test_unit_of_a_level_target_is_converted():
    panel = _panel({("九江市", "rd_expenditure"): {2015: 20.0, 2016: 25.0, 2017: 30.0}})
    col = np.linspace(25.0, 45.0, N)
    out = _assess(panel, [_target(indicator="rd_expenditure", value=350000.0, unit="万元")],
                  {("九江市", "rd_expenditure"): _fp([2018], [col])})
    assert out.iloc[0]["target"] == pytest.approx(35.0)


# --------------------------------------------------------------------------------------------------
# known outcomes, as_of, missing data
# --------------------------------------------------------------------------------------------------

def test_met_and_missed_when_target_year_is_known():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    out = assess_targets(panel, pd.DataFrame([_target(year=2017, value=190.0), _target(year=2017, value=200.0),
                                              _target(year=2017, basis="growth_pct", value=12, unit="%")]))
    assert list(out["verdict"]) == ["met", "missed", "missed"]
    assert list(out["p_meet"]) == [1.0, 0.0, 0.0]


def test_as_of_excludes_later_data():
    later = {**GROWING, 2018: 500.0, 2019: 600.0}
    panel = _panel({("九江市", "patent_applications"): later})
    col = np.linspace(150.0, 250.0, N)
    paths = {("九江市", "patent_applications"): _fp([2018], [col])}
    seen = _assess(panel, [_target(value=200.0)], paths)
    assert seen.iloc[0]["verdict"] == "met"  # 2018 is known in the full panel
    rev = _assess(panel, [_target(value=200.0)], paths, as_of=2017)
    assert rev.iloc[0]["latest_year"] == 2017
    assert rev.iloc[0]["p_meet"] == pytest.approx(np.mean(col >= 200.0))
    trunc = _assess(_panel({("九江市", "patent_applications"): GROWING}), [_target(value=200.0)], paths)
    pd.testing.assert_series_equal(rev.iloc[0], trunc.iloc[0], check_names=False)


def test_as_of_turns_year_to_date_into_full_year(monkeypatch):
    panel = _panel({("上饶市", "patent_applications"): {2015: 3000.0, 2016: 3850.0}})
    ytd = pd.DataFrame([{"region": "上饶市", "indicator": "patent_applications", "year": 2017, "value": 4153.0,
                         "status": "ytd", "months": 11}])
    panel = pd.concat([panel, ytd], ignore_index=True)
    col = np.linspace(4000.0, 6000.0, N)
    out = _assess(panel, [_target(region="上饶市", value=5500.0)],
                  {("上饶市", "patent_applications"): _fp([2018], [col])}, as_of=2017)
    row = out.iloc[0]
    assert row["latest_year"] == 2017
    assert row["latest_value"] > 4153.0  # a full-year estimate, not the 11-month figure
    assert "year-to-date" in row["notes"] or "year-to-date" in " ".join(out["notes"])


def test_no_data_verdict_names_what_is_missing():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    out = _assess(panel, [_target(indicator="tech_sme", value=200.0, unit="家")], {})
    row = out.iloc[0]
    assert row["verdict"] == "no data"
    assert np.isnan(row["p_meet"])
    assert "tech_sme" in row["notes"] and "九江市" in row["notes"]
    assert "no data" in row["explanation"]


def _short_city_and_reference():
    panel = _panel({("九江市", "patent_applications"): {2017: 6200.0}})
    ref = _panel({(p, "patent_applications"): {y: 1000.0 * 1.1 ** (y - 2010) for y in range(2010, 2018)}
                  for p in ("江西省", "湖南省", "湖北省")})
    return panel, ref


def test_fallback_to_pooled_growth_is_recorded(monkeypatch):
    monkeypatch.setattr(fz, "_engine", lambda: None)
    panel, ref = _short_city_and_reference()
    targets = [_target(basis="growth_pct", value=5, unit="%"), _target(basis="growth_pct", value=15, unit="%")]
    out = assess_targets(panel, pd.DataFrame(targets), reference=ref, n_paths=200, calibration=None)
    # every peer grew exactly 10% a year, so pooled paths grow 10%: a 5% target is met, a 15% target is not
    assert list(out["p_meet"]) == [1.0, 0.0]
    assert (out["model"] == "peer growth").all()
    assert out["notes"].str.contains("peer growth").all()
    assert out["n_obs"].tolist() == [1, 1]
    assert out["explanation"].str.contains("no own growth history (1 obs; model peer growth)", regex=False).all()
    zh = assess_targets(panel, pd.DataFrame(targets), reference=ref, n_paths=200, lang="zh")
    assert zh["explanation"].str.contains("模型为同类地区增长", regex=False).all()
    assert not zh["explanation"].str.contains("pooled", regex=False).any()  # no English inside the Chinese


def test_engine_failure_falls_back_to_pooled_growth(monkeypatch):
    def broken(*a, **k):
        raise fz.DataValidationError("too short")
    monkeypatch.setattr(fz, "_engine", lambda: broken)
    panel, ref = _short_city_and_reference()
    out = assess_targets(panel, pd.DataFrame([_target(basis="growth_pct", value=5, unit="%")]), reference=ref,
                         n_paths=200, calibration=None)
    assert out.iloc[0]["p_meet"] == 1.0
    assert "engine failed" in out.iloc[0]["notes"]


def test_engine_fallback_warning_points_at_the_review_columns(monkeypatch):
    """The engine's fallback summary names forecast()'s columns; passed on by a review it names the
    review's own `model` column, once, and keeps the series it lists."""
    from innovation_forecast.forecast import FallbackWarning

    def engine(sub, h, **kw):
        warnings.warn("1 of 1 series fell back to another model (see columns fallback_used/fallback_reason), "
                      "e.g. ('九江市', 'patent_applications'): too short; used naive", FallbackWarning)
        return {}  # no paths: peer growth takes over
    monkeypatch.setattr(fz, "_engine", lambda: engine)
    panel, ref = _short_city_and_reference()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assess_targets(panel, pd.DataFrame([_target(basis="growth_pct", value=5, unit="%")]), reference=ref,
                       n_paths=200, calibration=None)
    fb = [str(w.message) for w in caught if issubclass(w.category, FallbackWarning)]
    assert fb and all("`model` column" in m and "fallback_used" not in m and "九江市" in m for m in fb)


def test_unknown_region_and_indicator_name_the_row():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    with pytest.raises(UnknownRegionError, match="targets row 1"):
        assess_targets(panel, pd.DataFrame([_target(), _target(region="火星市")]))
    with pytest.raises(UnknownIndicatorError, match="targets row 0.*quote 'q'"):
        assess_targets(panel, pd.DataFrame([_target(indicator="unicorns")]))
    with pytest.raises(InnovationForecastError, match="basis"):
        assess_targets(panel, pd.DataFrame([_target(basis="ratio")]))


# --------------------------------------------------------------------------------------------------
# numbers behind the verdict, explanations
# --------------------------------------------------------------------------------------------------

def test_explanation_names_required_and_historical_growth_en_and_zh():
    panel = _panel({("九江市", "patent_applications"): GROWING,
                    ("南昌市", "patent_applications"): {y: 50.0 * 1.2 ** (y - 2010) for y in range(2010, 2018)}})
    prev = GROWING[2017]
    col = np.linspace(0.9, 1.5, N) * prev
    paths = {("九江市", "patent_applications"): _fp([2018], [col])}
    t = [_target(basis="growth_pct", value=25, unit="%")]
    en = _assess(panel, t, paths, lang="en").iloc[0]
    zh = _assess(panel, t, paths, lang="zh").iloc[0]
    p = np.mean(col >= 1.25 * prev - 1e-9)
    assert en["historical_growth"] == pytest.approx(0.10)
    assert en["historical_growth_years"] == "2014–2017"
    # own growths (10%) sit below the peer's 20%: the 10%/yr CAGR is at the 25th percentile of the pool
    assert en["historical_growth_pct_rank"] == pytest.approx(25.0, abs=0.01)
    for s in ("+25.0% in 2018", "+10.0%/yr over 2014–2017", "25th percentile", f"P(meet) = {p:.2f}",
              en["verdict"]):
        assert s in en["explanation"]
    for s in ("2018年需增长25.0%", "2014–2017年年均增长10.0%", f"达成概率{p:.2f}", "第25百分位"):
        assert s in zh["explanation"]
    assert en["verdict"] == verdict(p)


def test_progress_ratio_open_sdg():
    # grew 10%/yr from 2014, needs 10%/yr to the target: on track
    r, lab = progress_ratio(100.0, 2014, 133.1, 2017, 100 * 1.1 ** 5, 2019)
    assert r == pytest.approx(1.0) and lab == "on track"
    r, lab = progress_ratio(100.0, 2014, 115.76, 2017, 100 * 1.1 ** 5, 2019)  # 5%/yr vs 10%
    assert lab == "limited progress" and 0.45 < r < 0.55
    assert progress_ratio(100.0, 2014, 90.0, 2017, 200.0, 2019)[1] == "deterioration"
    assert progress_ratio(100.0, 2014, 130.0, 2017, 120.0, 2019)[1] == "target achieved"
    assert progress_ratio(100.0, 2014, 80.0, 2017, 90.0, 2019, "le")[1] == "target achieved"
    # a flow (new enterprises a year): 63 in 2017 does not achieve "40 new in 2018"; the same level would do
    assert progress_ratio(20.0, 2015, 63.0, 2017, 40.0, 2018, flow=True)[1] == "on track"
    assert progress_ratio(20.0, 2015, 63.0, 2017, 40.0, 2017, flow=True)[1] == "target achieved"  # that year


def test_helpers():
    assert historical_cagr(pd.Series({2010: 50.0, 2014: 100.0, 2015: 110.0, 2016: 121.0, 2017: 133.1}))[0] \
        == pytest.approx(0.1)
    assert np.isnan(historical_cagr(pd.Series({2017: 5.0}))[0])
    assert required_growth(150.0, 100.0, 2017, 2018) == pytest.approx(0.5)
    assert [verdict(p) for p in (0.95, 0.8, 0.5, 0.4, 0.3, 0.2, 0.0)] == \
        ["likely", "likely", "toss-up", "toss-up", "stretch", "unlikely", "unlikely"]
    # judged as printed: 0.7995 reads "0.80", so it is "likely", not a toss-up shown as 0.80
    assert verdict(0.7995) == "likely" and verdict(0.7949) == "toss-up" and verdict(0.2049) == "unlikely"
    assert p_event(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 5.0, 0.0, 5.0])) == 0.5
    with pytest.raises(InnovationForecastError):
        p_event(np.array([1.0]), 1.0, "ne")


def test_output_columns_are_the_documented_ones():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    out = _assess(panel, [_target(value=150.0)], {("九江市", "patent_applications"): _fp([2018], [np.ones(N)])})
    for c in ("region", "indicator", "target_year", "basis", "comparator", "target", "stretch", "latest_year",
              "latest_value", "required_growth", "historical_growth", "historical_growth_pct_rank", "mean", "lo_80",
              "hi_80", "p_meet", "p_stretch", "progress_ratio", "progress_label", "verdict", "explanation", "n_obs",
              "model", "inputs", "notes"):
        assert c in out.columns


def test_too_few_peer_growths_gives_no_data_not_a_guess(monkeypatch):
    monkeypatch.setattr(fz, "_engine", lambda: None)
    panel = _panel({("九江市", "patent_applications"): {2017: 6200.0}, ("南昌市", "patent_applications"): {2016: 1.0,
                                                                                                       2017: 2.0}})
    out = assess_targets(panel, pd.DataFrame([_target(basis="growth_pct", value=5, unit="%")]), n_paths=50)
    row = out.iloc[0]
    assert row["verdict"] == "no data"
    assert "too few peer growths" in row["explanation"]


# --------------------------------------------------------------------------------------------------
# command line (embedded curated data; the data directory is not needed)
# --------------------------------------------------------------------------------------------------

def _cli(argv, capsys, monkeypatch):
    import argparse

    from innovation_forecast.commands import feasibility as cmd

    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    cmd.register(parser.add_subparsers())
    args = parser.parse_args(["feasibility", *argv])
    code = args.func(args)
    return code, capsys.readouterr()


def test_cli_csv_on_embedded_targets(capsys, monkeypatch):
    import io

    from innovation_forecast import load_targets

    code, cap = _cli(["--format", "csv", "--n-paths", "200"], capsys, monkeypatch)
    assert code == 0
    out = pd.read_csv(io.StringIO(cap.out))
    assert len(out) == len(load_targets())
    assert set(out["verdict"]) <= {"likely", "toss-up", "stretch", "unlikely", "met", "missed", "no data"}
    # reviewed as of the year in each report's name
    assert (out.loc[out["doc"] == "jiujiang_2017_summary_2018_plan", "as_of"] == 2017).all()
    assert out["explanation"].notna().all()


def test_cli_table_region_filter_in_chinese(capsys, monkeypatch):
    code, cap = _cli(["--region", "九江", "--lang", "zh", "--n-paths", "200"], capsys, monkeypatch)
    assert code == 0
    lines = [ln for ln in cap.out.splitlines()[1:] if ln.strip()]
    assert lines and all("九江市" in ln for ln in lines)
    assert "达成概率" in cap.out or "无数据" in cap.out


def test_report_year():
    from innovation_forecast.commands.feasibility import report_year

    assert report_year("jiujiang_2017_summary_2018_plan") == 2017
    assert report_year("xiangdong_district_2020_report") == 2020
    assert report_year("plan") is None


# --------------------------------------------------------------------------------------------------
# with the real forecast engine
# --------------------------------------------------------------------------------------------------

def test_with_engine_probabilities_fall_as_targets_get_harder():
    pytest.importorskip("innovation_forecast.forecast")
    rng = np.random.default_rng(3)
    series = {}
    for r, g in (("九江市", 0.12), ("南昌市", 0.08), ("上饶市", 0.15), ("赣州市", 0.10)):
        v = 1000.0 * np.exp(np.cumsum(g + 0.05 * rng.standard_normal(12)))
        series[(r, "patent_applications")] = dict(zip(range(2006, 2018), v))
    panel = _panel(series)
    targets = [_target(basis="growth_pct", value=g, unit="%") for g in (-10, 0, 10, 20, 40)]
    targets.append(_target(year=2019, basis="growth_pct", value=10, unit="%"))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = assess_targets(panel, pd.DataFrame(targets), n_paths=500, seed=1)
    p = out["p_meet"].to_numpy()
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(p[:5]) <= 0) and p[0] > p[4]
    assert out["model"].str.len().gt(0).all() and (out["model"] != "peer growth").all()
    assert (out["n_obs"] == 12).all()
    again = assess_targets(panel, pd.DataFrame(targets), n_paths=500, seed=1)
    np.testing.assert_allclose(again["p_meet"], p)  # seeded: reproducible


# --------------------------------------------------------------------------------------------------
# recalibration
# --------------------------------------------------------------------------------------------------

def test_fit_calibration_recovers_an_overconfident_score():
    from innovation_forecast.feasibility.calibration import calibration_group, fit_calibration

    rng = np.random.default_rng(0)
    true_p = rng.uniform(0.05, 0.95, 4000)
    y = (rng.uniform(size=4000) < true_p).astype(float)
    # the raw score is twice as extreme on the logit scale as the truth
    z = 2 * np.log(true_p / (1 - true_p))
    raw = 1 / (1 + np.exp(-z))
    frame = pd.DataFrame({"p_raw": raw, "base_rate": 0.5, "outcome": y, "group": calibration_group("growth_pct", 1)})
    cal = fit_calibration(frame)
    a, b, c = cal.coef["growth_h1"]
    assert b == pytest.approx(0.5, abs=0.1) and abs(a) < 0.15
    fixed = cal.apply(raw, np.full(4000, 0.5), np.full(4000, "growth_h1", dtype=object))
    assert np.mean((fixed - y) ** 2) < np.mean((raw - y) ** 2)
    assert np.all(np.diff(fixed[np.argsort(raw)]) >= -1e-12)  # monotone in the raw score
    assert calibration_group("increment", 3) == "change_h2" and calibration_group("level", 1) == "level_h1"


def test_calibration_is_applied_and_raw_share_kept():
    from innovation_forecast.feasibility.calibration import FeasibilityCalibration

    panel = _panel({("九江市", "patent_applications"): GROWING})
    col = np.arange(1, N + 1, dtype=float) * 3
    paths = {("九江市", "patent_applications"): _fp([2018], [col])}
    # one region: no peer growths, so no base rate and the p-only map applies
    cal = FeasibilityCalibration(coef={"all": (5.0, 5.0, 5.0), "all|p": (0.0, 0.5, 0.0)})
    out = _assess(panel, [_target(value=180.0), _target(year=2017, value=1.0)], paths, calibration=cal)
    raw = np.mean(col >= 180.0)
    z = 0.5 * np.log(raw / (1 - raw))
    assert out.iloc[0]["p_meet_raw"] == pytest.approx(raw)
    assert out.iloc[0]["p_meet"] == pytest.approx(1 / (1 + np.exp(-z)))
    assert "recalibrated" in out.iloc[0]["notes"]
    assert out.iloc[1]["p_meet"] == 1.0  # a known outcome is not recalibrated


def test_by_default_p_meet_is_the_share_of_paths_without_a_map():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    col = np.arange(1, N + 1, dtype=float) * 3
    paths = {("九江市", "patent_applications"): _fp([2018], [col])}
    out = assess_targets(panel, pd.DataFrame([_target(value=180.0)]), paths=paths, n_paths=N)
    row = out.iloc[0]
    assert row["p_meet"] == row["p_meet_raw"] == pytest.approx(np.mean(col >= 180.0))
    assert "recalibrated" not in row["notes"]
    with pytest.raises(InnovationForecastError, match="FeasibilityCalibration"):
        assess_targets(panel, pd.DataFrame([_target(value=180.0)]), paths=paths, n_paths=N, calibration="default")


# --------------------------------------------------------------------------------------------------
# peer growth pooled with the engine's paths
# --------------------------------------------------------------------------------------------------

def _peers(growth=0.10, years=range(2004, 2018), regions=("江西省", "湖南省", "湖北省", "安徽省")):
    return _panel({(p, "patent_applications"): {y: 1000.0 * (1 + growth) ** (y - 2004) for y in years}
                   for p in regions})


def test_peer_paths_take_peer_weight_of_the_pool():
    # the engine's paths say the city stays flat; every peer grew exactly 10% a year
    panel = _panel({("九江市", "patent_applications"): GROWING})
    flat = {("九江市", "patent_applications"): _fp([2018], [np.full(N, GROWING[2017])])}
    target = [_target(basis="growth_pct", value=5, unit="%")]
    for w in (0.0, 0.3, 0.5, 1.0):
        out = _assess(panel, target, flat, reference=_peers(), peer_weight=w)
        assert out.iloc[0]["p_meet"] == pytest.approx(w)  # only the peer paths grow 5% or more
    out = assess_targets(panel, pd.DataFrame(target), paths=flat, n_paths=N, reference=_peers())
    assert out.iloc[0]["p_meet"] == pytest.approx(fz.PEER_WEIGHT)
    assert "peer growth (50% of paths)" in out.iloc[0]["model"]
    zh = assess_targets(panel, pd.DataFrame(target), paths=flat, n_paths=N, reference=_peers(), lang="zh")
    assert "pooled" not in zh.iloc[0]["explanation"]
    with pytest.raises(InnovationForecastError, match="peer_weight"):
        _assess(panel, target, flat, reference=_peers(), peer_weight=1.5)
    # the peer paths replace a random half of the engine's, not its upper or lower end
    ordered = {("九江市", "patent_applications"): _fp([2018], [np.linspace(0.9, 1.5, N) * GROWING[2017]])}
    out = _assess(panel, [_target(basis="growth_pct", value=25, unit="%")], ordered, reference=_peers(),
                  peer_weight=0.5)
    share = np.mean(np.linspace(0.9, 1.5, N) >= 1.25 - 1e-9)  # 0.42 of the engine's paths; no peer path grows 25%
    assert 0.5 * share - 0.12 < out.iloc[0]["p_meet"] < 0.5 * share + 0.12


def test_peer_growth_is_scaled_to_the_region_volatility():
    rng = np.random.default_rng(1)
    peers = {}
    for k in range(30):  # peers: 8% a year with 10% noise in log growth
        g = 0.08 + 0.10 * rng.standard_normal(15)
        peers[(f"r{k}", "x")] = pd.Series(100 * np.exp(np.cumsum(g)), index=range(2003, 2018))
    pg = fz.peer_growth(peers, upto=2017)
    assert pg.centre == pytest.approx(0.08, abs=0.02)
    # growths in units of each series' volatility: about 1, a little more because a volatility measured on
    # 2-6 growths is itself noisy (the wider z carries that uncertainty into the paths)
    assert 0.9 < np.std(pg.z) < 1.6
    calm = pg.paths(100.0, 0.02, 1, 4000, np.random.default_rng(0))
    wild = pg.paths(100.0, 0.30, 1, 4000, np.random.default_rng(0))
    assert np.std(np.log(wild)) > 10 * np.std(np.log(calm))
    assert np.median(np.log(calm / 100)) == pytest.approx(pg.centre, abs=0.01)
    # growths after upto are not used: an as_of review cannot see the future
    late = {k: v.where(v.index <= 2012, v * 10) for k, v in peers.items()}
    assert fz.peer_growth(late, upto=2012).centre == pytest.approx(fz.peer_growth(peers, upto=2012).centre)
    assert fz.peer_growth({("a", "x"): pd.Series([1.0, 2.0], index=[2016, 2017])}, upto=2017) is None


def test_cli_reads_targets_from_a_report(capsys, monkeypatch, seeds_dir):
    import io

    code, cap = _cli(["--report", str(seeds_dir / "shangrao_2017_summary_2018_plan.txt"), "--format", "csv",
                      "--n-paths", "200"], capsys, monkeypatch)
    assert code == 0
    out = pd.read_csv(io.StringIO(cap.out))
    assert len(out) >= 2 and (out["region"] == "上饶市").all()
    assert (out["as_of"] == 2017).all()
    pa = out[(out["indicator"] == "patent_applications") & (out["basis"] == "level")]
    assert len(pa) and (pa["target"] == 5500).all() and (pa["latest_year"] == 2017).all()


def test_missing_base_rate_uses_the_p_only_map():
    from innovation_forecast.feasibility.calibration import FeasibilityCalibration

    cal = FeasibilityCalibration(coef={"growth_h1": (0.0, 0.0, 1.0), "growth_h1|p": (0.0, 1.0, 0.0)})
    out = cal.apply([0.2, 0.2], [0.9, np.nan], ["growth_h1", "growth_h1"])
    assert out[0] == pytest.approx(0.9, abs=1e-3)  # with a base rate: this map uses only the base rate
    assert out[1] == pytest.approx(0.2, abs=1e-3)  # without: the p-only map (identity here), not base = 0.5


# --------------------------------------------------------------------------------------------------
# multi-year (period) targets: 年均增长 X%, 翻番
# --------------------------------------------------------------------------------------------------

def _period(basis, value, base_year, year=2019, **kw):
    return dict(_target(year=year, basis=basis, value=value, unit="%" if basis == "cagr" else "倍", **kw),
                base_year=base_year)


def test_average_growth_target_compounds_from_an_observed_base_year():
    panel = _panel({("九江市", "patent_applications"): GROWING})
    y18, y19 = np.linspace(150.0, 250.0, N), np.linspace(150.0, 300.0, N)
    out = _assess(panel, [_period("cagr", 15, 2015)],
                  {("九江市", "patent_applications"): _fp([2018, 2019], [y18, y19])})
    row = out.iloc[0]
    need = GROWING[2015] * 1.15 ** 4  # 121 × 1.749 = 211.7
    assert row["target"] == pytest.approx(need)
    assert row["p_meet"] == pytest.approx(np.mean(y19 >= need - 1e-9))
    assert "15% a year from 2015" in row["notes"]
    assert row["verdict"] != "no data"


def test_doubling_counted_from_a_base_year_still_ahead_is_judged_path_by_path():
    # base 2018 is a forecast: the paths that fell in 2018 need less to double than those that jumped
    panel = _panel({("九江市", "patent_applications"): GROWING})
    y18 = np.r_[np.full(N // 2, 100.0), np.full(N // 2, 300.0)]
    y19 = np.r_[np.full(N // 2, 210.0), np.full(N // 2, 420.0)]  # first half doubled, second did not
    out = _assess(panel, [_period("multiple", 2, 2018)],
                  {("九江市", "patent_applications"): _fp([2018, 2019], [y18, y19])})
    row = out.iloc[0]
    assert row["p_meet"] == pytest.approx(0.5)
    # every path ends above 2 × mean(2018) = 400, but only the first half doubled its own 2018 value
    y19b = np.r_[np.full(N // 2, 410.0), np.full(N // 2, 450.0)]
    out = _assess(panel, [_period("multiple", 2, 2018)],
                  {("九江市", "patent_applications"): _fp([2018, 2019], [y18, y19b])})
    assert np.mean(y19b >= 2 * y18.mean()) == 1.0
    assert out.iloc[0]["p_meet"] == pytest.approx(0.5)
    assert "base year 2018 is still ahead" in out.iloc[0]["notes"]


def test_period_target_without_base_value_is_no_data_and_without_base_year_an_error():
    panel = _panel({("九江市", "patent_applications"): {2016: 10.0, 2017: 12.0}})
    out = _assess(panel, [_period("cagr", 10, 2012)], {("九江市", "patent_applications"): _fp([2018, 2019], [
        np.full(N, 13.0), np.full(N, 14.0)])})
    assert out.iloc[0]["verdict"] == "no data"
    assert "base year 2012" in out.iloc[0]["notes"] and "2016–2017" in out.iloc[0]["notes"]
    with pytest.raises(InnovationForecastError, match="base_year"):
        _assess(panel, [_target(year=2019, basis="cagr", value=10, quote="年均增长10%")], {})
    with pytest.raises(InnovationForecastError, match="not before the target year"):
        _assess(panel, [_period("cagr", 10, 2019)], {})


def test_reader_period_targets_become_assessable_rows():
    period = pd.DataFrame([
        {"doc": "plan", "region": "九江市", "year": 2025, "indicator": "patent_grants", "kind": "annual_average_growth",
         "comparator": "ge", "value": 15.0, "base_year": 2020, "unit": "%", "quote": "专利授权量年均增长15%以上"},
        {"doc": "plan", "region": "九江市", "year": 2025, "indicator": "hte_total", "kind": "multiple",
         "comparator": "ge", "value": 2.0, "base_year": 2020, "unit": "倍", "quote": "高新技术企业数量实现翻番"}])
    t = fz.period_targets_as_targets(period)
    assert list(t["basis"]) == ["cagr", "multiple"] and list(t["base_year"]) == [2020, 2020]
    with pytest.raises(InnovationForecastError, match="period target kind"):
        fz.period_targets_as_targets(period.assign(kind="total"))


def test_cli_judges_multi_year_targets_read_from_a_report(tmp_path, capsys, monkeypatch):
    import io

    plan = tmp_path / "jiujiang_plan.txt"
    plan.write_text("九江市科技局2020年工作总结和2021年工作计划\n\n一、2020年工作情况\n2020年全市专利授权量达到5000件。\n"
                    "二、2021年工作计划\n到2025年，全市专利授权量年均增长15%以上。\n", encoding="utf-8")
    code, cap = _cli(["--report", str(plan), "--format", "csv", "--n-paths", "200"], capsys, monkeypatch)
    assert code == 0
    out = pd.read_csv(io.StringIO(cap.out))
    row = out[out["basis"] == "cagr"].iloc[0]
    assert row["indicator"] == "patent_grants" and row["target_year"] == 2025
    assert row["target"] == pytest.approx(5000 * 1.15 ** 5)  # counted from the report's own 2020 figure
    assert 0 <= row["p_meet"] <= 1


def test_paths_are_judged_at_the_precision_the_series_is_published_with():
    assert fz.published_digits(pd.Series([1.23, 1.25, 1.3])) == 2
    assert fz.published_digits(pd.Series([5000.0, 5520.0])) == 0
    assert fz.published_digits(pd.Series([0.1234567, 0.2])) is None  # derived figures: no rounding
    # published to 0.01 points: a path at 1.404 is reported as 1.40, i.e. no growth -- "not below last year" is met
    panel = _panel({("九江市", "rd_intensity"): {2015: 1.22, 2016: 1.31, 2017: 1.40}})
    col = np.r_[np.full(N // 2, 1.396), np.full(N // 2, 1.404)]
    out = _assess(panel, [_target(indicator="rd_intensity", basis="growth_pct", value=0, unit="%")],
                  {("九江市", "rd_intensity"): _fp([2018], [col])})
    assert out.iloc[0]["p_meet"] == 1.0  # unrounded, half the paths (1.396) would fall short


def test_explanations_write_counts_as_whole_numbers_and_amounts_with_decimals():
    panel = _panel({("九江市", "patent_applications"): GROWING,  # 2017 = 194.87 件
                    ("九江市", "rd_expenditure"): {y: v / 100 for y, v in GROWING.items()}})  # 1.9487 亿元
    col = np.arange(1, N + 1, dtype=float) * 3
    paths = {("九江市", "patent_applications"): _fp([2018], [col]), ("九江市", "rd_expenditure"): _fp([2018], [col / 100])}
    targets = [_target(value=180.0), _target(indicator="rd_expenditure", value=1.8, unit="亿元")]
    en = _assess(panel, targets, paths)["explanation"].tolist()
    assert "(to 180 from 195 in 2017" in en[0]  # 件: patents need no unit in English
    assert "(to CNY 180 million from CNY 195 million in 2017" in en[1]  # 1.8 亿元
    assert not any(u in " ".join(en) for u in ("件", "亿元"))
    zh = _assess(panel, targets, paths, lang="zh")["explanation"].tolist()
    assert "目标180件，2017年为195件" in zh[0] and "目标1.8亿元，2017年为1.95亿元" in zh[1]


def test_cli_says_where_no_targets_were_found(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)
    from innovation_forecast.cli import main

    p = tmp_path / "weather.txt"
    p.write_text("今年天气很好，我们吃了很多水果。\n", encoding="utf-8")
    assert main(["feasibility", "--report", str(p)]) == 1
    assert f"no targets to review in {p}" in capsys.readouterr().err
    assert main(["feasibility", "--region", "湘东"]) == 1  # a region with no curated targets
    assert "no targets to review for 湘东" in capsys.readouterr().err


def test_cli_table_writes_large_levels_in_full(tmp_path, capsys, monkeypatch):
    p = tmp_path / "t.csv"
    p.write_text("region,year,indicator,basis,comparator,value,unit,quote\n"
                 "九江,2018,patent_applications,level,ge,100000,件,q\n", encoding="utf-8")
    code, cap = _cli(["--targets", str(p), "--as-of", "2017", "--n-paths", "200"], capsys, monkeypatch)
    assert code == 0
    assert "100,000" in cap.out and "e+05" not in cap.out


def test_cli_reviews_a_report_whose_text_names_no_region_or_year(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)
    from innovation_forecast.cli import main

    p = tmp_path / "plan.txt"
    p.write_text("力争2018年专利申请量达5500件，新增高新技术企业40家以上。\n", encoding="utf-8")
    empty = tmp_path / "summary.txt"
    empty.write_text("今年全区科技工作取得新进展。\n", encoding="utf-8")
    code = main(["feasibility", "--report", str(p), str(empty), "--report-region", "上饶市", "--report-year", "2017",
                 "--format", "csv", "--n-paths", "200"])
    cap = capsys.readouterr()
    assert code == 0
    out = pd.read_csv(io.StringIO(cap.out))
    assert set(out["region"]) == {"上饶市"} and set(out["indicator"]) == {"patent_applications", "hte_new"}
    assert (out["target_year"] == 2018).all()
    assert f"{empty}: no numeric targets found" in cap.err


def test_a_panel_with_provinces_lends_them_as_reference_by_default(monkeypatch):
    """assess_targets(load_panel(), targets) gives what the command line gives: the panel's provinces
    are the reference the engine calibrates a city's short series on, without reference= spelt out."""
    seen = []

    def engine(sub, h, n_paths=0, keys=(), seed=0, reference=None):
        seen.append(None if reference is None else sorted(set(reference["region"])))
        return {}
    monkeypatch.setattr(fz, "_engine", lambda: engine)
    city, ref = _short_city_and_reference()
    panel = pd.concat([city.assign(level="prefecture"), ref.assign(level="province")], ignore_index=True)
    targets = pd.DataFrame([_target(basis="growth_pct", value=5, unit="%")])
    auto = assess_targets(panel, targets, n_paths=200, calibration=None)
    assert seen[-1] == ["江西省", "湖北省", "湖南省"]
    explicit = assess_targets(panel, targets, reference=panel[panel["level"] == "province"], n_paths=200,
                              calibration=None)
    assert seen[-1] == ["江西省", "湖北省", "湖南省"]
    pd.testing.assert_frame_equal(auto, explicit)
    assert not auto["notes"].str.contains("pass reference=", regex=False).any()  # advice only where it helps
    assess_targets(panel, targets, reference=None, n_paths=200, calibration=None)
    assert seen[-1] is None
    # province targets borrow from nobody else: no reference
    assess_targets(panel, pd.DataFrame([_target(region="江西省", basis="growth_pct", value=5, unit="%")]),
                   n_paths=200, calibration=None)
    assert seen[-1] is None
    with pytest.raises(InnovationForecastError, match="reference"):
        assess_targets(panel, targets, reference="provinces")
