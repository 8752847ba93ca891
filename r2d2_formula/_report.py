"""Plain-text rendering of a fit, for the console and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from r2d2_formula._results import FitResult

_COLUMNS = ["mean", "sd", "eti90_lb", "eti90_ub", "r_hat", "ess_bulk"]


def render(result: FitResult) -> str:
    """The report: model, prior, diagnostics, estimates, R², decomposition, warnings."""
    model, prior = result.model, result.model.prior
    table = result.summary(warn=False)
    diag = result._diagnostics(table)
    posterior = result.idata.posterior
    r2 = posterior["R2"].values.ravel()
    lines = [
        f"Formula:  {model.formula}",
        f"Family:   {model.family} (link: {model.link}), {len(model.data)} observations",
        f"Prior:    R²{'/R²max' if 'R2_max' in posterior else ''} ~ Beta({prior.a:g}, {prior.b:g})"
        f" (mean {prior.r2_mean:.2f}), W prior '{prior.method}', "
        f"phi ~ {_shares(model)}",
        f"Sampling: {posterior.sizes['chain']} chains x {posterior.sizes['draw']} draws; "
        f"divergences {diag['divergences']}, max r_hat {diag['max_r_hat']:.3f}, "
        f"min bulk ESS {diag['min_ess_bulk']:.0f}",
        "",
        "Estimates (posterior mean, SD, 90% interval, r_hat, bulk ESS):",
        _table(table.loc[[i for i in table.index if not i.startswith(("phi[", "W", "R2"))]]),
        "",
        f"R²:       {r2.mean():.3f} (90% interval {_q(r2, 0.05):.3f} to {_q(r2, 0.95):.3f})",
    ]
    if "R2_max" in posterior:
        bound = posterior["R2_max"].values.ravel()
        lines.append(f"R²max:    {bound.mean():.3f} (the family's bound on R²)")
    lines += ["", "Variance decomposition (phi, and the share of Var(eta) per component):"]
    lines.append(result.decomposition().to_string(index=False, float_format="{:.3f}".format))
    problems = result.problems(table)
    if problems:
        lines += ["", *(f"Warning: {problem}" for problem in problems)]
    return "\n".join(lines)


def _shares(model) -> str:
    if model.prior.shares != "dirichlet":
        return model.prior.shares_text
    return f"Dirichlet({_concentration(model)})"


def _concentration(model) -> str:
    values = sorted(set(model.plan.concentration))
    return f"{values[0]:g}" if len(values) == 1 else "per component"


def _q(values, q: float) -> float:
    return float(pd.Series(values).quantile(q))


def _table(table: pd.DataFrame) -> str:
    shown = table[[c for c in _COLUMNS if c in table.columns]].astype(float)
    return shown.to_string(float_format="{:.3f}".format)
