"""Plain-text rendering of a fit, for the console and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from r2d2_formula._results import FitResult

_COLUMNS = ["mean", "sd", "eti90_lb", "eti90_ub", "r_hat", "ess_bulk"]
#: What the decomposition's two kinds of columns mean; they differ, and readers ask why.
DECOMPOSITION_NOTE = [
    "  phi_*   the posterior of phi_k, the component's share of W in the prior",
    "          (its prior variance is phi_k W);",
    "  share_* the share of the realised Var(eta) the component takes in each draw",
    "          (var(x_j) beta_j^2 or m_k sigma_k^2 over their sum). The two agree in prior",
    "          expectation; they differ when the data shrink a component's coefficients",
    "          below what its phi_k allows.",
]


def render(result: FitResult) -> str:
    """The report: model, prior, diagnostics, estimates, R², decomposition, warnings."""
    model = result.model
    table = result.summary(warn=False)
    diag = result._diagnostics(table)
    posterior = result.idata.posterior
    r2 = posterior["R2"].values.ravel()
    lines = [
        f"Formula:  {model.formula}",
        f"Family:   {model.family} (link: {model.link}), {len(model.data)} observations",
        _prior_line(model),
        f"Sampling: {posterior.sizes['chain']} chains x {posterior.sizes['draw']} draws; "
        f"divergences {diag['divergences']}",
        f"          over summary()'s rows: max r_hat {diag['max_r_hat']:.3f} "
        f"({diag['max_r_hat_at']}), min bulk ESS {diag['min_ess_bulk']:.0f} "
        f"({diag['min_ess_bulk_at']})",
        "",
        "Estimates (posterior mean, SD, 90% interval, r_hat, bulk ESS):",
        _table(table.loc[[i for i in table.index if not i.startswith(("phi[", "W", "R2"))]]),
        "",
        f"R²:       {r2.mean():.3f} (90% interval {_q(r2, 0.05):.3f} to {_q(r2, 0.95):.3f})",
    ]
    if "R2_max" in posterior and not model.plan.null:
        bound = posterior["R2_max"].values.ravel()
        lines.append(f"R²max:    {bound.mean():.3f} (the family's bound on R²)")
    if model.plan.null:
        lines += ["", "Variance decomposition: none (no term besides the intercept)."]
    else:
        lines += ["", "Variance decomposition:", *DECOMPOSITION_NOTE]
        lines.append(result.decomposition().to_string(index=False, float_format="{:.3f}".format))
    problems = result.problems(table)
    if problems:
        lines += ["", *(f"Warning: {problem}" for problem in problems)]
        result._say_once(problems)
    return "\n".join(lines)


def _prior_line(model) -> str:
    prior = model.prior
    if model.plan.null:
        return (
            "Prior:    none on R²: no term besides the intercept, so R² = 0 by construction "
            "(a baseline for compare())"
        )
    bound = "/R²max" if model.plan.family.bounded else ""
    line = (
        f"Prior:    R²{bound} ~ Beta({prior.a:g}, {prior.b:g}) (mean {prior.r2_mean:.2f}), "
        f"W prior '{prior.method}', phi ~ {_shares(model)}"
    )
    blocks = [f"{b.name} ({', '.join(b.labels)})" for b in model.plan.correlated]
    if blocks:
        line += (
            f"\n          correlated group effects {'; '.join(blocks)}: LKJ({model.plan.lkj_eta:g})"
        )
    return line


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
