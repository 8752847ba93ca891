"""Property tests: whatever data and formula a user brings, the package either works or
says what is wrong with an :class:`r2d2_formula.R2D2Error` — never another exception,
never a silent NaN.

Data frames are generated with every dtype users hold (float, int, bool, text, pandas
nullable ``Int64``/``Float64``/``boolean``/``string``, ``category``), with NaN and
infinities, values of any sign and size, and 0 to 50 rows; formulas from a grammar over
those columns (transformations, interactions, categorical codings, offsets, group terms).

The default tier builds models (no sampling) and predicts from one shared fit; the slow
tier also fits each generated model at a few draws and predicts from it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import r2d2_formula as rf

FAMILIES = ["gaussian", "poisson", "bernoulli", "binomial", "negativebinomial", "gamma"]


@st.composite
def dirty(draw, series: pd.Series) -> pd.Series:
    """Now and then, a gap, an infinity or a huge value at some row."""
    if len(series) == 0 or draw(st.integers(0, 9)):
        return series
    series = series.astype("float64") if series.dtype.kind in "iub" else series.copy()
    value = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -5.0, 0.0]))
    series.iloc[draw(st.integers(0, len(series) - 1))] = value
    return series


@st.composite
def numeric(draw, n: int, low: float = -30.0) -> pd.Series:
    values = draw(st.lists(st.floats(low, 30, allow_nan=False), min_size=n, max_size=n))
    series = draw(dirty(pd.Series(values, dtype="float64")))
    return series.astype(draw(st.sampled_from(["float64", "Float64"])))


@st.composite
def counts(draw, n: int) -> pd.Series:
    values = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    series = draw(dirty(pd.Series(values, dtype="int64")))
    if series.dtype == np.int64:
        return series.astype(draw(st.sampled_from(["int64", "Int64", "float64"])))
    return series


@st.composite
def labels(draw, n: int, pool: str = "abcd") -> pd.Series:
    levels = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
    series = pd.Series(
        draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n)), dtype=object
    )
    if n and not draw(st.integers(0, 9)):
        series.iloc[draw(st.integers(0, n - 1))] = None
    return series.astype(draw(st.sampled_from(["object", "string", "category"])))


@st.composite
def responses(draw, n: int, family: str) -> pd.Series:
    """Mostly a response the family accepts; sometimes any other column's kind."""
    if not draw(st.integers(0, 4)):
        return draw(st.one_of(numeric(n), counts(n), labels(n)))
    if family in ("poisson", "negativebinomial", "binomial"):
        return draw(counts(n))
    if family == "bernoulli":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        return pd.Series(values).astype(draw(st.sampled_from(["bool", "int64", "boolean"])))
    return draw(numeric(n, low=0.01 if family == "gamma" else -30.0))


@st.composite
def cases(draw, max_rows: int = 50):
    """(data, formula, family): columns y, k (counts), x, z (numbers), c, g (labels)."""
    family = draw(st.sampled_from(FAMILIES))
    n = draw(
        st.sampled_from([0, 1, 2]) if not draw(st.integers(0, 9)) else st.integers(8, max_rows)
    )
    data = pd.DataFrame(
        {
            "y": draw(responses(n, family)),
            "k": draw(counts(n)),
            "x": draw(numeric(n)),
            "z": draw(numeric(n, low=draw(st.sampled_from([-30.0, 0.01])))),
            "c": draw(labels(n, "abc")),
            "g": draw(labels(n, "pqrstu")),
        }
    )
    if family == "binomial":
        data["n"] = data["k"] + draw(st.integers(0, 5))
    return data, draw(formulas(family)), family


TERMS = [
    "x",
    "z",
    "c",
    "x:z",
    "x*c",
    "np.log(z)",
    "np.sqrt(z)",
    "I(x**2)",
    "{x + z}",
    "scale(z)",
    "center(x)",
    "C(c)",
    "C(c, Treatment('b'))",
    "poly(x, 2)",
    "bs(x, df=3)",
    "offset(np.log(z))",
    "(1|g)",
    "(x|g)",
    "(0 + x|g)",
    "(1|g:c)",
    "(1|c/g)",
    "(c|g)",
]


@st.composite
def formulas(draw, family: str):
    if family == "binomial":
        response = draw(st.sampled_from(["p(k, n)", "p(k, 25)", "y"]))
    elif family == "bernoulli":
        response = draw(st.sampled_from(["y", 'c["a"]', 'g["p"]']))
    else:
        response = draw(st.sampled_from(["y", "k", "np.log(y)"]))
    terms = draw(
        st.lists(
            st.sampled_from(TERMS),
            min_size=draw(st.sampled_from([0, 1, 1, 1])),
            max_size=4,
            unique=True,
        )
    )
    intercept = draw(st.sampled_from(["", "", "0 + ", "1 + "]))
    return f"{response} ~ {intercept}{' + '.join(terms) or '1'}"


def build_or_refuse(formula, data, family):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rf.Model(formula, data, family=family)
    except rf.R2D2Error as err:
        event(f"refused: {type(err).__name__}")
        return None


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_building_a_model_works_or_says_why(case):
    data, formula, family = case
    before = data.copy(deep=True)
    model = build_or_refuse(formula, data, family)
    pd.testing.assert_frame_equal(data, before)  # never modified, whatever happened
    if model is not None:
        event("built")
    if model is not None:
        # Components exactly when the formula has a term besides the intercept (null models).
        assert bool(model.components) == bool(model.spec.population or model.spec.groups)
        assert np.isfinite(model.design.population.to_numpy()).all()


@st.composite
def new_frames(draw, fitted: pd.DataFrame):
    """New data for the shared fit: rows drawn from the fitted ones, then damaged."""
    n = draw(st.integers(0, 6))
    rows = draw(st.lists(st.integers(0, len(fitted) - 1), min_size=n, max_size=n))
    new = fitted.iloc[rows].drop(columns="y").reset_index(drop=True)
    damage = draw(
        st.sampled_from(
            ["none", "nan", "inf", "huge", "drop", "new group", "text", "nullable", "string group"]
        )
    )
    if damage == "drop":
        new = new.drop(columns=draw(st.sampled_from(["x1", "x2", "g"])))
    elif n and damage in ("nan", "inf", "huge"):
        value = {"nan": np.nan, "inf": np.inf, "huge": 1e6}[damage]
        new.loc[draw(st.integers(0, n - 1)), draw(st.sampled_from(["x1", "x2"]))] = value
    elif n and damage == "new group":
        new.loc[0, "g"] = "never seen"
    elif damage == "text":
        new["x1"] = "a"
    elif damage == "nullable":
        new = new.astype({"x1": "Float64"})
    elif damage == "string group":
        new = new.astype({"g": "string"})
    return new


@pytest.fixture(scope="module")
def shared_fit(poisson_fit):
    return poisson_fit


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_predictions_are_finite_or_refused(shared_fit, poisson_data, data):
    fitted, _ = poisson_data
    new = data.draw(new_frames(fitted))
    try:
        out = shared_fit.predict(new)
    except rf.R2D2Error:
        return
    assert np.isfinite(np.asarray(out.posterior["mu"])).all()
    assert out.posterior["mu"].shape[-1] == len(new)


@pytest.mark.slow
@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_rows=40))
def test_fitting_and_predicting_work_or_say_why(case):
    data, formula, family = case
    model = build_or_refuse(formula, data, family)
    if model is None:
        return
    idata = model.fit(draws=10, tune=10, chains=1, random_seed=1, progressbar=False)
    try:
        out = model.predict(idata, data=data, inplace=False)
    except rf.R2D2Error:
        return
    parent = next(iter(out.posterior.data_vars.keys() - idata.posterior.data_vars.keys()))
    assert np.isfinite(np.asarray(out.posterior[parent])).all()
