"""Markdown tables for the benchmarks' results (pandas' to_markdown needs tabulate)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _cell(value: object, digits: int | None) -> str:
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return ""
        return f"{value:g}" if digits is None else f"{value:.{digits}f}"
    return str(value)


def markdown(table: pd.DataFrame, index: bool = True, digits: int | None = None) -> str:
    """A GitHub table of ``table``, its index as the first column when ``index``.

    Floats are written with ``digits`` decimals, or in their shortest form (``:g``).
    """
    frame = table.reset_index() if index else table
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, digits) for v in row) + " |")
    return "\n".join(lines) + "\n"
