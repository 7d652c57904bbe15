"""City briefs: one papermill notebook per region, run in batches.

``run_briefs`` writes the batch; the helpers used inside ``notebooks/city_brief.ipynb``
(``brief_tables``, ``fan_chart``, ``growth_chart``, ``setup_cjk_fonts``) keep that notebook thin.
Charts import matplotlib only when first used.
"""

from __future__ import annotations

from .runner import DEFAULT_NOTEBOOK, BriefRun, run_briefs, safe_stem

__all__ = [
    "BriefRun", "BriefTables", "DEFAULT_NOTEBOOK", "brief_tables", "fan_chart", "growth_chart",
    "load_inputs", "prepare_inputs", "run_briefs", "safe_stem", "save_inputs", "setup_cjk_fonts", "show_accuracy",
    "show_charts", "show_headline", "show_sources", "show_summary", "show_targets", "show_vintage",
]

_LAZY = {
    "BriefTables": "tables", "brief_tables": "tables", "load_inputs": "tables", "prepare_inputs": "tables",
    "save_inputs": "tables", "show_summary": "tables",
    "fan_chart": "charts", "growth_chart": "charts",
    "show_accuracy": "display", "show_charts": "display", "show_headline": "display", "show_sources": "display",
    "show_targets": "display", "show_vintage": "display",
    "setup_cjk_fonts": "fonts",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        mod = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(mod, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
