"""Recall and precision of the reader against the curated answer key (``data/figures.csv``,
``data/targets.csv``), per seed document.

A read row matches a key row when region, indicator, year, basis (and, for targets, comparator)
are equal and the values agree within a relative tolerance of 1e-6; each key row is matched at
most once. Figures also get a *strict* score that requires status and months to agree. Stretch
levels of matched targets are compared separately.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..registry import INDICATORS

__all__ = ["bulletin_misses", "heldout_misses", "score_heldout", "score_phrases", "score_reader"]


def _close(a: float, b: float, rel: float = 1e-6) -> bool:
    if (a is None or (isinstance(a, float) and math.isnan(a))) and (b is None or (isinstance(b, float) and math.isnan(b))):
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)
    except (TypeError, ValueError):
        return False


def _match(read: pd.DataFrame, key: pd.DataFrame, cols: list[str]) -> tuple[int, list[tuple[int, int]]]:
    used: set[int] = set()
    pairs = []
    for i, r in read.iterrows():
        for j, k in key.iterrows():
            if j in used:
                continue
            if all(_same(r[c], k[c]) for c in cols) and _close(r["value"], k["value"]):
                used.add(j)
                pairs.append((i, j))
                break
    return len(pairs), pairs


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return str(a) == str(b)


def score_reader(seeds_dir: str | Path, data_dir: str | Path) -> pd.DataFrame:
    """Read every seed in ``seeds_dir`` and score it against ``data_dir``/figures.csv and targets.csv.

    Returns
    -------
    DataFrame
        doc, part (figures | figures_strict | targets | stretch), n_key, n_read, n_match, recall, precision;
        one row per seed and part plus an ``ALL`` row per part.
    """
    from . import read_report

    seeds_dir, data_dir = Path(seeds_dir), Path(data_dir)
    fk = pd.read_csv(data_dir / "figures.csv")
    tk = pd.read_csv(data_dir / "targets.csv")
    rows = []
    for path in sorted(seeds_dir.glob("*.txt")):
        doc = path.stem
        rep = read_report(path)
        f = rep.figures[rep.figures["indicator"].isin(INDICATORS)].reset_index(drop=True)
        fkey = fk[fk["doc"] == doc].reset_index(drop=True)
        t = rep.targets.reset_index(drop=True)
        tkey = tk[tk["doc"] == doc].reset_index(drop=True)
        n, _ = _match(f, fkey, ["region", "indicator", "year", "basis"])
        rows.append(("figures", doc, len(fkey), len(f), n))
        n, _ = _match(f, fkey, ["region", "indicator", "year", "basis", "status", "months"])
        rows.append(("figures_strict", doc, len(fkey), len(f), n))
        n, pairs = _match(t, tkey, ["region", "indicator", "year", "basis", "comparator"])
        rows.append(("targets", doc, len(tkey), len(t), n))
        n_stretch_key = int(tkey["stretch_low"].notna().sum())
        n_stretch_read = int(t["stretch_low"].notna().sum())
        ok = sum(1 for i, j in pairs if tkey.loc[j, "stretch_low"] == tkey.loc[j, "stretch_low"]
                 and _close(t.loc[i, "stretch_low"], tkey.loc[j, "stretch_low"])
                 and _close(t.loc[i, "stretch_high"], tkey.loc[j, "stretch_high"]))
        rows.append(("stretch", doc, n_stretch_key, n_stretch_read, ok))
    out = pd.DataFrame(rows, columns=["part", "doc", "n_key", "n_read", "n_match"])
    tot = out.groupby("part", as_index=False)[["n_key", "n_read", "n_match"]].sum()
    tot["doc"] = "ALL"
    out = pd.concat([out, tot[out.columns]], ignore_index=True)
    out["recall"] = out["n_match"] / out["n_key"].where(out["n_key"] > 0)
    out["precision"] = out["n_match"] / out["n_read"].where(out["n_read"] > 0)
    order = {"targets": 0, "stretch": 1, "figures": 2, "figures_strict": 3}
    out = out.sort_values(["part", "doc"], key=lambda c: c.map(order) if c.name == "part" else c.map(
        lambda d: "~" if d == "ALL" else d)).reset_index(drop=True)
    return out[["part", "doc", "n_key", "n_read", "n_match", "recall", "precision"]]


def score_phrases(data_dir: str | Path) -> pd.DataFrame:
    """Out-of-sample check on the bulletin rows of ``figures.csv``: each row's quote (a clause from a
    public web page, not a seed) is read alone with the row's region and year as context, and the row
    counts as recalled when a figure with its indicator, basis and value comes out. Table rows (quotes
    with ``|``) are left out. Extra figures are counted but are often right (the bulletin file did not
    enter growth rates beside levels), so the precision here is a lower bound.

    Returns
    -------
    DataFrame
        indicator, n_key, n_match, recall — one row per indicator plus ``ALL``; ``attrs['n_read']``
        holds the number of figures read.
    """
    from ..errors import ReportReadError
    from . import read_report

    fk = pd.read_csv(Path(data_dir) / "figures.csv")
    b = fk[fk["doc"].astype(str).str.startswith("http") & ~fk["quote"].astype(str).str.contains(r"\|")]
    hits: list[tuple[str, bool]] = []
    n_read = 0
    for (quote, region, year), g in b.groupby(["quote", "region", "year"]):
        try:
            rep = read_report(str(quote), region=region, report_year=int(year))
            fr = rep.figures
        except ReportReadError:
            fr = pd.DataFrame(columns=["indicator", "basis", "value"])
        n_read += len(fr)
        used: set[int] = set()
        for r in g.itertuples():
            ok = False
            for i, x in fr.iterrows():
                if i not in used and x["indicator"] == r.indicator and x["basis"] == r.basis \
                        and _close(x["value"], r.value):
                    used.add(i)
                    ok = True
                    break
            hits.append((r.indicator, ok))
    h = pd.DataFrame(hits, columns=["indicator", "ok"])
    out = h.groupby("indicator")["ok"].agg(n_key="size", n_match="sum").reset_index()
    out = pd.concat([out, pd.DataFrame([{"indicator": "ALL", "n_key": len(h), "n_match": int(h["ok"].sum())}])],
                    ignore_index=True)
    out["recall"] = out["n_match"] / out["n_key"]
    out.attrs["n_read"] = n_read
    return out


def _key_frame(rows: list[dict], region: str, defaults: dict) -> pd.DataFrame:
    out = []
    for r in rows:
        d = {"region": region, **defaults, **r}
        out.append(d)
    return pd.DataFrame(out, columns=list(dict.fromkeys(["region", *defaults, *(k for r in rows for k in r)])))


def score_heldout(folder: str | Path) -> pd.DataFrame:
    """Score the reader on hand-keyed texts: every ``NAME.txt`` in ``folder`` with an answer key ``NAME.json``
    (keys: region, report_year, figures, targets, optional period_targets; see the folder's README).

    Each text is read with the key's region and report year. Matching is as in :func:`score_reader`
    (region, indicator, year, basis — and comparator for targets — equal, value within 1e-6 relative);
    *figures_strict* also requires status and months; *period* matches multi-year targets on region,
    indicator, year, kind, comparator and value.

    Returns
    -------
    DataFrame
        part, doc, n_key, n_read, n_match, recall, precision (one row per text and part plus ``ALL``).
    """
    import json

    from . import read_report

    folder = Path(folder)
    rows = []
    for path in sorted(folder.glob("*.txt")):
        kpath = path.with_suffix(".json")
        if not kpath.is_file():
            continue
        key = json.loads(kpath.read_text(encoding="utf-8"))
        rep = read_report(path, region=key["region"], report_year=key["report_year"])
        doc = path.stem
        fkey = _key_frame(key.get("figures", []), key["region"], {"status": "actual", "months": math.nan})
        tkey = _key_frame(key.get("targets", []), key["region"], {"stretch_low": math.nan, "stretch_high": math.nan})
        pkey = _key_frame(key.get("period_targets", []), key["region"], {})
        f = rep.figures[rep.figures["indicator"].isin(INDICATORS)].reset_index(drop=True)
        t = rep.targets.reset_index(drop=True)
        p = getattr(rep, "period_targets", pd.DataFrame(columns=["region", "indicator", "year", "kind",
                                                                 "comparator", "value"])).reset_index(drop=True)
        cols = ["region", "indicator", "year", "basis"]
        n, _ = _match(f, fkey, cols) if len(fkey) else (0, [])
        rows.append(("figures", doc, len(fkey), len(f), n))
        n, _ = _match(f, fkey, cols + ["status", "months"]) if len(fkey) else (0, [])
        rows.append(("figures_strict", doc, len(fkey), len(f), n))
        n, pairs = _match(t, tkey, cols + ["comparator"]) if len(tkey) else (0, [])
        rows.append(("targets", doc, len(tkey), len(t), n))
        ok = sum(1 for i, j in pairs if not (pd.isna(tkey.loc[j, "stretch_low"]) and pd.isna(t.loc[i, "stretch_low"]))
                 and _close(t.loc[i, "stretch_low"], tkey.loc[j, "stretch_low"])
                 and _close(t.loc[i, "stretch_high"], tkey.loc[j, "stretch_high"]))
        rows.append(("stretch", doc, int(tkey["stretch_low"].notna().sum()) if len(tkey) else 0,
                     int(t["stretch_low"].notna().sum()), ok))
        n, _ = _match(p, pkey, ["region", "indicator", "year", "kind", "comparator"]) if len(pkey) else (0, [])
        rows.append(("period", doc, len(pkey), len(p), n))
    out = pd.DataFrame(rows, columns=["part", "doc", "n_key", "n_read", "n_match"])
    tot = out.groupby("part", as_index=False, sort=False)[["n_key", "n_read", "n_match"]].sum()
    tot["doc"] = "ALL"
    out = pd.concat([out, tot[out.columns]], ignore_index=True)
    out["recall"] = out["n_match"] / out["n_key"].where(out["n_key"] > 0)
    out["precision"] = out["n_match"] / out["n_read"].where(out["n_read"] > 0)
    order = {"figures": 0, "figures_strict": 1, "targets": 2, "stretch": 3, "period": 4}
    out = out.sort_values(["part", "doc"], key=lambda c: c.map(order) if c.name == "part" else c.map(
        lambda d: "~" if d == "ALL" else d)).reset_index(drop=True)
    return out


def heldout_misses(folder: str | Path) -> pd.DataFrame:
    """Key rows of the held-out texts the reader does not return, and read rows no key row matches.

    Returns
    -------
    DataFrame
        doc, part (figure | target), side (missed | extra), region, year, indicator, basis, value, quote
    """
    import json

    from . import read_report

    out = []
    for path in sorted(Path(folder).glob("*.txt")):
        kpath = path.with_suffix(".json")
        if not kpath.is_file():
            continue
        key = json.loads(kpath.read_text(encoding="utf-8"))
        rep = read_report(path, region=key["region"], report_year=key["report_year"])
        for part, read, rows in (("figure", rep.figures, key.get("figures", [])),
                                 ("target", rep.targets, key.get("targets", []))):
            k = _key_frame(rows, key["region"], {})
            read = read[read["indicator"].isin(INDICATORS)].reset_index(drop=True)
            cols = ["region", "indicator", "year", "basis"] + (["comparator"] if part == "target" else [])
            _, pairs = _match(read, k, cols) if len(k) else (0, [])
            got_r, got_k = {i for i, _ in pairs}, {j for _, j in pairs}
            for j, r in k.iterrows():
                if j not in got_k:
                    out.append((path.stem, part, "missed", r["region"], r["year"], r["indicator"], r["basis"],
                                r["value"], ""))
            for i, r in read.iterrows():
                if i not in got_r:
                    out.append((path.stem, part, "extra", r["region"], r["year"], r["indicator"], r["basis"],
                                r["value"], r["quote"]))
    return pd.DataFrame(out, columns=["doc", "part", "side", "region", "year", "indicator", "basis", "value", "quote"])


def bulletin_misses(data_dir: str | Path) -> pd.DataFrame:
    """Every non-table bulletin row of ``figures.csv`` read alone (as :func:`score_phrases` does), with a
    cause for each miss.

    Causes, first that applies: ``traditional characters`` (the quote has characters the reader's
    traditional→simplified map changes), ``wrong basis/value`` (the indicator came back, not this value),
    ``wrong indicator`` (the value came back under another indicator), ``subject outside the clause`` (no
    indicator phrase at all: the clause was cut from its sentence, 总数达到199家), ``phrasing unknown``
    (other phrases but none of this indicator), ``number not tied`` (phrase and number present, not joined).

    Returns
    -------
    DataFrame
        region, year, indicator, basis, value, hit, cause, quote
    """
    from ..errors import ReportReadError
    from . import read_report
    from .lexicon import PHRASES
    from .variants import to_simplified

    fk = pd.read_csv(Path(data_dir) / "figures.csv")
    b = fk[fk["doc"].astype(str).str.startswith("http") & ~fk["quote"].astype(str).str.contains(r"\|")]
    out = []
    for (quote, region, year), g in b.groupby(["quote", "region", "year"]):
        try:
            fr = read_report(str(quote), region=region, report_year=int(year)).figures
        except ReportReadError:
            fr = pd.DataFrame(columns=["indicator", "basis", "value"])
        used: set[int] = set()
        for r in g.itertuples():
            hit = False
            for i, x in fr.iterrows():
                if i not in used and x["indicator"] == r.indicator and x["basis"] == r.basis \
                        and _close(x["value"], r.value):
                    used.add(i)
                    hit = True
                    break
            cause = ""
            if not hit:
                simple = to_simplified(str(quote))
                if simple != str(quote):
                    cause = "traditional characters"
                elif (fr["indicator"] == r.indicator).any():
                    cause = "wrong basis/value"
                elif any(_close(v, r.value) for v in fr["value"]):
                    cause = "wrong indicator"
                elif not any(p.text in simple for p in PHRASES.values() if p.indicator or p.kind):
                    cause = "subject outside the clause"
                elif not any(p.indicator == r.indicator and p.text in simple for p in PHRASES.values()):
                    cause = "phrasing unknown"
                else:
                    cause = "number not tied"
            out.append((region, int(year), r.indicator, r.basis, r.value, hit, cause, str(quote)))
    return pd.DataFrame(out, columns=["region", "year", "indicator", "basis", "value", "hit", "cause", "quote"])
