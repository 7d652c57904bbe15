"""Tidy (long) files: one row per region, year and indicator — CSV/TSV, Parquet or Excel."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import DataValidationError
from ..panel import tidy
from ..registry import normalize_text
from ._io import Grid, check_size, overlong_rows, read_grid, unit_hint

__all__ = ["COLUMN_ALIASES", "read_tidy", "read_gdp_long", "read_population_long"]

#: Header aliases (Chinese and English) for each raw column, in order of preference.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "region": ("region", "地区", "省份", "省份名称", "地区名称", "地市", "城市", "行政区", "行政区划", "province",
               "city", "area"),
    "year": ("year", "年份", "年度", "年"),
    "indicator": ("indicator", "指标", "指标名称", "variable"),
    "value": ("value", "数值", "值", "数据", "数额"),
    "unit": ("unit", "单位", "计量单位", "units"),
    "status": ("status", "状态", "数据状态"),
    "months": ("months", "月数", "覆盖月数"),
    "source": ("source", "来源", "数据来源", "出处"),
    "flag": ("flag", "标记", "标注"),
}
_REQUIRED = ("region", "year", "indicator", "value")


def _map_columns(header: list[object]) -> dict[str, int]:
    """Canonical column → position, taking the most preferred alias when several are present."""
    norm = [normalize_text(h) if h is not None else "" for h in header]
    found: dict[str, int] = {}
    for canon, aliases in COLUMN_ALIASES.items():
        for a in aliases:
            key = normalize_text(a)
            if key in norm:
                found[canon] = norm.index(key)
                break
    return found


def _header_row(grid: Grid) -> int:
    for i, row in enumerate(grid.rows[:30]):
        if sum(c in _map_columns(row) for c in _REQUIRED) >= 3:
            return i
    return 0


def _grid_to_raw(grid: Grid, label: str) -> pd.DataFrame:
    if not grid.rows:
        raise DataValidationError(
            f"{label}: the file has no rows (only blank or # comment lines); expected a header row "
            "region, year, indicator, value and data rows.", [f"{label}:1: no rows"])
    h = _header_row(grid)
    header = grid.rows[h] if grid.rows else []
    cols = _map_columns(header)
    missing = [c for c in _REQUIRED if c not in cols]
    if missing:
        line = grid.lines[h] if grid.lines else 1
        cells = [str(c) for c in header if c is not None and str(c).strip()]
        hint = ""
        if len(cells) == 1 and any(d in cells[0] for d in "|/ :："):
            hint = " The header is one cell: the delimiter is not ',', ';' or a tab — save the file as CSV."
        raise DataValidationError(
            f"{label}:{line}: no column for {', '.join(missing)} in header {list(header)!r}; a tidy file needs "
            f"region, year, indicator, value (or 地区/省份, 年份, 指标, 数值).{hint}{grid.sheet_hint()}",
            [f"{label}:{line}: missing column {c!r}" for c in missing],
        )
    data = {c: [r[i] if i < len(r) else None for r in grid.rows[h + 1:]] for c, i in cols.items()}
    raw = pd.DataFrame(data, dtype=object)
    if "unit" not in cols:
        # "# 单位：万元" above a file without a unit column: the cells are in that unit, not the canonical one
        u = unit_hint(grid.notes + [" ".join(str(c) for c in r if c is not None) for r in grid.rows[:h]])
        if u is not None:
            raw["unit"] = u
    raw["_file"] = label
    raw["_line"] = grid.lines[h + 1:]
    raw.attrs["problems"] = overlong_rows(grid, h)
    return raw


def read_tidy(path: str | os.PathLike, *, source: str | None = None,
              max_bytes: int | str | None = None, sheet: int | str = 0) -> pd.DataFrame:
    """Read a tidy (long) file into the panel.

    Parameters
    ----------
    path
        ``.csv``/``.tsv``/``.txt`` (UTF-8, UTF-8 with BOM or GB18030/GBK — detected; ``,``, ``;`` or tab —
        sniffed; ``#`` comment lines skipped), ``.parquet``, or ``.xlsx``/``.xls`` (first sheet; title
        lines above the header are skipped). Columns ``region, year, indicator, value`` and optionally
        ``unit, status, months, source, flag``; Chinese headers work too (地区/省份, 年份, 指标, 数值, 单位).
        Without a unit column, a unit named in a comment or title line (``# 单位：万元``) applies to every row.
    source
        The ``source`` value for rows without one (default: the file name).
    max_bytes
        Refuse files larger than this many bytes before reading them (``"200MB"`` works too; ``0`` = no
        limit). Default: ``$INNOVATION_FORECAST_MAX_BYTES``, else 512 MiB.
    sheet
        Excel only: the sheet to read, by position (default the first) or name.

    Returns
    -------
    DataFrame
        The tidy panel (:data:`~innovation_forecast.panel.PANEL_COLUMNS`). ``attrs["notes"]`` names the
        rows left out for having no value (blank, ``NA``, ``—``), as ``file:line``.

    Raises
    ------
    DataValidationError
        Every bad row, as ``file:line: problem`` (see :func:`~innovation_forecast.panel.tidy`); also an
        empty or binary file, an unreadable workbook, or a file over the size limit.

    Examples
    --------
    >>> read_tidy("../shared/data/raw/nbs_province_gdp/province_gdp_long.csv").shape   # doctest: +SKIP
    (620, 11)
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{str(p)!r} does not exist.")
    if p.suffix.lower() in (".parquet", ".pq"):
        check_size(p, max_bytes)
        try:
            df = pd.read_parquet(p)
        except Exception as exc:  # pyarrow raises several types for a corrupt or mislabelled file
            raise DataValidationError(
                f"{p.name}: cannot be read as Parquet ({type(exc).__name__}: {exc}); expected a .parquet file.",
                [f"{p.name}:1: not a readable Parquet file"]) from None
        cols = _map_columns(list(df.columns))
        missing = [c for c in _REQUIRED if c not in cols]
        if missing:
            raise DataValidationError(
                f"{p.name}: no column for {', '.join(missing)} in {list(df.columns)!r}; a tidy file needs "
                "region, year, indicator, value.", [f"{p.name}:1: missing column {c!r}" for c in missing])
        raw = pd.DataFrame({c: df.iloc[:, i].astype(object).tolist() for c, i in cols.items()}, dtype=object)
        raw["_file"] = p.name
        raw["_line"] = [f"row {i + 1}" for i in range(len(df))]
    else:
        raw = _grid_to_raw(read_grid(p, max_bytes=max_bytes, sheet=sheet), p.name)
    prior = raw.attrs.pop("problems", [])
    panel = tidy(raw, source=source or p.name, name=p.name, problems=prior)
    skipped = panel.attrs.pop("no_value", [])
    panel.attrs["notes"] = [no_value_note(p.name, skipped)] if skipped else []
    return panel


def no_value_note(name: str, locations: list[str], show: int = 20) -> str:
    """``"f.csv: 2 row(s) with no value skipped …: f.csv:3, f.csv:5"``: rows left out, not errors."""
    more = f" … and {len(locations) - show} more" if len(locations) > show else ""
    return (f"{name}: {len(locations)} row(s) with no value skipped (blank or a missing marker such as NA or —; "
            f"no figure, not zero): {', '.join(locations[:show])}{more}")


def read_gdp_long(path: str | os.PathLike) -> pd.DataFrame:
    """NBS provincial GDP, long (``nbs_province_gdp/province_gdp_long.csv``): 31 provinces × 2004–2023, 亿元.

    Examples
    --------
    >>> read_gdp_long("../shared/data/raw/nbs_province_gdp/province_gdp_long.csv")["indicator"].unique()  # doctest: +SKIP
    <StringArray>
    ['gdp']
    """
    p = Path(path)
    return read_tidy(p, source=f"{p.parent.name}/{p.name}")


def read_population_long(path: str | os.PathLike) -> pd.DataFrame:
    """Provincial year-end resident population, long (``pypsa_china_population/province_population_long.csv``),
    万人; the file's ``population_year_end`` maps to the canonical ``population``."""
    p = Path(path)
    return read_tidy(p, source=f"{p.parent.name}/{p.name}")
