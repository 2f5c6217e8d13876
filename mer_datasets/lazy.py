"""Lazy public names for subpackages: ``import mer_datasets.agreement`` (or ``labels``,
``personal``, ...) must stay light, because the CLI's pandas-free paths import these packages
for their sub-commands; each name's module loads on first access instead."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` (a submodule
    name, relative to the package) the first time ``name`` is asked for."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f".{module}", package), name)

    return __getattr__
