"""Evaluate a parsed formula on data with formulae, as Bambi will, and read the raw response."""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from formulae.terms.call_resolver import LazyValue, LazyVariable
from formulae.terms.variable import Variable

from r2d2_formula._errors import FormulaError
from r2d2_formula._formula.spec import FormulaSpec
from r2d2_formula._formula.terms import model_terms, term_text
from r2d2_formula._types import FormulaeNode

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Evaluated", "caller_namespace", "evaluate", "raw_response", "response_arguments"]


@dataclass(frozen=True, eq=False)
class Evaluated:
    """The design matrices of a formula on data, as formulae computes them.

    Attributes
    ----------
    response : numpy.ndarray
        The response (two columns, successes and trials, for ``p(k, n)``).
    common : dict
        Population-level term name → (n, k) matrix; no intercept, no offsets.
    labels : dict
        Population-level term name → formulae's column labels.
    offsets : dict
        Offset term name → its values.
    groups : dict
        Group-specific term name (``"x|g"``) → (n, k · levels) SciPy sparse matrix.
    levels : dict
        Group-specific term name → levels of its grouping factor.
    """

    response: np.ndarray
    common: dict[str, np.ndarray]
    labels: dict[str, list[str]]
    offsets: dict[str, np.ndarray]
    groups: dict[str, Any]
    levels: dict[str, list[Any]]


def evaluate(spec: FormulaSpec, data: Any, namespace: Mapping[str, Any]) -> Evaluated:
    """Evaluate a parsed formula on ``data`` with formulae, names resolved in ``namespace``.

    The parse in ``spec`` is reused (a copy of it is evaluated, so ``spec`` stays
    as parsed). A term that cannot be evaluated raises a
    :class:`~r2d2_formula._errors.FormulaError` naming it and the reason.

    Examples
    --------
    >>> from r2d2_formula._formula import parse
    >>> import pandas as pd
    >>> data = pd.DataFrame({"y": [1, 2, 3, 4], "x": [0.5, 1.0, 2.0, 4.0]})
    >>> evaluated = evaluate(parse("y ~ np.log(x)"), data, {"np": np})
    >>> evaluated.common["np.log(x)"].ravel().round(3).tolist()
    [-0.693, 0.0, 0.693, 1.386]
    """
    from formulae.environment import Environment
    from formulae.matrices import DesignMatrices

    model = copy.deepcopy(spec._description())
    env = Environment([dict(namespace)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            design = DesignMatrices(model, data, env)
    except Exception as err:  # formulae and user functions raise anything
        raise _evaluation_error(spec, data, env, err) from err
    return _evaluated(design)


def _evaluated(design: FormulaeNode) -> Evaluated:
    common: dict[str, np.ndarray] = {}
    labels: dict[str, list[str]] = {}
    offsets: dict[str, np.ndarray] = {}
    if design.common is not None:
        for name, term in design.common.terms.items():
            values = np.asarray(design.common[name])
            if term.kind == "offset":
                offsets[name] = values.reshape(-1)
            elif term.kind != "intercept":
                common[name] = values.reshape(len(values), -1)
                labels[name] = list(term.labels)
    groups: dict[str, np.ndarray] = {}
    levels: dict[str, list[Any]] = {}
    if design.group is not None:
        for name, term in design.group.terms.items():
            # Sparse (observations x levels · columns): never densified, it can be large.
            groups[name] = design.group[name]
            levels[name] = list(term.groups)
    return Evaluated(
        response=np.asarray(design.response.design_matrix),
        common=common,
        labels=labels,
        offsets=offsets,
        groups=groups,
        levels=levels,
    )


_PROPORTION_CALLS = ("p", "prop", "proportion")


def raw_response(spec: FormulaSpec, data: pd.DataFrame) -> np.ndarray | None:
    """The response as the data hold it, before formulae codes or checks it.

    A bare column (formulae would silently code a text column as 0/1) or the
    successes and trials of ``p(k, n)`` (formulae's own check does not say which
    rows); None for any other response, which only :func:`evaluate` can compute.

    Examples
    --------
    >>> from r2d2_formula._formula import parse
    >>> import pandas as pd
    >>> data = pd.DataFrame({"k": [1, 2], "x": [0.0, 1.0]})
    >>> raw_response(parse("p(k, 10) ~ x"), data).tolist()
    [[1, 10], [2, 10]]
    """
    component = spec._description().response.term.components[0]
    if isinstance(component, Variable):
        if component.reference is None and component.name in data.columns:
            return data[component.name].to_numpy()
        return None
    call = component.call
    if call.callee not in _PROPORTION_CALLS or len(call.args) != 2 or call.kwargs:
        return None
    columns = [values for _, values in response_arguments(spec, data)]
    if any(values is None for values in columns):
        return None
    return np.column_stack(columns)


def response_arguments(spec: FormulaSpec, data: pd.DataFrame) -> list[tuple[str, Any]]:
    """(name, values) of each argument of the response's call, positional then keywords.

    Values are the data's column for a bare column name, the literal repeated for a number
    or string, None for anything else (an expression only evaluation computes); the name is
    the column's, the literal's text, or the keyword's.

    Examples
    --------
    >>> from r2d2_formula._formula import parse
    >>> import pandas as pd
    >>> data = pd.DataFrame({"t": [1.0, 2.0], "s": ["none", "right"], "x": [0.0, 1.0]})
    >>> [(name, v.tolist()) for name, v in response_arguments(parse("censored(t, s) ~ x"), data)]
    [('t', [1.0, 2.0]), ('s', ['none', 'right'])]
    """
    component = spec._description().response.term.components[0]
    if isinstance(component, Variable):
        return []
    call = component.call
    named = [(None, arg) for arg in call.args] + list(call.kwargs.items())
    found: list[tuple[str, Any]] = []
    for keyword, arg in named:
        if isinstance(arg, LazyVariable) and arg.name in data.columns:
            found.append((keyword or arg.name, data[arg.name].to_numpy()))
        elif isinstance(arg, LazyValue):
            found.append((keyword or repr(arg.value), np.full(len(data), arg.value)))
        else:
            found.append((keyword or str(arg), None))
    return found


def _evaluation_error(
    spec: FormulaSpec, data: pd.DataFrame, env: FormulaeNode, err: Exception
) -> FormulaError:
    """Which term failed, found by evaluating each term of a fresh copy on its own."""
    for term in model_terms(copy.deepcopy(spec._description())):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                term.set_type(data, env)
        except Exception as term_err:
            return FormulaError(
                f"cannot evaluate term {term_text(term)!r} of formula {spec.source!r} "
                f"on the data: {type(term_err).__name__}: {term_err}"
            )
    return FormulaError(
        f"cannot build the design of formula {spec.source!r}: {type(err).__name__}: {err}"
    )


def caller_namespace(depth: int = 1) -> dict[str, Any]:
    """The names visible in the frame ``depth`` levels above the caller: globals, then locals.

    A formula's names resolve here as they do when the caller calls Bambi itself.
    """
    frame = inspect.currentframe()
    try:
        for _ in range(depth + 1):
            if frame is None or frame.f_back is None:
                return {}
            frame = frame.f_back
        if frame is None:
            return {}
        return {**frame.f_globals, **frame.f_locals}
    finally:
        del frame
