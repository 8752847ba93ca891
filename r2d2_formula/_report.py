"""Plain-text rendering of a fit, for the console and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from r2d2_formula.results import FitResult

_COLUMNS = ["mean", "sd", "eti90_lb", "eti90_ub", "r_hat", "ess_bulk"]


def render(result: FitResult) -> str:
    model, prior = result.model, result.model.prior
    table = result.summary()
    diag = result.diagnostics()
    posterior = result.idata.posterior
    r2 = result.r2()
    lines = [
        f"Formula:  {model.formula}",
        f"Family:   {model.family} (link: {model.link}), {len(model.data)} observations",
        f"Prior:    R² ~ Beta({prior.a:g}, {prior.b:g}) (mean {prior.r2_mean:.2f}), "
        f"W prior '{prior.method}', phi ~ Dirichlet(concentration)",
        f"Sampling: {posterior.sizes['chain']} chains x {posterior.sizes['draw']} draws; "
        f"divergences {diag['divergences']}, max r_hat {diag['max_r_hat']:.3f}, "
        f"min bulk ESS {diag['min_ess_bulk']:.0f}",
        "",
        "Estimates (posterior mean, SD, 90% interval):",
        _table(table.loc[[i for i in table.index if not i.startswith(("phi[", "W", "R2"))]]),
        "",
        f"R²:       {r2.mean():.3f} "
        f"(90% interval {r2.quantile(0.05):.3f} to {r2.quantile(0.95):.3f})",
    ]
    if "R2_max" in posterior:
        lines.append(f"R²max:    {float(posterior['R2_max'].mean()):.3f} (bound set by the family)")
    lines += ["", "Variance decomposition (share phi of Var(eta) per component):"]
    lines.append(result.decomposition().to_string(index=False, float_format="{:.3f}".format))
    if diag["divergences"] or diag["max_r_hat"] > 1.01:
        lines += ["", "Warning: sampling problems; rerun with more tuning or target_accept=0.99."]
    return "\n".join(lines)


def _table(table: pd.DataFrame) -> str:
    shown = table[[c for c in _COLUMNS if c in table.columns]].astype(float)
    return shown.to_string(float_format="{:.3f}".format)
