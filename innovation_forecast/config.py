"""Paths and the data-directory setting. No side effects at import."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataDirError

#: Environment variable naming the external data directory (e.g. ``../shared/data/raw``).
DATA_DIR_ENV = "INNOVATION_FORECAST_DATA"

PACKAGE_DIR = Path(__file__).resolve().parent
#: Curated data shipped with the package (copied from the repository's ``data/`` at build time
#: is avoided: the repository's ``data/`` is read directly when installed in editable mode).
PROJECT_DIR = PACKAGE_DIR.parent
EMBEDDED_DATA_DIR = PROJECT_DIR / "data"


def data_dir(path: str | os.PathLike | None = None, *, required: bool = False) -> Path | None:
    """Return the external data directory.

    Parameters
    ----------
    path
        An explicit directory (the ``--data-dir`` option). Wins over the environment.
    required
        Raise :class:`DataDirError` when no directory is set instead of returning ``None``.
    """
    raw = path if path is not None else os.environ.get(DATA_DIR_ENV)
    if not raw:
        if required:
            raise DataDirError(
                f"No data directory set. Pass --data-dir DIR or set {DATA_DIR_ENV}=DIR "
                "(a folder holding techme/, nbs_province_gdp/, pypsa_china_population/, bulletins/)."
            )
        return None
    p = Path(raw).expanduser().resolve()
    if not p.is_dir():
        raise DataDirError(f"Data directory {str(p)!r} (from {'--data-dir' if path else DATA_DIR_ENV}) does not exist.")
    return p


def data_file(relpath: str, path: str | os.PathLike | None = None) -> Path:
    """Path of one file inside the data directory, with a helpful error if it is missing."""
    base = data_dir(path, required=True)
    f = base / relpath
    if not f.exists():
        raise DataDirError(f"Expected {relpath!r} inside the data directory {str(base)!r}; it is not there.")
    return f
