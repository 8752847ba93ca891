"""``implied_r2()``: draws of R² from the model's full prior, to check the prior."""

from __future__ import annotations

from typing import Any

import numpy as np

from r2d2_formula import inject
from r2d2_formula.errors import FamilyError
from r2d2_formula.model import Model
from r2d2_formula.r2 import NUMPY

__all__ = ["implied_r2"]


def implied_r2(
    model: Model,
    draws: int = 4000,
    random_seed: Any = None,
    relative: bool = False,
    intercept: float | None = None,
    theta: dict[str, float] | None = None,
) -> np.ndarray:
    """Prior draws of R² implied by the model's full prior.

    Each draw is R²(W, β₀, θ) from one joint prior draw of the intercept β₀ and
    the family parameters θ (from their priors in the model) and of W from its
    prior given them, whatever the W prior (``method``) is.

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
        Hold the intercept (of the centred design, on the link scale) at this value
        instead of drawing it, as the paper compares W priors.
    theta : dict, optional
        Hold family parameters (e.g. ``{"alpha": 2.0}``) at these values.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> r2 = rf.implied_r2(rf.Model("y ~ x", data, family="poisson"), draws=100, random_seed=1)
    >>> r2.shape
    (100,)
    """
    rng = np.random.default_rng(random_seed)
    plan = model.plan
    unknown = sorted(set(theta or {}) - set(plan.family.theta))
    if unknown:
        raise FamilyError(
            f"theta names {unknown} are not parameters of family {plan.family.name!r}, "
            f"which has {list(plan.family.theta)}."
        )
    beta0, drawn = inject.draw_intercept_and_theta(model.bambi_model, plan, draws, rng)
    if intercept is not None:
        beta0 = np.full(draws, float(intercept))
    drawn.update({name: np.full(draws, float(value)) for name, value in (theta or {}).items()})
    w = plan.w_prior.random(beta0, drawn, rng, size=draws)
    r2 = plan.family.r2(w, beta0, drawn)
    return r2 / plan.family.r2max(drawn, NUMPY) if relative else r2
