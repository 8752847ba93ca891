"""Formula cases for ``test_conformance.py``, collected from Bambi's and formulae's test suites.

Not a test module: it holds the cases, a data simulator and the names the formulas
read from the calling namespace.

How the cases were collected
----------------------------
The source distributions hold the two test suites::

    cd /tmp && /work/main/.venv/bin/pip download --no-binary :all: --no-deps \\
        bambi==0.21.0 formulae==0.6.2 -d /tmp/sdists

Every distinct formula string passed to ``bambi.Model``, ``formulae.design_matrices`` or
``formulae.model_description`` in ``bambi-0.21.0/tests/*.py`` and
``formulae-0.6.2/tests/*.py`` was read; kept were the single-linear-predictor formulas with a
response. Left out: distributional formulas (``bmb.Formula(..., "sigma ~ ...")``), the
categorical, ordinal and multinomial families (``c(...)``/``counts(...)`` responses,
``family="categorical"``/``"cumulative"``/...), formulas without a response, formulas a
test expects to fail only because of its data (e.g. a constant predictor), and, to keep the
list near 150 cases, formulas that repeat the syntax of a kept one under other names (e.g.
``y ~ x1`` beside ``y ~ x``, ``y ~ B(g, 'c')`` beside ``y ~ binary(g, 'c')``). Formulas a
test expects to fail because the formula itself is wrong (``y3[A[B]] ~ x``,
``prop(10, n) ~ 1``, ``y ~ offset(g)``, ...) are kept: Bambi refuses them, so r2d2_formula
must refuse them with its own error.

Each case is re-targeted to one family r2d2_formula supports, chosen from the response
(0/1 -> bernoulli, counts -> poisson or negativebinomial, successes of trials -> binomial,
positive -> gamma or lognormal, else gaussian); added cases cover the other continuous
families (t, laplace, asymmetriclaplace, exgaussian, exponential, weibull) and the refused
ones (wald, gamma with Bambi's default inverse link). ``source`` is the file and line of
the formula string (for formulas built with ``" + ".join(terms)`` the line of the join),
or ``"added"`` for a formula syntax the suites lack with a response; a comment names the
test line an added case imitates, when there is one.

Namespace
---------
Some formulas read names from the namespace they are evaluated in (formulae captures the
frame that calls ``bambi.Model``): ``levels``, ``lvls``, ``knots``, ``myfunc``, ``add_ten``
and ``np`` below. ``test_conformance.py`` imports them so both Bambi and r2d2_formula find
them in the test function's frame. ``Treatment`` and ``Sum`` are *not* needed: formulae
resolves encodings in ``C(x, Treatment)`` from its own table before the caller's namespace.
"""

from __future__ import annotations

from dataclasses import dataclass

import formulae as fm
import numpy as np
import pandas as pd

__all__ = [
    "CASES",
    "KINDS",
    "NAMESPACE",
    "Case",
    "add_ten",
    "knots",
    "levels",
    "lvls",
    "myfunc",
    "np",
    "simulate",
]

# --- names the formulas read from the calling namespace ----------------------------------

#: Levels for ``C(x, levels=levels)`` and ``C(veh_body, levels=levels)`` (formulae's test
#: uses ``levels = [6, 8, 5, 7, 9]``); ``x`` and ``veh_body`` are simulated as these codes.
levels = [6, 8, 5, 7, 9]

#: Levels for ``C(x3, levels=lvls)`` (formulae test_design_matrices.py:378); ``x3`` cycles 1-4.
lvls = [3, 2, 4, 1]

#: Interior knots for ``bs(..., knots=knots)``, inside the range of ``x`` (5-9) and ``hour``.
knots = np.array([6.0, 7.0, 8.0])


def myfunc(x):
    """A user-defined transform (formulae's test passes ``np.log`` as ``myfunc``)."""
    return np.log(x)


def add_ten(x):
    """The user-defined transform of formulae test_design_matrices.py:404."""
    return x + 10


#: Every name above that a formula may use; simulate() does not make columns of them.
NAMESPACE = {
    "levels": levels,
    "lvls": lvls,
    "knots": knots,
    "myfunc": myfunc,
    "add_ten": add_ten,
    "np": np,
}


# --- the cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One formula: Bambi builds it (unless it is invalid) and r2d2_formula must agree.

    ``unsupported`` is a short reason when r2d2_formula is expected to refuse, with
    ``UnsupportedError``, a model Bambi builds; its first word must appear in the message.
    """

    formula: str
    family: str
    source: str
    link: str | None = None
    unsupported: str | None = None


_B = "bambi-0.21.0/tests/"
_F = "formulae-0.6.2/tests/"
ADDED = "added"

_HSGP = "hsgp term: no R2D2 share for a Gaussian-process term"
_NO_PARAMETER = "intercept and no term: no parameter of the linear predictor to estimate"
_OFFSETS = "offsets outside the poisson family: no R² with offsets is implemented"
_WALD = "wald: no R² under its default link, and with a log link R² is not monotone in W"
_INVERSE = "inverse link: E μ(η) does not exist when η is Gaussian"

# Terms of bambi test_models.py test_many_common_many_group_specific (lines 197-214) and
# test_cell_means_with_many_group_specific_effects (lines 314-333).
_MANY0 = [
    "continuous",
    "dummy",
    "threecats",
    "(threecats|subj)",
    "(1|item)",
    "(0 + continuous|item)",
    "(dummy|item)",
    "(threecats|site)",
]
_MANY1 = [
    "continuous",
    "dummy",
    "threecats",
    "(threecats|subj)",
    "(continuous|item)",
    "(dummy|item)",
    "(threecats|site)",
]
_CELL0 = [
    "0",
    "threecats",
    "(threecats|subj)",
    "(1|subj)",
    "(0 + continuous|item)",
    "(dummy|item)",
    "(0 + threecats|site)",
    "(1|site)",
]
_CELL1 = [
    "0",
    "threecats",
    "(threecats|subj)",
    "(continuous|item)",
    "(dummy|item)",
    "(threecats|site)",
]

CASES: list[Case] = [
    # ---- bambi-0.21.0/tests/test_models.py --------------------------------------------
    Case("Y ~ 1", "gaussian", _B + "test_models.py:110"),
    Case("Y ~ 0 + threecats", "gaussian", _B + "test_models.py:120"),
    Case("Y ~ threecats*fourcats", "gaussian", _B + "test_models.py:126"),
    Case("Y ~ 0 + threecats*fourcats", "gaussian", _B + "test_models.py:148"),
    Case("Y ~ 0 + threecats:fourcats", "gaussian", _B + "test_models.py:169"),
    Case("Y ~ " + " + ".join(_MANY0), "gaussian", _B + "test_models.py:217"),
    Case("Y ~ " + " + ".join(_MANY1), "gaussian", _B + "test_models.py:221"),
    Case("Y ~ " + " + ".join(_CELL0), "gaussian", _B + "test_models.py:335"),
    Case("Y ~ " + " + ".join(_CELL1), "gaussian", _B + "test_models.py:339"),
    Case("Y ~ continuous + (threecats:fourcats|site)", "gaussian", _B + "test_models.py:411"),
    Case("Y ~ continuous * threecats", "gaussian", _B + "test_models.py:450"),
    Case(
        "y ~ (bs(x, knots=knots, intercept=False, degree=1)|day)",
        "gaussian",
        _B + "test_models.py:502",
    ),
    Case("b1 ~ y1", "bernoulli", _B + "test_models.py:532"),
    Case(
        "b1 ~ 0 + cat2 + y2 + (0 + cat2|cat5) + (0 + y2| cat4 + cat5)",
        "bernoulli",
        _B + "test_models.py:547",
    ),
    Case("prop(y, n) ~ x", "binomial", _B + "test_models.py:564"),
    Case("p(y, 62) ~ x", "binomial", _B + "test_models.py:589"),
    Case("count ~ dummy + continuous + threecats", "poisson", _B + "test_models.py:616"),
    Case("count ~ threecats + continuous + dummy", "poisson", _B + "test_models.py:622"),
    Case("n1 ~ y1", "negativebinomial", _B + "test_models.py:708"),
    Case("o ~ y2 + y3 + n1 + cat4", "gamma", _B + "test_models.py:741", link="log"),
    Case("o ~ 0 + cat2:cat4", "gamma", _B + "test_models.py:754", link="log"),
    Case("yield ~  temp + batch", "gamma", _B + "test_models.py:765"),  # beta in the test
    Case("y ~ x", "gaussian", _B + "test_models.py:801"),  # vonmises in the test
    Case("y ~ x", "lognormal", _B + "test_models.py:833"),
    Case(
        "p(y, 30) ~ 1",
        "binomial",
        _B + "test_models.py:985",
    ),  # zero_inflated_binomial
    Case("censored(time, status) ~ 1 + sex + age", "gamma", _B + "test_models.py:1069"),
    Case(
        "censored(time, status) ~ 1 + sex + age + (1|patient)", "gamma", _B + "test_models.py:1109"
    ),
    Case("truncated(y, -5, 5) ~ x", "gaussian", _B + "test_models.py:1129"),
    Case("constrained(y, -5) ~ x", "gaussian", _B + "test_models.py:1144"),
    Case("constrained(y, ub=5) ~ x", "gaussian", _B + "test_models.py:1149"),
    Case("y ~ y2", "gamma", _B + "test_models.py:1263", link="log"),  # wald in the test
    Case("binary_num ~ 1 + (1|continuous1)", "bernoulli", _B + "test_models.py:1282"),
    Case(
        "numclaims ~ offset(np.log(exposure))",
        "poisson",
        _B + "test_models.py:1306",
        link="log",
    ),
    Case("y ~ offset(np.log(time)) + x + (1 | group)", "poisson", _B + "test_models.py:1323"),
    Case("Reaction ~ 1 + Days + (1 + Days | Subject)", "gaussian", _B + "test_models.py:1332"),
    Case("Y ~ 0 + threecats + (0 + threecats | subj)", "gaussian", _B + "test_models.py:1369"),
    Case("weighted(y, w) ~ 1", "gamma", _B + "test_models.py:1447"),
    # ---- bambi-0.21.0/tests/conftest.py -----------------------------------------------
    Case("mpg ~ hp * drat * am", "gaussian", _B + "conftest.py:128"),
    Case("Reaction ~ Days + (Days | Subject)", "gaussian", _B + "conftest.py:144"),
    Case("y ~ np.exp(x2) + x1", "gaussian", _B + "conftest.py:180"),
    Case("y ~ x_int + x_float", "gaussian", _B + "conftest.py:226"),
    # ---- bambi-0.21.0/tests/test_aliases.py, test_deprecated.py -----------------------
    Case("vote[clinton] ~ age + age:party_id", "bernoulli", _B + "test_aliases.py:65"),
    Case(
        "continuous1 ~ continuous2 + (continuous2|categorical1)",
        "gaussian",
        _B + "test_aliases.py:131",
    ),
    # ---- bambi-0.21.0/tests/test_hsgp.py ----------------------------------------------
    Case("y ~ 0 + hsgp(x, c=1.5, m=10)", "gaussian", _B + "test_hsgp.py:40", unsupported=_HSGP),
    # Bambi refuses: hsgp() needs m (TypeError).
    Case("y ~ 0 + hsgp(x, c=1.5)", "gaussian", _B + "test_hsgp.py:48"),
    Case(
        "outcome ~ 0 + hsgp(x, y, by=group, c=1.5, m=10, share_cov=False)",
        "gaussian",
        _B + "test_hsgp.py:221",
        unsupported=_HSGP,
    ),
    Case(
        "y ~ 1 + x0 + hsgp(x1, by=fac, m=10, c=2) + hsgp(x1, by=fac2, m=10, c=2)",
        "gaussian",
        _B + "test_hsgp.py:328",
        unsupported=_HSGP,
    ),
    # ---- bambi-0.21.0/tests/test_model_construction.py --------------------------------
    Case("BP ~ (C(age_grp)|BMI)", "gaussian", _B + "test_model_construction.py:37"),
    Case("BP ~ (0 + C(age_grp)|BMI)", "gaussian", _B + "test_model_construction.py:54"),
    Case("y ~ 0 + x", "gaussian", _B + "test_model_construction.py:81"),
    Case("y ~ 0 + x*z", "gaussian", _B + "test_model_construction.py:84"),
    Case("BMI ~ age_grp + BP + S1", "gaussian", _B + "test_model_construction.py:97"),
    Case("y ~ x + z + time + (time|subject)", "gaussian", _B + "test_model_construction.py:140"),
    Case("y ~ x*g + (x|s)", "gaussian", _B + "test_model_construction.py:158"),
    Case("y ~ x1 + x2 + g1 + (g1|g2) + (x2|g2)", "gaussian", _B + "test_model_construction.py:192"),
    Case(
        "continuous1 ~ continuous2 + (continuous2|binary_cat)",
        "gaussian",
        _B + "test_model_construction.py:220",
    ),
    # No predictor at all, not even an intercept.
    Case("x ~ 0", "gaussian", _B + "test_model_construction.py:271", unsupported=_NO_PARAMETER),
    Case(
        "binary_num ~ continuous2",
        "bernoulli",
        _B + "test_model_construction.py:291",
        link="probit",
    ),
    Case(
        "count2 ~ continuous2",
        "negativebinomial",
        _B + "test_model_construction.py:293",
        link="log",
    ),
    Case(
        "continuous1 ~ (binary_cat|categorical1)", "gaussian", _B + "test_model_construction.py:344"
    ),
    Case("age ~ sex * race", "gaussian", _B + "test_model_construction.py:352"),
    Case("censored(x, status) ~ 1", "gamma", _B + "test_model_construction.py:370"),
    Case("truncated(x, 5.5) ~ 1", "gaussian", _B + "test_model_construction.py:376"),
    Case(
        "numclaims ~ 0 + C(veh_body, levels=levels)",
        "poisson",
        _B + "test_model_construction.py:402",
        link="log",
    ),
    Case(
        "w ~ 1",
        "bernoulli",
        _B + "test_model_construction.py:448",
    ),  # identity link there
    Case("od ~ temp + (1|source) + 0", "gaussian", _B + "test_model_construction.py:466"),
    # ---- bambi-0.21.0/tests/test_priors.py, test_noncentered.py -----------------------
    Case(
        "binary_num ~ continuous1 + continuous2",
        "bernoulli",
        _B + "test_priors.py:171",
        link="cloglog",
    ),
    Case("count2 ~ continuous1", "gamma", _B + "test_priors.py:233"),
    Case("score ~ 0 + q:s", "gaussian", _B + "test_priors.py:287"),
    Case("score ~ q:s", "gaussian", _B + "test_priors.py:293"),
    Case(
        "continuous1 ~ continuous2 + continuous3 + (1|categorical1)",
        "gaussian",
        _B + "test_priors.py:322",
    ),
    Case("continuous1 ~ continuous2 + (1|binary_cat)", "gaussian", _B + "test_priors.py:474"),
    Case("continuous1 ~ 1 + (1|binary_cat)", "gaussian", _B + "test_noncentered.py:140"),
    # ---- formulae-0.6.2/tests/test_design_matrices.py ---------------------------------
    Case("y ~ 0 + (1|g)", "gaussian", _F + "test_design_matrices.py:116"),
    Case("y ~ f", "gaussian", _F + "test_design_matrices.py:134"),
    Case("y ~ 0 + f", "gaussian", _F + "test_design_matrices.py:144"),
    Case("y ~ 0 + f + g + f:g", "gaussian", _F + "test_design_matrices.py:189"),
    Case("y ~ 0 + f:g", "gaussian", _F + "test_design_matrices.py:225"),
    Case("y ~ 1 + f:g", "gaussian", _F + "test_design_matrices.py:236"),
    Case("y ~ x1 + x2 + f:g + h:j:x2", "gaussian", _F + "test_design_matrices.py:259"),
    Case("y ~ f * g", "gaussian", _F + "test_design_matrices.py:274"),
    Case("y ~ g + x1:g", "gaussian", _F + "test_design_matrices.py:294"),
    Case("y ~ x1 + g + x1:x2 + x1:g + x1:x2:g", "gaussian", _F + "test_design_matrices.py:309"),
    Case("y ~ 0 + g + x1:g + x1:x2:g", "gaussian", _F + "test_design_matrices.py:317"),
    Case("y ~ x1:x2", "gaussian", _F + "test_design_matrices.py:325"),
    Case("y ~ {x1 + x2}", "gaussian", _F + "test_design_matrices.py:332"),
    Case("y ~ I(x1 + x2)", "gaussian", _F + "test_design_matrices.py:337"),
    Case("y ~ center(x1)", "gaussian", _F + "test_design_matrices.py:341"),
    Case("y ~ scale(x1)", "gaussian", _F + "test_design_matrices.py:347"),
    Case("y ~ standardize(x1)", "gaussian", _F + "test_design_matrices.py:354"),
    Case("y ~ C(x3)", "gaussian", _F + "test_design_matrices.py:362"),
    Case("y ~ C(x3, levels=lvls)", "gaussian", _F + "test_design_matrices.py:379"),
    # Bambi refuses: 5 is not a level of x3 (1-4), so not a valid reference.
    Case("y ~ C(x3, 5)", "gaussian", _F + "test_design_matrices.py:385"),
    Case("y ~ C(f)", "gaussian", _F + "test_design_matrices.py:388"),
    Case("y ~ add_ten(x1)", "gaussian", _F + "test_design_matrices.py:407"),
    Case(
        "`My response` ~ `$$#1@@`*`-- ! Hi there!`",
        "gaussian",
        _F + "test_design_matrices.py:420",
    ),
    Case("BP ~ 0 + (C(age_grp)|BMI)", "gaussian", _F + "test_design_matrices.py:443"),
    Case(
        "pixel ~ day +  (0 + day | Dog) + (1 | Side/Dog)",
        "gaussian",
        _F + "test_design_matrices.py:465",
    ),
    Case("prop(y, 62) ~ x", "binomial", _F + "test_design_matrices.py:507"),
    Case("proportion(y, n) ~ x", "binomial", _F + "test_design_matrices.py:513"),
    Case("p(y, n) ~ x", "binomial", _F + "test_design_matrices.py:519"),
    # Bambi refuses: successes must be a variable; trials must be an integer.
    Case("prop(10, n) ~ 1", "binomial", _F + "test_design_matrices.py:539"),
    Case("prop(x, 3.4) ~ 1", "binomial", _F + "test_design_matrices.py:543"),
    Case("y1['A'] ~ x", "bernoulli", _F + "test_design_matrices.py:562"),
    Case("y2[B] ~ x", "bernoulli", _F + "test_design_matrices.py:578"),
    Case("y3['Bye bye'] ~ x", "bernoulli", _F + "test_design_matrices.py:583"),
    # Bambi refuses: nested brackets and a number as level are parse errors.
    Case("y3[A[B]] ~ x", "bernoulli", _F + "test_design_matrices.py:589"),
    Case("y3[1] ~ x", "bernoulli", _F + "test_design_matrices.py:595"),
    Case("y ~ binary(g, 'c')", "poisson", _F + "test_design_matrices.py:609"),
    Case("y ~ binary(x, 7)", "poisson", _F + "test_design_matrices.py:613"),
    Case("y ~ binary(x)", "poisson", _F + "test_design_matrices.py:628"),
    # Bambi refuses: the success level is not in the data.
    Case("y ~ binary(g, 'Not found')", "poisson", _F + "test_design_matrices.py:633"),
    # Bambi refuses: offset() of a categorical variable; offset() as the response.
    Case("y ~ offset(g)", "poisson", _F + "test_design_matrices.py:832"),
    Case("offset(y) ~ x", "poisson", _F + "test_design_matrices.py:835"),
    Case(
        "y ~ offset(np.log(x))",
        "poisson",
        _F + "test_design_matrices.py:838",
    ),
    Case("prop(y, 70) ~ x", "binomial", _F + "test_design_matrices.py:856"),
    Case("y ~ x + offset(10)", "poisson", _F + "test_design_matrices.py:868"),
    Case("y ~ x1 + (x1|x3)", "gaussian", _F + "test_design_matrices.py:915"),
    Case("g[A] ~ x1", "bernoulli", _F + "test_design_matrices.py:996"),
    Case("y ~ 1 + (x1|g)", "gaussian", _F + "test_design_matrices.py:1050"),
    Case("y ~ 1 + (x1|g) + (x1:x2|g) + (h|g)", "gaussian", _F + "test_design_matrices.py:1062"),
    Case("y ~ myfunc(x3) + x3", "gaussian", _F + "test_design_matrices.py:1159"),
    # ---- formulae-0.6.2/tests/test_eval_new_data.py, test_resolver.py -----------------
    Case("y ~ (x|g1)", "gaussian", _F + "test_eval_new_data.py:210"),
    Case("y ~ (0 + g1|g2)", "gaussian", _F + "test_eval_new_data.py:223"),
    Case("y ~ 0 + x*g", "gaussian", _F + "test_eval_new_data.py:284"),
    Case("y ~ x + (g1|g2)", "gaussian", _F + "test_eval_new_data.py:301"),
    Case("threecats['b'] ~ continuous + dummy", "bernoulli", _F + "test_resolver.py:279"),
    # ---- added: syntax the suites lack with a response --------------------------------
    Case("y ~ x + I(x**2)", "gaussian", ADDED),
    Case("y ~ x + {x**2}", "gaussian", ADDED),
    Case("y ~ I(center(x) ** 2)", "gaussian", ADDED),  # cf. formulae test_eval_new_data.py:254
    Case("y ~ x + np.power(x, 2)", "gaussian", ADDED),  # cf. test_design_matrices.py:1220
    Case("y ~ np.log(x)", "gaussian", ADDED),
    Case("y ~ log(x)", "gaussian", ADDED),  # log() comes from Bambi's namespace
    Case("y ~ myfunc(x)", "gaussian", ADDED),
    Case("y ~ I(x3 > 1)", "gaussian", ADDED),  # cf. test_design_matrices.py:907
    Case("y ~ poly(x, 2)", "gaussian", ADDED),
    Case("count ~ poly(x1, 3) + (1|g)", "poisson", ADDED),
    Case("y ~ bs(x, df=4)", "gaussian", ADDED),
    Case("y ~ bs(x, 3) - 1", "gaussian", ADDED),  # cf. formulae test_spline.py:146
    Case("y ~ 0 + bs(time, degree=2, df=3):state", "gaussian", ADDED),  # cf. ...matrices.py:1191
    Case("count ~ 0 + bs(hour, 8, intercept=True)", "negativebinomial", ADDED),  # test_glmlss:79
    Case(
        "count_normalized ~ 0 + bs(hour, knots=knots, intercept=True)", "gaussian", ADDED
    ),  # cf. bambi test_glmlss.py:47
    Case("y ~ C(c, Treatment('b'))", "gaussian", ADDED),  # cf. test_design_matrices.py:719
    Case("y ~ C(x, Treatment)", "gaussian", ADDED),  # cf. test_design_matrices.py:708
    Case("y ~ C(x, levels=levels)", "gaussian", ADDED),  # cf. test_design_matrices.py:696
    # Bambi refuses: formulae 0.6.2 cannot parse a list literal ("Don't know how to parse '['").
    Case("y ~ C(c, levels=['c', 'b', 'a', 'd'])", "gaussian", ADDED),
    Case("y ~ C(g, Sum)", "gaussian", ADDED),  # cf. test_design_matrices.py:734
    Case("y ~ S(x, 7)", "gaussian", ADDED),  # cf. test_design_matrices.py:776
    Case("y ~ T(x, levels=levels)", "gaussian", ADDED),  # cf. test_design_matrices.py:805
    Case("y ~ (x1 + x2 + c)**2", "gaussian", ADDED),
    Case("y ~ x1 + c - 1", "gaussian", ADDED),
    Case("y ~ 0 + g + 1", "gaussian", ADDED),  # cf. test_design_matrices.py:1246
    Case("y ~ +x1", "gaussian", ADDED),  # cf. test_design_matrices.py:890
    # Bambi refuses: unary minus applies only to 0 and 1.
    Case("y ~ -x1", "gaussian", ADDED),  # cf. test_design_matrices.py:893
    # Bambi refuses: proportion() only as a response.
    Case("y ~ x + proportion(x3, 10)", "gaussian", ADDED),  # cf. test_design_matrices.py:911
    Case(
        "np.log(y) ~ (`var 1` + `var 2` + `var 3`) ** 3 - `var 2`:`var 3`", "gaussian", ADDED
    ),  # cf. formulae test_parser.py:219
    Case("y ~ `my var` + x", "gaussian", ADDED),
    Case("y ~ x + (0 + x|g)", "gaussian", ADDED),
    Case("y ~ x + (c|g)", "gaussian", ADDED),
    Case("y ~ x + (1|g) + (1|h)", "gaussian", ADDED),
    Case("y ~ x + (1|g:h)", "gaussian", ADDED),
    Case("y ~ x + (1|g/h)", "gaussian", ADDED),
    Case("y ~ x + (1 + x|g1:g2)", "gaussian", ADDED),  # cf. test_eval_new_data.py:384
    Case("y ~ 0 + (a*b|h+g)", "gaussian", ADDED),  # cf. formulae test_resolver.py:252
    Case("pixel ~ (0 + Dog:Side | day)", "gaussian", ADDED),  # cf. ...matrices.py:486
    Case("count ~ x + offset(log(t))", "poisson", ADDED),
    Case("count ~ x + offset(np.log(t)) + (1|g)", "negativebinomial", ADDED, unsupported=_OFFSETS),
    Case("p(k, n) ~ x + (1|g)", "binomial", ADDED),
    Case("p(k, 10) ~ x + c", "binomial", ADDED, link="probit"),
    Case("y['level'] ~ x + (1|g)", "bernoulli", ADDED),
    Case("y ~ x + c + (1|g)", "gamma", ADDED),
    Case("y ~ x", "gamma", ADDED, link="inverse", unsupported=_INVERSE),  # Bambi's default
    Case("y ~ x + (1|g)", "t", ADDED),
    Case("y ~ x + c", "laplace", ADDED),
    Case("y ~ x + (x|g)", "asymmetriclaplace", ADDED),
    Case("y ~ x + (1|g)", "exgaussian", ADDED),
    Case("y ~ x + (1|g)", "exponential", ADDED),
    Case("y ~ x + c + (1|g)", "weibull", ADDED),
    Case("y ~ x + (1|g)", "wald", ADDED, unsupported=_WALD),
]


# --- simulated data ----------------------------------------------------------------------

#: Column kind by name: a string kind, or a tuple of string levels (a categorical column;
#: names used as grouping factors get at least five levels, whatever the name says). Three
#: grouping factors keep the shape their source test gives them: ``binary_cat`` two levels,
#: ``x3`` the four codes 1-4 (``C(x3, levels=lvls)`` needs them), and ``continuous1`` a
#: continuous variable, one row per level (``binary_num ~ 1 + (1|continuous1)``).
#: The response of a case is simulated from the family instead (see :func:`simulate`).
#:
#: numeric   standard normal                 positive  uniform on (0.5, 5)
#: count     Poisson(2) integers             binary    0/1 integers, both present
#: codes     integers from ``levels`` (5-9)  cycle4    1, 2, 3, 4, 1, 2, ... (formulae's x3)
#: ints0_2   0, 1, 2 (Bambi's age_grp)       days      integers 0-9
#: bmi       integers 20-25 (numeric grouping)
#: hours     uniform on (4.5, 9.5), around ``knots``
#: trials    integers 10-20 (binomial trials)
#: weights   integers 1-5
KINDS: dict[str, str | tuple[str, ...]] = {
    # numeric predictors (and responses, where the family decides)
    **dict.fromkeys(
        [
            "Y",
            "y",
            "y1",
            "y2",
            "y3",
            "x0",
            "x1",
            "x2",
            "z",
            "a",
            "b",
            "continuous",
            "continuous1",
            "continuous2",
            "continuous3",
            "hp",
            "drat",
            "AGE",
            "BP",
            "S1",
            "S2",
            "S3",
            "temp",
            "x_float",
            "my var",
            "var 1",
            "var 2",
            "var 3",
            "$$#1@@",
            "-- ! Hi there!",
            "My response",
            "mpg",
            "Reaction",
            "score",
            "pixel",
            "od",
            "outcome",
            "count_normalized",
        ],
        "numeric",
    ),
    **dict.fromkeys(["age", "exposure", "t", "time", "o", "yield"], "positive"),
    "hour": "hours",
    **dict.fromkeys(
        ["count", "count2", "n1", "numclaims", "k", "x_int", "b1", "binary_num", "w"], "count"
    ),
    "dummy": "binary",
    "x": "codes",
    "veh_body": "codes",
    "x3": "cycle4",
    "age_grp": "ints0_2",
    "Days": "days",
    "BMI": "bmi",
    "n": "trials",
    # categorical predictors
    "threecats": ("a", "b", "c"),
    "fourcats": ("a", "b", "c", "d"),
    "c": ("a", "b", "c", "d"),
    "f": ("A", "B", "C"),
    "j": ("A", "B", "C"),
    "cat2": ("a", "b"),
    "binary_cat": ("a", "b"),
    "batch": ("b1", "b2", "b3", "b4"),
    "sex": ("female", "male"),
    "race": ("black", "other", "white"),
    "party_id": ("democrat", "independent", "republican"),
    "am": ("automatic", "manual"),
    "q": ("1", "2", "3", "4", "5"),
    "u": ("low", "mid", "high"),
    "state": ("depressed", "hopeful", "lonely", "positive"),
    "fac": ("f1", "f2", "f3"),
    "fac2": ("a", "b", "c"),
    "status": ("none", "right"),
    "vote": ("clinton", "trump", "someone_else"),
    # grouping factors (some also appear as categorical predictors)
    "g": ("a", "b", "c", "d", "e"),
    "h": ("h1", "h2", "h3", "h4", "h5"),
    "s": ("s1", "s2", "s3", "s4", "s5"),
    "g1": ("a", "b", "c", "d", "e"),
    "g2": ("x", "y", "z", "v", "w"),
    "cat4": ("M", "N", "O", "P", "Q"),
    "cat5": ("F", "G", "H", "I", "J", "K"),
    "categorical1": ("M", "N", "O", "P", "Q"),
    "subj": ("s1", "s2", "s3", "s4", "s5", "s6"),
    "item": ("i1", "i2", "i3", "i4", "i5", "i6"),
    "site": ("site1", "site2", "site3", "site4", "site5"),
    "subject": ("S1", "S2", "S3", "S4", "S5", "S6"),
    "Subject": ("308", "309", "310", "330", "331", "332"),
    "group": ("g1", "g2", "g3", "g4", "g5", "g6"),
    "patient": ("p1", "p2", "p3", "p4", "p5", "p6"),
    "source": ("src1", "src2", "src3", "src4", "src5"),
    "day": ("d1", "d2", "d3", "d4", "d5"),
    "Dog": ("dog1", "dog2", "dog3", "dog4", "dog5"),
    "Side": ("L", "R", "U", "D", "C"),
}


def _column(kind: str | tuple[str, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` values of one kind (see :data:`KINDS`); every level of a categorical appears."""
    if isinstance(kind, tuple):
        return rng.permutation(np.resize(np.array(kind, dtype=object), n))
    if kind == "numeric":
        return rng.normal(size=n)
    if kind == "positive":
        return rng.uniform(0.5, 5.0, size=n)
    if kind == "count":
        return rng.poisson(2.0, size=n)
    if kind == "binary":
        return rng.permutation(np.resize([0, 1], n))
    if kind == "codes":
        return rng.permutation(np.resize(levels, n))
    if kind == "cycle4":
        return np.resize([1, 2, 3, 4], n)
    if kind == "ints0_2":
        return rng.permutation(np.resize([0, 1, 2], n))
    if kind == "days":
        return rng.permutation(np.resize(np.arange(10), n))
    if kind == "bmi":
        return rng.permutation(np.resize(np.arange(20, 26), n))
    if kind == "hours":
        return rng.uniform(4.5, 9.5, size=n)
    if kind == "trials":
        return rng.integers(10, 21, size=n)
    if kind == "weights":
        return rng.integers(1, 6, size=n)
    raise ValueError(f"unknown column kind {kind!r}")


def _response_values(family: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """A response the family can model: 0/1, counts, positive values, or Gaussian-ish."""
    if family == "bernoulli":
        return rng.permutation(np.resize([0, 1], n))
    if family == "poisson":
        return rng.poisson(3.0, size=n)
    if family == "negativebinomial":
        return rng.negative_binomial(3, 0.5, size=n)
    if family == "gamma":
        return rng.gamma(2.0, 1.0, size=n) + 0.05
    # gaussian (and anything else): positive, so log(y) is defined, and inside (0.5, 4.5)
    return np.clip(2.5 + 0.7 * rng.normal(size=n), 0.5, 4.5)


def _literal(arg) -> float:
    """A number written in a formula: ``5`` (a value) or ``-5`` (negation of a value)."""
    if hasattr(arg, "value"):
        return arg.value
    return -arg.args[0].value  # formulae's LazyOperator for a leading minus


def _bounded_values(call, n: int, rng: np.random.Generator) -> np.ndarray:
    """Values inside the bounds of ``truncated(y, lb, ub)`` / ``constrained(y, lb, ub)``."""
    bounds = [_literal(arg) for arg in call.args[1:]]
    lb = _literal(call.kwargs["lb"]) if "lb" in call.kwargs else (bounds[0] if bounds else None)
    ub = _literal(call.kwargs["ub"]) if "ub" in call.kwargs else (bounds[1:2] or [None])[0]
    low = lb if lb is not None else (ub - 5.0 if ub is not None else 0.0)
    high = ub if ub is not None else low + 5.0
    margin = 0.1 * (high - low)
    return rng.uniform(low + margin, high - margin, size=n)


def _variables(formula: str):
    """The response component (or None), the data columns read, and the crossings.

    A crossing is the sorted categorical columns of one interaction (a common term or the
    expression of a group term with two or more categorical variables), largest first.
    """
    try:
        description = fm.model_description(formula)
    except Exception:  # formulae has no common error base; the case is an invalid formula
        return None, sorted(KINDS), []
    names = set(description.var_names) - set(NAMESPACE) - {"", "Treatment", "Sum"}
    response = description.response
    component = response.term.components[0] if response is not None else None
    terms = list(description.common_terms) + [term.expr for term in description.group_terms]
    crossings = []
    for term in terms:
        crossed = sorted(name for name in term.var_names if isinstance(KINDS.get(name), tuple))
        if len(crossed) > 1 and crossed not in crossings:
            crossings.append(crossed)
    crossings.sort(key=len, reverse=True)
    return component, sorted(names), crossings


def simulate(case: Case, n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Data holding every column ``case.formula`` reads, typed for the family and role.

    Predictors and grouping factors follow :data:`KINDS` (an unknown name is an error:
    add it to the table). The categorical columns of an interaction are crossed, so every
    cell has rows, as long as their level counts multiply to at most ``n``; other
    categorical columns are balanced random permutations (every level appears).

    The response follows the family: 0/1 for bernoulli, counts for poisson and
    negativebinomial, positive values for gamma, values in (0.5, 4.5) for the other
    continuous families (gaussian, t, lognormal, weibull, ...).
    ``p(k, n)`` gets successes 0-10 and trials 10-20; ``y["level"]`` a text column holding
    that level; ``truncated``/``constrained`` values inside their bounds. A formula that
    formulae cannot parse gets every column of the table (Bambi refuses it anyway).
    """
    rng = np.random.default_rng(seed)
    component, names, crossings = _variables(case.formula)
    unknown = [name for name in names if name not in KINDS]
    if unknown:
        raise KeyError(f"add column kind(s) for {unknown} to KINDS")
    data = {}
    for crossed in crossings:  # fill every cell of an interaction of categorical columns
        order, stride = rng.permutation(n), 1
        for name in crossed:
            kind = KINDS[name]
            if name not in data and stride * len(kind) <= n:
                data[name] = np.array(kind, dtype=object)[(order // stride) % len(kind)]
                stride *= len(kind)
    for name in names:
        if name not in data:
            data[name] = _column(KINDS[name], n, rng)

    call = getattr(component, "call", None)
    if component is None:
        pass
    elif call is None:  # a variable, maybe with a level: y or y["level"]
        if component.reference is not None:
            choices = np.array([component.reference, "other", "another"], dtype=object)
            data[component.name] = rng.permutation(np.resize(choices, n))
        else:
            data[component.name] = _response_values(case.family, n, rng)
    else:
        first = call.args[0] if call.args else None
        target = getattr(first, "name", None)
        if target is None:  # e.g. prop(10, n): the first argument is not a variable
            pass
        elif call.callee in ("p", "prop", "proportion"):
            data[target] = rng.binomial(10, 0.4, size=n)
        elif call.callee in ("truncated", "constrained"):
            data[target] = _bounded_values(call, n, rng)
        else:  # censored(time, status), weighted(y, w), np.log(y), ...
            data[target] = _response_values(case.family, n, rng)
            if call.callee == "weighted":
                data[call.args[1].name] = _column("weights", n, rng)
    return pd.DataFrame({name: data[name] for name in sorted(data)})
