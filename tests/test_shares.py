"""Logistic-normal shares φ (the GDR2 prior): the distribution, its Dirichlet match, fits.

Every statistical threshold comes from the Monte-Carlo size: means and covariances
are allowed 4.5 standard errors (two-sided probability 7e-6 each, so the module's few
dozen such comparisons fail by chance with probability below 1e-3), Kolmogorov–Smirnov
statistics 1.95/sqrt(n) (probability 0.001 each). Draws use fixed seeds, so a run that
passes passes every time on one machine.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from conftest import TINY, simulate_glmm
from scipy import special, stats
from test_prior_fidelity import consistent, ks_limit, relative_r2_from_model_density, simulated

import r2d2_formula as rf
from r2d2_formula import _bambi, _shares
from r2d2_formula._results import FitResult

Z = 4.5  # standard errors allowed to a Monte-Carlo mean


# --- references written from the definitions, independently of the package ----------------


def dirichlet_draws(alpha, n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(alpha, size=n)


def logistic_normal_draws(mean, cov, n: int, seed: int = 0) -> np.ndarray:
    """φ = softmax(y), y ~ Normal(mean, cov) over all K log-weights (no log-ratios)."""
    y = np.random.default_rng(seed).multivariate_normal(mean, cov, size=n, method="eigh")
    return special.softmax(y, axis=1)


def log_ratios(phi: np.ndarray) -> np.ndarray:
    """log(φ_k / φ_K), k < K."""
    return np.log(phi[:, :-1] / phi[:, -1:])


def ratio_moments(mean, cov):
    """Mean and covariance of y_k − y_K, elementwise from Cov(y_k − y_K, y_l − y_K)."""
    mean, cov = np.asarray(mean, float), np.asarray(cov, float)
    last = len(mean) - 1
    alr_mean = mean[:last] - mean[last]
    alr_cov = np.array(
        [
            [cov[k, l] - cov[k, last] - cov[last, l] + cov[last, last] for l in range(last)]
            for k in range(last)
        ]
    )
    return alr_mean, alr_cov


def assert_mean_close(draws: np.ndarray, expected: np.ndarray) -> None:
    """Column means of ``draws`` within Z standard errors of ``expected``."""
    se = draws.std(axis=0) / math.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - expected) < Z * se), (draws.mean(axis=0), expected)


def assert_cov_close(draws: np.ndarray, expected: np.ndarray) -> None:
    """Sample covariance within Z standard errors (of each product's mean) of ``expected``."""
    centered = draws - draws.mean(axis=0)
    products = centered[:, :, None] * centered[:, None, :]
    se = products.std(axis=0) / math.sqrt(len(draws))
    assert np.all(np.abs(products.mean(axis=0) - expected) < Z * se), (
        products.mean(axis=0),
        expected,
    )


# --- from_dirichlet: the KL-closest logistic-normal ---------------------------------------


@pytest.mark.parametrize("alpha", [[1.0, 1.0, 1.0], [0.5, 1.0, 2.0, 4.0], [3.0, 0.3]])
def test_from_dirichlet_has_the_dirichlets_log_ratio_moments(alpha):
    """KL(Dirichlet ‖ LN) is least when the log-ratios' mean and covariance match.

    Catches a wrong digamma/trigamma formula, a missing trigamma of the reference in
    the covariance, or a variance used as an SD.
    """
    draws = log_ratios(dirichlet_draws(alpha, 200_000))
    mean, cov = rf.LogisticNormal.from_dirichlet(alpha).log_ratios([f"c{i}" for i in alpha])
    assert_mean_close(draws, mean)
    assert_cov_close(draws, cov)


# (α, K, variance ratio of φ as the docstring of from_dirichlet states it)
DOCUMENTED_RATIOS = [
    (1.0, 2, 1.08),
    (2.0, 5, 1.27),
    (1.0, 5, 1.44),
    (0.5, 5, 1.56),
    (1.0, 10, 1.82),
]


@pytest.mark.parametrize(("alpha", "k", "ratio"), DOCUMENTED_RATIOS)
def test_from_dirichlet_share_means_and_documented_variances(alpha, k, ratio):
    """φ's means are the Dirichlet's 1/K; its variances are the documented multiples.

    The docstring is rounded to 2 decimals (±0.005); the variance is pooled over the K
    exchangeable components and allowed Z standard errors of that pooled mean besides.
    Catches the docstring drifting from the code, and any change of the matching.
    """
    ln = rf.LogisticNormal.from_dirichlet(alpha, n_components=k)
    mean, cov = ln.log_weights([f"c{i}" for i in range(k)], [f"c{i}" for i in range(k)])
    phi = logistic_normal_draws(mean, cov, 400_000, seed=1)
    assert_mean_close(phi, np.full(k, 1 / k))
    a0 = alpha * k
    dirichlet_var = alpha * (a0 - alpha) / (a0**2 * (a0 + 1))
    pooled = ((phi - 1 / k) ** 2).mean(axis=1) / dirichlet_var  # one value per draw
    se = pooled.std() / math.sqrt(len(pooled))
    assert abs(pooled.mean() - ratio) < 0.005 + Z * se, pooled.mean()


def test_from_dirichlet_means_for_unequal_concentrations():
    """Within 0.01 of the Dirichlet's α_k / Σα for concentrations within a factor 4.

    The documented accuracy (exact only by symmetry); measured 0.0064 at α = (1, 2, 4).
    """
    alpha = np.array([1.0, 2.0, 4.0])
    mean, cov = rf.LogisticNormal.from_dirichlet(alpha).log_weights(list("abc"), list("abc"))
    phi = logistic_normal_draws(mean, cov, 400_000, seed=2)
    assert np.max(np.abs(phi.mean(axis=0) - alpha / alpha.sum())) < 0.01


def test_from_alr_is_the_papers_parameterisation():
    """from_alr(μ, S) gives exactly log(φ_k/φ_K) ~ N(μ, S): catches a misplaced reference."""
    mu, cov = [0.3, -1.0], [[1.0, 0.4], [0.4, 0.5]]
    mean, full = rf.LogisticNormal.from_alr(mu, cov).log_weights(list("abc"), list("abc"))
    draws = log_ratios(logistic_normal_draws(mean, full, 100_000, seed=3))
    assert_mean_close(draws, np.array(mu))
    assert_cov_close(draws, np.array(cov))


# --- the prior the PyMC model holds --------------------------------------------------------

FOUR = "v ~ x + x3 + (x|g)"  # components x, x3, 1|g, x|g
STATED = rf.LogisticNormal(
    mean={"1|g": 1.0, "x": -0.5},
    sd=[0.6, 1.5, 1.0, 0.8],
    corr={("x", "x3"): 0.7, ("x3", "1|g"): -0.4},
)


def stated_log_weights():
    """STATED's log-weights written out by hand, in model order."""
    mean = np.array([-0.5, 0.0, 1.0, 0.0])
    sd = np.array([0.6, 1.5, 1.0, 0.8])
    corr = np.eye(4)
    corr[0, 1] = corr[1, 0] = 0.7
    corr[1, 2] = corr[2, 1] = -0.4
    return mean, corr * np.outer(sd, sd)


@pytest.fixture(scope="module")
def four_component_model():
    model = rf.Model(FOUR, simulated(), family="gaussian", prior=rf.R2D2(shares=STATED))
    assert model.components == ["x", "x3", "1|g", "x|g"]
    return model


def model_phi_draws(model: rf.Model, n: int = 4000, seed: int = 11) -> np.ndarray:
    pymc_model = _bambi.pymc_model(model.bambi_model)
    return np.asarray(pm.draw(pymc_model["phi"], draws=n, random_seed=seed))


def phi_matches_stated(phi: np.ndarray) -> bool:
    """ALR moments within Z SE, KS of each coordinate and of a mixed projection."""
    mean, cov = ratio_moments(*stated_log_weights())
    draws = log_ratios(phi)
    try:
        assert_mean_close(draws, mean)
        assert_cov_close(draws, cov)
    except AssertionError:
        return False
    direction = np.array([1.0, -2.0, 0.5])  # a projection sees the correlations
    checks = [(draws[:, k], mean[k], cov[k, k]) for k in range(3)]
    checks.append((draws @ direction, direction @ mean, direction @ cov @ direction))
    limit = ks_limit(len(draws))
    return all(
        stats.kstest(x, stats.norm(m, math.sqrt(v)).cdf).statistic < limit for x, m, v in checks
    )


def test_prior_of_phi_is_the_stated_logistic_normal(four_component_model):
    """Forward draws of the model's φ: log-ratios Normal with the stated moments.

    Catches the reference put first instead of last, a correlation put on the wrong
    pair, a transposed Cholesky factor (next test), a missing softmax normalisation.
    """
    phi = model_phi_draws(four_component_model)
    assert np.allclose(phi.sum(axis=1), 1.0)
    assert phi_matches_stated(phi)


def test_mutation_transposed_cholesky_is_detected(four_component_model, monkeypatch):
    """The check above fails for log-ratios mean + Lᵀz (covariance LᵀL instead of LLᵀ)."""
    true_factor = _shares.ALRShares.cholesky.fget
    monkeypatch.setattr(_shares.ALRShares, "cholesky", property(lambda s: true_factor(s).T))
    model = rf.Model(FOUR, simulated(), family="gaussian", prior=rf.R2D2(shares=STATED))
    assert not phi_matches_stated(model_phi_draws(model))


def test_plan_holds_the_prior_means_of_phi(four_component_model):
    """What centering and plot_phi read as the prior mean of φ (concentration / sum).

    Catches the plan keeping the Dirichlet's concentration (a flat 1/K) for
    logistic-normal shares. Monte-Carlo error of both means is below 0.004.
    """
    plan = four_component_model.plan
    expected = logistic_normal_draws(*stated_log_weights(), 100_000, seed=4).mean(axis=0)
    got = np.asarray(plan.concentration) / np.sum(plan.concentration)
    assert np.max(np.abs(got - expected)) < 0.01
    assert np.argmax(got) == 2  # 1|g, the largest mean log-weight


@pytest.mark.parametrize(
    ("family", "formula", "beta"),
    [("poisson", "y ~ x + (1|g)", (2.0, 5.0)), ("gaussian", FOUR, (1.0, 1.0))],
)
def test_r2_prior_stays_beta_with_logistic_normal_shares(family, formula, beta):
    """R² ~ Beta(a, b) on the W density the model holds: the shares leave W's prior alone.

    Catches a W prior made to depend on φ (or built differently) for these shares.
    """
    prior = rf.R2D2(a=beta[0], b=beta[1], shares=STATED if formula == FOUR else "logistic-normal")
    model = rf.Model(formula, simulated(), family=family, prior=prior)
    relative = relative_r2_from_model_density(model, 3000, seed=5)
    assert stats.kstest(relative, stats.beta(*beta).cdf).statistic < ks_limit(3000)
    assert rf.implied_r2(model, draws=50, random_seed=1).shape == (50,)


def realised_variance_ratios(model: rf.Model, seed: int = 3) -> np.ndarray:
    """Per prior draw Var_rows(η)/W (identity link: mu is η)."""
    prior = pm.sample_prior_predictive(
        draws=2000,
        model=_bambi.pymc_model(model.bambi_model),
        var_names=["W", "mu"],
        random_seed=seed,
    )
    eta = prior.prior["mu"].values.reshape(2000, -1)
    return eta.var(axis=1) / prior.prior["W"].values.reshape(-1)


def test_realised_variance_of_eta_is_w_with_logistic_normal_shares():
    """With two components of mean share ½ each (by symmetry), E Var_rows(η)/W is that of
    the Dirichlet case: ½ (centered column) + ½ (1 − Σ n_l²/n²) (random intercept).

    Catches shares that do not sum to one (exp of the log-weights without the softmax's
    normalisation), and a φ that does not reach the coefficient and SD priors.
    """
    data = simulated()
    model = rf.Model(
        "v ~ x3 + (1|g)", data, family="gaussian", prior=rf.R2D2(shares="logistic-normal")
    )
    sizes = data["g"].value_counts().to_numpy()
    expected = 0.5 + 0.5 * (1 - np.sum(sizes**2) / len(data) ** 2)
    assert consistent(realised_variance_ratios(model), expected)


def test_mutation_unnormalised_shares_is_detected(monkeypatch):
    def unnormalised(model, alr):
        import pytensor.tensor as pt

        model.add_coord(_bambi.ALR_DIM, alr.names[:-1])
        z = pm.Normal(_bambi.ALR_OFFSET, 0.0, 1.0, dims=_bambi.ALR_DIM)
        weights = pt.exp(
            pt.concatenate([np.asarray(alr.mean) + pt.dot(alr.cholesky, z), pt.zeros(1)])
        )
        return pm.Deterministic("phi", weights, dims=_bambi.COMPONENT_DIM)

    monkeypatch.setattr(_bambi.priors, "_logistic_normal_phi", unnormalised)
    data = simulated()
    model = rf.Model(
        "v ~ x3 + (1|g)", data, family="gaussian", prior=rf.R2D2(shares="logistic-normal")
    )
    sizes = data["g"].value_counts().to_numpy()
    expected = 0.5 + 0.5 * (1 - np.sum(sizes**2) / len(data) ** 2)
    assert not consistent(realised_variance_ratios(model), expected)


def test_one_component_keeps_phi_one_but_checks_sizes():
    """A single component has φ = 1 (no log-ratio to sample); wrong sizes still fail."""
    data = simulated()
    model = rf.Model("v ~ x", data, family="gaussian", prior=rf.R2D2(shares=rf.LogisticNormal()))
    pymc_model = _bambi.pymc_model(model.bambi_model)
    assert _bambi.ALR_OFFSET not in pymc_model.named_vars
    assert model.plan.shares is None
    with pytest.raises(rf.PriorError, match=r"sd has 2 values but the model has 1 component"):
        rf.Model("v ~ x", data, prior=rf.R2D2(shares=rf.LogisticNormal(sd=[1.0, 2.0])))


# --- bad input: each message names the offending value -------------------------------------

BAD_CONSTRUCTIONS = [
    (lambda: rf.LogisticNormal(sd=0.0), r"sd must be positive, got 0\.0"),
    (lambda: rf.LogisticNormal(sd={"x": -1.0}), r"sd\['x'\] must be positive, got -1\.0"),
    (lambda: rf.LogisticNormal(mean=float("nan")), r"mean must be a finite number, got nan"),
    (lambda: rf.LogisticNormal(mean=[]), r"mean must be a flat, non-empty sequence"),
    (lambda: rf.LogisticNormal(corr={("x", "z"): 1.5}), r"must lie in \[-1, 1\], got 1\.5"),
    (lambda: rf.LogisticNormal(corr={"x": 0.5}), r"pairs of term or component names .* got 'x'"),
    (lambda: rf.LogisticNormal(corr=[[1.0, 2.0], [2.0, 1.0]]), r"entries in \[-1, 1\]"),
    (lambda: rf.LogisticNormal(cov=[[1.0, 2.0], [2.0, 1.0]]), r"cov is not positive semi-def"),
    (lambda: rf.LogisticNormal(cov=[[1.0, 0.5], [0.0, 1.0]]), r"cov must be symmetric"),
    (lambda: rf.LogisticNormal(sd=2.0, cov=np.eye(2)), r"give cov, or sd and corr, not both"),
    (lambda: rf.LogisticNormal.from_dirichlet(0.0), r"concentration must be positive, got 0\.0"),
    (lambda: rf.LogisticNormal.from_dirichlet({"x": 2.0}), r"got the mapping \{'x': 2\.0\}"),
    (lambda: rf.LogisticNormal.from_dirichlet([1.0, 2.0], 3), r"2 values but n_components is 3"),
    (lambda: rf.LogisticNormal.from_alr([0.0], [[1.0, 0.0], [0.0, 1.0]]), r"mean has 1 log-r"),
    (lambda: rf.LogisticNormal.from_alr(0.0, [[1.0, 1.0], [1.0, 1.0]]), r"positive definite"),
    (lambda: rf.R2D2(shares="logistic_normal"), r"did you mean 'logistic-normal'"),
    (lambda: rf.R2D2(shares=None), r"got None"),
    (
        lambda: rf.R2D2(concentration=0.5, shares=rf.LogisticNormal()),
        r"concentration=0\.5 belongs to the Dirichlet",
    ),
]


@pytest.mark.parametrize(("make", "message"), BAD_CONSTRUCTIONS)
def test_bad_arguments_raise_prior_errors(make, message):
    with pytest.raises(rf.PriorError, match=message):
        make()


NAMES = ["x", "x3", "1|g", "x|g"]
TERMS = ["x", "x3", "1|g", "x|g"]
BAD_FOR_THE_MODEL = [
    (rf.LogisticNormal(mean=[0.0, 1.0]), r"mean has 2 values but the model has 4 components"),
    (rf.LogisticNormal(sd={"x4": 2.0}), r"'x4'.*did you mean 'x'.*they are \['x', 'x3'"),
    (rf.LogisticNormal(corr={("x", "1g"): 0.5}), r"'1g', which is not a model component"),
    (rf.LogisticNormal(corr=np.eye(3)), r"corr has 3 values per side .* 4 components"),
    (rf.LogisticNormal(cov=np.eye(5)), r"cov has 5 values per side"),
    (rf.LogisticNormal(corr={("x", "x"): 0.5}), r"names the single component 'x' twice"),
    (
        rf.LogisticNormal(corr={("x", "x3"): 0.9, ("x3", "1|g"): 0.9, ("x", "1|g"): -0.9}),
        r"no valid correlation matrix .* \(smallest eigenvalue -0\.8\)",
    ),
    (rf.LogisticNormal(corr={("x", "x3"): 1.0}), r"ratio of two shares fixed"),
]


@pytest.mark.parametrize(("ln", "message"), BAD_FOR_THE_MODEL)
def test_shares_that_do_not_fit_the_components_raise(ln, message):
    from r2d2_formula._validate import check_shares

    with pytest.raises(rf.PriorError, match=message):
        check_shares(rf.R2D2(shares=ln), (1.0,) * 4, NAMES, TERMS)


def test_a_term_name_reaches_every_column_of_the_term():
    """corr and sd keyed by a categorical term apply to each dummy; a column's own entry wins;
    a term paired with itself correlates its columns with each other (not with others)."""
    names, terms = ["x", "C(a)[b]", "C(a)[c]"], ["x", "C(a)", "C(a)"]
    ln = rf.LogisticNormal(sd={"C(a)": 2.0, "C(a)[c]": 3.0}, corr={("C(a)", "x"): 0.5})
    _, cov = ln.log_weights(names, terms)
    sd = np.sqrt(np.diag(cov))
    assert sd.tolist() == [1.0, 2.0, 3.0]
    assert cov[0, 1] == pytest.approx(0.5 * 2.0) and cov[0, 2] == pytest.approx(0.5 * 3.0)
    assert cov[1, 2] == 0.0
    _, within = rf.LogisticNormal(corr={("C(a)", "C(a)"): 0.7}).log_weights(names, terms)
    assert within.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.7], [0.0, 0.7, 1.0]]


def test_draw_gives_named_shares_of_the_stated_distribution():
    """LogisticNormal.draw (the look at a prior before fitting) samples the stated prior."""
    phi = STATED.draw(NAMES, size=50_000, random_seed=6)
    assert list(phi.columns) == NAMES and np.allclose(phi.sum(axis=1), 1.0)
    mean, cov = ratio_moments(*stated_log_weights())
    draws = log_ratios(phi.to_numpy())
    assert_mean_close(draws, mean)
    assert_cov_close(draws, cov)
    assert rf.LogisticNormal().draw(["x"], size=3)["x"].tolist() == [1.0, 1.0, 1.0]


def test_model_refuses_shares_that_do_not_fit():
    """The size check runs when the model is built, with the model's own components."""
    with pytest.raises(rf.PriorError, match=r"sd has 3 values but the model has 4 components"):
        rf.Model(FOUR, simulated(), prior=rf.R2D2(shares=rf.LogisticNormal(sd=[1.0, 1.0, 1.0])))


# --- the prior as data: equality, repr, saving ----------------------------------------------

PRIORS = [
    rf.R2D2(),
    rf.R2D2(concentration={"1|g": 2.0}, shares="logistic-normal"),
    rf.R2D2(shares=STATED),
    rf.R2D2(a=2, b=3, shares=rf.LogisticNormal.from_alr([0.1, 0.2], [[1.0, 0.3], [0.3, 1.0]])),
    rf.R2D2(shares=rf.LogisticNormal(corr=np.eye(2) * 0.5 + 0.5)),
]


@pytest.mark.parametrize("prior", PRIORS, ids=repr)
def test_prior_round_trips_through_json(prior):
    """Catches to_dict/from_dict dropping or mangling the shares (a saved fit would reload
    with the wrong prior)."""
    again = rf.R2D2.from_dict(json.loads(json.dumps(prior.to_dict())))
    assert again == prior and hash(again) == hash(prior) and repr(again) == repr(prior)


def test_shares_distinguish_priors():
    assert rf.R2D2(shares="logistic-normal") != rf.R2D2()
    assert rf.R2D2(shares=rf.LogisticNormal(sd=2.0)) != rf.R2D2(shares=rf.LogisticNormal())
    keys = {"a", "b", "concentration", "method", "autoscale", "lkj_eta"}
    assert rf.R2D2().to_dict().keys() == keys
    assert "LogisticNormal(mean=" in rf.R2D2(shares=STATED)._repr_html_()
    assert "logistic-normal matched to Dirichlet(2)" in (
        rf.R2D2(concentration=2.0, shares="logistic-normal")._repr_html_()
    )


# --- fit and predict, three families ---------------------------------------------------------

FAMILY_SHARES = {
    "gaussian": rf.LogisticNormal(corr={("x1", "x2"): 0.8}),
    "poisson": "logistic-normal",
    "bernoulli": rf.LogisticNormal.from_alr([0.0, -0.5], [[1.0, 0.2], [0.2, 1.5]]),
}


@pytest.fixture(
    scope="module",
    # The gaussian fit in the default tier; the others (5-12 s each) in the slow tier.
    params=[
        pytest.param(f, marks=() if f == "gaussian" else pytest.mark.slow) for f in FAMILY_SHARES
    ],
)
def family_fit(request):
    family = request.param
    data, _ = simulate_glmm(family, seed=21, n=200, groups=10)
    prior = rf.R2D2(shares=FAMILY_SHARES[family])
    return rf.fit("y ~ x1 + x2 + (1|g)", data, family=family, prior=prior, **TINY)


def test_fit_reports_phi_as_with_the_dirichlet(family_fit):
    """Names, dims and tables keep the Dirichlet's form; φ is a point of the simplex.

    Catches the shares' offset vector leaking into summaries, φ on the wrong dimension
    or order, and shares that do not sum to one in the posterior.
    """
    posterior = family_fit.idata.posterior
    assert list(posterior["phi"].coords["r2d2_component"].values) == ["x1", "x2", "1|g"]
    assert np.allclose(posterior["phi"].sum("r2d2_component"), 1.0)
    table = family_fit.summary(warn=False)
    assert {"phi[x1]", "phi[x2]", "phi[1|g]", "R2", "W"} <= set(table.index)
    assert not any(name.startswith(_bambi.ALR_OFFSET) for name in table.index)
    decomposition = family_fit.decomposition()
    assert list(decomposition["component"]) == ["x1", "x2", "1|g"]
    assert decomposition["phi_mean"].sum() == pytest.approx(1.0)
    assert f"phi ~ {family_fit.model.prior.shares_text}" in family_fit.report()
    assert "phi ~ Dirichlet" not in family_fit.report()


def test_fit_predicts_new_data(family_fit):
    """Predictions for new rows, one of an unseen group: finite, one per row."""
    new = pd.DataFrame({"x1": [0.0, 1.0], "x2": [0.5, -0.5], "g": ["g01", "unseen"]})
    for kind in ("response_params", "response"):
        idata = family_fit.predict(new, kind=kind, random_seed=1)
        values = _bambi.prediction_draws(family_fit.model.bambi_model, idata, kind)
        assert values.shape == (100, 2) and np.all(np.isfinite(values)), kind


def test_plot_phi_marks_the_logistic_normal_prior_mean(family_fit):
    import matplotlib

    matplotlib.use("Agg")
    figure = family_fit.plot_phi()
    marks = [line for line in figure.axes[0].lines if line.get_label() == "prior mean"]
    plan = family_fit.model.plan
    expected = np.asarray(plan.concentration) / np.sum(plan.concentration)
    assert np.allclose(marks[0].get_xdata(), expected)
    matplotlib.pyplot.close(figure)


@pytest.mark.parametrize("family_fit", ["gaussian"], indirect=True)
def test_saved_fit_reloads_with_its_shares(family_fit, tmp_path):
    """Catches a save that drops the shares: the reloaded fit would be a Dirichlet model."""
    path = family_fit.save(tmp_path / "fit.nc")
    loaded = FitResult.load(path)
    assert loaded.model.prior == family_fit.model.prior
    assert loaded.model.plan.shares == family_fit.model.plan.shares


# --- the benchmark's quick mode ---------------------------------------------------------------


@pytest.mark.slow
def test_benchmark_quick_mode_writes_its_tables(tmp_path):
    """python -m benchmarks shares --quick fits both share priors and writes CSV and markdown."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[1]
    command = [sys.executable, "-m", "benchmarks", "shares", "--quick", "--datasets", "slopes"]
    command += ["--seeds", "1", "--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(tmp_path / "shares_quick.csv")
    assert list(table["variant"]) == ["dirichlet", "logistic-normal"]
    assert "error" not in table.columns and (table["min_ess_bulk"] > 0).all()
    assert "logistic-normal over Dirichlet" in (tmp_path / "shares_quick.md").read_text()
