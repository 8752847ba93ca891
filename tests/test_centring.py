"""The centring rule: group effects centred only where the data dominate the prior."""

import numpy as np
import pytest

import r2d2_formula as rf
from r2d2_formula.centring import noncentred_terms, shrinkage
from r2d2_formula.datasets import load


def test_shrinkage_is_the_prior_share_of_precision():
    np.testing.assert_allclose(shrinkage(np.array([1.0, 4.0]), np.array([1.0, 0.25])), [0.5, 0.5])
    assert shrinkage(np.array([10.0]), np.array([10.0]))[0] == pytest.approx(1 / 101)


def test_terms_follow_the_mean_shrinkage_of_their_columns():
    decided = noncentred_terms(
        ["a", "a", "b"], np.array([1.0, 1.0, 0.01]), np.array([9.0, 0.5, 1.0])
    )
    # a: shrinkage 0.1 and 0.67, mean 0.38 -> centred; b: 0.99 -> non-centred.
    assert decided == {"a": False, "b": True}


@pytest.mark.parametrize(
    ("name", "formula", "family", "expected"),
    [
        # 10 readings per subject of a well-measured response: centre both group terms.
        (
            "sleepstudy",
            "Reaction ~ Days + (Days|Subject)",
            "gaussian",
            {"Days": True, "1|Subject": False, "Days|Subject": False},
        ),
        # ~4 small binomial batches per herd: the herd effects are mostly prior.
        (
            "cbpp",
            "p(incidence, size) ~ period + (1|herd)",
            "binomial",
            {"period": True, "1|herd": True},
        ),
    ],
)
def test_auto_on_real_data(name, formula, family, expected):
    model = rf.Model(formula, load(name), family=family, noncentered="auto")
    assert dict(model.plan.noncentered) == expected


def test_default_is_non_centred_everywhere():
    model = rf.Model("Reaction ~ Days + (Days|Subject)", load("sleepstudy"))
    assert set(dict(model.plan.noncentered).values()) == {True}


def test_explicit_choice_applies_to_every_term():
    data = load("sleepstudy")
    for flag in (True, False):
        model = rf.Model("Reaction ~ Days + (1|Subject)", data, noncentered=flag)
        assert set(dict(model.plan.noncentered).values()) == {flag}
    with pytest.raises(rf.PriorError, match="noncentered must be"):
        rf.Model("Reaction ~ Days + (1|Subject)", data, noncentered="sometimes")
