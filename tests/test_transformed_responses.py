"""Censored, truncated, constrained and weighted responses (Bambi's response transformations).

The pointwise log-likelihood is checked against scipy at hand-made posterior draws (no
sampling): survival or cumulative probabilities for censored rows, densities renormalised
to the bounds for truncated ones, weighted log-densities. The W prior is checked to be the
untransformed family's, and bad input to be refused before anything is built.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import special, stats

import r2d2_formula as rf
from r2d2_formula import _bambi
from r2d2_formula._families import FAMILIES

N = 40


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=N)
    event = rng.weibull(1.5, N) * np.exp(0.5 * x)
    censor = rng.exponential(2.0, N)
    return pd.DataFrame(
        {
            "x": x,
            "time": np.minimum(event, censor),
            "status": np.where(event <= censor, "none", "right"),
            "w": rng.uniform(0.5, 2.0, N),
            "y": np.clip(0.5 * x + 0.5 * rng.normal(size=N), -2.9, 2.9),
        }
    ).assign(status=lambda d: d["status"].where(d.index % 7 != 3, "left"))


def posterior(draws: dict) -> xr.DataTree:
    """A hand-made posterior: one chain of the given draws."""
    size = len(next(iter(draws.values())))
    dataset = xr.Dataset(
        {name: (("chain", "draw"), np.asarray(v, float)[None, :]) for name, v in draws.items()},
        coords={"chain": [0], "draw": np.arange(size)},
    )
    return xr.DataTree.from_dict({"posterior": dataset})


DRAWS = {"Intercept": [0.1, -0.3, 0.4], "x": [0.5, 0.2, 0.8]}


def log_likelihood(model, draws):
    tree = _bambi.log_likelihood(model.bambi_model, posterior(draws))
    return np.asarray(tree[next(iter(tree.data_vars))])[0]


def test_censored_weibull_rows_contribute_density_survival_or_cdf(data):
    model = rf.Model("censored(time, status) ~ x", data, family="weibull")
    draws = {**DRAWS, "alpha": [1.2, 1.6, 0.9]}
    got = log_likelihood(model, draws)
    t, status = data["time"].to_numpy(), data["status"].to_numpy()
    for d in range(3):
        mean = np.exp(draws["Intercept"][d] + draws["x"][d] * data["x"].to_numpy())
        alpha = draws["alpha"][d]
        # Bambi's Weibull: mu is the mean, scale = mu / Γ(1 + 1/α).
        dist = stats.weibull_min(alpha, scale=mean / special.gamma(1 + 1 / alpha))
        expected = np.select(
            [status == "none", status == "right", status == "left"],
            [dist.logpdf(t), dist.logsf(t), dist.logcdf(t)],
        )
        np.testing.assert_allclose(got[d], expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("call", ["truncated", "constrained"])
def test_bounded_rows_have_the_density_renormalised_to_the_bounds(data, call):
    model = rf.Model(f"{call}(y, -1, 2) ~ x", data.assign(y=data["y"].clip(-1, 2)))
    draws = {**DRAWS, "sigma": [0.7, 1.1, 0.5]}
    got = log_likelihood(model, draws)
    y = data["y"].clip(-1, 2).to_numpy()
    for d in range(3):
        mean = draws["Intercept"][d] + draws["x"][d] * data["x"].to_numpy()
        dist = stats.norm(mean, draws["sigma"][d])
        expected = dist.logpdf(y) - np.log(dist.cdf(2.0) - dist.cdf(-1.0))
        np.testing.assert_allclose(got[d], expected, rtol=1e-6, atol=1e-7)


def test_weighted_rows_have_weight_times_log_density(data):
    model = rf.Model("weighted(y, w) ~ x", data)
    draws = {**DRAWS, "sigma": [0.7, 1.1, 0.5]}
    got = log_likelihood(model, draws)
    for d in range(3):
        mean = draws["Intercept"][d] + draws["x"][d] * data["x"].to_numpy()
        expected = data["w"].to_numpy() * stats.norm(mean, draws["sigma"][d]).logpdf(data["y"])
        np.testing.assert_allclose(got[d], expected, rtol=1e-6, atol=1e-7)


def test_constrained_response_draws_stay_within_the_bounds(data):
    model = rf.Model("constrained(y, -1, 2) ~ x", data.assign(y=data["y"].clip(-1, 2)))
    tree = posterior({**DRAWS, "sigma": [0.7, 1.1, 0.5]})
    model.predict(tree, kind="response", random_seed=1)
    draws = np.asarray(tree.posterior_predictive["constrained(y, -1, 2)"])
    assert draws.shape == (1, 3, N)
    assert draws.min() >= -1 and draws.max() <= 2
    # Without the bounds a third of these draws would fall outside [-1, 2].
    assert draws.std() > 0.3


def test_the_w_prior_is_the_untransformed_familys(data):
    """R² is the family's whatever the transformation: W's density of the censored model is
    the plain model's (same response values, so the same intercept prior)."""
    censored = rf.Model("censored(time, status) ~ x", data, family="weibull")
    plain = rf.Model("time ~ x", data, family="weibull")
    assert censored.plan.intercept_mean == plain.plan.intercept_mean
    w = np.exp(np.linspace(-6, 6, 25))
    beta0 = np.full(w.size, 0.2)
    theta = {"alpha": np.full(w.size, 1.3)}
    densities = [
        _bambi.w_log_density(m.bambi_model, m.plan)(w, beta0, theta) for m in (censored, plain)
    ]
    np.testing.assert_allclose(*densities, rtol=1e-12)


@pytest.mark.parametrize(
    ("formula", "change", "error", "message"),
    [
        ("censored(time, status) ~ x", ("status", "event"), rf.DataError, r"\['event'\] at row"),
        ("censored(time, flag) ~ x", ("flag", 1), rf.DataError, "'flag' must be one of"),
        ("censored(time, time, status) ~ x", None, rf.UnsupportedError, "interval censoring"),
        ("truncated(y, 1, -1) ~ x", None, rf.DataError, "lower < upper"),
        ("truncated(y, lb=-1) ~ x", None, rf.DataError, "outside its truncated"),
        ("constrained(y, ub=0.5) ~ x", None, rf.DataError, "outside its constrained"),
        ("weighted(y, w) ~ x", ("w", -1.0), rf.DataError, r"must be finite and >= 0; found \[-1\]"),
    ],
)
def test_bad_input_is_refused_before_building(data, never_builds, formula, change, error, message):
    """Each error names the column or response, the offending values and what is allowed."""
    bad = data.assign(y=data["y"] * 3, flag=0)  # y beyond the bounds; flag a 0/1 indicator
    if change:
        column, value = change
        bad[column] = bad[column].astype(type(value) if column != "status" else object)
        bad.loc[bad.index[2], column] = value
    with pytest.raises(error, match=message):
        rf.Model(formula, bad)


def test_ordinal_or_binomial_responses_cannot_be_transformed(data, never_builds):
    with pytest.raises(rf.UnsupportedError, match="one numeric response column"):
        rf.Model("weighted(y, w) ~ x", data.assign(y=(data["y"] > 0).astype(int)), "cumulative")


@pytest.mark.slow
def test_censored_weibull_fit_recovers_the_effect():
    """Weibull survival times (shape 1.5, log mean 0.2 + 0.6x), 40% right-censored: the
    posterior of the slope covers the truth within 4 posterior SDs, and LOO runs."""
    rng = np.random.default_rng(4)
    n = 300
    x = rng.normal(size=n)
    mean = np.exp(0.2 + 0.6 * x)
    event = mean / special.gamma(1 + 1 / 1.5) * rng.weibull(1.5, n)
    censor = rng.exponential(2.5, n)
    frame = pd.DataFrame(
        {"x": x, "t": np.minimum(event, censor), "s": np.where(event <= censor, "none", "right")}
    )
    result = rf.fit("censored(t, s) ~ x", frame, family="weibull", random_seed=3, progressbar=False)
    post = result.idata.posterior
    for name, truth in (("x", 0.6), ("Intercept", 0.2), ("alpha", 1.5)):
        draws = post[name].to_numpy()
        assert abs(draws.mean() - truth) < 4 * draws.std(), name
    assert np.isfinite(result.loo(warn=False).elpd)


@pytest.mark.parametrize("formula", ["truncated(y, lb=-1) ~ x", "weighted(y, w) ~ x"])
def test_sigma_prior_is_scaled_by_the_responses_sd_not_the_matrix(data, formula):
    """Bambi scales σ's HalfStudentT by the SD of the whole response matrix: with a one-sided
    bound (an infinite column) that is NaN, with weights it mixes them in."""
    frame = data.assign(y=data["y"].clip(-1, None))
    model = rf.Model(formula, frame)
    prior = model.bambi_model.parameters["sigma"].prior
    assert prior.name == "HalfStudentT"
    assert prior.args["sigma"] == pytest.approx(float(np.std(frame["y"])))


# --- which family takes which transformation ---------------------------------------------

CALLS = {
    "censored": "censored(y, s) ~ x",
    "truncated": "truncated(y, ub=100) ~ x",
    "constrained": "constrained(y, ub=100) ~ x",
    "weighted": "weighted(y, w) ~ x",
}
#: The kind of response each single-column family models, for the sweep below.
RESPONSES = {
    **dict.fromkeys(["gaussian", "t", "laplace", "asymmetriclaplace", "exgaussian"], "real"),
    **dict.fromkeys(["lognormal", "gamma", "exponential", "weibull"], "positive"),
    **dict.fromkeys(
        ["poisson", "negativebinomial", "zero_inflated_poisson", "zero_inflated_negativebinomial"],
        "counts",
    ),
    **dict.fromkeys(["hurdle_poisson"], "counts"),
    **dict.fromkeys(["hurdle_gamma", "hurdle_lognormal"], "non-negative"),
    "beta": "unit",
    "bernoulli": "binary",
    "vonmises": "angle",
}


def sweep_data(kind: str) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 30
    values = {
        "real": 0.5 * rng.normal(size=n),
        "positive": rng.gamma(2.0, 1.0, n) + 0.1,
        "counts": rng.poisson(2.0, n),
        "non-negative": rng.gamma(2.0, 1.0, n) * (rng.random(n) < 0.7),
        "unit": rng.beta(2.0, 3.0, n),
        "binary": rng.integers(0, 2, n),
        "angle": rng.uniform(-3.0, 3.0, n),
    }[kind]
    return pd.DataFrame(
        {
            "y": values,
            "x": rng.normal(size=n),
            "s": np.where(rng.random(n) < 0.7, "none", "right"),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )


def test_sweep_covers_every_single_column_family():
    single = {name for name, f in FAMILIES.items() if f.domain.columns == 1 and not f.thresholds}
    assert set(RESPONSES) == single


REFUSED = [(family, call) for family in RESPONSES for call, _ in FAMILIES[family].refused_responses]
TAKEN = [(f, c) for f in RESPONSES for c in CALLS if (f, c) not in REFUSED]


@pytest.mark.parametrize(("family", "call"), REFUSED)
def test_transformations_a_family_cannot_take_are_refused_before_building(
    family, call, never_builds
):
    with pytest.raises(rf.UnsupportedError, match=f"{call}.*not supported for family"):
        rf.Model(CALLS[call], sweep_data(RESPONSES[family]), family=family)


@pytest.mark.slow
@pytest.mark.parametrize(("family", "call"), TAKEN)
def test_every_transformation_a_family_takes_builds_draws_and_has_a_finite_likelihood(family, call):
    """Catches a pair PyMC or Bambi cannot handle (no CDF, no truncation of a mixture,
    a weighted distribution that cannot draw) slipping through as 'supported': the prior
    predictive draws and the log-likelihood at those prior draws must work and be finite."""
    model = rf.Model(CALLS[call], sweep_data(RESPONSES[family]), family=family)
    prior = rf.prior_predictive(model, draws=4, random_seed=1).prior.to_dataset()
    drop = ("R2", "R2_relative", "R2_max", "W", "phi")
    kept = {
        k: prior[k] for k in prior.data_vars if k not in drop and "__obs__" not in prior[k].dims
    }
    tree = xr.DataTree.from_dict({"posterior": xr.Dataset(kept)})
    table = _bambi.log_likelihood(model.bambi_model, tree)
    assert np.isfinite(np.asarray(table[next(iter(table.data_vars))])).all()
