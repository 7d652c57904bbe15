"""The project's own files agree with each other: environment.yml vs pyproject.toml,
README's test command vs .ci/run, the public API list."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def _req_name(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", spec)
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")


def _pyproject_deps() -> dict[str, str]:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        specs += extra
    out = {}
    for s in specs:
        name, ver = _req_name(s)
        if name == "dask":  # dask[distributed] is two conda packages
            out["distributed"] = ver
        out[name] = ver
    return out


def _conda_deps() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for d in env["dependencies"]:
        items = d.get("pip", []) if isinstance(d, dict) else [d]
        for spec in items:
            if spec.startswith("-"):  # "-e ." installs the package itself
                continue
            name, ver = _req_name(spec)
            if name not in {"python", "pip"}:
                out[name] = ver
    return out


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    py, conda = _pyproject_deps(), _conda_deps()
    assert sorted(py) == sorted(conda), (
        f"only in pyproject: {sorted(set(py) - set(conda))}; only in environment.yml: {sorted(set(conda) - set(py))}")
    for name, ver in py.items():
        assert conda[name] == ver, f"{name}: pyproject says {ver!r}, environment.yml says {conda[name]!r}"


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- commands -->(.*?)<!-- /commands -->", text, re.S)
    assert block, "README must mark its two set-up commands between <!-- commands --> markers"
    return re.findall(r"^\s*\d\.\s*`([^`]+)`", block.group(1), re.M)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ci_lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert cmds[1] in ci_lines, f".ci/run must call the README's test command {cmds[1]!r}"


def test_makefile_targets_are_documented():
    mk = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z][a-z_-]*):(?!=)", mk, re.M)
    undocumented = [t for t in targets if not re.search(rf"^{t}:.*## ", mk, re.M)]
    assert not undocumented, f"Makefile targets without a '## ' help comment: {undocumented}"


def test_public_api_is_listed_once_and_sorted():
    import innovation_forecast as m

    names = [n for n in m.__all__ if n != "__version__"]
    assert names == sorted(names), "keep __all__ sorted"
    assert len(set(m.__all__)) == len(m.__all__)
    for n in m.__all__:
        assert hasattr(m, n), f"__all__ lists {n} but the package lacks it"


def test_nothing_from_shared_is_committed():
    import subprocess

    shared = REPO.parent / "shared"
    if not shared.is_dir():
        pytest.skip("../shared absent")
    import hashlib

    theirs = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in shared.rglob("*")
              if p.is_file() and p.stat().st_size > 200 and "seeds" not in p.parts}
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    copies = [f for f in files if (REPO / f).is_file()
              and hashlib.sha256((REPO / f).read_bytes()).hexdigest() in theirs]
    assert not copies, f"copied from ../shared: {copies}"


def test_importing_the_package_stays_light():
    """`import innovation_forecast` (every CLI call, every warm brief kernel) must not pull in the heavy
    libraries only some steps need; each step imports its own when it runs."""
    import subprocess
    import sys

    code = ("import sys, innovation_forecast; heavy = ['scipy.stats', 'statsmodels', 'papermill', 'matplotlib', "
            "'seaborn', 'sklearn', 'nbconvert', 'dask']; print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"imported at package import: {out}"
