"""Dimensional ratings to the common range [-1, 1] and back.

Why one range: DEAM and emoMusic rate on 1-9, DEAP on 1-9, PMEmo on [0, 1], AMG1608 on
[-1, 1], CH818 on [-10, 10], TROMPA-MER answers -1/+1. Pooling or comparing them needs one
range, and the mapping must be exactly invertible so that nothing is lost.

The transform is the affine map that sends the declared minimum to -1 and the maximum to +1::

    norm = ((x - min) - (max - x)) / (max - min)
    x    = ((1 - norm) * min + (1 + norm) * max) / 2

Both are written symmetrically so that the endpoints and the midpoint map exactly (no rounding)
in both directions, and a round trip is exact to a few units in the last place of the scale's
span. It uses the *declared* range of the catalog (``Dimension.min`` / ``max``), never the
observed one: a dataset whose raters never used the extremes keeps its compressed spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import LabelMappingError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..catalog import Dimension

ArrayLike = Any  # float, numpy array or pandas Series


@dataclass(frozen=True)
class Scale:
    """A declared numeric range ``[minimum, maximum]`` (inclusive) of one rating dimension."""

    minimum: float
    maximum: float
    name: str = "?"

    def __post_init__(self) -> None:
        low, high = float(self.minimum), float(self.maximum)
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise LabelMappingError(
                f"dimension {self.name!r}: a scale needs finite min < max, got min={self.minimum!r} "
                f"max={self.maximum!r}; fix the dimension's min/max in catalog.yaml"
            )

    @property
    def span(self) -> float:
        return float(self.maximum) - float(self.minimum)

    def to_unit(self, raw: ArrayLike) -> ArrayLike:
        """Raw values on this scale -> [-1, 1] (values outside the range map outside [-1, 1])."""
        low, high = float(self.minimum), float(self.maximum)
        return ((raw - low) - (high - raw)) / (high - low)

    def from_unit(self, norm: ArrayLike) -> ArrayLike:
        """[-1, 1] -> raw values on this scale (the exact inverse of :meth:`to_unit`)."""
        low, high = float(self.minimum), float(self.maximum)
        return ((1 - norm) * low + (1 + norm) * high) / 2

    def spread_to_unit(self, raw_spread: ArrayLike) -> ArrayLike:
        """A spread (standard deviation, range) on this scale -> the same spread on [-1, 1].

        A spread is a difference of values, so only the scale factor ``2 / (max - min)`` applies.
        """
        return raw_spread * (2.0 / self.span)

    def spread_from_unit(self, norm_spread: ArrayLike) -> ArrayLike:
        return norm_spread * (self.span / 2.0)


def scale_of(dimension: Dimension, dataset: str | None = None) -> Scale:
    """The declared scale of a catalog dimension; refuses a dimension without a numeric range."""
    where = f"dataset {dataset!r}, " if dataset else ""
    minimum = getattr(dimension, "min", None)
    maximum = getattr(dimension, "max", None)
    if minimum is None or maximum is None:
        raise LabelMappingError(
            f"{where}dimension {dimension.name!r} (scale {getattr(dimension, 'scale', '?')!r}) has no "
            "numeric range (min/max) in the catalog, so it cannot be mapped to [-1, 1]; declare "
            "`min:` and `max:` for it in catalog.yaml"
        )
    return Scale(float(minimum), float(maximum), name=dimension.name)


def to_unit(values: ArrayLike, dimension: Dimension, dataset: str | None = None) -> ArrayLike:
    """Raw ratings of ``dimension`` -> [-1, 1]; see :class:`Scale`."""
    return scale_of(dimension, dataset).to_unit(values)


def from_unit(values: ArrayLike, dimension: Dimension, dataset: str | None = None) -> ArrayLike:
    """[-1, 1] -> raw ratings of ``dimension``; see :class:`Scale`."""
    return scale_of(dimension, dataset).from_unit(values)


def has_numeric_range(dimension: Dimension) -> bool:
    return (
        getattr(dimension, "min", None) is not None and getattr(dimension, "max", None) is not None
    )


def as_float_array(values: ArrayLike) -> np.ndarray:
    """Any numeric column (including pandas nullable Float64 with NA) as a float array with NaN."""
    import numpy as np
    import pandas as pd

    return (
        pd.to_numeric(pd.Series(values), errors="coerce")
        .astype("float64")
        .to_numpy(na_value=np.nan)
    )
