"""Read what a fit or a prediction wrote: the design, φ, variance contributions, predictions."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from r2d2_formula._bambi.densities import centered_block_draws, log_likelihood
from r2d2_formula._bambi.graph import response_values
from r2d2_formula._bambi.names import COMPONENT_DIM, OBSERVATION_DIM
from r2d2_formula._design import Design, GroupBlock
from r2d2_formula._plan import Component, CorrelatedBlock, Plan
from r2d2_formula._types import BambiModel, RandomSeed

if TYPE_CHECKING:
    from xarray import Dataset, DataTree

__all__ = [
    "keep_observations",
    "phi_draws",
    "prediction_draws",
    "read_design",
    "variance_contributions",
    "with_predictions",
]


def read_design(model: BambiModel, plan: Plan, formula: str) -> Design:
    """The :class:`~r2d2_formula._design.Design` of a built Bambi model and its plan."""
    parent = model.parameters[model.family.likelihood.parent]
    response = response_values(model)
    trials = response[:, 1] if response.ndim == 2 else None
    columns: dict[str, list[str]] = {}
    for component in plan.components:
        if component.kind == "common":
            columns.setdefault(component.term, []).append(component.name)
    population = pd.DataFrame(
        np.column_stack(
            [
                np.asarray(t.data, dtype=float).reshape(len(response), -1)
                for t in parent.common_terms.values()
            ]
        )
        if parent.common_terms
        else np.empty((len(response), 0)),
        columns=[name for term in parent.common_terms for name in columns[term]],
    )
    groups = []
    for name, term in parent.group_specific_terms.items():
        expr, factor = name.split("|")
        labels = [c.name for c in plan.components if c.term == name]
        predictor = np.asarray(term.predictor, dtype=float).reshape(len(response), -1)
        groups.append(
            GroupBlock(
                name=name,
                expr=expr,
                factor=factor,
                columns=pd.DataFrame(predictor, columns=labels),
                codes=np.asarray(term.group_index),
                levels=tuple(str(level) for level in term.groups),
            )
        )
    offsets = [np.asarray(t.data, dtype=float).reshape(-1) for t in parent.offset_terms.values()]
    return Design(
        formula=formula,
        response=response[:, 0] if trials is not None else response,
        trials=trials,
        intercept=parent.intercept_term is not None,
        population=population,
        groups=tuple(groups),
        offset=np.sum(offsets, axis=0) if offsets else None,
        components=pd.DataFrame(
            [(c.name, c.term, c.kind, c.scale) for c in plan.components],
            columns=["component", "term", "kind", "scale"],
        ),
    )


def phi_draws(idata: DataTree, plan: Plan) -> np.ndarray:
    """Posterior draws of φ, one row per component."""
    phi = idata.posterior["phi"].stack(sample=("chain", "draw"))
    return np.asarray(phi.transpose(COMPONENT_DIM, "sample"))


def _component_draws(posterior: DataTree, component: Component) -> np.ndarray:
    """Draws of a component's coefficient (population) or SD (group), flattened."""
    if component.kind == "common":
        values, dim = posterior[component.term], f"{component.term}_dim"
    else:
        expr = component.term.split("|")[0]
        values, dim = posterior[f"{component.term}_sigma"], f"{expr}__expr_dim"
    if component.level is not None:
        coord = values.coords[dim].values
        values = values.isel({dim: [str(c) for c in coord].index(component.level)})
    return np.asarray(values).reshape(-1)


def variance_contributions(idata: DataTree, plan: Plan) -> np.ndarray:
    """Per draw, each component's contribution to Var(η), one row per component.

    var(x_j) β_j² for a population column (mean square without an intercept) and
    m_k σ_k² for a group-level column, m_k the mean square of its expression column.
    """
    posterior = idata.posterior
    contributions = np.array(
        [c.spread * _component_draws(posterior, c) ** 2 for c in plan.components]
    )
    for block in plan.correlated:
        contributions[list(block.indices)] = _block_contributions(posterior, block)
    return contributions


def _block_contributions(posterior: DataTree, block: CorrelatedBlock) -> np.ndarray:
    """Σ_j (Σ_v)_ij M'_ij per column of a correlated block, per draw: they sum to tr(Σ_v M').

    In the centered columns the intercept's share is the variance of the group's effect at
    the columns' means, with no cross term to the slopes.
    """
    _, cov_v = centered_block_draws(posterior.to_dataset(), block)
    shares = np.einsum("...ij,ij->...i", cov_v, np.array(block.moments))
    return shares.reshape(-1, len(block.indices)).T


def keep_observations(idata: DataTree, rows: int) -> None:
    """Keep the first ``rows`` observations of what ``predict`` wrote (in place)."""
    for group in ("posterior", "posterior_predictive"):
        if group in idata.children and OBSERVATION_DIM in idata[group].dims:
            idata[group] = idata[group].isel({OBSERVATION_DIM: slice(0, rows)})


def prediction_draws(model: BambiModel, idata: DataTree, kind: str) -> np.ndarray:
    """Predictions that ``bambi.Model.predict`` wrote, as (sample, observation, ...)."""
    if kind == "response":
        name = model.response_term.name
        values = idata.posterior_predictive[name]
    else:
        values = idata.posterior[model.family.likelihood.parent]
    array = np.asarray(values, dtype=float)
    return array.reshape(-1, *array.shape[2:])


def response_levels(model: BambiModel) -> list[str] | None:
    """The categories of a categorical (ordinal) response, in order; None for any other."""
    levels = getattr(model.response_term, "levels", None)
    return None if levels is None else [str(level) for level in levels]


def with_predictions(
    model: BambiModel, idata: DataTree, random_seed: RandomSeed = None
) -> DataTree:
    """A copy of ``idata`` holding the log-likelihood and posterior predictive draws."""
    tree = idata.copy()
    if "log_likelihood" not in tree.children:
        tree["log_likelihood"] = xr_tree(log_likelihood(model, idata))
    if "posterior_predictive" not in tree.children:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            model.predict(tree, kind="response", inplace=True, random_seed=random_seed)
    return tree


def xr_tree(dataset: Dataset) -> DataTree:
    import xarray as xr

    return xr.DataTree(dataset)
