"""The simulation-based calibration job (``benchmarks.sbc``) and its statistics.

Fast: the rank, coverage and uniformity statistics (``benchmarks.sbc_stats``), the
scheduling helpers, on draws whose calibration
is known (a conjugate normal model), and the list of ranked parameters. Slow: the
pinned priors make the generating model independent of the data it is built on, the
swapped response gives the fresh model's log density, and 20-simulation runs on Dask
(a local cluster, and an existing one given by its address).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks import sbc, sbc_stats

ROOT = Path(__file__).parents[1]


def conjugate_ranks(sims: int, draws: int, sd_factor: float = 1.0, shift: float = 0.0):
    """PITs and 90% coverage of θ ~ N(0, 1), y_i ~ N(θ, 1), i = 1..5, exact posterior draws.

    ``sd_factor`` and ``shift`` (in posterior SDs) make the "posterior" wrong on purpose.
    """
    rng = np.random.default_rng(20240513)
    theta = rng.normal(size=sims)
    y = theta[:, None] + rng.normal(size=(sims, 5))
    mean, sd = y.sum(axis=1) / 6, np.sqrt(1 / 6)
    posterior = (mean + shift * sd)[:, None] + sd_factor * sd * rng.normal(size=(sims, draws))
    ranks = np.array([sbc_stats.rank_of(t, d) for t, d in zip(theta, posterior, strict=True)])
    pit = sbc_stats.pit_from_rank(ranks, draws, rng.uniform(size=sims))
    covered = [
        low <= t <= high
        for t, (low, high) in zip(theta, map(sbc_stats.central_interval, posterior), strict=True)
    ]
    return pit, np.mean(covered)


# --- fast: helpers --------------------------------------------------------------------


def test_exact_posterior_gives_uniform_ranks_and_nominal_coverage():
    # Catches a rank or PIT formula that is not uniform for a calibrated posterior. Each
    # check of a correct implementation fails with probability 1e-3 (and the seed is fixed).
    pit, _ = conjugate_ranks(sims=1000, draws=99)
    ks_p, chi2_p = sbc_stats.uniformity(pit)
    assert ks_p > 1e-3 and chi2_p > 1e-3, (ks_p, chi2_p)
    # The interval between sample quantiles of 999 draws covers 0.898 on average.
    _, coverage = conjugate_ranks(sims=4000, draws=999)
    low, high = sbc_stats.coverage_tolerance(4000, level=0.999)
    assert low <= coverage <= high, coverage


@pytest.mark.parametrize(("sd_factor", "shift"), [(0.6, 0.0), (2.0, 0.0), (1.0, 0.7)])
def test_miscalibrated_posterior_is_detected(sd_factor, shift):
    # Catches uniformity and coverage checks that cannot fail: an over-confident, an
    # under-confident and a biased posterior (200 simulations, as in the full run).
    pit, coverage = conjugate_ranks(sims=200, draws=99, sd_factor=sd_factor, shift=shift)
    assert min(sbc_stats.uniformity(pit)) < 1e-4
    low, high = sbc_stats.coverage_tolerance(200)
    if shift == 0.0:
        assert not low <= coverage <= high, coverage


def test_pit_spreads_each_rank_over_its_own_cell():
    # Catches an off-by-one (dividing by L instead of L + 1): ranks 0..L must tile (0, 1).
    ranked = 9
    cells = [sbc_stats.pit_from_rank(rank, ranked, np.array([0.0, 1.0])) for rank in range(10)]
    assert np.allclose([c[0] for c in cells], np.arange(10) / 10)
    assert np.allclose([c[1] for c in cells], np.arange(1, 11) / 10)
    assert sbc_stats.rank_of(0.5, np.array([0.1, 0.7, 0.2])) == 2


def test_coverage_tolerance_is_the_binomial_interval():
    # Catches swapped tails or a normal approximation: Binomial(200, 0.9) has its 0.5% and
    # 99.5% quantiles at 168 and 190 (P(X <= 167) = 0.0035, P(X <= 168) = 0.0061).
    assert sbc_stats.coverage_tolerance(200) == (0.84, 0.95)
    low, high = sbc_stats.coverage_tolerance(20)
    assert stats.binom.cdf(low * 20 - 1, 20, 0.9) <= 0.005 < stats.binom.cdf(low * 20, 20, 0.9)
    assert high == 1.0


def test_holm_adjustment():
    # Catches a Bonferroni or an adjustment without the step-down maximum (0.04 -> 0.06).
    adjusted = sbc_stats.holm([0.01, 0.04, 0.03, 0.005])
    assert np.allclose(adjusted, [0.03, 0.06, 0.06, 0.02])


def test_thinning_follows_the_effective_sample_size():
    # Catches ranks taken among more draws than are effectively independent.
    assert sbc_stats.thinning(1000, 2000.0, 10) == 10
    assert sbc_stats.thinning(1000, 46.0, 10) == 22
    assert sbc_stats.thinning(1000, float("nan"), 10) == 10


def test_ecdf_difference_has_the_ecdf_jumps():
    # Catches a plot that draws something other than ECDF(u) - u at the observed values.
    pit = np.array([0.7, 0.2, 0.5, 0.9])
    x, y = sbc_stats.ecdf_difference(pit)
    assert x[0] == 0 and x[-1] == 1 and y[0] == 0 and y[-1] == 0
    for i, u in enumerate(np.sort(pit)):
        at = np.flatnonzero(x == u)
        assert np.allclose(sorted(y[at]), [i / 4 - u, (i + 1) / 4 - u])


def test_summary_flags_a_miscalibrated_parameter():
    # Catches a table that calls everything calibrated: a parameter whose PITs pile up at
    # the ends and whose intervals miss fails; one with uniform PITs passes.
    rng = np.random.default_rng(3)
    good = rng.uniform(size=200)
    bad = np.where(rng.uniform(size=200) < 0.5, 0.03, 0.97) * rng.uniform(0.9, 1.1, 200)
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "config": "c",
                    "parameter": name,
                    "sim": np.arange(200),
                    "pit": pit,
                    "covered": (pit > 0.05) & (pit < 0.95),
                    "ess_bulk": 500.0,
                }
            )
            for name, pit in [("good", good), ("bad", bad)]
        ]
    )
    table = sbc_stats.summarise(rows).set_index("parameter")
    assert bool(table.loc["good", "calibrated"]) and not bool(table.loc["bad", "calibrated"])


def test_assignment_gives_every_simulation_once_and_each_decision_one_worker():
    # Catches lost or repeated simulations, and decisions compiled on every worker.
    groups = {("a",): list(range(12)), ("b",): list(range(12, 22)), ("c",): list(range(22, 25))}
    plan = sbc._assign(groups, ["w1", "w2"])
    sims = sorted(s for _, _, chunk in plan for s in chunk)
    assert sims == list(range(25))
    assert all(len(chunk) <= 10 for _, _, chunk in plan)
    for decision in groups:
        assert len({worker for d, worker, _ in plan if d == decision}) == 1
    # A decision with more than a fair share (here all of them) is split over the workers.
    split = sbc._assign({("a",): list(range(40))}, ["w1", "w2"])
    assert {worker for _, worker, _ in split} == {"w1", "w2"}


def test_resume_keeps_only_rows_of_the_same_settings(tmp_path):
    # Catches a resumed run that mixes simulations of different settings.
    settings = sbc.Settings(draws=100, tune=100)
    path = tmp_path / "sims.csv"
    row = {"config": "c", "sim": 3, "parameter": "W", **sbc.run_settings(settings, 20)}
    pd.DataFrame([row]).to_csv(path, index=False)
    assert sbc._done(path, settings, 20) == {3}
    assert sbc._done(path, sbc.Settings(draws=200, tune=100), 20) == set()
    assert not path.exists()


def test_ranked_parameters_are_intercept_coefficients_group_sds_theta_r2_w():
    # Catches a missing group SD (x1|g), family parameter or W, or φ ranked as a scalar.
    expected = {
        ("negativebinomial", "intercepts"): ["Intercept", "x1", "x2", "x3", "1|g_sigma", "alpha"],
        ("gaussian", "slopes"): ["Intercept", "x1", "1|g_sigma", "x1|g_sigma", "corr|g", "sigma"],
        ("binomial", "slopes"): ["Intercept", "x1", "1|g_sigma", "x1|g_sigma", "corr|g"],
    }
    for (family, formula), names in expected.items():
        config = sbc.Config(family, formula)
        model = sbc.build(config, sbc.design_data(family))
        assert sbc.parameters(model) == [*names, "R2", "W"]
    assert sbc.Config("binomial", "slopes").formula == "p(y, trials) ~ x1 + (x1|g)"


# --- slow: the models and the job ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("family", ["gaussian", "negativebinomial"])
def test_pinned_priors_make_the_generating_model_independent_of_the_data(family, monkeypatch):
    # Catches a prior that still depends on the response the model is built on (Bambi's
    # σ prior scales with SD(y); the default intercept prior is centered at g(ȳ)): then the
    # model that generates a data set is not the one fitted to it. Unpinned, it differs.
    config = sbc.Config(family, "intercepts")
    data = sbc.design_data(family)
    other = data.assign(y=data["y"] * 10 + 5)
    first, _ = sbc.simulate(config, 50, seed=4, data=data)
    second, _ = sbc.simulate(config, 50, seed=4, data=other)
    pd.testing.assert_frame_equal(first, second)
    monkeypatch.setattr(sbc, "pinned_priors", lambda family: {})
    first, _ = sbc.simulate(config, 50, seed=4, data=data)
    second, _ = sbc.simulate(config, 50, seed=4, data=other)
    assert not np.allclose(first["Intercept"], second["Intercept"])


@pytest.mark.slow
def test_swapped_response_gives_the_fresh_models_log_density():
    # Catches a compiled model that still fits the response it was built with (the swap
    # replacing the wrong variable, or nutpie freezing the data).
    import pytensor

    from r2d2_formula import _bambi

    config = sbc.Config("poisson", "slopes")
    _, ys = sbc.simulate(config, 2, seed=5)
    data = sbc.design_data("poisson")
    built = sbc.build(config, data.assign(y=ys[0]), noncentered=True)
    fresh = sbc.build(config, data.assign(y=ys[1]), noncentered=True)
    swapped, shared = sbc.swapped_model(built)
    fresh_model = _bambi.pymc_model(fresh.bambi_model)
    point = fresh_model.initial_point(random_seed=1)
    point = {name: value + 0.1 for name, value in point.items()}
    expected = fresh_model.compile_logp(mode="FAST_COMPILE")(point)
    logp = swapped.compile_logp(mode="FAST_COMPILE")
    before = logp(point)
    shared.set_value(np.asarray(ys[1], dtype=shared.dtype))
    assert logp(point) == pytest.approx(expected, rel=1e-10)
    assert before != pytest.approx(expected, rel=1e-3)
    assert isinstance(shared, pytensor.compile.SharedVariable)


def run_job(out: Path, *args: str) -> pd.DataFrame:
    command = [sys.executable, "-m", "benchmarks", "sbc", "--out", str(out), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return pd.read_csv(out / "sbc.csv")


@pytest.mark.slow
def test_twenty_simulations_on_a_local_cluster_are_calibrated(tmp_path):
    # The whole pipeline (prior -> data -> default fit) on Dask, 20 simulations. Catches a
    # truth on another scale than the posterior (e.g. the un-centered intercept), a wrong R²
    # truth or a fit of the wrong data: their PITs pile up at 0 or 1. Tolerances: each
    # parameter's 90% interval holds the truth in at least 12 of 20 simulations (for a
    # calibrated fit P(X <= 11) = 6e-5 per parameter, 4e-4 over the 7) and its KS p-value
    # exceeds 1e-4 (1e-4 per parameter); no seed has to be lucky.
    table = run_job(tmp_path, "--families", "poisson", "--formulas", "intercepts", "--sims", "20")
    rows = pd.read_csv(tmp_path / "sims" / "poisson-intercepts.csv")
    assert set(table["parameter"]) == {"Intercept", "x1", "x2", "x3", "1|g_sigma", "R2", "W"}
    assert (table["sims"] == 20).all()
    assert ((rows["rank"] >= 0) & (rows["rank"] <= rows["ranked"])).all()
    assert ((rows["pit"] > 0) & (rows["pit"] < 1)).all()
    assert (table["coverage90"] >= 12 / 20).all(), table
    assert (table["ks_p"] > 1e-4).all(), table
    assert (tmp_path / "sbc.md").exists() and (tmp_path / "ecdf_poisson-intercepts.png").exists()
    # A second run resumes: nothing left to fit, the table is the same.
    again = run_job(tmp_path, "--families", "poisson", "--formulas", "intercepts", "--sims", "20")
    pd.testing.assert_frame_equal(table, again)


@pytest.mark.slow
def test_job_runs_on_an_existing_cluster(tmp_path, monkeypatch):
    # Catches a job that only works where its workers can import benchmarks (the package is
    # uploaded to them): the workers of this cluster start without the checkout on their
    # path, as a remote cluster's would.
    from dask.distributed import Client, LocalCluster

    outside = [p for p in sys.path if p and Path(p).resolve() != ROOT.resolve()]
    with monkeypatch.context() as patched:
        patched.setattr(sys, "path", outside)  # the workers start with this path
        cluster = LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None)
    with cluster, Client(cluster) as client:
        found = client.run(lambda: importlib.util.find_spec("benchmarks") is not None)
        assert not any(found.values())
        args = ["--scheduler", cluster.scheduler_address, "--families", "gaussian"]
        args += ["--formulas", "slopes", "--sims", "4", "--draws", "200", "--tune", "200"]
        table = run_job(tmp_path, *args, "--centering", "noncentered")
    names = {"Intercept", "x1", "1|g_sigma", "x1|g_sigma", "corr|g", "sigma", "R2", "W"}
    assert set(table["parameter"]) == names
    rows = pd.read_csv(tmp_path / "sims" / "gaussian-slopes.csv")
    assert set(rows["noncentered"]) == {"x1:nc 1|g:nc x1|g:nc"}
