"""_formula.spec: FormulaSpec values — faithful text, Bambi's names, frozen and hashable; the
package's docstring examples."""

import dataclasses
import doctest
import importlib
import pkgutil

import pytest
from formula_cases import spec

from r2d2_formula import _formula as formula_module
from r2d2_formula._formula import FormulaSpec, GroupTerm, parse


@pytest.mark.parametrize(
    ("formula", "written"),
    [
        ("y ~ x1 + C(a) + (x|g)", "y ~ 1 + x1 + C(a) + (1|g) + (x|g)"),
        ("y ~ x - 1", "y ~ 0 + x"),
        ("y ~ 1", "y ~ 1"),
        ("y ~ 0", "y ~ 0"),
        ("p(k,n) ~ x + offset( log(t) )", "p(k, n) ~ 1 + x + offset(log(t))"),
        ("y ~ (0 + x|g)", "y ~ 1 + (0 + x|g)"),
        ("y ~ (0 + x|g) + (1|g)", "y ~ 1 + (0 + x|g) + (1|g)"),
        ("y ~ (x|g) - (1|g) + (1|h)", "y ~ 1 + (0 + x|g) + (1|h)"),
        ("y ~ (1|a/b) + (z|a)", "y ~ 1 + (1|a) + (1|a:b) + (z|a)"),
        ("y ~ I((x + 1) * 2)", "y ~ 1 + I((x + 1) * 2)"),
        ("y ~ I(x - (z - w)) + I(-(x + 1))", "y ~ 1 + I(x - (z - w)) + I(-(x + 1))"),
        # formulae names these 'I(x * 1e-07)' and 'I(x + 1e+20)', which it cannot read.
        ("y ~ I(x * 0.0000001)", "y ~ 1 + I(x * 0.0000001)"),
        ("y ~ I(x + 100000000000000000000.0)", "y ~ 1 + I(x + 100000000000000000000.0)"),
        ("y ~ log(`a b`) + `c d`:x + (1|`g h`)", "y ~ 1 + log(`a b`) + `c d`:x + (1|`g h`)"),
        ("`y obs` ~ x", "`y obs` ~ 1 + x"),
        # Bare, these names would be Python literals (True would even be the intercept).
        ("`False` ~ `True` + `None` + log(`True`)", "`False` ~ 1 + `True` + `None` + log(`True`)"),
        ('y ~ "a`b"', 'y ~ 1 + "a`b"'),
    ],
)
def test_str_writes_a_faithful_formula(formula, written):
    result = parse(formula)
    assert str(result) == written
    assert parse(written) == result


def test_str_of_a_spec_built_by_hand():
    built = FormulaSpec(
        "y",
        population=("x", "x:z", "body mass"),
        groups=(GroupTerm("z", "g"), GroupTerm("1", "h"), GroupTerm("x", "h")),
        intercept=False,
        offsets=("log(t)",),
    )
    assert str(built) == (
        "y ~ 0 + x + x:z + `body mass` + offset(log(t)) + (0 + z|g) + (1|h) + (0 + x|h)"
    )
    assert parse(str(built)) == built
    binomial = FormulaSpec("k", trials="n", population=("x",))
    assert str(binomial) == "p(k, n) ~ 1 + x"


def test_group_term_name_is_bambis():
    assert GroupTerm("1", "g").name == "1|g"
    assert GroupTerm("x", "g").name == "x|g"
    assert GroupTerm("1", "a:b").name == "1|a:b"
    assert [g.name for g in parse("y ~ (x:z|a/b)").groups] == [
        "1|a",
        "1|a:b",
        "x:z|a",
        "x:z|a:b",
    ]


def test_specs_are_frozen_hashable_values_with_a_readable_repr():
    first = parse("y ~ x + (1 | g)")
    assert first == parse("y~x+(1|g)")
    assert first != parse("y ~ 0 + x + (1|g)")
    assert first != parse("y ~ x + (1|h)")
    assert first != parse("y ~ x + offset(t) + (1|g)")
    assert len({first, parse("y~x+(1|g)"), parse("y ~ z")}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.response = "z"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.groups[0].factor = "h"
    assert repr(first) == (
        "FormulaSpec(response='y', trials=None, population=('x',), "
        "groups=(GroupTerm(expr='1', factor='g'),), intercept=True, offsets=())"
    )
    # Specs that differ only in how formulae printed a term compare by Bambi's names.
    assert parse("y ~ I((x + 1) * 2)") == spec(population=["I(x + 1 * 2)"])


def test_docstring_examples_run():
    # The examples of every stage of the _formula package (parse's are in its __init__).
    attempted = failed = 0
    for module in [formula_module, *submodules(formula_module)]:
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        attempted, failed = attempted + result.attempted, failed + result.failed
    assert attempted >= 10
    assert failed == 0


def submodules(package):
    return [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")
    ]
