"""Typed errors of the label space (defined with the others in :mod:`mer_datasets.errors`)."""

from __future__ import annotations

from ..errors import LabelMappingError, VocabularyError

__all__ = ["LabelMappingError", "VocabularyError"]
