"""``Model``: a Bambi model under the R2D2 prior, with Bambi's fit and predict."""

from __future__ import annotations

import os
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula import _validation, inject
from r2d2_formula.errors import DataError, PriorError
from r2d2_formula.prior import R2D2

__all__ = ["DEFAULT_FIT", "Model"]

#: Sampler settings used unless the caller overrides them (see the README's
#: "Sampling defaults" for the measurements behind them).
DEFAULT_FIT: dict[str, Any] = {
    "draws": 1000,
    "tune": 1000,
    "chains": 2,
    "target_accept": 0.9,
    "inference_method": "nutpie",
}


class Model:
    """A generalized linear mixed model with the R2D2 prior on its variance components.

    Parameters
    ----------
    formula : str
        A Bambi/lme4 formula, e.g. ``"y ~ x1 + x2 + (1|school)"``; binomial
        responses are written ``"p(successes, trials) ~ ..."``.
    data : pandas.DataFrame
        The data. It is copied; the caller's frame is never modified.
    family : str
        ``"gaussian"`` (default), ``"bernoulli"``, ``"binomial"``, ``"poisson"``,
        ``"negativebinomial"``, ``"gamma"`` or ``"zero_inflated_poisson"``.
    prior : R2D2, optional
        The R2D2 prior; ``R2D2()`` (uniform R², exact W prior) by default.
    link : str, optional
        Link function; the family's canonical one by default (log for gamma).
    noncentered : {"auto", True, False}
        Write coefficients and group effects as themselves (centred) or as
        standard normals times their SD (non-centred). ``"auto"`` (default)
        centres each term whose data dominate its prior (mean shrinkage below
        0.4, see :mod:`r2d2_formula.centring`): population coefficients almost
        always, group terms with enough data per level. True or False applies
        one choice to every term. The README's "Sampling defaults" gives the
        measurements behind the rule.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> model = rf.Model("y ~ x", data, family="poisson")
    >>> model.components
    ['x']
    """

    def __init__(
        self,
        formula: str,
        data: pd.DataFrame,
        family: str = "gaussian",
        prior: R2D2 | None = None,
        *,
        link: str | None = None,
        noncentered: bool | str = "auto",
    ) -> None:
        family, link = _validation.check_family(family, link)
        prior = R2D2() if prior is None else prior
        if not isinstance(prior, R2D2):
            raise PriorError(f"prior must be an R2D2 instance, got {type(prior).__name__}.")
        data = _validation.check_data(data)
        _validation.check_formula_columns(formula, data)
        inject.check_reserved(data.columns)
        response, response_name = _evaluate_response(formula, data)
        _validation.check_response(family, response, response_name)
        if noncentered not in ("auto", True, False):
            raise PriorError(f"noncentered must be 'auto', True or False, got {noncentered!r}.")
        self.formula = formula
        self.family = family
        self.noncentered = noncentered
        self.prior = prior
        self.data = data
        self.bambi_model, self.plan = inject.build_bambi_model(
            formula, data, family, link, prior, noncentered
        )
        _validation.check_groups(inject.group_levels(self.bambi_model))

    @property
    def design(self):
        """The :class:`~r2d2_formula.design.Design`: the data as the fitted model sees them."""
        return inject.read_design(self.bambi_model, self.plan, self.formula)

    @property
    def components(self) -> list[str]:
        """Names of the R2D2 components, the coordinates of ``phi``."""
        return self.plan.names

    @property
    def link(self) -> str:
        return self.plan.family.link

    def fit(self, **kwargs: Any) -> Any:
        """Sample the posterior; keyword arguments go to ``bambi.Model.fit``.

        Defaults (``DEFAULT_FIT``): 1,000 draws after 1,000 tuning steps in 2
        chains with ``target_accept=0.9``, sampled by nutpie; pass
        ``inference_method="pymc"`` (or "numpyro", "blackjax", "vi", ...) for
        another of Bambi's samplers. Returns Bambi's ArviZ data (an
        ``xarray.DataTree``) with ``R2``, ``W`` and ``phi`` beside Bambi's names.

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> idata = rf.Model("y ~ x", data, family="poisson").fit(
        ...     draws=50, tune=50, chains=1, random_seed=1, progressbar=False)
        >>> sorted(v for v in idata.posterior.data_vars if v in ("R2", "W", "phi"))
        ['R2', 'W', 'phi']
        """
        settings = {**DEFAULT_FIT, **kwargs}
        if settings["inference_method"] == "pymc":
            # PyMC counts half the CPUs (it assumes hyper-threads); run one chain per core.
            settings.setdefault("cores", min(settings["chains"], os.cpu_count() or 1))
        with warnings.catch_warnings():
            # Two chains are the default on a 2-core machine; PyMC's advice for 4 is noise here.
            warnings.filterwarnings("ignore", message=".*at least 4 chains.*")
            return self.bambi_model.fit(**settings)

    def predict(
        self,
        idata: Any,
        data: pd.DataFrame | None = None,
        kind: str = "response_params",
        inplace: bool = True,
        random_seed: Any = None,
    ) -> Any:
        """Predictions as ``bambi.Model.predict``; unseen group levels are allowed.

        A level of a grouping factor that the fit never saw gets group effects
        drawn from the fitted groups' posterior draws (Bambi's method, brms's
        ``sample_new_levels = "uncertainty"``). An unseen level of a categorical
        *predictor* raises :class:`DataError`.
        """
        if kind not in ("response_params", "response"):
            raise ValueError(f"kind must be 'response_params' or 'response', got {kind!r}.")
        new_data = None
        if data is not None:
            new_data = _validation.check_data(data)
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=".*sample_new_groups.*", category=FutureWarning
            )
            try:
                return self.bambi_model.predict(
                    idata,
                    kind=kind,
                    data=new_data,
                    inplace=inplace,
                    sample_new_groups=True,
                    random_seed=random_seed,
                )
            except ValueError as err:
                raise DataError(f"cannot predict for the new data: {err}") from err

    def __repr__(self) -> str:
        return (
            f"r2d2_formula.Model({self.formula!r}, family={self.family!r}, link={self.link!r}, "
            f"prior={self.prior!r}, components={self.components})"
        )


_BINOMIAL_RESPONSE = re.compile(r"p\(\s*(\w+)\s*,\s*(\w+)\s*\)")


def _evaluate_response(formula: str, data: pd.DataFrame) -> tuple[np.ndarray, str]:
    import formulae as fm

    response = formula.split("~", 1)[0].strip()
    counts = _BINOMIAL_RESPONSE.fullmatch(response)
    if counts and {counts[1], counts[2]} <= set(data.columns):
        # Checked here rather than by formulae, whose error would not say which rows.
        return data[[counts[1], counts[2]]].to_numpy(), response
    try:
        matrix = fm.design_matrices(f"{response} ~ 1", data).response
    except Exception as err:  # formulae has no common error base class
        from r2d2_formula.errors import FormulaError

        raise FormulaError(f"cannot evaluate the response {response!r}: {err}") from err
    values = np.asarray(matrix)
    if response in data.columns and not _is_numeric_or_bool(data[response]):
        # formulae silently codes a text response as 0/1 with a level of its choosing.
        values = data[response].to_numpy()
    return values, response


def _is_numeric_or_bool(column: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column)
