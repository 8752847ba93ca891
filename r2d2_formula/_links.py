"""Link functions as objects: what the rest of the package needs to know about a link.

Each :class:`Link` maps a response mean to the linear predictor (``link``) and
back (``inverse``). The links of binary responses are CDFs of a latent
variable (logistic, normal, minimum-Gumbel): :class:`LatentLink` adds what the
R² quadrature needs (log CDF and survival, the derivatives of the inverse link,
the latent density and its integration grid). Nothing here branches on a link
name: the knowledge lives on the object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy import special

from r2d2_formula._types import Tensor

__all__ = ["CLOGLOG", "IDENTITY", "LINKS", "LOG", "LOGIT", "PROBIT", "LatentLink", "Link"]


@dataclass(frozen=True)
class Link:
    """A link function g: ``link(mean)`` is g(μ), ``inverse(eta)`` is μ = g⁻¹(η) (NumPy).

    Examples
    --------
    >>> from r2d2_formula._links import LINKS
    >>> round(LINKS["log"].link(1.0), 6), round(float(LINKS["log"].inverse(0.0)), 6)
    (0.0, 1.0)
    """

    name: str

    def link(self, mean: float) -> float:
        """g(mean): where the intercept's prior is centered for a response with this mean."""
        raise NotImplementedError

    def inverse(self, eta: Tensor) -> Tensor:
        """g⁻¹(η) on NumPy arrays."""
        raise NotImplementedError

    def link_array(self, mean: np.ndarray) -> np.ndarray:
        """g(mean) elementwise on a NumPy array (±inf where the mean sits on a bound)."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class _Identity(Link):
    def link(self, mean: float) -> float:
        return float(mean)

    def link_array(self, mean: np.ndarray) -> np.ndarray:
        return np.asarray(mean, dtype=float)

    def inverse(self, eta: Tensor) -> Tensor:
        return np.asarray(eta, dtype=float)


@dataclass(frozen=True)
class _Log(Link):
    def link(self, mean: float) -> float:
        return math.log(mean)

    def link_array(self, mean: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(mean)

    def inverse(self, eta: Tensor) -> Tensor:
        return np.exp(eta)


@dataclass(frozen=True)
class LatentLink(Link):
    """The inverse link is the CDF F of a latent variable M: p = F(η) = P(M ≤ η).

    ``symmetric`` says F(−η) = 1 − F(η). ``grid`` is (low, high, step) of the
    trapezoidal rule over M: where its density exceeds ~1e-17 of its peak, and a
    step fine enough for the density's analytic strip (see ``r2._latent_rule``).
    ``variance`` is Var M: π²/3 (logistic), 1 (normal), π²/6 (Gumbel), the residual
    variance of the latent-variable R² of ordinal responses.
    """

    symmetric: bool = True
    grid: tuple[float, float, float] = (-40.0, 40.0, 0.5)
    variance: float = 1.0

    def inverse(self, eta: Tensor) -> Tensor:
        log_p, _ = self.log_cdf(np.asarray(eta, dtype=float), _NUMPY_LOGS)
        return np.exp(log_p)

    def log_cdf(self, eta: Tensor, ops: SimpleNamespace) -> tuple[Tensor, Tensor]:
        """log p and log q, p = F(η) and q = 1 − p, without under- or overflow."""
        raise NotImplementedError

    def expansion(self, eta: Tensor, ops: SimpleNamespace) -> tuple[Tensor, Tensor, Tensor]:
        """At η: log F', F''/F' and F'''/F' (what the small-W expansion of R² needs)."""
        raise NotImplementedError

    def log_density(self, m: np.ndarray) -> np.ndarray:
        """log of the latent density at m, up to a constant."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Logit(LatentLink):
    def link(self, mean: float) -> float:
        return float(special.logit(mean))

    def link_array(self, mean: np.ndarray) -> np.ndarray:
        return special.logit(np.asarray(mean, dtype=float))

    def log_cdf(self, eta, ops):
        return -ops.softplus(-eta), -ops.softplus(eta)

    def expansion(self, eta, ops):
        log_p, log_q = self.log_cdf(eta, ops)
        p, q = ops.exp(log_p), ops.exp(log_q)
        return log_p + log_q, q - p, 1.0 - 6.0 * p * q

    def log_density(self, m):
        log_p, log_q = self.log_cdf(m, _NUMPY_LOGS)
        return log_p + log_q


@dataclass(frozen=True)
class _Probit(LatentLink):
    def link(self, mean: float) -> float:
        return float(special.ndtri(mean))

    def link_array(self, mean: np.ndarray) -> np.ndarray:
        return special.ndtri(np.asarray(mean, dtype=float))

    def log_cdf(self, eta, ops):
        return ops.log_normal_cdf(eta), ops.log_normal_cdf(-eta)

    def expansion(self, eta, ops):
        return -0.5 * eta**2 - 0.5 * math.log(2 * math.pi), -eta, eta**2 - 1.0

    def log_density(self, m):
        return -0.5 * m**2


@dataclass(frozen=True)
class _CLogLog(LatentLink):
    def link(self, mean: float) -> float:
        return math.log(-math.log1p(-mean))

    def link_array(self, mean: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(-np.log1p(-np.asarray(mean, dtype=float)))

    def log_cdf(self, eta, ops):
        u = ops.exp(eta)
        return ops.log(-ops.expm1(-u)), -u

    def expansion(self, eta, ops):
        u = ops.exp(eta)
        return eta - u, 1.0 - u, (1.0 - u) ** 2 - u

    def log_density(self, m):
        return m - np.exp(m)


# The few NumPy primitives the links use on their own (r2.NUMPY has the full set).
_NUMPY_LOGS = SimpleNamespace(
    softplus=lambda x: np.logaddexp(0.0, x),
    log_normal_cdf=special.log_ndtr,
    exp=np.exp,
    log=np.log,
    expm1=np.expm1,
)

IDENTITY = _Identity("identity")
LOG = _Log("log")
LOGIT = _Logit("logit", symmetric=True, grid=(-40.0, 40.0, 0.5), variance=math.pi**2 / 3)
PROBIT = _Probit("probit", symmetric=True, grid=(-9.0, 9.0, 0.5), variance=1.0)
# The Gumbel density grows fast off the real axis (strip half-width π/2): a finer step.
CLOGLOG = _CLogLog("cloglog", symmetric=False, grid=(-40.0, 4.0, 0.25), variance=math.pi**2 / 6)

#: Every link the package supports, by Bambi's name.
LINKS: dict[str, Link] = {link.name: link for link in (IDENTITY, LOG, LOGIT, PROBIT, CLOGLOG)}
