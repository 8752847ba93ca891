"""Sampling speed and quality: r2d2_formula's defaults against the seed-style model and Bambi.

Three simulated data sets (fixed seeds):

* ``poisson``: Poisson GLMM, n = 600, 5 standardised predictors (2 without effect), 30 groups;
* ``logistic``: Bernoulli GLMM, n = 2,000, 2 predictors, two crossed grouping factors
  (40 and 25 levels);
* ``slopes``: Gaussian model with a random intercept and slope, n = 400, 20 groups.

Each is fitted four ways, every one through the same sampler and code path (the PyMC
model compiled and sampled by nutpie, or by PyMC's NUTS with ``--sampler pymc``):

* ``r2d2``: ``r2d2_formula.Model`` with its defaults (exact W prior,
  ``noncentered="auto"``, ``target_accept=0.9``);
* ``r2d2_nc``: the same with ``noncentered=True`` (every coefficient and group effect
  non-centered), the parameterisation the default was chosen against;
* ``seed``: a hand-written PyMC model in the style of the seed document (centered
  coefficients and group effects, the linear-approximation W prior
  W ~ s²(β₀) BetaPrime(a, b), φ ~ Dirichlet), with only the fixes needed to run on
  PyMC 6: the GBP density as a CustomDist with ``pt.gammaln`` instead of SciPy, and one
  φ per group-level term (the seed handles one grouping factor with an intercept only).
  Same R² prior (a = b = 1, ξ = 1), PyMC's default target acceptance 0.8;
* ``bambi``: ``bambi.Model`` with its default priors, target acceptance 0.8.

Per fit: compile time, sampling time, the minimum bulk ESS over the coefficients, group
SDs, W and φ (those the model has), ESS per second of sampling, divergences, maximum
r_hat and the peak resident memory of the process (each fit runs in its own process).
The table gives the ratios r2d2/seed and r2d2/bambi of ESS per second, measured in the
same run: machines are noisy, ratios less so.

Usage: python -m benchmarks sampling [--quick] [--sampler nutpie|pymc] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import RESULTS, fit, in_fresh_process, markdown, shared_names

DATASETS = ("poisson", "logistic", "slopes")
VARIANTS = ("r2d2", "r2d2_nc", "seed", "bambi")


# --- data ----------------------------------------------------------------------------------


def simulate(name: str, quick: bool = False) -> tuple[str, str, pd.DataFrame]:
    """(formula, family, data) of a benchmark data set."""
    rng = np.random.default_rng({"poisson": 1, "logistic": 2, "slopes": 3}[name])
    shrink = 4 if quick else 1
    if name == "poisson":
        n, groups = 600 // shrink, 30
        x = rng.normal(size=(n, 5))
        g = rng.integers(0, groups, n)
        eta = 0.5 + x @ np.array([0.5, -0.3, 0.0, 0.0, 0.2]) + rng.normal(0, 0.5, groups)[g]
        data = pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 6)])
        data["g"] = [f"g{i}" for i in g]
        data["y"] = rng.poisson(np.exp(eta))
        return "y ~ x1 + x2 + x3 + x4 + x5 + (1|g)", "poisson", data
    if name == "logistic":
        n = 2000 // shrink
        x = rng.normal(size=(n, 2))
        a, b = rng.integers(0, 40, n), rng.integers(0, 25, n)
        eta = (
            -0.3 + x @ np.array([0.8, -0.5]) + rng.normal(0, 0.7, 40)[a] + rng.normal(0, 0.4, 25)[b]
        )
        data = pd.DataFrame(
            {"x1": x[:, 0], "x2": x[:, 1], "a": [f"a{i}" for i in a], "b": [f"b{i}" for i in b]}
        )
        data["y"] = rng.binomial(1, 1 / (1 + np.exp(-eta)))
        return "y ~ x1 + x2 + (1|a) + (1|b)", "bernoulli", data
    n, groups = 400 // shrink, 20
    x = rng.normal(size=n)
    g = rng.integers(0, groups, n)
    u0, u1 = rng.normal(0, 1.0, groups), rng.normal(0, 0.5, groups)
    data = pd.DataFrame({"x": x, "g": [f"g{i}" for i in g]})
    data["y"] = 2.0 + 1.5 * x + u0[g] + u1[g] * x + rng.normal(0, 1.0, n)
    return "y ~ x + (x|g)", "gaussian", data


# --- models --------------------------------------------------------------------------------


def r2d2_model(formula: str, family: str, data: pd.DataFrame, **options):
    """r2d2_formula's model and sampler settings: its defaults unless ``options`` say else."""
    import r2d2_formula as rf
    from r2d2_formula._bambi import pymc_model
    from r2d2_formula._model import DEFAULT_FIT

    model = rf.Model(formula, data, family=family, **options)
    return pymc_model(model.bambi_model), shared_names(model), DEFAULT_FIT["target_accept"]


def bambi_model(formula: str, family: str, data: pd.DataFrame):
    import bambi as bmb

    model = bmb.Model(formula, data, family=family)
    model.build()
    return model.backend.model, shared_names(model), 0.8


def seed_model(formula: str, family: str, data: pd.DataFrame):
    """The seed document's linear-approximation model, centered, with the fixes to run."""
    import pymc as pm
    import pytensor.tensor as pt

    from r2d2_formula import design

    d = design(formula, data, family=family)
    X = d.population.to_numpy()  # as in the seed: not centered (the simulated x have mean ≈ 0)
    groups = d.groups
    y = np.asarray(d.response, dtype=float)
    a = b = 1.0
    # One φ per group-level column (the seed had a single random intercept).
    blocks = [(g, column) for g in groups for column in g.columns.columns]
    coords = {
        "predictors": list(d.population.columns),
        "components": [*d.population.columns, *(f"{c}|{g.factor}" for g, c in blocks)],
    }
    with pm.Model(coords=coords) as model:
        beta0 = pm.Normal("beta0", 0, 10)
        phi = pm.Dirichlet("phi", a=np.ones(len(coords["components"])), dims="components")
        if family == "gaussian":
            s2 = pm.InverseGamma("sigma_sq", alpha=1, beta=1)
            sigma = pt.sqrt(s2)
        elif family == "poisson":
            s2 = pt.exp(-beta0)
        else:
            p0 = pt.sigmoid(beta0)
            s2 = 1 / (p0 * (1 - p0))

        def gbp_logp(value, d_scale):
            # GBP(a, b, 1, d) = d * BetaPrime(a, b); the seed used scipy's gamma on tensors.
            x = value / d_scale
            return (
                (a - 1) * pt.log(x)
                - (a + b) * pt.log1p(x)
                - pt.log(d_scale)
                - (pt.gammaln(a) + pt.gammaln(b) - pt.gammaln(a + b))
            )

        W = pm.CustomDist(
            "W",
            s2,
            logp=gbp_logp,
            # Without a support point PyMC starts W at 0, where log W is -inf.
            support_point=lambda rv, size, d_scale: d_scale,
            default_transform=pm.distributions.transforms.log,
        )
        p = X.shape[1]
        beta = pm.Normal("beta", 0, pt.sqrt(phi[:p] * W), dims="predictors")
        eta = beta0 + pt.dot(X, beta)
        sigma_names = []
        for k, (group, column) in enumerate(blocks):
            sigma_names.append(f"{column}|{group.factor}_sigma")
            sd = pm.Deterministic(sigma_names[-1], pt.sqrt(phi[p + k] * W))
            u = pm.Normal(f"u_{k}", 0, sd, shape=len(group.levels))  # centered, as in the seed
            eta = eta + u[group.codes] * group.columns[column].to_numpy()
        if family == "gaussian":
            pm.Normal("y", eta, sigma, observed=y)
        elif family == "poisson":
            pm.Poisson("y", pt.exp(eta), observed=y)
        else:
            pm.Bernoulli("y", logit_p=eta, observed=y)
    names = ["beta", *sigma_names, "W", "phi"]
    return model, names, 0.8


BUILDERS = {
    "r2d2": r2d2_model,
    "r2d2_nc": lambda *args: r2d2_model(*args, noncentered=True),
    "seed": seed_model,
    "bambi": bambi_model,
}


# --- one fit, in its own process -----------------------------------------------------------


def run_one(dataset: str, variant: str, sampler: str, quick: bool) -> dict:
    """Fit one variant to one data set; returns the measurements."""
    formula, family, data = simulate(dataset, quick)
    model, names, target_accept = BUILDERS[variant](formula, family, data)
    draws, tune, chains = (100, 100, 1) if quick else (1000, 1000, 2)
    run = fit(
        model,
        sampler=sampler,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=7,
        target_accept=target_accept,
        names=names,
    )
    return {
        "dataset": dataset,
        "variant": variant,
        "sampler": sampler,
        "target_accept": target_accept,
        "compile_s": round(run.compile_s, 2),
        "sample_s": round(run.sample_s, 2),
        "min_ess_bulk": round(run.min_ess_bulk, 1),
        "ess_per_s": round(run.ess_per_s, 2),
        "divergences": run.divergences,
        "max_r_hat": None if run.max_r_hat is None else round(run.max_r_hat, 4),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "draws": draws * chains,
    }


def measure(dataset: str, variant: str, sampler: str, quick: bool) -> dict:
    """``run_one`` in a fresh process, so peak memory and compile caches are its own."""
    args = ["--one", dataset, variant, "--sampler", sampler, *(["--quick"] if quick else [])]
    label = {"dataset": dataset, "variant": variant, "sampler": sampler}
    return in_fresh_process("sampling", args, label)


def ratios(results: pd.DataFrame) -> pd.DataFrame:
    """ESS/s of r2d2 divided by that of the seed-style model and of Bambi, per data set."""
    table = results.pivot(index="dataset", columns="variant", values="ess_per_s")
    out = pd.DataFrame(
        {
            "r2d2 ESS/s": table["r2d2"],
            "r2d2 / seed": table["r2d2"] / table["seed"],
            "r2d2 / bambi": table["r2d2"] / table["bambi"],
        }
    )
    return out.round(2)


def main(argv: list[str] | None = None) -> pd.DataFrame | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data and draws: a smoke test")
    parser.add_argument("--sampler", default="nutpie", choices=["nutpie", "pymc"])
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--one", nargs=2, metavar=("DATASET", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.one:
        print(json.dumps(run_one(*args.one, args.sampler, args.quick)))
        return None
    rows = []
    for dataset in args.datasets:
        for variant in VARIANTS:
            row = measure(dataset, variant, args.sampler, args.quick)
            rows.append(row)
            print(json.dumps(row), flush=True)
    results = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"sampling_{args.sampler}" + ("_quick" if args.quick else "")
    results.to_csv(out / f"{stem}.csv", index=False)
    columns = [
        "dataset",
        "variant",
        "compile_s",
        "sample_s",
        "min_ess_bulk",
        "ess_per_s",
        "divergences",
        "max_r_hat",
        "peak_rss_mb",
    ]
    print("\n" + results[[c for c in columns if c in results]].to_string(index=False))
    shown = results[[c for c in columns if c in results]]
    text = markdown(shown, index=False)
    if "error" not in results or results["error"].isna().all():
        print("\nRatios of ESS per second, same run, same sampler:\n")
        print(ratios(results).to_string())
        text += "\n" + markdown(ratios(results))
    (out / f"{stem}.md").write_text(text)
    return results


if __name__ == "__main__":
    main()
