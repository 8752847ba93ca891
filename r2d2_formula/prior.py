"""The R2D2 prior specification: what the user believes, validated, with no PyMC.

``R2D2`` only records and checks the user's choices. Turning them into PyMC
variables is the job of :mod:`r2d2_formula.inject` and :mod:`r2d2_formula.wprior`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real

import numpy as np

from r2d2_formula import _html
from r2d2_formula.errors import PriorError

__all__ = ["METHODS", "R2D2"]

#: The W-prior methods, see ``R2D2.method``.
METHODS = ("exact", "gbp", "linear")
#: Defaults of the prior, in one place (the CLI reads them too).
DEFAULT_R2_MEAN = 0.5
DEFAULT_R2_PRECISION = 2.0
DEFAULT_CONCENTRATION = 1.0
DEFAULT_METHOD = "exact"

Concentration = float | Mapping[str, float] | Sequence[float]


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
    """The R2D2 prior: R² ~ Beta(a, b), shared among components by a Dirichlet.

    Parameters
    ----------
    r2_mean : float, optional
        Prior mean of R² (of R²/R²max for families whose R² is bounded, such as
        gamma and negativebinomial), in (0, 1). Default 0.5.
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

    Examples
    --------
    >>> import r2d2_formula as rf
    >>> rf.R2D2()
    R2D2(a=1, b=1, concentration=1, method='exact')
    >>> rf.R2D2(r2_mean=0.25, r2_precision=4).b
    3.0
    >>> rf.R2D2(a=2, b=5).r2_mean
    0.2857142857142857
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

    @property
    def r2_mean(self) -> float:
        """Prior mean of R² (relative to R²max where bounded)."""
        return self.a / (self.a + self.b)

    @property
    def r2_precision(self) -> float:
        """a + b of the Beta prior on R²."""
        return self.a + self.b

    def _key(self) -> tuple:
        concentration = self.concentration
        if isinstance(concentration, Mapping):
            concentration = tuple(sorted(concentration.items()))
        return (self.a, self.b, concentration, self.method, self.autoscale)

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
            ("Shares φ", f"Dirichlet({_fmt(self.concentration)})"),
            ("W prior", self.method),
        ]
        if not self.autoscale:
            lines.append(("Autoscale", "off"))
        return _html.card("R2D2 prior", lines)

    def __repr__(self) -> str:
        extra = "" if self.autoscale else ", autoscale=False"
        return (
            f"R2D2(a={self.a:g}, b={self.b:g}, concentration={_fmt(self.concentration)}, "
            f"method={self.method!r}{extra})"
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
