"""The batch of city briefs: one executed notebook and one HTML page per region, and an index.

``run_briefs`` is the Python side of ``innovation-forecast briefs``. It

- takes a lock on the output folder (a second batch on the same folder refuses);
- resolves the regions to canonical names and derives every file name from the region's
  administrative code, or from a sanitised name, so nothing lands outside ``out``;
- computes the inputs shared by all briefs (panel, targets, forecasts, assessments, backtest
  accuracy) once and passes their path to each notebook as a parameter;
- runs the notebooks with papermill on warm, reused kernels, in ``workers`` local processes
  or on a Dask scheduler;
- writes each output atomically, keeps a failed brief's executed notebook with its traceback,
  and ends with ``index.html`` and ``results.csv``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html as _html
import json
import os
import re
import sys
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from ..errors import BriefError
from . import _worker
from ._worker import BriefTask, find_browser

__all__ = ["BriefRun", "BriefsInterrupted", "DEFAULT_NOTEBOOK", "run_briefs", "safe_stem"]

#: The papermill template of one city brief.
DEFAULT_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "city_brief.ipynb"

LOCK_NAME = ".briefs.lock"


class BriefsInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: finished briefs are kept; ``.run`` lists what finished and what did not."""

    def __init__(self, message: str, run: "BriefRun | None" = None):
        super().__init__(message)
        self.run = run

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
INPUTS_DIR = "_inputs"

RESULT_COLUMNS = ["region", "file", "status", "error", "seconds", "notebook", "html", "pdf", "headline", "worker"]


def safe_stem(text: str, max_len: int = 60) -> str:
    """A file-name stem made from ``text`` that cannot leave its folder.

    Letters (Chinese included), digits, ``-`` and ``_`` are kept; anything else — path
    separators, dots, quotes, spaces, control characters — becomes ``_``. A name that had to
    be changed gets a short hash of the original so two different strings never share a stem.

    Example
    -------
    >>> safe_stem("360100")
    '360100'
    >>> safe_stem('../../etc/x"; import os')[:18]
    'etc_x_import_os-'
    """
    norm = unicodedata.normalize("NFKC", str(text))
    kept = re.sub(r"[^\w\-]+", "_", norm, flags=re.UNICODE).strip("_-")
    kept = kept[:max_len] or "region"
    if kept != norm:
        digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:8]
        kept = f"{kept}-{digest}"
    if kept.startswith("."):
        kept = "_" + kept
    return kept


@dataclass
class BriefRun:
    """What a batch of briefs produced.

    Attributes
    ----------
    results
        One row per region: region, file (stem), status (ok | failed | skipped), error,
        seconds, notebook, html, pdf (file names inside ``out``), headline, worker.
    out
        The run folder.
    index
        Path of ``index.html``.
    wall_seconds
        Wall time of the whole batch.
    notes
        Messages for the user (e.g. that no browser was found for ``--pdf``).
    timings
        Seconds spent on phases: ``inputs`` (shared inputs), ``briefs`` (from the first brief
        submitted to the last finished).
    """

    results: pd.DataFrame
    out: Path
    index: Path
    wall_seconds: float
    notes: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    @property
    def failed(self) -> pd.DataFrame:
        return self.results[self.results["status"] == "failed"]

    @property
    def ok(self) -> bool:
        return self.failed.empty

    def summary(self) -> str:
        """A few lines for the terminal: counts, time, failures, where the index is."""
        counts = self.results["status"].value_counts()
        n_run = int(counts.get("ok", 0) + counts.get("failed", 0))
        per = f", {self.wall_seconds / n_run:.2f} s per brief" if n_run else ""
        lines = [f"briefs: {counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed, "
                 f"{counts.get('skipped', 0)} skipped in {self.wall_seconds:.1f} s{per}"]
        for row in self.failed.itertuples():
            lines.append(f"  FAILED {row.region} ({row.notebook}): {row.error}")
        lines.extend(f"  note: {n}" for n in self.notes)
        lines.append(f"index: {self.index}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class _Entry:
    region: str  # passed to the notebook
    stem: str
    title: str


def _resolve_entries(regions: str | Iterable[str], resolve: bool, all_regions: Callable[[], list[str]]) -> list[_Entry]:
    if isinstance(regions, str):
        names = all_regions() if regions.strip().lower() == "all" else re.split(r"[,，、;；]", regions)
    else:
        names = list(regions)
    names = [str(n).strip() for n in names if str(n).strip()]
    if not names:
        raise BriefError("No regions to brief: pass --regions all or a comma-separated list such as 南昌市,九江市.")
    entries: list[_Entry] = []
    seen: set[str] = set()
    for name in names:
        if resolve:
            from ..registry import resolve_region

            reg = resolve_region(name)  # UnknownRegionError names the closest regions
            entry = _Entry(reg.name, safe_stem(f"{reg.code}"), f"{reg.name} {reg.english}".strip())
        else:
            entry = _Entry(name, safe_stem(name), name)
        if entry.stem in seen:
            continue
        seen.add(entry.stem)
        entries.append(entry)
    return entries


def _default_all_regions(data_dir=None) -> Callable[[], list[str]]:
    def all_regions() -> list[str]:
        from .tables import briefable_regions

        return briefable_regions(data_dir=data_dir)

    return all_regions


# --------------------------------------------------------------------------- results on disk


def _previous_result(out: Path, entry: _Entry) -> dict | None:
    """The result of an earlier successful run of this brief, if its files are complete."""
    import nbformat

    nb_path, html_path = out / f"{entry.stem}.ipynb", out / f"{entry.stem}.html"
    if not (nb_path.is_file() and html_path.is_file()):
        return None
    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:
        return None
    if nb.metadata.get("papermill", {}).get("exception") or _worker.first_error(nb)[0]:
        return None
    pdf = out / f"{entry.stem}.pdf"
    return {"region": entry.region, "stem": entry.stem, "status": "skipped", "error": "",
            "notebook": nb_path.name, "html": html_path.name, "pdf": pdf.name if pdf.is_file() else "",
            "seconds": 0.0, "worker": "", "summary": _worker.read_summary(nb)}


def _headline(summary: dict) -> str:
    return str(summary.get("headline", "")) if summary else ""


def _results_frame(results: list[dict]) -> pd.DataFrame:
    rows = [{"region": r["region"], "file": r["stem"], "status": r["status"], "error": r.get("error", ""),
             "seconds": r.get("seconds"), "notebook": r.get("notebook", ""), "html": r.get("html", ""),
             "pdf": r.get("pdf", ""), "headline": _headline(r.get("summary", {})), "worker": r.get("worker", "")}
            for r in results]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _verdict_items(summary: dict) -> str:
    items = []
    for v in summary.get("verdicts", []) or []:
        label = _html.escape(str(v.get("label", v.get("indicator", ""))))
        verdict = _html.escape(str(v.get("verdict", "")))
        p = v.get("p_meet")
        p_txt = f" ({float(p):.0%})" if isinstance(p, (int, float)) and p == p else ""
        items.append(f"<li>{label}: <b>{verdict}</b>{_html.escape(p_txt)}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


def write_index(out: Path, results: list[dict], title: str, meta: dict[str, Any]) -> Path:
    """Write ``index.html``: every region, its status, headline verdicts and links."""

    def link(name: str, label: str) -> str:
        return f'<a href="{_html.escape(urllib.parse.quote(name))}">{label}</a>' if name else ""

    rows = []
    for r in sorted(results, key=lambda r: (r["status"] != "failed", r["stem"])):
        s = r.get("summary", {}) or {}
        status = r["status"]
        badge = {"ok": "ok", "skipped": "ok (earlier run)", "failed": "FAILED",
                 "interrupted": "not run (interrupted)"}.get(status, status)
        err = (f'<div class="err">{_html.escape(r.get("error", ""))}</div>'
               if status in ("failed", "interrupted") else "")
        links = " · ".join(x for x in (link(r.get("html", ""), "HTML"), link(r.get("notebook", ""), "notebook"),
                                       link(r.get("pdf", ""), "PDF")) if x)
        rows.append(
            f'<tr class="{_html.escape(status)}"><td>{_html.escape(str(r["region"]))}</td>'
            f"<td>{_html.escape(badge)}{err}</td>"
            f"<td>{_html.escape(_headline(s))}{_verdict_items(s)}</td><td>{links}</td></tr>"
        )
    meta_items = "".join(f"<li>{_html.escape(str(k))}: {_html.escape(str(v))}</li>" for k, v in meta.items())
    doc = f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{_html.escape(title)}</title>
<style>
body {{ font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .4em .6em; vertical-align: top; text-align: left; }}
tr.failed td {{ background: #fde8e8; }}
.err {{ color: #a00; font-size: .9em; white-space: pre-wrap; }}
ul {{ margin: .2em 0; padding-left: 1.2em; }}
</style></head><body>
<h1>{_html.escape(title)}</h1>
<ul>{meta_items}</ul>
<table><thead><tr><th>Region 地区</th><th>Status 状态</th><th>Targets 目标</th><th>Files</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    path = out / "index.html"
    _worker.atomic_write_text(path, doc)
    return path


# --------------------------------------------------------------------------- executors


def _noop() -> int:
    return os.getpid()


class _LocalPool:
    """``workers`` processes, each with its own warm kernel, started before the inputs are ready."""

    def __init__(self, workers: int, kernel_name: str, warm_code: str):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self.ex = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                      initializer=_worker.init_worker, initargs=(kernel_name, warm_code))
        # one no-op per worker makes the pool spawn (and warm) every process now
        self._warm = [self.ex.submit(_noop) for _ in range(workers)]

    def submit(self, task: BriefTask):
        return self.ex.submit(_worker.run_task, task)

    def map_calls(self, fn, items):
        """Run ``fn(*args)`` for each args, on the workers and in this process at once.

        Used for the batch's shared inputs. The workers are still starting their kernels when
        these jobs arrive, so this process takes jobs from the end of the queue while the
        workers take them from the front (a job not yet started can be cancelled and run here).
        """
        futures = [self.ex.submit(fn, *args) for args in items]
        results: list = [None] * len(items)
        here: set[int] = set()
        for i in reversed(range(len(items))):
            if futures[i].cancel():
                results[i] = fn(*items[i])
                here.add(i)
        for i, fut in enumerate(futures):
            if i not in here:
                results[i] = fut.result()
        return results

    def as_completed(self, futures):
        from concurrent.futures import as_completed

        return as_completed(futures)

    def stop_running(self) -> None:
        pass  # close(cancel=True) terminates the workers, whose kernels end with them

    def close(self, cancel: bool = False) -> None:
        if cancel:
            procs = list(getattr(self.ex, "_processes", {}).values())
            self.ex.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=10)
        else:
            self.ex.shutdown(wait=True)


_inline_executor = None


class _InlinePool:
    """No parallelism: the briefs run one after another in this process, on one warm kernel.

    The kernel lives on one long-lived thread (nbclient's event loop and the kernel's sockets
    must stay on one thread), so a second ``run_briefs`` in the same process reuses it; it is
    stopped when the process exits.
    """

    def __init__(self):
        global _inline_executor
        from concurrent.futures import ThreadPoolExecutor

        if _inline_executor is None:
            _inline_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="brief")
        self.ex = _inline_executor
        self._futures: list = []

    def submit(self, task: BriefTask):
        fut = self.ex.submit(_worker.run_task, task)
        self._futures.append(fut)
        return fut

    map_calls = None  # shared inputs are computed in this process

    def stop_running(self) -> None:
        """Kill this process's kernels: the running brief ends at once (its kernel "died")."""
        _worker.kill_kernel_processes()

    def as_completed(self, futures):
        from concurrent.futures import as_completed

        return as_completed(futures)

    def close(self, cancel: bool = False) -> None:
        for fut in self._futures:
            if cancel:
                fut.cancel()


class _KernelPlugin:
    """Dask worker plugin: stop the worker's kernels when the worker closes."""

    name = "innovation-forecast-kernels"

    def setup(self, worker=None):
        return None

    def teardown(self, worker=None):
        _worker.shutdown_kernels()


class _DaskPool:
    """Send the briefs to a running Dask scheduler; the run folder must be visible to its workers."""

    def __init__(self, scheduler):
        try:
            from distributed import Client
        except ImportError as exc:
            raise BriefError("--scheduler needs dask.distributed: pip install 'innovation_forecast[dask]'.") from exc
        self._futures: list = []
        self.own = not hasattr(scheduler, "submit")
        self.client = Client(scheduler, set_as_default=False) if self.own else scheduler
        try:
            from distributed.diagnostics.plugin import WorkerPlugin

            plugin = type("KernelPlugin", (_KernelPlugin, WorkerPlugin), {})()
            self.client.register_plugin(plugin, name=_KernelPlugin.name)
        except Exception:  # older distributed: kernels still end with their worker (parent poller)
            pass

    def submit(self, task: BriefTask):
        fut = self.client.submit(_worker.run_task, task, pure=False, key=f"brief-{task.stem}-{time.time_ns()}")
        self._futures.append(fut)
        return fut

    def map_calls(self, fn, items):
        futures = [self.client.submit(fn, *args, pure=False) for args in items]
        return self.client.gather(futures)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def stop_running(self) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        if cancel:
            try:
                self.client.cancel(list(self._futures))
            except Exception:
                pass
        if self.own:
            self.client.close()


# --------------------------------------------------------------------------- run_briefs


def run_briefs(
    regions: str | Sequence[str] = "all",
    as_of: int | None = None,
    out: str | os.PathLike | None = None,
    *,
    workers: int = 1,
    scheduler: Any = None,
    pdf: bool = False,
    skip_existing: bool = False,
    timeout: float | None = 600,
    notebook: str | os.PathLike | None = None,
    horizon: int = 5,
    lang: str = "zh",
    indicators: Sequence[str] | None = None,
    targets: str | None = None,
    data_dir: str | os.PathLike | None = None,
    parameters: dict | None = None,
    share_inputs: bool = True,
    cache: bool = True,
    resolve: bool = True,
    progress: bool = True,
    kernel_name: str = "python3",
    warm_code: str | None = None,
) -> BriefRun:
    """Write one city brief per region: executed notebook, HTML (and PDF), plus ``index.html``.

    Parameters
    ----------
    regions
        ``"all"`` (every region with data or targets), a comma-separated string or a list of
        region names, short names or codes (``"南昌市,九江"``, ``["360100"]``).
    as_of
        Last year of data the briefs may use (default: all data).
    out
        Run folder (default ``reports/<today>``). Created if needed; locked while the batch runs.
    workers
        Local worker processes, each with one warm kernel. ``1`` runs in this process.
    scheduler
        Address of a running Dask scheduler (``"tcp://host:8786"``) or a ``distributed.Client``;
        the briefs then run on its workers, which must see ``out`` at the same path.
    pdf
        Also print each HTML page to PDF with headless Chromium, if one is on PATH.
    skip_existing
        Keep briefs whose notebook and HTML from an earlier successful run are in ``out``.
    timeout
        Seconds one brief may take (all its cells together); ``None`` for no limit.
    notebook
        The papermill template (default ``notebooks/city_brief.ipynb``).
    horizon, lang, indicators, targets, data_dir
        Passed to the notebook (forecast horizon, ``"zh"`` or ``"en"``, indicators to show,
        a targets CSV instead of the curated one, external data directory).
    parameters
        Further notebook parameters, the same for every region.
    share_inputs
        Compute panel, forecasts and assessments once for the batch and give each notebook
        their path (``inputs`` parameter) instead of recomputing them in every brief.
    cache
        Reuse shared inputs computed by an earlier batch from the same data, targets, settings
        and package code (kept in :func:`~innovation_forecast.briefs.tables.cache_dir`).
    resolve
        Resolve region names through the registry (unknown names raise before anything runs).
        ``False`` passes the strings as they are (file names are still sanitised).
    progress
        Show a tqdm progress bar.

    Returns
    -------
    BriefRun
        ``.results`` holds one row per region: region, file, status (ok | failed | skipped),
        error, seconds, notebook, html, pdf, headline, worker. ``.ok`` is False when any
        brief failed; ``.summary()`` is the closing text of the command.

    Example
    -------
    >>> run = run_briefs(["南昌市", "九江市"], out="reports/demo", workers=2)  # doctest: +SKIP
    >>> print(run.summary())  # doctest: +SKIP
    briefs: 2 ok, 0 failed, 0 skipped in 9.8 s, 4.90 s per brief
    """
    from filelock import FileLock, Timeout

    t0 = time.perf_counter()
    out = Path(out) if out is not None else Path("reports") / _dt.date.today().isoformat()
    template = Path(notebook) if notebook is not None else DEFAULT_NOTEBOOK
    if not template.is_file():
        raise BriefError(f"Brief template {str(template)!r} not found; pass notebook=PATH to an .ipynb with a "
                         "cell tagged 'parameters'.")
    if workers < 1:
        raise BriefError(f"workers must be at least 1; got {workers}.")
    if lang not in ("zh", "en"):
        raise BriefError(f"lang must be 'zh' or 'en'; got {lang!r}.")
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    lock = FileLock(str(out / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise BriefError(
            f"Another briefs batch is writing to {str(out)!r} (lock {LOCK_NAME} is held). "
            "Wait for it to finish or pass a different --out."
        ) from None
    try:
        return _run_locked(
            regions=regions, as_of=as_of, out=out, template=template.resolve(), workers=workers,
            scheduler=scheduler, pdf=pdf, skip_existing=skip_existing, timeout=timeout, horizon=horizon,
            lang=lang, indicators=indicators, targets=targets, data_dir=data_dir, parameters=parameters or {},
            share_inputs=share_inputs, cache=cache, resolve=resolve, progress=progress, kernel_name=kernel_name,
            warm_code=_worker.DEFAULT_WARM_CODE if warm_code is None else warm_code, t0=t0,
        )
    finally:
        lock.release()


def _sweep_temporary(out: Path) -> None:
    """Remove the temporary files of unfinished atomic writes (``.NAME.<random>.tmp``; never a finished file)."""
    for tmp in out.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _run_locked(*, regions, as_of, out: Path, template: Path, workers, scheduler, pdf, skip_existing, timeout,
                horizon, lang, indicators, targets, data_dir, parameters, share_inputs, cache, resolve, progress,
                kernel_name, warm_code, t0) -> BriefRun:
    _sweep_temporary(out)
    entries = _resolve_entries(regions, resolve, _default_all_regions(data_dir))
    notes: list[str] = []
    timings: dict[str, float] = {}
    done: list[dict] = []
    todo: list[_Entry] = []
    for e in entries:
        prev = _previous_result(out, e) if skip_existing else None
        (done if prev else todo).append(prev or e)

    browser = None
    if pdf:
        browser = find_browser()
        if browser is None:
            notes.append("--pdf: no Chromium found on PATH (chromium, chromium-browser, google-chrome); "
                         "wrote HTML only. Install one (Debian: apt-get install chromium) to get PDFs.")

    meta = {"run": out.name, "as_of": as_of if as_of is not None else "latest", "horizon": horizon,
            "language": lang, "template": template.name}
    try:
        from .. import __version__

        meta["innovation_forecast"] = __version__
    except ImportError:
        pass

    pool = None
    interrupted = False
    try:
        if todo:
            if scheduler is not None:
                pool = _DaskPool(scheduler)
            elif workers > 1:
                pool = _LocalPool(min(workers, len(todo)), kernel_name, warm_code)
            else:
                pool = _InlinePool()
            base = {k: v for k, v in parameters.items()}
            declared = _declared_parameters(template)
            t_inputs = time.perf_counter()
            if share_inputs and declared is not None and "inputs" in declared:
                inputs_path, from_cache = _prepare_shared_inputs(
                    out, [e.region for e in todo], cache=cache, mapper=pool.map_calls, as_of=as_of,
                    horizon=horizon, lang=lang, targets=targets, data_dir=data_dir, indicators=indicators)
                timings["inputs_cached"] = float(from_cache)
                base["inputs"] = str(inputs_path)
                meta["data_vintage"] = _read_vintage(inputs_path)
            common = {"as_of": as_of, "horizon": horizon, "lang": lang,
                      "indicators": list(indicators) if indicators else [],
                      "targets": str(targets) if targets else "", "data_dir": str(data_dir) if data_dir else ""}
            # only the parameters the template declares (papermill warns about the others)
            for k, v in common.items():
                if k not in base and (declared is None or k in declared):
                    base[k] = v
            tasks = [BriefTask(region=e.region, stem=e.stem, template=str(template), out=str(out),
                               parameters={**base, "region": e.region}, timeout=timeout,
                               kernel_name=kernel_name, warm_code=warm_code, browser=browser, title=e.title)
                     for e in todo]
            timings["inputs"] = time.perf_counter() - t_inputs
            t_briefs = time.perf_counter()
            futures = {pool.submit(t): t for t in tasks}
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(tasks), desc="briefs", unit="brief", file=sys.stderr)
            try:
                for fut in pool.as_completed(list(futures)):
                    task = futures[fut]
                    try:
                        res = fut.result()
                    except Exception as exc:  # the worker itself died (not a failing notebook)
                        res = {"region": task.region, "stem": task.stem, "status": "failed",
                               "error": f"worker failed: {type(exc).__name__}: {exc}", "notebook": "",
                               "html": "", "pdf": "", "seconds": float("nan"), "worker": "", "summary": {}}
                    if res.get("pdf_error"):
                        notes.append(f"PDF of {res['region']} failed: {res['pdf_error']}")
                    done.append(res)
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix_str(f"{res['region']} {res['status']}", refresh=False)
            finally:
                timings["briefs"] = time.perf_counter() - t_briefs
                if bar is not None:
                    bar.close()
    except KeyboardInterrupt:
        interrupted = True
        if pool is not None:
            pool.stop_running()  # the running brief's kernel would otherwise run on to its --timeout
        finished = {r["stem"] for r in done}
        left = [e for e in todo if e.stem not in finished]
        for e in left:
            done.append({"region": e.region, "stem": e.stem, "status": "interrupted",
                         "error": "interrupted (Ctrl-C) before this brief finished", "notebook": "", "html": "",
                         "pdf": "", "seconds": float("nan"), "worker": "", "summary": {}})
        unfinished = ", ".join(e.region for e in left) or "none"
        raise BriefsInterrupted(
            f"interrupted: {len(done) - len(left)} brief(s) finished and kept in {out}; not finished: {unfinished}. "
            "Run the same command with --skip-existing to finish the batch."
        ) from None
    finally:
        if pool is not None:
            pool.close(cancel=interrupted)
            # a pool that broke (a worker killed) terminates the other workers, maybe in the middle of an
            # atomic write: their half-written temporaries go, the finished files stay
            _sweep_temporary(out)
        index_error = None
        try:
            index = write_index(out, done, f"City briefs 城市简报 — {out.name}", meta)
            frame = _results_frame(done)
            _worker.atomic_write_text(out / "results.csv", frame.to_csv(index=False))
        except OSError as exc:
            index_error = exc
        if index_error is not None and sys.exc_info()[0] is None:  # no other error is on its way out
            raise BriefError(
                f"The briefs are written but index.html/results.csv in {str(out)!r} could not be: {index_error}. "
                "Free some space and run the same command with --skip-existing to write the index."
            ) from index_error
    return BriefRun(results=frame, out=out, index=index, wall_seconds=time.perf_counter() - t0, notes=notes,
                    timings=timings)


def _declared_parameters(template: Path) -> set[str] | None:
    """Names assigned in the template's ``parameters`` cell (``None`` if it has none)."""
    import ast

    import nbformat

    nb = nbformat.read(template, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            names: set[str] = set()
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                return None
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
            return names
    return None


def _prepare_shared_inputs(out: Path, regions: list[str], cache: bool = True, mapper=None, **kw) -> tuple[Path, bool]:
    """Compute (or reuse from the cache) the batch's inputs; returns their path in the run folder and
    whether they came from the cache."""
    import shutil

    from .tables import cache_dir, inputs_key, prepare_inputs, save_inputs

    folder = out / INPUTS_DIR
    folder.mkdir(exist_ok=True)
    target = folder / "inputs.pkl"
    cached = None
    if cache:
        try:
            cached = cache_dir() / "briefs" / f"inputs-{inputs_key(regions, **kw)}.pkl"
        except Exception:  # an unreadable cache key is no reason to fail: compute instead
            cached = None
        if cached is not None and cached.is_file():
            tmp = folder / f".inputs.pkl.{os.getpid()}.tmp"
            shutil.copyfile(cached, tmp)
            os.replace(tmp, target)
            return target, True
    try:
        inputs = prepare_inputs(regions=regions, mapper=mapper, **kw)
    except BriefError:
        raise
    except Exception as exc:
        raise BriefError(f"Computing the inputs shared by the briefs failed ({type(exc).__name__}: {exc}); "
                         "no brief was run. Run one brief alone (notebooks/city_brief.ipynb) to see the traceback.") from exc
    save_inputs(inputs, target)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            save_inputs(inputs, cached)
        except OSError:
            pass
    return target, False


def _read_vintage(path: Path) -> str:
    from .tables import load_inputs

    try:
        return str(load_inputs(path).vintage)
    except Exception:
        return ""
