"""The post-fit workflow of Bambi on our fits: interpret, graph, prior predictive, elicitation.

Each interpret result is recomputed here from the posterior draws by hand (η = Intercept
+ Σ β x + u_g, mean e^η), not through Bambi's predict: a wrapper that handed Bambi the
wrong model or fit, or a posterior whose names Bambi's predict misreads (non-centered
terms, R2D2 variables), would disagree.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

import r2d2_formula as rf
from r2d2_formula import interpret


def _mean_by_hand(result, x1, x2, level):
    post = result.idata.posterior
    effect = post["1|g"].sel(g__factor_dim=level)
    eta = post["Intercept"] + post["x1"] * x1 + post["x2"] * x2 + effect
    return np.exp(eta)


def test_predictions_are_the_posterior_mean_at_each_grid_point(poisson_fit):
    table = interpret.predictions(poisson_fit, {"x1": [-1.0, 0.0, 1.0]}).summary
    for _, row in table.iterrows():
        draws = _mean_by_hand(poisson_fit, row["x1"], row["x2"], row["g"])
        assert row["estimate"] == pytest.approx(float(draws.mean()), rel=1e-9)
    # Bambi holds unnamed numeric covariates at their mean.
    assert table["x2"].iloc[0] == pytest.approx(poisson_fit.model.data["x2"].mean())


def test_comparisons_are_differences_of_posterior_means(poisson_fit):
    table = interpret.comparisons(poisson_fit, {"x1": [0.0, 1.0]}, {"x2": [0.5]}).summary
    (_, row), *_ = table.iterrows()
    low, high = (_mean_by_hand(poisson_fit, x1, 0.5, row["g"]) for x1 in (0.0, 1.0))
    assert row["estimate"] == pytest.approx(float((high - low).mean()), rel=1e-9)


def test_slopes_are_the_derivative_of_the_mean(poisson_fit):
    table = interpret.slopes(poisson_fit, "x1", {"x2": [0.0]}).summary
    (_, row), *_ = table.iterrows()
    at = _mean_by_hand(poisson_fit, row["value"], 0.0, row["g"])
    by_hand = float((poisson_fit.idata.posterior["x1"] * at).mean())
    # Bambi differentiates by a forward difference of step 1e-4.
    assert row["estimate"] == pytest.approx(by_hand, rel=1e-3)


def test_plots_draw_and_bad_arguments_name_the_column(poisson_fit):
    for plot in (
        interpret.plot_predictions(poisson_fit, "x1"),
        interpret.plot_comparisons(poisson_fit, {"x1": [0.0, 1.0]}, "x2"),
        interpret.plot_slopes(poisson_fit, "x1", "x2"),
    ):
        assert type(plot).__name__ in ("Plot", "Figure")  # Bambi will move to Figure
    with pytest.raises(rf.ArgumentError, match="'nope' not found"):
        interpret.predictions(poisson_fit, "nope")


def test_graph_shows_w_and_phi_feeding_every_component(poisson_fit):
    source = poisson_fit.model.graph().source
    for component in ("x1", "x2", '"1|g_sigma"'):
        assert f"W -> {component}" in source and f"phi -> {component}" in source


@pytest.mark.slow
def test_bambis_prior_predictive_draws_w_from_the_models_w_density(poisson_fit):
    """W from Bambi's prior_predictive (the W distribution's sampler) against W drawn
    by rf.prior_predictive from the log-density the PyMC model holds: a sampler that
    disagreed with the density would fail the two-sample test."""
    bambi_w = poisson_fit.model.prior_predictive(draws=1000, random_seed=5).prior["W"]
    density_w = rf.prior_predictive(poisson_fit.model, draws=1000, random_seed=6).prior["W"]
    assert stats.ks_2samp(np.ravel(bambi_w), np.ravel(density_w)).pvalue > 1e-3


def _maximum_entropy_beta(lower, upper, mass):
    """The Beta of largest entropy with the mass on [lower, upper], by SLSQP over (log a,
    log b) from several starts (scipy's entropy and CDF; PreliZ is not used)."""

    def negative_entropy(log_ab):
        return -stats.beta(*np.exp(log_ab)).entropy()

    def mass_gap(log_ab):
        dist = stats.beta(*np.exp(log_ab))
        return dist.cdf(upper) - dist.cdf(lower) - mass

    best = None
    for start in ([0.0, 0.0], [1.0, 2.0], [2.0, 1.0], [3.0, 3.0]):
        found = optimize.minimize(
            negative_entropy,
            start,
            method="SLSQP",
            options={"ftol": 1e-12, "maxiter": 500},
            constraints={"type": "eq", "fun": mass_gap},
        )
        if (
            found.success
            and abs(mass_gap(found.x)) < 1e-8
            and (best is None or found.fun < best.fun)
        ):
            best = found
    return tuple(np.exp(best.x))


@pytest.mark.parametrize(("lower", "upper", "mass"), [(0.1, 0.5, 0.9), (0.6, 1.0, 0.8)])
def test_from_interval_is_the_maximum_entropy_beta(lower, upper, mass):
    prior = rf.R2D2.from_interval(lower, upper, mass=mass, concentration=0.5)
    dist = stats.beta(prior.a, prior.b)
    assert dist.cdf(upper) - dist.cdf(lower) == pytest.approx(mass, abs=1e-4)
    a, b = _maximum_entropy_beta(lower, upper, mass)
    assert (prior.a, prior.b) == pytest.approx((a, b), rel=2e-2)
    assert prior.concentration == 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.5, 0.1), "lower < upper"),
        ((0.0, 1.0), "whole of"),
        ((0.1, 0.5, 1.0), "0 < mass < 1"),
        ((-0.1, 0.5), "lower must be a number in"),
        ((0.1, "0.5"), "upper must be a number in"),
    ],
)
def test_from_interval_refuses_impossible_intervals(args, message):
    with pytest.raises(rf.PriorError, match=message):
        rf.R2D2.from_interval(*args)
