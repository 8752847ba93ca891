"""Bambi's ``interpret`` functions on a fit: predictions, comparisons and slopes, and plots.

Each function takes a :class:`~r2d2_formula.FitResult` in place of Bambi's ``(model,
idata)`` pair; every other argument is Bambi's (``conditional``, ``contrast``, ``wrt``,
``average_by``, ``target``, ``prob``, ``sample_new_groups``, ...), with Bambi's defaults:
covariates not named are held at their mean (numeric) or mode (categorical), group
factors at their first level. Bambi's documentation describes the arguments and results:
https://bambinos.github.io/bambi/api/interpret.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from r2d2_formula import _bambi

if TYPE_CHECKING:
    from r2d2_formula._results import FitResult

__all__ = [
    "comparisons",
    "plot_comparisons",
    "plot_predictions",
    "plot_slopes",
    "predictions",
    "slopes",
]


def _call(name: str, result: FitResult, *args: Any, **kwargs: Any) -> Any:
    return _bambi.interpret(name, result.model.bambi_model, result.idata, *args, **kwargs)


def predictions(result: FitResult, conditional: Any = None, **kwargs: Any) -> Any:
    """Posterior of the mean (``target="mean"``) over a grid of the ``conditional`` covariates.

    Returns Bambi's ``Result``: ``.summary`` is a table with one row per grid point
    (``estimate`` and the interval), ``.draws`` the posterior draws.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> result = rf.fit("y ~ x", data, family="poisson", draws=50, tune=50, chains=1,
    ...                 random_seed=1, progressbar=False)
    >>> table = rf.interpret.predictions(result, {"x": [0.0, 1.0]}).summary
    >>> list(table.columns[:2]), len(table)
    (['x', 'estimate'], 2)
    """
    return _call("predictions", result, conditional, **kwargs)


def comparisons(result: FitResult, contrast: Any, conditional: Any = None, **kwargs: Any) -> Any:
    """Differences (or ratios, ``comparison="ratio"``) of the mean between ``contrast`` values."""
    return _call("comparisons", result, contrast, conditional, **kwargs)


def slopes(result: FitResult, wrt: Any, conditional: Any = None, **kwargs: Any) -> Any:
    """Derivatives of the mean with respect to ``wrt`` (``slope="dydx"``, ``"eyex"``, ...)."""
    return _call("slopes", result, wrt, conditional, **kwargs)


def plot_predictions(result: FitResult, conditional: Any = None, **kwargs: Any) -> Any:
    """:func:`predictions` as a plot (a seaborn ``Plot``)."""
    return _call("plot_predictions", result, conditional, **kwargs)


def plot_comparisons(
    result: FitResult, contrast: Any, conditional: Any = None, **kwargs: Any
) -> Any:
    """:func:`comparisons` as a plot (a seaborn ``Plot``)."""
    return _call("plot_comparisons", result, contrast, conditional, **kwargs)


def plot_slopes(result: FitResult, wrt: Any, conditional: Any = None, **kwargs: Any) -> Any:
    """:func:`slopes` as a plot (a seaborn ``Plot``)."""
    return _call("plot_slopes", result, wrt, conditional, **kwargs)
