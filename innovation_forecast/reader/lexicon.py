"""Words the reader understands: indicator phrases, comparators, commitment words,
time and region expressions. Indicator phrases come from the registry's Chinese
aliases plus the reading-only phrases below (context-dependent words such as
申请量, 成交额 or 报备 that are no aliases on their own)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..registry import INDICATORS

__all__ = ["Phrase", "phrase_regex", "PHRASES", "UNIT_SWITCH", "STOCK_OF", "PERIOD_WORDS", "DOUBLING", "ELIDED_SUBJECT", "KIND_WORDS", "COMPARATOR_WORDS", "STRETCH_WORDS", "FIRM_WORDS",
           "GROWTH_WORDS", "DECLINE_WORDS", "QUALIFIERS", "OWN_MARKERS"]


@dataclass(frozen=True)
class Phrase:
    """An indicator phrase. ``kind`` is set for patent-kind words (发明/实用新型/外观设计) that take
    their flow (applications/grants/valid) from the sentence; ``needs`` is a regex that must occur
    in the paragraph before the phrase for a context-dependent word (e.g. 成交额 needs 合同)."""

    text: str
    indicator: str | None
    kind: str | None = None
    needs: str | None = None


#: Reading-only phrases (not registry aliases because they mean something only in context).
_EXTRA: list[Phrase] = [
    Phrase("申请量", "patent_applications", needs="专利"),
    Phrase("申请总量", "patent_applications", needs="专利"),
    Phrase("专利申请总量", "patent_applications"),
    Phrase("专利受理量", "patent_applications"),
    Phrase("专利申请受理总量", "patent_applications"),
    Phrase("专利受理总量", "patent_applications"),
    Phrase("授权总量", "patent_grants", needs="专利"),
    Phrase("专利授权总量", "patent_grants"),
    Phrase("万人发明专利", "invention_patents_per_10k"),
    Phrase("高企数量", "hte_total"),
    Phrase("高企数", "hte_total"),
    Phrase("国家高新技术企业", "hte_total"),
    Phrase("高新技术企业总量", "hte_total"),
    Phrase("认定高新技术企业", "hte_new"),
    Phrase("新认定", "hte_new", needs="高新|高企"),
    Phrase("通过认定", "hte_new", needs="高新|高企"),
    Phrase("报备", "hte_in_recognition_notices", needs="高新技术企业|高企"),
    Phrase("新报备数", "hte_in_recognition_notices", needs="高新技术企业|高企|报备"),
    Phrase("报备数", "hte_in_recognition_notices", needs="高新技术企业|高企|报备"),
    Phrase("科技型中小微企业", "tech_sme"),
    Phrase("国家科技型中小企业", "tech_sme"),
    Phrase("技术合同登记额", "tech_contract_value"),
    Phrase("技术合同认定登记额", "tech_contract_value"),
    Phrase("技术合同登记金额", "tech_contract_value"),
    Phrase("技术合同认定登记", "tech_contract_count"),
    Phrase("技术合同登记", "tech_contract_count"),
    Phrase("成交额", "tech_contract_value", needs="合同"),
    Phrase("技术市场交易额", "tech_contract_value"),
    Phrase("GDP总值", "gdp"),
    Phrase("GDP总量", "gdp"),
    Phrase("研发强度", "rd_intensity"),
    Phrase("R&D强度", "rd_intensity"),
    Phrase("研发投入支出", "rd_expenditure"),
    Phrase("研发支出", "rd_expenditure"),
    Phrase("R&D投入", "rd_expenditure"),
    Phrase("R&D支出", "rd_expenditure"),
    # phrasings of statistical bulletins, plans and news items
    Phrase("R&D经费内部支出", "rd_expenditure"),
    Phrase("研发经费内部支出", "rd_expenditure"),
    Phrase("研究与试验发展经费支出", "rd_expenditure"),
    Phrase("研究与试验发展经费投入", "rd_expenditure"),
    Phrase("研究与试验发展经费投入强度", "rd_intensity"),
    Phrase("全社会研发经费投入强度", "rd_intensity"),
    Phrase("国家级高新技术企业", "hte_total"),
    Phrase("高新技术企业存量", "hte_total"),
    Phrase("新认定国家高新技术企业", "hte_new"),
    Phrase("新增国家高新技术企业", "hte_new"),
    Phrase("科技型中小企业评价入库", "tech_sme"),
    Phrase("科技型中小企业入库评价", "tech_sme"),
    Phrase("评价入库科技型中小企业", "tech_sme"),
    Phrase("入库评价科技型中小企业", "tech_sme"),
    Phrase("科技型中小企业评价", "tech_sme"),
    Phrase("每万人口有效发明专利拥有量", "invention_patents_per_10k"),
    Phrase("万人口发明专利拥有量", "invention_patents_per_10k"),
    Phrase("签订技术合同", "tech_contract_count"),
    Phrase("成交技术合同", "tech_contract_count"),
    Phrase("技术合同", "tech_contract_count"),  # 技术合同1268项 / 技术合同28.75亿元: see UNIT_SWITCH
    Phrase("技术合同成交", "tech_contract_value"),
    Phrase("技术交易额", "tech_contract_value"),
    Phrase("技术市场合同成交额", "tech_contract_value"),
    Phrase("输出技术合同成交额", "tech_contract_value"),
]

#: An indicator phrase whose quantity has the other member's unit means the other member
#: (技术合同1268项 is a count, 技术合同成交28.75亿元 a value).
UNIT_SWITCH: dict[str, dict[str, str]] = {
    "tech_contract_value": {"项": "tech_contract_count"},
    "tech_contract_count": {"亿元": "tech_contract_value", "万元": "tech_contract_value", "元": "tech_contract_value"},
    "tech_contract_value_inflow": {"项": "tech_contract_count_inflow"},
    "tech_contract_count_inflow": {"亿元": "tech_contract_value_inflow", "万元": "tech_contract_value_inflow"},
}

#: A stock named by 总数/总量 after a flow of its family (新增高新技术企业67家，总数达到199家).
STOCK_OF = {"hte_new": "hte_total", "hte_in_recognition_notices": "hte_total"}

#: Patent-kind words: the flow (申请/授权/有效) comes from the sentence ("专利授权量3006件，其中发明专利114件").
KIND_WORDS: dict[str, str] = {
    "发明专利": "invention", "发明项": "invention", "发明": "invention",
    "实用新型专利": "utility", "实用新型": "utility",
    "外观设计专利": "design", "外观设计": "design",
}

#: R&D intensity written out: 研发经费投入占全市GDP比重, R&D经费支出占GDP比重 …
#: The subject may be elided when the R&D amount was just named (经费支出30.2亿元,占地区生产总值的比重为2.38%);
#: the reader then checks the sentence for it.
_INTENSITY = (r"(?:(?:全社会)?(?:研发|R&D|研究与试验发展)(?:经费)?(?:内部)?(?:投入|支出)?(?:总量|总额)?)?"
              r"占(?:全[市县区省])?(?:GDP|地区生产总值|生产总值|国内生产总值)(?:的)?(?:比重|比例)")

# registry aliases that are too generic to find figures in running text
_SKIP_ALIASES = {"人口", "基础研究", "应用研究", "试验发展"}


def _cjk(s: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", s))


@lru_cache(maxsize=1)
def _phrases() -> dict[str, Phrase]:
    out: dict[str, Phrase] = {}
    for name, ind in INDICATORS.items():
        for alias in (ind.zh, *ind.aliases):
            if not _cjk(alias) or alias in _SKIP_ALIASES:
                continue
            out.setdefault(alias, Phrase(alias, name))
    for p in _EXTRA:
        out[p.text] = p
    for word, kind in KIND_WORDS.items():
        # a kind word is resolved from context; the registry default (发明专利 → applications) is the fallback
        out[word] = Phrase(word, out[word].indicator if word in out else None, kind=kind)
    return out


PHRASES = _phrases()


@lru_cache(maxsize=1)
def phrase_regex() -> re.Pattern:
    """One alternation of every phrase, longest first (so 发明专利申请 beats 发明专利)."""
    words = sorted(PHRASES, key=len, reverse=True)
    return re.compile("(?P<intensity>" + _INTENSITY + ")|" + "|".join(re.escape(w) for w in words))


# ---- comparators and commitment -------------------------------------------------------------
#: (regex, comparator); first hit wins, so strict words come before ≥ words.
COMPARATOR_WORDS: list[tuple[str, str]] = [
    (r"左右|上下", "eq"),
    (r"不超过|不高于|控制在|以内|以下", "le"),
    (r"不低于|不少于", "ge"),
    (r"低于|少于", "lt"),
    (r"突破|超过|高于|多于|逾|超|过", "gt"),
    (r"以上|达到|达|增至|提高到|提高至|增加到|增长到", "ge"),
]
STRETCH_WORDS = r"力争|争取|努力|力求|冲刺"
FIRM_WORDS = r"确保|保证|必须|力保"
COMMIT_WORDS = STRETCH_WORDS + "|" + FIRM_WORDS + r"|目标|计划"

GROWTH_WORDS = r"增长|增幅|增速|提高|提升|增加|上升|净增|下降|减少|回落|降低|净减"
DECLINE_WORDS = r"下降|减少|回落|降低|净减"

#: Words right before an indicator phrase that make the number something else (applications, candidates…).
QUALIFIERS = re.compile(r"(?:申报|申请|培育|推荐|拟认定|拟|备选|储备|组织|奖励|兑现|补助|资助|认定的|PCT|国际|"
                        r"职务|非职务|个人|发明人|高价值|高质量|核心)$")

#: Markers of the report's own region (我市/全市/全县/全区/本区…).
OWN_MARKERS = r"全市|我市|本市|市域|全县|我县|本县|县域|全区|我区|本区|区域内|全域"
PROVINCE_MARKERS = r"^(?:全省|我省|省(?!级|内|外|市|县|委|政府))"

#: Gap between an indicator phrase and its number: only these words (verbs, years, function words).
GAP_RE = re.compile(
    r"(?:达到|达|为|是|共|计|合计|共计|总计|约|近|有|了|将|已经|已|突破|超过|超|过|总数|总量|数量|规模|实现|完成|"
    r"累计|首次|支出|投入|总额|金额|增长到|增加到|提高到|提高至|增至|升至|名单|从|由|增长|增幅|增加|提高|新增|减少|下降|同比|比上年|"
    r"较上年|比去年|分别|均|预计|力争|确保|争取|拥有|的|\d{4}年度?|全年|当年|今年|年底|年末|保持|稳定在|不低于|不少于|"
    r"不超过|控制在|仅|只|再|又|新|进一步|以上|,由|,从|迈入|跨入|跃上|迈上|快速|大幅|稳步|持续|逐步|再次|明显|显著|"
    r"逾|约为|接近|高达|多达|净增|现有|已有|已达|目前|评价|入库|登记|数|总数达|年均|年平均|平均每年|每年平均|"
    r"要|需|需要|应|应当|将要|保持在|维持在|稳定在|保持|"
    r"[“\"]?十[一二三四五六]五[”\"]?(?:期)?末)*"
)

#: Multi-year commitments: 年均增长15% (annual average over the plan period), 实现翻番 (a multiple of the base).
PERIOD_WORDS = r"年均|年平均|平均每年|每年平均"
DOUBLING = re.compile(r"(?:实现)?(?:翻了?(?P<n>一|两|二|三)?番)")

#: A clause whose subject is the indicator just named: 总数达到199家, 总量从21.18亿元提升到65.05亿元.
ELIDED_SUBJECT = re.compile(r"(?:其中)?(?:(?:19|20)\d{2}年(?:底|末)?)?(?:的)?(?:总数|总量|总额|数量|规模|存量)")
