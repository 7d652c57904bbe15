"""Canonical indicators: one name each, the aliases sources use, a canonical unit
and what kind of quantity it is.

``kind`` is ``count`` (patents, enterprises, contracts), ``amount`` (money) or
``ratio`` (a share or a per-capita figure); ``stock_or_flow`` says whether the
value is a year-end stock (``hte_total``, valid patents) or a flow over the
year (``hte_new``, applications). Feasibility reviews need the distinction:
"新增高新技术企业40家" is a flow target, "高新技术企业总数达200家" a stock target.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    kind: str  # count | amount | ratio
    stock_or_flow: str  # stock | flow | ratio
    zh: str
    en: str
    aliases: tuple[str, ...] = field(default=())
    description: str = ""


def _ind(name, unit, kind, sf, zh, en, aliases=(), description=""):
    return Indicator(name, unit, kind, sf, zh, en, tuple(aliases), description)


_PATENT_FLOWS = []
for _kind_key, _zh_kind, _en_kind in [
    ("", "", ""),
    ("invention_", "发明", "invention "),
    ("utility_", "实用新型", "utility-model "),
    ("design_", "外观设计", "design "),
]:
    _PATENT_FLOWS += [
        _ind(f"{_kind_key}patent_applications", "件", "count", "flow",
             f"{_zh_kind}专利申请量", f"{_en_kind}patent applications",
             [f"{_zh_kind}专利申请量", f"{_zh_kind}专利申请", f"{_zh_kind}专利申请数", f"申请{_zh_kind}专利",
              f"{_zh_kind}专利申请受理量", f"patent_applications_{_kind_key.rstrip('_') or 'total'}",
              f"{_en_kind}patent applications"],
             "Domestic patent applications filed in the year."),
        _ind(f"{_kind_key}patent_grants", "件", "count", "flow",
             f"{_zh_kind}专利授权量", f"{_en_kind}patent grants",
             [f"{_zh_kind}专利授权量", f"{_zh_kind}专利授权", f"{_zh_kind}专利授权数", f"授权{_zh_kind}专利",
              f"{_zh_kind}授权量", f"patent_grants_{_kind_key.rstrip('_') or 'total'}", f"{_en_kind}patent grants"],
             "Domestic patents granted in the year."),
    ]

INDICATORS: dict[str, Indicator] = {i.name: i for i in _PATENT_FLOWS + [
    _ind("valid_patents", "件", "count", "stock", "有效专利量", "valid patents",
         ["有效专利", "有效专利数", "有效专利拥有量", "valid_patents_total"], "Stock of valid domestic patents at year end."),
    _ind("valid_invention_patents", "件", "count", "stock", "有效发明专利量", "valid invention patents",
         ["有效发明专利", "有效发明专利数", "有效发明专利拥有量", "发明专利拥有量", "valid_patents_invention"],
         "Stock of valid invention patents at year end."),
    _ind("valid_utility_patents", "件", "count", "stock", "有效实用新型专利量", "valid utility-model patents",
         ["有效实用新型专利", "valid_patents_utility"]),
    _ind("valid_design_patents", "件", "count", "stock", "有效外观设计专利量", "valid design patents",
         ["有效外观设计专利", "valid_patents_design"]),
    _ind("invention_patents_per_10k", "件/万人", "ratio", "stock", "每万人发明专利拥有量",
         "invention patents per 10,000 people",
         ["万人发明专利拥有量", "每万人口发明专利拥有量", "万人有效发明专利拥有量", "每万人有效发明专利拥有量",
          "valid_invention_patents_per_10k", "invention patents per 10k"],
         "Valid invention patents per 10,000 residents (a stock ratio)."),
    _ind("hte_total", "家", "count", "stock", "高新技术企业数", "high-tech enterprises (stock)",
         ["高新技术企业", "高新技术企业总数", "高新技术企业数量", "有效高新技术企业", "高企", "高企总数", "高企数量",
          "hitech_enterprises_total", "high-tech enterprises"],
         "Stock of valid certified high-tech enterprises at year end."),
    _ind("hte_new", "家", "count", "flow", "新认定高新技术企业数", "newly recognised high-tech enterprises",
         ["新认定高新技术企业", "新增高新技术企业", "新认定高企", "新增高企", "hitech_enterprises_new",
          "new high-tech enterprises"],
         "High-tech enterprises newly recognised in the year (a flow, not the stock)."),
    _ind("hte_in_recognition_notices", "家", "count", "flow", "高新技术企业认定公示企业数",
         "enterprises in high-tech recognition notices",
         ["认定公示高新技术企业", "hitech_enterprises_in_recognition_notices",
          "hitech_enterprises_in_recognition_notice"],
         "Enterprises named in the year's recognition notices: new plus re-certified (certificates last 3 years); "
         "neither the stock hte_total nor the new-only hte_new."),
    _ind("tech_sme", "家", "count", "stock", "科技型中小企业数", "technology-based SMEs",
         ["科技型中小企业", "科技型中小微企业", "科技型中小企业入库", "入库科技型中小企业", "tech SMEs"],
         "Technology-based SMEs registered (入库) in the national database."),
    _ind("rd_expenditure", "亿元", "amount", "flow", "R&D经费支出", "R&D expenditure",
         ["R&D经费", "R&D经费支出", "R&D经费投入", "RD经费", "研发投入", "研发经费", "研发经费投入", "研发经费支出",
          "全社会研发投入", "全社会研发经费投入", "全社会R&D经费", "全社会R&D经费支出", "研究与试验发展经费",
          "R&D expenditure", "GERD"],
         "Gross domestic expenditure on R&D."),
    _ind("rd_intensity", "%", "ratio", "ratio", "R&D经费投入强度", "R&D intensity",
         ["研发投入强度", "R&D投入强度", "R&D经费投入强度", "研发经费投入强度", "研发投入占GDP比重",
          "研发经费投入占GDP比重", "R&D经费占GDP比重", "R&D经费支出占GDP比重", "研发投入占GDP比例",
          "占GDP比重", "R&D intensity", "GERD/GDP"],
         "R&D expenditure as a percentage of GDP."),
    _ind("rd_basic_research", "亿元", "amount", "flow", "基础研究经费", "basic research expenditure", ["基础研究"]),
    _ind("rd_applied_research", "亿元", "amount", "flow", "应用研究经费", "applied research expenditure", ["应用研究"]),
    _ind("rd_experimental_development", "亿元", "amount", "flow", "试验发展经费", "experimental development expenditure",
         ["试验发展"]),
    _ind("tech_contract_value", "亿元", "amount", "flow", "技术合同成交额", "technology contract value",
         ["技术合同成交额", "技术合同交易额", "技术市场成交额", "技术合同成交金额", "技术合同登记额", "技术市场交易额", "tech_contract_value_outflow",
          "technology contract turnover"],
         "Value of registered technology contracts sold by the region (技术输出)."),
    _ind("tech_contract_count", "项", "count", "flow", "技术合同成交数", "technology contracts",
         ["技术合同", "技术合同数", "技术合同成交项数", "技术合同登记数", "登记技术合同", "技术合同认定登记", "tech_contract_count_outflow"],
         "Number of registered technology contracts sold by the region."),
    _ind("tech_contract_value_inflow", "亿元", "amount", "flow", "技术合同吸纳额", "technology contracts bought (value)",
         ["吸纳技术合同成交额", "技术吸纳额"]),
    _ind("tech_contract_count_inflow", "项", "count", "flow", "技术合同吸纳数", "technology contracts bought (count)",
         ["吸纳技术合同数"]),
    _ind("gdp", "亿元", "amount", "flow", "地区生产总值", "GDP",
         ["GDP", "生产总值", "地区生产总值", "国内生产总值", "gross regional product", "GRP"]),
    _ind("population", "万人", "count", "stock", "常住人口", "resident population",
         ["常住人口", "年末常住人口", "人口", "population_year_end", "population_resident", "resident population"]),
]}

# Units: factor to multiply a value in the given unit by to get the canonical unit.
_MONEY = {"元": 1e-8, "千元": 1e-5, "万元": 1e-4, "百万元": 1e-2, "亿元": 1.0, "千亿元": 1e3, "万亿元": 1e4,
          "yuan": 1e-8, "10k yuan": 1e-4, "100m yuan": 1.0}
_PEOPLE = {"人": 1e-4, "千人": 1e-1, "万人": 1.0, "亿人": 1e4, "persons": 1e-4, "10k persons": 1.0}
_PERCENT = {"%": 1.0, "％": 1.0, "percent": 1.0, "pct": 1.0}

UNIT_FACTORS: dict[str, dict[str, float]] = {
    "亿元": _MONEY,
    "万人": _PEOPLE,
    "%": _PERCENT,
    "件": {"件": 1.0, "项": 1.0, "个": 1.0, "": 1.0, "万件": 1e4},
    "家": {"家": 1.0, "个": 1.0, "户": 1.0, "": 1.0, "万家": 1e4},
    "项": {"项": 1.0, "份": 1.0, "个": 1.0, "件": 1.0, "": 1.0, "万项": 1e4},
    "件/万人": {"件/万人": 1.0, "件": 1.0, "件每万人": 1.0, "": 1.0},
}
