# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A logistic GLMM with crossed grouping factors
#
# Verbal aggression (lme4's `VerbAgg`): 316 people answered 24 items ("would you curse if ...").
# Whether they would (`r2 == 'Y'`) depends on trait anger, gender, the behaviour type and the
# situation, with effects of the person and of the item: two crossed grouping factors.

# %%
import os
import warnings

import r2d2_formula as rf

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", message="Cannot cache compiled function")  # numba
# The test suite sets a small number of draws; 1,000 per chain otherwise.
DRAWS = int(os.environ.get("R2D2_NOTEBOOK_DRAWS", "1000"))
SAMPLING = dict(draws=DRAWS, tune=DRAWS, chains=2, random_seed=1, progressbar=False)

# %%
verbal = rf.load_dataset("verbagg")
print(verbal.shape)
verbal[["r2", "Anger", "Gender", "btype", "situ", "id", "item"]].head()

# %%
result = rf.fit(
    'r2["Y"] ~ Anger + Gender + btype + situ + (1|id) + (1|item)',
    verbal,
    family="bernoulli",
    **SAMPLING,
)
print(result.report())

# %% [markdown]
# R² of a logistic model is computed from Var p(η) and E p(η)(1 − p(η)) by quadrature, so the
# uniform prior on R² is exact here too. The decomposition shows how the variance of the linear
# predictor splits between the person, the item and the fixed effects.

# %%
result.decomposition()

# %%
fig = result.plot_phi()

# %%
fig = result.plot_r2()

# %%
fig = result.plot_ppc()
