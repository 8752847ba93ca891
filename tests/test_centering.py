"""The centering rule: terms centered only where the data dominate the prior."""

import numpy as np
import pandas as pd
import pytest

import r2d2_formula as rf
from r2d2_formula._centering import SIGNAL_BELOW, noncentered_terms, shrinkage, signal_strength
from r2d2_formula._datasets import load_dataset


def test_shrinkage_is_the_prior_share_of_precision():
    np.testing.assert_allclose(shrinkage(np.array([1.0, 4.0]), np.array([1.0, 0.25])), [0.5, 0.5])
    assert shrinkage(np.array([10.0]), np.array([10.0]))[0] == pytest.approx(1 / 101)


def test_terms_follow_the_mean_shrinkage_of_their_columns():
    terms, shares = ["a", "a", "b", "c"], np.array([1.0, 1.0, 0.01, 1.0])
    # Shrinkage a: 0.1 and 0.33, mean 0.22 -> centered; b: 0.99 and c: 0.5 -> non-centered.
    decided = noncentered_terms(terms, shares, np.array([9.0, 2.0, 1.0, 1.0]))
    assert decided == {"a": False, "b": True, "c": True}


def test_off_scale_columns_stay_non_centered():
    terms, shares, information = ["a", "b"], np.array([1.0, 1.0]), np.array([99.0, 99.0])
    assert noncentered_terms(terms, shares, information, np.array([1.0, 2.0])) == {
        "a": False,
        "b": False,
    }
    assert noncentered_terms(terms, shares, information, np.array([1.0, 2.5]))["b"] is True


def test_signal_strength_is_the_t_statistic_of_the_correlation():
    """Catches a wrong standard error: one column's |t| is r √(n − 2) / √(1 − r²)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=300)
    y = 0.2 * x + rng.normal(size=300)
    r = np.corrcoef(x, y)[0, 1]
    expected = abs(r) * np.sqrt(298) / np.sqrt(1 - r**2)
    assert signal_strength(x[:, None], y)[0] == pytest.approx(expected, rel=1e-10)


def test_weighted_signal_strength_equals_repeated_rows():
    """Catches weights applied to one side only: weight 2 is the row entered twice."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    weights = rng.integers(1, 4, 40)
    repeated = np.repeat(np.arange(40), weights)
    weighted = signal_strength(x, y, weights)
    # Same coefficients and same weighted residual sum; only the degrees of freedom differ.
    dof_ratio = np.sqrt((weights.sum() - 3) / (40 - 3))
    np.testing.assert_allclose(weighted * dof_ratio, signal_strength(x[repeated], y[repeated]))


def test_signal_strength_of_collinear_columns_is_no_evidence():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    y = x[:, 0] + rng.normal(size=50)
    assert np.all(np.isinf(signal_strength(np.hstack([x, 2 * x]), y)))


def test_weak_columns_keep_their_term_non_centered():
    """A null predictor's share can collapse: its term stays non-centered whatever the shrinkage."""
    terms, shares, information = ["a", "b", "b"], np.ones(3), np.full(3, 1e4)
    signal = np.array([SIGNAL_BELOW + 1, SIGNAL_BELOW + 1, SIGNAL_BELOW - 1])
    assert noncentered_terms(terms, shares, information, signal=signal) == {"a": False, "b": True}


def test_null_predictors_of_simulated_poisson_data_are_non_centered():
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.normal(size=(600, 3)), columns=["x1", "x2", "x3"])
    data["g"] = [f"g{i}" for i in rng.integers(0, 30, 600)]
    data["y"] = rng.poisson(np.exp(0.5 + 0.5 * data["x1"] - 0.3 * data["x3"]))
    model = rf.Model("y ~ x1 + x2 + x3 + (1|g)", data, family="poisson")
    assert dict(model.plan.noncentered) == {"x1": False, "x2": True, "x3": False, "1|g": False}


@pytest.mark.parametrize(
    ("name", "formula", "family", "expected"),
    [
        # 10 readings per subject: the subject intercepts are centered; Days (0-9, root mean
        # square 5.3) is off-scale, so its coefficient and slopes stay non-centered.
        (
            "sleepstudy",
            "Reaction ~ Days + (Days||Subject)",
            "gaussian",
            {"Days": True, "1|Subject": False, "Days|Subject": True},
        ),
        # Correlated, the block (1|Subject, Days|Subject) is written non-centered whole.
        (
            "sleepstudy",
            "Reaction ~ Days + (Days|Subject)",
            "gaussian",
            {"Days": True, "1|Subject": True, "Days|Subject": True},
        ),
        # ~4 small binomial batches per herd: the herd effects are mostly prior.
        (
            "cbpp",
            "p(incidence, size) ~ period + (1|herd)",
            "binomial",
            {"period": False, "1|herd": True},
        ),
        # 3.4 chicks per brood, shrinkage 0.63; locations 0.47; HEIGHT in metres; YEAR's
        # 1996 dummy has working |t| 2.66 (raw counts, overdispersed), below the signal rule's 3.
        (
            "grouseticks",
            "TICKS ~ YEAR + HEIGHT + (1|BROOD) + (1|LOCATION)",
            "poisson",
            {"YEAR": True, "HEIGHT": True, "1|BROOD": True, "1|LOCATION": True},
        ),
    ],
)
def test_auto_on_real_data(name, formula, family, expected):
    model = rf.Model(formula, load_dataset(name), family=family, noncentered="auto")
    assert dict(model.plan.noncentered) == expected


def test_default_is_auto():
    data = load_dataset("sleepstudy")
    default = rf.Model("Reaction ~ Days + (Days|Subject)", data)
    auto = rf.Model("Reaction ~ Days + (Days|Subject)", data, noncentered="auto")
    assert default.noncentered == "auto" and default.plan.noncentered == auto.plan.noncentered


def test_explicit_choice_applies_to_every_term():
    data = load_dataset("sleepstudy")
    for flag in (True, False):
        model = rf.Model("Reaction ~ Days + (1|Subject)", data, noncentered=flag)
        assert set(dict(model.plan.noncentered).values()) == {flag}
    with pytest.raises(rf.PriorError, match="noncentered must be"):
        rf.Model("Reaction ~ Days + (1|Subject)", data, noncentered="sometimes")
