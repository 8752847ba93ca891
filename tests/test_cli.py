"""The console script: fit from a CSV, the demo's data, errors as exit codes."""

import numpy as np
import pandas as pd
import pytest

from r2d2_formula import _cli
from r2d2_formula._datasets import EXAMPLES, load_dataset


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
    code = _cli.main(
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
    assert _cli.main(["fit", "y ~ q", "--data", str(csv), "--family", "poisson"]) == 2
    assert "'q'" in capsys.readouterr().err
    assert _cli.main(["fit", "y ~ x", "--data", str(tmp_path / "none.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert (
        _cli.main(["fit", "y ~ x", "--data", str(csv), "--family", "poisson", "--r2-mean", "2"])
        == 2
    )
    assert "r2_mean" in capsys.readouterr().err


def test_help_lists_every_flag(capsys):
    with pytest.raises(SystemExit):
        _cli.main(["fit", "--help"])
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
        "--lkj-eta",
        "--independent",
    ]:
        assert flag in text


@pytest.mark.parametrize(("flags", "blocks"), [([], 1), (["--independent"], 0)])
def test_independent_flag_restores_bambis_group_effects(csv, monkeypatch, flags, blocks):
    from r2d2_formula import _model as model_module

    built = []
    monkeypatch.setattr(
        model_module.Model, "fit", lambda self, **kwargs: built.append(self.plan) or 1 / 0
    )
    with pytest.raises(ZeroDivisionError):
        _cli.main(["fit", "y ~ x + (x|g)", "--data", str(csv), "--family", "poisson", *flags])
    assert len(built[0].correlated) == blocks


def test_demo_data_is_real_and_categorical():
    data = load_dataset("cbpp")
    assert data.shape == (56, 4)
    assert isinstance(data["herd"].dtype, pd.CategoricalDtype)
    assert data["size"].sum() == 842  # lme4::cbpp: 842 animals in total
    assert EXAMPLES["cbpp"].family == "binomial"


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_rows_are_quoted_by_their_line_in_the_csv_file(tmp_path, capsys, never_builds):
    """Catches 0-based row labels and integer counts shown as floats (-1.0) in CLI errors."""
    rows = [f"{k % 5},{k / 10},h{k % 3}" for k in range(30)]
    rows[3], rows[17] = "-1,0.3,h0", "-4,1.7,h2"
    rows.insert(10, "")  # a blank line: pandas skips it, the line numbers must not
    path = tmp_path / "counts.csv"
    path.write_text("\n".join(["y,x,g", *rows]) + "\n")
    assert _cli.main(["fit", "y ~ x", "--data", str(path), "--family", "poisson"]) == 2
    message = _one_line_error(capsys)
    assert "[-1, -4] at CSV line(s) [5, 20]" in message, message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "the file is empty"),
        ("y,x,g\n", "0 row(s)"),
        ("y,x\n1,2\n", "1 row(s)"),
    ],
    ids=["empty", "header-only", "one-row"],
)
def test_unusable_csv_files_give_one_line_and_exit_2(
    tmp_path, capsys, never_builds, content, fragment
):
    path = tmp_path / "data.csv"
    path.write_text(content)
    assert _cli.main(["fit", "y ~ x", "--data", str(path)]) == 2
    assert fragment in _one_line_error(capsys)


def test_a_binary_file_is_not_a_csv(tmp_path, capsys, never_builds):
    path = tmp_path / "data.csv"
    path.write_bytes(bytes(range(256)) * 4)
    assert _cli.main(["fit", "y ~ x", "--data", str(path)]) == 2
    assert "cannot read" in _one_line_error(capsys)


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--draws", "-5"], "draws must be a whole number >= 1, got -5"),
        (["--chains", "0"], "chains must be a whole number >= 1, got 0"),
        (["--tune", "-1"], "tune must be a whole number >= 0"),
        (["--target-accept", "1.5"], "target_accept must be a number in (0, 1), got 1.5"),
        (["--r2-mean", "0"], "r2_mean"),
        (["--concentration", "-1"], "concentration"),
    ],
)
def test_bad_flag_values_fail_before_compiling(csv, capsys, never_builds, flags, fragment):
    code = _cli.main(["fit", "y ~ x + (1|g)", "--data", str(csv), "--family", "poisson", *flags])
    assert code == 2
    assert fragment in _one_line_error(capsys)


@pytest.mark.parametrize(
    "flags",
    [["--draws", "abc"], ["--family", "poison"], ["--link", "sqrt"], ["--bogus"]],
)
def test_malformed_flags_give_one_line_and_exit_2(csv, capsys, flags):
    with pytest.raises(SystemExit) as info:
        _cli.main(["fit", "y ~ x", "--data", str(csv), *flags])
    assert info.value.code == 2
    assert "error" in _one_line_error(capsys)


@pytest.mark.parametrize(
    ("formula", "family", "fragment"),
    [
        ("y ~ x +* g", "poisson", "cannot parse formula"),
        ("y ~ x", "bernoulli", "must be 0 or 1"),
        ("y ~ x + offset(log(x))", "poisson", "offset 'offset(log(x))'"),
        ("y ~ x", "poisson --link logit", "link"),
    ],
)
def test_bad_formula_or_data_give_one_line(csv, capsys, never_builds, formula, family, fragment):
    family_flags = ["--family", *family.split()]
    assert _cli.main(["fit", formula, "--data", str(csv), *family_flags]) == 2
    assert fragment in _one_line_error(capsys)


def test_numpy_is_available_to_command_line_formulas(csv, capsys, monkeypatch):
    from r2d2_formula import _model as model_module

    built = []
    monkeypatch.setattr(
        model_module.Model, "fit", lambda self, **kwargs: built.append(self.components) or 1 / 0
    )
    with pytest.raises(ZeroDivisionError):
        _cli.main(
            ["fit", "y ~ np.sqrt(np.abs(x)) + (1|g)", "--data", str(csv), "--family", "poisson"]
        )
    assert built == [["np.sqrt(np.abs(x))", "1|g"]]
