"""Property-based tests (hypothesis) over the loaders and the report reader.

Properties:

- any bytes, any text, any grid of cells given to ``read_tidy``/``read_wide`` end in a panel or in the
  package's own error (:class:`InnovationForecastError`) — never a traceback from inside pandas, csv or
  openpyxl;
- a generated table whose numbers are written the way offices write them (thousands separators,
  full-width digits, ``2017年``, 万元 instead of 亿元, missing markers, footnote rows, GBK, BOM, ``;`` or tab)
  is read back to exactly the numbers it was generated from; one spoiled cell turns the whole read into
  an error naming that cell's line — a wrong number never comes back silently;
- ``read_report`` on truncated text, mixed-encoding bytes and arbitrary sentences ends in a Report whose
  quotes are verbatim slices of its text and whose values are finite, or in ReportReadError.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from innovation_forecast import read_tidy, read_wide
from innovation_forecast.errors import DataValidationError, InnovationForecastError, ReportReadError
from innovation_forecast.panel import NotANumber, parse_number

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# regions written as offices write them → canonical name
REGIONS = {"江西": "江西省", "江西省": "江西省", "Jiangxi": "江西省", "南昌": "南昌市", "南昌市": "南昌市",
           "九江市": "九江市", "永修县": "永修县", "湘东区": "湘东区", "湖南": "湖南省", "全国": "全国"}
# indicator alias → (canonical, {unit written: factor to canonical})
INDICATORS = {
    "专利申请量": ("patent_applications", {"件": 1.0, "": 1.0}),
    "patent_grants": ("patent_grants", {"件": 1.0}),
    "高新技术企业": ("hte_total", {"家": 1.0, "": 1.0}),
    "研发经费": ("rd_expenditure", {"亿元": 1.0, "万元": 1e-4, "": 1.0}),
    "gdp": ("gdp", {"亿元": 1.0, "万元": 1e-4}),
    "研发投入强度": ("rd_intensity", {"%": 1.0, "": 1.0}),
}
MISSING = ["—", "——", "…", "……", "-", "", "--"]
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


@st.composite
def number_cell(draw) -> tuple[str, float]:
    """A non-negative number written in one of the ways yearbooks write numbers, and its value."""
    cents = draw(st.integers(0, 10**11))
    decimals = draw(st.sampled_from([0, 1, 2]))
    x = cents / 10**decimals
    plain = f"{x:.{decimals}f}"
    style = draw(st.sampled_from(["plain", "thousands", "fullwidth", "fullwidth_thousands", "padded", "trailing0"]))
    if style == "thousands":
        s = f"{x:,.{decimals}f}"
    elif style == "fullwidth":
        s = plain.translate(FULLWIDTH)
    elif style == "fullwidth_thousands":
        s = f"{x:,.{decimals}f}".translate(FULLWIDTH)
    elif style == "padded":
        s = f" {plain} "
    else:
        s = plain + ("0" if "." in plain else ".0")
    return s, float(plain)


def year_cell(y: int, style: str) -> str:
    return {"plain": str(y), "nian": f"{y}年", "float": f"{y}.0", "fullwidth": f"{y}年".translate(FULLWIDTH),
            "niandu": f"{y}年度"}[style]


@st.composite
def tidy_table(draw):
    """(rows of cells incl. header, expected {(region, year, indicator): value})."""
    n = draw(st.integers(1, 8))
    region_w = draw(st.lists(st.sampled_from(sorted(REGIONS)), min_size=n, max_size=n))
    ind_w = draw(st.lists(st.sampled_from(sorted(INDICATORS)), min_size=n, max_size=n))
    rows = [["地区" if draw(st.booleans()) else "region", "年份" if draw(st.booleans()) else "year",
             "indicator", "value", "unit"]]
    expected = {}
    for i in range(n):
        year = 2000 + i  # distinct keys: no duplicates by construction
        canon_ind, units = INDICATORS[ind_w[i]]
        unit = draw(st.sampled_from(sorted(units)))
        if draw(st.integers(0, 6)) == 0:
            cell, value = draw(st.sampled_from(MISSING)), None
        elif canon_ind == "rd_intensity":  # a share of GDP: at most 100
            cell, value = draw(st.sampled_from([("1.5", 1.5), ("２.６８", 2.68), ("0.90", 0.9), ("100", 100.0)]))
        else:
            cell, value = draw(number_cell())
        rows.append([region_w[i], year_cell(year, draw(st.sampled_from(["plain", "nian", "float", "fullwidth",
                                                                          "niandu"]))),
                     ind_w[i], cell, unit])
        if value is not None:
            expected[(REGIONS[region_w[i]], year, canon_ind)] = value * units[unit]
    return rows, expected


def to_bytes(rows, delimiter: str, encoding: str, footnote: bool) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerows(rows)
    text = buf.getvalue()
    if footnote:
        text += "注：本表数据来源于统计年鉴，部分为初步数。\n"
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def assert_equal_values(panel, expected):
    got = {(r.region, int(r.year), r.indicator): float(r.value) for r in panel.itertuples()}
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert math.isclose(got[k], v, rel_tol=1e-12, abs_tol=0), (k, got[k], v)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"])
DELIMS = st.sampled_from([",", ";", "\t"])


@settings(max_examples=150, **SETTINGS)
@given(tidy_table(), DELIMS, ENCODINGS, st.booleans())
def test_generated_tidy_files_read_back_exactly(tmp_path, table, delimiter, encoding, footnote):
    rows, expected = table
    p = tmp_path / "gen.csv"
    p.write_bytes(to_bytes(rows, delimiter, encoding, footnote))
    assert_equal_values(read_tidy(p), expected)


SPOILERS = {
    "value": ["abc", "1234①", "12亿元", "1.2.3", "1,23", "inf", "-5", "TRUE", "1e999", "0x10"],
    "region": ["火星", "江西省/南昌", "", "<b>南昌</b>"],
    "year": ["17年", "二〇一七", "2017-18", "1800", "", "2017.5"],
    "indicator": ["专利", "GDP增速?", ""],
    "unit": ["公斤", "件件"],
}


@settings(max_examples=150, **SETTINGS)
@given(tidy_table(), st.sampled_from(sorted(SPOILERS)), st.data(), DELIMS)
def test_one_spoiled_cell_is_an_error_naming_its_line(tmp_path, table, column, data, delimiter):
    rows, _ = table
    col = rows[0].index({"region": rows[0][0], "year": rows[0][1]}.get(column, column))
    i = data.draw(st.integers(1, len(rows) - 1))
    bad = data.draw(st.sampled_from(SPOILERS[column]))
    if column != "value":
        assume(rows[i][3] not in MISSING)  # a row without a value is dropped before its other cells matter
    rows[i][col] = bad
    p = tmp_path / "spoiled.csv"
    p.write_bytes(to_bytes(rows, delimiter, "utf-8", False))
    with pytest.raises(DataValidationError) as e:
        read_tidy(p)
    line = i + 1
    assert any(pr.startswith(f"spoiled.csv:{line}:") for pr in e.value.problems), e.value.problems


@st.composite
def wide_table(draw):
    years = list(range(2010, 2010 + draw(st.integers(2, 6))))
    regions = draw(st.lists(st.sampled_from(sorted(REGIONS)), min_size=1, max_size=5,
                            unique_by=lambda r: REGIONS[r]))
    ystyle = draw(st.sampled_from(["plain", "nian", "float", "fullwidth"]))
    unit = draw(st.sampled_from(["亿元", "万元"]))
    factor = 1.0 if unit == "亿元" else 1e-4
    title = [f"各地区研究与试验发展经费（{unit}）"] + [""] * len(years)
    rows = [title, ["地区"] + [year_cell(y, ystyle) for y in years]]
    expected = {}
    for r in regions:
        row = [r]
        for y in years:
            if draw(st.integers(0, 5)) == 0:
                row.append(draw(st.sampled_from(MISSING)))
            else:
                cell, v = draw(number_cell())
                row.append(cell)
                expected[(REGIONS[r], y, "rd_expenditure")] = v * factor
        rows.append(row)
    if draw(st.booleans()):
        rows.append(["注：数据来源于统计年鉴。"] + [""] * len(years))
    return rows, expected


@settings(max_examples=100, **SETTINGS)
@given(wide_table(), DELIMS, ENCODINGS)
def test_generated_wide_tables_read_back_exactly(tmp_path, table, delimiter, encoding):
    rows, expected = table
    p = tmp_path / "wide.csv"
    p.write_bytes(to_bytes(rows, delimiter, encoding, False))
    assert_equal_values(read_wide(p, indicator="研发经费"), expected)


@settings(max_examples=40, **SETTINGS)
@given(wide_table())
def test_generated_wide_tables_in_excel_read_back_exactly(tmp_path, table):
    openpyxl = pytest.importorskip("openpyxl")
    rows, expected = table
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([c if c != "" else None for c in r])
    p = tmp_path / "wide.xlsx"
    wb.save(p)
    assert_equal_values(read_wide(p, indicator="研发经费"), expected)


def _result_or_own_error(fn, *args, **kw):
    try:
        out = fn(*args, **kw)
    except InnovationForecastError:
        return None
    # a result: every value is a finite non-negative float, every year an int
    assert out["value"].map(math.isfinite).all()
    assert (out["value"] >= 0).all()
    assert str(out["year"].dtype) == "int64"
    return out


@settings(max_examples=200, **SETTINGS)
@given(st.binary(max_size=600), st.sampled_from(["f.csv", "f.tsv", "f.txt", "f.xlsx", "f.xls", "f.parquet"]))
def test_arbitrary_bytes_end_in_result_or_own_error(tmp_path, raw, name):
    p = tmp_path / name
    p.write_bytes(raw)
    _result_or_own_error(read_tidy, p)
    _result_or_own_error(read_wide, p, indicator="gdp")


CELLS = st.one_of(st.text(max_size=12), st.sampled_from(sorted(REGIONS) + ["2017", "2017年", "gdp", "1,234", "—",
                                                                           "注：", "#", '"', "地区", "value"]),
                  st.integers(-10**6, 10**12).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str))


@settings(max_examples=200, **SETTINGS)
@given(st.lists(st.lists(CELLS, min_size=0, max_size=7), max_size=8), DELIMS, st.booleans())
def test_arbitrary_grids_end_in_result_or_own_error(tmp_path, grid, delimiter, with_header):
    if with_header:
        grid = [["region", "year", "indicator", "value", "unit"]] + grid
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(grid)
    p = tmp_path / "grid.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    _result_or_own_error(read_tidy, p)
    _result_or_own_error(read_wide, p, indicator="patent_applications")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_parse_number_never_guesses(text):
    try:
        x = parse_number(text)
    except NotANumber:
        return
    if math.isnan(x):
        return
    # whatever parsed is, after NFKC, only a plain decimal number (optionally with thousands separators)
    s = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    assert math.isclose(float(s), x, rel_tol=0, abs_tol=0)
    assert not any(ch.isdigit() and not ch.isdecimal() for ch in text)


# --------------------------------------------------------------------------- the report reader


REPORT = ("上饶市科技局2017年工作总结及2018年工作打算\n一、2017年工作总结\n"
          "2017年，全市专利申请量达到4312件，增长35.6%；高新技术企业总数达到165家，新增高新技术企业52家。"
          "全社会研发投入强度达到1.2%。技术合同成交额5.3亿元。\n二、2018年工作打算\n"
          "力争全市专利申请量达到5500件以上，高新技术企业总数突破200家，研发投入强度达到1.5%。")


def _check_report(source, **kw):
    from innovation_forecast.reader import read_report

    try:
        rep = read_report(source, **kw)
    except ReportReadError:
        return None
    for frame in (rep.figures, rep.targets):
        for q, a, b in zip(frame["quote"], frame["start"], frame["end"]):
            assert rep.text[a:b] == q
        assert frame["value"].map(lambda v: math.isfinite(v)).all()
    return rep


@settings(max_examples=120, **SETTINGS)
@given(st.integers(0, len(REPORT)))
def test_truncated_reports_never_crash_and_never_invent(cut):
    rep = _check_report(REPORT[:cut], region="上饶市", report_year=2017)
    full = _check_report(REPORT, region="上饶市", report_year=2017)
    if rep is None:
        return
    # a figure read from a truncated report is one the whole report has, or one whose number was cut
    whole = {(r.indicator, r.basis, r.year): r.value for r in full.figures.itertuples()}
    for r in rep.figures.itertuples():
        key = (r.indicator, r.basis, r.year)
        if key in whole and not math.isclose(whole[key], r.value):
            # the number itself was cut ("4312" → "431"): its quote must end where the text ends
            assert r.end >= len(rep.text.rstrip()) - 2, (r, whole[key])


@settings(max_examples=100, **SETTINGS)
@given(st.integers(0, len(REPORT)), st.sampled_from(["gbk", "latin-1", "utf-16-le", "big5"]))
def test_mixed_encoding_bytes_never_crash(cut, other):
    head = REPORT[:cut].encode("utf-8")
    try:
        tail = REPORT[cut:].encode(other, errors="replace")
    except LookupError:  # pragma: no cover
        return
    _check_report(head + tail, region="上饶市", report_year=2017)


# --------------------------------------------------------------------------- the other loaders

TARGET_COLS = ["doc", "region", "year", "indicator", "basis", "comparator", "value", "stretch_low", "stretch_high",
               "unit", "quote", "conflict"]
FIGURE_COLS = ["doc", "region", "year", "indicator", "status", "basis", "value", "unit", "months", "quote"]
BULLETIN_COLS = ["region", "year", "indicator", "value", "unit", "source_title", "source_url", "quote"]
TECHME_COLS = ["province", "year", "chn_block4", "value", "units", "variables"]
FIELD = st.one_of(CELLS, st.sampled_from(["ge", "le", "eq", "level", "growth_pct", "actual", "ytd", "true", "false",
                                          "件", "亿元", "%", "RD经费", "专利申请受理量", "9", "12", "0"]))


@st.composite
def headed_grid(draw, columns):
    header = list(columns)
    if draw(st.booleans()):  # drop, duplicate or rename a column now and then
        i = draw(st.integers(0, len(header) - 1))
        header[i] = draw(st.sampled_from(["", header[(i + 1) % len(header)], "extra"]))
    rows = draw(st.lists(st.lists(FIELD, min_size=0, max_size=len(header) + 1), max_size=6))
    return [header] + rows


def _write_grid(path, grid):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(grid)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _own_error_only(fn, *args):
    try:
        return fn(*args)
    except InnovationForecastError:
        return None


@settings(max_examples=150, **SETTINGS)
@given(headed_grid(TARGET_COLS))
def test_load_targets_on_arbitrary_files(tmp_path, grid):
    from innovation_forecast import load_targets

    p = tmp_path / "targets.csv"
    _write_grid(p, grid)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = _own_error_only(load_targets, p)
    if out is not None and len(out):
        assert out["value"].map(math.isfinite).all()
        ge = out["comparator"].isin(["ge", "gt"]) & out["stretch_low"].notna()
        assert (out.loc[ge, "stretch_low"] >= out.loc[ge, "value"]).all()


@settings(max_examples=150, **SETTINGS)
@given(headed_grid(FIGURE_COLS))
def test_load_figures_on_arbitrary_files(tmp_path, grid):
    from innovation_forecast import load_figures

    p = tmp_path / "figures.csv"
    _write_grid(p, grid)
    out = _own_error_only(load_figures, p)
    if out is not None and len(out):
        assert out["value"].map(math.isfinite).all()


@settings(max_examples=150, **SETTINGS)
@given(headed_grid(BULLETIN_COLS))
def test_read_bulletins_on_arbitrary_files(tmp_path, grid):
    from innovation_forecast import read_bulletins

    p = tmp_path / "jiangxi_cities.csv"
    _write_grid(p, grid)
    out = _own_error_only(read_bulletins, p)
    if out is not None and len(out):
        assert out["value"].map(math.isfinite).all()


@settings(max_examples=60, **SETTINGS)
@given(headed_grid(TECHME_COLS), st.sampled_from(["RDIntense", "RDPatentAccept", "MarketPush"]))
def test_read_techme_on_an_arbitrary_file(tmp_path, grid, dataset):
    from innovation_forecast import read_techme

    folder = tmp_path / "techme"
    folder.mkdir(exist_ok=True)
    good = [["province", "year", "chn_block4", "value", "units", "variables"], ["江西", "2020", "RD经费", "1", "亿元", "v"]]
    for ds in ["RDPatentAccept", "RDPatentAuthority", "RDPatentValid", "RDIntense", "RDActivity", "MarketPush",
               "MarketPull"]:
        _write_grid(folder / f"orig_{ds}.csv", grid if ds == dataset else good)
    _write_grid(folder / "orig_HitechFirmsPub.csv", [["province", "year", "num"], ["江西", "2020", "5"]])
    _own_error_only(read_techme, tmp_path)


ODD = st.one_of(CELLS, st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
                st.decimals(allow_nan=True), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2),
                                                                                                  st.integers(), max_size=1),
                st.dates().map(str), st.just(float("nan")), st.sampled_from(sorted(REGIONS)))


@settings(max_examples=200, **SETTINGS)
@given(st.lists(st.fixed_dictionaries({"region": ODD, "year": ODD, "indicator": ODD | st.sampled_from(sorted(INDICATORS)),
                                       "value": ODD, "unit": ODD, "status": ODD, "months": ODD}), max_size=6))
def test_validate_panel_on_arbitrary_python_objects(rows):
    """A frame built in code (not read from a file) may hold anything; the answer is a panel or the own error."""
    import pandas as pd

    from innovation_forecast import validate_panel

    frame = pd.DataFrame(rows, columns=["region", "year", "indicator", "value", "unit", "status", "months"])
    out = _own_error_only(validate_panel, frame)
    if out is not None and len(out):
        assert out["value"].map(math.isfinite).all()
        assert str(out["year"].dtype) == "int64"


@settings(max_examples=60, **SETTINGS)
@given(st.binary(max_size=300) | st.lists(st.lists(CELLS, max_size=6), max_size=5).map(
    lambda g: "\n".join(",".join(r) for r in g).encode("utf-8")),
       st.sampled_from(["v.csv", "v.xlsx", "v.txt"]), st.booleans())
def test_data_validate_cli_never_tracebacks(tmp_path, capsys, raw, name, wide):
    from innovation_forecast.cli import main

    p = tmp_path / name
    p.write_bytes(raw)
    argv = ["data", "validate", str(p)] + (["--wide", "gdp"] if wide else [])
    assert main(argv) in (0, 1, 2)
    capsys.readouterr()
