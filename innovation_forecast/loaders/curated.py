"""The project's own curated data (``data/figures.csv``, ``data/targets.csv``): figures and targets read
from the seed work reports and the bulletins, each row citing its source."""

from __future__ import annotations

import datetime as _dt
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import EMBEDDED_DATA_DIR
from ..errors import DataValidationError, UnitError, UnknownIndicatorError, UnknownRegionError
from ..panel import (BASES, COMPARATORS, FIGURE_COLUMNS, MAX_YEARS_AHEAD, MIN_YEAR, STATUSES, TARGET_COLUMNS,
                     _summary, empty_panel, is_missing, parse_number, parse_year, tidy)
from ..registry import convert, resolve_indicator, resolve_region
from ._io import header_frame, read_csv_grid

__all__ = ["embedded_panel", "load_figures", "load_targets"]

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _grid_frame(path: Path, label: str) -> pd.DataFrame:
    """Read a curated CSV as text cells, with ``_file``/``_line`` for messages."""
    grid = read_csv_grid(path)
    if not grid.rows:
        return pd.DataFrame()
    return header_frame(grid, ("region", "year", "indicator", "value"), label)


def _path(path: str | os.PathLike | None, name: str) -> Path:
    return Path(path) if path is not None else EMBEDDED_DATA_DIR / name


def _num(cell, loc: str, what: str, problems: list[str]) -> float:
    try:
        return parse_number(cell)
    except ValueError as exc:
        problems.append(f"{loc}: {what}: {exc}")
        return np.nan


def _canon_region_indicator(df: pd.DataFrame, locs: list[str], problems: list[str]) -> tuple[list, list]:
    regions, indicators = [], []
    for loc, r, ind in zip(locs, df["region"].tolist(), df["indicator"].tolist()):
        try:
            regions.append(resolve_region(r).name)
        except UnknownRegionError as exc:
            problems.append(f"{loc}: unknown region: {str(exc).split('. Known')[0]}")
            regions.append(r)
        try:
            indicators.append(resolve_indicator(ind).name)
        except UnknownIndicatorError as exc:
            problems.append(f"{loc}: unknown indicator: {str(exc).split('. See')[0]}")
            indicators.append(ind)
    return regions, indicators


def _int_col(values, locs, what, problems) -> pd.Series:
    out = []
    for loc, v in zip(locs, values):
        if is_missing(v):
            out.append(pd.NA)
            continue
        x = _num(v, loc, what, problems)
        if np.isnan(x) or not float(x).is_integer():
            if not np.isnan(x):
                problems.append(f"{loc}: {what} {v!r} is not a whole number")
            out.append(pd.NA)
        elif not 0 <= x < 2**31:  # months and character offsets: small non-negative whole numbers
            problems.append(f"{loc}: {what} {v!r} is out of range; expected a whole number from 0")
            out.append(pd.NA)
        else:
            out.append(int(x))
    return pd.Series(out, dtype="Int64")


def load_figures(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """All curated figures: levels, growth rates, increments and percentage-point changes.

    Parameters
    ----------
    path
        A figures CSV (default: the package's ``data/figures.csv``).

    Returns
    -------
    DataFrame
        ``doc, region, year, indicator, status, basis, value, unit, months, quote, start, end`` plus
        ``source`` and ``flag``. Region and indicator names are canonical; ``level`` values are in the
        indicator's canonical unit, other bases keep their own unit (``%`` for growth_pct, ``pp``…).
        ``start``/``end`` (character offsets of the quote in its document) are <NA> when the file
        does not give them.

    Raises
    ------
    DataValidationError
        Every bad row (unknown names, non-numeric values, bad status/basis, units that do not convert).

    Examples
    --------
    >>> figs = load_figures()
    >>> set(figs["basis"]) <= {"level", "growth_pct", "increment", "pp"}
    True
    """
    p = _path(path, "figures.csv")
    df = _grid_frame(p, p.name)
    cols = FIGURE_COLUMNS + ["source", "flag"]
    if df.empty:
        return pd.DataFrame({c: [] for c in cols})
    for c in ("doc", "source", "quote", "flag", "months", "status", "basis", "unit", "start", "end"):
        if c not in df:
            df[c] = ""
    locs = [f"{f}:{ln}" for f, ln in zip(df["_file"], df["_line"])]
    problems: list[str] = []
    regions, indicators = _canon_region_indicator(df, locs, problems)
    years = _year_col(df["year"], locs, problems)
    values = [_num(v, loc, "value", problems) for loc, v in zip(locs, df["value"])]
    months = _int_col(df["months"], locs, "months", problems)
    start, end = _int_col(df["start"], locs, "start", problems), _int_col(df["end"], locs, "end", problems)
    basis = [str(b).strip() or "level" for b in df["basis"]]
    status = [str(s).strip() or "actual" for s in df["status"]]
    units = [str(u).strip() for u in df["unit"]]
    for i, loc in enumerate(locs):
        if np.isnan(values[i]) and not any(p.startswith(loc + ":") for p in problems):
            problems.append(f"{loc}: value is missing")
        if basis[i] not in BASES:
            problems.append(f"{loc}: basis {basis[i]!r} is not one of {', '.join(BASES)}")
        if status[i] not in STATUSES:
            problems.append(f"{loc}: status {status[i]!r} is not one of {', '.join(STATUSES)}")
        elif (status[i] == "ytd") != (months.iloc[i] is not pd.NA and months.iloc[i] != 12):
            problems.append(f"{loc}: status {status[i]} with months={months.iloc[i]}; ytd figures need months 1–11, "
                            "others none")
        if basis[i] == "level" and not np.isnan(values[i]) and indicators[i] in _known_indicators():
            try:
                values[i] = convert(values[i], units[i], indicators[i])
                units[i] = resolve_indicator(indicators[i]).unit
            except UnitError as exc:
                problems.append(f"{loc}: {exc}")
            if values[i] < 0:
                problems.append(f"{loc}: negative level {values[i]:g} for {indicators[i]}")
    if problems:
        problems = sorted(set(problems), key=lambda s: int(s.split(":")[1]))
        raise DataValidationError(_summary(p.name, problems), problems)
    out = pd.DataFrame({
        "doc": df["doc"].astype(str), "region": regions, "year": np.asarray(years, dtype="int64"),
        "indicator": indicators, "status": status, "basis": basis, "value": np.asarray(values, dtype=float),
        "unit": units, "months": months, "quote": df["quote"].astype(str), "start": start, "end": end,
        "source": [s if s else d for s, d in zip(df["source"].astype(str), df["doc"].astype(str))],
        "flag": df["flag"].astype(str),
    })
    return out[cols]


def _year_col(values, locs, problems) -> list[int]:
    out = []
    hi = _dt.date.today().year + MAX_YEARS_AHEAD
    for loc, v in zip(locs, values):
        try:
            y = parse_year(v)
            if not MIN_YEAR <= y <= hi:
                problems.append(f"{loc}: impossible year {y}; expected {MIN_YEAR}–{hi}")
        except ValueError as exc:
            problems.append(f"{loc}: {exc}")
            y = 0
        out.append(y)
    return out


def _known_indicators() -> set[str]:
    from ..registry import INDICATORS

    return set(INDICATORS)


def figures_to_panel(figs: pd.DataFrame, *, name: str = "figures", duplicates: str = "raise") -> pd.DataFrame:
    """The ``basis == "level"`` rows of a figures frame as a tidy panel (source = the document).

    ``duplicates="keep"`` keeps rows where two documents give one key different values (in file
    order), for :func:`~innovation_forecast.load_panel` to resolve and report as conflicts.
    """
    lv = figs[figs["basis"] == "level"]
    if lv.empty:
        return empty_panel()
    raw = pd.DataFrame({"region": lv["region"], "year": lv["year"], "indicator": lv["indicator"],
                        "value": lv["value"], "unit": lv["unit"], "status": lv["status"], "months": lv["months"],
                        "source": lv["source"], "flag": lv["flag"]})
    if "_line" in lv:
        raw["_file"], raw["_line"] = name, lv["_line"].to_numpy()
    return tidy(raw, name=name, duplicates=duplicates)


def embedded_panel(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The curated figures shipped with the package (``data/figures.csv``, level rows) as a tidy panel.

    Where two documents report one key differently, both rows are kept (file order);
    :func:`~innovation_forecast.load_panel` keeps the first and reports the other as a conflict.
    """
    p = _path(path, "figures.csv")
    if not p.exists():
        return empty_panel()
    return figures_to_panel(load_figures(p), name=p.name, duplicates="keep")


def load_targets(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Numeric targets from the seed work reports (``data/targets.csv``).

    Parameters
    ----------
    path
        A targets CSV (default: the package's ``data/targets.csv``).

    Returns
    -------
    DataFrame
        ``doc, region, year, indicator, basis, comparator, value, stretch_low, stretch_high, unit, quote,
        start, end, conflict`` (plus ``source`` and ``note`` when the file has them). ``year`` is the
        target year; ``value`` the firm commitment; ``stretch_*`` the 力争 level or range (NaN if none);
        ``start``/``end`` are <NA> when not known; ``conflict`` is bool. Names are canonical; level targets
        are in the indicator's canonical unit.

    Raises
    ------
    DataValidationError
        Every bad row: unknown names, bad basis/comparator, non-numeric values, units that do not convert,
        a stretch (力争) level short of the firm value (below it for ge/gt, above it for le/lt).

    Warns
    -----
    UserWarning
        When targets of one document give one key different values; those rows get ``conflict=True``.

    Examples
    --------
    >>> t = load_targets()
    >>> set(t["comparator"]) <= {"eq", "ge", "gt", "le", "lt"}
    True
    """
    p = _path(path, "targets.csv")
    df = _grid_frame(p, p.name)
    extra = [c for c in ("source", "note") if c in df.columns]
    if df.empty:
        return pd.DataFrame({c: [] for c in TARGET_COLUMNS})
    for c in ("doc", "quote", "unit", "basis", "comparator", "stretch_low", "stretch_high", "start", "end",
              "conflict"):
        if c not in df:
            df[c] = ""
    locs = [f"{f}:{ln}" for f, ln in zip(df["_file"], df["_line"])]
    problems: list[str] = []
    regions, indicators = _canon_region_indicator(df, locs, problems)
    years = _year_col(df["year"], locs, problems)
    start, end = _int_col(df["start"], locs, "start", problems), _int_col(df["end"], locs, "end", problems)
    vals = {c: [_num(v, loc, c, problems) for loc, v in zip(locs, df[c])]
            for c in ("value", "stretch_low", "stretch_high")}
    basis = [str(b).strip() or "level" for b in df["basis"]]
    comp = [str(c).strip() for c in df["comparator"]]
    units = [str(u).strip() for u in df["unit"]]
    conflict = []
    for i, loc in enumerate(locs):
        if basis[i] not in BASES:
            problems.append(f"{loc}: basis {basis[i]!r} is not one of {', '.join(BASES)}")
        if comp[i] not in COMPARATORS:
            problems.append(f"{loc}: comparator {comp[i]!r} is not one of {', '.join(COMPARATORS)}")
        c = str(df["conflict"].iloc[i]).strip().lower()
        if c not in _TRUE | _FALSE:
            problems.append(f"{loc}: conflict {df['conflict'].iloc[i]!r} is not true/false")
        conflict.append(c in _TRUE)
        if np.isnan(vals["value"][i]) and not any(q.startswith(loc + ":") for q in problems):
            problems.append(f"{loc}: value (the firm commitment) is missing; for a 力争-only target repeat the "
                            "stretch level in value")
        _check_stretch(loc, comp[i], vals["value"][i], vals["stretch_low"][i], vals["stretch_high"][i], problems)
        if basis[i] == "level" and indicators[i] in _known_indicators():
            try:
                f = convert(1.0, units[i], indicators[i])
                for c2 in vals:
                    vals[c2][i] = vals[c2][i] * f
                units[i] = resolve_indicator(indicators[i]).unit
            except UnitError as exc:
                problems.append(f"{loc}: {exc}")
    if problems:
        problems = sorted(set(problems), key=lambda s: int(s.split(":")[1]))
        raise DataValidationError(_summary(p.name, problems), problems)
    out = pd.DataFrame({
        "doc": df["doc"].astype(str), "region": regions, "year": np.asarray(years, dtype="int64"),
        "indicator": indicators, "basis": basis, "comparator": comp, "value": np.asarray(vals["value"], dtype=float),
        "stretch_low": np.asarray(vals["stretch_low"], dtype=float),
        "stretch_high": np.asarray(vals["stretch_high"], dtype=float), "unit": units,
        "quote": df["quote"].astype(str), "start": start, "end": end, "conflict": np.asarray(conflict, dtype=bool),
    })
    for c in extra:
        out[c] = df[c].astype(str).to_numpy()
    _flag_contradictions(out, locs)
    return out[TARGET_COLUMNS + extra]


def _check_stretch(loc: str, comp: str, value: float, low: float, high: float, problems: list[str]) -> None:
    """A 力争 (stretch) level lies beyond the firm commitment in the target's direction."""
    if not (np.isnan(low) or np.isnan(high)) and low > high:
        problems.append(f"{loc}: stretch_low {low:g} is above stretch_high {high:g}; expected a range low–high")
    if np.isnan(value):
        return
    stretch = [x for x in (low, high) if not np.isnan(x)]
    if not stretch:
        return
    if comp in ("ge", "gt") and min(stretch) < value:
        problems.append(f"{loc}: stretch {min(stretch):g} is below the firm value {value:g} of a '{comp}' target; "
                        "a 力争 level must be at least the firm commitment (swap value and stretch_low?)")
    elif comp in ("le", "lt") and max(stretch) > value:
        problems.append(f"{loc}: stretch {max(stretch):g} is above the firm value {value:g} of a '{comp}' target; "
                        "for a ceiling the 力争 level must be at most the firm commitment")


def _flag_contradictions(out: pd.DataFrame, locs: list[str]) -> None:
    """Mark (and warn about) targets of one document that give one key two different values."""
    if out.empty:
        return
    key = ["doc", "region", "indicator", "year", "basis"]
    n = out.groupby(key, dropna=False)["value"].transform("nunique")
    new = (n > 1) & ~out["conflict"]
    if new.any():
        where = ", ".join(locs[i] for i in np.flatnonzero(new.to_numpy()))
        warnings.warn(f"contradictory targets (one document, one region/indicator/year/basis, different values) "
                      f"marked conflict=true: {where}", UserWarning, stacklevel=3)
        out.loc[n > 1, "conflict"] = True
