"""Loading a saved fit runs no code from the file (issue: a formula is code).

formulae evaluates the calls in a formula when a model is built, so a crafted
file whose formula calls ``np.save`` would write a file if ``load`` rebuilt it
blindly. These tests craft such files and check that ``load`` refuses them,
naming the call, and that nothing ran; and that ordinary formulas still load.
No sampling: the saved posterior is a small made-up one.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import r2d2_formula as rf
from r2d2_formula._results import FitResult


def doubled(x):
    return 2 * x


levels = ["c", "a", "b"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    n = 40
    return pd.DataFrame(
        {
            "y": rng.poisson(2.0, n),
            "x": rng.uniform(0.5, 2.0, n),
            "z": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
            "g": [f"g{i % 5}" for i in range(n)],
        }
    )


def saved(model: rf.Model, path) -> str:
    posterior = xr.Dataset({"R2": (("chain", "draw"), np.linspace(0.1, 0.9, 10)[None, :])})
    return FitResult(model, xr.DataTree.from_dict({"posterior": posterior})).save(path)


def with_formula(path, formula: str, out):
    """A copy of a saved fit whose stored formula is replaced (what an attacker can do)."""
    tree = xr.open_datatree(path, engine="h5netcdf").load()
    spec = json.loads(str(tree["r2d2_model"]["spec"].values))
    spec["formula"] = formula
    group = tree["r2d2_model"].to_dataset().assign(spec=((), json.dumps(spec)))
    tree["r2d2_model"] = xr.DataTree(group)
    tree.to_netcdf(out, engine="h5netcdf")
    return out


def test_a_crafted_formula_calling_numpy_save_is_refused_and_nothing_runs(data, tmp_path):
    path = saved(rf.Model("y ~ x + (1|g)", data, family="poisson"), tmp_path / "fit.nc")
    target = tmp_path / "written-by-the-file.npy"
    crafted = with_formula(path, f"y ~ x + np.save('{target}', x) + (1|g)", tmp_path / "bad.nc")
    with pytest.raises(rf.R2D2Error, match=r"calls \['np.save'\]"):
        FitResult.load(crafted)
    assert not target.exists()


@pytest.mark.parametrize(
    "call",
    ["os.system('true')", "np.lib.npyio.save('f', x)", "eval('1')", "getattr(np, 'save')"],
)
def test_any_call_off_the_allow_list_is_refused(data, tmp_path, call):
    path = saved(rf.Model("y ~ x", data, family="poisson"), tmp_path / "fit.nc")
    crafted = with_formula(path, f"y ~ x + {call}", tmp_path / "bad.nc")
    with pytest.raises(rf.R2D2Error, match="which loading does not run"):
        FitResult.load(crafted)


def test_a_session_function_needs_to_be_handed_over(data, tmp_path):
    model = rf.Model("y ~ doubled(x) + (1|g)", data, family="poisson")
    path = saved(model, tmp_path / "fit.nc")
    with pytest.raises(rf.R2D2Error, match=r"calls \['doubled'\]"):
        FitResult.load(path)
    loaded = FitResult.load(path, namespace={"doubled": doubled})
    assert loaded.model.components == model.components


def test_plain_session_values_are_saved_and_loaded(data, tmp_path):
    model = rf.Model("y ~ C(c, levels=levels) + (1|g)", data, family="poisson")
    loaded = FitResult.load(saved(model, tmp_path / "fit.nc"))
    assert (
        loaded.model.components
        == model.components
        == [
            "C(c, levels=levels)[a]",
            "C(c, levels=levels)[b]",
            "1|g",
        ]
    )


def test_allow_listed_transformations_load(data, tmp_path):
    formula = "y ~ np.log(x) + poly(z, 2) + scale(z) + C(c, Treatment('b')) + (1|g)"
    model = rf.Model(formula, data, family="poisson")
    loaded = FitResult.load(saved(model, tmp_path / "fit.nc"))
    assert loaded.model.components == model.components
    pd.testing.assert_frame_equal(loaded.model.data, model.data)


def test_pinned_priors_are_saved_and_loaded(data, tmp_path):
    import bambi as bmb

    priors = {"Intercept": bmb.Prior("Normal", mu=0.5, sigma=1.5)}
    model = rf.Model("y ~ x + (1|g)", data, family="poisson", priors=priors)
    loaded = FitResult.load(saved(model, tmp_path / "fit.nc")).model
    assert loaded.priors["Intercept"].name == "Normal"
    assert loaded.priors["Intercept"].args == {"mu": 0.5, "sigma": 1.5}
    term = loaded.bambi_model.parameters["mu"].intercept_term
    assert term.prior.args == {"mu": 0.5, "sigma": 1.5}
