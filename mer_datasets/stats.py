"""Descriptive counts of a loaded dataset: what ``mer-datasets stats`` prints.

Why here and not in the CLI: datasheets and tests read the same numbers from Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .dataset import MERDataset


def dataset_stats(dataset: MERDataset) -> dict[str, Any]:
    """Counts per table and per dimension, judgments per rater and raters per item, quirks."""
    annotations = dataset.annotations
    per_dimension: dict[str, Any] = {}
    if not annotations.empty:
        grouped = annotations.groupby("dimension", observed=True)
        for dimension, frame in grouped:
            raters_per_item = frame.groupby("track_id", observed=True)["rater_id"].nunique()
            per_dimension[str(dimension)] = {
                "judgments": int(len(frame)),
                "tracks": int(frame["track_id"].nunique()),
                "raters": int(frame["rater_id"].nunique()),
                "raters_per_track_min": int(raters_per_item.min()),
                "raters_per_track_median": float(raters_per_item.median()),
                "raters_per_track_max": int(raters_per_item.max()),
                "numeric": bool(frame["value"].notna().any()),
            }
    judgments_per_rater = (
        annotations.groupby("rater_id", observed=True).size() if not annotations.empty else None
    )
    labels = dataset.labels
    label_dims = (
        {str(k): int(v) for k, v in labels.groupby("dimension", observed=True).size().items()}
        if not labels.empty
        else {}
    )
    return {
        "dataset": dataset.id,
        "version": dataset.version,
        "tracks": int(len(dataset.tracks)),
        "raters": int(len(dataset.raters)),
        "raters_with_judgments": int(annotations["rater_id"].nunique())
        if not annotations.empty
        else 0,
        "judgments": int(len(annotations)),
        "labels": int(len(labels)),
        "label_rows_per_dimension": label_dims,
        "dimensions": per_dimension,
        "judgments_per_rater": (
            {
                "min": int(judgments_per_rater.min()),
                "median": float(judgments_per_rater.median()),
                "max": int(judgments_per_rater.max()),
            }
            if judgments_per_rater is not None
            else None
        ),
        "source_rows": dict(dataset.quirks.source_row_counts),
        "quirks": dataset.quirks.to_records(),
        "excluded_rows": dataset.quirks.excluded(),
        "from_cache": dataset.from_cache,
    }
