"""The benchmarks package: its runner, its harness and the smoke runs of the benchmarks.

Fast: the runner lists every benchmark and its smoke run writes away from the committed
results. Slow (about 5 minutes: most benchmarks fit in fresh processes): the harness
measures one fit, and the benchmarks' quick modes run and write sane tables.
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmarks import __main__ as runner

ROOT = Path(__file__).parents[1]


def run(name: str, *args: str, out: Path) -> None:
    command = [sys.executable, "-m", "benchmarks", name, "--quick", "--out", str(out), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]


# --- fast: the runner -----------------------------------------------------------------------


def test_runner_knows_every_benchmark_and_each_has_a_main():
    # Catches a benchmark left out of `make bench` (the runner's list) or one it cannot call.
    modules = {p.stem for p in (ROOT / "benchmarks").glob("*.py") if not p.stem.startswith("_")}
    assert set(runner.NAMES) == modules - {"sbc_stats"} == set(runner.QUICK)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--list"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(runner.NAMES)
    for name in runner.NAMES:
        assert "def main(argv" in (ROOT / "benchmarks" / f"{name}.py").read_text(), name


def test_quick_run_writes_away_from_the_committed_results(monkeypatch):
    # Catches a smoke run that would overwrite the full runs' tables in benchmarks/results/
    # (robustness and wall have no quick file names; sbc resumes from and replaces its CSVs).
    plans = []
    monkeypatch.setattr(runner, "run_each", lambda plan: plans.append(plan) or 0)
    assert runner.main(["quick"]) == 0
    assert runner.main(["quick", "--out", "/tmp/elsewhere"]) == 0
    default, chosen = plans
    quick = ROOT / "benchmarks" / "results" / "quick"
    for plan, out in [(default, quick), (chosen, Path("/tmp/elsewhere"))]:
        assert [name for name, _ in plan] == list(runner.NAMES)
        for name, options in plan:
            if name != "ml_reference":
                assert Path(options[options.index("--out") + 1]).is_relative_to(out)
    assert runner.main(["all", "--quick"]) == 2 and runner.main(["nope"]) == 2


# --- slow: the harness and the smoke runs ---------------------------------------------------


@pytest.mark.slow
def test_harness_measures_a_fit_and_reuses_a_compiled_model():
    # Catches a record that misses a measurement or mixes them up (ESS per second not per
    # second of sampling, r_hat of a single chain, per-observation variables counted) and a
    # compiled model that is not reused as it is (another compile time, the same draws).
    import r2d2_formula as rf
    from benchmarks import _harness
    from benchmarks.sampling import simulate

    formula, family, data = simulate("slopes", quick=True)
    model = rf.Model(formula, data, family=family)
    names = _harness.shared_names(model)
    assert names == ["x", "1|g_sigma", "x|g_sigma", "W", "phi"]
    compiled = _harness.compile_model(model)
    runs = [_harness.fit(compiled, draws=100, tune=100, seed=s, names=names) for s in (1, 2)]
    for run in runs:
        record = run.record()
        assert record["compile_s"] == compiled.seconds > 0 and record["sample_s"] > 0
        assert record["min_ess_bulk"] > 0 and record["min_ess_tail"] > 0
        assert record["ess_per_s"] == pytest.approx(run.min_ess_bulk / run.sample_s)
        assert record["max_r_hat"] > 0.9 and record["peak_rss_mb"] > 100
        assert set(run.ess_bulk.data_vars) == set(names)
    assert not runs[0].idata.posterior["W"].equals(runs[1].idata.posterior["W"])
    single = _harness.fit(model, draws=50, tune=50, chains=1, seed=1)
    assert single.r_hat is None and single.max_r_hat is None
    posterior = single.idata.posterior
    per_observation = {v for v in posterior.data_vars if "__obs__" in posterior[v].dims}
    assert per_observation and not per_observation & set(single.ess_bulk.data_vars)


@pytest.mark.slow
def test_sampling_quick_fits_every_variant(tmp_path):
    # One data set keeps the default run short; the slow test below runs all three.
    run("sampling", "--datasets", "poisson", out=tmp_path)
    table = pd.read_csv(tmp_path / "sampling_nutpie_quick.csv")
    assert list(table["variant"]) == ["r2d2", "r2d2_nc", "seed", "bambi"]
    assert "error" not in table.columns
    assert (table["min_ess_bulk"] > 0).all()
    assert (table["sample_s"] > 0).all() and (table["peak_rss_mb"] > 100).all()


@pytest.mark.slow
def test_sampling_quick_all_data_sets(tmp_path):
    run("sampling", out=tmp_path)
    table = pd.read_csv(tmp_path / "sampling_nutpie_quick.csv")
    assert len(table) == 12 and "error" not in table.columns


@pytest.mark.slow
def test_prior_fidelity_quick_exact_cells_on_target(tmp_path):
    run("prior_fidelity", out=tmp_path)
    table = pd.read_csv(tmp_path / "prior_fidelity_quick.csv")
    exact = table[table["method"] == "exact"]
    assert len(exact) == 4
    # 2,000 draws per cell: a correct prior's KS exceeds 1.73/sqrt(2000) = 0.039 with
    # probability 0.5%; the seeds are fixed, so this is a regression bound.
    for column in ["ks_fixed", "ks_random"]:
        assert (exact[column] < 0.039).all(), exact[column]
    # The linear approximation is far off for poisson (the benchmark's point of comparison).
    linear = table[(table["method"] == "linear") & (table["family"] == "poisson")]
    assert (linear["ks_fixed"] > 0.1).all()


@pytest.mark.slow
def test_scale_quick_runs(tmp_path):
    run("scale", out=tmp_path)
    table = pd.read_csv(tmp_path / "scale_quick.csv")
    assert list(table["n"]) == [500, 2000, 500] and "error" not in table.columns
    assert (table["fit_s"] > 0).all() and (table["min_ess_bulk"] > 0).all()
