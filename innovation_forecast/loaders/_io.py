"""Low-level reading shared by the loaders: text encodings, delimiters, spreadsheet grids, numbers.

Every reader here keeps the file's own line (or sheet row) number beside each record so that a
bad cell can be reported as ``file:line`` instead of as a silent wrong number.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataValidationError
from ..panel import is_missing

# --------------------------------------------------------------------------- text files

def decode_bytes(raw: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM), else GB18030/GBK as guessed by charset-normalizer.

    Returns ``(text, encoding)``.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    enc = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        enc = best.encoding if best is not None else None
    except ImportError:  # pragma: no cover - charset-normalizer is a dependency
        enc = None
    # GB2312 and GBK are subsets of GB18030; decoding with the superset never loses characters.
    if enc is None or enc.replace("-", "").replace("_", "").lower() in {"gb2312", "gbk", "gb18030", "cp936",
                                                                        "hzgb2312"}:
        enc = "gb18030"
    try:
        return raw.decode(enc), enc
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataValidationError(
            f"{name}: cannot decode the file as UTF-8 or GB18030 ({exc}); save it as UTF-8 and retry.",
            [f"{name}:1: undecodable text ({enc})"],
        ) from exc


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter among ``,``, ``;`` and tab from the first non-comment line (header)."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            counts = {d: line.count(d) for d in (",", ";", "\t")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


@dataclass
class Grid:
    """Rows of raw cells with the line (or sheet row) number of each row, 1-based."""

    rows: list[list[object]]
    lines: list[int]
    name: str  # the file name used in messages and in the ``source`` column
    notes: list[str]  # comment lines / title lines that are not data (units may hide there)


def read_csv_grid(path: str | os.PathLike) -> Grid:
    """Read a delimited text file into a :class:`Grid`, skipping blank and ``#`` comment lines."""
    p = Path(path)
    text, _enc = decode_bytes(p.read_bytes(), p.name)
    delim = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[object]] = []
    lines: list[int] = []
    notes: list[str] = []
    prev = 0
    for rec in reader:
        start = prev + 1
        prev = reader.line_num
        if not rec or all(not c.strip() for c in rec):
            continue
        if rec[0].lstrip().startswith("#"):
            notes.append(delim.join(rec).lstrip("# ").strip())
            continue
        rows.append(list(rec))
        lines.append(start)
    return Grid(rows, lines, p.name, notes)


def read_excel_grid(path: str | os.PathLike, sheet: int | str = 0) -> Grid:
    """Read one sheet of an .xlsx (openpyxl) or .xls (xlrd) workbook into a :class:`Grid`."""
    p = Path(path)
    rows: list[list[object]] = []
    lines: list[int] = []
    if p.suffix.lower() == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(p))
        sh = book.sheet_by_name(sheet) if isinstance(sheet, str) else book.sheet_by_index(sheet)
        for i in range(sh.nrows):
            vals = []
            for c in sh.row(i):
                if c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    vals.append(None)
                elif c.ctype == xlrd.XL_CELL_ERROR:
                    vals.append("#ERROR")
                else:
                    vals.append(c.value)
            rows.append(vals)
            lines.append(i + 1)
    else:
        import openpyxl

        wb = openpyxl.load_workbook(str(p), read_only=True, data_only=True)
        try:
            ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet]
            for i, r in enumerate(ws.iter_rows(values_only=True)):
                rows.append(list(r))
                lines.append(i + 1)
        finally:
            wb.close()
    keep = [(r, n) for r, n in zip(rows, lines) if any(not is_missing(c) for c in r)]
    return Grid([r for r, _ in keep], [n for _, n in keep], p.name, [])


def read_grid(path: str | os.PathLike) -> Grid:
    """Read a CSV/TSV or Excel file into a :class:`Grid` by its extension."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{str(p)!r} does not exist.")
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return read_excel_grid(p)
    return read_csv_grid(p)


#: Unit hints in table titles and comment lines (NBS exports write units in English).
_UNIT_HINTS = [
    (re.compile(r"100\s*million\s*yuan", re.I), "亿元"),
    (re.compile(r"10\s*,?\s*000\s*yuan|10\s*thousand\s*yuan", re.I), "万元"),
    (re.compile(r"10\s*,?\s*000\s*persons|10\s*thousand\s*persons|10000\s*people", re.I), "万人"),
    (re.compile(r"单位[:：]\s*([^\s,，;；)）]+)"), None),
    (re.compile(r"[（(]\s*(亿元|万元|元|万人|人|件|项|家|%)\s*[)）]"), None),
]


def unit_hint(texts: list[str]) -> str | None:
    """Find a unit named in title or comment lines, e.g. ``(100 million yuan)`` → ``亿元``."""
    for t in texts:
        for pat, unit in _UNIT_HINTS:
            m = pat.search(t)
            if m:
                return unit if unit is not None else m.group(1)
    return None


def overlong_rows(grid: Grid, header_row: int) -> list[str]:
    """Problems for data rows with more filled cells than the header has columns.

    An unquoted thousands separator (``江西,2020,gdp,1,234``) splits one number over two cells;
    reading such a row by position would give a silently wrong value, so it is reported instead.
    """
    header = grid.rows[header_row] if grid.rows else []
    width = len(header)
    while width and is_missing(header[width - 1]):
        width -= 1
    out = []
    for row, line in zip(grid.rows[header_row + 1:], grid.lines[header_row + 1:]):
        extra = [c for c in row[width:] if not is_missing(c)]
        if extra:
            out.append(f"{grid.name}:{line}: {len(row)} fields but the header has {width} "
                       f"(extra {', '.join(repr(c) for c in extra)}); an unquoted thousands separator? "
                       "Quote numbers like \"1,234\" or drop the separator.")
    return out
