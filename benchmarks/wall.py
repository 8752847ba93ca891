"""End-to-end wall time of one default fit: r2d2_formula against Bambi, each in a fresh process.

What a user waits for: building the model, compiling it and sampling it, from the
call to ``Model(...).fit()`` (ours) or ``bambi.Model(...).fit()`` (Bambi, its default
priors and sampler settings, nutpie as ours) until the posterior is returned. Imports
are excluded (both pay them once per session). Each fit runs in a new Python process,
so neither reuses the other's compiled functions in memory; PyTensor's and numba's
on-disk caches are warmed by one untimed fit of each first, as they are for a user's
second session. Reported: wall seconds, the minimum bulk ESS over the shared
parameters (coefficients, group SDs; ours also W and φ) and ESS per wall second, with
the ratios ours / Bambi of the same run.

Data: lme4's cbpp and sleepstudy with the formulas of ``r2d2_formula._datasets``, and the
logistic GLMM of ``benchmarks.sampling`` (n = 2,000, crossed (1|a) + (1|b)).

Usage: python -m benchmarks wall [--repeats 3] [--datasets cbpp logistic sleepstudy]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import pandas as pd

from benchmarks._harness import RESULTS, fit, in_fresh_process, markdown, shared_names

DATASETS = ("cbpp", "logistic", "sleepstudy")


def dataset(name: str) -> tuple[str, str, pd.DataFrame]:
    if name == "logistic":
        from benchmarks.sampling import simulate

        return simulate(name)
    from r2d2_formula._datasets import EXAMPLES, load_dataset

    return EXAMPLES[name].formula, EXAMPLES[name].family, load_dataset(name)


def run_one(name: str, variant: str) -> dict:
    """One default fit, timed from model construction to the returned posterior."""
    import bambi as bmb

    import r2d2_formula as rf

    formula, family, data = dataset(name)
    start = time.perf_counter()
    if variant == "r2d2":
        model = rf.Model(formula, data, family=family)
        options = {}
    else:
        model = bmb.Model(formula, data, family=family)
        options = {"inference_method": "nutpie"}
    build_s = time.perf_counter() - start
    run = fit(model, sampler="fit", seed=1, names=shared_names(model), **options)
    wall = build_s + run.wall_s
    return {
        "dataset": name,
        "variant": variant,
        "wall_s": round(wall, 2),
        "min_ess_bulk": round(run.min_ess_bulk, 1),
        "ess_per_wall_s": round(run.min_ess_bulk / wall, 2),
        "divergences": run.divergences,
    }


def main(argv: list[str] | None = None) -> pd.DataFrame | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return None
    rows = []
    for name in args.datasets:
        for variant in ("r2d2", "bambi"):  # warm the on-disk caches, untimed
            in_fresh_process("wall", ["--one", name, variant], {})
        for _ in range(args.repeats):
            for variant in ("r2d2", "bambi"):
                label = {"dataset": name, "variant": variant}
                row = in_fresh_process("wall", ["--one", name, variant], label)
                rows.append(row)
                print(json.dumps(row), flush=True)
    results = pd.DataFrame(rows)
    medians = results.groupby(["dataset", "variant"])[["wall_s", "ess_per_wall_s"]].median()
    table = medians.unstack("variant")
    ratios = pd.DataFrame(
        {
            "r2d2 wall s": table[("wall_s", "r2d2")],
            "bambi wall s": table[("wall_s", "bambi")],
            "wall r2d2 / bambi": table[("wall_s", "r2d2")] / table[("wall_s", "bambi")],
            "ESS per wall s r2d2 / bambi": table[("ess_per_wall_s", "r2d2")]
            / table[("ess_per_wall_s", "bambi")],
        }
    ).round(2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "wall.csv", index=False)
    text = (
        "# One default fit, end to end (build + compile + sample), fresh processes\n\n"
        f"Medians of {args.repeats} repeats; ratios from the same run.\n\n"
        + markdown(ratios)
        + "\n## Every fit\n\n"
        + markdown(results, index=False)
    )
    (out / "wall.md").write_text(text)
    print(text)
    return results


if __name__ == "__main__":
    main()
