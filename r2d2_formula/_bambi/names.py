"""Names the adapter gives in the PyMC model and reads back from Bambi's output."""

from __future__ import annotations

from r2d2_formula._plan import Plan
from r2d2_formula._types import BambiModel

__all__ = [
    "ALR_DIM",
    "ALR_OFFSET",
    "COMPONENT_DIM",
    "OBSERVATION_DIM",
    "family_parameters",
    "summary_variables",
]


#: Dimension of ``phi`` in the posterior.
COMPONENT_DIM = "r2d2_component"


#: Logistic-normal shares: the standard-normal vector behind the log-ratios, and its
#: dimension (labelled by the components other than the last, the reference).
ALR_OFFSET = "phi_alr_z"


ALR_DIM = "r2d2_log_ratio"


#: Bambi's dimension of observations in predictions.
OBSERVATION_DIM = "__obs__"


def summary_variables(model: BambiModel, plan: Plan) -> list[str]:
    """Posterior variables a summary shows: intercept, coefficients, group SDs, family, R2D2."""
    parent = model.parameters[model.family.likelihood.parent]
    names = [plan.intercept] if plan.intercept else []
    names += list(parent.common_terms)
    names += [f"{name}_sigma" for name in parent.group_specific_terms]
    names += [block.name for block in plan.correlated]
    names += family_parameters(model)
    if plan.null:  # no W or φ; R² = 0 by construction, a constant ArviZ cannot diagnose
        return names
    names += ["R2"] + (["R2_max"] if plan.family.bounded else []) + ["W", "phi"]
    return names


def family_parameters(model: BambiModel) -> list[str]:
    """The family's own parameters with a prior (σ, α, ψ, an ordinal model's thresholds).

    Bambi's list, a superset of those R² depends on (``plan.family.theta``).
    """
    return list(model.marginal_parameters)
