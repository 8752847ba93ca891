"""The examples in the docstrings run and print what they say (doctest).

Modules whose examples fit a model are in the slow tier (each compiles a model).
"""

from __future__ import annotations

import doctest
import importlib

import pytest

FAST = [
    "r2d2_formula._html",
    "r2d2_formula._validation",
    "r2d2_formula.families",
    "r2d2_formula.formula",
    "r2d2_formula.links",
    "r2d2_formula.prior",
    "r2d2_formula.shares",
    "r2d2_formula.r2",
    "r2d2_formula.wprior",
    "r2d2_formula.gbp",
    "r2d2_formula.datasets",
    "r2d2_formula.design",
    "r2d2_formula.errors",
]
FITTING = [
    "r2d2_formula",
    "r2d2_formula.model",
    "r2d2_formula.implied",
    "r2d2_formula.results",
    "r2d2_formula.plots",
    "r2d2_formula.checks",
]


def run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


@pytest.mark.parametrize("name", FAST)
def test_docstring_examples(name):
    run(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", FITTING)
def test_docstring_examples_that_fit(name):
    run(name)
