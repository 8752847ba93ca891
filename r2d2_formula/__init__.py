"""Bayesian GLMMs from formulas with the R2D2 prior (Yanchenko, Bondell & Reich).

State a prior on R², get exactly that prior, in every family.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from r2d2_formula import _validate, interpret
from r2d2_formula._criticism import (
    ParetoKWarning,
    Selection,
    compare,
    plot_prior_predictive,
    prior_predictive,
)
from r2d2_formula._datasets import load_dataset
from r2d2_formula._design import Design
from r2d2_formula._errors import (
    ArgumentError,
    DataError,
    FamilyError,
    FormulaError,
    PriorError,
    R2D2Error,
    UnsupportedError,
)
from r2d2_formula._formula import FormulaSpec, GroupTerm, caller_namespace, parse
from r2d2_formula._gbp import fit_gbp
from r2d2_formula._implied import implied_prior, implied_r2
from r2d2_formula._model import DEFAULT_FIT, Model, design
from r2d2_formula._prior import R2D2
from r2d2_formula._results import FitResult, SamplingWarning
from r2d2_formula._shares import LogisticNormal

try:
    __version__ = version("r2d2-formula")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "ArgumentError",
    "DataError",
    "Design",
    "FamilyError",
    "FitResult",
    "FormulaError",
    "FormulaSpec",
    "GroupTerm",
    "LogisticNormal",
    "Model",
    "ParetoKWarning",
    "PriorError",
    "R2D2",
    "R2D2Error",
    "SamplingWarning",
    "Selection",
    "UnsupportedError",
    "__version__",
    "compare",
    "design",
    "fit",
    "fit_gbp",
    "implied_prior",
    "implied_r2",
    "interpret",
    "load_dataset",
    "parse",
    "plot_prior_predictive",
    "prior_predictive",
]


def fit(
    formula: str,
    data: pd.DataFrame,
    family: str = "gaussian",
    prior: R2D2 | None = None,
    *,
    link: str | None = None,
    noncentered: bool | str = "auto",
    namespace: dict[str, Any] | None = None,
    priors: dict[str, Any] | None = None,
    **fit_kwargs: Any,
) -> FitResult:
    """Build a :class:`Model` and sample it: the one-liner.

    Keyword arguments other than the model's go to :meth:`Model.fit`; they are
    checked before the model is built, so a bad value fails at once.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> result = rf.fit("y ~ x", data, family="poisson", draws=50, tune=50, chains=1,
    ...                 random_seed=1, progressbar=False)
    >>> result.decomposition()["component"].tolist()
    ['x']
    """
    _validate.check_sampler({**DEFAULT_FIT, **fit_kwargs})
    namespace = caller_namespace() if namespace is None else namespace
    model = Model(
        formula,
        data,
        family=family,
        prior=prior,
        link=link,
        noncentered=noncentered,
        namespace=namespace,
        priors=priors,
    )
    return FitResult(model, model.fit(**fit_kwargs))
