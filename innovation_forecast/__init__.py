"""innovation_forecast: regional innovation indicators for China — load, forecast, judge targets, write briefs."""

from __future__ import annotations

__version__ = "0.1.0"

from .loaders import (load_figures, load_panel, load_targets, read_bulletins, read_techme, read_tidy,
                      read_wide)
from .panel import validate_panel
from .reader import Report, nowcast_full_year, read_report

__all__ = ["Report", "__version__", "load_figures", "load_panel", "load_targets", "nowcast_full_year",
           "read_bulletins", "read_report", "read_techme", "read_tidy", "read_wide", "validate_panel"]
