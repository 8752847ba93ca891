"""The GBP approximation of the W prior: the distribution, the exact density, the fit, the cache.

Random draws use fixed seeds. A Monte-Carlo KS statistic of n draws from the
right distribution exceeds 1.63/sqrt(n) with probability 1% and 1.95/sqrt(n)
with probability 0.1%; n = 20,000 gives 0.0115 and 0.0138.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from reference import W_PRIOR_FAMILIES as EXACT_FAMILIES
from scipy import integrate, special, stats

from r2d2_formula import _gbp as G
from r2d2_formula import _r2 as R
from r2d2_formula._errors import FamilyError, PriorError, R2D2Error
from r2d2_formula._families import family_r2
from r2d2_formula._wprior import solve_w

N_DRAWS = 20_000
#: 0.1% critical value of the KS statistic for N_DRAWS draws.
KS_MC_999 = 1.95 / math.sqrt(N_DRAWS)

PARAMS = [(2.0, 3.0, 1.5, 0.5), (0.5, 4.0, 3.0, 1e3), (4.0, 0.7, 0.4, 1e-3), (1.0, 1.0, 1.0, 1.0)]


# --- the distribution ------------------------------------------------------------------


def _log_scale_integral(gbp: G.GeneralizedBetaPrime, x_low: float, x_high: float) -> float:
    """∫ p(w) dw over c log(w/d) in [x_low, x_high], integrated in x (where p is smooth)."""

    def integrand(x):
        w = gbp.d * math.exp(x / gbp.c)
        return float(gbp.pdf(w)) * w / gbp.c

    # The mode of the integrand in x sits near log(a/b); tell quad where to look.
    peak = math.log(gbp.a / gbp.b)
    points = [p for p in (peak - 5, peak, peak + 5) if x_low < p < x_high]
    value, _ = integrate.quad(
        integrand, x_low, x_high, points=points or None, limit=400, epsabs=1e-13, epsrel=1e-12
    )
    return value


@pytest.mark.parametrize("params", PARAMS)
def test_density_integrates_to_one_and_to_its_cdf(params):
    """In x = c log(w/d) the density mass decays like e^{a x} and e^{-b x}: beyond
    |x| = 40 / min(a, b) the tails hold < e^-40, so the integral must be 1 to quad's accuracy."""
    gbp = G.GeneralizedBetaPrime(*params)
    edge = 40.0 / min(gbp.a, gbp.b)
    assert _log_scale_integral(gbp, -edge, edge) == pytest.approx(1.0, abs=1e-9)
    for ratio in (0.01, 0.3, 1.0, 2.5, 80.0):
        w = gbp.d * ratio
        below = _log_scale_integral(gbp, -edge, gbp.c * math.log(ratio))
        assert float(gbp.cdf(w)) == pytest.approx(below, abs=1e-9)
        assert float(gbp.sf(w)) == pytest.approx(1.0 - below, abs=1e-9)
        # Each inverse where its argument keeps its digits (cdf rounds to 1 at 80 d).
        back = gbp.ppf(gbp.cdf(w)) if below < 0.5 else gbp.isf(gbp.sf(w))
        assert float(back) == pytest.approx(w, rel=1e-8)


@pytest.mark.parametrize("params", PARAMS[:3])
def test_draws_follow_the_cdf(params):
    """KS of 20,000 draws against the CDF, at the 0.1% critical value 0.0138."""
    gbp = G.GeneralizedBetaPrime(*params)
    draws = gbp.rvs(np.random.default_rng(20260301), size=N_DRAWS)
    assert stats.kstest(draws, gbp.cdf).statistic < KS_MC_999


@pytest.mark.parametrize(("a", "b", "d"), [(1.0, 1.0, 1.0), (2.5, 0.6, 1.0), (0.4, 7.0, 3.0)])
def test_c_equal_one_is_the_beta_prime(a, b, d):
    gbp = G.GeneralizedBetaPrime(a, b, 1.0, d)
    ref = stats.betaprime(a, b, scale=d)
    w = d * np.geomspace(1e-6, 1e6, 61)
    np.testing.assert_allclose(gbp.logpdf(w), ref.logpdf(w), rtol=1e-11)
    np.testing.assert_allclose(gbp.cdf(w), ref.cdf(w), rtol=1e-10)
    np.testing.assert_allclose(gbp.sf(w), ref.sf(w), rtol=1e-10)
    q = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(gbp.ppf(q), ref.ppf(q), rtol=1e-9)


def test_half_t_special_case():
    """GBP(1/2, ν/2, 2, sqrt(ν) s) is the half-t with ν degrees of freedom and scale s."""
    nu, s = 3.0, 0.7
    gbp = G.GeneralizedBetaPrime(0.5, nu / 2, 2.0, math.sqrt(nu) * s)
    w = np.geomspace(1e-4, 1e4, 41)
    half_t = np.log(2.0) + stats.t(nu, scale=s).logpdf(w)
    np.testing.assert_allclose(gbp.logpdf(w), half_t, rtol=1e-11)
    np.testing.assert_allclose(gbp.sf(w), 2.0 * stats.t(nu, scale=s).sf(w), rtol=1e-9)


def test_log_density_does_not_overflow():
    """(w/d)^c overflows at w = 1e300, c = 5; the log-density must still be its asymptote."""
    a, b, c = 1.5, 2.0, 5.0
    gbp = G.GeneralizedBetaPrime(a, b, c, 1.0)
    log_w = np.log(np.array([1e300, 1e-300]))
    expected = [
        math.log(c) + (a * c - 1) * log_w[0] - (a + b) * c * log_w[0] - special.betaln(a, b),
        math.log(c) + (a * c - 1) * log_w[1] - special.betaln(a, b),
    ]
    np.testing.assert_allclose(gbp.logpdf(np.exp(log_w)), expected, rtol=1e-14)
    assert gbp.logpdf(-1.0) == -np.inf
    assert gbp.logpdf(0.0) == -np.inf  # a c > 1
    assert gbp.cdf(0.0) == 0.0 and gbp.sf(0.0) == 1.0


def test_bad_parameters_are_rejected():
    with pytest.raises(PriorError, match=r"c must be a positive finite number, got -1\.0"):
        G.GeneralizedBetaPrime(1.0, 1.0, -1.0, 1.0)


# --- the exact W density --------------------------------------------------------------


def test_slope_is_accurate_to_1e_8():
    """Poisson: dL/d log W = W (1/(1 − e^−W) + 1/2) exactly; the central difference must agree."""
    w = np.geomspace(1e-8, 300.0, 400)
    for beta0 in (-3.0, 0.0, 3.0):
        _, slope = G._logit_r_and_slope(R.Poisson(), np.log(w), beta0, {})
        exact = w * (1.0 / -np.expm1(-w) + 0.5)
        np.testing.assert_allclose(slope, exact, rtol=1e-8)


def test_exact_density_of_gaussian_is_scaled_beta_prime():
    sigma, a, b = 1.7, 2.0, 5.0
    w = np.geomspace(1e-4, 1e4, 50)
    ref = stats.betaprime(a, b, scale=sigma**2).logpdf(w)
    got = G.exact_w_logpdf("gaussian", w, 0.3, a, b, {"sigma": sigma})
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize(
    ("family", "theta"), EXACT_FAMILIES, ids=[f"{f.name}-{f.link}" for f, _ in EXACT_FAMILIES]
)
def test_exact_density_integrates_to_the_beta_probability(family, theta):
    """∫ p(W) dW between the exact quantiles at levels τ1 < τ2 must equal τ2 − τ1.

    quad is asked for 1e-11; the slope's ~1e-9 relative error bounds the rest, so 1e-8 is
    the tolerance (the delta-method or a wrong Jacobian misses it by orders of magnitude).
    """
    for a, b in [(1.0, 1.0), (2.0, 5.0), (0.5, 0.5)]:
        for beta0 in (-1.5, 0.0, 2.0):
            levels = np.array([0.02, 0.3, 0.97])
            r = special.betaincinv(a, b, levels)
            log_w = np.log(solve_w(family, special.logit(r), beta0, theta))

            def integrand(t, a=a, b=b, beta0=beta0):
                w = math.exp(t)
                return math.exp(G.exact_w_logpdf(family, w, beta0, a, b, theta)) * w

            for i in range(2):
                mass, _ = integrate.quad(
                    integrand, log_w[i], log_w[i + 1], epsabs=1e-11, epsrel=1e-11, limit=200
                )
                assert mass == pytest.approx(levels[i + 1] - levels[i], abs=1e-8)


# --- the fit ----------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (2.0, 5.0), (0.7, 3.0)])
def test_gaussian_sigma_one_recovers_beta_prime(a, b):
    """With σ = 1, BetaPrime(a, b) = GBP(a, b, 1, 1) makes every ratio 1 and the penalty 0:
    the objective is exactly 0 there, so only Nelder–Mead's xatol = 1e-7 limits the fit."""
    np.testing.assert_allclose(G.fit_gbp("gaussian", 0.0, a, b), (a, b, 1.0, 1.0), rtol=1e-6)


def test_gaussian_penalty_bias_is_the_predicted_one():
    """With σ ≠ 1 the truth (a, b, 1, σ²) pays λ (log σ²)² of penalty, so the fit moves.

    To first order in log σ² the move is δ = −(JᵀJ + λI)⁻¹ λ (0, 0, 0, log σ²), with J the
    derivative of log p_GBP(w_τ) in the log parameters (the Gauss–Newton Hessian of the
    ratio term at zero residual). At σ = 1.05 second-order terms are ~2% of δ; allow 5%.
    """
    sigma, a, b = 1.05, 2.0, 5.0
    truth = np.array([math.log(a), math.log(b), 0.0, 2.0 * math.log(sigma)])
    r = special.betaincinv(a, b, G.TAUS)
    log_w = np.log(sigma**2 * r / (1.0 - r))

    def log_gbp(p):
        return G._gbp_logpdf_log_w(log_w, *np.exp(p[:3]), p[3])

    step = 1e-6
    jac = np.column_stack(
        [(log_gbp(truth + step * e) - log_gbp(truth - step * e)) / (2 * step) for e in np.eye(4)]
    )
    penalty_gradient = G.PENALTY * np.array([0.0, 0.0, 0.0, truth[3]])
    predicted = -np.linalg.solve(jac.T @ jac + G.PENALTY * np.eye(4), penalty_gradient)
    moved = np.log(G.fit_gbp("gaussian", 0.0, a, b, {"sigma": sigma})) - truth
    assert np.max(np.abs(moved - predicted)) < 0.05 * np.max(np.abs(predicted))
    # The move is not small: the penalty removes a third of log σ² from log d*.
    assert moved[3] == pytest.approx(-0.35 * truth[3], abs=0.02)


def test_gaussian_large_sigma_biased_parameters_but_faithful_r2():
    """σ = 2: (a*, b*, c*, d*) lands far from (2, 5, 1, 4) — the GBP family is nearly
    unidentifiable over the 1%–99% quantiles (smallest singular value of J ≈ 0.14, below
    sqrt(λ) = 0.5), so the penalty slides the fit along a flat ridge — yet the implied R²
    stays within KS 0.005 of Beta(2, 5) (measured 0.0036; computed exactly, no draws)."""
    theta = {"sigma": 2.0}
    a_, b_, c_, d_ = G.fit_gbp("gaussian", 0.0, 2.0, 5.0, theta)
    assert d_ < 0.8 * 4.0 and b_ < 0.8 * 5.0
    assert G.implied_r2_ks("gaussian", 0.0, 2.0, 5.0, (a_, b_, c_, d_), theta) < 0.005


def test_poisson_density_close_to_exact():
    """Poisson, β₀ = 0, Beta(1, 1): max |p_GBP / p_W − 1| over the 5%–95% exact quantiles.

    Measured 0.048 (0.17 over 1%–99%, where the fitted tails differ most); the GBP is an
    approximation, so the bound is 0.06. The starting point BetaPrime(1, 1) errs by 0.43,
    and the implied R² of the fit is within KS 0.01 of uniform (measured 0.0088).
    """
    params = G.fit_gbp("poisson", 0.0, 1.0, 1.0)
    levels = np.linspace(0.05, 0.95, 2001)
    w = solve_w(R.Poisson(), special.logit(levels), 0.0, {})
    exact = G.exact_w_logpdf("poisson", w, 0.0, 1.0, 1.0)
    error = np.max(np.abs(np.exp(G.GeneralizedBetaPrime(*params).logpdf(w) - exact) - 1.0))
    assert error < 0.06
    start = np.max(np.abs(np.exp(G.GeneralizedBetaPrime(1, 1, 1, 1).logpdf(w) - exact) - 1.0))
    assert start > 0.4
    assert G.implied_r2_ks("poisson", 0.0, 1.0, 1.0, params) < 0.01


def test_poisson_cell_where_the_authors_code_fails():
    """Poisson, β₀ = 2, Beta(1, 4): the fit succeeds and 20,000 GBP draws give R² within
    KS 0.05 of Beta(1, 4). Monte-Carlo noise alone stays below 0.0138 (0.1% level), the
    exact distance is 0.0018, so 0.05 leaves room only for a real failure."""
    family = R.Poisson()
    params = G.fit_gbp(family, 2.0, 1.0, 4.0)
    draws = G.GeneralizedBetaPrime(*params).rvs(np.random.default_rng(7), size=N_DRAWS)
    r2 = family.r2(draws, 2.0, {}) / family.r2max({}, R.NUMPY)
    assert stats.kstest(r2, stats.beta(1.0, 4.0).cdf).statistic < 0.05
    assert G.implied_r2_ks(family, 2.0, 1.0, 4.0, params) < 0.01


def test_second_identical_call_is_a_cache_hit():
    cell = ("negativebinomial", 0.123, 1.5, 2.5)
    before = G.fit_gbp.cache_info()
    first = G.fit_gbp(*cell, theta={"alpha": 3.0})
    # The same cell through a family object and a dict in another order is the same key.
    second = G.fit_gbp(family_r2("negativebinomial"), 0.123, 1.5, 2.5, {"alpha": 3.0})
    after = G.fit_gbp.cache_info()
    assert second == first
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    third = G.fit_gbp(*cell, theta={"alpha": 3.5})
    assert third != first
    assert G.fit_gbp.cache_info().misses == after.misses + 1


def test_default_theta_is_documented_default():
    assert G.fit_gbp("negativebinomial", 0.5, 1.0, 1.0) == G.fit_gbp(
        "negativebinomial", 0.5, 1.0, 1.0, {"alpha": 1.0}
    )


def test_nonconvergence_raises_naming_the_cell(monkeypatch):
    monkeypatch.setitem(G._NM_OPTIONS, "maxiter", 5)
    with pytest.raises(R2D2Error, match=r"'poisson'.*beta0=1\.75, a=1\.0, b=4\.0"):
        G.fit_gbp("poisson", 1.75, 1.0, 4.0)


def test_unreachable_quantiles_raise_naming_the_cell():
    """Beta(0.002, 1) puts its 1% quantile at 0.01^500 = 0 in float64: no W reaches it."""
    with pytest.raises(R2D2Error, match=r"'poisson'.*a=0\.002, b=1\.0.*at 24 of 100 levels"):
        G.fit_gbp("poisson", 0.0, 0.002, 1.0)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("weibul", 0.0, 1.0, 1.0), FamilyError, "got 'weibul'"),
        (("poisson", 0.0, 0.0, 1.0), PriorError, "a must be a positive finite number, got 0.0"),
        (("poisson", math.nan, 1.0, 1.0), PriorError, "beta0 must be a finite number"),
        (("poisson", 0.0, 1.0, 1.0, {"alpha": 2.0}), FamilyError, "'alpha', which family"),
        (("zero_inflated_poisson", 0.0, 1.0, 1.0, {"psi": 1.5}), FamilyError, "psi"),
    ],
)
def test_bad_input_is_named(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        G.fit_gbp(*args)


# --- prior fidelity over a grid of cells -------------------------------------------------

GRID_FAMILIES = {
    "bernoulli": (family_r2("bernoulli"), {}),
    "negativebinomial(alpha=2)": (family_r2("negativebinomial"), {"alpha": 2.0}),
    "binomial(trials=10)": (family_r2("binomial", trials=10), {}),
}
GRID_BETA0 = (-1.0, 0.0, 1.0, 2.0)
GRID_AB = ((1.0, 1.0), (1.0, 4.0), (4.0, 1.0), (2.0, 2.0))
#: The project's target for the KS distance of the implied R² at the fitted intercept.
KS_TARGET = 0.04


def test_grid_of_cells_meets_the_ks_target(capsys):
    """KS distance of the GBP-implied R²/R²max from Beta(a, b), computed exactly (no draws).

    Measured 0.0008–0.0141 over the 48 cells (largest: negativebinomial, α = 2, β₀ = 2,
    Beta(1, 1)). The table is printed (``pytest -s``); every cell must meet 0.04.
    """
    rows = []
    for name, (family, theta) in GRID_FAMILIES.items():
        for beta0 in GRID_BETA0:
            for a, b in GRID_AB:
                params = G.fit_gbp(family, beta0, a, b, theta)
                ks = G.implied_r2_ks(family, beta0, a, b, params, theta)
                rows.append((name, beta0, a, b, ks))
    with capsys.disabled():
        print("\nfamily                     beta0   a   b   KS(implied R2, Beta)")
        for name, beta0, a, b, ks in rows:
            print(f"{name:26s} {beta0:5.1f} {a:3.0f} {b:3.0f}   {ks:.4f}")
    misses = [row for row in rows if row[-1] > KS_TARGET]
    assert not misses, f"cells above KS {KS_TARGET}: {misses}"
