"""Shared fixtures: simulated data sets with known parameters, and fitted models.

Compilation dominates the cost of a sampling test, so fits are session-scoped and
shared between the tests that only read them.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

import r2d2_formula as rf

# Quiet PyMC's progress chatter in test logs.
logging.getLogger("pymc").setLevel(logging.ERROR)

# Property tests draw the same examples on every machine and run: a failure found by one
# run is found by all, and a green run stays green. HYPOTHESIS_PROFILE=explore searches anew.
settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

#: Small sampling runs for tests that check structure, not statistics.
TINY = {"draws": 100, "tune": 100, "chains": 1, "random_seed": 1, "progressbar": False}


def simulate_glmm(
    family: str, seed: int, n: int = 600, groups: int = 30
) -> tuple[pd.DataFrame, dict]:
    """A GLMM with two predictors and a random intercept; returns data and the truth.

    The truth for ``1|g_sigma`` is the sample SD of the group effects actually drawn:
    with 30 groups it can sit far from the SD they were drawn with (0.32 instead of
    0.5 at seed 11), and only the drawn effects are in the data.
    """
    rng = np.random.default_rng(seed)
    truth = {"Intercept": 0.3, "x1": 0.6, "x2": -0.4, "1|g_sigma": 0.5}
    if family == "bernoulli":
        truth.update(x1=1.0, x2=-0.7, **{"1|g_sigma": 0.8})
    x = rng.normal(size=(n, 2))
    g = rng.integers(0, groups, size=n)
    u = rng.normal(0.0, truth["1|g_sigma"], size=groups)
    truth["1|g_sigma"] = float(np.std(u[np.unique(g)], ddof=1))
    eta = truth["Intercept"] + x @ np.array([truth["x1"], truth["x2"]]) + u[g]
    if family == "poisson":
        y = rng.poisson(np.exp(eta))
    elif family == "bernoulli":
        y = rng.binomial(1, 1 / (1 + np.exp(-eta)))
    else:
        truth["sigma"] = 1.0
        y = eta + rng.normal(0.0, truth["sigma"], size=n)
    data = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "g": [f"g{i:02d}" for i in g]})
    return data, truth


@pytest.fixture(scope="session")
def poisson_data():
    return simulate_glmm("poisson", seed=11)


@pytest.fixture(scope="session")
def bernoulli_data():
    return simulate_glmm("bernoulli", seed=12, n=800)


@pytest.fixture(scope="session")
def poisson_fit(poisson_data):
    """A full-length fit of the poisson GLMM, shared by recovery, naming and prediction tests."""
    data, _ = poisson_data
    return rf.fit("y ~ x1 + x2 + (1|g)", data, family="poisson", random_seed=3, progressbar=False)


@pytest.fixture
def never_builds(monkeypatch):
    """Fail the test if a Bambi model were built: user errors must be caught before it."""
    from r2d2_formula import _bambi

    def refuse(*args, **kwargs):
        raise AssertionError("a Bambi model was built before the error was found")

    monkeypatch.setattr(_bambi, "build_bambi_model", refuse)
