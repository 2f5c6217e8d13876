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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import AgreementError
from .alpha import LongValues, alpha_of, check_level, refuse_non_finite

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
    units = _Units.of(table, time_column)
    rows = [
        _row(units, dimension, group, positions, level)
        for dimension, group, positions in units.groups(by)
    ]
    result = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if by == "time" and len(result):
        result = result.sort_values(["dimension", "group"], key=_natural_key, ignore_index=True)
    return result


@dataclass(frozen=True)
class _Units:
    """The judgments as integer codes: dimension, track, time point, unit (track, time) and rater.

    Why codes: the units were strings (track + separator + time), and building, hashing and
    grouping ~10^6 strings cost several times the alpha itself. Tracks and time points are coded
    in sorted order (the order of the groups), units and raters by their integers.
    """

    dimension: np.ndarray
    dimension_names: np.ndarray
    track: np.ndarray
    track_names: np.ndarray
    time: np.ndarray
    time_values: np.ndarray
    unit: np.ndarray
    rater: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame, time_column: str) -> _Units:
        dimension, dimension_names = pd.factorize(
            table["dimension"].astype(str).to_numpy(), sort=True
        )
        track, track_names = pd.factorize(table["track_id"].astype(str).to_numpy(), sort=True)
        time, time_values = pd.factorize(table[time_column].to_numpy(), sort=True)
        unit = track.astype(np.int64) * max(len(time_values), 1) + time
        rater, _ = pd.factorize(table["rater_id"].astype(str).to_numpy())
        value = table["value"].astype("float64").to_numpy()
        return cls(
            dimension, np.asarray(dimension_names), track, np.asarray(track_names), time,
            np.asarray(time_values), unit, rater, value,
        )  # fmt: skip

    def groups(self, by: str) -> Iterator[tuple[str, Any, np.ndarray]]:
        """(dimension, group, positions of its judgments in table order) in sorted order."""
        if by == "all":
            keys, names = self.dimension.astype(np.int64), None
        else:
            codes, names = (
                (self.track, self.track_names) if by == "track" else (self.time, self.time_values)
            )
            keys = self.dimension.astype(np.int64) * max(len(names), 1) + codes
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if order.size else []
        for start, stop in zip(starts, [*starts[1:], order.size]):
            key = int(ordered[start])
            if names is None:
                yield str(self.dimension_names[key]), "all", order[start:stop]
            else:
                dimension, code = divmod(key, max(len(names), 1))
                group = names[code]
                group = group.item() if hasattr(group, "item") else group
                yield str(self.dimension_names[dimension]), group, order[start:stop]


def _natural_key(series: pd.Series) -> pd.Series:
    if series.name == "group":
        return pd.to_numeric(series, errors="coerce").fillna(np.inf)
    return series


def _row(units: _Units, dimension: str, group, positions: np.ndarray, level: str) -> dict:
    """One result row: alpha over the units of the group's judgments (``positions``)."""
    check_level(level)
    codes, uniques = pd.factorize(units.unit[positions])  # in order of first appearance
    x = units.value[positions]
    summary = refuse_non_finite(x, lambda row: f"row {int(positions[row])}, column 'value'")
    data = LongValues(codes.astype(np.intp, copy=False), len(uniques), x=x, x_summary=summary)
    counts = np.bincount(codes, minlength=len(uniques))
    return {
        "dimension": dimension,
        "group": group,
        "alpha": alpha_of(data, level),
        "items": int(len(uniques)),
        "pairable_items": int((counts >= 2).sum()),
        "judgments": int(positions.size),
        "raters": int(np.unique(units.rater[positions]).size),
    }
