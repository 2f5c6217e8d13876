"""Personalization: rater activity, personal labels, human consensus, per-user splits, queries.

The consensus-entropy method for personalized MER (Gómez-Cañón et al., ISMIR 2021) treats
listener disagreement as a signal: a listener is asked first about the excerpts other listeners
disagreed on most. These modules give the data side of that method as pure functions over the
tables of a loaded dataset (``mer_datasets.load_dataset(id).annotations`` etc.):

* :mod:`.activity` -- judgments per rater (records or distinct tracks) and rater selection;
* :mod:`.labels` -- a rater's label per track, with policies for repeats and axis answers;
* :mod:`.consensus` -- per-track human consensus distribution, its entropy (natural log) and n;
* :mod:`.splits` -- seeded per-user and general splits with a manifest that can be read back;
* :mod:`.query` -- entropy ranking, class-balanced selection and a seeded random baseline;
* :mod:`.aggregate` -- majority vote, mean, Dawid-Skene, GLAD and MACE (via crowd-kit);
* :mod:`.soft` -- per-track soft labels of a dataset, the columns of ``to_hf(soft_labels=...)``;
* :mod:`.simulate` -- the active-learning simulation (needs scikit-learn).

Names that are also module names (``aggregate``, ``simulate``) are not re-exported here, so
``mer_datasets.personal.aggregate`` stays the module: call ``personal.aggregate.aggregate``.
The names load lazily: ``mer-datasets agreement`` imports this package for its sub-commands and
must not pay for pandas (``tests/agreement/test_cached_path.py``).
"""

from __future__ import annotations

from ..lazy import lazy_exports

__all__ = [
    "Aggregation",
    "PersonalLabels",
    "SoftLabels",
    "SplitManifest",
    "entropy_ranking",
    "general_split",
    "hard_labels",
    "human_consensus",
    "method_name",
    "mix",
    "official_split",
    "per_user_splits",
    "personal_labels",
    "quadrant_weights",
    "random_queries",
    "rater_activity",
    "read_manifest",
    "select_queries",
    "select_raters",
    "soft_labels",
    "with_soft_label_columns",
]

_EXPORTS = {
    "rater_activity": "activity",
    "select_raters": "activity",
    "Aggregation": "aggregate",
    "method_name": "aggregate",
    "human_consensus": "consensus",
    "PersonalLabels": "labels",
    "hard_labels": "labels",
    "personal_labels": "labels",
    "quadrant_weights": "labels",
    "entropy_ranking": "query",
    "mix": "query",
    "random_queries": "query",
    "select_queries": "query",
    "SoftLabels": "soft",
    "soft_labels": "soft",
    "with_soft_label_columns": "soft",
    "SplitManifest": "splits",
    "general_split": "splits",
    "official_split": "splits",
    "per_user_splits": "splits",
    "read_manifest": "splits",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
