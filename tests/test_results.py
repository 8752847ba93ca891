"""What people read: summaries with diagnostics, R² tables, decomposition, files, plots."""

import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

import r2d2_formula as rf
from r2d2_formula._results import FitResult, SamplingWarning

matplotlib.use("Agg")


def test_summary_rows_and_columns(poisson_fit):
    table = poisson_fit.summary()
    for row in ["Intercept", "x1", "x2", "1|g_sigma", "R2", "W", "phi[x1]", "phi[1|g]"]:
        assert row in table.index, row
    for column in ["mean", "sd", "eti90_lb", "eti90_ub", "ess_bulk", "ess_tail", "r_hat"]:
        assert column in table.columns, column
    assert not any(i.startswith("1|g[") for i in table.index)  # no per-group effects


@pytest.fixture(scope="module")
def short_fit(poisson_data):
    """30 draws per chain: too few for a bulk ESS of 100 per chain."""
    data, _ = poisson_data
    return rf.fit(
        "y ~ x1 + x2 + (1|g)",
        data,
        family="poisson",
        draws=30,
        tune=30,
        chains=2,
        random_seed=1,
        progressbar=False,
    )


def test_poor_diagnostics_warn_with_a_remedy(short_fit):
    short = FitResult(short_fit.model, short_fit.idata)  # nothing said yet
    with pytest.warns(SamplingWarning, match="ESS") as caught:
        short.summary()
    assert any("more draws" in str(w.message) for w in caught)
    assert "Warning:" in short.report()


def test_each_sampling_problem_is_said_once(short_fit):
    """Catches a problem printed by report() and warned of again by summary()."""
    fresh = FitResult(short_fit.model, short_fit.idata)
    assert "Warning: bulk ESS down to" in fresh.report()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh.summary()
    assert not [w for w in caught if issubclass(w.category, SamplingWarning)]
    again = FitResult(short_fit.model, short_fit.idata)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again.summary()
        again.summary()
    said = [str(w.message) for w in caught if issubclass(w.category, SamplingWarning)]
    assert len(said) == len(set(said)) == len(again.problems()) > 0


def test_report_header_names_where_its_extremes_are(short_fit):
    """Catches a header ESS (or r_hat) from a row the estimates table does not show."""
    report, table = short_fit.report(), short_fit.summary(warn=False)
    found = re.search(r"max r_hat ([\d.]+) \((.+?)\), min bulk ESS (\d+) \((.+?)\)", report)
    assert found, report
    r_hat, r_hat_at, ess, ess_at = found.groups()
    assert float(r_hat) == pytest.approx(table.loc[r_hat_at, "r_hat"], abs=5e-4)
    assert int(ess) == round(table.loc[ess_at, "ess_bulk"])
    assert table["ess_bulk"].min() == table.loc[ess_at, "ess_bulk"]
    assert f"at {ess_at}" in " ".join(short_fit.problems())


def test_report_says_what_phi_and_share_are(poisson_fit):
    """Catches the decomposition's two columns shown side by side with no word on why."""
    report = poisson_fit.report()
    assert "phi_*   the posterior of phi_k" in report
    assert "share_* the share of the realised Var(eta)" in report
    assert "realised Var(η)" in poisson_fit._repr_html_()


def test_good_fit_does_not_warn(poisson_fit):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        poisson_fit.summary()
    assert poisson_fit.problems() == []


def test_r2_table_has_posterior_and_prior(poisson_fit):
    table = poisson_fit.r2()
    assert list(table.columns) == ["posterior", "prior"]
    assert len(table) == 2000
    # The prior is uniform: its mean is near 1/2 (SE 0.0065 at 2000 draws).
    assert table["prior"].mean() == pytest.approx(0.5, abs=0.03)
    # R² is a function of W, which three components identify only loosely, yet the
    # posterior is clearly narrower than the uniform prior (SD 0.29).
    assert table["posterior"].std() < 0.8 * table["prior"].std()


def test_decomposition_shares(poisson_fit):
    table = poisson_fit.decomposition()
    assert list(table["component"]) == ["x1", "x2", "1|g"]
    assert table["phi_mean"].sum() == pytest.approx(1.0)
    assert table["share_mean"].sum() == pytest.approx(1.0)
    assert np.all(table["phi_5%"] <= table["phi_mean"]) and np.all(
        table["phi_mean"] <= table["phi_95%"]
    )
    # The truth: var(x1)·0.6² ≈ 0.36, var(x2)·0.4² ≈ 0.16, group SD² ≈ 0.1 (realised);
    # x1 must take the largest share.
    assert table.loc[0, "share_mean"] == table["share_mean"].max()


def test_save_and_load_round_trip(poisson_fit, tmp_path):
    path = poisson_fit.save(tmp_path / "fit.nc")
    loaded = FitResult.load(path)
    assert loaded.model.formula == poisson_fit.model.formula
    assert loaded.model.prior == poisson_fit.model.prior
    pd.testing.assert_frame_equal(loaded.model.data, poisson_fit.model.data)
    np.testing.assert_array_equal(loaded.idata.posterior["R2"], poisson_fit.idata.posterior["R2"])
    new = pd.DataFrame({"x1": [0.0], "x2": [0.0], "g": ["g03"]})
    mu = loaded.predict(new).posterior["mu"]
    assert np.isfinite(mu).all()


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "not-a-fit.nc"
    path.write_bytes(b"nonsense")
    with pytest.raises(rf.R2D2Error, match="cannot read a saved fit"):
        FitResult.load(path)


def test_plots_return_figures(poisson_fit):
    r2 = poisson_fit.plot_r2()
    assert r2.axes[0].get_xlabel() == "R²"
    labels = [t.get_text() for t in r2.axes[0].get_legend().get_texts()]
    assert sorted(labels) == ["posterior", "prior (implied)", "target Beta(1, 1)"]
    phi = poisson_fit.plot_phi()
    assert [t.get_text() for t in phi.axes[0].get_yticklabels()] == ["x1", "x2", "1|g"]
    ppc = poisson_fit.plot_ppc()
    assert ppc.axes[0].get_xlabel() == "response value"
    for figure in (r2, phi, ppc):
        matplotlib.pyplot.close(figure)


@pytest.mark.parametrize(
    ("observed", "replicates", "bars"),
    [
        ([0, 1, 1, 0, 1], [[0, 1, 1, 1, 0], [1, 1, 0, 0, 1]], [0, 1]),
        ([0, 3, 1, 0, 2], [[0, 1, 4, 1, 0], [1, 2, 0, 0, 1]], [0, 1, 2, 3, 4]),
    ],
    ids=["bernoulli", "counts"],
)
def test_ppc_bars_stop_at_the_largest_value(observed, replicates, bars):
    """Catches the old axis: a Bernoulli response drawn with a bar and a point at 2."""
    from r2d2_formula._plots import ppc_figure

    replicates = np.repeat(np.array(replicates, float), 50, axis=0)
    figure = ppc_figure(
        np.array(observed, float), replicates, None, True, "ppc", np.random.default_rng(0)
    )
    ax = figure.axes[0]
    assert [round(p.get_x() + p.get_width() / 2) for p in ax.patches] == bars
    assert list(ax.get_xticks()) == bars
    assert ax.get_xlim()[1] < bars[-1] + 1
    matplotlib.pyplot.close(figure)


def test_ppc_of_a_binomial_response_is_on_the_proportion_scale():
    from r2d2_formula._plots import ppc_figure

    trials = np.array([4.0, 10, 2, 8])
    successes = np.array([1.0, 7, 2, 0])
    replicates = np.random.default_rng(1).binomial(trials.astype(int), 0.4, (60, 4))
    figure = ppc_figure(successes, replicates, trials, False, "ppc", np.random.default_rng(0))
    ax = figure.axes[0]
    assert ax.get_xlabel() == "proportion k/n"
    for line in ax.get_lines():
        assert 0 <= line.get_xdata().min() and line.get_xdata().max() <= 1
    matplotlib.pyplot.close(figure)


def test_rich_html_displays(poisson_fit):
    from r2d2_formula import _html

    model = poisson_fit.model
    shown = poisson_fit._repr_html_()
    for fragment in ["FitResult", "y ~ x1 + x2 + (1|g)", "poisson", "1|g_sigma", "phi_mean", "R²"]:
        assert fragment in shown, fragment
    assert "r2d2_formula.Model" in model._repr_html_()
    assert "<td" in model._repr_html_() and "x1" in model._repr_html_()
    assert "Beta(1, 1)" in model.prior._repr_html_()
    spec_html = rf.parse("y ~ x + (x|g) + offset(log(t))")._repr_html_()
    assert "group (factor g)" in spec_html and "offset(log(t))" in spec_html
    assert _html.WARN not in rf.parse("y ~ x")._repr_html_()


def test_html_flags_poor_diagnostics(short_fit):
    from r2d2_formula import _html

    # The ESS cells below the floor (the warning test above asserts there are some).
    assert _html.WARN in short_fit._repr_html_()


# --- predictions as a table ---------------------------------------------------------------


def linear_predictor_by_hand(fit, data):
    """η per draw from the posterior's own coefficients and group effects (not Bambi's predict)."""
    post = fit.idata.posterior.to_dataset().stack(sample=("chain", "draw"))
    effects = post["1|g"]
    levels = [str(level) for level in effects.coords[effects.dims[0]].values]
    u = np.asarray(effects)[[levels.index(str(g)) for g in data["g"]]]
    eta = (
        post["Intercept"].values
        + np.outer(data["x1"], post["x1"])
        + np.outer(data["x2"], post["x2"])
    )
    return (eta + u).T  # (sample, row)


def test_predictions_table_is_the_posterior_of_the_mean_per_row(poisson_fit):
    new = poisson_fit.model.data.iloc[[4, 0, 7]].copy()
    new.index = ["first", "second", "third"]
    table = poisson_fit.predictions(new, ci_prob=0.8)
    assert list(table.index) == ["first", "second", "third"]
    assert list(table.columns) == ["mean", "sd", "eti80_lb", "eti80_ub", "new g"]
    mean = np.exp(linear_predictor_by_hand(poisson_fit, new))
    np.testing.assert_allclose(table["mean"], mean.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(table["eti80_ub"], np.quantile(mean, 0.9, axis=0), rtol=1e-6)
    assert not table["new g"].any()


def test_linear_kind_is_the_log_of_the_mean_and_draws_are_kept(poisson_fit):
    new = poisson_fit.model.data.iloc[:5]
    eta = poisson_fit.prediction_draws(new, kind="linear")
    assert eta.dims == ("sample", "row")
    np.testing.assert_allclose(eta.values, linear_predictor_by_hand(poisson_fit, new), atol=1e-8)


def test_unseen_group_levels_are_flagged_and_predicted(poisson_fit):
    new = poisson_fit.model.data.iloc[:2].assign(g=["never seen", poisson_fit.model.data["g"][0]])
    table = poisson_fit.predictions(new, kind="response", random_seed=1)
    assert table["new g"].tolist() == [True, False]
    assert (table["eti90_lb"] <= table["mean"]).all() and (table["mean"] <= table["eti90_ub"]).all()


def test_a_level_written_with_another_type_is_new_as_bambi_predicts_it(poisson_data):
    """Catches "3" flagged as the fitted level 3, which Bambi predicts as a new group.

    (On lme4's sleepstudy, Subject "308" for the fitted 308 got a new subject's interval,
    SD 37 against 11, while the table said the subject was known.)
    """
    from r2d2_formula._results import _new_levels

    data, _ = poisson_data
    numbered = data.assign(g=data["g"].str[1:].astype(int))
    model = rf.Model("y ~ x1 + (1|g)", numbered, family="poisson")
    new = numbered.iloc[:3].assign(g=[3, "3", 999])
    assert _new_levels(model, new)["g"].tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kind": "response_params"}, "kind must be one of 'linear', 'mean', 'response'"),
        ({"ci_prob": 1.5}, r"ci_prob must be a number in \(0, 1\), got 1.5"),
    ],
)
def test_bad_prediction_arguments_are_named(poisson_fit, arguments, message):
    with pytest.raises(rf.ArgumentError, match=message):
        poisson_fit.predictions(**arguments)


def test_predicting_new_levels_raises_no_third_party_warning(poisson_fit):
    new = poisson_fit.model.data.iloc[:2].assign(g=["new a", "new b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        poisson_fit.predictions(new, random_seed=1)


def test_bambi_interpret_agrees_with_the_predictions_table(poisson_fit):
    """The documented escape hatch: Bambi's interpret on result.model.bambi_model.

    Catches a stored posterior Bambi reads differently from us (the intercept of the
    centered design stored in place of Bambi's own, for instance).
    """
    import bambi as bmb

    data = poisson_fit.model.data
    level = data["g"].iloc[0]
    x1 = [-1.0, 0.5]
    grid = {"x1": x1, "x2": [0.25], "g": [level]}
    bambi_table = bmb.interpret.predictions(
        poisson_fit.model.bambi_model, poisson_fit.idata, conditional=grid
    ).summary
    ours = poisson_fit.predictions(pd.DataFrame({"x1": x1, "x2": 0.25, "g": level}))
    np.testing.assert_allclose(bambi_table["estimate"], ours["mean"], rtol=1e-10)
