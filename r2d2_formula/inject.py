"""The only module that touches Bambi's and PyMC's internals.

It builds a ``bambi.Model`` with default priors, reads its terms to find the
R2D2 components (one per population-level design column except the
intercept, one per group-level expression column), and replaces the priors
through Bambi's public hook ``Prior(name, dist=callable)``. Bambi calls each
callable inside the PyMC model it is building; the first call creates the
shared hyperpriors (W, phi, R2) in that model, later calls look them up by
name. Bambi builds the family parameters and the intercept before any other
term, so W's prior can condition on them.

Callables are :func:`functools.partial` objects over plain data, because Bambi
deep-copies priors and a callable dragging a module along cannot be copied.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula.errors import DataError, FormulaError, PriorError, UnsupportedError
from r2d2_formula.prior import R2D2
from r2d2_formula.r2 import FamilyR2, family_r2, pytensor_ops
from r2d2_formula.wprior import ExactW, log_w_guess

__all__ = ["COMPONENT_DIM", "RESERVED_NAMES", "Component", "Plan", "build_bambi_model"]

#: Dimension of ``phi`` in the posterior.
COMPONENT_DIM = "r2d2_component"
#: Names the R2D2 layer adds to the model; a data column may not use them.
RESERVED_NAMES = ("R2", "R2_max", "W", "phi")
#: Intercept prior SD on the link scale for non-Gaussian families (Gaussian: 2.5 SD(y)).
INTERCEPT_SD = 2.5


@dataclass(frozen=True)
class Component:
    """One R2D2 component: a design column whose prior variance is φ_k W / scale."""

    name: str
    term: str
    kind: str  # "common" or "group"
    scale: float


@dataclass(frozen=True)
class Plan:
    """Everything the prior callables need, as plain data Bambi can deep-copy."""

    components: tuple[Component, ...]
    concentration: tuple[float, ...]
    family: FamilyR2
    w_prior: ExactW
    intercept: str | None
    log_w_init: float
    noncentered: bool

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    def indices(self, term: str) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.components) if c.term == term)


def build_bambi_model(
    formula: str,
    data: pd.DataFrame,
    family: str,
    link: str | None,
    prior: R2D2,
    noncentered: bool,
) -> tuple[Any, Plan]:
    """A ``bambi.Model`` carrying the R2D2 prior, and the plan behind it."""
    import bambi as bmb

    family_r2_ = family_r2(family, link) if family not in ("binomial",) else None
    bambi_link = link or (family_r2_.link if family_r2_ else None)
    try:
        model = bmb.Model(formula, data, family=family, link=bambi_link, noncentered=noncentered)
    except (ValueError, KeyError, TypeError) as err:
        if "is constant" in str(err):
            raise DataError(
                f"{err} A constant predictor cannot take a share of the variance: drop it "
                "(the intercept already models a constant)."
            ) from err
        raise FormulaError(f"Bambi could not build {formula!r}: {err}") from err
    parent = _parent_component(model)
    if family_r2_ is None:
        family_r2_ = family_r2(family, link, trials=_harmonic_trials(model))
    components = _components(parent, prior.autoscale)
    if not components:
        raise FormulaError(
            f"{formula!r} has no term besides the intercept, so there is nothing to put the "
            "R2D2 prior on; add a predictor or a group-level term."
        )
    _check_supported(model, parent, family_r2_)
    intercept_mean = _intercept_mean(model, family_r2_)
    plan = Plan(
        components=components,
        concentration=_concentration_vector(prior.concentration, components),
        family=family_r2_,
        w_prior=_w_prior(prior, family_r2_),
        intercept=parent.intercept_term.name if parent.intercept_term else None,
        log_w_init=_log_w_init(prior, family_r2_, intercept_mean, model),
        noncentered=noncentered,
    )
    model.set_priors(priors=_priors(model, parent, plan, intercept_mean))
    return model, plan


# --- reading the Bambi model ---------------------------------------------------------------


def _parent_component(model: Any) -> Any:
    parent = model.family.likelihood.parent
    others = [name for name in model.conditional_parameters if name != parent]
    if others:
        raise UnsupportedError(
            f"distributional models (a formula for {', '.join(others)}) are not supported: "
            "R² needs a single linear predictor."
        )
    return model.parameters[parent]


def _harmonic_trials(model: Any) -> float:
    trials = np.asarray(model.response_term.data)[:, 1].astype(float)
    return float(1.0 / np.mean(1.0 / trials))


def _column_names(term: Any, levels_key: str) -> list[str]:
    coords = term.coords
    if levels_key in coords:
        return [str(level) for level in coords[levels_key]]
    return []


def _components(parent: Any, autoscale: bool) -> tuple[Component, ...]:
    centred = parent.intercept_term is not None
    components = []
    for name, term in parent.common_terms.items():
        data = np.asarray(term.data, dtype=float).reshape(len(term.data), -1)
        scales = data.var(axis=0) if centred else np.mean(data**2, axis=0)
        levels = _column_names(term, f"{name}_dim")
        labels = [f"{name}[{level}]" for level in levels] if levels else [name]
        components += _scaled(labels, name, "common", scales, autoscale)
    for name, term in parent.group_specific_terms.items():
        predictor = np.asarray(term.predictor, dtype=float).reshape(len(term.predictor), -1)
        expr, factor = name.split("|")
        levels = _column_names(term, f"{expr}__expr_dim")
        labels = [f"{expr}[{level}]|{factor}" for level in levels] if levels else [name]
        components += _scaled(labels, name, "group", np.mean(predictor**2, axis=0), autoscale)
    return tuple(components)


def _scaled(labels: list[str], term: str, kind: str, scales: np.ndarray, autoscale: bool) -> list:
    for label, scale in zip(labels, scales, strict=True):
        if not scale > 0:
            raise DataError(
                f"design column {label!r} of term {term!r} is constant (variance {scale:g}); "
                "it cannot take a share of the variance. Drop it or check the data."
            )
    return [
        Component(label, term, kind, float(scale) if autoscale else 1.0)
        for label, scale in zip(labels, scales, strict=True)
    ]


def _check_supported(model: Any, parent: Any, family: FamilyR2) -> None:
    if parent.offset_terms:
        raise UnsupportedError(
            f"offset terms ({', '.join(parent.offset_terms)}) are not supported yet: the R² of a "
            f"{family.name} model with offsets differs from the one without, and no silent "
            "approximation is used."
        )


def _intercept_mean(model: Any, family: FamilyR2) -> float:
    """g(mean response): the centre of the intercept prior and of W's starting point."""
    y = np.asarray(model.response_term.data, dtype=float)
    if family.name == "binomial":
        mean = float(np.sum(y[:, 0]) / np.sum(y[:, 1]))
    else:
        mean = float(np.mean(y))
    n = len(y)
    if family.name in ("bernoulli", "binomial"):
        mean = min(max(mean, 0.5 / n), 1 - 0.5 / n)
    elif family.link == "log":
        mean = max(mean, 0.5 / n)
    theta = {name: _theta_centre(name) for name in family.theta}
    return family.link_of_mean(mean, theta)


def _theta_centre(name: str) -> float:
    """A typical value of a family parameter, for starting points only."""
    return {"sigma": 1.0, "alpha": 1.0, "psi": 0.5}[name]


def _concentration_vector(
    concentration: float | Mapping[str, float] | tuple, components: tuple[Component, ...]
) -> tuple[float, ...]:
    if isinstance(concentration, float):
        return (concentration,) * len(components)
    if isinstance(concentration, Mapping):
        known = {c.name for c in components} | {c.term for c in components}
        unknown = sorted(set(concentration) - known)
        if unknown:
            raise PriorError(
                f"concentration names {unknown} that are not model components; "
                f"components are {sorted(known)}."
            )
        return tuple(concentration.get(c.name, concentration.get(c.term, 1.0)) for c in components)
    if len(concentration) != len(components):
        raise PriorError(
            f"concentration has {len(concentration)} values but the model has "
            f"{len(components)} components: {[c.name for c in components]}."
        )
    return tuple(concentration)


def _w_prior(prior: R2D2, family: FamilyR2) -> ExactW:
    if prior.method != "exact":
        raise UnsupportedError(f"method {prior.method!r} is not available yet; use method='exact'.")
    return ExactW(family, prior.a, prior.b)


def _log_w_init(prior: R2D2, family: FamilyR2, beta0: float, model: Any) -> float:
    theta = {name: _theta_start(model, name) for name in family.theta}
    return log_w_guess(family, prior.r2_mean, beta0, theta)


def _theta_start(model: Any, name: str) -> float:
    if name == "sigma":
        return float(np.std(np.asarray(model.response_term.data, dtype=float)))
    return _theta_centre(name)


# --- priors ----------------------------------------------------------------------------------


def _priors(model: Any, parent: Any, plan: Plan, intercept_mean: float) -> dict[str, Any]:
    import bambi as bmb

    priors: dict[str, Any] = {}
    if parent.intercept_term is not None:
        priors[parent.intercept_term.name] = bmb.Prior(
            "Normal", mu=intercept_mean, sigma=_intercept_sd(model, plan.family)
        )
    for name in parent.common_terms:
        dist = functools.partial(_coefficient, plan=plan, indices=plan.indices(name))
        priors[name] = bmb.Prior("R2D2Coefficient", dist=dist)
    for name in parent.group_specific_terms:
        dist = functools.partial(_group_sd, plan=plan, indices=plan.indices(name))
        priors[name] = bmb.Prior("Normal", mu=0.0, sigma=bmb.Prior("R2D2GroupSD", dist=dist))
    return priors


def _intercept_sd(model: Any, family: FamilyR2) -> float:
    if family.name == "gaussian":
        return INTERCEPT_SD * float(np.std(np.asarray(model.response_term.data, dtype=float)))
    return INTERCEPT_SD


def _coefficient(label: str, dims: Any = None, *, plan: Plan, indices: tuple[int, ...]) -> Any:
    """Population-level coefficients of one term: Normal(0, sqrt(φ_k W / v_k))."""
    import pymc as pm

    sd = _component_sd(plan, indices)
    if dims is None:
        sd = sd[0]
    if plan.noncentered:
        raw = pm.Normal(f"{label}_offset", mu=0.0, sigma=1.0, dims=dims)
        return pm.Deterministic(label, raw * sd, dims=dims)
    return pm.Normal(label, mu=0.0, sigma=sd, dims=dims)


def _group_sd(label: str, dims: Any = None, *, plan: Plan, indices: tuple[int, ...]) -> Any:
    """Group-level SDs of one term: sqrt(φ_k W / m_k); Bambi draws the effects."""
    import pymc as pm

    sd = _component_sd(plan, indices)
    return pm.Deterministic(label, sd if dims else sd[0], dims=dims)


def _component_sd(plan: Plan, indices: tuple[int, ...]) -> Any:
    import pytensor.tensor as pt

    phi, w = _hyperpriors(plan)
    scales = np.array([plan.components[i].scale for i in indices])
    return pt.sqrt(phi[list(indices)] * w / scales)


def _hyperpriors(plan: Plan) -> tuple[Any, Any]:
    """phi and W of the model being built, created on first use."""
    import pymc as pm

    model = pm.modelcontext(None)
    if "W" not in model.named_vars:
        _add_hyperpriors(model, plan)
    return model["phi"], model["W"]


def _add_hyperpriors(model: Any, plan: Plan) -> None:
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
    else:
        pm.Dirichlet("phi", a=np.array(plan.concentration), dims=COMPONENT_DIM)


def check_reserved(columns: Any) -> None:
    """A data column may not shadow a variable the R2D2 layer adds."""
    clash = sorted(set(map(str, columns)) & set(RESERVED_NAMES))
    if clash:
        raise FormulaError(
            f"data column(s) {clash} clash with the R2D2 variables {list(RESERVED_NAMES)}; "
            "rename them before fitting."
        )


def group_levels(model: Any) -> dict[str, int]:
    """Number of levels of each grouping factor of a Bambi model."""
    parent = model.parameters[model.family.likelihood.parent]
    return {
        name.split("|")[1]: len(term.groups) for name, term in parent.group_specific_terms.items()
    }


def summary_variables(model: Any, plan: Plan) -> list[str]:
    """Posterior variables a summary shows: intercept, coefficients, group SDs, family, R2D2."""
    parent = model.parameters[model.family.likelihood.parent]
    names = [plan.intercept] if plan.intercept else []
    names += list(parent.common_terms)
    names += [f"{name}_sigma" for name in parent.group_specific_terms]
    names += list(plan.family.theta)
    names += ["R2"] + (["R2_max"] if plan.family.bounded else []) + ["W", "phi"]
    return names


def pymc_model(model: Any) -> Any:
    """The PyMC model behind a Bambi model, built on demand."""
    if not model.built:
        model.build()
    return model.backend.model


def draw_intercept_and_theta(model: Any, plan: Plan, draws: int, rng: np.random.Generator) -> tuple:
    """Prior draws of the intercept and the family parameters: what W's prior conditions on."""
    import pymc as pm

    pm_model = pymc_model(model)
    names = ([plan.intercept] if plan.intercept else []) + list(plan.family.theta)
    if not names:
        return np.zeros(draws), {}
    values = pm.draw(
        [pm_model[name] for name in names], draws=draws, random_seed=rng, mode="FAST_COMPILE"
    )
    values = dict(
        zip(names, (np.asarray(v, dtype=float).reshape(draws) for v in values), strict=True)
    )
    beta0 = values.pop(plan.intercept) if plan.intercept else np.zeros(draws)
    return beta0, values
