"""The examples in the package's docstrings run and give what they show.

Every module with a ``>>>`` example is imported and run with :mod:`doctest`; a module whose
examples were all skipped or not found would pass vacuously, so each must run at least one.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mer_datasets"


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


MODULES = _modules_with_examples()


def test_some_modules_have_examples() -> None:
    assert "mer_datasets.loaders" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name}: a '>>>' that doctest does not run"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
