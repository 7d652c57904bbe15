"""Loaders on the real files (``data_dir`` fixture) and on small hand-made files for the edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from innovation_forecast import load_figures, load_panel, load_targets, read_bulletins, read_techme, read_tidy, read_wide
from innovation_forecast.cli import main
from innovation_forecast.errors import DataValidationError
from innovation_forecast.loaders import (SourceConflictWarning, read_gdp_long, read_gdp_xls, read_population_long,
                                         read_population_wide)
from innovation_forecast.panel import FIGURE_COLUMNS, PANEL_COLUMNS, TARGET_COLUMNS, ConflictFrame, tidy

KEY = ["region_code", "year", "indicator", "status"]


@pytest.fixture(scope="module")
def techme(data_dir):
    return read_techme(data_dir)


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)


# --------------------------------------------------------------------------- techme

def test_techme_shape_and_regions(techme):
    assert list(techme.columns) == PANEL_COLUMNS
    assert techme["region_code"].nunique() == 32  # 31 provinces + 全国
    assert set(techme["level"]) == {"province", "country"}
    assert (techme["status"] == "actual").all()
    assert techme["source"].str.match(r"techme/orig_\w+\.csv").all()
    assert len(techme) == 9668  # 10,136 long rows − 448 RDActivity 合计 − 20 blank contract cells
    assert any("尔部地区" in n for n in techme.attrs["notes"])


def test_techme_ocr_names_fixed(techme):
    """江两/江四/两藏/四藏/山两/浙汀 and spaced names land on their provinces: full coverage every year."""
    for ind in ("patent_applications", "patent_grants", "valid_patents", "valid_invention_patents"):
        sub = techme[techme["indicator"] == ind]
        for prov in ("江西省", "西藏自治区", "山西省", "浙江省", "上海市", "内蒙古自治区", "黑龙江省"):
            assert sorted(sub.loc[sub["region"] == prov, "year"]) == list(range(2010, 2024)), (ind, prov)


def test_techme_matches_cleaned_long_table(techme, data_dir):
    """Independent check: the published long table, after unit conversion, has exactly our values."""
    long = pd.read_csv(data_dir / "techme" / "province_innovation_long.csv")
    long = long[long["indicator"] != "rd_internal_expenditure_yearbook"].rename(columns={"province": "region"})
    ref = tidy(long.drop(columns="source_dataset").dropna(subset=["value"]), name="long")
    m = ref.merge(techme, on=KEY, how="outer", suffixes=("_ref", "_got"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"].head()
    np.testing.assert_allclose(m["value_got"], m["value_ref"], rtol=1e-12)
    assert len(m) == len(techme)


def test_techme_indicator_mapping_and_units(techme):
    jx = techme[techme["region"] == "江西省"].set_index(["indicator", "year"])["value"]
    assert jx[("hte_in_recognition_notices", 2018)] == 1868  # HitechFirmsPub, not the stock
    assert "hte_total" not in set(techme["indicator"])
    assert jx[("rd_intensity", 2018)] == pytest.approx(1.41)
    assert jx[("rd_expenditure", 2018)] == pytest.approx(310.7)
    nat = techme[techme["region"] == "全国"].set_index(["indicator", "year"])["value"]
    assert nat[("tech_contract_value", 2023)] == pytest.approx(61475.6578)  # 614,756,578 万元 → 亿元
    units = techme.groupby("indicator")["unit"].first()
    assert units["rd_basic_research"] == "亿元" and units["tech_contract_count"] == "项"
    assert units["tech_contract_value_inflow"] == "亿元"


def test_techme_blank_cells_are_missing_not_zero(techme):
    tibet = techme[(techme["region"] == "西藏自治区") & (techme["indicator"] == "tech_contract_value")]
    assert 2016 not in set(tibet["year"]) and 2023 in set(tibet["year"])
    assert (techme["value"] > 0).all()


# --------------------------------------------------------------------------- NBS GDP, population

def test_nbs_xls_equals_long_csv(data_dir):
    wide = read_gdp_xls(data_dir / "nbs_province_gdp" / "AnnualbyProvince.xls")
    long = read_gdp_long(data_dir / "nbs_province_gdp" / "province_gdp_long.csv")
    assert len(wide) == len(long) == 620
    assert sorted(wide["year"].unique()) == list(range(2004, 2024))
    m = wide.merge(long, on=KEY)
    assert len(m) == 620
    np.testing.assert_allclose(m["value_x"], m["value_y"])
    assert (wide["unit"] == "亿元").all()  # "(100 million yuan)" read from the title line


def test_population_wide_equals_long(data_dir):
    wide = read_population_wide(data_dir / "pypsa_china_population" / "History_POP.csv")
    long = read_population_long(data_dir / "pypsa_china_population" / "province_population_long.csv")
    assert len(wide) == len(long) == 620
    m = wide.merge(long, on=KEY)
    np.testing.assert_allclose(m["value_x"], m["value_y"])
    assert set(long["indicator"]) == {"population"}
    assert wide.set_index(["region", "year"]).loc[("内蒙古自治区", 2024), "value"] == 2388  # 'Innermongolia'


# --------------------------------------------------------------------------- wide tables

def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_wide_regions_by_years_with_title_unit_and_markers(tmp_path):
    f = write(tmp_path / "rd.csv", "各地区R&D经费\n单位：万元\n地区,2017年,2018年,2019年\n江西,1000,—,\"1,200\"\n"
                                   "湖南,…,-,300\n注：—表示无数据\n")
    p = read_wide(f, indicator="研发投入")
    got = p.set_index(["region", "year"])["value"].to_dict()
    assert got == {("江西省", 2017): 0.1, ("江西省", 2019): 0.12, ("湖南省", 2019): 0.03}
    assert set(p["unit"]) == {"亿元"} and set(p["indicator"]) == {"rd_expenditure"}


def test_wide_years_by_regions(tmp_path):
    f = write(tmp_path / "t.tsv", "year\t江西\t南昌市\n2019\t1\t2\n2020年\t3\t\n")
    p = read_wide(f, indicator="patent_grants", orientation="auto")
    assert p.set_index(["region", "year"])["value"].to_dict() == {("江西省", 2019): 1, ("江西省", 2020): 3,
                                                                 ("南昌市", 2019): 2}
    p2 = read_wide(f, indicator="patent_grants", orientation="years_x_regions")
    pd.testing.assert_frame_equal(p, p2)


def test_wide_reports_bad_cells_with_line_and_column(tmp_path):
    f = write(tmp_path / "bad.csv", "# note\nregion,2017,2018\n江西,1,x1\n江西x,2,3\n")
    with pytest.raises(DataValidationError) as ei:
        read_wide(f, indicator="gdp")
    probs = ei.value.problems
    assert any(p.startswith("bad.csv:3 (column 2018): non-numeric value 'x1'") for p in probs)
    assert any(p.startswith("bad.csv:4 (column 2017): unknown region") and "closest: 江西省" in p for p in probs)


def test_wide_unit_column_label_columns_and_headerless_values(tmp_path):
    f = write(tmp_path / "u.csv", "地区,单位,序号,2017年,2018年\n江西,万元,1,1000,2000\n湖南,亿元,2,1,2\n")
    p = read_wide(f, indicator="rd_expenditure")
    got = p.set_index(["region", "year"])["value"]
    assert got[("江西省", 2018)] == pytest.approx(0.2) and got[("湖南省", 2018)] == 2.0
    assert p.attrs["notes"] == ["u.csv: ignored non-year column(s) 序号"]
    g = write(tmp_path / "g.csv", "地区,2017,,2018\n江西,1,5,2\n")
    with pytest.raises(DataValidationError, match=r"g\.csv:2: value '5' in column 3, which has no header"):
        read_wide(g, indicator="gdp")


def test_wide_without_header_is_an_error(tmp_path):
    f = write(tmp_path / "nohdr.csv", "a,b\nc,d\n")
    with pytest.raises(DataValidationError, match="no header row"):
        read_wide(f, indicator="gdp")


def test_wide_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Indicators：Gross Regional Product(100 million yuan)"])
    ws.append(["Region", 2021, 2022])
    ws.append(["Jiangxi", 29827.8, 32074.7])
    ws.append(["Data Sources：National Bureau of Statistics"])
    wb.save(tmp_path / "g.xlsx")
    p = read_wide(tmp_path / "g.xlsx", indicator="gdp")
    assert p["value"].tolist() == [29827.8, 32074.7] and set(p["region"]) == {"江西省"}


# --------------------------------------------------------------------------- tidy files

CN_TIDY = "地区,年份,指标,数值,单位\n江西,2020年,研发投入,\"4,307,188\",万元\n南昌市,2021,高新技术企业,１９５０,家\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_read_tidy_encodings_and_chinese_headers(tmp_path, encoding):
    p = read_tidy(write(tmp_path / "t.csv", CN_TIDY, encoding))
    got = p.set_index("region")
    assert got.loc["江西省", "value"] == pytest.approx(430.7188) and got.loc["南昌市", "value"] == 1950
    assert set(p["source"]) == {"t.csv"}


@pytest.mark.parametrize("sep", [";", "\t"])
def test_read_tidy_delimiters(tmp_path, sep):
    text = CN_TIDY.replace('"4,307,188"', "4307188").replace(",", sep)
    p = read_tidy(write(tmp_path / "t.txt", text), source="my table")
    assert len(p) == 2 and set(p["source"]) == {"my table"}


def test_read_tidy_reports_every_bad_row_with_line(tmp_path):
    f = write(tmp_path / "bad.csv", "# comment\nregion,year,indicator,value,unit\n江西,2020,gdp,abc,亿元\n"
                                    "全市,2020,gdp,1,亿元\n江西,1800,gdp,1,亿元\n江西,2021,patent_grants,1,万元\n"
                                    "江西,2022,patent_grants,-1,件\n江西,2023,gdp,1,亿元\n江西,2023,gdp,2,亿元\n")
    with pytest.raises(DataValidationError) as ei:
        read_tidy(f)
    assert [p.split(":")[1] for p in ei.value.problems] == ["3", "4", "5", "6", "7", "9"]
    assert all(p.startswith("bad.csv:") for p in ei.value.problems)


def test_read_tidy_xlsx_and_parquet(tmp_path):
    df = pd.DataFrame({"省份": ["江西", "湖南"], "年份": [2020, 2020], "指标": ["gdp", "gdp"],
                       "数值": [25691.5, 41781.5], "单位": ["亿元", "亿元"]})
    df.to_excel(tmp_path / "t.xlsx", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    a, b = read_tidy(tmp_path / "t.xlsx"), read_tidy(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(a.drop(columns="source"), b.drop(columns="source"))
    assert a["value"].tolist() == [25691.5, 41781.5]
    bad = df.assign(数值=["1", "x"])
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DataValidationError, match=r"bad\.parquet:row 2: non-numeric value 'x'"):
        read_tidy(tmp_path / "bad.parquet")


def test_unquoted_thousands_separator_is_reported_not_misread(tmp_path):
    f = write(tmp_path / "sep.csv", "region,year,indicator,value\n江西,2020,gdp,1,234\n江西,2021,gdp,\"1,234\"\n")
    with pytest.raises(DataValidationError, match=r"sep\.csv:2: 5 fields but the header has 4 \(extra '234'\)") as ei:
        read_tidy(f)
    assert len(ei.value.problems) == 1  # the quoted "1,234" on line 3 is fine
    w = write(tmp_path / "w.csv", "region,2017,2018\n江西,1,234,567\n")
    with pytest.raises(DataValidationError, match=r"w\.csv:2: 4 fields but the header has 3"):
        read_wide(w, indicator="gdp")


def test_read_tidy_missing_column(tmp_path):
    with pytest.raises(DataValidationError, match="no column for value"):
        read_tidy(write(tmp_path / "m.csv", "region,year,indicator\n江西,2020,gdp\n"))


# --------------------------------------------------------------------------- bulletins

def test_bulletins(data_dir):
    path = data_dir / "bulletins" / "jiangxi_cities.csv"
    p = read_bulletins(path)
    raw = pd.read_csv(path)
    n_growth = raw["indicator"].str.contains("_growth").sum()
    assert len(p) == len(raw) - n_growth - 1  # growth rates and 户籍 population stay out of the panel
    est = p[p["status"] == "estimate"]
    assert set(est["indicator"]) == {"hte_total"} and len(est) == 2
    inferred = p[p["flag"] == "year_inferred"]
    assert len(inferred) == (raw["indicator"].str.endswith("_YEAR_INFERRED")).sum() == 4
    assert p["source"].str.contains("http").all()
    assert "湘东区" in set(p["region"]) and "江西省" in set(p["region"])
    figs = read_bulletins(path, figures=True)
    assert list(figs.columns[:len(FIGURE_COLUMNS)]) == FIGURE_COLUMNS
    g = figs[figs["basis"] == "growth_pct"]
    assert len(g) == n_growth and (g["unit"] == "%").all()
    assert set(g["indicator"]) == {"patent_applications", "patent_grants", "rd_expenditure"}


# --------------------------------------------------------------------------- curated data and load_panel

def test_load_figures_and_embedded_panel(no_env):
    figs = load_figures()
    assert list(figs.columns[:len(FIGURE_COLUMNS)]) == FIGURE_COLUMNS
    assert set(figs["basis"]) <= {"level", "growth_pct", "increment", "pp"}
    panel = load_panel()
    assert list(panel.columns) == PANEL_COLUMNS
    assert set(panel.attrs["sources"]) == {"embedded"}
    lv = figs[figs["basis"] == "level"]
    assert len(panel) == len(lv.drop_duplicates(["region", "year", "indicator", "status", "months"]))
    assert set(panel["status"]) <= {"actual", "estimate", "ytd"}
    assert panel.loc[panel["status"] == "ytd", "months"].notna().all()


def test_embedded_panel_from_fixture(tmp_path, no_env):
    f = write(tmp_path / "figures.csv",
              "doc,source,region,year,indicator,status,basis,value,unit,months,quote,flag\n"
              "d1,Doc one,上饶市,2016,研发投入,actual,level,10.28,亿元,,q,\n"
              "d1,Doc one,上饶市,2016,rd_expenditure,actual,growth_pct,55.8,%,,q,\n"
              "d1,Doc one,上饶市,2017,patent_applications,ytd,level,4153,件,11,q,\n")
    figs = load_figures(f)
    assert figs["start"].isna().all() and figs["region"].tolist() == ["上饶市"] * 3
    from innovation_forecast.loaders import embedded_panel

    p = embedded_panel(f)
    assert len(p) == 2 and set(p["source"]) == {"Doc one"}
    assert p.set_index("year").loc[2017, "months"] == 11


def test_embedded_documents_that_disagree_become_conflicts(tmp_path, monkeypatch, no_env):
    from innovation_forecast.loaders import curated

    write(tmp_path / "figures.csv",
          "doc,source,region,year,indicator,status,basis,value,unit,months,quote,flag\n"
          "a,Report A,九江市,2017,hte_new,actual,level,63,家,,q,\n"
          "b,Report B,九江市,2017,hte_new,actual,level,65,家,,q,\n"
          "b,Report B,九江市,2017,hte_total,actual,level,160,家,,q,\n"
          "c,Report C,九江市,2017,hte_total,actual,level,160,家,,q,\n")
    monkeypatch.setattr(curated, "EMBEDDED_DATA_DIR", tmp_path)
    with pytest.warns(SourceConflictWarning, match="1 value"):
        p = load_panel()
    assert p.set_index("indicator").loc["hte_new", "value"] == 63  # first in file order
    c = p.attrs["conflicts"]
    assert c[["kept_source", "dropped_source", "dropped_value"]].values.tolist() == [["Report A", "Report B", 65]]
    assert len(p) == 2  # the agreeing hte_total rows are one row, not a conflict


def test_load_figures_reports_bad_rows(tmp_path):
    f = write(tmp_path / "figures.csv",
              "doc,source,region,year,indicator,status,basis,value,unit,months,quote,flag\n"
              "d1,s,全市,2016,rd_expenditure,actual,level,10,亿元,,q,\n"
              "d1,s,上饶市,2016,rd_expenditure,actual,ratio,10,亿元,,q,\n"
              "d1,s,上饶市,2016,rd_expenditure,actual,level,10,件,,q,\n"
              "d1,s,上饶市,2017,patent_applications,ytd,level,10,件,,q,\n"
              "d1,s,上饶市,1917,patent_applications,actual,level,10,件,,q,\n"
              "d1,s,上饶市,2017,patent_applications,actual,level,,件,,q,\n")
    with pytest.raises(DataValidationError) as ei:
        load_figures(f)
    assert [p.split(":")[1] for p in ei.value.problems] == ["2", "3", "4", "5", "6", "7"]
    assert "ytd figures need months" in ei.value.problems[3] and "impossible year 1917" in ei.value.problems[4]


def test_load_targets():
    t = load_targets()
    assert list(t.columns[:len(TARGET_COLUMNS)]) == TARGET_COLUMNS
    assert t["conflict"].dtype == bool and t["year"].dtype == "int64"
    assert set(t["comparator"]) <= {"eq", "ge", "gt", "le", "lt"}
    assert str(t["start"].dtype) == "Int64"
    # a 力争 range: value is the firm commitment, the stretch sits above it
    assert ((t["stretch_high"] >= t["value"]) | t["stretch_high"].isna()).all()


def test_load_targets_bad_comparator(tmp_path):
    f = write(tmp_path / "targets.csv",
              "doc,source,region,year,indicator,basis,comparator,value,stretch_low,stretch_high,unit,quote,conflict,note\n"
              "d,s,上饶市,2018,hte_new,level,atleast,60,,,家,q,false,\n")
    with pytest.raises(DataValidationError, match=r"targets\.csv:2: comparator 'atleast'"):
        load_targets(f)
    g = write(tmp_path / "t2.csv",
              "doc,source,region,year,indicator,basis,comparator,value,stretch_low,stretch_high,unit,quote,conflict,note\n"
              "d,s,上饶市,2018,hte_new,level,ge,,60,80,家,q,false,\n")
    with pytest.raises(DataValidationError, match=r"t2\.csv:2: value \(the firm commitment\) is missing"):
        load_targets(g)


@pytest.fixture(scope="module")
def full(data_dir):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        panel = load_panel(data_dir=data_dir)
    return panel, caught


def test_load_panel_with_data_dir(full):
    panel, caught = full
    src = panel.attrs["sources"]
    assert {"embedded", "techme", "nbs_gdp", "population", "bulletins"} <= set(src)
    assert not panel.duplicated(KEY + ["months"]).any()
    assert {"province", "prefecture", "county", "country"} == set(panel["level"])
    conf = panel.attrs["conflicts"]
    assert isinstance(conf, ConflictFrame)
    warned = [w for w in caught if issubclass(w.category, SourceConflictWarning)]
    assert len(warned) == (1 if len(conf) else 0)  # one summary warning, not one per conflict
    # every conflict: the panel holds the kept value, never the dropped one
    got = panel.set_index(["region", "year", "indicator", "status"])["value"]
    for r in conf.itertuples():
        assert got[(r.region, r.year, r.indicator, r.status)] == r.kept_value != r.dropped_value


def test_load_panel_env_var(monkeypatch, data_dir):
    monkeypatch.setenv("INNOVATION_FORECAST_DATA", str(data_dir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SourceConflictWarning)
        assert "techme" in load_panel().attrs["sources"]


def test_load_panel_priority_and_conflicts(tmp_path, data_dir):
    f = write(tmp_path / "mine.csv", "region,year,indicator,value,unit\n江西,2020,gdp,1,亿元\n")
    with pytest.warns(SourceConflictWarning, match="1 value\\(s\\) disagree"):
        p = load_panel(["nbs_gdp", f], data_dir=data_dir, include_embedded=False)
    jx = p[(p["region"] == "江西省") & (p["year"] == 2020)]
    assert jx["value"].item() == 1.0 and jx["source"].item() == "mine.csv"  # explicit files win by default
    c = p.attrs["conflicts"]
    assert len(c) == 1 and c["dropped_source"].item() == "nbs_province_gdp/province_gdp_long.csv"
    with pytest.warns(SourceConflictWarning):
        q = load_panel(["nbs_gdp", f], data_dir=data_dir, include_embedded=False, priority=["nbs_gdp", "mine.csv"])
    assert q[(q["region"] == "江西省") & (q["year"] == 2020)]["value"].item() > 20000


def test_load_panel_rounding_is_not_a_conflict(no_env):
    # one figure published as 430.72 and as 430.7 (fewer decimals) agrees; 1452 vs 1402 does not
    def frame(rd, hte, src):
        return pd.DataFrame({"region": "江西", "year": [2020, 2021],
                             "indicator": ["rd_expenditure", "hte_in_recognition_notices"],
                             "value": [rd, hte], "unit": ["亿元", "家"], "source": src})

    hi, lo = frame(430.72, 1452, "news"), frame(430.7, 1402, "table")
    with pytest.warns(SourceConflictWarning, match=r"1 value\(s\) disagree") as rec:
        p = load_panel([hi, lo], include_embedded=False)
    assert "rd_expenditure" not in str(rec[0].message)
    c = p.attrs["conflicts"]
    assert c[["indicator", "kept_value", "dropped_value"]].values.tolist() == [
        ["hte_in_recognition_notices", 1452.0, 1402.0]]
    assert p.set_index("indicator").loc["rd_expenditure", "value"] == 430.72  # the higher-priority value kept
    # the more precise value may come second; it is rounded half up (四舍五入), as publishers do
    for a, b, agree in [(430.7, 430.72, True), (430.7, 430.65, True), (430.7, 430.75, False),
                        (430.7, 430.8, False), (1452, 1452.4, True), (1452, 1452.6, False),
                        (0.00012, 0.000123, True), (1e-07, 2e-07, False)]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            q = load_panel([frame(a, 1, "x"), frame(b, 1, "y")], include_embedded=False)
        assert (len(q.attrs["conflicts"]) == 0) == agree, (a, b)
        assert len([w for w in caught if issubclass(w.category, SourceConflictWarning)]) == (0 if agree else 1)


def test_derived_invention_patents_per_10k(full):
    panel = full[0]
    d = panel[(panel["indicator"] == "invention_patents_per_10k") & (panel["flag"] == "derived")]
    assert len(d) and set(d["level"]) == {"province"}
    key = ["region", "year"]
    vip = panel[panel["indicator"] == "valid_invention_patents"].set_index(key)["value"]
    pop = panel[panel["indicator"] == "population"].set_index(key)["value"]
    jx = d[d["region"] == "江西省"].set_index(key)["value"]
    np.testing.assert_allclose(jx, (vip / pop).reindex(jx.index))


def test_load_panel_unknown_source(no_env):
    from innovation_forecast.errors import DataDirError, InnovationForecastError

    with pytest.raises(DataDirError, match="not set"):
        load_panel(["techme"])
    with pytest.raises(InnovationForecastError, match="Unknown source 'nope'"):
        load_panel(["nope"])


def test_panel_slices_concatenate(full):
    panel = full[0]
    a, b = panel[panel["level"] == "province"], panel[panel["level"] != "province"]
    assert len(pd.concat([a, b])) == len(panel)


# --------------------------------------------------------------------------- CLI

def test_cli_show_embedded(no_env, capsys):
    assert main(["data", "show", "--region", "江西", "--indicator", "研发投入强度", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("region,year,indicator,value")
    assert "江西省" in out and "rd_intensity" in out


def test_cli_show_with_data_dir(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "data", "show", "--region", "Jiangxi", "--indicator", "gdp"]) == 0
    assert len(capsys.readouterr().out.splitlines()) >= 21  # header + 2004–2023


def test_cli_targets_embedded(no_env, capsys):
    assert main(["data", "targets", "--region", "九江", "--indicator", "新增高新技术企业", "--format", "csv"]) == 0
    rows = [ln.split(",") for ln in capsys.readouterr().out.splitlines()]
    head, body = rows[0], rows[1:]
    assert head[:6] == ["region", "year", "indicator", "basis", "comparator", "value"]
    assert [(r[0], r[2], float(r[5]), float(r[6]), float(r[7])) for r in body] == [("九江市", "hte_new", 40.0, 60.0, 80.0)]


@pytest.mark.parametrize("args, hint", [(["--region", "江西x"], "closest: 江西省"),
                                        (["--indicator", "研发投入强度x"], "closest: rd_intensity")])
def test_cli_show_unknown_names(no_env, capsys, args, hint):
    assert main(["data", "show", *args]) == 2
    assert hint in capsys.readouterr().err


def test_cli_validate(tmp_path, capsys):
    bad = write(tmp_path / "bad.csv", "region,year,indicator,value\n江西,2020,gdp,abc\n全市,2020,gdp,1\n")
    assert main(["data", "validate", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("bad.csv:2: non-numeric") and out[1].startswith("bad.csv:3: unknown region")
    good = write(tmp_path / "good.csv", "region,year,indicator,value\n江西,2020,gdp,1\n")
    assert main(["data", "validate", str(good)]) == 0
    assert capsys.readouterr().out.startswith(f"OK {good}: 1 rows")


def test_cli_validate_names_rows_without_a_value(tmp_path, capsys):
    # blank and NA values are "no figure", not errors; but the rows left out are said, by line
    f = write(tmp_path / "ok.csv", "region,year,indicator,value\n江西,2016,gdp,1\n江西,2017,gdp,\n江西,2018,gdp,2\n"
                                   "江西,2019,gdp,NA\n江西,2020,gdp,3\n")
    assert main(["data", "validate", str(f)]) == 0
    cap = capsys.readouterr()
    assert cap.out.startswith(f"OK {f}: 3 rows (tidy)")
    assert "note: ok.csv: 2 row(s) with no value skipped" in cap.err and "ok.csv:3, ok.csv:5" in cap.err
    notes = read_tidy(f).attrs["notes"]
    assert len(notes) == 1 and notes[0] in cap.err  # the same note reaches load_panel's attrs["notes"]
    # a file whose every value is blank: OK with 0 rows, and the note still names them
    e = write(tmp_path / "e.csv", "region,year,indicator,value\n江西,2016,gdp,—\n")
    assert main(["data", "validate", str(e)]) == 0
    assert "e.csv: 1 row(s) with no value skipped" in capsys.readouterr().err
    good = write(tmp_path / "good.csv", "region,year,indicator,value\n江西,2020,gdp,1\n")
    assert main(["data", "validate", str(good)]) == 0
    assert "note" not in capsys.readouterr().err and read_tidy(good).attrs.get("notes", []) == []


def test_cli_validate_missing_file_and_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["data", "validate", "nope.csv"]) == 2
    err = capsys.readouterr().err
    assert "nope.csv: no such file" in err and "Errno" not in err
    assert main(["data", "validate", "--wide", "gdp", "sub/nope.xlsx"]) == 2
    assert "sub/nope.xlsx: no such file" in capsys.readouterr().err
    (tmp_path / "d").mkdir()
    for given in (str(tmp_path / "d"), "d"):  # the path as given, leading slash and all
        assert main(["data", "validate", given]) == 1
        assert capsys.readouterr().out.splitlines() == [f"{given}: a folder"]


def test_cli_validate_wide(data_dir, capsys):
    xls = data_dir / "nbs_province_gdp" / "AnnualbyProvince.xls"
    assert main(["data", "validate", str(xls)]) == 1
    assert "--wide INDICATOR" in capsys.readouterr().err
    assert main(["data", "validate", "--wide", "gdp", str(xls)]) == 0
    assert "620 rows (wide), 31 regions" in capsys.readouterr().out


def test_cli_regions_and_indicators(capsys):
    assert main(["data", "regions", "--format", "csv"]) == 0
    assert "361100,上饶市" in capsys.readouterr().out
    assert main(["data", "indicators"]) == 0
    assert "invention_patents_per_10k" in capsys.readouterr().out


def test_cli_validate_max_bytes_and_sheet(tmp_path, capsys):
    f = write(tmp_path / "ok.csv", "region,year,indicator,value\n江西,2020,gdp,25691.5\n")
    assert main(["data", "validate", str(f), "--max-bytes", "10"]) == 1
    assert "ok.csv:1: file of 52 bytes exceeds the limit of 10 bytes" in capsys.readouterr().out
    xl = tmp_path / "two_sheets.xlsx"
    with pd.ExcelWriter(xl) as w:
        pd.DataFrame({"说明": ["cover sheet"]}).to_excel(w, sheet_name="封面", index=False)
        pd.DataFrame({"region": ["江西"], "year": [2020], "indicator": ["gdp"], "value": [25691.5]}).to_excel(
            w, sheet_name="data", index=False)
    assert main(["data", "validate", str(xl), "--sheet", "data"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK") and "1 rows (tidy)" in out
    assert main(["data", "validate", str(xl)]) == 1  # the cover sheet has no tidy columns
