"""Find a CJK font and hand it to matplotlib, so Chinese chart labels render.

Matplotlib ships DejaVu Sans only, which has no Chinese glyphs: every label such as
``南昌市`` would come out as empty boxes with a "Glyph … missing from font" warning.
:func:`setup_cjk_fonts` looks, in order, for

1. a CJK family matplotlib already knows (system fonts found when its cache was built);
2. a CJK font file in the usual system folders (Debian ``fonts-wqy-microhei`` installs
   ``/usr/share/fonts/truetype/wqy/wqy-microhei.ttc``), registered even when matplotlib's
   font cache predates the install;
3. the font shipped by the PyPI package ``noto-cjk-sans-otc`` (Noto Sans CJK, the pip-only
   fallback for machines without apt).

``scripts/install_fonts.sh`` installs 2 (apt) or else 3 (pip).
"""

from __future__ import annotations

import warnings
from pathlib import Path

__all__ = ["CJK_FAMILIES", "find_cjk_font", "setup_cjk_fonts"]

from ..errors import BriefError

#: Family names known to cover simplified Chinese, best first.
CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)

#: Font files looked for directly (matplotlib's cache may have been built before they were installed).
_SYSTEM_FILES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)

_INSTALL_HINT = (
    "Run `bash scripts/install_fonts.sh` (apt: fonts-wqy-microhei; without apt: "
    "`pip install noto-cjk-sans-otc`), then start Python again."
)


def _pip_font_file() -> Path | None:
    try:
        import noto_cjk_sans_otc  # the pip-only fallback
    except ImportError:
        return None
    p = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return p if p.is_file() else None


def _families_in(path: Path) -> list[str]:
    from matplotlib import font_manager as fm

    key = str(path)
    names = [f.name for f in fm.fontManager.ttflist if f.fname == key]
    if not names:
        fm.fontManager.addfont(key)
        names = [f.name for f in fm.fontManager.ttflist if f.fname == key]
    return names


def find_cjk_font() -> tuple[str, Path] | None:
    """Return ``(family, file)`` of the best available CJK font, or ``None``.

    Returns
    -------
    tuple of (str, Path) or None
        The family name to put first in ``font.sans-serif`` and the font file it comes from.

    Example
    -------
    >>> find_cjk_font()  # doctest: +SKIP
    ('WenQuanYi Micro Hei', PosixPath('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'))
    """
    from matplotlib import font_manager as fm

    known = {f.name: Path(f.fname) for f in fm.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in known and known[fam].is_file():
            return fam, known[fam]
    candidates = [Path(p) for p in _SYSTEM_FILES]
    pip_file = _pip_font_file()
    if pip_file is not None:
        candidates.append(pip_file)
    for path in candidates:
        if not path.is_file():
            continue
        try:
            names = _families_in(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or unsupported file
            continue
        for fam in CJK_FAMILIES:
            if fam in names:
                return fam, path
        if names:
            return sorted(names)[0], path
    return None


def setup_cjk_fonts(strict: bool = False) -> str | None:
    """Put a CJK font first in matplotlib's sans-serif list.

    Latin letters and digits still fall back to the next family (DejaVu Sans) when the
    CJK font lacks them; the minus sign is drawn as a hyphen because some CJK fonts have no
    U+2212.

    Parameters
    ----------
    strict
        Raise :class:`~innovation_forecast.errors.BriefError` when no CJK font exists instead of warning.

    Returns
    -------
    str or None
        The family now used for Chinese text, ``None`` when none was found.

    Example
    -------
    >>> from innovation_forecast.briefs.fonts import setup_cjk_fonts
    >>> setup_cjk_fonts()  # doctest: +SKIP
    'WenQuanYi Micro Hei'
    """
    import matplotlib as mpl

    found = find_cjk_font()
    if found is None:
        msg = "No font with Chinese glyphs found for matplotlib; Chinese labels would show as boxes. " + _INSTALL_HINT
        if strict:
            raise BriefError(msg)
        warnings.warn(msg, stacklevel=2)
        return None
    family, _ = found
    current = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.sans-serif"] = [family, *current]
    mpl.rcParams["font.family"] = ["sans-serif"]
    mpl.rcParams["axes.unicode_minus"] = False
    return family


def _main(argv: list[str] | None = None) -> int:
    """``python -m innovation_forecast.briefs.fonts``: say which CJK font matplotlib will use."""
    found = find_cjk_font()
    if found is None:
        print("innovation-forecast: no CJK font found. " + _INSTALL_HINT)
        return 1
    print(f"CJK font: {found[0]} ({found[1]})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
