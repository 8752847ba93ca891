"""What the benchmark scripts share: fits in fresh processes, peak memory, markdown tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def in_fresh_process(script: str, args: list[str], label: dict) -> dict:
    """Run ``script args`` in a new Python process and parse its last output line as JSON.

    A fresh process keeps peak memory and compile caches each fit's own. On failure the
    result is ``label`` with the last line of the error under ``"error"``.
    """
    done = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {**label, "error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


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
