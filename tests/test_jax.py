"""fit(inference_method="numpyro"): PyMC's JAX backend samples the same model.

Slow tier: JAX compiles each model for a few seconds. Each test compares the JAX
sampler's posterior with nutpie's on the same data; the tolerance is four Monte-Carlo
standard errors of the difference (from both runs' ESS), so a JAX backend that
dropped or mistranslated W's density (it is a CustomDist with erfcx, log1p, switches
and quadrature sums) would fail, while sampling noise would not.
"""

import numpy as np
import pandas as pd
import pytest

import r2d2_formula as rf

pytest.importorskip("jax")
pytestmark = pytest.mark.slow

SETTINGS = {"draws": 500, "tune": 500, "chains": 2, "random_seed": 3, "progressbar": False}


def _data(family: str) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 240
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    data["g"] = [f"g{i}" for i in rng.integers(0, 8, n)]
    eta = (
        0.3
        + 0.7 * data["x1"]
        - 0.4 * data["x2"]
        + rng.normal(0, 0.5, 8)[data["g"].str[1:].astype(int)]
    )
    if family == "poisson":
        data["y"] = rng.poisson(np.exp(eta))
    else:
        data["y"] = rng.binomial(1, 1 / (1 + np.exp(-eta)))
    return data


def _summary(idata, names):
    import arviz as az

    post = idata.posterior
    means = {n: float(post[n].mean()) for n in names}
    sds = {n: float(post[n].std()) for n in names}
    ess = {n: float(az.ess(post[n].to_dataset(), method="bulk")[n]) for n in names}
    return means, sds, ess


@pytest.mark.parametrize("family", ["poisson", "bernoulli"])
def test_numpyro_agrees_with_nutpie(family):
    method = "numpyro"
    model = rf.Model("y ~ x1 + x2 + (1|g)", _data(family), family=family)
    names = ["Intercept", "x1", "x2", "W", "R2"]
    reference = _summary(model.fit(**SETTINGS), names)
    jax_fit = model.fit(inference_method=method, **SETTINGS)
    assert {"R2", "W", "phi"} <= set(jax_fit.posterior.data_vars)
    means, sds, ess = _summary(jax_fit, names)
    for name in names:
        mcse = np.hypot(
            sds[name] / np.sqrt(ess[name]), reference[1][name] / np.sqrt(reference[2][name])
        )
        assert abs(means[name] - reference[0][name]) < 4 * mcse, (
            name,
            means[name],
            reference[0][name],
        )
