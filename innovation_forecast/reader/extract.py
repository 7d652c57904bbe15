"""Figures and targets from a normalised report text.

The reader works on a *search string*: the normalised text without whitespace and
without short parentheticals (``研发投入强度(研发经费投入总量与全市GDP之比)达到1.95%`` reads
as ``研发投入强度达到1.95%``), with a map back to the normalised text so every quote is
an exact slice of ``Report.text``.

Per sentence, each quantity (number + unit) is tied to the nearest indicator phrase
before it when only verbs, years and function words lie between them; a number with no
phrase of its own can still be the growth rate of the indicator just named (…6200件，比上年增长23.1%),
the stretch level of the target just stated (…40家以上，力争60-80家), or one of a list read
"分别" (…300件、授权量160件，分别增长53.8%和61.6%). Time words (截至9月, 预计, 今年, 2020年) set
a context that runs to the end of the paragraph (预计: to the end of the sentence).

A clause may leave its subject out when the sentence has just named it: 总数/总量 take the indicator
named before (新增高新技术企业67家，总数达到199家 → the stock), a clause of verbs and a number takes the
subject that ends the previous clause (高新技术企业数量实现翻番，达到380家), and 占地区生产总值的比重 is
the R&D intensity after an R&D amount. Multi-year commitments (年均增长15%, 实现翻番) become period
targets, kept apart from the year-on-year targets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from ..errors import UnitError
from ..registry import INDICATORS, REGIONS, Region, convert, resolve_region
from .lexicon import (COMMIT_WORDS, COMPARATOR_WORDS, DECLINE_WORDS, DOUBLING, ELIDED_SUBJECT, FIRM_WORDS, GAP_RE,
                      GROWTH_WORDS, OWN_MARKERS, PERIOD_WORDS, PHRASES, PROVINCE_MARKERS, QUALIFIERS, STOCK_OF,
                      STRETCH_WORDS, UNIT_SWITCH, Phrase, phrase_regex)
from .numbers import Quantity, find_quantities, parse_chinese_numeral
from .variants import to_simplified

__all__ = ["analyse", "DocInfo"]

_SENT_END = re.compile(r"[。;!?]")
_CLAUSE_END = re.compile(r"[,、:;。]")
_HEAD_MARK = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\d{1,2}[、.](?!\d)|第[一二三四五六七八九十]+[部章])")
_PLAN_HEAD = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\d{1,2}[、.])?(?:\d{4}年度?|今年|明年|下一步|下一阶段|今后|下步|新的一年)?"
    r"[^。,]{0,8}?(?:打算|思路|计划|目标|安排|要点|展望|任务)(?:和|与|及)?[^。,]{0,6}$")
_NEXT_HEAD = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\d{1,2}[、.])?(?:下一步|下步|今后|明年|下一阶段|下阶段)(?:的)?"
                        r"(?:工作|重点工作|主要工作|工作重点|努力方向)?.{0,6}$")
_NOT_PLAN = re.compile(r"完成|情况|总结|回顾|成效|问题|困难|不足|做法|体会|先进|单位")
_TIME = re.compile(
    r"(?P<upto>截[至止]到?(?:(?P<uy>\d{4})年)?(?:(?P<um>\d{1,2})月(?:底|末|份)?|(?P<uend>年底|年末|年终)|目前))"
    r"|(?P<range>(?:(?P<ry>\d{4})年)?1月?[-~～至到—–](?P<rm>\d{1,2})月)"
    r"|(?P<quarter>(?:(?P<qy>\d{4})年)?(?P<q>前三季度|前三个季度|上半年|一季度|第一季度))"
    r"|(?P<first>前(?P<fm>\d{1,2}|[一二三四五六七八九十]{1,2})个月)"
    r"|(?P<plan_end>[“\"]?十(?P<pk>[一二三四五六])五[”\"]?(?:期)?末)"
    r"|(?P<now>目前|当前|现阶段)"
    r"|(?P<est>预计)"
    r"|(?P<full>全年|年底|年末)"
    r"|(?P<year>(?<![比较同是与])(?P<yy>(?:19|20)\d{2})年度?(?![的\d]))"
    r"|(?P<rel>(?<![比较同])(?:今年|去年|上年|明年|上一年|本年度?))"
)
_INLINE_YEAR = re.compile(r"((?:19|20)\d{2})年度?的?$")
#: 从"十三五"末的1.47%提升到目前的1.91%: the end of a five-year plan period, or now (the report's year).
_INLINE_PERIOD = re.compile(r"(?:[“\"]?十(?P<k>[一二三四五六])五[”\"]?(?:期)?末|(?P<now>目前|当前|现在))的?$")
_PLAN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
#: growth against a year other than the previous one (比2015年提高0.6个百分点) is no year-on-year figure
_OTHER_BASE = re.compile(r"(?:比|较|同|相比|对比)(?:于)?((?:19|20)\d{2})年")
#: a change within the year (较年初净增9家, 比上月增长) is no change over the previous year
_PART_YEAR_BASE = re.compile(r"(?:比|较|与)(?:年初|上月|上季度|上半年|一季度|今年初)")
#: what may follow a subject whose number comes in the next clause (高新技术企业数量实现翻番,达到380家)
_SUBJECT_TAIL = re.compile(r"(?:的)?(?:数量|总数|总量|规模)?(?:要|将|持续|继续|进一步)?(?:实现)?"
                           r"(?:翻了?[一两二]?番|(?:稳步|持续|大幅|快速|显著|明显|不断|进一步|较快)?"
                           r"(?:提升|增长|增加|提高|上升|扩大|壮大)|再创新高|创历史新高)?")
#: 突破1.1万家,达到11080家: a threshold passed, then the figure
_THRESHOLD_WORDS = re.compile(r"突破|超过|超|逾|迈过|跨过|跨越|越过")
_THEN_LEVEL = re.compile(r"[,、]?(?:达到|达|为|共|计|达到了)")
#: 26家企业进入国家高新技术企业公示, 74家企业通过科技型中小企业评价入库
_FIRMS_INTO = re.compile(r"(?:企业)?(?:通过|进入|列入|纳入|获得?|被)(?:了)?(?:国家级?|省级?)?"
                         r"(?P<what>高新技术企业|高企|科技型中小企业)(?P<how>(?:认定|公示|名单|评价|入库|备案|登记)*)")
_ENTITY_END = re.compile(r"(?:企业|公司|集团|园区|产业园|高新区|开发区|经开区|研究院|大学|学院|基地|中心|厂|学校|单位|平台|广场)$")
_PLACE = re.compile(r"[\u4e00-\u9fff]{1,4}?(?:县|区|市|镇|乡)(?![级域内里委直场民政属])")
_PLACE_IGNORE = re.compile(r"城市|上市|超市|省市|市县|县市|市区|县区|区县|各县|各区|各市|市里|社区|园区|景区|山区|城区|"
                           r"产区|片区|试验区|示范区|新区内|辖区|全市|我市|本市|全县|我县|本县|全区|我区|本区")


@dataclass
class DocInfo:
    """What the reader knows about a document before reading figures."""

    title: str
    report_year: int | None
    plan_year: int | None
    region: Region | None
    plan_start: int  # offset in the search string where the plan part starts (len if none)
    year_source: str = ""  # caller | title | plan heading | text | "" (unknown)


@dataclass
class _Item:
    kind: str  # "figure" | "target"
    region: str | None
    year: int | None
    indicator: str
    basis: str
    value: float
    unit: str
    status: str = "actual"
    months: int | None = None
    comparator: str = "ge"
    stretch_low: float = math.nan
    stretch_high: float = math.nan
    stretch_only: bool = False
    s_start: int = 0
    s_end: int = 0
    year_flag: str = ""
    period_kind: str = ""  # period targets: annual_average_growth | multiple
    base_year: int | None = None


# ------------------------------------------------------------------------------------------------
def build_search(text: str) -> tuple[str, list[int]]:
    """Whitespace-free, parenthetical-free copy of ``text`` and the index map back into it."""
    chars: list[str] = []
    pos: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "(":
            j = text.find(")", i + 1, i + 42)
            if j != -1 and "\n" not in text[i:j] and "(" not in text[i + 1:j]:
                i = j + 1
                continue
        if c.isspace() and c != "\n":
            i += 1
            continue
        chars.append(c)
        pos.append(i)
        i += 1
    # traditional characters read as simplified (1:1, so ``pos`` still maps back to the original)
    return to_simplified("".join(chars)), pos


def _lines(s: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for line in s.split("\n"):
        out.append((start, line))
        start += len(line) + 1
    return out


def _region_names(r: Region) -> set[str]:
    names = {r.name, r.short, *[a for a in r.aliases if re.search(r"[\u4e00-\u9fff]", a)]}
    return {x for x in names if len(x) >= 2}


def _find_regions(text: str) -> Counter:
    c: Counter = Counter()
    for code, r in REGIONS.items():
        if r.level == "country":
            continue
        for nm in sorted(_region_names(r), key=len, reverse=True):
            k = text.count(nm)
            if k:
                c[code] += k
                break
    return c


def _province_of(r: Region | None) -> Region | None:
    while r is not None and r.level not in ("province", "country"):
        r = r.parent_region
    return r


def doc_info(s: str, *, doc: str, region: str | None, report_year: int | None) -> DocInfo:
    lines = _lines(s)
    # title block: short lines before the first body line or numbered heading
    title_lines, body_from = [], 0
    for k, (off, line) in enumerate(lines[:15]):
        if not line:
            continue
        if len(line) > 40 or "。" in line or _HEAD_MARK.match(line):
            body_from = off
            break
        if re.search(r"工作|总结|报告|打算|计划|思路|要点|汇报", line) and re.search(r"\d{4}年|年度", line):
            if line not in title_lines:
                title_lines.append(line)
        elif title_lines and re.match(r"^\d{4}年", line):
            title_lines.append(line)
        body_from = off + len(line) + 1
    title = "".join(title_lines)

    plan_start = len(s)
    for off, line in lines:
        if off < body_from or not line or len(line) > 30:
            continue
        if (_PLAN_HEAD.match(line) or _NEXT_HEAD.match(line)) and not _NOT_PLAN.search(line):
            plan_start = off
            break

    ry = report_year
    source = "caller" if ry is not None else ""
    if ry is None:
        source = "title"
        m = re.search(r"((?:19|20)\d{2})年度?(?:上半年|全年)?[^\d年]{0,15}?(?:总结|情况|报告|回顾|汇报)", title)
        if m:
            ry = int(m.group(1))
        else:
            m = re.search(r"((?:19|20)\d{2})年度?[^\d年]{0,10}?(?:打算|计划|思路|要点|安排)", title)
            if m:
                ry = int(m.group(1)) - 1
    if ry is None and plan_start < len(s):
        source = "plan heading"
        head = s[plan_start:s.find("\n", plan_start) if "\n" in s[plan_start:] else len(s)]
        m = re.search(r"((?:19|20)\d{2})年", head)
        if m:
            ry = int(m.group(1)) - 1
    if ry is None:
        source = "text"
        years = Counter(int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})年", s[:plan_start]))
        if years:
            top = max(years.values())
            ry = max(y for y, k in years.items() if k == top)

    reg = resolve_region(region) if region is not None else None
    if reg is None:
        found = _find_regions(title)
        if found:
            order = {"county": 0, "prefecture": 1, "province": 2}
            reg = REGIONS[min(found, key=lambda c: (order.get(REGIONS[c].level, 3), -found[c]))]
    if reg is None:
        own_level = Counter()
        own_level["prefecture"] = len(re.findall(r"全市|我市|本市", s))
        own_level["county"] = len(re.findall(r"全县|我县|本县|全区|我区|本区", s))
        own_level["province"] = len(re.findall(r"全省|我省", s)) // 3  # 全省 is often a comparison
        level = own_level.most_common(1)[0][0] if sum(own_level.values()) else None
        found = _find_regions(s)
        cands = [c for c in found if REGIONS[c].level == level] if level else list(found)
        if cands:
            best = max(cands, key=lambda c: found[c])
            if found[best] >= 2:
                reg = REGIONS[best]
    if reg is None and doc:
        tokens = set(re.split(r"[_\-\s.]+", doc.lower()))
        for r in REGIONS.values():
            key = re.sub(r"\s*\(.*\)|\s+(district|county|city|province)$", "", r.english.lower()).replace(" ", "")
            if key and key in tokens:
                reg = r
                break
    # a mid-year report plans the rest of its own year (上半年工作总结及下半年工作安排)
    head = s[plan_start:s.find("\n", plan_start) if "\n" in s[plan_start:] else len(s)]
    same_year = bool(re.search(r"下半年|第?四季度", head + title))
    plan_year = None if ry is None else ry if same_year else ry + 1
    return DocInfo(title, ry, plan_year, reg, plan_start, source if ry is not None else "")


# ------------------------------------------------------------------------------------------------
class _Reader:
    def __init__(self, s: str, info: DocInfo):
        self.s = s
        self.info = info
        self.items: list[_Item] = []
        self.own = info.region
        self.own_names = _region_names(info.region) if info.region else set()
        self.province = _province_of(info.region)

    # region of a clause prefix: own region name, the province (全省…), or None to skip
    def _region(self, prefix: str) -> tuple[bool, str | None]:
        own = self.own.name if self.own else None
        if re.search(PROVINCE_MARKERS, prefix):
            if self.province is not None and (self.own is None or self.own.level != "province"):
                return True, self.province.name
            return True, own
        if prefix.startswith("全国"):
            return True, "全国"
        bare = re.sub(OWN_MARKERS, " ", prefix)
        for code, r in REGIONS.items():
            if r.level == "country" or (self.own is not None and code == self.own.code):
                continue
            if any(nm in bare for nm in _region_names(r)):
                return False, None
        for nm in sorted(self.own_names, key=len, reverse=True):
            bare = re.sub(re.escape(nm) + r"(?![县区镇乡])", " ", bare)  # 南昌县 is not 南昌市
        for m in _PLACE.finditer(bare):
            if not _PLACE_IGNORE.search(m.group(0)):
                return False, None
        return True, own

    def run(self) -> list[_Item]:
        carry = None  # (year, src) of a line that introduces a list: 到2025年,主要目标是:
        for off, line in _lines(self.s):
            if not line or _HEAD_MARK.match(line) or re.match(r"第[一二三四五六七八九十]+[章节部]", line):
                carry = None
            if line:
                self._paragraph(off, line, carry)
                years = re.findall(r"(?<![比较同是与\d])((?:19|20)\d{2})年", line)
                if line.endswith(":") and years:
                    carry = (int(years[-1]), "explicit")
        return self.items

    def _paragraph(self, off: int, line: str, carry=None) -> dict:
        info = self.info
        in_plan = off >= info.plan_start
        section_year = (info.plan_year if in_plan else info.report_year)
        ctx = {"year": section_year, "src": "default", "status": "actual", "months": None, "flow": None,
               "future": False, "ind": None}
        if carry is not None:
            ctx["year"], ctx["src"] = carry
        start = 0
        for m in list(_SENT_END.finditer(line)) + [None]:
            end = m.end() if m else len(line)
            if end > start:
                self._sentence(off + start, off + end, off, ctx, in_plan, section_year)
                self._doubling(off + start, off + end, off, ctx, in_plan)
            start = end
            if ctx["status"] == "estimate":
                ctx["status"], ctx["months"] = "actual", None
        return ctx

    def _apply_time(self, seg: str, ctx: dict, section_year: int | None) -> None:
        for m in _TIME.finditer(seg):
            if m.group("upto"):
                if m.group("uy"):
                    ctx["year"], ctx["src"] = int(m.group("uy")), "explicit"
                mo = int(m.group("um")) if m.group("um") else None
                if mo and 1 <= mo < 12:
                    ctx["status"], ctx["months"] = "ytd", mo
                else:
                    ctx["status"], ctx["months"] = "actual", None
            elif m.group("range"):
                if m.group("ry"):
                    ctx["year"], ctx["src"] = int(m.group("ry")), "explicit"
                mo = int(m.group("rm"))
                if 1 <= mo < 12:
                    ctx["status"], ctx["months"] = "ytd", mo
            elif m.group("quarter"):
                if m.group("qy"):
                    ctx["year"], ctx["src"] = int(m.group("qy")), "explicit"
                ctx["status"], ctx["months"] = "ytd", {"上半年": 6, "一季度": 3, "第一季度": 3}.get(m.group("q"), 9)
            elif m.group("first"):
                fm = m.group("fm")
                mo = int(fm) if fm.isdigit() else int(parse_chinese_numeral(fm))
                if 1 <= mo < 12:
                    ctx["status"], ctx["months"] = "ytd", mo
            elif m.group("plan_end"):
                ctx["year"], ctx["src"] = 2005 + 5 * _PLAN_NUM[m.group("pk")], "explicit"
                ctx["future"] = False
            elif m.group("now"):
                if self.info.report_year is not None:
                    ctx["year"], ctx["src"], ctx["future"] = self.info.report_year, "explicit", False
            elif m.group("est"):
                ctx["status"], ctx["months"] = "estimate", None
            elif m.group("full"):
                if ctx["status"] == "ytd":
                    ctx["status"], ctx["months"] = "actual", None
            elif m.group("year"):
                ctx["year"], ctx["src"] = int(m.group("yy")), "explicit"
                ctx["future"] = False
                if ctx["status"] == "ytd":
                    ctx["status"], ctx["months"] = "actual", None
            elif m.group("rel") and section_year is not None:
                w = m.group("rel")
                before = seg[:m.start()]
                if before and not re.search(r"(?:[,、:;。]|预计|力争|确保|争取|截至|截止|到)$", before):
                    continue
                delta = {"去年": -1, "上年": -1, "上一年": -1, "明年": 1}.get(w, 0)
                ctx["year"], ctx["src"] = section_year + delta, ("relative" if delta else "default")
                ctx["future"] = delta > 0

    def _find_phrase(self, seg_start: int, q: Quantity, para_off: int):
        """The indicator phrase that ends closest before ``q`` (longest on a tie), with the gap to it.

        Phrases may overlap (全社会研发经费投入 / 研发经费投入强度), so every start position is tried
        rather than one left-to-right scan."""
        s = self.s
        rx = phrase_regex()
        best = None
        for i in range(seg_start, q.start):
            m = rx.match(s, i, q.start)
            if m is None:
                continue
            ph = None if m.group("intensity") else PHRASES[m.group(0)]
            if ph is not None and ph.needs and not re.search(ph.needs, s[para_off:m.start()]):
                continue
            if ph is None and m.group(0).startswith("占") and not _rd_before(s[max(para_off, m.start() - 40):m.start()]):
                continue
            if best is None or m.end() > best[0].end():
                best = (m, ph)
        if best is None:
            return None
        m, ph = best
        gap = s[m.end():q.start]
        if len(gap) > 14 or not GAP_RE.fullmatch(gap):
            return None
        return m, ph, gap

    def _sentence(self, a: int, b: int, para_off: int, ctx: dict, in_plan: bool, section_year: int | None):
        s = self.s
        qs = find_quantities(s[a:b])
        for q in qs:
            q.start += a
            q.end += a
        prev_end = a
        last: _Item | None = None  # last indicator-bearing item of the sentence (for growth rates)
        levels: list[_Item] = []  # level items of the sentence, for 分别
        last_target: _Item | None = None
        consumed: list[tuple[int, int]] = []
        skip_until = -1
        for qi, q in enumerate(qs):
            if q.start < skip_until:
                continue
            seg = s[prev_end:q.start]
            seg_start = prev_end
            self._apply_time(seg, ctx, section_year)
            inline = _INLINE_YEAR.search(seg)
            year = int(inline.group(1)) if inline else ctx["year"]
            year_src = "explicit" if inline else ctx["src"]
            pm = None if inline else _INLINE_PERIOD.search(seg)
            if pm is not None and (pm.group("k") or self.info.report_year is not None):
                year = 2005 + 5 * _PLAN_NUM[pm.group("k")] if pm.group("k") else self.info.report_year
                year_src = "explicit"
            prev_end = q.end
            found = self._find_phrase(max(a, q.start - 60, (qs[qi - 1].end if qi else a)), q, para_off)
            after = s[q.end:q.end + 4]
            post_end = q.end
            if found is None and re.match(r"通过认定|获得认定|被认定|获认定", after) \
                    and re.search(r"高新|高企", s[para_off:b]):
                found = (None, PHRASES["通过认定"], "")
            if found is None and q.unit in ("家", "件", "项", "个"):
                # number before the phrase: 全市拥有642家高新技术企业, …
                m2 = phrase_regex().match(s, q.end, b)
                ph2 = None if m2 is None or m2.group("intensity") else PHRASES[m2.group(0)]
                if ph2 is not None and ph2.kind is None and not ph2.needs \
                        and INDICATORS[ph2.indicator].unit in ("家", "件", "项") \
                        and (m2.end() == b or s[m2.end()] in ",、。;:" or s.startswith(("组成", "等"), m2.end())):
                    found = (None, ph2, "")
                    post_end = m2.end()
            if found is None:
                found = self._elided(a, q, ctx)
            if found is None and q.unit == "家":
                fm = _FIRMS_INTO.match(s, q.end, b)
                if fm is not None and (fm.end() == b or s[fm.end()] in ",、。;:"):
                    what, how = fm.group("what"), fm.group("how")
                    ind = "tech_sme" if what == "科技型中小企业" else \
                        "hte_in_recognition_notices" if re.search("公示|名单|备案", how) else \
                        "hte_new" if "认定" in how else None
                    if ind is not None:
                        found = (None, Phrase(fm.group(0), ind), "")
                        post_end = fm.end()
            nxt = qs[qi + 1] if qi + 1 < len(qs) else None
            threshold = found is not None and (s.startswith("大关", q.end) or (
                _THRESHOLD_WORDS.search(found[2]) and nxt is not None and nxt.unit == q.unit
                and nxt.value >= q.value and _THEN_LEVEL.fullmatch(s[q.end:nxt.start])
                and not re.search(COMMIT_WORDS, s[a:q.start])))
            if threshold:
                m, ph, gap = found  # 突破2.0%大关: a threshold passed, the figure follows (…,达到2.01%)
                ind = self._indicator(m, ph, ctx)
                ctx["ind"] = ind
                last = _Item("anchor", None, year, ind, "level", math.nan, "", status=ctx["status"],
                             months=ctx["months"], s_start=m.start() if m is not None else q.start, s_end=q.end)
                last.region = self._region(s[a:last.s_start])[1]
                continue
            if found is not None:
                m, ph, gap = found
                ph_start = m.start() if m is not None else q.start
                clause_start = a
                for cm in _CLAUSE_END.finditer(s, a, ph_start):
                    clause_start = cm.end()
                prefix = s[clause_start:ph_start]
                indicator = self._indicator(m, ph, ctx)
                if indicator is None:
                    last = None
                    continue
                indicator = UNIT_SWITCH.get(indicator, {}).get(q.unit, indicator)
                ctx["ind"] = indicator
                if QUALIFIERS.search(prefix) or "占" in prefix or _ENTITY_END.search(prefix) \
                        or s[q.end:q.end + 1] == "的" or re.search(r"申请|申报", gap) \
                        or re.match(r"(?:以上)?(?:目标|任务|计划)", s[q.end:q.end + 4]):
                    last = None
                    continue
                ok, region = self._region(prefix)
                if not ok:
                    last = None
                    continue
                run = self._run(qs, qi)
                chain = self._phrase_chain(m, len(run)) if m is not None and "分别" in gap and len(run) >= 2 else None
                if chain:  # 专利申请量和授权量分别达到5036件和3033件
                    made = []
                    for (mm, pp), qq in zip(chain, run):
                        ind2 = self._indicator(mm, pp, ctx)
                        it = None if ind2 is None else self._make(ind2, qq, gap, region, year, year_src, ctx, in_plan,
                                                                  a, mm.start(), consumed)
                        if it is not None and it.kind != "anchor":
                            it.s_start = clause_start
                            made.append(it)
                    for it in made:
                        self.items.append(it)
                        if it.basis == "level":
                            levels.append(it)
                        if it.kind == "target":
                            last_target = it
                    last = made[-1] if made else None
                    skip_until = prev_end = run[-1].end
                    continue
                item = self._make(indicator, q, gap, region, year, year_src, ctx, in_plan, a, ph_start, consumed)
                if item is None:
                    continue
                lm = re.match(r"\d{1,2}[.、](?!\d)|[一二三四五六七八九十]+[、.]", s[clause_start:ph_start])
                # quote the whole clause: 截至2017年11月全市申请专利4153件
                item.s_start = clause_start + (lm.end() if lm else 0)
                item.s_end = max(item.s_end, post_end)
                last = item
                if item.kind == "anchor":
                    continue
                if item.kind == "figure" and item.basis == "level" and re.search(r"(?:从|由)$", gap) \
                        and not (inline or pm):
                    # 总量从21.18亿元提升到65.05亿元: the starting level's year is unknown; the end level follows
                    item.kind, item.year_flag = "anchor", ""
                    continue
                if item.basis == "level":
                    levels.append(item)
                if item.kind == "target":
                    last_target = item
                self.items.append(item)
                continue
            # no phrase of its own
            run = self._run(qs, qi)
            if levels and re.search(GROWTH_WORDS, seg) and ("分别" in seg or len(run) >= 2):
                targets = levels[-len(run):] if len(levels) >= len(run) else []
                for base, qq in zip(targets, run):
                    it = self._derived(base, qq, seg, base.s_start)
                    if it is not None:
                        self.items.append(it)
                skip_until = run[-1].end
                prev_end = run[-1].end
                continue
            mixed = self._run(qs, qi, same_unit=False)
            if len(mixed) >= 2 and re.search(r"分别(?:为|是|达到|达)$", seg) and not re.search(GROWTH_WORDS, seg):
                run = mixed
                # …强度要达到2.8%,每万人口发明专利拥有量要达到12件,目前分别为2.55%和9.8件: the indicators
                # named earlier in the sentence, in order, each number in its indicator's unit
                named: list[_Item] = []
                for it in self.items:
                    if it.s_start >= a and it.kind in ("figure", "target") and \
                            all(x.indicator != it.indicator for x in named):
                        named.append(it)
                named = named[-len(run):]
                if len(named) == len(run) and all(
                        self._value(x.indicator, "level", qq) is not None and (qq.unit == "%") == (x.unit == "%")
                        for x, qq in zip(named, run)):
                    for x, qq in zip(named, run):
                        it = self._make(x.indicator, qq, "", x.region, year, year_src, ctx, in_plan, a, seg_start,
                                        consumed)
                        if it is not None and it.kind in ("figure", "target"):
                            it.s_start = seg_start + (1 if s[seg_start] in ",、;:" else 0)
                            self.items.append(it)
                    skip_until = prev_end = run[-1].end
                    continue
            if last is not None and (last.kind == "anchor" or last.basis != "level") and \
                    not any(x.indicator == last.indicator and x.basis == "level" for x in levels) and \
                    re.fullmatch(r"(?:大关)?[,、]?(?:(?:到|至)?(?:19|20)\d{2}年(?:底|末)?)?(?:达到|达|为|共|计|共计|累计|总计)",
                                 seg):
                # the level after a threshold or a growth rate: …突破2.0%大关,达到2.01% / …增长20.5%,达到3600件
                it = self._derived(last, q, "达到", seg_start)
                if it is not None:
                    self.items.append(it)
                continue
            if last is not None and len(seg) <= 18 and re.search(GROWTH_WORDS, seg) and "占" not in seg \
                    and not re.search(STRETCH_WORDS, seg):
                gm = re.search(GROWTH_WORDS, seg)
                it = self._derived(last, q, seg, seg_start + gm.start(), year=year, year_src=year_src)
                if it is not None:
                    self.items.append(it)
                    if it.basis == "level":
                        levels.append(it)
                continue
            sm = re.search(STRETCH_WORDS, seg)
            if last_target is not None and sm and len(seg) <= 12 and \
                    (q.unit == "%") == (last_target.basis in ("growth_pct",) or last_target.unit == "%"):
                val = self._value(last_target.indicator, last_target.basis, q)
                if val is not None:
                    hi = self._value(last_target.indicator, last_target.basis, q, high=True)
                    last_target.stretch_low, last_target.stretch_high = val, hi if hi is not None else val
                    consumed.append((seg_start + sm.start(), seg_start + sm.end()))
                    last_target.s_end = q.end
                continue

    def _doubling(self, a: int, b: int, para_off: int, ctx: dict, in_plan: bool) -> None:
        """实现翻番 / 翻两番: a multi-year multiple of the base, kept as a period target."""
        s, info = self.s, self.info
        for dm in DOUBLING.finditer(s, a, b):
            q = Quantity(float(2 ** {"两": 2, "二": 2, "三": 3}.get(dm.group("n") or "", 1)), None, "倍", "",
                         dm.start(), dm.end(), dm.group(0))
            # the base may stand between the subject and the verb: 高新技术企业数量比2018年翻两番
            bm = re.search(r"(?:比|较|在|相比)(?:19|20)\d{2}年(?:的?基础上)?(?:实现)?$", s[a:dm.start()])
            probe = Quantity(q.value, None, q.unit, "", a + bm.start() if bm else q.start, q.end, q.text)
            found = self._find_phrase(max(a, q.start - 60), probe, para_off)
            if found is None:
                continue
            m, ph, gap = found
            ind = self._indicator(m, ph, ctx)
            if ind is None:
                continue
            clause_start = a
            for cm in _CLAUSE_END.finditer(s, a, m.start()):
                clause_start = cm.end()
            ok, region = self._region(s[clause_start:m.start()])
            local = dict(ctx)  # the time words before the doubling (到2025年,…实现翻番)
            self._apply_time(s[a:q.start], local, info.plan_year if in_plan else info.report_year)
            year = local["year"]
            future = year is not None and info.report_year is not None and year > info.report_year
            if not ok or not (in_plan or future) or year is None:
                continue
            ob = _OTHER_BASE.search(s[a:q.start])
            it = _Item("period", region, year, ind, "level", q.value, "倍", comparator="ge", s_start=clause_start,
                       s_end=q.end, period_kind="multiple",
                       base_year=int(ob.group(1)) if ob else info.report_year)
            self.items.append(it)

    def _elided(self, a: int, q: Quantity, ctx: dict):
        """A clause whose subject is the indicator just named (…新增高新技术企业67家,总数达到199家)."""
        s = self.s
        clause_start = a
        for cm in _CLAUSE_END.finditer(s, a, q.start):
            clause_start = cm.end()
        em = ELIDED_SUBJECT.match(s, clause_start, q.start)
        if em is None:
            return self._named_before(a, clause_start, q)
        if ctx.get("ind") is None:
            return None
        gap = s[em.end():q.start]
        if len(gap) > 14 or not GAP_RE.fullmatch(gap):
            return None
        ind = ctx["ind"]
        if re.search("总数|存量", em.group(0)):
            ind = STOCK_OF.get(ind, ind)
        return None, Phrase(em.group(0), ind), gap

    def _named_before(self, a: int, clause_start: int, q: Quantity):
        """A clause of verbs and a number whose subject ends the previous clause without a number of its own
        (高新技术企业数量实现翻番,达到380家; 研发投入强度稳步提升,达到2.1%)."""
        s = self.s
        gap = s[clause_start:q.start]
        if clause_start <= a or len(gap) > 8 or not GAP_RE.fullmatch(gap):
            return None
        prev_start = a
        for cm in _CLAUSE_END.finditer(s, a, clause_start - 1):
            prev_start = cm.end()
        best = None
        for m in phrase_regex().finditer(s, prev_start, clause_start - 1):
            best = m
        if best is None or not _SUBJECT_TAIL.fullmatch(s, best.end(), clause_start - 1) \
                or QUALIFIERS.search(s[prev_start:best.start()]):
            return None
        ph = None if best.group("intensity") else PHRASES[best.group(0)]
        if ph is not None and (ph.needs or ph.kind):
            return None
        return best, ph, gap

    def _run(self, qs: list[Quantity], qi: int, same_unit: bool = True) -> list[Quantity]:
        """``qs[qi]`` and the quantities joined to it by 和/、/及/与 with the same unit (5036件和3033件)."""
        run = [qs[qi]]
        for q2 in qs[qi + 1:]:
            if re.fullmatch(r"[和、及与]", self.s[run[-1].end:q2.start]) and (q2.unit == run[0].unit or not same_unit):
                run.append(q2)
            else:
                break
        return run

    def _phrase_chain(self, m, k: int):
        """The ``k`` phrases joined by 和/、/及/与 that end with match ``m`` (专利申请量和授权量), or None."""
        rx, s = phrase_regex(), self.s
        chain = [(m, None if m.group("intensity") else PHRASES[m.group(0)])]
        pos = m.start()
        while len(chain) < k and pos > 0 and s[pos - 1] in "和、及与":
            end = pos - 1
            best = None
            for j in range(max(0, end - 24), end):
                mm = rx.fullmatch(s, j, end)
                if mm is not None:
                    best = mm
                    break
            if best is None:
                break
            chain.insert(0, (best, None if best.group("intensity") else PHRASES[best.group(0)]))
            pos = best.start()
        return chain if len(chain) == k else None

    def _indicator(self, m, ph, ctx) -> str | None:
        if ph is None:  # the written-out R&D intensity pattern
            return "rd_intensity"
        if ph.kind:
            flow = ctx["flow"]
            if flow is None:
                return ph.indicator
            if flow == "valid":
                return f"valid_{ph.kind}_patents"
            return f"{ph.kind}_patent_{flow}"
        ind = ph.indicator
        if ind in ("patent_applications", "patent_grants") or ind.endswith(("_patent_applications", "_patent_grants")):
            ctx["flow"] = "applications" if ind.endswith("applications") else "grants"
        elif ind in ("valid_patents",):
            ctx["flow"] = "valid"
        return ind

    @staticmethod
    def _value(indicator: str, basis: str, q: Quantity, high: bool = False) -> float | None:
        v = q.high if high else q.value
        if v is None:
            return None
        if basis in ("growth_pct", "pp"):
            return float(v)
        unit = q.unit
        if not unit and q.mult and INDICATORS[indicator].unit == "亿元":  # 18.5亿 → 18.5 亿元
            v, unit = v / (1e8 if q.mult == "亿" else 1e4), q.mult + "元"
        try:
            return convert(v, unit, indicator)
        except UnitError:
            return None

    def _basis(self, indicator: str, q: Quantity, gap: str) -> tuple[str, float] | None:
        ind = INDICATORS[indicator]
        growth = re.search(GROWTH_WORDS + "|新增", gap)
        to_level = re.search(r"(?:增长|增加|提高|提升|上升)(?:到|至)|增至|升至|从|由", gap)
        sign = -1.0 if re.search(DECLINE_WORDS, gap) else 1.0
        if q.unit in ("个百分点", "百分点"):
            return ("pp", sign) if ind.unit == "%" or growth else None
        if q.unit == "%":
            if ind.unit == "%":
                return ("pp", sign) if growth and not to_level else ("level", 1.0)
            return ("growth_pct", sign) if growth and not to_level else None
        if growth and not to_level:
            if "新增" in gap and not re.search(GROWTH_WORDS, gap) and ind.stock_or_flow == "flow":
                return "level", 1.0
            # a flow's change stated as a count (新报备数减少458家) is no figure, but its growth rate may follow
            return ("increment", sign) if ind.stock_or_flow in ("stock", "ratio") else ("anchor", sign)
        return "level", 1.0

    def _commitment(self, a: int, upto: int, consumed) -> str | None:
        best = None
        for m in re.finditer(STRETCH_WORDS + "|" + FIRM_WORDS, self.s[a:upto]):
            p = a + m.start()
            if any(lo <= p < hi for lo, hi in consumed):
                continue
            best = "stretch" if re.fullmatch(STRETCH_WORDS, m.group(0)) else "firm"
        return best

    def _make(self, indicator, q, gap, region, year, year_src, ctx, in_plan, a, ph_start, consumed):
        info = self.info
        bb = self._basis(indicator, q, gap)
        if bb is None:
            return None
        basis, sign = bb
        has_commit = bool(re.search(COMMIT_WORDS, self.s[a:q.start]))
        explicit_past = year_src in ("explicit", "relative") and year is not None and info.report_year is not None \
            and year <= info.report_year
        future = year is not None and info.report_year is not None and year > info.report_year \
            and year_src in ("explicit", "relative")
        # Outside a plan part the year decides: a year after the report year is a target, the report year or
        # before is an achievement. That needs a report year the caller or the title fixed; when it is only the
        # most frequent year of the text (or unknown), a year equal to it is no evidence of the past, and a
        # commitment word (力争/确保/目标/计划…) before the number says the clause is a promise.
        guessed_year = info.year_source in ("text", "") or info.report_year is None
        cue_target = not in_plan and guessed_year and _promise_cue(self.s[a:q.start]) \
            and (year is None or info.report_year is None or year >= info.report_year)
        is_target = (in_plan and (has_commit or not explicit_past)) or (not in_plan and future) or cue_target
        if basis == "anchor":
            it = _Item("anchor", region, year if not is_target else (year if year_src != "default" else info.plan_year),
                       indicator, "level", math.nan, "", status=ctx["status"], months=ctx["months"],
                       s_start=ph_start, s_end=q.end)
            it.year_flag = "target" if is_target else ""
            return it
        val = self._value(indicator, basis, q)
        if val is None:
            return None
        val *= sign
        ref = year if year is not None else info.report_year
        if basis != "level" and _PART_YEAR_BASE.search(gap):
            return None
        if basis != "level":
            ob = _OTHER_BASE.search(gap)
            if ob and ref is not None and int(ob.group(1)) != ref - 1 and not re.search(PERIOD_WORDS, gap):
                return None  # 比2015年提高0.6个百分点: a change over several years
        if re.search(PERIOD_WORDS, gap) and basis == "growth_pct":
            if not is_target:
                return None  # 年均增长20% over a past period is no year-on-year figure
            tyear = year if year_src in ("explicit", "relative") else info.plan_year
            cmp_ = "ge"
            for rx, c in COMPARATOR_WORDS:
                if re.search(rx, gap + q.suffix):
                    cmp_ = c
                    break
            ob = _OTHER_BASE.search(self.s[a:q.start])
            return _Item("period", region, tyear, indicator, "growth_pct", val, "%", comparator=cmp_,
                         s_start=ph_start, s_end=q.end, period_kind="annual_average_growth",
                         base_year=int(ob.group(1)) if ob else info.report_year)
        if is_target:
            if not in_plan and not future and not cue_target:
                return None
            tyear = year if year_src in ("explicit", "relative") else info.plan_year
            commit = self._commitment(a, q.start, consumed)  # 力争 may sit in the gap: 强度力争达到1.7%
            cmp_text = gap + q.suffix
            comparator = "ge"
            for rx, c in COMPARATOR_WORDS:
                if re.search(rx, cmp_text):
                    comparator = c
                    break
            it = _Item("target", region, tyear, indicator, basis, val, self._unit(indicator, basis),
                       comparator=comparator, s_start=ph_start, s_end=q.end)
            if q.high is not None:
                hi = self._value(indicator, basis, q, high=True)
                it.stretch_low, it.stretch_high = val, (hi * sign if hi is not None else val)
            if commit == "stretch":
                it.stretch_only = True
                if q.high is None:
                    it.stretch_low = it.stretch_high = val
            return it
        if q.high is not None:
            return None  # a range is no figure
        status, months = ctx["status"], ctx["months"]
        # the year is a guess only when neither the sentence nor a title/caller fixes it
        flag = "year_inferred" if year_src == "default" and info.year_source in ("text", "") else ""
        return _Item("figure", region, year, indicator, basis, val, self._unit(indicator, basis), status=status,
                     months=months if status == "ytd" else None, s_start=ph_start, s_end=q.end, year_flag=flag)

    def _derived(self, base: _Item, q: Quantity, seg: str, start: int, year=None, year_src=None) -> _Item | None:
        bb = self._basis(base.indicator, q, seg)
        if bb is None:
            return None
        basis, sign = bb
        if basis == "anchor" or (basis == "level" and base.basis == "level" and not re.search(r"到|至", seg)):
            return None
        val = self._value(base.indicator, basis, q)
        if val is None:
            return None
        if basis != "level" and _PART_YEAR_BASE.search(seg):
            return None
        if basis != "level" and base.year is not None:
            ob = _OTHER_BASE.search(seg)
            if ob and int(ob.group(1)) != base.year - 1:
                return None  # 比2015年提高0.6个百分点: a change over several years
        kind = base.kind if base.kind != "anchor" else ("target" if base.year_flag == "target" else "figure")
        if kind == "period":
            if basis != "level":
                return None
            kind = "target"  # 年均增长20%,到2025年达到20亿元: the end level is a plain target
        if re.search(PERIOD_WORDS, seg) and basis == "growth_pct":
            if kind != "target":
                return None
            return _Item("period", base.region, base.year, base.indicator, "growth_pct", val * sign, "%",
                         comparator="eq" if re.search(r"左右|上下", q.suffix) else "ge", s_start=base.s_start,
                         s_end=q.end, period_kind="annual_average_growth", base_year=self.info.report_year)
        it = _Item(kind, base.region, base.year, base.indicator, basis, val * sign,
                   self._unit(base.indicator, basis), status=base.status, months=base.months,
                   comparator=base.comparator, stretch_only=base.stretch_only, s_start=base.s_start, s_end=q.end,
                   year_flag=base.year_flag if base.kind != "anchor" else "")
        if basis == "level" and year is not None:  # 从2018年的1049家…增长到2020年的2054家
            it.year = year
            it.s_start = start
        if base.kind == "target":
            if q.suffix:
                for rx, c in COMPARATOR_WORDS:
                    if re.search(rx, seg + q.suffix):
                        it.comparator = c
                        break
            else:
                it.comparator = "ge"
            if base.stretch_only:
                it.stretch_low = it.stretch_high = it.value
        return it

    @staticmethod
    def _unit(indicator: str, basis: str) -> str:
        return "%" if basis in ("growth_pct", "pp") else INDICATORS[indicator].unit


_OTHER_AMOUNT = re.compile(r"增加值|产值|收入|营业|投资|贷款|出口|进口|税|财政|支出占|产业|工业|服务业|消费|经济")


#: 目标/计划 are nouns as often as cues (倍增计划, 奋斗目标, 完成年度目标): outside a plan part they promise
#: only when they introduce the number (主要目标是:, 计划新增…) and follow no completion verb.
_GOAL_OPENS = re.compile(r"是|为|:|到|在|\d|新增|达到|实现|完成|全年|今年|明年")
_DONE_GOAL = re.compile(r"(?:完成|实现|达到|达成|超过|超出|超额)了?[\u4e00-\u9fff]{0,4}$")
#: 努力 of a summary (经过共同努力, 在全市上下的努力下) looks back, not ahead.
_PAST_EFFORT = re.compile(r"(?:经过|通过|共同|不懈|的)$")


def _promise_cue(text: str) -> bool:
    """Whether ``text`` (a sentence up to a number) carries a commitment word of the lexicon (力争, 确保, 争取,
    目标, 计划…) used as a promise rather than in a look back (确保了, 经过共同努力, 倍增计划, 超额完成年度目标)."""
    for m in re.finditer(COMMIT_WORDS, text):
        w, before, after = m.group(0), text[max(0, m.start() - 10):m.start()], text[m.end():m.end() + 3]
        if after.startswith("了"):
            continue
        if w == "努力" and (_PAST_EFFORT.search(before) or re.match(r"[,、:;。]|下", after)):
            continue
        if w in ("目标", "计划") and (not _GOAL_OPENS.match(after) or _DONE_GOAL.search(before)):
            continue
        return True
    return False


def _rd_before(text: str) -> bool:
    """Whether a share of GDP just before ``text`` ends is the R&D intensity: an R&D amount is the subject just
    named with no other amount after it (…经费支出30.2亿元,占…), or no other amount is named at all (其占GDP比重
    with nothing before it: the registry reads a bare 占GDP比重 as R&D intensity)."""
    m = None
    for m in re.finditer(r"研发|R&D|研究与试验发展", text):
        pass
    return not _OTHER_AMOUNT.search(text[m.end():] if m is not None else text)


def analyse(s: str, info: DocInfo) -> list[_Item]:
    """All figure and target items of a search string (not yet de-duplicated)."""
    return _Reader(s, info).run()
