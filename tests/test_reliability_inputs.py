"""Bad input (issue 7): every awkward file an office sends ends in a correct panel or in the package's
own error naming the file, the line or phrase, and what was expected — never a silent wrong number.

Sections: CSV/Excel files on the loaders and ``data validate``; targets; reports; malicious content.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from innovation_forecast import read_tidy, read_wide
from innovation_forecast.cli import main
from innovation_forecast.errors import DataValidationError, InnovationForecastError
from innovation_forecast.loaders._io import DEFAULT_MAX_BYTES, MAX_BYTES_ENV, max_bytes_limit

HEADER = "region,year,indicator,value,unit\n"


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return p


def values(panel: pd.DataFrame) -> list[tuple]:
    return [(r.region, int(r.year), r.indicator, float(r.value), r.unit) for r in panel.itertuples()]


def problems_of(exc_info) -> str:
    return "\n".join(exc_info.value.problems) + "\n" + str(exc_info.value)


@pytest.fixture(autouse=True)
def _no_size_env(monkeypatch):
    monkeypatch.delenv(MAX_BYTES_ENV, raising=False)


# =========================================================================== delimiters and encodings


@pytest.mark.parametrize("delim", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_delimiters_are_sniffed(tmp_path, delim):
    text = delim.join(["region", "year", "indicator", "value"]) + "\n" + delim.join(["江西", "2020", "gdp", "25691.5"])
    assert values(read_tidy(write(tmp_path, "t.csv", text + "\n"))) == [("江西省", 2020, "gdp", 25691.5, "亿元")]


def test_unknown_delimiter_is_named(tmp_path):
    p = write(tmp_path, "pipes.csv", "region|year|indicator|value\n江西|2020|gdp|25691.5\n")
    with pytest.raises(DataValidationError, match=r"pipes\.csv:1: no column for region.*delimiter") as e:
        read_tidy(p)
    assert "region|year|indicator|value" in str(e.value)  # the phrase it saw


def test_utf8_bom_does_not_hide_the_first_column(tmp_path):
    p = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + (HEADER + "江西,2020,gdp,25691.5,亿元\n").encode())
    assert values(read_tidy(p)) == [("江西省", 2020, "gdp", 25691.5, "亿元")]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_chinese_encodings(tmp_path, encoding):
    text = "地区,年份,指标,数值,单位\n江西省,2019年,专利申请量,\"1,234\",件\n南昌市,2019年,研发经费,12,亿元\n"
    out = read_tidy(write(tmp_path, f"{encoding}.csv", text, encoding))
    assert sorted(values(out)) == [("南昌市", 2019, "rd_expenditure", 12.0, "亿元"),
                                   ("江西省", 2019, "patent_applications", 1234.0, "件")]


def test_excel_unicode_text_utf16_tab(tmp_path):
    # Excel's "Save as Unicode text": UTF-16LE with a BOM, tab-delimited
    text = "地区\t年份\t指标\t数值\n江西\t2020\tgdp\t25691.5\n"
    p = write(tmp_path, "unicode.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    assert values(read_tidy(p)) == [("江西省", 2020, "gdp", 25691.5, "亿元")]


def test_bom_then_gbk_bytes_is_a_mixed_encoding_error(tmp_path):
    p = write(tmp_path, "mixed.csv", b"\xef\xbb\xbf" + HEADER.encode() + "江西,2020,gdp,1,亿元\n".encode("gbk"))
    with pytest.raises(DataValidationError, match=r"mixed\.csv: .*byte-order mark.*mixes encodings"):
        read_tidy(p)


# =========================================================================== yearbook clutter


def test_footnote_rows_are_skipped_in_tidy_files(tmp_path):
    text = HEADER + "江西,2020,gdp,25691.5,亿元\n注：2020年数据为初步核算数。\n注：1,234为修订数\n"
    assert values(read_tidy(write(tmp_path, "fn.csv", text))) == [("江西省", 2020, "gdp", 25691.5, "亿元")]


def test_footnote_rows_and_title_unit_in_wide_tables(tmp_path):
    text = ("江西省各地区研究与试验发展经费（万元）\n"
            "地区,2017年,2018年\n"
            "南昌市,\"1,000,000\",1200000\n"
            "九江市,300000,—\n"
            "注：数据来源于《江西统计年鉴》。\n"
            "资料来源：江西省统计局\n")
    out = read_wide(write(tmp_path, "w.csv", text), indicator="研发经费")
    assert sorted(values(out)) == [("九江市", 2017, "rd_expenditure", 30.0, "亿元"),
                                   ("南昌市", 2017, "rd_expenditure", 100.0, "亿元"),
                                   ("南昌市", 2018, "rd_expenditure", 120.0, "亿元")]


def test_merged_header_cells_csv_export(tmp_path):
    # a merged "专利申请量（件）" title cell over the year columns exports as one cell and blanks
    text = "地区,专利申请量（件）,,\n,2017年,2018年,2019年\n南昌市,1,2,3\n九江市,4,…,6\n"
    out = read_wide(write(tmp_path, "merged.csv", text), indicator="patent_applications")
    assert len(out) == 5 and set(out["year"]) == {2017, 2018, 2019}
    assert not ((out["region"] == "九江市") & (out["year"] == 2018)).any()


def test_merged_header_cells_in_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["各市专利授权量", None, None])
    ws.merge_cells("A1:C1")
    ws.append(["地区", "年份", None])
    ws.merge_cells("B2:C2")
    ws.append([None, "2020年", "2021年"])
    ws.append(["南昌市", 100, "200"])  # numbers stored as text are numbers
    ws.append(["萍乡市", "１２", "—"])  # full-width digits; a dash is missing
    ws.append(["注：2021年为快报数", None, None])
    p = tmp_path / "merged.xlsx"
    wb.save(p)
    out = read_wide(p, indicator="专利授权量")
    assert sorted(values(out)) == [("南昌市", 2020, "patent_grants", 100.0, "件"),
                                   ("南昌市", 2021, "patent_grants", 200.0, "件"),
                                   ("萍乡市", 2020, "patent_grants", 12.0, "件")]


def test_year_merged_over_two_columns_is_reported_not_misread(tmp_path):
    # "2020年" merged over value and growth columns: the growth cell has no header of its own
    text = "地区,2019年,2020年,\n,数值,数值,增长%\n南昌市,100,120,20.0\n"
    with pytest.raises(DataValidationError, match=r"two\.csv:3: value '20\.0' in column 4, which has no header"):
        read_wide(write(tmp_path, "two.csv", text), indicator="patent_applications")


@pytest.mark.parametrize("cell,expected", [
    ('"1,234"', 1234.0), ('"1,234,567.5"', 1234567.5), ("１２３４", 1234.0), ("１，２３４", 1234.0),
    ("' 1234 '", None), (" 1234 ", 1234.0), ("1234.0", 1234.0), ("1.2e3", 1200.0),
])
def test_number_formats(tmp_path, cell, expected):
    p = write(tmp_path, "n.csv", HEADER + f"江西,2020,patent_applications,{cell},件\n")
    if expected is None:
        with pytest.raises(DataValidationError, match=r"n\.csv:2: non-numeric value"):
            read_tidy(p)
    else:
        assert read_tidy(p)["value"].tolist() == [expected]


def test_unquoted_thousands_separator_is_reported_not_shifted(tmp_path):
    p = write(tmp_path, "tsep.csv", HEADER + "江西,2020,patent_applications,1,234,件\n")
    with pytest.raises(DataValidationError, match=r"tsep\.csv:2: .*thousands separator"):
        read_tidy(p)


@pytest.mark.parametrize("cell", ["12亿元", "1234*", "1234①", "1234²", "１２³", "约1200", "1.2万", "N/A?", "TRUE"])
def test_numbers_with_decoration_are_errors_not_guesses(tmp_path, cell):
    p = write(tmp_path, "deco.csv", HEADER + f"江西,2020,patent_applications,{cell},件\n")
    with pytest.raises(DataValidationError, match=r"deco\.csv:2: non-numeric value .*expected a number"):
        read_tidy(p)


@pytest.mark.parametrize("marker", ["—", "——", "…", "……", "-", "--", "", "NA", "－", "－－"])
def test_missing_markers_are_missing_never_zero(tmp_path, marker):
    text = HEADER + f"江西,2019,patent_applications,{marker},件\n江西,2020,patent_applications,5,件\n"
    out = read_tidy(write(tmp_path, "miss.csv", text))
    assert values(out) == [("江西省", 2020, "patent_applications", 5.0, "件")]


def test_missing_markers_in_wide_tables_never_zero(tmp_path):
    text = "地区,2017,2018,2019,2020\n南昌市,—,…,-,7\n"
    out = read_wide(write(tmp_path, "w.csv", text), indicator="patent_applications")
    assert values(out) == [("南昌市", 2020, "patent_applications", 7.0, "件")]
    assert not (out["value"] == 0).any()


@pytest.mark.parametrize("year", ["2017年", "2017", "2017.0", "２０１７年", "2017年度"])
def test_year_column_forms(tmp_path, year):
    out = read_tidy(write(tmp_path, "y.csv", HEADER + f"江西,{year},gdp,1,亿元\n"))
    assert out["year"].tolist() == [2017] and out["year"].dtype == np.int64


@pytest.mark.parametrize("year,msg", [("17年", "not a year"), ("2017-2018", "not a year"),
                                      ("1850", "impossible year 1850"), ("2099", "impossible year 2099")])
def test_bad_years_are_reported(tmp_path, year, msg):
    with pytest.raises(DataValidationError, match=rf"y\.csv:2: .*{msg}"):
        read_tidy(write(tmp_path, "y.csv", HEADER + f"江西,{year},gdp,1,亿元\n"))


def test_duplicate_keys_with_different_values_name_both_lines(tmp_path):
    text = HEADER + "江西,2017,gdp,1,亿元\n湖南,2017,gdp,3,亿元\n江西省,2017年,地区生产总值,2,亿元\n"
    with pytest.raises(DataValidationError) as e:
        read_tidy(write(tmp_path, "dup.csv", text))
    assert e.value.problems == ["dup.csv:4: duplicate key (江西省, 2017, gdp, actual) with conflicting values "
                                "2 here and 1 at dup.csv:2"]


def test_duplicate_keys_with_equal_values_are_kept_once(tmp_path):
    # the same figure written in two units is one figure
    text = HEADER + "江西,2017,rd_expenditure,1.5,亿元\n江西,2017,研发经费,15000,万元\n"
    assert values(read_tidy(write(tmp_path, "same.csv", text))) == [("江西省", 2017, "rd_expenditure", 1.5, "亿元")]


# =========================================================================== units changing mid-column


def test_unit_column_changing_mid_column_is_converted_row_by_row(tmp_path):
    text = HEADER + "江西,2017,rd_expenditure,100,亿元\n江西,2018,rd_expenditure,\"1,100,000\",万元\n"
    assert [v for *_, v, _u in values(read_tidy(write(tmp_path, "u.csv", text)))] == [100.0, 110.0]


def test_unit_line_inside_a_wide_table_changes_the_unit_below(tmp_path):
    text = ("地区,2017,2018\n"
            "江西省,500,600\n"
            "单位：万元\n"
            "南昌市,\"1,000,000\",1100000\n")
    out = read_wide(write(tmp_path, "stack.csv", text), indicator="rd_expenditure")
    got = {(r, y): v for r, y, _i, v, _u in values(out)}
    assert got == {("江西省", 2017): 500.0, ("江西省", 2018): 600.0, ("南昌市", 2017): 100.0, ("南昌市", 2018): 110.0}
    assert any("stack.csv:3: unit changes from 亿元 to 万元" in n for n in out.attrs["notes"])


def test_unit_in_a_comment_line_applies_to_a_tidy_file_without_unit_column(tmp_path):
    text = "# 单位：万元\nregion,year,indicator,value\n江西,2018,rd_expenditure,\"1,100,000\"\n"
    assert read_tidy(write(tmp_path, "c.csv", text))["value"].tolist() == [110.0]


def test_unit_that_does_not_fit_the_indicator_is_reported(tmp_path):
    text = HEADER + "江西,2017,patent_applications,100,亿元\n"
    with pytest.raises(DataValidationError, match=r"u\.csv:2: unit '亿元' does not convert for patent_applications"):
        read_tidy(write(tmp_path, "u.csv", text))


def test_unit_per_row_in_a_wide_table_unit_column(tmp_path):
    text = "地区,单位,2017,2018\n南昌市,万元,10000,20000\n九江市,亿元,3,4\n"
    out = read_wide(write(tmp_path, "uc.csv", text), indicator="rd_expenditure")
    assert sorted(values(out)) == [("九江市", 2017, "rd_expenditure", 3.0, "亿元"),
                                   ("九江市", 2018, "rd_expenditure", 4.0, "亿元"),
                                   ("南昌市", 2017, "rd_expenditure", 1.0, "亿元"),
                                   ("南昌市", 2018, "rd_expenditure", 2.0, "亿元")]


# =========================================================================== size limit, empty and binary files


def _big(tmp_path) -> Path:
    rows = "".join(f"江西,{y},patent_applications,{y},件\n" for y in range(1990, 2025))
    return write(tmp_path, "big.csv", HEADER + rows * 3)


def test_size_limit_argument(tmp_path):
    p = _big(tmp_path)
    size = p.stat().st_size
    with pytest.raises(DataValidationError, match=rf"big\.csv: the file is {size:,} bytes, over the size limit "
                                                  rf"of 1,000 bytes.*max_bytes=.*{MAX_BYTES_ENV}"):
        read_tidy(p, max_bytes=1000)
    with pytest.raises(DataValidationError, match="over the size limit"):
        read_wide(p, indicator="gdp", max_bytes="1KB")
    # at the limit it reads; 0 means no limit
    assert len(read_tidy(p, max_bytes=size)) == 35
    assert len(read_tidy(p, max_bytes=0)) == 35


def test_size_limit_from_environment(tmp_path, monkeypatch):
    p = _big(tmp_path)
    monkeypatch.setenv(MAX_BYTES_ENV, "1k")
    with pytest.raises(DataValidationError, match="over the size limit of 1,024 bytes"):
        read_tidy(p)
    # the argument wins over the environment
    assert len(read_tidy(p, max_bytes="1MB")) == 35
    monkeypatch.setenv(MAX_BYTES_ENV, "none")
    assert len(read_tidy(p)) == 35


def test_size_limit_default_and_bad_setting(monkeypatch):
    assert max_bytes_limit() == DEFAULT_MAX_BYTES
    assert max_bytes_limit("1.5G") == int(1.5 * 2**30)
    monkeypatch.setenv(MAX_BYTES_ENV, "lots")
    with pytest.raises(DataValidationError, match=rf"{MAX_BYTES_ENV}='lots' is not a size; expected bytes"):
        max_bytes_limit()
    with pytest.raises(ValueError, match="max_bytes=-1"):
        max_bytes_limit(-1)


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    p = _big(tmp_path)
    opened = []
    real = Path.read_bytes

    def spy(self):
        opened.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    with pytest.raises(DataValidationError):
        read_tidy(p, max_bytes=100)
    assert p not in opened


def test_size_limit_in_data_validate(tmp_path, monkeypatch, capsys):
    p = _big(tmp_path)
    monkeypatch.setenv(MAX_BYTES_ENV, "500")
    assert main(["data", "validate", str(p)]) == 1
    out = capsys.readouterr()
    assert "big.csv:1: file of" in out.out and "exceeds the limit of 500 bytes" in out.out


def test_size_limit_applies_to_excel(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["region", "year", "indicator", "value"])
    p = tmp_path / "x.xlsx"
    wb.save(p)
    with pytest.raises(DataValidationError, match=r"x\.xlsx: the file is .* over the size limit of 10 bytes"):
        read_tidy(p, max_bytes=10)


@pytest.mark.parametrize("content,msg", [
    (b"", r"e\.csv: the file is empty \(0 bytes\)"),
    (b"\n\n  \n", r"e\.csv: the file has no rows"),
    (b"# only a comment\n", r"e\.csv: the file has no rows"),
])
def test_empty_files(tmp_path, content, msg):
    p = write(tmp_path, "e.csv", content)
    with pytest.raises(DataValidationError, match=msg):
        read_tidy(p)
    with pytest.raises(DataValidationError):
        read_wide(p, indicator="gdp")


def test_header_only_file_is_an_empty_panel(tmp_path):
    out = read_tidy(write(tmp_path, "h.csv", HEADER))
    assert out.empty and list(out.columns)[:4] == ["region_code", "region", "level", "year"]


@pytest.mark.parametrize("content,msg", [
    (bytes(range(256)) * 4, "binary data"),
    (b"PK\x03\x04" + os.urandom(300), r"zip archive .*Rename it to \.xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(300), r"\.xls \(OLE2\)"),
    (b"%PDF-1.7\n" + os.urandom(300), "PDF"),
    (b"\x89PNG\r\n\x1a\n" + os.urandom(300), "PNG image"),
    (b"\x1f\x8b\x08" + os.urandom(300), "gzip"),
])
def test_binary_file_with_a_csv_name(tmp_path, content, msg):
    p = write(tmp_path, "bin.csv", content)
    with pytest.raises(DataValidationError, match=rf"bin\.csv: this is .*{msg}"):
        read_tidy(p)
    with pytest.raises(DataValidationError, match=r"bin\.csv"):
        read_wide(p, indicator="gdp")


def test_random_bytes_never_crash(tmp_path):
    rng = np.random.default_rng(7)
    for i in range(30):
        p = write(tmp_path, f"r{i}.csv", rng.integers(1, 256, size=int(rng.integers(1, 400)), dtype=np.uint8).tobytes())
        try:
            read_tidy(p)
        except InnovationForecastError:
            pass


@pytest.mark.parametrize("name,content", [
    ("text.xlsx", HEADER.encode() + "江西,2020,gdp,1,亿元\n".encode()),
    ("trunc.xlsx", b"PK\x03\x04" + b"\x00" * 50),
    ("empty.xls", b"\x01"),
    ("junk.xls", b"garbage that is not OLE2" * 10),
])
def test_unreadable_workbooks(tmp_path, name, content):
    p = write(tmp_path, name, content)
    with pytest.raises(DataValidationError, match=rf"{name}: cannot be read as an Excel workbook"):
        read_tidy(p)


def test_corrupt_parquet(tmp_path):
    p = write(tmp_path, "x.parquet", b"PAR1 not really")
    with pytest.raises(DataValidationError, match=r"x\.parquet: cannot be read as Parquet"):
        read_tidy(p)


def test_parquet_without_required_columns(tmp_path):
    pytest.importorskip("pyarrow")
    p = tmp_path / "cols.parquet"
    pd.DataFrame({"a": [1], "b": [2]}).to_parquet(p)
    with pytest.raises(DataValidationError, match=r"cols\.parquet: no column for region, year, indicator, value"):
        read_tidy(p)


def test_a_folder_is_not_a_file(tmp_path):
    d = tmp_path / "dir.csv"
    d.mkdir()
    with pytest.raises(DataValidationError, match="is a folder"):
        read_tidy(d)


def test_huge_field_is_a_data_error(tmp_path):
    p = write(tmp_path, "field.csv", HEADER + '江西,2020,gdp,"' + "1" * 200_000 + '\n')
    with pytest.raises(DataValidationError, match=r"field\.csv"):
        read_tidy(p)


# =========================================================================== data validate


@pytest.mark.parametrize("name,content,expect", [
    ("bin.csv", bytes(range(256)), "bin.csv:1: binary file"),
    ("empty.csv", b"", "empty.csv:1: empty file"),
    ("dup.csv", (HEADER + "江西,2017,gdp,1,亿元\n江西,2017,gdp,2,亿元\n").encode(), "dup.csv:3: duplicate key"),
    ("nan.csv", (HEADER + "江西,2017,gdp,abc,亿元\n").encode(), "nan.csv:2: non-numeric value 'abc'"),
    ("reg.csv", (HEADER + "火星,2017,gdp,1,亿元\n").encode(), "reg.csv:2: unknown region"),
])
def test_data_validate_reports_problems_and_exit_1(tmp_path, capsys, name, content, expect):
    p = write(tmp_path, name, content)
    assert main(["data", "validate", str(p)]) == 1
    out = capsys.readouterr()
    assert expect in out.out
    assert "Traceback" not in out.out + out.err


def test_data_validate_good_file(tmp_path, capsys):
    p = write(tmp_path, "ok.csv", "\ufeff" + HEADER + "江西,2017年,gdp,\"1,234\",亿元\n江西,2018,gdp,—,亿元\n")
    assert main(["data", "validate", str(p)]) == 0
    assert "OK" in capsys.readouterr().out


def test_data_validate_wide_with_footnotes(tmp_path, capsys):
    p = write(tmp_path, "w.csv", "地区,2017年,2018年\n南昌市,1,2\n注：单位为件\n", "gbk")
    assert main(["data", "validate", str(p), "--wide", "patent_applications"]) == 0
    assert "2 rows" in capsys.readouterr().out


def test_missing_value_never_becomes_zero_anywhere(tmp_path):
    # one guard over every reader path: a table of dashes gives no rows at all
    p = write(tmp_path, "dash.csv", HEADER + "".join(f"江西,{y},gdp,{m},亿元\n"
                                                     for y, m in zip(range(2010, 2016), ["—", "…", "-", "", "--", "——"])))
    assert read_tidy(p).empty
    w = write(tmp_path, "dashw.csv", "地区,2010,2011,2012\n江西,—,…,-\n南昌,——,,--\n")
    assert read_wide(w, indicator="gdp").empty


# =========================================================================== targets


TARGET_HEADER = "doc,region,year,indicator,basis,comparator,value,stretch_low,stretch_high,unit,quote,conflict\n"


def target_file(tmp_path, body: str, name: str = "targets.csv") -> Path:
    return write(tmp_path, name, TARGET_HEADER + body)


@pytest.fixture
def nanchang_panel() -> pd.DataFrame:
    years = np.arange(2010, 2018)
    return pd.DataFrame({"region": "南昌市", "indicator": "patent_applications", "year": years,
                         "value": 1000 * 1.1 ** (years - 2010), "status": "actual"})


def _target(**kw) -> dict:
    row = dict(doc="plan", region="南昌市", year=2019, indicator="patent_applications", basis="level",
               comparator="ge", value=2000.0, stretch_low=np.nan, stretch_high=np.nan, unit="件", quote="q")
    row.update(kw)
    return row


def test_targets_unknown_region_and_indicator_name_the_line(tmp_path):
    from innovation_forecast import load_targets

    p = target_file(tmp_path, "d,火星市,2018,patent_applications,level,ge,100,,,件,q,false\n"
                              "d,南昌市,2018,火箭发射数,level,ge,100,,,件,q,false\n")
    with pytest.raises(DataValidationError) as e:
        load_targets(p)
    assert e.value.problems[0].startswith("targets.csv:2: unknown region: '火星市'")
    assert "closest" in e.value.problems[0]
    assert e.value.problems[1].startswith("targets.csv:3: unknown indicator: '火箭发射数'")


def test_assess_targets_unknown_names_name_the_row(nanchang_panel):
    from innovation_forecast.errors import UnknownIndicatorError, UnknownRegionError
    from innovation_forecast.feasibility import assess_targets

    with pytest.raises(UnknownRegionError, match=r"targets row 0 \(doc 'plan', quote 'q'\): '火星'"):
        assess_targets(nanchang_panel, pd.DataFrame([_target(region="火星")]))
    with pytest.raises(UnknownIndicatorError, match=r"targets row 0 .*'rocket launches' is not a known indicator"):
        assess_targets(nanchang_panel, pd.DataFrame([_target(indicator="rocket launches")]))


def test_targets_bad_year_basis_comparator_value(tmp_path):
    from innovation_forecast import load_targets

    p = target_file(tmp_path, "d,南昌市,2300,patent_applications,level,ge,100,,,件,q,false\n"
                              "d,南昌市,2018,patent_applications,level_ish,ge,100,,,件,q,false\n"
                              "d,南昌市,2018,patent_applications,level,≥,100,,,件,q,false\n"
                              "d,南昌市,2018,patent_applications,level,ge,一百,,,件,q,false\n"
                              "d,南昌市,2018,patent_applications,level,ge,,,,件,q,false\n"
                              "d,南昌市,2018,patent_applications,level,ge,100,,,亿元,q,false\n")
    with pytest.raises(DataValidationError) as e:
        load_targets(p)
    text = "\n".join(e.value.problems)
    for expect in ["targets.csv:2: impossible year 2300", "targets.csv:3: basis 'level_ish' is not one of",
                   "targets.csv:4: comparator '≥' is not one of", "targets.csv:5: value: non-numeric value '一百'",
                   "targets.csv:6: value (the firm commitment) is missing", "targets.csv:7: Unit '亿元' does not convert"]:
        assert expect in text


def test_target_stretch_below_firm_value_is_an_error(tmp_path):
    from innovation_forecast import load_targets

    p = target_file(tmp_path, "d,南昌市,2018,patent_applications,level,ge,100,80,80,件,力争80件,false\n"
                              "d,南昌市,2018,patent_grants,level,ge,100,120,110,件,q,false\n"
                              "d,南昌市,2018,rd_intensity,level,le,2,2.5,,%,q,false\n"
                              "d,南昌市,2018,hte_new,level,ge,40,60,80,家,新增40家以上，力争60-80家,false\n")
    with pytest.raises(DataValidationError) as e:
        load_targets(p)
    assert e.value.problems == [
        "targets.csv:2: stretch 80 is below the firm value 100 of a 'ge' target; a 力争 level must be at least "
        "the firm commitment (swap value and stretch_low?)",
        "targets.csv:3: stretch_low 120 is above stretch_high 110; expected a range low–high",
        "targets.csv:4: stretch 2.5 is above the firm value 2 of a 'le' target; for a ceiling the 力争 level "
        "must be at most the firm commitment",
    ]


def test_contradictory_targets_are_flagged_with_a_warning(tmp_path):
    from innovation_forecast import load_targets

    p = target_file(tmp_path, "d,南昌市,2018,patent_applications,level,ge,100,,,件,达到100件,false\n"
                              "d,南昌市,2018,patent_applications,level,ge,120,,,件,达到120件,false\n"
                              "e,南昌市,2018,patent_applications,level,ge,150,,,件,another plan,false\n")
    with pytest.warns(UserWarning, match=r"contradictory targets .*targets\.csv:2, targets\.csv:3$"):
        t = load_targets(p)
    assert t["conflict"].tolist() == [True, True, False]


def test_target_before_the_data_is_no_data_and_says_why(nanchang_panel):
    from innovation_forecast.feasibility import assess_targets

    out = assess_targets(nanchang_panel, pd.DataFrame([_target(year=2005, value=500.0)]), n_paths=200)
    row = out.iloc[0]
    assert row["verdict"] == "no data" and np.isnan(row["p_meet"])
    # the region has data (2010–2017): the reason is the target year, not a missing series
    assert "2010" in row["explanation"] + row["notes"], row["explanation"]


def test_target_inside_the_data_is_judged_on_the_actual(nanchang_panel):
    from innovation_forecast.feasibility import assess_targets

    out = assess_targets(nanchang_panel, pd.DataFrame([_target(year=2015, value=500.0),
                                                       _target(year=2015, value=5000.0)]), n_paths=200)
    assert out["verdict"].tolist() == ["met", "missed"]


def test_target_for_a_region_without_data_is_no_data(nanchang_panel):
    from innovation_forecast.feasibility import assess_targets

    out = assess_targets(nanchang_panel, pd.DataFrame([_target(region="九江市")]), n_paths=200)
    assert out["verdict"].tolist() == ["no data"] and "九江市" in out["explanation"].iloc[0]


def test_assess_targets_stretch_below_firm_is_not_silent(nanchang_panel):
    from innovation_forecast.feasibility import assess_targets

    t = pd.DataFrame([_target(value=2500.0, stretch_low=2000.0, stretch_high=2000.0)])
    try:
        out = assess_targets(nanchang_panel, t, n_paths=200)
    except DataValidationError as exc:
        assert "stretch" in str(exc)
        return
    assert "stretch" in out["notes"].iloc[0] and "firm" in out["notes"].iloc[0], out["notes"].iloc[0]


def test_assess_targets_contradictory_targets_are_noted(nanchang_panel):
    from innovation_forecast.feasibility import assess_targets

    t = pd.DataFrame([_target(value=2000.0, quote="达到2000件"), _target(value=3000.0, quote="达到3000件")])
    t["conflict"] = True
    out = assess_targets(nanchang_panel, t, n_paths=200)
    assert out["p_meet"].iloc[0] > out["p_meet"].iloc[1]
    assert all("conflict" in n or "contradict" in n for n in out["notes"]), out["notes"].tolist()


def test_feasibility_cli_hand_made_targets_file(tmp_path, capsys):
    p = target_file(tmp_path, "d,火星市,2018,patent_applications,level,ge,100,,,件,q,false\n")
    assert main(["feasibility", "--targets", str(p), "--as-of", "none"]) == 2
    err = capsys.readouterr().err
    assert "targets.csv:2" in err and "火星市" in err and "Traceback" not in err


# =========================================================================== reports


def _report(source, **kw):
    from innovation_forecast.reader import read_report

    return read_report(source, **({"region": "上饶市", "report_year": 2017} | kw))


def test_report_truncated_mid_sentence_reads_no_number():
    rep = _report("2017年，全市专利申请量达到")
    assert rep.figures.empty and rep.targets.empty


def test_report_truncated_inside_a_number_is_not_a_silent_figure():
    rep = _report("2017年，高新技术企业总数达到165家。全市专利申请量达到43")
    got = dict(zip(rep.figures["indicator"], zip(rep.figures["value"], rep.flags)))
    assert got["hte_total"][0] == 165.0
    if "patent_applications" in got:
        assert "truncat" in got["patent_applications"][1]


def test_report_mixed_encodings():
    from innovation_forecast.errors import ReportReadError

    raw = ("2017年，全市专利申请量达到4312件。\n".encode("utf-8")
           + "高新技术企业总数达到165家。\n".encode("gbk"))
    try:
        rep = _report(raw)
    except ReportReadError as exc:  # acceptable only if it says where the encoding changes
        assert "mixed" in str(exc) or "line 2" in str(exc)
        return
    assert set(rep.figures["indicator"]) == {"patent_applications", "hte_total"}


def test_report_target_sentence_without_a_number():
    rep = _report("2018年，力争全市专利申请量大幅增长，高新技术企业数量显著提升，研发投入强度稳步提高。")
    assert rep.figures.empty and rep.targets.empty


def test_report_numbers_without_units():
    rep = _report("2017年，全市专利申请量达到4312，技术合同成交额5.3，研发投入达到12。")
    # a count needs no unit; a money amount without 万元/亿元 is ambiguous and is not read
    assert rep.figures[["indicator", "value", "unit"]].values.tolist() == [["patent_applications", 4312.0, "件"]]


def test_report_absurd_values_are_flagged_or_dropped():
    rep = _report("2017年，全市专利申请量增长9999%，高新技术企业总数达到99999999家，研发投入强度达到150%。")
    flags = dict(zip(rep.figures["indicator"], rep.flags))
    for ind in ("patent_applications", "hte_total", "rd_intensity"):
        assert ind not in flags or "implausible" in flags[ind], (ind, flags)


@pytest.mark.parametrize("source,msg", [
    ("In 2017 the city filed 4312 patent applications, up 35.6%.", "no Chinese text found"),
    (b"In 2017 the city filed 4312 patent applications.", "no Chinese text found"),
    ("", "the report is empty"),
    ("   \n\t ", "the report is empty"),
    ("missing_report.txt", "does not exist"),
])
def test_report_bad_sources(source, msg):
    from innovation_forecast.errors import ReportReadError

    with pytest.raises(ReportReadError, match=msg):
        _report(source)


def test_report_english_file_in_the_cli(tmp_path, capsys):
    p = write(tmp_path, "english_report.txt", "Science and technology work report 2017: patents rose 35.6%.")
    assert main(["read-report", str(p)]) == 2
    err = capsys.readouterr().err
    assert "english_report.txt" in err and "no Chinese text" in err and "Traceback" not in err


def test_report_binary_file_in_the_cli(tmp_path, capsys):
    p = write(tmp_path, "scan.txt", b"%PDF-1.4\n" + bytes(range(256)) * 4)
    assert main(["read-report", str(p)]) == 2
    assert "scan.txt" in capsys.readouterr().err


def test_percentage_share_above_100_is_impossible(tmp_path):
    p = write(tmp_path, "pct.csv", HEADER + "江西,2017,rd_intensity,1.5,%\n江西,2018,研发投入强度,150,%\n")
    with pytest.raises(DataValidationError, match=r"pct\.csv:3: impossible value 150 for rd_intensity"):
        read_tidy(p)


# =========================================================================== malicious content

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\",\"点击\")",
            "＝1+1"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_safe_to_csv_escapes_formula_cells(cell):
    import csv as _csv_mod
    import io

    from innovation_forecast._csv import safe_to_csv

    df = pd.DataFrame({"region": [cell, "南昌市"], "value": [-5.0, 1234.5], "n": [-1, 2]})
    text = safe_to_csv(df)
    rows = list(_csv_mod.reader(io.StringIO(text, newline="")))
    assert rows[1][0] == "'" + cell  # shown as text by Excel/WPS/LibreOffice
    assert rows[1][1:] == ["-5.0", "-1"]  # numbers stay numbers, negative ones too
    assert rows[2] == ["南昌市", "1234.5", "2"]
    for r in rows:
        for c in r:
            assert not c.startswith(("=", "+", "@", "\t", "\r")), c


def test_safe_to_csv_writes_files_and_streams(tmp_path):
    import io

    from innovation_forecast._csv import safe_to_csv

    df = pd.DataFrame({"=evil": ["=1+1"]}, index=pd.Index(["@x"]))
    p = tmp_path / "o.csv"
    assert safe_to_csv(df, p) is None
    buf = io.StringIO()
    safe_to_csv(df, buf, index=True)
    assert p.read_text() == "'=evil\n'=1+1\n"
    assert buf.getvalue().splitlines()[1] == "'@x,'=1+1"
    assert list(df.columns) == ["=evil"]  # the caller's frame is not changed


def _xlsx_with(tmp_path, rows, as_text: bool = False) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            if as_text and isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # a text cell that merely starts with '='
    p = tmp_path / ("text.xlsx" if as_text else "formula.xlsx")
    wb.save(p)
    return p


@pytest.mark.parametrize("as_text", [False, True], ids=["formula_cell", "text_cell"])
def test_excel_formula_in_a_value_cell_is_text_not_a_number(tmp_path, as_text):
    p = _xlsx_with(tmp_path, [["region", "year", "indicator", "value"],
                              ["江西", 2020, "gdp", "=cmd|' /C calc'!A0"],
                              ["江西", 2021, "gdp", "=1+1"]], as_text)
    with pytest.raises(DataValidationError) as e:
        read_tidy(p)
    assert e.value.problems == [f"{p.name}:2: non-numeric value \"=cmd|' /C calc'!A0\"; expected a number such as "
                                "1234, 1,234 or 12.5",
                                f"{p.name}:3: non-numeric value '=1+1'; expected a number such as 1234, 1,234 or 12.5"]


@pytest.mark.parametrize("as_text", [False, True], ids=["formula_cell", "text_cell"])
def test_excel_formula_in_a_name_cell_is_an_unknown_name(tmp_path, as_text):
    p = _xlsx_with(tmp_path, [["region", "year", "indicator", "value"], ["=cmd|' /C calc'!A0", 2020, "gdp", 1]],
                   as_text)
    with pytest.raises(DataValidationError, match=r"xlsx:2: unknown region: .*=cmd\|' /C calc'!A0"):
        read_tidy(p)


@pytest.mark.parametrize("as_text", [False, True], ids=["formula_cell", "text_cell"])
def test_excel_formula_in_a_text_column_is_kept_as_text_and_escaped_on_output(tmp_path, as_text):
    from innovation_forecast._csv import safe_to_csv

    evil = "=cmd|' /C calc'!A0"
    p = _xlsx_with(tmp_path, [["region", "year", "indicator", "value", "source", "flag"],
                              ["江西", 2020, "gdp", 25691.5, evil, "@SUM(1)"]], as_text)
    panel = read_tidy(p)
    assert panel["source"].tolist() == [evil] and panel["flag"].tolist() == ["@SUM(1)"]
    assert panel["value"].tolist() == [25691.5]
    out = safe_to_csv(panel)
    assert "'" + evil in out and "\n" + evil not in out and "," + evil not in out


def test_formula_text_in_a_csv_source_column_stays_text(tmp_path):
    p = write(tmp_path, "f.csv", "region,year,indicator,value,source\n江西,2020,gdp,1,\"=HYPERLINK(\"\"http://x\"\")\"\n")
    assert read_tidy(p)["source"].tolist() == ['=HYPERLINK("http://x")']


def _csv_cells(text: str) -> list[str]:
    import csv as _csv_mod
    import io

    return [c for row in _csv_mod.reader(io.StringIO(text, newline="")) for c in row]


def test_cli_data_csv_output_is_escaped(capsys):
    from innovation_forecast.commands._output import emit

    emit(pd.DataFrame({"region": ["江西省"], "source": ["=cmd|' /C calc'!A0"], "flag": ["+1"]}), "csv")
    cells = _csv_cells(capsys.readouterr().out)
    assert "'=cmd|' /C calc'!A0" in cells and "'+1" in cells


def test_cli_read_report_csv_output_is_escaped(tmp_path, capsys):
    p = write(tmp_path, "=cmd|calc.txt", "上饶市2017年工作总结\n2017年，全市专利申请量达到4312件。\n")
    assert main(["read-report", str(p), "--format", "csv", "--region", "上饶市", "--report-year", "2017"]) == 0
    cells = _csv_cells(capsys.readouterr().out)
    assert "'=cmd|calc" in cells and "=cmd|calc" not in cells


def test_cli_feasibility_csv_output_is_escaped(tmp_path, capsys):
    p = write(tmp_path, "=cmd|calc.txt", "上饶市2017年工作总结及2018年工作打算\n2018年，力争全市专利申请量达到5500件以上。\n")
    assert main(["feasibility", "--report", str(p), "--format", "csv", "--n-paths", "200"]) == 0
    cells = _csv_cells(capsys.readouterr().out)
    assert "'=cmd|calc" in cells and "=cmd|calc" not in cells


def test_excel_percent_format_is_read_as_shown(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["region", "year", "indicator", "value", "unit"])
    ws.append(["江西", 2020, "rd_intensity", 0.0168, "%"])
    ws.append(["江西", 2021, "rd_intensity", 1.77, "%"])
    ws.append(["江西", 2022, "rd_intensity", 1.8, '"%"'])
    ws["D2"].number_format = "0.00%"      # shown as 1.68%
    ws["D4"].number_format = '0.00"%"'    # a literal % sign: shown as 1.80%
    ws["E4"] = "%"
    p = tmp_path / "pct.xlsx"
    wb.save(p)
    assert read_tidy(p)["value"].tolist() == [1.68, 1.77, 1.8]


@pytest.mark.parametrize("cell", ["1.23E+11", "4.31E+06", "1E+05", "2.5E-03"])
def test_excel_scientific_display_in_csv_is_reported(tmp_path, cell):
    p = write(tmp_path, "sci.csv", HEADER + f"江西,2020,patent_applications,{cell},件\n")
    with pytest.raises(DataValidationError, match=r"sci\.csv:2: value .* looks like Excel's scientific display"):
        read_tidy(p)


def test_workbook_with_a_cover_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "说明"
    cover.append(["本表由市统计局提供，数据截至2021年底。"])
    data = wb.create_sheet("数据")
    data.append(["地区", "2020年", "2021年"])
    data.append(["南昌市", 10, 12])
    p = tmp_path / "book.xlsx"
    wb.save(p)
    with pytest.raises(DataValidationError, match=r"book\.xlsx: no header row .*sheets '说明', '数据'; pass sheet="):
        read_wide(p, indicator="patent_applications")
    assert read_wide(p, indicator="patent_applications", sheet="数据")["value"].tolist() == [10.0, 12.0]
    assert read_wide(p, indicator="patent_applications", sheet=1)["value"].tolist() == [10.0, 12.0]
    with pytest.raises(DataValidationError, match=r"no sheet 'Sheet9'; the workbook has sheets '说明', '数据'"):
        read_tidy(p, sheet="Sheet9")
    with pytest.raises(DataValidationError, match=r"book\.xlsx:1: no column for .*sheets '说明', '数据'"):
        read_tidy(p)


def test_report_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from innovation_forecast.errors import ReportReadError
    from innovation_forecast.reader import read_report

    p = tmp_path / "big_report.txt"
    p.write_text("上饶市2017年工作总结\n" + "2017年，全市专利申请量达到4312件。\n" * 200, encoding="utf-8")
    monkeypatch.setenv("INNOVATION_FORECAST_MAX_BYTES", "1000")
    with pytest.raises(ReportReadError, match=r"big_report\.txt.*over the size limit of 1,000 bytes"):
        read_report(p)
    monkeypatch.setenv("INNOVATION_FORECAST_MAX_BYTES", "0")  # no limit
    assert len(read_report(p).figures) >= 1
