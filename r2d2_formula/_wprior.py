"""Priors on the global variance W: log-densities (PyTensor) and draws (NumPy).

Each prior answers two questions about W given the intercept β₀ and the
family parameters θ:

* ``logp(W, beta0, theta)`` — the log-density of W, written with the
  :mod:`r2d2_formula._r2` ops so it serves both PyTensor (inside the model, where
  NUTS needs it differentiable) and NumPy (for checks);
* ``random(beta0, theta, rng, size)`` — independent draws, for prior
  predictive sampling.

``ExactW`` is the density of W induced by R²/R²max ~ Beta(a, b) through the
family's R²(W, β₀, θ); its draws invert R² by bracketed root-finding on log W.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import special
from scipy.optimize import elementwise

from r2d2_formula._r2 import NUMPY, FamilyR2
from r2d2_formula._types import Tensor

__all__ = ["ExactW", "LinearW", "log_beta_pdf_from_logit", "log_w_guess", "solve_w"]

#: Bracket on log W for root-finding: W from e^-700 to e^700 is finite in float64.
_LOG_W_LIMIT = 700.0


def log_beta_pdf_from_logit(logit_r: Tensor, a: float, b: float, ops: SimpleNamespace) -> Tensor:
    """log of r^a (1 − r)^b / B(a, b) with r = sigmoid(logit_r), without forming r."""
    return -a * ops.softplus(-logit_r) - b * ops.softplus(logit_r) - float(special.betaln(a, b))


@dataclass(frozen=True)
class ExactW:
    """W whose implied R²/R²max is exactly Beta(a, b) given β₀ and θ.

    log p(W | β₀, θ) = a log r + b log(1 − r) − log B(a, b) + log ∂L/∂W,
    where L = logit r and r = R²(W, β₀, θ)/R²max, because dr/dW = r(1 − r) ∂L/∂W.

    Examples
    --------
    >>> import numpy as np
    >>> from r2d2_formula._r2 import Gaussian
    >>> prior = ExactW(Gaussian(), a=1.0, b=1.0)
    >>> draws = prior.random(0.0, {"sigma": 1.0}, np.random.default_rng(0), size=5)
    >>> r2 = Gaussian().r2(draws, 0.0, {"sigma": 1.0})
    >>> bool(np.all((0 < r2) & (r2 < 1)))
    True
    """

    family: FamilyR2
    a: float
    b: float

    def logp(self, W: Tensor, beta0: Tensor, theta: dict[str, Any], ops: SimpleNamespace) -> Any:
        """Log-density of W; ``ops`` must be PyTensor's (see ``FamilyR2.logit_r2_and_slope``)."""
        logit_r, slope = self.family.logit_r2_and_slope(W, beta0, theta, ops)
        return log_beta_pdf_from_logit(logit_r, self.a, self.b, ops) + ops.log(slope)

    def random(
        self, beta0: Tensor, theta: dict[str, Any], rng: np.random.Generator, size: Any = None
    ) -> np.ndarray:
        """Draw r ~ Beta(a, b) and solve logit r = L(W, β₀, θ) for W."""
        r = rng.beta(self.a, self.b, size=size)
        target = np.log(r) - np.log1p(-r)
        return solve_w(self.family, target, beta0, theta)


@dataclass(frozen=True)
class LinearW:
    """The delta-method approximation: W ~ s²(β₀, θ) · BetaPrime(a, b).

    Linearising μ(η) around β₀ gives R² ≈ W / (W + s²) with
    s² = σ²(β₀)/μ'(β₀)², so R² ~ Beta(a, b) would make W/s² beta prime. Kept
    for comparison: it is poor away from β₀ ≈ 0 for Poisson (the paper reports
    KS 0.07–0.64), and it ignores the bound R²max of bounded families.
    """

    family: FamilyR2
    a: float
    b: float

    def logp(self, W: Tensor, beta0: Tensor, theta: dict[str, Any], ops: SimpleNamespace) -> Any:
        log_scale = self.family.log_linear_scale(beta0, theta, ops)
        log_x = ops.log(W) - log_scale
        log_density = (self.a - 1) * log_x - (self.a + self.b) * ops.logaddexp(0.0, log_x)
        return log_density - float(special.betaln(self.a, self.b)) - log_scale

    def random(
        self, beta0: Tensor, theta: dict[str, Any], rng: np.random.Generator, size: Any = None
    ) -> np.ndarray:
        r = rng.beta(self.a, self.b, size=size)
        log_scale = self.family.log_linear_scale(np.asarray(beta0, dtype=float), theta, NUMPY)
        return np.exp(np.log(r) - np.log1p(-r) + log_scale)


def solve_w(
    family: FamilyR2, logit_target: Any, beta0: Tensor, theta: dict[str, Any]
) -> np.ndarray:
    """W with logit(R²/R²max) = ``logit_target``, elementwise, by bracketed root-finding on log W.

    The logit of R² increases with W, so the root is unique; it is bracketed by
    expanding from [-5, 5] on the log scale, then refined by Chandrupatla's method
    (SciPy's vectorised bracketed solver).

    Examples
    --------
    >>> from r2d2_formula._r2 import Poisson
    >>> w = solve_w(Poisson(), 0.0, 0.0, {})
    >>> round(float(Poisson().r2(w, 0.0, {})), 12)
    0.5
    """
    target = np.asarray(logit_target, dtype=float)
    beta0 = np.asarray(beta0, dtype=float)
    theta = {k: np.asarray(v, dtype=float) for k, v in theta.items()}
    shape = np.broadcast_shapes(target.shape, beta0.shape, *(v.shape for v in theta.values()))
    target = np.broadcast_to(target, shape)
    # The latent-variable rule saturates in float64 beyond logit ≈ ±700: keep the target reachable.
    target = np.clip(target, -_LOG_W_LIMIT, _LOG_W_LIMIT)

    def gap(log_w, target, beta0, *theta_values):
        values = dict(zip(theta, theta_values, strict=True))
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            return family.logit_r2(np.exp(log_w), beta0, values, NUMPY) - target

    args = (
        target,
        np.broadcast_to(beta0, shape),
        *(np.broadcast_to(v, shape) for v in theta.values()),
    )
    start = np.zeros(shape)
    bracket = elementwise.bracket_root(
        gap, start - 5.0, start + 5.0, xmin=-_LOG_W_LIMIT, xmax=_LOG_W_LIMIT, args=args
    )
    root = elementwise.find_root(gap, (bracket.bracket[0], bracket.bracket[1]), args=args)
    return np.exp(root.x)


def log_w_guess(
    family: FamilyR2, r2_relative: float, beta0: float, theta: dict[str, float]
) -> float:
    """log W at a given R²/R²max: the starting point of the sampler."""
    target = math.log(r2_relative) - math.log1p(-r2_relative)
    return float(np.log(solve_w(family, target, beta0, theta)))
