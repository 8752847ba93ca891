# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Checking and comparing models
#
# Ticks on red grouse chicks again (lme4's `grouseticks`): 403 chicks of 118 broods at 63 locations,
# counted in three years; each location lies at one altitude. The questions that follow a fit,
# answered as brms users answer them with `loo`, priorsense and projpred, and Bambi users with ArviZ
# and kulprit:
#
# 1. What does the prior say about the data before we see them? (`rf.prior_predictive`,
#    `rf.plot_prior_predictive`)
# 2. Which of two formulas predicts better? (`result.loo()`, `rf.compare`)
# 3. Does the conclusion depend on the prior? (`result.sensitivity()`, `result.plot_sensitivity()`)
# 4. Which predictors matter? (`result.select_variables()`)

# %%
import os
import warnings

import numpy as np
import pandas as pd

import r2d2_formula as rf

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", message="Cannot cache compiled function")  # numba
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by ArviZ's plots
# The test suite sets a small number of draws; 1,000 per chain otherwise.
DRAWS = int(os.environ.get("R2D2_NOTEBOOK_DRAWS", "1000"))
SAMPLING = dict(draws=DRAWS, tune=DRAWS, chains=2, random_seed=1, progressbar=False)

# %%
ticks = rf.load_dataset("grouseticks")
ticks.groupby("YEAR", observed=True)["TICKS"].agg(["count", "mean", "var"]).round(1)

# %% [markdown]
# The counts vary far more than Poisson counts would (in 1995 the variance is 37 times the mean), so
# the likelihood is negative binomial. Ticks fall with altitude, perhaps differently in each year,
# and the 63 locations get a group effect.
#
# ## 1. Before the data: the prior predictive
#
# A uniform prior on R². For a negative binomial R² cannot exceed R²max = α/(α + 1), so the Beta
# prior is on R²/R²max. `rf.prior_predictive` draws the intercept, the dispersion α and W from the
# density the model contains, then the shares, coefficients, location effects and counts given them:

# %%
FULL = "TICKS ~ YEAR * scale(HEIGHT) + (1|LOCATION)"
prior = rf.R2D2(r2_mean=0.5, r2_precision=2)  # R²/R²max ~ Beta(1, 1)
model = rf.Model(FULL, ticks, family="negativebinomial", prior=prior)
draws = rf.prior_predictive(model, draws=1000, random_seed=1)
counts = draws["prior_predictive"]["TICKS"].values.reshape(1000, -1)
means, zeros = counts.mean(axis=1), (counts == 0).mean(axis=1)
pd.DataFrame(
    {
        "observed": [ticks["TICKS"].mean(), (ticks["TICKS"] == 0).mean()],
        "prior predictive 5%": [np.quantile(means, 0.05), np.quantile(zeros, 0.05)],
        "median": [np.median(means), np.median(zeros)],
        "95%": [np.quantile(means, 0.95), np.quantile(zeros, 0.95)],
    },
    index=["mean count", "share of zeros"],
).round(2)

# %% [markdown]
# The picture users ask for: the R² prior beside the response's prior predictive distribution, with
# the observed counts in black.

# %% tags=["figure:checking_prior_predictive"]
fig = rf.plot_prior_predictive(model, prior=draws, random_seed=1)

# %% [markdown]
# R²/R²max follows the Beta(1, 1) we asked for. On the response scale the prior is wide: the
# observed counts lie among its data sets, but its 90% interval for the mean count runs from 0.2 to
# 565 ticks a chick (6.4 observed), and some data sets reach thousands. That is what a uniform R²
# means under a log link: R² near R²max needs a large W, the variance of the log mean. Who knows
# that no chick carries thousands of ticks can say so with a lower `r2_mean` or a higher
# `r2_precision`; here the uniform prior stays, and the data speak.
#
# ## 2. Which formula predicts better: LOO
#
# Altitude is a property of the location, so the location effect could absorb it: does the model
# with height (and its interaction with year) predict new chicks better than the one with the year
# and the location alone? PSIS-LOO estimates each model's expected log predictive density (ELPD) on
# left-out chicks; `rf.compare` ranks the fits (ArviZ's table; the log-likelihood is computed on
# demand, not stored in the fits).

# %%
PLAIN = "TICKS ~ YEAR + (1|LOCATION)"
fits = {
    "year × height": rf.fit(FULL, ticks, family="negativebinomial", prior=prior, **SAMPLING),
    "year only": rf.fit(PLAIN, ticks, family="negativebinomial", prior=prior, **SAMPLING),
}
comparison = rf.compare(fits)
comparison[["rank", "elpd", "se", "elpd_diff", "dse", "p_worse", "weight"]].round(2)

# %% [markdown]
# `elpd_diff` is the loss of the lower-ranked fit, `dse` its standard error and `p_worse` the
# probability that it predicts worse. Height (with its interaction with year) improves the
# prediction of a left-out chick by about 4 ELPD points, with a standard error near 3: modest
# evidence, as height and the location effect compete for the same differences between locations;
# stacking gives the model with height nearly all the weight. `result.loo()` gives one fit's
# estimate with its Pareto k diagnostics:

# %%
result = fits["year × height"]
result.loo()

# %% [markdown]
# Where the leave-one-out posterior is far from the full one, Pareto k exceeds 0.7 and PSIS-LOO is
# unreliable for that chick: `loo()` then warns with an `rf.ParetoKWarning` naming its rows in the
# data: two chicks here, out of 403 (refitting without them, exact LOO, is the check the warning
# suggests). A Poisson likelihood of the same formula shows it worse: every overdispersed count
# pulls its location's effect hard, and LOO is far lower.

# %%
poisson = rf.fit(FULL, ticks, family="poisson", prior=prior, **SAMPLING)
rf.compare({"negative binomial": result, "Poisson": poisson})[
    ["rank", "elpd", "elpd_diff", "dse", "diag_elpd"]
].round(1)

# %% [markdown]
# ## 3. Does the conclusion depend on the prior? Power-scaling sensitivity
#
# `sensitivity()` reweights the posterior as if the prior, or the likelihood, were raised to a power
# near 1 (no refit) and measures how much each posterior moves. It scales the priors the user
# chooses: W's exact density (the R² prior), the shares φ, the intercept and α. A variable sensitive
# to both is flagged as a *potential prior-data conflict*. R², W and φ are often flagged with few
# components whatever the prior, because a handful of coefficients identify W only loosely (README,
# *Checking and comparing models*); the signal of a real conflict is that quantities the data pin
# down, such as the coefficients and the location SD, become sensitive to the prior.

# %%
result.sensitivity()

# %%
fig = result.plot_sensitivity(var_names=["R2", "1|LOCATION_sigma", "alpha"])

# %% [markdown]
# Under the uniform prior the intercept, the coefficients and α are insensitive to the prior (below
# 0.05); R², W and the shares φ are flagged, as is usual with few components, and so, barely, is the
# location SD. Now a prior that expects a poor fit, R²/R²max ~ Beta(20, 80) (mean 0.2, tight),
# against the uniform one, side by side:

# %%
tight = rf.fit(
    FULL, ticks, family="negativebinomial", prior=rf.R2D2(r2_mean=0.2, r2_precision=100), **SAMPLING
)
both = {"uniform": result.sensitivity(), "Beta(20, 80)": tight.sensitivity()}
pd.concat(
    {name: table[["prior", "likelihood", "diagnosis"]] for name, table in both.items()},
    axis=1,
)

# %% [markdown]
# Under the tight prior the quantities the data pin down become prior-sensitive and are flagged: the
# location SD, α, the intercept, most coefficients. That is a prior-data conflict, and the posterior
# means show what it does: the prior pulls R² down, and with it the location SD and the
# interactions.

# %%
pd.DataFrame(
    {
        name: fit.summary(warn=False)["mean"]
        for name, fit in {"uniform": result, "Beta(20, 80)": tight}.items()
    }
).round(3)

# %% [markdown]
# ## 4. Which predictors matter? Projection predictive selection
#
# `select_variables()` hands the fit to kulprit: submodels with some population-level terms switched
# off are fitted to the R2D2 fit's predictive draws, and the search path adds terms in the order
# that brings a submodel closest to the full fit. Group terms stay in every submodel, and kulprit
# re-fits their effects to single predictive draws: with about six chicks per location that
# projection is poor (for the model with `(1|LOCATION)` and no interaction, the full submodel fell
# about 1,000 ELPD points short of the fit it projects), so here the terms are selected in the model
# without the location effect.

# %%
population = rf.fit(
    "TICKS ~ YEAR * scale(HEIGHT)", ticks, family="negativebinomial", prior=prior, **SAMPLING
)
selection = population.select_variables()
print("search path:", selection.path)
print("selected:", selection.selected())
selection.compare().round(1)

# %% [markdown]
# Year enters first, then height, then their interaction, and only the full submodel comes within
# the reference's uncertainty: `selected()` keeps all three terms, so height's effect on ticks
# differs by year. The ELPD of each submodel along the path, against the reference fit:

# %%
fig = selection.plot()
