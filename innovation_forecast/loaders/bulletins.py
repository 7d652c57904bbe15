"""Figures for Jiangxi cities transcribed from web pages (``bulletins/jiangxi_cities.csv``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError, UnknownIndicatorError
from ..panel import FIGURE_COLUMNS, _summary, parse_number, parse_year, tidy
from ..registry import resolve_indicator, resolve_region
from ._io import header_frame, read_csv_grid

__all__ = ["BULLETIN_SKIPPED_INDICATORS", "read_bulletins"]

#: Indicators in the file that have no canonical counterpart; kept out on purpose.
#: 户籍 (registered) population is not comparable with the resident population of ``population``.
BULLETIN_SKIPPED_INDICATORS = frozenset({"population_registered"})


def _split_indicator(name: str) -> tuple[str, str, str, str]:
    """``rd_expenditure_growth_YEAR_INFERRED`` → (``rd_expenditure``, basis, status, flag)."""
    s, status, flag = name.strip(), "actual", ""
    if s.endswith("_ESTIMATE"):
        s, status = s[: -len("_ESTIMATE")], "estimate"
    if s.endswith("_YEAR_INFERRED"):
        s, flag = s[: -len("_YEAR_INFERRED")], "year_inferred"
    basis = "level"
    if s.endswith("_growth"):
        s, basis = s[: -len("_growth")], "growth_pct"
    return s, basis, status, flag


def _raw(path: Path) -> tuple[pd.DataFrame, list[str]]:
    grid = read_csv_grid(path)
    df = header_frame(grid, ("region", "year", "indicator", "value", "unit", "source_title", "source_url"),
                      path.name)
    parts = [_split_indicator(i) for i in df["indicator"]]
    df["indicator"] = [p[0] for p in parts]
    df["basis"] = [p[1] for p in parts]
    df["status"] = [p[2] for p in parts]
    df["flag"] = [p[3] for p in parts]
    df["source"] = [f"{t.strip()} {u.strip()}".strip() for t, u in zip(df["source_title"], df["source_url"])]
    df["_file"] = f"bulletins/{path.name}"
    df["_line"] = grid.lines[1:]
    notes = []
    skip = df["indicator"].isin(BULLETIN_SKIPPED_INDICATORS)
    if skip.any():
        notes.append(f"{path.name}: left out {int(skip.sum())} row(s) of "
                     f"{', '.join(sorted(set(df.loc[skip, 'indicator'])))} (no canonical indicator)")
    return df[~skip].reset_index(drop=True), notes


def read_bulletins(path: str | os.PathLike, *, figures: bool = False) -> pd.DataFrame:
    """Read the Jiangxi city bulletin figures.

    Parameters
    ----------
    path
        ``bulletins/jiangxi_cities.csv`` (columns region, year, indicator, value, unit, source_title,
        source_url, quote), or the data directory holding it.
    figures
        ``False`` (default): the level figures as a tidy panel. ``True``: every figure, growth rates
        included, as a figures frame (``basis`` growth_pct for the ``*_growth`` rows).

    Returns
    -------
    DataFrame
        Panel (:data:`~innovation_forecast.panel.PANEL_COLUMNS`) or figures frame
        (:data:`~innovation_forecast.panel.FIGURE_COLUMNS` + source, flag). Indicator suffix
        ``_ESTIMATE`` → status ``estimate``; ``_YEAR_INFERRED`` → flag ``year_inferred``; ``*_growth``
        rows are growth rates, never levels, so they stay out of the panel. ``source`` is the page
        title and address. ``population_registered`` (户籍) is left out: not the resident population.

    Examples
    --------
    >>> p = read_bulletins("../shared/data/raw/bulletins/jiangxi_cities.csv")     # doctest: +SKIP
    >>> sorted(p["status"].unique())                                             # doctest: +SKIP
    ['actual', 'estimate']
    """
    p = Path(path)
    if p.is_dir():
        p = p / "bulletins" / "jiangxi_cities.csv" if (p / "bulletins").is_dir() else p / "jiangxi_cities.csv"
    df, notes = _raw(p)
    if not figures:
        lv = df[df["basis"] == "level"]
        panel = tidy(lv.drop(columns=["basis"]), name=f"bulletins/{p.name}")
        panel.attrs["notes"] = notes
        return panel
    problems: list[str] = []
    regions, inds, values, years = [], [], [], []
    for f, ln, r, i, v, y in zip(df["_file"], df["_line"], df["region"], df["indicator"], df["value"], df["year"]):
        try:
            years.append(parse_year(y))
        except ValueError as exc:
            problems.append(f"{f}:{ln}: {exc}")
            years.append(0)
        try:
            regions.append(resolve_region(r).name)
        except KeyError as exc:
            problems.append(f"{f}:{ln}: unknown region: {exc}")
            regions.append(r)
        try:
            inds.append(resolve_indicator(i).name)
        except UnknownIndicatorError as exc:
            problems.append(f"{f}:{ln}: unknown indicator: {exc}")
            inds.append(i)
        try:
            values.append(parse_number(v))
        except ValueError as exc:
            problems.append(f"{f}:{ln}: {exc}")
            values.append(np.nan)
    if problems:
        raise DataValidationError(_summary(p.name, problems), problems)
    # levels go through tidy() for unit conversion and the usual checks
    tidy(df[df["basis"] == "level"].drop(columns=["basis"]), name=f"bulletins/{p.name}")
    out = pd.DataFrame({
        "doc": df["source_url"].astype(str), "region": regions, "year": np.asarray(years, dtype="int64"),
        "indicator": inds, "status": df["status"], "basis": df["basis"], "value": values,
        "unit": df["unit"].astype(str), "months": pd.array([pd.NA] * len(df), dtype="Int64"),
        "quote": df["quote"].astype(str) if "quote" in df else "",
        "start": pd.array([pd.NA] * len(df), dtype="Int64"), "end": pd.array([pd.NA] * len(df), dtype="Int64"),
        "source": df["source"], "flag": df["flag"],
    })
    return out[FIGURE_COLUMNS + ["source", "flag"]]
