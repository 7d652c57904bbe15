"""innovation_forecast: regional innovation indicators for China — load, forecast, judge targets, write briefs.

The pipeline, one folder or module per step: ``registry`` (canonical regions and indicators) →
``loaders`` / ``reader`` (files and work reports → tidy panel, figures, targets) → ``models`` /
``forecast`` (calibrated forecasts) → ``feasibility`` (probability each target is met) → ``briefs``
(papermill city briefs in batch).
"""

from __future__ import annotations

__version__ = "0.1.0"

from .briefs import run_briefs
from .feasibility import assess_targets
from .forecast import accuracy, backtest, forecast, forecast_paths
from .loaders import (load_figures, load_panel, load_targets, read_bulletins, read_techme, read_tidy,
                      read_wide)
from .panel import validate_panel
from .reader import Report, nowcast_full_year, read_report
from .registry import resolve_indicator, resolve_region

__all__ = ["Report", "__version__", "accuracy", "assess_targets", "backtest", "forecast", "forecast_paths",
           "load_figures", "load_panel", "load_targets", "nowcast_full_year", "read_bulletins", "read_report",
           "read_techme", "read_tidy", "read_wide", "resolve_indicator", "resolve_region", "run_briefs",
           "validate_panel"]
