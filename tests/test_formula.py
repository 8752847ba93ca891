"""parse(): formula structure as Bambi names it, exact round trips, located errors."""

import dataclasses
import doctest
import importlib
import pkgutil
import re

import formulae as fm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from r2d2_formula import _formula as formula_module
from r2d2_formula._errors import FormulaError, R2D2Error
from r2d2_formula._formula import FormulaSpec, GroupTerm, parse


def spec(response="y", population=(), groups=(), intercept=True, offsets=(), trials=None):
    """A FormulaSpec with groups given by Bambi name, e.g. "x|g"."""
    return FormulaSpec(
        response=response,
        trials=trials,
        population=tuple(population),
        groups=tuple(GroupTerm(*name.split("|")) for name in groups),
        intercept=intercept,
        offsets=tuple(offsets),
    )


VALID = [
    ("y ~ x", spec(population=["x"])),
    ("y ~ x1 + x2", spec(population=["x1", "x2"])),
    ("y~x1+x2", spec(population=["x1", "x2"])),
    ("y ~ a*b", spec(population=["a", "b", "a:b"])),
    ("y ~ a:b", spec(population=["a:b"])),
    ("y ~ a/b", spec(population=["a", "a:b"])),
    ("y ~ (a + b)**2", spec(population=["a", "b", "a:b"])),
    ("y ~ x1*x2 + C(a) + scale(x)", spec(population=["x1", "x2", "x1:x2", "C(a)", "scale(x)"])),
    ("y ~ x + x", spec(population=["x"])),
    # formulae keeps both orders of an interaction as distinct terms.
    ("y ~ x*z + z:x", spec(population=["x", "z", "x:z", "z:x"])),
    # formulae: a power of a single variable is the variable (use I(x**2) for the square).
    ("y ~ x**2", spec(population=["x"])),
    ("y ~ log(x)", spec(population=["log(x)"])),
    ("y ~ np.log(x) + center(z)", spec(population=["np.log(x)", "center(z)"])),
    ("y ~ I(x**2)", spec(population=["I(x ** 2)"])),
    ("y ~ {x + 1}", spec(population=["I(x + 1)"])),
    # formulae drops the parentheses from the name, not from the model.
    ("y ~ I((x + 1) * 2)", spec(population=["I(x + 1 * 2)"])),
    ("y ~ C(a, Treatment('b')) + x:C(a)", spec(population=["C(a, Treatment('b'))", "x:C(a)"])),
    ("y ~ `body mass` + x", spec(population=["body mass", "x"])),
    ("log(y) ~ x", spec(response="log(y)", population=["x"])),
    ('y["yes"] ~ x', spec(response='y["yes"]', population=["x"])),
    ("y[yes] ~ x", spec(response='y["yes"]', population=["x"])),
    ("y ~ 1", spec()),
    ("y ~ 0", spec(intercept=False)),
    ("y ~ 0 + x", spec(population=["x"], intercept=False)),
    ("y ~ x - 1", spec(population=["x"], intercept=False)),
    ("y ~ -1 + x", spec(population=["x"], intercept=False)),
    ("y ~ 0 + x + 1", spec(population=["x"])),
    ("y ~ x + (1|g) + 0", spec(population=["x"], groups=["1|g"], intercept=False)),
    ("y ~ (1|g)", spec(groups=["1|g"])),
    ("y ~ (x|g)", spec(groups=["1|g", "x|g"])),
    ("y ~ (1 + x | g)", spec(groups=["1|g", "x|g"])),
    ("y ~ (0 + x|g)", spec(groups=["x|g"])),
    ("y ~ (-1 + x|g)", spec(groups=["x|g"])),
    ("y ~ (x|g) - (1|g)", spec(groups=["x|g"])),
    ("y ~ (0 + x|g) + (1|g)", spec(groups=["x|g", "1|g"])),
    ("y ~ (1 + x|g) - 1", spec(groups=["1|g", "x|g"], intercept=False)),
    ("y ~ (1|g1) + (1|g2)", spec(groups=["1|g1", "1|g2"])),
    ("y ~ (1|a/b)", spec(groups=["1|a", "1|a:b"])),
    ("y ~ (1|a:b)", spec(groups=["1|a:b"])),
    ("y ~ (1|g/h/i)", spec(groups=["1|g", "1|g:h", "1|g:h:i"])),
    ("y ~ (x|a/b)", spec(groups=["1|a", "1|a:b", "x|a", "x|a:b"])),
    ("y ~ (x|a + b)", spec(groups=["1|a", "1|b", "x|a", "x|b"])),
    ("y ~ (x + z|g)", spec(groups=["1|g", "x|g", "z|g"])),
    ("y ~ (x*z|g)", spec(groups=["1|g", "x|g", "z|g", "x:z|g"])),
    ("y ~ (C(a)|g)", spec(groups=["1|g", "C(a)|g"])),
    ("y ~ (1|`school id`)", spec(groups=["1|school id"])),
    ("y ~ (1|g) + (1|g)", spec(groups=["1|g"])),
    (
        "y ~ x1 + (x1|school) + (1|school:class)",
        spec(population=["x1"], groups=["1|school", "x1|school", "1|school:class"]),
    ),
    ("p(k, n) ~ x", spec(response="k", trials="n", population=["x"])),
    ("p(k, 10) ~ x", spec(response="k", trials="10", population=["x"])),
    (
        "p(k, n) ~ x + offset(log(t))",
        spec(response="k", trials="n", population=["x"], offsets=["log(t)"]),
    ),
    (
        "y ~ offset(t) + x + offset(np.log(u + 1))",
        spec(population=["x"], offsets=["t", "np.log(u + 1)"]),
    ),
    ("y ~ 0 + offset(t)", spec(intercept=False, offsets=["t"])),
    ("y ~ offset(t) + offset(log(t))", spec(offsets=["t", "log(t)"])),
]

INVALID = [
    ("", ["is empty"]),
    ("   ", ["is empty"]),
    ("y", ["no '~'"]),
    ("y + x", ["no '~'"]),
    ("~ x", ["no response before '~' at position 0"]),
    ("y ~", ["unexpected end of formula at position 3", "after '~'"]),
    ("y ~ x +", ["unexpected end of formula at position 7", "after '+'"]),
    ("y ~ x * * z", ["unexpected '*' at position 8"]),
    ("y ~ [x]", ["unexpected '[' at position 4"]),
    ("y ~ x z", ["unexpected 'z' at position 6", "missing"]),
    ("y ~ a == b", ["unexpected '==' at position 6"]),
    ("y ~ x ~ z", ["more than one '~'", "at position 6"]),
    ("y ~ x + $", ["unexpected character '$' at position 8"]),
    ("y ~ _x", ["unexpected character '_' at position 4"]),
    ("y ~ `abc", ["unterminated backquoted name starting at position 4"]),
    ("y ~ 'abc", ["unterminated string starting at position 4"]),
    ("y ~ (x", ["unbalanced parentheses", "'(' at position 4 is never closed"]),
    ("y ~ x)", ["unbalanced parentheses", "')' at position 5 closes nothing"]),
    ("y ~ x + (1|g))", ["')' at position 13 closes nothing"]),
    ("y ~ (x]", ["']' at position 6 closes '(' at position 4"]),
    ("log([y) ~ 1", ["')' at position 6 closes '[' at position 4"]),
    ("y ~ log(x", ["'(' at position 7 is never closed"]),
    ("y ~ x | g", ["'|' outside parentheses at position 6", "(x|g)"]),
    ("y ~ x + 1|g", ["'|' outside parentheses at position 9"]),
    ("y ~ f(x y)", ["found 'y' at position 8 where ')' was expected"]),
    ("y ~ I(x + 1e3)", ["found 'e3' at position 11 where ')' was expected"]),
    ("y[a b] ~ x", ["found 'b' at position 4 where ']' was expected"]),
    ("y ~ -x", ["term '-x' at position 4", "Unary negation"]),
    ("y ~ x:1", ["term 'x:1' at position 4", "for ':'"]),
    ("y ~ (x|g|h)", ["term 'x|g|h' at position 5", "one '|'"]),
    ("y ~ (0|g)", ["term '0|g' at position 5"]),
    ("y ~ (1|1)", ["term '1|1' at position 5"]),
    ("y ~ f(x|g)", ["term 'f(x|g)' at position 4"]),
    ("y ~ x = 3", ["'=' at position 6", "keyword arguments"]),
    ("y = 3 ~ x", ["'=' at position 2"]),
    ("k + n ~ x", ["the response 'k + n' at position 0", "single variable or call"]),
    ("x:z ~ a", ["the response 'x:z' at position 0"]),
    ("(x|g) ~ z", ["the response '(x|g)' at position 0"]),
    ("y ~ x[2]", ["Subset notation", "position 6"]),
    ('y ~ x["a"]', ["subset notation", "only applies to the response"]),
    ("y ~ 2", ["the constant 2 is not a term"]),
    ("y ~ x + 1.5", ["the constant 1.5 is not a term"]),
    ("y ~ (x|2)", ["the constant 2 is not a term"]),
    ("y ~ ``", ["empty name"]),
    ("y ~ x:offset(t)", ["offset() must be a term of its own", "'x:offset(t)'"]),
    ("y ~ offset(t, u)", ["'offset(t, u)' must have one argument"]),
    ("y ~ (offset(t)|g)", ["offset() must be a population-level term"]),
    ("offset(y) ~ x", ["offset() cannot be the response"]),
    ("p(k) ~ x", ["'p(k)' must be written p(successes, trials)"]),
    ("y ~ I((x+1)*2) + I(x + 1*2)", ["population-level terms", "both named 'I(x + 1 * 2)'"]),
    ("y ~ (0 + I((x+1)*2)|g) + (I(x+1*2)|g)", ["group-specific", "named 'I(x + 1 * 2)|g'"]),
    # A formulae bug, order-dependent: offset(t) + offset(log(t)) works.
    (
        "y ~ offset(log(t)) + offset(t)",
        ["term 'offset(log(t)) + offset(t)' at position 4", "write the simpler call first"],
    ),
    ("y ~ log(log(x)) * log(x)", ["term 'log(log(x)) * log(x)' at position 4"]),
]


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
        "y ~ 0 + x + x:z + `body mass` + offset(log(t)) + (0 + z|g) + (1|h) + (x|h)"
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


# --------------------------------------------------------------------------- properties

POSITION = re.compile(r"at position (\d+)")
# A quoted simple token (no quotes or backslashes in it) followed by its position.
TOKEN_AT = re.compile(r"'([^'\\]+)' at position (\d+)")


def check_positions(formula, message):
    """Every position in the message lies in the formula and points at what it names."""
    for match in POSITION.finditer(message):
        assert 0 <= int(match.group(1)) <= len(formula), message
    for match in TOKEN_AT.finditer(message):
        token, where = match.group(1), int(match.group(2))
        assert formula[where:].startswith(token), (formula, message)
    lines = message.splitlines()
    if len(lines) == 3:
        first = POSITION.search(lines[0])
        assert first is not None, message
        assert lines[1] == f"    {formula}"
        assert lines[2] == " " * (4 + int(first.group(1))) + "^"


RESPONSES = [
    ("y", "y", None),
    ("log(y)", "log(y)", None),
    ("p(k, n)", "k", "n"),
    ('y["yes"]', 'y["yes"]', None),
    ("`y obs`", "`y obs`", None),
]
# Each piece with the population-level term names formulae gives it, in order.
POPULATION = [
    ("x", ["x"]),
    ("z", ["z"]),
    ("a*b", ["a", "b", "a:b"]),
    ("a:b", ["a:b"]),
    ("x/z", ["x", "x:z"]),
    ("(x + z)**2", ["x", "z", "x:z"]),
    ("C(a)", ["C(a)"]),
    ("scale(x)", ["scale(x)"]),
    ("log(z)", ["log(z)"]),
    ("I(x**2)", ["I(x ** 2)"]),
    ("I((x + 1) * 2)", ["I(x + 1 * 2)"]),
    ("`body mass`", ["body mass"]),
    ("center(w):C(a)", ["center(w):C(a)"]),
]
GROUPS = [
    ("(1|g)", ["1|g"]),
    ("(x|g)", ["1|g", "x|g"]),
    ("(0 + x|g)", ["x|g"]),
    ("(-1 + z|g)", ["z|g"]),
    ("(x + z|h)", ["1|h", "x|h", "z|h"]),
    ("(1|g/h)", ["1|g", "1|g:h"]),
    ("(1|g:h)", ["1|g:h"]),
    ("(1 + x|`school id`)", ["1|school id", "x|school id"]),
]
# Offsets of one kind only: formulae crashes on offset(log(t)) + offset(t) (see INVALID).
OFFSETS = [("offset(t)", "t"), ("offset(u)", "u")]
LOG_OFFSETS = [("offset(log(t))", "log(t)"), ("offset(log(u))", "log(u)")]
# How the formula keeps or drops the intercept: (prefix, suffix, intercept).
INTERCEPTS = [("", "", True), ("1 + ", "", True), ("0 + ", "", False), ("-1 + ", "", False)]
INTERCEPTS += [("", " - 1", False)]


def dedup(names):
    return list(dict.fromkeys(names))


@st.composite
def formulas(draw):
    """A valid formula from a small grammar, with the spec it must parse into."""
    text, response, trials = draw(st.sampled_from(RESPONSES))
    pieces = draw(st.lists(st.sampled_from(POPULATION), max_size=4))
    pieces += draw(st.lists(st.sampled_from(GROUPS), max_size=3))
    offsets = draw(st.sampled_from([OFFSETS, LOG_OFFSETS]))
    pieces += draw(st.lists(st.sampled_from(offsets), max_size=2))
    pieces = draw(st.permutations(pieces))
    prefix, suffix, intercept = draw(st.sampled_from(INTERCEPTS))
    joiner = draw(st.sampled_from([" + ", "+", "  +\t"]))
    written = [piece for piece, _ in pieces]
    if written:
        rhs = prefix + joiner.join(written) + suffix
    else:  # "1", "1", "0", "-1" or "1 - 1"
        rhs = prefix.removesuffix(" + ") or "1" + suffix
    tilde = draw(st.sampled_from([" ~ ", "~", "  ~\n"]))
    expected = FormulaSpec(
        response=response,
        trials=trials,
        population=tuple(
            dedup(name for piece, names in pieces if piece in dict(POPULATION) for name in names)
        ),
        groups=tuple(
            GroupTerm(*name.split("|"))
            for name in dedup(
                name for piece, names in pieces if piece in dict(GROUPS) for name in names
            )
        ),
        intercept=intercept,
        offsets=tuple(dedup(arg for piece, arg in pieces if piece in dict(offsets))),
    )
    return text + tilde + rhs, expected


BREAKERS = [*"()[]{}|~*+-:/=,`'\"$_0123 ", "**", "(1|", "|g)", "offset(", "p(", "~ ~"]


@st.composite
def broken_formulas(draw):
    """A valid formula with an edit: most are invalid, some stay valid."""
    formula, _ = draw(formulas())
    where = draw(st.integers(0, len(formula)))
    edit = draw(st.sampled_from(["insert", "delete", "truncate", "replace"]))
    if edit == "insert":
        return formula[:where] + draw(st.sampled_from(BREAKERS)) + formula[where:]
    if edit == "delete":
        return formula[:where] + formula[where + 1 :]
    if edit == "truncate":
        return formula[:where]
    return formula[:where] + draw(st.sampled_from(BREAKERS)) + formula[where + 1 :]


def parses_back_or_fails_cleanly(formula):
    """parse() gives a spec that str() round-trips, or a located FormulaError; nothing else."""
    try:
        result = parse(formula)
    except FormulaError as err:
        message = str(err)
        assert repr(formula) in message
        check_positions(formula, message)
        return None
    assert isinstance(result, FormulaSpec)
    assert parse(str(result)) == result
    assert str(parse(str(result))) == str(result)
    return result


@settings(max_examples=200, deadline=None)
@given(formulas())
def test_grammar_formulas_parse_to_their_structure_and_round_trip(case):
    formula, expected = case
    result = parse(formula)
    assert result == expected
    assert parse(str(result)) == result


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
