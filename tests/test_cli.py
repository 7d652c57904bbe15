"""The `innovation-forecast` entry point itself: how it reports warnings and errors."""

from __future__ import annotations

import warnings

from innovation_forecast import cli
from innovation_forecast.commands import data as data_cmd
from innovation_forecast.errors import DataValidationError


def test_warnings_print_as_one_line_each_without_python_source(monkeypatch, capsys):
    def noisy(args):
        warnings.warn("load_panel: 2 value(s) disagree between sources", UserWarning)
        return 0

    monkeypatch.setattr(data_cmd, "_show", noisy)
    assert cli.main(["data", "show"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["innovation-forecast: warning: load_panel: 2 value(s) disagree between sources"]
    # the handler is the command line's only: Python's own display is back after the call
    assert warnings.showwarning is not cli._show_warning


def test_errors_of_the_package_exit_2_with_the_message(monkeypatch, capsys):
    def bad(args):
        raise DataValidationError("my.csv:3: value 'abc' is not a number")

    monkeypatch.setattr(data_cmd, "_show", bad)
    assert cli.main(["data", "show"]) == 2
    assert capsys.readouterr().err.strip() == "innovation-forecast: error: my.csv:3: value 'abc' is not a number"


def test_counts_below_one_are_refused_when_the_arguments_are_read(capsys):
    import pytest

    for argv in (["briefs", "--horizon", "0"], ["briefs", "--workers", "0"], ["feasibility", "--n-paths", "0"],
                 ["forecast", "--region", "江西", "--indicator", "patent_applications", "--horizon", "-1"],
                 ["backtest", "--indicator", "patent_applications", "--horizon", "two"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "must be at least 1" in err or "expected a whole number" in err, err


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """`innovation-forecast read-report … | head -1`: no BrokenPipeError traceback, exit 0."""
    import subprocess
    import sys
    from pathlib import Path

    files = []
    for i in range(400):  # ~100 kB of CSV, more than a pipe holds
        f = tmp_path / f"r{i}.txt"
        f.write_text("九江市科技局2017年工作总结\n2017年全市专利申请量6200件，新增高新技术企业40家。\n", encoding="utf-8")
        files.append(str(f))
    p = subprocess.Popen([sys.executable, "-m", "innovation_forecast.cli", "read-report", *files, "--format", "csv"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
    p.stdout.readline()
    p.stdout.close()  # the reader of the pipe goes away, like head
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_a_bad_as_of_year_is_refused_before_any_data_is_loaded(capsys, monkeypatch):
    import pytest

    from innovation_forecast import loaders

    monkeypatch.setattr(loaders, "load_panel", lambda *a, **k: (_ for _ in ()).throw(AssertionError("loaded")))
    with pytest.raises(SystemExit) as exc:
        cli.main(["feasibility", "--as-of", "20x7"])
    assert exc.value.code == 2 and "'20x7' is not a year, 'report' or 'none'" in capsys.readouterr().err
