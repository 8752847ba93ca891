"""Independent reference values of R² by adaptive numerical integration (scipy.integrate.quad).

Kept apart from the package's own quadrature so that the two can disagree: here
each expectation E f(η), η ~ N(β₀, W), is integrated over z = (η − β₀)/√W around
the mode of the integrand, found numerically, with the link's transition point as
a break point.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, special, stats

from r2d2_formula import _r2 as R

#: One case per family and link, family parameters away from their defaults: the W-prior
#: tests (test_wprior, test_gbp) run over these.
W_PRIOR_FAMILIES = [
    (R.Gaussian(), {"sigma": 1.7}),
    (R.Poisson(), {}),
    (R.NegativeBinomial(), {"alpha": 2.0}),
    (R.Gamma(), {"alpha": 0.8}),
    (R.ZeroInflatedPoisson(), {"psi": 0.6}),
    (R.Binary("logit"), {}),
    (R.Binary("probit", trials=6.0), {}),
    (R.Binary("cloglog"), {}),
]


def expectation(f, beta0: float, W: float, *, log_f=None) -> float:
    """E f(β₀ + √W Z) for Z ~ N(0, 1), f ≥ 0."""
    s = math.sqrt(W)
    log_integrand = (
        (lambda z: log_f(beta0 + s * z) - 0.5 * z * z) if log_f else (lambda z: -0.5 * z * z)
    )
    mode = optimize.minimize_scalar(
        lambda z: -log_integrand(z), bounds=(-60, 60), method="bounded"
    ).x
    # The bounded integrand is narrowest where the link turns (η = 0): break there too.
    breaks = sorted({mode, -beta0 / s})
    lo, hi = min(breaks) - 14.0, max(breaks) + 14.0
    shift = log_integrand(mode)

    def integrand(z):
        return f(beta0 + s * z) * math.exp(-0.5 * z * z - shift)

    inner = [b for b in breaks if lo < b < hi]
    value, _ = integrate.quad(integrand, lo, hi, points=inner, limit=2000, epsabs=0, epsrel=1e-12)
    return value * math.exp(shift) / math.sqrt(2 * math.pi)


def logit_r2_exp_family(beta0, W, mean_powers, var_terms):
    """logit R² for a log-link family with μ = c·e^η and σ² = Σ_k v_k e^{kη}.

    ``mean_powers`` is c; ``var_terms`` maps k to v_k. Var μ = E μ² − (E μ)².
    """
    c = mean_powers
    e1 = expectation(lambda e: math.exp(e), beta0, W, log_f=lambda e: e)
    e2 = expectation(lambda e: math.exp(2 * e), beta0, W, log_f=lambda e: 2 * e)
    var_mu = c * c * (e2 - e1 * e1)
    mean_var = 0.0
    for k, v in var_terms.items():
        mean_var += v * expectation(
            lambda e, k=k: math.exp(k * e), beta0, W, log_f=lambda e, k=k: k * e
        )
    return math.log(var_mu) - math.log(mean_var)


def logit_r2_binary(beta0, W, link, trials=1.0):
    """logit R² for a binary response, Var p computed on the smaller of p and 1 − p."""
    if link == "logit":
        p = lambda e: float(special.expit(e))  # noqa: E731
        q = lambda e: float(special.expit(-e))  # noqa: E731
    elif link == "probit":
        p, q = stats.norm.cdf, stats.norm.sf
    else:
        p = lambda e: -math.expm1(-math.exp(e))  # noqa: E731
        q = lambda e: math.exp(-math.exp(e))  # noqa: E731
    mean_p = expectation(p, beta0, W)
    small, mean_small = (p, mean_p) if mean_p < 0.5 else (q, 1 - mean_p)
    if mean_p >= 0.5:
        mean_small = expectation(q, beta0, W)
    var = expectation(lambda e: (small(e) - mean_small) ** 2, beta0, W)
    pq = expectation(lambda e: p(e) * q(e), beta0, W)
    return math.log(var) - math.log(pq / trials)


def logit(x: float) -> float:
    return math.log(x) - math.log1p(-x)


def r2_grid():
    """The issue's range: W in [1e-4, 50], intercept in [-4, 4]."""
    return [
        (w, b) for w in (1e-4, 1e-2, 0.3, 1.0, 3.0, 12.0, 50.0) for b in (-4.0, -1.5, 0.0, 2.0, 4.0)
    ]


__all__ = ["expectation", "logit", "logit_r2_binary", "logit_r2_exp_family", "np", "r2_grid"]
