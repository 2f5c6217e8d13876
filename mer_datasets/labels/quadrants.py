"""Russell quadrants from normalized arousal/valence, with an explicit policy for axis points.

Convention (4QAED; Panda et al. 2018, after Russell 1980): Q1 arousal+ valence+, Q2 arousal+
valence-, Q3 arousal- valence-, Q4 arousal- valence+. The quadrant depends only on the signs, so
it can be read from any scale once it is centred (see :mod:`.scales`).

A point exactly on an axis (arousal == 0 or valence == 0, e.g. a 5 on a 1-9 scale) belongs to no
quadrant. It is never silently assigned; the policy says what happens:

``on_axis="missing"`` (default)
    no quadrant: label ``None``, probability NaN, no distribution.
``on_axis="split"``
    the probability is split equally between the adjacent quadrants: (A=0, V>0) -> Q1 0.5, Q4 0.5;
    (A>0, V=0) -> Q1 0.5, Q2 0.5; the origin -> 0.25 each. The label is ``None`` (a tie has no
    winner) and the probability is the largest share; the full distribution says where the mass is.

Missing inputs (NaN) give a missing quadrant under both policies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import LabelMappingError

QUADRANTS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")
OnAxisPolicy = Literal["missing", "split"]
ON_AXIS_POLICIES: tuple[str, ...] = ("missing", "split")

# sign(arousal), sign(valence) -> quadrant
_BY_SIGNS = {(1, 1): "Q1", (1, -1): "Q2", (-1, -1): "Q3", (-1, 1): "Q4"}


@dataclass(frozen=True)
class QuadrantAssignment:
    """A quadrant label (``None`` when missing or tied), its probability and the distribution."""

    label: str | None
    probability: float
    distribution: dict[str, float] | None = field(default=None)


def check_policy(on_axis: str) -> None:
    if on_axis not in ON_AXIS_POLICIES:
        raise LabelMappingError(
            f"on_axis={on_axis!r} is not a quadrant policy; use one of {', '.join(ON_AXIS_POLICIES)}"
        )


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def quadrant_distribution(
    arousal: float, valence: float, *, on_axis: OnAxisPolicy = "missing"
) -> dict[str, float] | None:
    """P(quadrant) of one point (all four keys), or ``None`` when the point has no quadrant."""
    check_policy(on_axis)
    if arousal is None or valence is None or math.isnan(arousal) or math.isnan(valence):
        return None
    a_signs = (_sign(arousal),) if arousal != 0 else (1, -1)
    v_signs = (_sign(valence),) if valence != 0 else (1, -1)
    on_an_axis = len(a_signs) * len(v_signs) > 1
    if on_an_axis and on_axis == "missing":
        return None
    share = 1.0 / (len(a_signs) * len(v_signs))
    distribution = dict.fromkeys(QUADRANTS, 0.0)
    for a in a_signs:
        for v in v_signs:
            distribution[_BY_SIGNS[(a, v)]] += share
    return distribution


def best_of(distribution: dict[str, float] | None) -> tuple[str | None, float]:
    """The unique most probable key and its probability; ``(None, max)`` on a tie."""
    if not distribution:
        return None, math.nan
    top = max(distribution.values())
    winners = [key for key, p in distribution.items() if p == top]
    return (winners[0] if len(winners) == 1 else None), top


def quadrant_of(
    arousal: float,
    valence: float,
    *,
    on_axis: OnAxisPolicy = "missing",
    with_distribution: bool = False,
) -> QuadrantAssignment:
    """The Russell quadrant of a point given in the normalized range [-1, 1].

    >>> quadrant_of(0.3, -0.2).label
    'Q2'
    >>> quadrant_of(0.0, 0.4).label is None
    True
    >>> quadrant_of(0.0, 0.4, on_axis="split", with_distribution=True).distribution["Q4"]
    0.5
    """
    distribution = quadrant_distribution(arousal, valence, on_axis=on_axis)
    label, probability = best_of(distribution)
    return QuadrantAssignment(label, probability, distribution if with_distribution else None)


def quadrant_arrays(arousal: Any, valence: Any, *, on_axis: OnAxisPolicy = "missing") -> Any:
    """Vectorized :func:`quadrant_distribution`: an ``(n, 4)`` float array (rows of NaN = none)."""
    import numpy as np

    check_policy(on_axis)
    a = np.asarray(arousal, dtype="float64")
    v = np.asarray(valence, dtype="float64")
    a_pos, a_neg, a_zero = a > 0, a < 0, a == 0
    v_pos, v_neg, v_zero = v > 0, v < 0, v == 0
    # weight of each side of each axis: 1 on the side, 0.5 each on the axis
    wa_pos = np.where(a_pos, 1.0, np.where(a_zero, 0.5, 0.0))
    wa_neg = np.where(a_neg, 1.0, np.where(a_zero, 0.5, 0.0))
    wv_pos = np.where(v_pos, 1.0, np.where(v_zero, 0.5, 0.0))
    wv_neg = np.where(v_neg, 1.0, np.where(v_zero, 0.5, 0.0))
    out = np.column_stack([wa_pos * wv_pos, wa_pos * wv_neg, wa_neg * wv_neg, wa_neg * wv_pos])
    missing = np.isnan(a) | np.isnan(v)
    if on_axis == "missing":
        missing |= a_zero | v_zero
    out[missing] = np.nan
    return out
