"""Agreement over time for time-continuous per-rater annotations (curves), e.g. VGMIDI.

Why a separate module: the agreement report treats ``track_id`` as the item, which is right for
static judgments. A curve gives one judgment per rater and *time point* (a measure, a sample),
so the unit a rater judged is (track, time point), and three questions differ only in how those
units are grouped:

* ``by="all"``: one alpha for the whole set; items are all (track, time point) pairs.
* ``by="track"``: one alpha per track; items are the track's time points (do the raters'
  curves agree on this piece's course?).
* ``by="time"``: one alpha per time point; items are the tracks at that time point (how does
  agreement change from the first measure on, across pieces?).

Alpha is Krippendorff's (:func:`mer_datasets.agreement.alpha.krippendorff_alpha`) at the
dimension's level of measurement (interval for continuous valence/arousal). Each judgment is one
rater's value at one time point; a rater judging a time point twice must be resolved before.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AgreementError
from .alpha import krippendorff_alpha

BY = ("all", "track", "time")
Grouping = Literal["all", "track", "time"]
RESULT_COLUMNS = ["dimension", "group", "alpha", "items", "pairable_items", "judgments", "raters"]


def _time_column(annotations: pd.DataFrame, time: str | None) -> str:
    """The column holding the time point: ``time`` if given, else ``measure`` or ``time_s``."""
    if time is not None:
        if time not in annotations.columns:
            raise AgreementError(f"no time column {time!r} in the annotations")
        return time
    for candidate in ("measure", "time_s"):
        if candidate in annotations.columns and annotations[candidate].notna().any():
            return candidate
    raise AgreementError(
        "the annotations have no time points (neither 'measure' nor 'time_s' is set): "
        "agreement over time needs time-continuous judgments"
    )


def continuous_alpha(
    annotations: pd.DataFrame,
    *,
    by: Grouping = "all",
    dimensions: list[str] | None = None,
    time: str | None = None,
    level: str = "interval",
) -> pd.DataFrame:
    """Krippendorff's alpha of time-continuous judgments for the whole set, per track or per time.

    ``annotations`` is the canonical annotations table (``track_id``, ``rater_id``,
    ``dimension``, ``value`` and a time column: ``time`` or, by default, ``measure`` then
    ``time_s``). Rows without a time point or a value are ignored. Returns one row per
    (dimension, group) with columns ``dimension``, ``group`` (``"all"``, the track id or the time
    point), ``alpha`` (``nan`` when undefined), ``items`` (units in the group),
    ``pairable_items`` (units with two or more judgments), ``judgments`` and ``raters``.

    >>> import pandas as pd
    >>> curves = pd.DataFrame({
    ...     "track_id": ["a"] * 6, "rater_id": ["r1"] * 3 + ["r2"] * 3,
    ...     "dimension": ["valence"] * 6, "measure": [1, 2, 3] * 2,
    ...     "value": [0.1, 0.5, 0.9, 0.2, 0.4, 0.8]})
    >>> round(float(continuous_alpha(curves, by="track").loc[0, "alpha"]), 4)
    0.9508
    """
    if by not in BY:
        raise AgreementError(f"by must be one of {BY}, not {by!r}")
    for column in ("track_id", "rater_id", "dimension", "value"):
        if column not in annotations.columns:
            raise AgreementError(f"the annotations lack the column {column!r}")
    time_column = _time_column(annotations, time)
    table = annotations[["track_id", "rater_id", "dimension", "value", time_column]]
    table = table[table["value"].notna() & table[time_column].notna()]
    if dimensions is not None:
        table = table[table["dimension"].astype(str).isin(dimensions)]
    frame = pd.DataFrame(
        {
            "track": table["track_id"].astype(str).to_numpy(),
            "time": table[time_column].to_numpy(),
            "rater": table["rater_id"].astype(str).to_numpy(),
            "dimension": table["dimension"].astype(str).to_numpy(),
            "value": table["value"].astype("float64").to_numpy(),
        }
    )
    frame["item"] = frame["track"] + "\x1f" + frame["time"].astype(str)
    rows = []
    for dimension, part in frame.groupby("dimension", sort=True):
        groups = [("all", part)] if by == "all" else part.groupby(by, sort=True)
        for group, sub in groups:
            rows.append(_row(str(dimension), group, sub, level))
    result = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if by == "time" and len(result):
        result = result.sort_values(["dimension", "group"], key=_natural_key, ignore_index=True)
    return result


def _natural_key(series: pd.Series) -> pd.Series:
    if series.name == "group":
        return pd.to_numeric(series, errors="coerce").fillna(np.inf)
    return series


def _row(dimension: str, group, sub: pd.DataFrame, level: str) -> dict:
    counts = sub["item"].value_counts()
    alpha = krippendorff_alpha(sub, item="item", value="value", level=level)
    return {
        "dimension": dimension,
        "group": group.item() if hasattr(group, "item") else group,
        "alpha": alpha,
        "items": int(len(counts)),
        "pairable_items": int((counts >= 2).sum()),
        "judgments": int(len(sub)),
        "raters": int(sub["rater"].nunique()),
    }
