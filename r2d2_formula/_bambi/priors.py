"""The R2D2 prior as Bambi priors: callables that add W, φ and the component SDs.

Bambi calls each callable inside the PyMC model it is building; the first call creates the
shared hyperpriors (W, phi, R2) in that model, later calls look them up by name. Bambi builds
the family parameters and the intercept before any other term, so W's prior can condition on
them. Callables are :func:`functools.partial` objects over plain data, because Bambi
deep-copies priors and a callable dragging a module along cannot be copied.
"""

from __future__ import annotations

import functools
import math
import weakref
from typing import Any

import numpy as np

from r2d2_formula._bambi.names import ALR_DIM, ALR_OFFSET, COMPONENT_DIM
from r2d2_formula._plan import CorrelatedBlock, Plan
from r2d2_formula._r2 import pytensor_ops
from r2d2_formula._shares import ALRShares
from r2d2_formula._types import BambiPrior, BambiTerm, Dims, PyMCModel, Tensor

__all__ = ["r2d2_priors"]


def r2d2_priors(
    parent: BambiTerm,
    plan: Plan,
    intercept_mean: float,
    intercept_sd: float,
    intercept_prior: BambiPrior,
) -> dict:
    import bambi as bmb

    priors: dict[str, Any] = {}
    if parent.intercept_term is not None:
        priors[parent.intercept_term.name] = intercept_prior or bmb.Prior(
            "Normal", mu=intercept_mean, sigma=intercept_sd
        )
    for name in parent.common_terms:
        dist = functools.partial(_coefficient, plan=plan, indices=plan.indices(name), term=name)
        priors[name] = bmb.Prior("R2D2Coefficient", dist=dist)
    for name in parent.group_specific_terms:
        if plan.block_of(name) is not None:
            # Bambi wants a hyperprior on a group term: the SDs, which the block sets.
            sd = functools.partial(_correlated_sd, plan=plan, term=name)
            dist = functools.partial(_correlated_effects, plan=plan, term=name)
            priors[name] = bmb.Prior(
                "R2D2CorrelatedEffects",
                dist=dist,
                sigma=bmb.Prior("R2D2CorrelatedSD", dist=sd),
                noncentered=False,  # the block decides; Bambi's switch is for Normal priors
            )
            continue
        dist = functools.partial(_group_sd, plan=plan, indices=plan.indices(name))
        priors[name] = bmb.Prior(
            "Normal",
            mu=0.0,
            sigma=bmb.Prior("R2D2GroupSD", dist=dist),
            noncentered=plan.is_noncentered(name),
        )
    return priors


def _coefficient(
    label: str, dims: Dims = None, *, plan: Plan, indices: tuple[int, ...], term: str
) -> Tensor:
    """Population-level coefficients of one term: Normal(0, sqrt(φ_k W / v_k))."""
    import pymc as pm

    sd = _component_sd(plan, indices)
    if dims is None:
        sd = sd[0]
    if plan.is_noncentered(term):
        raw = pm.Normal(f"{label}_offset", mu=0.0, sigma=1.0, dims=dims)
        return pm.Deterministic(label, raw * sd, dims=dims)
    return pm.Normal(label, mu=0.0, sigma=sd, dims=dims)


def _group_sd(label: str, dims: Dims = None, *, plan: Plan, indices: tuple[int, ...]) -> Tensor:
    """Group-level SDs of one term: sqrt(φ_k W / m_k); Bambi draws the effects."""
    import pymc as pm

    sd = _component_sd(plan, indices)
    return pm.Deterministic(label, sd if dims else sd[0], dims=dims)


def _correlated_sd(label: str, dims: Dims = None, *, plan: Plan, term: str) -> Tensor:
    """The SDs of one term of a correlated block (``{term}_sigma``), building the block."""
    import pymc as pm

    _, sd, columns = _block_columns(plan, term)
    return pm.Deterministic(label, sd[columns] if dims else sd[columns[0]], dims=dims)


def _correlated_effects(
    label: str, sigma: Tensor = None, dims: Dims = None, *, plan: Plan, term: str
) -> Tensor:
    """The group effects of one term of a correlated block: its columns of the block's."""
    import pymc as pm

    effects, _, columns = _block_columns(plan, term)
    several = dims is not None and len(dims) > 1
    return pm.Deterministic(
        label, effects[:, columns] if several else effects[:, columns[0]], dims=dims
    )


def _block_columns(plan: Plan, term: str) -> tuple[Tensor, Tensor, list[int]]:
    """The block's effects and SDs (built by the first of its terms), and the term's columns."""
    import pymc as pm

    model = pm.modelcontext(None)
    block = plan.correlated[plan.block_of(term)]  # type: ignore[index]
    built = _BLOCKS.setdefault(model, {}).get(block.name)
    effects, sd = built if built is not None else _add_block(model, plan, block)
    return effects, sd, [block.indices.index(i) for i in plan.indices(term)]


def _add_block(model: PyMCModel, plan: Plan, block: CorrelatedBlock) -> tuple[Tensor, Tensor]:
    """Correlated effects of one block; returns Bambi's effects u (levels × columns) and SDs.

    The prior is on v, the effects of the centered columns (:class:`CorrelatedBlock`):
    v = diag(σ) L z per level, L ~ LKJ(η), σ_i = s·a_i with a_i = sqrt(φ_i W / scale_i)
    and s² = Σ a_i² M'_ii / aᵀ(R∘M')a, so that the block adds tr(Σ_v M') = Σ_i φ_i W
    (with autoscale) to Var(η) whatever the correlation R = L Lᵀ: W stays the variance
    of η and the R² prior stays exact. Where the block has an intercept, M' has no cross
    terms between it and the centered columns, so s differs from 1 only through the
    correlations of the other columns among themselves. u = A v, and the reported SDs
    and correlations are those of u, the parameterisation lme4 reports.
    """
    import pymc as pm
    import pytensor.tensor as pt

    size = len(block.indices)
    phi, w = _hyperpriors(plan)
    a = pt.sqrt(phi[list(block.indices)] * w / np.array(block.scales))
    chol = pm.LKJCorr(f"{block.name}_chol", n=size, eta=plan.lkj_eta)
    moments = np.array(block.moments)
    corr_v = pt.dot(chol, chol.T)
    scale = pt.sqrt(pt.sum(a**2 * np.diag(moments)) / pt.dot(a, pt.dot(corr_v * moments, a)))
    chol_v = (a * scale)[:, None] * chol  # Cholesky factor of Σ_v
    factor_dim, column_dim = f"{block.factor}__factor_dim", f"{block.name}_column"
    model.add_coord(column_dim, list(block.labels))
    model.add_coord(f"{block.name}_pair", block.pair_labels)
    if any(plan.is_noncentered(term) for term in block.terms):
        z = pm.Normal(f"{block.name}_offset", 0.0, 1.0, dims=(factor_dim, column_dim))
        effects_v = pt.dot(z, chol_v.T)
    else:
        effects_v = pm.MvNormal(
            f"{block.name}_effects", mu=np.zeros(size), chol=chol_v, dims=(factor_dim, column_dim)
        )
    shift = block.shift_matrix()
    cov_u = pt.dot(shift, pt.dot(pt.dot(chol_v, chol_v.T), shift.T))
    sd_u = pt.sqrt(pt.diag(cov_u))
    corr_u = cov_u / pt.outer(sd_u, sd_u)
    rows, cols = zip(*block.pairs, strict=True)
    pm.Deterministic(block.name, corr_u[list(rows), list(cols)], dims=f"{block.name}_pair")
    effects_u = pt.dot(effects_v, shift.T)
    _BLOCKS[model][block.name] = (effects_u, sd_u)
    return effects_u, sd_u


#: Per PyMC model being built, each correlated block's effects and SDs by block name.
_BLOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _component_sd(plan: Plan, indices: tuple[int, ...]) -> Tensor:
    import pytensor.tensor as pt

    phi, w = _hyperpriors(plan)
    scales = np.array([plan.components[i].scale for i in indices])
    return pt.sqrt(phi[list(indices)] * w / scales)


def _hyperpriors(plan: Plan) -> tuple[Tensor, Tensor]:
    """phi and W of the model being built, created on first use."""
    import pymc as pm

    model = pm.modelcontext(None)
    if "W" not in model.named_vars:
        _add_hyperpriors(model, plan)
    return model["phi"], model["W"]


def _add_hyperpriors(model: PyMCModel, plan: Plan) -> None:
    import pymc as pm
    import pytensor.tensor as pt

    ops = pytensor_ops()
    beta0 = model[plan.intercept] if plan.intercept else pt.constant(0.0)
    theta_names = plan.family.theta
    theta_values = [model[name] for name in theta_names]
    w_prior = plan.w_prior

    def logp(value, beta0, *theta):
        return w_prior.logp(value, beta0, dict(zip(theta_names, theta, strict=True)), ops)

    def random(beta0, *theta, rng=None, size=None):
        return w_prior.random(beta0, dict(zip(theta_names, theta, strict=True)), rng, size)

    def support_point(rv, size, *params):
        return pt.full_like(rv, math.exp(plan.log_w_init))

    w = pm.CustomDist(
        "W",
        beta0,
        *theta_values,
        logp=logp,
        random=random,
        support_point=support_point,
        default_transform=pm.distributions.transforms.log,
    )
    theta = dict(zip(theta_names, theta_values, strict=True))
    pm.Deterministic("R2", plan.family.r2(w, beta0, theta, ops))
    if plan.family.bounded:
        pm.Deterministic("R2_max", plan.family.r2max(theta, ops))
    model.add_coord(COMPONENT_DIM, plan.names)
    if len(plan.components) == 1:
        pm.Deterministic("phi", pt.ones(1), dims=COMPONENT_DIM)
    elif plan.shares is None:
        pm.Dirichlet("phi", a=np.array(plan.concentration), dims=COMPONENT_DIM)
    else:
        _logistic_normal_phi(model, plan.shares)


def _logistic_normal_phi(model: PyMCModel, shares: ALRShares) -> Tensor:
    """φ = softmax(log-ratios, 0) with log-ratios = mean + L z, z ~ Normal(0, I): non-centered."""
    import pymc as pm
    import pytensor.tensor as pt

    model.add_coord(ALR_DIM, shares.names[:-1])
    z = pm.Normal(ALR_OFFSET, mu=0.0, sigma=1.0, dims=ALR_DIM)
    log_ratios = np.asarray(shares.mean) + pt.dot(shares.cholesky, z)
    log_weights = pt.concatenate([log_ratios, pt.zeros(1)])
    return pm.Deterministic("phi", pt.special.softmax(log_weights), dims=COMPONENT_DIM)
