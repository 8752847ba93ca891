"""What a fit reports: summaries, R², the variance decomposition, predictions, files."""

from __future__ import annotations

import json
import warnings
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from r2d2_formula import _bambi, _criticism, _html, _plots, _report, _validate
from r2d2_formula._errors import R2D2Error, UnsupportedError
from r2d2_formula._formula import parse
from r2d2_formula._implied import implied_prior, implied_r2
from r2d2_formula._links import LINKS
from r2d2_formula._model import Model
from r2d2_formula._prior import R2D2
from r2d2_formula._types import RandomSeed

if TYPE_CHECKING:
    from xarray import DataArray, DataTree

__all__ = ["CI_PROB", "FitResult", "SamplingWarning", "implied_r2"]

#: Probability of the equal-tailed intervals reported.
CI_PROB = 0.9
#: Bulk ESS per chain below which intervals are unreliable (Vehtari et al. 2021: 100 per chain).
MIN_ESS_PER_CHAIN = 100
MAX_R_HAT = 1.01
#: The summary columns of a constant: a null model's R² (the others are not defined).
_NULL_ZERO_COLUMNS = ("mean", "sd", "eti90_lb", "eti90_ub", "mcse_mean")
#: Name of the group that stores the model specification in a saved fit.
_MODEL_GROUP = "r2d2_model"
#: NumPy for a loaded formula (its calls are checked against the allow-list first); the
#: model adds formulae's contrasts and Bambi's functions itself.
_LOAD_NAMESPACE = {"np": np, "numpy": np}


class SamplingWarning(UserWarning):
    """The sampler's diagnostics say the posterior draws may not be trustworthy."""


class FitResult:
    """A fitted model: the :class:`Model` and its posterior (``idata``).

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> result = rf.fit("y ~ x", data, family="poisson", draws=50, tune=50, chains=1,
    ...                 random_seed=1, progressbar=False)
    >>> "R2" in result.summary(warn=False).index
    True
    """

    def __init__(self, model: Model, idata: DataTree) -> None:
        self.model = model
        self.idata = idata
        # idata with log-likelihood and log-prior groups, computed on first use.
        self._with_densities: DataTree | None = None
        # Diagnostic problems already shown (warned of, or printed by report()).
        self._said: set[str] = set()

    # --- tables --------------------------------------------------------------------------

    def summary(self, warn: bool = True) -> pd.DataFrame:
        """Posterior mean, SD, 90% interval, bulk/tail ESS and r_hat of each reported quantity.

        Rows: intercept, coefficients, group SDs, family parameters, R², R²max (bounded
        families), W and the φ shares. With ``warn=True`` a :class:`SamplingWarning` names
        any poor diagnostic (divergences, r_hat > 1.01, bulk ESS below 100 per chain) and
        its remedy, once per fit: a problem already warned of, or already printed by
        :meth:`report`, is not repeated.
        """
        import arviz as az

        names = _bambi.summary_variables(self.model.bambi_model, self.model.plan)
        # A constant (φ of a one-component model) has no r_hat or ESS: NaN, without a warning.
        with np.errstate(invalid="ignore", divide="ignore"):
            table = az.summary(
                self.idata, var_names=names, ci_prob=CI_PROB, ci_kind="eti", round_to="none"
            )
        if self.model.plan.null:
            # R² = 0 by construction: a row of zeros, with no diagnostics to compute.
            table.loc["R2"] = [0.0 if c in _NULL_ZERO_COLUMNS else np.nan for c in table.columns]
        if warn:
            problems = self.problems(table)
            for problem in problems:
                if problem not in self._said:
                    warnings.warn(problem, SamplingWarning, stacklevel=2)
            self._said.update(problems)
        return table

    def diagnostics(self) -> dict[str, Any]:
        """Divergences, largest r_hat and smallest bulk ESS over the summary's rows.

        ``max_r_hat_at`` and ``min_ess_bulk_at`` name the rows (variables) where the
        extremes are, so that a header quoting them can be traced to a table row.
        """
        return self._diagnostics(self.summary(warn=False))

    def _diagnostics(self, table: pd.DataFrame) -> dict[str, Any]:
        stats = self.idata.get("sample_stats")
        divergent = (
            int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0
        )
        r_hat, ess = table["r_hat"].dropna(), table["ess_bulk"].dropna()
        # One chain has no r_hat: NaN, and no row to name.
        return {
            "divergences": divergent,
            "max_r_hat": float(r_hat.max()) if len(r_hat) else float("nan"),
            "max_r_hat_at": str(r_hat.idxmax()) if len(r_hat) else "one chain",
            "min_ess_bulk": float(ess.min()) if len(ess) else float("nan"),
            "min_ess_bulk_at": str(ess.idxmin()) if len(ess) else "none",
        }

    def problems(self, table: pd.DataFrame | None = None) -> list[str]:
        """Plain-language descriptions of poor diagnostics, each with the usual remedy."""
        diag = self._diagnostics(self.summary(warn=False) if table is None else table)
        found = []
        if diag["divergences"]:
            found.append(
                f"{diag['divergences']} divergent transitions: refit with target_accept=0.99 "
                "(and more tune steps), or with noncentered=True; if they persist, "
                "the posterior has a funnel the sampler cannot follow."
            )
        if diag["max_r_hat"] > MAX_R_HAT:
            found.append(
                f"r_hat up to {diag['max_r_hat']:.3f} at {diag['max_r_hat_at']} "
                f"(> {MAX_R_HAT}): chains disagree; run more tune and draws, or more chains."
            )
        floor = MIN_ESS_PER_CHAIN * self.idata.posterior.sizes["chain"]
        if diag["min_ess_bulk"] < floor:
            found.append(
                f"bulk ESS down to {diag['min_ess_bulk']:.0f} at {diag['min_ess_bulk_at']} "
                f"(< {floor}, 100 per chain): intervals are noisy; run more draws."
            )
        return found

    def _say_once(self, problems: list[str]) -> None:
        """Record problems shown to the user, so that ``summary()`` does not warn of them again."""
        self._said.update(problems)

    def r2(self, prior_seed: int = 0) -> pd.DataFrame:
        """Posterior draws of R² beside as many draws from its prior (:func:`implied_prior`).

        The prior draws take W from the density the model contains. For bounded
        families the table also has ``R2_relative`` columns, R²/R²max, the quantity
        the Beta prior is on.
        """
        posterior = _flat(self.idata.posterior["R2"])
        prior = implied_prior(self.model, posterior.size, prior_seed)
        out = {"posterior": posterior, "prior": prior["R2"].to_numpy()}
        if "R2_max" in self.idata.posterior:
            out["posterior_relative"] = posterior / _flat(self.idata.posterior["R2_max"])
            out["prior_relative"] = prior["R2_relative"].to_numpy()
        return pd.DataFrame(out)

    def decomposition(self) -> pd.DataFrame:
        """One row per component: φ and the share of Var(η) the component takes.

        ``phi_*`` summarise the posterior of φ_k. ``share_*`` summarise the share of
        the linear predictor's variance, per draw
        c_k / Σ c_j with c_j = var(x_j) β_j² for a population column and m_k σ_k² for a
        group-level column; under the prior its expectation is φ_k. Columns of correlated
        group effects take c_k = σ_k Σ_j ρ_kj M_kj σ_j (M the mean products of the block's
        expression columns), which sum to the block's variance.
        """
        lo, hi = (1 - CI_PROB) / 2, 1 - (1 - CI_PROB) / 2
        columns: dict[str, Any] = {"component": self.model.components}
        if self.model.plan.null:  # no components: the table's columns, no rows
            blocks = {name: np.empty((0, 1)) for name in ("phi", "share")}
        else:
            share = _bambi.variance_contributions(self.idata, self.model.plan)
            blocks = {
                "phi": _bambi.phi_draws(self.idata, self.model.plan),
                "share": share / share.sum(axis=0, keepdims=True),
            }
        for name, values in blocks.items():
            columns[f"{name}_mean"] = values.mean(axis=1)
            columns[f"{name}_{lo * 100:g}%"] = np.quantile(values, lo, axis=1)
            columns[f"{name}_{hi * 100:g}%"] = np.quantile(values, hi, axis=1)
        return pd.DataFrame(columns)

    def predictions(
        self,
        data: pd.DataFrame | None = None,
        kind: str = "mean",
        ci_prob: float = CI_PROB,
        random_seed: RandomSeed = None,
    ) -> pd.DataFrame:
        """A table of predictions: one row per row of ``data``, its posterior mean, SD and interval.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            New data with the formula's predictors and grouping factors (the fitted data
            when omitted). Levels of grouping factors the fit never saw are allowed.
        kind : {"mean", "linear", "response"}
            ``"mean"`` (default): E[y | parameters], the expected response (for binomial
            responses the success probability, the mean of k/n; ψμ for the zero-inflated
            Poisson). ``"linear"``: the linear predictor η = g(mean parameter), offsets
            included. ``"response"``: new responses drawn from the posterior predictive
            distribution, so the interval is a prediction interval.
        ci_prob : float
            Probability of the equal-tailed interval (0.9 by default).
        random_seed : int or numpy Generator, optional
            Seed of the draws for new group levels and of ``kind="response"``.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``data``: ``mean``, ``sd``, ``eti{p}_lb`` and ``eti{p}_ub``
            (p = 100 · ci_prob), and for each grouping factor a boolean column ``new
            <factor>`` that says whether the row's level was unseen in the fit (its
            group effect is then drawn from the fitted groups'). The draws behind the
            table are :meth:`prediction_draws`.

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2],
        ...                      "g": ["a", "b", "a", "b", "a", "b"]})
        >>> result = rf.fit("y ~ x + (1|g)", data, family="poisson", draws=50, tune=50,
        ...                 chains=1, random_seed=1, progressbar=False)
        >>> table = result.predictions(pd.DataFrame({"x": [0.5, 1.0], "g": ["a", "c"]}))
        >>> list(table.columns)
        ['mean', 'sd', 'eti90_lb', 'eti90_ub', 'new g']
        >>> table["new g"].tolist()
        [False, True]
        """
        ci_prob = _validate.check_probability("ci_prob", ci_prob)
        drawn = self.prediction_draws(data, kind, random_seed)
        # One row per data row, or per data row and category for a categorical response.
        draws = drawn.to_numpy().reshape(drawn.sizes["sample"], -1)
        lo, hi = np.quantile(draws, [(1 - ci_prob) / 2, (1 + ci_prob) / 2], axis=0)
        width = f"{100 * ci_prob:g}"
        rows = self.model.data.index if data is None else data.index
        index = (
            pd.MultiIndex.from_product(
                [rows, drawn["category"].to_numpy()], names=[None, "category"]
            )
            if "category" in drawn.dims
            else rows
        )
        table = pd.DataFrame(
            {
                "mean": draws.mean(axis=0),
                "sd": draws.std(axis=0, ddof=1),
                f"eti{width}_lb": lo,
                f"eti{width}_ub": hi,
            },
            index=index,
        )
        repeat = len(index) // len(rows)
        for factor, new in _new_levels(self.model, data).items():
            table[f"new {factor}"] = np.repeat(new, repeat)
        return table

    def prediction_draws(
        self, data: pd.DataFrame | None = None, kind: str = "mean", random_seed: RandomSeed = None
    ) -> DataArray:
        """Posterior draws behind :meth:`predictions`: dims ``("sample", "row")``.

        ``kind`` is ``"mean"``, ``"linear"`` or ``"response"`` as in :meth:`predictions`;
        ``row`` is labelled by ``data``'s index (the fitted data's when omitted).
        """
        import xarray as xr

        kind = _validate.check_table_kind(kind)
        bambi_kind = "response" if kind == "response" else "response_params"
        tree = self.model.predict(
            self.idata, data=data, kind=bambi_kind, inplace=False, random_seed=random_seed
        )
        draws = _bambi.prediction_draws(self.model.bambi_model, tree, bambi_kind)
        rows = self.model.data.index if data is None else data.index
        levels = _bambi.response_levels(self.model.bambi_model)
        if levels is not None:
            return self._category_draws(draws, kind, levels, rows)
        if kind == "linear":
            draws = LINKS[self.model.link].link_array(draws)
        elif kind == "mean":
            theta = {
                name: _flat(self.idata.posterior[name])[:, None]
                for name in self.model.plan.family.theta
            }
            draws = self.model.response_family.response_mean(draws, theta)
        return xr.DataArray(draws, dims=("sample", "row"), coords={"row": rows}, name=kind)

    def _category_draws(
        self, draws: np.ndarray, kind: str, levels: list[str], rows: pd.Index
    ) -> DataArray:
        """Draws for an ordinal response: per category for ``mean`` and ``response``.

        ``mean`` gives P(y = category), ``response`` the indicator of the drawn category
        (its mean is the predictive probability), ``linear`` η = τ₁ − g(P(y = first)):
        in both the cumulative and the stopping-ratio model P(y = first) = F(τ₁ − η).
        """
        import xarray as xr

        if kind == "linear":
            first = _flat(self.idata.posterior["threshold"].isel(threshold_dim=0))[:, None]
            eta = first - LINKS[self.model.link].link_array(draws[..., 0])
            return xr.DataArray(eta, dims=("sample", "row"), coords={"row": rows}, name=kind)
        if kind == "response":
            draws = draws.astype(int)[..., None] == np.arange(len(levels))
        coords = {"row": rows, "category": levels}
        return xr.DataArray(
            draws.astype(float), dims=("sample", "row", "category"), coords=coords, name=kind
        )

    def predict(
        self,
        data: pd.DataFrame | None = None,
        kind: str = "response_params",
        random_seed: RandomSeed = None,
    ) -> DataTree:
        """Bambi's predictions as ArviZ data (for Bambi's own tools); see :meth:`predictions`.

        Returns a copy of :attr:`idata` to which ``bambi.Model.predict`` added, for
        ``kind="response_params"``, the posterior of the mean parameter per row (the
        variable is the family's parent parameter, ``mu`` or ``p``, over ``__obs__``) or,
        for ``kind="response"``, a ``posterior_predictive`` group of new responses. Most
        analyses want :meth:`predictions` (a table) or :meth:`prediction_draws` instead.

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> result = rf.fit("y ~ x", data, family="poisson", draws=50, tune=50, chains=1,
        ...                 random_seed=1, progressbar=False)
        >>> result.predict(pd.DataFrame({"x": [0.5]})).posterior["mu"].sizes["__obs__"]
        1
        """
        return self.model.predict(
            self.idata, data=data, kind=kind, inplace=False, random_seed=random_seed
        )

    def report(self) -> str:
        """A plain-text report: model, prior, diagnostics, estimates, R², decomposition."""
        return _report.render(self)

    # --- plots ---------------------------------------------------------------------------

    def plot_r2(self):
        """Prior and posterior of R² with the target Beta density; returns the figure."""
        self._refuse_null("plot_r2", "its R² is 0 in every draw, prior and posterior")
        return _plots.plot_r2(self)

    def plot_phi(self):
        """Posterior intervals of the φ shares per component; returns the figure."""
        self._refuse_null("plot_phi", "it has no components to share Var(η) out to")
        return _plots.plot_phi(self)

    def _refuse_null(self, method: str, why: str) -> None:
        if self.model.plan.null:
            raise UnsupportedError(
                f"{method}() has nothing to show for {self.model.formula!r}: with no term "
                f"besides the intercept, {why}."
            )

    def plot_ppc(self, random_seed: int = 0):
        """Posterior predictive check of the response distribution; returns the figure."""
        return _plots.plot_ppc(self, random_seed=random_seed)

    # --- checking and comparison ----------------------------------------------------------

    def log_densities(self, prior: bool = True) -> DataTree:
        """The posterior with ``log_likelihood`` (and ``log_prior``) groups, for ArviZ.

        Computed on first use and kept in memory, not in :attr:`idata` (nor in saved
        files): the pointwise log-likelihood has one value per observation and draw.
        """
        tree = self.idata if self._with_densities is None else self._with_densities
        tree = _criticism.with_log_densities(self.model, tree, prior=prior)
        self._with_densities = tree
        return tree

    def loo(self, pointwise: bool = True, warn: bool = True, **kwargs: Any) -> Any:
        """PSIS-LOO-CV (``arviz_stats.loo``); warns naming observations of high Pareto k.

        Returns ArviZ's ``ELPDDataLOO`` (``elpd``, ``se``, ``p``, ``pareto_k``). Keyword
        arguments go to ``arviz_stats.loo``; ``warn=False`` silences the
        :class:`~r2d2_formula._criticism.ParetoKWarning`. See :func:`r2d2_formula._criticism.loo`.

        Examples
        --------
        >>> import pandas as pd, r2d2_formula as rf
        >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
        >>> result = rf.fit("y ~ x", data, family="poisson", draws=100, tune=100, chains=1,
        ...                 random_seed=1, progressbar=False)
        >>> bool(result.loo(warn=False).elpd < 0)
        True
        """
        with warnings.catch_warnings():
            if not warn:
                warnings.simplefilter("ignore", _criticism.ParetoKWarning)
            return _criticism.loo(self.model, self.log_densities(prior=False), pointwise, **kwargs)

    def waic(self) -> _criticism.ELPDDataWAIC:
        """WAIC, for completeness (ArviZ 1.x has none; prefer :meth:`loo`)."""
        return _criticism.waic(self.model, self.log_densities(prior=False))

    def sensitivity(
        self,
        var_names: list[str] | None = None,
        prior_terms: list[str] | str | None = None,
        threshold: float = 0.05,
    ) -> pd.DataFrame:
        """Power-scaling prior and likelihood sensitivity, with prior-data conflict flags.

        By default the priors of W (R², by W's exact density), φ, the intercept and the
        family parameters are power-scaled; ``prior_terms="all"`` adds the coefficients'
        and group effects' conditional priors. See :func:`r2d2_formula._criticism.sensitivity`.
        """
        return _criticism.sensitivity(
            self.model, self.log_densities(), var_names, prior_terms, threshold
        )

    def plot_sensitivity(
        self, var_names: list[str] | None = None, prior_terms: list[str] | str | None = None
    ) -> Any:
        """Posterior of each variable as prior and likelihood are power-scaled (arviz_plots).

        Returns the figure of ``arviz_plots.plot_psense_dist``: per variable, the posterior
        with the prior (and the likelihood) raised to 0.8 and 1.25.
        """
        tree = self.log_densities()
        # A null model's R² is the constant 0: nothing to scale.
        shown = () if self.model.plan.null else ("R2", "W")
        names = var_names or [
            name for name in (*shown, *self.model.plan.family.theta) if name in tree.posterior
        ]
        terms = _criticism.resolve_prior_terms(self.model, prior_terms)
        return _plots.plot_sensitivity(tree, names, terms)

    def select_variables(self, **kwargs: Any) -> _criticism.Selection:
        """Projection predictive selection of population terms by kulprit (see checks)."""
        return _criticism.select_variables(self.model, self.idata, **kwargs)

    # --- files ---------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the posterior and the model specification (with its data) to netCDF.

        The file is data: the formula as text, the prior's numbers, the data as a
        JSON table, and the values of plain names the formula reads from the session
        (lists and arrays such as ``levels`` in ``C(x, levels=levels)``). Functions
        are not saved; see :meth:`load`.
        """
        import xarray as xr

        path = Path(path)
        spec = {
            "formula": self.model.formula,
            "family": self.model.family,
            "link": self.model.link,
            "noncentered": self.model.noncentered,
            "prior": self.model.prior.to_dict(),
            "priors": {k: _bambi.prior_to_dict(v) for k, v in self.model.priors.items()},
            "values": _plain_values(self.model),
        }
        model_group = xr.Dataset(
            {
                "spec": ((), json.dumps(spec)),
                # orient="table" keeps dtypes, including categorical level order.
                "data": ((), self.model.data.to_json(orient="table")),
            }
        )
        tree = self.idata.copy()
        tree[_MODEL_GROUP] = xr.DataTree(model_group)
        tree.to_netcdf(path, engine="h5netcdf")
        return path

    @classmethod
    def load(cls, path: str | Path, namespace: dict[str, Any] | None = None) -> FitResult:
        """Read a fit written by :meth:`save`; the model is rebuilt from its saved data.

        Loading runs no code from the file. The formula is parsed (which evaluates
        nothing) and rebuilt only if every function it calls is on the allow-list
        (formulae's ``C``, ``I``, ``poly``, ``bs``, ``scale``, ``p``, ``offset``, ...;
        Bambi's ``log``/``exp``/``abs``; and ``np.log``, ``np.sqrt``, ... — see
        ``r2d2_formula._validate.SAFE_NUMPY_FUNCTIONS``), and every name it reads
        is a saved column or a saved plain value. Anything else raises
        :class:`R2D2Error` naming the call; pass ``namespace={"name": object}`` for
        functions you trust.
        """
        import xarray as xr

        try:
            tree = xr.open_datatree(Path(path), engine="h5netcdf").load()
        except (OSError, ValueError) as err:
            raise R2D2Error(f"cannot read a saved fit from {str(path)!r}: {err}") from err
        if _MODEL_GROUP not in tree.children:
            raise R2D2Error(f"{str(path)!r} holds ArviZ data but no r2d2_formula model.")
        spec = json.loads(str(tree[_MODEL_GROUP]["spec"].values))
        data = pd.read_json(StringIO(str(tree[_MODEL_GROUP]["data"].values)), orient="table")
        del tree[_MODEL_GROUP]
        formula = parse(spec["formula"])
        given = {**spec.get("values", {}), **(namespace or {})}
        _validate.check_trusted(formula, data, given)
        model = Model(
            formula,
            data,
            family=spec["family"],
            prior=R2D2.from_dict(spec["prior"]),
            link=spec["link"],
            noncentered=spec["noncentered"],
            namespace={**_LOAD_NAMESPACE, **given},
            priors={k: _bambi.prior_from_dict(v) for k, v in spec.get("priors", {}).items()},
        )
        return cls(model, tree)

    def _repr_html_(self) -> str:
        table = self.summary(warn=False)
        diag = self._diagnostics(table)
        floor = MIN_ESS_PER_CHAIN * self.idata.posterior.sizes["chain"]
        columns = ["mean", "sd", "eti90_lb", "eti90_ub", "r_hat", "ess_bulk"]
        rows, styles = [], []
        for name, row in table[columns].iterrows():
            rows.append([name, *(float(row[c]) for c in columns)])
            flags = {"r_hat": row["r_hat"] > MAX_R_HAT, "ess_bulk": row["ess_bulk"] < floor}
            styles.append(["", *(_html.WARN if flags.get(c) else "" for c in columns)])
        decomposition = self.decomposition()
        post = self.idata.posterior
        r2 = _flat(post["R2"])
        lo, hi = np.quantile(r2, [(1 - CI_PROB) / 2, 1 - (1 - CI_PROB) / 2])
        lines = [
            ("Formula", self.model.formula),
            ("Family", f"{self.model.family} (link {self.model.link})"),
            ("Prior", repr(self.model.prior)),
            ("Draws", f"{post.sizes['chain']} chains x {post.sizes['draw']}"),
            (
                "Diagnostics",
                f"{diag['divergences']} divergences, max r_hat {diag['max_r_hat']:.3f} "
                f"({diag['max_r_hat_at']}), min bulk ESS {diag['min_ess_bulk']:.0f} "
                f"({diag['min_ess_bulk_at']})",
            ),
            ("R²", f"{r2.mean():.3f} (90% interval {lo:.3f} to {hi:.3f})"),
        ]
        shares = _html.table(
            list(decomposition.columns), decomposition.itertuples(index=False, name=None)
        )
        estimates = _html.table(["", *columns], rows, styles)
        note = (
            "<b>Decomposition</b> (phi: the posterior of each component's share of W, its "
            "prior variance φ<sub>k</sub>W; share: the share of the realised Var(η) it takes "
            "per draw)"
        )
        return _html.card("FitResult", lines, estimates, note, shares)

    def __repr__(self) -> str:
        post = self.idata.posterior
        n = post.sizes["chain"] * post.sizes["draw"]
        return f"FitResult({self.model!r}, draws={n})"


def _plain_values(model: Model) -> dict[str, Any]:
    """Session values the formula reads that are plain data (lists of numbers or text)."""
    values = {}
    for name in model.spec.variables:
        value = model.namespace.get(name)
        if name in model.data.columns or value is None or callable(value):
            continue
        if isinstance(value, (list, tuple, np.ndarray)):
            items = np.asarray(value).tolist()
            if all(isinstance(item, (str, int, float, bool)) for item in items):
                values[name] = items
    return values


def _flat(array: Any) -> np.ndarray:
    return np.asarray(array).reshape(-1)


def _new_levels(model: Model, data: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Per grouping factor (``"a:b"`` for nested terms), which rows have an unseen level."""
    rows = model.data if data is None else data
    new = {}
    for factor in dict.fromkeys(group.factor for group in model.spec.groups):
        columns = factor.split(":")
        seen = set(_level_keys(model.data, columns))
        new[factor] = np.array([key not in seen for key in _level_keys(rows, columns)], bool)
    return new


def _level_keys(data: pd.DataFrame, columns: list[str]) -> list[tuple]:
    # The values themselves, as Bambi matches levels: "308" is not the fitted level 308.
    return [tuple(row) for row in data[columns].itertuples(index=False)]
