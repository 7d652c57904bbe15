"""Low-level reading shared by the loaders: text encodings, delimiters, spreadsheet grids, numbers.

Every reader here keeps the file's own line (or sheet row) number beside each record so that a
bad cell can be reported as ``file:line`` instead of as a silent wrong number.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataValidationError
from ..panel import _summary, is_missing

# --------------------------------------------------------------------------- size limit

#: Environment variable holding the largest input file the loaders will read, in bytes
#: (``500000``, ``200MB``, ``1.5G``; ``0`` or ``none`` = no limit).
MAX_BYTES_ENV = "INNOVATION_FORECAST_MAX_BYTES"
#: Default limit: a yearbook table is kilobytes; a file this large is a wrong file or needs a database.
DEFAULT_MAX_BYTES = 512 * 2**20

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(k|m|g|t)?(?:i?b)?\s*", re.I)


def _parse_size(text: str) -> int | None:
    s = str(text).strip().lower()
    if s in ("", "0", "none", "off", "unlimited"):
        return None
    m = _SIZE.fullmatch(s)
    if not m:
        raise DataValidationError(
            f"{MAX_BYTES_ENV}={text!r} is not a size; expected bytes such as 500000, 200MB or 1.5G "
            "(0 or none for no limit).", [f"{MAX_BYTES_ENV}: bad size {text!r}"])
    mult = {None: 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[m.group(2)]
    return int(float(m.group(1)) * mult)


def max_bytes_limit(max_bytes: int | str | None = None) -> int | None:
    """The size limit in force: the argument, else ``$INNOVATION_FORECAST_MAX_BYTES``, else 512 MiB.

    ``0`` (or ``"none"``) means no limit and gives ``None``.
    """
    if max_bytes is not None:
        if isinstance(max_bytes, str):
            return _parse_size(max_bytes)
        if isinstance(max_bytes, bool) or int(max_bytes) < 0:
            raise ValueError(f"max_bytes={max_bytes!r}; expected a number of bytes (0 = no limit)")
        return int(max_bytes) or None
    env = os.environ.get(MAX_BYTES_ENV)
    if env is not None:
        return _parse_size(env)
    return DEFAULT_MAX_BYTES


def check_size(path: str | os.PathLike, max_bytes: int | str | None = None) -> None:
    """Refuse a file larger than the limit *before* reading it (no memory is spent on it)."""
    limit = max_bytes_limit(max_bytes)
    if limit is None:
        return
    p = Path(path)
    size = p.stat().st_size
    if size > limit:
        raise DataValidationError(
            f"{p.name}: the file is {size:,} bytes, over the size limit of {limit:,} bytes; split it, or raise "
            f"the limit with max_bytes= or the environment variable {MAX_BYTES_ENV} (e.g. {MAX_BYTES_ENV}=2G).",
            [f"{p.name}:1: file of {size:,} bytes exceeds the limit of {limit:,} bytes"])


# --------------------------------------------------------------------------- text files

#: Leading bytes of binary formats that users save with a .csv name by mistake.
_MAGIC = [
    (b"PK\x03\x04", "a zip archive — an Excel .xlsx workbook saved with the wrong extension? Rename it to .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls (OLE2) workbook; rename it to .xls"),
    (b"%PDF", "a PDF document; export its table to CSV or Excel first"),
    (b"\x89PNG", "a PNG image, not a table"),
    (b"\xff\xd8\xff", "a JPEG image, not a table"),
    (b"\x1f\x8b", "a gzip archive; decompress it first"),
    (b"PAR1", "a Parquet file; give it the .parquet extension"),
]


def _binary_problem(raw: bytes) -> str | None:
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            return what
    if b"\x00" in raw[:8192]:
        return "binary data (NUL bytes), not a text table"
    return None


def decode_bytes(raw: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"),
    else GB18030/GBK as guessed by charset-normalizer. Binary files are refused with what they look like.

    Returns ``(text, encoding)``.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DataValidationError(
                f"{name}: starts with a UTF-8 byte-order mark but is not valid UTF-8 ({exc}); "
                "the file mixes encodings — save it again as UTF-8.",
                [f"{name}:1: invalid UTF-8 after a UTF-8 byte-order mark"]) from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DataValidationError(f"{name}: invalid UTF-16 text ({exc}); save it again as UTF-8.",
                                      [f"{name}:1: invalid UTF-16"]) from exc
    what = _binary_problem(raw)
    if what is not None:
        raise DataValidationError(f"{name}: this is {what}; expected a text table (CSV/TSV).",
                                  [f"{name}:1: binary file ({what.split(';')[0]})"])
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Chinese offices save GBK/GB18030. Detectors guess wrong on short, mostly-ASCII files (a GBK "—" or
    # "件" read as EUC-KR gives mojibake), so a clean GB18030 decode that yields Chinese text comes first.
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _mostly_chinese(text):
        return text, "gb18030"
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


def _chinese_char(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
            or 0x2000 <= o <= 0x206F or 0x2460 <= o <= 0x24FF or unicodedata.category(ch).startswith("P"))


def _mostly_chinese(text: str) -> bool:
    wide = [c for c in text if ord(c) > 127 and not c.isspace()]
    return bool(wide) and sum(map(_chinese_char, wide)) / len(wide) > 0.9


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
    sheets: list[str] = field(default_factory=list)  # every sheet of a workbook (empty for text files)

    def sheet_hint(self) -> str:
        """Advice naming the other sheets when a workbook has several (the first is often a cover page)."""
        if len(self.sheets) < 2:
            return ""
        return (f" The workbook has sheets {', '.join(repr(s) for s in self.sheets)}; pass sheet= "
                "to read another one.")


def read_csv_grid(path: str | os.PathLike, *, max_bytes: int | str | None = None) -> Grid:
    """Read a delimited text file into a :class:`Grid`, skipping blank and ``#`` comment lines.

    Files over the size limit (:func:`max_bytes_limit`) are refused before they are read.
    """
    p = Path(path)
    check_size(p, max_bytes)
    text, _enc = decode_bytes(p.read_bytes(), p.name)
    delim = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[object]] = []
    lines: list[int] = []
    notes: list[str] = []
    prev = 0
    for rec in _records(reader, p.name):
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


def _records(reader, name: str):
    """csv.reader records; a malformed file (e.g. a field over the csv module's limit) is a data problem."""
    try:
        yield from reader
    except csv.Error as exc:
        raise DataValidationError(f"{name}:{reader.line_num}: malformed CSV ({exc}); expected a delimited "
                                  "text table.", [f"{name}:{reader.line_num}: malformed CSV ({exc})"]) from None


def read_excel_grid(path: str | os.PathLike, sheet: int | str = 0, *, max_bytes: int | str | None = None) -> Grid:
    """Read one sheet of an .xlsx (openpyxl) or .xls (xlrd) workbook into a :class:`Grid`.

    Formulas are never evaluated: a cell shows the value Excel cached when the file was saved, and a
    formula without a cached value is read as its text (``=cmd|' /C calc'!A0``), so it is reported as a
    non-numeric cell or unknown name instead of silently becoming a blank. A number in a percent format
    (``0.00%``) is read as shown (0.0168 → 1.68), so an R&D intensity is not read 100 times too small.
    """
    p = Path(path)
    check_size(p, max_bytes)
    try:
        return _read_excel_grid(p, sheet)
    except DataValidationError:
        raise
    except Exception as exc:  # a corrupt or mislabelled workbook: zipfile, openpyxl and xlrd errors
        what = _binary_problem(p.read_bytes()[:8192]) if p.stat().st_size else "an empty file"
        hint = f" (it looks like {what})" if what else ""
        raise DataValidationError(
            f"{p.name}: cannot be read as an Excel workbook{hint}: {type(exc).__name__}: {exc}; expected a "
            ".xlsx or .xls file saved by Excel/WPS (or save it as CSV).",
            [f"{p.name}:1: not a readable Excel workbook ({type(exc).__name__})"]) from None


def _pick_sheet(p: Path, names: list[str], sheet: int | str) -> int:
    if isinstance(sheet, str):
        if sheet in names:
            return names.index(sheet)
    elif -len(names) <= int(sheet) < len(names):
        return int(sheet) % len(names)
    raise DataValidationError(
        f"{p.name}: no sheet {sheet!r}; the workbook has sheets {', '.join(repr(n) for n in names)}.",
        [f"{p.name}: no sheet {sheet!r}"])


def _read_excel_grid(p: Path, sheet: int | str) -> Grid:
    rows: list[list[object]] = []
    lines: list[int] = []
    if p.suffix.lower() == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(p))
        names = list(book.sheet_names())
        sh = book.sheet_by_index(_pick_sheet(p, names, sheet))
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
        names, cached = _openpyxl_rows(p, sheet, data_only=True)
        _, formulas = _openpyxl_rows(p, sheet, data_only=False)
        for i, (vals, forms) in enumerate(zip(cached, formulas)):
            rows.append([f if v is None and isinstance(f, str) and f.startswith("=") else v
                         for v, f in zip(vals, forms)])
            lines.append(i + 1)
    keep = [(r, n) for r, n in zip(rows, lines) if any(not is_missing(c) for c in r)]
    return Grid([r for r, _ in keep], [n for _, n in keep], p.name, [], names)


_QUOTED = re.compile(r'"[^"]*"|\\.')


def _percent_format(fmt: object) -> bool:
    """True for an Excel number format that shows the value ×100 with a % sign (``0.00%``), not a
    literal ``"%"`` or ``\\%``."""
    return isinstance(fmt, str) and "%" in _QUOTED.sub("", fmt)


def _cell_value(cell, data_only: bool) -> object:
    v = cell.value
    if v is None or isinstance(v, (str, bool)) or hasattr(v, "year"):
        return v
    if isinstance(v, (int, float)):
        if data_only and _percent_format(getattr(cell, "number_format", None)):
            # the sheet shows 1.68% for a stored 0.0168: read what the user typed and sees
            from decimal import Decimal

            return float(Decimal(repr(v)) * 100)
        return v
    return str(getattr(v, "text", v))  # ArrayFormula / DataTableFormula objects → their text


def _openpyxl_rows(p: Path, sheet: int | str, data_only: bool) -> tuple[list[str], list[list[object]]]:
    import openpyxl

    wb = openpyxl.load_workbook(str(p), read_only=True, data_only=data_only)
    try:
        names = list(wb.sheetnames)
        ws = wb.worksheets[_pick_sheet(p, names, sheet)]
        return names, [[_cell_value(c, data_only) for c in r] for r in ws.iter_rows()]
    finally:
        wb.close()


def read_grid(path: str | os.PathLike, *, max_bytes: int | str | None = None, sheet: int | str = 0) -> Grid:
    """Read a CSV/TSV or Excel file (``sheet``: index or name, Excel only) into a :class:`Grid` by its extension.

    Raises :class:`~innovation_forecast.errors.DataValidationError` for an empty file, a binary file
    with a text extension, an unreadable workbook or a file over the size limit (:func:`max_bytes_limit`).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{str(p)!r} does not exist.")
    if p.is_dir():
        # the path as given (``/tmp``, not ``tmp``): a folder's name alone does not say which folder
        raise DataValidationError(f"{p}: is a folder; expected a data file.", [f"{p}: a folder"])
    check_size(p, max_bytes)
    if p.stat().st_size == 0:
        raise DataValidationError(f"{p.name}: the file is empty (0 bytes); expected a table with a header row.",
                                  [f"{p.name}:1: empty file"])
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return read_excel_grid(p, sheet, max_bytes=max_bytes)
    return read_csv_grid(p, max_bytes=max_bytes)


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


def header_frame(grid: Grid, required: list[str] | tuple[str, ...], label: str) -> "pd.DataFrame":
    """The data rows of a grid whose first row is a fixed header, as text cells with ``_file``/``_line``.

    Checks what would otherwise fail deep inside pandas: no rows at all, a header naming a column twice,
    required columns missing, and data rows with more filled cells than the header (reported by
    :func:`overlong_rows`). Short rows are padded with ``""``.
    """
    import pandas as pd

    if not grid.rows:
        raise DataValidationError(f"{label}: the file has no rows; expected a header with "
                                  f"{', '.join(required)}.", [f"{label}:1: no rows"])
    header = [str(h).strip() if h is not None else "" for h in grid.rows[0]]
    line = grid.lines[0]
    seen: set[str] = set()
    dups = sorted({h for h in header if h and (h in seen or seen.add(h))})
    problems = [f"{label}:{line}: column {h!r} appears more than once in the header" for h in dups]
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(f"{label}:{line}: missing column(s) {', '.join(missing)}; the header is {header!r}")
    if problems:
        raise DataValidationError(f"{label}: bad header: " + "; ".join(problems) + f". Expected columns "
                                  f"{', '.join(required)}.", problems)
    bad = overlong_rows(grid, 0)
    if bad:
        raise DataValidationError(_summary(label, bad), bad)
    width = len(header)
    rows = [[("" if c is None else c) for c in (list(r) + [""] * (width - len(r)))[:width]] for r in grid.rows[1:]]
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df["_file"] = label
    df["_line"] = grid.lines[1:]
    return df
