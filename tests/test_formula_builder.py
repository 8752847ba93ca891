"""_formula.builder: the structure parse() builds, named as formulae and Bambi name terms."""

import formulae as fm
import pytest
from formula_cases import VALID, formulas
from hypothesis import given, settings

from r2d2_formula._formula import parse


@pytest.mark.parametrize(("formula", "expected"), VALID, ids=[f for f, _ in VALID])
def test_valid_formula_structure(formula, expected):
    result = parse(formula)
    assert result == expected
    assert parse(str(result)) == result


@pytest.mark.parametrize(("formula", "expected"), VALID, ids=[f for f, _ in VALID])
def test_names_agree_with_formulae_model_description(formula, expected):
    # parse() runs formulae's scanner, parser and resolver itself (to locate errors);
    # it must read every valid formula exactly as formulae.model_description does.
    description = fm.model_description(formula)
    names = [term.name for term in description.common_terms if term.name != "Intercept"]
    assert [name for name in names if not name.startswith("offset(")] == list(expected.population)
    assert [term.name for term in description.group_terms] == [g.name for g in expected.groups]
    assert any(term.name == "Intercept" for term in description.common_terms) == (
        expected.intercept
    )


@settings(max_examples=200, deadline=None)
@given(formulas())
def test_grammar_formulas_parse_to_their_structure_and_round_trip(case):
    formula, expected = case
    result = parse(formula)
    assert result == expected
    assert parse(str(result)) == result
