"""Probabilistic mappings between label spaces: categories, quadrants and arousal/valence points.

Three mappings, each returning a full distribution with its normalized entropy and an
``ambiguous`` flag, so that a convention is never passed off as a fact:

1. **category -> P(quadrant)**: the category's quadrant distribution from its vocabulary file.
2. **point -> P(category)** for a target vocabulary: a softmax over negative squared distances
   to the coordinates of the vocabulary's *placed* categories,
   ``P(c | a, v) = exp(-d_c^2 / T) / sum_k exp(-d_k^2 / T)`` with
   ``d_c^2 = (a - a_c)^2 + (v - v_c)^2`` in the normalized plane and temperature ``T``
   (default :data:`DEFAULT_TEMPERATURE` = 0.25: a point on a quadrant centroid gives ~0.96 to a
   category at that centroid against categories at the neighbouring centroids, distance 1).
   Small ``T`` approaches nearest-category assignment, large ``T`` the uniform distribution.
3. **category of A -> P(category of B)** through the quadrants:
   ``P(b | a) = sum_q P(q | a) * P(b | q)`` with ``P(b | q) = P(q | b) / sum_b' P(q | b')``
   (Bayes' rule over B's quadrant distributions with a uniform prior over B's placed
   categories). Quadrants where no category of B has mass cannot carry probability: that mass is
   dropped and the rest renormalized; if nothing remains, the mapping is undefined (``None``).

Normalized entropy is ``H / ln K`` with ``H = -sum p ln p`` (natural log) and ``K`` the size of
the outcome space (4 for quadrants, the number of placed categories for a vocabulary); 0 = all
mass on one outcome, 1 = uniform. ``ambiguous`` is true when the normalized entropy reaches
``ambiguity_threshold`` (default 0.5, the value of an equal split between two of four quadrants)
or when the source category is marked ``ambiguous`` in its vocabulary file, or when the
best outcome is tied (then ``label`` is ``None``: a tie has no winner).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import LabelMappingError
from .defaults import DEFAULT_AMBIGUITY_THRESHOLD, DEFAULT_TEMPERATURE
from .quadrants import QUADRANTS, best_of
from .vocabulary import Category, Vocabulary, load_vocabulary


@dataclass(frozen=True)
class MappedDistribution:
    """A mapped value: the distribution, its best label (``None`` on a tie), entropy, ambiguity."""

    distribution: dict[str, float]
    label: str | None
    probability: float
    entropy: float
    ambiguous: bool
    retained: float = 1.0  # share of the source mass that found a target (A -> B mappings)


def normalized_entropy(probabilities: Any, outcomes: int) -> float:
    """Shannon entropy (natural log) divided by ``ln(outcomes)``; 0 when ``outcomes <= 1``."""
    if outcomes <= 1:
        return 0.0
    total = 0.0
    for p in probabilities:
        if p > 0:
            total -= p * math.log(p)
    return max(0.0, total / math.log(outcomes))


def _check_threshold(threshold: float) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise LabelMappingError(f"ambiguity_threshold must be in [0, 1], got {threshold!r}")


def _mapped(
    distribution: dict[str, float],
    outcomes: int,
    threshold: float,
    flagged: bool = False,
    retained: float = 1.0,
) -> MappedDistribution:
    label, probability = best_of(distribution)
    entropy = normalized_entropy(distribution.values(), outcomes)
    ambiguous = flagged or entropy >= threshold or label is None
    return MappedDistribution(distribution, label, probability, entropy, ambiguous, retained)


def _vocabulary(vocabulary: Vocabulary | str) -> Vocabulary:
    return load_vocabulary(vocabulary) if isinstance(vocabulary, str) else vocabulary


def category_quadrants(
    label: Any,
    vocabulary: Vocabulary | str,
    *,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
) -> MappedDistribution | None:
    """P(quadrant) of a category (``None`` when it is unplaced)."""
    _check_threshold(ambiguity_threshold)
    category = _vocabulary(vocabulary).category(label)
    if not category.placed or category.distribution is None:
        return None
    return _mapped(
        dict(category.distribution), len(QUADRANTS), ambiguity_threshold, category.ambiguous
    )


def quadrant_to_categories(
    quadrant_distribution: Mapping[str, float],
    target: Vocabulary | str,
    *,
    exclude_bases: Collection[str] = (),
) -> dict[str, float] | None:
    """P(b) = sum_q P(q) P(b|q) over the placed categories of ``target`` (see module docstring)."""
    categories = _vocabulary(target).placed(exclude_bases)
    if not categories:
        return None
    out = dict.fromkeys((c.id for c in categories), 0.0)
    for quadrant, p_quadrant in quadrant_distribution.items():
        if not p_quadrant:
            continue
        column = {c.id: (c.distribution or {}).get(quadrant, 0.0) for c in categories}
        norm = sum(column.values())
        if norm <= 0:
            continue  # no category of the target lives in this quadrant: the mass is dropped
        for cid, p_q_given_b in column.items():
            out[cid] += p_quadrant * p_q_given_b / norm
    total = sum(out.values())
    if total <= 0:
        return None
    return {cid: p / total for cid, p in out.items()}


def retained_mass(
    quadrant_distribution: Mapping[str, float],
    target: Vocabulary | str,
    *,
    exclude_bases: Collection[str] = (),
) -> float:
    """Share of ``quadrant_distribution`` in quadrants where ``target`` has at least one category."""
    categories = _vocabulary(target).placed(exclude_bases)
    occupied = {q for c in categories for q, p in (c.distribution or {}).items() if p > 0}
    return float(sum(p for q, p in quadrant_distribution.items() if q in occupied))


def category_to_vocabulary(
    label: Any,
    source: Vocabulary | str,
    target: Vocabulary | str,
    *,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
    exclude_bases: Collection[str] = (),
) -> MappedDistribution | None:
    """A category of ``source`` as a distribution over the placed categories of ``target``.

    Within one vocabulary the mapping is the identity. ``None`` when the category is unplaced or
    no quadrant it occupies holds a category of the target.
    """
    _check_threshold(ambiguity_threshold)
    source_vocabulary, target_vocabulary = _vocabulary(source), _vocabulary(target)
    category = source_vocabulary.category(label)
    if source_vocabulary.id == target_vocabulary.id:
        return _mapped(
            {category.id: 1.0},
            max(1, len(target_vocabulary.placed(exclude_bases))),
            ambiguity_threshold,
            category.ambiguous,
        )
    if not category.placed or category.distribution is None:
        return None
    if category.bases() and category.bases() <= set(exclude_bases):
        return None
    distribution = quadrant_to_categories(
        category.distribution, target_vocabulary, exclude_bases=exclude_bases
    )
    if distribution is None:
        return None
    retained = retained_mass(category.distribution, target_vocabulary, exclude_bases=exclude_bases)
    return _mapped(
        distribution, len(distribution), ambiguity_threshold, category.ambiguous, retained
    )


def category_matrix(
    target: Vocabulary | str, *, exclude_bases: Collection[str] = ()
) -> tuple[list[str], Any]:
    """Ids and an ``(K, 2)`` array of (arousal, valence) of the placed categories of ``target``."""
    import numpy as np

    categories: list[Category] = [
        c for c in _vocabulary(target).placed(exclude_bases) if c.coordinates is not None
    ]
    if not categories:
        raise LabelMappingError(
            f"vocabulary {_vocabulary(target).id!r} has no placed category with coordinates"
        )
    return [c.id for c in categories], np.array(
        [c.coordinates for c in categories], dtype="float64"
    )


def points_to_category_probabilities(
    arousal: Any,
    valence: Any,
    target: Vocabulary | str,
    *,
    temperature: float = DEFAULT_TEMPERATURE,
    exclude_bases: Collection[str] = (),
) -> tuple[list[str], Any]:
    """Vectorized point -> P(category): ids and an ``(n, K)`` array (rows of NaN for NaN points)."""
    import numpy as np

    if not (temperature > 0 and math.isfinite(temperature)):
        raise LabelMappingError(f"temperature must be a positive number, got {temperature!r}")
    ids, centres = category_matrix(target, exclude_bases=exclude_bases)
    points = np.column_stack(
        [np.asarray(arousal, dtype="float64"), np.asarray(valence, dtype="float64")]
    )
    squared = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    logits = -squared / temperature
    logits -= np.nanmax(logits, axis=1, keepdims=True) if len(points) else 0.0
    weights = np.exp(logits)
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    return ids, probabilities


def point_to_categories(
    arousal: float,
    valence: float,
    target: Vocabulary | str,
    *,
    temperature: float = DEFAULT_TEMPERATURE,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
    exclude_bases: Collection[str] = (),
) -> MappedDistribution | None:
    """P(category | point) for one normalized (arousal, valence) point; ``None`` for NaN input."""
    _check_threshold(ambiguity_threshold)
    if math.isnan(arousal) or math.isnan(valence):
        return None
    ids, probabilities = points_to_category_probabilities(
        [arousal], [valence], target, temperature=temperature, exclude_bases=exclude_bases
    )
    distribution = {cid: float(p) for cid, p in zip(ids, probabilities[0])}
    return _mapped(distribution, len(ids), ambiguity_threshold)
