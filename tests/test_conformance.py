"""Conformance with Bambi: r2d2_formula builds a model exactly when Bambi builds one.

What this proves, for every formula in :data:`conformance_cases.CASES` (formula strings
taken from the test suites of Bambi 0.21.0 and formulae 0.6.2, plus a few added for syntax
the suites lack; see ``conformance_cases.py`` for how they were collected, starting from
``pip download --no-binary :all: --no-deps bambi==0.21.0 formulae==0.6.2 -d /tmp/sdists``):

* where Bambi refuses a formula (any exception), r2d2_formula refuses it too, and only
  with its own :class:`r2d2_formula.R2D2Error`, never a stray ``KeyError`` or ``TypeError``;
* where Bambi builds a model that r2d2_formula cannot put an R2D2 prior on exactly (an HSGP
  term; a censored, truncated, constrained or weighted response), r2d2_formula raises
  :class:`r2d2_formula.UnsupportedError` and says why;
* everywhere else r2d2_formula builds, and its R2D2 components are one-to-one with Bambi's
  design columns, in Bambi's order: one per column of each common term (offsets and the
  intercept excluded), one per column of the expression of each group-specific term;
* neither build modifies the caller's data frame.

Both models are built in the test function's own frame: formulae evaluates names such as
``levels``, ``knots`` or ``myfunc`` in the frame that calls the model, so those names are
imported here from ``conformance_cases``.

Bambi's side is computed independently of r2d2_formula, from the built Bambi model.
"""

from __future__ import annotations

import re

import bambi as bmb
import numpy as np
import pandas as pd
import pytest
from conformance_cases import (
    CASES,
    NAMESPACE,
    Case,
    add_ten,
    knots,
    levels,
    lvls,
    myfunc,
    simulate,
)

import r2d2_formula as rf

#: Names the formulas read from the calling frame (see ``conformance_cases.NAMESPACE``):
#: imported into this module so that both builds find them; ``np`` is imported above.
FRAME_NAMES = {"add_ten": add_ten, "knots": knots, "levels": levels, "lvls": lvls, "myfunc": myfunc}

SUPPORTED_FAMILIES = {
    "gaussian",
    "bernoulli",
    "binomial",
    "poisson",
    "negativebinomial",
    "gamma",
    "t",
    "laplace",
    "asymmetriclaplace",
    "exgaussian",
    "lognormal",
    "exponential",
    "weibull",
    "wald",  # refused: the case checks the refusal
}
SOURCE = re.compile(r"(bambi-0\.21\.0|formulae-0\.6\.2)/tests/[\w/]+\.py:\d+")


def bambi_components(model: bmb.Model) -> list[str]:
    """Bambi's design columns of the parent parameter, named as R2D2 components."""
    parent = model.family.likelihood.parent
    component = model.parameters[parent]
    names = []
    for name, term in component.common_terms.items():
        # A term with a dimension (categorical, poly, bs, ...) has a column per coordinate,
        # even when there is one (a two-level factor): named after it, as Bambi's coords are.
        column_levels = term.coords.get(f"{name}_dim")
        if column_levels is not None:
            names.extend(f"{name}[{level}]" for level in column_levels)
        else:
            names.append(name)
    for name, term in component.group_specific_terms.items():
        expr, factor = name.split("|")
        expr_levels = term.coords.get(f"{expr}__expr_dim")
        if expr_levels is not None:
            names.extend(f"{expr}[{level}]|{factor}" for level in expr_levels)
        else:
            names.append(name)
    return names


def _keyword(reason: str) -> str:
    """The key word of an ``unsupported`` reason: its first word ("hsgp", "censored", ...)."""
    return reason.split()[0].rstrip(":").lower()


def _ids(cases: list[Case]) -> list[str]:
    """Test ids: the formula, with the family added where a formula occurs twice.

    (pytest would otherwise number duplicates, turning "y ~ x" into "y ~ x1".)
    """
    formulas = [case.formula for case in cases]
    return [
        case.formula if formulas.count(case.formula) == 1 else f"{case.formula} [{case.family}]"
        for case in cases
    ]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_r2d2_builds_exactly_when_bambi_builds(case: Case) -> None:
    data = simulate(case)
    before = data.copy(deep=True)

    # Both builds happen here, in this frame, so names imported above resolve.
    try:
        bambi_model = bmb.Model(case.formula, data, family=case.family, link=case.link)
        bambi_error = None
    except Exception as err:  # any failure means Bambi does not build this formula
        bambi_model, bambi_error = None, err
    pd.testing.assert_frame_equal(data, before, obj="data after bambi.Model")

    try:
        rf_model = rf.Model(case.formula, data, family=case.family, link=case.link)
        rf_error = None
    except Exception as err:
        rf_model, rf_error = None, err
    pd.testing.assert_frame_equal(data, before, obj="data after r2d2_formula.Model")

    if bambi_model is None:
        assert rf_model is None, (
            f"Bambi refuses {case.formula!r} ({type(bambi_error).__name__}: {bambi_error}) "
            f"but r2d2_formula builds it with components {rf_model.components}"
        )
        assert isinstance(rf_error, rf.R2D2Error), (
            f"Bambi refuses {case.formula!r} ({type(bambi_error).__name__}); r2d2_formula "
            f"must raise an R2D2Error, got {type(rf_error).__name__}: {rf_error}"
        )
        return

    if case.unsupported:
        assert rf_model is None, (
            f"expected UnsupportedError ({case.unsupported}) for {case.formula!r}; "
            f"r2d2_formula built components {rf_model.components}"
        )
        assert isinstance(rf_error, rf.UnsupportedError), (
            f"expected UnsupportedError ({case.unsupported}) for {case.formula!r}, "
            f"got {type(rf_error).__name__}: {rf_error}"
        )
        keyword = _keyword(case.unsupported)
        assert keyword in str(rf_error).lower(), (
            f"the message should mention {keyword!r}: {rf_error}"
        )
        return

    assert rf_model is not None, (
        f"Bambi builds {case.formula!r} (family {case.family!r}) but r2d2_formula raises "
        f"{type(rf_error).__name__}: {rf_error}"
    )
    assert rf_model.components == bambi_components(bambi_model)
    # The model keeps its own copy; the frame passed in is untouched.
    pd.testing.assert_frame_equal(data, before, obj="data passed to r2d2_formula.Model")


def test_cases_have_sources_and_no_duplicates() -> None:
    for case in CASES:
        assert case.source == "added" or SOURCE.fullmatch(case.source), case
        assert case.family in SUPPORTED_FAMILIES, case
        if case.unsupported:
            assert _keyword(case.unsupported), case
    # Every name a formula may read from the calling frame is in this module's frame.
    missing = [name for name in NAMESPACE if globals().get(name) is not NAMESPACE[name]]
    assert not missing, f"import {missing} from conformance_cases into this module"
    keys = [(case.formula, case.family) for case in CASES]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, duplicates


# One supported case per syntax family, fitted briefly and used to predict.
SLOW_FORMULAS = [
    "y ~ x + I(x**2)",  # transform with a literal argument
    "y ~ poly(x, 2)",
    "y ~ bs(x, df=4)",
    "y ~ C(x, levels=levels)",  # categorical with levels from the namespace
    "y ~ 1 + (x1|g)",  # random slope
    "y ~ x + (1|g/h)",  # nested grouping
    "count ~ x + offset(log(t))",
    "p(k, n) ~ x + (1|g)",
    "y['level'] ~ x + (1|g)",
]
SLOW_CASES = [case for case in CASES if case.formula in SLOW_FORMULAS]


def test_slow_subset_is_complete() -> None:
    assert sorted(case.formula for case in SLOW_CASES) == sorted(SLOW_FORMULAS)
    assert not any(case.unsupported for case in SLOW_CASES)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES, ids=_ids(SLOW_CASES))
def test_fit_and_predict(case: Case) -> None:
    data = simulate(case)
    result = rf.fit(
        case.formula,
        data,
        family=case.family,
        link=case.link,
        draws=20,
        tune=20,
        chains=1,
        random_seed=1,
        progressbar=False,
    )
    predictions = result.predict(data.head(5))
    parent = result.model.bambi_model.family.likelihood.parent
    values = predictions.posterior[parent].values
    assert values.shape[-1] == 5
    assert np.all(np.isfinite(values))
