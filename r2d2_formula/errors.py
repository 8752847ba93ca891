"""The package's exception hierarchy.

Every error the package raises on purpose derives from :class:`R2D2Error`, so a
caller can catch the package's errors without catching bugs. Each subclass also
derives from the built-in exception a Python user would expect (``ValueError``
for bad values, ``NotImplementedError`` for unsupported combinations).
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "DataError",
    "FamilyError",
    "FormulaError",
    "PriorError",
    "R2D2Error",
    "UnsupportedError",
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
