"""Run the benchmarks.

    python -m benchmarks --list             the benchmarks, one line each
    python -m benchmarks NAME [OPTIONS]     one of them (``NAME --help`` lists its options)
    python -m benchmarks all                every one at full size, one after the other:
                                            hours on 2 cores; tables in benchmarks/results/
    python -m benchmarks quick [--out DIR]  a smoke run of every one (small data, few
                                            draws and seeds): a few minutes; tables in DIR
                                            (benchmarks/results/quick/, not committed)

``all`` and ``quick`` run each benchmark in its own process and carry on past a failure;
they exit non-zero if any failed.
"""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Every benchmark, in the order ``all`` and ``quick`` run them.
NAMES = (
    "ml_reference",
    "prior_fidelity",
    "sampling",
    "shares",
    "robustness",
    "scale",
    "wall",
    "sbc",
)

#: The options of each benchmark's smoke run (``quick``), besides ``--out``.
QUICK: dict[str, str] = {
    "ml_reference": "",
    "prior_fidelity": "--quick",
    "sampling": "--quick --datasets poisson",
    "shares": "--quick --datasets slopes --seeds 1",
    "robustness": "--seeds 1 --datasets slopes",
    "scale": "--quick",
    "wall": "--repeats 1 --datasets sleepstudy",
    "sbc": "--families gaussian --formulas intercepts --sims 4 --draws 200 --tune 200 "
    "--workers 1 --fresh",
}


def summary(name: str) -> str:
    """The first line of a benchmark's docstring (read, not imported: imports are slow)."""
    docstring = ast.get_docstring(ast.parse((HERE / f"{name}.py").read_text())) or ""
    return docstring.splitlines()[0] if docstring else ""


def run(name: str, argv: list[str]) -> None:
    """Run one benchmark in this process."""
    sys.argv[0] = f"python -m benchmarks {name}"  # argparse's program name in --help
    importlib.import_module(f"benchmarks.{name}").main(argv)


def run_each(plan: list[tuple[str, list[str]]]) -> int:
    """Run each ``(name, options)`` in a fresh process; 1 if any failed, else 0."""
    path = os.pathsep.join(p for p in (str(HERE.parent), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    outcomes = []
    for name, options in plan:
        print(f"\n=== python -m benchmarks {' '.join([name, *options])}", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "benchmarks", name, *options], env=env)
        outcomes.append((name, time.perf_counter() - start, done.returncode))
    print("\n=== summary")
    for name, seconds, code in outcomes:
        print(f"{name:<16}{seconds:8.0f} s  {'ok' if code == 0 else f'FAILED ({code})'}")
    return int(any(code != 0 for _, _, code in outcomes))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    command, options = argv[0], argv[1:]
    if command == "--list":
        for name in NAMES:
            print(f"{name:<16}{summary(name)}")
        return 0
    if command == "all":
        if options:
            print("all takes no options (run one benchmark to choose its own)", file=sys.stderr)
            return 2
        return run_each([(name, []) for name in NAMES])
    if command == "quick":
        if options and (len(options) != 2 or options[0] != "--out"):
            print("quick takes one option: --out DIR", file=sys.stderr)
            return 2
        out = Path(options[1]) if options else HERE / "results" / "quick"
        plan = []
        for name in NAMES:
            where = [] if name == "ml_reference" else ["--out", str(out / name)]
            plan.append((name, [*QUICK[name].split(), *where]))
        return run_each(plan)
    if command not in NAMES:
        print(f"unknown benchmark {command!r}; one of: {', '.join(NAMES)}", file=sys.stderr)
        return 2
    run(command, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
