"""The exception tree. Every error the package raises on purpose derives from
:class:`InnovationForecastError`; most also inherit a builtin so callers can
catch either (``except ValueError`` keeps working)."""

from __future__ import annotations


class InnovationForecastError(Exception):
    """Base class of the package's own errors."""


class UnknownRegionError(InnovationForecastError, KeyError):
    """A region name or code that the registry does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; we want plain text
        return str(self.args[0]) if self.args else ""


class UnknownIndicatorError(InnovationForecastError, KeyError):
    """An indicator name or alias that the registry does not know."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnitError(InnovationForecastError, ValueError):
    """A unit that does not convert to the indicator's canonical unit."""


class DataValidationError(InnovationForecastError, ValueError):
    """One or more bad rows in an input file; ``.problems`` lists them all."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class DataDirError(InnovationForecastError, FileNotFoundError):
    """The external data directory is not set or lacks an expected file."""


class ReportReadError(InnovationForecastError, ValueError):
    """A work report that cannot be read (empty, not Chinese, undecodable)."""


class SeriesTooShortError(InnovationForecastError, ValueError):
    """A series shorter than a model's ``min_obs``."""


class BriefError(InnovationForecastError, RuntimeError):
    """A city brief that could not be produced."""
