"""The examples in the docstrings run and print what they say (doctest).

Every module of the package is found by walking it, so a new module is tested without
being listed. Modules whose examples fit a model are in the slow tier (each compiles a model).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import r2d2_formula

FITTING = {
    "r2d2_formula",
    "r2d2_formula._model",
    "r2d2_formula._implied",
    "r2d2_formula._results",
    "r2d2_formula._plots",
    "r2d2_formula._criticism",
}
ALL = ["r2d2_formula"] + [
    info.name for info in pkgutil.walk_packages(r2d2_formula.__path__, "r2d2_formula.")
]
FAST = [name for name in ALL if name not in FITTING]


def run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_every_fitting_module_exists():
    assert FITTING <= set(ALL)


@pytest.mark.parametrize("name", FAST)
def test_docstring_examples(name):
    run(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FITTING))
def test_docstring_examples_that_fit(name):
    run(name)
