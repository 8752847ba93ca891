"""The plan: everything the prior needs, decided from the design before PyMC is touched.

A :class:`Plan` is plain data (Bambi deep-copies priors, so the callables it feeds must be
copyable): the R2D2 components, their concentration, the family's R² and W prior, and which
terms are written non-centered. Nothing here imports Bambi or PyMC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from r2d2_formula._centering import noncentered_terms
from r2d2_formula._gbp import GBPW, fit_gbp
from r2d2_formula._prior import R2D2
from r2d2_formula._r2 import NUMPY, FamilyR2
from r2d2_formula._shares import ALRShares
from r2d2_formula._wprior import ExactW, LinearW

__all__ = ["Component", "CorrelatedBlock", "Plan", "WPrior", "decide_centering", "w_prior_for"]


#: The three W priors (``R2D2(method=...)``).
WPrior = ExactW | LinearW | GBPW


@dataclass(frozen=True)
class Component:
    """One R2D2 component: a design column whose prior variance is φ_k W / scale."""

    name: str
    term: str
    kind: str  # "common" or "group"
    scale: float  # divides the prior variance: the spread with autoscale, else 1
    level: str | None = None  # the column's level within a multi-column term
    spread: float = 1.0  # variance of the population column / mean square of the group one
    observations: float = 1.0  # observations informing one coefficient of this column
    magnitude: float = 1.0  # root mean square of the column: its scale as the sampler sees it


@dataclass(frozen=True)
class CorrelatedBlock:
    """Group-level columns of one ``(expr|factor)`` whose effects are correlated (LKJ).

    ``indices`` are the columns' positions among the plan's components. The prior is set
    on effects v of the columns Z − ``shift``: where the block has the intercept column,
    the other columns are centered (``shift`` their means; 0 elsewhere), so that v's
    intercept is the group's effect at the mean of the columns and is not tied to the
    slopes by where x = 0 happens to be. The effects Bambi uses, u (intercept at Z = 0, as
    lme4 reports them), are u = A v with A the identity plus −shift in the intercept's
    row. ``moments`` is M' = (Z − shift)'(Z − shift)/n: the block adds tr(Σ_v M') to Var(η).
    Numbers are plain floats so that Bambi can deep-copy the plan.
    """

    name: str  # the correlation's variable, e.g. "corr|g"
    factor: str
    terms: tuple[str, ...]
    indices: tuple[int, ...]
    labels: tuple[str, ...]  # each column's expression, e.g. "1", "x", "c[b]"
    moments: tuple[tuple[float, ...], ...]
    shift: tuple[float, ...]
    intercept: int | None  # the position of the intercept column "1", if any
    scales: tuple[float, ...]  # divide φ_k W: M'_kk with autoscale, else 1

    def shift_matrix(self) -> np.ndarray:
        """A: u = A v, the identity with −shift in the intercept's row."""
        matrix = np.eye(len(self.indices))
        if self.intercept is not None:
            matrix[self.intercept] -= np.array(self.shift)
            matrix[self.intercept, self.intercept] = 1.0
        return matrix

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """(i, j), i > j, in the order of the lower triangle: the correlations reported."""
        return [(i, j) for i in range(len(self.indices)) for j in range(i)]

    @property
    def pair_labels(self) -> list[str]:
        return [f"{self.labels[j]}, {self.labels[i]}" for i, j in self.pairs]


@dataclass(frozen=True)
class Plan:
    """Everything the prior callables need, as plain data Bambi can deep-copy.

    ``intercept_mean`` is g(mean response), the centre of the intercept's prior
    (and where a GBP W prior is fitted); ``theta_median`` holds the prior medians
    of the family parameters. ``shares`` is None for Dirichlet shares, else the
    logistic-normal resolved for the components; then ``concentration`` holds the
    prior means of φ, so that ``concentration / sum(concentration)`` is the prior
    mean of φ either way.
    """

    components: tuple[Component, ...]
    concentration: tuple[float, ...]
    family: FamilyR2
    w_prior: WPrior
    intercept: str | None
    log_w_init: float
    noncentered: tuple[tuple[str, bool], ...]
    intercept_mean: float = 0.0
    theta_median: tuple[tuple[str, float], ...] = ()
    shares: ALRShares | None = None
    correlated: tuple[CorrelatedBlock, ...] = ()
    lkj_eta: float = 1.0

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    @property
    def null(self) -> bool:
        """No term besides the intercept (and offsets): no W, no φ, R² = 0 by construction."""
        return not self.components

    def indices(self, term: str) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.components) if c.term == term)

    def is_noncentered(self, term: str) -> bool:
        return dict(self.noncentered)[term]

    def block_of(self, term: str) -> int | None:
        """The position of the correlated block holding ``term``, or None."""
        for position, block in enumerate(self.correlated):
            if term in block.terms:
                return position
        return None


def decide_centering(
    noncentered: bool | str,
    components: tuple[Component, ...],
    concentration: tuple[float, ...],
    log_w: float,
    at: tuple[FamilyR2, float, dict[str, float]],
    signal: np.ndarray,
) -> tuple[tuple[str, bool], ...]:
    family, beta0, theta = at
    terms = [c.term for c in components]
    if noncentered != "auto":
        return tuple((term, bool(noncentered)) for term in dict.fromkeys(terms))
    xi = np.asarray(concentration)
    scales = np.array([c.scale for c in components])
    prior_variance = xi / xi.sum() * math.exp(log_w) / scales
    # Fisher information per observation on the link scale is 1/s²(β₀) (the delta method).
    weight = math.exp(-float(family.log_linear_scale(beta0, theta, NUMPY)))
    information = np.array([c.observations * c.spread * weight for c in components])
    magnitudes = np.array([c.magnitude for c in components])
    # Group-level columns have no working-regression signal: their rule is the shrinkage.
    signal = np.concatenate([signal, np.full(len(components) - len(signal), np.inf)])
    decided = noncentered_terms(terms, prior_variance, information, magnitudes, signal)
    return tuple(decided.items())


def w_prior_for(prior: R2D2, family: FamilyR2, intercept_mean: float, theta: dict) -> WPrior:
    if prior.method == "exact":
        return ExactW(family, prior.a, prior.b)
    if prior.method == "linear":
        return LinearW(family, prior.a, prior.b)
    params = fit_gbp(family, intercept_mean, prior.a, prior.b, theta)
    return GBPW(*params, fitted_at=intercept_mean)
