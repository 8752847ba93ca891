"""VaDeR R² of Bambi's ``hurdle_poisson`` family (log link).

PyMC's HurdlePoisson(ψ, μ) is 0 with probability 1 − ψ and otherwise a zero-truncated
Poisson(μ); Bambi's ``mu`` = e^η. With the truncated mean and variance

    g(μ) = μ / (1 − e^{−μ}) = μ + h(μ),   h(μ) = μ / (e^μ − 1) ∈ (0, 1],
    v(μ) = g(1 + μ − g) = g(1 − h),

E(Y | η) = ψg and Var(Y | η) = ψv + ψ(1 − ψ)g². Since dg/dη = v (the truncated Poisson is
an exponential family in η), v is also the slope of the conditional mean.

R² = Var(ψg) / (Var(ψg) + E Var(Y | η)) tends to R²max = ψ as W → ∞, and

    logit(R²/ψ) = log Var g − log(E v + (1 − ψ)(E g)²),

whose second logarithm is a sum of positive terms. Everything is written with
q(μ) = (1 − h)/μ ∈ (0, 1/2], r = 1 − q ∈ [1/2, 1) and s = gq ∈ [1/2, 1):

    g − 1 = μr,   v = μs,

so g − 1 and v are e^η times a bounded, slowly varying factor (no digit is lost to
g ≈ 1 when μ is small), and the moments tilt: E[e^{kη} f(η)] = e^{kβ₀ + k²W/2} E f(η + kW).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
from scipy import optimize, stats

from r2d2_formula._r2 import NUMPY, FamilyR2, _column, _hermite_rule, _log_variance
from r2d2_formula._types import Tensor

__all__ = ["HurdlePoisson"]


def _bernoulli(n: int) -> Fraction:
    """The Bernoulli number B_n exactly (Akiyama–Tanigawa; scipy's floats err by 1e-12)."""
    a = [Fraction(0)] * (n + 1)
    for m in range(n + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
    return a[0]


#: c_k = B_2k / (2k)!, k = 1..11: h(μ) = 1 − μ/2 + Σ c_k μ^{2k}, so q = 1/2 − Σ c_k μ^{2k−1}.
#: |c_k| ≈ 2/(2π)^{2k}: at μ = 1 the last term kept is 1e-17 of q.
_BERNOULLI_SERIES = tuple(float(_bernoulli(2 * k) / math.factorial(2 * k)) for k in range(1, 12))
#: Below this μ the series gives q (the direct (1 − h)/μ loses digits as h → 1).
_SERIES_BELOW = 1.0
#: exp(η) is taken at η ≤ this, so that e^η stays finite.
_EXP_LIMIT = 700.0
#: e^μ − 1 is taken at μ ≤ this: h(100) ≈ 4e-42 is 0 beside every term it enters, and the
#: powers of e^100 in second derivatives stay finite (those of e^700 overflow to inf/inf).
_H_CAP = 100.0
#: W below which the second-order expansion in W is used. The centred Gauss–Hermite variance
#: errs by ~1e-16/√W relative (1e-13 here) and the expansion by O(W²) (1e-12 here).
TAYLOR_BELOW = 1e-6
#: W from which the trapezoidal rule over the latent variable is used. Gauss–Hermite's error
#: grows with W (h's poles sit π/(2√W) off the real axis in z): ~1e-14 at 0.4, 1e-10 at 1;
#: the trapezoidal rule's shrinks with W; at 0.4 the two agree to 1e-14.
LATENT_FROM = 0.4
#: Step and half-width of the trapezoidal grid in m (see :func:`_latent_rule`).
_LATENT_STEP = 0.2
_LATENT_HALF_WIDTH = 42.0


def _q_and_h(mu: Tensor, ops: SimpleNamespace) -> tuple[Tensor, Tensor]:
    """q = (1 − h)/μ and h = μ/(e^μ − 1), both to the last digits for any μ ≥ 0.

    Each branch of the switch sees μ clipped to its own range, so neither is 0/0 or inf
    and the switch's gradient stays finite.
    """
    small = ops.minimum(mu, _SERIES_BELOW)
    square = small * small
    poly = 0.0 * small
    for coefficient in reversed(_BERNOULLI_SERIES):
        poly = poly * square + coefficient
    q_series = 0.5 - small * poly
    large = ops.maximum(mu, _SERIES_BELOW)
    capped = ops.minimum(large, _H_CAP)
    h_direct = capped / ops.expm1(capped)
    q_direct = (1.0 - h_direct) / large
    use_series = mu < _SERIES_BELOW
    # h ≈ 1 for small μ: 1 − μq has no cancellation there.
    return ops.switch(use_series, q_series, q_direct), ops.switch(
        use_series, 1.0 - small * q_series, h_direct
    )


def _parts(eta: Tensor, ops: SimpleNamespace) -> SimpleNamespace:
    """μ, h, q, r, g, s at η (η is capped at 700 so that e^η stays finite)."""
    eta = ops.minimum(eta, _EXP_LIMIT)
    mu = ops.exp(eta)
    q, h = _q_and_h(mu, ops)
    r = 1.0 - q
    g = 1.0 + mu * r
    return SimpleNamespace(eta=eta, mu=mu, q=q, h=h, r=r, g=g, s=g * q)


@functools.cache
def _latent_rule() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Trapezoidal nodes m and weights Δ·f'(m) for f = r, r², s.

    For a bounded f with limit f(−∞), E f(η) = f(−∞) + ∫ f'(m) P(η > m) dm and
    P(η > m) = Φ((c − m)/√W) for η ~ N(c, W). f' (a function of μ = e^m) is analytic in the
    strip |Im m| < π/2 (h has poles at μ = 2πin), and Φ((c − m)/√W) grows at most by
    e^{π²/(8W)} ≤ e^{3.1} off the axis for W ≥ 0.4, so the trapezoidal rule with step Δ errs
    by about e^{π²/(8W) − π²/Δ}: 1e-20 at Δ = 0.2 (at Δ = 0.25 it was measured at 2e-14 near
    W = 0.4, the poles' constant being large). f' decays like e^{−|m|} at both ends
    (r' ≈ μ/12 below, 1/μ above): |m| ≤ 42 leaves 1e-18 out.

    The derivatives in η, from Dq = −Dr and Dg = v = gμq:
    r' = q − rh (= Σ c_k (2k − 1) μ^{2k−1} for small μ), (r²)' = 2rr', s' = gh(1 − 2q)
    (1 − 2q = 2Σ c_k μ^{2k−1} for small μ): every series term is alternating and dominated
    by its first, so the weights are exact to rounding.
    """
    m = np.arange(-_LATENT_HALF_WIDTH, _LATENT_HALF_WIDTH + _LATENT_STEP / 2, _LATENT_STEP)
    p = _parts(m, NUMPY)
    small = p.mu < _SERIES_BELOW
    k = np.arange(1, len(_BERNOULLI_SERIES) + 1)
    powers = np.minimum(p.mu, _SERIES_BELOW)[:, None] ** (2 * k - 1)
    c = np.array(_BERNOULLI_SERIES)
    dr = np.where(small, powers @ (c * (2 * k - 1)), p.q - p.r * p.h)
    one_minus_2q = np.where(small, 2.0 * (powers @ c), 1.0 - 2.0 * p.q)
    ds = p.g * p.h * one_minus_2q
    return m, _LATENT_STEP * dr, _LATENT_STEP * 2.0 * p.r * dr, _LATENT_STEP * ds


@dataclass(frozen=True)
class HurdlePoisson(FamilyR2):
    """Hurdle Poisson as in PyMC and Bambi: ψ = P(Y > 0), Y | Y > 0 zero-truncated Poisson(e^η).

    With g = μ/(1 − e^{−μ}) and v = g(1 + μ − g) the mean and variance of the truncated
    Poisson, E(Y | η) = ψg and Var(Y | η) = ψv + ψ(1 − ψ)g², so R²max = ψ (the limit W → ∞)
    and

    logit(R²/ψ) = log Var g − log(E v + (1 − ψ)(E g)²).

    The three moments (log Var g, log E(g − 1), log E v) come from whichever rule covers W:

    * W < 1e-6: second order in W at β₀, from the derivatives in η of g, which are
      D g = v, D²g = g(F² + h(g − 1)) and D³g = gF(F² + 3h(g − 1) + hg − h(g − 1)²/F)
      with F = 1 − h (quadrature would lose the variance to rounding: it is O(W));
    * 1e-6 ≤ W < 0.4: 64-node Gauss–Hermite in z on log(g − 1) and log v, the variance
      centred at the nodes (:func:`r2d2_formula._r2._log_variance`);
    * W ≥ 0.4: g − 1 = e^η r(η) and v = e^η s(η), tilted, so that Var g =
      e^{2β₀+W}(e^W E r²(η + 2W) − (E r(η + W))²) and E v = e^{β₀+W/2} E s(η + W), with the
      bounded expectations of r, r², s from a trapezoidal rule over the latent variable
      (:func:`_latent_rule`): Gauss–Hermite cannot resolve r's step from 1/2 to 1, which
      narrows like 1/√W in z. log(e^W − 1) and W stay in log space, so the logit is
      finite up to W ≈ 1e300 (R² → ψ; the logit approaches the zero-inflated Poisson's,
      log(e^W − 1) + β₀ + W/2 − log(1 + (1 − ψ)e^{β₀+W/2}), and so ≈ W − log(1 − ψ)).

    Against adaptive quadrature the logit agrees to ~1e-13 for β₀ in [−8, 8]; the rules
    meet within 1e-14 at W = 0.4 and 4e-12 at W = 1e-6 (the expansion's O(W²)). PyTensor's
    gradient in W is finite from W = 1e-300 (slope ≈ 1/W) to 1e300; second derivatives
    (the W prior's gradient, through log slope) overflow below W ≈ 1e-154, where 1/W² does.

    Examples
    --------
    >>> from r2d2_formula._r2 import NUMPY
    >>> from r2d2_formula._r2_hurdle import HurdlePoisson
    >>> family = HurdlePoisson()
    >>> float(family.r2max({"psi": 0.7}, NUMPY))
    0.7
    >>> round(float(family.r2(1.0, 0.5, {"psi": 0.7})), 12)
    0.47726836197
    >>> mean, variance = family.moments(np.array([0.0]), {"psi": 0.7})
    >>> round(float(mean[0]), 12), round(float(variance[0]), 12)
    (1.107383694809, 0.988468742089)
    """

    name: str = field(init=False, default="hurdle_poisson")
    link: str = field(init=False, default="log")
    theta: tuple[str, ...] = field(init=False, default=("psi",))
    bounded: bool = field(init=False, default=True)
    draws_response: bool = field(init=False, default=True)

    def logit_r2(self, W, beta0, theta, ops):
        log_var, log_excess, log_mean_v = self.log_moments(W, beta0, ops)
        # E g = 1 + E(g − 1): log E g = softplus(log E(g − 1)), exact for E(g − 1) ≪ 1.
        log_mean_g = ops.softplus(log_excess)
        return log_var - ops.logaddexp(log_mean_v, ops.log1p(-theta["psi"]) + 2.0 * log_mean_g)

    def log_moments(
        self, W: Tensor, beta0: Tensor, ops: SimpleNamespace
    ) -> tuple[Tensor, Tensor, Tensor]:
        """(log Var g, log E(g − 1), log E v) over η ~ N(β₀, W), from the rule that covers W."""
        # Each rule sees W clipped to its own range: the branches not taken stay finite, and
        # so does the gradient through the switch.
        tiny = self._taylor(ops.minimum(W, TAYLOR_BELOW), beta0, ops)
        mid = self._hermite(ops.minimum(ops.maximum(W, TAYLOR_BELOW), LATENT_FROM), beta0, ops)
        large = self._latent(ops.maximum(W, LATENT_FROM), beta0, ops)
        return tuple(
            ops.switch(W < TAYLOR_BELOW, t, ops.switch(W < LATENT_FROM, m, g))
            for t, m, g in zip(tiny, mid, large, strict=True)
        )

    @staticmethod
    def _taylor(W, beta0, ops):
        # Var f = W f'² + W²(f'f''' + f''²/2) and E f = f + W f''/2 + O(W²), at β₀, in η.
        p = _parts(beta0, ops)
        F = p.mu * p.q
        excess = p.mu * p.r
        # D²g/Dg and D³g/Dg; (g − 1)/F = r/q has no 0/0 at μ → 0.
        d2 = F + p.h * p.r / p.q
        d3 = F * F + 3.0 * p.h * excess + p.h * p.g - p.h * excess * p.r / p.q
        log_slope = p.eta + ops.log(p.s)  # log Dg = log v
        log_var = ops.log(W) + 2.0 * log_slope + ops.log1p(W * (d3 + 0.5 * d2 * d2))
        log_excess = p.eta + ops.log(p.r) + ops.log1p(0.5 * W * d2 * p.s / p.r)
        log_mean_v = log_slope + ops.log1p(0.5 * W * d3)
        return log_var, log_excess, log_mean_v

    @staticmethod
    def _hermite(W, beta0, ops):
        z, log_w = _hermite_rule()
        eta = _column(beta0, ops) + _column(ops.sqrt(W), ops) * z
        p = _parts(eta, ops)
        log_excess, log_var = _log_variance(p.eta + ops.log(p.r), log_w, ops)
        log_mean_v = ops.logsumexp(log_w + p.eta + ops.log(p.s), axis=-1)
        return log_var, log_excess, log_mean_v

    @staticmethod
    def _latent(W, beta0, ops):
        m, w_r, w_r2, w_s = _latent_rule()
        inverse_root = _column(1.0 / ops.sqrt(W), ops)
        # P(η + kW > m) for η ~ N(β₀, W) is Φ((β₀ + kW − m)/√W).
        above_1 = ops.normal_cdf(_column(beta0 + W, ops) * inverse_root - m * inverse_root)
        above_2 = ops.normal_cdf(_column(beta0 + 2.0 * W, ops) * inverse_root - m * inverse_root)
        log_r1 = ops.log(0.5 + (w_r * above_1).sum(axis=-1))
        log_s1 = ops.log(0.5 + (w_s * above_1).sum(axis=-1))
        log_r2 = ops.log(0.25 + (w_r2 * above_2).sum(axis=-1))
        # e^W E r² − (E r)² = (E r)² (e^{W + log E r² − 2 log E r} − 1). As dg/dμ ≥ 1/2,
        # Var g ≥ Var μ/4, so the exponent is at least log(1 + (e^W − 1)/4) ≥ 0.1 for
        # W ≥ 0.4: its three terms lose no more than a digit.
        log_var = 2.0 * beta0 + W + 2.0 * log_r1 + ops.log_expm1(W + log_r2 - 2.0 * log_r1)
        half = beta0 + 0.5 * W
        return log_var, half + log_r1, half + log_s1

    def r2max(self, theta, ops):
        return theta["psi"]

    def moments(self, eta, theta):
        psi = np.asarray(theta["psi"], dtype=float)
        p = _parts(np.asarray(eta, dtype=float), NUMPY)
        v = p.mu * p.s
        return psi * p.g, psi * v + psi * (1.0 - psi) * p.g**2

    def log_linear_scale(self, beta0, theta, ops):
        # s² = σ²(β₀)/μ'(β₀)² with μ(η) = ψg, μ' = ψv, σ² = ψv + ψ(1 − ψ)g².
        psi = theta["psi"]
        p = _parts(beta0, ops)
        log_v = p.eta + ops.log(p.s)
        log_sigma2 = ops.logaddexp(log_v, ops.log1p(-psi) + 2.0 * ops.log(p.g))
        return log_sigma2 - ops.log(psi) - 2.0 * log_v

    def link_of_mean(self, mean, theta):
        """β₀ with ψ g(e^β₀) = mean, floored at mean = ψ(1 + 1e-3).

        g ≥ 1, so a mean at or below ψ has no solution: the data have fewer positive counts,
        or smaller ones, than ψ allows. The floor puts the intercept at g = 1 + 1e-3
        (μ ≈ 2e-3, β₀ ≈ −6.2), where nearly every positive count is 1: the low end of what
        the model can fit, and a finite centre for the intercept's prior.
        """
        psi = float(theta["psi"])
        # g − 1 = μr(μ) with r ∈ [1/2, 1): μ lies in [g − 1, 2(g − 1)].
        excess = max(float(mean) / psi - 1.0, 1e-3)

        def gap(log_mu):
            p = _parts(np.asarray(log_mu), NUMPY)
            return float(log_mu + np.log(p.r)) - math.log(excess)

        low, high = math.log(excess), math.log(2.0 * excess)
        return float(optimize.brentq(gap, low, high, xtol=1e-14, rtol=4 * np.finfo(float).eps))

    def draw_response(self, parent, theta, rng):
        """0 with probability 1 − ψ, else a zero-truncated Poisson(μ) by its inverse CDF.

        PyMC draws the truncated part by rejection (at most 10,000 Poisson draws), which
        fails for the μ ≪ 1e-3 that prior draws reach. The truncated survival function is
        P(Y > k | Y > 0) = P(X > k)/(1 − e^{−μ}), so Y is the smallest k with
        P(X > k) ≤ (1 − u)(1 − e^{−μ}), u uniform: exact at any μ.
        """
        mu = np.asarray(parent, dtype=float)
        psi = np.broadcast_to(np.asarray(theta["psi"], dtype=float), mu.shape)
        tail = rng.uniform(size=mu.shape) * -np.expm1(-mu)
        positive = np.maximum(stats.poisson.isf(tail, mu), 1.0)
        return np.where(rng.uniform(size=mu.shape) < psi, positive, 0.0).astype(np.int64)
