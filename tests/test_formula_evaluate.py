"""_formula.evaluate: design matrices as formulae computes them, and the raw response.

The reference is formulae's own ``design_matrices`` on the same formula and data, called
here directly: our evaluation reuses the parse, so a parse that drifted from what formulae
evaluates (another term order, a lost offset, a mis-coded level) would show here.
"""

import formulae as fm
import numpy as np
import pandas as pd
import pytest

from r2d2_formula._errors import FormulaError
from r2d2_formula._formula import CONTRASTS, evaluate, parse, raw_response

DATA = pd.DataFrame(
    {
        "y": [1.0, 2.5, 0.3, 4.1, 2.2, 3.3, 0.9, 1.7],
        "k": [1, 0, 2, 3, 1, 2, 0, 1],
        "n": [3, 2, 4, 5, 3, 4, 2, 3],
        "x": [0.1, -0.4, 0.9, 0.7, -1.5, 1.2, 0.3, -0.2],
        "t": [1.0, 2.0, 1.5, 3.0, 2.5, 1.2, 2.2, 1.1],
        "c": list("abcabcab"),
        "g": list("uuvvwwuv"),
    }
)

FORMULAS = [
    "y ~ x",
    "y ~ x + C(c) + (1|g)",
    "y ~ 0 + x:C(c) + (x|g)",
    "y ~ x + offset(np.log(t))",
    "p(k, n) ~ x + (1|g)",
    "y ~ C(c, Treatment('b')) + I(x**2)",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_matrices_are_formulaes(formula):
    namespace = {"np": np, **CONTRASTS}
    ours = evaluate(parse(formula), DATA, namespace)
    theirs = fm.design_matrices(formula, DATA, extra_namespace=namespace)
    np.testing.assert_allclose(
        np.asarray(ours.response, float).reshape(len(DATA), -1),
        np.asarray(theirs.response.design_matrix, float).reshape(len(DATA), -1),
    )
    common = theirs.common
    names = [name for name in common.terms if name not in ("Intercept",)]
    names = [name for name in names if not name.startswith("offset(")]
    assert list(ours.common) == names
    for name in names:
        np.testing.assert_allclose(ours.common[name], np.asarray(common[name], float))
    group_names = list(theirs.group.terms) if theirs.group is not None else []
    assert list(ours.groups) == group_names
    for name in group_names:
        np.testing.assert_allclose(
            ours.groups[name].toarray(), theirs.group[name].toarray().astype(float)
        )
        assert ours.levels[name] == list(theirs.group.terms[name].groups)


def test_offsets_are_evaluated_separately():
    ours = evaluate(parse("y ~ x + offset(np.log(t))"), DATA, {"np": np})
    (values,) = ours.offsets.values()
    np.testing.assert_allclose(values.reshape(-1), np.log(DATA["t"]))


def test_evaluation_does_not_modify_the_parse_or_the_data():
    spec, before = parse("y ~ x + C(c) + (1|g)"), DATA.copy()
    evaluate(spec, DATA, {})
    assert spec == parse("y ~ x + C(c) + (1|g)")
    pd.testing.assert_frame_equal(DATA, before)


def test_a_term_that_cannot_be_evaluated_is_named():
    with pytest.raises(FormulaError, match=r"undefined_function\(x\)"):
        evaluate(parse("y ~ undefined_function(x)"), DATA, {})


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("y ~ x", DATA["y"].to_numpy()),
        ("p(k, n) ~ x", np.column_stack([DATA["k"], DATA["n"]])),
        ("p(k, 10) ~ x", np.column_stack([DATA["k"], np.full(len(DATA), 10)])),
        ("np.log(y) ~ x", None),
    ],
)
def test_raw_response_is_the_column_before_coding(formula, expected):
    got = raw_response(parse(formula), DATA)
    if expected is None:
        assert got is None
    else:
        np.testing.assert_array_equal(np.asarray(got), expected)
