"""End-to-end: names in the posterior, parameter recovery, prediction, implied R²."""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from scipy import stats

import r2d2_formula as rf
from r2d2_formula.errors import DataError


def test_posterior_holds_bambi_names_and_r2d2_variables(poisson_fit):
    posterior = poisson_fit.idata.posterior
    for name in ["Intercept", "x1", "x2", "1|g", "1|g_sigma", "R2", "W", "phi"]:
        assert name in posterior, name
    assert list(posterior["phi"].coords["r2d2_component"].values) == ["x1", "x2", "1|g"]
    np.testing.assert_allclose(posterior["phi"].sum("r2d2_component"), 1.0, rtol=1e-12)
    assert float(posterior["R2"].min()) > 0 and float(posterior["R2"].max()) < 1


def test_group_sd_is_phi_times_w(poisson_fit):
    """The group SD in the posterior is sqrt(phi_g W / m_g), with m_g = 1 for an intercept."""
    post = poisson_fit.idata.posterior
    expected = np.sqrt(post["phi"].sel(r2d2_component="1|g") * post["W"])
    np.testing.assert_allclose(post["1|g_sigma"], expected, rtol=1e-10)


# Default fits diverge rarely: 0-2 in 12,000 draws on cbpp, sleepstudy and grouseticks
# (README, "Sampling defaults"); more than 0.1% of the draws (2 of 2,000) is a regression.
MAX_DIVERGENCES = 2


def test_default_fit_has_at_most_rare_divergences(poisson_fit):
    assert poisson_fit.diagnostics()["divergences"] <= MAX_DIVERGENCES
    assert poisson_fit.diagnostics()["max_r_hat"] < 1.01


def interval_covers(fit, truth):
    summary = fit.summary()
    missed = {
        name: (value, summary.loc[name, "eti90_lb"], summary.loc[name, "eti90_ub"])
        for name, value in truth.items()
        if not summary.loc[name, "eti90_lb"] <= value <= summary.loc[name, "eti90_ub"]
    }
    return missed


def test_poisson_glmm_recovers_parameters(poisson_fit, poisson_data):
    _, truth = poisson_data
    assert interval_covers(poisson_fit, truth) == {}


def test_bernoulli_glmm_recovers_parameters(bernoulli_data):
    data, truth = bernoulli_data
    fit = rf.fit("y ~ x1 + x2 + (1|g)", data, family="bernoulli", random_seed=4, progressbar=False)
    assert fit.diagnostics()["divergences"] <= MAX_DIVERGENCES
    assert interval_covers(fit, truth) == {}


def test_predict_on_new_data_with_an_unseen_group(poisson_fit):
    new = pd.DataFrame(
        {"x1": [0.0, 1.0, -1.0], "x2": [0.0, 0.5, 0.0], "g": ["g00", "g01", "never-seen"]}
    )
    before = new.copy()
    params = poisson_fit.predict(new, kind="response_params", random_seed=1)
    mu = params.posterior["mu"]
    assert mu.shape[-1] == 3 and np.all(np.isfinite(mu)) and float(mu.min()) > 0
    response = poisson_fit.predict(new, kind="response", random_seed=1)
    counts = response.posterior_predictive["y"].values
    assert counts.shape[-1] == 3 and np.all(counts >= 0)
    pd.testing.assert_frame_equal(new, before)
    # The prediction for the mean covariate profile sits near exp(intercept).
    centre = float(np.exp(poisson_fit.idata.posterior["Intercept"].mean()))
    assert float(mu.isel(__obs__=0).mean()) == pytest.approx(centre, rel=0.25)


def test_in_sample_predict_does_not_touch_the_fit(poisson_fit):
    out = poisson_fit.predict()
    assert "mu" in out.posterior and "mu" not in poisson_fit.idata.posterior


def test_unseen_categorical_predictor_level_is_a_data_error():
    rng = np.random.default_rng(8)
    data = pd.DataFrame({"y": rng.poisson(2, 40), "c": list("abcd") * 10, "g": list("pqrst") * 8})
    model = rf.Model("y ~ c + (1|g)", data, family="poisson")
    # Checked before Bambi predicts, so no posterior is needed.
    with pytest.raises(DataError, match=r"level\(s\) \['z'\]"):
        model.predict(None, data=pd.DataFrame({"c": ["z"], "g": ["p"]}))


def test_fit_leaves_the_data_unchanged(poisson_data, poisson_fit):
    data, _ = poisson_data
    # poisson_fit was fitted on this very frame; a fresh simulation must equal it.
    from conftest import simulate_glmm

    pd.testing.assert_frame_equal(data, simulate_glmm("poisson", seed=11)[0])


def test_fit_kwargs_reach_the_sampler():
    rng = np.random.default_rng(9)
    data = pd.DataFrame({"y": rng.normal(size=50), "x": rng.normal(size=50)})
    idata = rf.Model("y ~ x", data).fit(
        draws=30, tune=30, chains=1, random_seed=2, progressbar=False
    )
    assert idata.posterior.sizes["draw"] == 30 and idata.posterior.sizes["chain"] == 1
    pymc_idata = rf.Model("y ~ x", data).fit(
        draws=20, tune=20, chains=1, random_seed=2, progressbar=False, inference_method="pymc"
    )
    assert pymc_idata.posterior.sizes["draw"] == 20


def poisson_with_mean(mean, seed=0, n=300):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.integers(0, 15, n)
    return pd.DataFrame(
        {"y": rng.poisson(mean * np.exp(0.3 * x - 0.045), n), "x": x, "g": g.astype(str)}
    )


# With 4,000 independent draws the KS statistic exceeds 0.03 with probability < 0.2% under
# the null (critical value 1.95/sqrt(n) at level 0.001 is 0.031), so 0.03 flags real misfit.
KS_LIMIT = 0.03
BETAS = [(1.0, 1.0), (2.0, 5.0)]


@pytest.mark.parametrize(("a", "b"), BETAS)
@pytest.mark.parametrize("mean", [0.5, 5.0, 50.0])
def test_implied_r2_poisson(mean, a, b):
    model = rf.Model(
        "y ~ x + (1|g)", poisson_with_mean(mean), family="poisson", prior=rf.R2D2(a=a, b=b)
    )
    r2 = rf.implied_r2(model, draws=4000, random_seed=7)
    assert stats.kstest(r2, stats.beta(a, b).cdf).statistic < KS_LIMIT


@pytest.mark.parametrize(("a", "b"), BETAS)
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_implied_r2_bernoulli(rate, a, b):
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"y": rng.binomial(1, rate, 300), "x": rng.normal(size=300)})
    model = rf.Model("y ~ x", data, family="bernoulli", prior=rf.R2D2(a=a, b=b))
    r2 = rf.implied_r2(model, draws=4000, random_seed=8)
    assert stats.kstest(r2, stats.beta(a, b).cdf).statistic < KS_LIMIT


@pytest.mark.parametrize(("a", "b"), BETAS)
@pytest.mark.parametrize("level", [-20.0, 3.0, 400.0])
def test_implied_r2_gaussian(level, a, b):
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"y": level + 5 * rng.normal(size=200), "x": rng.normal(size=200)})
    model = rf.Model("y ~ x", data, prior=rf.R2D2(a=a, b=b))
    r2 = rf.implied_r2(model, draws=4000, random_seed=9)
    assert stats.kstest(r2, stats.beta(a, b).cdf).statistic < KS_LIMIT


def test_prior_predictive_sampling_of_w_works_in_pymc():
    """W's CustomDist has a random method, so PyMC's own prior predictive sampling works."""
    model = rf.Model("y ~ x + (1|g)", poisson_with_mean(5.0), family="poisson")
    from r2d2_formula.inject import pymc_model

    prior = pm.sample_prior_predictive(
        draws=300, model=pymc_model(model.bambi_model), random_seed=3
    )
    r2 = prior["prior"]["R2"].values.ravel()
    assert stats.kstest(r2, stats.uniform.cdf).statistic < 1.63 / np.sqrt(300) + 0.01
    assert "y" in prior["prior_predictive"]
