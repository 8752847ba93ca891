"""Densities of the built model: W's log-density, the log-likelihood and log-prior of draws,
and prior draws given the intercept, family parameters and W.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from r2d2_formula._bambi.graph import pymc_model, response_kind
from r2d2_formula._bambi.names import summary_variables
from r2d2_formula._bambi.transformed import transformed_log_likelihood
from r2d2_formula._errors import R2D2Error
from r2d2_formula._plan import CorrelatedBlock, Plan
from r2d2_formula._types import BambiModel, PyMCModel, RandomSeed

if TYPE_CHECKING:
    from xarray import DataArray, Dataset, DataTree

__all__ = [
    "draw_intercept_and_theta",
    "intercept_shift",
    "log_likelihood",
    "log_prior",
    "prior_variable_names",
    "sample_given",
    "w_log_density",
]


def draw_intercept_and_theta(
    model: BambiModel, plan: Plan, draws: int, rng: np.random.Generator
) -> tuple:
    """Prior draws of the intercept and the family parameters: what W's prior conditions on.

    They are drawn from the priors Bambi holds for them (independent a priori), without
    building the whole PyMC model.
    """
    import pymc as pm

    parent = model.parameters[model.family.likelihood.parent]
    priors = {name: model.marginal_parameters[name].prior for name in plan.family.theta}
    if plan.intercept:
        priors[plan.intercept] = parent.intercept_term.prior
    # One vectorised draw: pm.draw(draws=n) would call the compiled function n times.
    dists = {
        name: getattr(pm, prior.name).dist(**prior.args, size=draws)
        for name, prior in priors.items()
        if not isinstance(prior, (int, float))
    }
    drawn = pm.draw(list(dists.values()), random_seed=rng, mode="FAST_COMPILE") if dists else []
    values = dict(zip(dists, drawn, strict=True))
    out = {
        name: np.full(draws, float(prior))
        if name not in values
        else np.asarray(values[name], float)
        for name, prior in priors.items()
    }
    beta0 = out.pop(plan.intercept) if plan.intercept else np.zeros(draws)
    return beta0, out


def w_log_density(model: BambiModel, plan: Plan) -> Callable[..., np.ndarray]:
    """The log-density of W that the PyMC model contains, as a NumPy function.

    Returns ``f(w, beta0, theta)``: log p(W = w | β₀, θ) elementwise over arrays
    ``w``, ``beta0`` and ``theta[name]`` of one shape, compiled from W's own
    ``logp`` in the built PyMC model (whatever W prior it holds), so checks of the
    prior test what the sampler sees rather than the formulas that built it.
    """
    import pymc as pm
    import pytensor
    import pytensor.tensor as pt
    from pytensor.graph.replace import graph_replace, vectorize_graph

    pm_model = pymc_model(model)
    names = ["W", *([plan.intercept] if plan.intercept else []), *plan.family.theta]
    scalars = {name: pt.dscalar(name) for name in names}
    replace = {pm_model[name]: scalars[name] for name in names[1:]}
    logp = graph_replace(pm.logp(pm_model["W"], scalars["W"]), replace, strict=False)
    # The same graph, elementwise over vectors of W, intercepts and family parameters.
    vectors = {name: pt.dvector(name) for name in names}
    logp = vectorize_graph(logp, {scalars[name]: vectors[name] for name in names})
    inputs = [vectors[name] for name in names]
    compiled = pytensor.function(inputs, logp, on_unused_input="ignore")

    def density(w_values: np.ndarray, beta0_values: np.ndarray, theta_values: dict) -> np.ndarray:
        w_values = np.asarray(w_values, dtype=float)
        given = [beta0_values] if plan.intercept else []
        given += [theta_values[name] for name in plan.family.theta]
        flat = [np.broadcast_to(np.asarray(v, float), w_values.shape).ravel() for v in given]
        return np.asarray(compiled(w_values.ravel(), *flat)).reshape(w_values.shape)

    return density


def log_likelihood(model: BambiModel, idata: DataTree) -> Dataset:
    """Pointwise log-likelihood of every observation at every posterior draw (an xarray Dataset).

    Computed by ``bambi.Model.compute_log_likelihood``, which evaluates the family's density
    at the means Bambi predicts from the stored posterior. ``pm.compute_log_likelihood`` on
    the PyMC model would be wrong here: the stored intercept is Bambi's un-centered one while
    the PyMC model's is the intercept of the centered design, and the offsets of non-centered
    terms are not stored.
    """
    import xarray as xr

    if response_kind(model).transformed:
        return transformed_log_likelihood(model, idata)
    tree = xr.DataTree.from_dict(
        {"posterior": idata.posterior.to_dataset(), "observed_data": _observed(idata)}
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        model.compute_log_likelihood(tree, inplace=True)
    return tree["log_likelihood"].to_dataset()


def _observed(idata: DataTree) -> Dataset | None:
    return idata["observed_data"].to_dataset() if "observed_data" in idata.children else None


def intercept_shift(model: BambiModel, posterior: Dataset) -> DataArray | float:
    """X̄ β per draw: the centered design's intercept minus Bambi's reported one (0 if none).

    Bambi samples the intercept of the centered design and reports β₀ − X̄ β; adding this
    shift to the reported intercept gives back the value the PyMC model holds.
    """
    parent = model.family.likelihood.parent
    term = model.parameters[parent]
    if term.intercept_term is None or not term.common_terms or not model.center_predictors:
        return 0.0
    component = model.backend.distributional_components[parent]
    means = np.asarray(component.design_matrix_without_intercept).mean(axis=0)
    sizes = (posterior.sizes["chain"], posterior.sizes["draw"])
    coefs = np.concatenate(
        [np.asarray(posterior[name]).reshape(*sizes, -1) for name in term.common_terms], axis=-1
    )
    import xarray as xr

    return xr.DataArray(coefs @ means, dims=("chain", "draw"))


def prior_variable_names(model: BambiModel) -> list[str]:
    """Names of the PyMC model's free variables: the terms of its log-prior."""
    return [rv.name for rv in pymc_model(model).free_RVs]


def log_prior(centered_model: BambiModel, plan: Plan, idata: DataTree) -> Dataset:
    """Log prior density per draw of every free variable, summed over its elements.

    ``centered_model`` is a Bambi model of the fit's formula built with every term centered
    (coefficients and group effects sampled as themselves): its free variables are exactly
    the quantities the posterior stores (the non-centered offsets that Bambi drops do not
    exist there), so every prior term is evaluated where the posterior put it, in the
    parameters' own scale: Normal(β; 0, sqrt(φW/v)) for a coefficient, Normal(u; 0, σ) for
    group effects, W's exact density given the intercept and family parameters (its
    ``CustomDist`` logp), φ's Dirichlet, the intercept's and the family parameters' priors.
    Densities are of the constrained values (no Jacobian of the sampler's transforms).
    """
    import pymc as pm
    import xarray as xr

    pm_model = pymc_model(centered_model)
    names = prior_variable_names(centered_model)
    posterior = idata.posterior.to_dataset()
    for block in plan.correlated:
        posterior = posterior.assign(_block_draws(posterior, block))
    missing = [name for name in names if name not in posterior]
    if missing:
        raise R2D2Error(
            f"internal error: the posterior has no draws of {missing}, which the model's prior "
            "needs; please report it."
        )
    intercept = centered_model.parameters[centered_model.family.likelihood.parent].intercept_term
    if intercept is not None:
        shifted = posterior[intercept.name] + intercept_shift(centered_model, posterior)
        posterior = posterior.assign({intercept.name: shifted})
    if plan.correlated:
        # PyMC's compute_log_prior cannot pair LKJCorr's value variable with its draws.
        return _log_prior_per_draw(pm_model, names, posterior)
    tree = xr.DataTree.from_dict({"posterior": posterior[names]})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        out = pm.stats.compute_log_prior(
            tree, model=pm_model, var_names=names, extend_inferencedata=False, progressbar=False
        )
    out = out.to_dataset() if hasattr(out, "to_dataset") else out
    return xr.Dataset(
        {
            name: out[name].sum([d for d in out[name].dims if d not in ("chain", "draw")])
            for name in names
        }
    )


def _log_prior_per_draw(pm_model: PyMCModel, names: list[str], posterior: Dataset) -> Dataset:
    """What ``pm.stats.compute_log_prior`` computes, one draw at a time, summed per variable."""
    import xarray as xr
    from pymc.model.transform.conditioning import remove_value_transforms

    untransformed = remove_value_transforms(pm_model)
    rvs = [untransformed[name] for name in names]
    values = [untransformed.rvs_to_values[rv] for rv in untransformed.free_RVs]
    logp = untransformed.compile_fn(
        inputs=values, outs=untransformed.logp(vars=rvs, sum=False), on_unused_input="ignore"
    )
    stacked = posterior.stack(sample=("chain", "draw"))
    draws = {
        rv.name: np.moveaxis(np.asarray(stacked[rv.name], dtype=value.type.dtype), -1, 0)
        for rv, value in zip(untransformed.free_RVs, values, strict=True)
    }
    sums = np.array(
        [
            [
                float(np.sum(term))
                for term in logp(
                    {
                        v.name: draws[rv.name][s]
                        for rv, v in zip(untransformed.free_RVs, values, strict=True)
                    }
                )
            ]
            for s in range(stacked.sizes["sample"])
        ]
    )
    shape = (posterior.sizes["chain"], posterior.sizes["draw"])
    return xr.Dataset(
        {name: (("chain", "draw"), sums[:, k].reshape(shape)) for k, name in enumerate(names)}
    )


def block_draws(posterior: Dataset, block: CorrelatedBlock) -> tuple[np.ndarray, np.ndarray]:
    """Per (chain, draw): the block's effects u (levels × columns) and their covariance Σ_u.

    Read from what the posterior stores: each term's effects and SDs and the correlations.
    """
    size = len(block.indices)
    pairs = np.asarray(posterior[block.name].transpose("chain", "draw", ...))
    corr = np.broadcast_to(np.eye(size), (*pairs.shape[:2], size, size)).copy()
    for k, (i, j) in enumerate(block.pairs):
        corr[..., i, j] = corr[..., j, i] = pairs[..., k]
    factor_dim = f"{block.factor}__factor_dim"
    effects, sds = [], []
    # The block's columns are its terms' columns in component order, as its terms are.
    for term in block.terms:
        array = np.asarray(posterior[term].transpose("chain", "draw", factor_dim, ...))
        effects.append(array.reshape(*array.shape[:3], -1))
        sd = np.asarray(posterior[f"{term}_sigma"].transpose("chain", "draw", ...))
        sds.append(sd.reshape(*sd.shape[:2], -1))
    sd_u = np.concatenate(sds, axis=-1)
    covariance = corr * sd_u[..., :, None] * sd_u[..., None, :]
    return np.concatenate(effects, axis=-1), covariance


def centered_block_draws(posterior: Dataset, block: CorrelatedBlock) -> tuple[np.ndarray, ...]:
    """:func:`block_draws` in the centered columns the prior is set on: v = A⁻¹u and Σ_v."""
    effects_u, cov_u = block_draws(posterior, block)
    inverse = np.linalg.inv(block.shift_matrix())
    return effects_u @ inverse.T, inverse @ cov_u @ inverse.T


def _block_draws(posterior: Dataset, block: CorrelatedBlock) -> dict[str, Any]:
    """The free variables of a centered correlated block: its v effects and LKJ factor."""
    import xarray as xr

    effects_v, cov_v = centered_block_draws(posterior, block)
    sd_v = np.sqrt(np.einsum("...ii->...i", cov_v))
    corr_v = cov_v / (sd_v[..., :, None] * sd_v[..., None, :])
    factor_dim, column_dim = f"{block.factor}__factor_dim", f"{block.name}_column"
    chol_dims = ("chain", "draw", f"{block.name}_row", column_dim)
    return {
        f"{block.name}_chol": xr.DataArray(np.linalg.cholesky(corr_v), dims=chol_dims),
        f"{block.name}_effects": xr.DataArray(
            effects_v, dims=("chain", "draw", factor_dim, column_dim)
        ),
    }


def _family_draws_response(
    drawn: Dataset, trace: Dataset, plan: Plan, names: tuple[str, str], rng: np.random.Generator
) -> Dataset:
    """``drawn`` with its parent draws (``names[0]``) replaced by the family's response draws
    at them (``names[1]``); the family parameters are the trace's, one per draw."""
    parent, response = names
    mean = drawn[parent]
    theta = {name: trace[name].to_numpy()[..., None] for name in plan.family.theta}
    values = plan.family.draw_response(mean.to_numpy(), theta, rng)
    return drawn.drop_vars(parent).assign({response: (mean.dims, values)})


def sample_given(
    model: BambiModel, plan: Plan, given: Mapping[str, np.ndarray], random_seed: RandomSeed = None
) -> tuple[Dataset, Dataset]:
    """Prior draws of everything else given draws of the intercept, family parameters and W.

    ``given`` holds one array per variable (the intercept of the centered design, the
    family parameters and W), all of one length. Every other variable of the PyMC model
    (φ, coefficients, group SDs and effects, the response) is drawn forward from its
    prior given them, by ``pm.sample_posterior_predictive``: variables missing from the
    "trace" are regenerated, those in it are kept. Returns the prior (one chain, with R²,
    and the intercept un-centered as Bambi reports it) and the response draws, as Datasets.
    """
    import pymc as pm
    import xarray as xr

    pm_model = pymc_model(model)
    trace = xr.Dataset(
        {
            name: (("chain", "draw"), np.asarray(values, float)[None, :])
            for name, values in given.items()
        }
    )
    response = [rv.name for rv in pm_model.observed_RVs]
    skip = {"mu", model.family.likelihood.parent, *response}
    names = [v.name for v in [*pm_model.free_RVs, *pm_model.deterministics] if v.name not in skip]
    names = [name for name in names if name not in given]
    # As in a fit's posterior, the standard normals of non-centered terms are left out.
    shown = [name for name in names if not name.endswith("_offset")]
    rng = np.random.default_rng(random_seed)
    parent = model.family.likelihood.parent
    # Where PyMC's response sampler fails at some prior means, the family draws it.
    drawn_by_pymc = [parent] if plan.family.draws_response else response
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        drawn = pm.sample_posterior_predictive(
            trace,
            model=pm_model,
            var_names=names + drawn_by_pymc,
            random_seed=rng,
            progressbar=False,
        )
    drawn = drawn["posterior_predictive"].to_dataset()
    if plan.family.draws_response:
        drawn = _family_draws_response(drawn, trace, plan, (parent, response[0]), rng)
    prior = xr.merge([trace, drawn[shown]], compat="override", join="outer")
    if plan.intercept:
        prior[plan.intercept] = prior[plan.intercept] - intercept_shift(model, prior)
    ordered = summary_variables(model, plan) + [
        n for n in names if n not in summary_variables(model, plan)
    ]
    prior = prior[[name for name in ordered if name in prior]]
    return prior, drawn[response]
