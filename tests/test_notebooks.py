"""The notebooks: committed clean and thin, and the exploratory ones run through papermill."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
NAMES = [p.name for p in NOTEBOOKS]


def test_expected_notebooks_exist():
    assert {"city_brief.ipynb", "01-explore-panel.ipynb", "02-target-review.ipynb"} <= set(NAMES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_committed_with_outputs_cleared(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebooks_stay_thin(path):
    """Logic lives in the package: no function or class is defined in a notebook."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        tree = ast.parse(src)
        defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        assert not defs, f"{path.name} defines {[d.name for d in defs]}: move it into innovation_forecast"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_parameters_cell_is_tagged_and_literal(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(tagged[0].source)
    for node in tree.body:  # papermill replaces these by literals: keep them plain assignments
        assert isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        ast.literal_eval(node.value)


def test_city_brief_declares_the_batch_parameters():
    nb = nbformat.read(REPO / "notebooks" / "city_brief.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = {n.targets[0].id for n in ast.parse(cell.source).body}
    assert {"region", "as_of", "indicators", "targets", "horizon", "lang", "inputs", "data_dir"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("name", ["01-explore-panel.ipynb", "02-target-review.ipynb"])
def test_exploratory_notebooks_run_through_papermill(name, tmp_path):
    import papermill as pm

    out = tmp_path / name
    nb = pm.execute_notebook(str(REPO / "notebooks" / name), str(out), parameters={"data_dir": ""},
                             progress_bar=False, cwd=str(REPO / "notebooks"))
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the notebook should draw at least one chart"
