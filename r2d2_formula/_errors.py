"""The package's exception hierarchy.

Every error the package raises on purpose derives from :class:`R2D2Error`, so a
caller can catch the package's errors without catching bugs. Each subclass also
derives from the built-in exception a Python user would expect (``ValueError``
for bad values, ``NotImplementedError`` for unsupported combinations).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ArgumentError",
    "DataError",
    "FamilyError",
    "FormulaError",
    "PriorError",
    "R2D2Error",
    "UnsupportedError",
    "CSV_LINE",
    "describe_rows",
    "did_you_mean",
    "shown_values",
]


class R2D2Error(Exception):
    """Base class of every error raised by r2d2_formula."""


class FormulaError(R2D2Error, ValueError):
    """The model formula cannot be parsed or does not fit the data's columns."""


class DataError(R2D2Error, ValueError):
    """The data frame holds values the model cannot use (NaN, bad counts, ...)."""


class PriorError(R2D2Error, ValueError):
    """An argument of the R2D2 prior is out of range or inconsistent."""


class FamilyError(R2D2Error, ValueError):
    """The response family or link is unknown."""


class UnsupportedError(R2D2Error, NotImplementedError):
    """A valid request this version cannot honour exactly (never silently replaced)."""


class ArgumentError(R2D2Error, ValueError):
    """An argument other than the prior's (sampler settings, prediction kind, ...) is invalid."""


#: How many offending values or rows an error message quotes.
SHOWN = 5


#: The name of a data frame's index whose labels are line numbers of the CSV file it was
#: read from (the command line sets it), so that errors quote the lines a user sees.
CSV_LINE = "CSV line"


def describe_rows(index: pd.Index, bad: np.ndarray) -> str:
    """``"row(s) [3, 7]"``: the labels of the first offending rows, ``...`` if there are more.

    Rows of a table read from a CSV file (index named :data:`CSV_LINE`) are quoted as
    the file's line numbers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> describe_rows(pd.RangeIndex(8), np.array([0, 0, 0, 1, 0, 0, 0, 1], bool))
    'row(s) [3, 7]'
    >>> describe_rows(pd.RangeIndex(2, 10, name=CSV_LINE), np.array([0, 0, 0, 1, 0, 0, 0, 1], bool))
    'CSV line(s) [5, 9]'
    """
    rows = [_plain(label) for label in index[bad][:SHOWN]]
    what = "CSV line(s)" if index.name == CSV_LINE else "row(s)"
    return f"{what} {rows}{' ...' if int(bad.sum()) > SHOWN else ''}"


def shown_values(values: Any) -> list[Any]:
    """The first offending values as a user wrote them: whole numbers without ``.0``.

    Examples
    --------
    >>> import numpy as np
    >>> shown_values(np.array([-1.0, -4.0, 0.5]))
    [-1, -4, 0.5]
    """
    return [_plain(value) for value in np.asarray(values).ravel()[:SHOWN]]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def did_you_mean(value: Any, allowed: Any) -> str:
    """``" (did you mean 'poisson'?)"`` when ``value`` is close to one allowed name, else ``""``.

    Examples
    --------
    >>> did_you_mean("poison", ["poisson", "gamma"])
    " (did you mean 'poisson'?)"
    """
    hint = difflib.get_close_matches(str(value), list(map(str, allowed)), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""
