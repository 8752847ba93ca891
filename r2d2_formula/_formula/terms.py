"""Walks over formulae's parsed model: its terms, their parts, their lazy call nodes."""

from __future__ import annotations

from formulae.terms.call import Call
from formulae.terms.call_resolver import LazyCall, LazyOperator, LazyVariable
from formulae.terms.terms import GroupSpecificTerm, Intercept, Model, Response, Term
from formulae.terms.variable import Variable

from r2d2_formula._types import FormulaeNode

__all__ = ["component_names", "lazy_nodes", "model_terms", "parts", "parts_of", "term_text"]


def component_names(components: list[FormulaeNode]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(variables, calls) of formulae components, in the order they appear, each once."""
    variables: dict[str, None] = {}
    calls: dict[str, None] = {}
    for component in components:
        if isinstance(component, Variable):
            if isinstance(component.name, str):
                variables[component.name] = None
            continue
        for node in lazy_nodes([component]):
            if isinstance(node, LazyCall):
                calls[node.callee] = None
            elif isinstance(node, LazyVariable):
                variables[node.name] = None
    return tuple(variables), tuple(calls)


def model_terms(model: Model, response: bool = True, population: bool = True) -> list[FormulaeNode]:
    """The response term, the population terms (offsets included) and the group terms."""
    terms: list[FormulaeNode] = []
    if response and isinstance(model.response, Response):
        terms.append(model.response.term)
    if population:
        terms += [term for term in model.common_terms if isinstance(term, Term)]
    return terms + list(model.group_terms)


def parts_of(term: FormulaeNode, exprs: bool = True, factors: bool = True) -> list[FormulaeNode]:
    """The Variables and Calls of a term; of a group term, its expression's and factor's."""
    if not isinstance(term, GroupSpecificTerm):
        return list(term.components)
    parts = list(term.expr.components) if exprs and isinstance(term.expr, Term) else []
    return parts + (list(term.factor.components) if factors else [])


def parts(
    model: Model,
    response: bool = True,
    population: bool = True,
    groups: bool = True,
    exprs: bool = True,
    factors: bool = True,
) -> list[FormulaeNode]:
    """The Variables and Calls of the chosen terms of a model, in formula order."""
    terms = model_terms(model, response, population)
    if not groups:
        terms = [term for term in terms if not isinstance(term, GroupSpecificTerm)]
    return [part for term in terms for part in parts_of(term, exprs, factors)]


def lazy_nodes(components: list[FormulaeNode]) -> list[FormulaeNode]:
    """Every node of the calls among ``components``: calls, names, operators, literals."""
    nodes: list[FormulaeNode] = []
    stack = [c.call for c in reversed(components) if isinstance(c, Call)]
    while stack:
        node = stack.pop()
        nodes.append(node)
        if isinstance(node, LazyCall):
            stack.extend(reversed([*node.args, *node.kwargs.values()]))
        elif isinstance(node, LazyOperator):
            stack.extend(reversed(node.args))
    return nodes


def term_text(term: FormulaeNode) -> str:
    if isinstance(term, GroupSpecificTerm):
        expr = "1" if isinstance(term.expr, Intercept) else term.expr.name
        return f"{expr}|{term.factor.name}"
    return str(term.name)
