"""CSV output that spreadsheets cannot execute (CSV / formula injection).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by
Excel, WPS and LibreOffice when the CSV is opened (``=cmd|' /C calc'!A0``, ``=HYPERLINK(…)``). Text in the
package's outputs comes from files the user was sent (region names, sources, flags, report quotes, file
names), so every CSV the package writes goes through :func:`safe_to_csv`, which follows the OWASP advice:
prefix such a text cell with a single quote so it is shown as text. Numbers are left alone (``-5`` stays
a number); cells holding delimiters, quotes or line breaks are quoted (a lone carriage return too, which
the csv module would otherwise leave bare and spreadsheets read as a new row).

Reference: OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import io
import os
from typing import IO

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "escape_cell", "safe_frame", "safe_to_csv"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# full-width forms (＝ ＋ － ＠) are turned into the ASCII ones by some spreadsheet imports
_WIDE_PREFIXES = ("\uff1d", "\uff0b", "\uff0d", "\uff20")


def escape_cell(value: object) -> object:
    """``value`` with a leading ``'`` if it is text that a spreadsheet would run as a formula.

    >>> escape_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> escape_cell("南昌市"), escape_cell(-5), escape_cell("-")
    ('南昌市', -5, "'-")
    """
    if isinstance(value, str) and value and (value.startswith(FORMULA_PREFIXES)
                                             or value.startswith(_WIDE_PREFIXES)):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells, column names and index labels are escaped with :func:`escape_cell`."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(escape_cell)
    out.columns = [escape_cell(c) for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = out.index.map(escape_cell)
    return out


def _has_bare_cr(df: pd.DataFrame) -> bool:
    for col in df.columns:
        s = df[col]
        if (s.dtype == object or pd.api.types.is_string_dtype(s)) and s.map(lambda v: isinstance(v, str) and "\r" in v).any():
            return True
    return any(isinstance(c, str) and "\r" in c for c in df.columns)


def safe_to_csv(df: pd.DataFrame, path_or_buf: str | os.PathLike | IO[str] | None = None, **kwargs) -> str | None:
    """:meth:`pandas.DataFrame.to_csv` with formula-looking text cells escaped.

    Parameters
    ----------
    df
        Any frame; only text cells (and column names) are changed.
    path_or_buf
        File path or open text stream (e.g. ``sys.stdout``); ``None`` returns the CSV as a string.
    **kwargs
        Passed to ``to_csv`` (default ``index=False``).

    Examples
    --------
    >>> print(safe_to_csv(pd.DataFrame({"region": ["=1+1", "南昌市"], "value": [-3.5, 2.0]})), end="")
    region,value
    '=1+1,-3.5
    南昌市,2.0
    """
    kwargs.setdefault("index", False)
    safe = safe_frame(df)
    if "quoting" not in kwargs and _has_bare_cr(safe):
        # the csv module quotes only the line terminator's characters; a lone \r would split the row
        kwargs["quoting"] = csv.QUOTE_NONNUMERIC
    if path_or_buf is None:
        buf = io.StringIO()
        safe.to_csv(buf, **kwargs)
        return buf.getvalue()
    safe.to_csv(path_or_buf, **kwargs)
    return None
