"""End-to-end: names in the posterior, parameter recovery, prediction, implied R²."""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from scipy import stats

import r2d2_formula as rf
from r2d2_formula._errors import DataError


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


# A calibrated posterior puts the truth within 3.5 posterior SDs of its mean with probability
# 0.9995 per parameter (normal approximation), so these checks fail by chance once in 400
# runs, on any machine. Coverage over many simulated data sets is what checks calibration
# (benchmarks/sbc.py); these catch gross errors (a sign, a scale, a swapped name).
MAX_Z = 3.5


def far_from_truth(fit, truth):
    draws = fit.idata.posterior
    far = {}
    for name, value in truth.items():
        values = np.asarray(draws[name]).reshape(-1)
        z = (values.mean() - value) / values.std()
        if abs(z) > MAX_Z:
            far[name] = (value, float(values.mean()), float(z))
    return far


def test_poisson_glmm_recovers_parameters(poisson_fit, poisson_data):
    _, truth = poisson_data
    assert far_from_truth(poisson_fit, truth) == {}


@pytest.mark.slow
def test_bernoulli_glmm_recovers_parameters(bernoulli_data):
    data, truth = bernoulli_data
    fit = rf.fit("y ~ x1 + x2 + (1|g)", data, family="bernoulli", random_seed=4, progressbar=False)
    assert far_from_truth(fit, truth) == {}


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


def test_prior_predictive_draws_of_w_match_the_models_density():
    """PyMC's prior predictive W (the ``random`` method: R² inverted by root-finding) and W
    drawn from the model's log-density (``implied_prior``) are one distribution.

    The intercept is drawn from its prior in both. Two-sample KS with 1,000 draws each:
    1.95·sqrt(2/1000) = 0.087 at level 0.001.
    """
    model = rf.Model("y ~ x + (1|g)", poisson_with_mean(5.0), family="poisson")
    from r2d2_formula._bambi import pymc_model

    prior = pm.sample_prior_predictive(
        draws=1000, model=pymc_model(model.bambi_model), random_seed=3
    )
    from_random = prior["prior"]["W"].values.ravel()
    from_density = rf.implied_prior(model, draws=1000, random_seed=4)["W"].to_numpy()
    assert stats.ks_2samp(from_random, from_density).statistic < 0.087
    assert "y" in prior["prior_predictive"]


# --- Bambi's other continuous families ------------------------------------------------------

#: Families fitted briefly in the default run (their mean is not Bambi's ``mu``); the rest of
#: reference.CONTINUOUS are fitted under the ``slow`` mark.
QUICK_CONTINUOUS = ("lognormal",)


def simulate_continuous(family: str, seed: int, n: int = 600, groups: int = 30):
    """y ~ x1 + x2 + (1|g) of a family with parameters, y drawn from Bambi's own likelihood
    (at the family's default link; the beta-binomial's trials n from reference.TRIALS)."""
    from reference import TRIALS, W_PRIOR_FAMILIES, bambi_draws

    rng = np.random.default_rng(seed)
    theta = dict((f.name, th) for f, th in W_PRIOR_FAMILIES)[family]
    truth = {"Intercept": 0.3, "x1": 0.6, "x2": -0.4, **theta}
    x = rng.normal(size=(n, 2))
    g = rng.integers(0, groups, size=n)
    u = rng.normal(0.0, 0.5, size=groups)
    truth["1|g_sigma"] = float(np.std(u[np.unique(g)], ddof=1))
    eta = truth["Intercept"] + x @ np.array([truth["x1"], truth["x2"]]) + u[g]
    trials = rng.choice(TRIALS, n).astype(int) if family == "beta_binomial" else None
    y = bambi_draws(family, eta, theta, seed=seed + 1, trials=trials)
    data = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "g": [f"g{i:02d}" for i in g]})
    if trials is not None:
        data["n"] = trials
    return data, truth


def formula_of(family: str) -> str:
    """The simulated model's formula (successes of trials for the beta-binomial)."""
    response = "p(y, n)" if family == "beta_binomial" else "y"
    return f"{response} ~ x1 + x2 + (1|g)"


@pytest.fixture(scope="module")
def short_continuous_fit():
    """A short PyMC fit per continuous family (shared: compilation dominates)."""
    fits: dict = {}

    def get(family):
        if family not in fits:
            data, _ = simulate_continuous(family, seed=21)
            fits[family] = rf.fit(
                formula_of(family),
                data,
                family=family,
                draws=100,
                tune=100,
                chains=1,
                random_seed=2,
                progressbar=False,
                inference_method="pymc",
            )
        return fits[family]

    return get


def _continuous_params():
    from reference import CONTINUOUS, PARAMETRIC

    return [
        pytest.param(name, marks=() if name in QUICK_CONTINUOUS else pytest.mark.slow)
        for name in (*CONTINUOUS, *PARAMETRIC)
    ]


@pytest.mark.parametrize("family", _continuous_params())
def test_continuous_family_fits_and_its_mean_is_the_likelihoods(family, short_continuous_fit):
    """The fit holds the R2D2 variables and Bambi's names, R² stays under R²max, and the
    expected response the package reports (``kind="mean"``, E y from Bambi's ``mu`` and the
    family parameters) is the mean of Bambi's own posterior-predictive draws: over draws
    and rows, y_rep − E[y | θ] has mean 0 and is checked to 4.5 Monte-Carlo standard errors.
    """
    result = short_continuous_fit(family)
    post = result.idata.posterior
    theta = result.model.plan.family.theta
    for name in ["Intercept", "x1", "x2", "1|g_sigma", "R2", "W", "phi", *theta]:
        assert name in post, name
    r2 = post["R2"].values
    r2_max = post["R2_max"].values if "R2_max" in post else 1.0
    assert np.all((r2 > 0) & (r2 <= r2_max))
    mean = result.prediction_draws(kind="mean").values
    response = result.prediction_draws(kind="response", random_seed=3).values
    if family == "beta_binomial":  # the mean is that of k/n
        response = response / result.model.data["n"].to_numpy()
    gap = (response - mean).reshape(-1)
    assert np.all(np.isfinite(gap))
    assert abs(gap.mean()) < 4.5 * gap.std() / np.sqrt(gap.size)


@pytest.mark.slow
@pytest.mark.parametrize("family", [p.values[0] for p in _continuous_params()])
def test_continuous_glmm_recovers_parameters(family):
    data, truth = simulate_continuous(family, seed=31)
    fit = rf.fit(formula_of(family), data, family=family, random_seed=4, progressbar=False)
    assert far_from_truth(fit, truth) == {}
