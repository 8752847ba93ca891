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
import types
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula._validation import RESERVED_NAMES, check_concentration, check_shares
from r2d2_formula.centring import noncentred_terms, signal_strength
from r2d2_formula.design import Design, GroupBlock, column_spreads
from r2d2_formula.errors import FormulaError, R2D2Error, UnsupportedError
from r2d2_formula.families import Family
from r2d2_formula.formula import FormulaSpec
from r2d2_formula.gbp import GBPW, fit_gbp
from r2d2_formula.links import Link
from r2d2_formula.prior import R2D2
from r2d2_formula.r2 import NUMPY, FamilyR2, pytensor_ops
from r2d2_formula.shares import ALRShares
from r2d2_formula.wprior import ExactW, LinearW, log_w_guess

WPrior = ExactW | LinearW | GBPW

__all__ = ["COMPONENT_DIM", "RESERVED_NAMES", "Component", "Plan", "build_bambi_model"]

#: Dimension of ``phi`` in the posterior.
COMPONENT_DIM = "r2d2_component"
#: Logistic-normal shares: the standard-normal vector behind the log-ratios, and its
#: dimension (labelled by the components other than the last, the reference).
ALR_OFFSET = "phi_alr_z"
ALR_DIM = "r2d2_log_ratio"
#: Bambi's dimension of observations in predictions.
OBSERVATION_DIM = "__obs__"


@dataclass(frozen=True)
class Component:
    """One R2D2 component: a design column whose prior variance is φ_k W / scale."""

    name: str
    term: str
    kind: str  # "common" or "group"
    scale: float  # divides the prior variance: the spread with autoscale, else 1
    level: str | None = None  # the column's level within a multi-column term
    spread: float = 1.0  # variance of the population column / mean square of the group one
    observations: float = 1.0  # observations informing one coefficient of this column
    magnitude: float = 1.0  # root mean square of the column: its scale as the sampler sees it


@dataclass(frozen=True)
class Plan:
    """Everything the prior callables need, as plain data Bambi can deep-copy.

    ``intercept_mean`` is g(mean response), the centre of the intercept's prior
    (and where a GBP W prior is fitted); ``theta_median`` holds the prior medians
    of the family parameters. ``shares`` is None for Dirichlet shares, else the
    logistic-normal resolved for the components; then ``concentration`` holds the
    prior means of φ, so that ``concentration / sum(concentration)`` is the prior
    mean of φ either way.
    """

    components: tuple[Component, ...]
    concentration: tuple[float, ...]
    family: FamilyR2
    w_prior: WPrior
    intercept: str | None
    log_w_init: float
    noncentered: tuple[tuple[str, bool], ...]
    intercept_mean: float = 0.0
    theta_median: tuple[tuple[str, float], ...] = ()
    shares: ALRShares | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    def indices(self, term: str) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.components) if c.term == term)

    def is_noncentred(self, term: str) -> bool:
        return dict(self.noncentered)[term]


def bambi_namespace() -> dict[str, Any]:
    """The functions Bambi adds where a formula is evaluated (``log``, ``censored``, ...)."""
    from bambi.transformations import transformations_namespace

    return dict(transformations_namespace)


def _call(__factory: Any, __args: tuple, __kwargs: dict) -> Any:
    return __factory(*__args, **__kwargs)


# formulae looks a formula's names up first in the frame that calls bambi.Model, so
# that frame must not shadow the user's names: this caller has no globals of its own.
_construct = types.FunctionType(_call.__code__, {"__builtins__": {}})


def build_bambi_model(
    spec: FormulaSpec,
    data: pd.DataFrame,
    family: Family,
    link: Link,
    prior: R2D2,
    noncentered: bool | str,
    namespace: Mapping[str, Any],
    terms: tuple[list[str], list[str]],
    priors: Mapping[str, Any] | None = None,
) -> tuple[Any, Plan]:
    """A ``bambi.Model`` carrying the R2D2 prior, and the plan behind it.

    Everything has been validated (:mod:`r2d2_formula._validation`); ``namespace``
    holds the names of the user's session the formula may call; ``terms`` the
    population and group term names formulae's design gave on the same data;
    ``priors`` the user's own priors for the intercept and family parameters.
    ``noncentered`` is True, False or "auto" (decided per term by
    :mod:`r2d2_formula.centring`).
    """
    model = _bambi_model(spec, data, family, link, namespace)
    parent = _parent_component(model)
    _check_terms_agree(spec, parent, terms)
    priors = dict(priors or {})
    intercept_prior = priors.pop("Intercept", None)
    if priors:
        # Family parameters first: W's prior starts from their prior medians.
        model.set_priors(priors=priors)
    response = np.asarray(model.response_term.data)
    offsets = [np.asarray(t.data, float).reshape(-1) for t in parent.offset_terms.values()]
    family_r2_ = family.r2(
        link, trials=family.domain.trials(response), offsets=sum(offsets) if offsets else None
    )
    components = _components(parent, prior.autoscale)
    theta = _theta_prior_medians(model, family_r2_)
    intercept_mean, intercept_sd = family.intercept_prior(response, family_r2_, theta)
    names, term_names = [c.name for c in components], [c.term for c in components]
    concentration = check_concentration(prior.concentration, names, term_names)
    shares = check_shares(prior, concentration, names, term_names)
    if shares is not None:
        concentration = tuple(shares.share_means().tolist())
    log_w_init = log_w_guess(family_r2_, prior.r2_mean, intercept_mean, theta)
    plan = Plan(
        components=components,
        concentration=concentration,
        family=family_r2_,
        w_prior=_w_prior(prior, family_r2_, intercept_mean, theta),
        intercept=parent.intercept_term.name if parent.intercept_term else None,
        log_w_init=log_w_init,
        noncentered=_centring(
            noncentered,
            components,
            concentration,
            log_w_init,
            (family_r2_, intercept_mean, theta),
            signal_strength(_population_columns(parent), *family.domain.per_row(response)),
        ),
        intercept_mean=intercept_mean,
        theta_median=tuple(theta.items()),
        shares=shares,
    )
    model.set_priors(priors=_priors(parent, plan, intercept_mean, intercept_sd, intercept_prior))
    return model, plan


def _bambi_model(
    spec: FormulaSpec, data: pd.DataFrame, family: Family, link: Link, namespace: Mapping
) -> Any:
    import bambi as bmb

    formula = spec.source
    kwargs = {"family": family.name, "link": link.name, "extra_namespace": dict(namespace)}
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            return _construct(bmb.Model, (formula, data), kwargs)
    except Exception as err:  # Bambi raises ValueError, KeyError, TypeError, ...
        # Validation ran first, so this is a formula Bambi itself refuses.
        raise FormulaError(f"Bambi cannot build {formula!r}: {type(err).__name__}: {err}") from err


def _check_terms_agree(spec: FormulaSpec, parent: Any, ours: tuple[list, list]) -> None:
    """Bambi's terms are those of our evaluation of the parse (else it is a bug of ours)."""
    theirs = (list(parent.common_terms), list(parent.group_specific_terms))
    ours = (list(ours[0]), list(ours[1]))
    if ours != theirs:
        raise R2D2Error(
            f"internal error: the formula {spec.source!r} parses to terms {ours} here but Bambi "
            f"built {theirs}; please report it."
        )


def _parent_component(model: Any) -> Any:
    parent = model.family.likelihood.parent
    others = [name for name in model.conditional_parameters if name != parent]
    if others:
        raise UnsupportedError(
            f"distributional models (a formula for {', '.join(others)}) are not supported: "
            "R² needs a single linear predictor."
        )
    return model.parameters[parent]


# --- reading the Bambi model ---------------------------------------------------------------


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
        spreads = column_spreads(data, centred)
        levels = _column_names(term, f"{name}_dim")
        labels = [f"{name}[{level}]" for level in levels] if levels else [name]
        magnitudes = np.sqrt(np.mean(data**2, axis=0))
        components += _scaled(
            labels, name, "common", spreads, autoscale, levels, len(data), magnitudes
        )
    for name, term in parent.group_specific_terms.items():
        predictor = np.asarray(term.predictor, dtype=float).reshape(len(term.predictor), -1)
        expr, factor = name.split("|")
        levels = _column_names(term, f"{expr}__expr_dim")
        labels = [f"{expr}[{level}]|{factor}" for level in levels] if levels else [name]
        spreads = np.mean(predictor**2, axis=0)
        per_level = len(predictor) / len(term.groups)
        components += _scaled(
            labels, name, "group", spreads, autoscale, levels, per_level, np.sqrt(spreads)
        )
    return tuple(components)


def _scaled(
    labels: list[str],
    term: str,
    kind: str,
    spreads: np.ndarray,
    autoscale: bool,
    levels: list,
    observations: float,
    magnitudes: np.ndarray,
) -> list:
    # Constant columns were refused by validation.
    return [
        Component(
            name=label,
            term=term,
            kind=kind,
            scale=float(spread) if autoscale else 1.0,
            level=level,
            spread=float(spread),
            observations=float(observations),
            magnitude=float(magnitude),
        )
        for label, spread, level, magnitude in zip(
            labels, spreads, levels or [None] * len(labels), magnitudes, strict=True
        )
    ]


def _population_columns(parent: Any) -> np.ndarray:
    """The population-level design columns (without the intercept), in component order."""
    blocks = [
        np.asarray(t.data, dtype=float).reshape(len(t.data), -1)
        for t in parent.common_terms.values()
    ]
    return np.column_stack(blocks) if blocks else np.empty((0, 0))


def _centring(
    noncentered: bool | str,
    components: tuple[Component, ...],
    concentration: tuple[float, ...],
    log_w: float,
    at: tuple[FamilyR2, float, dict[str, float]],
    signal: np.ndarray,
) -> tuple[tuple[str, bool], ...]:
    family, beta0, theta = at
    terms = [c.term for c in components]
    if noncentered != "auto":
        return tuple((term, bool(noncentered)) for term in dict.fromkeys(terms))
    xi = np.asarray(concentration)
    scales = np.array([c.scale for c in components])
    prior_variance = xi / xi.sum() * math.exp(log_w) / scales
    # Fisher information per observation on the link scale is 1/s²(β₀) (the delta method).
    weight = math.exp(-float(family.log_linear_scale(beta0, theta, NUMPY)))
    information = np.array([c.observations * c.spread * weight for c in components])
    magnitudes = np.array([c.magnitude for c in components])
    # Group-level columns have no working-regression signal: their rule is the shrinkage.
    signal = np.concatenate([signal, np.full(len(components) - len(signal), np.inf)])
    decided = noncentred_terms(terms, prior_variance, information, magnitudes, signal)
    return tuple(decided.items())


def _w_prior(prior: R2D2, family: FamilyR2, intercept_mean: float, theta: dict) -> WPrior:
    if prior.method == "exact":
        return ExactW(family, prior.a, prior.b)
    if prior.method == "linear":
        return LinearW(family, prior.a, prior.b)
    params = fit_gbp(family, intercept_mean, prior.a, prior.b, theta)
    return GBPW(*params, fitted_at=intercept_mean)


def _theta_prior_medians(model: Any, family: FamilyR2) -> dict[str, float]:
    """Prior medians of the family parameters: where GBP is fitted and W starts."""
    medians = {}
    for name in family.theta:
        prior = model.marginal_parameters[name].prior
        if isinstance(prior, (int, float)):
            medians[name] = float(prior)
            continue
        args = tuple(sorted((key, float(value)) for key, value in prior.args.items()))
        medians[name] = _prior_median(prior.name, args)
    return medians


@functools.lru_cache(maxsize=256)
def _prior_median(distribution: str, args: tuple[tuple[str, float], ...]) -> float:
    """Median of a PyMC distribution by 4,001 draws (cached: compiling the draw is slow)."""
    import pymc as pm

    dist = getattr(pm, distribution).dist(**dict(args))
    return float(np.median(pm.draw(dist, draws=4001, random_seed=0, mode="FAST_COMPILE")))


def _priors(
    parent: Any, plan: Plan, intercept_mean: float, intercept_sd: float, intercept_prior: Any
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
            noncentered=plan.is_noncentred(name),
        )
    return priors


def _coefficient(
    label: str, dims: Any = None, *, plan: Plan, indices: tuple[int, ...], term: str
) -> Any:
    """Population-level coefficients of one term: Normal(0, sqrt(φ_k W / v_k))."""
    import pymc as pm

    sd = _component_sd(plan, indices)
    if dims is None:
        sd = sd[0]
    if plan.is_noncentred(term):
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
    elif plan.shares is None:
        pm.Dirichlet("phi", a=np.array(plan.concentration), dims=COMPONENT_DIM)
    else:
        _logistic_normal_phi(model, plan.shares)


def _logistic_normal_phi(model: Any, shares: ALRShares) -> Any:
    """φ = softmax(log-ratios, 0) with log-ratios = mean + L z, z ~ Normal(0, I): non-centred."""
    import pymc as pm
    import pytensor.tensor as pt

    model.add_coord(ALR_DIM, shares.names[:-1])
    z = pm.Normal(ALR_OFFSET, mu=0.0, sigma=1.0, dims=ALR_DIM)
    log_ratios = np.asarray(shares.mean) + pt.dot(shares.cholesky, z)
    log_weights = pt.concatenate([log_ratios, pt.zeros(1)])
    return pm.Deterministic("phi", pt.special.softmax(log_weights), dims=COMPONENT_DIM)


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


def dimension_names(model: Any) -> list[str]:
    """Names of the PyMC model's dimensions (building it, as fit would)."""
    return [str(name) for name in pymc_model(model).coords]


def draw_intercept_and_theta(model: Any, plan: Plan, draws: int, rng: np.random.Generator) -> tuple:
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


def read_design(model: Any, plan: Plan, formula: str) -> Any:
    """The :class:`~r2d2_formula.design.Design` of a built Bambi model and its plan."""
    parent = model.parameters[model.family.likelihood.parent]
    response = np.asarray(model.response_term.data)
    trials = response[:, 1] if response.ndim == 2 else None
    columns = {}
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
        offset=sum(offsets) if offsets else None,
        components=pd.DataFrame(
            [(c.name, c.term, c.kind, c.scale) for c in plan.components],
            columns=["component", "term", "kind", "scale"],
        ),
    )


def phi_draws(idata: Any, plan: Plan) -> np.ndarray:
    """Posterior draws of φ, one row per component."""
    phi = idata.posterior["phi"].stack(sample=("chain", "draw"))
    return np.asarray(phi.transpose(COMPONENT_DIM, "sample"))


def _component_draws(posterior: Any, component: Component) -> np.ndarray:
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


def variance_contributions(idata: Any, plan: Plan) -> np.ndarray:
    """Per draw, each component's contribution to Var(η), one row per component.

    var(x_j) β_j² for a population column (mean square without an intercept) and
    m_k σ_k² for a group-level column, m_k the mean square of its expression column.
    """
    posterior = idata.posterior
    return np.array([c.spread * _component_draws(posterior, c) ** 2 for c in plan.components])


def keep_observations(idata: Any, rows: int) -> None:
    """Keep the first ``rows`` observations of what ``predict`` wrote (in place)."""
    for group in ("posterior", "posterior_predictive"):
        if group in idata.children and OBSERVATION_DIM in idata[group].dims:
            idata[group] = idata[group].isel({OBSERVATION_DIM: slice(0, rows)})


def prior_to_dict(prior: Any) -> dict[str, Any]:
    """A Bambi prior as plain data (for saving): its name and numeric arguments."""
    return {"name": prior.name, "args": {k: float(v) for k, v in prior.args.items()}}


def prior_from_dict(spec: Mapping[str, Any]) -> Any:
    """The Bambi prior :func:`prior_to_dict` describes."""
    import bambi as bmb

    return bmb.Prior(str(spec["name"]), **{k: float(v) for k, v in spec["args"].items()})


def prediction_draws(model: Any, idata: Any, kind: str) -> np.ndarray:
    """Predictions that ``bambi.Model.predict`` wrote, as (sample, observation, ...)."""
    if kind == "response":
        name = model.response_term.name
        values = idata.posterior_predictive[name]
    else:
        values = idata.posterior[model.family.likelihood.parent]
    array = np.asarray(values, dtype=float)
    return array.reshape(-1, *array.shape[2:])


def w_log_density(model: Any, plan: Plan) -> Any:
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


# --- model checking: log-likelihood, log-prior, conditional prior draws, projection -----------


def log_likelihood(model: Any, idata: Any) -> Any:
    """Pointwise log-likelihood of every observation at every posterior draw (an xarray Dataset).

    Computed by ``bambi.Model.compute_log_likelihood``, which evaluates the family's density
    at the means Bambi predicts from the stored posterior. ``pm.compute_log_likelihood`` on
    the PyMC model would be wrong here: the stored intercept is Bambi's un-centred one while
    the PyMC model's is the intercept of the centred design, and the offsets of non-centred
    terms are not stored.
    """
    import xarray as xr

    tree = xr.DataTree.from_dict(
        {"posterior": idata.posterior.to_dataset(), "observed_data": _observed(idata)}
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        model.compute_log_likelihood(tree, inplace=True)
    return tree["log_likelihood"].to_dataset()


def _observed(idata: Any) -> Any:
    return idata["observed_data"].to_dataset() if "observed_data" in idata.children else None


def intercept_shift(model: Any, posterior: Any) -> Any:
    """X̄ β per draw: the centred design's intercept minus Bambi's reported one (0 if none).

    Bambi samples the intercept of the centred design and reports β₀ − X̄ β; adding this
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


def prior_variable_names(model: Any) -> list[str]:
    """Names of the PyMC model's free variables: the terms of its log-prior."""
    return [rv.name for rv in pymc_model(model).free_RVs]


def log_prior(centred_model: Any, idata: Any) -> Any:
    """Log prior density per draw of every free variable, summed over its elements.

    ``centred_model`` is a Bambi model of the fit's formula built with every term centred
    (coefficients and group effects sampled as themselves): its free variables are exactly
    the quantities the posterior stores (the non-centred offsets that Bambi drops do not
    exist there), so every prior term is evaluated where the posterior put it, in the
    parameters' own scale: Normal(β; 0, sqrt(φW/v)) for a coefficient, Normal(u; 0, σ) for
    group effects, W's exact density given the intercept and family parameters (its
    ``CustomDist`` logp), φ's Dirichlet, the intercept's and the family parameters' priors.
    Densities are of the constrained values (no Jacobian of the sampler's transforms).
    """
    import pymc as pm
    import xarray as xr

    pm_model = pymc_model(centred_model)
    names = prior_variable_names(centred_model)
    posterior = idata.posterior.to_dataset()
    missing = [name for name in names if name not in posterior]
    if missing:
        raise R2D2Error(
            f"internal error: the posterior has no draws of {missing}, which the model's prior "
            "needs; please report it."
        )
    intercept = centred_model.parameters[centred_model.family.likelihood.parent].intercept_term
    if intercept is not None:
        shifted = posterior[intercept.name] + intercept_shift(centred_model, posterior)
        posterior = posterior.assign({intercept.name: shifted})
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


def sample_given(
    model: Any, plan: Plan, given: Mapping[str, np.ndarray], random_seed: Any = None
) -> tuple[Any, Any]:
    """Prior draws of everything else given draws of the intercept, family parameters and W.

    ``given`` holds one array per variable (the intercept of the centred design, the
    family parameters and W), all of one length. Every other variable of the PyMC model
    (φ, coefficients, group SDs and effects, the response) is drawn forward from its
    prior given them, by ``pm.sample_posterior_predictive``: variables missing from the
    "trace" are regenerated, those in it are kept. Returns the prior (one chain, with R²,
    and the intercept un-centred as Bambi reports it) and the response draws, as Datasets.
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
    # As in a fit's posterior, the standard normals of non-centred terms are left out.
    shown = [name for name in names if not name.endswith("_offset")]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        drawn = pm.sample_posterior_predictive(
            trace,
            model=pm_model,
            var_names=names + response,
            random_seed=random_seed,
            progressbar=False,
        )
    drawn = drawn["posterior_predictive"].to_dataset()
    prior = xr.merge([trace, drawn[shown]], compat="override", join="outer")
    if plan.intercept:
        prior[plan.intercept] = prior[plan.intercept] - intercept_shift(model, prior)
    ordered = summary_variables(model, plan) + [
        n for n in names if n not in summary_variables(model, plan)
    ]
    prior = prior[[name for name in ordered if name in prior]]
    return prior, drawn[response]


def likelihood_twin(
    spec: FormulaSpec, data: pd.DataFrame, family: Family, link: Link, namespace: Mapping
) -> Any:
    """A built Bambi model of the same formula, family and data with Bambi's default priors.

    Its likelihood is the fit's: a projection (kulprit) needs no more, and Bambi's default
    priors give it only scalar transformed parameters, which kulprit 0.6 can handle (it
    cannot undo the simplex transform of the R2D2 model's φ).
    """
    model = _bambi_model(spec, data, family, link, namespace)
    model.build()
    return model


def vector_transformed(model: Any) -> list[str]:
    """Free variables with a transform and more than one element (kulprit cannot project these)."""
    pm_model = pymc_model(model)
    point = pm_model.initial_point()
    return [
        rv.name
        for rv in pm_model.free_RVs
        if pm_model.rvs_to_transforms.get(rv) is not None
        and np.size(point[pm_model.rvs_to_values[rv].name]) > 1
    ]


def with_predictions(model: Any, idata: Any, random_seed: Any = None) -> Any:
    """A copy of ``idata`` holding the log-likelihood and posterior predictive draws."""
    tree = idata.copy()
    if "log_likelihood" not in tree.children:
        tree["log_likelihood"] = xr_tree(log_likelihood(model, idata))
    if "posterior_predictive" not in tree.children:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            model.predict(tree, kind="response", inplace=True, random_seed=random_seed)
    return tree


def xr_tree(dataset: Any) -> Any:
    import xarray as xr

    return xr.DataTree(dataset)
