"""Figures of a fit, drawn with matplotlib; each function returns its figure.

* :func:`plot_r2` — prior and posterior of R² with the target Beta density;
* :func:`plot_phi` — φ shares per component as interval plots, with the prior mean;
* :func:`plot_ppc` — a posterior predictive check of the response's distribution;
* :func:`prior_predictive_figure` — the R² prior beside the response's prior predictive;
* :func:`plot_sensitivity` — posteriors under power-scaled prior and likelihood.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from xarray import DataTree

    from r2d2_formula._model import Model
    from r2d2_formula._results import FitResult

__all__ = [
    "plot_phi",
    "plot_ppc",
    "plot_r2",
    "plot_sensitivity",
    "ppc_figure",
    "prior_predictive_figure",
]

PRIOR_COLOR = "0.6"
POSTERIOR_COLOR = "C0"
TARGET_COLOR = "C3"


def _figure(width: float = 6.4, height: float = 4.0, columns: int = 1) -> tuple[Figure, Any]:
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(1, columns, figsize=(width, height), layout="constrained")


def plot_r2(result: FitResult) -> Figure:
    """Histogram of prior and posterior R² (R²/R²max for bounded families) and the Beta target.

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> result = rf.fit("y ~ x", data, family="poisson", draws=50, tune=50, chains=1,
    ...                 random_seed=1, progressbar=False)
    >>> result.plot_r2().axes[0].get_xlabel()
    'R²'
    """
    draws = result.r2()
    relative = "posterior_relative" in draws
    prior, posterior = (
        (draws["prior_relative"], draws["posterior_relative"])
        if relative
        else (draws["prior"], draws["posterior"])
    )
    a, b = result.model.prior.a, result.model.prior.b
    fig, ax = _figure()
    bins = np.linspace(0, 1, 41)
    ax.hist(prior, bins=bins, density=True, color=PRIOR_COLOR, alpha=0.5, label="prior (implied)")
    ax.hist(posterior, bins=bins, density=True, color=POSTERIOR_COLOR, alpha=0.6, label="posterior")
    _beta_target(ax, a, b, relative)
    ax.set_title(f"R² of {result.model.formula}")
    ax.legend(frameon=False)
    return fig


def plot_phi(result: FitResult) -> Figure:
    """Posterior mean, 50% and 90% intervals of each φ_k, with the prior mean ξ_k / Σ ξ."""
    table = result.decomposition()
    phi = np.asarray(result.idata.posterior["phi"].stack(sample=("chain", "draw")))
    concentration = np.asarray(result.model.plan.concentration)
    names = list(table["component"])
    fig, ax = _figure(6.4, 0.45 * len(names) + 1.4)
    y = np.arange(len(names))[::-1]
    q05, q25, q75, q95 = np.quantile(phi, [0.05, 0.25, 0.75, 0.95], axis=1)
    ax.hlines(y, q05, q95, color=POSTERIOR_COLOR, lw=1.5, label="90% interval")
    ax.hlines(y, q25, q75, color=POSTERIOR_COLOR, lw=5, label="50% interval")
    ax.plot(table["phi_mean"], y, "o", color="white", mec=POSTERIOR_COLOR, label="posterior mean")
    ax.plot(
        concentration / concentration.sum(),
        y,
        "|",
        color=TARGET_COLOR,
        ms=14,
        mew=2,
        label="prior mean",
    )
    ax.set_yticks(y, names)
    ax.set_xlim(0, 1)
    ax.set_xlabel("φ: share of Var(η)")
    ax.set_title("Variance decomposition")
    ax.legend(frameon=False, fontsize="small", loc="best")
    return fig


def plot_ppc(result: FitResult, random_seed: int = 0, n_lines: int = 50) -> Figure:
    """Observed response distribution against posterior predictive replicates.

    Counts and binary responses: observed frequency of each value (bars) with the
    predictive mean and 90% band per value. Continuous responses, and binomial ones
    as proportions k/n: the empirical CDF of the data against ``n_lines`` replicates.
    """
    predictive = result.predict(kind="response", random_seed=random_seed).posterior_predictive
    replicates = np.asarray(predictive[next(iter(predictive.data_vars))])
    design = result.model.design
    return ppc_figure(
        np.asarray(design.response, dtype=float),
        replicates.reshape(-1, replicates.shape[-1]),
        design.trials,
        result.model.response_family.domain.discrete,
        f"Posterior predictive check ({result.model.family})",
        np.random.default_rng(random_seed),
        n_lines,
    )


def ppc_figure(
    observed: np.ndarray,
    replicates: np.ndarray,
    trials: np.ndarray | None,
    discrete: bool,
    title: str,
    rng: np.random.Generator,
    n_lines: int = 50,
) -> Figure:
    """The figure of :func:`plot_ppc` from the observed responses and replicates (draw, row).

    Examples
    --------
    >>> import numpy as np
    >>> fig = ppc_figure(np.array([0.0, 1, 1]), np.ones((4, 3)), None, True, "ppc",
    ...                  np.random.default_rng(0))
    >>> [round(x) for x in fig.axes[0].get_xticks()]
    [0, 1]
    """
    fig, ax = _figure()
    if trials is not None:
        observed, replicates = observed / trials, replicates / trials
    if discrete:
        _counts_panel(ax, observed, replicates)
    else:
        _density_panel(ax, observed, replicates, rng, n_lines)
        if trials is not None:
            ax.set_xlabel("proportion k/n")
            ax.set_xlim(-0.02, 1.02)
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def _counts_panel(ax: Axes, observed: np.ndarray, replicates: np.ndarray) -> None:
    # Every value observed, and the replicates' values up to their 99th percentile: a
    # binary response shows 0 and 1 only, a count the range the data and model cover.
    top = int(max(observed.max(), np.quantile(replicates, 0.99)))
    values = np.arange(top + 1)
    freq = np.array([(replicates == v).mean(axis=1) for v in values])
    ax.bar(values, [(observed == v).mean() for v in values], color=PRIOR_COLOR, label="observed")
    lo, hi = np.quantile(freq, [0.05, 0.95], axis=1)
    mean = freq.mean(axis=1)
    ax.errorbar(
        values,
        mean,
        # Rounding can put the mean a hair outside a band of equal values.
        yerr=[np.maximum(mean - lo, 0.0), np.maximum(hi - mean, 0.0)],
        fmt="o",
        color=POSTERIOR_COLOR,
        label="predicted (90% band)",
    )
    if values.size <= 20:
        ax.set_xticks(values)
    ax.set_xlim(-0.6, top + 0.6)
    ax.set_xlabel("response value")
    ax.set_ylabel("share of observations")


def _density_panel(
    ax: Axes, observed: np.ndarray, replicates: np.ndarray, rng: np.random.Generator, n_lines: int
) -> None:
    """Empirical CDFs: no bin width to choose, readable for small samples too."""
    rows = rng.choice(len(replicates), size=min(n_lines, len(replicates)), replace=False)
    levels = np.arange(1, observed.size + 1) / observed.size
    for i, row in enumerate(rows):
        ax.step(
            np.sort(replicates[row]),
            levels,
            where="post",
            color=POSTERIOR_COLOR,
            alpha=0.15,
            lw=1,
            label="replicates" if i == 0 else None,
        )
    ax.step(np.sort(observed), levels, where="post", color="k", lw=2, label="observed")
    ax.set_xlabel("response")
    ax.set_ylabel("empirical CDF")


def prior_predictive_figure(
    model: Model, prior: DataTree, rng: np.random.Generator, n_lines: int = 50
) -> Figure:
    """The figure of :func:`r2d2_formula.plot_prior_predictive` from draws already made.

    ``prior`` holds the groups ``prior`` and ``prior_predictive`` of
    :func:`r2d2_formula.prior_predictive`; ``rng`` picks the replicates shown.
    """
    fig, (left, right) = _figure(10.0, 4.0, columns=2)
    relative = "R2_relative" in prior["prior"]
    r2 = np.asarray(prior["prior"]["R2_relative" if relative else "R2"]).reshape(-1)
    a, b = model.prior.a, model.prior.b
    bins = np.linspace(0, 1, 31)
    left.hist(r2, bins=bins, density=True, color=PRIOR_COLOR, alpha=0.6, label="prior draws")
    _beta_target(left, a, b, relative)
    left.set_title("Prior of R²")
    left.legend(frameon=False)

    predictive = prior["prior_predictive"]
    replicates = np.asarray(predictive[str(next(iter(predictive.data_vars)))], dtype=float)
    replicates = replicates.reshape(-1, replicates.shape[-1])
    design = model.design
    observed = np.asarray(design.response, dtype=float)
    if design.trials is not None:
        observed, replicates = observed / design.trials, replicates / design.trials
    scale = model.response_family.domain.plot_scale
    if scale == "share":
        right.hist(
            replicates.mean(axis=1),
            bins=np.linspace(0, 1, 31),
            color=POSTERIOR_COLOR,
            alpha=0.6,
            label="prior predictive",
        )
        right.axvline(observed.mean(), color="k", lw=2, label="observed")
        right.set_xlabel("share of ones")
        right.set_ylabel("prior predictive data sets")
    else:
        _density_panel(right, observed, replicates, rng, n_lines)
        right.set_xlabel("proportion k/n" if design.trials is not None else "response")
        if scale == "log":
            right.set_xscale("log")
        elif scale == "symlog":
            right.set_xscale("symlog", linthresh=10)
    right.set_title(f"Prior predictive ({model.family})")
    right.legend(frameon=False)
    return fig


def plot_sensitivity(tree: DataTree, names: list[str], terms: list[str]) -> Figure:
    """Each variable's posterior under the power-scaled prior and likelihood (arviz_plots).

    Wraps ``arviz_plots.plot_psense_dist`` on a fit's log densities (``tree``, from
    :meth:`FitResult.log_densities`), for the variables ``names``, power-scaling the prior
    terms ``terms``. Returns the matplotlib figure.
    """
    import arviz_plots

    # arviz_stats stacks the power-scaled posteriors along a dimension named "alpha", which
    # clashes with the family parameter alpha (negativebinomial, gamma): show it as "α".
    if "alpha" in tree.posterior:
        import xarray as xr

        tree = tree.copy()
        tree["posterior"] = xr.DataTree(tree["posterior"].to_dataset().rename_vars(alpha="α"))
        names = ["α" if name == "alpha" else name for name in names]
    collection = arviz_plots.plot_psense_dist(
        tree, var_names=names, prior_var_names=terms, backend="matplotlib"
    )
    return collection.viz["figure"].item()


def _beta_target(ax: Axes, a: float, b: float, relative: bool) -> None:
    """The Beta(a, b) density R² should follow, on an R² (or R²/R²max) density axis."""
    grid = np.linspace(0.0005, 0.9995, 400)
    label = f"target Beta({a:g}, {b:g})"
    ax.plot(grid, stats.beta(a, b).pdf(grid), color=TARGET_COLOR, lw=2, label=label)
    ax.set_xlim(0, 1)
    ax.set_xlabel("R²/R²max" if relative else "R²")
    ax.set_ylabel("density")
