"""The structure of a Bambi/lme4 model formula, read with formulae's own parser.

:func:`parse` turns ``"y ~ x1*x2 + (x|g) + offset(log(t))"`` into a
:class:`FormulaSpec`: the response, the population-level terms and the
group-specific terms named exactly as Bambi names them (``"x1:x2"``, ``"1|g"``,
``"x|g"``), whether there is an intercept, and the offsets.

The formula is read by formulae's scanner, parser and resolver (the three steps
of ``formulae.model_description``), subclassed only to remember where each
token and each sub-expression starts, so that an invalid formula fails with a
:class:`~r2d2_formula._errors.FormulaError` naming the character position or the
term at fault.

Some formulas formulae accepts are refused, because Bambi would then fit
another model than the one written, or fail later with a less helpful error:
text left over after a complete formula (``"y ~ x | g"`` and ``"y ~ x )"`` give
``y ~ x``), a second ``|`` in a group-specific term (``"(x|g|h)"`` gives only
``(1|h)``), the subset notation ``x[...]`` on a predictor (formulae ignores the
level), a number other than 0 or 1 as a term, an ``offset()`` that is not a
term of its own, and two terms formulae names alike.

Stages, one module each, as in formulae: :mod:`.reader` (scanner, parser and resolver
subclasses), :mod:`.builder` (resolved model to :class:`FormulaSpec`), :mod:`.spec` (the
types), :mod:`.names` and :mod:`.terms` (writing names, walking terms), :mod:`.evaluate`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from r2d2_formula._errors import FormulaError
from r2d2_formula._formula.builder import Builder
from r2d2_formula._formula.evaluate import (
    Evaluated,
    caller_namespace,
    evaluate,
    raw_response,
    response_arguments,
)
from r2d2_formula._formula.reader import Source
from r2d2_formula._formula.spec import (
    CONTRASTS,
    EXAMPLE,
    FORMULAE_FUNCTIONS,
    FormulaSpec,
    GroupTerm,
)

__all__ = [
    "CONTRASTS",
    "FORMULAE_FUNCTIONS",
    "Evaluated",
    "FormulaSpec",
    "GroupTerm",
    "caller_namespace",
    "evaluate",
    "parse",
    "raw_response",
    "response_arguments",
]


def parse(formula: str) -> FormulaSpec:
    """Read a Bambi/lme4 model formula into its structure.

    Parameters
    ----------
    formula : str
        A formula such as ``"y ~ x1*x2 + C(a) + (x|g)"``, ``"p(k, n) ~ x"`` or
        ``"y ~ 0 + x + offset(log(t))"``, in formulae's syntax.

    Returns
    -------
    FormulaSpec
        The response, population-level terms, group-specific terms, intercept
        and offsets, with terms named and ordered as formulae and Bambi do.

    Raises
    ------
    FormulaError
        If ``formula`` is not a string or not a valid formula. The message
        quotes the formula and gives the character position (0-based) or the
        term at fault.

    Examples
    --------
    >>> parse("y ~ x1*x2 + C(a) + (1|a/b)")  # doctest: +NORMALIZE_WHITESPACE
    FormulaSpec(response='y', trials=None, population=('x1', 'x2', 'x1:x2', 'C(a)'),
                groups=(GroupTerm(expr='1', factor='a'), GroupTerm(expr='1', factor='a:b')),
                intercept=True, offsets=())
    >>> spec = parse("p(k, n) ~ 0 + x + offset(log(t))")
    >>> spec.response, spec.trials, spec.intercept, spec.offsets
    ('k', 'n', False, ('log(t)',))
    >>> from r2d2_formula._errors import FormulaError
    >>> try:
    ...     parse("y ~ x * * z")
    ... except FormulaError as err:
    ...     print(err)
    cannot parse formula 'y ~ x * * z': unexpected '*' at position 8.
        y ~ x * * z
                ^
    """
    if not isinstance(formula, str):
        raise FormulaError(
            f"formula must be a string like {EXAMPLE}, got {type(formula).__name__}."
        )
    if not formula.strip():
        raise FormulaError(f"formula {formula!r} is empty; write it like {EXAMPLE}.")
    double_bars = {match.start() for match in re.finditer(r"\|\|", formula)}
    source = Source(formula)
    source.scan()
    source.check_tokens()
    root, parser = source.parse_tokens()
    model = source.resolve(root, parser)
    spec = Builder(source).build(model)
    kept = {group.name for group in spec.groups}  # (x|g) - (1|g) removes 1|g
    blocks = _merged(source.group_blocks(root, double_bars))
    blocks = tuple(b for b in (tuple(n for n in block if n in kept) for block in blocks) if b)
    return replace(spec, _model=model, text=formula, correlated=blocks)


def _merged(blocks: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Blocks that share a term (``(1|g) + (1 + x|g)``) merged into one, in order."""
    merged: list[list[str]] = []
    for block in blocks:
        overlapping = [group for group in merged if set(group) & set(block)]
        target = overlapping[0] if overlapping else []
        if not overlapping:
            merged.append(target)
        for group in overlapping[1:]:
            target += [name for name in group if name not in target]
            merged.remove(group)
        target += [name for name in block if name not in target]
    return tuple(tuple(group) for group in merged)
