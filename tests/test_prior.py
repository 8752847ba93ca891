import math

import pytest

import r2d2_formula as rf
from r2d2_formula._errors import PriorError, R2D2Error


def test_defaults_are_the_papers_uniform_r2():
    prior = rf.R2D2()
    assert (prior.a, prior.b) == (1.0, 1.0)
    assert prior.method == "exact" and prior.concentration == 1.0 and prior.autoscale


@pytest.mark.parametrize(
    ("kwargs", "a", "b"),
    [
        ({"r2_mean": 0.25, "r2_precision": 4}, 1.0, 3.0),
        ({"r2_mean": 0.8, "r2_precision": 10}, 8.0, 2.0),
        ({"a": 2, "b": 5}, 2.0, 5.0),
    ],
)
def test_beta_parameters(kwargs, a, b):
    prior = rf.R2D2(**kwargs)
    assert math.isclose(prior.a, a) and math.isclose(prior.b, b)
    assert math.isclose(prior.r2_mean, a / (a + b))
    assert math.isclose(prior.r2_precision, a + b)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"r2_mean": 0.0}, "r2_mean must lie strictly between 0 and 1, got 0.0"),
        ({"r2_mean": 1.2}, "got 1.2"),
        ({"r2_mean": "half"}, "got 'half'"),
        ({"r2_precision": 0}, "r2_precision must be a positive finite number, got 0"),
        ({"r2_precision": -3.0}, "got -3.0"),
        ({"r2_precision": math.inf}, "got inf"),
        ({"concentration": 0}, "concentration must be a positive finite number, got 0"),
        ({"concentration": -1.0}, "got -1.0"),
        ({"concentration": {"x": -1}}, "concentration['x']"),
        ({"concentration": []}, "concentration sequence is empty"),
        ({"method": "approx"}, "method must be one of 'exact', 'gbp', 'linear'; got 'approx'"),
        ({"a": 1.0}, "give both a and b"),
        ({"a": 1.0, "b": 0.0}, "b must be a positive finite number, got 0.0"),
        ({"a": 1.0, "b": 2.0, "r2_mean": 0.5}, "not both"),
        ({"autoscale": "yes"}, "autoscale must be True or False"),
    ],
)
def test_invalid_arguments_name_the_value(kwargs, fragment):
    with pytest.raises(PriorError) as info:
        rf.R2D2(**kwargs)
    assert fragment in str(info.value)
    assert isinstance(info.value, R2D2Error) and isinstance(info.value, ValueError)


def test_equality_and_repr():
    assert rf.R2D2(a=1, b=1) == rf.R2D2()
    assert rf.R2D2(concentration={"x": 2}) == rf.R2D2(concentration={"x": 2.0})
    assert rf.R2D2(a=2, b=5) != rf.R2D2()
    assert repr(rf.R2D2(a=2, b=5, method="gbp")) == (
        "R2D2(a=2, b=5, concentration=1, method='gbp')"
    )
