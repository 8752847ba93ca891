"""Bad input fails at the boundary with the package's error naming the value; data stay as given."""

import numpy as np
import pandas as pd
import pytest

import r2d2_formula as rf
from r2d2_formula.errors import DataError, FamilyError, FormulaError, PriorError, R2D2Error


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    n = 60
    return pd.DataFrame(
        {
            "y": rng.poisson(3.0, n),
            "b": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "g": [f"g{i % 6}" for i in range(n)],
        }
    )


def expect(error, fragments, formula, data, **kwargs):
    with pytest.raises(error) as info:
        rf.Model(formula, data, **kwargs)
    assert isinstance(info.value, R2D2Error)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_missing_column_is_named_with_a_suggestion(data):
    expect(
        FormulaError,
        ["'xx'", "did you mean 'x'", "Available columns"],
        "y ~ xx + (1|g)",
        data,
        family="poisson",
    )


def test_unparseable_formula(data):
    expect(FormulaError, ["cannot parse formula"], "y ~ x +* z", data)
    expect(FormulaError, ["must be a string like"], "y x", data)


def test_nan_in_a_used_column_names_column_count_and_rows(data):
    data = data.copy()
    data.loc[[3, 7], "x"] = np.nan
    expect(DataError, ["'x'", "2 missing", "[3, 7]"], "y ~ x", data, family="poisson")


def test_nan_in_an_unused_column_is_fine(data):
    data = data.copy()
    data.loc[3, "z"] = np.nan
    assert rf.Model("y ~ x", data, family="poisson").components == ["x"]


def test_unknown_family_and_link(data):
    expect(FamilyError, ["'poison'", "poisson"], "y ~ x", data, family="poisson".replace("ss", "s"))
    expect(
        FamilyError, ["link must be one of", "'sqrt'"], "y ~ x", data, family="poisson", link="sqrt"
    )


@pytest.mark.parametrize(
    ("values", "fragment"),
    [([-1, 2, 3], "negative value(s) [-1.0]"), ([0.5, 2, 3], "non-integer value(s) [0.5]")],
)
@pytest.mark.parametrize("family", ["poisson", "negativebinomial"])
def test_count_response_must_be_non_negative_integers(data, values, fragment, family):
    data = data.astype({"y": float})
    data.loc[:2, "y"] = values
    expect(DataError, ["response 'y'", fragment, family], "y ~ x", data, family=family)


def test_bernoulli_response_must_be_zero_or_one(data):
    expect(DataError, ["must be 0 or 1", "[2"], "y ~ x", data, family="bernoulli")
    labels = data.assign(s=np.where(data["b"] == 1, "yes", "no"))
    expect(
        DataError,
        ["non-numeric values ['no', 'yes']", 's["yes"] ~'],
        "s ~ x",
        labels,
        family="bernoulli",
    )


def test_bernoulli_accepts_bool_and_explicit_level(data):
    assert rf.Model(
        "b ~ x", data.assign(b=data["b"].astype(bool)), family="bernoulli"
    ).components == ["x"]
    labels = data.assign(s=np.where(data["b"] == 1, "yes", "no"))
    assert rf.Model('s["yes"] ~ x', labels, family="bernoulli").components == ["x"]


def test_binomial_checks_trials(data):
    counts = data.assign(k=data["y"], n=data["y"] + 2)
    expect(
        DataError, ["trials", "integers >= 1"], "p(k, n) ~ x", counts.assign(n=0), family="binomial"
    )
    over = counts.assign(k=counts["k"].where(counts.index != 0, 99))
    expect(DataError, ["successes exceed trials", "99 of"], "p(k, n) ~ x", over, family="binomial")
    expect(DataError, ["p(successes, trials)"], "y ~ x", data, family="binomial")


def test_gamma_response_must_be_positive(data):
    expect(DataError, ["must be positive", "'gamma'"], "y ~ x", data, family="gamma")


def test_group_with_one_level(data):
    expect(
        DataError,
        ["grouping factor 'h' has 1 level"],
        "y ~ x + (1|h)",
        data.assign(h="a"),
        family="poisson",
    )


def test_constant_predictor(data):
    expect(DataError, ["'c'", "constant"], "y ~ x + c", data.assign(c=2.0), family="poisson")


@pytest.mark.parametrize("name", ["R2", "W", "phi"])
def test_reserved_column_names(data, name):
    expect(
        FormulaError,
        [f"['{name}']", "clash"],
        "y ~ x",
        data.assign(**{name: 1.0}),
        family="poisson",
    )


def test_intercept_only_model_has_nothing_to_share(data):
    expect(FormulaError, ["no term besides the intercept"], "y ~ 1", data, family="poisson")


def test_prior_and_data_types(data):
    expect(PriorError, ["prior must be an R2D2 instance, got str"], "y ~ x", data, prior="uniform")
    expect(DataError, ["pandas DataFrame, got dict"], "y ~ x", data.to_dict())
    expect(
        PriorError,
        ["concentration names ['w']"],
        "y ~ x",
        data,
        prior=rf.R2D2(concentration={"w": 2.0}),
    )
    expect(
        PriorError,
        ["has 2 values but the model has 1"],
        "y ~ x",
        data,
        prior=rf.R2D2(concentration=[1, 2]),
    )


def test_failed_and_successful_builds_leave_the_data_unchanged(data):
    before = data.copy(deep=True)
    with pytest.raises(R2D2Error):
        rf.Model("y ~ x", data, family="bernoulli")
    model = rf.Model("y ~ x + C(g)", data, family="poisson")
    assert model.data is not data
    pd.testing.assert_frame_equal(data, before)
