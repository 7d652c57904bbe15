"""Printing frames from the subcommands: an aligned table for people, CSV for programs.

CSV goes through :func:`innovation_forecast._csv.safe_to_csv` because the cells hold text from files
the user was sent (region names, sources, report quotes): no cell may reach a spreadsheet as a formula.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

import pandas as pd

from .._csv import safe_to_csv


def emit(df: pd.DataFrame, fmt: str, *, float_format: Callable[[float], str] | None = None,
         max_colwidth: int = 60) -> None:
    """Print ``df`` to stdout as ``table`` or ``csv``; a closed pipe (``… | head``) is not an error."""
    try:
        if fmt == "csv":
            safe_to_csv(df, sys.stdout, index=False)
        else:
            with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 220,
                                   "display.max_colwidth", max_colwidth):
                print(df.to_string(index=False, float_format=float_format))
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def positive_int(text: str) -> int:
    """argparse type of a count that must be at least 1 (years ahead, paths, workers)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 2; got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {v}")
    return v
