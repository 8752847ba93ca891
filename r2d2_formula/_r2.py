"""R² of a GLMM as a function of the linear predictor's variance (VaDeR).

For η ~ Normal(β₀, W), mean function μ(η) = E(Y | η) and variance function
σ²(η) = Var(Y | η),

    R²(W, β₀, θ) = Var{μ(η)} / (Var{μ(η)} + E{σ²(η)}).

Each family here computes ``logit_r2``: the logit of R²/R²max, where R²max is
the supremum of R² over W (1 for most families, α/(α+1) for gamma and the
negative binomial). Working on the logit scale keeps R² and 1 − R² accurate
to the last digit over W from 1e-300 to 1e5, which the sampler visits during
warm-up. Every function takes an ``ops`` namespace (:data:`NUMPY` or
:func:`pytensor_ops`), so the same formula serves root-finding in NumPy and the
differentiable log-density in PyTensor.

Families without a closed form (bernoulli and binomial under any link) use
quadrature: Gauss–Hermite in the standard normal variable for W < 1, and for
W ≥ 1 a trapezoidal rule over the latent variable of the link (the link's
inverse is a CDF F, so E F(η)^k = E Φ((β₀ − M_k)/√W) with M_k the maximum of k
latent draws). Each rule integrates the narrow factor as its weight, so both
reach close to machine precision where they are used.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import special

from r2d2_formula._errors import DataError, FamilyError, UnsupportedError
from r2d2_formula._links import LINKS, LatentLink
from r2d2_formula._types import Tensor

__all__ = [
    "NUMPY",
    "AsymmetricLaplace",
    "Beta",
    "BetaBinomial",
    "Binary",
    "ExGaussian",
    "Exponential",
    "FamilyR2",
    "Gamma",
    "Gaussian",
    "HurdleGamma",
    "HurdleLogNormal",
    "LogLocation",
    "Laplace",
    "LogNormal",
    "NegativeBinomial",
    "Ordinal",
    "Poisson",
    "StudentT",
    "VonMises",
    "Weibull",
    "ZeroInflatedNegativeBinomial",
    "ZeroInflatedPoisson",
    "pytensor_ops",
]


def _np_logsumexp(x, axis=-1):
    # scipy.special.logsumexp is several times slower, and root-finding calls this a lot.
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.log(np.sum(np.exp(x - top), axis=axis)) + np.squeeze(top, axis=axis)


def _np_log_expm1(x):
    return x + np.log(-np.expm1(-x))


#: Math primitives on NumPy arrays.
NUMPY = SimpleNamespace(
    exp=np.exp,
    log=np.log,
    log1p=np.log1p,
    expm1=np.expm1,
    sqrt=np.sqrt,
    logaddexp=np.logaddexp,
    sigmoid=special.expit,
    normal_cdf=special.ndtr,
    log_normal_cdf=special.log_ndtr,
    softplus=lambda x: np.logaddexp(0.0, x),
    log_expm1=_np_log_expm1,
    gammaln=special.gammaln,
    minimum=np.minimum,
    maximum=np.maximum,
    max=np.max,
    abs=np.abs,
    logsumexp=_np_logsumexp,
    switch=np.where,
    as_array=np.asarray,
)


def _pt_log_normal_cdf(x):
    import pytensor.tensor as pt

    # erfcx keeps the lower tail finite where erfc underflows.
    safe = pt.minimum(x, -1.0)
    tail = pt.log(0.5 * pt.erfcx(-safe / math.sqrt(2.0))) - 0.5 * safe**2
    body = pt.log(0.5 * pt.erfc(-pt.maximum(x, -1.0) / math.sqrt(2.0)))
    return pt.switch(x < -1.0, tail, body)


def _pt_log_expm1(x):
    import pytensor.tensor as pt

    # PyTensor rewrites log(-expm1(-x)) into a log1mexp that loses digits near 0,
    # so small x take log(expm1(x)) and only large x (where expm1 overflows) the other form.
    small = pt.minimum(x, 30.0)
    large = pt.maximum(x, 30.0)
    return pt.switch(x < 30.0, pt.log(pt.expm1(small)), large + pt.log1p(-pt.exp(-large)))


def _check_latent_link(name: str, response: str) -> None:
    """Refuse a link that is not a latent variable's CDF (logit, probit, cloglog)."""
    if not isinstance(LINKS.get(name), LatentLink):
        latent = [key for key, link in LINKS.items() if isinstance(link, LatentLink)]
        raise UnsupportedError(
            f"link {name!r} for {response} is not supported; use one of {', '.join(latent)}."
        )


@functools.cache
def pytensor_ops() -> SimpleNamespace:
    """Math primitives on PyTensor tensors (imported lazily: PyTensor is slow to import)."""
    import pytensor.tensor as pt

    return SimpleNamespace(
        exp=pt.exp,
        log=pt.log,
        log1p=pt.log1p,
        expm1=pt.expm1,
        sqrt=pt.sqrt,
        logaddexp=pt.logaddexp,
        sigmoid=pt.sigmoid,
        normal_cdf=lambda x: 0.5 * pt.erfc(-x / math.sqrt(2.0)),
        log_normal_cdf=_pt_log_normal_cdf,
        softplus=pt.softplus,
        log_expm1=_pt_log_expm1,
        gammaln=pt.gammaln,
        minimum=pt.minimum,
        maximum=pt.maximum,
        max=pt.max,
        abs=pt.abs,
        logsumexp=pt.logsumexp,
        switch=pt.switch,
        as_array=pt.as_tensor_variable,
    )


@dataclass(frozen=True)
class FamilyR2:
    """R² of one response family under one link.

    Subclasses implement :meth:`logit_r2` and, when R² is bounded below 1,
    :meth:`r2max`. ``theta`` names the family's own parameters as Bambi names
    them (``"sigma"``, ``"alpha"``, ``"psi"``); they are passed to every method
    as a mapping from name to value.
    """

    name: str = field(init=False, default="")
    link: str = field(init=False, default="")
    theta: tuple[str, ...] = field(init=False, default=())
    bounded: bool = field(init=False, default=False)
    #: True where PyMC cannot draw the response at every prior value of the mean, so that
    #: :meth:`draw_response` draws it instead.
    draws_response: bool = field(init=False, default=False)

    def logit_r2(
        self, W: Tensor, beta0: Tensor, theta: dict[str, Any], ops: SimpleNamespace
    ) -> Tensor:
        """logit(R²/R²max) at variance ``W`` of η and intercept ``beta0``."""
        raise NotImplementedError

    def logit_r2_and_slope(
        self, W: Tensor, beta0: Tensor, theta: dict[str, Any], ops: SimpleNamespace
    ) -> tuple[Tensor, Tensor]:
        """logit(R²/R²max) and its derivative in W (PyTensor's autodiff unless overridden).

        A family whose logit is itself a sum over quadrature nodes overrides this
        with the slope in closed form, so the sampler's gradient does not have to
        differentiate an autodiff graph a second time.
        """
        import pytensor.tensor as pt

        logit_r = self.logit_r2(W, beta0, theta, ops)
        return logit_r, pt.grad(logit_r.sum(), W)

    def r2max(self, theta: dict[str, Any], ops: SimpleNamespace) -> Tensor:
        """Supremum of R² over W (1 unless the family bounds it)."""
        return 1.0

    def r2(
        self, W: Tensor, beta0: Tensor, theta: dict[str, Any], ops: SimpleNamespace = NUMPY
    ) -> Tensor:
        """R² itself: R²max · sigmoid(logit_r2).

        Examples
        --------
        >>> from r2d2_formula._r2 import Poisson
        >>> round(float(Poisson().r2(1.0, 0.0, {})), 4)
        0.7391
        """
        return self.r2max(theta, ops) * ops.sigmoid(self.logit_r2(W, beta0, theta, ops))

    def moments(self, eta: Tensor, theta: dict[str, Any]) -> tuple[Tensor, Tensor]:
        """Conditional mean and variance (μ(η), σ²(η)) in NumPy, used to check formulas."""
        raise NotImplementedError

    def log_linear_scale(
        self, beta0: Tensor, theta: dict[str, Any], ops: SimpleNamespace
    ) -> Tensor:
        """log s²(β₀) = log σ²(β₀) − 2 log μ'(β₀): the delta method's R² is W / (W + s²)."""
        raise NotImplementedError

    def link_of_mean(self, mean: float, theta: dict[str, Any]) -> float:
        """The link of a response mean: where the intercept's prior is centered."""
        raise NotImplementedError

    def intercept_sd_unit(self, spread: float) -> float:
        """The unit of the intercept's prior SD on the link scale, given the response's spread."""
        return spread

    def draw_response(
        self, parent: np.ndarray, theta: dict[str, np.ndarray], rng: np.random.Generator
    ) -> np.ndarray:
        """Responses at Bambi's parent parameter ``parent`` (only if :attr:`draws_response`)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Gaussian(FamilyR2):
    """Gaussian, identity link: R² = W / (W + σ²)."""

    name: str = field(init=False, default="gaussian")
    link: str = field(init=False, default="identity")
    theta: tuple[str, ...] = field(init=False, default=("sigma",))

    def logit_r2(self, W, beta0, theta, ops):
        return ops.log(W) - 2.0 * ops.log(theta["sigma"])

    def moments(self, eta, theta):
        return eta, np.full_like(eta, float(theta["sigma"]) ** 2)

    def log_linear_scale(self, beta0, theta, ops):
        return 2.0 * ops.log(theta["sigma"]) + 0.0 * beta0

    def link_of_mean(self, mean, theta):
        return mean


@dataclass(frozen=True)
class Poisson(FamilyR2):
    """Poisson, log link: logit R² = log(e^W − 1) + β₀ + W/2."""

    name: str = field(init=False, default="poisson")
    link: str = field(init=False, default="log")

    def logit_r2(self, W, beta0, theta, ops):
        return ops.log_expm1(W) + beta0 + 0.5 * W

    def moments(self, eta, theta):
        mu = np.exp(eta)
        return mu, mu

    def log_linear_scale(self, beta0, theta, ops):
        return -beta0

    def link_of_mean(self, mean, theta):
        return math.log(mean)


@dataclass(frozen=True)
class PoissonOffset(FamilyR2):
    """Poisson with log link and an offset o_i: μ_i = exp(o_i + η_i).

    As in the paper's "Poisson_offsets" case, R² is the share of the variance
    left unexplained by the offsets that the model explains,
    (R² − R²₀)/(1 − R²₀), with R²₀ the R² of the offsets alone (W = 0). The
    offsets enter through their empirical moments M_k = mean(e^{k(o − ō)})
    (the paper assumes normal offsets), and β₀' = β₀ + ō:

    logit = 2β₀' + log(e^{W/2} − 1) + log(M₂(e^W + e^{W/2} + 1) − M₁²)
            − log(e^{2β₀'}(M₂ − M₁²) + e^{β₀'} M₁).

    Without offset variation (M₁ = M₂ = 1) it is the plain Poisson formula.
    """

    offset_mean: float = 0.0
    log_m1: float = 0.0
    log_m2: float = 0.0
    name: str = field(init=False, default="poisson")
    link: str = field(init=False, default="log")

    @classmethod
    def from_offsets(cls, offsets: np.ndarray) -> PoissonOffset:
        """The family for these per-observation offsets (on the log scale)."""
        offsets = np.asarray(offsets, dtype=float)
        centered = offsets - offsets.mean()
        log_m = [float(special.logsumexp(k * centered) - math.log(centered.size)) for k in (1, 2)]
        return cls(float(offsets.mean()), *log_m)

    def logit_r2(self, W, beta0, theta, ops):
        b = beta0 + self.offset_mean
        m1, m2 = math.exp(self.log_m1), math.exp(self.log_m2)
        # log(e^W + e^{W/2} + 1) without overflow, then subtract M₁²/M₂ inside log1p.
        log_sum = ops.logaddexp(ops.logaddexp(W, 0.5 * W), 0.0)
        log_gap = self.log_m2 + log_sum + ops.log1p(-(m1 * m1 / m2) * ops.exp(-log_sum))
        log_base = ops.logaddexp(2 * b + math.log(max(m2 - m1 * m1, 1e-300)), b + self.log_m1)
        return 2 * b + ops.log_expm1(0.5 * W) + log_gap - log_base

    def moments(self, eta, theta):
        raise NotImplementedError("R² with offsets averages over observations; no μ(η).")

    def log_linear_scale(self, beta0, theta, ops):
        return -(beta0 + self.offset_mean) - self.log_m1

    def link_of_mean(self, mean, theta):
        return math.log(mean) - self.offset_mean - self.log_m1


@dataclass(frozen=True)
class Gamma(FamilyR2):
    """Gamma with shape α, log link: R² = (1 − e^−W) / (1 − e^−W + 1/α), R²max = α/(α+1).

    On the relative scale, logit(R²/R²max) = log(1 + α) + log(e^W − 1).
    """

    name: str = field(init=False, default="gamma")
    link: str = field(init=False, default="log")
    theta: tuple[str, ...] = field(init=False, default=("alpha",))
    bounded: bool = field(init=False, default=True)

    def logit_r2(self, W, beta0, theta, ops):
        return ops.log1p(theta["alpha"]) + ops.log_expm1(W)

    def r2max(self, theta, ops):
        alpha = theta["alpha"]
        return alpha / (alpha + 1.0)

    def moments(self, eta, theta):
        mu = np.exp(eta)
        return mu, mu**2 / theta["alpha"]

    def log_linear_scale(self, beta0, theta, ops):
        return -ops.log(theta["alpha"]) + 0.0 * beta0

    def link_of_mean(self, mean, theta):
        return math.log(mean)


@dataclass(frozen=True)
class NegativeBinomial(FamilyR2):
    """Negative binomial NB2 (Var = μ + μ²/α), log link; R²max = α/(α+1).

    logit(R²/R²max) = log(1 + α) + log(e^W − 1) + β₀ + W/2 − log(α + e^{β₀ + W/2}).
    """

    name: str = field(init=False, default="negativebinomial")
    link: str = field(init=False, default="log")
    theta: tuple[str, ...] = field(init=False, default=("alpha",))
    bounded: bool = field(init=False, default=True)

    def logit_r2(self, W, beta0, theta, ops):
        alpha = theta["alpha"]
        half = beta0 + 0.5 * W
        return ops.log1p(alpha) + ops.log_expm1(W) + half - ops.logaddexp(ops.log(alpha), half)

    def r2max(self, theta, ops):
        alpha = theta["alpha"]
        return alpha / (alpha + 1.0)

    def moments(self, eta, theta):
        mu = np.exp(eta)
        return mu, mu + mu**2 / theta["alpha"]

    def log_linear_scale(self, beta0, theta, ops):
        # s² = (μ + μ²/α)/μ² = e^-β₀ + 1/α
        return ops.logaddexp(-beta0, -ops.log(theta["alpha"]))

    def link_of_mean(self, mean, theta):
        return math.log(mean)


@dataclass(frozen=True)
class ZeroInflatedPoisson(FamilyR2):
    """Zero-inflated Poisson as in PyMC: ψ is the probability of the Poisson part.

    Mean ψμ and variance ψμ(1 + (1 − ψ)μ) with μ = e^η give R²max = ψ and
    logit(R²/R²max) = log(e^W − 1) + β₀ + W/2 − log1p((1 − ψ) e^{β₀ + W/2}).
    """

    name: str = field(init=False, default="zero_inflated_poisson")
    link: str = field(init=False, default="log")
    theta: tuple[str, ...] = field(init=False, default=("psi",))
    bounded: bool = field(init=False, default=True)

    def logit_r2(self, W, beta0, theta, ops):
        # Var μ = ψ² e^{2β₀+W} (e^W − 1); E σ² = ψ e^{β₀+W/2} + ψ(1−ψ) e^{2β₀+2W};
        # R²max (E σ²) − (1 − R²max) Var μ simplifies to ψ² e^{β₀+W/2}(1 + (1−ψ)e^{β₀+W/2}).
        log_extra = ops.log1p(-theta["psi"]) + beta0 + 0.5 * W
        return ops.log_expm1(W) + beta0 + 0.5 * W - ops.logaddexp(0.0, log_extra)

    def r2max(self, theta, ops):
        return theta["psi"]

    def moments(self, eta, theta):
        psi = theta["psi"]
        mu = np.exp(eta)
        return psi * mu, psi * mu * (1 + (1 - psi) * mu)

    def log_linear_scale(self, beta0, theta, ops):
        # s² = ψμ(1 + (1 − ψ)μ) / (ψμ)² with μ = e^β₀
        psi = theta["psi"]
        return ops.logaddexp(0.0, ops.log1p(-psi) + beta0) - ops.log(psi) - beta0

    def link_of_mean(self, mean, theta):
        return math.log(mean / theta["psi"])


@dataclass(frozen=True)
class ZeroInflatedNegativeBinomial(FamilyR2):
    """Zero-inflated NB2 as in PyMC: ψ is the probability of the negative binomial part.

    With μ = e^η the mean is ψμ and the variance ψμ + ψ(1/α + 1 − ψ)μ² (a mixture of 0 and
    NB2(μ, α), whose second moment is μ + μ²/α + μ²). Writing c = 1/α + 1 − ψ and
    E₁ = e^{β₀+W/2}, Var ψμ(η) = ψ²E₁²(e^W − 1) and E σ² = ψE₁ + ψcE₁²e^W, so
    R²max = ψ/(ψ + c) = ψα/(α + 1) (the limit W → ∞) and

    logit(R²/R²max) = log(1 + 1/α) + log(e^W − 1) + β₀ + W/2 − log1p(c e^{β₀ + W/2}).

    ψ = 1 is the negative binomial, α → ∞ the zero-inflated Poisson.

    Examples
    --------
    >>> from r2d2_formula._r2 import NUMPY, ZeroInflatedNegativeBinomial
    >>> family = ZeroInflatedNegativeBinomial()
    >>> float(family.r2max({"alpha": 3.0, "psi": 0.8}, NUMPY))
    0.6000000000000001
    >>> round(float(family.r2(1.0, 0.5, {"alpha": 3.0, "psi": 0.8})), 6)
    0.430613
    """

    name: str = field(init=False, default="zero_inflated_negativebinomial")
    link: str = field(init=False, default="log")
    theta: tuple[str, ...] = field(init=False, default=("alpha", "psi"))
    bounded: bool = field(init=False, default=True)

    @staticmethod
    def _log_c(theta: dict[str, Any], ops: SimpleNamespace) -> Tensor:
        """log c = log(1/α + 1 − ψ), each term kept in log space."""
        return ops.logaddexp(-ops.log(theta["alpha"]), ops.log1p(-theta["psi"]))

    def logit_r2(self, W, beta0, theta, ops):
        # R²/(R²max − R²) = (ψ + c) Var μ / (ψ² E₁(1 + c E₁)) with ψ + c = 1 + 1/α.
        half = beta0 + 0.5 * W
        return (
            ops.softplus(-ops.log(theta["alpha"]))
            + ops.log_expm1(W)
            + half
            - ops.softplus(self._log_c(theta, ops) + half)
        )

    def r2max(self, theta, ops):
        return theta["psi"] * ops.sigmoid(ops.log(theta["alpha"]))

    def moments(self, eta, theta):
        alpha, psi = theta["alpha"], theta["psi"]
        mu = np.exp(eta)
        return psi * mu, psi * mu + psi * (1.0 / alpha + 1.0 - psi) * mu**2

    def log_linear_scale(self, beta0, theta, ops):
        # s² = (ψμ + ψcμ²)/(ψμ)² = (1/μ + c)/ψ with μ = e^β₀
        return ops.logaddexp(-beta0, self._log_c(theta, ops)) - ops.log(theta["psi"])

    def link_of_mean(self, mean, theta):
        return math.log(mean / theta["psi"])


# --- ordinal responses: the latent-variable R² ------------------------------------------------


@dataclass(frozen=True)
class Ordinal(FamilyR2):
    """Cumulative and stopping-ratio models: R² of the latent variable, W / (W + v).

    An ordinal response is a coarsened latent Y* = η + ε whose error ε has the link's
    distribution (logistic: v = π²/3, normal: v = 1, minimum-Gumbel: v = π²/6); the
    thresholds cut Y* into categories and absorb its mean, so R² = Var η / (Var η + v)
    whatever the thresholds and the intercept are (McKelvey and Zavoina's R²). In the
    stopping-ratio model each step has its own latent variable of the same variance.

    Examples
    --------
    >>> from r2d2_formula._r2 import Ordinal
    >>> round(float(Ordinal("probit").r2(1.0, 0.0, {})), 12)
    0.5
    """

    link: str = "logit"
    name: str = field(init=False, default="cumulative")

    def __post_init__(self) -> None:
        _check_latent_link(self.link, "an ordinal response")

    @property
    def log_latent_variance(self) -> float:
        """log Var ε, the variance of the link's latent error."""
        link = LINKS[self.link]
        assert isinstance(link, LatentLink)  # checked in __post_init__
        return math.log(link.variance)

    def logit_r2(self, W, beta0, theta, ops):
        return ops.log(W) - self.log_latent_variance + 0.0 * beta0

    def moments(self, eta, theta):
        eta = np.asarray(eta, dtype=float)
        return eta, np.full_like(eta, math.exp(self.log_latent_variance))

    def log_linear_scale(self, beta0, theta, ops):
        return self.log_latent_variance + 0.0 * beta0

    def link_of_mean(self, mean, theta):
        # The thresholds place the categories: η has no intercept.
        return 0.0


# --- circular responses --------------------------------------------------------------------


@dataclass(frozen=True)
class VonMises(FamilyR2):
    """Von Mises angles with mean direction μ = η (Bambi's identity link) and concentration κ.

    An angle has no variance on the line; its spread is the circular variance 1 − ρ,
    ρ = |E e^{iY}| the mean resultant length. With η ~ N(β₀, W) and A(κ) = I₁(κ)/I₀(κ)
    (the von Mises' own ρ), E e^{i(Y − β₀)} = e^{−W/2} A(κ), so the total circular
    variance 1 − A e^{−W/2} splits into the within-direction part E(1 − A) = 1 − A and
    the part explained by the varying direction, A(1 − e^{−W/2}). R² is the explained
    share:

    R² = A(1 − e^{−W/2}) / (1 − A e^{−W/2}),  R²max = A(κ),
    logit(R²/R²max) = log(e^{W/2} − 1) − log(1 − A(κ)),

    increasing in W from 0 to A(κ). For small W it is W/2 · A/(1 − A), the Gaussian
    R² W/(W + σ²) with σ² = 2(1 − A)/A ≈ 1/κ for large κ.

    Examples
    --------
    >>> from r2d2_formula._r2 import VonMises
    >>> family = VonMises()
    >>> round(float(family.r2max({"kappa": 2.0}, NUMPY)), 6)
    0.697775
    >>> round(float(family.r2(1e4, 0.0, {"kappa": 2.0})), 6)
    0.697775
    """

    name: str = field(init=False, default="vonmises")
    link: str = field(init=False, default="identity")
    theta: tuple[str, ...] = field(init=False, default=("kappa",))
    bounded: bool = field(init=False, default=True)

    @staticmethod
    def _log_a_and_gap(theta: dict[str, Any], ops: SimpleNamespace) -> tuple[Tensor, Tensor]:
        """log A(κ) and log(1 − A(κ)), from Bessel functions scaled by e^{−κ} (no overflow)."""
        kappa = theta["kappa"]
        i0, i1 = _ive(0, kappa, ops), _ive(1, kappa, ops)
        return ops.log(i1) - ops.log(i0), ops.log(i0 - i1) - ops.log(i0)

    def logit_r2(self, W, beta0, theta, ops):
        return ops.log_expm1(0.5 * W) - self._log_a_and_gap(theta, ops)[1] + 0.0 * beta0

    def r2max(self, theta, ops):
        return ops.exp(self._log_a_and_gap(theta, ops)[0])

    def moments(self, eta, theta):
        raise NotImplementedError("an angle has no variance on the line: see the docstring.")

    def log_linear_scale(self, beta0, theta, ops):
        log_a, log_gap = self._log_a_and_gap(theta, ops)
        return math.log(2.0) + log_gap - log_a + 0.0 * beta0

    def link_of_mean(self, mean, theta):
        return mean


def _ive(order: int, x: Tensor, ops: SimpleNamespace) -> Tensor:
    """The modified Bessel function I_order(x) e^{−|x|}."""
    if ops is NUMPY:
        return special.ive(order, x)
    import pytensor.tensor as pt

    return pt.ive(order, x)


# --- identity link, variance free of η: R² = W / (W + v(θ)) ----------------------------------


@dataclass(frozen=True)
class _ConstantVariance(FamilyR2):
    """Identity link on a location μ, E(Y | η) = η + m(θ), Var(Y | η) = v(θ) for every η.

    Then Var μ(η) = W and E σ²(η) = v, so R² = W / (W + v) and logit R² = log W − log v,
    with R²max = 1: finite for W from 1e-300 to 1e300. A subclass gives log v and m.
    """

    link: str = field(init=False, default="identity")

    def log_variance(self, theta: dict[str, Any], ops: SimpleNamespace) -> Tensor:
        """log v(θ): the variance (or, for the t, the squared scale) that R² divides by."""
        raise NotImplementedError

    def mean_shift(self, theta: dict[str, Any]) -> Tensor:
        """m(θ) = E(Y | η) − η in NumPy (0 where the location is the mean)."""
        return 0.0

    def logit_r2(self, W, beta0, theta, ops):
        return ops.log(W) - self.log_variance(theta, ops) + 0.0 * beta0

    def moments(self, eta, theta):
        eta = np.asarray(eta, dtype=float)
        variance = np.exp(self.log_variance(theta, NUMPY))
        return eta + self.mean_shift(theta), variance + 0.0 * eta

    def log_linear_scale(self, beta0, theta, ops):
        return self.log_variance(theta, ops) + 0.0 * beta0

    def link_of_mean(self, mean, theta):
        return float(mean - self.mean_shift(theta))


@dataclass(frozen=True)
class StudentT(_ConstantVariance):
    """Student t with location μ = η, scale σ and ν degrees of freedom: R² = W / (W + σ²).

    R² uses the scale σ², not the variance σ²ν/(ν − 2), which is infinite for ν ≤ 2: it is
    the R² of the Gaussian model with the t's scale (the variance would give a smaller R²,
    W / (W + σ²ν/(ν − 2)), for ν > 2). It does not depend on ν (``nu`` is listed so that
    its prior can be set like the other family parameters').

    Examples
    --------
    >>> from r2d2_formula._r2 import StudentT
    >>> float(StudentT().r2(3.0, 0.0, {"sigma": 1.0, "nu": 4.0}))
    0.75
    """

    name: str = field(init=False, default="t")
    theta: tuple[str, ...] = field(init=False, default=("sigma", "nu"))

    def log_variance(self, theta, ops):
        return 2.0 * ops.log(theta["sigma"])


@dataclass(frozen=True)
class Laplace(_ConstantVariance):
    """Laplace with location μ = η and scale b (PyMC's): Var = 2b², R² = W / (W + 2b²).

    Examples
    --------
    >>> from r2d2_formula._r2 import Laplace
    >>> float(Laplace().r2(2.0, 0.0, {"b": 1.0}))
    0.5
    """

    name: str = field(init=False, default="laplace")
    theta: tuple[str, ...] = field(init=False, default=("b",))

    def log_variance(self, theta, ops):
        return math.log(2.0) + 2.0 * ops.log(theta["b"])


@dataclass(frozen=True)
class AsymmetricLaplace(_ConstantVariance):
    """Asymmetric Laplace as in PyMC: location μ = η, rate b and asymmetry κ.

    PyMC's density is b/(κ + 1/κ) exp(−(y − μ) b s κ^s), s = sign(y − μ): an exponential
    of rate bκ above μ and of rate b/κ below it. Its mean is μ + (1/κ − κ)/b and its
    variance (1 + κ⁴)/(b²κ²), so R² = W / (W + (1 + κ⁴)/(b²κ²)). (PyMC's alternative
    parameter q = κ²/(1 + κ²) is not exposed by Bambi's family.)

    Examples
    --------
    >>> from r2d2_formula._r2 import AsymmetricLaplace
    >>> float(AsymmetricLaplace().r2(2.0, 0.0, {"b": 1.0, "kappa": 1.0}))
    0.5
    """

    name: str = field(init=False, default="asymmetriclaplace")
    theta: tuple[str, ...] = field(init=False, default=("b", "kappa"))

    def log_variance(self, theta, ops):
        log_kappa = ops.log(theta["kappa"])
        return ops.logaddexp(0.0, 4.0 * log_kappa) - 2.0 * ops.log(theta["b"]) - 2.0 * log_kappa

    def mean_shift(self, theta):
        kappa = np.asarray(theta["kappa"], dtype=float)
        return (1.0 / kappa - kappa) / np.asarray(theta["b"], dtype=float)


@dataclass(frozen=True)
class ExGaussian(_ConstantVariance):
    """Exponentially modified Gaussian as in PyMC: Normal(μ = η, σ) plus Exponential(mean ν).

    Mean μ + ν and variance σ² + ν², so R² = W / (W + σ² + ν²).

    Examples
    --------
    >>> from r2d2_formula._r2 import ExGaussian
    >>> float(ExGaussian().r2(2.0, 0.0, {"sigma": 1.0, "nu": 1.0}))
    0.5
    """

    name: str = field(init=False, default="exgaussian")
    theta: tuple[str, ...] = field(init=False, default=("sigma", "nu"))

    def log_variance(self, theta, ops):
        return ops.logaddexp(2.0 * ops.log(theta["sigma"]), 2.0 * ops.log(theta["nu"]))

    def mean_shift(self, theta):
        return np.asarray(theta["nu"], dtype=float)


@dataclass(frozen=True)
class LogLocation(FamilyR2):
    """A constant-variance family with a log link on its location: μ = e^η.

    E(Y | η) = e^η + m(θ) and Var(Y | η) = v(θ), so Var E(Y | η) = e^{2β₀+W}(e^W − 1),
    E Var(Y | η) = v and logit R² = 2β₀ + W + log(e^W − 1) − log v: R² rises from 0 to 1
    as W grows, for every β₀, and depends on β₀ (a larger mean has a larger spread).

    Examples
    --------
    >>> import math
    >>> from r2d2_formula._r2 import Gaussian, LogLocation
    >>> r2 = float(LogLocation(Gaussian()).r2(1.0, 0.0, {"sigma": 1.0}))
    >>> variance = math.e * (math.e - 1.0)
    >>> round(r2, 12) == round(variance / (variance + 1.0), 12)
    True
    """

    base: FamilyR2 = field(default_factory=lambda: Gaussian())

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.base.name)
        object.__setattr__(self, "theta", self.base.theta)
        object.__setattr__(self, "link", "log")

    def _log_variance(self, theta: dict[str, Any], ops: SimpleNamespace) -> Tensor:
        # Under the identity link the base's logit R² is log W − log v: at W = 1 it is −log v.
        return -self.base.logit_r2(1.0, 0.0, theta, ops)

    def logit_r2(self, W, beta0, theta, ops):
        return 2.0 * beta0 + W + ops.log_expm1(W) - self._log_variance(theta, ops)

    def moments(self, eta, theta):
        location = np.exp(np.asarray(eta, dtype=float))
        mean, variance = self.base.moments(location, theta)
        return mean, variance

    def log_linear_scale(self, beta0, theta, ops):
        return self._log_variance(theta, ops) - 2.0 * beta0

    def link_of_mean(self, mean, theta):
        location = float(self.base.link_of_mean(mean, theta))
        if not location > 0:
            raise DataError(
                f"family {self.name!r} with link 'log' models a positive location e^η, but "
                f"the response's mean {mean:.4g} puts it at {location:.4g}; use the identity "
                "link, or a positive family (gamma, lognormal) for a positive response."
            )
        return math.log(location)

    def intercept_sd_unit(self, spread: float) -> float:
        return 1.0  # the intercept is a log: its prior SD is in log units, not the response's


# --- log link, variance c(θ) μ²: R² = (1 − e^−W) / (1 − e^−W + c) ----------------------------


@dataclass(frozen=True)
class _ConstantCV(FamilyR2):
    """E(Y | η) = e^{η + m(θ)} and Var(Y | η) = c(θ) E(Y | η)²: a constant coefficient of variation.

    Var μ = e^{2(β₀+m)+W}(e^W − 1) and E σ² = c e^{2(β₀+m)+2W}, so β₀ and m cancel:
    R² = (1 − e^−W) / (1 − e^−W + c), R²max = 1/(1 + c) and
    logit(R²/R²max) = log(1 + 1/c) + log(e^W − 1) (the gamma family's, with c = 1/α).
    A subclass gives log c and m.
    """

    link: str = field(init=False, default="log")
    bounded: bool = field(init=False, default=True)

    def log_cv2(self, theta: dict[str, Any], ops: SimpleNamespace) -> Tensor:
        """log c(θ), c the squared coefficient of variation Var(Y | η) / E(Y | η)²."""
        raise NotImplementedError

    def log_mean_shift(self, theta: dict[str, Any]) -> Tensor:
        """m(θ) = log E(Y | η) − η in NumPy (0 where e^η is the mean)."""
        return 0.0

    def logit_r2(self, W, beta0, theta, ops):
        return ops.softplus(-self.log_cv2(theta, ops)) + ops.log_expm1(W) + 0.0 * beta0

    def r2max(self, theta, ops):
        return ops.sigmoid(-self.log_cv2(theta, ops))

    def moments(self, eta, theta):
        mean = np.exp(np.asarray(eta, dtype=float) + self.log_mean_shift(theta))
        return mean, np.exp(self.log_cv2(theta, NUMPY)) * mean**2

    def log_linear_scale(self, beta0, theta, ops):
        # s² = σ²(β₀)/μ'(β₀)² = c μ²/μ² = c
        return self.log_cv2(theta, ops) + 0.0 * beta0

    def link_of_mean(self, mean, theta):
        return float(math.log(mean) - self.log_mean_shift(theta))


@dataclass(frozen=True)
class Exponential(_ConstantCV):
    """Exponential with mean μ = e^η (PyMC's rate is 1/μ): c = 1, R²max = 1/2.

    Examples
    --------
    >>> from r2d2_formula._r2 import Exponential
    >>> round(float(Exponential().r2(1e3, 0.0, {})), 12)
    0.5
    """

    name: str = field(init=False, default="exponential")

    def log_cv2(self, theta, ops):
        # A float64 scalar: PyTensor would make a Python float a float32 constant.
        return np.float64(0.0)


#: Coefficients of the series of d(x) = log Γ(1+2x) − 2 log Γ(1+x) = Σ_k d_k x^k, k = 2..11:
#: d_k = (−1)^k ζ(k) (2^k − 2)/k, from log Γ(1+x) = −γx + Σ_k (−1)^k ζ(k) x^k / k.
_WEIBULL_SERIES = tuple(
    (-1) ** k * float(special.zeta(k)) * (2.0**k - 2.0) / k for k in range(2, 12)
)
#: Below this x = 1/α the series is used: its first omitted term is ~(2x)^10 of the sum.
_WEIBULL_SERIES_BELOW = 0.01


def _log_gamma_ratio(x: Tensor, ops: SimpleNamespace) -> Tensor:
    """log Γ(1+2x) − 2 log Γ(1+x) ≥ 0, accurate to the last digits even for tiny x.

    For small x the two log-gammas nearly cancel (the difference is ζ(2)x²), and 1 + x
    rounds away x's last digits, so there the series is summed instead.
    """
    small = ops.minimum(x, _WEIBULL_SERIES_BELOW)
    series = 0.0 * small
    for coefficient in reversed(_WEIBULL_SERIES):
        series = (series + coefficient) * small
    series = series * small
    large = ops.maximum(x, _WEIBULL_SERIES_BELOW)
    direct = ops.gammaln(1.0 + 2.0 * large) - 2.0 * ops.gammaln(1.0 + large)
    return ops.switch(x < _WEIBULL_SERIES_BELOW, series, direct)


@dataclass(frozen=True)
class Weibull(_ConstantCV):
    """Weibull with shape α and mean μ = e^η (Bambi's ``mu``; PyMC's scale is μ/Γ(1 + 1/α)).

    Var = μ² c with c = Γ(1 + 2/α)/Γ(1 + 1/α)² − 1, so R²max = 1/(1 + c): 1/2 at α = 1
    (the exponential), towards 1 as α grows.

    Examples
    --------
    >>> from r2d2_formula._r2 import Weibull
    >>> round(float(Weibull().r2max({"alpha": 1.0}, NUMPY)), 12)
    0.5
    """

    name: str = field(init=False, default="weibull")
    theta: tuple[str, ...] = field(init=False, default=("alpha",))

    def log_cv2(self, theta, ops):
        return ops.log_expm1(_log_gamma_ratio(1.0 / theta["alpha"], ops))


@dataclass(frozen=True)
class LogNormal(_ConstantCV):
    """Log-normal: log Y ~ Normal(η, σ) (Bambi's identity link on ``mu``, the mean of log Y).

    R² is that of Y itself, on the response scale: E(Y | η) = e^{η + σ²/2} and
    Var(Y | η) = (e^{σ²} − 1) E(Y | η)², so c = e^{σ²} − 1 and
    R² = (1 − e^−W) / (1 − e^−W + e^{σ²} − 1), R²max = e^{−σ²}.

    Examples
    --------
    >>> from r2d2_formula._r2 import LogNormal
    >>> round(float(LogNormal().r2max({"sigma": 1.0}, NUMPY)), 6)
    0.367879
    """

    name: str = field(init=False, default="lognormal")
    link: str = field(init=False, default="identity")
    theta: tuple[str, ...] = field(init=False, default=("sigma",))

    def log_cv2(self, theta, ops):
        return ops.log_expm1(theta["sigma"] ** 2)

    def log_mean_shift(self, theta):
        return 0.5 * np.asarray(theta["sigma"], dtype=float) ** 2


@dataclass(frozen=True)
class HurdleGamma(_ConstantCV):
    """Hurdle gamma as in PyMC: ψ = P(Y > 0), the positive part Gamma(mean μ = e^η, shape α).

    E(Y | η) = ψμ and E(Y² | η) = ψμ²(1 + 1/α), so Var(Y | η) = ψμ²(1 + 1/α − ψ): a constant
    coefficient of variation c = (1 + 1/α − ψ)/ψ, R²max = ψ/(1 + 1/α) and
    R² = ψ(1 − e^−W) / (ψ(1 − e^−W) + 1 + 1/α − ψ).

    Examples
    --------
    >>> from r2d2_formula._r2 import HurdleGamma
    >>> round(float(HurdleGamma().r2max({"alpha": 1.0, "psi": 0.6}, NUMPY)), 12)
    0.3
    """

    name: str = field(init=False, default="hurdle_gamma")
    theta: tuple[str, ...] = field(init=False, default=("alpha", "psi"))

    def log_cv2(self, theta, ops):
        # 1 + 1/α − ψ = 1/α + (1 − ψ), both terms positive: summed in log space.
        spread = ops.logaddexp(-ops.log(theta["alpha"]), ops.log1p(-theta["psi"]))
        return spread - ops.log(theta["psi"])

    def log_mean_shift(self, theta):
        return np.log(np.asarray(theta["psi"], dtype=float))


@dataclass(frozen=True)
class HurdleLogNormal(_ConstantCV):
    """Hurdle log-normal: ψ = P(Y > 0), log Y ~ Normal(η, σ) when positive (identity link).

    E(Y | η) = ψe^{η+σ²/2} and E(Y² | η) = ψe^{2η+2σ²}: c = e^{σ²}/ψ − 1, R²max = ψe^{−σ²},
    R² = ψ(1 − e^−W) / (ψ(1 − e^−W) + e^{σ²} − ψ), on the response scale as for the
    log-normal.

    Examples
    --------
    >>> from r2d2_formula._r2 import HurdleLogNormal
    >>> round(float(HurdleLogNormal().r2max({"sigma": 1.0, "psi": 0.5}, NUMPY)), 6)
    0.18394
    """

    name: str = field(init=False, default="hurdle_lognormal")
    link: str = field(init=False, default="identity")
    theta: tuple[str, ...] = field(init=False, default=("sigma", "psi"))

    def log_cv2(self, theta, ops):
        # e^{σ²} − ψ = (e^{σ²} − 1) + (1 − ψ), both positive.
        spread = ops.logaddexp(ops.log_expm1(theta["sigma"] ** 2), ops.log1p(-theta["psi"]))
        return spread - ops.log(theta["psi"])

    def log_mean_shift(self, theta):
        sigma = np.asarray(theta["sigma"], dtype=float)
        return 0.5 * sigma**2 + np.log(np.asarray(theta["psi"], dtype=float))


# --- log-link families by quadrature -------------------------------------------------------


@dataclass(frozen=True)
class TiltedQuadrature(FamilyR2):
    """VaDeR R² of a log-link family by Gauss–Hermite quadrature: the generic fallback.

    A subclass gives μ(η) = e^η h(η) and σ²(η) = Σ_k e^{kη} g_k(η), with h and
    g_k slowly varying. Each term is integrated after exponential tilting,
    E[e^{kη} g(η)] = e^{kβ₀ + k²W/2} E[g(η + kW)], so the nodes sit where the
    integrand's mass is even for large W (plain Gauss–Hermite misses the peak of
    e^{2η} at η = β₀ + 2W). The rule is exact when h and g_k are constant. It
    returns R² itself (not relative to a bound): the closed forms are preferred
    in models, and this class checks them and extends the package to families
    without one.
    """

    link: str = field(init=False, default="log")

    def mean_factor(self, eta: Tensor, theta: dict[str, Any], ops: SimpleNamespace) -> Tensor:
        """h(η) = μ(η) e^{−η}."""
        raise NotImplementedError

    def variance_terms(self, eta: Tensor, theta: dict[str, Any], ops: SimpleNamespace) -> dict:
        """{k: g_k(η)} with σ²(η) = Σ_k e^{kη} g_k(η)."""
        raise NotImplementedError

    def logit_r2(self, W, beta0, theta, ops):
        def tilted(k, g):
            z, log_w = _hermite_rule()
            nodes = _column(beta0 + k * W, ops) + _column(ops.sqrt(W), ops) * z
            mean = (np.exp(log_w) * g(nodes)).sum(axis=-1)
            return k * beta0 + 0.5 * k * k * W + ops.log(mean)

        log_m1 = tilted(1, lambda eta: self.mean_factor(eta, theta, ops))
        log_m2 = tilted(2, lambda eta: self.mean_factor(eta, theta, ops) ** 2)
        # Var μ = E μ² (1 − (E μ)²/E μ²); the ratio is below 1 for W > 0.
        log_var_mu = log_m2 + _log1m_exp(2 * log_m1 - log_m2, ops)
        orders = sorted(self.variance_terms(np.zeros(1), theta, ops))
        log_terms = [
            tilted(k, lambda eta, k=k: self.variance_terms(eta, theta, ops)[k]) for k in orders
        ]
        log_mean_var = log_terms[0]
        for term in log_terms[1:]:
            log_mean_var = ops.logaddexp(log_mean_var, term)
        return log_var_mu - log_mean_var


@dataclass(frozen=True)
class ZeroInflatedPoissonQuadrature(TiltedQuadrature):
    """The zero-inflated Poisson by quadrature (h = ψ, g₁ = ψ, g₂ = ψ(1 − ψ)), absolute R²."""

    name: str = field(init=False, default="zero_inflated_poisson")
    theta: tuple[str, ...] = field(init=False, default=("psi",))

    def mean_factor(self, eta, theta, ops):
        return theta["psi"] + 0.0 * eta

    def variance_terms(self, eta, theta, ops):
        psi = theta["psi"]
        return {1: psi + 0.0 * eta, 2: psi * (1.0 - psi) + 0.0 * eta}


# --- bernoulli and binomial: quadrature ---------------------------------------------------

_GH_NODES = 64
#: W below which the second-order expansion in W is used (quadrature loses digits there).
TAYLOR_SWITCH_W = 1e-6
#: W below which Gauss–Hermite in z is used, and above which the latent-variable rule.
LATENT_SWITCH_W = 1.0
_FLOOR = 1e-300


def _log_variance(log_x: Tensor, log_w: np.ndarray, ops: SimpleNamespace) -> tuple[Tensor, Tensor]:
    """log E x and log Var x over weighted nodes, given log x (last axis), scaled by max x."""
    top = ops.max(log_x, axis=-1)
    scaled = ops.exp(log_x - _column(top, ops))
    weights = np.exp(log_w)
    mean = (weights * scaled).sum(axis=-1)
    var = (weights * (scaled - _column(mean, ops)) ** 2).sum(axis=-1)
    # The floor only touches the branch a switch discards (p ≈ 1 at every node), whose
    # log(0) would otherwise send NaN through the switch's gradient.
    return top + ops.log(mean), 2 * top + ops.log(ops.maximum(var, _FLOOR))


@functools.cache
def _hermite_rule() -> tuple[np.ndarray, np.ndarray]:
    """Nodes z and log-weights for E f(Z), Z ~ N(0, 1)."""
    x, w = np.polynomial.hermite.hermgauss(_GH_NODES)
    return math.sqrt(2.0) * x, np.log(w / math.sqrt(math.pi))


@functools.cache
def _latent_rule(link: LatentLink) -> tuple[np.ndarray, ...]:
    """Trapezoidal nodes m and log-weights for one latent draw, the max and the min of two.

    The link's inverse is the CDF F of a latent variable (logistic, normal,
    minimum-Gumbel) whose density is analytic in a strip around the real line, so
    the trapezoidal rule converges geometrically: with step h and strip half-width
    d it errs by about e^(-2πd/h) times the density's growth off the axis. Logistic
    (d = π) and normal (no pole) reach 1e-15 at h = 0.5; the Gumbel density grows
    fast off the axis at d = π/2, so it takes h = 0.25 (each link's ``grid``).
    """
    low, high, step = link.grid
    m = np.arange(low, high + step / 2, step)
    log_cdf, log_survival = link.log_cdf(m, NUMPY)
    log_density = link.log_density(m)
    logs = [log_density, log_cdf + log_density, log_survival + log_density]
    return (m, *(lw - special.logsumexp(lw) for lw in logs))


@dataclass(frozen=True)
class Binary(FamilyR2):
    """Bernoulli (``trials`` = 1) or binomial, proportion scale, logit/probit/cloglog link.

    R² = Var p(η) / (Var p(η) + E[p(η)(1 − p(η))] / n), with n the harmonic mean
    of the trials: this makes E σ² exact when the trials vary independently of η.
    The moments are computed in log space on whichever of p and 1 − p is small
    (for the symmetric logit and probit links, on p at −|β₀|), so nothing cancels
    or underflows when the intercept is extreme.
    """

    link: str = "logit"
    trials: float = 1.0
    name: str = field(init=False, default="bernoulli")

    def __post_init__(self) -> None:
        _check_latent_link(self.link, "a binary response")
        if not self.trials >= 1:
            raise FamilyError(f"trials must be >= 1, got {self.trials!r}.")
        object.__setattr__(self, "name", self._name())

    def _name(self) -> str:
        return "bernoulli" if self.trials == 1 else "binomial"

    def log_trials(self, theta: dict[str, Any], ops: SimpleNamespace) -> Tensor:
        """log n, n the effective number of trials: E σ²(η) = E[p(1 − p)] / n.

        For the bernoulli and binomial it is the harmonic mean of the trials; the beta
        and beta-binomial take it from κ.
        """
        return math.log(self.trials)

    @property
    def latent(self) -> LatentLink:
        """The link object: the CDF of the latent variable."""
        link = LINKS[self.link]
        assert isinstance(link, LatentLink)  # checked in __post_init__
        return link

    def logit_r2(self, W, beta0, theta, ops):
        if ops is NUMPY:
            return self._logit_r2_numpy(W, self._folded(beta0, ops)) + self.log_trials(theta, ops)
        return self._switch_rules(W, beta0, ops, slope=False)[0] + self.log_trials(theta, ops)

    def logit_r2_and_slope(self, W, beta0, theta, ops):
        # d/dW of a quadrature sum Σ w_j f(β₀ + √W z_j) is Σ w_j f'(η_j) z_j / (2√W): the
        # slope comes from the same nodes in closed form, not from autodiff of the sum.
        logit_r, slope = self._switch_rules(W, beta0, ops, slope=True)
        return logit_r + self.log_trials(theta, ops), slope

    def _folded(self, beta0, ops):
        # R² is even in β₀ when F(−η) = 1 − F(η); at −|β₀| p is the smaller side.
        return -ops.abs(beta0) if self.latent.symmetric else beta0

    def _switch_rules(self, W, beta0, ops, slope):
        """(logit r at n = 1, d logit r / dW or None) from whichever rule covers W."""
        beta0 = self._folded(beta0, ops)
        # Each rule sees W clipped to its own range, so the branches not taken stay
        # finite and their gradients cannot turn the switch's gradient into NaN.
        tiny = self._taylor_log_moments(ops.minimum(W, TAYLOR_SWITCH_W), beta0, ops, slope)
        mid_w = ops.minimum(ops.maximum(W, TAYLOR_SWITCH_W), LATENT_SWITCH_W)
        mid = self._hermite_log_moments(mid_w, beta0, ops, slope)
        large = self._latent_log_moments(ops.maximum(W, LATENT_SWITCH_W), beta0, ops, slope)
        log_var, log_pq, *rates = (
            ops.switch(W < TAYLOR_SWITCH_W, t, ops.switch(W < LATENT_SWITCH_W, m, g))
            for t, m, g in zip(tiny, mid, large, strict=True)
        )
        return log_var - log_pq, (rates[0] - rates[1] if slope else None)

    def _logit_r2_numpy(self, W, beta0):
        """The same as the PyTensor form (at n = 1), evaluating each rule only where it applies."""
        W, beta0 = np.broadcast_arrays(np.asarray(W, dtype=float), np.asarray(beta0, dtype=float))
        out = np.empty(W.shape)
        rules = [
            (self._taylor_log_moments, W < TAYLOR_SWITCH_W),
            (self._hermite_log_moments, (W >= TAYLOR_SWITCH_W) & (W < LATENT_SWITCH_W)),
            (self._latent_log_moments, W >= LATENT_SWITCH_W),
        ]
        for rule, where in rules:
            if where.any():
                log_var, log_pq = rule(W[where], beta0[where], NUMPY)
                out[where] = log_var - log_pq
        return out

    def _taylor_log_moments(self, W, beta0, ops, slope=False):
        """log Var p and log E[p(1 − p)] to second order in W (with their W-derivatives).

        Var p = F'²W (1 + W(F'''/F' + (F''/F')²/2)) and
        E[p(1 − p)] = F(1 − F) + (W/2)(F''(1 − 2F) − 2F'²), all at β₀.
        """
        log_slope, curv, third = self.latent.expansion(beta0, ops)
        log_p, log_q = self.latent.log_cdf(beta0, ops)
        var_rate = third + 0.5 * curv**2
        log_var = 2 * log_slope + ops.log(W) + ops.log1p(W * var_rate)
        slope_over_pq = ops.exp(log_slope - log_p - log_q)
        relative = slope_over_pq * (
            curv * (ops.exp(log_q) - ops.exp(log_p)) - 2.0 * ops.exp(log_slope)
        )
        log_pq = log_p + log_q + ops.log1p(0.5 * W * relative)
        if not slope:
            return log_var, log_pq
        d_log_var = 1.0 / W + var_rate / (1.0 + W * var_rate)
        return log_var, log_pq, d_log_var, 0.5 * relative / (1.0 + 0.5 * W * relative)

    def _hermite_log_moments(self, W, beta0, ops, slope=False):
        z, log_w = _hermite_rule()
        root_w = _column(ops.sqrt(W), ops)
        eta = _column(beta0, ops) + root_w * z
        log_p, log_q = self.latent.log_cdf(eta, ops)
        log_mean_p, log_var = _log_variance(log_p, log_w, ops)
        log_pq = ops.logsumexp(log_w + log_p + log_q, axis=-1)
        use_p = log_mean_p < -math.log(2.0)
        if not self.latent.symmetric:
            _, log_var_q = _log_variance(log_q, log_w, ops)
            log_var = ops.switch(use_p, log_var, log_var_q)
        if not slope:
            return log_var, log_pq
        # ∂p/∂W = F'(η) z / (2√W) at every node, and ∂q/∂W = −∂p/∂W.
        log_density = self.latent.expansion(eta, ops)[0]
        dz = z / (2.0 * root_w)
        var_rate = _variance_rate(log_p, log_density, dz, log_w, ops)
        if not self.latent.symmetric:
            var_rate_q = -_variance_rate(log_q, log_density, dz, log_w, ops)
            var_rate = ops.switch(use_p, var_rate, var_rate_q)
        q_minus_p = ops.exp(log_q) - ops.exp(log_p)
        pq_weights = ops.exp(log_w + log_density - _column(log_pq, ops))
        pq_rate = (pq_weights * q_minus_p * dz).sum(axis=-1)
        return log_var, log_pq, var_rate, pq_rate

    def _latent_log_moments(self, W, beta0, ops, slope=False):
        m, log_one, log_max, log_min = _latent_rule(self.latent)
        arg = (_column(beta0, ops) - m) / _column(ops.sqrt(W), ops)
        # E p = P(M ≤ η) and E p² = P(max(M₁, M₂) ≤ η); ∂ arg/∂W = −arg / (2W).
        darg = -arg / (2.0 * _column(W, ops))
        p_moments = _latent_side(arg, darg, log_one, log_max, ops, slope)
        p_side = _variance_and_pq(*p_moments, ops)
        if self.latent.symmetric:
            return p_side
        # Where p > 1/2 work with q: E q = P(M > η), E q² = P(min(M₁, M₂) > η).
        q_side = _variance_and_pq(*_latent_side(-arg, -darg, log_one, log_min, ops, slope), ops)
        use_p = p_moments[0] < -math.log(2.0)
        return tuple(ops.switch(use_p, a, b) for a, b in zip(p_side, q_side, strict=True))

    def moments(self, eta, theta):
        log_p, log_q = self.latent.log_cdf(eta, NUMPY)
        return np.exp(log_p), np.exp(log_p + log_q - self.log_trials(theta, NUMPY))

    def log_linear_scale(self, beta0, theta, ops):
        # s² = F(1 − F) / (n F'²), all at β₀
        log_slope, _, _ = self.latent.expansion(beta0, ops)
        log_p, log_q = self.latent.log_cdf(beta0, ops)
        return log_p + log_q - 2 * log_slope - self.log_trials(theta, ops)

    def link_of_mean(self, mean, theta):
        return self.latent.link(mean)


@dataclass(frozen=True)
class Beta(Binary):
    """Beta with mean p = F(η) and precision κ (Bambi's ``mu`` and ``kappa``), any latent link.

    Bambi's Beta(α = pκ, β = (1 − p)κ) has Var(Y | η) = p(1 − p)/(1 + κ): the binomial
    formula with n = 1 + κ, R² = Var p / (Var p + E[p(1 − p)]/(1 + κ)), so
    logit R² is the bernoulli's plus log(1 + κ) and R²max = 1.

    Examples
    --------
    >>> from r2d2_formula._r2 import Beta, Binary
    >>> r2 = float(Beta().r2(1.0, 0.3, {"kappa": 4.0}))
    >>> bernoulli = Binary().logit_r2(1.0, 0.3, {}, NUMPY)
    >>> bool(abs(r2 - 1 / (1 + np.exp(-bernoulli) / 5.0)) < 1e-12)
    True
    """

    trials: float = field(init=False, default=1.0)
    theta: tuple[str, ...] = field(init=False, default=("kappa",))

    def _name(self) -> str:
        return "beta"

    def log_trials(self, theta, ops):
        return ops.log1p(theta["kappa"])


@dataclass(frozen=True)
class BetaBinomial(Binary):
    """Beta-binomial on the proportion scale k/n, Bambi's ``mu`` = F(η) and ``kappa``.

    Bambi's BetaBinomial(n, α = pκ, β = (1 − p)κ) has Var(k/n | η) =
    p(1 − p)(κ + n)/(n(κ + 1)); averaged over rows whose trials n vary independently of η,
    E σ² = E[p(1 − p)] (κ mean(1/n) + 1)/(κ + 1). That is the binomial formula with
    n_eff = (κ + 1)/(κ/n̄ + 1), n̄ the harmonic mean of the trials (``trials``): n_eff
    runs from 1 (κ → 0) to n̄ (κ → ∞, the binomial).

    Examples
    --------
    >>> from r2d2_formula._r2 import BetaBinomial
    >>> family = BetaBinomial(trials=10.0)
    >>> round(float(np.exp(family.log_trials({"kappa": 5.0}, NUMPY))), 12)
    4.0
    """

    theta: tuple[str, ...] = field(init=False, default=("kappa",))

    def _name(self) -> str:
        return "beta_binomial"

    def log_trials(self, theta, ops):
        kappa = theta["kappa"]
        return ops.log1p(kappa) - ops.log1p(kappa / self.trials)


def _variance_rate(
    log_x: Tensor, log_density: Tensor, dz: Tensor, log_w: np.ndarray, ops: SimpleNamespace
) -> Tensor:
    """d log Var x / dW over weighted nodes, where ∂x/∂W = e^log_density · dz per node."""
    top = _column(ops.max(log_x, axis=-1), ops)
    weights = np.exp(log_w)
    scaled = ops.exp(log_x - top)
    centered = scaled - _column((weights * scaled).sum(axis=-1), ops)
    # d Var x / dW = 2 Σ w (x − E x) ∂x/∂W; numerator and denominator both scaled by e^top.
    numerator = 2.0 * (weights * centered * ops.exp(log_density - top) * dz).sum(axis=-1)
    return numerator / ops.maximum((weights * centered**2).sum(axis=-1), _FLOOR)


def _latent_side(
    arg: Tensor,
    darg: Tensor,
    log_one: np.ndarray,
    log_two: np.ndarray,
    ops: SimpleNamespace,
    slope: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """log E Φ(arg) over one and two latent draws, and their relative W-derivatives."""
    log_below = ops.log_normal_cdf(arg)
    first = ops.logsumexp(log_one + log_below, axis=-1)
    second = ops.logsumexp(log_two + log_below, axis=-1)
    if not slope:
        return first, second, None, None
    log_normal_pdf = -0.5 * arg**2 - 0.5 * math.log(2.0 * math.pi)
    rate_one = (ops.exp(log_one + log_normal_pdf - _column(first, ops)) * darg).sum(axis=-1)
    rate_two = (ops.exp(log_two + log_normal_pdf - _column(second, ops)) * darg).sum(axis=-1)
    return first, second, rate_one, rate_two


def _variance_and_pq(
    first: Tensor, second: Tensor, rate_one: Tensor, rate_two: Tensor, ops: SimpleNamespace
) -> tuple:
    """log Var x and log E x(1 − x) from log E x and log E x², with W-derivatives if given."""
    # Var = E x² − (E x)² and E pq = E x − E x², for x the smaller of p and q.
    log_var = second + _log1m_exp(2 * first - second, ops)
    log_pq = first + _log1m_exp(second - first, ops)
    if rate_one is None:
        return log_var, log_pq
    square_over_second = ops.exp(2 * first - second)
    second_over_first = ops.exp(second - first)
    var_rate = (rate_two - 2.0 * square_over_second * rate_one) / (1.0 - square_over_second)
    pq_rate = (rate_one - second_over_first * rate_two) / (1.0 - second_over_first)
    return log_var, log_pq, var_rate, pq_rate


def _log1m_exp(x: Tensor, ops: SimpleNamespace) -> Tensor:
    """log(1 − e^x) for x < 0 (x is capped just below 0, as in :func:`_log_variance`)."""
    return ops.log(-ops.expm1(ops.minimum(x, -_FLOOR)))


def _column(x: Tensor, ops: SimpleNamespace) -> Tensor:
    """x with a trailing axis, to broadcast against quadrature nodes."""
    return ops.as_array(x)[..., None]
