"""``noncentered="auto"`` (the default): centre a term only where its data dominate the prior.

A coefficient β ~ Normal(0, τ) can be sampled as itself (centered) or as τ·z with
z ~ Normal(0, 1) (non-centered). When the likelihood pins β down more tightly than
the prior scale τ, the centered form has the easier geometry; when the prior
dominates (few observations, or an effect shrunk towards zero), the non-centered
form avoids the funnel between β and τ (Betancourt & Girolami 2015). The rule
here compares, for each R2D2 component, the prior variance φ_k W / s_k at the
prior's centre with the variance the likelihood leaves, 1 / (n_k w s_k) — n_k
observations informing the coefficient (all n for a population column, the
average per level for a group column), w the Fisher information per observation
at the response mean, s_k the column's scale — and centres a term when the mean
shrinkage of its columns is below :data:`CENTRE_BELOW` (0.4) and none of its
columns is off-scale (root mean square above :data:`CENTRED_MAX_MAGNITUDE`, e.g.
a raw altitude in metres, whose centered coefficient the sampler cannot start or
adapt: every draw diverged on lme4's grouseticks with ``HEIGHT`` centered).

A third condition looks at the scale the coefficient can reach in the posterior
rather than at the prior's centre: a population column whose working
least-squares |t| (:func:`signal_strength`) is below :data:`SIGNAL_BELOW` (3)
has no clear effect, so the posterior of its share φ_k reaches towards 0, where
the prior pins the coefficient more tightly than the data and a centered
coefficient meets the funnel. Such a term stays non-centered.

The thresholds come from measurements (``benchmarks/sampling.py``,
``benchmarks/robustness.py`` and the real data sets): on the simulated Poisson,
logistic and random-slope data every term has shrinkage below 0.29 and the rule's
choice gave 3.5-6.4 times the ESS per second of non-centering everything; 1,000
Poisson groups of 10 observations (shrinkage 0.37) gave a minimum bulk ESS of 83
centered against 22 non-centered; on grouseticks the location effects (shrinkage
0.47) mixed badly centered (bulk ESS 10-55 against 250-370). Before the signal
condition, centered null predictors diverged in 12 of 20 seeds on the Poisson
benchmark data and in 20 of 20 on a sparse-count Poisson GLMM with three null
predictors; with it and ``target_accept=0.95`` (the default), in none of 20 on
either (``benchmarks/results/robustness.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "CENTRED_MAX_MAGNITUDE",
    "CENTRE_BELOW",
    "SIGNAL_BELOW",
    "noncentered_terms",
    "shrinkage",
    "signal_strength",
]

#: A term is centered when the mean shrinkage of its columns is below this.
CENTRE_BELOW = 0.4
#: ... and when no column's root mean square exceeds this.
CENTRED_MAX_MAGNITUDE = 2.0
#: ... and when every population column's working |t| (:func:`signal_strength`) reaches this.
SIGNAL_BELOW = 3.0


def shrinkage(prior_variance: np.ndarray, information: np.ndarray) -> np.ndarray:
    """Share of the posterior precision that comes from the prior: 1/(1 + prior var · info).

    Examples
    --------
    >>> shrinkage(np.array([1.0, 0.01]), np.array([100.0, 1.0])).round(3)
    array([0.01, 0.99])
    """
    return 1.0 / (1.0 + prior_variance * information)


def signal_strength(
    columns: np.ndarray, response: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """|t| of each column in a working least-squares regression of the response on all of them.

    A cheap, family-free measure of how far the data put a coefficient from zero: a
    column whose |t| is small leaves its share φ_k free to collapse towards 0, where a
    centered coefficient meets the funnel. Columns the regression cannot separate
    (collinear ones: every column then) get ``inf``: no evidence either way. ``weights`` (a binomial
    row's trials) weight the rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 2))
    >>> y = 1.0 + 0.5 * x[:, 0] + rng.normal(size=500)
    >>> (signal_strength(x, y) > 3).tolist()
    [True, False]
    """
    columns = np.asarray(columns, dtype=float)
    if columns.size == 0:
        return np.empty(0)
    root = np.sqrt(np.ones(len(response)) if weights is None else np.asarray(weights, float))
    columns = columns.reshape(len(response), -1)
    design = np.column_stack([np.ones(len(response)), columns]) * root[:, None]
    response = np.asarray(response, dtype=float) * root
    coef, _, rank, _ = np.linalg.lstsq(design, response, rcond=None)
    if rank < design.shape[1]:
        return np.full(columns.shape[1], np.inf)
    residual = response - design @ coef
    dof = max(len(response) - design.shape[1], 1)
    covariance = residual @ residual / dof * np.linalg.pinv(design.T @ design)
    se = np.sqrt(np.clip(np.diag(covariance)[1:], 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(coef[1:]) / se
    return np.where(np.isfinite(t), t, np.inf)


def noncentered_terms(
    terms: Sequence[str],
    shares: np.ndarray,
    information: np.ndarray,
    magnitudes: np.ndarray | None = None,
    signal: np.ndarray | None = None,
) -> dict[str, bool]:
    """Per term: centered when its columns' mean shrinkage is below :data:`CENTRE_BELOW`.

    ``shares`` are the prior variances of the columns (φ_k W / s_k at the prior's centre),
    ``information`` the Fisher information of each column's coefficient, ``signal``
    the :func:`signal_strength` of each column (``inf`` where not measured): a term
    with a column below :data:`SIGNAL_BELOW` stays non-centered.
    """
    ratio = shrinkage(np.asarray(shares), np.asarray(information))
    if magnitudes is None:
        magnitudes = np.ones(len(ratio))
    # An off-scale column (a raw altitude in metres) gives its centered coefficient a scale
    # far from 1: start and adaptation fail. Standardising it (scale(x)) lets it be centered.
    ratio = np.where(np.asarray(magnitudes) > CENTRED_MAX_MAGNITUDE, np.inf, ratio)
    if signal is not None:
        # The posterior of a weak column's share reaches towards 0: the prior then pins
        # the coefficient more tightly than the data, wherever the prior's centre is.
        ratio = np.where(np.asarray(signal) < SIGNAL_BELOW, np.inf, ratio)
    decision: dict[str, list[float]] = {}
    for term, value in zip(terms, ratio, strict=True):
        decision.setdefault(term, []).append(value)
    return {term: bool(np.mean(values) >= CENTRE_BELOW) for term, values in decision.items()}
