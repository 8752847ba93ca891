"""Input checks at the package boundary, each failing with the offending value named.

Nothing here modifies the caller's data: :func:`check_data` returns a copy and
every later step works on that copy.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula.errors import DataError, FamilyError, FormulaError
from r2d2_formula.r2 import DEFAULT_LINKS

__all__ = ["check_data", "check_family", "check_formula_columns", "check_groups", "check_response"]

COUNT_FAMILIES = ("poisson", "negativebinomial", "zero_inflated_poisson")
LINKS = ("identity", "log", "logit", "probit", "cloglog")


def check_data(data: Any) -> pd.DataFrame:
    """A private copy of ``data``, which must be a non-empty pandas DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if data.empty:
        raise DataError("data has no rows.")
    return data.copy(deep=True)


def check_family(family: Any, link: Any) -> tuple[str, str | None]:
    """The family and link names, checked against what the R² layer supports."""
    if not isinstance(family, str) or family not in DEFAULT_LINKS:
        allowed = ", ".join(sorted(DEFAULT_LINKS))
        raise FamilyError(f"family must be one of {allowed}; got {family!r}.")
    if link is not None and link not in LINKS:
        raise FamilyError(f"link must be one of {', '.join(LINKS)}; got {link!r}.")
    return family, link


def _model_description(formula: str) -> Any:
    import formulae as fm

    try:
        return fm.model_description(formula)
    except Exception as err:  # formulae raises ParseError, ValueError, ... with no common base
        raise FormulaError(f"cannot parse formula {formula!r}: {err}") from err


def check_formula_columns(formula: Any, data: pd.DataFrame) -> list[str]:
    """The data columns the formula uses; all must exist and hold no missing values."""
    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(f"formula must be a string like 'y ~ x + (1|g)', got {formula!r}.")
    from r2d2_formula.formula import parse

    # parse() rejects what formulae silently drops (e.g. "y ~ x | g") and says where.
    parse(formula)
    columns = sorted(_model_description(formula).var_names)
    missing = [name for name in columns if name not in data.columns]
    if missing:
        hints = {
            name: difflib.get_close_matches(name, map(str, data.columns), n=1) for name in missing
        }
        said = ", ".join(
            f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            for name, hint in hints.items()
        )
        raise FormulaError(
            f"formula {formula!r} uses column(s) not in the data: {said}. "
            f"Available columns: {list(map(str, data.columns))}."
        )
    for name in columns:
        _check_complete(data, name)
    return columns


def _check_complete(data: pd.DataFrame, column: str) -> None:
    missing = data[column].isna().to_numpy()
    if missing.any():
        rows = list(data.index[missing][:5])
        raise DataError(
            f"column {column!r} has {int(missing.sum())} missing value(s) (rows {rows}"
            f"{' ...' if missing.sum() > 5 else ''}); remove or impute them first: "
            "rows are never dropped silently."
        )
    values = data[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        infinite = ~np.isfinite(values.to_numpy(dtype=float))
        if infinite.any():
            rows = list(data.index[infinite][:5])
            raise DataError(f"column {column!r} has infinite value(s) at rows {rows}.")


def check_response(family: str, response: np.ndarray, name: str) -> None:
    """Values of the evaluated response must be possible under the family."""
    if family == "binomial":
        _check_binomial(response, name)
        return
    y = np.asarray(response)
    if family == "bernoulli":
        _check_bernoulli(y, name)
        return
    if not np.issubdtype(y.dtype, np.number):
        raise DataError(f"response {name!r} must be numeric for family {family!r}, got {y.dtype}.")
    y = y.astype(float)
    if family in COUNT_FAMILIES:
        _check_counts(y, name, family)
    elif family == "gamma" and np.any(y <= 0):
        bad = y[y <= 0][:5]
        raise DataError(
            f"response {name!r} must be positive for family 'gamma'; found {bad.tolist()}."
        )


def _check_counts(y: np.ndarray, name: str, family: str) -> None:
    negative = y[y < 0]
    if negative.size:
        raise DataError(
            f"response {name!r} must be a non-negative integer count for family {family!r}; "
            f"found negative value(s) {negative[:5].tolist()}."
        )
    fractional = y[y != np.round(y)]
    if fractional.size:
        raise DataError(
            f"response {name!r} must hold integer counts for family {family!r}; "
            f"found non-integer value(s) {fractional[:5].tolist()}."
        )


def _check_bernoulli(y: np.ndarray, name: str) -> None:
    if y.dtype == bool:
        return
    if not np.issubdtype(y.dtype, np.number):
        levels = sorted(map(str, pd.unique(pd.Series(y))))[:5]
        raise DataError(
            f"response {name!r} holds non-numeric values {levels}; say which level is a success, "
            f"e.g. '{name}[\"{levels[-1]}\"] ~ ...', or code it as 0/1."
        )
    bad = np.unique(y[(y != 0) & (y != 1)])
    if bad.size:
        raise DataError(
            f"response {name!r} must be 0 or 1 for family 'bernoulli'; found {bad[:5].tolist()}."
        )


def _check_binomial(response: np.ndarray, name: str) -> None:
    y = np.asarray(response, dtype=float)
    if y.ndim != 2 or y.shape[1] != 2:
        raise DataError(
            f"family 'binomial' needs successes and trials: write the response as "
            f"'p(successes, trials) ~ ...', got {name!r}."
        )
    successes, trials = y[:, 0], y[:, 1]
    _check_counts(successes, name, "binomial")
    if np.any(trials < 1) or np.any(trials != np.round(trials)):
        bad = trials[(trials < 1) | (trials != np.round(trials))][:5]
        raise DataError(f"trials in {name!r} must be integers >= 1; found {bad.tolist()}.")
    over = successes > trials
    if over.any():
        raise DataError(
            f"successes exceed trials in {name!r} at {int(over.sum())} row(s), "
            f"e.g. {successes[over][0]:g} of {trials[over][0]:g}."
        )


def check_groups(groups: dict[str, int]) -> None:
    """Every grouping factor needs at least two levels to have a variance."""
    for factor, n_levels in groups.items():
        if n_levels < 2:
            raise DataError(
                f"grouping factor {factor!r} has {n_levels} level(s); a group-level term needs "
                "at least 2. Drop the term or check the column."
            )
