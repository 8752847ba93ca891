"""design(): the matrices, group blocks and components the model is built from, by hand."""

import numpy as np
import pandas as pd
import pytest

import r2d2_formula as rf
from r2d2_formula._errors import FormulaError


@pytest.fixture
def small():
    return pd.DataFrame(
        {
            "y": [1, 0, 3, 2, 5, 4],
            "x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            "c": ["a", "b", "c", "a", "b", "c"],
            "g": ["p", "q", "p", "q", "p", "q"],
            "t": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
        }
    )


def test_population_matrix_and_scales(small):
    d = rf.design("y ~ x + c", small, family="poisson")
    expected = pd.DataFrame(
        {
            "x": [0.0, 1, 2, 3, 4, 5],
            "c[b]": [0.0, 1, 0, 0, 1, 0],
            "c[c]": [0.0, 0, 1, 0, 0, 1],
        }
    )
    pd.testing.assert_frame_equal(d.population, expected)
    np.testing.assert_array_equal(d.response, small["y"].to_numpy())
    # v_j: population variance of each centered column (x: 35/12; dummies: (1/3)(2/3) = 2/9).
    np.testing.assert_allclose(d.components["scale"], [35 / 12, 2 / 9, 2 / 9])
    assert list(d.components["kind"]) == ["common"] * 3
    assert d.intercept and d.groups == () and d.offset is None and d.trials is None


def test_group_blocks_codes_levels_and_mean_squares(small):
    d = rf.design("y ~ 1 + (x|g)", small, family="poisson")
    assert [block.name for block in d.groups] == ["1|g", "x|g"]
    slope = d.groups[1]
    assert (slope.expr, slope.factor, slope.levels) == ("x", "g", ("p", "q"))
    np.testing.assert_array_equal(slope.codes, [0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(slope.columns["x|g"], small["x"])
    # m_k = mean(z²): 1 for the intercept, mean(x²) = 55/6 for the slope.
    np.testing.assert_allclose(d.components["scale"], [1.0, 55 / 6])


def test_no_intercept_uses_mean_squares_and_full_dummies(small):
    d = rf.design("y ~ 0 + x + c", small, family="poisson")
    assert not d.intercept
    assert list(d.population.columns) == ["x", "c[a]", "c[b]", "c[c]"]
    np.testing.assert_allclose(d.components["scale"], [55 / 6, 1 / 3, 1 / 3, 1 / 3])


def test_offset_and_trials(small):
    d = rf.design("y ~ x + offset(log(t))", small, family="poisson")
    np.testing.assert_allclose(d.offset, np.log(small["t"]))
    counts = small.assign(n=10)
    b = rf.design("p(y, n) ~ x", counts, family="binomial")
    np.testing.assert_array_equal(b.trials, np.full(6, 10))
    np.testing.assert_array_equal(b.response, small["y"])


def test_autoscale_off_gives_unit_scales(small):
    d = rf.design("y ~ x + (1|g)", small, family="poisson", prior=rf.R2D2(autoscale=False))
    np.testing.assert_array_equal(d.components["scale"], [1.0, 1.0])


def test_design_is_what_the_model_uses(small):
    model = rf.Model("y ~ x + c + (1|g)", small, family="poisson")
    d = model.design
    assert list(d.components["component"]) == model.components
    assert "Design('y ~ x + c + (1|g)')" in repr(d) and "GroupBlock('1|g'" in repr(d)


def test_design_errors_are_package_errors(small):
    with pytest.raises(FormulaError, match="'zz'"):
        rf.design("y ~ zz", small)
