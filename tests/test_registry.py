"""The registry: every name the seeds and the data files use resolves to one canonical region/indicator."""

from __future__ import annotations

import pytest

from innovation_forecast.errors import UnitError, UnknownIndicatorError, UnknownRegionError
from innovation_forecast.registry import (INDICATORS, REGIONS, convert, normalize_text, resolve_indicator,
                                          resolve_region)

PROVINCES = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
             "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
             "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
             "宁夏回族自治区", "新疆维吾尔自治区"]
JIANGXI_CITIES = {"南昌市": "360100", "景德镇市": "360200", "萍乡市": "360300", "九江市": "360400",
                  "新余市": "360500", "鹰潭市": "360600", "赣州市": "360700", "吉安市": "360800", "宜春市": "360900",
                  "抚州市": "361000", "上饶市": "361100"}


def test_all_provinces_with_codes_and_parent():
    provs = {r.name: r for r in REGIONS.values() if r.level == "province"}
    assert sorted(provs) == sorted(PROVINCES)
    for r in provs.values():
        assert len(r.code) == 6 and r.code.endswith("0000") and r.parent == "100000"
        assert resolve_region(r.short) is r and resolve_region(r.english) is r and resolve_region(r.code) is r
    assert resolve_region("全国").level == "country"


def test_jiangxi_cities_and_counties():
    for name, code in JIANGXI_CITIES.items():
        r = resolve_region(name)
        assert (r.code, r.level, r.parent) == (code, "prefecture", "360000")
        assert resolve_region(name[:-1]) is r  # 南昌 → 南昌市
        assert r.parent_region.name == "江西省"
    yx, xd = resolve_region("永修县"), resolve_region("湘东区")
    assert (yx.level, yx.parent_region.name) == ("county", "九江市")
    assert (xd.level, xd.parent_region.name) == ("county", "萍乡市")
    assert resolve_region("萍乡市湘东区") is xd  # the bulletins' spelling


@pytest.mark.parametrize("alias, name", [
    # seed phrasings
    ("上饶市", "上饶市"), ("九江市", "九江市"), ("永修县", "永修县"), ("湘东区", "湘东区"), ("南昌市", "南昌市"),
    # names in the data files: techme (short), NBS/pypsa (English, 'Innermongolia'), spaces and full width
    ("江西", "江西省"), ("Jiangxi", "江西省"), ("Innermongolia", "内蒙古自治区"), ("Inner Mongolia", "内蒙古自治区"),
    ("Tibet", "西藏自治区"), ("内蒙古", "内蒙古自治区"), ("广西", "广西壮族自治区"), ("江 西", "江西省"),
    ("360000", "江西省"), (360100, "南昌市"), ("ＪＩＡＮＧＸＩ", "江西省"), ("Shaanxi", "陕西省"), ("Shanxi", "山西省"),
])
def test_region_aliases(alias, name):
    assert resolve_region(alias).name == name


@pytest.mark.parametrize("bad", ["全市", "全县", "江西x", "Atlantis", ""])
def test_unknown_region_raises_with_closest(bad):
    with pytest.raises(UnknownRegionError, match="is not a known region; closest:"):
        resolve_region(bad)


def test_unknown_region_hint_names_the_likely_one():
    with pytest.raises(UnknownRegionError, match="closest: 江西省"):
        resolve_region("江西x")
    with pytest.raises(KeyError):  # callers can catch the builtin too
        resolve_region("全市")


@pytest.mark.parametrize("alias, name", [
    ("专利申请量", "patent_applications"), ("申请专利", "patent_applications"), ("专利申请", "patent_applications"),
    ("授权量", "patent_grants"), ("专利授权量", "patent_grants"),
    ("发明专利申请量", "invention_patent_applications"), ("发明专利授权量", "invention_patent_grants"),
    ("高新技术企业", "hte_total"), ("高新技术企业总数", "hte_total"), ("高新技术企业数量", "hte_total"),
    ("新增高新技术企业", "hte_new"), ("科技型中小企业", "tech_sme"),
    ("研发投入", "rd_expenditure"), ("R&D经费", "rd_expenditure"), ("R&D经费支出", "rd_expenditure"),
    ("全社会研发投入", "rd_expenditure"), ("研发经费投入", "rd_expenditure"), ("RD经费", "rd_expenditure"),
    ("研发投入强度", "rd_intensity"), ("占GDP比重", "rd_intensity"), ("R&D经费支出占GDP比重", "rd_intensity"),
    ("技术合同成交额", "tech_contract_value"), ("技术合同", "tech_contract_count"),
    ("万人发明专利拥有量", "invention_patents_per_10k"), ("每万人有效发明专利拥有量", "invention_patents_per_10k"),
    ("有效发明专利", "valid_invention_patents"), ("地区生产总值", "gdp"), ("常住人口", "population"),
    # names used by the data files
    ("patent_applications_total", "patent_applications"), ("valid_patents_invention", "valid_invention_patents"),
    ("tech_contract_value_outflow", "tech_contract_value"),
    ("hitech_enterprises_in_recognition_notices", "hte_in_recognition_notices"),
    ("hitech_enterprises_total", "hte_total"), ("hitech_enterprises_new", "hte_new"),
    ("valid_invention_patents_per_10k", "invention_patents_per_10k"), ("population_year_end", "population"),
    ("ＧＤＰ", "gdp"), ("r&d经费", "rd_expenditure"),
])
def test_indicator_aliases(alias, name):
    assert resolve_indicator(alias).name == name


def test_every_canonical_indicator_resolves_to_itself():
    for name, ind in INDICATORS.items():
        assert resolve_indicator(name) is ind
        assert resolve_indicator(ind.zh) is ind
        assert ind.kind in {"count", "amount", "ratio"}


def test_hte_notices_are_not_the_stock():
    assert resolve_indicator("hitech_enterprises_in_recognition_notices").name != "hte_total"


@pytest.mark.parametrize("bad", ["研发强度x", "专利x申请", "nonsense"])
def test_unknown_indicator_raises_with_closest(bad):
    with pytest.raises(UnknownIndicatorError, match="is not a known indicator; closest:"):
        resolve_indicator(bad)


@pytest.mark.parametrize("value, unit, indicator, expected", [
    (6000, "万元", "rd_expenditure", 0.6), (1e8, "元", "rd_expenditure", 1.0), (2.5, "亿元", "rd_expenditure", 2.5),
    (4307188, "万元", "rd_expenditure", 430.7188), (12345, "人", "population", 1.2345), (4517, "万人", "population", 4517),
    (1.68, "%", "rd_intensity", 1.68), (1.68, "％", "rd_intensity", 1.68), (3, "项", "tech_contract_count", 3),
    (120, "家", "hte_total", 120), (5, "件", "patent_applications", 5), (100, "100m yuan", "gdp", 100),
])
def test_unit_conversions(value, unit, indicator, expected):
    assert convert(value, unit, indicator) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("unit, indicator", [("万元", "patent_applications"), ("件", "rd_expenditure"),
                                             ("%", "gdp"), ("kg", "population")])
def test_unit_that_does_not_convert_raises(unit, indicator):
    with pytest.raises(UnitError, match=f"does not convert to {indicator}"):
        convert(1.0, unit, indicator)


def test_normalize_text():
    assert normalize_text(" 江　西 ") == "江西"
    assert normalize_text("ＧＤＰ") == "gdp"
