"""The public API shows itself: every exported name resolves, has its own signature (no
``**kwargs`` forwarding), a docstring, and a place in docs/api.md."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

API_DOC = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
PACKAGES = [
    "mer_datasets",
    "mer_datasets.agreement",
    "mer_datasets.assets",
    "mer_datasets.datasheet",
    "mer_datasets.download",
    "mer_datasets.labels",
    "mer_datasets.loaders",
]
EXPORTS = [
    (package, name)
    for package in PACKAGES
    for name in importlib.import_module(package).__all__
    if not name.startswith("_") and name.isidentifier() and not name.isupper()
]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_subpackage_declares_its_public_names(package):
    module = importlib.import_module(package)
    assert module.__all__ and len(set(module.__all__)) == len(module.__all__)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, f"{package}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize(("package", "name"), EXPORTS, ids=[f"{p}.{n}" for p, n in EXPORTS])
def test_every_export_resolves_is_documented_and_spells_out_its_signature(package, name):
    obj = getattr(importlib.import_module(package), name)
    assert inspect.getdoc(obj), f"{package}.{name} has no docstring"
    documented = (
        f"::: {package}.{name}\n",
        f"::: {obj.__module__}.{name}\n",
        f"::: {obj.__module__}\n",
    )
    assert any(line in API_DOC for line in documented), f"{package}.{name} is not in docs/api.md"
    if inspect.isfunction(obj):
        kinds = {p.kind for p in inspect.signature(obj).parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds, f"{package}.{name} hides **kwargs"


def test_load_dataset_and_agreement_spell_out_their_parameters():
    from mer_datasets import MERDataset, load_dataset

    assert "data_home" in inspect.signature(load_dataset).parameters
    for method in (MERDataset.agreement, MERDataset.agreement_items, MERDataset.agreement_raters):
        parameters = inspect.signature(method).parameters
        assert {"levels", "where", "duplicates"} <= set(parameters)
        assert all(p.kind != inspect.Parameter.VAR_KEYWORD for p in parameters.values())


@pytest.mark.parametrize("name", ["unified", "unified_labels"])
def test_dataset_label_methods_spell_out_the_label_functions_parameters(name):
    """MERDataset.unified/unified_labels bind (tables, info) and take every other parameter of
    the function in mer_datasets.labels.unify, with the same kinds, defaults and annotations."""
    from mer_datasets import MERDataset
    from mer_datasets.labels import unify

    method = list(inspect.signature(getattr(MERDataset, name)).parameters.values())[1:]
    function = list(inspect.signature(getattr(unify, name)).parameters.values())[2:]
    assert method == function
