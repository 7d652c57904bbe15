"""Loaders: every source family → the one tidy panel (:mod:`innovation_forecast.panel`).

| function | reads |
|---|---|
| :func:`read_tidy` | any tidy (long) CSV/TSV, Parquet or Excel file |
| :func:`read_wide` | wide yearbook tables (regions × years or years × regions), incl. NBS ``.xls`` exports |
| :func:`read_techme` | ``techme/orig_*.csv`` province tables |
| :func:`read_gdp_long`, :func:`read_population_long` | NBS GDP and population long CSVs |
| :func:`read_bulletins` | ``bulletins/jiangxi_cities.csv`` |
| :func:`load_figures`, :func:`load_targets` | the curated ``data/figures.csv`` and ``data/targets.csv`` |
| :func:`load_panel` | all of the above, one value per key, conflicts reported |
"""

from __future__ import annotations

from .bulletins import read_bulletins
from .combine import DATA_SOURCES, DEFAULT_PRIORITY, SourceConflictWarning, load_panel
from .curated import embedded_panel, load_figures, load_targets
from .techme import read_techme
from .tidy_files import read_gdp_long, read_population_long, read_tidy
from .wide import read_gdp_xls, read_population_wide, read_wide

__all__ = [
    "DATA_SOURCES", "DEFAULT_PRIORITY", "SourceConflictWarning", "embedded_panel", "load_figures", "load_panel",
    "load_targets", "read_bulletins", "read_gdp_long", "read_gdp_xls", "read_population_long",
    "read_population_wide", "read_techme", "read_tidy", "read_wide",
]
