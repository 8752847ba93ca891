"""From formulae's resolved model to a :class:`~r2d2_formula._formula.spec.FormulaSpec`."""

from __future__ import annotations

from formulae.terms.call import Call
from formulae.terms.terms import GroupSpecificTerm, Intercept, Model, Response, Term
from formulae.terms.variable import Variable

from r2d2_formula._errors import FormulaError
from r2d2_formula._formula.names import (
    write_component,
    write_lazy,
    write_name,
    write_variable,
)
from r2d2_formula._formula.reader import Source
from r2d2_formula._formula.spec import EXAMPLE, FormulaSpec, GroupTerm
from r2d2_formula._types import FormulaeNode

__all__ = ["Builder"]


class Builder:
    """Turns formulae's model description into a FormulaSpec, checking what Bambi needs."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.written: dict[tuple[str, str], str] = {}

    def fail(self, detail: str) -> FormulaError:
        return self.source.error(detail)

    def build(self, model: Model) -> FormulaSpec:
        if not isinstance(model.response, Response):
            raise self.fail(f"it has no response; write it like {EXAMPLE}")
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

    def _response(self, component: FormulaeNode) -> tuple[str, str | None]:
        if isinstance(component, Call) and component.call.callee == "p":
            args = component.call.args
            if len(args) != 2 or component.call.kwargs:
                raise self.fail(
                    f"the response {component.name!r} must be written p(successes, trials)"
                )
            return write_lazy(args[0]), write_lazy(args[1])
        if isinstance(component, Call) and component.call.callee == "offset":
            raise self.fail(f"offset() cannot be the response ({component.name!r})")
        if isinstance(component, Variable):
            self._check_name(component)
            text = write_variable(component.name)
            if component.reference is not None:
                text += f'["{component.reference}"]'
            return text, None
        return write_lazy(component.call), None

    def _offset(self, term: Term) -> str | None:
        calls = [c for c in term.components if isinstance(c, Call) and c.call.callee == "offset"]
        if not calls:
            return None
        if len(term.components) > 1:
            raise self.fail(f"offset() must be a term of its own, not part of {term.name!r}")
        call = calls[0].call
        if len(call.args) != 1 or call.kwargs:
            raise self.fail(f"{term.name!r} must have one argument, e.g. offset(log(t))")
        return write_lazy(call.args[0])

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
        text = ":".join(write_component(component) for component in term.components)
        if text != write_name(term.name):
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
