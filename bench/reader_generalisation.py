"""How the report reader does on text it was not built on.

Usage: python bench/reader_generalisation.py [DATA_DIR] [HELDOUT_DIR] [--misses]

1. Bulletin clauses (development set): every non-table row of DATA_DIR/figures.csv whose doc is a URL
   (short clauses cut from news pages and bulletins) is read as a one-sentence report with the row's
   region and year; a hit is a figure with the row's indicator, basis and value. Prints recall, then
   the misses grouped by cause (traditional characters, wrong basis/value, wrong indicator, no phrase,
   number not tied).
2. Held-out texts (HELDOUT_DIR, default tests/fixtures/reports/heldout, and each folder inside it, one
   table per batch): report-like texts with answer keys written before the reader was run on them;
   recall and precision per part. ``--misses`` also
   lists the key rows missed and the rows read that no key row matches.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def _table(df: pd.DataFrame) -> str:
    if importlib.util.find_spec("tabulate") is not None:  # to_markdown needs it
        return df.to_markdown(index=False, floatfmt=".3f")
    return df.to_string(index=False)


def main(argv: list[str]) -> int:
    from innovation_forecast.reader.accuracy import bulletin_misses, heldout_misses, score_heldout

    show = "--misses" in argv
    args = [a for a in argv if not a.startswith("--")]
    data = Path(args[0]) if args else REPO / "data"
    heldout = Path(args[1]) if len(args) > 1 else REPO / "tests" / "fixtures" / "reports" / "heldout"

    t0 = time.perf_counter()
    b = bulletin_misses(data)
    n, k = len(b), int(b["hit"].sum())
    print(f"## bulletin clauses read alone: {k} of {n} recalled ({k / n:.2f})  [{time.perf_counter() - t0:.2f} s]")
    by = b.groupby("indicator")["hit"].agg(n_key="size", n_hit="sum").reset_index()
    print(_table(by))
    miss = b[~b["hit"]]
    print(f"\n## misses by cause ({len(miss)})")
    for cause, g in miss.groupby("cause"):
        print(f"\n### {cause}: {len(g)}")
        for r in g.itertuples():
            print(f"- {r.region} {r.year} {r.indicator} {r.basis} {r.value:g}: {r.quote[:90]}")

    for folder in [heldout, *sorted(p for p in heldout.iterdir() if p.is_dir())]:
        t0 = time.perf_counter()
        h = score_heldout(folder)
        print(f"\n## held-out texts ({folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder})"
              f"  [{time.perf_counter() - t0:.2f} s]")
        print(_table(h))
        if show:
            print("\n### misses and extras")
            print(_table(heldout_misses(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
