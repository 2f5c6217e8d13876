"""Typed errors of the label space.

Why here and not in :mod:`mer_datasets.errors`: the label space was built in parallel with the
package skeleton. Both classes derive from :class:`~mer_datasets.errors.MERDatasetsError`, so the
CLI reports them as expected failures (exit code 1), and they can move to ``errors.py`` unchanged.
"""

from __future__ import annotations

from ..errors import MERDatasetsError


class LabelMappingError(MERDatasetsError, ValueError):
    """A value or category cannot be placed in the unified label space (e.g. no numeric range)."""


class VocabularyError(MERDatasetsError):
    """A vocabulary file is missing, unreadable or breaks ``schemas/vocabulary.schema.json``."""
