"""The ``innovation-forecast`` command. Each capability registers its subcommands
from ``innovation_forecast/commands/<name>.py`` (``register(subparsers)``)."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from .errors import InnovationForecastError

#: Command modules under ``innovation_forecast.commands``, in the order shown by ``--help``.
COMMAND_MODULES: list[str] = [
    "data",
    "forecast",
    "briefs",
    "feasibility",
    "reader",
]


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="innovation-forecast",
        description="Load, forecast and judge regional innovation indicators and targets.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", default=None,
                        help="external data directory (default: $INNOVATION_FORECAST_DATA)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"innovation_forecast.commands.{name}").register(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings on the command line as one line each, without the Python source line behind them."""
    print(f"innovation-forecast: warning: {message}", file=sys.stderr if file is None else file)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args) or 0)
        except InnovationForecastError as exc:
            print(f"innovation-forecast: error: {exc}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # `… | head` closed the pipe: what was wanted has been read
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
