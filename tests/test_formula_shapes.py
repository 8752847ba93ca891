"""Every formula shape users write fits under R2D2 and predicts, with one phi per component."""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from conftest import TINY

import r2d2_formula as rf
from r2d2_formula._bambi import pymc_model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    n = 240
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
            "e": rng.choice(["u", "v"], n),
            "g1": rng.choice([f"p{i}" for i in range(8)], n),
            "g2": rng.choice([f"q{i}" for i in range(6)], n),
            "school": rng.choice(["s1", "s2", "s3", "s4"], n),
            "klass": rng.choice(["k1", "k2", "k3"], n),
            "t": rng.uniform(1, 3, n),
            "m": rng.integers(3, 9, n),
        }
    )
    eta = 0.3 + 0.4 * frame["x"] - 0.2 * (frame["c"] == "b")
    frame["y"] = rng.poisson(np.exp(eta) * frame["t"])
    frame["k"] = rng.binomial(frame["m"], 1 / (1 + np.exp(-eta)))
    frame["b"] = (frame["k"] > frame["m"] / 2).astype(int)
    return frame


# Each fit costs a compilation (~20 s, ~40 s for binary families), so the shapes are
# combined into four models that between them hold every shape users write.
SHAPES = [
    (
        # categorical, interaction, slope, crossed and nested groups, offset
        "y ~ x + c + c:x + (x|g1) + (1|g2) + (1|school/klass) + offset(log(t))",
        "poisson",
        [
            "x",
            "c[b]",
            "c[c]",
            "c:x[b]",
            "c:x[c]",
            "1|g1",
            "x|g1",
            "1|g2",
            "1|school",
            "1|school:klass",
        ],
    ),
    (
        # no intercept (full dummy coding), interaction of two factors, (1|a:b)
        "y ~ 0 + x + c*e + (1|school:klass)",
        "poisson",
        ["x", "c[a]", "c[b]", "c[c]", "e[v]", "c:e[b, v]", "c:e[c, v]", "1|school:klass"],
    ),
    (
        # binomial with trials, intercept removed with "- 1"
        "p(k, m) ~ x + c - 1 + (1|g1)",
        "binomial",
        ["x", "c[a]", "c[b]", "c[c]", "1|g1"],
    ),
    (
        # categorical group-level expression without intercept
        "b ~ x + (0 + c|g1)",
        "bernoulli",
        ["x", "c[a]|g1", "c[b]|g1", "c[c]|g1"],
    ),
]


#: The shapes with correlated blocks (12-13 s each) and the binomial one (9 s): slow tier.
SLOW_SHAPES = {"b ~ x + (0 + c|g1)", "p(k, m) ~ x + c - 1 + (1|g1)"} | {
    s[0] for s in SHAPES if "(x|g1)" in s[0]
}


@pytest.mark.parametrize(
    ("formula", "family", "components"),
    [
        pytest.param(*shape, marks=[pytest.mark.slow] if shape[0] in SLOW_SHAPES else [])
        for shape in SHAPES
    ],
    ids=[s[0] for s in SHAPES],
)
def test_shape_fits_and_predicts(data, formula, family, components):
    model = rf.Model(formula, data, family=family)
    assert model.components == components
    idata = model.fit(**TINY)
    phi = idata.posterior["phi"]
    assert list(phi.coords["r2d2_component"].values) == components
    np.testing.assert_allclose(phi.sum("r2d2_component"), 1.0, rtol=1e-10)
    new = data.iloc[:5].copy()
    new.loc[new.index[0], "g1"] = "unseen-level"
    out = model.predict(idata, data=new, kind="response", inplace=False, random_seed=1)
    response = out.posterior_predictive[next(iter(out.posterior_predictive.data_vars))]
    assert response.shape[-1] == 5
    assert np.all(np.isfinite(response.values))


def test_concentration_mapping_gives_a_term_a_larger_share(data):
    prior = rf.R2D2(concentration={"x": 6.0, "1|g1": 2.0})
    model = rf.Model("y ~ x + z + (1|g1)", data, family="poisson", prior=prior)
    assert model.plan.concentration == (6.0, 1.0, 2.0)
    phi = pm.draw(pymc_model(model.bambi_model)["phi"], draws=4000, random_seed=5)
    # Dirichlet(6, 1, 2) means 6/9, 1/9, 2/9; the SE of each mean is below 0.004.
    np.testing.assert_allclose(phi.mean(axis=0), [6 / 9, 1 / 9, 2 / 9], atol=0.015)


def test_concentration_for_a_categorical_term_applies_to_each_column(data):
    prior = rf.R2D2(concentration={"c": 3.0})
    model = rf.Model("y ~ x + c", data, family="poisson", prior=prior)
    assert model.plan.concentration == (1.0, 3.0, 3.0)
