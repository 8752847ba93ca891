"""The measurement pages' tables and numbers, computed from the benchmarks' CSV files.

``docs/conf.py`` renders each table of :data:`TABLES` where a page says
``{benchmark-table} NAME``, and offers every entry of :func:`facts` to the pages as a MyST
substitution (``{{ name }}``), so the documentation shows what ``benchmarks/results/``
holds and cannot drift from it: rerun a benchmark and the next ``make docs`` shows its
numbers. The summaries are computed as the benchmark scripts compute their own Markdown
reports (``benchmarks/results/*.md``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SBC = RESULTS / "sbc"

#: The prior-fidelity benchmark's families, in its order.
FAMILIES = ["gaussian", "bernoulli", "binomial", "poisson", "negativebinomial", "gamma"]


def read(name: str) -> pd.DataFrame:
    """A CSV of ``benchmarks/results`` (``name`` relative to it)."""
    return pd.read_csv(RESULTS / name)


# --- validation -----------------------------------------------------------------------------


def prior_fidelity() -> pd.DataFrame:
    """Worst KS distance per family and method (``prior_fidelity.summary_table``)."""
    results = read("prior_fidelity.csv")
    table = results.pivot_table(index="family", columns="method", values="ks_fixed", aggfunc="max")
    table.columns = [f"max KS {c} (fixed)" for c in table.columns]
    exact = results[results["method"] == "exact"].groupby("family")
    gbp = results[results["method"] == "gbp"].groupby("family")
    table["max KS gbp (intercept ±1)"] = np.maximum(
        gbp["ks_gbp_minus1"].max(), gbp["ks_gbp_plus1"].max()
    )
    table["max KS exact (random)"] = exact["ks_random"].max()
    table = table.reindex([f for f in FAMILIES if f in table.index]).round(4)
    return table.rename_axis("family").reset_index()


# --- calibration ----------------------------------------------------------------------------


def sbc_models() -> pd.DataFrame:
    """Per model: worst p-values, coverage range, fits with divergences or a low ESS."""
    table, runs = pd.read_csv(SBC / "sbc.csv"), pd.read_csv(SBC / "sbc_runs.csv")
    runs = runs.set_index("config")
    lines = []
    for config, part in table.groupby("config", sort=False):
        run = runs.loc[config]
        fitted = int(run["fitted"])
        lines.append(
            {
                "model": config,
                "parameters": len(part),
                "min KS p": round(float(part["ks_p"].min()), 3),
                "min χ² p": round(float(part["chi2_p"].min()), 3),
                "min Holm p": round(float(part["holm_p"].min()), 3),
                "90% coverage": f"{part['coverage90'].min():.3f}–{part['coverage90'].max():.3f}",
                "tolerance": "; ".join(part["tolerance"].unique()).replace("-", "–"),
                "fits with a divergence": f"{int(run['with_divergences'])}/{fitted}",
                "fits with an ESS < 100": f"{int(run['min_ess_below_100'])}/{fitted}",
            }
        )
    return pd.DataFrame(lines)


def sbc_parameters() -> pd.DataFrame:
    """Every ranked parameter of every model: p-values, coverage, median ESS."""
    table = pd.read_csv(SBC / "sbc.csv")
    return pd.DataFrame(
        {
            "model": table["config"],
            "parameter": table["parameter"],
            "KS p": table["ks_p"].round(3),
            "χ² p": table["chi2_p"].round(3),
            "Holm p": table["holm_p"].round(3),
            "90% coverage": table["coverage90"].round(3),
            "median ESS": table["median_ess"].round(0).astype(int),
        }
    )


# --- performance ----------------------------------------------------------------------------


def robustness() -> pd.DataFrame:
    """Default fits per data set over seeds (``robustness.summary``)."""
    results = read("robustness.csv")
    results = results[results["variant"] == "default"]
    grouped = results.groupby("dataset", sort=False)
    table = pd.DataFrame(
        {
            "fits": grouped.size(),
            "without a divergence": grouped["divergences"].apply(lambda d: int((d == 0).sum())),
            "max divergent %": (grouped["divergent_share"].max() * 100).round(3),
            "max r_hat": grouped["max_r_hat"].max().round(3),
            "median min ESS/s": grouped.apply(
                lambda g: float(np.median(g["min_ess_bulk"] / g["sample_s"])),
                include_groups=False,
            ).round(1),
        }
    )
    return table.rename_axis("dataset").reset_index()


SAMPLING_COLUMNS = [
    "dataset",
    "variant",
    "compile_s",
    "sample_s",
    "min_ess_bulk",
    "ess_per_s",
    "divergences",
    "max_r_hat",
    "peak_rss_mb",
]


def sampling() -> pd.DataFrame:
    """Every fit of the speed benchmark (nutpie)."""
    return read("sampling_nutpie.csv")[SAMPLING_COLUMNS]


def sampling_ratios() -> pd.DataFrame:
    """ESS/s of our defaults over the seed-style model's and Bambi's (``sampling.ratios``)."""
    results = read("sampling_nutpie.csv")
    table = results.pivot(index="dataset", columns="variant", values="ess_per_s")
    out = pd.DataFrame(
        {
            "r2d2 ESS/s": table["r2d2"],
            "r2d2 / seed": table["r2d2"] / table["seed"],
            "r2d2 / bambi": table["r2d2"] / table["bambi"],
        }
    )
    return out.round(2).rename_axis("dataset").reset_index()


def wall() -> pd.DataFrame:
    """One default fit end to end against Bambi's, medians over repeats (``wall.py``)."""
    results = read("wall.csv")
    medians = results.groupby(["dataset", "variant"])[["wall_s", "ess_per_wall_s"]].median()
    table = medians.unstack("variant")
    out = pd.DataFrame(
        {
            "r2d2 wall s": table[("wall_s", "r2d2")],
            "bambi wall s": table[("wall_s", "bambi")],
            "wall r2d2 / bambi": table[("wall_s", "r2d2")] / table[("wall_s", "bambi")],
            "ESS per wall s r2d2 / bambi": table[("ess_per_wall_s", "r2d2")]
            / table[("ess_per_wall_s", "bambi")],
        }
    )
    return out.round(2).rename_axis("dataset").reset_index()


def scale() -> pd.DataFrame:
    """Every fit of the scale benchmark."""
    return read("scale.csv")


# --- shares ---------------------------------------------------------------------------------


def shares() -> pd.DataFrame:
    """Per data set and share prior: medians over seeds, divergences summed (``shares.py``)."""
    results = read("shares.csv")
    grouped = results.groupby(["dataset", "components", "variant"], sort=False)
    table = grouped.agg(
        seeds=("seed", "count"),
        ess_per_s=("ess_per_s", "median"),
        min_ess_bulk=("min_ess_bulk", "median"),
        ess_phi=("ess_phi", "median"),
        wall_s=("wall_s", "median"),
        divergences=("divergences", "sum"),
        r2_mean=("r2_mean", "median"),
    )
    return table.round(2).reset_index()


def _share_medians() -> pd.DataFrame:
    results = read("shares.csv")
    return results.groupby(["dataset", "variant"], sort=False)[
        ["ess_per_s", "wall_s", "r2_mean"]
    ].median()


def shares_ratios() -> pd.DataFrame:
    """Logistic-normal over Dirichlet per data set: median ESS/s and wall time."""
    medians = _share_medians()
    ln, dirichlet = medians.xs("logistic-normal", level=1), medians.xs("dirichlet", level=1)
    out = pd.DataFrame(
        {
            "ESS/s, logistic-normal / Dirichlet": ln["ess_per_s"] / dirichlet["ess_per_s"],
            "wall time, logistic-normal / Dirichlet": ln["wall_s"] / dirichlet["wall_s"],
        }
    )
    return out.round(2).rename_axis("dataset").reset_index()


#: Table name -> (function computing it, the CSV files it reads).
TABLES: dict[str, tuple[Callable[[], pd.DataFrame], list[Path]]] = {
    "prior-fidelity": (prior_fidelity, [RESULTS / "prior_fidelity.csv"]),
    "sbc-models": (sbc_models, [SBC / "sbc.csv", SBC / "sbc_runs.csv"]),
    "sbc-parameters": (sbc_parameters, [SBC / "sbc.csv"]),
    "robustness": (robustness, [RESULTS / "robustness.csv"]),
    "sampling": (sampling, [RESULTS / "sampling_nutpie.csv"]),
    "sampling-ratios": (sampling_ratios, [RESULTS / "sampling_nutpie.csv"]),
    "wall": (wall, [RESULTS / "wall.csv"]),
    "scale": (scale, [RESULTS / "scale.csv"]),
    "shares": (shares, [RESULTS / "shares.csv"]),
    "shares-ratios": (shares_ratios, [RESULTS / "shares.csv"]),
}


def cell(value: object) -> str:
    """A table cell as the benchmarks' Markdown reports write it: floats in shortest form."""
    if isinstance(value, float | np.floating):
        return f"{value:g}" if np.isfinite(value) else ""
    return str(value)


def rows(name: str) -> list[list[str]]:
    """Table ``name`` as rows of cells, the header first."""
    table = TABLES[name][0]()
    return [[str(c) for c in table.columns]] + [
        [cell(v) for v in row] for row in table.itertuples(index=False)
    ]


# --- numbers quoted in the text -------------------------------------------------------------


def _range(values: pd.Series, digits: int) -> str:
    return f"{values.min():.{digits}f}–{values.max():.{digits}f}"


def facts() -> dict[str, str]:
    """Numbers the pages quote in their prose, by substitution name."""
    out: dict[str, str] = {}

    fidelity = prior_fidelity().set_index("family")
    out["pf_exact_max"] = f"{fidelity['max KS exact (fixed)'].max():g}"
    out["pf_gbp_fixed_max"] = f"{fidelity['max KS gbp (fixed)'].max():g}"
    out["pf_gbp_shifted_max"] = f"{fidelity['max KS gbp (intercept ±1)'].max():.2f}"
    out["pf_minutes"] = f"{read('prior_fidelity.csv')['seconds'].sum() / 60:.0f}"

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from conformance_cases import CASES
    finally:
        sys.path.remove(str(ROOT / "tests"))
    out["conformance_cases"] = str(len(CASES))

    table, runs = pd.read_csv(SBC / "sbc.csv"), pd.read_csv(SBC / "sbc_runs.csv")
    pvalues = pd.concat([table["ks_p"], table["chi2_p"]])
    worst = table.loc[table[["ks_p", "chi2_p"]].min(axis=1).idxmin()]
    fitted = runs["fitted"].sum()
    timings = pd.read_csv(SBC / "timings.csv").drop_duplicates("config", keep="last")
    out |= {
        "sbc_models": str(len(runs)),
        "sbc_sims": str(int(runs["fitted"].max())),
        "sbc_parameters": str(len(table)),
        "sbc_tests": str(len(pvalues)),
        "sbc_min_p": f"{pvalues.min():.3f}",
        "sbc_min_p_where": f"`{worst['parameter']}` of `{worst['config']}`",
        "sbc_min_holm": f"{table['holm_p'].min():g}",
        "sbc_expected_below_005": f"{0.05 * len(pvalues):.0f}",
        "sbc_below_005": str(int((pvalues < 0.05).sum())),
        "sbc_calibrated": f"{int(table['calibrated'].sum())} of {len(table)}",
        "sbc_divergent_share": f"{runs['with_divergences'].sum() / fitted:.0%}",
        "sbc_low_ess_share": f"{runs['min_ess_below_100'].sum() / fitted:.0%}",
        "sbc_ess_below_20": str(int(runs["min_ess_below_20"].sum())),
        "sbc_wall_minutes": f"{timings['wall_s'].sum() / 60:.0f}",
        "sbc_compile_minutes": f"{runs['compile_s'].sum() / 60:.0f}",
        "sbc_sample_minutes": f"{runs['sample_s'].sum() / 60:.0f}",
    }

    robust = read("robustness.csv")
    robust = robust[robust["variant"] == "default"]
    out |= {
        "rob_fits": str(len(robust)),
        "rob_clean": str(int((robust["divergences"] == 0).sum())),
        "rob_datasets": str(robust["dataset"].nunique()),
        "rob_seeds": str(robust["seed"].nunique()),
        "rob_max_divergences": str(int(robust["divergences"].max())),
        "rob_max_divergent_pct": f"{robust['divergent_share'].max() * 100:.1f}%",
        "rob_max_r_hat": f"{robust['max_r_hat'].max():.2f}",
    }

    ratios = sampling_ratios()
    walls = wall()
    out |= {
        "speed_vs_bambi": _range(ratios["r2d2 / bambi"], 2),
        "wall_vs_bambi": _range(walls["wall r2d2 / bambi"], 1),
    }

    sizes = scale()
    by_n = sizes[sizes["groups"] == 30].set_index("n")
    out |= {
        "scale_max_n": f"{by_n.index.max():,}",
        "scale_max_fit_s": f"{by_n.loc[by_n.index.max(), 'fit_s']:.0f}",
        "scale_sample_1e4": f"{by_n.loc[10_000, 'sample_s']:.1f}",
        "scale_sample_1e5": f"{by_n.loc[100_000, 'sample_s']:.0f}",
        "scale_ess_small": f"{by_n['min_ess_bulk'].iloc[0]:.0f}",
        "scale_ess_large": f"{by_n['min_ess_bulk'].iloc[-1]:.0f}",
        "scale_peak_gb": f"{sizes['peak_rss_mb'].max() / 1000:.2f}",
        "scale_many_groups_ess": f"{sizes.loc[sizes['groups'].idxmax(), 'min_ess_bulk']:.0f}",
    }

    share = shares_ratios().set_index("dataset")["ESS/s, logistic-normal / Dirichlet"]
    medians = _share_medians()["r2_mean"].unstack("variant")
    out |= {f"shares_ratio_{dataset}": f"{ratio:g}" for dataset, ratio in share.items()}
    gap = (medians["logistic-normal"] - medians["dirichlet"]).abs().max()
    out["shares_r2_gap"] = f"{gap:.2f}"
    return out
