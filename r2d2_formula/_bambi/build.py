"""Build a ``bambi.Model`` with default priors, read its terms, and put the R2D2 prior on it.

The components are one per population-level design column except the intercept and one
per group-level expression column; the priors go in through Bambi's public hook
``Prior(name, dist=callable)`` (:mod:`r2d2_formula._bambi.priors`).
"""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula._bambi.graph import pymc_model, response_values
from r2d2_formula._bambi.priors import r2d2_priors
from r2d2_formula._bambi.transformed import adapt_to_response
from r2d2_formula._centering import signal_strength
from r2d2_formula._design import column_spreads
from r2d2_formula._errors import FormulaError, R2D2Error, UnsupportedError
from r2d2_formula._families import Family
from r2d2_formula._formula import FormulaSpec
from r2d2_formula._links import Link
from r2d2_formula._plan import Component, CorrelatedBlock, Plan, decide_centering, w_prior_for
from r2d2_formula._prior import R2D2
from r2d2_formula._r2 import FamilyR2
from r2d2_formula._types import BambiModel, BambiTerm
from r2d2_formula._validate import check_concentration, check_shares
from r2d2_formula._wprior import log_w_guess

__all__ = ["bambi_namespace", "build_bambi_model", "likelihood_twin"]


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
) -> tuple[BambiModel, Plan]:
    """A ``bambi.Model`` carrying the R2D2 prior, and the plan behind it.

    Everything has been validated (:mod:`r2d2_formula._validate`); ``namespace``
    holds the names of the user's session the formula may call; ``terms`` the
    population and group term names formulae's design gave on the same data;
    ``priors`` the user's own priors for the intercept and family parameters.
    ``noncentered`` is True, False or "auto" (decided per term by
    :mod:`r2d2_formula._centering`).
    """
    model = _bambi_model(spec, data, family, link, namespace)
    parent = _parent_component(model)
    _check_terms_agree(spec, parent, terms)
    priors = dict(priors or {})
    intercept_prior = priors.pop("Intercept", None)
    if priors:
        # Family parameters first: W's prior starts from their prior medians.
        model.set_priors(priors=priors)
    response = response_values(model)
    offsets = [np.asarray(t.data, float).reshape(-1) for t in parent.offset_terms.values()]
    family_r2_ = family.r2(
        link, trials=family.domain.trials(response), offsets=sum(offsets) if offsets else None
    )
    components = _components(parent, prior.autoscale, centered=_absorbs_mean(parent, family))
    theta = _theta_prior_medians(model, family_r2_)
    intercept_mean, intercept_sd = family.intercept_prior(response, family_r2_, theta)
    names, term_names = [c.name for c in components], [c.term for c in components]
    concentration, shares = (), None
    if components:  # a null model has no shares to check
        concentration = check_concentration(prior.concentration, names, term_names)
        shares = check_shares(prior, concentration, names, term_names)
    if shares is not None:
        concentration = tuple(shares.share_means().tolist())
    log_w_init = log_w_guess(family_r2_, prior.r2_mean, intercept_mean, theta)
    correlated = () if prior.lkj_eta is None else _correlated(spec, parent, components)
    decided = decide_centering(
        noncentered,
        components,
        concentration,
        log_w_init,
        (family_r2_, intercept_mean, theta),
        signal_strength(_population_columns(parent), *family.domain.per_row(response)),
    )
    plan = Plan(
        components=components,
        concentration=concentration,
        family=family_r2_,
        w_prior=w_prior_for(prior, family_r2_, intercept_mean, theta),
        intercept=parent.intercept_term.name if parent.intercept_term else None,
        log_w_init=log_w_init,
        noncentered=_blocks_noncentered(decided, correlated, noncentered),
        intercept_mean=intercept_mean,
        theta_median=tuple(theta.items()),
        shares=shares,
        correlated=correlated,
        lkj_eta=prior.lkj_eta or 1.0,
    )
    model.set_priors(
        priors=r2d2_priors(parent, plan, intercept_mean, intercept_sd, intercept_prior)
    )
    if not components:
        _add_null_r2(model)
    return model, plan


def _add_null_r2(model: BambiModel) -> None:
    """R² = 0 in a model with no term besides the intercept (and offsets): no W, no φ.

    No prior callable runs in such a model, so R² is added to the built PyMC model, for
    summaries, ``compare()`` and saved fits to read it where they read every other fit's.
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pymc_model(model):
        pm.Deterministic("R2", pt.constant(0.0))


def _bambi_model(
    spec: FormulaSpec, data: pd.DataFrame, family: Family, link: Link, namespace: Mapping
) -> BambiModel:
    import bambi as bmb

    formula = spec.bambi_formula
    kwargs = {"family": family.name, "link": link.name, "extra_namespace": dict(namespace)}
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            # Said in the ordinal families' docs: the thresholds take the intercept's place.
            warnings.filterwarnings("ignore", message="The intercept is omitted in ordinal")
            model = _construct(bmb.Model, (formula, data), kwargs)
    except Exception as err:  # Bambi raises ValueError, KeyError, TypeError, ...
        # Validation ran first, so this is a formula Bambi itself refuses.
        raise FormulaError(f"Bambi cannot build {formula!r}: {type(err).__name__}: {err}") from err
    adapt_to_response(model)
    return model


def _check_terms_agree(spec: FormulaSpec, parent: BambiTerm, ours: tuple[list, list]) -> None:
    """Bambi's terms are those of our evaluation of the parse (else it is a bug of ours)."""
    theirs = (list(parent.common_terms), list(parent.group_specific_terms))
    ours = (list(ours[0]), list(ours[1]))
    if ours != theirs:
        raise R2D2Error(
            f"internal error: the formula {spec.source!r} parses to terms {ours} here but Bambi "
            f"built {theirs}; please report it."
        )


def _parent_component(model: BambiModel) -> BambiTerm:
    parent = model.family.likelihood.parent
    others = [name for name in model.conditional_parameters if name != parent]
    if others:
        raise UnsupportedError(
            f"distributional models (a formula for {', '.join(others)}) are not supported: "
            "R² needs a single linear predictor."
        )
    return model.parameters[parent]


def _column_names(term: BambiTerm, levels_key: str) -> list[str]:
    coords = term.coords
    if levels_key in coords:
        return [str(level) for level in coords[levels_key]]
    return []


def _absorbs_mean(parent: BambiTerm, family: Family) -> bool:
    """Whether an intercept or the thresholds of an ordinal family absorb the mean of η."""
    return parent.intercept_term is not None or family.thresholds


def _components(parent: BambiTerm, autoscale: bool, centered: bool) -> tuple[Component, ...]:
    components = []
    for name, term in parent.common_terms.items():
        data = np.asarray(term.data, dtype=float).reshape(len(term.data), -1)
        spreads = column_spreads(data, centered)
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


def _correlated(
    spec: FormulaSpec, parent: BambiTerm, components: tuple[Component, ...]
) -> tuple[CorrelatedBlock, ...]:
    """The blocks of the formula with two or more group-level columns, as the plan needs them."""
    blocks, names = [], set()
    for terms in spec.blocks:
        indices = tuple(i for i, c in enumerate(components) if c.term in terms)
        if len(indices) < 2:
            continue
        factor = terms[0].split("|")[1]
        name = f"corr|{factor}"
        for k in range(2, len(components) + 2):
            if name not in names:
                break
            name = f"corr{k}|{factor}"
        names.add(name)
        labels = tuple(components[i].name.rsplit("|", 1)[0] for i in indices)
        intercept = labels.index("1") if "1" in labels else None
        columns = np.column_stack([_group_column(parent, components, i) for i in indices])
        shift = columns.mean(axis=0) if intercept is not None else np.zeros(len(indices))
        if intercept is not None:
            shift[intercept] = 0.0
        centered = columns - shift
        moments = centered.T @ centered / len(centered)
        autoscaled = all(components[i].scale == components[i].spread for i in indices)
        blocks.append(
            CorrelatedBlock(
                name=name,
                factor=factor,
                terms=tuple(dict.fromkeys(components[i].term for i in indices)),
                indices=indices,
                labels=labels,
                moments=tuple(tuple(float(v) for v in row) for row in moments),
                shift=tuple(float(v) for v in shift),
                intercept=intercept,
                scales=tuple(
                    float(moments[k, k]) if autoscaled else 1.0 for k in range(len(indices))
                ),
            )
        )
    return tuple(blocks)


def _blocks_noncentered(
    decided: tuple[tuple[str, bool], ...],
    blocks: tuple[CorrelatedBlock, ...],
    noncentered: bool | str,
) -> tuple[tuple[str, bool], ...]:
    """The terms of correlated blocks non-centered unless the user centres everything.

    Measured on simulated slopes (60 groups of 8, correlation -0.54): the centered block
    mixed 3-7 times worse (bulk ESS about 70 for the slope SD and the correlation,
    against 230-530 non-centered).
    """
    in_blocks = {term for block in blocks for term in block.terms}
    return tuple(
        (term, (noncentered is not False) if term in in_blocks else choice)
        for term, choice in decided
    )


def _group_column(parent: BambiTerm, components: tuple[Component, ...], index: int) -> np.ndarray:
    """The expression column of group-level component ``index`` (the term's k-th column)."""
    term = components[index].term
    position = [i for i, c in enumerate(components) if c.term == term].index(index)
    predictor = np.asarray(parent.group_specific_terms[term].predictor, dtype=float)
    return predictor.reshape(len(predictor), -1)[:, position]


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


def _population_columns(parent: BambiTerm) -> np.ndarray:
    """The population-level design columns (without the intercept), in component order."""
    blocks = [
        np.asarray(t.data, dtype=float).reshape(len(t.data), -1)
        for t in parent.common_terms.values()
    ]
    return np.column_stack(blocks) if blocks else np.empty((0, 0))


def _theta_prior_medians(model: BambiModel, family: FamilyR2) -> dict[str, float]:
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


def likelihood_twin(
    spec: FormulaSpec, data: pd.DataFrame, family: Family, link: Link, namespace: Mapping
) -> BambiModel:
    """A built Bambi model of the same formula, family and data with Bambi's default priors.

    Its likelihood is the fit's: a projection (kulprit) needs no more, and Bambi's default
    priors give it only scalar transformed parameters, which kulprit 0.6 can handle (it
    cannot undo the simplex transform of the R2D2 model's φ).
    """
    model = _bambi_model(spec, data, family, link, namespace)
    model.build()
    return model
