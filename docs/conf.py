"""Sphinx configuration: the README's guide, the API reference and the executed notebooks.

Build with ``make docs`` (``sphinx-build -W --keep-going docs docs/_build/html``). The
notebooks are rendered from the outputs stored in them (``make notebooks`` executes them at
full draws), never executed here.
"""

from __future__ import annotations

import re

import r2d2_formula

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

# docs/notebooks is a link to ../notebooks, so the notebooks are read where they live.
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "notebooks/build_notebooks.py"]
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
myst_enable_extensions = ["dollarmath"]
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


def setup(app):
    app.connect("include-read", _readme_links)
