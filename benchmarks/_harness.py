"""What the benchmarks share: one timed and diagnosed fit, fresh processes, markdown tables.

:func:`fit` is the one place a benchmark compiles and samples a model and measures it:
compile and sampling seconds, the minimum bulk and tail ESS, ESS per second of sampling,
the maximum r_hat, divergences and the peak memory of the process. The scripts differ
only in what they fit, with which settings, and what they report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: The checkout (the folder holding ``benchmarks/``) and the folder of the results.
ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


# --- one fit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A model compiled once for :func:`fit` to sample many times (other seeds).

    ``function`` is nutpie's compiled model, or PyMC's NUTS step for ``sampler="pymc"``.
    """

    model: Any
    sampler: str
    function: Any
    seconds: float


@dataclass(frozen=True)
class Run:
    """One fit: its draws, timings (seconds) and diagnostics, unrounded.

    ``ess_bulk``, ``ess_tail`` and ``r_hat`` are per variable (xarray Datasets) over the
    variables :func:`fit` was asked about; ``r_hat`` is None for a single chain.
    ``compile_s`` is NaN for ``sampler="fit"`` (the model's own ``fit``, which does not
    say), ``sample_s`` there is the time the sampler recorded (NaN if it did not).
    """

    idata: Any
    compile_s: float
    sample_s: float
    wall_s: float
    ess_bulk: Any
    ess_tail: Any
    r_hat: Any
    divergences: int
    peak_rss_mb: float

    @property
    def min_ess_bulk(self) -> float:
        return _extreme(self.ess_bulk, np.nanmin)

    @property
    def min_ess_tail(self) -> float:
        return _extreme(self.ess_tail, np.nanmin)

    @property
    def ess_per_s(self) -> float:
        """Minimum bulk ESS per second of sampling."""
        return self.min_ess_bulk / self.sample_s

    @property
    def max_r_hat(self) -> float | None:
        return None if self.r_hat is None else _extreme(self.r_hat, np.nanmax)

    def record(self) -> dict[str, Any]:
        """The measurements as one flat row (no draws)."""
        return {
            "compile_s": self.compile_s,
            "sample_s": self.sample_s,
            "wall_s": self.wall_s,
            "min_ess_bulk": self.min_ess_bulk,
            "min_ess_tail": self.min_ess_tail,
            "ess_per_s": self.ess_per_s,
            "max_r_hat": self.max_r_hat,
            "divergences": self.divergences,
            "peak_rss_mb": self.peak_rss_mb,
        }


def _extreme(values: Any, reduce: Any) -> float:
    return float(reduce([reduce(values[v].values) for v in values.data_vars]))


def pymc_model(model: Any) -> Any:
    """The PyMC model of an ``r2d2_formula.Model``, a ``bambi.Model`` or a ``pm.Model``."""
    import pymc as pm

    if isinstance(model, pm.Model):
        return model  # without importing r2d2_formula: a Bambi fit's timings stay Bambi's
    from r2d2_formula._bambi import pymc_model as bambi_to_pymc

    return bambi_to_pymc(getattr(model, "bambi_model", model))


def compile_model(
    model: Any, sampler: str = "nutpie", target_accept: float | None = None
) -> Compiled:
    """Compile ``model`` for :func:`fit`, timed from its conversion to PyMC on.

    PyMC's NUTS step is compiled with its ``target_accept`` (required for ``"pymc"``).
    """
    start = time.perf_counter()
    pm_model = pymc_model(model)
    if sampler == "nutpie":
        import nutpie

        function = nutpie.compile_pymc_model(pm_model)
    elif sampler == "pymc":
        import pymc as pm

        with pm_model:
            function = pm.NUTS(target_accept=target_accept)
    else:
        raise ValueError(f"cannot compile for sampler {sampler!r}")
    return Compiled(pm_model, sampler, function, time.perf_counter() - start)


def fit(
    model: Any,
    *,
    sampler: str = "nutpie",
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    seed: int | None = None,
    target_accept: float | None = None,
    names: Sequence[str] | None = None,
    **options: Any,
) -> Run:
    """Compile and sample ``model``; return the timings and diagnostics of the fit.

    Parameters
    ----------
    model
        An ``r2d2_formula.Model``, a ``bambi.Model``, a ``pm.Model``, or a :class:`Compiled`
        model (sampled again; its compile time is reported).
    sampler
        ``"nutpie"``: ``nutpie.compile_pymc_model`` then ``nutpie.sample``; ``"pymc"``:
        PyMC's NUTS step (its construction compiles the gradient, timed as compiling) then
        ``pm.sample``; ``"fit"``: the model's own ``fit`` method, as a user calls it (only
        the settings given are passed, so the rest are the model's defaults).
    draws, tune, chains, seed, target_accept
        Sampler settings; for ``"nutpie"`` and ``"pymc"`` the unset ones are
        ``r2d2_formula``'s defaults (``DEFAULT_FIT``).
    names
        The variables whose ESS and r_hat count (those the posterior has); by default
        every variable but the per-observation ones (the linear predictor).
    **options
        Passed on to the sampler (e.g. ``low_rank_modified_mass_matrix=True`` for nutpie,
        ``inference_method="nutpie"`` for ``bambi.Model.fit``).
    """
    settings = {"draws": draws, "tune": tune, "chains": chains, "target_accept": target_accept}
    if sampler == "fit":
        given = {k: v for k, v in settings.items() if v is not None}
        if seed is not None:
            given["random_seed"] = seed
        start = time.perf_counter()
        idata = model.fit(progressbar=False, **given, **options)
        wall_s = time.perf_counter() - start
        compile_s, sample_s = float("nan"), sampling_seconds(idata)
    else:
        if any(v is None for v in settings.values()):
            from r2d2_formula._model import DEFAULT_FIT

            settings = {k: DEFAULT_FIT[k] if v is None else v for k, v in settings.items()}
        if isinstance(model, Compiled):
            compiled = model
        else:
            compiled = compile_model(model, sampler, settings["target_accept"])
        start = time.perf_counter()
        idata = _sample(compiled, seed, settings, options)
        sample_s = time.perf_counter() - start
        compile_s, wall_s = compiled.seconds, compiled.seconds + sample_s
    return diagnose(idata, names, compile_s=compile_s, sample_s=sample_s, wall_s=wall_s)


def _sample(compiled: Compiled, seed: int | None, settings: dict, options: dict) -> Any:
    if compiled.sampler == "nutpie":
        import nutpie

        return nutpie.sample(
            compiled.function, seed=seed, progress_bar=False, **settings, **options
        )
    import pymc as pm

    settings = {k: v for k, v in settings.items() if k != "target_accept"}  # the step's own
    with compiled.model:
        return pm.sample(
            **settings,
            cores=settings["chains"],
            step=compiled.function,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
            **options,
        )


def diagnose(
    idata: Any,
    names: Sequence[str] | None = None,
    *,
    compile_s: float = float("nan"),
    sample_s: float = float("nan"),
    wall_s: float = float("nan"),
) -> Run:
    """ESS, r_hat, divergences and peak memory of a fit's draws (see :func:`fit`)."""
    import arviz as az

    posterior = idata.posterior.to_dataset()
    if names is None:
        keep = [v for v in posterior.data_vars if "__obs__" not in posterior[v].dims]
    else:
        keep = [n for n in names if n in posterior]
    posterior = posterior[keep]
    chains = posterior.sizes["chain"]
    return Run(
        idata=idata,
        compile_s=compile_s,
        sample_s=sample_s,
        wall_s=wall_s,
        ess_bulk=az.ess(posterior, method="bulk"),
        ess_tail=az.ess(posterior, method="tail"),
        r_hat=az.rhat(posterior) if chains > 1 else None,
        divergences=int(idata.sample_stats["diverging"].sum()),
        peak_rss_mb=peak_rss_mb(),
    )


def sampling_seconds(idata: Any) -> float:
    """Wall time of sampling alone, as the sampler recorded it (NaN if it did not)."""
    seconds = idata.posterior.attrs.get("sampling_time")
    return float(seconds) if seconds is not None else float("nan")


def shared_names(model: Any) -> list[str]:
    """Population coefficients and group SDs by their posterior names; ours add W and φ.

    ``model`` is an ``r2d2_formula.Model`` or a ``bambi.Model``.
    """
    bambi_model = getattr(model, "bambi_model", model)
    parent = bambi_model.parameters[bambi_model.family.likelihood.parent]
    names = [*parent.common_terms, *(f"{t}_sigma" for t in parent.group_specific_terms)]
    return names + (["W", "phi"] if bambi_model is not model else [])


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- fresh processes -------------------------------------------------------------------------


def in_fresh_process(benchmark: str, args: list[str], label: dict) -> dict:
    """Run ``python -m benchmarks BENCHMARK ARGS`` in a new process; parse its last line (JSON).

    A fresh process keeps peak memory and compile caches each fit's own. On failure the
    result is ``label`` with the last line of the error under ``"error"``.
    """
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", benchmark, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": path},
    )
    if done.returncode != 0:
        return {**label, "error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- tables ----------------------------------------------------------------------------------


def _cell(value: object, digits: int | None) -> str:
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return ""
        return f"{value:g}" if digits is None else f"{value:.{digits}f}"
    return str(value)


def markdown(table: pd.DataFrame, index: bool = True, digits: int | None = None) -> str:
    """A GitHub table of ``table``, its index as the first column when ``index``.

    Floats are written with ``digits`` decimals, or in their shortest form (``:g``).
    """
    frame = table.reset_index() if index else table
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, digits) for v in row) + " |")
    return "\n".join(lines) + "\n"
