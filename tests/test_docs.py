"""The HTML documentation (``make docs``): every public name documented, a build without warnings.

The build (Sphinx with numpydoc and myst-nb, ``-W --keep-going``) renders the README, the
measurement pages (their tables and numbers computed from ``benchmarks/results/`` by
``docs/benchmark_tables.py``), the API reference from the docstrings and the notebooks from
their stored outputs; it is in the slow tier (about 10 s).
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
MEASUREMENTS = ["validation", "calibration", "performance", "shares"]

sys.path.insert(0, str(DOCS))
import benchmark_tables  # noqa: E402  (docs/benchmark_tables.py)


def test_api_reference_lists_every_public_name():
    """Catches a name added to r2d2_formula.__all__ without an entry in docs/api.rst."""
    api = (DOCS / "api.rst").read_text()
    documented = set(
        re.findall(
            r"^\.\. auto(?:function|class|exception|module):: (?:r2d2_formula\.)?(\w+)", api, re.M
        )
    )
    assert set(PUBLIC) - documented == set()
    assert documented - set(PUBLIC) == set(), "docs/api.rst documents names rf does not export"


def test_links_table_is_the_codes_split():
    """Catches a link fitted or refused in the code but listed otherwise in docs/families.md."""
    from r2d2_formula._families import FAMILIES

    text = (DOCS / "families.md").read_text().split("## Links", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and cells[0] in FAMILIES:
            refused = [part.split(":")[0].strip() for part in cells[2].split(";")]
            rows[cells[0]] = (cells[1].split(", "), [r for r in refused if r != "—"])
    assert set(rows) == set(FAMILIES)
    for name, family in FAMILIES.items():
        fitted = [link.name for link in family.links]
        refused = [link for link, _ in family.refused_links]
        assert rows[name] == (fitted, refused), name


def test_docs_contents_list_every_notebook():
    """Catches a notebook missing from the documentation's table of contents."""
    index = (DOCS / "index.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{path.stem}\n" in index, f"docs/index.md does not list {path.name}"


def test_readme_is_a_short_guide():
    """Catches measurement reports growing back into the README (issue 20: at most 300 lines)."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 300
    for page in MEASUREMENTS:
        assert f"(docs/{page}.md)" in readme, f"the README does not link docs/{page}.md"


def test_measurement_pages_are_in_the_contents():
    index = (DOCS / "index.md").read_text()
    for page in MEASUREMENTS:
        assert f"\n{page}\n" in index, f"docs/index.md does not list {page}"


@pytest.mark.parametrize("page", MEASUREMENTS)
def test_measurement_pages_take_their_numbers_from_the_csvs(page):
    """Catches a hand-written table or an unknown table or number name on a measurement page.

    Tables come from ``{benchmark-table} NAME`` and quoted measurements from ``{{ name }}``
    substitutions, both computed from ``benchmarks/results/`` at build time.
    """
    text = (DOCS / f"{page}.md").read_text()
    assert not re.findall(r"^\|", text, re.M), f"docs/{page}.md has a hand-written table"
    tables = re.findall(r"^```\{benchmark-table\} ([\w-]+)", text, re.M)
    assert tables, f"docs/{page}.md shows no benchmark table"
    assert set(tables) <= set(benchmark_tables.TABLES)
    assert set(re.findall(r"\{\{ (\w+) \}\}", text)) <= set(benchmark_tables.facts())


def test_benchmark_tables_follow_the_csv(tmp_path, monkeypatch):
    """Catches a table that does not read the CSV: a changed result changes the table."""
    monkeypatch.setattr(benchmark_tables, "RESULTS", tmp_path)
    (tmp_path / "wall.csv").write_text(
        "dataset,variant,wall_s,min_ess_bulk,ess_per_wall_s,divergences\n"
        "cbpp,r2d2,12.0,100.0,8.0,0\ncbpp,bambi,4.0,100.0,25.0,0\n"
    )
    assert benchmark_tables.rows("wall") == [
        [
            "dataset",
            "r2d2 wall s",
            "bambi wall s",
            "wall r2d2 / bambi",
            "ESS per wall s r2d2 / bambi",
        ],
        ["cbpp", "12", "4", "3", "0.32"],
    ]


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
    missing = [
        name
        for name in PUBLIC
        if f'id="r2d2_formula.{name}"' not in api and f'id="module-r2d2_formula.{name}"' not in api
    ]
    assert 'id="r2d2_formula.interpret.predictions"' in api  # a module's functions too
    assert missing == [], f"the API reference has no entry for {missing}"
    assert 'id="r2d2_formula.FitResult.loo"' in api  # methods are documented too
    guide = (out / "index.html").read_text()
    assert "Checking and comparing models" in guide  # the README is the guide
    validation = (out / "validation.html").read_text()
    worst = benchmark_tables.prior_fidelity()["max KS gbp (intercept ±1)"].max()
    assert f"<td><p>{worst:g}</p></td>" in validation  # a table rendered from its CSV
    assert "{{" not in validation  # every quoted number substituted
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (out / "notebooks" / f"{path.stem}.html").read_text()
        assert "<img" in page, f"{path.name} is rendered without its stored figures"


def _table_rows(text: str) -> dict[str, str]:
    """First cell -> the rest of the row, for every Markdown table row of ``text``."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 1 and not set(cells[0]) <= set("-"):
            rows[cells[0]] = " | ".join(cells[1:])
    return rows


def _defaults_in_code() -> dict[str, list[str]]:
    """What each row of the defaults tables must say, read from the code that sets it."""
    import inspect

    from r2d2_formula import _cli, _families, _model, _prior, _results

    prior = rf.R2D2()
    fit = _model.DEFAULT_FIT
    seed = _cli.build_parser().parse_args(["fit", "y ~ x", "--data", "d.csv"]).seed
    assert "random_seed" not in fit
    assert inspect.signature(rf.fit).parameters.get("random_seed") is None
    return {
        "R² prior": [
            f"Beta({prior.a:g}, {prior.b:g})",
            f"`r2_mean={_prior.DEFAULT_R2_MEAN:g}`",
            f"`r2_precision={_prior.DEFAULT_R2_PRECISION:g}`",
        ],
        "shares φ": [f"Dirichlet({_prior.DEFAULT_CONCENTRATION:g})"],
        "W prior": [f'`method="{_prior.DEFAULT_METHOD}"`'],
        "intercept": [f"Normal(g(ȳ), {_families.INTERCEPT_SD:g})"],
        "sampler": [
            fit["inference_method"],
            f"{fit['chains']} chains × {fit['draws']:,} draws after {fit['tune']:,} tuning",
            f"`target_accept={fit['target_accept']:g}`",
        ],
        "random seed": ["Python: none", f"`--seed {seed}`"],
        "intervals": [f"{_results.CI_PROB * 100:g}% equal-tailed"],
        "sampling warnings": [
            f"r_hat > {_results.MAX_R_HAT:g}",
            f"bulk ESS < {_results.MIN_ESS_PER_CHAIN} per chain",
        ],
    }


@pytest.mark.parametrize("path", ["README.md", "docs/defaults.md"])
def test_defaults_tables_say_what_the_code_does(path):
    """Catches a default changed in the code but not in the README or docs/defaults.md."""
    rows = _table_rows((ROOT / path).read_text())
    for setting, fragments in _defaults_in_code().items():
        assert setting in rows, f"{path} has no defaults row {setting!r}"
        for fragment in fragments:
            assert fragment in rows[setting], f"{path}, {setting}: {fragment!r} not in the row"


def test_full_defaults_page_is_in_the_contents_and_linked():
    assert "\ndefaults\n" in (DOCS / "index.md").read_text()
    assert "(docs/defaults.md)" in (ROOT / "README.md").read_text()
