"""Logistic-normal shares φ: the GDR2 alternative to the Dirichlet (plain NumPy/SciPy).

The R2D2 prior shares the variance W of the linear predictor among the K components
by φ ~ Dirichlet(ξ). The Dirichlet ties the dependence between shares to their means
(always negative) and has a funnel where a share tends to 0. Aguilar & Bürkner's
generalized decomposition R² prior (GDR2; Bayesian Analysis 2025, arXiv:2401.10180)
replaces it by a logistic-normal, which can say that two terms take variance
together, or that their shares are uncertain independently of their means.

Parameterisation used here: every component k has a *log-weight* y_k, and

    y ~ Normal(m, Σ),   φ = softmax(y),   i.e. φ_k = exp(y_k) / Σ_j exp(y_j).

Adding a constant to every y_k does not change φ, so only differences of the means
matter. The model samples the K − 1 additive log-ratios (ALR) with the last
component as the reference,

    log(φ_k / φ_K) = y_k − y_K ~ Normal(C m, C Σ Cᵀ),   C = [I | −1],

non-centered: log-ratios = C m + L z with z ~ Normal(0, I) and L L' = C Σ Cᵀ. That is
the GDR2 paper's logistic-normal with mean C m and covariance C Σ Cᵀ; give those
directly with :meth:`LogisticNormal.from_alr`.

The Dirichlet(α) itself is the normalisation of independent Gamma(α_k) variables, and
log Gamma(α_k) has mean ψ(α_k) (digamma) and variance ψ'(α_k) (trigamma). The
logistic-normal with independent log-weights of those moments,
:meth:`LogisticNormal.from_dirichlet`, therefore has the Dirichlet's ALR mean
ψ(α_k) − ψ(α_K) and covariance ψ'(α_k) δ_kl + ψ'(α_K): it is the logistic-normal
closest to the Dirichlet in Kullback–Leibler divergence KL(Dirichlet ‖ logistic-normal)
(moment matching of the log-ratios; Aitchison 1986; the GDR2 paper's approximation).

Nothing here imports PyMC: :mod:`r2d2_formula._bambi` makes the variables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, TypeGuard

import numpy as np
import pandas as pd
from scipy import special

from r2d2_formula._errors import PriorError, did_you_mean

__all__ = ["SHARES", "ALRShares", "LogisticNormal", "alr_shares"]

#: The named share distributions ``R2D2(shares=...)`` accepts (or a LogisticNormal).
SHARES = ("dirichlet", "logistic-normal")
#: Draws behind the Monte-Carlo prior means of φ (:meth:`ALRShares.share_means`): the
#: standard error of a mean share is below 0.5/sqrt(20,000) ≈ 0.004.
MEAN_DRAWS = 20_000
#: Relative tolerance of the positive semi-definiteness checks of a covariance, and the
#: smallest eigenvalue (relative to the largest) of a covariance taken as non-singular.
_PSD_TOLERANCE = 1e-10

Values = float | tuple[float, ...] | dict[str, float]
Pairs = dict[tuple[str, str], float]
Matrix = tuple[tuple[float, ...], ...]


# --------------------------------------------------------------------------- checks


def _finite(name: str, value: object, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise PriorError(f"{name} must be a finite number, got {value!r}.")
    if positive and value <= 0:
        raise PriorError(f"{name} must be positive, got {value!r}.")
    return float(value)


def _is_sequence(value: object) -> TypeGuard[Sequence[Any] | np.ndarray]:
    return isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str)


def _values(name: str, value: object, positive: bool = False) -> Values:
    """A scalar, a tuple (one value per component) or a {name: value} mapping."""
    if isinstance(value, Mapping):
        if not value:
            raise PriorError(f"{name} mapping is empty; give at least one term.")
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise PriorError(f"{name} keys must be term or component names, got {key!r}.")
            out[key] = _finite(f"{name}[{key!r}]", item, positive)
        return out
    if _is_sequence(value):
        if len(value) == 0 or any(
            _is_sequence(item) or isinstance(item, Mapping) for item in value
        ):
            raise PriorError(
                f"{name} must be a flat, non-empty sequence of numbers, got {value!r}."
            )
        return tuple(_finite(f"{name}[{i}]", item, positive) for i, item in enumerate(value))
    return _finite(name, value, positive)


def _matrix(name: str, value: object) -> np.ndarray:
    try:
        matrix = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise PriorError(f"{name} must be a square matrix of numbers, got {value!r}.") from err
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise PriorError(f"{name} must be a square matrix, got shape {matrix.shape}.")
    if not np.all(np.isfinite(matrix)):
        raise PriorError(f"{name} holds values that are not finite: {matrix.tolist()}.")
    if not np.allclose(matrix, matrix.T, rtol=0, atol=1e-12 * max(1.0, np.abs(matrix).max())):
        raise PriorError(f"{name} must be symmetric, got {matrix.tolist()}.")
    return matrix


def _check_psd(name: str, matrix: np.ndarray) -> None:
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest < -_PSD_TOLERANCE * max(1.0, float(np.abs(matrix).max())):
        raise PriorError(
            f"{name} is not positive semi-definite (smallest eigenvalue {smallest:.3g}): "
            f"{np.round(matrix, 6).tolist()} is no covariance of any random vector."
        )


def _is_positive_definite(matrix: np.ndarray) -> bool:
    eigenvalues = np.linalg.eigvalsh(matrix)
    return bool(eigenvalues.min() > _PSD_TOLERANCE * max(eigenvalues.max(), 0.0))


def _corr(value: object) -> Pairs | Matrix | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        if not value:
            raise PriorError("corr mapping is empty; give pairs such as {('x1', 'x2'): 0.8}.")
        pairs = {}
        for key, rho in value.items():
            if (
                not isinstance(key, tuple)
                or len(key) != 2
                or not all(isinstance(k, str) for k in key)
            ):
                raise PriorError(
                    f"corr keys must be pairs of term or component names such as ('x1', 'x2'), "
                    f"got {key!r}."
                )
            rho = _finite(f"corr[{key!r}]", rho)
            if not -1 <= rho <= 1:
                raise PriorError(f"corr[{key!r}] must lie in [-1, 1], got {rho!r}.")
            pairs[key] = rho
        return pairs
    matrix = _matrix("corr", value)
    if not np.allclose(np.diag(matrix), 1.0) or np.any(np.abs(matrix) > 1 + 1e-12):
        raise PriorError(
            "corr as a matrix must have ones on the diagonal and entries in [-1, 1], got "
            f"{matrix.tolist()}."
        )
    _check_psd("corr", matrix)
    return tuple(map(tuple, matrix.tolist()))


# --------------------------------------------------------------------------- the prior


class LogisticNormal:
    """Logistic-normal shares: φ = softmax(y), y ~ Normal(mean, cov), one y_k per component.

    Pass it as ``R2D2(shares=LogisticNormal(...))``. Each component k (a population
    column such as ``"x1"`` or ``"C(a)[b]"``, or a group-level column such as ``"1|g"``)
    has a log-weight y_k; its share of Var(η) is φ_k = exp(y_k) / Σ_j exp(y_j). W's
    prior does not involve φ, so R² keeps exactly its Beta(a, b) prior.

    Parameters
    ----------
    mean : float, sequence or mapping, optional
        Prior mean of the log-weights. Only differences matter: a component whose mean
        is larger by 1 gets about e ≈ 2.7 times the share. A scalar applies to every
        component; a sequence gives one value per component in model order
        (``Model.components``); a mapping from term or component name overrides those
        named (the rest get 0). Default 0: no component favoured.
    sd : float, sequence or mapping, optional
        Prior standard deviation of each log-weight, > 0, given like ``mean`` (unnamed
        components of a mapping get 1). Larger values allow more lopsided shares.
        Default 1.
    corr : mapping or matrix, optional
        Correlation between log-weights. A mapping ``{("x1", "x2"): 0.8}`` sets the
        correlation of each named pair (a term name applies to each of its columns,
        and a term paired with itself, ``("C(a)", "C(a)")``, to each pair of its
        columns); unnamed pairs are uncorrelated. A K × K correlation matrix in model order is
        also accepted. A positive correlation makes two shares large or small together
        (two measures of one construct); a negative one makes them compete.
    cov : matrix, optional
        The full K × K covariance of the log-weights, in model order, instead of
        ``sd`` and ``corr``. It may be singular (see :meth:`from_alr`) as long as the
        covariance of the log-ratios is not.

    See Also
    --------
    from_dirichlet : the logistic-normal closest to a Dirichlet.
    from_alr : the paper's form: mean and covariance of the K − 1 log-ratios.

    Notes
    -----
    The sampler works with the log-ratios log(φ_k / φ_K) = y_k − y_K, which follow
    Normal(C mean, C cov Cᵀ) with C = [I | −1] (module docstring). Whether the given
    sizes and names fit the model is checked when the model is built.

    Examples
    --------
    >>> import r2d2_formula as rf
    >>> rf.LogisticNormal()
    LogisticNormal(mean=0, sd=1)
    >>> rf.LogisticNormal(sd=1.5, corr={("x1", "x2"): 0.8})
    LogisticNormal(mean=0, sd=1.5, corr={('x1', 'x2'): 0.8})
    >>> rf.R2D2(shares=rf.LogisticNormal(mean={"1|g": 1.0}))
    R2D2(a=1, b=1, shares=LogisticNormal(mean={'1|g': 1}, sd=1), method='exact')
    """

    def __init__(
        self,
        mean: float | Sequence[float] | Mapping[str, float] = 0.0,
        sd: float | Sequence[float] | Mapping[str, float] | None = None,
        corr: Mapping[tuple[str, str], float] | Sequence[Sequence[float]] | None = None,
        *,
        cov: Sequence[Sequence[float]] | np.ndarray | None = None,
    ) -> None:
        self.mean: Values = _values("mean", mean)
        if cov is not None and (sd is not None or corr is not None):
            raise PriorError(
                f"give cov, or sd and corr, not both (got sd={sd!r}, corr={corr!r}, cov={cov!r})."
            )
        self.sd: Values | None = (
            None if cov is not None else _values("sd", 1.0 if sd is None else sd, True)
        )
        self.corr: Pairs | Matrix | None = _corr(corr)
        self.cov: Matrix | None = None
        if cov is not None:
            matrix = _matrix("cov", cov)
            _check_psd("cov", matrix)
            self.cov = tuple(map(tuple, matrix.tolist()))

    # --- constructors ------------------------------------------------------------------

    @classmethod
    def from_dirichlet(
        cls, concentration: float | Sequence[float], n_components: int | None = None
    ) -> LogisticNormal:
        """The logistic-normal closest to Dirichlet(concentration) in KL divergence.

        Independent log-weights with mean ψ(α_k) and variance ψ'(α_k): the log-ratios
        then have the Dirichlet's mean ψ(α_k) − ψ(α_K) and covariance
        ψ'(α_k) δ_kl + ψ'(α_K), which is what minimises KL(Dirichlet ‖ logistic-normal).

        Parameters
        ----------
        concentration : float or sequence of float
            The Dirichlet concentration α, > 0: a scalar (every component) or one value
            per component in model order. (For a mapping of term names, use
            ``R2D2(concentration={...}, shares="logistic-normal")``, which matches the
            Dirichlet once the model's components are known.)
        n_components : int, optional
            K. With a scalar concentration the result fits any number of components
            when omitted; with a sequence it must equal its length.

        Returns
        -------
        LogisticNormal

        Notes
        -----
        Matching the log-ratios is not matching φ itself: the log-ratios of a Dirichlet
        are skewed, the logistic-normal's are symmetric, so the logistic-normal puts
        more mass near the edges of the simplex. φ's means agree exactly for a scalar
        concentration (by symmetry) and to within about 0.01 for concentrations within
        a factor of 4 of each other; φ's variances are larger by a factor of 1.08 (α = 1,
        K = 2), 1.27 (α = 2, K = 5), 1.44 (α = 1, K = 5), 1.56 (α = 0.5, K = 5) and 1.82
        (α = 1, K = 10) (Monte Carlo, 400,000 draws; ``tests/test_shares.py`` checks these).

        Examples
        --------
        >>> import r2d2_formula as rf
        >>> rf.LogisticNormal.from_dirichlet(1.0)
        LogisticNormal(mean=-0.577216, sd=1.28255)
        >>> ln = rf.LogisticNormal.from_dirichlet([1.0, 2.0, 4.0])
        >>> mean, cov = ln.log_ratios(["x1", "x2", "1|g"])
        >>> mean.round(4).tolist()  # ψ(α_k) − ψ(α_K)
        [-1.8333, -0.8333]
        >>> cov.round(4).tolist()   # ψ'(α_k) δ_kl + ψ'(α_K)
        [[1.9288, 0.2838], [0.2838, 0.9288]]
        """
        if isinstance(concentration, Mapping):
            raise PriorError(
                "from_dirichlet needs the concentration as a number or a sequence in model "
                f"order, got the mapping {dict(concentration)!r}; for a mapping of term names "
                "use R2D2(concentration={...}, shares='logistic-normal')."
            )
        alpha = _values("concentration", concentration, positive=True)
        if n_components is not None:
            if (
                isinstance(n_components, bool)
                or not isinstance(n_components, int)
                or n_components < 1
            ):
                raise PriorError(f"n_components must be a whole number >= 1, got {n_components!r}.")
            if isinstance(alpha, tuple) and len(alpha) != n_components:
                raise PriorError(
                    f"concentration has {len(alpha)} values but n_components is {n_components}."
                )
            if isinstance(alpha, float):
                alpha = (alpha,) * n_components
        a = np.asarray(alpha, dtype=float)
        mean, sd = special.digamma(a), np.sqrt(special.polygamma(1, a))
        if isinstance(alpha, float):
            return cls(mean=float(mean), sd=float(sd))
        return cls(mean=tuple(mean.tolist()), sd=tuple(sd.tolist()))

    @classmethod
    def from_alr(
        cls, mean: float | Sequence[float], cov: Sequence[Sequence[float]]
    ) -> LogisticNormal:
        """The logistic-normal of the GDR2 paper: log(φ_k / φ_K) ~ Normal(mean, cov).

        Parameters
        ----------
        mean : float or sequence of float
            Mean of the K − 1 log-ratios log(φ_k / φ_K), k < K (the last component in
            model order is the reference); a scalar applies to all of them.
        cov : (K − 1) × (K − 1) matrix
            Their covariance, positive definite.

        Returns
        -------
        LogisticNormal
            Log-weights y = (log-ratios, 0): the reference's log-weight is fixed at 0.

        Examples
        --------
        >>> import r2d2_formula as rf
        >>> ln = rf.LogisticNormal.from_alr([0.5, -0.5], [[1.0, 0.3], [0.3, 2.0]])
        >>> mean, cov = ln.log_ratios(["x1", "x2", "1|g"])
        >>> mean.tolist(), cov.tolist()
        ([0.5, -0.5], [[1.0, 0.3], [0.3, 2.0]])
        """
        matrix = _matrix("cov", cov)
        if not _is_positive_definite(matrix):
            raise PriorError(
                f"cov of the log-ratios must be positive definite, got {matrix.tolist()}."
            )
        size = matrix.shape[0]
        means = _values("mean", mean)
        if isinstance(means, dict):
            raise PriorError(f"from_alr takes the mean as a number or a sequence, got {mean!r}.")
        if isinstance(means, float):
            means = (means,) * size
        if len(means) != size:
            raise PriorError(
                f"mean has {len(means)} log-ratios but cov is {size} x {size}; both describe "
                "the K - 1 log-ratios log(phi_k / phi_K)."
            )
        full = np.zeros((size + 1, size + 1))
        full[:size, :size] = matrix
        return cls(mean=(*means, 0.0), cov=full)

    # --- resolution against a model's components ----------------------------------------

    def log_weights(self, names: Sequence[str], terms: Sequence[str]) -> tuple[np.ndarray, ...]:
        """Mean vector and covariance matrix of the K log-weights of these components.

        Parameters
        ----------
        names : sequence of str
            The model's components in order (``Model.components``).
        terms : sequence of str
            The term of each component (``"C(a)"`` for ``"C(a)[b]"``), which mapping
            keys may name instead.

        Returns
        -------
        mean : numpy.ndarray, shape (K,)
        cov : numpy.ndarray, shape (K, K)

        Raises
        ------
        PriorError
            A sequence or matrix of the wrong size, a name that is no component or term.

        Examples
        --------
        >>> import r2d2_formula as rf
        >>> ln = rf.LogisticNormal(sd={"1|g": 2.0}, corr={("x1", "x2"): 0.5})
        >>> mean, cov = ln.log_weights(["x1", "x2", "1|g"], ["x1", "x2", "1|g"])
        >>> cov.tolist()
        [[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 4.0]]
        """
        names, terms = list(names), list(terms)
        mean = _per_component("mean", self.mean, names, terms, default=0.0)
        if self.cov is not None:
            cov = np.asarray(self.cov)
            _check_size("cov", len(cov), names)
            return mean, cov
        sd = _per_component("sd", self.sd, names, terms, default=1.0)
        corr = self._correlation(names, terms)
        return mean, corr * np.outer(sd, sd)

    def log_ratios(
        self, names: Sequence[str], terms: Sequence[str] | None = None
    ) -> tuple[np.ndarray, ...]:
        """Mean and covariance of the K − 1 log-ratios log(φ_k / φ_K) of these components."""
        mean, cov = self.log_weights(names, names if terms is None else terms)
        return _to_alr(mean, cov)

    def draw(
        self,
        names: Sequence[str],
        size: int = 4000,
        random_seed: int | np.random.Generator | None = None,
        terms: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Prior draws of the shares φ of these components, one column per component.

        A look at what the prior says before any model is fitted: means, spread and
        correlations of the shares.

        Parameters
        ----------
        names : sequence of str
            The components in model order (``Model.components``).
        size : int
            Number of draws.
        random_seed : int or numpy Generator, optional
        terms : sequence of str, optional
            The term of each component, if mapping keys name terms
            (``Model.design.components["term"]``).

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import r2d2_formula as rf
        >>> ln = rf.LogisticNormal(corr={("x1", "x2"): 0.9})
        >>> phi = ln.draw(["x1", "x2", "1|g"], size=20000, random_seed=1)
        >>> phi.mean().round(2).tolist()  # two shares that move together act a bit as one
        [0.31, 0.31, 0.37]
        >>> phi.corr().round(2).loc["x1"].tolist()  # a Dirichlet(1, 1, 1) has -0.5 for all
        [1.0, 0.48, -0.86]
        """
        names = list(names)
        mean, cov = self.log_weights(names, names if terms is None else list(terms))
        if len(names) == 1:
            return pd.DataFrame({names[0]: np.ones(size)})
        draws = alr_shares(mean, cov, names).draw(size, rng=random_seed)
        return pd.DataFrame(draws, columns=names)

    def _correlation(self, names: list[str], terms: list[str]) -> np.ndarray:
        size = len(names)
        if self.corr is None:
            return np.eye(size)
        if not isinstance(self.corr, dict):
            _check_size("corr", len(self.corr), names)
            return np.asarray(self.corr)
        corr = np.eye(size)
        set_by: dict[tuple[int, int], tuple[tuple[str, str], float]] = {}
        for pair, rho in self.corr.items():
            first, second = (_indices(name, names, terms, "corr") for name in pair)
            within = pair[0] == pair[1]  # a term with itself: among its columns
            if within and len(first) == 1:
                raise PriorError(
                    f"corr pair {pair!r} names the single component {names[first[0]]!r} "
                    "twice; pair a term with itself only to correlate its several columns."
                )
            for i in first:
                for j in second:
                    if within and i == j:
                        continue
                    if i == j:
                        raise PriorError(
                            f"corr pair {pair!r} names component {names[i]!r} twice; a "
                            "component's log-weight is perfectly correlated with itself."
                        )
                    key = (min(i, j), max(i, j))
                    if key in set_by and set_by[key][1] != rho:
                        raise PriorError(
                            f"corr pairs {set_by[key][0]!r} and {pair!r} both set the "
                            f"correlation of {names[key[0]]!r} and {names[key[1]]!r}, to "
                            f"{set_by[key][1]:g} and {rho:g}; name it once."
                        )
                    set_by[key] = (pair, rho)
                    corr[i, j] = corr[j, i] = rho
        smallest = float(np.linalg.eigvalsh(corr).min())
        if smallest < -_PSD_TOLERANCE:
            raise PriorError(
                f"corr {self.corr!r} gives no valid correlation matrix for the components "
                f"{names} (smallest eigenvalue {smallest:.3g}): correlations this strong "
                "among three or more terms contradict each other."
            )
        return corr

    # --- identity, display, saving -------------------------------------------------------

    def _key(self) -> tuple:
        def frozen(value: Any) -> Any:
            return tuple(sorted(value.items())) if isinstance(value, dict) else value

        return (frozen(self.mean), frozen(self.sd), frozen(self.corr), self.cov)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LogisticNormal) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [f"mean={_fmt(self.mean)}"]
        if self.cov is not None:
            parts.append(f"cov={_fmt(self.cov)}")
        else:
            parts.append(f"sd={_fmt(self.sd)}")
            if self.corr is not None:
                parts.append(f"corr={_fmt(self.corr)}")
        return f"LogisticNormal({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; :meth:`from_dict` rebuilds the same prior.

        Examples
        --------
        >>> import json, r2d2_formula as rf
        >>> ln = rf.LogisticNormal(sd=[1.0, 2.0], corr={("x1", "x2"): 0.5})
        >>> rf.LogisticNormal.from_dict(json.loads(json.dumps(ln.to_dict()))) == ln
        True
        """

        def plain(value: Any) -> Any:
            if isinstance(value, tuple):
                return [plain(item) for item in value]
            return dict(value) if isinstance(value, dict) else value

        out: dict[str, Any] = {"mean": plain(self.mean)}
        if self.cov is not None:
            out["cov"] = plain(self.cov)
            return out
        out["sd"] = plain(self.sd)
        if isinstance(self.corr, dict):
            out["corr_pairs"] = [[a, b, rho] for (a, b), rho in self.corr.items()]
        elif self.corr is not None:
            out["corr"] = plain(self.corr)
        return out

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> LogisticNormal:
        """The prior :meth:`to_dict` describes."""
        corr = spec.get("corr")
        if "corr_pairs" in spec:
            corr = {(str(a), str(b)): float(rho) for a, b, rho in spec["corr_pairs"]}
        return cls(mean=spec["mean"], sd=spec.get("sd"), corr=corr, cov=spec.get("cov"))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_fmt(item)}" for key, item in value.items()) + "}"
    if isinstance(value, tuple):
        return (
            "(" + ", ".join(_fmt(item) for item in value) + ("," if len(value) == 1 else "") + ")"
        )
    return repr(value)


def _check_size(name: str, size: int, names: list[str]) -> None:
    if size != len(names):
        raise PriorError(
            f"{name} has {size} values per side but the model has {len(names)} components: {names}."
        )


def _indices(key: str, names: list[str], terms: list[str], what: str) -> list[int]:
    if key in names:
        return [names.index(key)]
    found = [i for i, term in enumerate(terms) if term == key]
    if not found:
        known = list(dict.fromkeys([*names, *terms]))
        raise PriorError(
            f"{what} names {key!r}, which is not a model component or term"
            f"{did_you_mean(key, known)}; they are {known}."
        )
    return found


def _per_component(
    name: str, value: Values | None, names: list[str], terms: list[str], default: float
) -> np.ndarray:
    if value is None:
        value = default
    if isinstance(value, float):
        return np.full(len(names), value)
    if isinstance(value, tuple):
        if len(value) != len(names):
            raise PriorError(
                f"{name} has {len(value)} values but the model has {len(names)} components: "
                f"{names}."
            )
        return np.asarray(value)
    out = np.full(len(names), default)
    # Term names first, so that a component's own entry wins over its term's.
    for key in sorted(value, key=lambda key: key in names):
        out[_indices(key, names, terms, name)] = value[key]
    return out


def _to_alr(mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-weights' Normal(mean, cov) -> log-ratios' Normal(C mean, C cov Cᵀ), C = [I | -1]."""
    size = len(mean)
    contrast = np.hstack([np.eye(size - 1), -np.ones((size - 1, 1))])
    return contrast @ mean, contrast @ cov @ contrast.T


# --------------------------------------------------------------------------- resolved form


@dataclass(frozen=True)
class ALRShares:
    """A logistic-normal prior of φ resolved for a model's components.

    ``mean`` and ``cov`` are those of the K − 1 log-ratios log(φ_k / φ_K), the last of
    ``names`` being the reference. Plain data, so a model plan holding it can be copied.
    """

    names: tuple[str, ...]
    mean: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]

    @property
    def cholesky(self) -> np.ndarray:
        """Lower-triangular L with L Lᵀ = cov: log-ratios = mean + L z, z ~ Normal(0, I)."""
        return np.linalg.cholesky(np.asarray(self.cov))

    def draw(self, size: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """``size`` draws of φ, shape (size, K).

        Examples
        --------
        >>> shares = alr_shares([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], ["a", "b"])
        >>> shares.draw(3, rng=1).sum(axis=1).round(12).tolist()
        [1.0, 1.0, 1.0]
        """
        rng = np.random.default_rng(rng)
        z = rng.standard_normal((size, len(self.mean)))
        log_ratios = np.asarray(self.mean) + z @ self.cholesky.T
        return special.softmax(np.column_stack([log_ratios, np.zeros(size)]), axis=1)

    def share_means(self) -> np.ndarray:
        """Prior means of φ: Monte Carlo over :data:`MEAN_DRAWS` draws with a fixed seed."""
        return self.draw(MEAN_DRAWS, rng=0).mean(axis=0)


def alr_shares(mean: Sequence[float] | np.ndarray, cov: Any, names: Sequence[str]) -> ALRShares:
    """The resolved prior of φ from the K log-weights' mean and covariance.

    Raises :class:`PriorError` when the covariance of the log-ratios is singular, as
    when two log-weights of equal SD are perfectly correlated (their ratio would be fixed).

    Examples
    --------
    >>> shares = alr_shares([0.0, 1.0, 0.0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], ["a", "b", "c"])
    >>> shares.mean, shares.cov
    ((0.0, 1.0), ((2.0, 1.0), (1.0, 2.0)))
    """
    alr_mean, alr_cov = _to_alr(np.asarray(mean, dtype=float), np.asarray(cov, dtype=float))
    alr_cov = (alr_cov + alr_cov.T) / 2
    if not _is_positive_definite(alr_cov):
        raise PriorError(
            f"the log-weights of {list(names)} with covariance {np.round(cov, 6).tolist()} "
            "leave a ratio of two shares fixed: the covariance of the log-ratios "
            f"{np.round(alr_cov, 6).tolist()} is singular. Lower a correlation of 1 or "
            "give the pair different SDs."
        )
    return ALRShares(
        names=tuple(names),
        mean=tuple(alr_mean.tolist()),
        cov=tuple(map(tuple, alr_cov.tolist())),
    )
