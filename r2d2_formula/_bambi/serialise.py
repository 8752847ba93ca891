"""Bambi priors as plain data, for saving a fit and loading it without unpickling code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from r2d2_formula._types import BambiPrior

__all__ = ["prior_from_dict", "prior_to_dict"]


def prior_to_dict(prior: BambiPrior) -> dict[str, Any]:
    """A Bambi prior as plain data (for saving): its name and numeric arguments."""
    return {"name": prior.name, "args": {k: float(v) for k, v in prior.args.items()}}


def prior_from_dict(spec: Mapping[str, Any]) -> BambiPrior:
    """The Bambi prior :func:`prior_to_dict` describes."""
    import bambi as bmb

    return bmb.Prior(str(spec["name"]), **{k: float(v) for k, v in spec["args"].items()})
