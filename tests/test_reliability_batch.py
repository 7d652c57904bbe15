"""Faults in the batch of briefs (issue 7) and malicious region strings.

The briefs run ``tests/fixtures/notebooks/fault_brief.ipynb``, a notebook that does what its ``modes``
parameter (or ``$IF_TEST_FAULT_MODES`` when driven through the CLI) tells it for each region: finish,
raise, hang, kill its kernel, kill its worker process, or sleep. Every test checks the same promises:

- finished briefs stay intact (a valid notebook without errors, and its HTML);
- nothing half-written is left looking finished (no temporary files, no ``.partial`` folder,
  no notebook of an unfinished brief that a rerun would skip);
- the summary, ``results.csv`` and the exit status say exactly which regions did not finish;
- ``--skip-existing`` (``skip_existing=True``) completes the batch on rerun.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("papermill")
pytest.importorskip("nbclient")

from innovation_forecast.briefs import run_briefs  # noqa: E402
from innovation_forecast.errors import BriefError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "tests" / "fixtures" / "notebooks" / "fault_brief.ipynb"
PY = sys.executable


def batch(regions, out, modes=None, **kw):
    """run_briefs on the fault notebook: no shared inputs, a bare kernel (fast), names as given."""
    params = {"modes": modes or {}}
    params.update(kw.pop("parameters", {}))
    kw.setdefault("timeout", 20)
    return run_briefs(regions, out=out, notebook=NOTEBOOK, resolve=False, progress=False, warm_code="",
                      share_inputs=False, parameters=params, **kw)


def status(run) -> dict[str, str]:
    return dict(zip(run.results["region"], run.results["status"]))


def assert_intact(out: Path, stem: str, region: str) -> None:
    """A finished brief: a notebook that ran every cell without error, and its HTML page."""
    import nbformat

    nb = nbformat.read(out / f"{stem}.ipynb", as_version=4)
    assert not nb.metadata.get("papermill", {}).get("exception")
    texts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", (stem, o)
            texts.append(o.get("text", ""))
    # a kernel may deliver one print() as several stream messages (seen under load in CI:
    # ['done', ' a\n']), so compare the joined stream text, not the individual messages
    assert f"done {region}\n" in "".join(texts)
    html = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and html.rstrip().endswith("</html>")


def assert_nothing_half_written(out: Path) -> None:
    leftovers = [p.name for p in out.rglob("*") if p.name.endswith(".tmp") or ".partial" in p.parts]
    assert leftovers == [], leftovers


def results_csv(out: Path) -> dict[str, str]:
    df = pd.read_csv(out / "results.csv")
    return dict(zip(df["region"], df["status"]))


# =========================================================================== failing, hanging, dying briefs


@pytest.mark.slow
def test_failing_hanging_and_dying_briefs(tmp_path):
    out = tmp_path / "run"
    regions = ["ok_a", "fails", "hangs", "dies", "ok_b"]
    t0 = time.monotonic()
    run = batch(regions, out, modes={"fails": "fail", "hangs": "hang", "dies": "die"}, timeout=4)
    assert time.monotonic() - t0 < 90
    assert status(run) == {"ok_a": "ok", "fails": "failed", "hangs": "failed", "dies": "failed", "ok_b": "ok"}
    err = dict(zip(run.results["region"], run.results["error"]))
    assert "planned failure in fails" in err["fails"]
    assert "time limit of 4 s" in err["hangs"]
    assert "DeadKernelError" in err["dies"] or "died" in err["dies"]
    # the brief after a dead kernel ran on a fresh one
    assert_intact(out, "ok_a", "ok_a")
    assert_intact(out, "ok_b", "ok_b")
    assert_nothing_half_written(out)
    summary = run.summary()
    for r in ("fails", "hangs", "dies"):
        assert f"FAILED {r} " in summary
    assert "FAILED ok_" not in summary and "2 ok, 3 failed" in summary
    assert results_csv(out) == status(run)
    # a rerun with skip_existing redoes exactly the failed ones
    again = batch(regions, out, skip_existing=True)
    assert status(again) == {"ok_a": "skipped", "fails": "ok", "hangs": "ok", "dies": "ok", "ok_b": "skipped"}
    for r in regions:
        assert_intact(out, r, r)
    assert_nothing_half_written(out)


# =========================================================================== full disk


@pytest.mark.slow
def test_full_disk_while_writing_one_brief(tmp_path, monkeypatch):
    from innovation_forecast.briefs import _worker

    real = _worker.atomic_write_bytes

    def flaky(path, data):
        if Path(path).name.startswith("disk_full."):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(_worker, "atomic_write_bytes", flaky)
    out = tmp_path / "run"
    run = batch(["before", "disk_full", "after"], out)
    assert status(run) == {"before": "ok", "disk_full": "failed", "after": "ok"}
    assert "No space left on device" in run.results.set_index("region").loc["disk_full", "error"]
    assert not (out / "disk_full.ipynb").exists() and not (out / "disk_full.html").exists()
    assert_intact(out, "before", "before")
    assert_intact(out, "after", "after")
    assert_nothing_half_written(out)
    monkeypatch.setattr(_worker, "atomic_write_bytes", real)
    again = batch(["before", "disk_full", "after"], out, skip_existing=True)
    assert status(again) == {"before": "skipped", "disk_full": "ok", "after": "skipped"}


def test_atomic_write_leaves_no_partial_file_on_a_write_error(tmp_path, monkeypatch):
    from innovation_forecast.briefs import _worker

    target = tmp_path / "brief.html"
    target.write_text("the finished page of an earlier run")

    def failing_fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        _worker.atomic_write_text(target, "x" * 100_000)
    assert target.read_text() == "the finished page of an earlier run"  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["brief.html"]


@pytest.mark.slow
def test_full_disk_while_writing_the_index(tmp_path, monkeypatch):
    from innovation_forecast.briefs import _worker, runner

    real = _worker.atomic_write_text

    def flaky(path, text):
        if Path(path).name in ("index.html", "results.csv"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text)

    monkeypatch.setattr(runner._worker, "atomic_write_text", flaky)
    out = tmp_path / "run"
    # the briefs are done; only the index cannot be written: the package's own error, naming the folder
    with pytest.raises(BriefError, match="No space left on device"):
        batch(["a", "b"], out)
    assert_intact(out, "a", "a")
    assert_intact(out, "b", "b")
    assert_nothing_half_written(out)


# =========================================================================== worker killed, Ctrl-C, kill -9


@pytest.mark.slow
def test_worker_process_killed_mid_batch(tmp_path):
    out = tmp_path / "run"
    regions = ["w1", "w2", "killer", "w3", "w4", "w5"]
    run = batch(regions, out, modes={"killer": "kill_worker", "w1": "slow", "w2": "slow"}, workers=2,
                parameters={"sleep": 1.0})
    st = status(run)
    assert set(st) == set(regions)  # every region is accounted for
    assert st["killer"] == "failed"
    not_done = {r for r, s in st.items() if s != "ok"}
    for r in set(regions) - not_done:
        assert_intact(out, r, r)
    for r in not_done:
        assert f"FAILED {r} " in run.summary()
        # a brief the pool lost after it finished may be complete; anything else must not look finished
        nb = out / f"{r}.ipynb"
        if nb.exists() and "error" not in nb.read_text(encoding="utf-8"):
            assert_intact(out, r, r)
    assert_nothing_half_written(out)
    assert results_csv(out) == st
    again = batch(regions, out, skip_existing=True, workers=2)
    assert set(status(again).values()) <= {"ok", "skipped"}
    assert {r for r, s in status(again).items() if s == "ok"} <= not_done
    assert {r for r, s in status(again).items() if s == "skipped"} >= set(regions) - not_done
    for r in regions:
        assert_intact(out, r, r)


def _cli(out: Path, regions: list[str], modes: dict, *extra: str, sleep: float = 0) -> subprocess.Popen:
    env = dict(os.environ, IF_TEST_FAULT_MODES=json.dumps(modes), IF_TEST_FAULT_SLEEP=str(sleep),
               PYTHONUNBUFFERED="1")
    cmd = [PY, "-m", "innovation_forecast.cli", "briefs", "--regions", ",".join(regions), "--out", str(out),
           "--notebook", str(NOTEBOOK), "--no-progress", *extra]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for(cond, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


REG = ["南昌市", "九江市", "萍乡市"]


@pytest.mark.slow
def test_ctrl_c_keeps_finished_briefs_and_says_which_did_not_finish(tmp_path):
    out = tmp_path / "run"
    proc = _cli(out, REG, {"九江市": "hang"}, "--timeout", "20")
    stem = "360100"  # 南昌市: the first brief finishes, the second hangs
    _wait_for(lambda: (out / f"{stem}.html").exists(), 120)
    time.sleep(1.0)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C goes to the whole foreground process group
    stdout, stderr = proc.communicate(timeout=60)
    stopped_after = time.monotonic() - t0
    assert_intact(out, stem, "南昌市")
    assert_nothing_half_written(out)
    assert results_csv(out).get("南昌市") == "ok"
    text = stdout + stderr
    assert "Traceback" not in text, text[-2000:]
    for r in ("九江市", "萍乡市"):
        assert r in text, text[-2000:]  # the regions that did not finish are named
    assert proc.returncode == 130
    assert stopped_after < 15  # the running brief is stopped, not waited for
    rerun = _cli(out, REG, {}, "--skip-existing")
    stdout, stderr = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, stdout + stderr
    assert "1 skipped" in stdout and "2 ok" in stdout


@pytest.mark.slow
def test_kill_9_of_the_whole_batch_then_skip_existing_completes(tmp_path):
    out = tmp_path / "run"
    proc = _cli(out, REG, {"九江市": "hang"}, "--timeout", "120")
    _wait_for(lambda: (out / "360100.html").exists(), 120)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert_intact(out, "360100", "南昌市")
    assert not (out / "360400.ipynb").exists()  # 九江市 never finished: nothing looks finished
    rerun = _cli(out, REG, {}, "--skip-existing")
    stdout, stderr = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, stdout + stderr
    assert "2 ok, 0 failed, 1 skipped" in stdout
    assert_nothing_half_written(out)  # the killed batch's leftovers are cleaned up by the rerun


@pytest.mark.slow
def test_cli_exit_status_and_summary_name_failed_regions(tmp_path):
    out = tmp_path / "run"
    proc = _cli(out, REG, {"九江市": "fail"})
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 1
    assert "FAILED 九江市" in stdout and "FAILED 南昌市" not in stdout and "FAILED 萍乡市" not in stdout
    assert results_csv(out) == {"南昌市": "ok", "九江市": "failed", "萍乡市": "ok"}


# =========================================================================== two batches on one folder


@pytest.mark.slow
def test_second_batch_on_the_same_folder_refuses(tmp_path):
    out = tmp_path / "run"
    first = _cli(out, REG, {"南昌市": "slow", "九江市": "slow", "萍乡市": "slow"}, sleep=3)
    # the first batch holds the lock once its run folder exists and its first brief started
    _wait_for(lambda: (out / ".partial").exists() or (out / "360100.html").exists(), 120)
    with pytest.raises(BriefError, match=r"Another briefs batch is writing to .*run"):
        batch(["x"], out)
    second = _cli(out, ["南昌市"], {})
    s_out, s_err = second.communicate(timeout=120)
    assert second.returncode == 2 and "Another briefs batch" in s_err
    stdout, stderr = first.communicate(timeout=180)
    assert first.returncode == 0, stdout + stderr
    for stem, r in [("360100", "南昌市"), ("360400", "九江市"), ("360300", "萍乡市")]:
        assert_intact(out, stem, r)
    assert results_csv(out) == {"南昌市": "ok", "九江市": "ok", "萍乡市": "ok"}
    assert not (out / "x.ipynb").exists()


# =========================================================================== malicious region strings


EVIL = ["<script>alert('x')</script>", "../../escaped", "/etc/cron.d/evil", "..", "a\\..\\b", "C:\\Windows\\x",
        "\"); open('PWNED','w'); (\"", "{region}\n!touch PWNED", "南昌市/../../九江市"]


@pytest.mark.slow
def test_malicious_region_strings(tmp_path):
    out = tmp_path / "sub" / "run"
    out.parent.mkdir()
    markers = tmp_path / "markers"
    markers.mkdir()
    before_parent = sorted(p.name for p in tmp_path.iterdir())
    run = batch(EVIL, out, parameters={"marker_dir": str(markers)})
    assert set(status(run).values()) == {"ok"}, run.summary()
    # nothing left the output folder
    assert sorted(p.name for p in tmp_path.iterdir()) == before_parent
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["run"]
    for f in out.rglob("*"):
        assert f.resolve().is_relative_to(out.resolve())
    files = list(run.results["notebook"]) + list(run.results["html"])
    assert all("/" not in f and "\\" not in f and not f.startswith(".") for f in files), files
    assert len(set(run.results["file"])) == len(EVIL)  # no two regions share a file
    # parameters arrive as data: each region string exactly, and no code ran
    got = sorted(json.loads(p.read_text(encoding="utf-8"))["region"] for p in markers.iterdir())
    assert got == sorted(EVIL)
    for where in (REPO, NOTEBOOK.parent, out, tmp_path, Path.cwd()):
        assert not (where / "PWNED").exists()
    # HTML in a region name is escaped in the index and in the brief pages
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in index and "&lt;script&gt;alert" in index
    stem = run.results.set_index("region").loc[EVIL[0], "file"]
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "<script>alert('x')</script>" not in page


def test_unknown_region_is_refused_before_anything_runs(tmp_path):
    from innovation_forecast.errors import UnknownRegionError

    out = tmp_path / "run"
    with pytest.raises(UnknownRegionError, match="'<b>火星</b>' is not a known region"):
        run_briefs(["南昌市", "<b>火星</b>"], out=out, notebook=NOTEBOOK, progress=False, warm_code="")
    assert not any(p.suffix in (".ipynb", ".html") for p in out.glob("*")) if out.exists() else True


EVIL_QUOTE = ("力争专利申请量达到5500件 [点击查看](javascript:alert(1)) <img src=x onerror=alert(2)> "
              "![logo](javascript:alert(3)) <script>alert(4)</script>")


def test_quote_text_cannot_inject_links_or_tags_into_the_brief_html(monkeypatch):
    """Text from a targets file or a report (quotes, doc names) is shown as text in the brief page."""
    from types import SimpleNamespace

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from innovation_forecast.briefs import _worker, display

    shown = []

    def capture(obj):
        data = obj._repr_markdown_() if hasattr(obj, "_repr_markdown_") else None
        if data is not None:
            shown.append(new_output("display_data", data={"text/markdown": data, "text/plain": ""}))
        elif hasattr(obj, "_repr_html_"):
            shown.append(new_output("display_data", data={"text/html": obj._repr_html_(), "text/plain": ""}))

    monkeypatch.setattr(display, "_d", capture)
    monkeypatch.setattr(display, "show_summary", lambda bt: None)
    bt = SimpleNamespace(
        lang="zh", region="南昌市", region_en="Nanchang", as_of=2017, headline=EVIL_QUOTE,
        target_tables=[{"title": "专利申请量 [t](javascript:alert(5))", "table": pd.DataFrame({"目标": [EVIL_QUOTE]}),
                        "explanation": EVIL_QUOTE, "quote": EVIL_QUOTE, "doc": "[doc](javascript:alert(6))"}])
    display.show_headline(bt)
    display.show_targets(bt)
    nb = new_notebook(cells=[new_code_cell("", outputs=shown)])
    page = _worker.notebook_to_html(nbformat.from_dict(nb), "t")
    body = page[page.index("<body"):]
    for attr in ('href="javascript:', 'src="javascript:', "<img src=x", "<script>alert"):
        assert attr not in body, attr


def test_a_kernel_that_dies_while_starting_is_started_again(monkeypatch):
    """Two workers starting kernels at once: one kernel can die before its first reply (CI, Dask)."""
    from innovation_forecast.briefs import _worker

    starts = []

    class Boot:
        kc = "client"

        def start_new_kernel_client(self):
            starts.append(1)
            if len(starts) == 1:
                raise RuntimeError("Kernel died before replying to kernel_info")

    def launch(self):
        self.km, self._boot = object(), Boot()

    monkeypatch.setattr(_worker.WarmKernel, "launch", launch)
    monkeypatch.setattr(_worker.WarmKernel, "kill", lambda self: None)
    monkeypatch.setattr(_worker.time, "sleep", lambda s: None)
    wk = _worker.WarmKernel(warm_code="").start()
    assert len(starts) == 2 and wk.kc == "client"
    # a kernel that keeps dying is reported, not retried for ever
    starts.clear()
    Boot.start_new_kernel_client = lambda self: (_ for _ in ()).throw(RuntimeError("Kernel died before replying"))
    with pytest.raises(RuntimeError, match="died"):
        _worker.WarmKernel(warm_code="").start()
