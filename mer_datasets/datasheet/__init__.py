"""Datasheets (curated answers + sections computed from the tables), Croissant and HF cards.

Submodules: :mod:`.build` (the datasheet as data), :mod:`.figures` (PNG figures),
:mod:`.render` (Markdown/HTML), :mod:`.croissant` (Croissant 1.0 JSON-LD with RAI properties),
:mod:`.hfcard` (Hugging Face dataset card), :mod:`.cli` (the commands). Imports are lazy: the
names below resolve to the submodules' own functions, signatures and all.
"""

from __future__ import annotations

from typing import Any

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


def __getattr__(name: str) -> Any:  # lazy: matplotlib and pandas load only when used
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
