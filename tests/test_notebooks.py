"""The example notebooks: written from their scripts, committed executed, runnable.

Each notebook's source is a jupytext percent script (notebooks/NN_name.py, linted by ruff);
``make notebooks`` writes NN_name.ipynb from it with its outputs at full draws, so readers
of GitHub and of the HTML docs see every result. The fast tier checks that the committed
notebooks hold the scripts' cells and their outputs; the slow tier executes the scripts with
few draws (R2D2_NOTEBOOK_DRAWS) so they stay runnable.
"""

import base64
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "notebooks"))
from execute_notebooks import (  # noqa: E402
    FIGURE_TAG,
    FIGURES,
    SCRIPTS,
    cells,
    errors,
    notebook_from_script,
    tagged_figures,
)


def test_there_are_five_notebooks_each_with_its_script():
    assert [n.name for n in NOTEBOOKS] == [
        "01_quick_start.ipynb",
        "02_logistic_crossed.ipynb",
        "03_choosing_the_prior.ipynb",
        "04_checking_and_comparing.ipynb",
        "05_response_types.ipynb",
    ]
    assert [s.with_suffix(".ipynb") for s in SCRIPTS] == NOTEBOOKS


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_notebook_holds_its_scripts_cells(script):
    """Catches a script edited without ``make notebooks`` (or a notebook edited by hand):
    the committed notebook's cells, their types, sources and tags, are the script's."""
    committed = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    expected = notebook_from_script(script)
    assert cells(committed) == cells(expected), (
        f"{script.with_suffix('.ipynb').name} differs from {script.name}: run `make notebooks`"
    )
    assert [cell.id for cell in committed.cells] == [cell.id for cell in expected.cells]
    assert committed.metadata["kernelspec"] == expected.metadata["kernelspec"]


def test_notebook_from_script_reads_percent_cells(tmp_path):
    script = tmp_path / "01_x.py"
    script.write_text(
        "# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n"
        "#     language: python\n#     name: python3\n# ---\n\n"
        "# %% [markdown]\n# # Title\n#\n# Text.\n\n"
        "# %%\nx = 1\n\n"
        '# %% tags=["figure:x"]\nx\n\n'
        "# %%\nx\n"
    )
    notebook = notebook_from_script(script)
    assert cells(notebook) == [
        ("markdown", "# Title\n\nText.", []),
        ("code", "x = 1", []),
        ("code", "x", ["figure:x"]),
        ("code", "x", []),
    ]
    assert dict(notebook.metadata) == {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    }
    ids = [cell.id for cell in notebook.cells]
    assert len(set(ids)) == len(ids)  # two equal cells, two ids
    assert ids == [cell.id for cell in notebook_from_script(script).cells]  # not random
    nbformat.validate(notebook)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_is_committed_executed(path):
    """Catches a notebook committed without outputs (e.g. converted from its script without
    executing it, as ``jupytext --to ipynb`` does), run out of order, or with an error."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.get("execution_count") for cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name} is not executed top to bottom in one run (execution counts {counts}): "
        "run `make notebooks`"
    )
    assert errors(notebook) == []
    pictures = sum(
        "image/png" in output.get("data", {}) for cell in code for output in cell.outputs
    )
    assert pictures > 0, f"{path.name} stores no picture"


def test_readme_figures_are_the_notebooks_own():
    """Catches a README picture that is missing, or stale (not the notebook's current output)."""
    figures = {}
    for path in NOTEBOOKS:
        figures.update(tagged_figures(nbformat.read(path, as_version=4)))
    assert figures, f"no notebook cell is tagged {FIGURE_TAG}NAME"
    readme = (ROOT / "README.md").read_text()
    for name, png in figures.items():
        file = FIGURES / f"{name}.png"
        assert file.read_bytes() == png, f"{file} differs from the notebook's output"
        assert str(file.relative_to(ROOT)) in readme, f"the README does not show {file.name}"


def test_tagged_figure_without_picture_is_an_error():
    cell = nbformat.v4.new_code_cell("1", metadata={"tags": [f"{FIGURE_TAG}x"]})
    with pytest.raises(RuntimeError, match="shows no picture"):
        tagged_figures(nbformat.v4.new_notebook(cells=[cell]))
    png = base64.b64encode(b"png bytes").decode()
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    assert tagged_figures(nbformat.v4.new_notebook(cells=[cell])) == {"x": b"png bytes"}


# Slow tier: the four take about 3 minutes (notebook 03 draws binomial priors, 04 fits five
# models and runs kulprit).
@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_notebook_runs(script, monkeypatch, tmp_path):
    monkeypatch.setenv("R2D2_NOTEBOOK_DRAWS", os.environ.get("R2D2_NOTEBOOK_DRAWS", "100"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = notebook_from_script(script)
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    assert errors(notebook) == []
