"""Wide yearbook tables: regions × years (the usual layout) or years × regions.

Handles the clutter of statistical exports: title lines above the header (the unit often hides
there, e.g. NBS's ``Gross Regional Product(100 million yuan)``), ``#`` comment lines, a footnote line
below the table (``Data Sources：National Bureau of Statistics``), year headers written ``2017`` or
``2017年``, and missing markers (``—``, ``…``, ``-``, blank) which become missing, never zero.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import DataValidationError
from ..panel import is_missing, looks_like_year, norm, parse_year, tidy
from ..registry import canonical_unit, normalize_text, resolve_region
from ._io import Grid, overlong_rows, read_grid, unit_hint

__all__ = ["read_gdp_xls", "read_population_wide", "read_wide"]

_ORIENTATIONS = ("auto", "regions_x_years", "years_x_regions")


def _is_region(cell: object) -> bool:
    if is_missing(cell):
        return False
    try:
        resolve_region(norm(cell))
        return True
    except KeyError:
        return False


def _find_header(grid: Grid, orientation: str) -> tuple[int, str]:
    """(row index of the header, orientation) — the first row with ≥ 2 years (or ≥ 2 regions)."""
    for i, row in enumerate(grid.rows[:40]):
        cells = row[1:]
        if orientation in ("auto", "regions_x_years") and sum(looks_like_year(c) for c in cells) >= 2:
            return i, "regions_x_years"
        if orientation in ("auto", "years_x_regions") and sum(_is_region(c) for c in cells) >= 2:
            return i, "years_x_regions"
    want = {"regions_x_years": "years", "years_x_regions": "region names"}.get(orientation, "years or region names")
    line = grid.lines[0] if grid.lines else 1
    raise DataValidationError(
        f"{grid.name}: no header row with {want} found in the first 40 rows; expected a wide table such as "
        "'region, 2017, 2018, …' (orientation='regions_x_years') or 'year, 江西, 湖南, …' ('years_x_regions')."
        + grid.sheet_hint(),
        [f"{grid.name}:{line}: no header row with {want}"],
    )


def read_wide(path: str | os.PathLike, *, indicator: str, unit: str | None = None, orientation: str = "auto",
              source: str | None = None, max_bytes: int | str | None = None,
              sheet: int | str = 0) -> pd.DataFrame:
    """Read a wide yearbook table into the panel.

    Parameters
    ----------
    path
        CSV/TSV (encoding and delimiter detected) or Excel (``.xlsx``/``.xls``, first sheet).
    indicator
        The indicator the table holds (any alias: ``"gdp"``, ``"地区生产总值"``).
    unit
        The unit of the cells. Default: a unit named in the title/comment lines (``100 million yuan`` →
        亿元, ``10000 persons`` → 万人, ``单位：万元``), else the indicator's canonical unit. A line inside
        the table that names a unit and holds no values (``单位：万元``) changes the unit of the rows
        below it (yearbooks stack tables in different units); the change is listed in ``attrs["notes"]``.
    orientation
        ``"regions_x_years"`` (a row per region, a column per year), ``"years_x_regions"``, or
        ``"auto"``: the first row holding two or more years (or two or more region names) is the header.
    source
        The ``source`` column (default: the file name).
    max_bytes
        Refuse files larger than this many bytes before reading them (default
        ``$INNOVATION_FORECAST_MAX_BYTES``, else 512 MiB; ``0`` = no limit).
    sheet
        Excel only: the sheet to read, by position (default the first) or name.

    Returns
    -------
    DataFrame
        The tidy panel (:data:`~innovation_forecast.panel.PANEL_COLUMNS`), status ``actual``.
        Rows below the table whose value cells are all empty (footnotes) are skipped.

    Raises
    ------
    DataValidationError
        Every bad cell as ``file:line (column …): problem`` — unknown regions with the closest names,
        non-numeric cells, impossible years, a unit that does not convert.

    Examples
    --------
    >>> read_wide("../shared/data/raw/nbs_province_gdp/AnnualbyProvince.xls", indicator="gdp").shape  # doctest: +SKIP
    (620, 11)
    """
    if orientation not in _ORIENTATIONS:
        raise ValueError(f"orientation={orientation!r}; expected one of {', '.join(_ORIENTATIONS)}")
    p = Path(path)
    grid = read_grid(p, max_bytes=max_bytes, sheet=sheet)
    h, orient = _find_header(grid, orientation)
    header = grid.rows[h]
    titles = grid.notes + [" ".join(str(c) for c in r if not is_missing(c)) for r in grid.rows[:h]]
    u = unit or unit_hint(titles) or canonical_unit(indicator)
    # a 单位/unit column in a regions × years table gives each row its own unit
    unit_cols = {j for j, c in enumerate(header) if j and not is_missing(c)
                 and normalize_text(c) in {"单位", "计量单位", "unit", "units"}}
    skipped = [norm(header[j]) for j in range(1, len(header)) if orient == "regions_x_years"
               and j not in unit_cols and not is_missing(header[j]) and not looks_like_year(header[j])]
    problems: list[str] = []
    unit_notes: list[str] = []
    recs: dict[str, list] = {k: [] for k in ("region", "year", "value", "unit", "_line")}
    for row, line in zip(grid.rows[h + 1:], grid.lines[h + 1:]):
        label = row[0] if row else None
        cells = list(row[1:len(header)])
        if all(is_missing(c) for j, c in enumerate(cells, start=1) if j not in unit_cols):
            # footnote, note or blank separator line — unless it announces a new unit for the rows below
            text = " ".join(str(c) for c in row if not is_missing(c))
            new = unit_hint([text]) if text and not norm(text).startswith("注") else None
            if new is not None and new != u:
                unit_notes.append(f"{p.name}:{line}: unit changes from {u} to {new} ({norm(text)!r})")
                u = new
            continue
        row_unit = next((row[j] for j in unit_cols if j < len(row) and not is_missing(row[j])), None)
        for j, c in enumerate(cells, start=1):
            col = header[j]
            if is_missing(c) or j in unit_cols:
                continue  # missing marker: no figure, not zero
            if is_missing(col):
                problems.append(f"{grid.name}:{line}: value {c!r} in column {j + 1}, which has no header")
                continue
            if orient == "regions_x_years":
                if not looks_like_year(col):
                    continue  # a label column (序号, 指标名称…), listed in attrs["notes"]
                region, year = label, col
            else:
                region, year = col, label
            recs["region"].append(norm(region) if not is_missing(region) else region)
            recs["year"].append(year)
            recs["value"].append(c)
            recs["unit"].append(row_unit if row_unit is not None else u)
            recs["_line"].append(f"{line} (column {norm(col)})")
    raw = pd.DataFrame(recs, dtype=object)
    raw["indicator"] = indicator
    raw["_file"] = p.name
    raw["source"] = source or p.name
    # year headers: 2017, 2017.0, "2017年" → int (tidy re-checks and reports bad ones)
    raw["year"] = [_year_or_raw(y) for y in raw["year"]]
    panel = tidy(raw, source=source or p.name, name=p.name, problems=overlong_rows(grid, h) + problems)
    panel.attrs["notes"] = ([f"{p.name}: ignored non-year column(s) {', '.join(skipped)}"] if skipped else []) \
        + unit_notes
    return panel


def _year_or_raw(y):
    try:
        return parse_year(y)
    except ValueError:
        return y


def read_gdp_xls(path: str | os.PathLike) -> pd.DataFrame:
    """The NBS ``AnnualbyProvince.xls`` export (GDP, 100 million yuan = 亿元), 31 provinces × 20 years."""
    p = Path(path)
    return read_wide(p, indicator="gdp", source=f"{p.parent.name}/{p.name}")


def read_population_wide(path: str | os.PathLike) -> pd.DataFrame:
    """``pypsa_china_population/History_POP.csv``: year-end resident population (10000 persons = 万人)."""
    p = Path(path)
    return read_wide(p, indicator="population", source=f"{p.parent.name}/{p.name}")
