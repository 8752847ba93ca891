"""Sphinx configuration: the README's guide, the measurement pages, the API reference and the
executed notebooks.

Build with ``make docs`` (``sphinx-build -W --keep-going docs docs/_build/html``). The
notebooks are rendered from the outputs stored in them (``make notebooks`` executes them at
full draws), never executed here. The measurement pages (validation, calibration,
performance, shares) take every table and every measured number in their text from the
benchmarks' CSV files at build time (``docs/benchmark_tables.py``): a page writes
``{benchmark-table} NAME`` for a table and ``{{ name }}`` for a number.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from typing import ClassVar

from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.tables import CSVTable

import r2d2_formula

sys.path.insert(0, str(Path(__file__).parent))
import benchmark_tables  # docs/benchmark_tables.py

project = "r2d2_formula"
author = "r2d2_formula developers"
copyright = "r2d2_formula developers"
release = r2d2_formula.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

# docs/notebooks is a link to ../notebooks, so the notebooks are read where they live (their
# jupytext .py scripts are not sources: source_suffix has no .py).
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}

# --- API reference ---------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc's Parameters sections give the types
autosummary_generate = False  # docs/api.rst lists every public name; no stub files
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# --- notebooks and Markdown ------------------------------------------------------------------
nb_execution_mode = "off"  # rendered from their stored outputs
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "substitution"]
myst_substitutions = benchmark_tables.facts()
myst_heading_anchors = 3

# --- HTML ------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"r2d2_formula {release}"
html_static_path: list[str] = []


NOTEBOOK_LINK = re.compile(r"\[([^\]]+)\]\(notebooks/([\w.-]+)\.ipynb\)")


def _readme_links(app, relative_path, parent_docname, content):
    """The README links notebooks by file, from the repository root; here they are pages.

    ``docs/notebooks`` links to ``../notebooks``, and Sphinx resolves file links through
    the link (outside the docs), so each ``[text](notebooks/NAME.ipynb)`` becomes a
    ``{doc}`` reference to the page ``notebooks/NAME``.
    """
    if relative_path.name == "README.md":

        def page(match: re.Match) -> str:
            text = match[1].replace("`", "")
            return f"{{doc}}`{text} </notebooks/{match[2]}>`"

        content[0] = NOTEBOOK_LINK.sub(page, content[0])


class BenchmarkTable(CSVTable):
    """``{benchmark-table} NAME``: table NAME of ``benchmark_tables.TABLES``, from its CSVs.

    The pages depend on the CSV files read, so a rerun benchmark rebuilds them.
    """

    required_arguments = 1
    optional_arguments = 0
    option_spec: ClassVar = {"class": directives.class_option, "name": directives.unchanged}

    def run(self):
        self.options["header-rows"] = 1
        return super().run()

    def make_title(self):
        return None, []

    def get_csv_data(self):
        name = self.arguments[0]
        if name not in benchmark_tables.TABLES:
            raise self.error(f"no benchmark table {name!r}; one of {list(benchmark_tables.TABLES)}")
        env = self.state.document.settings.env
        for path in benchmark_tables.TABLES[name][1]:
            env.note_dependency(str(path))
        lines = io.StringIO()
        csv.writer(lines, lineterminator="\n").writerows(benchmark_tables.rows(name))
        return lines.getvalue().splitlines(), name


def setup(app):
    app.connect("include-read", _readme_links)
    app.add_directive("benchmark-table", BenchmarkTable)
