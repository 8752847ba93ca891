"""How formulae names a variable, a call and a value: the text Bambi shows for a term."""

from __future__ import annotations

from decimal import Decimal

from formulae.terms.call_resolver import LazyCall, LazyOperator, LazyValue, LazyVariable
from formulae.terms.variable import Variable

from r2d2_formula._types import FormulaeNode

__all__ = [
    "is_identifier",
    "write_component",
    "write_lazy",
    "write_name",
    "write_value",
    "write_variable",
]


# Binding strength of the operators formulae allows inside a call, from its
# parser's precedence climbing: comparison < +,- < *,/ < ** (all left-associative);
# a unary sign binds tighter than all of them.
_PRECEDENCE = {"==": 1, "!=": 1, "<": 1, "<=": 1, ">": 1, ">=": 1}
_PRECEDENCE.update({"+": 2, "-": 2, "*": 3, "/": 3, "**": 4})


def is_identifier(name: str) -> bool:
    # formulae's scanner: a letter, then letters, digits, '.' or '_'.
    return (
        bool(name)
        and name[0].isalpha()
        and all(char.isalnum() or char in "._" for char in name[1:])
        and name not in ("True", "False", "None")
    )


def write_variable(name: str) -> str:
    if is_identifier(name):
        return name
    # A string literal standing as a term names a variable too, and is the only way
    # to write a name holding a backquote; formulae's strings cannot hold quotes.
    return f'"{name}"' if "`" in name else f"`{name}`"


def write_name(name: str) -> str:
    """Best text for a bare name: calls and interactions as they are, odd names backquoted."""
    if is_identifier(name) or name == "1" or any(char in name for char in "(:"):
        return name
    return write_variable(name)


def write_component(component: FormulaeNode) -> str:
    if isinstance(component, Variable):
        return write_variable(component.name)
    return write_lazy(component.call)


def write_lazy(node: FormulaeNode) -> str:
    """Formula text for one of formulae's lazy call objects, parenthesised as needed."""
    if isinstance(node, LazyCall):
        args = [write_lazy(arg) for arg in node.args]
        args += [f"{name}={write_lazy(arg)}" for name, arg in node.kwargs.items()]
        return f"{node.callee}({', '.join(args)})"
    if isinstance(node, LazyVariable):
        return write_variable(node.name)
    if isinstance(node, LazyValue):
        return write_value(node)
    if isinstance(node, LazyOperator):
        if len(node.args) == 1:
            operand = write_lazy(node.args[0])
            if isinstance(node.args[0], LazyOperator):
                operand = f"({operand})"
            return f"{node.symbol}{operand}"
        left, right = node.args
        rank = _PRECEDENCE[node.symbol]
        left_text, right_text = write_lazy(left), write_lazy(right)
        if _binary_rank(left) < rank:
            left_text = f"({left_text})"
        if _binary_rank(right) <= rank:
            right_text = f"({right_text})"
        return f"{left_text} {node.symbol} {right_text}"
    raise TypeError(f"unexpected formulae object {node!r}")  # pragma: no cover


def _binary_rank(node: FormulaeNode) -> int:
    if isinstance(node, LazyOperator) and len(node.args) == 2:
        return _PRECEDENCE[node.symbol]
    return max(_PRECEDENCE.values()) + 1


def write_value(node: LazyValue) -> str:
    if node.lexeme is not None:
        return node.lexeme
    value = node.value
    if isinstance(value, float):
        # formulae reads neither '1e+20' nor 'inf'; write every digit, and a '.' to stay a float.
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else f"{text}.0"
    return str(value)
