"""The batch runner of city briefs, on a tiny notebook fixture (fast), and the real brief (slow)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from innovation_forecast.briefs import run_briefs, safe_stem
from innovation_forecast.briefs import _worker
from innovation_forecast.errors import BriefError, InnovationForecastError

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable

HOSTILE = '../../etc/x"; import os; os.system("echo pwned") #'

FIXTURE_CODE = """\
import json, os, time
from IPython.display import display
if sleep:
    time.sleep(sleep)
if region == fail_on:
    raise ValueError(f"boom in {region}")
print("REGION=" + json.dumps(region, ensure_ascii=False))
print("PID=" + str(os.getpid()))
display({"application/vnd.innovation-forecast.brief-summary+json":
         {"region": region, "headline": f"{region}: 1 target",
          "verdicts": [{"label": "专利申请", "verdict": "likely", "p_meet": 0.8}]}}, raw=True)
"""


def make_fixture(path: Path) -> Path:
    v4 = nbformat.v4
    params = v4.new_code_cell('region = "x"\nfail_on = ""\nsleep = 0')
    params.metadata["tags"] = ["parameters"]
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Fixture brief"), params, v4.new_code_cell(FIXTURE_CODE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def fixture_nb(tmp_path_factory) -> Path:
    return make_fixture(tmp_path_factory.mktemp("nb") / "fixture.ipynb")


def run(fixture_nb, regions, out, **kw):
    kw.setdefault("resolve", False)
    kw.setdefault("share_inputs", False)
    kw.setdefault("warm_code", "")
    kw.setdefault("progress", False)
    return run_briefs(regions, out=out, notebook=fixture_nb, **kw)


def stdout_of(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")


def visible_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)]


# --------------------------------------------------------------------------- success and failure


def test_failing_region_is_kept_and_others_are_written(fixture_nb, tmp_path):
    out = tmp_path / "run"
    res = run(fixture_nb, ["a", "b", "c"], out, parameters={"fail_on": "b"})
    frame = res.results.set_index("region")
    assert frame.loc["a", "status"] == "ok" and frame.loc["c", "status"] == "ok"
    assert frame.loc["b", "status"] == "failed"
    assert "boom in b" in frame.loc["b", "error"]
    assert not res.ok
    for stem in "abc":
        assert (out / f"{stem}.ipynb").is_file() and (out / f"{stem}.html").is_file()
    # the failed notebook keeps its traceback
    nb = nbformat.read(out / "b.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "ValueError" and errors[0]["traceback"]
    # HTML shows outputs but no code
    page = (out / "a.html").read_text(encoding="utf-8")
    assert "REGION=" in page and "time.sleep" not in page
    # index lists every region, marks the failure and links the files
    index = (out / "index.html").read_text(encoding="utf-8")
    for stem in "abc":
        assert f'href="{stem}.html"' in index
    assert "FAILED" in index and "boom in b" in index and "专利申请" in index
    assert "a: 1 target" in index
    assert "FAILED b" in res.summary()
    csv = (out / "results.csv").read_text(encoding="utf-8")
    assert "failed" in csv and csv.count("\n") == 4


def test_cli_exit_status_is_nonzero_when_a_brief_fails(fixture_nb, tmp_path):
    from innovation_forecast.cli import main

    out = tmp_path / "cli"
    # the fixture fails for region "x"? no: fail_on defaults to "", so pass a region that fails via a template copy
    nb = nbformat.read(fixture_nb, as_version=4)
    nb.cells[1].source = 'region = "x"\nfail_on = "九江市"\nsleep = 0'
    tpl = tmp_path / "tpl.ipynb"
    nbformat.write(nb, tpl)
    code = main(["briefs", "--regions", "南昌市,九江市", "--out", str(out), "--notebook", str(tpl), "--no-progress"])
    assert code == 1
    assert (out / "360100.html").is_file() and (out / "360400.ipynb").is_file()
    assert 'REGION="南昌市"' in stdout_of(out / "360100.ipynb")


def test_kernel_is_reused_and_namespace_reset(fixture_nb, tmp_path):
    nb = nbformat.read(fixture_nb, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("leak = globals().get('leak', 0) + 1\nprint('LEAK=' + str(leak))"))
    tpl = tmp_path / "leak.ipynb"
    nbformat.write(nb, tpl)
    out = tmp_path / "run"
    run(tpl, ["a", "b"], out)
    pids = {stdout_of(out / f"{s}.ipynb").split("PID=")[1].split()[0] for s in "ab"}
    assert len(pids) == 1  # one warm kernel served both briefs
    assert all("LEAK=1" in stdout_of(out / f"{s}.ipynb") for s in "ab")  # nothing left from the first brief


# --------------------------------------------------------------------------- safety


def test_hostile_region_string_stays_data_and_inside_out(fixture_nb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "deep" / "run"
    res = run(fixture_nb, [HOSTILE], out)
    assert res.ok
    files = visible_files(out)
    assert all(out in p.resolve().parents for p in files)
    assert not (tmp_path / "etc").exists() and not (tmp_path / "deep" / "etc").exists()
    stem = res.results.loc[0, "file"]
    assert "/" not in stem and ".." not in stem and '"' not in stem
    text = stdout_of(out / f"{stem}.ipynb")
    # the notebook received the string verbatim and did not run it
    assert "REGION=" + json.dumps(HOSTILE) in text
    assert "pwned\n" not in text.replace("echo pwned", "")


def test_hostile_region_is_refused_when_resolving(fixture_nb, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(InnovationForecastError, match="closest|Did you mean|unknown|Unknown"):
        run(fixture_nb, [HOSTILE], out, resolve=True)
    assert not visible_files(out)


@pytest.mark.parametrize("name", ["..", "../x", "/etc/passwd", "a/b", ".hidden", "x" * 300, "南昌市", 'a"b', ""])
def test_safe_stem_never_leaves_the_folder(name, tmp_path):
    stem = safe_stem(name)
    assert stem and "/" not in stem and "\\" not in stem and not stem.startswith(".")
    assert (tmp_path / f"{stem}.html").resolve().parent == tmp_path.resolve()
    assert len(stem) <= 70


def test_distinct_names_get_distinct_stems():
    assert safe_stem("a/b") != safe_stem("a_b") != safe_stem("a b")


# --------------------------------------------------------------------------- atomic writes, resume


def test_atomic_write_keeps_old_file_when_replace_fails(tmp_path, monkeypatch):
    target = tmp_path / "x.html"
    target.write_text("old", encoding="utf-8")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_worker.os, "replace", broken)
    with pytest.raises(OSError):
        _worker.atomic_write_text(target, "<html>new</html>")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.html"]


def test_interrupted_batch_leaves_no_partial_files_and_resumes(fixture_nb, tmp_path):
    out = tmp_path / "run"
    script = textwrap.dedent(f"""
        from innovation_forecast.briefs import run_briefs
        run_briefs(["r1", "r2", "r3", "r4", "r5", "r6"], out={str(out)!r}, notebook={str(fixture_nb)!r},
                   resolve=False, share_inputs=False, warm_code="", progress=False,
                   parameters={{"sleep": 0.6}})
    """)
    proc = subprocess.Popen([PY, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and not (out / "r1.html").exists():
        time.sleep(0.05)
    time.sleep(0.3)
    t_int = time.time()
    # five more briefs of >= 0.6 s each are to come: a batch already over would mean the interruption below
    # was never tested
    assert proc.poll() is None, "the batch finished before Ctrl-C was sent"
    proc.send_signal(signal.SIGINT)  # Ctrl-C in the middle of the batch
    _, err = proc.communicate(timeout=60)
    assert time.time() - t_int < 15  # the running brief is stopped, not waited for
    assert "not finished" in err.decode() and "--skip-existing" in err.decode()
    written = visible_files(out)
    assert 0 < len([p for p in written if p.suffix == ".html" and p.name != "index.html"]) < 6
    for p in written:
        if p.suffix == ".html":
            assert p.read_text(encoding="utf-8").rstrip().endswith("</html>"), p
        elif p.suffix == ".ipynb":
            nbformat.read(p, as_version=4)
    # the brief running at Ctrl-C is stopped (its kernel killed) and kept as failed; finished ones are kept
    done_before = {p.name: p.stat().st_mtime_ns for p in written if p.suffix == ".html" and p.name != "index.html"
                   and "DeadKernelError" not in p.with_suffix(".ipynb").read_text(encoding="utf-8")}
    assert done_before
    res = run(fixture_nb, ["r1", "r2", "r3", "r4", "r5", "r6"], out, skip_existing=True)
    assert res.ok
    status = dict(zip(res.results["file"], res.results["status"]))
    assert {f"{s}.html" for s, v in status.items() if v == "skipped"} == set(done_before)
    for name, mtime in done_before.items():
        assert (out / name).stat().st_mtime_ns == mtime  # not rewritten
    assert all((out / f"r{i}.html").is_file() for i in range(1, 7))
    assert not list(out.glob(".*.tmp"))


def test_skip_existing_reruns_failed_briefs(fixture_nb, tmp_path):
    out = tmp_path / "run"
    run(fixture_nb, ["a", "b"], out, parameters={"fail_on": "b"})
    res = run(fixture_nb, ["a", "b"], out, skip_existing=True)
    status = dict(zip(res.results["region"], res.results["status"]))
    assert status == {"a": "skipped", "b": "ok"}
    assert "a: 1 target" in (out / "index.html").read_text(encoding="utf-8")  # skipped ones stay in the index


# --------------------------------------------------------------------------- lock, timeout, pdf


def test_second_batch_on_same_out_is_refused(fixture_nb, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen(
        [PY, "-c", "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
                   "print('held', flush=True); time.sleep(60)", str(out / ".briefs.lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BriefError, match="Another briefs batch"):
            run(fixture_nb, ["a"], out)
        from innovation_forecast.cli import main

        assert main(["briefs", "--regions", "南昌市", "--out", str(out), "--notebook", str(fixture_nb)]) == 2
    finally:
        holder.kill()
        holder.wait()
    assert not (out / "a.html").exists()
    assert run(fixture_nb, ["a"], out).ok  # free again once the other batch ended


def test_timeout_marks_brief_failed_and_next_brief_runs(fixture_nb, tmp_path):
    nb = nbformat.read(fixture_nb, as_version=4)
    nb.cells[1].source = 'region = "x"\nfail_on = ""\nsleep = 0\nslow = ""'
    nb.cells.insert(2, nbformat.v4.new_code_cell("import time\nif region == slow:\n    time.sleep(120)"))
    tpl = tmp_path / "slow.ipynb"
    nbformat.write(nb, tpl)
    out = tmp_path / "run"
    t0 = time.perf_counter()
    res = run(tpl, ["a", "b"], out, timeout=3, parameters={"slow": "a"})
    assert time.perf_counter() - t0 < 60
    status = dict(zip(res.results["region"], res.results["status"]))
    assert status == {"a": "failed", "b": "ok"}
    assert "BriefTimeoutError" in res.results.set_index("region").loc["a", "error"]
    nb_a = nbformat.read(out / "a.ipynb", as_version=4)
    assert any(o.get("ename") == "BriefTimeoutError" for c in nb_a.cells for o in c.get("outputs", []))


def test_pdf_without_browser_says_so_and_batch_succeeds(fixture_nb, tmp_path, monkeypatch):
    monkeypatch.setattr("innovation_forecast.briefs.runner.find_browser", lambda: None)
    res = run(fixture_nb, ["a"], tmp_path / "run", pdf=True)
    assert res.ok
    assert any("no Chromium found" in n for n in res.notes)
    assert "no Chromium found" in res.summary()
    assert not (tmp_path / "run" / "a.pdf").exists()


def test_pdf_with_browser_runs_it_headless(fixture_nb, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text(textwrap.dedent(f"""\
        #!{PY}
        import sys
        args = sys.argv[1:]
        assert "--headless" in args and "--no-sandbox" in args and "--disable-gpu" in args, args
        out = [a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf=")][0]
        assert args[-1].startswith("file://")
        open(out, "wb").write(b"%PDF-1.4 fake")
    """))
    fake.chmod(0o755)
    monkeypatch.setattr("innovation_forecast.briefs.runner.find_browser", lambda: str(fake))
    res = run(fixture_nb, ["a"], tmp_path / "run", pdf=True)
    assert res.ok and res.results.loc[0, "pdf"] == "a.pdf"
    assert (tmp_path / "run" / "a.pdf").read_bytes().startswith(b"%PDF")
    assert 'href="a.pdf"' in (tmp_path / "run" / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- parallel


def test_two_local_workers(fixture_nb, tmp_path):
    res = run(fixture_nb, ["a", "b", "c", "d"], tmp_path / "run", workers=2, parameters={"fail_on": "c"})
    status = dict(zip(res.results["region"], res.results["status"]))
    assert status == {"a": "ok", "b": "ok", "c": "failed", "d": "ok"}
    assert res.results["worker"].nunique() == 2


def test_dask_local_cluster(fixture_nb, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        res = run(fixture_nb, ["a", "b", "c"], tmp_path / "run", scheduler=client, parameters={"fail_on": "b"})
        status = dict(zip(res.results["region"], res.results["status"]))
        assert status == {"a": "ok", "b": "failed", "c": "ok"}
        assert all((tmp_path / "run" / f"{s}.html").is_file() for s in "abc")
        # the address form works too
        res2 = run(fixture_nb, ["d"], tmp_path / "run2", scheduler=cluster.scheduler_address)
        assert res2.ok


# --------------------------------------------------------------------------- the real brief (slow)


@pytest.mark.slow
def test_real_city_brief_batch_end_to_end(tmp_path, monkeypatch):
    from innovation_forecast.cli import main

    monkeypatch.setenv("INNOVATION_FORECAST_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "real"
    code = main(["briefs", "--regions", "九江市,景德镇市", "--out", str(out), "--workers", "2", "--no-progress"])
    assert code == 0
    page = (out / "360400.html").read_text(encoding="utf-8")
    assert "九江市" in page and "<img" in page
    assert "brief_tables(" not in page and "show_charts" not in page  # no code cells in the page
    for heading in ("目标与达成概率", "走势与预测", "所需增速与历史增速", "预测方法的回测精度", "数据来源", "数据版本"):
        assert heading in page, heading
    assert "jiujiang_2017_summary_2018_plan" in page  # the source document of the targets
    assert "Traceback" not in page and "Warning" not in page
    nb = nbformat.read(out / "360400.ipynb", as_version=4)
    summary = _worker.read_summary(nb)
    assert summary["region"] == "九江市" and summary["verdicts"]
    assert all(v["verdict"] for v in summary["verdicts"])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert summary["headline"][:20] in index and 'href="360200.html"' in index
    # a region without targets still gets a brief
    assert "未见可量化" in (out / "360200.html").read_text(encoding="utf-8")
    assert (out / "_inputs" / "inputs.pkl").is_file()
    # a second batch on the same data reuses the cached inputs and writes the same briefs
    first = (out / "_inputs" / "inputs.pkl").read_bytes()
    again = run_briefs(["九江市", "景德镇市"], out=tmp_path / "again", progress=False)
    assert again.ok and again.timings["inputs_cached"] == 1.0
    assert (tmp_path / "again" / "_inputs" / "inputs.pkl").read_bytes() == first
    assert _worker.read_summary(nbformat.read(tmp_path / "again" / "360400.ipynb", as_version=4)) == summary
    # other targets: a new key, computed afresh
    from innovation_forecast import load_targets

    tg = load_targets()
    tg.loc[tg["region"] == "九江市", "value"] *= 2
    tg.to_csv(tmp_path / "targets.csv", index=False)
    other = run_briefs(["九江市"], out=tmp_path / "other", targets=str(tmp_path / "targets.csv"), progress=False)
    assert other.ok and other.timings["inputs_cached"] == 0.0


@pytest.mark.slow
def test_city_brief_runs_alone_through_papermill(tmp_path):
    """The template works without the batch: plain papermill, inputs computed in the notebook."""
    import papermill as pm

    from innovation_forecast.briefs import DEFAULT_NOTEBOOK

    nb = pm.execute_notebook(str(DEFAULT_NOTEBOOK), str(tmp_path / "yx.ipynb"),
                             parameters={"region": "永修县", "lang": "en", "as_of": 2017}, progress_bar=False,
                             cwd=str(DEFAULT_NOTEBOOK.parent))
    summary = _worker.read_summary(nb)
    assert summary["region"] == "永修县" and len(summary["verdicts"]) >= 5
    assert summary["as_of"] == 2017
    text = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    assert "Targets and their chances" in text and "image/png" in text


def test_shared_inputs_use_one_full_year_value_and_a_median_line(tmp_path, monkeypatch):
    """Briefs see the series the assessment sees: a lone year-to-date figure becomes its nowcast (so a
    county with only 截至9月 patent figures still gets a forecast), and forecasts carry q_50 for the centre line."""
    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)
    from innovation_forecast.briefs.tables import prepare_inputs

    inputs = prepare_inputs(["永修县"], as_of=2017, horizon=1)
    fc = inputs.forecasts
    inv = fc[(fc["region"] == "永修县") & (fc["indicator"] == "invention_patent_applications")]
    assert len(inv) >= 1 and inv["q_50"].notna().all()
    assert ((inv["lo_80"] <= inv["q_50"]) & (inv["q_50"] <= inv["hi_80"])).all()


def test_model_names_read_in_the_brief_language():
    from innovation_forecast.briefs.tables import _model_label

    import re

    from innovation_forecast.models import CES, GlobalAR, default_models

    name = "median of 20: pooled, robust_trend_level, drift, ..."
    assert _model_label(name, "zh") == "20个模型的中位数（面板合并增长、稳健趋势（水平值）、漂移法、…）"
    assert _model_label(name, "en") == name and _model_label("naive", "zh") == "朴素法"
    assert _model_label("pooled + peer growth (50% of paths)", "zh") == "面板合并增长 + 同类地区增长（占50%路径）"
    # every model the engine can name has a Chinese name: no identifier leaks into Chinese text
    for m in default_models() + [CES(), GlobalAR(), GlobalAR(log=False, name="global_ar_level")]:
        zh = _model_label(f"median of 3: {m.name}, naive, ...", "zh")
        assert not re.search(r"[a-z_]{3,}", zh.replace("Theta", "")), zh


def test_regions_as_separate_words_or_with_chinese_separators():
    from innovation_forecast.briefs.runner import _resolve_entries
    from innovation_forecast.cli import build_parser

    def names(regions):
        return [e.region for e in _resolve_entries(regions, True, lambda: [])]

    assert names("南昌市、九江市，赣州市") == ["南昌市", "九江市", "赣州市"]
    from innovation_forecast.commands.briefs import _run

    seen = {}
    _run(lambda **kw: seen.update(kw), build_parser().parse_args(["briefs", "--regions", "南昌市", "九江,Inner Mongolia"]))
    assert names(seen["regions"]) == ["南昌市", "九江市", "内蒙古自治区"]
    _run(lambda **kw: seen.update(kw), build_parser().parse_args(["briefs"]))
    assert seen["regions"] == "all"


def test_one_target_stated_two_ways_is_shown_once():
    from innovation_forecast.briefs.tables import _merge_equivalent_targets

    base = {"region": "上饶市", "indicator": "patent_applications", "target_year": 2018, "comparator": "ge",
            "doc": "shangrao_2017"}
    a = pd.DataFrame([
        {**base, "basis": "level", "value": 5500.0, "target": 5500.0, "p_meet": 0.54},
        {**base, "basis": "growth_pct", "value": 10.0, "target": 5500.000001, "p_meet": 0.54},
        {**base, "basis": "growth_pct", "value": 20.0, "target": 6000.0, "p_meet": 0.2},  # a different target
        {**base, "doc": "other_report", "basis": "level", "value": 5500.0, "target": 5500.0, "p_meet": 0.54},
    ])
    kept, also = _merge_equivalent_targets(a, "zh")
    assert list(kept.index) == [0, 2, 3]
    assert also == {0: "（增长≥10%）"}
    kept, also = _merge_equivalent_targets(a, "en")
    assert also == {0: " (growth ≥ 10%)"}


def test_counts_read_as_whole_numbers_and_amounts_keep_decimals():
    from innovation_forecast.briefs.tables import _fmt_of, _interval

    assert _fmt_of(114.3, "hte_new") == "114" and _interval(47.87, 183.1, "hte_new") == "48 – 183"
    assert _fmt_of(5679.6, "patent_applications") == "5,680"
    assert _fmt_of(10.28, "rd_expenditure") == "10.28" and _fmt_of(1.47, "rd_intensity") == "1.47"


def test_two_targets_of_one_indicator_and_year_are_told_apart(monkeypatch):
    """永修县 promises 专利申请量达430件 and, elsewhere, 突破400件、力争450件: the headline and the tables
    name each by its level, and a county with no likely target says so in words."""
    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)
    from innovation_forecast.briefs.tables import brief_tables, prepare_inputs

    inputs = prepare_inputs(["永修县"], as_of=2017, horizon=1)
    zh = brief_tables("永修县", inputs=inputs)
    titles = [t["title"] for t in zh.target_tables]
    assert "专利申请量 2018（≥430件）" in titles and "专利申请量 2018（>400件）" in titles
    assert len(set(titles)) == len(titles)
    assert "专利申请量 2018（≥430件）（" in zh.headline
    good = sum(v["verdict"] in ("很可能完成", "已完成") for v in zh.summary["verdicts"])
    assert (f"其中{good}项已完成或很可能完成" if good else "其中没有一项已完成或很可能完成") in zh.headline
    assert "其中0项" not in zh.headline


def test_backtest_coverage_far_below_its_level_is_flagged():
    from innovation_forecast.briefs.tables import _narrow

    assert _narrow(11.0, 80, 32, "zh") == "（偏窄）" and _narrow(47.0, 95, 32, "en") == " (too narrow)"
    assert _narrow(69.0, 80, 32, "zh") == "" and _narrow(91.0, 95, 32, "en") == ""
    assert _narrow(11.0, 80, 5, "zh") == ""  # too few forecasts to say
    assert _narrow(float("nan"), 80, 32, "zh") == ""


def test_english_commitments_carry_no_chinese_units():
    from innovation_forecast.briefs.tables import _commitment

    def row(ind, basis, v, **kw):
        return pd.Series({"indicator": ind, "basis": basis, "comparator": "ge", "value": v, **kw})

    assert _commitment(row("rd_expenditure", "level", 3.12), "en") == "≥ 3.12"  # unit in the row's label
    assert _commitment(row("hte_new", "level", 6.0), "en") == "≥ 6 firms"
    assert _commitment(row("rd_intensity", "level", 2.0), "en") == "≥ 2%"
    assert _commitment(row("patent_applications", "growth_pct", 10.0, target=5500.0), "en") == "growth ≥ 10% (≈ 5,500)"
    assert _commitment(row("rd_expenditure", "level", 3.12), "zh") == "≥3.12亿元"
