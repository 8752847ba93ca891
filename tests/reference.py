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
from r2d2_formula._r2_hurdle import HurdlePoisson

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
    (R.StudentT(), {"sigma": 1.3, "nu": 3.0}),
    (R.Laplace(), {"b": 0.6}),
    (R.AsymmetricLaplace(), {"b": 1.4, "kappa": 0.5}),
    (R.ExGaussian(), {"sigma": 0.7, "nu": 1.6}),
    (R.LogNormal(), {"sigma": 0.8}),
    (R.Exponential(), {}),
    (R.Weibull(), {"alpha": 1.7}),
    (R.ZeroInflatedNegativeBinomial(), {"alpha": 1.5, "psi": 0.7}),
    (R.Beta("logit"), {"kappa": 3.0}),
    (R.BetaBinomial("probit", trials=6.0), {"kappa": 2.0}),
    (R.Ordinal("logit"), {}),
    (R.HurdleGamma(), {"alpha": 1.8, "psi": 0.6}),
    (HurdlePoisson(), {"psi": 0.7}),
    (R.HurdleLogNormal(), {"sigma": 0.9, "psi": 0.75}),
    (R.VonMises(), {"kappa": 2.5}),
]

#: The R² tests (test_r2) also take these: a beta under the asymmetric link, whose W prior
#: is the bernoulli-cloglog's shifted by log(1 + κ) (its W-prior tests would cost 10 s).
R2_FAMILIES = [
    *W_PRIOR_FAMILIES,
    (R.Beta("cloglog"), {"kappa": 0.7}),
    (R.Ordinal("cloglog"), {}),
    (R.Ordinal("probit"), {}),
]

#: Families whose R² has its own independent checks in test_r2 (latent variable, hurdle
#: moments, circular variance) besides the generic ones.
OWN_CHECKS = ("cumulative", "hurdle_gamma", "hurdle_poisson", "hurdle_lognormal", "vonmises")

#: The families whose R² quad reference is :func:`r2_parametric` (their cases are in
#: R2_FAMILIES; the beta-binomial's trials there are 6, the harmonic mean of TRIALS).
PARAMETRIC = ("zero_inflated_negativebinomial", "beta", "beta_binomial")

#: Trials of the beta-binomial reference cases, equally frequent: their harmonic mean is 6.
TRIALS = np.array([3.0, 12.0, 12.0])

#: Bambi's continuous families beyond the Gaussian: name -> their R² objects.
CONTINUOUS = {
    "t": R.StudentT(),
    "laplace": R.Laplace(),
    "asymmetriclaplace": R.AsymmetricLaplace(),
    "exgaussian": R.ExGaussian(),
    "lognormal": R.LogNormal(),
    "exponential": R.Exponential(),
    "weibull": R.Weibull(),
}

#: The families whose E(Y | η) is e^η times a constant (the rest: η plus a constant).
LOG_SCALE = ("lognormal", "exponential", "weibull")


def scipy_response(family: str, mu, theta):
    """scipy.stats' distribution of Y given Bambi's parent parameter ``mu`` and θ.

    Written from PyMC's parameterisations (its docstrings) and Bambi 0.21's mapping of
    ``mu``: ``mu`` is η for the identity links (t, laplace, asymmetriclaplace, exgaussian,
    and lognormal, whose ``mu`` is the mean of log Y) and e^η for the log links; Bambi's
    exponential has rate 1/mu and its Weibull scale mu/Γ(1 + 1/α). PyMC's asymmetric
    Laplace (b, κ) is scipy's ``laplace_asymmetric(κ)`` with scale 1/b, PyMC's ExGaussian
    (σ, ν) scipy's ``exponnorm`` with K = ν/σ and scale σ.
    """
    th = {k: np.asarray(v, float) for k, v in theta.items()}
    if family == "t":
        return stats.t(df=th["nu"], loc=mu, scale=th["sigma"])
    if family == "laplace":
        return stats.laplace(loc=mu, scale=th["b"])
    if family == "asymmetriclaplace":
        return stats.laplace_asymmetric(th["kappa"], loc=mu, scale=1.0 / th["b"])
    if family == "exgaussian":
        return stats.exponnorm(th["nu"] / th["sigma"], loc=mu, scale=th["sigma"])
    if family == "lognormal":
        return stats.lognorm(th["sigma"], scale=np.exp(mu))
    if family == "exponential":
        return stats.expon(scale=mu)
    if family == "weibull":
        return stats.weibull_min(th["alpha"], scale=mu / special.gamma(1 + 1 / th["alpha"]))
    raise KeyError(family)


def bambi_draws(family: str, eta, theta, seed, trials=None, link=None) -> np.ndarray:
    """Draws of Y given η from the PyMC distribution Bambi's family builds: its link's
    inverse, its parameter mapping (``transform_backend_kwargs``) and its likelihood.

    ``trials`` (one per η) are the n of a ``p(k, n)`` response; Bambi's binomial families
    read them from the observed (k, n) columns, so they are passed that way. ``link`` names
    a link other than the family's default (Bambi's ``Link`` gives its inverse)."""
    import pymc as pm
    from bambi.backend.utils import get_distribution_from_likelihood
    from bambi.defaults.families import get_builtin_family
    from bambi.families.link import Link

    bambi_family = get_builtin_family(family)
    eta = np.asarray(eta, float)
    inverse = (bambi_family.link["mu"] if link is None else Link(link)).linkinv
    kwargs = {"mu": inverse(eta), **theta}
    if trials is not None:
        kwargs["observed"] = np.column_stack([np.zeros_like(eta), trials]).astype(int)
    if hasattr(bambi_family, "transform_backend_kwargs"):
        kwargs = bambi_family.transform_backend_kwargs(kwargs)
    kwargs.pop("observed", None)
    dist = get_distribution_from_likelihood(bambi_family.likelihood).dist(**kwargs)
    return np.asarray(pm.draw(dist, random_seed=seed, mode="FAST_COMPILE"))


def scipy_mean_and_spread(family: str, theta) -> tuple:
    """E(Y | η) and the variance R² divides by, at η = 0, from scipy.

    For the t it is the squared scale σ² (the variance σ²ν/(ν − 2) is infinite for ν ≤ 2;
    the package documents its R² as scale-based). At η = 0 the parent ``mu`` is 0 for the
    identity links and 1 for the log links.
    """
    dist = scipy_response(family, 1.0 if family in ("exponential", "weibull") else 0.0, theta)
    if family == "t":
        return dist.mean() if np.all(np.asarray(theta["nu"]) > 1) else 0.0, dist.kwds["scale"] ** 2
    return dist.mean(), dist.var()


def r2_continuous(family: str, W, beta0, theta) -> float:
    """R² of a continuous family from scipy's moments, E over η ~ N(β₀, W) by quad.

    Identity links: μ(η) = η + m and σ² = v, so Var μ = W (by quad of (η − β₀)²) and
    E σ² = v. Log scale: μ(η) = m e^η and σ²(η) = v e^(2η), integrated by
    :func:`logit_r2_exp_family`.
    """
    m, v = (float(x) for x in scipy_mean_and_spread(family, theta))
    if family in LOG_SCALE:
        return float(special.expit(logit_r2_exp_family(beta0, W, m, {2: v})))
    var_mu = expectation(lambda e: (e - beta0) ** 2, beta0, W)
    return var_mu / (var_mu + v)


def expectation(f, beta0: float, W: float, *, log_f=None) -> float:
    """E f(β₀ + √W Z) for Z ~ N(0, 1), f ≥ 0."""
    s = math.sqrt(W)
    log_integrand = (
        (lambda z: log_f(beta0 + s * z) - 0.5 * z * z) if log_f else (lambda z: -0.5 * z * z)
    )
    mode = optimize.minimize_scalar(
        lambda z: -log_integrand(z), bounds=(-60, 60), method="bounded"
    ).x
    # The bounded integrand is narrowest where the link turns (η = 0): break there too,
    # unless that is so far out that the Gaussian weight there is nil (tiny W).
    turn = -beta0 / s
    breaks = sorted({mode, turn} if abs(turn - mode) < 38.0 else {mode})
    lo, hi = min(breaks) - 14.0, max(breaks) + 14.0
    shift = log_integrand(mode)

    def integrand(z):
        return f(beta0 + s * z) * math.exp(-0.5 * z * z - shift)

    # For large W the link turns within a few 1/√W of ``turn``: mark that scale too, or
    # quad's first panels step over it.
    near = [turn + k / s for k in (-40, -10, -3, -1, 1, 3, 10, 40)] if len(breaks) > 1 else []
    inner = sorted(b for b in {*breaks, *near} if lo < b < hi)
    value, _ = integrate.quad(integrand, lo, hi, points=inner, limit=2000, epsabs=0, epsrel=1e-12)
    return value * math.exp(shift) / math.sqrt(2 * math.pi)


def truncated_poisson_moments(eta: float) -> tuple[float, float, float]:
    """E[Y | Y > 0], Var[Y | Y > 0] and E[Y² | Y > 0] for Y ~ Poisson(μ = e^η).

    E Y = μ, E Y² = μ + μ², P = 1 − e^{−μ}; the variance (μ + μ²)/P − μ²/P² is written
    μ/P − μ²e^{−μ}/P² (1 − P = e^{−μ}) so that its μ² terms do not cancel for large μ.
    """
    mu = math.exp(eta)
    p = -math.expm1(-mu)
    return mu / p, mu / p - mu * mu * math.exp(-mu) / (p * p), (mu + mu * mu) / p


def _softplus(x: float) -> float:
    return float(np.logaddexp(0.0, x))


def hurdle_poisson_moments(W: float, beta0: float) -> tuple[float, float, float, float]:
    """E g, Var g, E v and E[Y² | Y > 0] over η ~ N(β₀, W), each by adaptive quadrature.

    Var g is the quadrature of (g − E g)², which is free of cancellation.
    """
    mean_g = expectation(lambda e: truncated_poisson_moments(e)[0], beta0, W, log_f=_softplus)
    var_g = expectation(
        lambda e: (truncated_poisson_moments(e)[0] - mean_g) ** 2,
        beta0,
        W,
        log_f=lambda e: 2 * _softplus(e),
    )
    mean_v = expectation(lambda e: truncated_poisson_moments(e)[1], beta0, W, log_f=lambda e: e)
    mean_m2 = expectation(
        lambda e: truncated_poisson_moments(e)[2], beta0, W, log_f=lambda e: 2 * e
    )
    return mean_g, var_g, mean_v, mean_m2


def r2_hurdle_poisson(W: float, beta0: float, psi: float) -> float:
    """VaDeR R² of PyMC's HurdlePoisson(ψ, e^η), η ~ N(β₀, W), from the moments above.

    E(Y | η) = ψg and E(Y² | η) = ψ m₂ (g, m₂ the truncated Poisson's mean and second
    moment), so R² = ψ² Var g / (ψ E m₂ − ψ² (E g)²) = ψ Var g / (E m₂ − ψ (E g)²).
    """
    mean_g, var_g, _, mean_m2 = hurdle_poisson_moments(W, beta0)
    return psi * var_g / (mean_m2 - psi * mean_g**2)


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
    return logit_r2_latent(beta0, W, link, lambda p, q: p * q / trials)


def scipy_proportion_variance(family: str, theta):
    """Var(Y | η) as a function of (p, 1 − p), p = F(η), from scipy.stats, for the families
    whose mean is p: PyMC's Beta(pκ, (1 − p)κ) (Bambi's beta), and the beta-binomial
    BetaBinomial(n, pκ, (1 − p)κ) on the scale k/n, averaged over the rows' trials
    ``TRIALS`` (independent of η). 1 − p is passed in, not computed, to keep its digits."""
    kappa = float(theta["kappa"])
    if family == "beta":
        variance = lambda p, q: float(stats.beta.var(p * kappa, q * kappa))  # noqa: E731
    elif family == "beta_binomial":
        variance = lambda p, q: float(  # noqa: E731
            np.mean(stats.betabinom.var(TRIALS, p * kappa, q * kappa) / TRIALS**2)
        )
    else:
        raise KeyError(family)
    # Where p or 1 − p underflows to 0 the distribution is a point mass (scipy says nan).
    return lambda p, q: variance(p, q) if p > 0 and q > 0 else 0.0


def scipy_zinb(mu, theta):
    """E Y and Var Y of PyMC's ZeroInflatedNegativeBinomial(ψ, μ, α) from scipy's NB:
    a mixture of 0 (weight 1 − ψ) and nbinom(n = α, p = α/(α + μ)) (weight ψ)."""
    alpha, psi = float(theta["alpha"]), float(theta["psi"])
    nb_mean, nb_var = stats.nbinom.stats(alpha, alpha / (alpha + mu), moments="mv")
    mean = psi * float(nb_mean)
    return mean, psi * (float(nb_var) + float(nb_mean) ** 2) - mean**2


def r2_parametric(family, W, beta0, theta) -> float:
    """R² of a ``PARAMETRIC`` family (an R² object: its name and link) by quad over
    η ~ N(β₀, W) of scipy's moments.

    Beta and beta-binomial with p = F(η), F the link's inverse; the zero-inflated NB with
    μ = e^η: E μ(η) = ψ' E e^η with ψ' = E(Y | μ = 1) from scipy, E σ² by quad of scipy's
    variance around the integrand's mode (W ≤ 50 keeps e^(2η) inside a float)."""
    if family.name != "zero_inflated_negativebinomial":
        variance = scipy_proportion_variance(family.name, theta)
        return float(special.expit(logit_r2_latent(beta0, W, family.link, variance)))
    scale = scipy_zinb(1.0, theta)[0]
    e1 = expectation(math.exp, beta0, W, log_f=lambda e: e)
    e2 = expectation(lambda e: math.exp(2 * e), beta0, W, log_f=lambda e: 2 * e)
    var_mu = scale * scale * (e2 - e1 * e1)
    mean_var = expectation(
        lambda e: scipy_zinb(math.exp(e), theta)[1],
        beta0,
        W,
        # Only locates the integrand's mode: the variance grows like e^η + e^(2η).
        log_f=lambda e: float(np.logaddexp(e, 2 * e)),
    )
    return var_mu / (var_mu + mean_var)


def logit_r2_latent(beta0, W, link, conditional_variance):
    """logit R² for a response with mean p = F(η) and Var(Y | η) = conditional_variance(p, q),
    q = 1 − p; Var p is computed on the smaller of p and 1 − p."""
    if link == "logit":
        p = lambda e: float(special.expit(e))  # noqa: E731
        q = lambda e: float(special.expit(-e))  # noqa: E731
    elif link == "probit":
        p = lambda e: float(special.ndtr(e))  # noqa: E731
        q = lambda e: float(special.ndtr(-e))  # noqa: E731
    else:
        p = lambda e: -math.expm1(-math.exp(e))  # noqa: E731
        q = lambda e: math.exp(-math.exp(e))  # noqa: E731
    mean_p = expectation(p, beta0, W)
    small, mean_small = (p, mean_p) if mean_p < 0.5 else (q, 1 - mean_p)
    if mean_p >= 0.5:
        mean_small = expectation(q, beta0, W)
    var = expectation(lambda e: (small(e) - mean_small) ** 2, beta0, W)
    mean_var = expectation(lambda e: conditional_variance(p(e), q(e)), beta0, W)
    return math.log(var) - math.log(mean_var)


def logit(x: float) -> float:
    return math.log(x) - math.log1p(-x)


def r2_grid():
    """The issue's range: W in [1e-4, 50], intercept in [-4, 4]."""
    return [
        (w, b) for w in (1e-4, 1e-2, 0.3, 1.0, 3.0, 12.0, 50.0) for b in (-4.0, -1.5, 0.0, 2.0, 4.0)
    ]


__all__ = [
    "CONTINUOUS",
    "LOG_SCALE",
    "PARAMETRIC",
    "TRIALS",
    "bambi_draws",
    "expectation",
    "logit",
    "logit_r2_binary",
    "logit_r2_exp_family",
    "logit_r2_latent",
    "np",
    "r2_continuous",
    "r2_parametric",
    "scipy_proportion_variance",
    "scipy_zinb",
    "r2_grid",
    "scipy_mean_and_spread",
    "scipy_response",
]
