"""Dirichlet against logistic-normal shares φ: sampling speed and quality of the same models.

The data sets of ``benchmarks.sampling`` (``poisson``: Poisson GLMM, 5 predictors and
30 groups; ``logistic``: Bernoulli GLMM with two crossed grouping factors; ``slopes``:
Gaussian model with a random intercept and slope), each fitted with r2d2_formula's
defaults (exact W prior, ``noncentered="auto"``, ``target_accept=0.9``, nutpie) and two
share priors that say the same thing:

* ``dirichlet``: φ ~ Dirichlet(1, ..., 1), the default;
* ``logistic-normal``: ``R2D2(shares="logistic-normal")``, the logistic-normal closest
  to that Dirichlet (``LogisticNormal.from_dirichlet(1)``), sampled as K − 1 standard
  normals behind the additive log-ratios.

Both have prior mean 1/K for every share (by symmetry), so ``noncentered="auto"`` makes
the same choices for both. Each pair runs with several sampler seeds, every fit in a
fresh process. Per fit: compile and sampling time, the minimum bulk ESS over the
coefficients, group SDs, W and φ, that ESS per second of sampling, the minimum bulk ESS
of φ and of W alone, divergences, the maximum r_hat and the posterior mean of R² (the
two priors should give nearly the same fit).

Usage: python -m benchmarks shares [--quick] [--datasets poisson logistic slopes]
       [--seeds 1 2 3] [--out DIR]

A run updates the rows of the data sets it ran in ``shares.csv`` and rewrites
``shares.md`` from the whole CSV, so data sets can be run one at a time.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import pandas as pd

from benchmarks._harness import RESULTS, fit, in_fresh_process, markdown, shared_names
from benchmarks.sampling import DATASETS, simulate

VARIANTS = ("dirichlet", "logistic-normal")
SEEDS = (1, 2, 3)


def run_one(dataset: str, variant: str, seed: int, quick: bool) -> dict:
    """Fit one data set with one share prior and sampler seed; returns the measurements."""
    import r2d2_formula as rf
    from r2d2_formula._model import DEFAULT_FIT

    formula, family, data = simulate(dataset, quick)
    model = rf.Model(formula, data, family=family, prior=rf.R2D2(shares=variant))
    draws, tune, chains = (100, 100, 1) if quick else (1000, 1000, 2)
    run = fit(
        model,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=DEFAULT_FIT["target_accept"],
        names=shared_names(model),
    )
    return {
        "dataset": dataset,
        "variant": variant,
        "seed": seed,
        "components": len(model.components),
        "compile_s": round(run.compile_s, 2),
        "sample_s": round(run.sample_s, 2),
        "wall_s": round(run.wall_s, 2),
        "min_ess_bulk": round(run.min_ess_bulk, 1),
        "ess_per_s": round(run.ess_per_s, 2),
        "ess_phi": round(float(run.ess_bulk["phi"].min()), 1),
        "ess_W": round(float(run.ess_bulk["W"].min()), 1),
        "divergences": run.divergences,
        "r2_mean": round(float(run.idata.posterior["R2"].mean()), 3),
        "max_r_hat": None if run.max_r_hat is None else round(run.max_r_hat, 4),
        "draws": draws * chains,
    }


def measure(dataset: str, variant: str, seed: int, quick: bool) -> dict:
    """``run_one`` in a fresh process (its own compile caches and memory)."""
    args = ["--one", dataset, variant, str(seed), *(["--quick"] if quick else [])]
    label = {"dataset": dataset, "variant": variant, "seed": seed}
    return in_fresh_process("shares", args, label)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per data set and share prior: medians over seeds, divergences summed over seeds."""
    grouped = results.groupby(["dataset", "variant"], sort=False)
    table = grouped.agg(
        seeds=("seed", "count"),
        ess_per_s=("ess_per_s", "median"),
        min_ess_bulk=("min_ess_bulk", "median"),
        ess_phi=("ess_phi", "median"),
        wall_s=("wall_s", "median"),
        divergences=("divergences", "sum"),
        max_r_hat=("max_r_hat", "max"),
        r2_mean=("r2_mean", "median"),
    )
    return table.round(2)


def ratios(results: pd.DataFrame) -> pd.DataFrame:
    """Logistic-normal over Dirichlet, per data set: median ESS/s and median wall time."""
    medians = results.groupby(["dataset", "variant"], sort=False)[["ess_per_s", "wall_s"]].median()
    ln, dirichlet = medians.xs("logistic-normal", level=1), medians.xs("dirichlet", level=1)
    return pd.DataFrame(
        {
            "ESS/s, LN / Dirichlet": ln["ess_per_s"] / dirichlet["ess_per_s"],
            "wall time, LN / Dirichlet": ln["wall_s"] / dirichlet["wall_s"],
        }
    ).round(2)


def main(argv: list[str] | None = None) -> pd.DataFrame | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data and draws: a smoke test")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--seeds", nargs="*", type=int, default=list(SEEDS))
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--one", nargs=3, metavar=("DATASET", "VARIANT", "SEED"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.one:
        dataset, variant, seed = args.one
        print(json.dumps(run_one(dataset, variant, int(seed), args.quick)))
        return None
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            for variant in VARIANTS:
                row = measure(dataset, variant, seed, args.quick)
                rows.append(row)
                print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "shares" + ("_quick" if args.quick else "")
    results = pd.DataFrame(rows)
    if (out / f"{stem}.csv").exists():  # keep the rows of data sets not run now
        earlier = pd.read_csv(out / f"{stem}.csv")
        results = pd.concat([earlier[~earlier["dataset"].isin(args.datasets)], results])
    results["dataset"] = pd.Categorical(results["dataset"], categories=DATASETS, ordered=True)
    results = results.sort_values(["dataset", "seed", "variant"]).reset_index(drop=True)
    results["dataset"] = results["dataset"].astype(str)
    results.to_csv(out / f"{stem}.csv", index=False)
    size = "1 chain x 100 draws" if args.quick else "2 chains x 1,000 draws"
    text = f"Every fit (nutpie, {size} after as many tuning steps, default settings):\n\n"
    columns = [
        "dataset",
        "variant",
        "seed",
        "compile_s",
        "sample_s",
        "min_ess_bulk",
        "ess_per_s",
        "ess_phi",
        "ess_W",
        "divergences",
        "max_r_hat",
        "r2_mean",
    ]
    text += markdown(results[[c for c in columns if c in results]], index=False)
    if "error" not in results or results["error"].isna().all():
        text += "\nMedians over seeds (divergences summed):\n\n" + markdown(summary(results))
        text += "\nRatios of the medians, logistic-normal over Dirichlet:\n\n"
        text += markdown(ratios(results))
    print("\n" + text)
    (out / f"{stem}.md").write_text(text)
    return results


if __name__ == "__main__":
    main()
