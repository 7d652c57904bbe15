"""Canonical regions and indicators: one name each, whatever alias or unit a source uses.

>>> resolve_region("江西").code
'360000'
>>> resolve_indicator("研发投入强度").name
'rd_intensity'
>>> convert(6000, "万元", "rd_expenditure")
0.6
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import UnitError, UnknownIndicatorError, UnknownRegionError
from .indicators import INDICATORS, UNIT_FACTORS, Indicator

__all__ = [
    "INDICATORS", "REGIONS", "UNITS_EN", "Indicator", "Region", "canonical_unit", "convert", "format_value_en",
    "normalize_text", "regions_frame", "indicators_frame", "resolve_indicator", "resolve_region",
]

_HERE = Path(__file__).resolve().parent

#: English names of the canonical units, for labels ("专利申请量（件）" reads "patent applications").
UNITS_EN = {"件": "", "家": "firms", "项": "contracts", "亿元": "100 million yuan", "万元": "10,000 yuan",
            "件/万人": "per 10,000 people", "%": "%", "万人": "10,000 people"}


def format_value_en(x: float, unit: str, count: bool = False) -> str:
    """A value with its unit in an English sentence: amounts in yuan (3.12 亿元 → ``CNY 312 million``),
    counts whole (``40 firms``), others as they are (``2.2%``)."""
    import math

    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    yuan = {"亿元": 1e8, "万元": 1e4}.get(unit)
    if yuan is not None:
        v = x * yuan
        return f"CNY {v / 1e9:,.3g} billion" if abs(v) >= 1e9 else f"CNY {v / 1e6:,.3g} million"
    num = f"{x:,.0f}" if count else (f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}")
    u = UNITS_EN.get(unit, unit)
    return f"{num}%" if u == "%" else f"{num} {u}".strip()


@dataclass(frozen=True)
class Region:
    code: str  # GB/T 2260 administrative code
    name: str  # full Chinese name with suffix, the canonical name
    short: str  # without suffix
    english: str
    level: str  # country | province | prefecture | county
    parent: str | None  # parent's code
    aliases: tuple[str, ...] = field(default=())

    @property
    def parent_region(self) -> "Region | None":
        return REGIONS.get(self.parent) if self.parent else None


def _load_regions() -> dict[str, Region]:
    out: dict[str, Region] = {}
    with open(_HERE / "regions.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            aliases = tuple(a for a in (row["aliases"] or "").split("|") if a)
            out[row["code"]] = Region(row["code"], row["name"], row["short"], row["english"], row["level"],
                                      row["parent"] or None, aliases)
    return out


#: Every registered region, keyed by administrative code.
REGIONS: dict[str, Region] = _load_regions()


def normalize_text(s: str) -> str:
    """NFKC (full-width → half-width), strip spaces, lower-case Latin letters."""
    s = unicodedata.normalize("NFKC", str(s))
    return re.sub(r"\s+", "", s).lower()


@lru_cache(maxsize=1)
def _region_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for code, r in REGIONS.items():
        keys = {code, r.name, r.short, r.english, *r.aliases}
        if r.level == "province":
            keys.add(r.english + " province")
            keys.add(r.short + "省")
        for k in keys:
            idx.setdefault(normalize_text(k), code)
    return idx


def resolve_region(name: str | int) -> Region:
    """Return the registered :class:`Region` for a name, alias, English name or code.

    Raises
    ------
    UnknownRegionError
        With the closest known names, e.g. ``'江西x' is not a known region; closest: 江西省, 江苏省``.
    """
    if isinstance(name, float) and math.isnan(name):
        raise UnknownRegionError("Region is missing (NaN); expected a region name or code such as '江西省' or '360000'.")
    key = normalize_text(name)
    idx = _region_index()
    if key in idx:
        return REGIONS[idx[key]]
    raise UnknownRegionError(
        f"{name!r} is not a known region; closest: {', '.join(_closest(key, idx)) or 'none'}. "
        "Known regions: the 31 provinces, 全国, Jiangxi's 11 cities, 永修县, 湘东区 "
        "(see innovation_forecast.registry.regions_frame())."
    )


def _closest(key: str, idx: dict[str, str], n: int = 5) -> list[str]:
    hits = difflib.get_close_matches(key, list(idx), n=n * 3, cutoff=0.3)
    names: list[str] = []
    for h in hits:
        nm = REGIONS[idx[h]].name if idx is _region_index() else INDICATORS[idx[h]].name
        if nm not in names:
            names.append(nm)
    return names[:n]


@lru_cache(maxsize=1)
def _indicator_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for name, ind in INDICATORS.items():
        for k in (name, ind.zh, ind.en, *ind.aliases):
            idx.setdefault(normalize_text(k), name)
    return idx


def resolve_indicator(alias: str) -> Indicator:
    """Return the canonical :class:`Indicator` for a name or alias (Chinese or English)."""
    key = normalize_text(alias)
    idx = _indicator_index()
    if key in idx:
        return INDICATORS[idx[key]]
    raise UnknownIndicatorError(
        f"{alias!r} is not a known indicator; closest: {', '.join(_closest(key, idx)) or 'none'}. "
        "See innovation_forecast.registry.indicators_frame() for every name and alias."
    )


def canonical_unit(indicator: str) -> str:
    return resolve_indicator(indicator).unit


def _unit_key(unit: str | None) -> str:
    if unit is None or (isinstance(unit, float) and math.isnan(unit)):
        return ""
    return unicodedata.normalize("NFKC", str(unit)).strip().replace("％", "%")


def convert(value: float, from_unit: str | None, indicator: str) -> float:
    """Convert ``value`` given in ``from_unit`` to the indicator's canonical unit.

    Raises :class:`UnitError` naming both units when they do not convert (e.g. 万元 for a patent count).
    """
    ind = resolve_indicator(indicator)
    u = _unit_key(from_unit)
    factors = UNIT_FACTORS.get(ind.unit, {ind.unit: 1.0})
    if u == ind.unit:
        return float(value)
    if u in factors:
        return float(value) * factors[u]
    raise UnitError(
        f"Unit {from_unit!r} does not convert to {ind.name}'s unit {ind.unit!r}; "
        f"expected one of {', '.join(repr(k) for k in factors if k)}."
    )


def regions_frame():
    """All registered regions as a frame (code, name, short, english, level, parent)."""
    import pandas as pd

    return pd.DataFrame([{"code": r.code, "name": r.name, "short": r.short, "english": r.english,
                          "level": r.level, "parent": r.parent} for r in REGIONS.values()])


def indicators_frame():
    """All canonical indicators with unit, kind, stock/flow and aliases."""
    import pandas as pd

    return pd.DataFrame([{"name": i.name, "unit": i.unit, "kind": i.kind, "stock_or_flow": i.stock_or_flow,
                          "zh": i.zh, "en": i.en, "aliases": "|".join(i.aliases)} for i in INDICATORS.values()])
