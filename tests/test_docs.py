"""The HTML documentation (``make docs``): every public name documented, a build without warnings.

The build (Sphinx with numpydoc and myst-nb, ``-W --keep-going``) renders the README, the
API reference from the docstrings and the notebooks from their stored outputs; it is in the
slow tier (about 10 s).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import r2d2_formula as rf

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PUBLIC = sorted(name for name in rf.__all__ if name != "__version__")


def test_api_reference_lists_every_public_name():
    """Catches a name added to r2d2_formula.__all__ without an entry in docs/api.rst."""
    api = (DOCS / "api.rst").read_text()
    documented = set(re.findall(r"^\.\. auto(?:function|class|exception):: (\w+)", api, re.M))
    assert set(PUBLIC) - documented == set()
    assert documented - set(PUBLIC) == set(), "docs/api.rst documents names rf does not export"


def test_docs_contents_list_every_notebook():
    """Catches a notebook missing from the documentation's table of contents."""
    index = (DOCS / "index.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{path.stem}\n" in index, f"docs/index.md does not list {path.name}"


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    out = tmp_path / "html"
    options = ["-W", "--keep-going", "-q", "-b", "html", "-d", str(tmp_path / "doctrees")]
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", *options, str(DOCS), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert build.returncode == 0, f"sphinx-build failed:\n{build.stderr[-5000:]}"
    api = (out / "api.html").read_text()
    missing = [name for name in PUBLIC if f'id="r2d2_formula.{name}"' not in api]
    assert missing == [], f"the API reference has no entry for {missing}"
    assert 'id="r2d2_formula.FitResult.loo"' in api  # methods are documented too
    guide = (out / "index.html").read_text()
    assert "Checking and comparing models" in guide  # the README is the guide
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (out / "notebooks" / f"{path.stem}.html").read_text()
        assert "<img" in page, f"{path.name} is rendered without its stored figures"
