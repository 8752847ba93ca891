"""Names for the objects this package passes around but whose types it cannot state.

Bambi, PyMC and formulae ship no type information, so their objects are ``Any`` to a type
checker; each alias says which object is meant. PyTensor variables and NumPy arrays flow
through the same R² formulas (``ops`` picks the backend), so they share :data:`Tensor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "BambiModel",
    "BambiPrior",
    "BambiTerm",
    "Dims",
    "FormulaeNode",
    "PyMCModel",
    "RandomSeed",
    "Tensor",
]

#: A seed as NumPy and PyMC accept it.
type RandomSeed = int | Sequence[int] | np.random.Generator | None
#: A ``bambi.Model``.
type BambiModel = Any
#: A ``bambi.Prior``.
type BambiPrior = Any
#: A Bambi model component or term (``model.parameters[...]``, ``common_terms[...]``).
type BambiTerm = Any
#: A ``pymc.Model``.
type PyMCModel = Any
#: An object of formulae's: a token, parsed expression, term, call, value or design matrix.
type FormulaeNode = Any
#: A PyTensor variable or a NumPy array, as the R² formulas take them under ``ops``.
type Tensor = Any
#: The ``dims`` Bambi passes to a prior callable: a dimension name, several, or none.
type Dims = str | tuple[str, ...] | None
