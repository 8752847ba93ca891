"""The console script: fit from a CSV, the demo's data, errors as exit codes."""

import numpy as np
import pandas as pd
import pytest

from r2d2_formula import cli
from r2d2_formula.datasets import EXAMPLES, load


@pytest.fixture
def csv(tmp_path):
    rng = np.random.default_rng(4)
    n = 120
    x = rng.normal(size=n)
    g = rng.integers(0, 8, n)
    y = rng.poisson(np.exp(0.5 + 0.4 * x + 0.3 * rng.normal(size=8)[g]))
    path = tmp_path / "counts.csv"
    pd.DataFrame({"y": y, "x": x, "g": [f"h{i}" for i in g]}).to_csv(path, index=False)
    return path


def test_fit_command_prints_the_report(csv, capsys):
    code = cli.main(
        [
            "fit",
            "y ~ x + (1|g)",
            "--data",
            str(csv),
            "--family",
            "poisson",
            "--draws",
            "100",
            "--tune",
            "100",
            "--chains",
            "1",
            "--r2-mean",
            "0.3",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "R² ~ Beta(0.6, 1.4)" in out
    assert "R²:" in out and "90% interval" in out
    assert "Variance decomposition" in out and "1|g" in out
    assert "Wall time" in out


def test_errors_become_exit_code_2(csv, tmp_path, capsys):
    assert cli.main(["fit", "y ~ q", "--data", str(csv), "--family", "poisson"]) == 2
    assert "'q'" in capsys.readouterr().err
    assert cli.main(["fit", "y ~ x", "--data", str(tmp_path / "none.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert (
        cli.main(["fit", "y ~ x", "--data", str(csv), "--family", "poisson", "--r2-mean", "2"]) == 2
    )
    assert "r2_mean" in capsys.readouterr().err


def test_help_lists_every_flag(capsys):
    with pytest.raises(SystemExit):
        cli.main(["fit", "--help"])
    text = capsys.readouterr().out
    for flag in [
        "--data",
        "--family",
        "--link",
        "--r2-mean",
        "--r2-precision",
        "--concentration",
        "--method",
        "--draws",
        "--tune",
        "--chains",
        "--seed",
    ]:
        assert flag in text


def test_demo_data_is_real_and_categorical():
    data = load("cbpp")
    assert data.shape == (56, 4)
    assert isinstance(data["herd"].dtype, pd.CategoricalDtype)
    assert data["size"].sum() == 842  # lme4::cbpp: 842 animals in total
    assert EXAMPLES["cbpp"].family == "binomial"
