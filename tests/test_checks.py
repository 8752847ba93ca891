"""Model checking and comparison: LOO/WAIC/compare, log prior, sensitivity, prior predictive,
variable selection (r2d2_formula._criticism and the FitResult methods over it).

Fits are short (2 chains × 150 draws, one per family, module-scoped) and on small data:
these tests check what is computed, against independent computations, not statistics
that need long chains. Each test's docstring names the bug it catches.
"""

from __future__ import annotations

import sys
import warnings

import arviz_stats
import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import special, stats

import r2d2_formula as rf
from r2d2_formula import _criticism
from r2d2_formula._families import FAMILIES as FITTED
from r2d2_formula._results import FitResult

matplotlib.use("Agg")

SHORT = {"draws": 150, "tune": 150, "chains": 2, "random_seed": 1, "progressbar": False}
N = 80


def _response(family: str, eta: np.ndarray, rng: np.random.Generator) -> dict:
    """Columns of a response of ``family`` with linear predictor ``eta`` (no trials)."""
    mean, p, n = np.exp(eta), special.expit(eta), eta.size

    def present() -> np.ndarray:  # the zero-inflated and hurdle families' ψ = 0.8
        return rng.binomial(1, 0.8, n)

    draws = {
        "gaussian": lambda: eta + rng.normal(0, 1, n),
        "t": lambda: eta + rng.standard_t(4, n),
        "laplace": lambda: eta + rng.laplace(0, 1, n),
        "asymmetriclaplace": lambda: eta + rng.laplace(0, 1, n) + rng.exponential(0.5, n),
        "exgaussian": lambda: eta + rng.normal(0, 0.5, n) + rng.exponential(1.0, n),
        "lognormal": lambda: mean * np.exp(rng.normal(0, 0.5, n)),
        "bernoulli": lambda: rng.binomial(1, p),
        "poisson": lambda: rng.poisson(mean),
        "negativebinomial": lambda: rng.negative_binomial(3, 3 / (3 + mean)),
        "gamma": lambda: rng.gamma(4, mean / 4),
        "exponential": lambda: rng.exponential(mean),
        "weibull": lambda: mean * rng.weibull(1.5, n),
        "beta": lambda: rng.beta(10 * p, 10 * (1 - p)),
        "zero_inflated_poisson": lambda: rng.poisson(mean) * present(),
        "zero_inflated_negativebinomial": lambda: (
            rng.negative_binomial(3, 3 / (3 + mean)) * present()
        ),
        "hurdle_poisson": lambda: np.where(present() == 1, np.maximum(rng.poisson(mean), 1), 0),
        "hurdle_gamma": lambda: rng.gamma(4, mean / 4) * present(),
        "hurdle_lognormal": lambda: mean * np.exp(rng.normal(0, 0.5, n)) * present(),
        "cumulative": lambda: np.digitize(eta + rng.logistic(size=n), [-0.5, 0.7, 1.8]) + 1,
        "sratio": lambda: np.digitize(eta + rng.logistic(size=n), [-0.5, 0.7, 1.8]) + 1,
        "vonmises": lambda: np.angle(np.exp(1j * (0.5 * eta + rng.vonmises(0, 3, n)))),
    }
    return {"y": draws[family]()}


def family_data(family: str, seed: int = 0) -> tuple[str, pd.DataFrame]:
    """A formula and data with a predictor, a null predictor and a grouping factor."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=N), rng.normal(size=N)
    g = rng.integers(0, 8, N)
    eta = 0.3 + 0.7 * x + rng.normal(0, 0.4, 8)[g]
    data = {"x": x, "z": z, "g": [f"g{i}" for i in g]}
    formula = "y ~ x + z + (1|g)"
    if family in ("binomial", "beta_binomial"):
        data["n"] = rng.integers(3, 12, N)
        p = special.expit(eta)
        if family == "beta_binomial":
            p = rng.beta(10 * p, 10 * (1 - p))
        data["y"] = rng.binomial(data["n"], p)
        formula = "p(y, n) ~ x + z + (1|g)"
    else:
        data.update(_response(family, eta, rng))
    frame = pd.DataFrame(data)
    frame.index = [f"r{i}" for i in range(N)]  # labels, so warnings must name labels
    return formula, frame


#: Every fitted family, in the package's order.
FAMILIES = list(FITTED)
# Every family's LOO and prior predictive checks in the slow tier (a short fit and its
# compilation cost 4-20 s each); the prior predictive plot of one family (with trials) also
# in the default tier.
DEFAULT_TIER = ("binomial",)
EVERY_FAMILY = [pytest.param(f, marks=pytest.mark.slow) for f in FAMILIES]


@pytest.fixture(scope="module")
def fits():
    """One short fit per family, made on first use."""
    made: dict[str, FitResult] = {}

    def get(family: str) -> FitResult:
        if family not in made:
            formula, data = family_data(family)
            made[family] = rf.fit(formula, data, family=family, **SHORT)
        return made[family]

    return get


def _hurdle(y, psi, log_positive):
    """log p of a hurdle: 1 − ψ at 0, ψ times the positive part elsewhere."""
    return np.where(y == 0, np.log1p(-psi), np.log(psi) + log_positive)


def independent_log_likelihood(result: FitResult) -> np.ndarray:
    """log p(y_i | draw) by scipy at Bambi's posterior means: (chain, draw, observation).

    Each family's density is written from its definition in PyMC's parameterisation, as
    Bambi maps its ``mu`` into it (Weibull: scale μ/Γ(1 + 1/α); beta families: α = μκ,
    β = (1 − μ)κ); the ordinal families' from Bambi's own category probabilities ``p``.
    """
    model = result.model
    parent = model.bambi_model.family.likelihood.parent
    post = result.predict(kind="response_params").posterior
    mean = np.asarray(post[parent])
    y = np.asarray(model.design.response, dtype=float)

    def param(name):
        return np.asarray(post[name])[..., None]

    def nbinom(alpha):
        return stats.nbinom.logpmf(y, alpha, alpha / (alpha + mean))

    def positive_poisson():
        return stats.poisson.logpmf(y, mean) - np.log(-np.expm1(-mean))

    def category():  # Bambi's P(y = k) for each category, (chain, draw, obs, category)
        codes = np.asarray(model.bambi_model.response_term.data).astype(int)
        return np.log(np.take_along_axis(mean, codes[None, None, :, None], -1)[..., 0])

    psi = param("psi") if "psi" in post else None
    by_family = {
        "gaussian": lambda: stats.norm.logpdf(y, mean, param("sigma")),
        "t": lambda: stats.t.logpdf(y, param("nu"), mean, param("sigma")),
        "laplace": lambda: stats.laplace.logpdf(y, mean, param("b")),
        "asymmetriclaplace": lambda: stats.laplace_asymmetric.logpdf(
            y, param("kappa"), mean, 1 / param("b")
        ),
        "exgaussian": lambda: stats.exponnorm.logpdf(
            y, param("nu") / param("sigma"), mean, param("sigma")
        ),
        "lognormal": lambda: stats.lognorm.logpdf(y, param("sigma"), scale=np.exp(mean)),
        "bernoulli": lambda: stats.bernoulli.logpmf(y, mean),
        "binomial": lambda: stats.binom.logpmf(y, model.design.trials, mean),
        "beta": lambda: stats.beta.logpdf(y, mean * param("kappa"), (1 - mean) * param("kappa")),
        "beta_binomial": lambda: stats.betabinom.logpmf(
            y, model.design.trials, mean * param("kappa"), (1 - mean) * param("kappa")
        ),
        "poisson": lambda: stats.poisson.logpmf(y, mean),
        "negativebinomial": lambda: nbinom(param("alpha")),
        "gamma": lambda: stats.gamma.logpdf(y, param("alpha"), scale=mean / param("alpha")),
        "exponential": lambda: stats.expon.logpdf(y, scale=mean),
        "weibull": lambda: stats.weibull_min.logpdf(
            y, param("alpha"), scale=mean / special.gamma(1 + 1 / param("alpha"))
        ),
        # ψ is the probability of the count part: P(0) = 1 − ψ + ψ p(0).
        "zero_inflated_poisson": lambda: np.where(
            y == 0,
            np.log1p(-psi + psi * np.exp(stats.poisson.logpmf(y, mean))),
            np.log(psi) + stats.poisson.logpmf(y, mean),
        ),
        "zero_inflated_negativebinomial": lambda: np.where(
            y == 0,
            np.log1p(-psi + psi * np.exp(nbinom(param("alpha")))),
            np.log(psi) + nbinom(param("alpha")),
        ),
        "hurdle_poisson": lambda: _hurdle(y, psi, positive_poisson()),
        "hurdle_gamma": lambda: _hurdle(
            y, psi, stats.gamma.logpdf(y, param("alpha"), scale=mean / param("alpha"))
        ),
        "hurdle_lognormal": lambda: _hurdle(
            y, psi, stats.lognorm.logpdf(y, param("sigma"), scale=np.exp(mean))
        ),
        "cumulative": category,
        "sratio": category,
        "vonmises": lambda: stats.vonmises.logpdf(y, param("kappa"), mean),
    }
    with np.errstate(divide="ignore"):  # log p of the other part at a hurdle's zeros
        return by_family[model.family]()


# --- LOO, WAIC, compare --------------------------------------------------------------------


@pytest.mark.parametrize("family", EVERY_FAMILY)
def test_loo_agrees_with_arviz_on_an_independent_log_likelihood(fits, family):
    """Bug: a log-likelihood at the wrong intercept (PyMC's route on Bambi's un-centered
    intercept), ignoring the trials of p(y, n), or with a family misparameterised."""
    result = fits(family)
    ours = result.log_densities(prior=False)["log_likelihood"].to_dataset()
    ours = np.asarray(ours[next(iter(ours.data_vars))])  # "p(y, n)" for binomial
    theirs = independent_log_likelihood(result)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8)
    tree = xr.DataTree.from_dict(
        {
            "posterior": result.idata.posterior.to_dataset(),
            "log_likelihood": xr.Dataset({"y": (("chain", "draw", "__obs__"), theirs)}),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = arviz_stats.loo(tree, pointwise=True)
    score = result.loo(warn=False)
    # The two log-likelihoods agree to 1e-6 relative (scipy's ex-Gaussian and PyMC's differ
    # by ~1e-9 per row); a wrong LOO (another log-likelihood, an unweighted mean) moves the
    # elpd by far more.
    assert score.elpd == pytest.approx(expected.elpd, rel=1e-6)
    assert score.se == pytest.approx(expected.se, rel=1e-6)
    np.testing.assert_allclose(score.pareto_k, expected.pareto_k, rtol=0, atol=1e-5)


def test_waic_is_the_textbook_formula_and_near_loo(fits):
    """Bug: WAIC's penalty taken as a standard deviation, or lppd averaged on the log scale."""
    result = fits("poisson")
    ll = independent_log_likelihood(result).reshape(-1, N)
    expected = np.sum(special.logsumexp(ll, axis=0) - np.log(len(ll)) - ll.var(axis=0, ddof=1))
    score = result.waic()
    assert score.elpd == pytest.approx(expected, rel=1e-9)
    assert score.p == pytest.approx(ll.var(axis=0, ddof=1).sum(), rel=1e-9)
    assert abs(score.elpd - result.loo(warn=False).elpd) < 2.0
    assert "elpd_waic" in repr(score)


def test_pareto_k_warning_names_the_observations_by_their_labels():
    """Bug: the warning says some k are high without saying which rows (or names positions,
    not the data's labels)."""
    _, data = family_data("poisson", seed=3)
    data.loc["r17", "y"] = 60  # an outlier: its leave-one-out predictive is far off
    result = rf.fit("y ~ x + (1|g)", data, family="poisson", **SHORT)
    with pytest.warns(rf.ParetoKWarning, match=r"'r17' \(k=\d\.\d\d\)") as caught:
        score = result.loo()
    k = np.asarray(score.pareto_k)
    assert k[data.index.get_loc("r17")] > score.good_k
    message = str(caught[0].message)
    named = [label for label in data.index if f"'{label}' (k=" in message]
    assert len(named) == min(int((k > score.good_k).sum()), _criticism.SHOWN)


def test_compare_returns_arviz_table_with_the_true_model_first(fits):
    """Bug: compare scores fits on something other than their LOO (rank, elpd wrong)."""
    full = fits("poisson")
    _, data = family_data("poisson")
    without_x = rf.fit("y ~ z + (1|g)", data, family="poisson", **SHORT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rf.ParetoKWarning)
        table = rf.compare({"with x": full, "without x": without_x})
    assert list(table.index) == ["with x", "without x"]
    for column in ("rank", "elpd", "p", "elpd_diff", "weight", "se", "dse", "p_worse"):
        assert column in table.columns, column
    assert table.loc["with x", "elpd"] == pytest.approx(full.loo(warn=False).elpd)
    # x's effect is 0.7 on the log scale: leaving it out costs far more than the noise.
    assert -table.loc["without x", "elpd_diff"] > max(4.0, 2 * table.loc["without x", "dse"])


def test_compare_refuses_fits_of_different_data():
    """Bug: LOO of fits to different observations compared as if comparable."""
    formula, data = family_data("poisson")
    a = FitResult(rf.Model(formula, data, family="poisson"), None)
    b = FitResult(rf.Model(formula, data.iloc[:-5], family="poisson"), None)
    with pytest.raises(rf.DataError, match=r"'a' and 'b' are of different observations"):
        rf.compare({"a": a, "b": b})
    with pytest.raises(rf.ArgumentError, match="at least two"):
        rf.compare({"a": a})
    with pytest.raises(rf.ArgumentError, match=r"\['b'\] are not fits"):
        rf.compare({"a": a, "b": "not a fit"})


def test_a_fit_saved_with_log_densities_loads_and_scores(fits, tmp_path):
    """Bug: the added groups break save/load, or load rejects them."""
    result = fits("poisson")
    stored = FitResult(result.model, result.log_densities())
    loaded = FitResult.load(stored.save(tmp_path / "fit.nc"))
    assert {"log_likelihood", "log_prior"} <= set(loaded.idata.children)
    assert loaded.loo(warn=False).elpd == pytest.approx(result.loo(warn=False).elpd)


# --- log prior -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def noncentered_poisson():
    """Every term non-centered: the log prior must still be of the stored values."""
    formula, data = family_data("poisson")
    return rf.fit(formula, data, family="poisson", noncentered=True, **SHORT)


def poisson_w_log_density(w, beta0, a, b):
    """log p(W) for R² = (e^W − 1)/(e^W − 1 + e^(−β₀−W/2)) ~ Beta(a, b), by a central
    difference of the closed form: independent of the package's logit-space formulas."""

    def r2(w):
        return np.expm1(w) / (np.expm1(w) + np.exp(-beta0 - w / 2))

    h = 1e-6 * w
    slope = (r2(w + h) - r2(w - h)) / (2 * h)
    return stats.beta.logpdf(r2(w), a, b) + np.log(slope)


def test_log_prior_is_every_prior_term_with_w_exact_density(noncentered_poisson):
    """Bug: the log prior omits W's density (or phi's, or a term's), uses Bambi's
    un-centered intercept, or the density of the non-centered offsets instead of the
    coefficients'. The sum is checked against scipy term by term, W by its closed form."""
    result = noncentered_poisson
    model, post = result.model, result.idata.posterior
    log_prior = result.log_densities()["log_prior"].to_dataset()
    assert sorted(log_prior.data_vars) == sorted(["Intercept", "W", "phi", "x", "z", "1|g"])
    data = model.data

    def flat(name):
        return np.asarray(post[name]).reshape(-1, *post[name].shape[2:])

    w, phi = flat("W"), flat("phi")
    beta0 = flat("Intercept") + data["x"].mean() * flat("x") + data["z"].mean() * flat("z")
    prior_args = model.bambi_model.parameters["mu"].intercept_term.prior.args
    expected = {
        "Intercept": stats.norm.logpdf(beta0, prior_args["mu"], prior_args["sigma"]),
        "W": poisson_w_log_density(w, beta0, model.prior.a, model.prior.b),
        "phi": stats.dirichlet.logpdf(phi.T, np.ones(3)),
        "1|g": stats.norm.logpdf(flat("1|g"), 0, flat("1|g_sigma")[:, None]).sum(axis=1),
    }
    for k, name in enumerate(["x", "z"]):
        sd = np.sqrt(phi[:, k] * w / data[name].var(ddof=0))
        expected[name] = stats.norm.logpdf(flat(name), 0, sd)
    for name, values in expected.items():
        np.testing.assert_allclose(
            np.asarray(log_prior[name]).reshape(-1), values, rtol=1e-5, atol=1e-5, err_msg=name
        )
    # W's term moves from draw to draw: a log prior without it would be off by a varying amount.
    assert np.std(expected["W"]) > 0.1


def test_sensitivity_prior_terms_are_named_and_checked(noncentered_poisson):
    """Bug: the default power-scales the coefficients' conditional priors, or an unknown
    term name is silently ignored."""
    model = noncentered_poisson.model
    assert _criticism.default_prior_terms(model) == ["Intercept", "W", "phi"]
    assert "exact density" in _criticism.log_prior_terms(model)["W"]
    with pytest.raises(rf.ArgumentError, match=r"\['R2'\] are not terms"):
        noncentered_poisson.sensitivity(prior_terms=["R2"])
    table = noncentered_poisson.sensitivity(prior_terms="all")
    assert {"Intercept", "x", "z", "1|g_sigma", "R2", "W", "phi[x]"} <= set(table.index)
    assert set(table.columns) == {"prior", "likelihood", "diagnosis"}


def test_logistic_normal_shares_enter_the_log_prior_and_the_prior_draws():
    """Bug: with logistic-normal shares (φ deterministic) the shares' prior term is lost,
    or φ is missing from the prior draws."""
    formula, data = family_data("poisson")
    model = rf.Model(formula, data, family="poisson", prior=rf.R2D2(shares="logistic-normal"))
    assert "phi_alr_z" in _criticism.default_prior_terms(model)
    phi = np.asarray(rf.prior_predictive(model, draws=50, random_seed=1)["prior"]["phi"])
    np.testing.assert_allclose(phi.sum(axis=-1), 1.0)


# --- prior-data conflict -------------------------------------------------------------------


def conflict_data(seed: int = 1, n: int = 300, k: int = 6) -> tuple[str, pd.DataFrame]:
    """Gaussian data with Var(η) = 4 and σ = 1: true R² = 0.8."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, k))
    beta = rng.choice([-1.0, 1.0], k) * np.sqrt(4.0 / k)
    frame = pd.DataFrame(x, columns=[f"x{i + 1}" for i in range(k)])
    frame["y"] = 1.0 + x @ beta + rng.normal(0, 1.0, n)
    return "y ~ " + " + ".join(frame.columns[:-1]), frame


@pytest.fixture(scope="module")
def conflict_fits():
    formula, data = conflict_data()
    settings = {**SHORT, "draws": 500, "tune": 500}
    tight = rf.fit(formula, data, prior=rf.R2D2(r2_mean=0.2, r2_precision=100), **settings)
    uniform = rf.fit(formula, data, **settings)
    return tight, uniform


@pytest.mark.slow
def test_a_tight_r2_prior_against_the_data_is_flagged(conflict_fits):
    """The documented example: R² ~ Beta(20, 80) on data whose R² is 0.8.
    Bug: W's density left out of the log prior (or scaled with the wrong sign), so the
    R² prior cannot be seen to pull the posterior."""
    tight, uniform = conflict_fits
    assert tight.idata.posterior["R2"].mean() < 0.45  # the prior does pull R² down
    flagged, calm = tight.sensitivity(), uniform.sensitivity()
    conflict = "potential prior-data conflict"
    assert flagged.loc["R2", "diagnosis"] == conflict
    assert flagged.loc["sigma", "diagnosis"] == conflict  # σ absorbs what η may not take
    assert calm.loc["sigma", "diagnosis"] == "✓"
    assert flagged.loc["R2", "prior"] > 2 * calm.loc["R2", "prior"]


@pytest.mark.slow
def test_the_r2_prior_acts_through_w_density(conflict_fits):
    """Bug: W's log-prior term constant or missing: scaling it alone would move nothing."""
    tight, _ = conflict_fits
    through_w = tight.sensitivity(prior_terms=["W"])
    through_intercept = tight.sensitivity(prior_terms=["Intercept"])
    assert through_w.loc["R2", "prior"] > 0.2
    assert through_intercept.loc["R2", "prior"] < 0.05


@pytest.mark.slow
def test_plot_sensitivity_returns_a_figure(conflict_fits):
    """Bug: the arviz_plots collection returned instead of a figure, or the wrong variables."""
    figure = conflict_fits[0].plot_sensitivity()
    titles = " ".join(ax.get_title() for ax in figure.axes)
    assert "R2" in titles and "sigma" in titles and "prior" in titles
    matplotlib.pyplot.close(figure)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["negativebinomial", "gamma"])
def test_plot_sensitivity_shows_the_family_parameter_alpha(fits, family):
    """Bug: arviz_stats stacks the power-scaled draws along a dimension named "alpha", so a
    posterior with its own alpha (negativebinomial, gamma) made the plot raise ValueError."""
    figure = fits(family).plot_sensitivity()
    titles = " ".join(ax.get_title() for ax in figure.axes)
    assert "α" in titles and "R2" in titles
    assert "alpha" in fits(family).log_densities().posterior  # the fit's own data untouched
    matplotlib.pyplot.close(figure)


# --- prior predictive ----------------------------------------------------------------------


def _counts(values, data):
    return (values >= 0).all() and np.all(values == np.round(values))


#: What a prior predictive response of each family may take (gamma-like draws underflow to
#: 0; the ordinal families' are category codes 0..3, as Bambi draws them).
RESPONSE_DOMAIN = {
    **dict.fromkeys(
        ("gaussian", "t", "laplace", "asymmetriclaplace", "exgaussian"),
        lambda values, data: np.isfinite(values).all(),
    ),
    **dict.fromkeys(
        ("lognormal", "gamma", "exponential", "hurdle_gamma", "hurdle_lognormal"),
        lambda values, data: (values >= 0).all() and np.isfinite(values).all(),
    ),
    # Bambi's Weibull scale μ/Γ(1 + 1/α) is 0/inf for α < 0.006, which α's HalfCauchy(1)
    # prior reaches in about 0.4% of draws: PyMC draws NaN there.
    "weibull": lambda values, data: (
        (values[~np.isnan(values)] >= 0).all() and np.isnan(values).mean() < 0.02
    ),
    "bernoulli": lambda values, data: set(np.unique(values)) <= {0, 1},
    **dict.fromkeys(
        ("binomial", "beta_binomial"),
        lambda values, data: (
            _counts(values, data) and (values.reshape(-1, N) <= data["n"].to_numpy()).all()
        ),
    ),
    "beta": lambda values, data: ((values >= 0) & (values <= 1)).all(),
    **dict.fromkeys(
        (
            "poisson",
            "negativebinomial",
            "zero_inflated_poisson",
            "zero_inflated_negativebinomial",
            "hurdle_poisson",
        ),
        _counts,
    ),
    **dict.fromkeys(
        ("cumulative", "sratio"), lambda values, data: set(np.unique(values)) <= {0, 1, 2, 3}
    ),
    "vonmises": lambda values, data: (np.abs(values) <= np.pi).all(),
}


@pytest.mark.parametrize("family", EVERY_FAMILY)
def test_prior_predictive_for_every_family(family):
    """Bug: W redrawn by the sampler instead of kept from the model's density (R² would not
    match W), coefficients drawn with another W, or the response off its own scale."""
    formula, data = family_data(family)
    model = rf.Model(formula, data, family=family)
    draws = 300
    tree = rf.prior_predictive(model, draws=draws, random_seed=2)
    response = next(iter(tree["prior_predictive"].data_vars))  # "p(y, n)" for binomial
    prior, y = tree["prior"], np.asarray(tree["prior_predictive"][response])
    assert y.shape == (1, draws, N)
    intercept = ("Intercept",) if model.plan.intercept else ()  # ordinal: thresholds instead
    for name in ("R2", "W", "phi", *intercept, "x", "z", "1|g_sigma", *model.plan.family.theta):
        assert name in prior, name
    assert not [name for name in prior.data_vars if name.endswith("_offset")]
    observed = np.asarray(tree["observed_data"][response])
    np.testing.assert_array_equal(observed, model.design.response)
    w = np.asarray(prior["W"]).reshape(-1)
    theta = {name: np.asarray(prior[name]).reshape(-1) for name in model.plan.family.theta}
    phi = np.asarray(prior["phi"]).reshape(draws, -1)
    # R² is the family's R² of the W reported: W was not replaced on the way.
    beta0 = np.asarray(prior["Intercept"]).reshape(-1) if intercept else np.zeros(draws)
    beta0 = beta0 + data["x"].mean() * np.asarray(prior["x"]).reshape(-1)
    beta0 = beta0 + data["z"].mean() * np.asarray(prior["z"]).reshape(-1)
    np.testing.assert_allclose(
        np.asarray(prior["R2"]).reshape(-1), model.plan.family.r2(w, beta0, theta), rtol=1e-6
    )
    # Coefficients given W and φ: standardised, they are N(0, 1).
    scaled = np.asarray(prior["x"]).reshape(-1) / np.sqrt(phi[:, 0] * w / data["x"].var(ddof=0))
    assert stats.kstest(scaled, "norm").pvalue > 1e-3
    values = y.reshape(-1)
    assert RESPONSE_DOMAIN[family](values, data), family
    if model.plan.family.bounded:
        relative = np.asarray(prior["R2_relative"]).reshape(-1)
        assert ((relative >= 0) & (relative <= 1)).all()


def test_prior_predictive_r2_follows_the_beta_target():
    """Bug: R² prior draws that are not Beta(a, b) (e.g. W from an approximate inverse)."""
    formula, data = family_data("poisson")
    model = rf.Model(formula, data, family="poisson", prior=rf.R2D2(r2_mean=0.3, r2_precision=5))
    r2 = np.asarray(rf.prior_predictive(model, draws=1000, random_seed=5)["prior"]["R2"])
    # 1,000 draws: the KS distance's 99.9% quantile under the null is about 0.062.
    assert stats.kstest(r2.reshape(-1), stats.beta(1.5, 3.5).cdf).statistic < 0.062


@pytest.mark.parametrize(
    ("family", "label"),
    [
        pytest.param(family, label, marks=() if family in DEFAULT_TIER else pytest.mark.slow)
        for family, label in [
            ("gaussian", "response"),
            ("bernoulli", "share of ones"),
            ("binomial", "proportion k/n"),
            ("poisson", "response"),
            ("negativebinomial", "response"),
            ("gamma", "response"),
            ("zero_inflated_poisson", "response"),
        ]
    ],
)
def test_plot_prior_predictive_shows_r2_beside_the_response(family, label):
    """Bug: the observed data not overlaid, or the R² panel missing its target."""
    formula, data = family_data(family)
    figure = rf.plot_prior_predictive(rf.Model(formula, data, family=family), draws=60)
    left, right = figure.axes
    bounded = family in ("negativebinomial", "gamma", "zero_inflated_poisson")
    assert left.get_xlabel() == ("R²/R²max" if bounded else "R²")
    assert right.get_xlabel() == label
    assert "target Beta(1, 1)" in [t.get_text() for t in left.get_legend().get_texts()]
    assert "observed" in [t.get_text() for t in right.get_legend().get_texts()]
    matplotlib.pyplot.close(figure)


# --- variable selection --------------------------------------------------------------------


@pytest.fixture(scope="module")
def selection():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 3))
    data = pd.DataFrame(x, columns=["x1", "x2", "x3"])
    data["y"] = 1.0 + x @ np.array([1.6, -1.2, 0.0]) + rng.normal(0, 1.0, 200)
    result = rf.fit("y ~ x1 + x2 + x3", data, **SHORT)
    return result.select_variables(num_samples=100, num_clusters=10)


@pytest.mark.slow
def test_projection_selects_the_predictors_that_matter(selection):
    """Bug: the search path or the reference ELPD not those of the R2D2 fit."""
    assert selection.path == [[], ["x1"], ["x1", "x2"], ["x1", "x2", "x3"]]
    assert selection.selected() == ["x1", "x2"]
    table = selection.compare()
    assert table.index[0] == "reference"
    assert table.loc["x1", "elpd_diff"] < -20 < table.loc["x2", "elpd_diff"]
    figure = selection.plot()
    assert figure.axes
    matplotlib.pyplot.close(figure)


def test_selection_without_kulprit_names_it(monkeypatch):
    """Bug: an ImportError from deep inside instead of saying what to install."""
    formula, data = family_data("gaussian")
    model = rf.Model(formula, data)
    monkeypatch.setitem(sys.modules, "kulprit", None)
    with pytest.raises(rf.UnsupportedError, match=r"needs the kulprit package"):
        _criticism.select_variables(model, None)


def test_selection_refuses_what_kulprit_cannot_project():
    """Bug: kulprit's TypeError on a vector-valued transformed parameter reaching the user."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            "y": rng.normal(size=60),
            "x": rng.normal(size=60),
            "c": rng.choice(["a", "b", "c"], 60),
            "g": rng.choice(["g1", "g2", "g3", "g4"], 60),
        }
    )
    model = rf.Model("y ~ x + (c|g)", data)
    with pytest.raises(rf.UnsupportedError, match=r"cannot project .* \['c\|g_sigma'\]"):
        _criticism.select_variables(model, None)
