"""Model criticism: checking and comparing fits, as Bambi and brms users do it.

(Input rules are :mod:`r2d2_formula._validate`; this module judges fitted models.)

* :func:`loo` and :func:`waic` — the expected log predictive density of a fit
  (ArviZ's PSIS-LOO, with a warning that names the observations whose Pareto k is
  too high), and :func:`compare` — ArviZ's comparison table of several fits;
* :func:`sensitivity` — power-scaling prior and likelihood sensitivity
  (``arviz_stats.psense_summary``), with the log prior of every prior term, W's
  exact density included;
* :func:`prior_predictive` — draws of the response, R², W and φ under the prior
  alone, with W drawn from the density the model contains, and
  :func:`plot_prior_predictive`, its figure;
* :func:`select_variables` — projection predictive selection of population-level
  terms by ``kulprit``.

The log-likelihood and log-prior are computed on demand, never stored in a fit
unless asked (:func:`with_log_densities`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from r2d2_formula import _bambi, _plots, _validate
from r2d2_formula._errors import ArgumentError, DataError, UnsupportedError
from r2d2_formula._implied import implied_prior
from r2d2_formula._model import Model
from r2d2_formula._types import BambiModel, RandomSeed

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from xarray import DataTree

    from r2d2_formula._results import FitResult

__all__ = [
    "ELPDDataWAIC",
    "ParetoKWarning",
    "Selection",
    "compare",
    "default_prior_terms",
    "log_prior_terms",
    "loo",
    "plot_prior_predictive",
    "prior_predictive",
    "resolve_prior_terms",
    "select_variables",
    "sensitivity",
    "waic",
    "with_log_densities",
]

#: Pareto k above which PSIS-LOO is unreliable (ArviZ lowers it for fewer than 2,200 draws).
PARETO_K = 0.7
#: Posterior variance of the log-likelihood above which WAIC is unreliable (Vehtari et al. 2017).
WAIC_VARIANCE = 0.4
#: Observations an error or warning names.
SHOWN = 10


class ParetoKWarning(UserWarning):
    """PSIS-LOO is unreliable for some observations (their Pareto k is too high)."""


# --- log densities ---------------------------------------------------------------------------


def with_log_densities(
    model: Model, idata: DataTree, likelihood: bool = True, prior: bool = True
) -> Any:
    """A copy of ``idata`` with ``log_likelihood`` and ``log_prior`` groups, for ArviZ.

    Groups already present are kept. The log-likelihood is pointwise (one value per
    observation and draw); the log prior holds one variable per prior term (see
    :func:`log_prior_terms`), each summed over its elements.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> result = rf.fit("y ~ x", data, family="poisson", draws=50, tune=50, chains=1,
    ...                 random_seed=1, progressbar=False)
    >>> tree = with_log_densities(result.model, result.idata)
    >>> sorted(tree["log_prior"].data_vars)
    ['Intercept', 'W', 'x']
    """
    import xarray as xr

    tree = idata.copy()
    if likelihood and "log_likelihood" not in tree.children:
        tree["log_likelihood"] = xr.DataTree(_bambi.log_likelihood(model.bambi_model, idata))
    if prior and "log_prior" not in tree.children:
        twin = _centered_twin(model)
        tree["log_prior"] = xr.DataTree(_bambi.log_prior(twin, model.plan, idata))
    return tree


def _centered_twin(model: Model) -> BambiModel:
    """The fit's Bambi model with every term centered: its free variables are what is stored."""
    if not any(dict(model.plan.noncentered).values()):
        return model.bambi_model
    return model.replace(noncentered=False).bambi_model


def log_prior_terms(model: Model) -> dict[str, str]:
    """Each term of the log prior and the parameter it is the prior of.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2],
    ...                      "g": list("ababab")})
    >>> list(log_prior_terms(rf.Model("y ~ x + (1|g)", data, family="poisson")))
    ['Intercept', 'W', 'phi', 'x', '1|g']
    """
    plan = model.plan
    described = {}
    family_parameters = _bambi.family_parameters(model.bambi_model)
    for name in _bambi.prior_variable_names(_centered_twin(model)):
        if name == plan.intercept:
            text = "the intercept (of the centered design)"
        elif name == "W":
            text = (
                "W, the variance of the linear predictor: its exact density given the "
                "intercept and family parameters (the R² prior)"
                if model.prior.method == "exact"
                else f"W, the variance of the linear predictor ({model.prior.method} prior)"
            )
        elif name in family_parameters:
            text = f"the family parameter {name}"
        elif name in {c.term for c in plan.components if c.kind == "common"}:
            text = f"the coefficients of {name}, Normal(0, sqrt(φ W / v))"
        elif name in {c.term for c in plan.components if c.kind == "group"}:
            text = f"the group effects of {name}, Normal(0, σ)"
        elif name in {f"{b.name}_effects" for b in plan.correlated}:
            text = f"the correlated group effects of {name.removesuffix('_effects')}, MvNormal"
        elif name in {f"{b.name}_chol" for b in plan.correlated}:
            text = f"the correlations {name.removesuffix('_chol')}, LKJ({plan.lkj_eta:g})"
        else:
            text = "the shares φ of Var(η)"
        described[name] = text
    return described


def default_prior_terms(model: Model) -> list[str]:
    """The log-prior terms :func:`sensitivity` power-scales by default.

    The priors the user chooses: W's (the R² prior), φ's, the intercept's and the family
    parameters'. The conditional priors of coefficients and group effects given W and φ
    are the hierarchy that carries the R² prior to them; scaling them too would mostly
    measure how well a handful of coefficients identify W (see :func:`sensitivity`).
    """
    terms = {c.term for c in model.plan.components}
    terms |= {f"{block.name}_effects" for block in model.plan.correlated}
    return [name for name in log_prior_terms(model) if name not in terms]


# --- LOO, WAIC, comparison -------------------------------------------------------------------


def loo(model: Model, idata: DataTree, pointwise: bool = True, **kwargs: Any) -> Any:
    """PSIS-LOO-CV of a fit (``arviz_stats.loo``) with observations of high Pareto k named.

    Parameters
    ----------
    model, idata : Model and its posterior
        The fit (``result.model``, ``result.idata``).
    pointwise : bool
        Keep the pointwise ELPD and Pareto k (needed by :func:`compare`). Default True.
    **kwargs
        Passed to ``arviz_stats.loo`` (e.g. ``reff``, ``moment_match``).

    Returns
    -------
    arviz_stats.ELPDDataLOO
        ``elpd``, ``se``, ``p``, ``pareto_k`` (one per observation) and ``good_k``.

    Warns
    -----
    ParetoKWarning
        When some observations have Pareto k above ``good_k`` (0.7, or less with fewer
        than 2,200 draws), naming their rows in the data and their k.
    """
    import arviz_stats

    tree = with_log_densities(model, idata, prior=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Pareto.*")
        result = arviz_stats.loo(tree, pointwise=True, **kwargs)
    k = np.asarray(result.pareto_k).reshape(-1)
    bad = np.flatnonzero(k > result.good_k)
    if bad.size:
        rows = model.data.index[bad[np.argsort(-k[bad])]][:SHOWN]
        shown = ", ".join(f"{row!r} (k={k[model.data.index.get_loc(row)]:.2f})" for row in rows)
        more = f" and {bad.size - SHOWN} more" if bad.size > SHOWN else ""
        warnings.warn(
            f"PSIS-LOO is unreliable for {bad.size} observation(s) with Pareto k > "
            f"{result.good_k:.2f}: rows {shown}{more}. Their leave-one-out predictive is "
            "far from the full posterior's: refit without them (exact LOO), use "
            "moment_match=True, or use K-fold cross-validation.",
            ParetoKWarning,
            stacklevel=3,
        )
    if not pointwise:
        result.elpd_i = None
        result.pareto_k = None
    return result


@dataclass(kw_only=True, repr=False)
class ELPDDataWAIC:
    """WAIC in ArviZ's ``ELPDData`` layout (ArviZ 1.x dropped WAIC; PSIS-LOO is preferred).

    ``elpd`` = Σᵢ [log mean_s p(yᵢ | θˢ) − var_s log p(yᵢ | θˢ)], ``p`` the sum of the
    variances, ``se`` = sqrt(n · var(elpd_i)); ``warning`` is True when a variance
    exceeds 0.4.
    """

    elpd: float
    se: float
    p: float
    n_samples: int
    n_data_points: int
    warning: bool
    elpd_i: Any = None
    kind: ClassVar[str] = "waic"

    def __repr__(self) -> str:
        text = (
            f"Computed from {self.n_samples} posterior samples and {self.n_data_points} "
            f"observations log-likelihood matrix.\n\n          Estimate       SE\n"
            f"elpd_waic {self.elpd:9.2f} {self.se:8.2f}\np_waic    {self.p:9.2f}        -"
        )
        if self.warning:
            text += (
                f"\n\nThe posterior variance of the log predictive density exceeds "
                f"{WAIC_VARIANCE} for some observations: WAIC is unreliable; use LOO."
            )
        return text


def waic(model: Model, idata: DataTree) -> ELPDDataWAIC:
    """The widely applicable information criterion of a fit (for completeness; prefer LOO)."""
    tree = with_log_densities(model, idata, prior=False)
    dataset = tree["log_likelihood"].to_dataset()
    values = np.asarray(dataset[next(iter(dataset.data_vars))], dtype=float)
    values = values.reshape(-1, values.shape[-1])  # (draw, observation)
    n_samples, n = values.shape
    lppd = logsumexp(values, axis=0) - np.log(n_samples)
    variance = values.var(axis=0, ddof=1)
    elpd_i = lppd - variance
    return ELPDDataWAIC(
        elpd=float(elpd_i.sum()),
        se=float(np.sqrt(n * elpd_i.var())),
        p=float(variance.sum()),
        n_samples=n_samples,
        n_data_points=n,
        warning=bool((variance > WAIC_VARIANCE).any()),
        elpd_i=elpd_i,
    )


def compare(
    results: Mapping[str, Any], method: str = "stacking", round_to: Any = "none"
) -> pd.DataFrame:
    """ArviZ's comparison table (``arviz_stats.compare``) of fits to the same observations.

    Parameters
    ----------
    results : mapping of name to FitResult
        At least two fits of the same response values (formulas and priors may differ).
    method : {"stacking", "BB-pseudo-BMA", "pseudo-BMA"}
        How the model weights are computed.
    round_to : int or "none"
        Rounding of the table (``"none"``: raw numbers, the default).

    Returns
    -------
    pandas.DataFrame
        One row per fit, best first: ``rank``, ``elpd_diff``, ``dse``, ``p_worse`` (the
        probability that the fit predicts worse than the best), ArviZ's diagnostics
        ``diag_diff`` and ``diag_elpd``, ``p``, ``elpd``, ``se``, ``weight``.

    Raises
    ------
    ArgumentError
        Fewer than two fits, or something other than fits.
    DataError
        Fits of different observations (their LOO scores are not comparable).
    """
    import arviz_stats

    if not isinstance(results, Mapping) or len(results) < 2:
        got = list(results) if isinstance(results, Mapping) else type(results).__name__
        raise ArgumentError(f"compare needs a mapping of at least two names to fits; got {got!r}.")
    bad = [name for name, fit in results.items() if not hasattr(fit, "loo")]
    if bad:
        raise ArgumentError(f"compare needs FitResult values; {bad} are not fits.")
    _check_same_observations(results)
    scores = {}
    for name, fit in results.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ParetoKWarning)
            scores[name] = fit.loo()
        for warning in caught:
            warnings.warn(f"{name}: {warning.message}", warning.category, stacklevel=2)
    return arviz_stats.compare(scores, method=method, round_to=round_to)


def _check_same_observations(results: Mapping[str, Any]) -> None:
    names = list(results)
    first = results[names[0]].model.design
    for name in names[1:]:
        other = results[name].model.design
        same = np.shape(other.response) == np.shape(first.response) and np.array_equal(
            np.asarray(other.response, float), np.asarray(first.response, float)
        )
        if same and (first.trials is None) == (other.trials is None):
            same = first.trials is None or np.array_equal(first.trials, other.trials)
        if not same:
            raise DataError(
                f"fits {names[0]!r} and {name!r} are of different observations "
                f"({len(first.response)} and {len(other.response)} rows, or other values): "
                "LOO scores compare models of the same data only."
            )


# --- prior sensitivity ----------------------------------------------------------------------


def sensitivity(
    model: Model,
    idata: DataTree,
    var_names: list[str] | None = None,
    prior_terms: list[str] | str | None = None,
    threshold: float = 0.05,
) -> pd.DataFrame:
    """Power-scaling sensitivity of the posterior to the prior and to the likelihood.

    Wraps ``arviz_stats.psense_summary`` (Kallioinen et al. 2024): the posterior is
    reweighted (Pareto-smoothed importance sampling, no refit) as if the prior, or the
    likelihood, were raised to a power near 1, and the change of each variable's posterior
    is measured (cumulative Jensen–Shannon distance per unit of log-power).

    Parameters
    ----------
    model, idata : Model and its posterior
        The fit.
    var_names : list of str, optional
        Posterior variables to report; by default the summary's (intercept, coefficients,
        group SDs, family parameters, R², W, φ).
    prior_terms : list of str or "all", optional
        Log-prior terms to power-scale (:func:`log_prior_terms` lists them). By default
        :func:`default_prior_terms`: W's exact density (the R² prior), φ's, the
        intercept's and the family parameters'. ``"all"`` adds the coefficients' and group
        effects' conditional Normal priors: then W and φ look prior-sensitive even under a
        uniform R² prior, because a few coefficients identify the variance W only loosely.
    threshold : float
        Sensitivity above which a variable is flagged (0.05, as ArviZ and priorsense).

    Returns
    -------
    pandas.DataFrame
        One row per variable (vector variables per element): ``prior`` and ``likelihood``
        sensitivity and ArviZ's ``diagnosis``: "potential prior-data conflict" (both above
        the threshold), "potential strong prior / weak likelihood", or "✓".
    """
    import arviz_stats

    tree = with_log_densities(model, idata)
    terms = resolve_prior_terms(model, prior_terms)
    names = var_names or [
        name for name in _bambi.summary_variables(model.bambi_model, model.plan) if name != "R2_max"
    ]
    names = [name for name in names if name in tree.posterior]
    return arviz_stats.psense_summary(
        tree, var_names=names, prior_var_names=terms, threshold=threshold, round_to=4
    )


def resolve_prior_terms(model: Model, prior_terms: list[str] | str | None) -> list[str]:
    """The log-prior terms a ``prior_terms`` argument names: the default, "all" or a list."""
    known = list(log_prior_terms(model))
    if prior_terms is None:
        return default_prior_terms(model)
    if prior_terms == "all":
        return known
    chosen = [prior_terms] if isinstance(prior_terms, str) else list(prior_terms)
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise ArgumentError(
            f"prior_terms {unknown or chosen!r} are not terms of this model's log prior; it has "
            f"{known} (or pass 'all')."
        )
    return chosen


# --- prior predictive ------------------------------------------------------------------------


def prior_predictive(model: Model, draws: int = 500, random_seed: RandomSeed = None) -> DataTree:
    """Draws of every parameter and of the response under the prior alone.

    The intercept, the family parameters and W come from :func:`implied_prior` (W from
    the log-density the PyMC model contains, not by inverting R²); everything else — φ,
    coefficients, group SDs and effects, the response — is drawn forward from the model
    given them (``pm.sample_posterior_predictive`` on the model's own PyMC graph).

    Parameters
    ----------
    model : Model or FitResult
        The model (unfitted is fine).
    draws : int
        Number of prior draws (default 500).
    random_seed : int or numpy Generator, optional
        Seed for reproducible draws.

    Returns
    -------
    xarray.DataTree
        ``prior`` (one chain: ``R2``, ``R2_relative`` for bounded families, ``W``, ``phi``,
        the intercept — un-centered, as Bambi reports it —, coefficients, group SDs and
        family parameters), ``prior_predictive`` (the response, on its own scale) and
        ``observed_data``.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> tree = rf.prior_predictive(rf.Model("y ~ x", data, family="poisson"), draws=20,
    ...                            random_seed=1)
    >>> tree["prior_predictive"]["y"].shape
    (1, 20, 6)
    >>> all(name in tree["prior"] for name in ("R2", "W", "phi"))
    True
    """
    import xarray as xr

    model = getattr(model, "model", model)  # a FitResult's model
    draws = _validate.check_sampler({"draws": draws})["draws"]
    rng = np.random.default_rng(random_seed)
    drawn = implied_prior(model, draws, rng)
    plan = model.plan
    given = {name: drawn[name].to_numpy() for name in plan.family.theta}
    if not plan.null:
        given["W"] = drawn["W"].to_numpy()
    if plan.intercept:
        given[plan.intercept] = drawn["Intercept"].to_numpy()
    prior, response = _bambi.sample_given(model.bambi_model, plan, given, rng)
    if plan.family.bounded and not plan.null:
        prior["R2_relative"] = (("chain", "draw"), drawn["R2_relative"].to_numpy()[None, :])
    name = next(iter(response.data_vars))
    values = np.asarray(model.design.response)
    observed = response[name].isel(chain=0, draw=0, drop=True).copy(data=values).to_dataset()
    return xr.DataTree.from_dict(
        {"prior": prior, "prior_predictive": response, "observed_data": observed}
    )


# --- variable selection ----------------------------------------------------------------------


@dataclass
class Selection:
    """A projection predictive variable selection (``kulprit``) of a fit's population terms.

    Attributes
    ----------
    path : list of list of str
        The search path: the terms of each submodel, from the intercept-only one up.
    projector : kulprit.ProjectionPredictive
        kulprit's object (submodels with projected posteriors: ``projector[k].idata``).
    """

    path: list[list[str]]
    projector: Any

    def compare(self, stats: str = "elpd") -> pd.DataFrame:
        """ELPD of each submodel and of the reference fit (kulprit's ``compare``)."""
        return self.projector.compare(stats=stats)

    def selected(self, criterion: str = "mean") -> list[str] | None:
        """Terms of the smallest submodel whose ELPD is close to the reference's.

        ``"mean"``: within 4 of it; ``"se"``: within one standard error. None (with
        kulprit's warning) when no submodel is close enough.
        """
        submodel = self.projector.select(criterion=criterion)
        return None if submodel is None else list(submodel.term_names)

    def plot(self) -> Figure:
        """ELPD of each submodel relative to the reference fit (kulprit's plot); the figure."""
        import kulprit

        collection = kulprit.plot_compare(self.compare(), backend="matplotlib")
        return collection.viz["figure"].item()


def select_variables(
    model: Model,
    idata: DataTree,
    method: str = "forward",
    num_samples: int = 400,
    num_clusters: int = 20,
    early_stop: Any = None,
    random_seed: RandomSeed = 456,
) -> Selection:
    """Projection predictive selection of population-level terms through ``kulprit``.

    The reference model is the fit: its posterior predictive draws and pointwise
    log-likelihood (from the R2D2 fit itself) are what submodels are projected onto.
    A submodel is the same likelihood with some population-level terms switched off;
    kulprit fits it to each (clustered) draw of the reference predictive by maximum
    likelihood, so it needs the fit's likelihood, not its prior: r2d2_formula hands
    kulprit a Bambi model of the same formula and family with Bambi's default priors
    (kulprit 0.6 cannot undo the simplex transform of the R2D2 φ). Group-level terms stay
    in every submodel.

    Parameters
    ----------
    model, idata : Model and its posterior
        The fit.
    method : {"forward", "l1"}
        Search strategy (kulprit's).
    num_samples, num_clusters : int
        Predictive draws projected, and clusters of them used during the search.
    early_stop : int or {"mean", "se"}, optional
        Stop the search at this size or when close to the reference (kulprit's).
    random_seed : int
        Seed of the predictive draws and of the clustering.

    Raises
    ------
    UnsupportedError
        kulprit is not installed, or the model has a parameter kulprit cannot project
        (a vector with a transform, e.g. the SDs of ``(c|g)`` with a categorical ``c``).
    """
    try:
        import kulprit
    except ImportError as err:
        raise UnsupportedError(
            "variable selection needs the kulprit package, which is not installed: "
            "pip install 'kulprit>=0.6.1'."
        ) from err
    if method not in ("forward", "l1"):
        raise ArgumentError(f"method must be 'forward' or 'l1'; got {method!r}.")
    family, link = _validate.check_family(model.family, model.link)
    twin = _bambi.likelihood_twin(model.spec, model.data, family, link, model.namespace)
    blocked = _bambi.vector_transformed(twin)
    if blocked:
        raise UnsupportedError(
            f"kulprit {kulprit.__version__} cannot project parameters that are vectors with a "
            f"transform; this model has {blocked}."
        )
    tree = _bambi.with_predictions(model.bambi_model, idata, random_seed=random_seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*log_likelihood group is missing.*")
        projector = kulprit.ProjectionPredictive(twin, tree, rng=random_seed)
        projector.project(
            method=method,
            num_samples=num_samples,
            num_clusters=num_clusters,
            early_stop=early_stop,
        )
    return Selection(path=[list(sub.term_names) for sub in projector], projector=projector)


def plot_prior_predictive(
    model: Model | FitResult,
    draws: int = 500,
    random_seed: RandomSeed = None,
    prior: DataTree | None = None,
    n_lines: int = 50,
) -> Figure:
    """The R² prior beside the prior predictive distribution of the response, with the data.

    Left: prior draws of R² (R²/R²max for bounded families) and the target Beta density.
    Right: the response on its own scale — empirical CDFs of ``n_lines`` prior predictive
    data sets against the observed one (proportions k/n for binomial responses, a
    symmetric-log axis for counts and a log axis for gamma), or, for a binary response,
    the prior predictive distribution of the share of ones with the observed share.

    Parameters
    ----------
    model : Model or FitResult
        The model (fitted or not).
    draws : int
        Prior draws (default 500), when ``prior`` is not given.
    random_seed : int or numpy Generator, optional
        Seed of the prior draws and of the replicates shown.
    prior : xarray.DataTree, optional
        Draws from :func:`r2d2_formula.prior_predictive` to plot instead of new ones.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> fig = rf.plot_prior_predictive(rf.Model("y ~ x", data, family="poisson"), draws=50,
    ...                                random_seed=1)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['R²', 'response']
    """
    unfitted = model if isinstance(model, Model) else model.model
    rng = np.random.default_rng(random_seed)
    if prior is None:
        prior = prior_predictive(unfitted, draws=draws, random_seed=rng)
    return _plots.prior_predictive_figure(unfitted, prior, rng, n_lines)
