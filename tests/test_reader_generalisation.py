"""The report reader on language it was not built on: held-out texts with hand-written keys, the
bulletin clauses of data/figures.csv, and one test per phrasing the reader learned for them
(traditional characters, elided subjects, indicator phrasings, number styles, target phrasings).

Floors are the scores measured when these tests were written (see BENCHMARKS.md, "Report reader:
held-out texts"), rounded down a little so that a regression, not noise, fails them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from innovation_forecast.errors import ReportReadError
from innovation_forecast.reader import PERIOD_TARGET_COLUMNS, read_report
from innovation_forecast.reader.accuracy import bulletin_misses, score_heldout
from innovation_forecast.reader.numbers import find_quantities
from innovation_forecast.reader.variants import T2S, to_simplified

REPO = Path(__file__).resolve().parents[1]
HELDOUT = REPO / "tests" / "fixtures" / "reports" / "heldout"
DATA = REPO / "data"


def _figs(text, region="鹰潭市", year=2024):
    rep = read_report(text, region=region, report_year=year)
    return {(int(r.year), r.indicator, r.basis, round(float(r.value), 6)) for r in rep.figures.itertuples()}


def _tgts(text, region="鹰潭市", year=2024):
    rep = read_report(text, region=region, report_year=year)
    return {(int(r.year), r.indicator, r.basis, r.comparator, round(float(r.value), 6))
            for r in rep.targets.itertuples()}


# ---- held-out texts and bulletin clauses ---------------------------------------------------------
def _all(table, part):
    row = table[(table["part"] == part) & (table["doc"] == "ALL")].iloc[0]
    return row


@pytest.mark.parametrize("folder,floors", [
    # batch 1: written before the reader changes, then used to develop them (measured 1.00 everywhere after)
    (HELDOUT, {"figures": (0.97, 0.97), "targets": (0.97, 0.97), "stretch": (1.0, 1.0), "period": (1.0, 1.0)}),
    # batch 2: written after, read once unchanged (figures 0.97 / 1.00, targets 0.53 / 0.67); then two
    # general fixes (mid-year plans, 要达到/保持在) brought targets to 1.00 / 1.00 and figures to 0.97 / 1.00
    # (and 分别为 after subjects with their own targets: figures 1.00 / 0.97)
    (HELDOUT / "batch2", {"figures": (0.97, 0.95), "targets": (0.93, 0.93), "stretch": (1.0, 1.0)}),
    # batch 3: written after batch 2's fixes, read once unchanged (figures 1.00 / 0.97, targets 1.00 / 1.00);
    # then 较年初 (a change within the year) stopped counting as an increment: figures 1.00 / 1.00
    (HELDOUT / "batch3", {"figures": (0.97, 0.97), "targets": (1.0, 1.0), "stretch": (1.0, 1.0)}),
], ids=["batch1", "batch2", "batch3"])
def test_heldout_texts_meet_measured_floors(folder, floors):
    table = score_heldout(folder)
    for part, (rec, prec) in floors.items():
        row = _all(table, part)
        assert row["recall"] >= rec, f"{folder.name} {part}: recall {row['recall']:.3f} < {rec}"
        assert row["precision"] >= prec, f"{folder.name} {part}: precision {row['precision']:.3f} < {prec}"


def test_heldout_keys_are_complete_and_every_text_is_keyed():
    import json

    for txt in sorted(HELDOUT.rglob("*.txt")):
        key = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
        lines = txt.read_text(encoding="utf-8").splitlines()
        assert (15 if txt.parent == HELDOUT else 10) <= len(lines) <= 40, txt.name
        assert key["figures"] or key["targets"], txt.name
        for row in key["figures"] + key["targets"]:
            assert {"year", "indicator", "basis", "value"} <= set(row), (txt.name, row)


def test_bulletin_clauses_recall_floor():
    b = bulletin_misses(DATA)
    # measured 64 of 85 (0.75); before this work 58 (0.68), none of those 58 lost. 16 of the 21 misses have no
    # indicator phrase at all
    assert int(b["hit"].sum()) >= 64
    assert len(b) == 85
    assert not (b.loc[~b["hit"], "cause"] == "traditional characters").any()


def test_traditional_map_is_one_to_one_and_idempotent():
    assert all(isinstance(k, int) and isinstance(v, int) and k != v for k, v in T2S.items())
    assert not any(v in T2S for v in T2S.values())  # simplified output is never converted again
    s = "全年全市地區生產總值為2735.07億元,增長3.7%"
    assert len(to_simplified(s)) == len(s)
    assert to_simplified(s) == "全年全市地区生产总值为2735.07亿元,增长3.7%"


def test_traditional_text_is_read_and_quoted_verbatim():
    text = "截至2023年底，全市有效期內高新技術企業總數達1265家，淨增186家。"
    rep = read_report(text, region="吉安市", report_year=2023)
    got = {(r.indicator, r.basis, r.value) for r in rep.figures.itertuples()}
    assert ("hte_total", "level", 1265.0) in got and ("hte_total", "increment", 186.0) in got
    for r in rep.figures.itertuples():
        assert rep.text[r.start:r.end] == r.quote and "技術" in r.quote  # the original characters


def test_traditional_target_with_stretch():
    t = read_report("2024年，全市將力爭技術合同成交額突破70億元。", region="吉安市", report_year=2023).targets
    (row,) = t.itertuples()
    assert (row.indicator, row.comparator, row.value, row.stretch_low) == ("tech_contract_value", "gt", 70.0, 70.0)


# ---- elided subjects -----------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("全年新增高新技术企业67家，总数达到199家。", (2024, "hte_total", "level", 199.0)),
    ("全社会研发经费投入45亿元，总量居全省第三，同比增长12%。", (2024, "rd_expenditure", "growth_pct", 12.0)),
    ("全年研究与试验发展经费支出30.2亿元，比上年增长11.3%，占地区生产总值的比重为2.38%。",
     (2024, "rd_intensity", "level", 2.38)),
    ("全市高新技术企业总数达1265家，净增186家。", (2024, "hte_total", "increment", 186.0)),
])
def test_elided_subject_taken_from_the_sentence(text, expected):
    assert expected in _figs(text)


@pytest.mark.parametrize("text", ["全年高新技术产业增加值120亿元，占地区生产总值的比重为38.5%。",
                                  "第三产业增加值占GDP比重为48.5%。", "数字经济核心产业增加值占GDP比重达到9.1%。"])
def test_share_of_gdp_of_another_amount_is_not_rd_intensity(text):
    assert not any(ind == "rd_intensity" for _, ind, _, _ in _figs(text))


def test_bare_share_of_gdp_is_rd_intensity():
    assert (2020, "rd_intensity", "level", 1.51) in _figs("其占GDP比重为1.51%。", region="宜春市", year=2020)


def test_subject_in_previous_clause_without_its_number():
    assert (2025, "hte_total", "level", "ge", 380.0) in _tgts("到2025年，高新技术企业数量实现翻番，达到380家以上。",
                                                            year=2020)
    assert (2025, "rd_intensity", "level", "ge", 2.1) in _tgts("2025年，研发投入强度稳步提升，达到2.1%。", year=2020)
    # a noun phrase that merely contains the indicator name is no subject
    assert not _tgts("2025年，建立高新技术企业培育库，达到300家。", year=2020)


# ---- indicator phrasings -------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("全年发明专利授权1086件。", (2024, "invention_patent_grants", "level", 1086.0)),
    ("年末全市有效发明专利拥有量达到4.6万件。", (2024, "valid_invention_patents", "level", 46000.0)),
    ("每万人口发明专利拥有量17.8件。", (2024, "invention_patents_per_10k", "level", 17.8)),
    ("每万人口有效发明专利拥有量6.9件。", (2024, "invention_patents_per_10k", "level", 6.9)),
    ("全市高新技术企业数量达到800家。", (2024, "hte_total", "level", 800.0)),
    ("全年技术合同交易额48.6亿元。", (2024, "tech_contract_value", "level", 48.6)),
    ("全年签订技术合同1268项。", (2024, "tech_contract_count", "level", 1268.0)),
    ("全年技术合同成交28.75亿元。", (2024, "tech_contract_value", "level", 28.75)),
    ("全社会R&D经费支出22.4亿元。", (2024, "rd_expenditure", "level", 22.4)),
    ("全市R&D经费内部支出31.6亿元。", (2024, "rd_expenditure", "level", 31.6)),
    ("研发经费投入强度为2.46%。", (2024, "rd_intensity", "level", 2.46)),
    ("R&D经费占GDP的比重为1.75%。", (2024, "rd_intensity", "level", 1.75)),
    ("科技型中小企业评价入库13700家。", (2024, "tech_sme", "level", 13700.0)),
    ("全年入库科技型中小企业512家。", (2024, "tech_sme", "level", 512.0)),
    ("全区已有74家企业通过科技型中小企业评价入库。", (2024, "tech_sme", "level", 74.0)),
    ("26家企业进入国家高新技术企业公示。", (2024, "hte_in_recognition_notices", "level", 26.0)),
    ("地區(qū)生產(chǎn)總值(GDP)3711.05億元。", (2024, "gdp", "level", 3711.05)),
])
def test_indicator_phrasings(text, expected):
    assert expected in _figs(text)


def test_high_value_patents_are_not_all_invention_patents():
    assert not _figs("每万人口高价值发明专利拥有量达到3.2件。")


# ---- number styles -------------------------------------------------------------------------------
@pytest.mark.parametrize("text,value,unit", [
    ("1.2万余件", 12000, "件"), ("20多家", 20, "家"), ("1500余家", 1500, "家"), ("近百家", 100, "家"),
    ("逾千项", 1000, "项"), ("增长逾20%", 20, "%"),
])
def test_rounded_numbers(text, value, unit):
    (q,) = find_quantities(text)
    assert (q.value, q.unit) == (value, unit)


def test_vague_on_both_sides_is_no_number():
    assert find_quantities("研发投入近40多亿元") == []


@pytest.mark.parametrize("text,expected", [
    ("全年专利申请总量1.2万余件。", (2024, "patent_applications", "level", 12000.0)),
    ("全年专利申请量约5200件。", (2024, "patent_applications", "level", 5200.0)),
    ("全市高新技术企业超3000家。", (2024, "hte_total", "level", 3000.0)),
    ("全年新认定高新技术企业近百家。", (2024, "hte_new", "level", 100.0)),
    ("全年科技型中小企业评价入库近1500家，同比增长逾20%。", (2024, "tech_sme", "growth_pct", 20.0)),
    ("全年科技型中小企业评价入库近1500家，同比增长逾20%。", (2024, "tech_sme", "level", 1500.0)),
])
def test_rounded_numbers_in_sentences(text, expected):
    assert expected in _figs(text)


def test_threshold_then_level_keeps_only_the_level():
    f = _figs("全省高新技术企业总数突破1.1万家，达到11080家。", region="湖南省", year=2021)
    assert (2021, "hte_total", "level", 11080.0) in f
    assert (2021, "hte_total", "level", 11000.0) not in f


# ---- years ---------------------------------------------------------------------------------------
def test_change_over_a_longer_period_is_no_year_on_year_figure():
    f = _figs("2020年，研发投入强度达到1.45%，比2015年提高0.6个百分点。", year=2020)
    assert (2020, "rd_intensity", "level", 1.45) in f
    assert not any(b == "pp" for _, _, b, _ in f)
    assert (2020, "rd_intensity", "pp", 0.12) in _figs("2020年研发投入强度1.45%，较上年提高0.12个百分点。", year=2020)


def test_plan_period_end_and_now_in_from_to():
    f = _figs("全社会研发强度从“十三五”末的1.47%提升到目前的1.91%。", region="上饶市", year=2023)
    assert {(2020, "rd_intensity", "level", 1.47), (2023, "rd_intensity", "level", 1.91)} <= f


def test_from_level_of_unknown_year_is_not_a_figure():
    f = _figs("研发经费投入总量从21.18亿元提升到65.05亿元。", region="上饶市", year=2023)
    assert f == {(2023, "rd_expenditure", "level", 65.05)}


def test_respectively_after_subjects_named_with_their_targets():
    text = "按照规划，到2025年，全市研发投入强度要达到2.8%，每万人口发明专利拥有量要达到12件，目前分别为2.55%和9.8件。"
    rep = read_report(text, region="九江市", report_year=2023)
    assert {(int(r.year), r.indicator, r.value) for r in rep.figures.itertuples()} == {
        (2023, "rd_intensity", 2.55), (2023, "invention_patents_per_10k", 9.8)}
    assert {(int(r.year), r.indicator, r.value) for r in rep.targets.itertuples()} == {
        (2025, "rd_intensity", 2.8), (2025, "invention_patents_per_10k", 12.0)}
    assert all(not q.startswith(",") for q in rep.figures["quote"])
    # units must fit the indicators in order, or nothing is read
    assert _figs("到2025年，研发投入强度要达到2.8%，发明专利拥有量要达到12件，目前分别为9.8件和2.55%。", year=2023) == set()


def test_change_within_the_year_is_no_increment():
    f = _figs("截至9月底，全县有效高新技术企业112家，较年初净增9家。", region="永修县", year=2023)
    assert f == {(2023, "hte_total", "level", 112.0)}


def test_first_n_months_is_year_to_date():
    rep = read_report("前10个月，全市专利授权量3200件。", region="鹰潭市", report_year=2023)
    (r,) = rep.figures.itertuples()
    assert (r.status, r.months, r.value) == ("ytd", 10, 3200.0)
    assert find_quantities("前三个月") == []


def test_end_of_a_five_year_plan_is_its_last_year():
    assert (2025, "rd_intensity", "level", "ge", 2.5) in _tgts("到“十四五”末，全市研发投入强度达到2.5%。", year=2020)


def test_list_introduced_by_a_year_line_carries_the_year():
    text = "第二章 发展目标\n到2025年，主要目标是：\n——研发经费投入强度达到2.2%。\n——有效发明专利拥有量突破1500件。\n"
    t = _tgts(text, year=2020)
    assert {(2025, "rd_intensity", "level", "ge", 2.2), (2025, "valid_invention_patents", "level", "gt", 1500.0)} <= t


def test_mid_year_report_plans_its_own_year():
    text = ("景德镇市科学技术局2024年上半年工作总结及下半年工作安排\n一、上半年工作\n1-6月，全市专利授权量1380件。\n"
            "二、下半年工作安排\n确保全年新增高新技术企业不少于80家。\n")
    rep = read_report(text, region="景德镇市")
    assert rep.report_year == 2024 and rep.plan_year == 2024
    assert {(int(r.year), r.indicator, r.comparator, r.value) for r in rep.targets.itertuples()} == {
        (2024, "hte_new", "ge", 80.0)}


# ---- target phrasings ----------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("到2025年，全市研发投入强度达到2.8%。", (2025, "rd_intensity", "level", "ge", 2.8)),
    ("到2025年，全市研发投入强度要达到2.8%。", (2025, "rd_intensity", "level", "ge", 2.8)),
    ("2025年，全社会R&D经费支出较上年增长20%以上。", (2025, "rd_expenditure", "growth_pct", "ge", 20.0)),
    ("2025年，高新技术企业净增50家以上。", (2025, "hte_total", "increment", "ge", 50.0)),
    ("2025年，新增高新技术企业150家以上。", (2025, "hte_new", "level", "ge", 150.0)),
    ("2025年，科技型中小企业评价入库不少于900家。", (2025, "tech_sme", "level", "ge", 900.0)),
    ("2025年，专利申请量控制在6000件以内。", (2025, "patent_applications", "level", "le", 6000.0)),
    ("2025年，技术合同成交额保持在130亿元以上。", (2025, "tech_contract_value", "level", "ge", 130.0)),
    ("2025年，发明专利授权量不低于240件。", (2025, "invention_patent_grants", "level", "ge", 240.0)),
    ("2025年，技术合同成交额逾20亿元。", (2025, "tech_contract_value", "level", "gt", 20.0)),
    ("2025年，专利授权量达到2800件左右。", (2025, "patent_grants", "level", "eq", 2800.0)),
])
def test_target_phrasings(text, expected):
    assert expected in _tgts(text, year=2020)


@pytest.mark.parametrize("text,kind,value,base", [
    ("到2025年，全社会研发经费投入年均增长15%以上。", "annual_average_growth", 15.0, 2020),
    ("到2025年，高新技术企业数量实现翻番。", "multiple", 2.0, 2020),
    ("到2025年，全社会研发经费投入翻一番。", "multiple", 2.0, 2020),
    ("到2025年，高新技术企业数量比2018年翻两番。", "multiple", 4.0, 2018),
])
def test_period_targets(text, kind, value, base):
    rep = read_report(text, region="鹰潭市", report_year=2020)
    assert list(rep.period_targets.columns) == PERIOD_TARGET_COLUMNS
    (row,) = rep.period_targets.itertuples()
    assert (row.year, row.kind, row.value, row.base_year) == (2025, kind, value, base)
    assert rep.text[row.start:row.end] == row.quote
    assert rep.targets.empty  # a multi-year commitment is no year-on-year growth_pct target


def test_period_growth_then_end_level():
    rep = read_report("到2025年，技术合同成交额年均增长20%，达到20亿元。", region="鹰潭市", report_year=2020)
    assert [(int(r.year), r.indicator, r.value) for r in rep.targets.itertuples()] == [(2025, "tech_contract_value", 20.0)]
    assert rep.period_targets["value"].tolist() == [20.0]


def test_past_annual_average_growth_is_no_figure():
    assert not any(b == "growth_pct" for _, _, b, _ in _figs("“十三五”期间，全市研发经费投入年均增长18.5%。", year=2020))


def test_no_period_targets_is_an_empty_frame_with_columns():
    rep = read_report("全年专利授权量3840件。", region="新余市", report_year=2022)
    assert rep.period_targets.empty and list(rep.period_targets.columns) == PERIOD_TARGET_COLUMNS
    assert not math.isnan(rep.figures["value"].iloc[0])


# ---- no crash on soups of the new vocabulary ------------------------------------------------------
_TOKENS = ["到2025年", "，", "。", "：", "\n", "高新技术企业", "数量", "总数", "总量", "实现翻番", "翻两番", "达到", "突破",
           "1.1万家", "11080家", "年均增长", "15%", "以上", "比2015年", "较年初", "净增", "9家", "前10个月", "前十十个月",
           "“十三五”末的", "目前的", "占GDP比重", "其", "增加值", "为", "2.38%", "研发经费投入", "亿元", "1.2万余件",
           "近百家", "逾", "技术合同", "项", "1268", "余", "多", "近40多亿元", "力争", "下半年", "科技型中小企业评价入库",
           "26家企业进入国家高新技术企业公示", "(", ")", "比2018年", "在2020年基础上", "企業", "總數", "達", "萬"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=40))
def test_new_vocabulary_soup_reads_or_refuses_cleanly(tokens):
    try:
        rep = read_report("".join(tokens), region="鹰潭市", report_year=2020)
    except ReportReadError:
        return
    for frame in (rep.figures, rep.targets, rep.period_targets):
        for r in frame.itertuples():
            assert rep.text[r.start:r.end] == r.quote
