"""Write each notebook from its percent script, executed at full draws (``make notebooks``).

Run: python notebooks/execute_notebooks.py [SCRIPT ...]   (default: every NN_name.py here)

The notebooks' source is the jupytext percent scripts ``NN_name.py`` beside this file
(``# %% [markdown]`` and ``# %%`` cells), which ruff lints like any other code. This script
reads each with jupytext, executes it with nbclient in this folder and writes
``NN_name.ipynb`` with its outputs. The notebooks are committed executed, so that a reader
on GitHub or in the HTML docs (``make docs``, which renders the stored outputs without
executing anything) sees every result and picture; after editing a script, run this and
commit both files (tests/test_notebooks.py checks that their cells agree).
R2D2_NOTEBOOK_DRAWS is removed from the kernel's environment, so the notebooks draw their
full 1,000 draws per chain (the test suite sets it to run them fast).

A code cell tagged ``figure:NAME`` (``# %% tags=["figure:NAME"]``) has its picture saved
to ``docs/figures/NAME.png``, so the README shows a notebook's own output.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
SCRIPTS = sorted(HERE.glob("[0-9][0-9]_*.py"))
FIGURES = HERE.parent / "docs" / "figures"
FIGURE_TAG = "figure:"


def notebook_from_script(script: Path) -> nbformat.NotebookNode:
    """The notebook of a percent script, unexecuted: its cells and its kernelspec.

    Cell ids are taken from each cell's content (not drawn at random), so re-executing an
    unchanged script changes no id in the committed notebook.
    """
    notebook = jupytext.read(script)
    notebook.metadata = nbformat.NotebookNode(kernelspec=notebook.metadata["kernelspec"])
    seen: set[str] = set()
    for cell in notebook.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        cell_id, n = digest, 1
        while cell_id in seen:
            cell_id, n = f"{digest}-{n}", n + 1
        seen.add(cell_id)
        cell.id = cell_id
    return notebook


def cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    """Each cell's type, source and tags: what a notebook and its script must agree on."""
    return [
        (cell.cell_type, cell.source, list(cell.get("metadata", {}).get("tags", [])))
        for cell in notebook.cells
    ]


def errors(notebook: nbformat.NotebookNode) -> list[str]:
    """The error outputs of a notebook's code cells, as 'cell N: Name: message'."""
    return [
        f"cell {i}: {output.get('ename')}: {output.get('evalue')}"
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


def tagged_figures(notebook: nbformat.NotebookNode) -> dict[str, bytes]:
    """The PNG output of each cell tagged ``figure:NAME``, by NAME (the last PNG of the cell)."""
    figures = {}
    for cell in notebook.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            if not tag.startswith(FIGURE_TAG):
                continue
            pngs = [
                output["data"]["image/png"]
                for output in cell.get("outputs", [])
                if "image/png" in output.get("data", {})
            ]
            if not pngs:
                raise RuntimeError(f"the cell tagged {tag!r} shows no picture")
            figures[tag.removeprefix(FIGURE_TAG)] = base64.b64decode(pngs[-1])
    return figures


def execute(script: Path, timeout: int = 1800) -> float:
    """Execute one script (this folder as working directory) into its .ipynb; the seconds."""
    notebook = notebook_from_script(script)
    start = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    seconds = time.perf_counter() - start
    failed = errors(notebook)
    if failed:
        raise RuntimeError(f"{script.name} raised errors: {failed}")
    nbformat.write(notebook, script.with_suffix(".ipynb"))
    for name, png in tagged_figures(notebook).items():
        FIGURES.mkdir(parents=True, exist_ok=True)
        (FIGURES / f"{name}.png").write_bytes(png)
    return seconds


def main(argv: list[str]) -> None:
    os.environ.pop("R2D2_NOTEBOOK_DRAWS", None)  # full draws
    os.environ.pop("MPLBACKEND", None)  # the inline backend, so figures are stored
    # A notebook named on the command line stands for its script.
    scripts = [Path(arg).with_suffix(".py") for arg in argv] or SCRIPTS
    for script in scripts:
        seconds = execute(script)
        print(f"{script.with_suffix('.ipynb').name}: executed in {seconds:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
