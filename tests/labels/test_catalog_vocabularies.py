"""Every vocabulary the catalog names exists, and covers every category the catalog declares."""

from __future__ import annotations

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.labels.vocabulary import load_vocabulary, vocabulary_ids

NAMED = [(info.id, dim) for info in default_catalog() for dim in info.dimensions if dim.vocabulary]


@pytest.mark.parametrize(("dataset_id", "dim"), NAMED, ids=lambda x: getattr(x, "name", x))
def test_every_vocabulary_named_in_the_catalog_exists_and_covers_the_declared_categories(
    dataset_id, dim
):
    assert dim.vocabulary in vocabulary_ids(), (dataset_id, dim.name)
    vocabulary = load_vocabulary(dim.vocabulary)
    for category in dim.categories or ():
        assert vocabulary.find(category) is not None, (dataset_id, dim.name, category)
