"""Datasheets (curated answers + sections computed from the tables), Croissant and HF cards.

Submodules: :mod:`.build` (the datasheet as data), :mod:`.figures` (PNG figures),
:mod:`.render` (Markdown/HTML), :mod:`.croissant` (Croissant 1.0 JSON-LD with RAI properties),
:mod:`.hfcard` (Hugging Face dataset card), :mod:`.cli` (the commands). Imports are lazy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_datasheet"]


def build_datasheet(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """See :func:`mer_datasets.datasheet.build.build_datasheet`."""
    from .build import build_datasheet as _build

    return _build(*args, **kwargs)
