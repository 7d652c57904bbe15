"""The tidy panel: one long frame for every source, and the checks that keep bad rows out of it.

Every loader turns its file into a *raw long frame* (``region, year, indicator, value`` plus
optional ``unit, status, months, source, flag`` and the ``_file``/``_line`` of each row) and hands
it to :func:`tidy`, which resolves names through the registry, converts units, parses numbers and
collects **every** bad row into one :class:`~innovation_forecast.errors.DataValidationError`.

>>> import pandas as pd
>>> raw = pd.DataFrame({"region": ["江西"], "year": ["2020年"], "indicator": ["研发投入"],
...                     "value": ["4,307,188"], "unit": ["万元"]})
>>> row = tidy(raw, source="example.csv").iloc[0]
>>> print(row["region"], row["year"], row["indicator"], row["value"], row["unit"])
江西省 2020 rd_expenditure 430.7188 亿元
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import DataValidationError, UnitError, UnknownIndicatorError, UnknownRegionError
from .registry import REGIONS, convert, resolve_indicator, resolve_region

__all__ = [
    "FIGURE_COLUMNS", "KEY_COLUMNS", "PANEL_COLUMNS", "STATUSES", "TARGET_COLUMNS", "ConflictFrame",
    "annual_values", "empty_panel", "parse_number", "parse_year", "tidy", "validate_panel",
]

#: Columns of the tidy panel, in order.
PANEL_COLUMNS = ["region_code", "region", "level", "year", "indicator", "value", "unit", "status", "months",
                 "source", "flag"]
#: Columns of the report-figures frame (``load_figures``).
FIGURE_COLUMNS = ["doc", "region", "year", "indicator", "status", "basis", "value", "unit", "months", "quote",
                  "start", "end"]
#: Columns of the targets frame (``load_targets``).
TARGET_COLUMNS = ["doc", "region", "year", "indicator", "basis", "comparator", "value", "stretch_low",
                  "stretch_high", "unit", "quote", "start", "end", "conflict"]
#: A panel row is identified by these columns; two sources giving one key are a conflict.
KEY_COLUMNS = ["region", "year", "indicator", "status"]
STATUSES = ("actual", "estimate", "ytd")
BASES = ("level", "growth_pct", "increment", "pp")
COMPARATORS = ("eq", "ge", "gt", "le", "lt")

#: Earliest plausible data year (the People's Republic's statistics start in 1949).
MIN_YEAR = 1949
#: Years more than this far in the future are typos, not plans.
MAX_YEARS_AHEAD = 10

_STATUS_ALIASES = {
    "actual": "actual", "实际": "actual", "final": "actual", "": "actual",
    "estimate": "estimate", "estimated": "estimate", "expected": "estimate", "预计": "estimate", "估计": "estimate",
    "ytd": "ytd", "year-to-date": "ytd", "累计": "ytd", "截至": "ytd",
}


# --------------------------------------------------------------------------- cells

#: Cells meaning "no figure" in yearbook tables and exports; they become missing (dropped), never zero.
MISSING_MARKERS = frozenset({"", "—", "——", "-", "--", "–", "...", "......", "…", "……", "nan", "na", "n/a",
                             "null", "none"})

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
#: What Excel writes to CSV for a number too wide for its General-format column: "1.23E+11".
_EXCEL_SCI = re.compile(r"[+-]?\d(?:\.\d+)?E[+-]\d{2,3}")
_YEAR = re.compile(r"(\d{4})(?:\.0+)?\s*年?(?:度)?")


class NotANumber(ValueError):
    """A cell that is neither a number nor a missing marker."""


def norm(cell: object) -> str:
    """NFKC-normalise a cell (full-width digits and punctuation → ASCII) and strip it."""
    return unicodedata.normalize("NFKC", str(cell)).strip()


def is_missing(cell: object) -> bool:
    """True for None, NaN, pd.NA and the missing markers (``""``, ``—``, ``…``, ``-``)."""
    if cell is None or cell is pd.NA or cell is pd.NaT:
        return True
    if isinstance(cell, float):
        return math.isnan(cell)
    if isinstance(cell, str):
        s = cell.strip()
        if not s:
            return True
        if s[0].isdigit() and s[-1].isdigit():
            return False  # fast path: a number stored as text
        return norm(s).lower() in MISSING_MARKERS
    return False


def parse_number(cell: object) -> float:
    """Parse one cell as a float; missing markers give NaN.

    Accepts numbers, numbers stored as text, thousands separators (``"1,234.5"``) and
    full-width digits (``"１２３"``). Anything else raises :class:`NotANumber` — never a guess.
    """
    if isinstance(cell, bool):
        raise NotANumber(f"non-numeric value {cell!r}")
    if isinstance(cell, (int, float)):
        x = float(cell)
    elif is_missing(cell):
        return math.nan
    else:
        if any(ch.isdigit() and not ch.isdecimal() for ch in str(cell)):
            # ① ² ⑴ are footnote markers, but NFKC would turn "1234①" into the number 12341
            raise NotANumber(f"non-numeric value {cell!r} (a footnote marker such as ① or ² next to the number?); "
                             "expected a number such as 1234, 1,234 or 12.5")
        s = norm(cell)
        if _THOUSANDS.fullmatch(s):
            s = s.replace(",", "")
        if not _NUMBER.fullmatch(s):
            raise NotANumber(f"non-numeric value {cell!r}; expected a number such as 1234, 1,234 or 12.5")
        x = float(s)
    if math.isinf(x):
        raise NotANumber(f"non-numeric value {cell!r} (infinite); expected a finite number")
    return x


def parse_year(cell: object) -> int:
    """Parse a year cell: ``2017``, ``2017.0``, ``"2017"``, ``"2017年"``. Raises ValueError otherwise."""
    if isinstance(cell, bool):
        raise ValueError(f"year {cell!r} is not a year")
    if isinstance(cell, (int, float)):
        if isinstance(cell, float) and (math.isnan(cell) or not cell.is_integer()):
            raise ValueError(f"year {cell!r} is not a whole year")
        return int(cell)
    if cell is None:
        raise ValueError("year is missing")
    m = _YEAR.fullmatch(norm(cell))
    if not m:
        raise ValueError(f"year {cell!r} is not a year; expected e.g. 2017 or 2017年")
    return int(m.group(1))


def looks_like_year(cell: object) -> bool:
    try:
        y = parse_year(cell)
    except ValueError:
        return False
    return 1900 <= y <= 2200



# --------------------------------------------------------------------------- panel

class ConflictFrame(pd.DataFrame):
    """The conflicts table kept in ``panel.attrs["conflicts"]`` (read-only: frames derived from the panel share it).

    A plain DataFrame inside ``attrs`` breaks ``pd.concat`` of two panel slices (pandas compares the
    attrs dicts with ``==``); this subclass compares whole tables, so slices concatenate normally.
    """

    @property
    def _constructor(self):
        return ConflictFrame

    def __eq__(self, other):  # noqa: D105 - see class docstring
        if isinstance(other, ConflictFrame):
            return pd.DataFrame(self).equals(pd.DataFrame(other))
        return super().__eq__(other)

    def __ne__(self, other):
        if isinstance(other, ConflictFrame):
            return not self.__eq__(other)
        return super().__ne__(other)

    __hash__ = None

    def __deepcopy__(self, memo):
        # pandas deep-copies ``attrs`` on nearly every operation on the panel; the conflicts table is a
        # read-only record of the load, so every derived frame shares it instead of copying it each time.
        return self


def empty_panel() -> pd.DataFrame:
    """A panel with no rows and the right columns and dtypes."""
    return _typed(pd.DataFrame({c: [] for c in PANEL_COLUMNS}))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df[PANEL_COLUMNS].copy()
    for c in ("region_code", "region", "level", "indicator", "unit", "status", "source", "flag"):
        out[c] = out[c].astype(str)
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out["months"] = out["months"].astype("Int64")
    return out.reset_index(drop=True)


def _short(exc: Exception) -> str:
    """The registry's message without its trailing 'see …' advice (one line per bad row)."""
    msg = str(exc)
    return re.split(r"\. (?:Known regions|See innovation_forecast)", msg)[0]


def _locations(raw: pd.DataFrame, name: str) -> list[str]:
    files = raw["_file"].tolist() if "_file" in raw else [name] * len(raw)
    if "_line" in raw:
        return [f"{f or name}:{ln}" for f, ln in zip(files, raw["_line"].tolist())]
    return [f"{f or name}:row {i + 1}" for i, f in enumerate(files)]


def _column(raw: pd.DataFrame, col: str, default=None) -> list:
    return raw[col].tolist() if col in raw else [default] * len(raw)


def _factor(unit: object, indicator: str) -> float:
    """Multiplier from ``unit`` to the indicator's canonical unit (missing unit = canonical)."""
    if is_missing(unit):
        return 1.0
    return convert(1.0, unit, indicator)


def _apply_factor(value: float, factor: float) -> float:
    # 4307188 万元 * 1e-4 is 430.71880000000004; dividing by the exact 10**k gives 430.7188.
    if factor < 1.0:
        inv = 1.0 / factor
        if abs(inv - round(inv)) < 1e-9 * inv:
            return value / round(inv)
    return value * factor


def tidy(raw: pd.DataFrame, *, source: str | None = None, name: str | None = None,
         problems: Iterable[str] = (), duplicates: str = "raise") -> pd.DataFrame:
    """Turn a raw long frame into the canonical tidy panel, or report every bad row.

    Parameters
    ----------
    raw
        Columns ``region, year, indicator, value`` and optionally ``unit, status, months, source, flag``;
        loaders add ``_file`` and ``_line`` so problems name the file and line. Names may be any registry
        alias (``江西``, ``Jiangxi``, ``研发投入``); values may be text (``"1,234"``, full-width digits).
        A missing unit means the indicator's canonical unit. Missing values (``""``, ``—``, ``…``) are dropped.
    source
        Value for the ``source`` column where a row has none (default: the file name / ``name``).
    name
        Name used in messages when rows carry no ``_file`` (default ``source`` or ``"<frame>"``).
    problems
        Problems a reader already found (malformed rows, as ``file:line: …``); reported together
        with the ones found here, in line order.
    duplicates
        ``"raise"`` (default): one key with two different values is a problem. ``"keep"``: keep such
        rows (in input order) for the caller to resolve — :func:`~innovation_forecast.load_panel` does
        this for the curated figures, where two documents may report one figure differently.

    Returns
    -------
    DataFrame
        ``region_code, region, level, year, indicator, value, unit, status, months, source, flag``;
        exact duplicate rows are kept once. Sorted by region_code, indicator, status, year.
        ``attrs["no_value"]``: the location (``file:line``) of every row dropped for having no value.

    Raises
    ------
    DataValidationError
        Listing every problem as ``file:line: what is wrong``: unknown regions or indicators (with the
        registry's closest names), non-numeric values, impossible years (before 1949 or more than
        10 years ahead), units that do not convert, negative values, percentage shares above 100,
        numbers in Excel's scientific display format (``1.23E+11``, digits lost),
        bad status/months, and duplicate
        keys with conflicting values.

    Examples
    --------
    >>> raw = pd.DataFrame({"region": ["南昌"], "year": [2021], "indicator": ["高新技术企业"],
    ...                     "value": [1950], "status": ["预计"]})
    >>> row = tidy(raw, source="nanchang").iloc[0]
    >>> print(row["region"], row["indicator"], row["status"], row["value"])
    南昌市 hte_total estimate 1950.0
    """
    name = name or source or "<frame>"
    missing = [c for c in ("region", "year", "indicator", "value") if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"{name}: missing column(s) {', '.join(missing)}; a tidy file needs region, year, indicator, value "
            "(Chinese headers 地区/年份/指标/数值 also work).",
            [f"{name}:1: missing column {c!r}" for c in missing],
        )
    prior = list(problems)
    n = len(raw)
    if n == 0 and not prior:
        return empty_panel()
    locs = _locations(raw, name)
    problems: list[tuple[int, str]] = []

    def bad(i: int, msg: str) -> None:
        problems.append((i, f"{locs[i]}: {msg}"))

    # values first: a blank cell is "no figure", and the row is dropped before any other check.
    values = np.full(n, np.nan)
    keep = np.ones(n, dtype=bool)
    no_value: list[str] = []  # file:line of each row dropped for a blank/missing-marker value
    cache: dict[object, float | str] = {}
    for i, v in enumerate(raw["value"].tolist()):
        try:
            key = v if isinstance(v, str) else None
            if key is not None and key in cache:
                got = cache[key]
            else:
                try:
                    got = parse_number(v)
                    if key is not None and _EXCEL_SCI.fullmatch(key.strip()):
                        got = (f"value {v!r} looks like Excel's scientific display format (digits are lost when a "
                               "narrow General column is saved as CSV); format the column as Number and save again")
                except NotANumber as exc:
                    got = str(exc)
                if key is not None:
                    cache[key] = got
        except TypeError:
            got = f"non-numeric value {v!r}"
        if isinstance(got, str):
            bad(i, got)
            keep[i] = False
        elif math.isnan(got):
            keep[i] = False  # missing marker: dropped, not zero
            no_value.append(locs[i])
        else:
            values[i] = got

    # rows with a parse problem in value still get their other fields checked (all problems at once)
    check = np.flatnonzero(keep | np.isin(np.arange(n), [p[0] for p in problems]))

    regions = _column(raw, "region")
    indicators = _column(raw, "indicator")
    years_raw = _column(raw, "year")
    units = _column(raw, "unit")
    statuses = _column(raw, "status")
    months_raw = _column(raw, "months")
    sources = _column(raw, "source")
    flags = _column(raw, "flag")

    reg_cache: dict[object, tuple | str] = {}
    ind_cache: dict[object, str | tuple] = {}
    fac_cache: dict[tuple, float | str] = {}
    this_year = _dt.date.today().year
    out_rows: list[tuple] = []
    for i in check:
        ok = bool(keep[i])
        r = regions[i]
        rk = r if isinstance(r, (str, int)) else repr(r)  # NaN and unhashable cells (lists) key by repr
        if rk not in reg_cache:
            try:
                if is_missing(r):
                    raise UnknownRegionError("region is missing; expected a region name such as 江西省 or 南昌市")
                reg = resolve_region(r)
                reg_cache[rk] = (reg.code, reg.name, reg.level)
            except UnknownRegionError as exc:
                reg_cache[rk] = "unknown region: " + _short(exc)
        reg = reg_cache[rk]
        if isinstance(reg, str):
            bad(i, reg)
            ok = False
        a = indicators[i]
        ak = a if isinstance(a, (str, int)) else repr(a)
        if ak not in ind_cache:
            try:
                if is_missing(a):
                    raise UnknownIndicatorError("indicator is missing; expected e.g. patent_applications")
                ind_cache[ak] = resolve_indicator(a).name
            except UnknownIndicatorError as exc:
                ind_cache[ak] = ("unknown indicator: " + _short(exc),)
        ind = ind_cache[ak]
        if isinstance(ind, tuple):
            bad(i, ind[0])
            ok = False
            ind = None
        try:
            year = parse_year(years_raw[i])
            if year < MIN_YEAR or year > this_year + MAX_YEARS_AHEAD:
                bad(i, f"impossible year {year}; expected {MIN_YEAR}–{this_year + MAX_YEARS_AHEAD}")
                ok = False
        except ValueError as exc:
            bad(i, str(exc))
            ok = False
            year = None
        factor = 1.0
        u = units[i]
        if ind is not None:
            fk = (None if is_missing(u) else str(u), ind)
            if fk not in fac_cache:
                try:
                    fac_cache[fk] = _factor(u, ind)
                except UnitError as exc:
                    fac_cache[fk] = f"unit {u!r} does not convert for {ind}: {exc}"
            factor = fac_cache[fk]
            if isinstance(factor, str):
                bad(i, factor)
                ok = False
        s = statuses[i]
        st = _STATUS_ALIASES.get("" if is_missing(s) else str(s).strip().lower())
        if st is None:
            bad(i, f"status {s!r} is not one of {', '.join(STATUSES)}")
            ok = False
        m = months_raw[i]
        months = pd.NA
        if not is_missing(m):
            try:
                mv = parse_number(m)
                if not float(mv).is_integer() or not 1 <= mv <= 12:
                    raise NotANumber(f"months {m!r} is not a whole number of months 1–12")
                months = int(mv)
            except NotANumber as exc:
                bad(i, str(exc))
                ok = False
        if st == "ytd" and months is pd.NA:
            bad(i, "status ytd needs months (the number of months covered, 1–12)")
            ok = False
        elif st in ("actual", "estimate") and months is not pd.NA:
            if months == 12:
                months = pd.NA
            else:
                bad(i, f"months={months} given for status {st}; use status ytd for part-year figures")
                ok = False
        if not ok:
            continue
        value = _apply_factor(values[i], factor)
        if value < 0:
            bad(i, f"negative value {values[i]:g} for {ind}; counts, amounts and ratios here cannot be negative")
            continue
        if value > 100 and _canon_unit(ind) == "%":
            # a share of GDP above 100% is a typo or a value in the wrong unit (‰, 万分之), never data
            bad(i, f"impossible value {values[i]:g} for {ind}: a percentage share cannot exceed 100")
            continue
        src = sources[i]
        src = str(src).strip() if not is_missing(src) else (source or name)
        fl = flags[i]
        fl = "" if is_missing(fl) else str(fl).strip()
        code, rname, level = reg
        out_rows.append((code, rname, level, year, ind, value, _canon_unit(ind), st, months, src, fl, i))

    out = pd.DataFrame(out_rows, columns=PANEL_COLUMNS + ["_pos"])
    if duplicates not in ("raise", "keep"):
        raise ValueError(f"duplicates={duplicates!r}; expected 'raise' or 'keep'")
    if len(out) and duplicates == "raise":
        problems.extend(_duplicate_problems(out, locs))
    if problems or prior:
        problems.sort(key=lambda p: p[0])
        msgs = sorted(prior + [p[1] for p in problems], key=_line_order)
        raise DataValidationError(_summary(name, msgs), msgs)
    if out.empty:
        out = empty_panel()
    else:
        key = ["region_code", "year", "indicator", "status", "months"]
        out = out.drop_duplicates(subset=key if duplicates == "raise" else key + ["value"], keep="first")
        out = out.sort_values(["region_code", "indicator", "status", "year"], kind="stable")
        out = _typed(out)
    out.attrs["no_value"] = no_value
    return out


def _line_order(msg: str) -> tuple[str, float]:
    m = re.match(r"(.*?):(?:row )?(\d+)", msg)
    return (m.group(1), int(m.group(2))) if m else ("", math.inf)


@lru_cache(maxsize=None)
def _canon_unit(indicator: str) -> str:
    return resolve_indicator(indicator).unit


def _duplicate_problems(out: pd.DataFrame, locs: list[str]) -> list[tuple[int, str]]:
    """Rows sharing a key (region, year, indicator, status, months) with different values."""
    key = ["region_code", "year", "indicator", "status", "months"]
    k = pd.Series(["|".join(map(str, t)) for t in zip(*(out[c].tolist() for c in key))], index=out.index)
    dup = k.duplicated(keep=False)
    found: list[tuple[int, str]] = []
    if not dup.any():
        return found
    sub = out[dup].assign(_k=k[dup])
    for _, g in sub.groupby("_k", sort=False):
        vals = g["value"].to_numpy()
        if np.allclose(vals, vals[0], rtol=1e-9, atol=0):
            continue
        first = g.iloc[0]
        for _, row in g.iloc[1:].iterrows():
            if math.isclose(row["value"], first["value"], rel_tol=1e-9):
                continue
            found.append((int(row["_pos"]),
                          f"{locs[int(row['_pos'])]}: duplicate key ({row['region']}, {row['year']}, "
                          f"{row['indicator']}, {row['status']}) with conflicting values {row['value']:g} here and "
                          f"{first['value']:g} at {locs[int(first['_pos'])]}"))
    return found


def _summary(name: str, problems: list[str], show: int = 200) -> str:
    head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {name}:\n  "
    body = "\n  ".join(problems[:show])
    more = f"\n  … and {len(problems) - show} more (see .problems)" if len(problems) > show else ""
    return head + body + more


def validate_panel(panel: pd.DataFrame, *, name: str = "panel") -> pd.DataFrame:
    """Check a frame that claims to be a tidy panel; return it re-typed, or raise with every problem.

    Parameters
    ----------
    panel
        A frame with at least ``region, year, indicator, value`` (the :data:`PANEL_COLUMNS` when it
        comes from a loader). Region codes, when present, must agree with the region names.
    name
        Used in messages instead of a file name.

    Returns
    -------
    DataFrame
        The panel in :data:`PANEL_COLUMNS`, canonical names and units.

    Raises
    ------
    DataValidationError
        Same checks as :func:`tidy`, plus region codes that disagree with region names.

    Examples
    --------
    >>> validate_panel(pd.DataFrame({"region": ["江西省"], "year": [2020], "indicator": ["gdp"],
    ...                              "value": [25691.5]}))["unit"].tolist()
    ['亿元']
    """
    problems: list[str] = []
    if "region_code" in panel.columns and "region" in panel.columns:
        for i, (code, reg) in enumerate(zip(panel["region_code"].tolist(), panel["region"].tolist())):
            r = REGIONS.get(str(code))
            if r is None:
                problems.append(f"{name}:row {i + 1}: unknown region_code {code!r}")
            else:
                try:
                    if resolve_region(reg).code != r.code:
                        problems.append(f"{name}:row {i + 1}: region_code {code} is {r.name}, not {reg}")
                except UnknownRegionError:
                    pass  # reported by tidy below
    raw = panel.drop(columns=[c for c in ("region_code", "level") if c in panel.columns])
    try:
        out = tidy(raw, name=name)
    except DataValidationError as exc:
        problems.extend(exc.problems)
        out = None
    if problems:
        raise DataValidationError(_summary(name, problems), problems)
    return out


def as_list(x: str | Iterable[str] | None) -> list[str] | None:
    if x is None:
        return None
    return [x] if isinstance(x, str) else list(x)


#: Which row wins when one key-year has several: a full-year actual over an estimate over a year-to-date figure.
STATUS_RANK = {"actual": 0, "estimate": 1, "ytd": 2}


def _full_year(value: float, months: int, indicator: str, label: str) -> tuple[float, str]:
    """Full-year estimate of a year-to-date figure by the reader's seasonal nowcast (pro rata where it has none)."""
    if months >= 12:
        return float(value), f"{label}: 12-month year-to-date value used as the full year"
    from .reader import nowcast_full_year

    try:
        est = float(nowcast_full_year(value, months, indicator=indicator).value)
        return est, (f"{label}: {months}-month year-to-date {value:g} turned into a full-year estimate "
                     f"{est:,.6g} by reader.nowcast_full_year")
    except DataValidationError as exc:  # no seasonal profile for this indicator: say so and go pro rata
        est = float(value) * 12.0 / float(months)
        return est, f"{label}: {months}-month year-to-date {value:g} scaled pro rata to {est:,.6g} ({exc})"


def annual_values(panel: pd.DataFrame, *, as_of: int | None = None, nowcast: bool = True,
                  keys: Iterable[str] = ("region", "indicator")) -> pd.DataFrame:
    """One value per series and year, ready for forecasting: the panel's many rows per key-year resolved.

    A tidy panel may hold, for one region, indicator and year, an actual, an estimate (预计全年) and a
    year-to-date figure (截至9月), from several sources. Forecasting needs one full-year value per year:

    * rows after ``as_of`` are dropped (a review "as it could have been done" in that year);
    * a year-to-date figure counts only where no full-year figure of that year exists, and then as the
      full-year estimate of :func:`innovation_forecast.reader.nowcast_full_year` (``nowcast=False`` drops it);
    * otherwise an actual beats an estimate, and the first row in panel order breaks ties.

    Parameters
    ----------
    panel
        A tidy frame with ``keys``, ``year`` and ``value``; ``status`` and ``months`` are used when present.

    Returns
    -------
    DataFrame
        ``keys…, year, value, status, note`` sorted by keys and year; ``note`` says how a year-to-date
        figure became a full year ("" otherwise).

    Examples
    --------
    >>> p = pd.DataFrame({"region": ["上饶市"] * 3, "indicator": ["patent_applications"] * 3,
    ...                   "year": [2017] * 3, "value": [4153, 5000, 4900.0],
    ...                   "status": ["ytd", "estimate", "estimate"], "months": [11, None, None]})
    >>> annual_values(p)[["year", "value", "status"]].to_dict("records")
    [{'year': 2017, 'value': 5000.0, 'status': 'estimate'}]
    """
    keys = list(keys)
    cols = keys + ["year", "value"]
    missing = [c for c in cols if c not in panel.columns]
    if missing:
        raise DataValidationError(
            f"panel lacks column(s) {missing}; expected a tidy panel with {', '.join(cols)} "
            "(see innovation_forecast.load_panel).")
    df = panel.copy()
    df["status"] = df["status"].fillna("actual").astype(str) if "status" in df.columns else "actual"
    if "months" not in df.columns:
        df["months"] = pd.NA
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df = df[df["value"].notna()]
    df["year"] = df["year"].astype(int)
    if as_of is not None:
        df = df[df["year"] <= int(as_of)]
    df["note"] = pd.Series("", index=df.index, dtype=object)
    notes: list[str] = []
    ytd = df["status"] == "ytd"
    if ytd.any():
        full = set(map(tuple, df.loc[~ytd, keys + ["year"]].to_numpy().tolist()))
        for i in df.index[ytd]:
            row = df.loc[i]
            label = " ".join(str(row[k]) for k in keys) + f" {row['year']}"
            m = row["months"]
            if tuple(row[keys + ["year"]].tolist()) in full or not nowcast:
                df.loc[i, "value"] = np.nan  # a full-year figure of that year exists, or nowcasts are off
            elif pd.isna(m) or not 0 < int(m) <= 12:
                df.loc[i, "value"] = np.nan
                notes.append(f"{label}: year-to-date value without the months it covers, left out")
            else:
                est, note = _full_year(float(row["value"]), int(m), str(row.get("indicator", "")), label)
                df.loc[i, ["value", "note"]] = [est, note]
                notes.append(note)
        df = df[df["value"].notna()]
    df["_rank"] = df["status"].map(STATUS_RANK).fillna(len(STATUS_RANK))
    df["_order"] = np.arange(len(df))
    df = df.sort_values(keys + ["year", "_rank", "_order"]).drop_duplicates(keys + ["year"], keep="first")
    out = df[keys + ["year", "value", "status", "note"]].reset_index(drop=True)
    out.attrs = {"notes": notes}  # every year-to-date figure converted or left out, in words
    return out
