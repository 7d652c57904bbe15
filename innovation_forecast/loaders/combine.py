"""``load_panel``: every source in one tidy panel, one value per key, conflicts reported."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from ..config import data_dir as _data_dir
from ..errors import DataDirError, InnovationForecastError
from ..panel import PANEL_COLUMNS, ConflictFrame, _typed, empty_panel, validate_panel
from .bulletins import read_bulletins
from .curated import embedded_panel
from .techme import read_techme
from .tidy_files import read_gdp_long, read_population_long, read_tidy

__all__ = ["DEFAULT_PRIORITY", "DATA_SOURCES", "SourceConflictWarning", "load_panel"]


class SourceConflictWarning(UserWarning):
    """Two sources gave different values for one (region, year, indicator, status)."""


def _techme(base: Path) -> pd.DataFrame:
    return read_techme(base)


def _gdp(base: Path) -> pd.DataFrame:
    return read_gdp_long(base / "nbs_province_gdp" / "province_gdp_long.csv")


def _population(base: Path) -> pd.DataFrame:
    return read_population_long(base / "pypsa_china_population" / "province_population_long.csv")


def _bulletins(base: Path) -> pd.DataFrame:
    return read_bulletins(base / "bulletins" / "jiangxi_cities.csv")


#: Named sources read from the external data directory: name → (marker file, reader).
DATA_SOURCES: dict[str, tuple[str, Callable[[Path], pd.DataFrame]]] = {
    "techme": ("techme/orig_RDIntense.csv", _techme),
    "nbs_gdp": ("nbs_province_gdp/province_gdp_long.csv", _gdp),
    "population": ("pypsa_china_population/province_population_long.csv", _population),
    "bulletins": ("bulletins/jiangxi_cities.csv", _bulletins),
}

#: Higher wins when two sources give one key. Curated figures (read by hand from the seeds and
#: checked) beat the official tables, which beat figures transcribed from news pages. Files or
#: frames passed explicitly to ``load_panel`` rank above everything: the caller asked for them.
#: ``derived`` (per-10k ratios computed here) only fills gaps.
DEFAULT_PRIORITY: dict[str, int] = {
    "explicit": 40, "embedded": 30, "techme": 20, "nbs_gdp": 20, "population": 20, "bulletins": 10,
    "derived": 0,
}


def _priorities(priority: Mapping[str, int] | Iterable[str] | None) -> dict[str, int]:
    out = dict(DEFAULT_PRIORITY)
    if priority is None:
        return out
    if isinstance(priority, Mapping):
        out.update({k: int(v) for k, v in priority.items()})
        return out
    names = list(priority)  # highest first
    for rank, name in enumerate(names):
        out[name] = 1000 - rank
    return out


def _derive_per_10k(panel: pd.DataFrame) -> pd.DataFrame:
    """Provincial invention_patents_per_10k = valid_invention_patents / population (万人)."""
    prov = panel[(panel["level"] == "province") & (panel["status"] == "actual")]
    vip = prov[prov["indicator"] == "valid_invention_patents"][["region_code", "region", "level", "year", "value",
                                                                "source"]]
    pop = prov[prov["indicator"] == "population"][["region_code", "year", "value", "source"]]
    if vip.empty or pop.empty:
        return empty_panel()
    m = vip.merge(pop, on=["region_code", "year"], suffixes=("_vip", "_pop"))
    m = m[m["value_pop"] > 0]
    if m.empty:
        return empty_panel()
    out = pd.DataFrame({
        "region_code": m["region_code"], "region": m["region"], "level": m["level"], "year": m["year"],
        "indicator": "invention_patents_per_10k", "value": m["value_vip"] / m["value_pop"], "unit": "件/万人",
        "status": "actual", "months": pd.array([pd.NA] * len(m), dtype="Int64"),
        "source": "derived: " + m["source_vip"] + " / " + m["source_pop"], "flag": "derived",
    })
    return _typed(out)


def _resolve_sources(sources, base: Path | None, include_embedded: bool) -> list[tuple[str, str, object]]:
    """→ list of (name, kind, spec) with kind in {embedded, data, file, frame}."""
    out: list[tuple[str, str, object]] = []
    if sources is None:
        if include_embedded:
            out.append(("embedded", "embedded", None))
        if base is not None:
            for name, (marker, _) in DATA_SOURCES.items():
                if (base / marker).exists():
                    out.append((name, "data", None))
        return out
    if isinstance(sources, (str, os.PathLike, pd.DataFrame)):
        sources = [sources]
    if include_embedded and "embedded" not in [s for s in sources if isinstance(s, str)]:
        out.append(("embedded", "embedded", None))
    for i, s in enumerate(sources):
        if isinstance(s, pd.DataFrame):
            out.append((f"frame{i}", "frame", s))
        elif isinstance(s, str) and s == "embedded":
            out.append(("embedded", "embedded", None))
        elif isinstance(s, str) and s in DATA_SOURCES:
            if base is None:
                raise DataDirError(f"Source {s!r} lives in the external data directory, which is not set. "
                                   "Pass data_dir=DIR or set INNOVATION_FORECAST_DATA=DIR.")
            out.append((s, "data", None))
        elif Path(s).exists():
            out.append((Path(s).name, "file", Path(s)))
        else:
            raise InnovationForecastError(
                f"Unknown source {s!r}: expected 'embedded', one of {', '.join(DATA_SOURCES)}, an existing file "
                "path, or a DataFrame.")
    return out


def load_panel(sources=None, *, data_dir: str | os.PathLike | None = None, include_embedded: bool = True,
               priority: Mapping[str, int] | Iterable[str] | None = None) -> pd.DataFrame:
    """Load every source into one tidy panel, one value per (region, year, indicator, status).

    Parameters
    ----------
    sources
        ``None`` (default): the curated data shipped with the package, plus — when a data directory is
        set (``data_dir=`` or ``$INNOVATION_FORECAST_DATA``) — techme, NBS GDP, population and bulletins.
        Otherwise a list of source names (``"embedded"``, ``"techme"``, ``"nbs_gdp"``, ``"population"``,
        ``"bulletins"``), file paths (read with :func:`read_tidy`) and/or tidy DataFrames.
    data_dir
        The external data directory (default: ``$INNOVATION_FORECAST_DATA``; none → embedded data only).
    include_embedded
        Include the curated figures (``data/figures.csv``, level rows).
    priority
        Which source wins when two give one key with different values: a mapping name → rank (higher
        wins) that updates :data:`DEFAULT_PRIORITY`, or a list of names, highest first. Default:
        explicit files/frames > embedded curated figures > official tables (techme, nbs_gdp,
        population) > bulletins > derived ratios. Values that differ only in the decimals published
        (430.72 and 430.7: the more precise one rounds to the other) agree; they are not conflicts.

    Returns
    -------
    DataFrame
        ``region_code, region, level, year, indicator, value, unit, status, months, source, flag``.
        ``attrs["conflicts"]``: every key on which sources disagreed (region_code, region, year,
        indicator, status, months, kept_value, kept_source, dropped_value, dropped_source, rel_diff);
        ``attrs["sources"]``: rows contributed per source; ``attrs["notes"]``: rows left out on purpose.

    Warns
    -----
    SourceConflictWarning
        One warning summarising all conflicts.

    Notes
    -----
    Derived indicator: for provinces with both techme's valid_invention_patents and the population
    table, ``invention_patents_per_10k`` = valid invention patents / resident population (万人),
    flagged ``derived``; it never overrides a reported figure.

    Examples
    --------
    >>> panel = load_panel()                 # embedded curated figures only (no data dir set)  # doctest: +SKIP
    >>> panel = load_panel(data_dir="../shared/data/raw")                                      # doctest: +SKIP
    >>> panel.query("region == '江西省' and indicator == 'rd_intensity'")[["year", "value"]]     # doctest: +SKIP
    """
    base = _data_dir(data_dir)
    ranks = _priorities(priority)
    parts: list[pd.DataFrame] = []
    counts: dict[str, int] = {}
    notes: list[str] = []
    for name, kind, spec in _resolve_sources(sources, base, include_embedded):
        if kind == "embedded":
            p = embedded_panel()
        elif kind == "data":
            p = DATA_SOURCES[name][1](base)
        elif kind == "file":
            p = read_tidy(spec)
        else:
            p = validate_panel(spec, name=name)
        notes.extend(p.attrs.get("notes", []))
        rank = ranks.get(name, ranks["explicit"] if kind in ("file", "frame") else 0)
        counts[name] = len(p)
        parts.append(p.assign(_rank=rank, _order=len(parts)))
    if not parts:
        panel = empty_panel()
        panel.attrs.update(conflicts=_conflict_frame([]), sources={}, notes=[])
        return panel
    allp = pd.concat(parts, ignore_index=True)
    allp.attrs = {}
    derived = _derive_per_10k(allp)
    if len(derived):
        counts["derived"] = len(derived)
        allp = pd.concat([allp, derived.assign(_rank=ranks["derived"], _order=len(parts))], ignore_index=True)
    allp["_m"] = allp["months"].fillna(0).astype("int64")
    allp = allp.sort_values(["_rank", "_order"], ascending=[False, True], kind="stable")
    key = ["region_code", "year", "indicator", "status", "_m"]
    dup = allp.duplicated(key, keep=False)
    conflicts = []
    if dup.any():
        for _, g in allp[dup].groupby(key, sort=True):
            kept = g.iloc[0]
            for _, other in g.iloc[1:].iterrows():
                a, b = float(kept["value"]), float(other["value"])
                rel = abs(a - b) / max(abs(a), abs(b)) if max(abs(a), abs(b)) > 0 else 0.0
                if rel > 1e-6 and not _same_when_rounded(a, b):
                    conflicts.append({
                        "region_code": kept["region_code"], "region": kept["region"], "year": int(kept["year"]),
                        "indicator": kept["indicator"], "status": kept["status"], "months": kept["months"],
                        "kept_value": a, "kept_source": kept["source"], "dropped_value": b,
                        "dropped_source": other["source"], "rel_diff": rel,
                    })
    panel = allp.drop_duplicates(key, keep="first")
    panel = panel.sort_values(["region_code", "indicator", "status", "year"], kind="stable")
    panel = _typed(panel[PANEL_COLUMNS])
    cf = _conflict_frame(conflicts)
    panel.attrs.update(conflicts=cf, sources=counts, notes=notes)
    if len(cf):
        ex = "; ".join(f"{r.region} {r.year} {r.indicator}: kept {r.kept_value:g} ({_short(r.kept_source)}), "
                       f"dropped {r.dropped_value:g} ({_short(r.dropped_source)})" for r in cf.head(3).itertuples())
        warnings.warn(
            f"load_panel: {len(cf)} value(s) disagree between sources; kept the higher-priority source each time "
            f"(e.g. {ex}). All of them: panel.attrs['conflicts'].", SourceConflictWarning, stacklevel=2)
    return panel


#: Decimals counted at most when judging how precisely a value was published (float noise such as
#: 430.71880000000004 is not precision).
_MAX_DECIMALS = 10


def _decimals(x: float) -> int:
    """How many decimals ``x`` was published with, from its shortest repr: 430.7 → 1, 1452.0 → 0."""
    try:
        exp = Decimal(repr(x)).normalize().as_tuple().exponent
    except InvalidOperation:
        return _MAX_DECIMALS
    return min(_MAX_DECIMALS, max(0, -exp)) if isinstance(exp, int) else _MAX_DECIMALS


def _same_when_rounded(a: float, b: float) -> bool:
    """True when ``a`` and ``b`` are one figure published with different decimals: the more precise one,
    rounded half up (四舍五入) to the decimals of the less precise one, equals it (430.72 and 430.7 agree;
    1452 and 1402, or 430.75 and 430.7, do not)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    q = Decimal(1).scaleb(-min(_decimals(a), _decimals(b)))
    try:
        return (Decimal(repr(a)).quantize(q, rounding=ROUND_HALF_UP)
                == Decimal(repr(b)).quantize(q, rounding=ROUND_HALF_UP))
    except InvalidOperation:  # beyond Decimal's 28 digits (1e30): no rounding story to tell
        return False


def _short(s: str, n: int = 40) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def _conflict_frame(rows: list[dict]) -> ConflictFrame:
    cols = ["region_code", "region", "year", "indicator", "status", "months", "kept_value", "kept_source",
            "dropped_value", "dropped_source", "rel_diff"]
    df = pd.DataFrame(rows, columns=cols)
    if len(df):
        df["year"] = df["year"].astype("int64")
        df["months"] = df["months"].astype("Int64")
        df["rel_diff"] = df["rel_diff"].astype(float)
        df = df.sort_values(["region_code", "indicator", "year"]).reset_index(drop=True)
    return ConflictFrame(df)

