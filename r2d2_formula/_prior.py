"""The R2D2 prior specification: what the user believes, validated, with no PyMC.

``R2D2`` only records and checks the user's choices. Turning them into PyMC
variables is the job of :mod:`r2d2_formula._bambi` and :mod:`r2d2_formula._wprior`;
the logistic-normal shares are described in :mod:`r2d2_formula._shares`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from r2d2_formula import _html
from r2d2_formula._errors import PriorError, did_you_mean
from r2d2_formula._shares import SHARES, LogisticNormal

__all__ = ["METHODS", "R2D2"]

#: The W-prior methods, see ``R2D2.method``.
METHODS = ("exact", "gbp", "linear")
#: Defaults of the prior, in one place (the CLI reads them too).
DEFAULT_R2_MEAN = 0.5
DEFAULT_R2_PRECISION = 2.0
DEFAULT_CONCENTRATION = 1.0
DEFAULT_METHOD = "exact"
DEFAULT_SHARES = "dirichlet"
#: LKJ shape of the correlation matrix of the group effects in one (expr|factor).
DEFAULT_LKJ_ETA = 1.0

Concentration = float | Mapping[str, float] | Sequence[float]
Shares = str | LogisticNormal


def _positive_finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise PriorError(f"{name} must be a positive number, got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise PriorError(f"{name} must be a positive finite number, got {value!r}.")
    return value


def _check_concentration(value: object) -> Concentration:
    if isinstance(value, Mapping):
        if not value:
            raise PriorError("concentration mapping is empty; give at least one term.")
        checked = {}
        for term, xi in value.items():
            if not isinstance(term, str):
                raise PriorError(f"concentration keys must be term names, got {term!r}.")
            checked[term] = _positive_finite(f"concentration[{term!r}]", xi)
        return checked
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
        values = tuple(_positive_finite(f"concentration[{i}]", xi) for i, xi in enumerate(value))
        if not values:
            raise PriorError("concentration sequence is empty; give one value per component.")
        return values
    return _positive_finite("concentration", value)


class R2D2:
    """The R2D2 prior: R² ~ Beta(a, b), shared among components by a Dirichlet (or not).

    Parameters
    ----------
    r2_mean : float, optional
        Prior mean of R² (of R²/R²max for families whose R² is bounded, such as
        gamma, negativebinomial, lognormal, exponential and weibull), in (0, 1).
        Default 0.5.
    r2_precision : float, optional
        Prior precision a + b of the Beta distribution, > 0. Default 2, which with
        the default mean gives Beta(1, 1): uniform R².
    concentration : float, mapping or sequence, optional
        Dirichlet concentration ξ of the component shares φ. A scalar applies to
        every component; a mapping from term name (``"x1"``, ``"1|g"``, or a
        column such as ``"C(a)[b]"``) to value overrides single terms (the rest
        get 1); a sequence gives one value per component in model order.
        Smaller values favour sparse allocations. Default 1.
    method : {"exact", "gbp", "linear"}, optional
        How the prior on the global variance W is built. ``"exact"`` (default)
        makes R² follow Beta(a, b) exactly given the intercept and family
        parameters; ``"gbp"`` is the paper's generalized beta prime fitted at
        the intercept ``g(mean(y))``; ``"linear"`` is the delta-method
        approximation.
    a, b : float, optional
        The Beta parameters directly, instead of ``r2_mean`` and ``r2_precision``.
        Give both or neither, and not together with mean/precision.
    autoscale : bool, optional
        Divide each component's prior variance by the variance of its design
        column so that its share of Var(η) is φ·W. Default True.
    shares : {"dirichlet", "logistic-normal"} or LogisticNormal, optional
        The distribution of the shares φ. ``"dirichlet"`` (default): φ ~
        Dirichlet(concentration). A :class:`~r2d2_formula.LogisticNormal`: the GDR2
        prior's logistic-normal shares, with means, SDs and correlations of the
        components' log-weights of your choosing (then ``concentration`` is not
        used). ``"logistic-normal"``: the logistic-normal closest to
        Dirichlet(concentration) (:meth:`LogisticNormal.from_dirichlet`, resolved
        when the model's components are known). W's prior, and so R²'s, is the same
        whatever the shares.
    lkj_eta : float or None, optional
        Group effects written in one ``(expr|factor)``, such as ``(1 + x|g)``, are
        correlated, as in lme4 and brms: their correlation matrix has an LKJ(η) prior,
        η = ``lkj_eta`` (default 1, uniform over correlation matrices, brms's default).
        Their SDs still come from the R2D2 decomposition, rescaled so that the block's
        share of Var(η) is what φ and W give whatever the correlation (R² stays exact).
        ``None`` makes every group effect independent, as Bambi does; ``(x||g)`` does so
        for one term.

    Examples
    --------
    >>> import r2d2_formula as rf
    >>> rf.R2D2()
    R2D2(a=1, b=1, concentration=1, method='exact')
    >>> rf.R2D2(r2_mean=0.25, r2_precision=4).b
    3.0
    >>> rf.R2D2(a=2, b=5).r2_mean
    0.2857142857142857
    >>> rf.R2D2(shares="logistic-normal")
    R2D2(a=1, b=1, concentration=1, shares='logistic-normal', method='exact')
    """

    def __init__(
        self,
        r2_mean: float | None = None,
        r2_precision: float | None = None,
        concentration: Concentration = DEFAULT_CONCENTRATION,
        method: str = DEFAULT_METHOD,
        *,
        a: float | None = None,
        b: float | None = None,
        autoscale: bool = True,
        shares: Shares = DEFAULT_SHARES,
        lkj_eta: float | None = DEFAULT_LKJ_ETA,
    ) -> None:
        self.a, self.b = _beta_parameters(r2_mean, r2_precision, a, b)
        self.concentration = _check_concentration(concentration)
        if method not in METHODS:
            raise PriorError(
                f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}."
            )
        self.method = method
        if not isinstance(autoscale, bool):
            raise PriorError(f"autoscale must be True or False, got {autoscale!r}.")
        self.autoscale = autoscale
        self.shares = _check_shares(shares, self.concentration)
        self.lkj_eta = None if lkj_eta is None else _positive_finite("lkj_eta", lkj_eta)

    @property
    def r2_mean(self) -> float:
        """Prior mean of R² (relative to R²max where bounded)."""
        return self.a / (self.a + self.b)

    @property
    def r2_precision(self) -> float:
        """a + b of the Beta prior on R²."""
        return self.a + self.b

    def _key(self) -> tuple:
        concentration: object = self.concentration
        if isinstance(self.concentration, Mapping):
            concentration = tuple(sorted(self.concentration.items()))
        return (
            self.a,
            self.b,
            concentration,
            self.method,
            self.autoscale,
            self.shares,
            self.lkj_eta,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, R2D2) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _repr_html_(self) -> str:
        lines = [
            (
                "R²",
                f"Beta({self.a:g}, {self.b:g}): mean {self.r2_mean:.3g}, precision "
                f"{self.r2_precision:g}",
            ),
            ("Shares φ", self.shares_text),
            ("W prior", self.method),
        ]
        if not self.autoscale:
            lines.append(("Autoscale", "off"))
        lines.append(("Group correlations", self.correlation_text))
        return _html.card("R2D2 prior", lines)

    @property
    def correlation_text(self) -> str:
        """The prior of the group effects' correlations, in words (for reports)."""
        if self.lkj_eta is None:
            return "none (independent effects)"
        return f"LKJ({self.lkj_eta:g}) within each (expr|factor)"

    def __repr__(self) -> str:
        extra = "" if self.autoscale else ", autoscale=False"
        if self.lkj_eta != DEFAULT_LKJ_ETA:
            extra += f", lkj_eta={self.lkj_eta if self.lkj_eta is None else f'{self.lkj_eta:g}'}"
        if isinstance(self.shares, LogisticNormal):
            shares = f"shares={self.shares!r}"
        else:
            shares = f"concentration={_fmt(self.concentration)}"
            if self.shares != DEFAULT_SHARES:
                shares += f", shares={self.shares!r}"
        return f"R2D2(a={self.a:g}, b={self.b:g}, {shares}, method={self.method!r}{extra})"

    @property
    def shares_text(self) -> str:
        """The distribution of the shares φ, in words (for reports).

        Examples
        --------
        >>> import r2d2_formula as rf
        >>> rf.R2D2(concentration=0.5, shares="logistic-normal").shares_text
        'logistic-normal matched to Dirichlet(0.5)'
        """
        if isinstance(self.shares, LogisticNormal):
            return repr(self.shares)
        dirichlet = f"Dirichlet({_fmt(self.concentration)})"
        return (
            dirichlet if self.shares == "dirichlet" else f"logistic-normal matched to {dirichlet}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (for saving a fit); :meth:`from_dict` rebuilds the prior.

        A Dirichlet prior gives the keys ``a``, ``b``, ``concentration``, ``method`` and
        ``autoscale``; other shares add ``shares``.

        Examples
        --------
        >>> import json, r2d2_formula as rf
        >>> prior = rf.R2D2(a=2, b=3, shares=rf.LogisticNormal(corr={("x1", "x2"): 0.6}))
        >>> rf.R2D2.from_dict(json.loads(json.dumps(prior.to_dict()))) == prior
        True
        """
        concentration = self.concentration
        if isinstance(concentration, tuple):
            concentration = list(concentration)
        elif isinstance(concentration, Mapping):
            concentration = dict(concentration)
        out: dict[str, Any] = {
            "a": self.a,
            "b": self.b,
            "concentration": concentration,
            "method": self.method,
            "autoscale": self.autoscale,
            "lkj_eta": self.lkj_eta,
        }
        if isinstance(self.shares, LogisticNormal):
            out["shares"] = {"logistic-normal": self.shares.to_dict()}
        elif self.shares != DEFAULT_SHARES:
            out["shares"] = self.shares
        return out

    @classmethod
    def from_interval(cls, lower: float, upper: float, mass: float = 0.9, **options: Any) -> R2D2:
        """The prior whose R² is the maximum-entropy Beta with ``mass`` in [lower, upper].

        For "R² is probably between 0.1 and 0.5": PreliZ's ``maxent`` finds the Beta(a, b)
        of largest entropy with P(lower ≤ R² ≤ upper) = ``mass``. For families whose R² is
        bounded (see :attr:`r2_mean`) the interval is of R²/R²max.

        Parameters
        ----------
        lower, upper : float
            The interval, 0 ≤ lower < upper ≤ 1 and not the whole of [0, 1].
        mass : float
            Prior probability of the interval, in (0, 1). Default 0.9.
        **options
            The other arguments of :class:`R2D2` (``concentration``, ``method``, ...).

        Examples
        --------
        >>> import r2d2_formula as rf
        >>> prior = rf.R2D2.from_interval(0.1, 0.5, mass=0.9)
        >>> round(prior.a, 2), round(prior.b, 2)
        (3.87, 8.87)
        """
        lower, upper = _probability("lower", lower), _probability("upper", upper)
        mass = _probability("mass", mass)
        if not lower < upper or (lower, upper) == (0.0, 1.0) or mass in (0.0, 1.0):
            raise PriorError(
                "from_interval needs 0 <= lower < upper <= 1, not the whole of [0, 1], and "
                f"0 < mass < 1; got lower={lower!r}, upper={upper!r}, mass={mass!r}."
            )
        import preliz

        beta = preliz.Beta()
        preliz.maxent(beta, lower, upper, mass, plot=False)
        found = float(beta.cdf(upper) - beta.cdf(lower))
        if abs(found - mass) > 1e-3:
            raise PriorError(
                f"no Beta puts mass {mass:g} on [{lower:g}, {upper:g}] (the closest has "
                f"{found:.4g}); widen the interval or lower the mass."
            )
        return cls(a=float(beta.alpha), b=float(beta.beta), **options)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> R2D2:
        """The prior :meth:`to_dict` describes (a missing ``shares`` means the Dirichlet)."""
        spec = dict(spec)
        # Fits saved before correlated group effects existed had independent effects.
        spec.setdefault("lkj_eta", None)
        shares = spec.pop("shares", DEFAULT_SHARES)
        if isinstance(shares, Mapping):
            shares = LogisticNormal.from_dict(shares["logistic-normal"])
        return cls(**spec, shares=shares)


def _check_shares(shares: object, concentration: Concentration) -> Shares:
    if isinstance(shares, LogisticNormal):
        if concentration != DEFAULT_CONCENTRATION:
            raise PriorError(
                f"concentration={_fmt(concentration)} belongs to the Dirichlet and is not used "
                f"by shares={shares!r}; leave it out, or use shares='logistic-normal' for the "
                "logistic-normal matched to that Dirichlet."
            )
        return shares
    if isinstance(shares, str) and shares in SHARES:
        return shares
    raise PriorError(
        f"shares must be one of {', '.join(map(repr, SHARES))} or a LogisticNormal; got "
        f"{shares!r}{did_you_mean(shares, SHARES)}."
    )


def _fmt(concentration: Concentration) -> str:
    if isinstance(concentration, float):
        return f"{concentration:g}"
    return repr(concentration)


def _beta_parameters(
    r2_mean: float | None, r2_precision: float | None, a: float | None, b: float | None
) -> tuple[float, float]:
    if a is not None or b is not None:
        if r2_mean is not None or r2_precision is not None:
            raise PriorError(
                "give either r2_mean/r2_precision or a/b, not both "
                f"(got r2_mean={r2_mean!r}, r2_precision={r2_precision!r}, a={a!r}, b={b!r})."
            )
        if a is None or b is None:
            raise PriorError(f"give both a and b (got a={a!r}, b={b!r}).")
        return _positive_finite("a", a), _positive_finite("b", b)
    mean = DEFAULT_R2_MEAN if r2_mean is None else r2_mean
    if isinstance(mean, bool) or not isinstance(mean, Real) or not 0 < float(mean) < 1:
        raise PriorError(f"r2_mean must lie strictly between 0 and 1, got {mean!r}.")
    precision = _positive_finite(
        "r2_precision", DEFAULT_R2_PRECISION if r2_precision is None else r2_precision
    )
    return float(mean) * precision, (1 - float(mean)) * precision


def _probability(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= float(value) <= 1:
        raise PriorError(f"{name} must be a number in [0, 1], got {value!r}.")
    return float(value)
