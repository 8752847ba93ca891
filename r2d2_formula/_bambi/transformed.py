"""Censored, truncated, constrained and weighted responses: what Bambi 0.21 gets wrong.

Bambi builds their likelihoods (PyMC's ``Censored`` and ``Truncated``, weighted log-
densities), but its pointwise log-likelihood evaluates the family's plain density on the
whole response matrix (values, status, bounds or weights: a shape error), and its draws
of a constrained response fail (PyMC's truncated normal sampler mis-shapes batched
parameters). This module computes both as the model defines them.
"""

from __future__ import annotations

import types
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from r2d2_formula._bambi.graph import response_kind
from r2d2_formula._types import BambiModel, RandomSeed

if TYPE_CHECKING:
    from xarray import DataArray, Dataset, DataTree

__all__ = ["adapt_to_response", "draw_within_bounds", "transformed_log_likelihood"]


def _distribution_arguments(model: BambiModel, posterior: Dataset) -> tuple[dict, dict]:
    """The family's PyMC arguments at every posterior draw and row, and their coords."""
    kwargs, coords = model.family._make_dist_kwargs_and_coords(model, posterior)
    return kwargs, dict(list(coords.items())[:3])  # chain, draw, __obs__


def _response_distribution(model: BambiModel, kwargs: dict) -> Any:
    """The family's PyMC distribution with those arguments."""
    from bambi.families.family import get_response_dist

    return get_response_dist(model.family).dist(**kwargs)


def _censored(base: Any, matrix: np.ndarray) -> Any:
    import pymc as pm

    y, code = matrix[:, 0], matrix[:, 1]
    # Bambi's codes: -1 left-censored at y, 1 right-censored at y, 0 observed.
    lower = np.where(code == -1, y, -np.inf)
    upper = np.where(code == 1, y, np.inf)
    return pm.logp(pm.Censored.dist(base, lower=lower, upper=upper), y)


def _bounded(base: Any, matrix: np.ndarray) -> Any:
    import pymc as pm

    truncated = pm.Truncated.dist(base, lower=matrix[:, 1], upper=matrix[:, 2])
    return pm.logp(truncated, matrix[:, 0])


def _weighted(base: Any, matrix: np.ndarray) -> Any:
    import pymc as pm

    return matrix[:, 1] * pm.logp(base, matrix[:, 0])


_LOG_LIKELIHOOD = {
    "censored": _censored,
    "truncated": _bounded,
    "constrained": _bounded,
    "weighted": _weighted,
}


def transformed_log_likelihood(model: BambiModel, idata: DataTree) -> Dataset:
    """Pointwise log-likelihood of a transformed response at every posterior draw.

    Censored rows contribute log P(Y ≥ y) (right) or log P(Y ≤ y) (left); truncated and
    constrained rows the density renormalised to their bounds; weighted rows w · log p(y).
    """
    import xarray as xr

    tree = xr.DataTree.from_dict({"posterior": idata.posterior.to_dataset()})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        tree = model._compute_likelihood_params(
            idata=tree, data=None, include_group_specific=True, sample_new_groups=False
        )
    kwargs, coords = _distribution_arguments(model, tree.posterior.to_dataset())
    base = _response_distribution(model, kwargs)
    matrix = np.asarray(model.response_term.data, dtype=float)
    values = _LOG_LIKELIHOOD[str(response_kind(model).call)](base, matrix).eval()
    name = model.response_term.alias or model.response_term.name
    return xr.DataArray(values, coords=coords).to_dataset(name=name)


def draw_within_bounds(
    model: BambiModel, posterior: Dataset, random_seed: RandomSeed = None
) -> DataArray:
    """Responses of a constrained model: the family truncated to its bounds, per draw and row."""
    import pymc as pm
    import xarray as xr

    kwargs, coords = _distribution_arguments(model, posterior)
    shape = tuple(len(values) for values in coords.values())
    # PyMC's truncated normal draws mis-shape batched parameters: draw them flat.
    flat = {key: np.broadcast_to(value, shape).ravel() for key, value in kwargs.items()}
    matrix = np.asarray(model.response_term.data, dtype=float)
    lower, upper = matrix[0, 1], matrix[0, 2]  # constrained() takes scalar bounds
    base = _response_distribution(model, flat)
    bounded = pm.Truncated.dist(
        base,
        lower=None if np.isneginf(lower) else lower,
        upper=None if np.isposinf(upper) else upper,
    )
    draws = pm.draw(bounded, random_seed=random_seed).reshape(shape)
    return xr.DataArray(draws, coords=coords)


def adapt_to_response(model: BambiModel) -> None:
    """Undo what Bambi 0.21 gets wrong for a transformed response of a just-built model.

    Its default σ prior of a gaussian or t response is HalfStudentT(4, SD of the response
    matrix): the SD of values *and* status codes, bounds (infinite for a one-sided bound)
    or weights. It becomes the SD of the values. A constrained model's response draws go
    through :func:`draw_within_bounds`.
    """
    import bambi as bmb
    from bambi.families.univariate import Gaussian, StudentT

    kind = response_kind(model)
    if not kind.transformed:
        return
    sigma = model.parameters.get("sigma")
    prior = getattr(sigma, "prior", None)
    if isinstance(model.family, (Gaussian, StudentT)) and getattr(prior, "auto_scale", False):
        values = kind.values(np.asarray(model.response_term.data, dtype=float))
        sigma.prior = bmb.Prior("HalfStudentT", nu=4, sigma=float(np.std(values)))
    if kind.call == "constrained":

        def posterior_predictive(family, model, posterior, random_seed=None, **kwargs):
            return draw_within_bounds(model, posterior, random_seed)

        model.family.posterior_predictive = types.MethodType(posterior_predictive, model.family)
