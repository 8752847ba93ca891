"""Bambi's ``interpret`` functions on a model built with the R2D2 prior."""

from __future__ import annotations

import warnings
from typing import Any

from r2d2_formula._errors import ArgumentError
from r2d2_formula._types import BambiModel

__all__ = ["interpret"]


def interpret(name: str, model: BambiModel, idata: Any, *args: Any, **kwargs: Any) -> Any:
    """``bambi.interpret.<name>(model, idata, ...)``, its argument errors as ArgumentError."""
    from bambi import interpret as bambi_interpret

    with warnings.catch_warnings():
        # formulae codes the grid's group levels through a pandas path pandas 3 deprecates.
        warnings.filterwarnings(
            "ignore", message=".*Constructing a Categorical with a dtype and values.*"
        )
        try:
            return getattr(bambi_interpret, name)(model, idata, *args, **kwargs)
        except (ValueError, KeyError) as err:
            raise ArgumentError(f"bambi.interpret.{name}: {err}") from err
