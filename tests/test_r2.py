"""R² per family: closed forms and quadrature against independent numerical integration."""

import math

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from reference import (
    CONTINUOUS,
    OWN_CHECKS,
    PARAMETRIC,
    R2_FAMILIES,
    TRIALS,
    W_PRIOR_FAMILIES,
    bambi_draws,
    expectation,
    logit,
    logit_r2_binary,
    logit_r2_exp_family,
    r2_continuous,
    r2_grid,
    r2_parametric,
    scipy_proportion_variance,
    scipy_response,
    scipy_zinb,
)
from scipy import special, stats

from r2d2_formula import _r2 as R
from r2d2_formula._errors import FamilyError, UnsupportedError
from r2d2_formula._families import FAMILIES, REFUSED_FAMILIES, family_r2, get_family
from r2d2_formula._links import PROBIT

# logit R² differs by < 1e-6 ⇒ R² and 1 − R² both agree to < 1e-6 relative.
TOL = 1e-6

CLOSED_FORMS = [
    (R.Poisson(), {}, 1.0, {1: 1.0}),
    (R.Gamma(), {"alpha": 2.5}, 1.0, {2: 1 / 2.5}),
    (R.NegativeBinomial(), {"alpha": 1.7}, 1.0, {1: 1.0, 2: 1 / 1.7}),
    (R.ZeroInflatedPoisson(), {"psi": 0.7}, 0.7, {1: 0.7, 2: 0.7 * 0.3}),
]


def relative_logit(family, W, beta0, theta):
    """logit R² (absolute, not relative to R²max) from the package."""
    return logit(float(family.r2(W, beta0, theta)))


@pytest.mark.parametrize(
    ("family", "theta", "c", "var_terms"), CLOSED_FORMS, ids=lambda v: getattr(v, "name", "")
)
def test_log_link_closed_forms_match_quad(family, theta, c, var_terms):
    for W, beta0 in r2_grid():
        expected = logit_r2_exp_family(beta0, W, c, var_terms)
        r2 = float(family.r2(W, beta0, theta))
        # Compare on the scale of R² and of 1 − R² (the latter matters near the bound).
        ref = 1 / (1 + math.exp(-expected))
        assert r2 == pytest.approx(ref, rel=TOL), (W, beta0)
        assert 1 - r2 == pytest.approx(1 - ref, rel=TOL), (W, beta0)


def test_gaussian_closed_form():
    W = np.array([1e-4, 0.5, 50.0])
    np.testing.assert_allclose(R.Gaussian().r2(W, 3.0, {"sigma": 2.0}), W / (W + 4.0), rtol=1e-14)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("trials", [1.0, 7.5])
def test_binary_quadrature_matches_quad(link, trials):
    family = R.Binary(link, trials=trials)
    for W, beta0 in r2_grid():
        expected = logit_r2_binary(beta0, W, link, trials)
        assert float(family.logit_r2(W, beta0, {}, R.NUMPY)) == pytest.approx(expected, abs=TOL), (
            W,
            beta0,
        )


def test_probit_mean_matches_closed_form():
    # E Φ(η) = Φ(β₀ / sqrt(1 + W)): checks the latent-variable rule against a closed form.
    from scipy import stats

    m, log_w_one, _, _ = R._latent_rule(PROBIT)
    w_one = np.exp(log_w_one)
    for W, beta0 in [(1.0, 0.3), (10.0, -2.0), (1e4, 3.0)]:
        value = np.sum(w_one * stats.norm.cdf((beta0 - m) / math.sqrt(W)))
        assert value == pytest.approx(stats.norm.cdf(beta0 / math.sqrt(1 + W)), rel=1e-12)


ALL_FAMILIES = [
    (R.Gaussian(), {"sigma": 1.3}),
    (R.Poisson(), {}),
    (R.Gamma(), {"alpha": 2.5}),
    (R.NegativeBinomial(), {"alpha": 1.7}),
    (R.ZeroInflatedPoisson(), {"psi": 0.7}),
    (R.Binary("logit"), {}),
    (R.Binary("probit", trials=4.0), {}),
    (R.Binary("cloglog"), {}),
    *((family, theta) for family, theta in W_PRIOR_FAMILIES if family.name in CONTINUOUS),
    *((family, theta) for family, theta in R2_FAMILIES if family.name in PARAMETRIC),
    *((family, theta) for family, theta in R2_FAMILIES if family.name in OWN_CHECKS),
]
IDS = [f"{f.name}-{f.link}" for f, _ in ALL_FAMILIES]
#: The cases of the families with a random parameter in R² (beta, beta-binomial, ZINB).
PARAMETRIC_CASES = [(f, th) for f, th in R2_FAMILIES if f.name in PARAMETRIC]
PARAMETRIC_IDS = [f"{f.name}-{f.link}" for f, _ in PARAMETRIC_CASES]


@pytest.mark.parametrize(("family", "theta"), ALL_FAMILIES, ids=IDS)
@pytest.mark.parametrize("beta0", [-6.0, -1.0, 0.0, 2.5, 6.0])
def test_r2_increases_with_w(family, theta, beta0):
    W = np.geomspace(1e-12, 1e4, 2000)
    L = family.logit_r2(W, beta0, theta, R.NUMPY)
    assert np.all(np.isfinite(L))
    assert np.all(np.diff(L) > 0)


@pytest.fixture(scope="module")
def compiled():
    """PyTensor logit R² and the W-derivative W's density uses, for each family, compiled once."""
    W, b = pt.dscalar("W"), pt.dscalar("beta0")
    out = {}
    for family, theta in ALL_FAMILIES:
        sym_theta = {k: pt.constant(v, dtype="float64") for k, v in theta.items()}
        L, slope = family.logit_r2_and_slope(W, b, sym_theta, R.pytensor_ops())
        out[f"{family.name}-{family.link}"] = pytensor.function(
            [W, b], [L, slope], mode="FAST_COMPILE", on_unused_input="ignore"
        )
    return out


@pytest.mark.parametrize(("family", "theta"), ALL_FAMILIES, ids=IDS)
def test_pytensor_matches_numpy_with_finite_positive_slope(family, theta, compiled):
    fn = compiled[f"{family.name}-{family.link}"]
    for W in [1e-300, 1e-9, 1e-6 * 0.999, 1e-6 * 1.001, 0.2, 0.999999, 1.000001, 7.0, 1e3, 1e5]:
        for beta0 in [-5.0, 0.0, 4.0]:
            L, slope = fn(W, beta0)
            assert float(L) == pytest.approx(
                float(family.logit_r2(W, beta0, theta, R.NUMPY)), rel=1e-10, abs=1e-10
            )
            assert np.isfinite(slope) and slope > 0, (W, beta0, slope)


@pytest.mark.parametrize(("family", "theta"), ALL_FAMILIES, ids=IDS)
def test_slope_matches_finite_differences_of_the_numpy_logit(family, theta, compiled):
    """Catches a wrong closed-form slope (binary quadrature: a lost 1/2, a sign, a node weight).

    Central differences in log W with step h err by O(h²) ≈ 1e-10 relative; the points
    avoid the rule switches, where the difference would straddle two rules.
    """
    fn = compiled[f"{family.name}-{family.link}"]
    h = 1e-5
    for W in [1e-8, 3e-4, 0.05, 0.4, 2.5, 30.0, 800.0]:
        for beta0 in [-7.0, -1.3, 0.0, 0.6, 3.0]:
            up, down = (family.logit_r2(W * math.exp(s), beta0, theta, R.NUMPY) for s in (h, -h))
            numeric = (up - down) / (2 * h * W)
            assert fn(W, beta0)[1] == pytest.approx(numeric, rel=1e-5), (W, beta0)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_binary_closed_form_slope_equals_autodiff(link):
    """The closed form and PyTensor's gradient of the same quadrature agree to rounding."""
    family = R.Binary(link=link, trials=3.0)
    W, b = pt.dvector("W"), pt.dvector("beta0")
    ops = R.pytensor_ops()
    _, slope = family.logit_r2_and_slope(W, b, {}, ops)
    autodiff = pt.grad(family.logit_r2(W, b, {}, ops).sum(), W)
    fn = pytensor.function([W, b], [slope, autodiff], mode="FAST_COMPILE")
    grid = np.exp(np.linspace(-18.0, 9.0, 40))
    for beta0 in [-9.0, -0.5, 0.0, 2.0, 8.0]:
        direct, reference = fn(grid, np.full_like(grid, beta0))
        np.testing.assert_allclose(direct, reference, rtol=1e-9)


def test_slope_is_continuous_across_rule_switches(compiled):
    fn = compiled["bernoulli-logit"]
    for switch in (R.TAYLOR_SWITCH_W, R.LATENT_SWITCH_W):
        below = fn(switch * (1 - 1e-9), 0.7)[1]
        above = fn(switch * (1 + 1e-9), 0.7)[1]
        assert above == pytest.approx(below, rel=1e-5)


def test_bounded_families_report_r2max():
    assert R.Gamma().r2max({"alpha": 3.0}, R.NUMPY) == pytest.approx(0.75)
    assert R.NegativeBinomial().r2max({"alpha": 1.0}, R.NUMPY) == pytest.approx(0.5)
    assert R.ZeroInflatedPoisson().r2max({"psi": 0.6}, R.NUMPY) == pytest.approx(0.6)
    zinb = R.ZeroInflatedNegativeBinomial()
    assert zinb.r2max({"alpha": 3.0, "psi": 0.6}, R.NUMPY) == pytest.approx(0.45)
    assert float(R.Gamma().r2(1e4, 0.0, {"alpha": 3.0})) == pytest.approx(0.75, rel=1e-12)


def test_family_lookup_and_errors():
    assert isinstance(family_r2("poisson"), R.Poisson)
    assert family_r2("binomial", trials=5.0).trials == 5.0
    with pytest.raises(FamilyError, match="got 'weibul'"):
        family_r2("weibul")
    with pytest.raises(UnsupportedError, match="link 'identity'"):
        family_r2("poisson", "identity")
    with pytest.raises(UnsupportedError, match="family 'bernoulli' with link 'log'"):
        family_r2("bernoulli", "log")


class _TiltedClosedForm(R.TiltedQuadrature):
    """A log-link family described to the generic quadrature by constant h and g_k."""

    def __init__(self, h, terms):
        object.__setattr__(self, "_h", h)
        object.__setattr__(self, "_terms", terms)

    def mean_factor(self, eta, theta, ops):
        return self._h + 0.0 * eta

    def variance_terms(self, eta, theta, ops):
        return {k: g + 0.0 * eta for k, g in self._terms.items()}


@pytest.mark.parametrize(
    ("family", "theta", "quadrature"),
    [
        (R.Poisson(), {}, _TiltedClosedForm(1.0, {1: 1.0})),
        (R.Gamma(), {"alpha": 2.5}, _TiltedClosedForm(1.0, {2: 0.4})),
        (R.NegativeBinomial(), {"alpha": 1.7}, _TiltedClosedForm(1.0, {1: 1.0, 2: 1 / 1.7})),
        (R.ZeroInflatedPoisson(), {"psi": 0.7}, R.ZeroInflatedPoissonQuadrature()),
        (
            R.ZeroInflatedNegativeBinomial(),
            {"alpha": 1.7, "psi": 0.7},
            _TiltedClosedForm(0.7, {1: 0.7, 2: 0.7 * (1 / 1.7 + 0.3)}),
        ),
    ],
    ids=["poisson", "gamma", "negativebinomial", "zero_inflated_poisson", "zinb"],
)
def test_closed_forms_match_the_generic_quadrature(family, theta, quadrature):
    for W, beta0 in r2_grid():
        closed = float(family.r2(W, beta0, theta))
        quad = float(quadrature.r2(W, beta0, theta))
        assert quad == pytest.approx(closed, rel=TOL), (W, beta0)
        assert 1 - quad == pytest.approx(1 - closed, rel=TOL), (W, beta0)


def _offset_r2_reference(W, beta0, offsets):
    """(R² − R²₀)/(1 − R²₀) from moments averaged over observations, no algebra shared."""

    def r2(w):
        mu1 = np.mean(np.exp(offsets + beta0 + w / 2))
        mu2 = np.mean(np.exp(2 * (offsets + beta0) + 2 * w))
        var_mu = mu2 - mu1**2
        return var_mu / (var_mu + mu1)

    r0 = r2(0.0)
    return (r2(W) - r0) / (1 - r0)


@pytest.mark.parametrize("spread", [0.0, 0.3, 1.2])
def test_poisson_offset_r2(spread):
    offsets = np.log(np.random.default_rng(3).uniform(1.0, 1.0 + 10 * spread, 500))
    family = R.PoissonOffset.from_offsets(offsets)
    for W in [1e-3, 0.1, 1.0, 4.0]:
        for beta0 in [-2.0, 0.0, 1.5]:
            expected = _offset_r2_reference(W, beta0, offsets)
            assert float(family.r2(W, beta0, {})) == pytest.approx(expected, rel=1e-9)
    assert np.all(np.diff(family.logit_r2(np.geomspace(1e-8, 1e3, 500), 0.2, {}, R.NUMPY)) > 0)


def test_linear_scale_is_the_delta_method():
    """s² = σ²(β₀)/μ'(β₀)², checked by finite differences of the NumPy moments."""
    h = 1e-6
    for family, theta in ALL_FAMILIES:
        if family.name == "vonmises":  # no variance on the line: see the test below
            continue
        for beta0 in [-1.0, 0.5, 2.0]:
            mean_hi, _ = family.moments(np.array(beta0 + h), theta)
            mean_lo, _ = family.moments(np.array(beta0 - h), theta)
            _, variance = family.moments(np.array(beta0), theta)
            slope = (mean_hi - mean_lo) / (2 * h)
            expected = np.log(variance / slope**2)
            got = family.log_linear_scale(beta0, theta, R.NUMPY)
            assert float(got) == pytest.approx(float(expected), abs=1e-6), family.name


# --- Bambi's other continuous families -------------------------------------------------------

#: Each continuous family at its W-prior test parameters, and at parameters far from them.
CONTINUOUS_CASES = [
    (name, theta)
    for family, base in W_PRIOR_FAMILIES
    if (name := family.name) in CONTINUOUS
    for theta in (base, {k: v * (0.3 if k != "nu" else 4.0) for k, v in base.items()})
]
CONTINUOUS_IDS = [f"{name}-{i % 2}" for i, (name, _) in enumerate(CONTINUOUS_CASES)]


@pytest.mark.parametrize(("name", "theta"), CONTINUOUS_CASES, ids=CONTINUOUS_IDS)
def test_continuous_r2_matches_quad_of_scipy_moments(name, theta):
    """R² against E over η ~ N(β₀, W) (scipy.integrate.quad) of the conditional moments that
    scipy.stats gives for the distribution in PyMC's parameterisation (``reference``)."""
    family = CONTINUOUS[name]
    for W, beta0 in r2_grid():
        expected = r2_continuous(name, W, beta0, theta)
        r2 = float(family.r2(W, beta0, theta))
        assert r2 == pytest.approx(expected, rel=TOL), (W, beta0)
        assert 1 - r2 == pytest.approx(1 - expected, rel=TOL), (W, beta0)


@pytest.mark.parametrize(("name", "theta"), CONTINUOUS_CASES, ids=CONTINUOUS_IDS)
def test_continuous_moments_and_r2max_match_scipy(name, theta):
    """The package's E(Y | η), Var(Y | η) (the t: its squared scale) and R²max against scipy.

    R²max is the limit of R² as W grows: 1 on the identity links; m²/(m² + v) where
    μ(η) = m e^η and σ²(η) = v e^(2η) (the log scale families).
    """
    family = CONTINUOUS[name]
    log_scale = family.link == "log" or family.bounded
    for eta in (-2.0, 0.3, 1.7):
        mu = math.exp(eta) if family.link == "log" else eta
        dist = scipy_response(name, mu, theta)
        mean, variance = family.moments(np.array(eta), theta)
        assert float(mean) == pytest.approx(float(dist.mean()), rel=1e-12, abs=1e-12)
        spread = dist.kwds["scale"] ** 2 if name == "t" else dist.var()
        assert float(variance) == pytest.approx(float(spread), rel=1e-12)
    if log_scale:
        m, v = scipy_response(name, 1.0 if family.link == "log" else 0.0, theta).stats("mv")
        expected_max = float(m**2 / (m**2 + v))
    else:
        expected_max = 1.0
    assert float(family.r2max(theta, R.NUMPY)) == pytest.approx(expected_max, rel=1e-12)
    # The intercept's prior centre inverts the mean: g(E y | η = 0.3) = 0.3.
    mean_at, _ = family.moments(np.array(0.3), theta)
    assert family.link_of_mean(float(mean_at), theta) == pytest.approx(0.3, abs=1e-12)


#: (W, β₀) where the families with a random parameter are also checked at parameters far
#: from their W-prior ones (their scipy quad reference costs ~40 ms a point).
FAR_GRID = [(w, b) for w in (1e-2, 3.0, 50.0) for b in (-4.0, 0.0, 4.0)]


def _far(theta):
    """The family parameters moved far from their test values (ψ towards 0)."""
    return {k: v * 0.3 if k != "psi" else 0.15 for k, v in theta.items()}


@pytest.mark.parametrize(("family", "theta"), PARAMETRIC_CASES, ids=PARAMETRIC_IDS)
def test_parametric_r2_matches_quad_of_scipy_moments(family, theta):
    """Beta, beta-binomial, zero-inflated NB: R² against quad over η ~ N(β₀, W) of the
    conditional moments scipy.stats gives for PyMC's distribution as Bambi parameterises it
    (``reference.r2_parametric``: Beta(pκ, (1 − p)κ), BetaBinomial(n, pκ, (1 − p)κ) over
    trials 3, 12, 12, and the mixture of 0 and nbinom(α, α/(α + μ)))."""
    for th, grid in ((theta, r2_grid()), (_far(theta), FAR_GRID)):
        for W, beta0 in grid:
            expected = r2_parametric(family, W, beta0, th)
            r2 = float(family.r2(W, beta0, th))
            assert r2 == pytest.approx(expected, rel=TOL), (th, W, beta0)
            assert 1 - r2 == pytest.approx(1 - expected, rel=TOL), (th, W, beta0)


@pytest.mark.parametrize(("family", "theta"), PARAMETRIC_CASES, ids=PARAMETRIC_IDS)
def test_parametric_moments_r2max_and_link_of_mean_match_scipy(family, theta):
    """E(Y | η) and Var(Y | η) against scipy at several η (on the proportion scale k/n for
    the beta-binomial, averaged over the trials), R²max against its limit in W (ψα/(α + 1)
    for the ZINB, 1 for the beta families), and the intercept's centre inverts the mean."""
    for th in (theta, _far(theta)):
        for eta in (-3.0, -0.4, 0.0, 1.1, 3.0):
            mean, variance = family.moments(np.array(eta), th)
            if family.name == "zero_inflated_negativebinomial":
                expected = scipy_zinb(math.exp(eta), th)
            else:
                p = family.latent.log_cdf(np.array(eta), R.NUMPY)
                p, q = float(np.exp(p[0])), float(np.exp(p[1]))
                expected = (p, scipy_proportion_variance(family.name, th)(p, q))
            assert float(mean) == pytest.approx(expected[0], rel=1e-12)
            assert float(variance) == pytest.approx(expected[1], rel=1e-10)
        # 1 − R² falls like e^(−W) on the log link, like W^(−1/2) on the latent ones.
        limit = float(family.r2(1e3 if family.link == "log" else 1e30, 0.2, th))
        r2_max = float(family.r2max(th, R.NUMPY))
        assert limit == pytest.approx(r2_max, rel=1e-9)
        if family.name == "zero_inflated_negativebinomial":
            assert r2_max == pytest.approx(th["psi"] * th["alpha"] / (th["alpha"] + 1), rel=1e-14)
        mean_at, _ = family.moments(np.array(0.3), th)
        assert family.link_of_mean(float(mean_at), th) == pytest.approx(0.3, abs=1e-10)


def test_beta_families_reduce_to_bernoulli_and_binomial():
    """κ → ∞: the beta-binomial is the binomial; one trial: the bernoulli, for any κ."""
    W, beta0 = np.geomspace(1e-8, 1e4, 13), 0.7
    binomial = R.Binary("probit", trials=6.0).logit_r2(W, beta0, {}, R.NUMPY)
    huge = R.BetaBinomial("probit", trials=6.0).logit_r2(W, beta0, {"kappa": 1e15}, R.NUMPY)
    np.testing.assert_allclose(huge, binomial, atol=1e-12)
    one = R.BetaBinomial("cloglog", trials=1.0).logit_r2(W, beta0, {"kappa": 0.3}, R.NUMPY)
    bernoulli = R.Binary("cloglog").logit_r2(W, beta0, {}, R.NUMPY)
    np.testing.assert_allclose(one, bernoulli, atol=1e-14)


#: Pairs (y₁, y₂) drawn independently given one η, and the batches their error is taken over.
MC_PAIRS, MC_BATCHES = 200_000, 50
#: Allowed distance in standard errors (batch means: |t₄₉| > 4.5 with probability 4e-5).
MC_Z = 4.5


def _pair_r2(y1, y2):
    """Cov(y₁, y₂)/Var(y): for y₁, y₂ independent given η, Cov = Var E(Y | η) (no formula)."""
    centre = (y1.mean(axis=-1) + y2.mean(axis=-1))[..., None] / 2
    cov = ((y1 - centre) * (y2 - centre)).mean(axis=-1)
    var = (((y1 - centre) ** 2).mean(axis=-1) + ((y2 - centre) ** 2).mean(axis=-1)) / 2
    return cov / var


MC_CASES = [
    *(
        (CONTINUOUS[name], dict((f.name, th) for f, th in W_PRIOR_FAMILIES)[name])
        for name in CONTINUOUS
    ),
    *PARAMETRIC_CASES,
]


@pytest.mark.parametrize(
    ("family", "theta"), MC_CASES, ids=[f"{f.name}-{f.link}" for f, _ in MC_CASES]
)
def test_continuous_r2_matches_monte_carlo_of_bambis_likelihood(family, theta):
    """R² and E(Y | η) against Monte Carlo of Y drawn from Bambi's own likelihood.

    η ~ N(β₀, W), then two draws of Y given each η: Cov(y₁, y₂)/Var(y) estimates R² with no
    moment formula at all. The tolerance is MC_Z standard errors from 50 batch means. For
    the t the R² is scale-based by definition, so instead the standardised residual
    (y − η)/σ must be Student t with ν degrees of freedom (KS 0.1% level). The
    beta-binomial's y is k/n with n drawn from ``reference.TRIALS`` per η (independently of
    it): their harmonic mean is the family's ``trials``, so this checks n_eff too.
    """
    name = family.name
    W, beta0 = 0.6, 0.4
    rng = np.random.default_rng(7)
    eta = rng.normal(beta0, math.sqrt(W), MC_PAIRS)
    trials = rng.choice(TRIALS, MC_PAIRS) if name == "beta_binomial" else None
    y = bambi_draws(
        name,
        np.concatenate([eta, eta]),
        theta,
        seed=8,
        trials=None if trials is None else np.concatenate([trials, trials]),
        link=family.link,
    )
    if trials is not None:
        assert 1 / np.mean(1 / TRIALS) == pytest.approx(family.trials)
        y = y / np.concatenate([trials, trials])
    y1, y2 = y[:MC_PAIRS], y[MC_PAIRS:]
    mean, _ = family.moments(eta, theta)
    gap = np.concatenate([y1 - mean, y2 - mean])
    assert abs(gap.mean()) < MC_Z * gap.std() / math.sqrt(gap.size), "E(Y | η)"
    if name == "t":
        residual = (y1 - eta) / theta["sigma"]
        ks = stats.kstest(residual, stats.t(theta["nu"]).cdf).statistic
        assert ks < 1.95 / math.sqrt(MC_PAIRS)
        return
    batches = _pair_r2(y1.reshape(MC_BATCHES, -1), y2.reshape(MC_BATCHES, -1))
    standard_error = batches.std(ddof=1) / math.sqrt(MC_BATCHES)
    estimate = _pair_r2(y1, y2)
    assert abs(estimate - float(family.r2(W, beta0, theta))) < MC_Z * standard_error


STABILITY_CASES = [
    (f, th) for f, th in ALL_FAMILIES if f.name in (*CONTINUOUS, *PARAMETRIC, *OWN_CHECKS)
]


def _scaled(theta, scale):
    """Positive parameters times ``scale``; ψ at 1e-3, its value, 1 − 1e-3 instead."""
    psi = {1e-3: 1e-3, 1.0: theta.get("psi"), 1e3: 1 - 1e-3}[scale]
    return {k: v * scale if k != "psi" else psi for k, v in theta.items()}


@pytest.mark.parametrize(
    ("family", "base"), STABILITY_CASES, ids=[f"{f.name}-{f.link}" for f, _ in STABILITY_CASES]
)
def test_continuous_r2_is_finite_and_increasing_from_1e_20_to_1e20(family, base, compiled):
    """NumPy and PyTensor, the logit and W's slope, at the family parameters' extremes too."""
    W = np.geomspace(1e-20, 1e20, 801)
    for scale in (1e-3, 1.0, 1e3):
        theta = _scaled(base, scale)
        logit_r = family.logit_r2(W, 0.5, theta, R.NUMPY)
        assert np.all(np.isfinite(logit_r)) and np.all(np.diff(logit_r) > 0), scale
        r2 = family.r2(W, 0.5, theta)
        assert np.all((r2 >= 0) & (r2 <= family.r2max(theta, R.NUMPY))), scale
    fn = compiled[f"{family.name}-{family.link}"]
    for w in (1e-20, 1e-3, 1.0, 1e3, 1e20):
        for beta0 in (-30.0, 0.0, 30.0):
            L, slope = fn(w, beta0)
            expected = family.logit_r2(w, beta0, base, R.NUMPY)
            # The binary quadrature's latent-variable rule (beta, beta-binomial) gets
            # E p(1 − p) as E p − E p², which loses ~√W·1e-16 relative: 3e-6 at W = 1e20.
            lost = 1e-5 if isinstance(family, R.Binary) and w > 1e3 else 0.0
            assert float(L) == pytest.approx(float(expected), rel=1e-12, abs=lost), (w, beta0)
            assert np.isfinite(slope) and slope > 0, (w, beta0, slope)


def test_weibull_variance_ratio_is_accurate_for_any_shape():
    """c = Γ(1+2/α)/Γ(1+1/α)² − 1 to 1e-12 relative from α = 1e-2 to 1e8 (mpmath, 40 digits).

    Above α ≈ 1e5 the direct difference of log-gammas loses every digit: a series takes over.
    """
    import mpmath

    mpmath.mp.dps = 40
    for alpha in (0.01, 0.3, 1.0, 7.0, 99.0, 101.0, 1e4, 1e8):
        x = 1 / mpmath.mpf(alpha)
        c = mpmath.expm1(mpmath.loggamma(1 + 2 * x) - 2 * mpmath.loggamma(1 + x))
        got = R.Weibull().log_cv2({"alpha": alpha}, R.NUMPY)
        assert float(got) == pytest.approx(float(mpmath.log(c)), rel=1e-12, abs=1e-12), alpha


def test_families_map_bambi_names_and_links():
    """Every family object's R² names its parameters as Bambi's family does, and the link
    the package uses by default is Bambi's default link (gamma: log, Bambi: inverse)."""
    from bambi.defaults.families import BUILTIN_FAMILIES

    for name, family in FAMILIES.items():
        bambi = BUILTIN_FAMILIES[name]
        params = bambi["likelihood"]["params"]
        parent = bambi["likelihood"]["parent"]
        # Every parameter Bambi gives the family, besides the mean, is named on ours.
        others = sorted(set(params) - {parent})
        assert sorted(family.parameters(family.default_link)) == others, name
        if name != "gamma":
            assert family.default_link.name == bambi["link"][parent], name


def _wald_log_link_r2(W, beta0, lam):
    """VaDeR R² of the Wald (inverse Gaussian) with log link: Var(Y | η) = μ³/λ."""
    e1 = expectation(math.exp, beta0, W, log_f=lambda e: e)
    e2 = expectation(lambda e: math.exp(2 * e), beta0, W, log_f=lambda e: 2 * e)
    e3 = expectation(lambda e: math.exp(3 * e), beta0, W, log_f=lambda e: 3 * e)
    return (e2 - e1 * e1) / (e2 - e1 * e1 + e3 / lam)


def test_every_bambi_family_is_fitted_or_refused():
    """A family Bambi adds in a later release must be decided on, not silently unknown."""
    from bambi.defaults.families import BUILTIN_FAMILIES

    assert set(FAMILIES).isdisjoint(REFUSED_FAMILIES)
    assert set(FAMILIES) | set(REFUSED_FAMILIES) == set(BUILTIN_FAMILIES)


def test_every_bambi_link_of_a_fitted_family_is_fitted_or_refused():
    """Each link Bambi allows for a family's mean is either fitted or refused with a reason,
    never both (a refused link shadows a fitted one) and never unknown."""
    from bambi.defaults.families import BUILTIN_FAMILIES

    for name, family in FAMILIES.items():
        bambi = BUILTIN_FAMILIES[name]
        allowed = set(bambi["family"].SUPPORTED_LINKS[bambi["likelihood"]["parent"]])
        fitted = {link.name for link in family.links}
        refused = {link for link, _ in family.refused_links}
        assert fitted.isdisjoint(refused), name
        assert fitted | refused == allowed, name


def test_refused_families_and_links_say_why():
    """wald: R² rises then falls in W (checked here by quad), so no W prior can make it
    Beta; the reciprocal links have no E μ(η) under a Gaussian η."""
    r2 = [_wald_log_link_r2(w, 0.0, 1.0) for w in (1e-3, 0.05, 0.3, 1.0, 3.0)]
    assert r2[1] > r2[0] and r2[-1] < r2[-2] < r2[-3], r2
    with pytest.raises(UnsupportedError, match=r"'wald' is not supported: .*rise and then fall"):
        get_family("wald")
    for family in ("gamma", "weibull", "exponential"):
        with pytest.raises(UnsupportedError, match=r"link 'inverse' .* does not exist"):
            family_r2(family, "inverse")


# --- ordinal, hurdle and circular responses: each R² from an independent computation ------


@pytest.mark.parametrize(
    ("link", "latent"),
    [("logit", stats.logistic), ("probit", stats.norm), ("cloglog", stats.gumbel_l)],
)
def test_ordinal_r2_is_that_of_the_links_latent_variable(link, latent):
    """Catches a wrong latent variance (e.g. π²/6 for the logit): Bambi's cumulative model
    is P(y ≤ k) = F(τ_k − η), F the link's inverse, which must be scipy's CDF of the latent
    error ε (y* = η + ε ≤ τ_k); R² is then Var η / (Var η + Var ε), scipy's variance."""
    x = np.linspace(-6, 3, 37)
    np.testing.assert_allclose(get_family("cumulative").link(link).inverse(x), latent.cdf(x))
    W = np.geomspace(1e-6, 1e6, 25)
    r2 = R.Ordinal(link).r2(W, 0.7, {})
    np.testing.assert_allclose(r2, W / (W + latent.var()), rtol=1e-12)


@pytest.mark.slow  # 6 s of draws
def test_bambis_cumulative_likelihood_is_the_coarsened_latent_variable():
    """Categories drawn from Bambi's own cumulative likelihood have the frequencies of
    y* = η + ε cut at the thresholds, ε logistic (what the latent R² assumes)."""
    import pymc as pm
    from bambi.defaults.families import get_builtin_family

    family = get_builtin_family("cumulative")
    thresholds, eta = np.array([-1.0, 0.5, 2.0]), 0.8
    cdf = family.link["p"].linkinv(thresholds - eta)
    kwargs = family.transform_backend_kwargs({"p": cdf[None, :], "threshold": thresholds})
    draws = pm.draw(pm.Categorical.dist(p=kwargs["p"][0]), draws=200_000, random_seed=3)
    frequencies = np.bincount(draws, minlength=4) / draws.size
    expected = np.diff(np.concatenate([[0.0], stats.logistic.cdf(thresholds - eta), [1.0]]))
    se = np.sqrt(expected * (1 - expected) / draws.size)
    assert np.all(np.abs(frequencies - expected) < MC_Z * se)


def _hurdle_positive_part(name, eta, theta):
    """scipy's positive part of a hurdle family given η (Bambi's ``mu``: e^η for the gamma,
    η = the mean of log Y for the log-normal)."""
    if name == "hurdle_gamma":
        alpha = theta["alpha"]
        return stats.gamma(alpha, scale=np.exp(eta) / alpha)
    return stats.lognorm(theta["sigma"], scale=np.exp(eta))


@pytest.mark.parametrize("name", ["hurdle_gamma", "hurdle_lognormal"])
def test_hurdle_r2_matches_quad_of_scipys_mixture_moments(name):
    """Catches a wrong variance of the hurdle mixture (e.g. ψ(1 − ψ) in place of ψ² terms):
    E(Y | η) = ψ m₁(η) and E(Y² | η) = ψ m₂(η) from scipy's positive part, integrated over η
    by quad, against the package's closed form."""
    family = get_family(name).make_r2(get_family(name).default_link, 1.0)
    theta = dict((f.name, th) for f, th in W_PRIOR_FAMILIES)[name]
    psi = theta["psi"]

    def moments(eta):
        part = _hurdle_positive_part(name, eta, theta)
        return psi * part.mean(), psi * (part.var() + part.mean() ** 2)

    for W, beta0 in [(0.01, 0.3), (0.5, -1.0), (2.0, 1.5)]:
        e_mean = expectation(lambda e: moments(e)[0], beta0, W)
        e_mean2 = expectation(lambda e: moments(e)[0] ** 2, beta0, W)
        e_second = expectation(lambda e: moments(e)[1], beta0, W)
        var_mu, mean_var = e_mean2 - e_mean**2, e_second - e_mean2
        assert float(family.r2(W, beta0, theta)) == pytest.approx(
            var_mu / (var_mu + mean_var), rel=1e-7
        )
        mean, variance = family.moments(np.array([beta0]), theta)
        assert mean[0] == pytest.approx(moments(beta0)[0], rel=1e-12)
        assert variance[0] == pytest.approx(moments(beta0)[1] - moments(beta0)[0] ** 2, rel=1e-12)


@pytest.mark.parametrize("name", ["hurdle_gamma", "hurdle_lognormal"])
def test_hurdle_r2_matches_monte_carlo_of_bambis_likelihood(name):
    """Pairs of responses drawn from Bambi's hurdle likelihood given one η: their covariance
    over their variance estimates R² with no moment formula (tolerance from batch means)."""
    family = get_family(name).make_r2(get_family(name).default_link, 1.0)
    theta = dict((f.name, th) for f, th in W_PRIOR_FAMILIES)[name]
    W, beta0 = 0.6, 0.4
    eta = np.random.default_rng(11).normal(beta0, math.sqrt(W), MC_PAIRS)
    y = bambi_draws(name, np.concatenate([eta, eta]), theta, seed=12)
    y1, y2 = y[:MC_PAIRS], y[MC_PAIRS:]
    batches = _pair_r2(y1.reshape(MC_BATCHES, -1), y2.reshape(MC_BATCHES, -1))
    standard_error = batches.std(ddof=1) / math.sqrt(MC_BATCHES)
    assert abs(_pair_r2(y1, y2) - float(family.r2(W, beta0, theta))) < MC_Z * standard_error
    assert np.mean(y1 > 0) == pytest.approx(theta["psi"], abs=MC_Z * 0.5 / math.sqrt(MC_PAIRS))


def test_von_mises_r2_is_the_explained_share_of_circular_variance_by_monte_carlo():
    """Angles drawn from Bambi's von Mises likelihood given η ~ N(β₀, W): the total circular
    variance 1 − |mean e^{iY}| and the within-η part 1 − mean cos(Y − η) give R² with no
    Bessel function; the tolerance comes from batch means."""
    family, theta = R.VonMises(), {"kappa": 2.5}
    for W in (0.3, 2.0):
        eta = np.random.default_rng(13).normal(0.4, math.sqrt(W), MC_PAIRS)
        y = bambi_draws("vonmises", eta, theta, seed=14)

        def estimate(y, eta):
            total = 1 - np.abs(np.mean(np.exp(1j * y), axis=-1))
            within = 1 - np.mean(np.cos(y - eta), axis=-1)
            return (total - within) / total

        batches = estimate(y.reshape(MC_BATCHES, -1), eta.reshape(MC_BATCHES, -1))
        standard_error = batches.std(ddof=1) / math.sqrt(MC_BATCHES)
        assert abs(estimate(y, eta) - float(family.r2(W, 0.4, theta))) < MC_Z * standard_error


def test_von_mises_linear_scale_is_the_small_w_slope_of_r2():
    """The delta method's R² ≈ W / s² for small W: s² must be the limit of W / R²."""
    for kappa in (0.3, 2.5, 50.0):
        theta = {"kappa": kappa}
        W = 1e-10  # R² / W errs by about Wκ relative
        expected = math.log(W / float(R.VonMises().r2(W, 0.0, theta)))
        got = float(R.VonMises().log_linear_scale(0.0, theta, R.NUMPY))
        assert got == pytest.approx(expected, abs=1e-6), kappa


def test_von_mises_r2max_is_scipys_mean_resultant_length():
    """R²max = A(κ) = E cos(Y − μ): by quad of scipy's density, for small to large κ."""
    from scipy import integrate

    for kappa in (0.05, 1.0, 2.5, 40.0, 1e4):
        density = stats.vonmises(kappa).pdf
        resultant = integrate.quad(
            lambda x, d=density: math.cos(x) * d(x), -math.pi, math.pi, points=[0.0], limit=200
        )[0]
        got = float(R.VonMises().r2max({"kappa": kappa}, R.NUMPY))
        assert got == pytest.approx(resultant, rel=1e-9), kappa


def _hurdle_nb_r2(W, beta0, alpha, psi):
    """VaDeR R² of the hurdle negative binomial by quad: zero-truncated NB2 moments."""

    def parts(e):
        mu = math.exp(e)
        positive = -math.expm1(-alpha * math.log1p(mu / alpha))  # 1 − P(NB = 0)
        truncated_mean = mu / positive
        second = (mu + mu * mu / alpha + mu * mu) / positive
        return psi * truncated_mean, psi * second

    e_mean = expectation(lambda e: parts(e)[0], beta0, W)
    e_mean2 = expectation(lambda e: parts(e)[0] ** 2, beta0, W)
    e_second = expectation(lambda e: parts(e)[1], beta0, W)
    return (e_mean2 - e_mean**2) / (e_second - e_mean**2)


def _zero_inflated_binomial_r2(W, beta0, trials, psi):
    """VaDeR R² of y/n for the zero-inflated binomial by quad."""
    p = special.expit
    e_p = expectation(lambda e: psi * p(e), beta0, W)
    e_p2 = expectation(lambda e: (psi * p(e)) ** 2, beta0, W)
    e_var = expectation(
        lambda e: psi * p(e) * (1 - p(e)) / trials + psi * (1 - psi) * p(e) ** 2, beta0, W
    )
    return (e_p2 - e_p**2) / (e_p2 - e_p**2 + e_var)


def test_refused_mixtures_have_an_r2_that_rises_and_falls():
    """The numbers the refusals quote, by quad: no W prior can make these R² Beta."""
    hurdle = [_hurdle_nb_r2(w, -3.0, 0.2, 0.7) for w in (1.0, 3.0, 6.0)]
    assert hurdle[1] == pytest.approx(0.163, abs=1e-3) and hurdle[2] < hurdle[1]
    assert hurdle[1] > 0.7 * 0.2 / 1.2  # above its limit as W → ∞
    zib = [_zero_inflated_binomial_r2(w, -3.0, 20.0, 0.7) for w in (3.0, 10.0, 30.0)]
    assert zib[1] == pytest.approx(0.586, abs=1e-3) and zib[2] < zib[1]
    for name, says in [
        ("hurdle_negativebinomial", "not monotone"),
        ("zero_inflated_binomial", "not monotone"),
        ("categorical", "one W and one set of shares"),
        ("multinomial", "one W and one set of shares"),
        ("dirichlet_multinomial", "overdispersion"),
    ]:
        with pytest.raises(UnsupportedError, match=says):
            get_family(name)
