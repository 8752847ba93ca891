"""The structure of a Bambi/lme4 model formula, read with formulae's own parser.

:func:`parse` turns ``"y ~ x1*x2 + (x|g) + offset(log(t))"`` into a
:class:`FormulaSpec`: the response, the population-level terms and the
group-specific terms named exactly as Bambi names them (``"x1:x2"``, ``"1|g"``,
``"x|g"``), whether there is an intercept, and the offsets.

The formula is read by formulae's scanner, parser and resolver (the three steps
of ``formulae.model_description``), subclassed only to remember where each
token and each sub-expression starts, so that an invalid formula fails with a
:class:`~r2d2_formula.errors.FormulaError` naming the character position or the
term at fault.

Some formulas formulae accepts are refused, because Bambi would then fit
another model than the one written, or fail later with a less helpful error:
text left over after a complete formula (``"y ~ x | g"`` and ``"y ~ x )"`` give
``y ~ x``), a second ``|`` in a group-specific term (``"(x|g|h)"`` gives only
``(1|h)``), the subset notation ``x[...]`` on a predictor (formulae ignores the
level), a number other than 0 or 1 as a term, an ``offset()`` that is not a
term of its own, and two terms formulae names alike.
"""

from __future__ import annotations

import copy
import inspect
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
from formulae.categorical import Sum, Treatment
from formulae.expr import Assign, Binary, Grouping, Unary
from formulae.parser import Parser
from formulae.resolver import Resolver
from formulae.scanner import Scanner
from formulae.terms.call import Call
from formulae.terms.call_resolver import LazyCall, LazyOperator, LazyValue, LazyVariable
from formulae.terms.terms import GroupSpecificTerm, Intercept, Model, Response, Term
from formulae.terms.variable import Variable
from formulae.transforms import TRANSFORMS

from r2d2_formula import _html
from r2d2_formula.errors import FormulaError

#: Functions formulae itself provides in a formula (``C``, ``I``, ``poly``, ``bs``, ...).
FORMULAE_FUNCTIONS: tuple[str, ...] = tuple(sorted(TRANSFORMS))
#: formulae's contrast classes, usable as ``C(x, Treatment('b'))`` once in the namespace.
CONTRASTS: dict[str, Any] = {"Treatment": Treatment, "Sum": Sum}

__all__ = [
    "Evaluated",
    "FormulaSpec",
    "GroupTerm",
    "caller_namespace",
    "evaluate",
    "parse",
    "raw_response",
]

_EXAMPLE = "'y ~ x + (1|g)'"
_OPENERS = {
    "LEFT_PAREN": "RIGHT_PAREN",
    "LEFT_BRACKET": "RIGHT_BRACKET",
    "LEFT_BRACE": "RIGHT_BRACE",
}
_CLOSERS = {closer: opener for opener, closer in _OPENERS.items()}

# Binding strength of the operators formulae allows inside a call, from its
# parser's precedence climbing: comparison < +,- < *,/ < ** (all left-associative);
# a unary sign binds tighter than all of them.
_PRECEDENCE = {"==": 1, "!=": 1, "<": 1, "<=": 1, ">": 1, ">=": 1}
_PRECEDENCE.update({"+": 2, "-": 2, "*": 3, "/": 3, "**": 4})


@dataclass(frozen=True)
class GroupTerm:
    """One group-specific term ``(expr|factor)``, after Bambi's expansion.

    Parameters
    ----------
    expr : str
        Bambi's name of the expression that varies by group: ``"1"`` for the
        intercept, else a population-style term name such as ``"x"`` or
        ``"x:z"``.
    factor : str
        Bambi's name of the grouping factor, e.g. ``"g"`` or ``"a:b"`` for a
        nested factor.

    Examples
    --------
    >>> GroupTerm("x", "g")
    GroupTerm(expr='x', factor='g')
    >>> GroupTerm("1", "a:b").name
    '1|a:b'
    """

    expr: str
    factor: str

    @property
    def name(self) -> str:
        """Bambi's name of the term, e.g. ``"1|g"`` or ``"x|g"``."""
        return f"{self.expr}|{self.factor}"


@dataclass(frozen=True)
class FormulaSpec:
    """The structure of a model formula, as returned by :func:`parse`.

    Two specs are equal when all their public fields are equal, tuples in the
    order formulae gives. ``str(spec)`` is a formula that :func:`parse` reads
    back into an equal spec.

    Parameters
    ----------
    response : str
        The response as formula text, e.g. ``"y"``, ``"log(y)"``, ``'y["yes"]'``;
        for a binomial response ``p(k, n)``, the successes ``"k"``.
    trials : str or None
        The trials ``"n"`` of a binomial response ``p(k, n)``, else None.
    population : tuple of str
        Population-level terms named as formulae and Bambi name them, e.g.
        ``("x1", "x2", "x1:x2", "C(a)", "scale(x)")``; no intercept, no offsets.
    groups : tuple of GroupTerm
        Group-specific terms as Bambi expands them: ``(x|g)`` gives ``1|g`` and
        ``x|g``, ``(1|a/b)`` gives ``1|a`` and ``1|a:b``.
    intercept : bool
        False when the formula removes it (``0 + ...`` or ``... - 1``).
    offsets : tuple of str
        The argument of each ``offset()``: ``offset(log(t))`` gives ``"log(t)"``.

    Examples
    --------
    >>> spec = parse("y ~ x1*x2 + (x|g)")
    >>> spec.population
    ('x1', 'x2', 'x1:x2')
    >>> [group.name for group in spec.groups]
    ['1|g', 'x|g']
    >>> str(spec)
    'y ~ 1 + x1 + x2 + x1:x2 + (1|g) + (x|g)'
    >>> parse(str(spec)) == spec
    True
    >>> str(FormulaSpec("y", population=("x",), intercept=False))
    'y ~ 0 + x'
    """

    response: str
    trials: str | None = None
    population: tuple[str, ...] = ()
    groups: tuple[GroupTerm, ...] = ()
    intercept: bool = True
    offsets: tuple[str, ...] = ()
    # Bambi's names drop what formulae does not print (the parentheses inside
    # I((x + 1) * 2) are named 'I(x + 1 * 2)', backquotes vanish), so a parsed
    # spec keeps the text of each term to write str() faithfully. Keys are
    # ("term", name), ("expr", group name) and ("factor", group name); names
    # missing from it are written as they are.
    _written: tuple[tuple[tuple[str, str], str], ...] = field(
        default=(), repr=False, compare=False, kw_only=True
    )
    # formulae's description of the model from the one parse; design matrices and
    # the names the formula reads come from it. None for a spec built by hand.
    _model: Any = field(default=None, repr=False, compare=False, kw_only=True)
    #: The formula as the user wrote it ("" for a spec built by hand).
    text: str = field(default="", repr=False, compare=False, kw_only=True)

    def _repr_html_(self) -> str:
        rows = [[name, "population"] for name in self.population]
        rows += [[group.name, f"group (factor {group.factor})"] for group in self.groups]
        rows += [[f"offset({offset})", "offset"] for offset in self.offsets]
        lines = [("Formula", str(self)), ("Response", self.response)]
        if self.trials is not None:
            lines.append(("Trials", self.trials))
        lines.append(("Intercept", "yes" if self.intercept else "no"))
        return _html.card("FormulaSpec", lines, _html.table(["term", "kind"], rows))

    @property
    def variables(self) -> tuple[str, ...]:
        """Every name the formula reads as a value, response first, each once.

        Data columns and names of the caller's session (``levels`` in
        ``C(x, levels=levels)``) alike; function names are in :attr:`calls`.

        Examples
        --------
        >>> parse("p(k, n) ~ C(c, levels=lv) + np.log(t) + (x|g)").variables
        ('k', 'n', 'c', 'lv', 't', 'g', 'x')
        """
        return _names(_parts(self._description()))[0]

    @property
    def response_variables(self) -> tuple[str, ...]:
        """The names the response reads (``("k", "n")`` for ``p(k, n)``)."""
        return _names(_parts(self._description(), population=False, groups=False))[0]

    @property
    def predictor_variables(self) -> tuple[str, ...]:
        """The names the right-hand side reads: population terms and group terms."""
        return _names(_parts(self._description(), response=False))[0]

    @property
    def population_variables(self) -> tuple[str, ...]:
        """The names read by population-level terms and group-level expressions (not factors)."""
        return _names(_parts(self._description(), response=False, factors=False))[0]

    @property
    def factor_variables(self) -> tuple[str, ...]:
        """The names the grouping factors read (``("a", "b")`` for ``(1|a/b)``)."""
        parts = _parts(self._description(), response=False, population=False, exprs=False)
        return _names(parts)[0]

    @property
    def calls(self) -> tuple[str, ...]:
        """Every function the formula calls, as written (``"np.log"``, ``"C"``), each once.

        Examples
        --------
        >>> parse("y ~ poly(x, 2) + np.log(t) + offset(log(t))").calls
        ('poly', 'np.log', 'offset', 'log')
        """
        return _names(_parts(self._description()))[1]

    @property
    def response_call(self) -> str | None:
        """The function applied to the response (``"censored"``, ``"p"``, ...), if any."""
        component = self._description().response.term.components[0]
        return component.call.callee if isinstance(component, Call) else None

    @property
    def fixed_levels(self) -> tuple[str, ...]:
        """Columns coded with a given list of levels, as in ``C(x, levels=[...])``.

        formulae needs every one of those levels in the data it evaluates, new data
        included.

        Examples
        --------
        >>> parse("y ~ C(x, levels=lv) + z").fixed_levels
        ('x',)
        """
        found: dict[str, None] = {}
        for node in _lazy_nodes(_parts(self._description())):
            if isinstance(node, LazyCall) and "levels" in node.kwargs and node.args:
                if isinstance(node.args[0], LazyVariable):
                    found[node.args[0].name] = None
        return tuple(found)

    @property
    def response_level(self) -> tuple[str, str] | None:
        """(column, level) of a response written ``y["level"]``, else None.

        Examples
        --------
        >>> parse('y["yes"] ~ x').response_level
        ('y', 'yes')
        """
        component = self._description().response.term.components[0]
        if isinstance(component, Variable) and component.reference is not None:
            return component.name, str(component.reference)
        return None

    def reads(self, term: str) -> tuple[str, ...]:
        """The names one term reads: a population term, an offset or a group term (``"x|g"``).

        Examples
        --------
        >>> parse("y ~ x + offset(log(t)) + (z|g)").reads("offset(log(t))")
        ('t',)
        """
        for candidate in _terms(self._description(), response=False):
            if _term_text(candidate) == term:
                return _names(_parts_of(candidate))[0]
        return ()

    def _description(self) -> Model:
        if self._model is None:
            return parse(str(self))._model
        return self._model

    @property
    def source(self) -> str:
        """The formula as the user wrote it, or as ``str()`` writes a spec built by hand."""
        return self.text or str(self)

    @property
    def response_text(self) -> str:
        """The response as formula text: ``"y"``, ``'y["yes"]'``, ``"p(k, n)"``."""
        return self.response if self.trials is None else f"p({self.response}, {self.trials})"

    def __str__(self) -> str:
        written = dict(self._written)
        lhs = self.response_text
        rhs = ["1" if self.intercept else "0"]
        rhs += [written.get(("term", name), _write_name(name)) for name in self.population]
        rhs += [f"offset({offset})" for offset in self.offsets]
        intercepts: set[str] = set()
        for group in self.groups:
            expr = written.get(("expr", group.name), _write_name(group.expr))
            factor = written.get(("factor", group.name), _write_name(group.factor))
            if group.expr == "1":
                intercepts.add(group.factor)
                rhs.append(f"(1|{factor})")
            elif group.factor in intercepts:
                rhs.append(f"({expr}|{factor})")
            else:
                # (x|g) alone would bring back the intercept 1|g the spec does not have.
                rhs.append(f"(0 + {expr}|{factor})")
        return f"{lhs} ~ {' + '.join(rhs)}"


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
    >>> from r2d2_formula.errors import FormulaError
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
            f"formula must be a string like {_EXAMPLE}, got {type(formula).__name__}."
        )
    if not formula.strip():
        raise FormulaError(f"formula {formula!r} is empty; write it like {_EXAMPLE}.")
    source = _Source(formula)
    source.scan()
    source.check_tokens()
    root, parser = source.parse_tokens()
    model = source.resolve(root, parser)
    spec = _Builder(source).build(model)
    return replace(spec, _model=model, text=formula)


# --------------------------------------------------------------------------- reading


class _PositionScanner(Scanner):
    """formulae's scanner, noting on each token where it starts in the formula."""

    def add_token(self, kind: str, literal: Any = None) -> None:
        super().add_token(kind, literal)
        self.tokens[-1].position = self.start


class _SpanParser(Parser):
    """formulae's parser, noting the token range each production returns."""

    def __init__(self, tokens: list[Any]) -> None:
        super().__init__(tokens)
        self.spans: dict[int, tuple[int, int]] = {}


def _noting_span(name: str) -> Any:
    method = getattr(Parser, name)

    def production(self: _SpanParser, *args: Any) -> Any:
        start = self.current
        node = method(self, *args)
        # The innermost production that returns a node saw exactly its tokens.
        self.spans.setdefault(id(node), (start, self.current))
        return node

    production.__name__ = name
    return production


for _name in (
    "expression",
    "assignment",
    "tilde",
    "random_effect",
    "comparison",
    "addition",
    "multiplication",
    "interaction",
    "multiple_interaction",
    "unary",
    "call",
    "primary",
):
    setattr(_SpanParser, _name, _noting_span(_name))


class _BlamingResolver(Resolver):
    """formulae's resolver, remembering the innermost sub-expression that failed.

    The camel-case method names are formulae's visitor protocol.
    """

    def __init__(self, expr: Any) -> None:
        super().__init__(expr)
        self.culprit: Any = None

    def visitBinaryExpr(self, expr: Any) -> Any:
        if expr.operator.kind == "PIPE" and (_has_pipe(expr.left) or _has_pipe(expr.right)):
            self.culprit = expr
            raise ValueError("a group-specific term takes one '|'")
        return self._blame(super().visitBinaryExpr, expr)

    def visitGroupingExpr(self, expr: Any) -> Any:
        return self._blame(super().visitGroupingExpr, expr)

    def visitUnaryExpr(self, expr: Any) -> Any:
        return self._blame(super().visitUnaryExpr, expr)

    def visitCallExpr(self, expr: Any) -> Any:
        return self._blame(super().visitCallExpr, expr)

    def visitVariableExpr(self, expr: Any) -> Any:
        return self._blame(super().visitVariableExpr, expr)

    def visitLiteralExpr(self, expr: Any) -> Any:
        return self._blame(super().visitLiteralExpr, expr)

    def visitQuotedNameExpr(self, expr: Any) -> Any:
        return self._blame(super().visitQuotedNameExpr, expr)

    def _blame(self, visit: Any, expr: Any) -> Any:
        try:
            return visit(expr)
        except Exception:
            # The first handler to run belongs to the innermost failing node.
            if self.culprit is None:
                self.culprit = expr
            raise


def _has_pipe(node: Any) -> bool:
    if isinstance(node, Binary):
        return node.operator.kind == "PIPE" or _has_pipe(node.left) or _has_pipe(node.right)
    if isinstance(node, Grouping):
        return _has_pipe(node.expression)
    if isinstance(node, Unary):
        return _has_pipe(node.right)
    return False


class _Source:
    """One formula on its way through formulae, able to say where it went wrong."""

    def __init__(self, formula: str) -> None:
        self.formula = formula
        self.tokens: list[Any] = []

    def error(self, detail: str, position: int | None = None) -> FormulaError:
        """A FormulaError quoting the formula, with a caret under ``position``."""
        message = f"cannot parse formula {self.formula!r}: {detail}."
        if position is not None and self.formula.isprintable():
            message += f"\n    {self.formula}\n    {' ' * position}^"
        return FormulaError(message)

    def position(self, index: int) -> int | None:
        """Character position of token ``index``, or of the next token the user wrote.

        formulae inserts an implicit ``1 +`` after the ``~``; those tokens have no
        position of their own.
        """
        for token in self.tokens[index:]:
            if hasattr(token, "position"):
                return token.position
        return None  # pragma: no cover - the end marker always has a position

    def written(self, index: int) -> bool:
        """Whether token ``index`` is in the formula (not one formulae inserted)."""
        return hasattr(self.tokens[index], "position")

    def scan(self) -> None:
        scanner = _PositionScanner(self.formula)
        try:
            self.tokens = scanner.scan()
        except Exception as err:  # ScanError, or IndexError on an unterminated backquote
            raise self._scan_error(scanner, err) from err
        # scan() appends the end marker without add_token.
        self.tokens[-1].position = len(self.formula)

    def _scan_error(self, scanner: _PositionScanner, err: Exception) -> FormulaError:
        tildes = [token.position for token in scanner.tokens if token.kind == "TILDE"]
        if "~" in str(err) and len(tildes) > 1:
            return self.error(f"more than one '~' (a second at position {tildes[1]})", tildes[1])
        start = scanner.start
        opening = self.formula[start] if start < len(self.formula) else ""
        if opening in "'\"":
            return self.error(f"unterminated string starting at position {start}", start)
        if opening == "`":
            return self.error(f"unterminated backquoted name starting at position {start}", start)
        where = max(scanner.current - 1, 0)
        if where < len(self.formula):
            char = self.formula[where]
            return self.error(f"unexpected character {char!r} at position {where}", where)
        return self.error(f"formulae cannot scan it ({err})")  # pragma: no cover

    def check_tokens(self) -> None:
        """Refuse what formulae would misread or silently drop, before parsing."""
        kinds = [token.kind for token in self.tokens]
        if "TILDE" not in kinds:
            raise self.error(
                f"it has no '~' between the response and the predictors; write it like {_EXAMPLE}"
            )
        if kinds[0] == "TILDE":
            where = self.position(0)
            raise self.error(f"there is no response before '~' at position {where}", where)
        stack: list[int] = []
        for index, kind in enumerate(kinds):
            if kind in _OPENERS:
                stack.append(index)
            elif kind in _CLOSERS:
                self._check_closer(stack, index)
            elif kind == "PIPE" and not stack:
                where = self.position(index)
                raise self.error(
                    f"'|' outside parentheses at position {where}; write a group-specific "
                    "term in parentheses, e.g. (1|g) or (x|g)",
                    where,
                )
        if stack:
            where = self.position(stack[-1])
            char = self.tokens[stack[-1]].lexeme
            raise self.error(
                f"unbalanced parentheses: {char!r} at position {where} is never closed", where
            )

    def _check_closer(self, stack: list[int], index: int) -> None:
        where = self.position(index)
        char = self.tokens[index].lexeme
        if not stack:
            raise self.error(
                f"unbalanced parentheses: {char!r} at position {where} closes nothing", where
            )
        opener = stack.pop()
        if _OPENERS[self.tokens[opener].kind] != self.tokens[index].kind:
            raise self.error(
                f"unbalanced parentheses: {char!r} at position {where} closes "
                f"{self.tokens[opener].lexeme!r} at position {self.position(opener)}",
                where,
            )

    def parse_tokens(self) -> tuple[Any, _SpanParser]:
        parser = _SpanParser(self.tokens)
        try:
            root = parser.parse()
        except Exception as err:  # formulae's ParseError, or anything its parser trips on
            raise self._parse_error(parser, err) from err
        if isinstance(root, Assign):
            raise self._misplaced_assignment(parser)
        if not parser.at_end():
            index = parser.current
            where = self.position(index)
            token = self.tokens[index]
            hint = " (is an operator such as '+' missing?)" if token.kind in _PRIMARY else ""
            raise self.error(f"unexpected {token.lexeme!r} at position {where}{hint}", where)
        return root, parser

    def _parse_error(self, parser: _SpanParser, err: Exception) -> FormulaError:
        message = str(err)
        index = min(parser.current, len(self.tokens) - 1)
        token = self.tokens[index]
        where = self.position(index)
        expected = re.match(r"Expect '(.)'", message)
        if "assignment" in message:
            return self._misplaced_assignment(parser)
        if "Subset notation" in message or "nested brackets" in message:
            where = self.position(max(index - 1, 0))
            return self.error(
                f"{message.rstrip('.')} (at position {where}); only the response takes "
                'a level, e.g. y["yes"] ~ x',
                where,
            )
        if token.kind == "EOF":
            before = [i for i in range(index) if self.written(i)]
            after = f" after {self.tokens[before[-1]].lexeme!r}" if before else ""
            wanted = f"; expected {expected.group(1)!r}" if expected else ""
            return self.error(
                f"unexpected end of formula at position {where}{after}{wanted}", where
            )
        if expected:
            return self.error(
                f"found {token.lexeme!r} at position {where} where {expected.group(1)!r} "
                "was expected",
                where,
            )
        return self.error(f"unexpected {token.lexeme!r} at position {where}", where)

    def _misplaced_assignment(self, parser: _SpanParser) -> FormulaError:
        equals = [i for i in range(parser.current) if self.tokens[i].kind == "EQUAL"]
        where = self.position(equals[-1]) if equals else None
        at = f" at position {where}" if where is not None else ""
        return self.error(
            f"'='{at} is only allowed for keyword arguments inside a call, e.g. f(x, k=2)", where
        )

    def resolve(self, root: Any, parser: _SpanParser) -> Model:
        resolver = _BlamingResolver(root)
        try:
            description = resolver.resolve()
        except Exception as err:  # formulae raises ValueError, TypeError, ResolverError, ...
            raise self._resolve_error(parser, resolver.culprit, err) from err
        # As formulae.model_description does.
        return description if isinstance(description, Model) else Model(description)

    def _resolve_error(self, parser: _SpanParser, culprit: Any, err: Exception) -> FormulaError:
        if culprit is None:  # pragma: no cover - every visit records its node
            return self.error(f"formulae cannot read it ({err})")
        if isinstance(culprit, Binary) and culprit.operator.kind == "TILDE":
            text, where = self.text(culprit.left, parser)
            return self.error(
                f"the response {text!r} at position {where} must be a single variable or "
                f"call ({err})",
                where,
            )
        text, where = self.text(culprit, parser)
        # formulae runs ':' as Python's '@'.
        reason = str(err).replace("for @:", "for ':':")
        if isinstance(err, AttributeError) and "Lazy" in reason:
            # formulae's LazyCall.__eq__ assumes the other argument is a call too, so
            # log(log(x)) + log(x) crashes where log(x) + log(log(x)) works.
            reason = (
                "formulae fails comparing calls to the same function when one has a call "
                "as argument where the other has a name; write the simpler call first, "
                f"e.g. offset(t) + offset(log(t)) ({type(err).__name__}: {reason})"
            )
        return self.error(f"term {text!r} at position {where} is not valid: {reason}", where)

    def text(self, node: Any, parser: _SpanParser) -> tuple[str, int | None]:
        """The source text of an AST node and its character position."""
        first, stop = self._token_span(node, parser)
        positioned = [i for i in range(first, stop) if self.written(i)]
        if not positioned:
            return "", None
        start = self.position(positioned[0])
        last = positioned[-1]
        end = self.position(last) + len(self.tokens[last].lexeme)
        return self.formula[start:end], start

    def _token_span(self, node: Any, parser: _SpanParser) -> tuple[int, int]:
        if id(node) in parser.spans:
            return parser.spans[id(node)]
        # Left-associative loops build inner Binary nodes no production returns.
        if isinstance(node, Binary):
            return self._token_span(node.left, parser)[0], self._token_span(node.right, parser)[1]
        return 0, len(self.tokens) - 1  # pragma: no cover - every other node is returned


_PRIMARY = {"IDENTIFIER", "NUMBER", "STRING", "BQNAME", "PYTHON_LITERAL", "LEFT_PAREN"}


# --------------------------------------------------------------------------- building


class _Builder:
    """Turns formulae's model description into a FormulaSpec, checking what Bambi needs."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.written: dict[tuple[str, str], str] = {}

    def fail(self, detail: str) -> FormulaError:
        return self.source.error(detail)

    def build(self, model: Model) -> FormulaSpec:
        if not isinstance(model.response, Response):
            raise self.fail(f"it has no response; write it like {_EXAMPLE}")
        response, trials = self._response(model.response.term.components[0])
        population: list[str] = []
        offsets: list[str] = []
        intercept = False
        for term in model.common_terms:
            if isinstance(term, Intercept):
                intercept = True
            elif isinstance(term, Term):
                offset = self._offset(term)
                if offset is not None:
                    offsets.append(offset)
                else:
                    population.append(self._term(term, "term"))
            # formulae removes negated intercepts itself; anything else is not a term.
        groups = [self._group(term) for term in model.group_terms]
        self._check_unique(population, "population-level terms")
        self._check_unique([group.name for group in groups], "group-specific terms")
        written = tuple(self.written.items())
        return FormulaSpec(
            response=response,
            trials=trials,
            population=tuple(population),
            groups=tuple(groups),
            intercept=intercept,
            offsets=tuple(offsets),
            _written=written,
        )

    def _response(self, component: Any) -> tuple[str, str | None]:
        if isinstance(component, Call) and component.call.callee == "p":
            args = component.call.args
            if len(args) != 2 or component.call.kwargs:
                raise self.fail(
                    f"the response {component.name!r} must be written p(successes, trials)"
                )
            return _write_lazy(args[0]), _write_lazy(args[1])
        if isinstance(component, Call) and component.call.callee == "offset":
            raise self.fail(f"offset() cannot be the response ({component.name!r})")
        if isinstance(component, Variable):
            self._check_name(component)
            text = _write_variable(component.name)
            if component.reference is not None:
                text += f'["{component.reference}"]'
            return text, None
        return _write_lazy(component.call), None

    def _offset(self, term: Term) -> str | None:
        calls = [c for c in term.components if isinstance(c, Call) and c.call.callee == "offset"]
        if not calls:
            return None
        if len(term.components) > 1:
            raise self.fail(f"offset() must be a term of its own, not part of {term.name!r}")
        call = calls[0].call
        if len(call.args) != 1 or call.kwargs:
            raise self.fail(f"{term.name!r} must have one argument, e.g. offset(log(t))")
        return _write_lazy(call.args[0])

    def _term(self, term: Term, role: str, key: str | None = None) -> str:
        """Bambi's name of ``term``, after checking each of its components."""
        for component in term.components:
            if isinstance(component, Variable):
                self._check_name(component)
                if component.reference is not None:
                    raise self.fail(
                        f"the subset notation {component.name}[{component.reference!r}] in "
                        f"term {term.name!r} only applies to the response, e.g. "
                        f'y["yes"] ~ x'
                    )
            elif component.call.callee == "offset":
                raise self.fail(f"offset() must be a population-level term, not in {key!r}")
        text = ":".join(_write_component(component) for component in term.components)
        if text != _write_name(term.name):
            self.written[(role, term.name if key is None else key)] = text
        return term.name

    def _check_name(self, variable: Variable) -> None:
        name = variable.name
        if not isinstance(name, str):
            raise self.fail(
                f"the constant {name!r} is not a term; alone, only 1 (intercept) and "
                "0 or -1 (no intercept) are allowed"
            )
        if not name:
            raise self.fail("an empty name `` is not a variable")

    def _group(self, term: GroupSpecificTerm) -> GroupTerm:
        factor_name = term.factor.name
        if isinstance(term.expr, Intercept):
            expr = "1"
        else:
            expr = term.expr.name
        name = f"{expr}|{factor_name}"
        if not isinstance(term.expr, Intercept):
            self._term(term.expr, "expr", name)
        self._term(term.factor, "factor", name)
        return GroupTerm(expr, factor_name)

    def _check_unique(self, names: list[str], what: str) -> None:
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise self.fail(
                f"two different {what} are both named {repeated[0]!r} by formulae, so Bambi "
                "cannot tell them apart"
            )


# --------------------------------------------------------------------------- writing


def _is_identifier(name: str) -> bool:
    # formulae's scanner: a letter, then letters, digits, '.' or '_'.
    return (
        bool(name)
        and name[0].isalpha()
        and all(char.isalnum() or char in "._" for char in name[1:])
        and name not in ("True", "False", "None")
    )


def _write_variable(name: str) -> str:
    if _is_identifier(name):
        return name
    # A string literal standing as a term names a variable too, and is the only way
    # to write a name holding a backquote; formulae's strings cannot hold quotes.
    return f'"{name}"' if "`" in name else f"`{name}`"


def _write_name(name: str) -> str:
    """Best text for a bare name: calls and interactions as they are, odd names backquoted."""
    if _is_identifier(name) or name == "1" or any(char in name for char in "(:"):
        return name
    return _write_variable(name)


def _write_component(component: Any) -> str:
    if isinstance(component, Variable):
        return _write_variable(component.name)
    return _write_lazy(component.call)


def _write_lazy(node: Any) -> str:
    """Formula text for one of formulae's lazy call objects, parenthesised as needed."""
    if isinstance(node, LazyCall):
        args = [_write_lazy(arg) for arg in node.args]
        args += [f"{name}={_write_lazy(arg)}" for name, arg in node.kwargs.items()]
        return f"{node.callee}({', '.join(args)})"
    if isinstance(node, LazyVariable):
        return _write_variable(node.name)
    if isinstance(node, LazyValue):
        return _write_value(node)
    if isinstance(node, LazyOperator):
        if len(node.args) == 1:
            operand = _write_lazy(node.args[0])
            if isinstance(node.args[0], LazyOperator):
                operand = f"({operand})"
            return f"{node.symbol}{operand}"
        left, right = node.args
        rank = _PRECEDENCE[node.symbol]
        left_text, right_text = _write_lazy(left), _write_lazy(right)
        if _binary_rank(left) < rank:
            left_text = f"({left_text})"
        if _binary_rank(right) <= rank:
            right_text = f"({right_text})"
        return f"{left_text} {node.symbol} {right_text}"
    raise TypeError(f"unexpected formulae object {node!r}")  # pragma: no cover


def _binary_rank(node: Any) -> int:
    if isinstance(node, LazyOperator) and len(node.args) == 2:
        return _PRECEDENCE[node.symbol]
    return max(_PRECEDENCE.values()) + 1


def _write_value(node: LazyValue) -> str:
    if node.lexeme is not None:
        return node.lexeme
    value = node.value
    if isinstance(value, float):
        # formulae reads neither '1e+20' nor 'inf'; write every digit, and a '.' to stay a float.
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else f"{text}.0"
    return str(value)


# --------------------------------------------------------------------------- reading names


def _names(components: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(variables, calls) of formulae components, in the order they appear, each once."""
    variables: dict[str, None] = {}
    calls: dict[str, None] = {}
    for component in components:
        if isinstance(component, Variable):
            if isinstance(component.name, str):
                variables[component.name] = None
            continue
        for node in _lazy_nodes([component]):
            if isinstance(node, LazyCall):
                calls[node.callee] = None
            elif isinstance(node, LazyVariable):
                variables[node.name] = None
    return tuple(variables), tuple(calls)


def _terms(model: Model, response: bool = True, population: bool = True) -> list[Any]:
    """The response term, the population terms (offsets included) and the group terms."""
    terms: list[Any] = []
    if response and isinstance(model.response, Response):
        terms.append(model.response.term)
    if population:
        terms += [term for term in model.common_terms if isinstance(term, Term)]
    return terms + list(model.group_terms)


def _parts_of(term: Any, exprs: bool = True, factors: bool = True) -> list[Any]:
    """The Variables and Calls of a term; of a group term, its expression's and factor's."""
    if not isinstance(term, GroupSpecificTerm):
        return list(term.components)
    parts = list(term.expr.components) if exprs and isinstance(term.expr, Term) else []
    return parts + (list(term.factor.components) if factors else [])


def _parts(
    model: Model,
    response: bool = True,
    population: bool = True,
    groups: bool = True,
    exprs: bool = True,
    factors: bool = True,
) -> list[Any]:
    """The Variables and Calls of the chosen terms of a model, in formula order."""
    terms = _terms(model, response, population)
    if not groups:
        terms = [term for term in terms if not isinstance(term, GroupSpecificTerm)]
    return [part for term in terms for part in _parts_of(term, exprs, factors)]


def _lazy_nodes(components: list[Any]) -> list[Any]:
    """Every node of the calls among ``components``: calls, names, operators, literals."""
    nodes: list[Any] = []
    stack = [c.call for c in reversed(components) if isinstance(c, Call)]
    while stack:
        node = stack.pop()
        nodes.append(node)
        if isinstance(node, LazyCall):
            stack.extend(reversed([*node.args, *node.kwargs.values()]))
        elif isinstance(node, LazyOperator):
            stack.extend(reversed(node.args))
    return nodes


# --------------------------------------------------------------------------- evaluating


@dataclass(frozen=True, eq=False)
class Evaluated:
    """The design matrices of a formula on data, as formulae computes them.

    Attributes
    ----------
    response : numpy.ndarray
        The response (two columns, successes and trials, for ``p(k, n)``).
    common : dict
        Population-level term name → (n, k) matrix; no intercept, no offsets.
    labels : dict
        Population-level term name → formulae's column labels.
    offsets : dict
        Offset term name → its values.
    groups : dict
        Group-specific term name (``"x|g"``) → (n, k · levels) SciPy sparse matrix.
    levels : dict
        Group-specific term name → levels of its grouping factor.
    """

    response: np.ndarray
    common: dict[str, np.ndarray]
    labels: dict[str, list[str]]
    offsets: dict[str, np.ndarray]
    groups: dict[str, Any]
    levels: dict[str, list[Any]]


def evaluate(spec: FormulaSpec, data: Any, namespace: Mapping[str, Any]) -> Evaluated:
    """Evaluate a parsed formula on ``data`` with formulae, names resolved in ``namespace``.

    The parse in ``spec`` is reused (a copy of it is evaluated, so ``spec`` stays
    as parsed). A term that cannot be evaluated raises a
    :class:`~r2d2_formula.errors.FormulaError` naming it and the reason.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"y": [1, 2, 3, 4], "x": [0.5, 1.0, 2.0, 4.0]})
    >>> evaluated = evaluate(parse("y ~ np.log(x)"), data, {"np": np})
    >>> evaluated.common["np.log(x)"].ravel().round(3).tolist()
    [-0.693, 0.0, 0.693, 1.386]
    """
    from formulae.environment import Environment
    from formulae.matrices import DesignMatrices

    model = copy.deepcopy(spec._description())
    env = Environment([dict(namespace)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            design = DesignMatrices(model, data, env)
    except Exception as err:  # formulae and user functions raise anything
        raise _evaluation_error(spec, data, env, err) from err
    return _evaluated(design)


def _evaluated(design: Any) -> Evaluated:
    common: dict[str, np.ndarray] = {}
    labels: dict[str, list[str]] = {}
    offsets: dict[str, np.ndarray] = {}
    if design.common is not None:
        for name, term in design.common.terms.items():
            values = np.asarray(design.common[name])
            if term.kind == "offset":
                offsets[name] = values.reshape(-1)
            elif term.kind != "intercept":
                common[name] = values.reshape(len(values), -1)
                labels[name] = list(term.labels)
    groups: dict[str, np.ndarray] = {}
    levels: dict[str, list[Any]] = {}
    if design.group is not None:
        for name, term in design.group.terms.items():
            # Sparse (observations x levels · columns): never densified, it can be large.
            groups[name] = design.group[name]
            levels[name] = list(term.groups)
    return Evaluated(
        response=np.asarray(design.response.design_matrix),
        common=common,
        labels=labels,
        offsets=offsets,
        groups=groups,
        levels=levels,
    )


_PROPORTION_CALLS = ("p", "prop", "proportion")


def raw_response(spec: FormulaSpec, data: Any) -> np.ndarray | None:
    """The response as the data hold it, before formulae codes or checks it.

    A bare column (formulae would silently code a text column as 0/1) or the
    successes and trials of ``p(k, n)`` (formulae's own check does not say which
    rows); None for any other response, which only :func:`evaluate` can compute.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"k": [1, 2], "x": [0.0, 1.0]})
    >>> raw_response(parse("p(k, 10) ~ x"), data).tolist()
    [[1, 10], [2, 10]]
    """
    component = spec._description().response.term.components[0]
    if isinstance(component, Variable):
        if component.reference is None and component.name in data.columns:
            return data[component.name].to_numpy()
        return None
    call = component.call
    if call.callee not in _PROPORTION_CALLS or len(call.args) != 2 or call.kwargs:
        return None
    columns = []
    for arg in call.args:
        if isinstance(arg, LazyVariable) and arg.name in data.columns:
            columns.append(data[arg.name].to_numpy())
        elif isinstance(arg, LazyValue):
            columns.append(np.full(len(data), arg.value))
        else:
            return None
    return np.column_stack(columns)


def _evaluation_error(spec: FormulaSpec, data: Any, env: Any, err: Exception) -> FormulaError:
    """Which term failed, found by evaluating each term of a fresh copy on its own."""
    for term in _terms(copy.deepcopy(spec._description())):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                term.set_type(data, env)
        except Exception as term_err:
            return FormulaError(
                f"cannot evaluate term {_term_text(term)!r} of formula {spec.source!r} "
                f"on the data: {type(term_err).__name__}: {term_err}"
            )
    return FormulaError(
        f"cannot build the design of formula {spec.source!r}: {type(err).__name__}: {err}"
    )


def _term_text(term: Any) -> str:
    if isinstance(term, GroupSpecificTerm):
        expr = "1" if isinstance(term.expr, Intercept) else term.expr.name
        return f"{expr}|{term.factor.name}"
    return str(term.name)


# --------------------------------------------------------------------------- namespaces


def caller_namespace(depth: int = 1) -> dict[str, Any]:
    """The names visible in the frame ``depth`` levels above the caller: globals, then locals.

    A formula's names resolve here as they do when the caller calls Bambi itself.
    """
    frame = inspect.currentframe()
    try:
        for _ in range(depth + 1):
            if frame is None or frame.f_back is None:
                return {}
            frame = frame.f_back
        return {**frame.f_globals, **frame.f_locals}
    finally:
        del frame
