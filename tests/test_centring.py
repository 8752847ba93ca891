"""The centring rule: terms centred only where the data dominate the prior."""

import numpy as np
import pytest

import r2d2_formula as rf
from r2d2_formula.centring import noncentred_terms, shrinkage
from r2d2_formula.datasets import load


def test_shrinkage_is_the_prior_share_of_precision():
    np.testing.assert_allclose(shrinkage(np.array([1.0, 4.0]), np.array([1.0, 0.25])), [0.5, 0.5])
    assert shrinkage(np.array([10.0]), np.array([10.0]))[0] == pytest.approx(1 / 101)


def test_terms_follow_the_mean_shrinkage_of_their_columns():
    terms, shares = ["a", "a", "b", "c"], np.array([1.0, 1.0, 0.01, 1.0])
    # Shrinkage a: 0.1 and 0.33, mean 0.22 -> centred; b: 0.99 and c: 0.5 -> non-centred.
    decided = noncentred_terms(terms, shares, np.array([9.0, 2.0, 1.0, 1.0]))
    assert decided == {"a": False, "b": True, "c": True}


def test_off_scale_columns_stay_non_centred():
    terms, shares, information = ["a", "b"], np.array([1.0, 1.0]), np.array([99.0, 99.0])
    assert noncentred_terms(terms, shares, information, np.array([1.0, 2.0])) == {
        "a": False,
        "b": False,
    }
    assert noncentred_terms(terms, shares, information, np.array([1.0, 2.5]))["b"] is True


@pytest.mark.parametrize(
    ("name", "formula", "family", "expected"),
    [
        # 10 readings per subject: the subject intercepts are centred; Days (0-9, root mean
        # square 5.3) is off-scale, so its coefficient and slopes stay non-centred.
        (
            "sleepstudy",
            "Reaction ~ Days + (Days|Subject)",
            "gaussian",
            {"Days": True, "1|Subject": False, "Days|Subject": True},
        ),
        # ~4 small binomial batches per herd: the herd effects are mostly prior.
        (
            "cbpp",
            "p(incidence, size) ~ period + (1|herd)",
            "binomial",
            {"period": False, "1|herd": True},
        ),
        # 3.4 chicks per brood, shrinkage 0.63; locations 0.47; HEIGHT in metres.
        (
            "grouseticks",
            "TICKS ~ YEAR + HEIGHT + (1|BROOD) + (1|LOCATION)",
            "poisson",
            {"YEAR": False, "HEIGHT": True, "1|BROOD": True, "1|LOCATION": True},
        ),
    ],
)
def test_auto_on_real_data(name, formula, family, expected):
    model = rf.Model(formula, load(name), family=family, noncentered="auto")
    assert dict(model.plan.noncentered) == expected


def test_default_is_auto():
    data = load("sleepstudy")
    default = rf.Model("Reaction ~ Days + (Days|Subject)", data)
    auto = rf.Model("Reaction ~ Days + (Days|Subject)", data, noncentered="auto")
    assert default.noncentered == "auto" and default.plan.noncentered == auto.plan.noncentered


def test_explicit_choice_applies_to_every_term():
    data = load("sleepstudy")
    for flag in (True, False):
        model = rf.Model("Reaction ~ Days + (1|Subject)", data, noncentered=flag)
        assert set(dict(model.plan.noncentered).values()) == {flag}
    with pytest.raises(rf.PriorError, match="noncentered must be"):
        rf.Model("Reaction ~ Days + (1|Subject)", data, noncentered="sometimes")
