"""The unified label space: scales, quadrants, vocabularies and mappings between them.

- :mod:`.scales`: every dimensional rating to [-1, 1] from its declared range, and back.
- :mod:`.quadrants`: Russell quadrants from normalized arousal/valence, with an axis policy.
- :mod:`.vocabulary`: the vocabulary files (``vocabularies/*.yaml``) and their placements.
- :mod:`.mapping`: category -> quadrants, point -> categories, vocabulary A -> vocabulary B.
- :mod:`.unify`: a dataset's annotations or labels with all of the above as columns.

See docs/labels.md for every category, its placement and its source.
"""

from __future__ import annotations

from ..lazy import lazy_exports

__all__ = [
    "category_quadrants",
    "category_to_vocabulary",
    "load_vocabulary",
    "point_to_categories",
    "quadrant_of",
    "unified",
    "unified_labels",
    "vocabulary_ids",
]

_EXPORTS = {
    "category_quadrants": "mapping",
    "category_to_vocabulary": "mapping",
    "point_to_categories": "mapping",
    "load_vocabulary": "vocabulary",
    "vocabulary_ids": "vocabulary",
    "quadrant_of": "quadrants",
    "unified": "unify",
    "unified_labels": "unify",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
