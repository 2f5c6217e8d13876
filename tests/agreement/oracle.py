"""A naive Krippendorff's alpha, written from the definitions as an oracle for the engine.

Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": build the coincidence matrix
o_ck from every ordered pair of distinct judgments of every pairable item (weight 1 / (m_u - 1)),
take the marginals n_c, and sum the squared metric differences over the values x values cells.
Dictionaries and Python loops, no closed forms: slow, and independent of the engine's algebra.
"""

from __future__ import annotations

import math
from collections import defaultdict


def _units(items, values) -> list[list]:
    """The values of each pairable item (>= 2 judgments), missing items and values dropped."""
    by_item: dict = defaultdict(list)
    for item, value in zip(items, values):
        if item is None or value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        by_item[item].append(value)
    return [values for values in by_item.values() if len(values) >= 2]


def coincidences(units: list[list]) -> dict:
    """o_ck for every ordered pair of values (c, k), c == k included."""
    matrix: dict = defaultdict(float)
    for unit in units:
        for i, c in enumerate(unit):
            for j, k in enumerate(unit):
                if i != j:
                    matrix[c, k] += 1.0 / (len(unit) - 1)
    return matrix


def oracle_alpha(items, values, level: str, reference=None) -> float:
    """Alpha of a long table given as two sequences; ``reference`` = (items, values) for D_e.

    Returns nan when undefined (no pairable value, fewer than two reference values, D_e == 0).
    """
    observed = coincidences(_units(items, values))
    expected_source = observed if reference is None else coincidences(_units(*reference))
    marginals: dict = defaultdict(float)
    for (c, _), weight in expected_source.items():
        marginals[c] += weight
    n = sum(observed.values())
    n_ref = sum(marginals.values())
    ordered = sorted(marginals)
    if level == "ordinal":  # frequencies of the reference values from the lowest up to each
        running, up_to = 0.0, {}
        for g in ordered:
            running += marginals[g]
            up_to[g] = running

    def delta2(c, k) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return float(c - k) ** 2
        if level == "ratio":
            return 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2
        low, high = min(c, k), max(c, k)  # ordinal: reference values from low to high
        between = up_to[high] - up_to[low] + marginals[low]
        return (between - (marginals.get(c, 0.0) + marginals.get(k, 0.0)) / 2) ** 2

    if n < 1 or n_ref < 2:
        return math.nan
    d_o = sum(weight * delta2(c, k) for (c, k), weight in observed.items()) / n
    d_e = sum(marginals[c] * marginals[k] * delta2(c, k) for c in ordered for k in ordered)
    d_e /= n_ref * (n_ref - 1)
    if not d_e > 0:
        return math.nan
    return 1.0 - d_o / d_e
