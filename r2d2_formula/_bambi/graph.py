"""The PyMC model behind a Bambi model: built on demand, its dimensions and variables."""

from __future__ import annotations

import numpy as np

from r2d2_formula._responses import PLAIN, RESPONSE_KINDS, ResponseKind
from r2d2_formula._types import BambiModel, PyMCModel

__all__ = [
    "dimension_names",
    "pymc_model",
    "response_kind",
    "response_values",
    "vector_transformed",
]


def response_kind(model: BambiModel) -> ResponseKind:
    """The transformation of a Bambi model's response (``is_censored``, ...), or plain."""
    for call, kind in RESPONSE_KINDS.items():
        if getattr(model.response_term, f"is_{call}", False):
            return kind
    return PLAIN


def response_values(model: BambiModel) -> np.ndarray:
    """The response as the family sees it: without the status, bounds or weights columns."""
    return response_kind(model).values(np.asarray(model.response_term.data))


def pymc_model(model: BambiModel) -> PyMCModel:
    """The PyMC model behind a Bambi model, built on demand."""
    if not model.built:
        model.build()
    return model.backend.model


def dimension_names(model: BambiModel) -> list[str]:
    """Names of the PyMC model's dimensions (building it, as fit would)."""
    return [str(name) for name in pymc_model(model).coords]


def vector_transformed(model: BambiModel) -> list[str]:
    """Free variables with a transform and more than one element (kulprit cannot project these)."""
    pm_model = pymc_model(model)
    point = pm_model.initial_point()
    return [
        rv.name
        for rv in pm_model.free_RVs
        if pm_model.rvs_to_transforms.get(rv) is not None
        and np.size(point[pm_model.rvs_to_values[rv].name]) > 1
    ]
