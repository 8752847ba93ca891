"""Progress bars for the package's own long computations (PyMC shows the sampler's).

A bar is drawn on standard error, so that printed results and doctests stay clean, and it
disappears when the work is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["steps"]


@contextmanager
def steps(total: int, description: str, enabled: bool = True) -> Iterator[Callable[[], None]]:
    """A bar of ``total`` steps; the context yields the function that advances it by one.

    Examples
    --------
    >>> with steps(3, "tabulating", enabled=False) as advance:
    ...     for _ in range(3):
    ...         advance()
    """
    if not enabled or total <= 1:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    columns = (
        "{task.description}",
        BarColumn(),
        "{task.completed}/{task.total}",
        TimeElapsedColumn(),
        "remaining",
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)
