"""What a fit reports: summaries, R², the variance decomposition, predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula import _report, inject
from r2d2_formula.model import Model
from r2d2_formula.r2 import NUMPY

__all__ = ["CI_PROB", "FitResult", "implied_r2"]

#: Probability of the equal-tailed intervals reported.
CI_PROB = 0.9


class FitResult:
    """A fitted model: the :class:`Model` and its posterior (``idata``).

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> result = rf.fit("y ~ x", data, family="poisson", draws=50, tune=50, chains=1,
    ...                 random_seed=1, progressbar=False)
    >>> "R2" in result.summary().index
    True
    """

    def __init__(self, model: Model, idata: Any) -> None:
        self.model = model
        self.idata = idata

    def summary(self) -> pd.DataFrame:
        """Posterior mean, SD, 90% interval, ESS and r_hat of every reported quantity."""
        import arviz as az

        names = inject.summary_variables(self.model.bambi_model, self.model.plan)
        return az.summary(
            self.idata, var_names=names, ci_prob=CI_PROB, ci_kind="eti", round_to="none"
        )

    def r2(self) -> pd.Series:
        """Posterior draws of R² (flattened over chains)."""
        return pd.Series(_flat(self.idata.posterior["R2"]), name="R2")

    def decomposition(self) -> pd.DataFrame:
        """One row per component: φ's posterior mean and 90% interval.

        φ_k is the component's share of Var(η) = W under the prior; the mean of
        φ_k is the share of the linear predictor's variance it explains.
        """
        phi = self.idata.posterior["phi"]
        draws = phi.stack(sample=("chain", "draw")).transpose(inject.COMPONENT_DIM, "sample")
        values = np.asarray(draws)
        lo, hi = (1 - CI_PROB) / 2, 1 - (1 - CI_PROB) / 2
        return pd.DataFrame(
            {
                "component": self.model.components,
                "phi_mean": values.mean(axis=1),
                f"phi_{lo * 100:g}%": np.quantile(values, lo, axis=1),
                f"phi_{hi * 100:g}%": np.quantile(values, hi, axis=1),
            }
        )

    def predict(
        self, data: pd.DataFrame | None = None, kind: str = "response_params", **kwargs: Any
    ):
        """Predictions for ``data`` (the fitted data when omitted), returned as new ArviZ data."""
        return self.model.predict(self.idata, data=data, kind=kind, inplace=False, **kwargs)

    def diagnostics(self) -> dict[str, float]:
        """Divergences, largest r_hat and smallest bulk ESS over the summary's quantities."""
        table = self.summary()
        stats = self.idata.get("sample_stats")
        divergent = (
            int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0
        )
        return {
            "divergences": divergent,
            "max_r_hat": float(table["r_hat"].max()),
            "min_ess_bulk": float(table["ess_bulk"].min()),
        }

    def report(self) -> str:
        """A plain-text report: model, prior, diagnostics, estimates, R², decomposition."""
        return _report.render(self)

    def __repr__(self) -> str:
        post = self.idata.posterior
        n = post.sizes["chain"] * post.sizes["draw"]
        return f"FitResult({self.model!r}, draws={n})"


def _flat(array: Any) -> np.ndarray:
    return np.asarray(array).reshape(-1)


def implied_r2(
    model: Model, draws: int = 4000, random_seed: Any = None, relative: bool = False
) -> np.ndarray:
    """Prior draws of R² implied by the model's full prior.

    Each draw is R²(W, β₀, θ) from one joint prior draw of the intercept β₀ and
    the family parameters θ (from their priors in the model) and of W from its
    prior given them. With ``relative=True`` it is R²/R²max, the quantity that
    follows Beta(a, b) for bounded families (gamma, negativebinomial, ...).

    Examples
    --------
    >>> import pandas as pd, r2d2_formula as rf
    >>> data = pd.DataFrame({"y": [0, 1, 3, 2, 5, 4], "x": [0.1, 0.4, 0.9, 0.7, 1.5, 1.2]})
    >>> r2 = rf.implied_r2(rf.Model("y ~ x", data, family="poisson"), draws=100, random_seed=1)
    >>> r2.shape
    (100,)
    """
    rng = np.random.default_rng(random_seed)
    plan = model.plan
    beta0, theta = inject.draw_intercept_and_theta(model.bambi_model, plan, draws, rng)
    w = plan.w_prior.random(beta0, theta, rng, size=draws)
    r2 = plan.family.r2(w, beta0, theta)
    return r2 / plan.family.r2max(theta, NUMPY) if relative else r2
