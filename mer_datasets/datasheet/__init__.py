"""Datasheets (curated answers + sections computed from the tables), Croissant and HF cards.

Submodules: :mod:`.build` (the datasheet as data), :mod:`.figures` (PNG figures),
:mod:`.render` (Markdown/HTML), :mod:`.croissant` (Croissant 1.0 JSON-LD with RAI properties),
:mod:`.hfcard` (Hugging Face dataset card), :mod:`.cli` (the commands). Imports are lazy: the
names below resolve to the submodules' own functions, signatures and all.
"""

from __future__ import annotations

from ..lazy import lazy_exports

__all__ = [
    "build_datasheet",
    "load_for_datasheet",
    "make_figures",
    "render_html",
    "render_markdown",
    "write_card",
    "write_croissant",
]

_EXPORTS = {
    "build_datasheet": "build",
    "load_for_datasheet": "build",
    "make_figures": "figures",
    "render_html": "render",
    "render_markdown": "render",
    "write_card": "hfcard",
    "write_croissant": "croissant",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
