"""Location families (gaussian, t, laplace, asymmetric Laplace, ex-Gaussian) with a log link.

R² is written here from its definition, Var E(Y | η) / (Var E(Y | η) + E Var(Y | η)) with
η ~ N(β₀, W), by quadrature over η of scipy's conditional mean and variance, not from the
package's closed form; the W density is the one the built PyMC model holds; the
conditional moments are checked against draws of the PyMC distribution Bambi builds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from reference import bambi_draws, expectation, scipy_response
from scipy import integrate, stats

import r2d2_formula as rf
from r2d2_formula import _bambi
from r2d2_formula import _r2 as R
from r2d2_formula._families import FAMILIES
from r2d2_formula._links import LINKS

CASES = [
    ("gaussian", {"sigma": 1.7}),
    ("t", {"sigma": 1.3, "nu": 3.0}),
    ("laplace", {"b": 0.6}),
    ("asymmetriclaplace", {"b": 1.4, "kappa": 0.5}),
    ("exgaussian", {"sigma": 0.7, "nu": 1.6}),
]
IDS = [name for name, _ in CASES]


def conditional(family: str, location: float, theta: dict):
    """scipy's Y | η at location e^η (the t's variance: its squared scale, as documented)."""
    if family == "gaussian":
        dist = stats.norm(location, theta["sigma"])
    else:
        dist = scipy_response(family, location, theta)
    variance = theta["sigma"] ** 2 if family == "t" else dist.var()
    return float(dist.mean()), float(variance)


def r2_by_quadrature(family: str, W: float, beta0: float, theta: dict) -> float:
    mean_at_zero, variance = conditional(family, 0.0, theta)
    shift = mean_at_zero  # E(Y | η) − e^η, the same at every η for a location family
    e1 = expectation(lambda e: math.exp(e) + shift, beta0, W)
    var_mean = expectation(lambda e: (math.exp(e) + shift - e1) ** 2, beta0, W)
    return var_mean / (var_mean + variance)


@pytest.mark.parametrize(("family", "theta"), CASES, ids=IDS)
def test_r2_is_the_definition_by_quadrature(family, theta):
    r2 = FAMILIES[family].r2(LINKS["log"])
    assert isinstance(r2, R.LogLocation) and r2.link == "log"
    for W in (1e-4, 0.05, 0.7, 3.0, 12.0):
        for beta0 in (-2.0, 0.0, 1.5):
            got = float(r2.r2(W, beta0, theta))
            assert got == pytest.approx(r2_by_quadrature(family, W, beta0, theta), rel=1e-7)


@pytest.mark.parametrize(("family", "theta"), CASES, ids=IDS)
def test_moments_are_those_of_bambis_log_link_likelihood(family, theta):
    """Mean and variance of 200,000 draws of Bambi's PyMC distribution at η, against the
    family's moments; thresholds 5 standard errors (the variance's from the fourth moment)."""
    r2 = FAMILIES[family].r2(LINKS["log"])
    eta = np.full(200_000, 0.4)
    draws = bambi_draws(family, eta, theta, seed=3, link="log")
    mean, variance = (float(np.ravel(v)[0]) for v in r2.moments(eta[:1], theta))
    if family == "t":
        variance = theta["sigma"] ** 2 * theta["nu"] / (theta["nu"] - 2)  # ν = 3: finite
        assert mean == pytest.approx(float(np.mean(draws)), abs=5 * math.sqrt(variance / eta.size))
        return
    se_mean = math.sqrt(variance / eta.size)
    se_var = math.sqrt((stats.kurtosis(draws, fisher=False) - 1) * variance**2 / eta.size)
    assert mean == pytest.approx(float(np.mean(draws)), abs=5 * se_mean)
    assert variance == pytest.approx(float(np.var(draws)), abs=5 * se_var)


def positive_mean_data(n: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = np.exp(1.0 + 0.5 * x) + rng.normal(0.0, 0.8, n)
    return pd.DataFrame({"y": y, "x": x, "g": [f"g{i % 6}" for i in range(n)]})


LOG_W_GRID = np.arange(-30.0, 30.0 + 0.0025, 0.005)


@pytest.mark.parametrize("family", ["gaussian", "asymmetriclaplace"])
def test_models_w_density_integrates_to_the_beta_cdf_of_r2_by_quadrature(family):
    """The W density of the built PyMC model, integrated over log W, is the Beta CDF of
    R² computed by quadrature (every 500th grid point), to 1e-6."""
    beta = (2.0, 3.0)
    model = rf.Model(
        "y ~ x + (1|g)",
        positive_mean_data(),
        family=family,
        link="log",
        prior=rf.R2D2(a=beta[0], b=beta[1]),
    )
    density = _bambi.w_log_density(model.bambi_model, model.plan)
    theta = dict(model.plan.theta_median)
    beta0 = model.plan.intercept_mean
    w = np.exp(LOG_W_GRID)
    full = {k: np.full(w.size, v) for k, v in theta.items()}
    log_p = density(w, np.full(w.size, beta0), full)
    cdf = integrate.cumulative_simpson(np.exp(log_p + LOG_W_GRID), x=LOG_W_GRID, initial=0)
    # Every 500th point below W = 300 (the quadrature's e^{2η} overflows above; R² has
    # reached 1 − 1e-6 long before).
    every = np.flatnonzero(w < 300)[::500]
    r2 = np.array([r2_by_quadrature(family, wi, beta0, theta) for wi in w[every]])
    target = stats.beta(*beta).cdf(r2)
    assert target[0] < 1e-6 and target[-1] > 1 - 1e-6
    assert np.max(np.abs(cdf[every] + target[0] - target)) < 1e-6


def test_intercept_prior_is_centred_on_the_log_of_the_mean_in_log_units():
    """On the identity link the SD is 2.5 response SDs; on the log link 2.5 log units."""
    data = positive_mean_data()
    model = rf.Model("y ~ x", data, family="gaussian", link="log")
    assert model.plan.intercept_mean == pytest.approx(math.log(data["y"].mean()))
    family, y = FAMILIES["gaussian"], data["y"].to_numpy() * 10
    assert family.intercept_prior(y, model.plan.family, {"sigma": 1.0})[1] == 2.5
    identity = family.r2(LINKS["identity"])
    assert family.intercept_prior(y, identity, {"sigma": 1.0})[1] == pytest.approx(2.5 * y.std())


def test_a_response_mean_below_zero_is_refused_with_its_value():
    data = positive_mean_data().assign(y=lambda d: d["y"] - 10.0)
    with pytest.raises(rf.DataError, match=r"response's mean -[0-9.]+ .*identity link"):
        rf.Model("y ~ x", data, family="gaussian", link="log")


@pytest.mark.slow
def test_gaussian_log_link_fit_recovers_the_coefficients():
    """y = e^(1 + 0.5x) + N(0, 0.8): the posterior covers the truth (4 posterior SDs)."""
    result = rf.fit(
        "y ~ x",
        positive_mean_data(400, seed=4),
        family="gaussian",
        link="log",
        random_seed=2,
        progressbar=False,
    )
    post = result.idata.posterior
    for name, truth in (("Intercept", 1.0), ("x", 0.5), ("sigma", 0.8)):
        draws = post[name].to_numpy()
        assert abs(draws.mean() - truth) < 4 * draws.std(), name
