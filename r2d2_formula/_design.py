"""What the model sees: response, design matrices, group blocks, R2D2 components.

A :class:`Design` is read from the very Bambi model that is fitted (built by
formulae's design matrices), together with the R2D2 components that set the
priors, so what it shows is what is fitted; :func:`r2d2_formula.design` returns one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Design", "GroupBlock", "column_spreads"]


@dataclass(frozen=True, eq=False)
class GroupBlock:
    """One group-level term: its expression columns and its grouping factor.

    The term's contribution to η is Σ_e columns[:, e] · u[codes, e].
    """

    name: str
    expr: str
    factor: str
    columns: pd.DataFrame
    codes: np.ndarray
    levels: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"GroupBlock({self.name!r}: {self.columns.shape[1]} column(s) "
            f"{list(self.columns.columns)} x {len(self.levels)} levels of {self.factor!r})"
        )


@dataclass(frozen=True, eq=False)
class Design:
    """The model's data as it enters the linear predictor.

    Attributes
    ----------
    formula : str
        The formula as given.
    response : numpy.ndarray
        The response (successes for a binomial ``p(k, n)`` response).
    trials : numpy.ndarray or None
        Binomial trials.
    intercept : bool
        Whether η has an intercept.
    population : pandas.DataFrame
        Population-level design columns, intercept and offsets excluded, named as
        the R2D2 components (``x``, ``c[b]``, ``a:b[u, v]``).
    groups : tuple of GroupBlock
        One block per group-level term (``1|g``, ``x|g``, ``1|a:b``).
    offset : numpy.ndarray or None
        The sum of the ``offset(...)`` terms.
    components : pandas.DataFrame
        One row per R2D2 component: name, term, kind (common/group) and the
        scaling constant (variance v_j of a population column, mean square m_k of
        a group expression column; 1 with ``autoscale=False``).
    """

    formula: str
    response: np.ndarray
    trials: np.ndarray | None
    intercept: bool
    population: pd.DataFrame
    groups: tuple[GroupBlock, ...]
    offset: np.ndarray | None
    components: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        lines = [
            f"Design({self.formula!r}): {len(self.response)} observations, "
            f"intercept={self.intercept}",
            f"  population columns: {list(self.population.columns)}",
            *(f"  {block!r}" for block in self.groups),
        ]
        if self.offset is not None:
            lines.append("  offset: yes")
        if self.trials is not None:
            lines.append(f"  trials: {int(self.trials.sum())} in total")
        lines.append(f"  R2D2 components: {list(self.components['component'])}")
        return "\n".join(lines)


def column_spreads(matrix: np.ndarray, centered: bool) -> np.ndarray:
    """Per population column, its contribution to Var(η) per unit squared coefficient.

    The variance with an intercept (which absorbs the column's mean), else the mean
    square. A column whose spread is 0 cannot take a share of the variance.

    Examples
    --------
    >>> column_spreads(np.array([[1.0], [3.0]]), centered=True).tolist()
    [1.0]
    >>> column_spreads(np.array([[1.0], [3.0]]), centered=False).tolist()
    [5.0]
    """
    matrix = np.asarray(matrix, dtype=float)
    return matrix.var(axis=0) if centered else np.mean(matrix**2, axis=0)
