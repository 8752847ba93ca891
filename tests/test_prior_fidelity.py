"""The prior of R² is Beta(a, b): checked on the density the PyMC model contains.

W is drawn by :func:`r2d2_formula.implied_prior` from the log-density of W that the
built PyMC model holds (inverse CDF on a log-W grid), and R² of those draws is
computed here *independently* of the package: from the log-normal moments
E e^(kη) = e^(kβ₀ + k²W/2) for the log-link families and the variance for the
Gaussian (closed forms written from the VaDeR definition, not the package's logit
formulas), and by adaptive quadrature (``reference.logit_r2_binary``) for binary
responses. A wrong R² formula in the package, a missing Jacobian or a mis-scaled
coefficient changes what these checks see; the mutation tests below apply each of
those bugs and assert that a check catches it.

Thresholds: the Kolmogorov–Smirnov statistic of n independent draws from the right
distribution exceeds 1.95/sqrt(n) with probability 0.001; the grid inversion itself
errs by under 1e-3 in CDF (``test_grid_inversion_is_accurate``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from reference import logit_r2_binary
from scipy import stats

import r2d2_formula as rf
from r2d2_formula import _bambi, _implied, _wprior
from r2d2_formula import _r2 as R


def ks_limit(n: int) -> float:
    """KS critical value at level 0.001 for n independent draws."""
    return 1.95 / math.sqrt(n)


# --- R² written independently from the definition Var μ / (Var μ + E σ²) -----------------


def lognormal_moment(k, beta0, W):
    """E e^(kη) for η ~ N(β₀, W)."""
    return np.exp(k * beta0 + k * k * W / 2)


def independent_r2(family: str, W, beta0, theta) -> np.ndarray:
    W, beta0 = np.asarray(W, float), np.asarray(beta0, float)
    if family == "gaussian":
        return W / (W + theta["sigma"] ** 2)
    var_mu = lognormal_moment(2, beta0, W) - lognormal_moment(1, beta0, W) ** 2
    if family == "poisson":
        mean_var = lognormal_moment(1, beta0, W)
    elif family == "negativebinomial":
        mean_var = lognormal_moment(1, beta0, W) + lognormal_moment(2, beta0, W) / theta["alpha"]
    elif family == "gamma":
        mean_var = lognormal_moment(2, beta0, W) / theta["alpha"]
    else:
        return np.array(
            [
                1 / (1 + math.exp(-logit_r2_binary(b, w, "logit")))
                for w, b in zip(W, beta0, strict=True)
            ]
        )
    return var_mu / (var_mu + mean_var)


def independent_r2_max(family: str, theta) -> np.ndarray | float:
    if family in ("negativebinomial", "gamma"):
        return theta["alpha"] / (theta["alpha"] + 1)
    return 1.0


def relative_r2_from_model_density(model: rf.Model, draws: int, seed: int) -> np.ndarray:
    prior = rf.implied_prior(model, draws=draws, random_seed=seed)
    theta = {name: prior[name].to_numpy() for name in model.plan.family.theta}
    r2 = independent_r2(model.family, prior["W"], prior["Intercept"], theta)
    return r2 / independent_r2_max(model.family, theta)


def simulated(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "y": rng.poisson(np.exp(1.0 + 0.4 * x)),
            "y50": rng.poisson(50 * np.exp(0.3 * x - 0.045)),
            "y05": rng.poisson(0.5 * np.exp(0.3 * x - 0.045)),
            "b": rng.binomial(1, 0.3, n),
            "b9": rng.binomial(1, 0.9, n),
            "v": 10 * rng.normal(size=n) + 50,
            "pos": rng.gamma(2.0, 1.5, n),
            "x": x,
            "x3": 3 * rng.normal(size=n),
            "g": [f"g{i % 8}" for i in range(n)],
        }
    )


# Intercepts from about -0.7 to 4 on the link scale (the prior is centered at g(mean y)).
CASES = [
    ("poisson", "y ~ x + (1|g)", (1.0, 1.0), 3000),
    ("poisson", "y50 ~ x + (1|g)", (2.0, 5.0), 3000),
    ("poisson", "y05 ~ x", (0.5, 0.5), 3000),
    ("negativebinomial", "y ~ x + (1|g)", (0.5, 3.0), 3000),
    ("gamma", "pos ~ x", (3.0, 1.0), 3000),
    ("gaussian", "v ~ x + (1|g)", (2.0, 2.0), 3000),
    ("bernoulli", "b ~ x", (2.0, 5.0), 400),
    ("bernoulli", "b9 ~ x + (1|g)", (1.0, 1.0), 400),
]


@pytest.mark.parametrize(("family", "formula", "beta", "draws"), CASES)
def test_implied_r2_is_beta_on_the_models_density(family, formula, beta, draws):
    model = rf.Model(formula, simulated(), family=family, prior=rf.R2D2(a=beta[0], b=beta[1]))
    relative = relative_r2_from_model_density(model, draws, seed=5)
    assert stats.kstest(relative, stats.beta(*beta).cdf).statistic < ks_limit(draws)


def test_grid_inversion_is_accurate():
    """At stratified levels u, the drawn R² sits at the Beta quantile u to within 1e-3."""
    model = rf.Model("y ~ x", simulated(), family="negativebinomial", prior=rf.R2D2(a=0.5, b=3.0))
    density = _bambi.w_log_density(model.bambi_model, model.plan)
    levels = (np.arange(400) + 0.5) / 400
    beta0, alpha = np.full(400, 0.7), np.full(400, 2.0)
    grid, log_mass = _implied._density_grid(density, beta0, {"alpha": alpha})
    w = np.exp(_implied._invert_piecewise_exponential(grid, log_mass, levels))
    r2 = independent_r2("negativebinomial", w, beta0, {"alpha": alpha}) / (2.0 / 3.0)
    assert np.max(np.abs(stats.beta(0.5, 3.0).cdf(r2) - levels)) < 1e-3


# --- mutations: each bug is applied and must be detected ---------------------------------

POISSON = ("poisson", "y ~ x + (1|g)", (2.0, 5.0), 3000)


def fidelity_ks(case) -> float:
    family, formula, beta, draws = case
    model = rf.Model(formula, simulated(), family=family, prior=rf.R2D2(a=beta[0], b=beta[1]))
    relative = relative_r2_from_model_density(model, draws, seed=5)
    return stats.kstest(relative, stats.beta(*beta).cdf).statistic


def test_mutation_without_the_jacobian_is_detected(monkeypatch):
    def logp_without_jacobian(self, W, beta0, theta, ops):
        logit_r = self.family.logit_r2(W, beta0, theta, ops)
        return _wprior.log_beta_pdf_from_logit(logit_r, self.a, self.b, ops)

    monkeypatch.setattr(_wprior.ExactW, "logp", logp_without_jacobian)
    assert fidelity_ks(POISSON) > ks_limit(POISSON[3])


def test_mutation_of_the_poisson_r2_formula_is_detected(monkeypatch):
    def wrong_logit_r2(self, W, beta0, theta, ops):
        return ops.log_expm1(W) + beta0  # the e^(-W/2) factor dropped

    monkeypatch.setattr(R.Poisson, "logit_r2", wrong_logit_r2)
    assert fidelity_ks(POISSON) > ks_limit(POISSON[3])


# Var over rows of η is W in expectation, less what group terms put into the row mean: with
# φ ~ Dirichlet(1, 1), E[Var_rows(η)/W] = ½ (a population column, centered) + ½ (1 − Σ n_l²/n²)
# (a random intercept over groups of sizes n_l). Each mutation below moves it far off; the
# test allows 4 standard errors of the mean over the prior draws.
def variance_ratios(seed: int = 3) -> tuple[np.ndarray, float]:
    """Per prior draw Var_rows(η)/W for a Gaussian model, and its expectation."""
    data = simulated()
    model = rf.Model("v ~ x3 + (1|g)", data, family="gaussian")
    prior = pm.sample_prior_predictive(
        draws=2000,
        model=_bambi.pymc_model(model.bambi_model),
        var_names=["W", "mu"],
        random_seed=seed,
    )
    eta = prior.prior["mu"].values.reshape(2000, -1)  # identity link: mu is η
    w = prior.prior["W"].values.reshape(-1)
    sizes = data["g"].value_counts().to_numpy()
    expected = 0.5 + 0.5 * (1 - np.sum(sizes**2) / len(data) ** 2)
    return eta.var(axis=1) / w, expected


def consistent(ratios: np.ndarray, expected: float) -> bool:
    """Mean ratio within 4 standard errors of its expectation and within 20% of it.

    The second condition catches bugs whose ratios are so heavy-tailed that their own
    standard error is huge (a variance used as an SD makes the ratio scale with W).
    """
    mean = ratios.mean()
    standard_error = ratios.std() / math.sqrt(len(ratios))
    return abs(mean - expected) < 4 * standard_error and abs(mean / expected - 1) < 0.2


def test_realised_variance_of_eta_is_w():
    assert consistent(*variance_ratios())


def test_mutation_ignoring_the_column_variance_is_detected(monkeypatch):
    def unscaled_sd(plan, indices):
        import pytensor.tensor as pt

        phi, w = _bambi.priors._hyperpriors(plan)
        return pt.sqrt(phi[list(indices)] * w)

    monkeypatch.setattr(_bambi.priors, "_component_sd", unscaled_sd)
    # x3 has variance 9: its contribution is 9 times too large.
    assert not consistent(*variance_ratios())


def test_mutation_group_sd_phi_w_instead_of_its_root_is_detected(monkeypatch):
    original = _bambi.priors._component_sd

    def variance_as_sd(plan, indices):
        sd = original(plan, indices)
        return sd**2 if plan.components[indices[0]].kind == "group" else sd

    monkeypatch.setattr(_bambi.priors, "_component_sd", variance_as_sd)
    assert not consistent(*variance_ratios())


# --- priors the user pins -----------------------------------------------------------------


def test_pinned_intercept_and_family_priors_are_the_models_and_keep_r2_beta():
    """The intercept and alpha are drawn from the pinned priors, and R² stays Beta(1, 1).

    2,000 draws: KS limit 1.95/sqrt(2000) = 0.044 for each of the three.
    """
    import bambi as bmb

    priors = {
        "Intercept": bmb.Prior("Normal", mu=-1.0, sigma=0.5),
        "alpha": bmb.Prior("Gamma", alpha=2.0, beta=1.0),
    }
    model = rf.Model("y ~ x + (1|g)", simulated(), family="negativebinomial", priors=priors)
    prior = rf.implied_prior(model, draws=2000, random_seed=6)
    limit = ks_limit(2000)
    assert stats.kstest(prior["Intercept"], stats.norm(-1.0, 0.5).cdf).statistic < limit
    assert stats.kstest(prior["alpha"], stats.gamma(2.0).cdf).statistic < limit
    theta = {"alpha": prior["alpha"].to_numpy()}
    r2 = independent_r2("negativebinomial", prior["W"], prior["Intercept"], theta)
    relative = r2 / independent_r2_max("negativebinomial", theta)
    assert stats.kstest(relative, stats.uniform.cdf).statistic < limit
