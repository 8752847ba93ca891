"""The generalized beta prime (GBP) approximation of the W prior: the paper's recommendation.

The exact prior of W (:class:`r2d2_formula._wprior.ExactW`) depends on the
intercept β₀ and the family parameters θ, and has no closed form. Yanchenko,
Bondell & Reich approximate it, at one fixed β₀ (the link of the response
mean) and θ, by a generalized beta prime distribution

    W ~ GBP(a*, b*, c*, d*),  p(w) = c (w/d)^(a c − 1) (1 + (w/d)^c)^(−a−b) / (d B(a, b)),

i.e. W = d (V / (1 − V))^(1/c) with V ~ Beta(a, b). :func:`fit_gbp` chooses
(a*, b*, c*, d*) as the paper does: at the exact quantiles w_τ of W,
τ = 0.01, ..., 0.99 (100 points), it minimises

    Σ_τ (1 − p_GBP(w_τ) / p_W(w_τ))² + λ [(log a* − log a)² + (log b* − log b)²
                                          + (log c*)² + (log d*)²],  λ = 0.25,

by Nelder–Mead on the log parameters, starting from (1, 1, 1, 1). The penalty
shrinks towards BetaPrime(a, b), the exact answer for a Gaussian response with
σ = 1.

The authors' R code finds the quantiles w_τ by unbracketed numerical
optimisation, which fails for some cells (for instance Poisson with β₀ = 2,
a = 1, b = 4): an unbracketed search has no guarantee of ending at the root.
Here the quantiles come from :func:`r2d2_formula._wprior.solve_w`, bracketed
root-finding on log W, which always converges because logit R² increases in W
(and the fit checks that every quantile reproduces its R²).

Fits are cached (see ``fit_gbp.cache_info()``), since the model builder asks
for the same cell every time it rebuilds a model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import optimize, special

from r2d2_formula._errors import FamilyError, PriorError, R2D2Error
from r2d2_formula._families import family_r2
from r2d2_formula._r2 import NUMPY, FamilyR2
from r2d2_formula._types import Tensor
from r2d2_formula._wprior import log_beta_pdf_from_logit, solve_w

__all__ = [
    "GBPW",
    "DEFAULT_THETA",
    "LOG_W_STEP",
    "PENALTY",
    "TAUS",
    "GeneralizedBetaPrime",
    "exact_w_logpdf",
    "fit_gbp",
    "implied_r2_ks",
]

#: Family parameters used when ``theta`` is not given (only those the family has are used):
#: Gaussian / t / exgaussian / log-normal σ = 1, negative binomial / gamma / Weibull /
#: zero-inflated NB shape α = 1, zero-inflated ψ = 0.5, Laplace / asymmetric Laplace b = 1,
#: κ = 1 (asymmetric Laplace, beta, beta-binomial), ν = 1.
DEFAULT_THETA: dict[str, float] = {
    "sigma": 1.0,
    "alpha": 1.0,
    "psi": 0.5,
    "b": 1.0,
    "kappa": 1.0,
    "nu": 1.0,
}

#: The probability levels τ of the exact W quantiles the GBP is fitted at (the paper's).
TAUS = np.linspace(0.01, 0.99, 100)

#: The weight λ of the log-parameter penalty (the paper's).
PENALTY = 0.25

#: Step in log W of the central difference for dL/d(log W), L = logit(R²/R²max).
#: Its error is h²/6 · |L'''/L'| (truncation) plus about ε |L| / (h L') (rounding of L,
#: ε = 2.2e-16). In log W the closed forms have |L'''/L'| ≲ 1 (L ≈ log W + const for
#: small W, L ∝ e^{log W} for large W) and L' ≥ ~1 wherever |L| is large, so h = 1e-4
#: gives ≲ 2e-9 truncation and ≲ 2e-12 |L| rounding (< 1e-9 for |L| < 500, the range the
#: 1%-99% quantiles visit). The quadrature families (bernoulli, binomial) compute L to
#: ~1e-14 absolute, which costs ~1e-10 more: ~1e-9 relative overall, well inside 1e-8.
LOG_W_STEP = 1e-4

#: Nelder–Mead settings: the initial simplex spans ±0.5 in each log parameter (SciPy's
#: default at x0 = 0 is 0.00025, too small to leave a shallow region), and the tolerances
#: put the parameters to ~1e-7 relative, far below anything that changes the density.
_SIMPLEX_STEP = 0.5
_NM_OPTIONS: dict[str, Any] = {"xatol": 1e-7, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000}

#: Cap on log(p_GBP / p_W) inside the objective, so a wild trial point costs a huge but
#: finite value (exp(300)² is still a float) and never NaN.
_LOG_RATIO_CAP = 300.0


def _gbp_logpdf_log_w(log_w: Tensor, a: float, b: float, c: float, log_d: float) -> np.ndarray:
    """GBP log-density at log w (for w > 0), with log(1 + (w/d)^c) as a softplus."""
    x = np.asarray(log_w, dtype=float) - log_d
    return (
        math.log(c)
        + (a * c - 1.0) * x
        - (a + b) * np.logaddexp(0.0, c * x)
        - log_d
        - float(special.betaln(a, b))
    )


def _positive(name: str, value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise PriorError(f"{name} must be a positive finite number, got {value!r}.") from None
    if not (math.isfinite(value) and value > 0):
        raise PriorError(f"{name} must be a positive finite number, got {value!r}.")
    return value


@dataclass(frozen=True)
class GeneralizedBetaPrime:
    """The generalized beta prime distribution GBP(a, b, c, d) on w > 0.

    If V ~ Beta(a, b) then W = d (V / (1 − V))^(1/c) ~ GBP(a, b, c, d), with density

        p(w) = c (w/d)^(a c − 1) (1 + (w/d)^c)^(−a−b) / (d B(a, b)).

    ``a c`` sets the behaviour at 0 and ``b c`` the tail; c = d = 1 is the beta
    prime distribution. Everything is computed in log space, so no power of w/d
    is formed and nothing overflows.

    Parameters
    ----------
    a, b, c, d : float
        Positive shape (a, b, c) and scale (d) parameters.

    Examples
    --------
    >>> import numpy as np
    >>> gbp = GeneralizedBetaPrime(2.0, 3.0, 1.5, 0.5)
    >>> round(float(gbp.cdf(gbp.ppf(0.3))), 12)
    0.3
    >>> draws = gbp.rvs(np.random.default_rng(0), size=4)
    >>> draws.shape
    (4,)
    """

    a: float
    b: float
    c: float = 1.0
    d: float = 1.0

    def __post_init__(self) -> None:
        for name in ("a", "b", "c", "d"):
            object.__setattr__(self, name, _positive(name, getattr(self, name)))

    def _x(self, w: Tensor) -> np.ndarray:
        """c log(w/d); −inf at w = 0 (w < 0 is masked by the callers)."""
        w = np.asarray(w, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.c * (np.log(w) - math.log(self.d))

    def logpdf(self, w: Tensor) -> np.ndarray:
        """Log-density at ``w``: −inf for w < 0.

        Examples
        --------
        >>> round(float(GeneralizedBetaPrime(1.0, 1.0).logpdf(1.0)), 6)  # 1/(1+w)² at w = 1
        -1.386294
        """
        w = np.asarray(w, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = _gbp_logpdf_log_w(np.log(w), self.a, self.b, self.c, math.log(self.d))
        # At w = 0 the density is the limit of (w/d)^(ac − 1): 0, c/(d B(a, b)) or +inf.
        ac = self.a * self.c
        if ac > 1:
            at_zero = -np.inf
        elif ac < 1:
            at_zero = np.inf
        else:
            at_zero = math.log(self.c / self.d) - float(special.betaln(self.a, self.b))
        out = np.where(w == 0, at_zero, out)
        return np.where(w < 0, -np.inf, out)

    def pdf(self, w: Tensor) -> np.ndarray:
        """Density at ``w``."""
        return np.exp(self.logpdf(w))

    def cdf(self, w: Tensor) -> np.ndarray:
        """P(W ≤ w) = I_V(a, b), V = u / (1 + u), u = (w/d)^c (regularized incomplete beta).

        Examples
        --------
        >>> float(GeneralizedBetaPrime(1.0, 1.0).cdf(3.0))  # beta prime(1, 1): w / (1 + w)
        0.75
        """
        x = self._x(w)
        w = np.asarray(w, dtype=float)
        # V = sigmoid(x) never forms (w/d)^c; betainc is accurate in the lower tail.
        out = special.betainc(self.a, self.b, special.expit(x))
        return np.where(w <= 0, 0.0, out)

    def sf(self, w: Tensor) -> np.ndarray:
        """P(W > w) = I_{1−V}(b, a), accurate in the upper tail where 1 − cdf would cancel."""
        x = self._x(w)
        w = np.asarray(w, dtype=float)
        out = special.betainc(self.b, self.a, special.expit(-x))
        return np.where(w <= 0, 1.0, out)

    def ppf(self, q: Tensor) -> np.ndarray:
        """Quantile function: w with P(W ≤ w) = q."""
        v = special.betaincinv(self.a, self.b, np.asarray(q, dtype=float))
        with np.errstate(divide="ignore"):
            return self.d * np.exp((np.log(v) - np.log1p(-v)) / self.c)

    def isf(self, q: Tensor) -> np.ndarray:
        """Inverse survival function: w with P(W > w) = q, accurate for small q."""
        s = special.betaincinv(self.b, self.a, np.asarray(q, dtype=float))  # s = 1 − V
        with np.errstate(divide="ignore"):
            return self.d * np.exp((np.log1p(-s) - np.log(s)) / self.c)

    def rvs(self, rng: np.random.Generator, size: Any = None) -> np.ndarray:
        """Independent draws W = d (V / (1 − V))^(1/c), V ~ Beta(a, b).

        V / (1 − V) is drawn as G_a / G_b with G_a ~ Gamma(a), G_b ~ Gamma(b)
        independent: the same law as V = G_a / (G_a + G_b) ~ Beta(a, b), without
        rounding 1 − V to 0 when V is close to 1 (small b).
        """
        g_a = rng.standard_gamma(self.a, size=size)
        g_b = rng.standard_gamma(self.b, size=size)
        with np.errstate(divide="ignore"):
            return self.d * np.exp((np.log(g_a) - np.log(g_b)) / self.c)


def _resolve_family(family: str | FamilyR2) -> FamilyR2:
    if isinstance(family, FamilyR2):
        return family
    if isinstance(family, str):
        return family_r2(family)
    raise FamilyError(
        f"family must be a family name or an r2d2_formula._r2 family object, got {family!r}."
    )


def _resolve_theta(family: FamilyR2, theta: Mapping[str, float] | None) -> dict[str, float]:
    """The family's parameters: ``theta`` where given, :data:`DEFAULT_THETA` elsewhere."""
    theta = dict(theta or {})
    unknown = sorted(set(theta) - set(family.theta))
    if unknown:
        allowed = ", ".join(map(repr, family.theta)) or "none"
        raise FamilyError(
            f"theta has {', '.join(map(repr, unknown))}, which family {family.name!r} does not "
            f"have; its parameters: {allowed}."
        )
    resolved = {}
    for name in family.theta:
        value = _positive(f"theta[{name!r}]", theta.get(name, DEFAULT_THETA[name]))
        if name == "psi" and value >= 1:
            raise FamilyError(f"theta['psi'] must be in (0, 1), got {value!r}.")
        resolved[name] = value
    return resolved


def _finite(name: str, value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise PriorError(f"{name} must be a finite number, got {value!r}.") from None
    if not math.isfinite(value):
        raise PriorError(f"{name} must be a finite number, got {value!r}.")
    return value


def _logit_r_and_slope(
    family: FamilyR2, log_w: np.ndarray, beta0: float, theta: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """L = logit(R²/R²max) at log W, and dL/d(log W) by a central difference (see LOG_W_STEP)."""

    def logit(t):
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            return family.logit_r2(np.exp(t), beta0, theta, NUMPY)

    h = LOG_W_STEP
    slope = (logit(log_w + h) - logit(log_w - h)) / (2.0 * h)
    return logit(log_w), slope


def exact_w_logpdf(
    family: str | FamilyR2,
    w: Tensor,
    beta0: float,
    a: float,
    b: float,
    theta: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Log-density of the exact W prior at fixed β₀ and θ, in NumPy.

    With r = R²(W, β₀, θ)/R²max ~ Beta(a, b) and L = logit r,

        log p(W) = a log r + b log(1 − r) − log B(a, b) + log dL/dW,

    because dr/dW = r (1 − r) dL/dW. The slope dL/dW = (dL/d log W) / W, with
    dL/d log W from a central difference in log W (relative error ~1e-9, see
    :data:`LOG_W_STEP`).

    Parameters
    ----------
    family : str or FamilyR2
        Family name (default link) or an :mod:`r2d2_formula._r2` family object.
    w : array_like
        Values of W > 0.
    beta0 : float
        The intercept.
    a, b : float
        The Beta prior of R²/R²max.
    theta : mapping, optional
        Family parameters; missing ones take :data:`DEFAULT_THETA`.

    Returns
    -------
    numpy.ndarray
        log p(W), the shape of ``w``.

    Examples
    --------
    Gaussian with σ = 1: W ~ BetaPrime(1, 1), density 1 / (1 + w)².

    >>> import numpy as np
    >>> np.round(np.exp(exact_w_logpdf("gaussian", [1.0, 3.0], 0.0, 1.0, 1.0)), 8)
    array([0.25  , 0.0625])
    """
    fam = _resolve_family(family)
    theta = _resolve_theta(fam, theta)
    a, b = _positive("a", a), _positive("b", b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_w = np.log(np.asarray(w, dtype=float))
    return _exact_logpdf(fam, log_w, _finite("beta0", beta0), a, b, theta)[0]


def _exact_logpdf(
    family: FamilyR2, log_w: np.ndarray, beta0: float, a: float, b: float, theta: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """log p(W) of the exact prior at log W, and L = logit(R²/R²max) there."""
    logit_r, slope = _logit_r_and_slope(family, log_w, beta0, theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = log_beta_pdf_from_logit(logit_r, a, b, NUMPY) + np.log(slope) - log_w
    return log_p, logit_r


@functools.lru_cache(maxsize=1024)
def _fit_cached(
    family: FamilyR2,
    beta0: float,
    a: float,
    b: float,
    theta_items: tuple[tuple[str, float], ...],
) -> tuple[float, float, float, float]:
    theta = dict(theta_items)
    cell = f"family {family.name!r} (link {family.link!r}), beta0={beta0}, a={a}, b={b}"
    target = special.logit(special.betaincinv(a, b, TAUS))
    log_w = np.log(solve_w(family, target, beta0, theta))
    log_exact, logit_r = _exact_logpdf(family, log_w, beta0, a, b, theta)
    # solve_w does not report failures; a wrong quantile would silently spoil the fit,
    # which is how the authors' unbracketed search fails.
    missed = ~np.isfinite(target) | (np.abs(logit_r - target) > 1e-8 * (1.0 + np.abs(target)))
    bad = TAUS[missed | ~np.isfinite(log_exact)]
    if bad.size:
        raise R2D2Error(
            f"GBP fit for {cell}: the exact W quantile could not be found at {bad.size} of "
            f"{TAUS.size} levels tau (from {bad[0]:.2f} to {bad[-1]:.2f}); R²/R²max there is "
            "beyond float64 (a or b too small?)."
        )
    log_a, log_b = math.log(a), math.log(b)

    def objective(p: np.ndarray) -> float:
        la, lb, lc, ld = p
        log_gbp = _gbp_logpdf_log_w(log_w, math.exp(la), math.exp(lb), math.exp(lc), ld)
        ratio = np.exp(np.minimum(log_gbp - log_exact, _LOG_RATIO_CAP))
        shrink = (la - log_a) ** 2 + (lb - log_b) ** 2 + lc**2 + ld**2
        return float(np.sum((1.0 - ratio) ** 2) + PENALTY * shrink)

    x0 = np.zeros(4)
    simplex = np.vstack([x0, x0 + _SIMPLEX_STEP * np.eye(4)])
    result = optimize.minimize(  # type: ignore[call-overload]  # scipy-stubs: options dict
        objective,
        x0,
        method="Nelder-Mead",
        options={**_NM_OPTIONS, "initial_simplex": simplex},
    )
    if not result.success or not np.all(np.isfinite(result.x)):
        raise R2D2Error(f"GBP fit did not converge for {cell}: {result.message}")
    a_star, b_star, c_star, d_star = (float(v) for v in np.exp(result.x))
    return a_star, b_star, c_star, d_star


def fit_gbp(
    family: str | FamilyR2,
    beta0: float,
    a: float,
    b: float,
    theta: Mapping[str, float] | None = None,
) -> tuple[float, float, float, float]:
    """Fit GBP(a*, b*, c*, d*) to the exact W prior at a fixed intercept (the paper's method).

    The exact W quantiles w_τ (τ = :data:`TAUS`) are found by bracketed
    root-finding, then

        Σ_τ (1 − p_GBP(w_τ)/p_W(w_τ))² + λ[(log a* − log a)² + (log b* − log b)²
                                          + (log c*)² + (log d*)²],  λ = :data:`PENALTY`,

    is minimised by Nelder–Mead over the log parameters from (1, 1, 1, 1).
    Results are cached on (family, β₀, a, b, θ): ``fit_gbp.cache_info()`` shows
    the hits and ``fit_gbp.cache_clear()`` empties the cache.

    Parameters
    ----------
    family : str or FamilyR2
        A family name (``"gaussian"``, ``"poisson"``, ``"negativebinomial"``,
        ``"gamma"``, ``"bernoulli"``, ``"binomial"``, ``"zero_inflated_poisson"``, ``"t"``,
        ``"laplace"``, ``"asymmetriclaplace"``, ``"exgaussian"``, ``"lognormal"``,
        ``"exponential"``, ``"weibull"``) with its default link, or an
        :mod:`r2d2_formula._r2` family object, e.g.
        ``family_r2("binomial", trials=10)`` or ``family_r2("bernoulli", "probit")``.
    beta0 : float
        The intercept the prior is fitted at (the paper uses g(mean(y))).
    a, b : float
        The target prior R²/R²max ~ Beta(a, b).
    theta : mapping, optional
        Family parameters (``"sigma"``, ``"alpha"``, ``"psi"``, ``"b"``, ``"kappa"``,
        ``"nu"``). Missing ones take :data:`DEFAULT_THETA`: σ = 1 (gaussian, t,
        exgaussian, lognormal), α = 1 (negativebinomial, gamma, weibull), ψ = 0.5
        (zero_inflated_poisson), b = κ = ν = 1.

    Returns
    -------
    tuple of float
        (a*, b*, c*, d*).

    Raises
    ------
    FamilyError
        Unknown family, or a ``theta`` entry the family does not have.
    PriorError
        ``a``, ``b`` not positive, or ``beta0`` not finite.
    R2D2Error
        Nelder–Mead did not converge.

    Examples
    --------
    Gaussian with σ = 1 is exactly BetaPrime(a, b) = GBP(a, b, 1, 1):

    >>> [round(p, 3) for p in fit_gbp("gaussian", 0.0, 2.0, 3.0)]
    [2.0, 3.0, 1.0, 1.0]
    >>> a_, b_, c_, d_ = fit_gbp("poisson", 0.0, 1.0, 1.0)
    >>> fit_gbp("poisson", 0.0, 1.0, 1.0) == (a_, b_, c_, d_)  # the second call is a cache hit
    True
    """
    fam = _resolve_family(family)
    theta = _resolve_theta(fam, theta)
    return _fit_cached(
        fam,
        _finite("beta0", beta0),
        _positive("a", a),
        _positive("b", b),
        tuple(sorted(theta.items())),
    )


fit_gbp.cache_info = _fit_cached.cache_info  # type: ignore[attr-defined]
fit_gbp.cache_clear = _fit_cached.cache_clear  # type: ignore[attr-defined]


def implied_r2_ks(
    family: str | FamilyR2,
    beta0: float,
    a: float,
    b: float,
    params: tuple[float, float, float, float],
    theta: Mapping[str, float] | None = None,
    grid: int = 4001,
) -> float:
    """KS distance between the R²/R²max implied by W ~ GBP(``params``) and Beta(a, b), exactly.

    R² increases in W, so the implied CDF of r = R²/R²max at r(w) is F_GBP(w), and
    the distance is sup_w |F_GBP(w) − I_{r(w)}(a, b)|. It is evaluated at the GBP
    quantiles of ``grid`` levels (0.5/grid, ..., 1 − 0.5/grid), where F_GBP is
    known: between neighbours F_GBP rises by 1/grid and the Beta CDF is monotone,
    so the maximum found is within 1/grid of the supremum. No draws and no
    root-finding: this is the population value a Monte-Carlo KS statistic of n
    draws estimates, with noise ~0.9/sqrt(n).

    Parameters
    ----------
    family : str or FamilyR2
        Family name or :mod:`r2d2_formula._r2` family object.
    beta0 : float
        The intercept.
    a, b : float
        The target Beta(a, b) of R²/R²max.
    params : tuple of float
        (a*, b*, c*, d*) of the GBP, e.g. from :func:`fit_gbp`.
    theta : mapping, optional
        Family parameters; missing ones take :data:`DEFAULT_THETA`.
    grid : int
        Number of GBP quantiles evaluated.

    Returns
    -------
    float
        The KS distance.

    Examples
    --------
    >>> params = fit_gbp("poisson", 0.0, 1.0, 1.0)
    >>> round(implied_r2_ks("poisson", 0.0, 1.0, 1.0, params), 3)
    0.009
    """
    fam = _resolve_family(family)
    theta = _resolve_theta(fam, theta)
    a, b = _positive("a", a), _positive("b", b)
    levels = (np.arange(grid) + 0.5) / grid
    gbp = GeneralizedBetaPrime(*params)
    # Upper levels through isf: ppf(1 − q) loses q's digits to the rounding of 1 − q.
    w = np.where(levels < 0.5, gbp.ppf(levels), gbp.isf(1.0 - levels))
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        logit_r = fam.logit_r2(w, _finite("beta0", beta0), theta, NUMPY)
    beta_cdf = special.betainc(a, b, special.expit(logit_r))
    return float(np.max(np.abs(beta_cdf - levels)))


@dataclass(frozen=True)
class GBPW:
    """The paper's recommendation: W ~ GBP(a*, b*, c*, d*), fitted before sampling.

    The parameters come from :func:`r2d2_formula._gbp.fit_gbp` at one intercept
    (g(ȳ)) and one value of the family parameters; W's prior then no longer
    moves with them, so R² follows Beta(a, b) only approximately, and less so
    the further the intercept moves from where the GBP was fitted.
    """

    shape_a: float
    shape_b: float
    power: float
    scale: float
    fitted_at: float

    def logp(self, W: Tensor, beta0: Tensor, theta: dict[str, Any], ops: SimpleNamespace) -> Any:
        a, b, c, d = self.shape_a, self.shape_b, self.power, self.scale
        log_u = c * (ops.log(W) - math.log(d))
        log_norm = math.log(c) - math.log(d) - float(special.betaln(a, b))
        return log_norm + (a - 1.0 / c) * log_u - (a + b) * ops.logaddexp(0.0, log_u)

    def random(
        self, beta0: Tensor, theta: dict[str, Any], rng: np.random.Generator, size: Any = None
    ) -> np.ndarray:
        gbp = GeneralizedBetaPrime(self.shape_a, self.shape_b, self.power, self.scale)
        return gbp.rvs(rng, size=size)
