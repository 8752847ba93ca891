"""The prior a model implies for W and R², read from the model's own density.

:func:`implied_prior` draws the intercept and the family parameters from their
priors in the model, then W from the log-density of W *that the PyMC model
contains*, by inverse-CDF sampling on a fine log-W grid, and reports R²(W). The
solver that inverts R² (used for PyMC's prior predictive draws of W) plays no part:
a draw that starts from R² ~ Beta(a, b), solves for W and maps back returns the same
Beta draws whatever the formulas are, so it cannot check them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from r2d2_formula import _bambi
from r2d2_formula._errors import FamilyError
from r2d2_formula._model import Model
from r2d2_formula._progress import steps
from r2d2_formula._r2 import NUMPY
from r2d2_formula._types import RandomSeed

__all__ = ["implied_prior", "implied_r2"]

#: Coarse log-W grid on which the density's support is first located (W from e^-150 to e^60).
COARSE_LOG_W = np.arange(-150.0, 60.5, 5.0)
#: Points of the two finer grids, each spanning the support found on the grid before it;
#: the CDF is integrated (trapezoid) and inverted on the last.
REFINEMENTS = (81, 161)
#: Points added at the quantiles of the last refinement's approximation.
QUANTILE_POINTS = 120
#: The support ends where the log-density is this far below its maximum (e^-45 ≈ 3e-20).
SUPPORT_DROP = 45.0
#: Draws whose densities are evaluated in one call (bounds the memory of the quadratures).
CHUNK = 100


def implied_prior(
    model: Model,
    draws: int = 4000,
    random_seed: RandomSeed = None,
    intercept: float | None = None,
    theta: dict[str, float] | None = None,
    progressbar: bool = True,
) -> pd.DataFrame:
    """Prior draws of the intercept, the family parameters, W and R², from the model itself.

    Parameters
    ----------
    model : Model
        The model whose prior is read.
    draws : int
        Number of draws.
    random_seed : int or numpy Generator, optional
        Seed for reproducible draws.
    intercept : float, optional
        Hold the intercept (of the centered design, on the link scale) at this value.
    theta : dict, optional
        Hold family parameters (e.g. ``{"alpha": 2.0}``) at these values.
    progressbar : bool
        Show progress on standard error (default True). Each draw with its own intercept
        needs about 400 evaluations of W's density: about 7 s per 1,000 draws for a
        binomial model on two cores, less for families with a closed-form R².

    Returns
    -------
    pandas.DataFrame
        Columns ``Intercept``, one per family parameter, ``W``, ``R2`` and
        ``R2_relative`` (R²/R²max, the quantity that follows Beta(a, b)). A model with
        no term besides the intercept has W = R² = 0 and no ``R2_relative``.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> prior = rf.implied_prior(rf.Model("y ~ x", data, family="poisson"), draws=50,
    ...                          random_seed=1)
    >>> list(prior.columns)
    ['Intercept', 'W', 'R2', 'R2_relative']
    """
    rng = np.random.default_rng(random_seed)
    plan = model.plan
    unknown = sorted(set(theta or {}) - set(plan.family.theta))
    if unknown:
        raise FamilyError(
            f"theta names {unknown} are not parameters of family {plan.family.name!r}, "
            f"which has {list(plan.family.theta)}."
        )
    beta0, drawn = _bambi.draw_intercept_and_theta(model.bambi_model, plan, draws, rng)
    if intercept is not None:
        beta0 = np.full(draws, float(intercept))
    drawn.update({name: np.full(draws, float(value)) for name, value in (theta or {}).items()})
    if plan.null:  # no term besides the intercept: no W, and R² = 0 by construction
        zeros = np.zeros(draws)
        return pd.DataFrame({"Intercept": beta0, **drawn, "W": zeros, "R2": zeros})
    density = _bambi.w_log_density(model.bambi_model, plan)
    uniforms = rng.uniform(size=draws)
    # Draws that share the intercept and family parameters share one density (held values).
    distinct, which = np.unique(
        np.column_stack([beta0, *drawn.values()]), axis=0, return_inverse=True
    )
    grid, log_mass = _tabulate(density, distinct, list(drawn), progressbar)
    which = which.reshape(-1)
    w = np.exp(_invert_piecewise_exponential(grid[which], log_mass[which], uniforms))
    r2 = plan.family.r2(w, beta0, drawn)
    return pd.DataFrame(
        {
            "Intercept": beta0,
            **drawn,
            "W": w,
            "R2": r2,
            # sigmoid(logit(R²/R²max)), not R²/R²max: R²max underflows to 0 where a
            # family parameter's prior reaches far (weibull's α below 0.002).
            "R2_relative": NUMPY.sigmoid(plan.family.logit_r2(w, beta0, drawn, NUMPY)),
        }
    )


def _tabulate(
    density: Callable[..., np.ndarray],
    conditions: np.ndarray,
    theta_names: list[str],
    progressbar: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_density_grid` for each row (intercept, then θ) of ``conditions``, in chunks."""
    tables = []
    starts = range(0, len(conditions), CHUNK)
    with steps(len(starts), "W's density, per prior draw", progressbar) as advance:
        for start in starts:
            rows = conditions[start : start + CHUNK]
            theta = {name: rows[:, k + 1] for k, name in enumerate(theta_names)}
            tables.append(_density_grid(density, rows[:, 0], theta))
            advance()
    return np.concatenate([g for g, _ in tables]), np.concatenate([m for _, m in tables])


def _density_grid(
    density: Callable[..., np.ndarray], beta0: np.ndarray, theta: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a log-W grid refined onto the density's support, and the log mass on it."""
    grid = np.broadcast_to(COARSE_LOG_W, (len(beta0), COARSE_LOG_W.size))
    log_mass = _log_mass(density, grid, beta0, theta)
    for points in REFINEMENTS:
        grid = _support_grid(grid, log_mass, points)
        log_mass = _log_mass(density, grid, beta0, theta)
    # Last, as many points again at the quantiles of the current approximation: the bulk of a
    # heavy-tailed prior gets points even when its support spans a hundred log units.
    levels = (np.arange(QUANTILE_POINTS) + 0.5) / QUANTILE_POINTS
    extra = np.stack(
        [
            _invert_piecewise_exponential(grid, log_mass, np.full(len(grid), level))
            for level in levels
        ],
        axis=1,
    )
    # Only the new points need the density: the refined grid's values are known.
    grid = np.concatenate([grid, extra], axis=1)
    log_mass = np.concatenate([log_mass, _log_mass(density, extra, beta0, theta)], axis=1)
    order = np.argsort(grid, axis=1, kind="stable")
    return np.take_along_axis(grid, order, axis=1), np.take_along_axis(log_mass, order, axis=1)


def _invert_piecewise_exponential(
    grid: np.ndarray, log_mass: np.ndarray, uniforms: np.ndarray
) -> np.ndarray:
    """Per row, the t with CDF(t) = u for a density whose log is linear between grid points.

    Exact for exponential tails (the log-density of log W is close to linear far from its
    mode), where the trapezoid rule and linear interpolation of the CDF would err.
    """
    log_mass = log_mass - log_mass.max(axis=1, keepdims=True)
    step = np.diff(grid, axis=1)
    left, slope = log_mass[:, :-1], np.diff(log_mass, axis=1) / step
    with np.errstate(all="ignore"):
        # ∫ e^(left + slope·x) dx over one step, and its limit for a flat piece.
        pieces = np.where(
            np.abs(slope * step) > 1e-8,
            np.exp(left) * np.expm1(slope * step) / slope,
            np.exp(left) * step,
        )
    pieces = np.where(np.isfinite(pieces), pieces, 0.0)
    cdf = np.cumsum(pieces, axis=1)
    rows = np.arange(len(grid))
    target = np.asarray(uniforms) * cdf[:, -1]
    k = np.minimum((cdf < target[:, None]).sum(axis=1), cdf.shape[1] - 1)
    rest = target - np.where(k > 0, cdf[rows, np.maximum(k - 1, 0)], 0.0)
    a, b, h = slope[rows, k], np.exp(left[rows, k]), step[rows, k]
    with np.errstate(all="ignore"):
        x = np.where(np.abs(a * h) > 1e-8, np.log1p(rest * a / b) / a, rest / b)
    return grid[rows, k] + np.clip(np.nan_to_num(x, nan=0.0), 0.0, h)


def _support_grid(grid: np.ndarray, log_mass: np.ndarray, points: int) -> np.ndarray:
    """Per row, ``points`` evenly spaced log-W values over where the mass is not negligible."""
    inside = log_mass > log_mass.max(axis=1, keepdims=True) - SUPPORT_DROP
    rows = np.arange(len(grid))
    first = np.argmax(inside, axis=1)
    last = grid.shape[1] - 1 - np.argmax(inside[:, ::-1], axis=1)
    # One grid step beyond the last points inside: the support ends somewhere in between.
    low = grid[rows, np.maximum(first - 1, 0)]
    high = grid[rows, np.minimum(last + 1, grid.shape[1] - 1)]
    return low[:, None] + (high - low)[:, None] * np.linspace(0.0, 1.0, points)


def _log_mass(
    density: Callable[..., np.ndarray], log_w: np.ndarray, beta0: np.ndarray, theta: dict
) -> np.ndarray:
    """log of the density of log W, log p_W(e^t) + t, per row; -inf where not finite."""
    column = {name: values[:, None] for name, values in theta.items()}
    with np.errstate(all="ignore"):
        values = density(np.exp(log_w), beta0[:, None], column) + log_w
    return np.where(np.isfinite(values), values, -np.inf)


def implied_r2(
    model: Model,
    draws: int = 4000,
    random_seed: RandomSeed = None,
    relative: bool = False,
    intercept: float | None = None,
    theta: dict[str, float] | None = None,
    progressbar: bool = True,
) -> np.ndarray:
    """Prior draws of R² implied by the model's full prior (see :func:`implied_prior`).

    Each draw is R²(W, β₀, θ) from one prior draw of the intercept β₀ and the
    family parameters θ and of W from the density of W given them that the PyMC
    model contains, whatever the W prior (``method``) is.

    Parameters
    ----------
    model : Model
        The model whose prior is checked.
    draws : int
        Number of draws.
    random_seed : int or numpy Generator, optional
        Seed for reproducible draws.
    relative : bool
        Return R²/R²max, the quantity that follows Beta(a, b) for bounded families
        (gamma, negativebinomial, zero_inflated_poisson). Default False.
    intercept : float, optional
        Hold the intercept (of the centered design, on the link scale) at this value
        instead of drawing it, as the paper compares W priors.
    theta : dict, optional
        Hold family parameters (e.g. ``{"alpha": 2.0}``) at these values.
    progressbar : bool
        Show progress on standard error (default True).

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> r2 = rf.implied_r2(rf.Model("y ~ x", data, family="poisson"), draws=100, random_seed=1)
    >>> r2.shape
    (100,)
    """
    prior = implied_prior(
        model, draws, random_seed, intercept=intercept, theta=theta, progressbar=progressbar
    )
    return prior["R2_relative" if relative else "R2"].to_numpy()
