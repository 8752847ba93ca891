"""The statistics of simulation-based calibration: ranks, uniformity, coverage, Holm.

Under calibration the rank of the true value among (nearly independent) posterior draws
is uniform (Talts et al. 2018) and a central interval holds the truth as often as its
probability says. :func:`rank_draws` ranks one simulation's draws; :func:`summarise`
tests a table of them: KS on randomised normalised ranks and chi-square on equal bins,
Holm's correction over every test, coverage against the binomial tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

#: Central interval whose coverage is checked, and the level of the tolerances and bands.
INTERVAL, LEVEL = 0.9, 0.99
#: Bins of the chi-square test of the ranks.
BINS = 10


def rank_of(truth: float, draws: np.ndarray) -> int:
    """Number of draws below the true value: 0..len(draws)."""
    return int(np.sum(np.asarray(draws) < truth))


def thinning(draws: int, ess: float, thin: int) -> int:
    """Keep every ``step``-th draw: at least ``thin``, and no more draws than the ESS.

    Autocorrelated draws make ranks pile up at the ends (a calibrated fit would look
    over-confident); thinning to about the effective sample size makes them nearly
    independent (Talts et al. 2018, section 5).
    """
    if not np.isfinite(ess) or ess <= 0:
        return int(thin)
    return max(int(thin), math.ceil(draws / ess))


def pit_from_rank(rank: int | np.ndarray, ranked: int, jitter: float | np.ndarray) -> Any:
    """Randomised normalised rank (rank + U)/(L + 1), uniform on (0, 1) under calibration.

    ``ranked`` is L, the number of draws ranked against; ``jitter`` is U ~ Uniform(0, 1).
    Spreading each of the L + 1 ranks over its own interval makes the statistic
    continuous, so the KS test and equal-width bins are exact.
    """
    return (np.asarray(rank) + np.asarray(jitter)) / (ranked + 1)


def central_interval(draws: np.ndarray, prob: float = INTERVAL) -> tuple[float, float]:
    """The central ``prob`` interval of the draws (equal tails)."""
    low, high = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2])
    return float(low), float(high)


def uniformity(pit: np.ndarray, bins: int = BINS) -> tuple[float, float]:
    """p-values of KS against Uniform(0, 1) and of chi-square on ``bins`` equal bins."""
    pit = np.asarray(pit, dtype=float)
    counts = np.histogram(pit, bins=bins, range=(0.0, 1.0))[0]
    return float(stats.kstest(pit, "uniform").pvalue), float(stats.chisquare(counts).pvalue)


def coverage_tolerance(sims: int, prob: float = INTERVAL, level: float = LEVEL) -> tuple:
    """The central ``level`` interval of Binomial(sims, prob)/sims: coverage of a calibrated fit.

    A correct interval's observed coverage falls outside it with probability at most
    1 - ``level``.
    """
    tail = (1 - level) / 2
    low = stats.binom.ppf(tail, sims, prob) / sims
    high = stats.binom.ppf(1 - tail, sims, prob) / sims
    return float(low), float(high)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error over all of them)."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = len(p)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def rank_draws(draws: np.ndarray, truth: float, jitter: float, thin: int) -> dict[str, Any]:
    """One simulation's rank of ``truth`` among one chain's ``draws``, and its interval.

    The rank is among every ``thin``-th draw, or fewer where the bulk ESS is lower
    (:func:`thinning`); the central :data:`INTERVAL` interval uses all the draws.
    """
    from arviz_stats.base import array_stats

    draws = np.asarray(draws, dtype=float).reshape(-1)
    ess = float(array_stats.ess(draws[None, :], chain_axis=-2, draw_axis=-1))
    thinned = draws[:: thinning(len(draws), ess, thin)]
    rank = rank_of(truth, thinned)
    low, high = central_interval(draws)
    return {
        "truth": truth,
        "rank": rank,
        "ranked": len(thinned),
        "pit": float(pit_from_rank(rank, len(thinned), jitter)),
        "lower": low,
        "upper": high,
        "covered": bool(low <= truth <= high),
        "mean": float(draws.mean()),
        "sd": float(draws.std()),
        "ess_bulk": ess,
    }


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per configuration and parameter: uniformity of ranks and coverage.

    ``holm_p`` is Holm's adjustment of min(KS, chi-square) p (doubled for the two tests)
    over every line; ``calibrated`` is False where it is below 0.01 or the coverage is
    outside the binomial tolerance.
    """
    fitted = rows[rows["parameter"].fillna("") != ""]
    lines = []
    for (config, parameter), part in fitted.groupby(["config", "parameter"], sort=False):
        sims = len(part)
        ks_p, chi2_p = uniformity(part["pit"].to_numpy())
        low, high = coverage_tolerance(sims)
        coverage = float(part["covered"].mean())
        lines.append(
            {
                "config": config,
                "parameter": parameter,
                "sims": sims,
                "ks_p": ks_p,
                "chi2_p": chi2_p,
                "coverage90": coverage,
                "tolerance": f"{low:.3f}-{high:.3f}",
                "coverage_ok": bool(low <= coverage <= high),
                "median_ess": float(part["ess_bulk"].median()),
                "min_ess": float(part["ess_bulk"].min()),
            }
        )
    table = pd.DataFrame(lines)
    if table.empty:
        return table
    table["holm_p"] = holm(np.minimum(2 * np.minimum(table["ks_p"], table["chi2_p"]), 1.0))
    table["calibrated"] = (table["holm_p"] >= 0.01) & table["coverage_ok"]
    return table


def ecdf_difference(pit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The curve ECDF(u) − u of the values ``pit`` on [0, 1], exactly (vertices)."""
    u = np.sort(np.asarray(pit, dtype=float))
    n = len(u)
    below = np.arange(n) / n  # ECDF just before each value
    x = np.concatenate([[0.0], np.repeat(u, 2), [1.0]])
    y = np.concatenate([[0.0], np.column_stack([below - u, below + 1 / n - u]).ravel(), [0.0]])
    return x, y
