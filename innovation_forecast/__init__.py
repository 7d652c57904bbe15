"""innovation_forecast: regional innovation indicators for China — load, forecast, judge targets, write briefs."""

from __future__ import annotations

__version__ = "0.1.0"

from .loaders import (load_figures, load_panel, load_targets, read_bulletins, read_techme, read_tidy,
                      read_wide)
from .panel import validate_panel

__all__ = ["__version__", "load_figures", "load_panel", "load_targets", "read_bulletins", "read_techme",
           "read_tidy", "read_wide", "validate_panel"]
