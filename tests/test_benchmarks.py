"""Smoke tests of the benchmark scripts' --quick modes: they run and write sane tables.

All in the slow tier (about 2.5 minutes: each runs fits in fresh processes).
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"

pytestmark = pytest.mark.slow


def run(script: str, *args: str, out: Path) -> None:
    command = [sys.executable, str(BENCHMARKS / script), "--quick", "--out", str(out), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def test_sampling_quick_fits_every_variant(tmp_path):
    # One data set keeps the default run short; the slow test below runs all three.
    run("sampling.py", "--datasets", "poisson", out=tmp_path)
    table = pd.read_csv(tmp_path / "sampling_nutpie_quick.csv")
    assert list(table["variant"]) == ["r2d2", "r2d2_nc", "seed", "bambi"]
    assert "error" not in table.columns
    assert (table["min_ess_bulk"] > 0).all()
    assert (table["sample_s"] > 0).all() and (table["peak_rss_mb"] > 100).all()


def test_sampling_quick_all_data_sets(tmp_path):
    run("sampling.py", out=tmp_path)
    table = pd.read_csv(tmp_path / "sampling_nutpie_quick.csv")
    assert len(table) == 12 and "error" not in table.columns


def test_prior_fidelity_quick_exact_cells_on_target(tmp_path):
    run("prior_fidelity.py", out=tmp_path)
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


def test_scale_quick_runs(tmp_path):
    run("scale.py", out=tmp_path)
    table = pd.read_csv(tmp_path / "scale_quick.csv")
    assert list(table["n"]) == [500, 2000, 500] and "error" not in table.columns
    assert (table["fit_s"] > 0).all() and (table["min_ess_bulk"] > 0).all()
