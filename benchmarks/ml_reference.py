"""Maximum-likelihood reference fits computed the way lme4 does, without R.

* GLMMs (``glmer``, default ``nAGQ = 1``): the Laplace approximation to the
  marginal log-likelihood, maximised jointly over the fixed effects β and the
  log standard deviations of the random effects. For given (β, σ) the random
  effects are written u = σ ⊙ v with v ~ N(0, I) (lme4's spherical form) and the
  conditional mode v̂ of log p(y | β, v) − ½‖v‖² is found by Newton's method; then

      log L(β, σ) ≈ log p(y | β, v̂) − ½‖v̂‖² − ½ log det H,

  H = Λ Zᵀ W Z Λ + I the negative Hessian at v̂ (Λ = diag σ). Constants are
  kept (binomial coefficients, log y!), so the value is lme4's ``logLik``.
* Linear mixed model (``lmer``, ``REML = FALSE``): the exact Gaussian marginal
  likelihood, β profiled out by generalised least squares.

Standard errors: for GLMMs, from the inverse of the numerical Hessian of the
Laplace log-likelihood over (β, log σ) (lme4's default ``use.hessian = TRUE``);
for the LMM, (Xᵀ V⁻¹ X)⁻¹ at the estimates, as ``vcov.merMod``. SEs of the
standard deviations are Wald SEs from the same Hessian (delta method), which
lme4 does not print.

Predictors are centered and scaled before optimisation; estimates and their
covariance are transformed back to the original scale.

Usage: python -m benchmarks ml_reference
"""

from __future__ import annotations

import os

# Small dense solves: a multi-threaded BLAS only contends for the cores (100× slower here).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special

from r2d2_formula._datasets import load_dataset

#: Published lme4 results used for validation (sources in tests/lme4_reference.py).
PUBLISHED = {
    "cbpp": {
        "estimate": {
            "Intercept": -1.3983,
            "period[2]": -0.9919,
            "period[3]": -1.1282,
            "period[4]": -1.5797,
            "1|herd_sigma": 0.6421,
        },
        "se": {"Intercept": 0.2312, "period[2]": 0.3032, "period[3]": 0.3228, "period[4]": 0.4220},
        "loglik": -92.0,
    },
    "sleepstudy_corr_ml": {
        "estimate": {
            "Intercept": 251.405,
            "Days": 10.467,
            "sigma": 25.592,
            "1|Subject_sigma": 23.780,
            "Days|Subject_sigma": 5.717,
            "corr": 0.081,
        },
        "se": {"Intercept": 6.632, "Days": 1.502},
        "loglik": -875.97,
    },
    "sleepstudy_corr_reml": {
        "estimate": {
            "Intercept": 251.405,
            "Days": 10.467,
            "sigma": 25.592,
            "1|Subject_sigma": 24.741,
            "Days|Subject_sigma": 5.922,
            "corr": 0.066,
        },
        "se": {"Intercept": 6.825, "Days": 1.546},
        "loglik": -1743.6 / 2,
    },
    "sleepstudy_uncorr_ml": {
        "estimate": {
            "Intercept": 251.405,
            "Days": 10.467,
            "sigma": 25.556,
            "1|Subject_sigma": 24.171,
            "Days|Subject_sigma": 5.799,
        },
        "se": {"Intercept": 6.708, "Days": 1.519},
        "loglik": -876.00,
    },
}


# --------------------------------------------------------------------------- design


def treatment_dummies(data: pd.DataFrame, column: str) -> pd.DataFrame:
    """Treatment-coded indicators of a categorical column, first level as reference.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    column : str
        Name of a categorical column.

    Returns
    -------
    pandas.DataFrame
        One float column per non-reference level, named ``column[level]`` as Bambi does.
    """
    levels = data[column].cat.categories[1:]
    return pd.DataFrame(
        {f"{column}[{level}]": (data[column] == level).astype(float) for level in levels}
    )


def indicators(values: pd.Series) -> np.ndarray:
    """One-hot matrix (n × number of observed levels) of a grouping factor."""
    codes, _ = pd.factorize(values, sort=True)
    return np.eye(codes.max() + 1)[codes]


def standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale the non-constant columns of a design with an intercept column 0.

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix whose first column is the intercept.

    Returns
    -------
    X_std : numpy.ndarray
        Standardised design, ``X_std = X @ inv(T)``.
    T : numpy.ndarray
        Map back to the original scale: β = T β_std, Cov β = T Cov β_std Tᵀ.
    """
    mean, scale = X[:, 1:].mean(axis=0), X[:, 1:].std(axis=0)
    T = np.eye(X.shape[1])
    T[0, 1:] = -mean / scale
    T[1:, 1:] = np.diag(1.0 / scale)
    X_std = np.column_stack([X[:, 0], (X[:, 1:] - mean) / scale])
    return X_std, T


@dataclass(frozen=True)
class GLMM:
    """A GLMM with independent random-effect blocks, ready for the Laplace fit.

    Attributes
    ----------
    y : numpy.ndarray
        Response (successes for the binomial).
    trials : numpy.ndarray or None
        Binomial numbers of trials.
    X : numpy.ndarray
        Standardised fixed-effects design.
    T : numpy.ndarray
        Back-transformation of the coefficients (see :func:`standardise`).
    Z : numpy.ndarray
        Random-effects design.
    term : numpy.ndarray
        For each column of Z, the index of its standard deviation.
    family : str
        ``"binomial"`` or ``"poisson"``.
    fixed_names, sigma_names : list of str
        Bambi names of the fixed effects and of the group standard deviations.
    """

    y: np.ndarray
    trials: np.ndarray | None
    X: np.ndarray
    T: np.ndarray
    Z: np.ndarray
    term: np.ndarray
    family: str
    fixed_names: list[str]
    sigma_names: list[str]


def make_glmm(data, response, trials, fixed: pd.DataFrame, groups: list[str], family) -> GLMM:
    """Assemble a :class:`GLMM` with an intercept, ``fixed`` and random intercepts."""
    X_raw = np.column_stack([np.ones(len(data)), fixed.to_numpy(float)])
    X, T = standardise(X_raw)
    blocks = [indicators(data[g]) for g in groups]
    term = np.concatenate([np.full(b.shape[1], k) for k, b in enumerate(blocks)])
    n_trials = None if trials is None else data[trials].to_numpy(float)
    return GLMM(
        y=data[response].to_numpy(float),
        trials=n_trials,
        X=X,
        T=T,
        Z=np.hstack(blocks),
        term=term,
        family=family,
        fixed_names=["Intercept", *fixed.columns],
        sigma_names=[f"1|{g}_sigma" for g in groups],
    )


# --------------------------------------------------------------------------- Laplace


def log_density(model: GLMM, eta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Conditional log-likelihood log p(y | η) with its gradient and curvature in η.

    Parameters
    ----------
    model : GLMM
        The model (response, trials, family).
    eta : numpy.ndarray
        Linear predictor.

    Returns
    -------
    loglik : float
        Σ log p(yᵢ | ηᵢ), with all normalising constants.
    grad : numpy.ndarray
        ∂ log p / ∂η.
    weight : numpy.ndarray
        −∂² log p / ∂η² (the IRLS weights).
    """
    y = model.y
    if model.family == "binomial":
        n = model.trials
        log_choose = special.gammaln(n + 1) - special.gammaln(y + 1) - special.gammaln(n - y + 1)
        loglik = np.sum(y * eta - n * np.logaddexp(0.0, eta) + log_choose)
        p = special.expit(eta)
        return loglik, y - n * p, n * p * (1.0 - p)
    mu = np.exp(eta)
    loglik = np.sum(y * eta - mu - special.gammaln(y + 1))
    return loglik, y - mu, mu


def _penalised(model: GLMM, offset: np.ndarray, Zs: np.ndarray, v: np.ndarray):
    """log p(y | β, v) − ½‖v‖², its gradient and negative Hessian in v."""
    with np.errstate(over="ignore", invalid="ignore"):
        loglik, grad, weight = log_density(model, offset + Zs @ v)
    hessian = Zs.T @ (weight[:, None] * Zs) + np.eye(len(v))
    return loglik - 0.5 * v @ v, Zs.T @ grad - v, hessian


def _halving_step(model: GLMM, offset, Zs, v, step, value):
    """Largest t = 2⁻ᵏ (down to 1e-9) whose step does not lower the objective.

    Falls within rounding are allowed, so Newton converges to machine precision; a NaN
    from overflow counts as a fall. Returns ``(t, _penalised(...))``, or ``(0, None)``.
    """
    floor = value - 1e-11 * abs(value)
    t = 1.0
    while t >= 1e-9:
        trial = _penalised(model, offset, Zs, v + t * step)
        if trial[0] >= floor:
            return t, trial
        t /= 2
    return 0.0, None


def conditional_mode(model: GLMM, beta: np.ndarray, sigma: np.ndarray, v: np.ndarray):
    """Mode v̂ of the penalised log-likelihood in the spherical random effects.

    Newton's method with step halving, started from ``v``.

    Parameters
    ----------
    model : GLMM
        The model.
    beta : numpy.ndarray
        Fixed effects (standardised scale).
    sigma : numpy.ndarray
        Standard deviation of each random-effect term.
    v : numpy.ndarray
        Starting value of the spherical random effects u / σ.

    Returns
    -------
    v_hat : numpy.ndarray
        Conditional mode.
    value : float
        Penalised log-likelihood at the mode.
    hessian : numpy.ndarray
        Its negative Hessian at the mode.
    """
    offset = model.X @ beta
    Zs = model.Z * sigma[model.term]
    value, grad, hessian = _penalised(model, offset, Zs, v)
    zero = _penalised(model, offset, Zs, np.zeros_like(v))
    if not value >= zero[0]:  # a warm start worse than v = 0 (or overflowing): start at 0
        v = np.zeros_like(v)
        value, grad, hessian = zero
    for _ in range(100):
        step = linalg.solve(hessian, grad, assume_a="pos")
        t, trial = _halving_step(model, offset, Zs, v, step, value)
        if trial is None:
            break
        v = v + t * step
        value, grad, hessian = trial
        if t == 1.0 and np.max(np.abs(step)) < 1e-10:
            break
    return v, value, hessian


class LaplaceObjective:
    """Laplace log-likelihood as a function of x = (β_std, log σ), with warm starts."""

    def __init__(self, model: GLMM):
        self.model = model
        self.p = model.X.shape[1]
        self.v = np.zeros(model.Z.shape[1])

    def __call__(self, x: np.ndarray) -> float:
        """Laplace approximation to log L at x."""
        beta, sigma = x[: self.p], np.exp(x[self.p :])
        self.v, value, hessian = conditional_mode(self.model, beta, sigma, self.v)
        return value - np.sum(np.log(np.diag(linalg.cholesky(hessian))))


def glm_start(model: GLMM) -> np.ndarray:
    """Fixed effects of the GLM without random effects (Newton / IRLS)."""
    beta = np.zeros(model.X.shape[1])
    for _ in range(50):
        _, grad, weight = log_density(model, model.X @ beta)
        step = linalg.solve(model.X.T @ (weight[:, None] * model.X), model.X.T @ grad)
        beta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    return beta


def numerical_hessian(f, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of a scalar function.

    Parameters
    ----------
    f : callable
        Function of a vector.
    x : numpy.ndarray
        Point of evaluation.
    h : float
        Step in every coordinate.

    Returns
    -------
    numpy.ndarray
        Symmetric matrix of second derivatives.
    """
    k = len(x)
    E = np.eye(k) * h
    H = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            H[i, j] = H[j, i] = (
                f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])
            ) / (4 * h * h)
    return H


def fit_laplace(objective: LaplaceObjective, x0: np.ndarray) -> np.ndarray:
    """Maximise the Laplace log-likelihood from ``x0`` (β_std, log σ).

    The box (β_std within ±5 of the GLM start, log σ in [−8, 3]) only keeps the
    line searches away from overflow; the optimum must lie well inside it.
    """
    p = objective.p
    bounds = [(b - 5.0, b + 5.0) for b in x0[:p]] + [(-8.0, 3.0)] * (len(x0) - p)
    result = optimize.minimize(
        lambda x: -objective(x),
        x0,
        method="L-BFGS-B",
        jac="3-point",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-8, "maxiter": 1000},
    )
    at_bound = [
        lo + 1e-3 > v or v > hi - 1e-3 for v, (lo, hi) in zip(result.x, bounds, strict=True)
    ]
    if any(at_bound):
        raise RuntimeError(f"Laplace optimum on the search box: {result.x}")
    return result.x


def fit_glmm(model: GLMM) -> dict:
    """Laplace maximum-likelihood fit of a :class:`GLMM`.

    Parameters
    ----------
    model : GLMM
        The model.

    Returns
    -------
    dict
        ``estimate`` and ``se`` (dicts by Bambi name, original scale), ``loglik``,
        ``grad_norm`` (gradient norm at the optimum) and ``hessian_eigenvalues``.
    """
    objective = LaplaceObjective(model)
    x = fit_laplace(objective, np.concatenate([glm_start(model), np.zeros(len(model.sigma_names))]))
    hessian = numerical_hessian(objective, x)
    cov = linalg.inv(-hessian)
    return _summarise(model, objective, x, cov, hessian)


def _summarise(model: GLMM, objective, x, cov, hessian) -> dict:
    """Back-transform a GLMM optimum and its covariance into named estimates and SEs."""
    p = model.X.shape[1]
    beta = model.T @ x[:p]
    beta_se = np.sqrt(np.diag(model.T @ cov[:p, :p] @ model.T.T))
    sigma = np.exp(x[p:])
    sigma_se = sigma * np.sqrt(np.diag(cov)[p:])
    steps = np.eye(len(x)) * 1e-5
    grad = np.array([objective(x + e) - objective(x - e) for e in steps]) / 2e-5
    return {
        "estimate": dict(zip(model.fixed_names + model.sigma_names, [*beta, *sigma], strict=True)),
        "se": dict(zip(model.fixed_names + model.sigma_names, [*beta_se, *sigma_se], strict=True)),
        "loglik": objective(x),
        "grad_norm": float(np.max(np.abs(grad))),
        "hessian_eigenvalues": np.linalg.eigvalsh(-hessian),
    }


# --------------------------------------------------------------------------- LMM


def _lmm_covariance(theta: np.ndarray, correlated: bool) -> tuple[float, np.ndarray]:
    """Residual variance and 2×2 random-effect covariance from unconstrained θ.

    θ = (log σ, log σ₀, log σ₁[, atanh ρ]).
    """
    sd = np.exp(theta[1:3])
    rho = np.tanh(theta[3]) if correlated else 0.0
    G = np.array([[sd[0] ** 2, rho * sd[0] * sd[1]], [rho * sd[0] * sd[1], sd[1] ** 2]])
    return np.exp(2 * theta[0]), G


def _lmm_blocks(groups, theta, correlated):
    """Per-group Cholesky factors of V_g = Z_g G Z_gᵀ + σ² I, with X_g and y_g."""
    residual_var, G = _lmm_covariance(theta, correlated)
    for X, Z, y in groups:
        V = Z @ G @ Z.T + residual_var * np.eye(len(y))
        yield linalg.cho_factor(V, lower=True), X, y


def lmm_loglik(groups, theta: np.ndarray, correlated: bool, reml: bool = False):
    """Gaussian log-likelihood of a random intercept-and-slope LMM, β profiled out.

    Parameters
    ----------
    groups : list of tuple
        ``(X_g, Z_g, y_g)`` per grouping level.
    theta : numpy.ndarray
        Unconstrained variance parameters (see :func:`_lmm_covariance`).
    correlated : bool
        Whether θ includes the correlation.
    reml : bool
        Return the restricted log-likelihood instead.

    Returns
    -------
    loglik : float
        Profiled (restricted) log-likelihood.
    beta : numpy.ndarray
        GLS estimate of β.
    cov_beta : numpy.ndarray
        (Xᵀ V⁻¹ X)⁻¹.
    """
    blocks = list(_lmm_blocks(groups, theta, correlated))
    XtVX = sum(X.T @ linalg.cho_solve(c, X) for c, X, _ in blocks)
    XtVy = sum(X.T @ linalg.cho_solve(c, y) for c, X, y in blocks)
    beta = linalg.solve(XtVX, XtVy, assume_a="pos")
    n = sum(len(y) for _, _, y in blocks)
    quad = sum((r := y - X @ beta) @ linalg.cho_solve(c, r) for c, X, y in blocks)
    logdet = sum(2 * np.sum(np.log(np.diag(c[0]))) for c, _, _ in blocks)
    loglik = -0.5 * (n * np.log(2 * np.pi) + logdet + quad)
    if reml:
        p = len(beta)
        loglik += 0.5 * p * np.log(2 * np.pi) - 0.5 * np.linalg.slogdet(XtVX)[1]
    return loglik, beta, linalg.inv(XtVX)


def sleepstudy_groups() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(X_g, Z_g, y_g)`` per subject of sleepstudy; X = Z = [1, Days]."""
    data = load_dataset("sleepstudy")
    groups = []
    for _, part in data.groupby("Subject", observed=True):
        XZ = np.column_stack([np.ones(len(part)), part["Days"].to_numpy(float)])
        groups.append((XZ, XZ, part["Reaction"].to_numpy(float)))
    return groups


def fit_sleepstudy(correlated: bool = False, reml: bool = False) -> dict:
    """ML (or REML) fit of ``Reaction ~ Days + (Days || Subject)`` or ``(Days | Subject)``.

    Parameters
    ----------
    correlated : bool
        Fit ``(Days | Subject)`` with a correlation instead of ``(Days || Subject)``.
    reml : bool
        Maximise the restricted likelihood (for validation only).

    Returns
    -------
    dict
        ``estimate`` and ``se`` by Bambi name (``corr`` for the correlation) and ``loglik``.
    """
    groups = sleepstudy_groups()
    start = np.array([np.log(25.0), np.log(25.0), np.log(5.0), 0.0][: 4 if correlated else 3])
    result = optimize.minimize(
        lambda t: -lmm_loglik(groups, t, correlated, reml)[0],
        start,
        method="BFGS",
        jac="3-point",
        options={"gtol": 1e-8},
    )
    loglik, beta, cov_beta = lmm_loglik(groups, result.x, correlated, reml)
    theta_cov = linalg.inv(
        -numerical_hessian(lambda t: lmm_loglik(groups, t, correlated, reml)[0], result.x)
    )
    return _summarise_lmm(result.x, theta_cov, beta, cov_beta, loglik, correlated)


def _summarise_lmm(theta, theta_cov, beta, cov_beta, loglik, correlated) -> dict:
    """Named estimates and SEs of a sleepstudy fit (delta method for the SDs)."""
    sd = np.exp(theta[:3])
    sd_se = sd * np.sqrt(np.diag(theta_cov)[:3])
    names = ["sigma", "1|Subject_sigma", "Days|Subject_sigma"]
    estimate = {"Intercept": beta[0], "Days": beta[1], **dict(zip(names, sd, strict=True))}
    se = dict(
        zip(["Intercept", "Days", *names], [*np.sqrt(np.diag(cov_beta)), *sd_se], strict=True)
    )
    if correlated:
        estimate["corr"] = np.tanh(theta[3])
        se["corr"] = (1 - estimate["corr"] ** 2) * np.sqrt(theta_cov[3, 3])
    return {"estimate": estimate, "se": se, "loglik": loglik}


# --------------------------------------------------------------------------- the models


def fit_cbpp() -> dict:
    """``glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), binomial)``.

    Returns
    -------
    dict
        See :func:`fit_glmm`.
    """
    data = load_dataset("cbpp")
    fixed = treatment_dummies(data, "period")
    return fit_glmm(make_glmm(data, "incidence", "size", fixed, ["herd"], "binomial"))


def fit_grouseticks() -> dict:
    """``glmer(TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | LOCATION), poisson)``.

    YEAR is a factor (reference 95), HEIGHT numeric as stored (not centered).

    Returns
    -------
    dict
        See :func:`fit_glmm`.
    """
    data = load_dataset("grouseticks")
    fixed = treatment_dummies(data, "YEAR").assign(HEIGHT=data["HEIGHT"].astype(float))
    model = make_glmm(data, "TICKS", None, fixed, ["BROOD", "LOCATION"], "poisson")
    return fit_glmm(model)


# --------------------------------------------------------------------------- report


def _print_fit(title: str, fit: dict, published: dict | None = None) -> None:
    """Print estimates and SEs, next to published values where there are any."""
    pub = published or {"estimate": {}, "se": {}}
    print(f"\n{title}   (log-likelihood {fit['loglik']:.4f})")
    print(f"  {'parameter':<20}{'estimate':>12}{'SE':>10}{'published':>12}{'pub. SE':>10}")
    for name, value in fit["estimate"].items():
        row = f"  {name:<20}{value:>12.6g}{fit['se'][name]:>10.4g}"
        for column, width in (("estimate", 12), ("se", 10)):
            other = pub[column].get(name)
            row += f"{other:>{width}.6g}" if other is not None else " " * width
        print(row.rstrip())
    if "grad_norm" in fit:
        eig = fit["hessian_eigenvalues"]
        print(
            f"  max |gradient| {fit['grad_norm']:.1e}; information eigenvalues "
            f"{eig.min():.3g} … {eig.max():.3g}"
        )
    if published:
        _print_check(fit, published)


def _relative_gap(ours: dict, theirs: dict) -> float:
    """Largest |ours − theirs| / max(|theirs|, 1) over the names in ``theirs``.

    Relative for values above 1, absolute below (the correlation is published as 0.08).
    """
    return max(abs(ours[k] - v) / max(abs(v), 1.0) for k, v in theirs.items())


def _print_check(fit: dict, published: dict) -> None:
    """One line: how far the fit is from the published values."""
    print(
        f"  check vs published: estimates max diff "
        f"{_relative_gap(fit['estimate'], published['estimate']):.1e}, "
        f"SEs {_relative_gap(fit['se'], published['se']):.1e}, "
        f"log-likelihood {fit['loglik']:.3f} vs {published['loglik']:.3f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Fit the five models and print them against published lme4 values."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    start = time.perf_counter()
    _print_fit("cbpp: binomial, Laplace  [validation]", fit_cbpp(), PUBLISHED["cbpp"])
    _print_fit(
        "sleepstudy (Days | Subject), ML  [validation]",
        fit_sleepstudy(correlated=True),
        PUBLISHED["sleepstudy_corr_ml"],
    )
    _print_fit(
        "sleepstudy (Days | Subject), REML  [validation]",
        fit_sleepstudy(correlated=True, reml=True),
        PUBLISHED["sleepstudy_corr_reml"],
    )
    _print_fit(
        "sleepstudy (Days || Subject), ML  [reference]",
        fit_sleepstudy(),
        PUBLISHED["sleepstudy_uncorr_ml"],
    )
    _print_fit("grouseticks: poisson, Laplace  [reference]", fit_grouseticks())
    print(f"\ntotal time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
