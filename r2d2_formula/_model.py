"""``Model``: a Bambi model under the R2D2 prior, with Bambi's fit and predict."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from r2d2_formula import _bambi, _html, _validate
from r2d2_formula._design import Design
from r2d2_formula._errors import ArgumentError, DataError, describe_rows
from r2d2_formula._formula import CONTRASTS, FormulaSpec, caller_namespace, evaluate, parse
from r2d2_formula._prior import R2D2
from r2d2_formula._types import BambiModel, RandomSeed

if TYPE_CHECKING:
    from xarray import DataTree

__all__ = ["DEFAULT_FIT", "Model", "design"]

#: Sampler settings used unless the caller overrides them (the documentation's performance
#: page gives the measurements behind them).
DEFAULT_FIT: dict[str, Any] = {
    "draws": 1000,
    "tune": 1000,
    "chains": 2,
    "target_accept": 0.95,
    "inference_method": "nutpie",
}


class Model:
    """A generalized linear mixed model with the R2D2 prior on its variance components.

    Parameters
    ----------
    formula : str or FormulaSpec
        A Bambi/lme4 formula, e.g. ``"y ~ x1 + x2 + (1|school)"``, or the result of
        :func:`r2d2_formula.parse`; binomial responses are written
        ``"p(successes, trials) ~ ..."``. Anything Bambi reads: transformations
        (``np.log(x)``, ``poly(x, 2)``, ``bs(x, df=4)``, ``C(c, levels=...)``),
        interactions, ``(x|g)``, nested and crossed groups, ``offset()``.
    data : pandas.DataFrame
        The data. It is copied; the caller's frame is never modified.
    family : str
        ``"gaussian"`` (default) or any of the 23 Bambi families listed in
        docs/families.md (``"bernoulli"``, ``"poisson"``, ``"t"``, ``"beta"``,
        ``"cumulative"``, ``"hurdle_poisson"``, ...); the other six (``"wald"``,
        ``"categorical"``, ...) are refused with the reason.
    prior : R2D2, optional
        The R2D2 prior; ``R2D2()`` (uniform R², exact W prior) by default.
    link : str, optional
        Link function; Bambi's default one by default, except log for gamma (Bambi's
        inverse link has no R²). Also ``"log"`` for the location families (gaussian, t,
        laplace, asymmetriclaplace, exgaussian) and ``"probit"``/``"cloglog"`` for binary,
        binomial, beta and ordinal responses; the links without an R² are refused with
        the reason (docs/families.md, "Links").
    noncentered : {"auto", True, False}
        Write coefficients and group effects as themselves (centered) or as
        standard normals times their SD (non-centered). ``"auto"`` (default)
        centres each term whose data dominate its prior (mean shrinkage below
        0.4, see :mod:`r2d2_formula._centering`): population coefficients almost
        always, group terms with enough data per level. True or False applies
        one choice to every term. The documentation's performance page gives
        the measurements behind the rule.
    namespace : mapping, optional
        Names the formula may use besides the data's columns (functions, arrays,
        contrast classes). By default the caller's names, as Bambi does: a
        function defined in a notebook can be called in a formula.
    priors : mapping, optional
        Your own priors for the intercept (``"Intercept"``, on the link scale, of
        the centered design) and the family parameters (``"sigma"``, ``"alpha"``,
        ``"psi"``), as ``bambi.Prior`` objects, e.g.
        ``{"Intercept": bmb.Prior("Normal", mu=0, sigma=2.5)}``. By default the
        intercept's prior is Normal(g(mean response), 2.5) (2.5 response SDs for the
        Gaussian) and the family parameters keep Bambi's. W's prior is conditional
        on these, so R² stays Beta(a, b) whatever they are.

    Raises
    ------
    R2D2Error
        Before anything is built, for any invalid argument, formula or data: a
        :class:`FamilyError`, :class:`PriorError`, :class:`ArgumentError`,
        :class:`FormulaError`, :class:`DataError` or :class:`UnsupportedError`
        that names the offending value.

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
        formula: str | FormulaSpec,
        data: pd.DataFrame,
        family: str = "gaussian",
        prior: R2D2 | None = None,
        *,
        link: str | None = None,
        noncentered: bool | str = "auto",
        namespace: Mapping[str, Any] | None = None,
        priors: Mapping[str, Any] | None = None,
    ) -> None:
        family_, link_ = _validate.check_family(family, link)
        prior = _validate.check_prior(prior)
        noncentered = _validate.check_noncentered(noncentered)
        spec = formula if isinstance(formula, FormulaSpec) else parse(formula)
        priors = _validate.check_priors(priors, spec, family_, link_)
        data = _validate.check_data(data)
        user = caller_namespace() if namespace is None else dict(namespace)
        # Bambi's own functions first, the caller's names over them, as in Bambi.
        full = {**CONTRASTS, **_bambi.bambi_namespace(), **user}
        #: The response's transformation (censored, truncated, constrained, weighted, none).
        self.response_kind = _validate.check_response_call(spec, family_)
        _validate.check_terms(spec)
        _validate.check_columns(spec, data, full)
        data = _validate.check_raw_response(spec, family_, data)
        evaluated = evaluate(spec, data, full)
        _validate.check_design(spec, family_, evaluated, data.index)
        self.spec = spec
        self.formula = spec.source
        self.family = family_.name
        #: The :class:`~r2d2_formula._families.Family` object: domain, links, R².
        self.response_family = family_
        self.noncentered = noncentered
        self.prior = prior
        self.data = data
        self.namespace = user
        #: The user's own priors (intercept, family parameters), as Bambi priors.
        self.priors = priors
        self.bambi_model, self.plan = _bambi.build_bambi_model(
            spec,
            data,
            family_,
            link_,
            prior,
            noncentered,
            user,
            terms=(list(evaluated.common), list(evaluated.groups)),
            priors=priors,
        )

    @property
    def settings(self) -> dict[str, Any]:
        """The constructor's arguments that define this model, as :meth:`replace` passes them.

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> sorted(rf.Model("y ~ x", data, family="poisson").settings)
        ['data', 'family', 'formula', 'link', 'namespace', 'noncentered', 'prior', 'priors']
        """
        return {
            "formula": self.spec,
            "data": self.data,
            "family": self.family,
            "prior": self.prior,
            "link": self.link,
            "noncentered": self.noncentered,
            "namespace": self.namespace,
            "priors": self.priors,
        }

    def replace(self, **changes: Any) -> Model:
        """A new model with the same settings as this one except ``changes``.

        Any argument of :class:`Model` can be changed; the result is validated and built
        as if it were constructed directly.

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> model = rf.Model("y ~ x", data, family="poisson")
        >>> model.replace(prior=rf.R2D2(a=2, b=5)).prior.b
        5.0
        """
        unknown = sorted(set(changes) - set(self.settings))
        if unknown:
            raise ArgumentError(
                f"Model.replace() got {unknown}; it changes only {sorted(self.settings)}."
            )
        return Model(**{**self.settings, **changes})

    @property
    def design(self) -> Design:
        """The :class:`~r2d2_formula._design.Design`: the data as the fitted model sees them."""
        return _bambi.read_design(self.bambi_model, self.plan, self.formula)

    @property
    def components(self) -> list[str]:
        """Names of the R2D2 components, the coordinates of ``phi``."""
        return self.plan.names

    @property
    def link(self) -> str:
        """The link function's name."""
        return self.plan.family.link

    def fit(self, **kwargs: Any) -> Any:
        """Sample the posterior; keyword arguments go to ``bambi.Model.fit``.

        Defaults (``DEFAULT_FIT``): 1,000 draws after 1,000 tuning steps in 2
        chains with ``target_accept=0.95``, sampled by nutpie; pass
        ``inference_method="pymc"`` (PyMC's NUTS) or ``"numpyro"`` (the ``jax``
        extra) for another of Bambi's samplers. ``"vi"``, ``"laplace"`` and
        ``"blackjax"`` are refused before compiling, each with its reason. The random
        seed is ``random_seed`` (unseeded when omitted). Returns Bambi's ArviZ data (an
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
        settings = _validate.check_sampler({**DEFAULT_FIT, **kwargs})
        if settings["inference_method"] == "nutpie":
            settings["inference_method"] = self._nutpie_or_pymc()
        if settings["inference_method"] == "pymc":
            # PyMC counts half the CPUs (it assumes hyper-threads); run one chain per core.
            settings.setdefault("cores", min(settings["chains"], os.cpu_count() or 1))
        with warnings.catch_warnings():
            # Two chains are the default on a 2-core machine; PyMC's advice for 4 is noise here.
            warnings.filterwarnings("ignore", message=".*at least 4 chains.*")
            return self.bambi_model.fit(**settings)

    def _nutpie_or_pymc(self) -> str:
        # nutpie joins dimension names with commas and splits them again, so a term
        # such as poly(x, 2), whose dimension is "poly(x, 2)_dim", breaks its output.
        commas = [name for name in _bambi.dimension_names(self.bambi_model) if "," in name]
        if not commas:
            return "nutpie"
        warnings.warn(
            f"nutpie cannot name the dimension(s) {commas} (they contain a comma); sampling "
            "with PyMC's NUTS instead.",
            UserWarning,
            stacklevel=3,
        )
        return "pymc"

    def predict(
        self,
        idata: DataTree,
        data: pd.DataFrame | None = None,
        kind: str = "response_params",
        inplace: bool = True,
        random_seed: RandomSeed = None,
    ) -> Any:
        """Predictions as ``bambi.Model.predict``; unseen group levels are allowed.

        A level of a grouping factor that the fit never saw gets group effects
        drawn from the fitted groups' posterior draws (Bambi's method, brms's
        ``sample_new_levels = "uncertainty"``). An unseen level of a categorical
        *predictor* raises :class:`DataError`. :meth:`FitResult.predictions` gives
        the same predictions as a table.

        Parameters
        ----------
        idata : xarray.DataTree
            The fit's posterior, as :meth:`fit` returned it.
        data : pandas.DataFrame, optional
            New data (the fitted data when omitted); it is checked like the fitted data.
        kind : {"response_params", "response"}
            Bambi's kinds: the posterior of the mean parameter per row (``mu`` or ``p``
            in ``posterior``), or new responses (a ``posterior_predictive`` group).
        inplace : bool
            Add the predictions to ``idata`` (default) or return a copy with them.
        random_seed : int or numpy Generator, optional
            Seed of the draws for new group levels and new responses.

        Returns
        -------
        xarray.DataTree or None
            The copy when ``inplace=False``, else None (as Bambi).

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> model = rf.Model("y ~ x", data, family="poisson")
        >>> idata = model.fit(draws=50, tune=50, chains=1, random_seed=1, progressbar=False)
        >>> tree = model.predict(idata, pd.DataFrame({"x": [2.0]}), inplace=False)
        >>> tree.posterior["mu"].sizes["__obs__"]
        1
        """
        kind = _validate.check_kind(kind)
        new_data, rows = None, None
        if data is not None:
            new_data = _validate.check_new_data(self.spec, self.data, data)
            rows = len(new_data)
            new_data = _with_every_fixed_level(new_data, self.data, self.spec.fixed_levels)
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=".*sample_new_groups.*", category=FutureWarning
            )
            # formulae codes unseen group levels through a pandas path pandas 3 deprecates;
            # Bambi handles those levels itself, and the user cannot act on the warning.
            warnings.filterwarnings(
                "ignore", message=".*Constructing a Categorical with a dtype and values.*"
            )
            try:
                out = self.bambi_model.predict(
                    idata,
                    kind=kind,
                    data=new_data,
                    inplace=inplace,
                    sample_new_groups=True,
                    random_seed=random_seed,
                )
            except (ValueError, KeyError, TypeError) as err:
                raise DataError(f"cannot predict for the new data: {err}") from err
        target = idata if inplace else out
        if new_data is not None and rows is not None and rows < len(new_data):
            _bambi.keep_observations(target, rows)
            new_data = new_data.iloc[:rows]
        _check_finite_predictions(self.bambi_model, target, kind, new_data)
        return out

    def graph(self, **kwargs: Any) -> Any:
        """The model's graph (``bambi.Model.graph``: a graphviz ``Digraph``; needs graphviz).

        It shows the R2D2 hierarchy: W and φ feed every coefficient's and group term's
        SD. Keyword arguments go to Bambi (``formatting``, ``name``, ``fmt``, ``dpi``).

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> dot = rf.Model("y ~ x", data, family="poisson").graph()
        >>> "W" in dot.source and "phi" in dot.source
        True
        """
        _bambi.pymc_model(self.bambi_model)  # Bambi draws only a built model
        return self.bambi_model.graph(**kwargs)

    def prior_predictive(self, draws: int = 500, random_seed: RandomSeed = None) -> Any:
        """Bambi's prior predictive draws (``bambi.Model.prior_predictive``) of this model.

        W is drawn from its exact prior (the W distribution's own sampler), so R² in the
        ``prior`` group follows Beta(a, b). :func:`r2d2_formula.prior_predictive` returns the
        same draws with R²/R²max for bounded families, and draws hurdle Poisson responses
        by inverse CDF where PyMC's rejection sampler fails at tiny means.

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> tree = rf.Model("y ~ x", data, family="poisson").prior_predictive(
        ...     draws=20, random_seed=1)
        >>> tree.prior["R2"].shape
        (1, 20)
        """
        draws = _validate.check_sampler({"draws": draws})["draws"]
        _bambi.pymc_model(self.bambi_model)
        return self.bambi_model.prior_predictive(draws=draws, random_seed=random_seed)

    def _repr_html_(self) -> str:
        centered = dict(self.plan.noncentered)
        rows = [
            [c.name, c.term, c.kind, c.scale, "non-centered" if centered[c.term] else "centered"]
            for c in self.plan.components
        ]
        lines = [
            ("Formula", self.formula),
            ("Family", f"{self.family} (link {self.link}), {len(self.data)} observations"),
            ("Prior", repr(self.prior)),
        ]
        components = _html.table(["component", "term", "kind", "scale", "written"], rows)
        return _html.card("r2d2_formula.Model", lines, components)

    def __repr__(self) -> str:
        return (
            f"r2d2_formula.Model({self.formula!r}, family={self.family!r}, link={self.link!r}, "
            f"prior={self.prior!r}, components={self.components})"
        )


def _with_every_fixed_level(
    new: pd.DataFrame, fitted: pd.DataFrame, columns: tuple[str, ...]
) -> pd.DataFrame:
    """New data padded with a row per level of ``C(x, levels=...)`` that it lacks.

    formulae refuses to code such a column unless every listed level is present;
    the padding rows are predicted and then dropped.
    """
    padding = []
    for column in columns:
        if column not in new.columns:
            continue
        missing = [level for level in pd.unique(fitted[column]) if level not in set(new[column])]
        padding += [new.iloc[[0]].assign(**{column: [level]}) for level in missing]
    if not padding:
        return new
    return pd.concat([new, *padding], ignore_index=True)


def _check_finite_predictions(
    model: BambiModel, idata: DataTree, kind: str, new_data: pd.DataFrame | None
) -> None:
    """A prediction that overflowed is an error naming the rows, never a silent NaN."""
    values = _bambi.prediction_draws(model, idata, kind)
    bad = ~np.isfinite(values).all(axis=0)
    if bad.any():
        index = pd.RangeIndex(bad.size) if new_data is None else new_data.index
        raise DataError(
            f"predictions are not finite at {describe_rows(index, bad)}: the predictors there "
            "are so far from the fitted data that the mean overflows."
        )


def design(
    formula: str,
    data: pd.DataFrame,
    family: str = "gaussian",
    *,
    link: str | None = None,
    prior: R2D2 | None = None,
    namespace: Mapping[str, Any] | None = None,
) -> Design:
    """The design of ``formula`` on ``data``, exactly as :class:`Model` fits it.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [1, 0, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2],
    ...                      "g": ["a", "b", "a", "b", "a", "b"]})
    >>> d = rf.design("y ~ x + (1|g)", data, family="poisson")
    >>> list(d.components["component"])
    ['x', '1|g']
    >>> d.groups[0].levels
    ('a', 'b')
    """
    namespace = caller_namespace() if namespace is None else namespace
    return Model(formula, data, family, prior, link=link, namespace=namespace).design
