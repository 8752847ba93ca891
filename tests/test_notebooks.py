"""The example notebooks run top to bottom (with few draws, set through R2D2_NOTEBOOK_DRAWS)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks():
    assert [n.name for n in NOTEBOOKS] == [
        "01_quick_start.ipynb",
        "02_logistic_crossed.ipynb",
        "03_choosing_the_prior.ipynb",
    ]


# Slow tier: the three take about 2 minutes (notebook 03 draws binomial priors).
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch, tmp_path):
    monkeypatch.setenv("R2D2_NOTEBOOK_DRAWS", os.environ.get("R2D2_NOTEBOOK_DRAWS", "100"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
