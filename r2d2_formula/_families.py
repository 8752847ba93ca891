"""Response families as objects: domain, links, R² and the intercept's prior centre.

A :class:`Family` knows everything the package needs about a Bambi family:
which responses it accepts (its :class:`ResponseDomain`), its default and
allowed links, how to build its R² calculator (:mod:`r2d2_formula._r2`), and
where and how wide the intercept's prior is. Other modules ask the object and
never branch on a family's name; :data:`FAMILIES` is the one place that
defines each default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from r2d2_formula import _r2 as R
from r2d2_formula._errors import (
    SHOWN,
    DataError,
    FamilyError,
    UnsupportedError,
    describe_rows,
    did_you_mean,
    shown_values,
)
from r2d2_formula._links import CLOGLOG, IDENTITY, LINKS, LOG, LOGIT, PROBIT, Link
from r2d2_formula._r2_hurdle import HurdlePoisson

__all__ = [
    "FAMILIES",
    "INTERCEPT_SD",
    "REFUSED_FAMILIES",
    "Family",
    "ResponseDomain",
    "family_r2",
    "get_family",
]

#: Intercept prior SD on the link scale, in units of the response SD for the real line.
INTERCEPT_SD = 2.5
# --------------------------------------------------------------------------- domains


@dataclass(frozen=True)
class ResponseDomain:
    """The values a family's response may take, and how to summarise them.

    ``check`` receives the evaluated response (one column, or successes and
    trials for a binomial) with the data's row labels, and raises
    :class:`~r2d2_formula._errors.DataError` naming the rows at fault.
    """

    description: str
    columns: int = 1
    #: Whether the response takes few distinct values (plotted as frequencies, not densities).
    discrete: bool = False
    #: The prior predictive plot's axis: "linear", "log" (positive values spread over
    #: orders of magnitude), "symlog" (counts, zeros included) or "share" (the share of ones).
    plot_scale: str = "linear"

    def prepare(self, column: pd.Series, name: str, family: str) -> pd.Series:
        """The response column as Bambi reads it (a copy where it must be recoded)."""
        return column

    def check(self, values: np.ndarray, name: str, family: str, index: pd.Index) -> None:
        """Refuse values outside the domain."""
        if not np.issubdtype(values.dtype, np.number) and values.dtype != bool:
            raise DataError(
                f"response {name!r} must be numeric for family {family!r} "
                f"({self.description}); got values of type {values.dtype}."
            )

    def mean(self, values: np.ndarray) -> float:
        """The response mean (a proportion for successes out of trials)."""
        return float(np.mean(values.astype(float)))

    def clip_mean(self, mean: float, n: int) -> float:
        """Keep the mean inside the link's domain (half an observation from its edges)."""
        return mean

    def spread(self, values: np.ndarray) -> float:
        """The unit of the intercept's prior SD: the response SD on the real line, else 1."""
        return 1.0

    def trials(self, values: np.ndarray) -> float:
        """Harmonic mean of the trials (1 unless the response counts successes of trials)."""
        return 1.0

    def per_row(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One number per row on the response's scale, and its weight (the row's trials)."""
        return values.astype(float).reshape(len(values)), np.ones(len(values))


def _check_finite(values: np.ndarray, name: str, index: pd.Index) -> np.ndarray:
    y = values.astype(float)
    bad = ~np.isfinite(y)
    if bad.any():
        raise DataError(f"response {name!r} is not finite at {describe_rows(index, bad)}.")
    return y


def _refuse_rows(
    bad: np.ndarray, y: np.ndarray, name: str, index: pd.Index, requirement: str, advice: str = ""
) -> None:
    """DataError naming the values and rows of ``y`` where ``bad``, if there are any."""
    if bad.any():
        raise DataError(
            f"response {name!r} {requirement}; found {shown_values(y[bad])} at "
            f"{describe_rows(index, bad)}.{advice}"
        )


@dataclass(frozen=True)
class _RealLine(ResponseDomain):
    def check(self, values, name, family, index):
        super().check(values, name, family, index)
        _check_finite(values, name, index)

    def spread(self, values):
        sd = float(np.std(values.astype(float)))
        return sd if sd > 0 else 1.0


@dataclass(frozen=True)
class _Positive(ResponseDomain):
    def check(self, values, name, family, index):
        super().check(values, name, family, index)
        y = _check_finite(values, name, index)
        _refuse_rows(y <= 0, y, name, index, f"must be positive for family {family!r}")

    def clip_mean(self, mean, n):
        return max(mean, 0.5 / n)


@dataclass(frozen=True)
class _NonNegative(ResponseDomain):
    """Zeros and positive reals: the hurdle families of continuous responses."""

    def check(self, values, name, family, index):
        super().check(values, name, family, index)
        y = _check_finite(values, name, index)
        requirement = f"must be zero or positive for family {family!r}"
        _refuse_rows(y < 0, y, name, index, requirement)
        if not (y > 0).any():
            raise DataError(
                f"response {name!r} has no positive value; family {family!r} models the "
                "positive values' size, which these data cannot inform."
            )

    def clip_mean(self, mean, n):
        return max(mean, 0.5 / n)


@dataclass(frozen=True)
class _Circle(ResponseDomain):
    """Angles in radians on [−π, π], PyMC's support of the von Mises."""

    def check(self, values, name, family, index):
        super().check(values, name, family, index)
        y = _check_finite(values, name, index)
        requirement = f"must be an angle in radians in [-pi, pi] for family {family!r}"
        advice = (
            " Wrap angles with numpy.angle(numpy.exp(1j * y)); convert degrees with numpy.deg2rad."
        )
        _refuse_rows(np.abs(y) > np.pi, y, name, index, requirement, advice)

    def mean(self, values):
        # The mean direction: the arithmetic mean of angles near ±π would point the other way.
        y = values.astype(float)
        return float(np.arctan2(np.mean(np.sin(y)), np.mean(np.cos(y))))


def _check_counts(y: np.ndarray, name: str, family: str, index: pd.Index) -> None:
    negative = y < 0
    if negative.any():
        raise DataError(
            f"response {name!r} must be a non-negative integer count for family {family!r}; "
            f"found negative value(s) {shown_values(y[negative])} at "
            f"{describe_rows(index, negative)}."
        )
    fractional = y != np.round(y)
    if fractional.any():
        raise DataError(
            f"response {name!r} must hold integer counts for family {family!r}; found "
            f"non-integer value(s) {shown_values(y[fractional])} at "
            f"{describe_rows(index, fractional)}."
        )


@dataclass(frozen=True)
class _Counts(_Positive):
    def check(self, values, name, family, index):
        ResponseDomain.check(self, values, name, family, index)
        _check_counts(_check_finite(values, name, index), name, family, index)


@dataclass(frozen=True)
class _ZeroOne(ResponseDomain):
    def check(self, values, name, family, index):
        if values.dtype == bool:
            return
        if not np.issubdtype(values.dtype, np.number):
            levels = sorted(map(str, pd.unique(pd.Series(values.ravel()))))[:SHOWN]
            raise DataError(
                f"response {name!r} holds non-numeric values {levels}; say which level is a "
                f"success, e.g. '{name}[\"{levels[-1]}\"] ~ ...', or code it as 0/1."
            )
        y = _check_finite(values, name, index)
        bad = (y != 0) & (y != 1)
        if bad.any():
            raise DataError(
                f"response {name!r} must be 0 or 1 for family {family!r}; found "
                f"{shown_values(np.unique(y[bad]))} at {describe_rows(index, bad)}."
            )

    def clip_mean(self, mean, n):
        return min(max(mean, 0.5 / n), 1 - 0.5 / n)


@dataclass(frozen=True)
class _SuccessesOfTrials(_ZeroOne):
    def check(self, values, name, family, index):
        if values.ndim != 2 or values.shape[1] != 2:
            raise DataError(
                f"family {family!r} needs successes and trials: write the response as "
                f"'p(successes, trials) ~ ...', got {name!r}."
            )
        ResponseDomain.check(self, values, name, family, index)
        y = _check_finite(values, name, index)
        successes, trials = y[:, 0], y[:, 1]
        _check_counts(successes, name, family, index)
        bad = (trials < 1) | (trials != np.round(trials))
        if bad.any():
            raise DataError(
                f"trials in {name!r} must be integers >= 1; found "
                f"{shown_values(trials[bad])} at {describe_rows(index, bad)}."
            )
        over = successes > trials
        if over.any():
            raise DataError(
                f"successes exceed trials in {name!r} at {describe_rows(index, over)}, "
                f"e.g. {successes[over][0]:g} of {trials[over][0]:g}."
            )

    def mean(self, values):
        y = values.astype(float)
        return float(np.sum(y[:, 0]) / np.sum(y[:, 1]))

    def trials(self, values):
        return float(1.0 / np.mean(1.0 / values[:, 1].astype(float)))

    def per_row(self, values):
        y = values.astype(float)
        return y[:, 0] / y[:, 1], y[:, 1]


@dataclass(frozen=True)
class _OpenUnit(ResponseDomain):
    """Proportions strictly between 0 and 1 (the beta family: 0 and 1 have no density)."""

    def check(self, values, name, family, index):
        super().check(values, name, family, index)
        y = _check_finite(values, name, index)
        bad = (y <= 0) | (y >= 1)
        if bad.any():
            raise DataError(
                f"response {name!r} must be strictly between 0 and 1 for family {family!r}; "
                f"found {shown_values(np.unique(y[bad]))} at {describe_rows(index, bad)}. "
                "For 0/1 outcomes use family='bernoulli'; for successes out of trials, "
                "'p(k, n) ~ ...' with family='binomial' or 'beta_binomial'."
            )


@dataclass(frozen=True)
class _Ordered(ResponseDomain):
    """Ordered categories: an ordered categorical, or integers (ordered by value).

    Bambi reads an ordinal response only as a categorical, and orders the categories of a
    text column alphabetically ("high" < "low" < "mid"), so text and unordered
    categoricals are refused until the user states the order; integers are recoded as
    ordered categories of their sorted values (on the package's copy of the data).
    """

    def prepare(self, column, name, family):
        if isinstance(column.dtype, pd.CategoricalDtype):
            if column.cat.ordered:
                return column
            raise DataError(
                f"response {name!r} is an unordered categorical; family {family!r} needs the "
                f"order of its categories {list(map(str, column.cat.categories))[:SHOWN]}: "
                f"make it ordered, e.g. data[{name!r}] = data[{name!r}].cat.as_ordered(), or "
                f"pd.Categorical(..., categories=[lowest, ..., highest], ordered=True)."
            )
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=float)
            fractional = values != np.round(values)
            if fractional.any():
                raise DataError(
                    f"response {name!r} must hold integer categories for family {family!r}; "
                    f"found {shown_values(values[fractional])} at "
                    f"{describe_rows(column.index, fractional)}."
                )
            levels = np.sort(pd.unique(column))
            return pd.Series(
                pd.Categorical(column, categories=levels, ordered=True), index=column.index
            )
        levels = sorted(map(str, pd.unique(column.astype(object))))[:SHOWN]
        raise DataError(
            f"response {name!r} holds values {levels} whose order family {family!r} cannot "
            f"know (Bambi would sort them alphabetically); make it an ordered categorical, "
            f"pd.Categorical(data[{name!r}], categories=[lowest, ..., highest], ordered=True), "
            "or code the categories as integers."
        )

    def check(self, values, name, family, index):
        categories = values.shape[1] if values.ndim == 2 else len(pd.unique(values))
        if categories < 2:
            raise DataError(
                f"response {name!r} takes a single category; family {family!r} needs at least two."
            )

    def mean(self, values):
        # Bambi's ordinal data are category indices; no intercept is centered on their mean.
        return 0.0


REAL_LINE = _RealLine("any real number")
POSITIVE = _Positive("positive numbers", plot_scale="log")
COUNTS = _Counts("non-negative integer counts", discrete=True, plot_scale="symlog")
ZERO_ONE = _ZeroOne("0/1 or True/False", discrete=True, plot_scale="share")
SUCCESSES_OF_TRIALS = _SuccessesOfTrials("successes out of trials, p(k, n)", columns=2)
OPEN_UNIT = _OpenUnit("proportions strictly between 0 and 1")
CIRCLE = _Circle("angles in radians, in [-pi, pi]")
NON_NEGATIVE = _NonNegative("zero or positive numbers", plot_scale="symlog")
ORDERED = _Ordered("ordered categories: an ordered categorical or integers", discrete=True)


# --------------------------------------------------------------------------- families


@dataclass(frozen=True)
class Family:
    """One response family: its domain, links and R².

    Parameters
    ----------
    name : str
        Bambi's name of the family.
    domain : ResponseDomain
        The responses it accepts.
    default_link : Link
        The link used when the user names none (may differ from Bambi's: gamma
        uses log, whose R² has a closed form).
    links : tuple of Link
        Links whose R² the package computes.
    make_r2 : callable
        ``make_r2(link, trials)``: the R² calculator.
    offsets_r2 : callable, optional
        ``offsets_r2(offsets)``: the R² calculator with per-observation offsets,
        for families whose R² with offsets is implemented.
    mean_of_parent : callable, optional
        ``mean_of_parent(parent, theta)``: E[y] from Bambi's parent parameter (``mu`` or
        ``p``) and the family parameters, where the two differ (zero-inflated families,
        the exgaussian, asymmetric Laplace and log-normal); None where the parent parameter
        is the mean (the success probability, the mean of k/n, for binomial responses).
    refused_links : tuple of (str, str)
        Links Bambi offers for this family that are refused here, each with the reason
        (e.g. gamma's ``"inverse"``: E μ(η) does not exist under a Gaussian η).
    thresholds : bool
        Whether thresholds take the intercept's place (ordinal families): they absorb
        the mean of η, so a predictor's share of W is its variance, as with an intercept.
    other_parameters : tuple of str
        Bambi's parameters of the family that R² does not depend on (an ordinal model's
        ``threshold``): they keep Bambi's priors, which the user may replace.
    refused_responses : tuple of (str, str)
        Bambi's response transformations (``"censored"``, ...) this family cannot take,
        each with the reason (PyMC has no CDF for it, no truncation of a mixture, ...).

    Examples
    --------
    >>> from r2d2_formula._families import get_family
    >>> family = get_family("bernoulli")
    >>> family.default_link.name, [link.name for link in family.links]
    ('logit', ['logit', 'probit', 'cloglog'])
    >>> family.r2(family.link("probit")).link
    'probit'
    """

    name: str
    domain: ResponseDomain
    default_link: Link
    links: tuple[Link, ...]
    make_r2: Callable[[Link, float], R.FamilyR2]
    offsets_r2: Callable[[np.ndarray], R.FamilyR2] | None = None
    mean_of_parent: Callable[[np.ndarray, dict[str, np.ndarray]], np.ndarray] | None = None
    refused_links: tuple[tuple[str, str], ...] = ()
    thresholds: bool = False
    other_parameters: tuple[str, ...] = ()
    refused_responses: tuple[tuple[str, str], ...] = ()

    def parameters(self, link: Link) -> tuple[str, ...]:
        """Every parameter of the family besides the mean: those of R², then the others."""
        return (*self.r2(link).theta, *self.other_parameters)

    def response_mean(self, parent: np.ndarray, theta: dict[str, np.ndarray]) -> np.ndarray:
        """E[y] per draw and row from draws of the parent parameter and family parameters."""
        return parent if self.mean_of_parent is None else self.mean_of_parent(parent, theta)

    def link(self, name: str | None) -> Link:
        """The link object for ``name`` (the default link for None), if this family takes it."""
        if name is None:
            return self.default_link
        refused = dict(self.refused_links)
        if isinstance(name, str) and name in refused:
            raise UnsupportedError(
                f"family {self.name!r} with link {name!r} is not supported: {refused[name]}"
            )
        if not isinstance(name, str) or name not in LINKS:
            raise FamilyError(f"link must be one of {', '.join(LINKS)}; got {name!r}.")
        if LINKS[name] not in self.links:
            allowed = ", ".join(link.name for link in self.links)
            raise UnsupportedError(
                f"family {self.name!r} with link {name!r} is not supported: its R² is "
                f"implemented for link(s) {allowed}."
            )
        return LINKS[name]

    def r2(self, link: Link, trials: float = 1.0, offsets: Any = None) -> R.FamilyR2:
        """The R² calculator under ``link``, with the trials and offsets of the data."""
        if offsets is None:
            return self.make_r2(link, trials)
        return self.check_offsets()(np.asarray(offsets, dtype=float))

    def check_offsets(self) -> Callable[[np.ndarray], R.FamilyR2]:
        """The R² with offsets; refused where this family's has no implementation."""
        if self.offsets_r2 is None:
            raise UnsupportedError(
                f"offsets are supported for the poisson family only; the R² of a "
                f"{self.name!r} model with offsets has no implementation here, and no "
                "approximation is substituted silently."
            )
        return self.offsets_r2

    def intercept_prior(
        self, response: np.ndarray, family_r2: R.FamilyR2, theta: dict[str, float]
    ) -> tuple[float, float]:
        """Mean and SD of the intercept's default prior: g(mean response), 2.5 units."""
        mean = self.domain.clip_mean(self.domain.mean(response), len(response))
        centre = float(family_r2.link_of_mean(mean, theta))
        return centre, INTERCEPT_SD * family_r2.intercept_sd_unit(self.domain.spread(response))


def _closed_form(cls: type[R.FamilyR2]) -> Callable[[Link, float], R.FamilyR2]:
    return lambda link, trials: cls()


def _location(cls: type[R.FamilyR2]) -> Callable[[Link, float], R.FamilyR2]:
    """A constant-variance family: its own R² under the identity link, LogLocation's under log."""
    return lambda link, trials: R.LogLocation(cls()) if link is LOG else cls()


def _binary(link: Link, trials: float) -> R.FamilyR2:
    return R.Binary(link=link.name, trials=trials)


def _ordinal(link: Link, trials: float) -> R.FamilyR2:
    return R.Ordinal(link=link.name)


def _beta(link: Link, trials: float) -> R.FamilyR2:
    return R.Beta(link=link.name)


def _beta_binomial(link: Link, trials: float) -> R.FamilyR2:
    return R.BetaBinomial(link=link.name, trials=trials)


def _zero_inflated_mean(mu: np.ndarray, theta: dict[str, np.ndarray]) -> np.ndarray:
    # PyMC's ψ is the probability of the count part: E y = ψ μ.
    return theta["psi"] * mu


def _hurdle_poisson_mean(mu: np.ndarray, theta: dict[str, np.ndarray]) -> np.ndarray:
    # ψ times the zero-truncated Poisson's mean μ/(1 − e^(−μ)), which tends to 1 as μ → 0.
    return HurdlePoisson().moments(np.log(mu), theta)[0]


def _mean_of_eta(family: R.FamilyR2) -> Callable[[np.ndarray, dict[str, np.ndarray]], np.ndarray]:
    """E[y] from the parent ``mu`` of a family whose Bambi link is the identity (``mu`` is η)."""
    return lambda mu, theta: family.moments(mu, theta)[0]


#: Why a reciprocal link has no R²: η ~ N(β₀, W) reaches 0 with positive probability.
_NO_MEAN = (
    "E μ(η) = E[1/η] does not exist when η is Gaussian (η reaches 0 with positive "
    "density), so neither does R²; use link='log', whose R² has a closed form."
)
#: The same for a family whose mu is the mean of log y, where log is refused too.
_NO_MEAN_OF_LOG = (
    "E exp(1/η) does not exist when η is Gaussian (η reaches 0 with positive density), so "
    "neither does R²; use the identity link (log-normal means are log-linear already)."
)
#: Response transformations PyMC or Bambi 0.21 cannot apply to a family, and why.
_NO_CDF = "PyMC has no CDF for this distribution, which censoring and truncation need"
_NO_MIXTURE_TRUNCATION = "PyMC cannot truncate a mixture or hurdle distribution"
_WEIGHTED_DRAWS = (
    "Bambi 0.21's weighted likelihood cannot draw responses for this family (drawing "
    "fails with an unexpected-argument TypeError), so predictive checks would fail"
)
_BOUNDED = ("truncated", _NO_MIXTURE_TRUNCATION), ("constrained", _NO_MIXTURE_TRUNCATION)
_NEEDS_CDF = ("censored", _NO_CDF), ("truncated", _NO_CDF), ("constrained", _NO_CDF)
_HURDLE_CENSORED = (
    "PyMC's continuous hurdle distributions give non-finite log-likelihoods to some censored "
    "rows (the point mass at 0 beside a density)"
)
_BINARY = tuple(
    (call, "a 0/1 response has nothing to censor, truncate or weight in Bambi 0.21")
    for call in ("censored", "truncated", "constrained", "weighted")
)
#: Why an identity link has no R² for a positive mean: η ~ N(β₀, W) is negative with
#: positive probability, where the family has no distribution.
_NEGATIVE_MEAN = (
    "the identity link makes the mean η, which is negative with positive probability when "
    "η ~ N(β0, W), where the family has no distribution; use link='log'."
)
_NOT_A_PROBABILITY = (
    "the identity link makes the probability η, which leaves [0, 1] with positive "
    "probability when η ~ N(β0, W); use 'logit', 'probit' or 'cloglog'."
)
_COUNT_BELOW_ONE = (
    "the cloglog link bounds the count's mean below 1 (μ = 1 − exp(−e^η)), which no count "
    "model of this package assumes and whose R² is not implemented; use link='log'."
)
_LOG_OF_LOG = (
    "its mu is the mean of log y, so the log link makes log y's mean e^η and "
    "E y = E exp(e^η + σ²/2), which is infinite when η is Gaussian: R² does not exist. "
    "Use the identity link (a log-normal regression is already log-linear in the mean)."
)
_WALD = (
    "its default link 'inverse_squared' has no R² (E μ(η) = E[η^(-1/2)] does not exist "
    "when η is Gaussian), and with link='log' its variance μ³/λ makes R² rise and then "
    "fall as W grows (towards 0 at both ends), so no prior on W makes R² Beta(a, b). "
    "Use family='gamma' (log link) or 'lognormal' for a positive continuous response."
)

_HURDLE_NB = (
    "its R² is not monotone in W when the dispersion α is small: with α = 0.2, ψ = 0.7 and "
    "β₀ = -3 it reaches 0.163 at W = 3 and falls back to its limit ψα/(1 + α) = 0.117 as W "
    "grows (the zero-truncation inflates the mean of small counts), so no prior on W makes "
    "R² Beta(a, b). Use 'zero_inflated_negativebinomial' (exact, monotone R²) or "
    "'hurdle_poisson'."
)
_ZERO_INFLATED_BINOMIAL = (
    "its R² is not monotone in W: with 20 trials, ψ = 0.7 and β₀ = -3 it reaches 0.586 at "
    "W = 10 and falls towards its limit ψ/(2 - ψ) = 0.538 as W grows (the inflated zeros "
    "dominate once p(η) is near 0 or 1), so no prior on W makes R² Beta(a, b). Use "
    "'beta_binomial' for overdispersed successes out of trials, or 'binomial'."
)
_PER_CATEGORY = (
    "a softmax over categories needs one W and one set of shares φ per non-reference "
    "category (each with the latent R² W_c / (W_c + π²/3)), which this version does not "
    "build yet. For ordered categories use 'cumulative' or 'sratio'; otherwise fit with "
    "Bambi's own priors."
)
_DIRICHLET_MULTINOMIAL = (
    "its log link sets the Dirichlet concentrations a_c = e^(η_c), which fix both the "
    "category means a_c / Σa and the overdispersion Σa: the variance of η does not "
    "decompose the variance of the response, so no R² on η is the response's. Fit with "
    "Bambi's own priors."
)

#: Bambi families refused as a whole, with the reason and what to use instead.
REFUSED_FAMILIES: dict[str, str] = {
    "wald": _WALD,
    "hurdle_negativebinomial": _HURDLE_NB,
    "zero_inflated_binomial": _ZERO_INFLATED_BINOMIAL,
    "categorical": _PER_CATEGORY,
    "multinomial": _PER_CATEGORY,
    "dirichlet_multinomial": _DIRICHLET_MULTINOMIAL,
}


_LATENT = (LOGIT, PROBIT, CLOGLOG)

#: The supported families, by Bambi's name.
FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family(
            "gaussian",
            REAL_LINE,
            IDENTITY,
            (IDENTITY, LOG),
            _location(R.Gaussian),
            refused_links=(("inverse", _NO_MEAN),),
        ),
        Family(
            "poisson",
            COUNTS,
            LOG,
            (LOG,),
            _closed_form(R.Poisson),
            offsets_r2=R.PoissonOffset.from_offsets,
            refused_links=(("identity", _NEGATIVE_MEAN),),
        ),
        Family(
            "negativebinomial",
            COUNTS,
            LOG,
            (LOG,),
            _closed_form(R.NegativeBinomial),
            refused_links=(("identity", _NEGATIVE_MEAN), ("cloglog", _COUNT_BELOW_ONE)),
        ),
        Family(
            "gamma",
            POSITIVE,
            LOG,
            (LOG,),
            _closed_form(R.Gamma),
            refused_links=(("inverse", _NO_MEAN), ("identity", _NEGATIVE_MEAN)),
        ),
        Family(
            "zero_inflated_poisson",
            COUNTS,
            LOG,
            (LOG,),
            _closed_form(R.ZeroInflatedPoisson),
            mean_of_parent=_zero_inflated_mean,
            refused_links=(("identity", _NEGATIVE_MEAN),),
            refused_responses=_BOUNDED,
        ),
        Family(
            "zero_inflated_negativebinomial",
            COUNTS,
            LOG,
            (LOG,),
            _closed_form(R.ZeroInflatedNegativeBinomial),
            mean_of_parent=_zero_inflated_mean,
            refused_links=(("identity", _NEGATIVE_MEAN), ("cloglog", _COUNT_BELOW_ONE)),
            refused_responses=_BOUNDED,
        ),
        Family(
            "bernoulli",
            ZERO_ONE,
            LOGIT,
            _LATENT,
            _binary,
            refused_links=(("identity", _NOT_A_PROBABILITY),),
            refused_responses=_BINARY,
        ),
        Family(
            "binomial",
            SUCCESSES_OF_TRIALS,
            LOGIT,
            _LATENT,
            _binary,
            refused_links=(("identity", _NOT_A_PROBABILITY),),
        ),
        Family("beta", OPEN_UNIT, LOGIT, _LATENT, _beta),
        Family("beta_binomial", SUCCESSES_OF_TRIALS, LOGIT, _LATENT, _beta_binomial),
        Family(
            "hurdle_poisson",
            COUNTS,
            LOG,
            (LOG,),
            _closed_form(HurdlePoisson),
            mean_of_parent=_hurdle_poisson_mean,
            refused_links=(("identity", _NEGATIVE_MEAN),),
            refused_responses=_BOUNDED,
        ),
        Family(
            "hurdle_gamma",
            NON_NEGATIVE,
            LOG,
            (LOG,),
            _closed_form(R.HurdleGamma),
            mean_of_parent=_zero_inflated_mean,
            refused_links=(("inverse", _NO_MEAN), ("identity", _NEGATIVE_MEAN)),
            refused_responses=(*_BOUNDED, ("censored", _HURDLE_CENSORED)),
        ),
        Family(
            "hurdle_lognormal",
            NON_NEGATIVE,
            IDENTITY,
            (IDENTITY,),
            _closed_form(R.HurdleLogNormal),
            mean_of_parent=_mean_of_eta(R.HurdleLogNormal()),
            refused_links=(("log", _LOG_OF_LOG), ("inverse", _NO_MEAN_OF_LOG)),
            refused_responses=(*_BOUNDED, ("censored", _HURDLE_CENSORED)),
        ),
        Family(
            "cumulative",
            ORDERED,
            LOGIT,
            _LATENT,
            _ordinal,
            thresholds=True,
            other_parameters=("threshold",),
        ),
        Family(
            "sratio",
            ORDERED,
            LOGIT,
            _LATENT,
            _ordinal,
            thresholds=True,
            other_parameters=("threshold",),
        ),
        Family(
            "t",
            REAL_LINE,
            IDENTITY,
            (IDENTITY, LOG),
            _location(R.StudentT),
            refused_links=(("inverse", _NO_MEAN),),
            refused_responses=(("weighted", _WEIGHTED_DRAWS),),
        ),
        Family(
            "vonmises",
            CIRCLE,
            IDENTITY,
            (IDENTITY,),
            _closed_form(R.VonMises),
            refused_responses=_NEEDS_CDF,
        ),
        Family(
            "laplace",
            REAL_LINE,
            IDENTITY,
            (IDENTITY, LOG),
            _location(R.Laplace),
            refused_links=(("inverse", _NO_MEAN),),
        ),
        Family(
            "asymmetriclaplace",
            REAL_LINE,
            IDENTITY,
            (IDENTITY, LOG),
            _location(R.AsymmetricLaplace),
            mean_of_parent=_mean_of_eta(R.AsymmetricLaplace()),
            refused_links=(("inverse", _NO_MEAN),),
            refused_responses=_NEEDS_CDF,
        ),
        Family(
            "exgaussian",
            REAL_LINE,
            IDENTITY,
            (IDENTITY, LOG),
            _location(R.ExGaussian),
            mean_of_parent=_mean_of_eta(R.ExGaussian()),
            refused_links=(("inverse", _NO_MEAN),),
            refused_responses=(("weighted", _WEIGHTED_DRAWS),),
        ),
        Family(
            "lognormal",
            POSITIVE,
            IDENTITY,
            (IDENTITY,),
            _closed_form(R.LogNormal),
            mean_of_parent=_mean_of_eta(R.LogNormal()),
            refused_links=(("log", _LOG_OF_LOG), ("inverse", _NO_MEAN_OF_LOG)),
        ),
        Family(
            "exponential",
            POSITIVE,
            LOG,
            (LOG,),
            _closed_form(R.Exponential),
            refused_links=(("inverse", _NO_MEAN), ("identity", _NEGATIVE_MEAN)),
        ),
        Family(
            "weibull",
            POSITIVE,
            LOG,
            (LOG,),
            _closed_form(R.Weibull),
            refused_links=(("inverse", _NO_MEAN), ("identity", _NEGATIVE_MEAN)),
        ),
    )
}


def get_family(name: Any) -> Family:
    """The :class:`Family` called ``name``, or a :class:`FamilyError` listing the others.

    Examples
    --------
    >>> get_family("poisson").default_link.name
    'log'
    """
    if isinstance(name, str) and name in FAMILIES:
        return FAMILIES[name]
    if isinstance(name, str) and name in REFUSED_FAMILIES:
        raise UnsupportedError(f"family {name!r} is not supported: {REFUSED_FAMILIES[name]}")
    said = did_you_mean(name, FAMILIES)
    raise FamilyError(f"family must be one of {', '.join(sorted(FAMILIES))}; got {name!r}{said}.")


def family_r2(family: str, link: str | None = None, trials: float = 1.0) -> R.FamilyR2:
    """The R² calculator of a family and link, by name.

    Examples
    --------
    >>> from r2d2_formula._families import family_r2
    >>> family_r2("bernoulli", "probit").link
    'probit'
    """
    found = get_family(family)
    return found.r2(found.link(link), trials=trials)
