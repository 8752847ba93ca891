"""The structure of a formula: :class:`FormulaSpec` and :class:`GroupTerm`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from formulae.categorical import Sum, Treatment
from formulae.terms.call import Call
from formulae.terms.call_resolver import LazyCall, LazyVariable
from formulae.terms.terms import Model
from formulae.terms.variable import Variable
from formulae.transforms import TRANSFORMS

from r2d2_formula import _html
from r2d2_formula._formula.names import write_name
from r2d2_formula._formula.terms import (
    component_names,
    lazy_nodes,
    model_terms,
    parts,
    parts_of,
    term_text,
)
from r2d2_formula._types import FormulaeNode

__all__ = ["CONTRASTS", "EXAMPLE", "FORMULAE_FUNCTIONS", "FormulaSpec", "GroupTerm"]


#: Functions formulae itself provides in a formula (``C``, ``I``, ``poly``, ``bs``, ...).
FORMULAE_FUNCTIONS: tuple[str, ...] = tuple(sorted(TRANSFORMS))


#: formulae's contrast classes, usable as ``C(x, Treatment('b'))`` once in the namespace.
CONTRASTS: dict[str, Any] = {"Treatment": Treatment, "Sum": Sum}


EXAMPLE = "'y ~ x + (1|g)'"


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
    >>> from r2d2_formula._formula import parse
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
    _model: FormulaeNode = field(default=None, repr=False, compare=False, kw_only=True)
    #: The formula as the user wrote it ("" for a spec built by hand).
    text: str = field(default="", repr=False, compare=False, kw_only=True)
    #: Group terms written in one ``(expr|factor)`` (one tuple per factor), whose effects
    #: are correlated as in lme4; a term written with ``||`` is a block of its own. A spec
    #: built by hand has every group term in a block of its own.
    correlated: tuple[tuple[str, ...], ...] = field(
        default=(), repr=False, compare=False, kw_only=True
    )

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
        >>> from r2d2_formula._formula import parse
        >>> parse("p(k, n) ~ C(c, levels=lv) + np.log(t) + (x|g)").variables
        ('k', 'n', 'c', 'lv', 't', 'g', 'x')
        """
        return component_names(parts(self._description()))[0]

    @property
    def response_variables(self) -> tuple[str, ...]:
        """The names the response reads (``("k", "n")`` for ``p(k, n)``)."""
        return component_names(parts(self._description(), population=False, groups=False))[0]

    @property
    def predictor_variables(self) -> tuple[str, ...]:
        """The names the right-hand side reads: population terms and group terms."""
        return component_names(parts(self._description(), response=False))[0]

    @property
    def population_variables(self) -> tuple[str, ...]:
        """The names read by population-level terms and group-level expressions (not factors)."""
        return component_names(parts(self._description(), response=False, factors=False))[0]

    @property
    def factor_variables(self) -> tuple[str, ...]:
        """The names the grouping factors read (``("a", "b")`` for ``(1|a/b)``)."""
        found = parts(self._description(), response=False, population=False, exprs=False)
        return component_names(found)[0]

    @property
    def calls(self) -> tuple[str, ...]:
        """Every function the formula calls, as written (``"np.log"``, ``"C"``), each once.

        Examples
        --------
        >>> from r2d2_formula._formula import parse
        >>> parse("y ~ poly(x, 2) + np.log(t) + offset(log(t))").calls
        ('poly', 'np.log', 'offset', 'log')
        """
        return component_names(parts(self._description()))[1]

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
        >>> from r2d2_formula._formula import parse
        >>> parse("y ~ C(x, levels=lv) + z").fixed_levels
        ('x',)
        """
        found: dict[str, None] = {}
        for node in lazy_nodes(parts(self._description())):
            if isinstance(node, LazyCall) and "levels" in node.kwargs and node.args:
                if isinstance(node.args[0], LazyVariable):
                    found[node.args[0].name] = None
        return tuple(found)

    @property
    def response_level(self) -> tuple[str, str] | None:
        """(column, level) of a response written ``y["level"]``, else None.

        Examples
        --------
        >>> from r2d2_formula._formula import parse
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
        >>> from r2d2_formula._formula import parse
        >>> parse("y ~ x + offset(log(t)) + (z|g)").reads("offset(log(t))")
        ('t',)
        """
        for candidate in model_terms(self._description(), response=False):
            if term_text(candidate) == term:
                return component_names(parts_of(candidate))[0]
        return ()

    def _description(self) -> Model:
        if self._model is None:
            # A spec made by hand: read its text (parse lives above this module).
            from r2d2_formula._formula import parse

            return parse(str(self))._model
        return self._model

    @property
    def source(self) -> str:
        """The formula as the user wrote it, or as ``str()`` writes a spec built by hand."""
        return self.text or str(self)

    @property
    def bambi_formula(self) -> str:
        """The formula Bambi reads: ``(x||g)`` as ``(x|g)`` (the correlation is ours)."""
        return self.source.replace("||", "| ")

    @property
    def blocks(self) -> tuple[tuple[str, ...], ...]:
        """Every group term in its block of correlated terms (singletons where independent).

        Examples
        --------
        >>> from r2d2_formula._formula import parse
        >>> parse("y ~ (1 + x|g) + (z||h) + (1|a/b)").blocks
        (('1|g', 'x|g'), ('1|h',), ('z|h',), ('1|a',), ('1|a:b',))
        """
        listed = {name for block in self.correlated for name in block}
        alone = tuple((g.name,) for g in self.groups if g.name not in listed)
        return self.correlated + alone

    @property
    def response_text(self) -> str:
        """The response as formula text: ``"y"``, ``'y["yes"]'``, ``"p(k, n)"``."""
        return self.response if self.trials is None else f"p({self.response}, {self.trials})"

    def __str__(self) -> str:
        written = dict(self._written)
        lhs = self.response_text
        rhs = ["1" if self.intercept else "0"]
        rhs += [written.get(("term", name), write_name(name)) for name in self.population]
        rhs += [f"offset({offset})" for offset in self.offsets]
        rhs += self._group_texts(written)
        return f"{lhs} ~ {' + '.join(rhs)}"

    def _group_texts(self, written: dict) -> list[str]:
        """The group terms in their order, each block written so that it reads back as one.

        ``(x|g)`` reads as ``1|g`` and ``x|g`` in one block, so a term whose block holds
        its factor's intercept is written bare (the blocks merge when read back), and a
        block without it as ``(0 + x + z|g)`` at its first term.
        """
        block_of = {name: block for block in self.blocks for name in block}

        def expr(name: str) -> str:
            return written.get(("expr", name), write_name(name.split("|")[0]))

        texts: list[str] = []
        done: list[str] = []
        for group in self.groups:
            if group.name in done:
                continue
            factor = written.get(("factor", group.name), write_name(group.factor))
            block, intercept = block_of[group.name], f"1|{group.factor}"
            if group.name == intercept:
                # With the block's terms written before it, so that the blocks merge.
                exprs = ["1", *(expr(name) for name in done if name in block)]
            elif intercept in block and intercept in done:
                exprs = [expr(group.name)]  # (x|g) joins the block of 1|g
            elif intercept in block:
                exprs = ["0", expr(group.name)]  # 1|g comes later and brings it in
            else:
                names = [name for name in block if name not in done]
                exprs = ["0", *(expr(name) for name in names)]
                done += names
            texts.append(f"({' + '.join(exprs)}|{factor})")
            done.append(group.name)
        return texts
