"""Rater activity: how many judgments each rater gave, counted as records or as distinct tracks.

Both counts exist in the literature. A *record* is one submitted annotation (one row of the
source export; one ``annotation_id``, which may hold several dimensions); the same rater judging
the same track twice gives two records. *Distinct tracks* counts each (rater, track) once. The
personalization study on TROMPA-MER (Gómez-Cañón et al. 2022/2023) selects "users with at least
80 annotations"; which count it means is not stated, so selection always names its count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from .errors import PersonalizationError

Count = Literal["records", "tracks"]
COUNTS: tuple[str, ...] = ("records", "tracks")


def _check_count(count: str) -> None:
    if count not in COUNTS:
        raise PersonalizationError(f"count={count!r}: use 'records' or 'tracks'")


def _restrict(annotations: pd.DataFrame, dimensions: Sequence[str] | None) -> pd.DataFrame:
    missing = {"annotation_id", "track_id", "rater_id"} - set(annotations.columns)
    if missing:
        raise PersonalizationError(
            f"annotations table lacks column(s) {sorted(missing)}; pass dataset.annotations"
        )
    if dimensions is None:
        return annotations
    return annotations[annotations["dimension"].astype(str).isin(list(dimensions))]


def rater_activity(
    annotations: pd.DataFrame, *, dimensions: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per rater: ``records`` (distinct annotation ids) and ``tracks`` (distinct tracks).

    ``dimensions`` restricts the count to judgments of those dimensions (e.g. only annotations
    that answered arousal and valence). Sorted by records, most active first, then rater id.
    """
    table = _restrict(annotations, dimensions)
    grouped = table.groupby("rater_id", observed=True)
    activity = pd.DataFrame(
        {
            "records": grouped["annotation_id"].nunique(),
            "tracks": grouped["track_id"].nunique(),
        }
    ).reset_index()
    activity["rater_id"] = activity["rater_id"].astype(str)
    return activity.sort_values(["records", "rater_id"], ascending=[False, True], ignore_index=True)


def select_raters(
    annotations: pd.DataFrame,
    *,
    min_judgments: int,
    count: Count = "records",
    dimensions: Sequence[str] | None = None,
) -> list[str]:
    """Ids of raters with at least ``min_judgments`` judgments under ``count`` (sorted)."""
    _check_count(count)
    if min_judgments < 0:
        raise PersonalizationError(f"min_judgments must be >= 0, got {min_judgments}")
    activity = rater_activity(annotations, dimensions=dimensions)
    return sorted(activity.loc[activity[count] >= min_judgments, "rater_id"].tolist())
