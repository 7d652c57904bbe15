"""Recall and precision of the report reader on the five seed reports.

Usage: python bench/reader_accuracy.py [SEEDS_DIR] [DATA_DIR]
(defaults: ../shared/seeds and the repository's data/). Prints one table per part
(targets, stretch, figures, figures_strict) with a row per seed and an ALL row, then the recall on
the bulletin clauses of data/figures.csv read one at a time (phrases the reader was not built on).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    from innovation_forecast.reader.accuracy import score_reader

    seeds = Path(argv[0]) if argv else REPO.parent / "shared" / "seeds"
    data = Path(argv[1]) if len(argv) > 1 else REPO / "data"
    t0 = time.perf_counter()
    table = score_reader(seeds, data)
    secs = time.perf_counter() - t0
    for part, sub in table.groupby("part", sort=False):
        print(f"\n## {part}")
        print(sub.drop(columns="part").to_markdown(index=False, floatfmt=".3f")
              if _has_tabulate() else sub.drop(columns="part").to_string(index=False))
    print(f"\nread and scored 5 seeds in {secs:.2f} s")
    from innovation_forecast.reader.accuracy import score_phrases

    ph = score_phrases(data)
    print("\n## bulletin clauses read alone (out of sample; recall only)")
    print(ph.to_markdown(index=False, floatfmt=".3f") if _has_tabulate() else ph.to_string(index=False))
    print(f"figures read from these clauses: {ph.attrs['n_read']}")
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
