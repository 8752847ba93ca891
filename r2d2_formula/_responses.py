"""Bambi's response transformations: what each does to the response and what it requires.

``censored(y, status)``, ``truncated(y, lb, ub)``, ``constrained(y, lb, ub)`` and
``weighted(y, w)`` change the likelihood (PyMC's ``Censored``, ``Truncated``, weights on
the log-density) but not the model of the mean: R² and the W prior stay the untransformed
family's. Each :class:`ResponseKind` knows its columns, the response values inside them,
and the checks its inputs need before anything is compiled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula._errors import DataError, UnsupportedError, describe_rows, shown_values

__all__ = ["CENSORING_STATUSES", "PLAIN", "RESPONSE_KINDS", "ResponseKind", "response_kind"]

#: The statuses Bambi's censored() reads, and its codes for them.
CENSORING_STATUSES = {"left": -1, "none": 0, "right": 1}


@dataclass(frozen=True)
class ResponseKind:
    """A plain response: the evaluated matrix is the family's response as it is."""

    call: str | None = None
    #: What predictions of kind "response" draw, for the documentation and reports.
    predictions: str = "responses of the family"

    @property
    def transformed(self) -> bool:
        """Whether the likelihood is not the family's own density of the response."""
        return self.call is not None

    def values(self, matrix: np.ndarray) -> np.ndarray:
        """The response values in the evaluated matrix (the family's domain applies to them).

        A transformed response's matrix holds them in its first column, beside the status,
        bounds or weights.
        """
        return matrix if self.call is None else matrix[:, 0]

    def check_arguments(self, arguments: list[tuple[str, Any]], index: pd.Index) -> None:
        """Refuse bad arguments of the call before formulae evaluates it."""

    def check(self, matrix: np.ndarray, name: str, index: pd.Index) -> None:
        """Refuse an evaluated matrix the likelihood cannot use."""


@dataclass(frozen=True)
class _Censored(ResponseKind):
    def check_arguments(self, arguments, index):
        if len(arguments) == 3:
            raise UnsupportedError(
                "interval censoring, censored(lower, upper, status), is not supported: Bambi "
                "0.21's likelihood reads the upper bound as the status, and PyMC's Censored "
                "has no interval form. Use censored(y, status) with statuses "
                f"{list(CENSORING_STATUSES)}."
            )
        if len(arguments) != 2:
            raise UnsupportedError(
                f"censored() takes the response and its status, got {len(arguments)} arguments."
            )
        name, status = arguments[1]
        if status is None:
            return
        bad = ~np.isin(np.asarray(status, dtype=object), list(CENSORING_STATUSES))
        if bad.any():
            raise DataError(
                f"censoring status {name!r} must be one of {list(CENSORING_STATUSES)} (text); "
                f"found {shown_values(np.asarray(status)[bad])} at {describe_rows(index, bad)}. "
                "For a 0/1 event indicator write e.g. "
                "np.where(event == 1, 'none', 'right') in a new column."
            )


@dataclass(frozen=True)
class _Bounded(ResponseKind):
    """truncated() and constrained(): columns (y, lower, upper)."""

    def check(self, matrix, name, index):
        y, lower, upper = (matrix[:, i].astype(float) for i in range(3))
        crossed = ~(lower < upper)
        if crossed.any():
            raise DataError(
                f"{self.call}() of {name!r} needs lower < upper; found lower "
                f"{shown_values(lower[crossed])} and upper {shown_values(upper[crossed])} at "
                f"{describe_rows(index, crossed)}."
            )
        outside = (y < lower) | (y > upper)
        if outside.any():
            raise DataError(
                f"response {name!r} lies outside its {self.call}() bounds: "
                f"{shown_values(y[outside])} at {describe_rows(index, outside)} (bounds "
                f"{shown_values(lower[outside])} to {shown_values(upper[outside])}); a value "
                "outside the bounds has probability 0 under the model."
            )


@dataclass(frozen=True)
class _Weighted(ResponseKind):
    def check_arguments(self, arguments, index):
        if len(arguments) != 2 or arguments[1][1] is None:
            return
        name, weights = arguments[1]
        if not np.issubdtype(np.asarray(weights).dtype, np.number):
            raise DataError(f"weights {name!r} must be numbers; got {np.asarray(weights).dtype}.")
        weights = np.asarray(weights, dtype=float)
        bad = ~np.isfinite(weights) | (weights < 0)
        if bad.any():
            raise DataError(
                f"weights {name!r} must be finite and >= 0; found "
                f"{shown_values(weights[bad])} at {describe_rows(index, bad)}."
            )


PLAIN = ResponseKind()
#: Bambi's response transformations, by the name of their function.
RESPONSE_KINDS = {
    "censored": _Censored(
        "censored", "the uncensored response (the event times had nothing stopped them)"
    ),
    "truncated": _Bounded(
        "truncated", "the untruncated response (the population the sample was cut from)"
    ),
    "constrained": _Bounded("constrained", "responses within the bounds"),
    "weighted": _Weighted("weighted", "responses of the family (weights scale the likelihood)"),
}


def response_kind(call: str | None) -> ResponseKind:
    """The :class:`ResponseKind` of a response written ``call(...)`` (plain otherwise).

    Examples
    --------
    >>> response_kind("censored").transformed, response_kind("p").transformed
    (True, False)
    """
    return RESPONSE_KINDS.get(call or "", PLAIN)
