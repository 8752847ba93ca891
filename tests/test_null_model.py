"""Null models (``y ~ 1``, ``y ~ offset(...)``): no W, no φ, R² = 0, a baseline for compare().

The intercept's posterior is checked against an independent one-dimensional quadrature of
prior × likelihood, so a null model that sampled the wrong prior (or an offset dropped from
the likelihood) would be caught.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import r2d2_formula as rf
from r2d2_formula import _cli
from r2d2_formula._families import INTERCEPT_SD


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(7)
    n = 150
    data = pd.DataFrame({"x": rng.normal(size=n), "t": rng.uniform(1.0, 3.0, n)})
    data["y"] = rng.poisson(np.exp(0.2 + 0.6 * data["x"]) * data["t"])
    return data


@pytest.fixture(scope="module")
def fits(counts):
    settings = {"draws": 500, "tune": 500, "random_seed": 2, "progressbar": False}
    return {
        formula: rf.fit(formula, counts, family="poisson", **settings)
        for formula in ("y ~ 1", "y ~ offset(np.log(t))", "y ~ x + offset(np.log(t))")
    }


def intercept_posterior_mean(y, log_exposure, prior_mean):
    """E[β₀ | y] by quadrature: Normal(prior_mean, 2.5) prior, Poisson(e^(β₀ + log t))."""
    grid = np.linspace(prior_mean - 3, prior_mean + 3, 20001)
    log_post = stats.norm(prior_mean, INTERCEPT_SD).logpdf(grid)
    rate = np.exp(grid[:, None] + log_exposure[None, :])
    log_post += (y[None, :] * np.log(rate) - rate).sum(axis=1)
    weights = np.exp(log_post - log_post.max())
    return float((grid * weights).sum() / weights.sum())


@pytest.mark.parametrize(
    ("formula", "exposure"), [("y ~ 1", False), ("y ~ offset(np.log(t))", True)]
)
def test_null_model_intercept_matches_quadrature(fits, counts, formula, exposure):
    fit = fits[formula]
    y = counts["y"].to_numpy(float)
    log_t = np.log(counts["t"].to_numpy()) if exposure else np.zeros(len(y))
    prior_mean = fit.model.plan.intercept_mean
    expected = intercept_posterior_mean(y, log_t, prior_mean)
    table = fit.summary(warn=False)
    draws = fit.idata.posterior["Intercept"].values.ravel()
    # Five Monte-Carlo standard errors (SD / sqrt(bulk ESS)).
    tolerance = 5 * draws.std() / np.sqrt(table.loc["Intercept", "ess_bulk"])
    assert abs(draws.mean() - expected) < tolerance


def test_null_model_reports_r2_zero_without_w_or_phi(fits):
    fit = fits["y ~ 1"]
    assert fit.model.components == []
    assert not {"W", "phi"} & set(fit.idata.posterior.data_vars)
    table = fit.summary(warn=False)
    assert list(table.index) == ["Intercept", "R2"]
    assert table.loc["R2", ["mean", "sd", "eti90_lb", "eti90_ub"]].tolist() == [0, 0, 0, 0]
    assert fit.decomposition().empty and "phi_mean" in fit.decomposition().columns
    assert "R² = 0 by construction" in fit.report()
    prior = rf.implied_prior(fit.model, draws=50, random_seed=1, progressbar=False)
    assert (prior["W"] == 0).all() and (prior["R2"] == 0).all()
    with pytest.raises(rf.UnsupportedError, match="no components"):
        fit.plot_phi()


def test_null_model_is_the_baseline_of_compare(fits):
    """The data have a strong x effect: the full model must rank first, by many SEs."""
    table = rf.compare(
        {"offset only": fits["y ~ offset(np.log(t))"], "full": fits["y ~ x + offset(np.log(t))"]}
    )
    assert table.index[0] == "full"
    assert table.loc["offset only", "elpd_diff"] < -4 * table.loc["offset only", "dse"]


def test_command_line_writes_what_a_null_model_has(counts, tmp_path, capsys):
    path = tmp_path / "counts.csv"
    counts.to_csv(path, index=False)
    flags = ["--family", "poisson", "--draws", "100", "--tune", "100", "--quiet"]
    assert _cli.main(["fit", "y ~ 1", "--data", str(path), *flags, "--out", str(tmp_path)]) == 0
    assert "R² = 0 by construction" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["ppc.png"]
