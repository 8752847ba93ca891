"""formulae's scanner, parser and resolver, subclassed to say where a formula went wrong.

Each subclass only remembers positions: the scanner where each token starts, the parser the
token span of each production, the resolver the innermost sub-expression that failed.
:class:`Source` runs the three stages on one formula and turns their failures into a
:class:`~r2d2_formula._errors.FormulaError` that names the position or term at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from formulae.expr import Assign, Binary, Grouping, Unary
from formulae.parser import Parser
from formulae.resolver import Resolver
from formulae.scanner import Scanner
from formulae.terms.terms import GroupSpecificTerm, Model

from r2d2_formula._errors import FormulaError
from r2d2_formula._formula.spec import EXAMPLE
from r2d2_formula._types import FormulaeNode

__all__ = ["Source"]


_OPENERS = {
    "LEFT_PAREN": "RIGHT_PAREN",
    "LEFT_BRACKET": "RIGHT_BRACKET",
    "LEFT_BRACE": "RIGHT_BRACE",
}


_CLOSERS = {closer: opener for opener, closer in _OPENERS.items()}


_PRIMARY = {"IDENTIFIER", "NUMBER", "STRING", "BQNAME", "PYTHON_LITERAL", "LEFT_PAREN"}


class _PositionScanner(Scanner):
    """formulae's scanner, noting on each token where it starts in the formula."""

    def add_token(self, kind: str, literal: Any = None) -> None:
        super().add_token(kind, literal)
        self.tokens[-1].position = self.start


class _SpanParser(Parser):
    """formulae's parser, noting the token range each production returns."""

    def __init__(self, tokens: list[FormulaeNode]) -> None:
        super().__init__(tokens)
        self.spans: dict[int, tuple[int, int]] = {}


def _noting_span(name: str) -> Callable[..., FormulaeNode]:
    method = getattr(Parser, name)

    def production(self: _SpanParser, *args: FormulaeNode) -> FormulaeNode:
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

    def __init__(self, expr: FormulaeNode) -> None:
        super().__init__(expr)
        self.culprit: FormulaeNode = None

    def visitBinaryExpr(self, expr: FormulaeNode) -> FormulaeNode:
        if expr.operator.kind == "PIPE" and (_has_pipe(expr.left) or _has_pipe(expr.right)):
            self.culprit = expr
            raise ValueError("a group-specific term takes one '|'")
        return self._blame(super().visitBinaryExpr, expr)

    def visitGroupingExpr(self, expr: FormulaeNode) -> FormulaeNode:
        return self._blame(super().visitGroupingExpr, expr)

    def visitUnaryExpr(self, expr: FormulaeNode) -> FormulaeNode:
        return self._blame(super().visitUnaryExpr, expr)

    def visitCallExpr(self, expr: FormulaeNode) -> FormulaeNode:
        return self._blame(super().visitCallExpr, expr)

    def visitVariableExpr(self, expr: FormulaeNode) -> FormulaeNode:
        return self._blame(super().visitVariableExpr, expr)

    def visitLiteralExpr(self, expr: FormulaeNode) -> FormulaeNode:
        return self._blame(super().visitLiteralExpr, expr)

    def visitQuotedNameExpr(self, expr: FormulaeNode) -> FormulaeNode:
        return self._blame(super().visitQuotedNameExpr, expr)

    def _blame(
        self, visit: Callable[[FormulaeNode], FormulaeNode], expr: FormulaeNode
    ) -> FormulaeNode:
        try:
            return visit(expr)
        except Exception:
            # The first handler to run belongs to the innermost failing node.
            if self.culprit is None:
                self.culprit = expr
            raise


def _pipes(node: FormulaeNode) -> list[FormulaeNode]:
    """The group-specific terms ``(expr|factor)`` of a parsed formula, left to right."""
    if isinstance(node, Binary):
        if node.operator.kind == "PIPE":
            return [node]
        return _pipes(node.left) + _pipes(node.right)
    if isinstance(node, Grouping):
        return _pipes(node.expression)
    if isinstance(node, Unary):
        return _pipes(node.right)
    return []


def _has_pipe(node: FormulaeNode) -> bool:
    if isinstance(node, Binary):
        return node.operator.kind == "PIPE" or _has_pipe(node.left) or _has_pipe(node.right)
    if isinstance(node, Grouping):
        return _has_pipe(node.expression)
    if isinstance(node, Unary):
        return _has_pipe(node.right)
    return False


class Source:
    """One formula on its way through formulae, able to say where it went wrong."""

    def __init__(self, formula: str) -> None:
        self.formula = formula
        self.tokens: list[FormulaeNode] = []

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
        # lme4's (x||g), independent effects, is scanned as (x|g) (group_blocks marks it);
        # "| " keeps every character's position for the error messages.
        scanner = _PositionScanner(self.formula.replace("||", "| "))
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
                f"it has no '~' between the response and the predictors; write it like {EXAMPLE}"
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

    def parse_tokens(self) -> tuple[FormulaeNode, _SpanParser]:
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

    def resolve(self, root: FormulaeNode, parser: _SpanParser) -> Model:
        resolver = _BlamingResolver(root)
        try:
            description = resolver.resolve()
        except Exception as err:  # formulae raises ValueError, TypeError, ResolverError, ...
            raise self._resolve_error(parser, resolver.culprit, err) from err
        # As formulae.model_description does.
        return description if isinstance(description, Model) else Model(description)

    def _resolve_error(
        self, parser: _SpanParser, culprit: FormulaeNode, err: Exception
    ) -> FormulaError:
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

    def group_blocks(self, root: FormulaeNode, double_bars: set[int]) -> list[tuple[str, ...]]:
        """Bambi's names of the group terms written in one ``(expr|factor)``, by factor.

        Each block is estimated with correlated effects, as lme4 and brms do: ``(1 + x|g)``
        gives ``("1|g", "x|g")``, ``(1|a/b)`` the blocks ``("1|a",)`` and ``("1|a:b",)``.
        A term written with ``||`` (a pipe at a position in ``double_bars``) has
        independent effects, one block per term.
        """
        blocks: list[tuple[str, ...]] = []
        for node in _pipes(root):
            resolved = Resolver(node).resolve()
            terms = [t for t in getattr(resolved, "terms", [resolved])]
            names = [t.name for t in terms if isinstance(t, GroupSpecificTerm)]
            if node.operator.position in double_bars:
                blocks += [(name,) for name in names]
                continue
            factors = dict.fromkeys(name.split("|")[1] for name in names)
            blocks += [
                tuple(name for name in names if name.split("|")[1] == factor) for factor in factors
            ]
        return blocks

    def text(self, node: FormulaeNode, parser: _SpanParser) -> tuple[str, int | None]:
        """The source text of an AST node and its character position."""
        first, stop = self._token_span(node, parser)
        positioned = [i for i in range(first, stop) if self.written(i)]
        if not positioned:
            return "", None
        last = positioned[-1]
        start, end = self.position(positioned[0]), self.position(last)
        assert start is not None and end is not None  # written tokens have positions
        end += len(self.tokens[last].lexeme)
        return self.formula[start:end], start

    def _token_span(self, node: FormulaeNode, parser: _SpanParser) -> tuple[int, int]:
        if id(node) in parser.spans:
            return parser.spans[id(node)]
        # Left-associative loops build inner Binary nodes no production returns.
        if isinstance(node, Binary):
            return self._token_span(node.left, parser)[0], self._token_span(node.right, parser)[1]
        return 0, len(self.tokens) - 1  # pragma: no cover - every other node is returned
