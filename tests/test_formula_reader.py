"""_formula.reader: invalid formulas fail with a FormulaError that locates the fault."""

import pytest
from formula_cases import INVALID, broken_formulas, check_positions, parses_back_or_fails_cleanly
from hypothesis import given, settings
from hypothesis import strategies as st

from r2d2_formula._errors import FormulaError, R2D2Error
from r2d2_formula._formula import parse


@pytest.mark.parametrize(("formula", "fragments"), INVALID, ids=[f for f, _ in INVALID])
def test_invalid_formula_is_a_located_formula_error(formula, fragments):
    with pytest.raises(FormulaError) as info:
        parse(formula)
    message = str(info.value)
    assert repr(formula) in message
    for fragment in fragments:
        assert fragment in message, message
    check_positions(formula, message)


@pytest.mark.parametrize("value", [None, 3, 1.5, b"y ~ x", ["y ~ x"], {"y": "x"}])
def test_non_string_is_a_formula_error(value):
    with pytest.raises(FormulaError, match=f"must be a string.*{type(value).__name__}"):
        parse(value)


def test_formula_errors_are_the_package_errors_and_chain_formulae_errors():
    with pytest.raises(FormulaError) as info:
        parse("y ~ x * * z")
    assert isinstance(info.value, R2D2Error) and isinstance(info.value, ValueError)
    assert type(info.value.__cause__).__name__ == "ParseError"
    with pytest.raises(FormulaError) as info:
        parse("y ~ -x")
    assert type(info.value.__cause__).__name__ == "ResolverError"


def test_error_message_points_a_caret_at_the_position():
    with pytest.raises(FormulaError) as info:
        parse("y ~ x * * z")
    assert str(info.value).splitlines()[1:] == ["    y ~ x * * z", "            ^"]


@settings(max_examples=200, deadline=None)
@given(broken_formulas())
def test_edited_formulas_round_trip_or_raise_formula_error(formula):
    parses_back_or_fails_cleanly(formula)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="yxzg~+-*/:|()[]{}01 .,`'\"=<>!$_\nCIp", max_size=25))
def test_arbitrary_text_round_trips_or_raises_formula_error(formula):
    parses_back_or_fails_cleanly(formula)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text())))
def test_anything_but_a_string_is_a_formula_error(value):
    with pytest.raises(FormulaError, match="must be a string"):
        parse(value)
