"""Formula cases shared by the tests of the _formula stages: expected structures, invalid
formulas with what their error must say, and Hypothesis strategies of formulas."""

import re

from hypothesis import strategies as st

from r2d2_formula._errors import FormulaError
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
