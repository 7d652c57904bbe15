"""Numbers as Chinese reports write them: Arabic and Chinese numerals, 万/亿 multipliers,
units, percentages, percentage points and ranges (60-80家, 60～80家, 60至80家), and rounded
numbers (1.2万余件, 20多家, 近百家: the stated number)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Quantity", "find_quantities", "parse_number", "parse_chinese_numeral"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}


def parse_chinese_numeral(s: str) -> float:
    """Value of a Chinese numeral: 一百二十 → 120, 两千 → 2000, 三万五千 → 35000, 十 → 10, 三点五 → 3.5.

    Raises ValueError for a string that is not a numeral.
    """
    if not s or any(c not in _DIGITS and c not in _SMALL and c not in _BIG and c != "点" for c in s):
        raise ValueError(f"not a Chinese numeral: {s!r}")
    if "点" in s:
        whole, _, frac = s.partition("点")
        if not frac or any(c not in _DIGITS for c in frac):
            raise ValueError(f"not a Chinese numeral: {s!r}")
        head = parse_chinese_numeral(whole) if whole else 0.0
        return head + float("0." + "".join(str(_DIGITS[c]) for c in frac))
    if all(c in _DIGITS for c in s) and len(s) > 1:  # digit by digit: 二〇一七
        return float("".join(str(_DIGITS[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in _DIGITS:
            digit = _DIGITS[c]
        elif c in _SMALL:
            section += (1 if digit is None else digit) * _SMALL[c]
            digit = None
        else:  # 万 / 亿
            section += digit or 0
            if section == 0 and total == 0:
                raise ValueError(f"not a Chinese numeral: {s!r}")
            total = (total + section) * _BIG[c] if _BIG[c] > 10_000 else total + section * _BIG[c]
            section, digit = 0, None
    return float(total + section + (digit or 0))


def parse_number(s: str) -> float:
    """Arabic (``1,234.5``) or Chinese (``一百二十``) numeral, with an optional trailing 万/亿 (``1.2万``)."""
    s = s.strip()
    mult = 1.0
    if s and s[-1] in _BIG and re.search(r"\d", s[:-1] or ""):
        mult = _BIG[s[-1]]
        s = s[:-1]
    if re.fullmatch(r"\d+(?:,\d{3})*(?:\.\d+)?", s):
        return float(s.replace(",", "")) * mult
    return parse_chinese_numeral(s) * mult


_ARABIC = r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?"
_CN = r"[零〇一二两三四五六七八九十百千万亿点]+"
_RANGE = r"(?:-|~|～|〜|至|到|—|－|–)"
UNITS = ("件/万人", "个百分点", "百分点", "百万元", "千亿元", "万亿元", "亿元", "万元", "千元", "元", "万件", "万家",
         "万项", "万人", "%", "件", "家", "项", "个", "户", "人", "名", "次", "所")
_UNIT = "|".join(re.escape(u) for u in UNITS)
_QTY = re.compile(
    rf"(?<![\d.,A-Za-z])(?P<a>{_ARABIC}|{_CN})(?P<am>万|亿)?"
    rf"(?:(?P<sep>{_RANGE})(?P<b>{_ARABIC}|{_CN})(?P<bm>万|亿)?)?"
    rf"(?P<approx>余|多)?(?P<unit>{_UNIT})?(?P<suffix>以上|以内|以下|左右)?"
)
_BARE_STOP = set("年月日号时期届批次代/:.-~")


@dataclass
class Quantity:
    """One number found in a text, with its unit (``""`` if none) and span."""

    value: float  # in the stated unit: 6000万元 → 6000 (unit 万元); 1.2万件 → 12000 (unit 件)
    high: float | None  # upper end of a range, else None
    unit: str  # 亿元, 万元, 件, %, 个百分点 … ("" for a bare number)
    suffix: str  # 以上 / 以内 / 以下 / 左右 / ""
    start: int
    end: int
    text: str
    mult: str = ""  # 万/亿 written without a unit (18.5亿): the reader makes it 亿元 for money
    approx: str = ""  # 余/多 after the number (1.2万余件, 20多家): the number is a lower bound



def _mult(m: str | None) -> float:
    return _BIG[m] if m else 1.0


def find_quantities(s: str) -> list[Quantity]:
    """Every quantity in ``s``: a number with a unit, a range, or a bare Arabic number.

    A multiplier before a money unit is folded into the unit's factor (``6000万元`` → 6000, ``万元``;
    ``10.28亿元`` → 10.28, ``亿元``); before a count it multiplies the value (``1.2万件`` → 12000, ``件``).
    Chinese numerals count only with a unit, and must hold a digit character (so 万人计划 is no number).
    """
    out: list[Quantity] = []
    for m in _QTY.finditer(s):
        a, b, unit, am, bm = m.group("a"), m.group("b"), m.group("unit") or "", m.group("am"), m.group("bm")
        is_cn = not a[0].isdigit()
        threshold = s.startswith("大关", m.end())  # 突破两万大关, 迈入千亿大关
        # 近百家, 逾千项, 超万件: a bare 百/千/万 after an approximation word is one hundred/thousand/…
        round_cn = is_cn and a in ("百", "千", "万") and unit and m.start() and s[m.start() - 1] in "近逾超过破"
        if is_cn and not threshold and not round_cn:
            if not unit or not re.search(r"[零〇一二两三四五六七八九十]", a):
                continue
        # 亿元 / 万元 read as multiplier + 元: put the multiplier back into the money unit
        if unit == "元" and am and not b:
            unit, am = am + "元", None
        elif unit == "元" and am and b and bm == am:
            unit, am, bm = am + "元", None, None
        if not unit:
            if m.end() == len(s) and not threshold:
                continue  # a bare number that ends the text may be cut (…达到43 from …达到4312件)
            nxt = s[m.end():m.end() + 1]
            prv = s[m.start() - 1:m.start()] if m.start() else ""
            if not threshold and (b or nxt in _BARE_STOP or prv in _BARE_STOP or (is_cn and not am)
                                  or (am and not a[0].isdigit() and a[-1:] not in "十百千")):
                continue
        if unit == "个" and s.startswith(("月", "季度", "工作日", "小时"), m.end()):
            continue  # 前10个月 is a span of time
        if m.group("approx") and m.start() and s[m.start() - 1] in "近约":
            continue  # 近40多亿元: neither bound is stated
        try:
            va = parse_number(a) * _mult(am)
            vb = parse_number(b) * _mult(bm or am) if b else None
        except ValueError:
            continue
        if b and (vb is None or vb < va):
            continue
        out.append(Quantity(va, vb, unit, m.group("suffix") or "", m.start(), m.end(), m.group(0),
                            mult=(am or "") if not unit else "", approx=m.group("approx") or ""))
    return out
