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
from reference import (
    CONTINUOUS,
    LOG_SCALE,
    TRIALS,
    logit_r2_binary,
    logit_r2_latent,
    r2_hurdle_poisson,
    scipy_mean_and_spread,
    scipy_proportion_variance,
)
from scipy import integrate, special, stats

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


def squared_cv(family: str, theta) -> np.ndarray:
    """Var(Y | η)/E(Y | η)² of the log-scale families, from each distribution's definition:
    log-normal e^{σ²} − 1, exponential 1, Weibull Γ(1 + 2/α)/Γ(1 + 1/α)² − 1 (in log-gammas:
    the prior reaches shapes whose moments overflow). ``test_r2`` checks them against scipy."""
    if family == "lognormal":
        return np.expm1(np.asarray(theta["sigma"], float) ** 2)
    if family == "exponential":
        return np.float64(1.0)
    inverse = 1.0 / np.asarray(theta["alpha"], float)
    with np.errstate(over="ignore"):
        return np.expm1(special.gammaln(1 + 2 * inverse) - 2 * special.gammaln(1 + inverse))


#: Mean in (0, 1): R² by quad over η of scipy's Var(Y | η) (the beta-binomial's on the
#: scale k/n, over the data's trials, which repeat reference.TRIALS), logit link.
PROPORTION = ("beta", "beta_binomial")


def proportion_r2(family: str, W, beta0, theta) -> np.ndarray:
    """R² of the beta families point by point (quad: ~20 ms a point)."""
    W, beta0 = np.broadcast_arrays(np.asarray(W, float), np.asarray(beta0, float))
    kappa = np.broadcast_to(np.asarray(theta["kappa"], float), W.shape)
    logits = [
        logit_r2_latent(b, w, "logit", scipy_proportion_variance(family, {"kappa": k}))
        for w, b, k in zip(W.ravel(), beta0.ravel(), kappa.ravel(), strict=True)
    ]
    return special.expit(np.array(logits)).reshape(W.shape)


#: Ordinal families: R² of the latent variable η + ε, ε logistic (the logit link's latent
#: distribution, whose variance scipy gives).
ORDINAL = ("cumulative", "sratio")


def von_mises_resultant(kappa: float) -> float:
    """E cos(Y − μ) of a von Mises by quad of scipy's density (the mean resultant length)."""
    density = stats.vonmises(kappa).pdf
    return integrate.quad(lambda x: math.cos(x) * density(x), -math.pi, math.pi)[0]


def _resultants(kappa: np.ndarray) -> np.ndarray:
    """:func:`von_mises_resultant` of each κ, one quad per distinct value."""
    values, where = np.unique(kappa, return_inverse=True)
    return np.array([von_mises_resultant(k) for k in values])[where].reshape(kappa.shape)


def von_mises_r2(W, theta) -> np.ndarray:
    """The share of the circular variance 1 − |E e^{iY}| explained by η ~ N(β₀, W).

    |E e^{iY}| = A e^{−W/2} (a normal's characteristic function at 1 times the von Mises'
    resultant A); within a fixed η it is A, so the explained part is A − A e^{−W/2}.
    """
    kappa = np.asarray(theta["kappa"], float)
    resultant = _resultants(kappa)
    total = 1 - resultant * np.exp(-W / 2)
    return (total - (1 - resultant)) / total


def hurdle_poisson_r2(W, beta0, theta) -> np.ndarray:
    """R² of the hurdle Poisson point by point (four quads of truncated-Poisson moments);
    NaN from W = 300, where e^{2η} overflows in the quadrature (the checks stop below)."""
    W, beta0, psi = np.broadcast_arrays(
        np.asarray(W, float), np.asarray(beta0, float), np.asarray(theta["psi"], float)
    )
    points = zip(W.ravel(), beta0.ravel(), psi.ravel(), strict=True)
    r2 = [r2_hurdle_poisson(w, b, p) if w < 300 else np.nan for w, b, p in points]
    return np.array(r2).reshape(W.shape)


#: Families whose independent R² costs a quadrature per point: their grid check takes every
#: 800th point and their draws check runs in the slow tier.
QUAD_PER_POINT = (*PROPORTION, "hurdle_poisson")


def independent_r2(family: str, W, beta0, theta) -> np.ndarray:
    if family == "hurdle_poisson":
        return hurdle_poisson_r2(W, beta0, theta)
    if family in ORDINAL:
        return np.asarray(W, float) / (np.asarray(W, float) + stats.logistic.var())
    if family == "vonmises":
        return von_mises_r2(np.asarray(W, float), theta)
    if family in PROPORTION:
        return proportion_r2(family, W, beta0, theta)
    W, beta0 = np.asarray(W, float), np.asarray(beta0, float)
    if family == "gaussian":
        return W / (W + theta["sigma"] ** 2)
    if family in CONTINUOUS and family not in LOG_SCALE:
        # μ(η) = η + m and σ² = v, v scipy's variance (the t: its squared scale).
        return W / (W + scipy_mean_and_spread(family, theta)[1])
    if family in LOG_SCALE:
        return independent_relative_r2(family, W, beta0, theta) / (1 + squared_cv(family, theta))
    if family == "bernoulli":
        return np.array(
            [
                1 / (1 + math.exp(-logit_r2_binary(b, w, "logit")))
                for w, b in zip(W, beta0, strict=True)
            ]
        )
    var_mu = lognormal_moment(2, beta0, W) - lognormal_moment(1, beta0, W) ** 2
    if family == "poisson":
        mean_var = lognormal_moment(1, beta0, W)
    elif family == "negativebinomial":
        mean_var = lognormal_moment(1, beta0, W) + lognormal_moment(2, beta0, W) / theta["alpha"]
    elif family == "zero_inflated_negativebinomial":
        # A mixture of 0 and NB2(μ, α) with weight ψ: E(Y | η) = ψμ and
        # Var(Y | η) = ψ(μ + μ²/α + μ²) − ψ²μ².
        psi, alpha = theta["psi"], theta["alpha"]
        var_mu = psi**2 * var_mu
        mean_var = psi * lognormal_moment(1, beta0, W) + psi * (
            1 / alpha + 1 - psi
        ) * lognormal_moment(2, beta0, W)
    elif family in HURDLE:
        # ψ times the positive part's moments: E(Y | η) = ψ m₁, E(Y² | η) = ψ m₂.
        psi = theta["psi"]
        m1, m2 = HURDLE[family](theta)
        var_mu = psi**2 * m1**2 * var_mu
        mean_var = (psi * m2 - psi**2 * m1**2) * lognormal_moment(2, beta0, W)
    else:  # gamma
        mean_var = lognormal_moment(2, beta0, W) / theta["alpha"]
    return var_mu / (var_mu + mean_var)


def _gamma_part(theta):
    """Mean and second moment of Gamma(shape α, mean 1), from scipy."""
    part = stats.gamma(np.asarray(theta["alpha"], float), scale=1 / np.asarray(theta["alpha"]))
    return part.mean(), part.var() + part.mean() ** 2


def _lognormal_part(theta):
    """Mean and second moment of e^Z, Z ~ N(0, σ) (the positive part at η = 0), from scipy."""
    part = stats.lognorm(np.asarray(theta["sigma"], float))
    return part.mean(), part.var() + part.mean() ** 2


#: Hurdle families of positive responses: the positive part's moments at η = 0 (they scale
#: as e^η and e^{2η}).
HURDLE = {"hurdle_gamma": _gamma_part, "hurdle_lognormal": _lognormal_part}


def independent_r2_max(family: str, theta) -> np.ndarray | float:
    if family in ("negativebinomial", "gamma"):
        return theta["alpha"] / (theta["alpha"] + 1)
    if family == "hurdle_poisson":
        # Var(ψg) → ψ² E g² and E Var(Y | η) → ψ(1 − ψ) E g² (E v / E g² → 0).
        return theta["psi"]
    if family == "zero_inflated_negativebinomial":
        # The limit W → ∞ of ψ²V/(ψ²V + ψE₁ + ψ(1/α + 1 − ψ)E₂), V/E₂ → 1, E₁/E₂ → 0.
        return theta["psi"] * theta["alpha"] / (theta["alpha"] + 1)
    if family in LOG_SCALE:
        return 1 / (1 + squared_cv(family, theta))
    if family in HURDLE:
        # The limit W → ∞: Var μ / E μ² → 1, so R² → ψ²m₁² / (ψ m₂).
        m1, m2 = HURDLE[family](theta)
        return theta["psi"] * m1**2 / m2
    if family == "vonmises":
        return _resultants(np.asarray(theta["kappa"], float))
    return 1.0


def independent_relative_r2(family: str, W, beta0, theta) -> np.ndarray:
    """R²/R²max. For μ(η) = m e^η, σ²(η) = k μ(η)²: R² = V/(V + k E₂) with V = E₂ − E₁²,
    E_j = E e^(jη), and R²max = 1/(1 + k), written to stay finite when k overflows."""
    if family not in LOG_SCALE:
        return independent_r2(family, W, beta0, theta) / independent_r2_max(family, theta)
    W, beta0 = np.asarray(W, float), np.asarray(beta0, float)
    inverse_k = 1.0 / squared_cv(family, theta)
    e1, e2 = lognormal_moment(1, beta0, W), lognormal_moment(2, beta0, W)
    var_mu = e2 - e1**2
    return var_mu * (1 + inverse_k) / (var_mu * inverse_k + e2)


def relative_r2_from_model_density(model: rf.Model, draws: int, seed: int) -> np.ndarray:
    prior = rf.implied_prior(model, draws=draws, random_seed=seed)
    theta = {name: prior[name].to_numpy() for name in model.plan.family.theta}
    return independent_relative_r2(model.family, prior["W"], prior["Intercept"], theta)


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
            "prop": rng.beta(2.0, 3.0, n),
            "k": rng.binomial(np.resize(TRIALS, n).astype(int), 0.3),
            "n": np.resize(TRIALS, n).astype(int),
            "rating": np.digitize(0.8 * x + rng.logistic(size=n), [-1.0, 0.5, 2.0]) + 1,
            "pos0": rng.gamma(2.0, 1.5, n) * (rng.random(n) < 0.7),
            "angle": np.angle(np.exp(1j * (0.3 + 0.5 * x + rng.vonmises(0.0, 4.0, n)))),
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
    ("t", "v ~ x + (1|g)", (1.0, 1.0), 3000),
    ("laplace", "v ~ x", (2.0, 5.0), 3000),
    ("asymmetriclaplace", "v ~ x", (1.0, 1.0), 3000),
    ("exgaussian", "v ~ x + (1|g)", (0.5, 0.5), 3000),
    ("lognormal", "pos ~ x", (2.0, 2.0), 3000),
    ("exponential", "pos ~ x + (1|g)", (1.0, 3.0), 3000),
    ("weibull", "pos ~ x", (3.0, 1.0), 3000),
    ("zero_inflated_negativebinomial", "y ~ x + (1|g)", (1.0, 2.0), 3000),
    ("beta", "prop ~ x + (1|g)", (2.0, 2.0), 400),
    ("beta_binomial", "p(k, n) ~ x", (1.0, 1.0), 400),
    ("cumulative", "rating ~ x + (1|g)", (2.0, 2.0), 3000),
    ("sratio", "rating ~ x", (0.5, 3.0), 3000),
    ("hurdle_poisson", "y ~ x + (1|g)", (1.0, 2.0), 400),
    ("hurdle_gamma", "pos0 ~ x + (1|g)", (1.0, 1.0), 3000),
    ("hurdle_lognormal", "pos0 ~ x", (2.0, 5.0), 3000),
    ("vonmises", "angle ~ x + (1|g)", (1.0, 2.0), 3000),
]
#: The draws check runs in the default tier for the three families of the paper (its
#: mutation tests below use them); the others' draws checks, 1.4-5 s each, run in the slow
#: tier, and the grid integral covers every family in the default run.
DEFAULT_DRAWS = ("poisson", "gaussian", "bernoulli")
DRAWS_CASES = [
    case if case[0] in DEFAULT_DRAWS else pytest.param(*case, marks=pytest.mark.slow)
    for case in CASES
]


@pytest.fixture(scope="module")
def case_models():
    """The model of each case, built once and shared by the checks of this module."""
    cache: dict = {}

    def get(family, formula, beta):
        key = (family, formula, beta)
        if key not in cache:
            prior = rf.R2D2(a=beta[0], b=beta[1])
            cache[key] = rf.Model(formula, simulated(), family=family, prior=prior)
        return cache[key]

    return get


@pytest.mark.parametrize(("family", "formula", "beta", "draws"), DRAWS_CASES)
def test_implied_r2_is_beta_on_the_models_density(family, formula, beta, draws, case_models):
    model = case_models(family, formula, beta)
    relative = relative_r2_from_model_density(model, draws, seed=5)
    assert stats.kstest(relative, stats.beta(*beta).cdf).statistic < ks_limit(draws)


#: log W from e^-40 to e^40 in steps of 0.005: Simpson's rule on the smooth density of log W
#: errs by ~1e-10.
LOG_W_GRID = np.arange(-40.0, 40.0 + 0.0025, 0.005)


@pytest.mark.parametrize(
    ("family", "formula", "beta", "draws"),
    [case for case in CASES if case[0] not in ("bernoulli",)],
)
def test_models_w_density_integrates_to_the_beta_cdf_of_independent_r2(
    family, formula, beta, draws, case_models
):
    """No draws: W's log-density compiled from the built PyMC model, integrated over log W at
    fixed intercepts and family parameters, is the Beta(a, b) CDF of R²/R²max, with R²
    computed independently (closed forms from the definition, scipy's moments).

    The distance between the two CDFs over the whole grid, a Kolmogorov–Smirnov distance
    without Monte-Carlo noise, must be below 1e-6 (a wrong R², Jacobian or normalisation
    moves it by orders of magnitude more). Family parameters are scaled by 1/2 and 2 (ψ
    raised to those powers, to stay in (0, 1)). The beta families' independent R² (quad per
    point) is compared at every 800th grid point, from W = e^-40 to e^40.
    """
    model = case_models(family, formula, beta)
    density = _bambi.w_log_density(model.bambi_model, model.plan)
    medians = dict(model.plan.theta_median)
    every = 800 if family in QUAD_PER_POINT else 1
    for shift in (-1.0, 1.0):
        for scale in (0.5, 2.0):
            w = np.exp(LOG_W_GRID)
            beta0 = np.full(w.size, model.plan.intercept_mean + shift)
            theta = {
                k: np.full(w.size, v**scale if k == "psi" else v * scale)
                for k, v in medians.items()
            }
            log_p = density(w, beta0, theta)
            cdf = integrate.cumulative_simpson(np.exp(log_p + LOG_W_GRID), x=LOG_W_GRID, initial=0)
            w, beta0, cdf = w[::every], beta0[::every], cdf[::every]
            theta = {k: v[::every] for k, v in theta.items()}
            with np.errstate(over="ignore", invalid="ignore"):
                relative = independent_relative_r2(family, w, beta0, theta)
            target = stats.beta(*beta).cdf(relative)
            cdf = cdf + target[0]
            # The log-normal moments E e^(kη) of the independent R² overflow at W ≈ 350:
            # compare below W = 300, which must reach the top of the distribution.
            unbounded = (*PROPORTION, *ORDINAL, "gaussian", "vonmises", *CONTINUOUS)
            compared = (w < 300) | (family in unbounded) & (family not in LOG_SCALE)
            assert target[0] < 1e-6 and target[compared][-1] > 1 - 1e-6, (shift, scale)
            assert np.max(np.abs(cdf - target)[compared]) < 1e-6, (shift, scale)


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
