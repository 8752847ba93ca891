"""Divergences and convergence of default fits over many seeds and data sets.

Every data set is fitted at r2d2_formula's default settings (or a variant of them)
with ``random_seed`` 1 … N. The PyMC model is built and compiled once per data set and
variant, then sampled by nutpie once per seed, exactly as ``Model.fit()`` samples it
(``pm.sample(nuts_sampler="nutpie")`` compiles the same model and calls
``nutpie.sample`` with the same draws, tuning, chains and target acceptance).

Data sets: the three of ``benchmarks.sampling``; two more simulated Poisson GLMMs
with predictors that have no effect (other seeds, group counts and mean counts, one
with sparse counts); lme4's sleepstudy, cbpp, grouseticks and VerbAgg with the
formulas of ``r2d2_formula._datasets.EXAMPLES``.

Variants (``--variants``): ``default``; ``noncentered`` (``noncentered=True``);
``ta95`` (``target_accept=0.95``); ``lowrank`` (nutpie's low-rank modified mass
matrix); ``logistic_normal`` (logistic-normal shares matched to the Dirichlet).

Writes ``robustness.csv`` (one row per fit) and ``robustness.md`` (divergences, seeds
× data sets, and a summary per variant) to ``benchmarks/results/``.

Usage: python -m benchmarks robustness [--seeds 20] [--datasets ...] [--variants ...]
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import RESULTS, compile_model, fit, markdown
from benchmarks.sampling import simulate

SIMULATED = ("poisson", "logistic", "slopes", "poisson_null_a", "poisson_null_b")
REAL = ("sleepstudy", "cbpp", "grouseticks", "verbagg")
DATASETS = SIMULATED + REAL
VARIANTS = ("default", "noncentered", "centered", "ta95", "lowrank", "logistic_normal")


def null_poisson(seed: int, n: int, groups: int, intercept: float) -> tuple[str, str, pd.DataFrame]:
    """A Poisson GLMM with 6 standardised predictors, 3 of them without effect."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    g = rng.integers(0, groups, n)
    effects = np.array([0.4, 0.0, -0.25, 0.0, 0.0, 0.15])
    eta = intercept + x @ effects + rng.normal(0, 0.4, groups)[g]
    data = pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 7)])
    data["g"] = [f"g{i}" for i in g]
    data["y"] = rng.poisson(np.exp(eta))
    return "y ~ x1 + x2 + x3 + x4 + x5 + x6 + (1|g)", "poisson", data


def dataset(name: str) -> tuple[str, str, pd.DataFrame]:
    """(formula, family, data) of a data set."""
    if name in ("poisson", "logistic", "slopes"):
        return simulate(name)
    if name == "poisson_null_a":
        return null_poisson(seed=11, n=800, groups=50, intercept=0.8)
    if name == "poisson_null_b":
        return null_poisson(seed=12, n=300, groups=15, intercept=-0.7)
    from r2d2_formula._datasets import EXAMPLES, load_dataset

    example = EXAMPLES[name]
    return example.formula, example.family, load_dataset(name)


def build(name: str, variant: str):
    """The compiled nutpie model, the sampler settings of one variant and the rows of data."""
    import r2d2_formula as rf
    from r2d2_formula._model import DEFAULT_FIT

    formula, family, data = dataset(name)
    parts = set(variant.split("+"))  # variants combine: "lowrank+ta95"
    options: dict = {}
    if "noncentered" in parts:
        options["noncentered"] = True
    if "centered" in parts:
        options["noncentered"] = False
    if "logistic_normal" in parts:
        options["prior"] = rf.R2D2(shares="logistic-normal")
    model = rf.Model(formula, data, family=family, **options)
    settings = {
        "draws": DEFAULT_FIT["draws"],
        "tune": DEFAULT_FIT["tune"],
        "chains": DEFAULT_FIT["chains"],
        "target_accept": 0.95 if "ta95" in parts else DEFAULT_FIT["target_accept"],
    }
    if "lowrank" in parts:
        settings["low_rank_modified_mass_matrix"] = True
    return compile_model(model), settings, len(data)


def run(name: str, variant: str, seeds: list[int]) -> list[dict]:
    """Fit one data set with one variant at each seed (compiled once)."""
    compiled, settings, rows = build(name, variant)
    out = []
    for seed in seeds:
        # Every variable Model.fit() keeps (Bambi's var_names leave the linear predictor out).
        done = fit(compiled, seed=seed, **settings)
        posterior, ess, rhat = done.idata.posterior, done.ess_bulk, done.r_hat
        # The shared parameters: coefficients, SDs, W, φ, R², the family's own (not one
        # group's effect, not a non-centered offset).
        shared = [
            v
            for v in rhat.data_vars
            if not v.endswith("_offset")
            and not any(str(d).endswith("__factor_dim") for d in posterior[v].dims)
        ]
        out.append(
            {
                "dataset": name,
                "variant": variant,
                "seed": seed,
                "rows": rows,
                "divergences": done.divergences,
                "divergent_share": done.divergences / (settings["draws"] * settings["chains"]),
                "max_r_hat": done.max_r_hat,
                "max_r_hat_shared": float(max(np.nanmax(rhat[v].values) for v in shared)),
                "worst_r_hat": max(rhat.data_vars, key=lambda v: float(np.nanmax(rhat[v].values))),
                "worst_ess": min(ess.data_vars, key=lambda v: float(np.nanmin(ess[v].values))),
                "min_ess_bulk": done.min_ess_bulk,
                "compile_s": round(done.compile_s, 2),
                "sample_s": round(done.sample_s, 2),
            }
        )
        print(json.dumps(out[-1]), flush=True)
    return out


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per variant and data set: share of fits with no divergence, worst share, worst r_hat."""
    grouped = results.groupby(["variant", "dataset"], sort=False)
    table = pd.DataFrame(
        {
            "fits": grouped.size(),
            "no divergence": grouped["divergences"].apply(lambda d: float(np.mean(d == 0))),
            "max divergent %": grouped["divergent_share"].max() * 100,
            "max r_hat": grouped["max_r_hat"].max(),
            "median min ESS/s": grouped.apply(
                lambda g: float(np.median(g["min_ess_bulk"] / g["sample_s"])),
                include_groups=False,
            ),
        }
    )
    if "max_r_hat_shared" in results:  # not recorded by the first runs
        table.insert(4, "max r_hat (shared)", grouped["max_r_hat_shared"].max())
    return table.round(3)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=DATASETS)
    parser.add_argument(
        "--variants", nargs="*", default=["default"], help=f"any of {VARIANTS}, or joined by +"
    )
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--stem", default="robustness")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    seeds = list(range(1, args.seeds + 1))
    rows = [row for v in args.variants for d in args.datasets for row in run(d, v, seeds)]
    results = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / f"{args.stem}.csv", index=False)
    grid = results.pivot_table(
        index="seed", columns=["variant", "dataset"], values="divergences", aggfunc="sum"
    )
    text = (
        "# Divergent transitions of default fits, seeds × data sets\n\n"
        f"{len(seeds)} seeds, 2 chains × 1,000 draws after 1,000 tuning steps each.\n\n"
        + markdown(summary(results))
        + "\n## Divergences per fit\n\n"
        + markdown(grid)
    )
    (out / f"{args.stem}.md").write_text(text)
    print(text)
    return results


if __name__ == "__main__":
    main()
