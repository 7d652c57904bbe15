"""Bytes or a path → one normalised text: encoding detection, HTML stripping, NFKC.

Offsets the reader reports are offsets into the *normalised* text, which
:class:`~innovation_forecast.reader.Report` exposes as ``Report.text``, so that
``report.text[start:end] == quote`` always holds.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from pathlib import Path

from ..errors import ReportReadError

__all__ = ["decode_bytes", "html_to_text", "load_source", "normalise", "check_chinese"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_HTML_HINT = re.compile(r"<\s*(html|body|div|p|br|table|span|meta|head|title|script|style|li|td)\b[^>]*>", re.I)


def _cjk_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if _CJK.match(c)) / len(chars)


def decode_bytes(raw: bytes, *, name: str = "<bytes>") -> tuple[str, str]:
    """Decode a report's bytes without being told the encoding.

    Order: a byte-order mark; strict UTF-8; line by line UTF-8 or GB18030 when lines of
    both are mixed (text pasted together from two files); strict GB18030 (a superset of GBK
    and GB2312, the encodings Chinese government pages are saved in) when the result is
    mostly Chinese; otherwise charset-normalizer's best guess.

    Returns
    -------
    (text, encoding)

    Raises
    ------
    ReportReadError
        When no encoding gives readable text.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    if len(lines) > 1:
        # a file pasted together from UTF-8 and GBK pieces: decode line by line
        out, encs = [], set()
        for line in lines:
            try:
                out.append(line.decode("utf-8"))
                if any(c > 127 for c in line):  # ASCII lines are both encodings
                    encs.add("utf-8")
            except UnicodeDecodeError:
                try:
                    out.append(line.decode("gb18030"))
                    encs.add("gb18030")
                except UnicodeDecodeError:
                    break
        else:
            text = "\n".join(out)
            if encs == {"utf-8", "gb18030"} and _cjk_share(text) > 0.2:
                return text, "utf-8+gb18030"
    try:
        text = raw.decode("gb18030")
        non_ascii = [c for c in text if ord(c) > 127 and not c.isspace()]
        if non_ascii and sum(1 for c in non_ascii if _CJK.match(c) or unicodedata.category(c).startswith("P")) \
                / len(non_ascii) > 0.9:
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
    except Exception:  # charset-normalizer failing is a read failure, not a crash
        best = None
    if best is not None:
        return str(best), best.encoding
    raise ReportReadError(f"{name}: could not decode the bytes as UTF-8, GB18030/GBK or any encoding "
                          "charset-normalizer knows; save the report as UTF-8 and try again.")


def html_to_text(text: str) -> str:
    """Strip tags (dropping script/style/comments), keep block breaks as newlines, unescape entities."""
    text = re.sub(r"(?is)<!--.*?-->", "", text)
    text = re.sub(r"(?is)<(script|style|noscript|template)\b.*?</\1\s*>", "", text)
    text = re.sub(r"(?i)<\s*br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</\s*(p|div|li|tr|h[1-6]|title|table|section|article|ul|ol)\s*>", "\n", text)
    text = re.sub(r"(?i)<\s*(p|div|li|tr|h[1-6]|section|article)\b[^>]*>", "\n", text)
    text = re.sub(r"(?s)<[^<>]{0,2000}>", "", text)
    text = html.unescape(text)
    text = re.sub(r"[ \t\u3000\xa0]*\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def normalise(text: str) -> str:
    """NFKC (full-width digits, letters and punctuation → half-width), unify line breaks and dashes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text)
    # NFKC leaves these dash/tilde variants alone; ranges use them interchangeably
    return text.translate(str.maketrans({"〜": "~", "－": "-", "‐": "-", "‑": "-", "–": "-", "\u3000": " "}))


def check_chinese(text: str, name: str) -> None:
    """Raise :class:`ReportReadError` for empty or non-Chinese text."""
    if not text.strip():
        raise ReportReadError(f"{name}: the report is empty; expected the text of a Chinese work report.")
    n_cjk = len(_CJK.findall(text))
    if n_cjk < 2 or _cjk_share(text) < 0.05:
        raise ReportReadError(
            f"{name}: no Chinese text found ({n_cjk} Chinese characters in {len(text)} characters); "
            "expected a Chinese work report (UTF-8, GBK/GB18030 or HTML)."
        )


def _looks_like_path(s: str) -> bool:
    return "\n" not in s and len(s) < 1024 and bool(re.search(r"\.(txt|html?|md|text)$", s, re.I))


def _check_size(path: Path) -> None:
    """Refuse a report file over the loaders' size limit ($INNOVATION_FORECAST_MAX_BYTES, default 512 MiB)
    before reading it."""
    from ..loaders._io import MAX_BYTES_ENV, max_bytes_limit

    limit = max_bytes_limit()
    size = path.stat().st_size
    if limit is not None and size > limit:
        raise ReportReadError(
            f"Report file {str(path)!r} is {size:,} bytes, over the size limit of {limit:,} bytes; a work report is "
            f"a few hundred kB at most. Raise the limit with {MAX_BYTES_ENV} (e.g. {MAX_BYTES_ENV}=2G) if it is one.")


def load_source(source, *, doc: str | None = None) -> tuple[str, str]:
    """Read a report from a path, bytes or a string and return ``(normalised_text, doc)``.

    ``doc`` defaults to the file stem for a path and to ``"text"`` for a string.
    """
    raw: bytes | None = None
    text: str | None = None
    if isinstance(source, os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ReportReadError(f"Report file {str(path)!r} does not exist; pass a path to a .txt/.html file or the text itself.")
        _check_size(path)
        raw = path.read_bytes()
        doc = doc or path.stem
        name = str(path)
        is_html = path.suffix.lower() in (".html", ".htm")
    elif isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
        doc = doc or "bytes"
        name = doc
        is_html = False
    elif isinstance(source, str):
        is_file = False
        if _looks_like_path(source) or ("\n" not in source and len(source) < 260 and not _CJK.search(source)):
            try:
                is_file = os.path.isfile(source)
            except (ValueError, OSError):
                is_file = False
        if is_file:
            return load_source(Path(source), doc=doc)
        if _looks_like_path(source):
            raise ReportReadError(f"Report file {source!r} does not exist; pass a path to a .txt/.html file or the text itself.")
        text = source
        doc = doc or "text"
        name = doc
        is_html = False
    else:
        raise ReportReadError(f"read_report expects a path, bytes or a string; got {type(source).__name__}.")
    if raw is not None:
        text, _ = decode_bytes(raw, name=name)
    assert text is not None
    if is_html or _HTML_HINT.search(text):
        text = html_to_text(text)
    text = normalise(text)
    check_chinese(text, name)
    return text, doc
