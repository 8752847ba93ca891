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
from typing import Any

import numpy as np

from r2d2_formula._bambi.names import ALR_DIM, ALR_OFFSET, COMPONENT_DIM
from r2d2_formula._plan import Plan
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
