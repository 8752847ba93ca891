"""Prior fidelity: does the implied R² follow its Beta target? KS distance per cell.

For each family, target Beta(a, b), intercept level and W-prior method, the
script builds the full model ``y ~ x1 + x2 + (1|g)`` on simulated data whose
mean puts g(mean y) at the level, draws W from the log-density of W that the
built PyMC model contains (``rf.implied_prior``: inverse CDF on a refined log-W
grid), computes R² of those draws and reports the Kolmogorov–Smirnov distance to
Beta(a, b) (to the four-parameter Beta on [0, R²max] for bounded families). What
it measures is the W prior inside the model — its density and Jacobian for
``exact``, the fitted GBP for ``gbp`` — through the package's R² formulas, which
the tests check against independent closed forms and quadrature.

Two settings:
* ``fixed``: the intercept held at g(mean y) and the family parameters at their
  prior medians, as the paper compares methods (the GBP is fitted there);
* ``random`` (exact method only): intercept and family parameters drawn from their
  priors, as the model is actually used (2,000 draws for binary families, whose
  density is costly to tabulate at every intercept: KS noise 0.030 at 95%).

With 20,000 draws the KS distance of a correct prior exceeds 0.0096 with
probability 5% (1.36/sqrt(n)), so the exact method's target 0.015 leaves room
for Monte-Carlo noise only.

Usage: python -m benchmarks prior_fidelity [--draws 20000] [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

import r2d2_formula as rf
from benchmarks._harness import RESULTS, markdown

FAMILIES = ["gaussian", "bernoulli", "binomial", "poisson", "negativebinomial", "gamma"]
BETAS = [(1.0, 1.0), (1.0, 4.0), (4.0, 1.0), (2.0, 2.0)]
LEVELS = [-1.0, 0.0, 1.0, 2.0]
METHODS = ["exact", "gbp", "linear"]
TRIALS = 10
N = 400
FORMULA = "y ~ x1 + x2 + (1|g)"


def simulate(family: str, level: float, seed: int = 0) -> tuple[str, pd.DataFrame]:
    """Data of the family whose mean response sits at g^{-1}(level)."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 20, N).astype(str)
    data = pd.DataFrame({"x1": rng.normal(size=N), "x2": rng.normal(size=N), "g": groups})
    if family == "gaussian":
        data["y"] = level + rng.normal(size=N)
    elif family == "bernoulli":
        ones = round(N * special.expit(level))
        data["y"] = rng.permutation(np.r_[np.ones(ones), np.zeros(N - ones)]).astype(int)
    elif family == "binomial":
        data["n"] = TRIALS
        total = round(N * TRIALS * special.expit(level))
        draws = rng.binomial(TRIALS, special.expit(level), N)
        data["y"] = _rescale_counts(draws, total, TRIALS, rng)
        return "p(y, n) ~ x1 + x2 + (1|g)", data
    elif family in ("poisson", "negativebinomial"):
        data["y"] = rng.poisson(np.exp(level), N)
    else:
        data["y"] = rng.gamma(2.0, np.exp(level) / 2.0, N)
    return FORMULA, data


def _rescale_counts(y: np.ndarray, total: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Integer counts in [0, cap] summing to ``total``: adjust one unit at a time."""
    y = y.copy()
    while y.sum() != total:
        i = rng.integers(0, y.size)
        if y.sum() < total and y[i] < cap:
            y[i] += 1
        elif y.sum() > total and y[i] > 0:
            y[i] -= 1
    return y


#: Draws of the ``random`` setting for binary families, whose W density costs about 15 ms
#: per draw to tabulate (a quadrature per grid point; a new density at every intercept).
BINARY_RANDOM_DRAWS = 2000


def ks_cell(model: rf.Model, a: float, b: float, draws: int, seed: int, fixed: bool) -> float:
    plan = model.plan
    kwargs = {"intercept": plan.intercept_mean, "theta": dict(plan.theta_median)} if fixed else {}
    if not fixed and model.family in ("bernoulli", "binomial"):
        draws = min(draws, BINARY_RANDOM_DRAWS)
    r2 = rf.implied_r2(model, draws=draws, random_seed=seed, relative=True, **kwargs)
    return _ks(r2, a, b)


def _shifted(model: rf.Model, a: float, b: float, draws: int, shift: float) -> float:
    """KS with the intercept moved away from where the GBP was fitted (θ at its median)."""
    plan = model.plan
    r2 = rf.implied_r2(
        model,
        draws=draws,
        random_seed=4,
        relative=True,
        intercept=plan.intercept_mean + shift,
        theta=dict(plan.theta_median),
    )
    return _ks(r2, a, b)


def _ks(r2: np.ndarray, a: float, b: float) -> float:
    return float(stats.kstest(r2, stats.beta(a, b).cdf).statistic)


def run(draws: int, families: list[str], betas, levels, methods) -> pd.DataFrame:
    rows = []
    for family in families:
        for level in levels:
            formula, data = simulate(family, level)
            for a, b in betas:
                for method in methods:
                    start = time.perf_counter()
                    prior = rf.R2D2(a=a, b=b, method=method)
                    model = rf.Model(formula, data, family=family, prior=prior)
                    row = {
                        "family": family,
                        "level": level,
                        "intercept": round(model.plan.intercept_mean, 3),
                        "a": a,
                        "b": b,
                        "method": method,
                        "ks_fixed": ks_cell(model, a, b, draws, seed=1, fixed=True),
                        "ks_gbp_minus1": (
                            _shifted(model, a, b, draws, -1.0) if method == "gbp" else np.nan
                        ),
                        "ks_gbp_plus1": (
                            _shifted(model, a, b, draws, 1.0) if method == "gbp" else np.nan
                        ),
                        "ks_random": (
                            ks_cell(model, a, b, draws, seed=2, fixed=False)
                            if method == "exact"
                            else np.nan
                        ),
                    }
                    row["seconds"] = round(time.perf_counter() - start, 2)
                    rows.append(row)
                    print(_format_row(row), flush=True)
    return pd.DataFrame(rows)


def _format_row(row: dict) -> str:
    random = "" if np.isnan(row["ks_random"]) else f"  random {row['ks_random']:.4f}"
    if not np.isnan(row["ks_gbp_minus1"]):
        random += f"  at -1: {row['ks_gbp_minus1']:.4f}  at +1: {row['ks_gbp_plus1']:.4f}"
    return (
        f"{row['family']:>16} level {row['level']:+.0f} Beta({row['a']:g},{row['b']:g}) "
        f"{row['method']:>6}: fixed {row['ks_fixed']:.4f}{random}  ({row['seconds']} s)"
    )


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """Worst KS per family and method (over Beta targets and levels)."""
    fixed = results.pivot_table(index="family", columns="method", values="ks_fixed", aggfunc="max")
    fixed.columns = [f"max KS {c} (fixed)" for c in fixed.columns]
    exact = results[results["method"] == "exact"].groupby("family")
    gbp = results[results["method"] == "gbp"].groupby("family")
    fixed["max KS gbp (intercept ±1)"] = np.maximum(
        gbp["ks_gbp_minus1"].max(), gbp["ks_gbp_plus1"].max()
    )
    fixed["max KS exact (random)"] = exact["ks_random"].max()
    return fixed.reindex([f for f in FAMILIES if f in fixed.index]).round(4)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20_000, help="prior draws per cell (20000)")
    parser.add_argument("--quick", action="store_true", help="a small subset, for smoke tests")
    parser.add_argument("--out", default=str(RESULTS), help="output folder")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.quick:
        results = run(min(args.draws, 2000), ["poisson", "bernoulli"], BETAS[:2], [0.0], METHODS)
    else:
        results = run(args.draws, FAMILIES, BETAS, LEVELS, METHODS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "prior_fidelity_quick" if args.quick else "prior_fidelity"
    results.to_csv(out / f"{name}.csv", index=False)
    table = summary_table(results)
    print("\nWorst KS distance per family and method:\n")
    print(table.to_string())
    (out / f"{name}.md").write_text(markdown(table.rename_axis("family")))
    return results


if __name__ == "__main__":
    main()
