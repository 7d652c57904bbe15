"""The README's short tour runs as written (the same calls a notebook makes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_readme_tour_runs_on_the_embedded_data(tmp_path, monkeypatch):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has no python tour"
    monkeypatch.delenv("INNOVATION_FORECAST_DATA", raising=False)  # the tour is on the embedded data
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), ns)
    review = ns["review"]
    assert {"p_meet", "verdict", "explanation"} <= set(review.columns) and len(review) > 0
    assert ns["fc"]["mean"].notna().all()
    index = tmp_path / "reports" / "one" / "index.html"
    assert index.is_file() and "上饶市" in index.read_text(encoding="utf-8")
