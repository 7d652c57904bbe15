"""The tidy panel: tidy() turns raw long rows into canonical ones and reports every bad row."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from innovation_forecast.errors import DataValidationError
from innovation_forecast.panel import (FIGURE_COLUMNS, PANEL_COLUMNS, TARGET_COLUMNS, ConflictFrame, empty_panel,
                                       parse_number, parse_year, tidy, validate_panel)


def raw(*rows, **cols):
    """Raw frame from (region, year, indicator, value[, unit]) tuples plus extra columns."""
    base = ["region", "year", "indicator", "value", "unit"]
    df = pd.DataFrame([dict(zip(base, r)) for r in rows])
    for k, v in cols.items():
        df[k] = v
    return df


def test_columns_contract():
    assert PANEL_COLUMNS == ["region_code", "region", "level", "year", "indicator", "value", "unit", "status",
                             "months", "source", "flag"]
    assert FIGURE_COLUMNS == ["doc", "region", "year", "indicator", "status", "basis", "value", "unit", "months",
                              "quote", "start", "end"]
    assert TARGET_COLUMNS == ["doc", "region", "year", "indicator", "basis", "comparator", "value", "stretch_low",
                              "stretch_high", "unit", "quote", "start", "end", "conflict"]
    e = empty_panel()
    assert list(e.columns) == PANEL_COLUMNS and len(e) == 0
    assert e["year"].dtype == "int64" and e["value"].dtype == "float64"


def test_tidy_canonicalises_names_units_and_types():
    p = tidy(raw(("江西", "2020年", "研发投入", "4,307,188", "万元"),
                 ("Nanchang", 2021, "高新技术企业", 1950, "家"),
                 ("萍乡市湘东区", "２０２０", "专利申请量", "１２３", None)), source="t.csv")
    assert list(p.columns) == PANEL_COLUMNS
    by = p.set_index("region")
    assert by.loc["江西省", "value"] == pytest.approx(430.7188)
    assert by.loc["江西省", "unit"] == "亿元" and by.loc["江西省", "indicator"] == "rd_expenditure"
    assert by.loc["江西省", "region_code"] == "360000" and by.loc["江西省", "level"] == "province"
    assert by.loc["南昌市", "indicator"] == "hte_total" and by.loc["南昌市", "level"] == "prefecture"
    assert by.loc["湘东区", "value"] == 123.0 and by.loc["湘东区", "year"] == 2020  # full-width digits
    assert (p["status"] == "actual").all() and p["months"].isna().all()
    assert (p["source"] == "t.csv").all() and (p["flag"] == "").all()
    assert p["year"].dtype == "int64" and p["value"].dtype == "float64" and str(p["months"].dtype) == "Int64"


@pytest.mark.parametrize("text, expected", [("1,234", 1234.0), ("1,234,567.5", 1234567.5), ("１２３４", 1234.0),
                                            (" 12.5 ", 12.5), ("-3", -3.0), ("1e3", 1000.0), (7, 7.0)])
def test_parse_number_accepts_real_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["12,34", "1.2.3", "约100", "100家", "abc", "1,2345", "1e999", float("inf")])
def test_parse_number_rejects_everything_else(text):
    with pytest.raises(ValueError, match="non-numeric"):
        parse_number(text)


@pytest.mark.parametrize("cell, year", [(2017, 2017), (2017.0, 2017), ("2017", 2017), ("2017年", 2017),
                                        ("２０１７年", 2017), ("2017.0", 2017)])
def test_parse_year(cell, year):
    assert parse_year(cell) == year


def test_missing_markers_are_dropped_not_zero():
    p = tidy(raw(*[("江西", 2000 + i, "gdp", v, "亿元") for i, v in enumerate(["—", "…", "-", "", None, "100"])]))
    assert p["year"].tolist() == [2005] and p["value"].tolist() == [100.0]


def test_status_and_months():
    p = tidy(raw(("上饶", 2017, "patent_applications", 4153, "件"), ("南昌", 2021, "hte_total", 1950, "家"),
                 ("九江", 2017, "gdp", 1, "亿元"),
                 status=["ytd", "预计", "actual"], months=[11, None, 12]))
    by = p.set_index("region")
    assert by.loc["上饶市", "status"] == "ytd" and by.loc["上饶市", "months"] == 11
    assert by.loc["南昌市", "status"] == "estimate"
    assert pd.isna(by.loc["九江市", "months"])  # 12 months of an actual year is just the year


def test_ytd_without_months_is_reported():
    with pytest.raises(DataValidationError, match=r"x\.csv:row 1: status ytd needs months"):
        tidy(raw(("上饶", 2017, "patent_applications", 4153, "件"), status=["ytd"]), name="x.csv")


def test_bad_status_is_reported():
    with pytest.raises(DataValidationError, match="status 'guess' is not one of actual, estimate, ytd"):
        tidy(raw(("上饶", 2017, "patent_applications", 4153, "件"), status=["guess"]))


def test_unknown_region_lists_closest_names():
    with pytest.raises(DataValidationError, match=r"f\.csv:7: unknown region: '江西x' is not a known region; "
                                                  r"closest: 江西省") as ei:
        tidy(raw(("江西x", 2020, "gdp", 1, "亿元"), _file=["f.csv"], _line=[7]))
    assert len(ei.value.problems) == 1


def test_quanshi_is_not_a_region():
    with pytest.raises(DataValidationError, match="'全市' is not a known region"):
        tidy(raw(("全市", 2020, "gdp", 1, "亿元")))


def test_unknown_indicator_lists_closest_names():
    with pytest.raises(DataValidationError, match=r"unknown indicator: '研发投入强度x' is not a known indicator; "
                                                  r"closest: rd_intensity"):
        tidy(raw(("江西", 2020, "研发投入强度x", 1.7, "%")))


def test_non_numeric_value_is_reported_with_line():
    with pytest.raises(DataValidationError, match=r"a\.csv:3: non-numeric value '约100'"):
        tidy(raw(("江西", 2020, "gdp", "约100", "亿元"), _file=["a.csv"], _line=[3]))


@pytest.mark.parametrize("year", [1900, 1948, dt.date.today().year + 11, 3020])
def test_impossible_years(year):
    with pytest.raises(DataValidationError, match=f"impossible year {year}"):
        tidy(raw(("江西", year, "gdp", 1, "亿元")))


def test_unit_that_does_not_convert():
    with pytest.raises(DataValidationError, match="unit '万元' does not convert for patent_applications"):
        tidy(raw(("江西", 2020, "patent_applications", 5, "万元")))


def test_negative_counts():
    with pytest.raises(DataValidationError, match="negative value -5 for patent_grants"):
        tidy(raw(("江西", 2020, "patent_grants", -5, "件")))


def test_duplicate_key_with_conflicting_values_names_both_lines():
    with pytest.raises(DataValidationError,
                       match=r"d\.csv:3: duplicate key \(江西省, 2020, gdp, actual\) with conflicting values "
                             r"2 here and 1 at d\.csv:2"):
        tidy(raw(("江西", 2020, "gdp", 1, "亿元"), ("江西省", 2020, "GDP", 2, "亿元"), _file="d.csv", _line=[2, 3]))


def test_exact_duplicates_are_kept_once():
    p = tidy(raw(("江西", 2020, "gdp", 1, "亿元"), ("江西省", 2020, "地区生产总值", 10000, "万元")))
    assert len(p) == 1 and p["value"].item() == 1.0


def test_every_problem_is_collected_in_one_error():
    bad = raw(("江西x", 2020, "gdp", 1, "亿元"), ("江西", 1800, "gdp", 1, "亿元"), ("江西", 2020, "gdp", "abc", "亿元"),
              ("江西", 2021, "patent_applications", 1, "万元"), ("江西", 2022, "gdp", -1, "亿元"),
              ("江西", 2023, "研发x", 1, "%"), ("江西", 2019, "gdp", 5, "亿元"),
              _file="many.csv", _line=[2, 3, 4, 5, 6, 7, 8])
    with pytest.raises(DataValidationError) as ei:
        tidy(bad)
    probs = ei.value.problems
    assert [p.split(":")[1] for p in probs] == ["2", "3", "4", "5", "6", "7"]
    assert all(p.startswith("many.csv:") for p in probs)
    assert "6 problems in" in str(ei.value)


def test_missing_columns():
    with pytest.raises(DataValidationError, match="missing column"):
        tidy(pd.DataFrame({"region": ["江西"], "year": [2020]}))


def test_validate_panel_round_trip_and_code_mismatch():
    p = tidy(raw(("江西", 2020, "gdp", 1, "亿元")))
    pd.testing.assert_frame_equal(validate_panel(p), p)
    wrong = p.assign(region_code="430000")
    with pytest.raises(DataValidationError, match="region_code 430000 is 湖南省, not 江西省"):
        validate_panel(wrong)


def test_conflict_frame_in_attrs_survives_concat_of_slices():
    p = tidy(raw(("江西", 2020, "gdp", 1, "亿元"), ("湖南", 2020, "gdp", 2, "亿元")))
    p.attrs["conflicts"] = ConflictFrame({"region": ["江西省"], "kept_value": [1.0]})
    a, b = p[p["region"] == "江西省"], p[p["region"] == "湖南省"]
    both = pd.concat([a, b])  # a plain DataFrame in attrs raises "truth value … ambiguous" here
    assert len(both) == 2
    q = p.copy()
    q.attrs["conflicts"] = ConflictFrame({"region": ["湖南省"], "kept_value": [2.0]})
    assert len(pd.concat([p, q])) == 4
    assert (p.attrs["conflicts"]["kept_value"] == 1.0).all()  # element-wise comparison still works


# --- annual_values: one full-year value per series and year ---------------------------------------------

def _rows(*rows):
    return pd.DataFrame(rows, columns=["region", "indicator", "year", "value", "status", "months"])


def test_annual_values_prefers_actual_then_estimate_and_drops_ytd_when_a_full_year_exists():
    from innovation_forecast.panel import annual_values

    p = _rows(("上饶市", "patent_applications", 2017, 4153, "ytd", 11),
              ("上饶市", "patent_applications", 2017, 5000, "estimate", None),
              ("上饶市", "patent_applications", 2016, 3900, "estimate", None),
              ("上饶市", "patent_applications", 2016, 3850, "actual", None))
    out = annual_values(p)
    assert out[["year", "value", "status"]].values.tolist() == [[2016, 3850.0, "actual"], [2017, 5000.0, "estimate"]]


def test_annual_values_turns_a_lone_ytd_figure_into_a_seasonal_full_year_and_says_so():
    from innovation_forecast.panel import annual_values
    from innovation_forecast.reader import nowcast_full_year

    p = _rows(("永修县", "patent_applications", 2017, 135, "ytd", 9),
              ("永修县", "patent_applications", 2016, 195, "actual", None))
    out = annual_values(p)
    v2017 = out.set_index("year").loc[2017]
    assert v2017["value"] == pytest.approx(nowcast_full_year(135, 9, indicator="patent_applications").value)
    assert v2017["value"] > 135 * 12 / 9  # year-end surge: more than pro rata
    assert "nowcast" in v2017["note"] and out.attrs["notes"] == [v2017["note"]]
    assert 2017 not in annual_values(p, nowcast=False)["year"].tolist()


def test_annual_values_as_of_and_ytd_without_months():
    from innovation_forecast.panel import annual_values

    p = _rows(("九江市", "hte_new", 2017, 63, "actual", None), ("九江市", "hte_new", 2018, 80, "actual", None),
              ("九江市", "patent_applications", 2017, 4000, "ytd", None))
    out = annual_values(p, as_of=2017)
    assert out["year"].tolist() == [2017] and out["indicator"].tolist() == ["hte_new"]
    assert "without the months" in out.attrs["notes"][0]


def test_annual_values_names_missing_columns():
    from innovation_forecast.panel import annual_values

    with pytest.raises(DataValidationError, match=r"lacks column\(s\) \['year'\]"):
        annual_values(pd.DataFrame({"region": ["a"], "indicator": ["gdp"], "value": [1.0]}))
