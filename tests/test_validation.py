"""Bad input fails at the boundary with the package's error naming the value; data stay as given."""

import numpy as np
import pandas as pd
import pytest

import r2d2_formula as rf
from r2d2_formula._errors import (
    DataError,
    FamilyError,
    FormulaError,
    PriorError,
    R2D2Error,
    UnsupportedError,
)


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
    expect(FormulaError, ["no '~'", "write it like"], "y x", data)


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
    [([-1, 2, 3], "negative value(s) [-1]"), ([0.5, 2, 3], "non-integer value(s) [0.5]")],
)
@pytest.mark.parametrize(
    "family", ["poisson", "negativebinomial", "zero_inflated_negativebinomial"]
)
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


def test_a_response_level_that_is_not_in_the_data(data, never_builds):
    labels = data.assign(s=np.where(data["b"] == 1, "yes", "no"))
    expect(DataError, ["'Yes'", "['no', 'yes']"], 's["Yes"] ~ x', labels, family="bernoulli")


@pytest.mark.parametrize("family", ["binomial", "beta_binomial"])
def test_binomial_checks_trials(data, family):
    counts = data.assign(k=data["y"], n=data["y"] + 2)
    expect(DataError, ["trials", "integers >= 1"], "p(k, n) ~ x", counts.assign(n=0), family=family)
    over = counts.assign(k=counts["k"].where(counts.index != 0, 99))
    expect(DataError, ["successes exceed trials", "99 of"], "p(k, n) ~ x", over, family=family)
    expect(DataError, ["p(successes, trials)"], "y ~ x", data, family=family)


def test_beta_response_must_be_strictly_between_0_and_1(data):
    """0 and 1 have no density under a Beta: the column, the family, the values and the
    rows are named, and the bernoulli / beta-binomial are offered instead."""
    proportions = data.assign(y=np.linspace(0.05, 0.95, len(data)))
    assert rf.Model("y ~ x", proportions, family="beta").components == ["x"]
    proportions.loc[[3, 7, 8, 11], "y"] = [0.0, 1.0, 1.5, -0.2]
    expect(
        DataError,
        [
            "'y' must be strictly between 0 and 1",
            "family 'beta'",
            "[-0.2, 0, 1, 1.5]",
            "[3, 7, 8, 11]",
            "'bernoulli'",
        ],
        "y ~ x",
        proportions,
        family="beta",
    )


def test_gamma_response_must_be_positive(data):
    expect(DataError, ["must be positive", "'gamma'"], "y ~ x", data, family="gamma")


@pytest.mark.parametrize("family", ["gamma", "lognormal", "exponential", "weibull"])
def test_positive_response_names_column_rows_and_values(data, family):
    positive = data.assign(y=data["y"] + 0.5)
    positive.loc[[4, 9], "y"] = [-0.5, 0.0]
    expect(
        DataError,
        ["'y' must be positive", f"family {family!r}", "-0.5", "[4, 9]"],
        "y ~ x",
        positive,
        family=family,
    )


@pytest.mark.parametrize("family", ["cumulative", "sratio"])
def test_ordinal_response_must_say_the_order_of_its_categories(data, family):
    """Bambi orders text categories alphabetically ("high" < "low" < "mid"): text and
    unordered categoricals are refused with the remedy; fractions name the rows; integers
    and ordered categoricals are accepted, and the caller's column is left as it was."""
    words = data.assign(y=np.resize(["low", "mid", "high"], len(data)))
    expect(
        DataError,
        ["'y'", "['high', 'low', 'mid']", "ordered categorical"],
        "y ~ x",
        words,
        family=family,
    )
    unordered = words.assign(y=pd.Categorical(words["y"]))
    expect(DataError, ["unordered categorical", "as_ordered"], "y ~ x", unordered, family=family)
    fractions = data.assign(y=data["y"].astype(float))
    fractions.loc[[2, 5], "y"] = [1.5, 2.25]
    expect(
        DataError,
        ["integer categories", "[1.5, 2.25]", "[2, 5]"],
        "y ~ x",
        fractions,
        family=family,
    )
    single = data.assign(y=3)
    expect(DataError, ["single category"], "y ~ x", single, family=family)
    before = data.copy()
    model = rf.Model("y ~ x", data, family=family)
    pd.testing.assert_frame_equal(data, before)
    assert list(model.bambi_model.response_term.levels) == [str(v) for v in sorted(set(data.y))]
    ordered = words.assign(y=pd.Categorical(words["y"], ["low", "mid", "high"], ordered=True))
    levels = rf.Model("y ~ x", ordered, family=family).bambi_model.response_term.levels
    assert list(levels) == ["low", "mid", "high"]


@pytest.mark.parametrize("family", ["hurdle_gamma", "hurdle_lognormal"])
def test_hurdle_response_must_be_zero_or_positive(data, family):
    values = data.assign(y=data["y"] * 0.5)
    values.loc[[4, 9], "y"] = [-0.5, -2.0]
    expect(
        DataError,
        ["'y' must be zero or positive", f"{family!r}", "[-0.5, -2]", "[4, 9]"],
        "y ~ x",
        values,
        family=family,
    )
    expect(DataError, ["no positive value"], "y ~ x", data.assign(y=0.0), family=family)


def test_von_mises_response_must_be_an_angle(data):
    angles = data.assign(y=np.linspace(-3.0, 3.0, len(data)))
    angles.loc[[1, 6], "y"] = [4.0, 180.0]
    expect(
        DataError,
        ["'y' must be an angle in radians", "[4, 180]", "[1, 6]", "deg2rad"],
        "y ~ x",
        angles,
        family="vonmises",
    )


@pytest.mark.parametrize("family", ["gaussian", "t", "laplace", "asymmetriclaplace", "exgaussian"])
def test_real_line_response_must_be_finite(data, family):
    real = data.assign(y=data["x"] * 2.0)
    real.loc[5, "y"] = np.inf
    expect(DataError, ["column 'y'", "infinite", "[5]"], "y ~ x", real, family=family)


def test_families_without_an_r2_are_refused_with_the_reason(data):
    positive = data.assign(y=data["y"] + 0.5)
    expect(
        UnsupportedError,
        ["'wald'", "rise and then fall", "'gamma'"],
        "y ~ x",
        positive,
        family="wald",
    )
    expect(
        UnsupportedError,
        ["'gamma' with link 'inverse'", "does not exist", "link='log'"],
        "y ~ x",
        positive,
        family="gamma",
        link="inverse",
    )


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


@pytest.mark.parametrize("name", ["R2", "W", "phi", "R2_max"])
def test_reserved_names_are_refused_only_when_the_formula_reads_them(data, name):
    clashing = data.assign(**{name: data["z"]})
    expect(
        FormulaError,
        [f"['{name}']", "R2D2 layer"],
        f"y ~ x + {name}",
        clashing,
        family="poisson",
    )
    assert rf.Model("y ~ x", clashing, family="poisson").components == ["x"]


def test_a_model_with_no_parameter_of_eta_is_refused(data, never_builds):
    """Catches `y ~ 0` reaching the sampler with nothing to sample in the linear predictor."""
    expect(rf.UnsupportedError, ["no intercept and no term"], "y ~ 0", data, family="poisson")


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


# --- every rule runs before a Bambi model is built ------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"family": "poisson", "link": "logit"}, rf.UnsupportedError, "link 'logit'"),
        ({"family": "gaussian", "link": "inverse"}, rf.UnsupportedError, "link 'inverse'"),
        ({"family": "poison"}, FamilyError, "did you mean 'poisson'"),
        ({"family": "poisson", "noncentered": "yes"}, PriorError, "noncentered"),
        ({"family": "poisson", "prior": 0.5}, PriorError, "R2D2 instance"),
    ],
)
def test_argument_errors_come_before_any_build(data, never_builds, kwargs, error, fragment):
    expect(error, [fragment], "y ~ x + (1|g)", data, **kwargs)


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"draws": -5}, "draws must be a whole number >= 1, got -5"),
        ({"draws": 2.5}, "draws must be a whole number"),
        ({"tune": -1}, "tune must be a whole number >= 0"),
        ({"chains": 0}, "chains must be a whole number >= 1"),
        ({"target_accept": 1.0}, "target_accept must be a number in (0, 1)"),
        ({"target_accept": "high"}, "target_accept"),
        ({"inference_method": "nutpy"}, "did you mean 'nutpie'"),
    ],
)
def test_sampler_arguments_are_checked_before_building(data, never_builds, settings, fragment):
    with pytest.raises(rf.ArgumentError) as info:
        rf.fit("y ~ x + (1|g)", data, family="poisson", **settings)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("method", "reason"),
    [("vi", "returns a PyMC Approximation"), ("laplace", "joint posterior mode")],
)
def test_approximations_bambi_offers_are_refused_before_building(
    data, never_builds, method, reason
):
    """Catches vi reaching Bambi with NUTS's settings (a raw TypeError after compiling)."""
    with pytest.raises(UnsupportedError) as info:
        rf.fit("y ~ x + (1|g)", data, family="poisson", inference_method=method)
    assert reason in str(info.value) and "'nutpie'" in str(info.value)


def test_missing_blackjax_is_not_blamed_on_an_extra(monkeypatch):
    """Catches the hint to install the jax extra, which does not contain BlackJAX."""
    import importlib.util

    from r2d2_formula import _validate

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "blackjax" else real(name)
    )
    with pytest.raises(UnsupportedError) as info:
        _validate.check_sampler({"inference_method": "blackjax"})
    message = str(info.value)
    assert "no extra of this package installs" in message
    assert "'numpyro' (pip install 'r2d2-formula[jax]')" in message


@pytest.mark.parametrize("rows", [0, 1])
def test_too_few_rows(data, never_builds, rows):
    expect(DataError, [f"{rows} row(s)", "at least 2"], "y ~ x", data.head(rows), family="poisson")


def test_repeated_column_names(data, never_builds):
    twice = pd.concat([data, data[["x"]]], axis=1)
    expect(DataError, ["repeated column name(s) ['x']"], "y ~ z", twice, family="poisson")


def test_offset_of_a_non_positive_value_names_the_column_and_rows(data, never_builds):
    exposure = data.assign(t=np.linspace(1.0, 3.0, len(data)))
    exposure.loc[[4, 9], "t"] = [0.0, -1.0]
    expect(
        DataError,
        ["offset 'offset(log(t))'", "reads 't'", "row(s) [4, 9]"],
        "y ~ x + offset(log(t))",
        exposure,
        family="poisson",
    )


def test_a_transformed_predictor_that_is_not_finite(data, never_builds):
    expect(DataError, ["term 'np.log(z)'", "reads 'z'"], "y ~ np.log(z)", data, family="poisson")


def test_offsets_outside_poisson_are_refused_before_building(data, never_builds):
    expect(
        rf.UnsupportedError,
        ["offsets are supported for the poisson family only"],
        "y ~ x + offset(z)",
        data,
        family="negativebinomial",
    )


# --- pandas extension dtypes behave like their NumPy counterparts ----------------------------


def test_nullable_dtypes_are_accepted_and_left_alone(data):
    typed = data.astype(
        {"y": "Int64", "x": "Float64", "b": "boolean", "g": "string", "z": "float64"}
    )
    before = typed.copy(deep=True)
    counts = rf.Model("y ~ x + (1|g)", typed, family="poisson")
    binary = rf.Model("b ~ x + (1|g)", typed, family="bernoulli")
    assert counts.components == binary.components == ["x", "1|g"]
    assert counts.data["y"].dtype == np.int64 and counts.data["x"].dtype == np.float64
    pd.testing.assert_frame_equal(typed, before)


def test_missing_values_in_nullable_columns_are_named(data, never_builds):
    typed = data.astype({"y": "Int64"})
    typed.loc[5, "y"] = pd.NA
    expect(DataError, ["'y'", "1 missing", "[5]"], "y ~ x", typed, family="poisson")


def test_category_and_string_factors_give_the_same_model(data):
    as_category = rf.Model("y ~ x + (1|g)", data.astype({"g": "category"}), family="poisson")
    as_string = rf.Model("y ~ x + (1|g)", data.astype({"g": "string"}), family="poisson")
    assert as_category.components == as_string.components
    assert as_category.design.groups[0].levels == as_string.design.groups[0].levels


# --- names of the caller's session resolve as in Bambi ---------------------------------------


def cube(values):
    return np.asarray(values) ** 3


def test_session_functions_and_values_resolve_in_the_callers_frame(data):
    order = ["g5", "g4", "g3", "g2", "g1", "g0"]  # noqa: F841 - read by the formula
    model = rf.Model("y ~ cube(x) + C(g, levels=order)", data, family="poisson")
    assert model.components[0] == "cube(x)"
    assert model.components[1] == "C(g, levels=order)[g4]"
    np.testing.assert_allclose(model.design.population["cube(x)"], data["x"] ** 3)


def test_an_unknown_session_name_is_a_formula_error(data, never_builds):
    expect(FormulaError, ["'nowhere'"], "y ~ C(g, levels=nowhere)", data, family="poisson")


# --- new data for predictions ---------------------------------------------------------------


@pytest.fixture
def fitted_frame(data):
    return data.assign(c=np.where(data["b"] == 1, "u", "v"))


@pytest.fixture
def predictor_model(fitted_frame):
    return rf.Model("y ~ x + c + (1|g)", fitted_frame, family="poisson")


def check_new(model, new):
    from r2d2_formula import _validate

    return _validate.check_new_data(model.spec, model.data, new)


def test_new_data_may_omit_the_response_and_bring_new_groups(predictor_model, fitted_frame):
    new = fitted_frame.drop(columns="y").head(3).assign(g=["new1", "new2", "g0"])
    assert len(check_new(predictor_model, new)) == 3


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.drop(columns="x"), "lack column(s) ['x']"),
        (lambda d: d.assign(x=[0.1, np.nan, 0.3]), "'x' has 1 missing value(s) at row(s) [1]"),
        (lambda d: d.assign(x=[0.1, np.inf, 0.3]), "'x' has infinite value(s)"),
        (lambda d: d.assign(c=["u", "w", "u"]), "level(s) ['w'] at row(s) [1]"),
        (lambda d: d.assign(x=["a", "b", "c"]), "the model was fitted with numbers"),
        (lambda d: d.iloc[:0], "0 row(s)"),
    ],
)
def test_bad_new_data_is_a_data_error(predictor_model, fitted_frame, change, fragment):
    new = change(fitted_frame.drop(columns="y").head(3).reset_index(drop=True))
    with pytest.raises(DataError) as info:
        check_new(predictor_model, new)
    assert fragment in str(info.value), str(info.value)


def test_predict_checks_its_kind_first(predictor_model):
    with pytest.raises(rf.ArgumentError, match="kind must be one of"):
        predictor_model.predict(None, kind="bogus")


@pytest.mark.parametrize(
    ("priors", "fragment"),
    [
        ({"x": "Normal"}, "only ['Intercept'] take a prior"),
        ({"Intercept": 0.0}, "must be a bambi.Prior"),
        ("Normal", "priors must be a mapping"),
        ({"sigma": None}, "priors names 'sigma'"),
    ],
)
def test_pinned_priors_are_validated_before_building(data, never_builds, priors, fragment):
    expect(PriorError, [fragment], "y ~ x", data, family="poisson", priors=priors)


def test_blackjax_newer_than_pymc_supports_is_refused_up_front(monkeypatch):
    """Catches a BlackJAX that PyMC 6.4 cannot drive reaching the sampler (a JAX traceback)."""
    import importlib.metadata
    import importlib.util

    from r2d2_formula import _validate

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "1.7.1")
    with pytest.raises(UnsupportedError, match=r"BlackJAX 1\.7\.1.*numpyro"):
        _validate.check_sampler({"inference_method": "blackjax"})
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "1.5")
    assert (
        _validate.check_sampler({"inference_method": "blackjax"})["inference_method"] == "blackjax"
    )
