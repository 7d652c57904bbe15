"""One brief in one worker: papermill on a warm, reused Jupyter kernel.

Starting a kernel and importing pandas and matplotlib in it costs a few seconds, and
importing papermill about 1–3 s; a city brief's own cells take well under a second. So each
worker process (or each thread of a Dask worker) keeps one kernel, started and warmed (imports
done) before the first brief, and reuses it: between briefs the user namespace is reset
(``%reset -f``), figures are closed and matplotlib's settings restored. A brief that times out
or kills its kernel gets a fresh kernel for the next brief.

Execution still goes through :func:`papermill.execute_notebook` (parameters injected as
literals by papermill's translator) with a papermill engine, :class:`WarmKernelEngine`, that
hands nbclient the running kernel instead of starting one.

Outputs are written atomically: papermill keeps the executed notebook in memory; notebook, HTML
and PDF are written to hidden temporary files beside their final names and moved into place with
:func:`os.replace`, so a crash or Ctrl-C never leaves a half-written brief.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import subprocess
import tempfile
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Engine name under which :class:`WarmKernelEngine` is registered with papermill.
ENGINE_NAME = "innovation_forecast_warm"

#: MIME type of the summary a brief displays for the batch index (invisible in HTML).
SUMMARY_MIME = "application/vnd.innovation-forecast.brief-summary+json"

#: Imports done once per kernel, before the first brief: what city_brief.ipynb uses.
DEFAULT_WARM_CODE = """\
import warnings
import numpy, pandas, matplotlib
import matplotlib.pyplot
import IPython.display
import innovation_forecast
import innovation_forecast.briefs
import innovation_forecast.briefs.charts
innovation_forecast.briefs.charts.prepare_kernel()
"""

_RESET_CODE = """\
def _if_reset(cwd):
    import os, sys, warnings
    ip = get_ipython()
    # what %reset -f does for the namespace, without its gc.collect() (0.3 s with pandas loaded)
    hidden = ip.user_ns_hidden
    for name in [n for n in ip.user_ns if n not in hidden]:
        del ip.user_ns[name]
    ip.history_manager.output_hist.clear()
    for name in ("_", "__", "___"):
        ip.user_ns[name] = ""
    mpl = sys.modules.get("matplotlib")
    if mpl is not None:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close("all")
        snap = getattr(ip, "_if_rc_snapshot", None)
        if snap is None:
            ip._if_rc_snapshot = mpl.rcParams.copy()
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mpl.rcParams.update(snap)
    filters = getattr(ip, "_if_warning_filters", None)
    if filters is None:
        ip._if_warning_filters = list(warnings.filters)
    else:
        warnings.filters[:] = filters
    os.chdir(cwd)
    ip.execution_count = 0
_if_reset({cwd!r})
"""


@dataclass(frozen=True)
class BriefTask:
    """Everything a worker needs to run one brief; plain data, so it pickles to any worker."""

    region: str
    stem: str
    template: str
    out: str
    parameters: dict = field(default_factory=dict)
    timeout: float | None = None
    kernel_name: str = "python3"
    warm_code: str = DEFAULT_WARM_CODE
    browser: str | None = None
    title: str = ""


# --------------------------------------------------------------------------- warm kernels


class WarmKernel:
    """A Jupyter kernel started once, warmed with ``warm_code`` and reused across notebooks."""

    def __init__(self, kernel_name: str = "python3", warm_code: str = "", startup_timeout: float = 120):
        self.kernel_name = kernel_name
        self.warm_code = warm_code
        self.startup_timeout = startup_timeout
        self.km = None
        self.kc = None
        self.dirty = False  # set when a brief timed out or the kernel died: restart before reuse
        self.briefs_run = 0

    def launch(self) -> None:
        """Start the kernel process without waiting for it (the caller can import meanwhile)."""
        import nbformat
        from nbclient import NotebookClient

        self._boot = NotebookClient(nbformat.v4.new_notebook(), kernel_name=self.kernel_name,
                                    startup_timeout=self.startup_timeout)
        self.km = self._boot.create_kernel_manager()
        # the kernel's own start-up chatter (e.g. ipykernel's TCP warning) is not the user's business
        self._boot.start_new_kernel(stderr=subprocess.DEVNULL)

    #: Kernel starts tried before giving up. Kernels started at the same moment by several worker
    #: processes occasionally die before their first reply (seen in CI with two Dask workers: "Kernel
    #: died before replying to kernel_info"); a second start, a moment later, succeeds.
    start_attempts = 3

    def start(self) -> "WarmKernel":
        """Start (if not launched), connect and warm the kernel; a kernel that dies while starting is
        started again (up to :attr:`start_attempts` times)."""
        for attempt in range(1, self.start_attempts + 1):
            if self.km is None:
                self.launch()
            try:
                self._boot.start_new_kernel_client()
                break
            except RuntimeError as exc:
                if "died" not in str(exc) or attempt == self.start_attempts:
                    raise
                self.kill()
                self.km = self.kc = None
                time.sleep(0.25 * attempt)
        self.kc = self._boot.kc
        if self.warm_code.strip():
            self.run(self.warm_code, timeout=self.startup_timeout)
        self.dirty = False
        self.briefs_run = 0
        return self

    def run(self, code: str, timeout: float | None = 60) -> None:
        """Execute ``code`` in the kernel; raise nbclient's CellExecutionError on an error."""
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        client = NotebookClient(nb, km=self.km, kernel_name=self.kernel_name, timeout=timeout)
        client.kc = self.kc
        client.execute()

    def reset(self, cwd: str) -> None:
        """Clear the user namespace and figures between two briefs; restart if that fails."""
        if self.dirty or not self.alive():
            self.restart()
        try:
            self.run(_RESET_CODE.format(cwd=cwd), timeout=60)
        except Exception:  # a kernel that cannot even reset is replaced
            self.restart()
            self.run(_RESET_CODE.format(cwd=cwd), timeout=60)

    def alive(self) -> bool:
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        return proc is not None and proc.poll() is None

    def restart(self) -> None:
        self.kill()
        self.km = self.kc = None
        self.start()

    def kill(self) -> None:
        """Stop the kernel process now (works from any thread)."""
        km, kc = self.km, self.kc
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        if proc is not None:
            try:
                proc.kill()
                proc.wait(timeout=10)
            except Exception:
                pass
        if km is not None:
            try:
                from jupyter_core.utils import run_sync

                run_sync(km._async_cleanup_resources)()
            except Exception:
                pass


_kernels: dict[tuple, WarmKernel] = {}
_kernels_lock = threading.Lock()


def get_kernel(kernel_name: str = "python3", warm_code: str = DEFAULT_WARM_CODE) -> WarmKernel:
    """The warm kernel of the calling thread (started on first use)."""
    key = (threading.get_ident(), kernel_name, warm_code)
    with _kernels_lock:
        wk = _kernels.get(key)
    if wk is None:
        wk = WarmKernel(kernel_name, warm_code).start()
        with _kernels_lock:
            _kernels[key] = wk
    return wk


def shutdown_kernels() -> None:
    """Stop every kernel this process started (registered with atexit)."""
    with _kernels_lock:
        kernels = list(_kernels.values())
        _kernels.clear()
    for wk in kernels:
        wk.kill()


def kill_kernel_processes() -> None:
    """Kill the kernel processes of this process now, from any thread, without touching their
    clients: a brief running on one of them ends with nbclient's DeadKernelError (recorded in
    its notebook) instead of running on to its time limit. The kernels are replaced on next use."""
    with _kernels_lock:
        kernels = list(_kernels.values())
    for wk in kernels:
        proc = getattr(getattr(wk.km, "provisioner", None), "process", None)
        if proc is not None:
            try:
                proc.kill()
            except Exception:
                pass
        wk.dirty = True


atexit.register(shutdown_kernels)

_local = threading.local()


def _exit_on_term(signum, frame):
    raise SystemExit(128 + signum)  # runs atexit, which stops the kernels


def init_worker(kernel_name: str = "python3", warm_code: str = DEFAULT_WARM_CODE) -> None:
    """Process-pool initializer: launch the kernel, import papermill while it boots, then warm it."""
    import signal

    # Ctrl-C goes to the whole process group; the parent decides what to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    wk = WarmKernel(kernel_name, warm_code)
    wk.launch()
    _import_papermill()
    import nbconvert  # noqa: F401  (HTML export, once per worker)

    wk.start()
    with _kernels_lock:
        _kernels[(threading.get_ident(), kernel_name, warm_code)] = wk


# --------------------------------------------------------------------------- papermill engine


_registered = False


def _import_papermill():
    global _registered
    import papermill
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import remove_args

    if _registered:
        return papermill

    class _BriefClient(PapermillNotebookClient):
        """Records a timeout or a dead kernel as the failing cell's error instead of losing the notebook."""

        def papermill_execute_cells(self):
            from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

            for index, cell in enumerate(self.nb.cells):
                try:
                    self.nb_man.cell_start(cell, index)
                    self.execute_cell(cell, index)
                except CellExecutionError as ex:
                    self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=ex)
                    break
                except (CellTimeoutError, DeadKernelError) as ex:
                    _local.kernel_dirty = True
                    if isinstance(ex, CellTimeoutError):
                        ename = "BriefTimeoutError"
                        evalue = (f"The brief ran past its time limit of {_local.limit:g} s (--timeout); "
                                  f"stopped in this cell.")
                    else:
                        ename, evalue = "DeadKernelError", f"The kernel died while running this cell: {ex}"
                    cell.setdefault("outputs", []).insert(0, _error_output(ename, evalue))
                    self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=ex)
                    break
                finally:
                    self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)

        def execute(self, **kwargs):
            self.reset_execution_trackers()
            with self.setup_kernel(**kwargs):
                self.papermill_execute_cells()
                if not getattr(_local, "kernel_dirty", False):
                    info_msg = self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            return self.nb

    class WarmKernelEngine(NBClientEngine):
        """Papermill engine running the notebook on the calling thread's warm kernel."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            wk = _local.kernel
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            deadline = _local.deadline

            def timeout_func(cell):
                if deadline is None:
                    return None
                return max(1, math.ceil(deadline - time.monotonic()))

            client = _BriefClient(nb_man, km=wk.km, kernel_name=kernel_name, timeout_func=timeout_func,
                                  startup_timeout=start_timeout, log_output=log_output,
                                  stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
            client.kc = wk.kc
            _local.nb = nb_man.nb  # kept for the caller when papermill raises
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
    _registered = True
    return papermill


def _error_output(ename: str, evalue: str) -> dict:
    import nbformat

    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


# --------------------------------------------------------------------------- files


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and :func:`os.replace`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)  # mkstemp makes 0600 files; briefs are meant to be shared
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


_exporter = None


def notebook_to_html(nb, title: str) -> str:
    """HTML of an executed notebook without its code cells (prompts hidden too)."""
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    with warnings.catch_warnings():
        # the brief's summary for the index is meant to stay invisible in the page
        warnings.filterwarnings("ignore", message="Your element with mimetype")
        body, _ = _exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def find_browser() -> str | None:
    """Path of a Chromium-family browser on PATH, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
                 "chromium-headless-shell"):
        p = shutil.which(name)
        if p:
            return p
    return None


def html_to_pdf(browser: str, html: Path, pdf: Path, timeout: float = 120) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium (atomically)."""
    fd, tmp = tempfile.mkstemp(dir=pdf.parent, prefix=f".{pdf.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="if-chromium-") as profile:
            cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html.resolve().as_uri()]
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
        if proc.returncode != 0 or os.path.getsize(tmp) == 0:
            raise RuntimeError(f"{Path(browser).name} exited with {proc.returncode}: {proc.stderr.strip()[-500:]}")
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, pdf)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_summary(nb) -> dict:
    """The summary a brief displayed under :data:`SUMMARY_MIME` (empty dict if none)."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            data = out.get("data") or {}
            if SUMMARY_MIME in data:
                val = data[SUMMARY_MIME]
                return json.loads(val) if isinstance(val, str) else dict(val)
    return {}


def first_error(nb) -> tuple[str, str]:
    """``(ename, evalue)`` of the first error output in an executed notebook."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                if out.get("ename") == "SystemExit" and str(out.get("evalue", "")) in ("", "0"):
                    continue
                return str(out.get("ename", "")), str(out.get("evalue", ""))
    return "", ""


# --------------------------------------------------------------------------- one brief


def run_task(task: BriefTask) -> dict[str, Any]:
    """Execute one brief and write ``<stem>.ipynb``, ``<stem>.html`` (and ``.pdf``) into ``task.out``.

    Never raises for a failing notebook: the result's ``status`` is ``"failed"`` and the
    executed notebook with its traceback is still written.
    """
    import nbformat

    t0 = time.perf_counter()
    out = Path(task.out)
    nb_path, html_path, pdf_path = (out / f"{task.stem}{ext}" for ext in (".ipynb", ".html", ".pdf"))
    result: dict[str, Any] = {"region": task.region, "stem": task.stem, "status": "ok", "error": "",
                              "notebook": nb_path.name, "html": "", "pdf": "", "seconds": math.nan,
                              "worker": f"{os.getpid()}:{threading.get_ident()}", "summary": {}}
    pm = _import_papermill()
    wk = get_kernel(task.kernel_name, task.warm_code)
    wk.reset(cwd=str(Path(task.template).resolve().parent))
    _local.kernel = wk
    _local.kernel_dirty = False
    _local.limit = task.timeout or 0
    _local.deadline = (time.monotonic() + task.timeout) if task.timeout else None

    nb = None
    _local.nb = None
    try:
        # output_path=None: papermill keeps the notebook in memory; it is written below, atomically
        nb = pm.execute_notebook(task.template, None, parameters=dict(task.parameters),
                                 engine_name=ENGINE_NAME, kernel_name=task.kernel_name,
                                 progress_bar=False, request_save_on_cell_execute=False)
    except pm.PapermillExecutionError as exc:
        result["status"] = "failed"
        result["error"] = f"{exc.ename}: {exc.evalue}"
        nb = _local.nb  # with papermill's error marker cell already inserted
    except Exception as exc:  # papermill itself failed (bad template, unreadable notebook…)
        result["status"] = "failed"
        result["error"] = f"{type(exc).__name__}: {exc}"
        _local.kernel_dirty = True
        nb = _local.nb
    finally:
        wk.briefs_run += 1
        if getattr(_local, "kernel_dirty", False):
            wk.dirty = True
    if nb is None:
        exc_info = traceback.format_exc()
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "# the brief could not be run", outputs=[nbformat.v4.new_output(
                "error", ename="BriefError", evalue=result["error"], traceback=exc_info.splitlines())])])
    nb.metadata.setdefault("papermill", {})["output_path"] = str(nb_path)
    result["summary"] = read_summary(nb)
    title = task.title or task.region
    html = notebook_to_html(nb, title)
    atomic_write_text(html_path, html)
    result["html"] = html_path.name
    # the notebook last: a complete .ipynb next to its .html marks a finished brief (--skip-existing)
    atomic_write_text(nb_path, nbformat.writes(nb))
    if task.browser:
        try:
            html_to_pdf(task.browser, html_path, pdf_path)
            result["pdf"] = pdf_path.name
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            result["pdf_error"] = f"{type(exc).__name__}: {exc}"
    result["seconds"] = time.perf_counter() - t0
    return result
