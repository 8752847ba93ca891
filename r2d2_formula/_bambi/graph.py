"""The PyMC model behind a Bambi model: built on demand, its dimensions and variables."""

from __future__ import annotations

import numpy as np

from r2d2_formula._types import BambiModel, PyMCModel

__all__ = ["dimension_names", "pymc_model", "vector_transformed"]


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
