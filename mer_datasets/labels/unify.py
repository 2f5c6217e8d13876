"""One label space for every dataset: normalized values, arousal/valence, quadrants, vocabularies.

:func:`unified` takes a dataset's ``annotations`` (one row per judgment, raw values on the source
scale; see docs/dev/contracts.md) and its catalog entry, and returns the same rows with columns
added; :func:`unified_labels` does the same for the published ``labels``. The results of several
datasets concatenate into one table (``pandas.concat``) with one label space.

Added columns (all missing where they do not apply, never guessed):

``dataset``            the catalog id.
``vocabulary``         the vocabulary of the row's category (from the catalog dimension).
``category``           the vocabulary category of the row: the ``label`` (matched by id or alias);
                       or, for a numeric 0/1 dimension named after a category (Emotify's GEMS
                       items), the dimension's name when the value is the scale's maximum, i.e.
                       the category was chosen. A 0 (not chosen) carries no category.
``value_norm``         the value on [-1, 1] from the dimension's declared range (:mod:`.scales`);
                       in ``labels``, location statistics (mean, median, min, max, mode, value) are
                       mapped as values and spreads (std, sd, iqr, range) by the scale factor only.
``arousal``/``valence``
                       the normalized arousal and valence of the same source record: in
                       ``annotations`` the rows sharing ``annotation_id`` (and ``time_s``); in
                       ``labels`` the rows sharing ``track_id``, ``statistic`` (mean or median
                       only) and ``time_s``. A record with two arousal (or valence) values gets none.
``quadrant``           Q1..Q4. For a row with a category: the most probable quadrant of the
                       category's distribution. Otherwise from the record's arousal/valence, with
                       the axis policy ``on_axis`` (:mod:`.quadrants`). ``None`` on a tie.
``quadrant_prob``      the probability of that quadrant (the largest share on a tie).
``quadrant_entropy``   normalized entropy of the quadrant distribution (0..1).
``ambiguous``          entropy >= ``ambiguity_threshold``, a tie, or the category is marked ambiguous.
``quadrant_source``    ``"category"`` or ``"av"``: where the quadrant came from.
``p_Q1``..``p_Q4``     with ``distribution=True``: the full quadrant distribution.

With ``to="quadrant"``: ``mapped_label``/``mapped_prob`` = quadrant/quadrant_prob. With
``to="av"``: ``mapped_arousal``/``mapped_valence`` = the record's point, or the category's
coordinates. With ``to=<vocabulary id>``: ``mapped_label``, ``mapped_prob``, ``mapped_entropy``,
``mapped_ambiguous`` (categories through quadrants, points by softmax; see :mod:`.mapping`).

Which dimensions are arousal and valence: by default the dimensions named ``arousal`` and
``valence``. Other names (e.g. ``energy`` in the film-soundtrack data) are arousal only when the
caller says so (``arousal_dimensions=("energy",)``), because that reading is a choice.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import LabelMappingError
from .mapping import (
    DEFAULT_AMBIGUITY_THRESHOLD,
    DEFAULT_TEMPERATURE,
    category_to_vocabulary,
    points_to_category_probabilities,
)
from .quadrants import QUADRANTS, OnAxisPolicy, check_policy, quadrant_arrays
from .scales import as_float_array, has_numeric_range, scale_of
from .vocabulary import load_vocabulary, vocabulary_ids

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

AROUSAL_DIMENSIONS: tuple[str, ...] = ("arousal",)
VALENCE_DIMENSIONS: tuple[str, ...] = ("valence",)
LOCATION_STATISTICS = frozenset({"mean", "median", "min", "max", "mode", "value"})
SPREAD_STATISTICS = frozenset({"std", "sd", "iqr", "range"})
AV_JOIN_STATISTICS = frozenset({"mean", "median"})
SPECIAL_TARGETS = ("quadrant", "av")


def _targets() -> list[str]:
    return [*SPECIAL_TARGETS, *vocabulary_ids()]


def check_target(to: str | None) -> None:
    if to is not None and to not in _targets():
        raise LabelMappingError(
            f"unknown mapping target {to!r}; use one of: {', '.join(_targets())}"
        )


def _key(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """One string key per row from ``columns`` (NA when the first column is missing)."""
    import pandas as pd

    first = frame[columns[0]].astype("string")
    key = first.copy()
    for column in columns[1:]:
        key = key + "\x1f" + frame[column].astype("string").fillna("<NA>")
    return key.where(first.notna(), pd.NA)


def _join_axis(value_norm: np.ndarray, is_axis: np.ndarray, key: pd.Series) -> np.ndarray:
    """Per row: the unique normalized value of the axis dimension within the row's record."""
    import numpy as np
    import pandas as pd

    usable = is_axis & ~np.isnan(value_norm) & key.notna().to_numpy()
    values = pd.Series(value_norm[usable], index=key[usable].to_numpy())
    values = values[~values.index.duplicated(keep=False)]  # two values for one record: none
    joined = key.map(values)
    return pd.to_numeric(joined, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _frame(tables: Any, name: str) -> pd.DataFrame:
    import pandas as pd

    frame = getattr(tables, name, None)
    if frame is None:
        return pd.DataFrame({"dimension": pd.Series([], dtype="string")})
    return frame.reset_index(drop=True).copy()


def _unify(
    frame: pd.DataFrame,
    info: Any,
    *,
    table: str,
    to: str | None,
    on_axis: OnAxisPolicy,
    temperature: float,
    ambiguity_threshold: float,
    distribution: bool,
    arousal_dimensions: Collection[str],
    valence_dimensions: Collection[str],
    exclude_bases: Collection[str],
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    check_policy(on_axis)
    check_target(to)
    if not 0.0 <= ambiguity_threshold <= 1.0:
        raise LabelMappingError(
            f"ambiguity_threshold must be in [0, 1], got {ambiguity_threshold!r}"
        )
    n = len(frame)
    dims = (
        frame["dimension"].astype("string")
        if "dimension" in frame
        else pd.Series([pd.NA] * n, dtype="string")
    )
    values = as_float_array(frame["value"]) if "value" in frame else np.full(n, np.nan)
    labels = (
        frame["label"].astype("string")
        if "label" in frame
        else pd.Series([pd.NA] * n, dtype="string")
    )
    statistics = (
        frame["statistic"].astype("string") if table == "labels" and "statistic" in frame else None
    )

    value_norm = np.full(n, np.nan)
    vocabulary_col = np.full(n, None, dtype=object)
    category_col = np.full(n, None, dtype=object)
    unknown_dimensions: list[str] = []
    unknown_labels: dict[str, set[str]] = {}
    for name in dims.dropna().unique():
        mask = (dims == name).fillna(False).to_numpy()
        dimension = info.dimension(name)
        if dimension is None:
            unknown_dimensions.append(str(name))
            continue
        if has_numeric_range(dimension):
            scale = scale_of(dimension, info.id)
            if statistics is None:
                value_norm[mask] = scale.to_unit(values[mask])
            else:
                location = mask & statistics.isin(LOCATION_STATISTICS).fillna(False).to_numpy()
                spread = mask & statistics.isin(SPREAD_STATISTICS).fillna(False).to_numpy()
                value_norm[location] = scale.to_unit(values[location])
                value_norm[spread] = scale.spread_to_unit(values[spread])
        if not getattr(dimension, "vocabulary", None):
            continue
        vocabulary = load_vocabulary(dimension.vocabulary)
        labelled = mask & labels.notna().to_numpy()
        for label in labels[labelled].unique():
            category = vocabulary.find(label)
            rows = labelled & (labels == label).fillna(False).to_numpy()
            if category is None:
                unknown_labels.setdefault(f"{name} ({vocabulary.id})", set()).add(str(label))
                continue
            vocabulary_col[rows] = vocabulary.id
            category_col[rows] = category.id
        named = vocabulary.find(name)
        if named is not None and has_numeric_range(dimension):
            chosen = mask & ~labels.notna().to_numpy() & (values == float(dimension.max))
            vocabulary_col[chosen] = vocabulary.id
            category_col[chosen] = named.id
    if unknown_dimensions:
        warnings.warn(
            f"dataset {info.id!r}, table {table!r}: dimensions not declared in the catalog were left "
            f"unmapped: {', '.join(sorted(unknown_dimensions))}",
            stacklevel=3,
        )
    for where, spellings in unknown_labels.items():
        warnings.warn(
            f"dataset {info.id!r}, table {table!r}, dimension {where}: labels not in the vocabulary were "
            f"left unmapped: {', '.join(sorted(spellings)[:10])}",
            stacklevel=3,
        )

    # arousal/valence of the same source record
    if table == "annotations":
        key_columns = ["annotation_id"]
        joinable = np.ones(n, dtype=bool)
    else:
        key_columns = ["track_id", "statistic"]
        joinable = (
            statistics.isin(AV_JOIN_STATISTICS).fillna(False).to_numpy()
            if statistics is not None
            else np.zeros(n, dtype=bool)
        )
    if "time_s" in frame and frame["time_s"].notna().any():
        key_columns.append("time_s")
    if all(column in frame for column in key_columns) and n:
        key = _key(frame, key_columns).where(pd.Series(joinable), pd.NA)
        is_arousal = dims.isin(list(arousal_dimensions)).fillna(False).to_numpy()
        is_valence = dims.isin(list(valence_dimensions)).fillna(False).to_numpy()
        arousal = _join_axis(value_norm, is_arousal, key)
        valence = _join_axis(value_norm, is_valence, key)
    else:
        arousal = np.full(n, np.nan)
        valence = np.full(n, np.nan)

    # quadrant distribution per row: a category's own, else the record's point
    has_category = np.array([c is not None for c in category_col], dtype=bool)
    quadrant_probs = np.full((n, len(QUADRANTS)), np.nan)
    flagged = np.zeros(n, dtype=bool)
    point_rows = ~has_category & ~np.isnan(arousal) & ~np.isnan(valence)
    if point_rows.any():
        quadrant_probs[point_rows] = quadrant_arrays(
            arousal[point_rows], valence[point_rows], on_axis=on_axis
        )
    category_coordinates = np.full((n, 2), np.nan)
    for vocabulary_id, category_id in {
        (v, c) for v, c in zip(vocabulary_col, category_col) if c is not None
    }:
        rows = (vocabulary_col == vocabulary_id) & (category_col == category_id)
        category = load_vocabulary(vocabulary_id).category(category_id)
        if category.bases() and category.bases() <= set(exclude_bases):
            continue  # its placement rests only on excluded bases: treated as unplaced
        if category.placed and category.distribution is not None:
            quadrant_probs[rows] = [category.distribution[q] for q in QUADRANTS]
            flagged[rows] = category.ambiguous
        if category.placed and category.coordinates is not None:
            category_coordinates[rows] = category.coordinates
    has_quadrant = ~np.isnan(quadrant_probs).any(axis=1)
    best, probability, entropy = _summarize(quadrant_probs, has_quadrant)

    out = frame.copy()
    out.insert(0, "dataset", pd.Series([info.id] * n, dtype="string"))
    out["vocabulary"] = pd.Series(vocabulary_col, dtype="string")
    out["category"] = pd.Series(category_col, dtype="string")
    out["value_norm"] = pd.array(value_norm, dtype="Float64")
    out["arousal"] = pd.array(arousal, dtype="Float64")
    out["valence"] = pd.array(valence, dtype="Float64")
    out["quadrant"] = pd.Series([QUADRANTS[i] if i >= 0 else None for i in best], dtype="string")
    out["quadrant_prob"] = pd.array(probability, dtype="Float64")
    out["quadrant_entropy"] = pd.array(entropy, dtype="Float64")
    ambiguous = (entropy >= ambiguity_threshold) | flagged | (best < 0)
    out["ambiguous"] = pd.array(np.where(has_quadrant, ambiguous, None), dtype="boolean")
    source = np.where(has_quadrant & has_category, "category", np.where(has_quadrant, "av", None))
    out["quadrant_source"] = pd.Series(source, dtype="string")
    for nan_to_na in ("value_norm", "arousal", "valence", "quadrant_prob", "quadrant_entropy"):
        out[nan_to_na] = out[nan_to_na].where(
            ~np.isnan(out[nan_to_na].to_numpy(dtype="float64", na_value=np.nan)), pd.NA
        )
    if distribution:
        for index, quadrant in enumerate(QUADRANTS):
            column = quadrant_probs[:, index]
            out[f"p_{quadrant}"] = pd.array(
                np.where(np.isnan(column), None, column), dtype="Float64"
            )

    if to == "quadrant":
        out["mapped_label"] = out["quadrant"]
        out["mapped_prob"] = out["quadrant_prob"]
    elif to == "av":
        mapped = np.where(
            has_category[:, None], category_coordinates, np.column_stack([arousal, valence])
        )
        out["mapped_arousal"] = pd.array(
            np.where(np.isnan(mapped[:, 0]), None, mapped[:, 0]), dtype="Float64"
        )
        out["mapped_valence"] = pd.array(
            np.where(np.isnan(mapped[:, 1]), None, mapped[:, 1]), dtype="Float64"
        )
    elif to is not None:
        _map_to_vocabulary(
            out, to, vocabulary_col, category_col, point_rows, arousal, valence,
            temperature=temperature, ambiguity_threshold=ambiguity_threshold, exclude_bases=exclude_bases,
        )  # fmt: skip
    return out


def _summarize(
    probabilities: np.ndarray, present: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: index of the unique best outcome (-1 if tied or absent), its share, normalized entropy."""
    import numpy as np

    n, k = probabilities.shape
    best = np.full(n, -1)
    probability = np.full(n, np.nan)
    entropy = np.full(n, np.nan)
    if not present.any():
        return best, probability, entropy
    rows = probabilities[present]
    top = rows.max(axis=1)
    ties = (rows == top[:, None]).sum(axis=1) > 1
    best[present] = np.where(ties, -1, rows.argmax(axis=1))
    probability[present] = top
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(rows > 0, -rows * np.log(np.where(rows > 0, rows, 1.0)), 0.0)
    entropy[present] = np.clip(terms.sum(axis=1) / np.log(k), 0.0, 1.0) if k > 1 else 0.0
    return best, probability, entropy


def _map_to_vocabulary(
    out: pd.DataFrame,
    target: str,
    vocabulary_col: np.ndarray,
    category_col: np.ndarray,
    point_rows: np.ndarray,
    arousal: np.ndarray,
    valence: np.ndarray,
    *,
    temperature: float,
    ambiguity_threshold: float,
    exclude_bases: Collection[str],
) -> None:
    import numpy as np
    import pandas as pd

    n = len(out)
    label = np.full(n, None, dtype=object)
    probability = np.full(n, np.nan)
    entropy = np.full(n, np.nan)
    ambiguous = np.full(n, None, dtype=object)
    for vocabulary_id, category_id in {
        (v, c) for v, c in zip(vocabulary_col, category_col) if c is not None
    }:
        mapped = category_to_vocabulary(
            category_id, vocabulary_id, target,
            ambiguity_threshold=ambiguity_threshold, exclude_bases=exclude_bases,
        )  # fmt: skip
        if mapped is None:
            continue
        rows = (vocabulary_col == vocabulary_id) & (category_col == category_id)
        label[rows] = mapped.label
        probability[rows] = mapped.probability
        entropy[rows] = mapped.entropy
        ambiguous[rows] = mapped.ambiguous
    if point_rows.any():
        ids, probabilities = points_to_category_probabilities(
            arousal[point_rows],
            valence[point_rows],
            target,
            temperature=temperature,
            exclude_bases=exclude_bases,
        )
        best, top, point_entropy = _summarize(
            probabilities, np.ones(len(probabilities), dtype=bool)
        )
        label[point_rows] = [ids[i] if i >= 0 else None for i in best]
        probability[point_rows] = top
        entropy[point_rows] = point_entropy
        ambiguous[point_rows] = (point_entropy >= ambiguity_threshold) | (best < 0)
    out["mapped_label"] = pd.Series(label, dtype="string")
    out["mapped_prob"] = pd.array(
        np.where(np.isnan(probability), None, probability), dtype="Float64"
    )
    out["mapped_entropy"] = pd.array(np.where(np.isnan(entropy), None, entropy), dtype="Float64")
    out["mapped_ambiguous"] = pd.array(ambiguous, dtype="boolean")


def unified(
    tables: Any,
    info: Any,
    *,
    table: str = "annotations",
    to: str | None = None,
    on_axis: OnAxisPolicy = "missing",
    temperature: float = DEFAULT_TEMPERATURE,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
    distribution: bool = False,
    arousal_dimensions: Collection[str] = AROUSAL_DIMENSIONS,
    valence_dimensions: Collection[str] = VALENCE_DIMENSIONS,
    exclude_bases: Collection[str] = (),
) -> pd.DataFrame:
    """The annotations of one dataset in the unified label space (columns: see module docstring).

    ``tables`` has an ``annotations`` and a ``labels`` DataFrame (``table`` picks one);
    ``info`` is the dataset's catalog entry (``.id``, ``.dimension(name)``).
    ``exclude_bases=("convention of this library",)`` keeps placements that are conventions of
    this library out of every mapping.
    """
    if table not in ("annotations", "labels"):
        raise ValueError(f"table must be 'annotations' or 'labels', got {table!r}")
    return _unify(
        _frame(tables, table), info, table=table, to=to, on_axis=on_axis,
        temperature=temperature, ambiguity_threshold=ambiguity_threshold, distribution=distribution,
        arousal_dimensions=arousal_dimensions, valence_dimensions=valence_dimensions,
        exclude_bases=exclude_bases,
    )  # fmt: skip


def unified_labels(
    tables: Any,
    info: Any,
    *,
    to: str | None = None,
    on_axis: OnAxisPolicy = "missing",
    temperature: float = DEFAULT_TEMPERATURE,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
    distribution: bool = False,
    arousal_dimensions: Collection[str] = AROUSAL_DIMENSIONS,
    valence_dimensions: Collection[str] = VALENCE_DIMENSIONS,
    exclude_bases: Collection[str] = (),
) -> pd.DataFrame:
    """The published labels of one dataset in the unified label space (options: :func:`unified`)."""
    return unified(
        tables, info, table="labels", to=to, on_axis=on_axis, temperature=temperature,
        ambiguity_threshold=ambiguity_threshold, distribution=distribution,
        arousal_dimensions=arousal_dimensions, valence_dimensions=valence_dimensions,
        exclude_bases=exclude_bases,
    )  # fmt: skip
