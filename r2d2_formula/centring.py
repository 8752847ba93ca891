"""``noncentered="auto"`` (the default): centre a term only where its data dominate the prior.

A coefficient β ~ Normal(0, τ) can be sampled as itself (centred) or as τ·z with
z ~ Normal(0, 1) (non-centred). When the likelihood pins β down more tightly than
the prior scale τ, the centred form has the easier geometry; when the prior
dominates (few observations, or an effect shrunk towards zero), the non-centred
form avoids the funnel between β and τ (Betancourt & Girolami 2015). The rule
here compares, for each R2D2 component, the prior variance φ_k W / s_k at the
prior's centre with the variance the likelihood leaves, 1 / (n_k w s_k) — n_k
observations informing the coefficient (all n for a population column, the
average per level for a group column), w the Fisher information per observation
at the response mean, s_k the column's scale — and centres a term when the mean
shrinkage of its columns is below :data:`CENTRE_BELOW` (0.4) and none of its
columns is off-scale (root mean square above :data:`CENTRED_MAX_MAGNITUDE`, e.g.
a raw altitude in metres, whose centred coefficient the sampler cannot start or
adapt: every draw diverged on lme4's grouseticks with ``HEIGHT`` centred).

The threshold comes from measurements (``benchmarks/sampling.py`` and the real
data sets): on the simulated Poisson, logistic and random-slope data every term
has shrinkage below 0.29 and the rule's choice gave 3.5-6.4 times the ESS per
second of non-centring everything; 1,000 Poisson groups of 10 observations
(shrinkage 0.37) gave a minimum bulk ESS of 83 centred against 22 non-centred;
on grouseticks the location effects (shrinkage 0.47) mixed badly centred (bulk
ESS 10-55 against 250-370). The threshold sits between these cases. Centred
coefficients of predictors with no effect can meet the funnel when their φ
shrinks: 0-2 divergences per 2,000 draws at ``target_accept=0.9`` on the
Poisson data; ``target_accept=0.95`` or ``noncentered=True`` removes them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CENTRED_MAX_MAGNITUDE", "CENTRE_BELOW", "noncentred_terms", "shrinkage"]

#: A term is centred when the mean shrinkage of its columns is below this.
CENTRE_BELOW = 0.4
#: ... and when no column's root mean square exceeds this.
CENTRED_MAX_MAGNITUDE = 2.0


def shrinkage(prior_variance: np.ndarray, information: np.ndarray) -> np.ndarray:
    """Share of the posterior precision that comes from the prior: 1/(1 + prior var · info).

    Examples
    --------
    >>> shrinkage(np.array([1.0, 0.01]), np.array([100.0, 1.0])).round(3)
    array([0.01, 0.99])
    """
    return 1.0 / (1.0 + prior_variance * information)


def noncentred_terms(
    terms: Sequence[str],
    shares: np.ndarray,
    information: np.ndarray,
    magnitudes: np.ndarray | None = None,
) -> dict[str, bool]:
    """Per term: centred when its columns' mean shrinkage is below :data:`CENTRE_BELOW`.

    ``shares`` are the prior variances of the columns (φ_k W / s_k at the prior's centre),
    ``information`` the Fisher information of each column's coefficient.
    """
    ratio = shrinkage(np.asarray(shares), np.asarray(information))
    if magnitudes is None:
        magnitudes = np.ones(len(ratio))
    # An off-scale column (a raw altitude in metres) gives its centred coefficient a scale
    # far from 1: start and adaptation fail. Standardising it (scale(x)) lets it be centred.
    ratio = np.where(np.asarray(magnitudes) > CENTRED_MAX_MAGNITUDE, np.inf, ratio)
    decision: dict[str, list[float]] = {}
    for term, value in zip(terms, ratio, strict=True):
        decision.setdefault(term, []).append(value)
    return {term: bool(np.mean(values) >= CENTRE_BELOW) for term, values in decision.items()}
