"""Scale: wall time and peak memory of one default fit as the data grow.

A Poisson GLMM ``y ~ x1 + x2 + x3 + (1|g)`` (fixed seed) is fitted with r2d2_formula's
defaults (nutpie, exact W prior, ``noncentered="auto"``) while

* the number of observations grows, n = 1e3, 1e4, 1e5, 1e6, with 30 groups;
* the number of groups grows, 10, 100, 1,000, with n = 1e4.

Each fit runs in its own process, so the peak resident memory (VmHWM) is its own. Per fit:
model build time, compile + sampling time, sampling time alone, the minimum bulk ESS over
the coefficients, group SD, W and φ, divergences, maximum r_hat and peak memory.

Usage: python -m benchmarks scale [--quick] [--draws N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import RESULTS, fit, in_fresh_process, markdown

FULL = [
    (1_000, 30),
    (10_000, 30),
    (100_000, 30),
    (1_000_000, 30),
    (10_000, 10),
    (10_000, 100),
    (10_000, 1_000),
]
QUICK = [(500, 10), (2_000, 10), (500, 50)]


def simulate(n: int, groups: int) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(n, 3))
    g = rng.integers(0, groups, n)
    eta = 0.3 + x @ np.array([0.4, -0.2, 0.0]) + rng.normal(0, 0.5, groups)[g]
    data = pd.DataFrame(x, columns=["x1", "x2", "x3"])
    data["g"] = pd.Categorical([f"g{i}" for i in g])
    data["y"] = rng.poisson(np.exp(eta))
    return data


def run_one(n: int, groups: int, draws: int) -> dict:
    """One default fit as a user calls it: ``Model(...)`` then ``.fit()``, timed apart."""
    import r2d2_formula as rf

    data = simulate(n, groups)
    start = time.perf_counter()
    model = rf.Model("y ~ x1 + x2 + x3 + (1|g)", data, family="poisson")
    build_s = time.perf_counter() - start
    names = ["x1", "x2", "x3", "1|g_sigma", "W", "phi"]
    run = fit(model, sampler="fit", draws=draws, tune=draws, chains=2, seed=5, names=names)
    return {
        "n": n,
        "groups": groups,
        "build_s": round(build_s, 2),
        "fit_s": round(run.wall_s, 2),
        "sample_s": round(run.sample_s, 2) if run.sample_s == run.sample_s else None,
        "min_ess_bulk": round(run.min_ess_bulk, 1),
        "divergences": run.divergences,
        "max_r_hat": round(run.max_r_hat, 4),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "draws": 2 * draws,
    }


def measure(n: int, groups: int, draws: int) -> dict:
    """``run_one`` in a fresh process, so its peak memory is its own."""
    args = ["--one", str(n), str(groups), "--draws", str(draws)]
    return in_fresh_process("scale", args, {"n": n, "groups": groups})


def main(argv: list[str] | None = None) -> pd.DataFrame | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data and draws: a smoke test")
    parser.add_argument("--draws", type=int, default=None, help="draws and tuning steps per chain")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--max-n", type=int, default=None, help="skip data sets larger than this")
    parser.add_argument("--one", nargs=2, type=int, metavar=("N", "GROUPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    draws = args.draws or (100 if args.quick else 1000)
    warnings.filterwarnings("ignore")
    if args.one:
        print(json.dumps(run_one(*args.one, draws)))
        return None
    rows = []
    for n, groups in QUICK if args.quick else FULL:
        if args.max_n is not None and n > args.max_n:
            continue
        rows.append(measure(n, groups, draws))
        print(json.dumps(rows[-1]), flush=True)
    results = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "scale_quick" if args.quick else "scale"
    results.to_csv(out / f"{stem}.csv", index=False)
    (out / f"{stem}.md").write_text(markdown(results, index=False))
    print("\n" + results.to_string(index=False))
    return results


if __name__ == "__main__":
    main()
