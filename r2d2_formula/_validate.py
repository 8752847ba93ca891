"""Every input check, in one place, run before any Bambi model is built.

Each check fails with an :class:`~r2d2_formula._errors.R2D2Error` subclass that
names the offending argument, column, term or rows and says what is allowed.
Nothing here modifies the caller's data: :func:`check_data` returns a private
copy (with pandas extension dtypes turned into their NumPy counterparts) and
every later step works on that copy. The same rules run on new data before a
prediction (:func:`check_new_data`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula._design import column_spreads
from r2d2_formula._errors import (
    SHOWN,
    ArgumentError,
    DataError,
    FormulaError,
    PriorError,
    R2D2Error,
    UnsupportedError,
    describe_rows,
    did_you_mean,
    shown_values,
)
from r2d2_formula._families import Family, get_family
from r2d2_formula._formula import (
    CONTRASTS,
    FORMULAE_FUNCTIONS,
    Evaluated,
    FormulaSpec,
    raw_response,
    response_arguments,
)
from r2d2_formula._links import Link
from r2d2_formula._prior import R2D2
from r2d2_formula._responses import ResponseKind, response_kind
from r2d2_formula._shares import ALRShares, LogisticNormal, alr_shares

__all__ = [
    "INFERENCE_METHODS",
    "JAX_METHODS",
    "PREDICTION_KINDS",
    "TABLE_KINDS",
    "RESERVED_NAMES",
    "check_columns",
    "check_concentration",
    "check_data",
    "check_design",
    "check_family",
    "check_kind",
    "check_probability",
    "check_table_kind",
    "check_new_data",
    "check_noncentered",
    "check_prior",
    "check_priors",
    "check_raw_response",
    "check_response_call",
    "check_terms",
    "check_sampler",
    "check_shares",
    "check_trusted",
    "trusted_calls",
]

#: Names the R2D2 layer adds to the model; a formula may not read a variable so named.
#: ``phi_alr_z`` holds the standard-normal draws behind logistic-normal shares.
RESERVED_NAMES = ("R2", "R2_max", "W", "phi", "phi_alr_z")
#: Bambi's ``inference_method`` values.
INFERENCE_METHODS = ("nutpie", "pymc", "numpyro", "blackjax", "vi", "laplace")
#: Methods Bambi offers that cannot report this package's results, and why.
REFUSED_METHODS = {
    "vi": (
        "Bambi's variational inference returns a PyMC Approximation, not posterior draws, so "
        "R², the decomposition, summary() and LOO have nothing to read; and mean-field ADVI "
        "understates the spread of W and phi, whose posterior is a funnel"
    ),
    "laplace": (
        "a Laplace approximation sits at the joint posterior mode, which for a hierarchical "
        "prior is at W -> 0 (the funnel's neck), and PyMC's find_MAP drops the deterministics "
        "R² is read from"
    ),
}
_WHAT_WORKS = (
    "use inference_method='nutpie' (the default), 'pymc' (PyMC's NUTS) or 'numpyro' "
    "(pip install 'r2d2-formula[jax]')"
)
#: Those that need JAX (the optional ``jax`` extra).
JAX_METHODS = ("numpyro", "blackjax")
PREDICTION_KINDS = ("response_params", "response")
#: What FitResult.predictions() and prediction_draws() tabulate: η, E[y] or draws of y.
TABLE_KINDS = ("linear", "mean", "response")
#: NumPy functions a saved fit's formula may call when it is loaded (``np.log(x)``).
SAFE_NUMPY_FUNCTIONS = (
    "abs", "absolute", "arcsinh", "arctan", "cbrt", "ceil", "clip", "cos", "exp", "exp2",
    "expm1", "floor", "log", "log10", "log1p", "log2", "maximum", "minimum", "power", "round",
    "sign", "sin", "sqrt", "square", "tan", "tanh",
)  # fmt: skip
#: Bambi's formula functions a loaded formula may call.
SAFE_BAMBI_FUNCTIONS = (
    "abs", "c", "censored", "constrained", "exp", "exp2", "log", "log10", "log2", "truncated",
    "weighted",
)  # fmt: skip


def trusted_calls() -> frozenset[str]:
    """The calls :meth:`FitResult.load` rebuilds a formula with: formulae's, Bambi's, NumPy's."""
    numpy = [f"{module}.{name}" for module in ("np", "numpy") for name in SAFE_NUMPY_FUNCTIONS]
    return frozenset((*FORMULAE_FUNCTIONS, *CONTRASTS, *SAFE_BAMBI_FUNCTIONS, *numpy))


def check_trusted(spec: FormulaSpec, data: pd.DataFrame, given: Mapping[str, Any]) -> None:
    """A formula read from a file calls only trusted functions and reads only known names.

    ``given`` holds the names the user handed over explicitly (trusted by them).
    """
    untrusted = [call for call in spec.calls if call not in trusted_calls() and call not in given]
    if untrusted:
        raise R2D2Error(
            f"the saved formula {spec.source!r} calls {untrusted}, which loading does not run: "
            "a formula is code, and a saved fit is data. Pass the function(s) yourself with "
            "FitResult.load(path, namespace={...}) if you trust the file."
        )
    unknown = [
        name
        for name in spec.variables
        if name not in data.columns and name not in given and name not in CONTRASTS
    ]
    if unknown:
        raise R2D2Error(
            f"the saved formula {spec.source!r} reads {unknown}, names of the session that "
            "saved it; pass their values with FitResult.load(path, namespace={...})."
        )


# --------------------------------------------------------------------------- arguments


def check_family(family: Any, link: Any) -> tuple[Family, Link]:
    """The family object and the link object; the pair must have an R² here."""
    found = get_family(family)
    return found, found.link(link)


def check_prior(prior: Any) -> R2D2:
    """The R2D2 prior (the default one for None)."""
    if prior is None:
        return R2D2()
    if not isinstance(prior, R2D2):
        raise PriorError(f"prior must be an R2D2 instance, got {type(prior).__name__}.")
    return prior


def check_noncentered(value: Any) -> bool | str:
    """``"auto"``, True or False."""
    if value is True or value is False or (isinstance(value, str) and value == "auto"):
        return value
    raise PriorError(f"noncentered must be 'auto', True or False, got {value!r}.")


def _whole(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ArgumentError(f"{name} must be a whole number >= {low}, got {value!r}.")
    return int(value)


def check_sampler(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Sampler arguments: draws, tune, chains, cores, target_accept, inference_method.

    Other keyword arguments go to Bambi untouched.
    """
    out = dict(settings)
    for name, low in (("draws", 1), ("tune", 0), ("chains", 1), ("cores", 1)):
        if name in out:
            out[name] = _whole(name, out[name], low)
    if "target_accept" in out:
        value = out["target_accept"]
        if (
            isinstance(value, bool)
            or not isinstance(value, Real)
            or not math.isfinite(value)
            or not 0 < float(value) < 1
        ):
            raise ArgumentError(f"target_accept must be a number in (0, 1), got {value!r}.")
        out["target_accept"] = float(value)
    method = out.get("inference_method", "nutpie")
    if not isinstance(method, str) or method not in INFERENCE_METHODS:
        raise ArgumentError(
            f"inference_method must be one of {', '.join(INFERENCE_METHODS)}; got "
            f"{method!r}{did_you_mean(method, INFERENCE_METHODS)}."
        )
    if method in REFUSED_METHODS:
        raise UnsupportedError(
            f"inference_method={method!r} is not supported: {REFUSED_METHODS[method]}. "
            f"{_WHAT_WORKS[0].upper()}{_WHAT_WORKS[1:]}."
        )
    if method == "blackjax":
        _check_blackjax()
    elif method in JAX_METHODS:
        _require_jax(method)
    return out


def _require_jax(method: str) -> None:
    import importlib.util

    missing = [name for name in ("jax", method) if importlib.util.find_spec(name) is None]
    if missing:
        raise UnsupportedError(
            f"inference_method={method!r} needs {' and '.join(missing)}, which is not "
            "installed: pip install 'r2d2-formula[jax]'."
        )


def _check_blackjax() -> None:
    import importlib.util

    if importlib.util.find_spec("blackjax") is None:
        raise UnsupportedError(
            "inference_method='blackjax' needs BlackJAX < 1.6 (PyMC's BlackJAX sampler calls "
            "blackjax.progress_bar.gen_scan_fn, removed in 1.6), which no extra of this "
            f"package installs because BlackJAX 1.5 does not run on current JAX; {_WHAT_WORKS}."
        )
    _require_jax("blackjax")
    _check_blackjax_version()


#: PyMC 6.4's BlackJAX loop calls blackjax.progress_bar.gen_scan_fn and hands the warm-up
#: a progress_bar argument; BlackJAX 1.6 removed both.
BLACKJAX_BEFORE = (1, 6)


def _check_blackjax_version() -> None:
    from importlib.metadata import version

    installed = version("blackjax")
    numbers = tuple(int(part) for part in installed.split(".")[:2] if part.isdigit())
    if numbers >= BLACKJAX_BEFORE:
        raise UnsupportedError(
            f"inference_method='blackjax' fails with BlackJAX {installed}: PyMC's BlackJAX "
            "sampler needs BlackJAX < 1.6 (it calls blackjax.progress_bar.gen_scan_fn, "
            f"removed in 1.6), and BlackJAX 1.5 does not run on current JAX; {_WHAT_WORKS}."
        )


def check_priors(priors: Any, spec: FormulaSpec, family: Family, link: Link) -> dict[str, Any]:
    """Priors the user pins: the intercept's and the family parameters', as Bambi priors.

    Everything else gets its prior from the R2D2 hierarchy, so other names are refused.
    """
    if priors is None:
        return {}
    if not isinstance(priors, Mapping):
        raise PriorError(
            f"priors must be a mapping such as {{'Intercept': bmb.Prior('Normal', mu=0, "
            f"sigma=2.5)}}, got {type(priors).__name__}."
        )
    intercept = spec.intercept and not family.thresholds
    allowed = (["Intercept"] if intercept else []) + list(family.parameters(link))
    for name, prior in priors.items():
        if name not in allowed:
            raise PriorError(
                f"priors names {name!r}{did_you_mean(name, allowed)}; only {allowed} take a prior "
                "of your own: the coefficients and group SDs get theirs from the R2D2 prior."
            )
        if not (isinstance(getattr(prior, "name", None), str) and hasattr(prior, "args")):
            raise PriorError(
                f"priors[{name!r}] must be a bambi.Prior, e.g. bmb.Prior('Normal', mu=0, "
                f"sigma=2.5); got {prior!r}."
            )
    return dict(priors)


def check_kind(kind: Any) -> str:
    """The kind of prediction: ``"response_params"`` (the mean) or ``"response"`` (draws)."""
    return _kind_in(kind, PREDICTION_KINDS)


def check_table_kind(kind: Any) -> str:
    """The kind of a predictions table: the linear predictor, the mean or new responses."""
    return _kind_in(kind, TABLE_KINDS)


def _kind_in(kind: Any, allowed: tuple[str, ...]) -> str:
    if isinstance(kind, str) and kind in allowed:
        return kind
    raise ArgumentError(
        f"kind must be one of {', '.join(map(repr, allowed))}; got "
        f"{kind!r}{did_you_mean(kind, allowed)}."
    )


def check_probability(name: str, value: Any) -> float:
    """A probability strictly between 0 and 1, such as an interval's coverage."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < float(value) < 1:
        raise ArgumentError(f"{name} must be a number in (0, 1), got {value!r}.")
    return float(value)


def check_concentration(concentration: Any, names: list[str], terms: list[str]) -> tuple:
    """The Dirichlet concentration as one value per component.

    A mapping may name components (``"c[b]"``) or whole terms (``"c"``, ``"1|g"``).
    """
    if isinstance(concentration, float):
        return (concentration,) * len(names)
    if isinstance(concentration, Mapping):
        known = list(dict.fromkeys([*names, *terms]))
        unknown = [key for key in concentration if key not in known]
        if unknown:
            raise PriorError(
                f"concentration names {unknown} that are not model components or terms"
                f"{did_you_mean(unknown[0], known)}; they are {known}."
            )
        return tuple(
            concentration.get(name, concentration.get(term, 1.0))
            for name, term in zip(names, terms, strict=True)
        )
    if len(concentration) != len(names):
        raise PriorError(
            f"concentration has {len(concentration)} values but the model has "
            f"{len(names)} components: {names}."
        )
    return tuple(concentration)


def check_shares(
    prior: R2D2, concentration: tuple[float, ...], names: list[str], terms: list[str]
) -> ALRShares | None:
    """Logistic-normal shares resolved for the model's components; None for the Dirichlet.

    ``concentration`` is the Dirichlet concentration per component (from
    :func:`check_concentration`), which ``shares="logistic-normal"`` matches. Sizes and
    names of a :class:`~r2d2_formula.LogisticNormal` are checked against the components
    even when there is a single one (whose share is 1, so None is returned).

    Examples
    --------
    >>> from r2d2_formula import R2D2, LogisticNormal
    >>> shares = check_shares(R2D2(shares=LogisticNormal(mean={"x2": 1.0})), (1.0, 1.0),
    ...                       ["x1", "x2"], ["x1", "x2"])
    >>> shares.mean, shares.cov
    ((-1.0,), ((2.0,),))
    >>> check_shares(R2D2(shares=LogisticNormal(sd=[1.0, 2.0, 3.0])), (1.0, 1.0),
    ...              ["x1", "x2"], ["x1", "x2"])
    Traceback (most recent call last):
    ...
    r2d2_formula._errors.PriorError: sd has 3 values but the model has 2 components: ['x1', 'x2'].
    """
    if prior.shares == "dirichlet":
        return None
    shares = prior.shares
    if not isinstance(shares, LogisticNormal):  # "logistic-normal": match the Dirichlet
        shares = LogisticNormal.from_dirichlet(concentration)
    mean, cov = shares.log_weights(names, terms)
    return alr_shares(mean, cov, names) if len(names) > 1 else None


# --------------------------------------------------------------------------- data


def check_data(data: Any, min_rows: int = 2, what: str = "data") -> pd.DataFrame:
    """A private copy of ``data`` with NumPy dtypes; it needs ``min_rows`` rows.

    Nullable pandas dtypes (``Int64``, ``Float64``, ``boolean``) become int, float
    or bool (float with NaN where values are missing, which the column checks then
    report), ``string`` becomes object; ``category`` stays.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{what} must be a pandas DataFrame, got {type(data).__name__}.")
    if len(data) < min_rows:
        need = "at least 2 rows to estimate anything" if min_rows > 1 else "at least 1 row"
        raise DataError(f"{what} has {len(data)} row(s); a model needs {need}.")
    if not data.columns.is_unique:
        repeated = sorted(map(str, data.columns[data.columns.duplicated()].unique()))
        raise DataError(f"{what} has repeated column name(s) {repeated}; rename them.")
    copy = data.copy(deep=True)
    for column in copy.columns:
        copy[column] = _numpy_dtype(copy[column])
    return copy


def _numpy_dtype(column: pd.Series) -> pd.Series:
    dtype = column.dtype
    if not isinstance(dtype, pd.api.extensions.ExtensionDtype) or isinstance(
        dtype, pd.CategoricalDtype
    ):
        return column
    if isinstance(dtype, pd.StringDtype):
        return column.astype(object).where(column.notna(), np.nan)
    if pd.api.types.is_bool_dtype(dtype):
        return column.astype(bool) if not column.isna().any() else column.astype("float64")
    if pd.api.types.is_integer_dtype(dtype) and not column.isna().any():
        return column.astype(getattr(dtype, "numpy_dtype", dtype))
    if pd.api.types.is_numeric_dtype(dtype):
        return column.astype("float64")
    return column


#: Calls that make Bambi build a term with priors of its own kind, and why R2D2 refuses them.
_TERM_CALLS = {
    "hsgp": "an hsgp() Gaussian-process term has its own variance parameter, which the R2D2 "
    "prior does not share out yet",
}


def check_terms(spec: FormulaSpec) -> None:
    """Refuse terms the R2D2 prior has no share for."""
    for call, reason in _TERM_CALLS.items():
        if call in spec.calls:
            raise UnsupportedError(f"{spec.source!r} is not supported: {reason}.")


def check_response_call(spec: FormulaSpec, family: Family) -> ResponseKind:
    """The response's transformation (censored, truncated, ...), if the family can take it."""
    kind = response_kind(spec.response_call)
    reason = dict(family.refused_responses).get(str(kind.call))
    if kind.transformed and (family.thresholds or family.domain.columns != 1):
        reason = (
            "Bambi applies its response transformations to families with one numeric "
            "response column only"
        )
    if reason:
        raise UnsupportedError(
            f"the response {spec.response_call}(...) of {spec.source!r} is not supported for "
            f"family {family.name!r}: {reason}."
        )
    return kind


def check_columns(spec: FormulaSpec, data: pd.DataFrame, namespace: Mapping[str, Any]) -> list[str]:
    """The data columns the formula reads: each exists (or is a session name), complete."""
    used = [name for name in spec.variables if name in data.columns]
    unknown = [name for name in spec.variables if name not in used and name not in namespace]
    if unknown:
        columns = list(map(str, data.columns))
        said = ", ".join(f"{name!r}{did_you_mean(name, columns)}" for name in unknown)
        raise FormulaError(
            f"formula {spec.source!r} uses column(s) not in the data: {said}. "
            f"Available columns: {columns}."
        )
    clash = [name for name in spec.variables if name in RESERVED_NAMES]
    if clash:
        raise FormulaError(
            f"the formula reads {clash}, which the R2D2 layer uses for its own variables "
            f"{list(RESERVED_NAMES)}; rename the column(s)."
        )
    for name in used:
        _check_complete(data, name)
    return used


def _check_complete(data: pd.DataFrame, column: str, what: str = "column") -> None:
    values = data[column]
    missing = values.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{what} {column!r} has {int(missing.sum())} missing value(s) at "
            f"{describe_rows(data.index, missing)}; remove or impute them first: rows are never "
            "dropped silently."
        )
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        infinite = ~np.isfinite(values.to_numpy(dtype=float))
        if infinite.any():
            raise DataError(
                f"{what} {column!r} has infinite value(s) at {describe_rows(data.index, infinite)}."
            )


def check_raw_response(spec: FormulaSpec, family: Family, data: pd.DataFrame) -> pd.DataFrame:
    """The response as the data hold it, where formulae would code or check it first.

    Returns the data with the response column as Bambi reads it for this family (the
    integers of an ordinal response become ordered categories), on the private copy.
    """
    level = spec.response_level
    if level is not None and level[0] in data.columns:
        column, wanted = level
        present = sorted(map(str, pd.unique(data[column].astype(object))))
        if wanted not in present:
            # formulae would code every row as a failure without a word.
            more = " ..." if len(present) > SHOWN else ""
            raise DataError(
                f"the response {column}[{wanted!r}] names a level that column {column!r} does "
                f"not have; its values are {present[:SHOWN]}{more}."
            )
    response_kind(spec.response_call).check_arguments(response_arguments(spec, data), data.index)
    column = spec.response_text
    if column in data.columns:
        data[column] = family.domain.prepare(data[column], column, family.name)
    raw = raw_response(spec, data)
    if raw is not None:
        family.domain.check(raw, spec.response_text, family.name, data.index)
    return data


def check_design(spec: FormulaSpec, family: Family, evaluated: Evaluated, index: pd.Index) -> None:
    """The evaluated design: response in the family's domain, every column finite, groups."""
    response = response_kind(spec.response_call)
    response.check(evaluated.response, spec.response_text, index)
    family.domain.check(response.values(evaluated.response), spec.response_text, family.name, index)
    for term, values in evaluated.common.items():
        if values.shape[1] == 0:
            raise DataError(
                f"term {term!r} has no design column: {', '.join(map(repr, spec.reads(term)))} "
                "takes a single value in the data, which the intercept already models; drop it."
            )
    for term, values in {**evaluated.common, **evaluated.offsets}.items():
        kind = "offset" if term in evaluated.offsets else "term"
        _check_finite_term(values, term, kind, index, spec.reads(term))
    if evaluated.offsets:
        family.check_offsets()
    for term, values in evaluated.groups.items():
        _check_finite_term(values, term, "group-level term", index, spec.reads(term))
        _check_levels(term, evaluated.levels[term])
    if not evaluated.common and not evaluated.groups and not spec.intercept:
        raise UnsupportedError(
            f"{spec.source!r} has no intercept and no term, so it has no parameter of the "
            "linear predictor to estimate; add an intercept ('1 +') or a predictor."
        )
    _check_not_constant(evaluated, spec.intercept)


def _check_finite_term(
    values: Any, term: str, kind: str, index: pd.Index, reads: tuple[str, ...]
) -> None:
    if hasattr(values, "tocoo"):  # a sparse group-level design
        entries = values.tocoo()
        bad_entries = ~np.isfinite(entries.data)
        bad = np.zeros(len(index), dtype=bool)
        bad[entries.row[bad_entries]] = True
        shown = shown_values(entries.data[bad_entries])
    else:
        matrix = np.asarray(values, dtype=float).reshape(len(index), -1)
        bad = ~np.isfinite(matrix).all(axis=1)
        shown = shown_values(matrix[bad][:, 0])
    if bad.any():
        columns = f" (it reads {', '.join(map(repr, reads))})" if reads else ""
        raise DataError(
            f"{kind} {term!r}{columns} is not finite at {describe_rows(index, bad)}, where it "
            f"evaluates to {shown}: its transformation is undefined there (e.g. the log of a "
            "value <= 0)."
        )


def _check_levels(term: str, levels: list[Any]) -> None:
    if len(levels) < 2:
        factor = term.split("|", 1)[1]
        raise DataError(
            f"grouping factor {factor!r} has {len(levels)} level(s) {list(map(str, levels))} "
            f"(term {term!r}); a group-level term needs at least 2. Drop the term or check "
            "the column."
        )


def _check_not_constant(evaluated: Evaluated, intercept: bool) -> None:
    for term, values in evaluated.common.items():
        spreads = column_spreads(values, centered=intercept)
        for label, value in zip(evaluated.labels[term], spreads, strict=True):
            if not value > 0:
                raise DataError(
                    f"design column {label!r} of term {term!r} is constant (variance "
                    f"{value:g}); it cannot take a share of the variance. Drop it (the "
                    "intercept already models a constant) or check the data."
                )


# --------------------------------------------------------------------------- new data


def check_new_data(spec: FormulaSpec, fitted: pd.DataFrame, new: Any) -> pd.DataFrame:
    """New data for a prediction: the predictors' columns, complete, typed as when fitted.

    Unseen levels of a grouping factor are allowed (predicted from the fitted
    groups); an unseen level of a categorical predictor is not.
    """
    new = check_data(new, min_rows=1, what="new data")
    predictors = set(spec.predictor_variables)
    needed = [name for name in spec.variables if name in fitted.columns and name in predictors]
    missing = [name for name in needed if name not in new.columns]
    if missing:
        raise DataError(
            f"new data lack column(s) {missing} that the formula {spec.source!r} reads; they "
            f"have {list(map(str, new.columns))}."
        )
    # A column that is only a grouping factor may bring new levels; any other may not.
    factors_only = set(spec.factor_variables) - set(spec.population_variables)
    for name in needed:
        _check_complete(new, name, what="new data column")
        _check_same_kind(fitted[name], new[name], name)
        if name not in factors_only:
            _check_known_levels(fitted[name], new[name], name, new.index)
    return new


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _check_same_kind(fitted: pd.Series, new: pd.Series, name: str) -> None:
    if _is_numeric(fitted) and not _is_numeric(new):
        raise DataError(
            f"new data column {name!r} holds {new.dtype} values such as "
            f"{new.iloc[:3].tolist()}; the model was fitted with numbers."
        )


def _check_known_levels(fitted: pd.Series, new: pd.Series, name: str, index: pd.Index) -> None:
    if _is_numeric(fitted):
        return
    known = set(pd.unique(fitted.astype(object)))
    unseen = ~new.astype(object).isin(known).to_numpy()
    if unseen.any():
        levels = sorted(map(str, pd.unique(new[unseen].astype(object))))[:SHOWN]
        raise DataError(
            f"new data column {name!r} has level(s) {levels} at "
            f"{describe_rows(index, unseen)} that the model was not fitted with; known levels: "
            f"{sorted(map(str, known))}."
        )
