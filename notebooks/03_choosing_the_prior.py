# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Choosing the prior
#
# `R2D2(r2_mean, r2_precision, concentration, method, shares=...)`: what each argument does to the
# implied prior of R² and to the fit. The data: lme4's `cbpp`, a binomial GLMM.

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import r2d2_formula as rf

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", message="Cannot cache compiled function")  # numba
# The test suite sets a small number of draws; 1,000 per chain otherwise.
DRAWS = int(os.environ.get("R2D2_NOTEBOOK_DRAWS", "1000"))
SAMPLING = dict(draws=DRAWS, tune=DRAWS, chains=2, random_seed=1, progressbar=False)

# %%
cbpp = rf.load_dataset("cbpp")
FORMULA = "p(incidence, size) ~ period + (1|herd)"

# %% [markdown]
# ## r2_mean and r2_precision
#
# R² ~ Beta(a, b) with a = mean·precision, b = (1 − mean)·precision. Draws of R² from each model's
# full prior (W drawn from the density the model contains, at prior draws of the intercept: a
# binomial model's density costs a quadrature per point, so 1,000 draws each):

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for mean, precision in [(0.5, 2), (0.25, 4), (0.25, 20), (0.7, 10)]:
    model = rf.Model(
        FORMULA, cbpp, family="binomial", prior=rf.R2D2(r2_mean=mean, r2_precision=precision)
    )
    draws = rf.implied_r2(model, draws=1000, random_seed=1)
    ax.hist(
        draws,
        bins=40,
        range=(0, 1),
        density=True,
        histtype="step",
        lw=2,
        label=f"mean {mean}, precision {precision}",
    )
ax.set_xlabel("R²")
_ = ax.legend(frameon=False)

# %% [markdown]
# ## method: exact, gbp, linear
#
# `exact` (default) makes R² follow Beta(a, b) whatever the intercept; `gbp` is the paper's
# generalized beta prime, fitted at the intercept g(ȳ); `linear` is the delta-method approximation.
# The Kolmogorov–Smirnov distance of each implied R² from Beta(1, 4), with the intercept held at
# several values (4,000 draws: noise level about 0.02):

# %%
rows = []
for method in ["exact", "gbp", "linear"]:
    prior = rf.R2D2(a=1, b=4, method=method)
    model = rf.Model(FORMULA, cbpp, family="binomial", prior=prior)
    for shift in [-2.0, 0.0, 2.0]:
        b0 = model.plan.intercept_mean + shift
        r2 = rf.implied_r2(model, draws=4000, random_seed=2, intercept=b0)
        rows.append(
            {
                "method": method,
                "intercept": round(b0, 2),
                "KS": stats.kstest(r2, stats.beta(1, 4).cdf).statistic,
            }
        )
pd.DataFrame(rows).pivot(index="intercept", columns="method", values="KS").round(3)

# %% [markdown]
# ## concentration
#
# Smaller values favour a few large shares; a mapping gives single terms a larger prior share. Here
# the herd effect gets 4 times the weight of each period dummy:

# %%
weighted = rf.R2D2(concentration={"1|herd": 4.0})
model = rf.Model(FORMULA, cbpp, family="binomial", prior=weighted)
model.plan.concentration

# %% [markdown]
# ## shares: Dirichlet or logistic-normal
#
# Under a Dirichlet the shares always compete: their correlations are negative and fixed by their
# means. The logistic-normal of the GDR2 prior (Aguilar & Bürkner, 2025) gives each component a
# log-weight y_k ~ Normal and sets φ = softmax(y); a correlation between two log-weights lets two
# terms take variance *together*. Use it when terms measure the same thing. Here the three `period`
# dummies are three looks at one time course of the disease: if one period differs from the first,
# the others probably do too, so their log-weights get a correlation of 0.8 (a term paired with
# itself correlates its columns). `LogisticNormal.from_dirichlet(1)` is the logistic-normal closest
# to the default Dirichlet(1), a starting point. Prior draws of the shares, no model fitted:

# %%
components = model.design.components  # one row per component, with its term
names, terms = list(components["component"]), list(components["term"])
dirichlet = np.random.default_rng(1).dirichlet(np.ones(len(names)), 4000)
matched = rf.LogisticNormal.from_dirichlet(1.0)
together = rf.LogisticNormal(corr={("period", "period"): 0.8})
share_priors = {
    "Dirichlet(1)": pd.DataFrame(dirichlet, columns=names),
    "from_dirichlet(1)": matched.draw(names, random_seed=1),
    "periods together": together.draw(names, random_seed=1, terms=terms),
}
pd.DataFrame(
    {
        label: {
            "mean φ(1|herd)": phi["1|herd"].mean(),
            "SD φ(1|herd)": phi["1|herd"].std(),
            "corr φ(period[2]), φ(period[3])": phi.corr().loc["period[2]", "period[3]"],
        }
        for label, phi in share_priors.items()
    }
).round(3)

# %% [markdown]
# The matched logistic-normal keeps the Dirichlet's mean shares (exactly, by symmetry) and its
# log-ratio covariance, but spreads φ a little more (its log-ratios are symmetric where the
# Dirichlet's are skewed). The correlated prior lets the periods rise and fall together. Either way
# W's prior does not involve φ, so R² keeps exactly its Beta(a, b) prior. The fit:

# %%
fit_together = rf.fit(FORMULA, cbpp, family="binomial", prior=rf.R2D2(shares=together), **SAMPLING)
fit_together.decomposition()

# %% [markdown]
# Sampling: the logistic-normal samples φ as unconstrained normal log-ratios, without the
# Dirichlet's funnel near φ_k = 0. In `benchmarks/shares.py` it gave 5.4 times the effective draws
# per second of the Dirichlet (and no divergences) on a Poisson GLMM with 6 components, 2 of them
# without effect, and about the same speed on models with 3 and 4 components (README, section
# *Variance shares*).

# %% [markdown]
# ## Effect on the fit
#
# A prior that expects a poor fit (mean R² 0.1, precision 20) against the default uniform prior:

# %%
poor_fit = rf.R2D2(r2_mean=0.1, r2_precision=20)
fits = {
    "uniform": rf.fit(FORMULA, cbpp, family="binomial", **SAMPLING),
    "expects R² near 0.1": rf.fit(FORMULA, cbpp, family="binomial", prior=poor_fit, **SAMPLING),
}
means = {name: fit.summary(warn=False)["mean"] for name, fit in fits.items()}
pd.DataFrame(means).round(3)
