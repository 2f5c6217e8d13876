"""One module per raw format; each turns verified files into the four tables.

Modules are imported lazily by name (``catalog.yaml`` names the loader of each version), so
importing the package never pays for formats that are not used. A loader module is named after
the dataset whose raw format it reads (:func:`module_name`); its fixture generator
(``tests/fixtures/generators/<module>.py``) and its tests (``tests/loaders/test_<module>.py``)
carry the same name, so no list has to say which belongs to which
(docs/dev/adding-a-dataset.md). Modules that are not loaders: :mod:`.base` (the loader
contract), :mod:`.csvfile` and :mod:`.deam_format` (raw-format helpers shared by loaders).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HELPER_MODULES",
    "LoaderContext",
    "find_member",
    "get_loader",
    "module_name",
    "run_loader",
]
_FROM_BASE = ("LoaderContext", "find_member", "get_loader", "run_loader")

#: Modules of this package that are not loaders (no loader imports another loader).
HELPER_MODULES: tuple[str, ...] = ("base", "csvfile", "deam_format", "jsonfile", "npyfile")


def module_name(dataset_id: str) -> str:
    """The module name of a dataset id: ``-`` becomes ``_``, and a leading digit gets ``ds_``.

    >>> module_name("mtg-jamendo-moodtheme")
    'mtg_jamendo_moodtheme'
    >>> module_name("4qaed")
    'ds_4qaed'
    """
    name = dataset_id.replace("-", "_")
    return f"ds_{name}" if name[:1].isdigit() else name


def __getattr__(name: str) -> Any:  # lazy: the loader contract, imported when used
    if name in _FROM_BASE:
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
