"""Progress of the package's own long computations (the prior draws of implied_prior)."""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
import pandas as pd

import r2d2_formula as rf
from r2d2_formula import _implied, _progress


def test_implied_prior_reports_progress_per_chunk_of_draws(monkeypatch):
    """Catches a 30-second call with no progress shown (issue 24: 37 s in the quick start)."""
    shown = []

    @contextmanager
    def record(total, description, enabled=True):
        shown.append({"total": total, "enabled": enabled, "advanced": 0})
        yield lambda: shown[-1].__setitem__("advanced", shown[-1]["advanced"] + 1)

    monkeypatch.setattr(_implied, "steps", record)
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"y": rng.poisson(2.0, 40), "x": rng.normal(size=40)})
    model = rf.Model("y ~ x", data, family="poisson")
    draws = 2 * _implied.CHUNK + 7
    rf.implied_r2(model, draws=draws, random_seed=1)
    rf.implied_prior(model, draws=draws, random_seed=1, progressbar=False)
    chunks = math.ceil(draws / _implied.CHUNK)
    assert shown == [
        {"total": chunks, "enabled": True, "advanced": chunks},
        {"total": chunks, "enabled": False, "advanced": chunks},
    ]


def test_a_progress_bar_leaves_standard_output_alone(capsys):
    """Catches a bar printed into results or doctests (it belongs on standard error)."""
    with _progress.steps(3, "working") as advance:
        for _ in range(3):
            advance()
    assert capsys.readouterr().out == ""
