"""What people read: summaries with diagnostics, R² tables, decomposition, files, plots."""

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
    short = short_fit
    with pytest.warns(SamplingWarning, match="ESS") as caught:
        short.summary()
    assert any("more draws" in str(w.message) for w in caught)
    assert "Warning:" in short.report()


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
