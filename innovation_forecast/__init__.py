"""innovation_forecast: regional innovation indicators for China — load, forecast, judge targets, write briefs."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
