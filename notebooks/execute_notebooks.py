"""Execute notebooks in place at full draws, keeping their outputs (``make notebooks``).

Run: python notebooks/execute_notebooks.py [NOTEBOOK ...]   (default: every notebook here)

The notebooks are committed executed, so that a reader on GitHub or in the HTML docs
(``make docs``, which renders the stored outputs without executing anything) sees every
result and picture. R2D2_NOTEBOOK_DRAWS is removed from the kernel's environment, so the
notebooks draw their full 1,000 draws per chain (the test suite sets it to run them fast).

A code cell tagged ``figure:NAME`` has its picture saved to ``docs/figures/NAME.png``, so
the README shows a notebook's own output.
"""

from __future__ import annotations

import base64
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
FIGURES = HERE.parent / "docs" / "figures"
FIGURE_TAG = "figure:"


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


def execute(path: Path, timeout: int = 1800) -> float:
    """Execute one notebook in place (its folder as working directory); the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
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
        raise RuntimeError(f"{path.name} raised errors: {failed}")
    nbformat.write(notebook, path)
    for name, png in tagged_figures(notebook).items():
        FIGURES.mkdir(parents=True, exist_ok=True)
        (FIGURES / f"{name}.png").write_bytes(png)
    return seconds


def main(argv: list[str]) -> None:
    os.environ.pop("R2D2_NOTEBOOK_DRAWS", None)  # full draws
    os.environ.pop("MPLBACKEND", None)  # the inline backend, so figures are stored
    paths = [Path(arg) for arg in argv] or sorted(HERE.glob("*.ipynb"))
    for path in paths:
        seconds = execute(path)
        print(f"{path.name}: executed in {seconds:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
