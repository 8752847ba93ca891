"""R² of the hurdle Poisson (r2d2_formula._r2_hurdle) against independent computations.

The references here never use the package's g, v, q or its rules: the zero-truncated
Poisson's moments come from its definition (E[Y^k | Y > 0] = E[Y^k]/P(Y > 0) for
Y ~ Poisson(μ), P(Y > 0) = 1 − e^{−μ}), the expectations over η from adaptive quadrature
(``reference.expectation``), and the draws from PyMC's own HurdlePoisson.
"""

import itertools
import math

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from reference import hurdle_poisson_moments
from scipy import stats

from r2d2_formula import _r2 as R
from r2d2_formula._r2_hurdle import LATENT_FROM, TAYLOR_BELOW, HurdlePoisson

FAMILY = HurdlePoisson()


# The brief's grid: every combination (75 points).
W_GRID = (1e-4, 0.05, 0.7, 3.0, 15.0)
BETA0_GRID = (-4.0, -1.0, 0.0, 2.0, 5.0)
PSI_GRID = (0.2, 0.7, 0.97)
#: Measured error ~1e-13 (the reference's own is ~1e-12 at W = 1e-4, β₀ = −4).
LOGIT_TOL = 1e-9


@pytest.fixture(scope="module")
def quad_moments():
    return {(W, b): hurdle_poisson_moments(W, b) for W in W_GRID for b in BETA0_GRID}


def test_logit_matches_quad_of_the_truncated_poisson_definition(quad_moments):
    """logit(R²/ψ) = log Var g − log(E v + (1 − ψ)(E g)²), each moment by quad."""
    worst = 0.0
    for (W, beta0), (mean_g, var_g, mean_v, _) in quad_moments.items():
        for psi in PSI_GRID:
            expected = math.log(var_g) - math.log(mean_v + (1 - psi) * mean_g**2)
            got = float(FAMILY.logit_r2(W, beta0, {"psi": psi}, R.NUMPY))
            worst = max(worst, abs(got - expected))
            assert got == pytest.approx(expected, abs=LOGIT_TOL), (W, beta0, psi)
    assert worst < LOGIT_TOL


def test_r2_matches_its_definition(quad_moments):
    """R² = Var E(Y | η) / (Var E(Y | η) + E Var(Y | η)) with E(Y | η) = ψ E[Y | Y > 0] and
    E(Y² | η) = ψ E[Y² | Y > 0]: checks the logit formula's algebra (R²max = ψ, the
    (1 − ψ)(E g)² term), on R² and on ψ − R² where the latter is not lost to cancellation."""
    for (W, beta0), (mean_g, var_g, _, mean_m2) in quad_moments.items():
        if W > 3.0:
            continue  # ψ − R² ≈ ψe^{−W}: the definition's own rounding would dominate
        for psi in PSI_GRID:
            explained = psi**2 * var_g
            # E Var(Y | η) = E[ψ E(Y² | Y > 0)] − E[(ψg)²] = ψ E m₂ − ψ²(Var g + (E g)²).
            unexplained = psi * mean_m2 - psi**2 * (var_g + mean_g**2)
            expected = explained / (explained + unexplained)
            got = float(FAMILY.r2(W, beta0, {"psi": psi}))
            assert got == pytest.approx(expected, rel=1e-9), (W, beta0, psi)
            assert psi - got == pytest.approx(psi - expected, rel=1e-7), (W, beta0, psi)


#: η values per Monte Carlo point (two Y per η), and the batches the error is taken over.
MC_ETAS, MC_BATCHES, MC_Z = 500_000, 50, 5.0
#: (W, β₀, ψ): μ stays above ~0.3 in 5e5 draws, so PyMC's rejection sampler for the
#: truncated Poisson (which redraws the whole vector) stops after a few dozen rounds.
MC_POINTS = [(0.2, 1.2, 0.6), (0.5, 2.0, 0.9)]


def _pair_r2(y1, y2):
    """Cov(y₁, y₂)/Var(y): for y₁, y₂ independent given η, Cov = Var E(Y | η) (no formula)."""
    centre = (y1.mean(axis=-1) + y2.mean(axis=-1))[..., None] / 2
    cov = ((y1 - centre) * (y2 - centre)).mean(axis=-1)
    var = (((y1 - centre) ** 2).mean(axis=-1) + ((y2 - centre) ** 2).mean(axis=-1)) / 2
    return cov / var


@pytest.mark.slow  # 9 s of draws; the quadrature checks above run by default
def test_r2_matches_monte_carlo_of_pymcs_hurdle_poisson():
    """η ~ N(β₀, W), then two Y per η from pm.HurdlePoisson.dist(ψ, μ = e^η) (1e6 Y per point).

    The R² estimate uses no moment formula; its standard error comes from 50 batches, and
    the tolerance is MC_Z of them (|t₄₉| > 5 has probability 7e-6). E(Y | η) = ψg is checked
    the same way.
    """
    rng = np.random.default_rng(20)
    etas = [rng.normal(b, math.sqrt(W), MC_ETAS) for W, b, _ in MC_POINTS]
    eta = np.concatenate(etas)
    psi = np.repeat([p for *_, p in MC_POINTS], MC_ETAS)
    # One graph for both points and both draws per η: PyMC compiles it once.
    dist = pm.HurdlePoisson.dist(psi=np.tile(psi, 2), mu=np.exp(np.tile(eta, 2)))
    y = np.asarray(pm.draw(dist, random_seed=21), dtype=float).reshape(2, len(MC_POINTS), -1)
    for i, ((W, beta0, p), eta_i) in enumerate(zip(MC_POINTS, etas, strict=True)):
        y1, y2 = y[0, i], y[1, i]
        mean, _ = FAMILY.moments(eta_i, {"psi": p})
        gap = np.concatenate([y1 - mean, y2 - mean])
        assert abs(gap.mean()) < MC_Z * gap.std() / math.sqrt(gap.size), "E(Y | η)"
        batches = _pair_r2(y1.reshape(MC_BATCHES, -1), y2.reshape(MC_BATCHES, -1))
        standard_error = batches.std(ddof=1) / math.sqrt(MC_BATCHES)
        estimate = _pair_r2(y1, y2)
        expected = float(FAMILY.r2(W, beta0, {"psi": p}))
        assert abs(estimate - expected) < MC_Z * standard_error, (W, beta0, estimate, expected)


@pytest.mark.parametrize("beta0", [-8.0, -4.0, 0.0, 3.0, 8.0])
@pytest.mark.parametrize("psi", [1e-3, 0.5, 0.97])
def test_logit_is_finite_and_increasing_from_1e_20_to_1e20(beta0, psi):
    W = np.geomspace(1e-20, 1e20, 4000)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        logit_r = FAMILY.logit_r2(W, beta0, {"psi": psi}, R.NUMPY)
        r2 = FAMILY.r2(W, beta0, {"psi": psi})
    assert np.all(np.isfinite(logit_r))
    assert np.all(np.diff(logit_r) > 0)
    assert np.all((r2 > 0) & (r2 <= psi))
    # Strictly below the bound wherever float64 can tell them apart (ψ − R² ≈ ψe^{−logit}).
    assert np.all(r2[logit_r < 30] < psi)


@pytest.fixture(scope="module")
def compiled():
    """logit, its W-slope (autodiff) and its gradients in β₀ and ψ, compiled once."""
    W, b, psi = pt.dvector("W"), pt.dvector("beta0"), pt.dvector("psi")
    logit_r, slope = FAMILY.logit_r2_and_slope(W, b, {"psi": psi}, R.pytensor_ops())
    d_beta0, d_psi = pt.grad(logit_r.sum(), [b, psi])
    return pytensor.function([W, b, psi], [logit_r, slope, d_beta0, d_psi], mode="FAST_COMPILE")


#: The brief's points, the smallest normal float's neighbourhood, and both sides of each
#: switch between rules. Below ~2e-308 the slope ≈ 1/W itself overflows.
PT_W = np.array(
    [
        *(1e-307, 1e-300, 1e-20, 1e-9, TAYLOR_BELOW * (1 - 1e-9), TAYLOR_BELOW, 1e-3, 0.5),
        *(LATENT_FROM * (1 - 1e-9), LATENT_FROM, 1.0, 7.0, 1e3, 1e5, 1e20, 1e300),
    ]
)


@pytest.mark.parametrize("psi", [0.05, 0.6, 0.999])
def test_pytensor_matches_numpy_with_finite_gradients(compiled, psi):
    for beta0 in (-8.0, -3.0, 0.0, 4.0, 8.0):
        n = len(PT_W)
        logit_r, slope, d_beta0, d_psi = compiled(PT_W, np.full(n, beta0), np.full(n, psi))
        expected = FAMILY.logit_r2(PT_W, beta0, {"psi": psi}, R.NUMPY)
        np.testing.assert_allclose(logit_r, expected, rtol=1e-10, atol=0)
        assert np.all(np.isfinite(slope) & (slope > 0)), (beta0, PT_W[~(slope > 0)])
        assert np.all(np.isfinite(d_beta0) & np.isfinite(d_psi)), beta0
        # The slope is ≈ 1/W at tiny W, and tends to 1 (logit ≈ W − log(1 − ψ)) at huge W.
        assert slope[0] == pytest.approx(1 / PT_W[0], rel=1e-6)
        assert slope[-1] == pytest.approx(1.0, rel=1e-12)


def test_slope_matches_finite_differences_of_the_numpy_logit(compiled):
    """Central differences in log W (step h: error O(h²) ≈ 1e-10 relative), away from the
    switches between rules, where a difference would straddle two of them."""
    h = 1e-5
    W = np.array([1e-8, 3e-4, 0.05, 0.25, 0.9, 2.5, 30.0, 800.0])
    for beta0 in (-7.0, -1.3, 0.0, 0.6, 3.0, 7.5):
        for psi in (0.1, 0.8):
            up, down = (
                FAMILY.logit_r2(W * math.exp(s), beta0, {"psi": psi}, R.NUMPY) for s in (h, -h)
            )
            numeric = (up - down) / (2 * h * W)
            slope = compiled(W, np.full(W.size, beta0), np.full(W.size, psi))[1]
            np.testing.assert_allclose(slope, numeric, rtol=1e-6, err_msg=f"{beta0}, {psi}")


def test_rules_agree_where_they_meet():
    """Each rule evaluated just past its range agrees with its neighbour (log moments)."""
    beta0 = np.linspace(-8.0, 8.0, 65)
    ones = np.ones_like(beta0)
    for low, high, W, tol in [
        (FAMILY._taylor, FAMILY._hermite, TAYLOR_BELOW, 1e-11),
        (FAMILY._hermite, FAMILY._latent, LATENT_FROM, 1e-13),
    ]:
        for a, b in zip(low(W * ones, beta0, R.NUMPY), high(W * ones, beta0, R.NUMPY), strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=tol)


def test_r2max_is_the_limit_and_the_zero_inflated_poisson_is_the_asymptote():
    """R² → ψ: the hurdle's positive part is then almost always far from 0, so R² tends to
    the zero-inflated Poisson's, whose logit log(e^W − 1) + β₀ + W/2 − log1p((1 − ψ)e^{β₀+W/2})
    is ≈ W − log(1 − ψ): ψ − R² is below ψe^{−60} at W = 60, which float64 rounds to 0."""
    zip_family = R.ZeroInflatedPoisson()
    for psi in (0.2, 0.7, 0.97):
        theta = {"psi": psi}
        assert FAMILY.r2max(theta, R.NUMPY) == psi
        for beta0 in (-8.0, 0.0, 8.0):
            gaps = [psi - float(FAMILY.r2(W, beta0, theta)) for W in (1.0, 5.0, 10.0, 20.0)]
            assert all(a > b > 0 for a, b in itertools.pairwise(gaps))
            assert 0 <= psi - float(FAMILY.r2(60.0, beta0, theta)) <= np.finfo(float).eps
            W = np.array([40.0, 100.0, 1e3])
            asymptote = zip_family.logit_r2(W, beta0, theta, R.NUMPY)
            difference = FAMILY.logit_r2(W, beta0, theta, R.NUMPY) - asymptote
            # From below (the truncation adds variance at low μ), and to rounding (a few ulps
            # of a logit near W) from W = 100.
            rounding = 4 * np.finfo(float).eps * np.abs(asymptote)
            assert np.all(difference <= rounding)
            assert np.all(np.abs(difference[1:]) <= rounding[1:])


@pytest.mark.parametrize("eta", [-6.0, -1.0, 0.0, 1.5, 4.0])
def test_moments_match_scipy_sums_over_the_pmf(eta):
    psi = 0.65
    mu = math.exp(eta)
    k = np.arange(1, int(mu + 40 * math.sqrt(mu) + 60))
    pmf = stats.poisson.pmf(k, mu) / stats.poisson.sf(0, mu)
    mean = psi * np.sum(k * pmf)
    variance = psi * np.sum(k * k * pmf) - mean**2
    got_mean, got_variance = FAMILY.moments(np.array([eta]), {"psi": psi})
    assert float(got_mean[0]) == pytest.approx(mean, rel=1e-12)
    assert float(got_variance[0]) == pytest.approx(variance, rel=1e-11)


def test_link_of_mean_inverts_the_mean_and_floors_at_psi():
    psi = 0.4
    for beta0 in (-6.0, -2.0, 0.0, 1.3, 6.0, 12.0):
        mean = float(FAMILY.moments(np.array([beta0]), {"psi": psi})[0][0])
        assert FAMILY.link_of_mean(mean, {"psi": psi}) == pytest.approx(beta0, abs=1e-9)
    # No β₀ gives a mean ≤ ψ (g ≥ 1): the floor g = 1 + 1e-3, the same for every such mean.
    floor = FAMILY.link_of_mean(psi * (1 + 1e-3), {"psi": psi})
    for mean in (psi * (1 + 1e-4), psi, 0.5 * psi, 1e-9):
        assert FAMILY.link_of_mean(mean, {"psi": psi}) == floor
    g = float(FAMILY.moments(np.array([floor]), {"psi": 1.0})[0][0])
    assert g == pytest.approx(1 + 1e-3, rel=1e-12)
    assert -6.3 < floor < -6.1


def test_linear_scale_is_the_delta_method():
    """As W → 0, R² → W/s² (absolute scale), so logit(R²/ψ) − log W → −log ψ − log s²."""
    W = 1e-12
    for beta0 in (-6.0, 0.0, 5.0):
        for psi in (0.3, 0.9):
            theta = {"psi": psi}
            log_scale = float(FAMILY.log_linear_scale(beta0, theta, R.NUMPY))
            logit_r = float(FAMILY.logit_r2(W, beta0, theta, R.NUMPY))
            assert logit_r - math.log(W) == pytest.approx(-math.log(psi) - log_scale, abs=1e-9)


@pytest.mark.parametrize("mu", [0.3, 4.0, 60.0])
def test_response_draws_follow_the_hurdle_poisson_pmf(mu):
    """The family's own draws (prior predictive) against the pmf from scipy's Poisson: ψ at
    the truncated Poisson's pmf for k ≥ 1, 1 − ψ at 0 (chi-square, level 1e-4)."""
    psi, n = 0.6, 200_000
    draws = FAMILY.draw_response(np.full(n, mu), {"psi": psi}, np.random.default_rng(7))
    k = np.arange(0, int(mu + 12 * math.sqrt(mu) + 12))
    pmf = np.where(k == 0, 1 - psi, psi * stats.poisson.pmf(k, mu) / -math.expm1(-mu))
    observed = np.bincount(draws, minlength=k.size)[: k.size]
    kept = n * pmf > 5  # the chi-square approximation needs expected counts above 5
    expected = n * pmf[kept]
    statistic = np.sum((observed[kept] - expected) ** 2 / expected)
    assert stats.chi2.sf(statistic, kept.sum() - 1) > 1e-4
    assert draws.min() >= 0 and observed[: k.size].sum() == n


def test_response_draws_reach_means_where_pymcs_rejection_sampler_fails():
    """At μ = 1e-9 PyMC's truncated Poisson (rejection, 10,000 tries) raises; the inverse CDF
    gives 1 for every positive draw (P(Y ≥ 2 | Y > 0) ≈ μ/2)."""
    with pytest.raises(Exception, match="Truncation did not converge"):
        pm.draw(pm.HurdlePoisson.dist(psi=0.5, mu=1e-9), draws=50, random_seed=1)
    draws = FAMILY.draw_response(np.full(10_000, 1e-9), {"psi": 0.5}, np.random.default_rng(1))
    assert set(np.unique(draws)) == {0, 1}
    assert abs((draws == 0).mean() - 0.5) < 4 * math.sqrt(0.25 / 10_000)
