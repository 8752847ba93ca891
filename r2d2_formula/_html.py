"""Small HTML building blocks for Jupyter displays (``_repr_html_``), from plain data.

Nothing here knows the package's objects: each class gathers its own rows and
calls these functions, so every module can use them without importing upwards.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["card", "table"]

_STYLE = "border-collapse: collapse; margin: 0.3em 0; font-size: 0.92em"
_CELL = "padding: 0.15em 0.6em; text-align: {align}; border-bottom: 1px solid #ddd"
#: Background of a cell whose value is a warning (a poor diagnostic).
WARN = "background: #fde2e1"


def _cell(value: Any, tag: str = "td", style: str = "") -> str:
    align = "right" if isinstance(value, (int, float)) and not isinstance(value, bool) else "left"
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    css = _CELL.format(align=align) + (f"; {style}" if style else "")
    return f'<{tag} style="{css}">{html.escape(text)}</{tag}>'


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    styles: Iterable[Sequence[str]] | None = None,
) -> str:
    """An HTML table; ``styles`` gives an inline CSS string per cell (e.g. :data:`WARN`).

    Examples
    --------
    >>> table(["a", "b"], [[1, 2.5]])[:6]
    '<table'
    """
    rows = [list(row) for row in rows]
    styles = [list(s) for s in styles] if styles is not None else [[""] * len(r) for r in rows]
    head = "".join(_cell(name, "th") for name in columns)
    body = "".join(
        "<tr>" + "".join(_cell(v, style=s) for v, s in zip(row, style, strict=True)) + "</tr>"
        for row, style in zip(rows, styles, strict=True)
    )
    return f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def card(title: str, lines: Iterable[tuple[str, str]], *parts: str) -> str:
    """A titled block: ``label: value`` lines, then any further HTML ``parts``.

    Examples
    --------
    >>> "<b>Model</b>" in card("Model", [("Family", "poisson")])
    True
    """
    items = "".join(
        f"<div><span style='color:#666'>{html.escape(label)}:</span> {html.escape(value)}</div>"
        for label, value in lines
    )
    return f"<div><b>{html.escape(title)}</b>{items}{''.join(parts)}</div>"
