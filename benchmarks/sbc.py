"""Simulation-based calibration (SBC) of the whole pipeline, run on Dask.

For each family (gaussian, poisson, bernoulli, binomial with trials, negativebinomial)
and formula (``y ~ x1 + x2 + x3 + (1|g)``, ``y ~ x1 + (x1|g)``) the job

1. builds the model on a fixed design (n = 120 rows, 12 groups of 10, standard normal
   x1..x3, binomial trials 5-15) with the R2D2 default prior, R² ~ Beta(1, 1), and
   *pinned*, data-independent priors for the intercept and the family parameters
   (:func:`pinned_priors`): the default intercept prior is centered at g(mean response)
   of the data, so without pinning the model that generated a data set would not be
   the model fitted to it;
2. draws every parameter and a response from the model's own prior (PyMC prior
   predictive sampling of the built model: W by the W prior's ``random``, which inverts
   R², the rest forward);
3. fits each simulated response as a user would (:class:`r2d2_formula.Model`'s defaults:
   ``noncentered="auto"`` decided on that data set, nutpie NUTS with the default
   ``target_accept``), one chain of ``--draws`` after ``--tune``;
4. records, for the intercept (of the centered design, as sampled), every coefficient,
   every group SD, the family parameters, W and R², the rank of the true value among
   the thinned draws and whether the central 90% interval holds it.

If the fit is calibrated the ranks are uniform (Talts et al. 2018) and the intervals
hold the truth 90% of the time. :func:`report` tests the ranks for uniformity (KS on
randomised normalised ranks and chi-square on 10 bins; Holm's correction over every
test of the table), compares the coverage with the 99% interval of Binomial(N, 0.9)/N
(those statistics are :mod:`benchmarks.sbc_stats`), and draws ECDF-difference plots with
simultaneous 99% bands (ArviZ).

Compile once: the centering decision depends on the data, so each simulated data set is
first given to :class:`r2d2_formula.Model` (cheap: no compilation) to learn the decision;
each worker then compiles, once per (model, decision), the PyMC model with the observed
response replaced by a shared variable and samples every data set of that decision
with ``compiled.with_data(...)``. Simulations run on ``dask.distributed``: a local
cluster (``--workers`` processes of one thread) by default, or an existing one with
``--scheduler ADDRESS`` (its workers need r2d2_formula and nutpie installed; this package
is uploaded to them). A data set the package refuses (e.g. an all-zero Bernoulli
response) is skipped and counted: the selection depends on the data alone, so the
remaining ranks stay uniform.

Usage::

    python -m benchmarks sbc [--families gaussian ...] [--formulas intercepts slopes]
        [--sims 200] [--draws 1000] [--tune 1000] [--thin 10] [--workers 2]
        [--centering auto|noncentered|centered] [--scheduler ADDRESS] [--out DIR]
        [--fresh] [--report-only]

Per-simulation results go to ``DIR/sims/<family>-<formula>.csv`` as they arrive, so an
interrupted run resumes where it stopped (same ``--seed``, ``--sims``, ``--draws``,
``--tune``, ``--thin``, ``--centering`` and default ``target_accept``; ``--fresh`` starts
the chosen models again, e.g. after a change to the package); the table (``sbc.md``,
``sbc.csv``) and the plots (``ecdf_<family>-<formula>.png``) are rebuilt from every CSV
in ``DIR/sims`` at the end of each run, so families can be run one at a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import RESULTS as RESULTS_ROOT
from benchmarks._harness import markdown
from benchmarks.sbc_stats import LEVEL, ecdf_difference, rank_draws, summarise, uniformity

FAMILIES = ("gaussian", "poisson", "bernoulli", "binomial", "negativebinomial")
FORMULAS = {"intercepts": "x1 + x2 + x3 + (1|g)", "slopes": "x1 + (x1|g)"}
#: The fixed design: rows, groups (of equal size), the seed of x1..x3 and the trials.
N_ROWS, N_GROUPS, DESIGN_SEED = 120, 12, 20240513
#: Name of the shared variable that replaces the observed response in the compiled model.
RESPONSE_DATA = "sbc_response"
RESULTS = RESULTS_ROOT / "sbc"
#: ``--centering``: the package's default (decided per data set) or one form for every term.
CENTRING: dict[str, bool | str] = {"auto": "auto", "noncentered": True, "centered": False}


@dataclass(frozen=True)
class Config:
    """One model of the SBC: a family and a formula (by key of :data:`FORMULAS`)."""

    family: str
    formula_key: str

    @property
    def key(self) -> str:
        """``family-formula``, the name of its files."""
        return f"{self.family}-{self.formula_key}"

    @property
    def formula(self) -> str:
        """The formula; binomial responses are ``p(y, trials)``."""
        response = "p(y, trials)" if self.family == "binomial" else "y"
        return f"{response} ~ {FORMULAS[self.formula_key]}"


@dataclass(frozen=True)
class Settings:
    """How each simulation is fitted and ranked.

    The ranks use every ``thin``-th draw, or fewer where the bulk ESS of a parameter is
    lower (:func:`thinning`); the 90% interval uses all the draws.
    """

    draws: int = 1000
    tune: int = 1000
    thin: int = 10
    seed: int = 1
    centering: str = "auto"

    @property
    def noncentered(self) -> bool | str:
        """``noncentered=`` of the model: ``"auto"``, or True/False for every term."""
        return CENTRING[self.centering]


# --- the models ------------------------------------------------------------------------


def pinned_priors(family: str) -> dict[str, Any]:
    """Data-independent priors for the intercept and the family parameters.

    The intercept (of the centered design, link scale) is Normal(0, 1.5); the Gaussian σ
    HalfNormal(1); the negative binomial α Gamma(2, 0.5) (mean 4: R²max = α/(α+1) mostly
    0.5-0.9). W's prior is conditional on them, so R² is Beta(1, 1) whatever they are.
    """
    import bambi as bmb

    priors: dict[str, Any] = {"Intercept": bmb.Prior("Normal", mu=0.0, sigma=1.5)}
    if family == "gaussian":
        priors["sigma"] = bmb.Prior("HalfNormal", sigma=1.0)
    if family == "negativebinomial":
        priors["alpha"] = bmb.Prior("Gamma", alpha=2.0, beta=0.5)
    return priors


def design_data(family: str) -> pd.DataFrame:
    """The fixed design with a placeholder response valid for ``family``.

    x1..x3, the groups and the trials are the same for every family and simulation.
    """
    rng = np.random.default_rng(DESIGN_SEED)
    x = rng.normal(size=(N_ROWS, 3))
    trials = rng.integers(5, 16, size=N_ROWS)
    data = pd.DataFrame(
        {
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
            "g": [f"g{i:02d}" for i in np.arange(N_ROWS) % N_GROUPS],
            "trials": trials,
        }
    )
    placeholder = {
        "gaussian": rng.normal(size=N_ROWS),
        "bernoulli": np.arange(N_ROWS) % 2,
        "binomial": trials // 2,
    }.get(family, rng.poisson(2.0, size=N_ROWS))
    return data.assign(y=placeholder)


def build(config: Config, data: pd.DataFrame, noncentered: bool | str = "auto") -> Any:
    """The :class:`r2d2_formula.Model` of ``config`` on ``data``, with the pinned priors."""
    import r2d2_formula as rf

    return rf.Model(
        config.formula,
        data,
        family=config.family,
        priors=pinned_priors(config.family),
        noncentered=noncentered,
        namespace={},
    )


def parameters(model: Any) -> list[str]:
    """The ranked parameters: intercept, coefficients, group SDs, family parameters, R², W."""
    from r2d2_formula import _bambi

    names = _bambi.summary_variables(model.bambi_model, model.plan)
    return [name for name in names if name not in ("phi", "R2_max")]


def simulate(
    config: Config, sims: int, seed: int, data: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Prior draws of the parameters (one row per simulation) and of the response.

    The model is built on ``data`` (by default :func:`design_data`); with the pinned
    priors its response does not matter. The true R² is the family's R² at the true W,
    intercept and family parameters (``plan.family.r2``, NumPy), checked against the
    model's own deterministic.
    """
    import pymc as pm

    from r2d2_formula import _bambi

    model = build(config, design_data(config.family) if data is None else data)
    pm_model = _bambi.pymc_model(model.bambi_model)
    response = pm_model.observed_RVs[0].name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = pm.sample_prior_predictive(draws=sims, model=pm_model, random_seed=seed)
    prior = idata.prior
    truths = pd.DataFrame({name: prior[name].values.reshape(sims) for name in parameters(model)})
    plan = model.plan
    beta0 = truths[plan.intercept].to_numpy() if plan.intercept else np.zeros(sims)
    theta = {name: truths[name].to_numpy() for name in plan.family.theta}
    r2 = np.asarray(plan.family.r2(truths["W"].to_numpy(), beta0, theta))
    if not np.allclose(r2, truths["R2"], rtol=1e-6, atol=1e-12):
        raise RuntimeError(f"{config.key}: the family's R² disagrees with the model's R2")
    truths["R2"] = r2
    ys = idata.prior_predictive[response].values.reshape(sims, -1)
    return truths, ys


def centering(
    config: Config, data: pd.DataFrame, y: np.ndarray, noncentered: bool | str = "auto"
) -> tuple | None:
    """The model's centering decision on a simulated data set; None if the data are refused."""
    from r2d2_formula._errors import R2D2Error

    try:
        return build(config, data.assign(y=y), noncentered).plan.noncentered
    except R2D2Error:
        return None


def swapped_model(model: Any) -> tuple[Any, Any]:
    """The PyMC model of ``model`` with its observed response as a shared variable.

    Returns the new ``pm.Model`` and the shared variable (named :data:`RESPONSE_DATA`):
    setting its value fits another response with the same compiled functions.
    """
    import pytensor
    from pymc.model.fgraph import fgraph_from_model, model_from_fgraph

    from r2d2_formula import _bambi

    pm_model = _bambi.pymc_model(model.bambi_model)
    graph, memo = fgraph_from_model(pm_model, inlined_views=True)
    observed = pm_model.rvs_to_values[pm_model.observed_RVs[0]]
    target = memo[observed]
    shared = pytensor.shared(np.asarray(observed.data, dtype=target.type.dtype), RESPONSE_DATA)
    graph.replace(target, shared, import_missing=True)
    return model_from_fgraph(graph, mutate_fgraph=True), shared


def swappable(model: Any) -> Any:
    """nutpie's compiled :func:`swapped_model`: ``.with_data(sbc_response=y)`` refits."""
    import nutpie

    return nutpie.compile_pymc_model(swapped_model(model)[0])


# --- the worker side --------------------------------------------------------------------

#: Compiled models of this worker process, by (config, centering decision).
_COMPILED: dict[tuple, Any] = {}


def fit_chunk(
    config: Config,
    settings: Settings,
    decision: tuple,
    data: pd.DataFrame,
    sims: list[tuple[int, np.ndarray, dict[str, float]]],
) -> list[dict]:
    """Fit the simulations ``(index, response, truths)`` of one centering decision.

    Runs on a Dask worker: the model of (config, decision) is compiled on the worker's
    first chunk of that decision, from the first data set, and reused afterwards.
    """
    import nutpie

    from r2d2_formula._model import DEFAULT_FIT

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rows: list[dict] = []
    for index, y, truth in sims:
        compile_s = 0.0
        key = (config, decision)
        if key not in _COMPILED:
            if any(cached != config for cached, _ in _COMPILED):
                _COMPILED.clear()  # another model's: free their memory
            model = build(config, data.assign(y=y), settings.noncentered)
            if model.plan.noncentered != decision:
                found = model.plan.noncentered
                raise RuntimeError(f"{config.key}: centering {found} != {decision}")
            start = time.perf_counter()
            _COMPILED[key] = swappable(model)
            compile_s = time.perf_counter() - start
        compiled = _COMPILED[key].with_data(**{RESPONSE_DATA: y})  # cast to its dtype
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trace = nutpie.sample(
                compiled,
                draws=settings.draws,
                tune=settings.tune,
                chains=1,
                cores=1,
                seed=settings.seed * 1_000_003 + index,
                target_accept=DEFAULT_FIT["target_accept"],
                progress_bar=False,
            )
        sample_s = time.perf_counter() - start
        divergences = int(trace.sample_stats["diverging"].sum())
        jitter = np.random.default_rng([settings.seed, index]).uniform(size=len(truth))
        common = {
            "config": config.key,
            "sim": index,
            "noncentered": _decision_text(decision),
            "divergences": divergences,
            "sample_s": round(sample_s, 4),
            "compile_s": round(compile_s, 3),
        }
        for (name, value), u in zip(truth.items(), jitter, strict=True):
            draws = trace.posterior[name].values
            ranked = rank_draws(draws, value, u, settings.thin)
            rows.append({**common, "parameter": name, **ranked})
    return rows


def _decision_text(decision: tuple) -> str:
    return " ".join(f"{term}:{'nc' if flag else 'c'}" for term, flag in decision)


# --- the client side --------------------------------------------------------------------


def seed_of(config: Config, seed: int) -> int:
    """The prior-predictive seed of one configuration."""
    index = FAMILIES.index(config.family) * len(FORMULAS) + list(FORMULAS).index(config.formula_key)
    return seed * 1000 + index


def sims_path(out: Path, config: Config) -> Path:
    return out / "sims" / f"{config.key}.csv"


def run_settings(settings: Settings, sims: int) -> dict[str, Any]:
    """What a row of results depends on besides the model: settings, size, target_accept."""
    from r2d2_formula._model import DEFAULT_FIT

    return {**asdict(settings), "sims": sims, "target_accept": DEFAULT_FIT["target_accept"]}


def _done(path: Path, settings: Settings, sims: int) -> set[int]:
    """Simulations already in ``path`` for the same settings (else the file is restarted)."""
    if not path.exists():
        return set()
    done = pd.read_csv(path)
    same = all(
        column in done and (done[column] == value).all()
        for column, value in run_settings(settings, sims).items()
    )
    if not same:
        path.unlink()
        return set()
    return set(done["sim"])


def run_config(client: Any, config: Config, settings: Settings, sims: int, out: Path) -> dict:
    """Simulate, fit and rank ``sims`` data sets of one configuration on the Dask cluster.

    Rows are appended to ``out/sims/<key>.csv`` as chunks finish. Returns the timings.
    """
    from dask.distributed import as_completed

    start = time.perf_counter()
    path = sims_path(out, config)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _done(path, settings, sims)
    truths, ys = simulate(config, sims, seed_of(config, settings.seed))
    data = design_data(config.family)
    groups: dict[tuple, list] = {}
    refused = []
    for index in range(sims):
        if index in done:
            continue
        decision = centering(config, data, ys[index], settings.noncentered)
        if decision is None:
            refused.append(index)
            continue
        truth = {name: float(value) for name, value in truths.iloc[index].items()}
        groups.setdefault(decision, []).append((index, ys[index], truth))
    meta = run_settings(settings, sims)
    if refused:
        _append(path, [{"config": config.key, "sim": i, "parameter": "", **meta} for i in refused])
    simulate_s = time.perf_counter() - start
    from benchmarks import sbc  # this module as the workers import it (by reference)

    futures = []
    for decision, worker, chunk in _assign(groups, _workers(client)):
        futures.append(
            client.submit(
                sbc.fit_chunk,
                config,
                settings,
                decision,
                data,
                chunk,
                workers=[worker],
                allow_other_workers=True,
                pure=False,
            )
        )
    for future in as_completed(futures):
        _append(path, [{**row, **meta} for row in future.result()])
    return {
        "config": config.key,
        "sims": sims,
        "fitted_now": sum(len(chunk) for _, chunk in groups.items()),
        "refused": len(refused),
        "decisions": len(groups),
        "simulate_s": round(simulate_s, 1),
        "wall_s": round(time.perf_counter() - start, 1),
    }


def _workers(client: Any) -> list[str]:
    return sorted(client.scheduler_info(n_workers=-1)["workers"])


def _assign(
    groups: dict[tuple, list], workers: list[str], chunk: int = 10, compile_cost: int = 20
) -> list[tuple[tuple, str, list]]:
    """Chunks of one decision each, given to workers so that each decision compiles once.

    Greedy: the largest decision first, to the least loaded worker, counting a compile
    as ``compile_cost`` simulations; a decision with more simulations than a fair share
    is split between workers. Idle workers may still steal chunks (allow_other_workers).
    """
    total = sum(len(sims) for sims in groups.values())
    fair = max(chunk, math.ceil(total / max(len(workers), 1)))
    load = dict.fromkeys(workers, 0)
    plan = []
    for decision, sims in sorted(groups.items(), key=lambda item: -len(item[1])):
        for start in range(0, len(sims), fair):
            part = sims[start : start + fair]
            worker = min(load, key=load.__getitem__)
            load[worker] += len(part) + compile_cost
            plan += [(decision, worker, part[i : i + chunk]) for i in range(0, len(part), chunk)]
    return plan


def _append(path: Path, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows)
    frame.to_csv(path, mode="a", header=not path.exists(), index=False)


# --- the report -------------------------------------------------------------------------


def load(out: Path) -> pd.DataFrame:
    """Every per-simulation row in ``out/sims``, models in the order of :data:`FAMILIES`."""
    order = [Config(f, k).key for f in FAMILIES for k in FORMULAS]
    paths = sorted(
        (out / "sims").glob("*.csv"),
        key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem),
    )
    frames = [pd.read_csv(path) for path in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def per_config(rows: pd.DataFrame) -> pd.DataFrame:
    """Per configuration: simulations fitted and refused, divergences, decisions, times."""
    lines = []
    for config, part in rows.groupby("config", sort=False):
        fitted = part[part["parameter"].fillna("") != ""]
        sims = fitted.drop_duplicates("sim")
        min_ess = fitted.groupby("sim")["ess_bulk"].min()
        lines.append(
            {
                "config": config,
                "fitted": len(sims),
                "refused": int(part.loc[part["parameter"].fillna("") == "", "sim"].nunique()),
                "with_divergences": int((sims["divergences"] > 0).sum()),
                "divergences": int(sims["divergences"].sum()),
                "min_ess_below_100": int((min_ess < 100).sum()),
                "min_ess_below_20": int((min_ess < 20).sum()),
                "decisions": int(sims["noncentered"].nunique()),
                "compile_s": round(float(sims["compile_s"].sum()), 1),
                "sample_s": round(float(sims["sample_s"].sum()), 1),
                "sample_s_per_sim": round(float(sims["sample_s"].mean()), 3),
            }
        )
    return pd.DataFrame(lines)


def compact(table: pd.DataFrame, configs: pd.DataFrame) -> pd.DataFrame:
    """Per configuration: the worst p-values, the coverage range, divergences and time."""
    lines = []
    for config, part in table.groupby("config", sort=False):
        runs = configs.set_index("config").loc[config]
        lines.append(
            {
                "model": config,
                "parameters": len(part),
                "min KS p": round(float(part["ks_p"].min()), 3),
                "min chi² p": round(float(part["chi2_p"].min()), 3),
                "min Holm p": round(float(part["holm_p"].min()), 3),
                "90% coverage": f"{part['coverage90'].min():.3f}-{part['coverage90'].max():.3f}",
                "calibrated": f"{int(part['calibrated'].sum())}/{len(part)}",
                "fits with divergences": f"{int(runs['with_divergences'])}/{int(runs['fitted'])}",
                "fits with ESS < 100": f"{int(runs['min_ess_below_100'])}/{int(runs['fitted'])}",
                "CPU s": round(float(runs["compile_s"] + runs["sample_s"])),
            }
        )
    return pd.DataFrame(lines)


def by_decision(rows: pd.DataFrame) -> pd.DataFrame:
    """Per configuration and centering decision: simulations and the share that diverged."""
    sims = rows[rows["parameter"].fillna("") != ""].drop_duplicates(["config", "sim"])
    table = (
        sims.assign(diverged=sims["divergences"] > 0)
        .groupby(["config", "noncentered"], sort=False)
        .agg(sims=("sim", "size"), diverged=("diverged", "mean"))
        .reset_index()
    )
    return table.assign(
        noncentered=table["noncentered"].str.replace("|", "\\|"),
        diverged=table["diverged"].round(3),
    )


def plot_config(rows: pd.DataFrame, config: str, path: Path) -> None:
    """ECDF of the normalised ranks minus the uniform CDF, one panel per parameter.

    The grey band is ArviZ's simultaneous 99% band for that many simulations
    (``arviz_stats.ecdf_utils.ecdf_pit``): under calibration the whole curve stays inside
    it with probability 0.99.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from arviz_stats.ecdf_utils import ecdf_pit

    part = rows[(rows["config"] == config) & (rows["parameter"].fillna("") != "")]
    names = list(dict.fromkeys(part["parameter"]))
    columns = min(4, len(names))
    nrows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(
        nrows, columns, figsize=(3.2 * columns, 2.6 * nrows), sharey=True, squeeze=False
    )
    for ax, name in zip(axes.flat, names, strict=False):
        pit = part.loc[part["parameter"] == name, "pit"].to_numpy()
        x, _, lower, upper = ecdf_pit(pit, LEVEL, 1000, rng=np.random.default_rng(0))
        ax.fill_between(x, lower - x, upper - x, step="post", color="0.85", lw=0)
        ax.plot(*ecdf_difference(pit), color="C0", lw=1.2)
        ax.axhline(0.0, color="0.4", lw=0.8, ls=":")
        ks_p, _ = uniformity(pit)
        ax.set_title(f"{name}  (KS p {ks_p:.2f})", fontsize=9)
        ax.set_xlim(0, 1)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("normalised rank")
    for ax in axes[:, 0]:
        ax.set_ylabel("ECDF − uniform")
    fig.suptitle(f"SBC {config}: {len(pit)} simulations, simultaneous {LEVEL:.0%} band")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(out: Path) -> pd.DataFrame:
    """Write ``sbc.csv``, ``sbc.md`` and the ECDF plots from every CSV in ``out/sims``."""
    rows = load(out)
    if rows.empty:
        return pd.DataFrame()
    table = summarise(rows)
    table.to_csv(out / "sbc.csv", index=False)
    configs = per_config(rows)
    configs.to_csv(out / "sbc_runs.csv", index=False)
    for config in configs["config"]:
        plot_config(rows, config, out / f"ecdf_{config}.png")
    shown = table.assign(
        parameter=table["parameter"].str.replace("|", "\\|"),  # a pipe would split the cell
        ks_p=table["ks_p"].round(3),
        chi2_p=table["chi2_p"].round(3),
        holm_p=table["holm_p"].round(3),
        coverage90=table["coverage90"].round(3),
        median_ess=table["median_ess"].round(0),
    ).drop(columns=["min_ess"])
    settings = rows.iloc[0]
    runs = ""
    if (out / "timings.csv").exists():
        timings = pd.read_csv(out / "timings.csv").drop_duplicates("config", keep="last")
        runs = (
            f" Wall time {timings['wall_s'].sum() / 60:.0f} minutes on "
            f"{int(timings['workers'].max())} workers; package at "
            f"{', '.join(timings['commit'].unique())} (`timings.csv`)."
        )
    text = (
        f"# Simulation-based calibration\n\n"
        f"`benchmarks/sbc.py`: {int(settings['draws'])} draws after {int(settings['tune'])} "
        f"tuning steps, 1 chain per simulation, ranks among every {int(settings['thin'])}th "
        f"draw (fewer where the ESS is lower), centering {settings['centering']}, seed "
        f"{int(settings['seed'])}, target_accept {settings['target_accept']}; R² ~ Beta(1, 1), "
        f"pinned intercept and family priors (`pinned_priors`).{runs}\n\n"
        + markdown(compact(table, configs), index=False)
        + "\nPer parameter: p-values of KS and chi-square (10 bins) tests of uniform ranks, "
        "Holm's adjustment over the whole table, coverage of the central 90% interval and "
        f"its {LEVEL:.0%} binomial tolerance, median bulk ESS.\n\n"
        + markdown(shown, index=False)
        + "\nPer model: simulations fitted and refused, simulations with at least one divergent "
        "transition and divergences in all, simulations whose lowest bulk ESS (over the ranked "
        "parameters, one chain of "
        f"{int(settings['draws'])} draws) is below 100 and 20, distinct centering decisions, "
        "CPU seconds of the workers.\n\n"
        + markdown(configs, index=False)
        + "\nShare of simulations with a divergence, by centering decision (c: centered, nc: "
        "non-centered).\n\n" + markdown(by_decision(rows), index=False)
    )
    (out / "sbc.md").write_text(text)
    return table


# --- the command line ---------------------------------------------------------------------


def connect(scheduler: str | None, workers: int) -> Any:
    """A Dask client: to ``scheduler`` if given, else to a new local cluster.

    The workers of a local cluster import this package from the checkout (they start
    with this process's ``sys.path``); an existing cluster's may not have it, so it is
    uploaded to them (:func:`upload`).
    """
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        upload(client)
        return client
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    return Client(cluster)


def upload(client: Any) -> None:
    """Send the ``benchmarks`` package to the cluster as a zip archive it imports.

    Every worker gets it, and forgets any copy of its modules loaded before (a cluster
    reused after a change runs the new code); the scheduler, which unpickles the tasks,
    gets it only if it cannot import the package already (it may run in this process).
    """
    from distributed.diagnostics.plugin import SchedulerUploadFile, UploadFile

    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "benchmarks.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            for path in sorted(Path(__file__).parent.glob("*.py")):
                zipped.write(path, f"benchmarks/{path.name}")
        client.register_plugin(UploadFile(str(archive)), name="upload-benchmarks")
        if not client.run_on_scheduler(lambda: importlib.util.find_spec("benchmarks") is not None):
            client.register_plugin(SchedulerUploadFile(str(archive)), name="upload-benchmarks")
    client.run(_forget_modules)


def _forget_modules() -> None:
    """Drop the package's submodules from ``sys.modules``: the next task imports them anew."""
    for name in [name for name in sys.modules if name.startswith("benchmarks.")]:
        del sys.modules[name]


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(Path(__file__).parent), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Run the SBC for the chosen families and formulas, then rebuild the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="*", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--formulas", nargs="*", default=list(FORMULAS), choices=list(FORMULAS))
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--thin", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--centering",
        choices=list(CENTRING),
        default="auto",
        help="auto: the package's default, decided per data set (one compile per decision)",
    )
    parser.add_argument("--workers", type=int, default=2, help="local cluster: worker processes")
    parser.add_argument("--scheduler", help="address of an existing Dask scheduler")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--fresh", action="store_true", help="drop earlier results of the chosen models first"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        settings = Settings(args.draws, args.tune, args.thin, args.seed, args.centering)
        if args.fresh:
            for family in args.families:
                for formula in args.formulas:
                    sims_path(out, Config(family, formula)).unlink(missing_ok=True)
        client = connect(args.scheduler, args.workers)
        try:
            for family in args.families:
                for formula in args.formulas:
                    timing = run_config(client, Config(family, formula), settings, args.sims, out)
                    timing.update(commit=_commit(), workers=len(_workers(client)))
                    _append(out / "timings.csv", [timing])
                    print(timing, flush=True)
        finally:
            client.close()
    table = report(out)
    if not table.empty:
        print(table.to_string(index=False))
    return table


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
