"""R² per family: closed forms and quadrature against independent numerical integration."""

import math

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from reference import logit, logit_r2_binary, logit_r2_exp_family, r2_grid

from r2d2_formula import _r2 as R
from r2d2_formula._errors import FamilyError, UnsupportedError
from r2d2_formula._families import family_r2
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
]
IDS = [f"{f.name}-{f.link}" for f, _ in ALL_FAMILIES]


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
    ],
    ids=["poisson", "gamma", "negativebinomial", "zero_inflated_poisson"],
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
        for beta0 in [-1.0, 0.5, 2.0]:
            mean_hi, _ = family.moments(np.array(beta0 + h), theta)
            mean_lo, _ = family.moments(np.array(beta0 - h), theta)
            _, variance = family.moments(np.array(beta0), theta)
            slope = (mean_hi - mean_lo) / (2 * h)
            expected = np.log(variance / slope**2)
            got = family.log_linear_scale(beta0, theta, R.NUMPY)
            assert float(got) == pytest.approx(float(expected), abs=1e-6), family.name
