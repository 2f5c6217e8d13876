"""Per-track soft labels of a dataset, and their columns in a Hugging Face ``tracks`` split.

Why soft labels travel with an export: a model trained on the label *distribution* of each
excerpt keeps the disagreement the crowd expressed, which the consensus-entropy method treats as
signal. The distribution comes from the raters' personal labels (:mod:`.labels`) aggregated by
one of :data:`.aggregate.METHODS` (frequencies, majority vote, Dawid-Skene, GLAD, MACE), so the
columns are exactly :func:`.aggregate.aggregate`'s ``soft`` table, aligned with the tracks.

Columns added to ``tracks`` (one row per track, in the table's order)
    ``soft_labels``: ``List(float64, length=K)``, the probability of each class in the order of
    the class names; missing for a track no rater labelled.
    ``soft_label``: ``ClassLabel(names=classes)``, the method's label (the most probable class;
    majority vote breaks ties as crowd-kit does), missing likewise;
    its feature carries the class names, so ``features["soft_label"].names[i]`` names
    ``soft_labels[i]``.
    ``soft_labels_n_raters``: how many raters labelled the track (0 when none).
The method, target and policies are written into the split's ``DatasetInfo.description``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .aggregate import Aggregation, aggregate, method_name
from .errors import PersonalizationError
from .labels import QUADRANTS, AxisPolicy, RepeatPolicy, hard_labels, personal_labels

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

COLUMNS = ("soft_labels", "soft_label", "soft_labels_n_raters")


@dataclass(frozen=True)
class SoftLabels:
    """An aggregation of one dataset's personal labels, with how the labels were made."""

    aggregation: Aggregation
    classes: list[str]
    n_raters: pd.Series
    settings: dict[str, Any]

    def description(self) -> str:
        """One line for ``DatasetInfo.description``: what the soft-label columns hold."""
        return "mer_datasets soft labels: " + json.dumps(
            {**self.settings, "classes": self.classes}, sort_keys=True
        )


def soft_labels(
    annotations: pd.DataFrame,
    *,
    method: str = "ds",
    target: str = "quadrant",
    repeats: RepeatPolicy = "last",
    on_axis: AxisPolicy = "missing",
    midpoint: float = 0.0,
    raters: list[str] | None = None,
    classes: list[str] | None = None,
    n_iter: int = 100,
    seed: int = 0,
) -> SoftLabels:
    """Per-track label distributions: :func:`.labels.personal_labels` then :func:`.aggregate`.

    ``method`` is a short name or alias (``"dawid-skene"``, ``"glad"``, ``"mace"``,
    ``"majority"``, ``"mean"``); the other arguments are those of the two functions.
    ``classes`` fixes the class names and their order (default: the four quadrants for target
    ``"quadrant"``, else the labels seen): a class no rater chose gets probability 0 rather
    than vanishing, so two exports of one label space have the same columns.
    """
    name = method_name(method)
    labels = personal_labels(
        annotations, target=target, repeats=repeats, on_axis=on_axis, midpoint=midpoint,
        raters=raters,
    )  # fmt: skip
    if labels.table.empty:
        raise PersonalizationError(
            f"no personal labels on target {target!r} to aggregate (no label: {labels.dropped})"
        )
    result = aggregate(labels, method=name, n_iter=n_iter, seed=seed)
    if classes is None:
        classes = list(QUADRANTS) if target == "quadrant" else list(result.soft.columns)
    unknown = sorted(set(result.soft.columns) - set(classes))
    if unknown:
        raise PersonalizationError(f"labels {unknown} are not among classes={classes}")
    counted = hard_labels(labels).reset_index()
    n_raters = counted.groupby("track_id")["rater_id"].nunique().rename("n_raters")
    settings = {
        "method": name, "target": target, "repeats": repeats, "on_axis": on_axis,
        "midpoint": midpoint, "n_iter": n_iter, "seed": seed, "no_label": labels.dropped,
    }  # fmt: skip
    return SoftLabels(result, list(classes), n_raters, settings)


def with_soft_label_columns(tracks: pa.Table, soft: SoftLabels) -> tuple[pa.Table, Any]:
    """``tracks`` with the three soft-label columns, and the ``datasets.Features`` to cast to.

    Tracks are matched by ``track_id`` (as text); aggregated tracks absent from ``tracks``
    would be lost silently, so they are refused.
    """
    import datasets
    import pyarrow as pa

    if "track_id" not in tracks.column_names:
        raise PersonalizationError("the tracks table has no track_id column to attach soft labels")
    for name in COLUMNS:
        if name in tracks.column_names:
            raise PersonalizationError(f"the tracks table already has a column {name!r}")
    ids = [str(t) for t in tracks.column("track_id").to_pylist()]
    matrix = soft.aggregation.soft.reindex(columns=soft.classes, fill_value=0.0)
    unknown = sorted(set(matrix.index) - set(ids))
    if unknown:
        raise PersonalizationError(
            f"{len(unknown)} labelled track(s) are not in the tracks table, e.g. {unknown[:3]}"
        )
    rows = matrix.reindex(ids)
    present = rows.notna().all(axis=1).to_numpy()
    values = rows.to_numpy(dtype=float)
    distribution = [list(map(float, v)) if ok else None for v, ok in zip(values, present)]
    index = {name: i for i, name in enumerate(soft.classes)}
    hard = soft.aggregation.labels.astype(str).reindex(ids)
    best = [index[w] if ok else None for w, ok in zip(hard, present)]
    counts = soft.n_raters.reindex(ids).fillna(0).astype("int64").tolist()
    k = len(soft.classes)
    table = tracks.append_column(
        "soft_labels", pa.array(distribution, type=pa.list_(pa.float64(), k))
    )
    table = table.append_column("soft_label", pa.array(best, type=pa.int64()))
    table = table.append_column("soft_labels_n_raters", pa.array(counts, type=pa.int64()))
    features = datasets.Features.from_arrow_schema(tracks.schema)
    features["soft_labels"] = datasets.List(datasets.Value("float64"), length=k)
    features["soft_label"] = datasets.ClassLabel(names=soft.classes)
    features["soft_labels_n_raters"] = datasets.Value("int64")
    return table, features
