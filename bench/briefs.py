"""Benchmark of the city-brief batch: ``run_briefs`` against a plain papermill loop.

Both run ``notebooks/city_brief.ipynb`` over the same regions in one go:

- baseline: ``papermill.execute_notebook`` once per region, one after another, each notebook
  starting its own kernel and computing its own inputs (what a user would write first);
- batch: ``run_briefs(regions, workers=N)``: warm reused kernels, inputs computed once,
  plus what the baseline does not do (HTML per region, index).

Reported: wall time, seconds per brief (wall / briefs), and the peak resident memory of one
worker with its kernel (sampled every 0.2 s).

Usage::

    python bench/briefs.py                      # 40 regions, 2 workers, full baseline
    python bench/briefs.py --n 40 --baseline 8  # baseline on the first 8 regions only
    python bench/briefs.py --write              # also update the "City briefs" section of BENCHMARKS.md

Needs the external data directory for 40 distinct regions (31 provinces, 11 cities, 2 counties):
``$INNOVATION_FORECAST_DATA`` or ``../shared/data/raw``. Without it the 14 regions of the
embedded data are used.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECTION = "## City briefs"
HOW = """\
What the batch does that the loop does not:

- **Warm, reused kernels.** One kernel per worker, started and warmed (pandas, matplotlib, the package imported)
  while the shared inputs are computed, and reused for every brief through a papermill engine
  (`innovation_forecast_warm`) that hands nbclient the running kernel. Between briefs the user namespace is cleared
  (what `%reset -f` does, without its `gc.collect()`, which alone cost 0.4 s per brief), figures are closed and
  matplotlib's settings and warning filters restored; a brief that times out or kills its kernel gets a new one.
  papermill and nbconvert are imported once per worker.
- **Shared inputs once per batch.** Panel, one `forecast()` + `forecast_paths()` per indicator over every region's
  series (so calibration is shared and the assessment's probabilities match the fan charts) and `assess_targets()`
  are computed once, split over the workers and the main process while the kernels start, pickled to
  `<out>/_inputs/inputs.pkl` and passed to each notebook as its `inputs` parameter; a later batch on the same data,
  targets, settings and package code reuses them from the cache (`--no-cache` to recompute).
- **Cheaper figures.** Fixed margins instead of `tight_layout()` and `bbox_inches="tight"` (each renders the figure
  once more); seaborn's whitegrid look from matplotlib's style sheet instead of importing seaborn (and scipy.stats:
  about 1 s per kernel); the loaded panel's `attrs` dropped (pandas deep-copied the conflicts table on every
  operation: about 7 s of the shared inputs).

The loop's notebooks each start a kernel, import everything and compute their region's inputs (every region's series
of its indicators, for calibration). Other sessions ran their benchmarks on the same two cores during these runs
(load average in the line above), so times vary from run to run; the peak memory does not."""


class PeakRSS:
    """Peak RSS of each child process tree of this process (a worker and its kernel)."""

    def __init__(self, interval: float = 0.2):
        import psutil

        self.psutil = psutil
        self.interval = interval
        self.peak_tree = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = self.psutil.Process()
        while not self._stop.is_set():
            try:
                total = me.memory_info().rss
                for child in me.children():
                    tree = child.memory_info().rss
                    for g in child.children(recursive=True):
                        try:
                            tree += g.memory_info().rss
                        except self.psutil.Error:
                            pass
                    total += tree
                    self.peak_tree = max(self.peak_tree, tree)
                self.peak_total = max(self.peak_total, total)
            except self.psutil.Error:
                pass
            self._stop.wait(self.interval)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def _regions(n: int, data_dir: str | None) -> list[str]:
    from innovation_forecast.briefs.tables import briefable_regions

    names = briefable_regions(data_dir=data_dir)
    return names[:n]


def _baseline(regions: list[str], data_dir: str | None, out: Path) -> float:
    import papermill as pm

    nb = REPO / "notebooks" / "city_brief.ipynb"
    t0 = time.perf_counter()
    for i, r in enumerate(regions):
        pm.execute_notebook(str(nb), str(out / f"{i:03d}.ipynb"), parameters={"region": r, "data_dir": data_dir or ""},
                            progress_bar=False)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40, help="briefs in the batch (default 40)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", type=int, default=None,
                    help="regions in the plain papermill loop (default: all --n; 0 to skip)")
    ap.add_argument("--write", action="store_true", help="update the City briefs section of BENCHMARKS.md")
    args = ap.parse_args(argv)

    data_dir = os.environ.get("INNOVATION_FORECAST_DATA") or (
        str(REPO.parent / "shared" / "data" / "raw") if (REPO.parent / "shared" / "data" / "raw").is_dir() else None)
    if data_dir:
        os.environ["INNOVATION_FORECAST_DATA"] = data_dir
    from innovation_forecast.briefs import run_briefs

    regions = _regions(args.n, data_dir)
    if len(regions) < args.n:  # embedded data only: repeat regions under other spellings is not possible
        print(f"only {len(regions)} regions available; benchmarking those", file=sys.stderr)
    n_base = len(regions) if args.baseline is None else min(args.baseline, len(regions))
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-briefs-") as tmp:
        tmp = Path(tmp)
        os.environ["INNOVATION_FORECAST_CACHE"] = str(tmp / "cache")  # cold: no inputs cached yet
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            run = run_briefs(regions, out=tmp / "batch", workers=args.workers, progress=False, timeout=600)
            wall = time.perf_counter() - t0
        n_ok = int((run.results["status"] == "ok").sum())
        per_brief = run.results["seconds"].median()
        # warm: a second batch on the same data reuses the cached shared inputs
        t0 = time.perf_counter()
        run2 = run_briefs(regions, out=tmp / "batch2", workers=args.workers, progress=False, timeout=600)
        wall2 = time.perf_counter() - t0
        base_wall = None
        if n_base:
            (tmp / "base").mkdir()
            base_wall = _baseline(regions[:n_base], data_dir, tmp / "base")
    load1 = os.getloadavg()[0]

    gib = 1024 ** 3
    rows = [
        ("plain loop: `papermill.execute_notebook` per region, 1 process",
         f"{n_base}", f"{base_wall:.1f}" if base_wall else "–", f"{base_wall / n_base:.2f}" if base_wall else "–", "–"),
        (f"`run_briefs(workers={args.workers})` (+HTML, index), cold: shared inputs computed",
         f"{len(regions)} ({n_ok} ok)", f"{wall:.1f}", f"{wall / len(regions):.2f}", f"{mem.peak_tree / gib:.2f}"),
        (f"`run_briefs(workers={args.workers})` again, " + (
            "shared inputs from the cache" if run2.timings.get("inputs_cached") else
            "shared inputs recomputed (the package's code changed between the two runs)"),
         f"{len(regions)} ({int((run2.results['status'] == 'ok').sum())} ok)", f"{wall2:.1f}",
         f"{wall2 / len(regions):.2f}", "–"),
    ]
    table = ["| run | briefs | wall (s) | s per brief (wall / briefs) | peak RSS per worker incl. kernel (GiB) |",
             "|---|---|---|---|---|"] + ["| " + " | ".join(r) + " |" for r in rows]
    info = (f"{platform.node() or 'machine'}: {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load0:.1f} before / {load1:.1f} after; data dir: {'set' if data_dir else 'none'}; "
            f"shared inputs {run.timings.get('inputs', float('nan')):.1f} s, briefs {run.timings.get('briefs', float('nan')):.1f} s; "
            f"median time inside one brief (worker side, incl. HTML): {per_brief:.2f} s; "
            f"peak RSS of the whole batch: {mem.peak_total / gib:.2f} GiB.")
    text = "\n".join(table) + "\n\n" + info
    print(text)
    if args.write:
        _write_section(text, args)
    return 0 if run.ok else 1


def _write_section(text: str, args) -> None:
    path = REPO / "BENCHMARKS.md"
    body = (f"{SECTION}\n\n`python bench/briefs.py --n {args.n} --workers {args.workers}"
            f"{'' if args.baseline is None else f' --baseline {args.baseline}'}` "
            f"({time.strftime('%Y-%m-%d')}). Goal: ≤ 1.0 s per brief amortized for 40 briefs on 2 cores, "
            f"≤ 1.5 GiB per worker. Regions: the first {args.n} of `--regions all` with the data directory set "
            f"(the 4 regions with targets, then provinces and cities by code).\n\n{text}\n\n{HOW}\n")
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda m: body + "\n", old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + body
    path.write_text(new, encoding="utf-8")
    print(f"updated {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
