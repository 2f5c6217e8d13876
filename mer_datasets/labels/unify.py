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
``to="av"``: ``mapped_arousal``/``mapped_valence`` = the record's point (on its arousal/valence rows), or the category's
coordinates. With ``to=<vocabulary id>``: ``mapped_label``, ``mapped_prob``, ``mapped_entropy``,
``mapped_ambiguous`` (categories through quadrants, points by softmax; see :mod:`.mapping`).

Only emotion rows get a quadrant: rows with a category, and arousal/valence ratings of a record
that has both. Other dimensions of the same record (TROMPA's familiarity and preference) get
none, so counting quadrants does not count them.

Which dimensions are arousal and valence: by default the dimensions named ``arousal`` and
``valence`` (and their time-continuous ``*_dynamic`` curves), plus the readings recorded in ``correspondences.yaml`` (``energy`` of the
film-soundtrack data as arousal, with its source and why the reading is ambiguous; the result's
``attrs["notes"]`` says so). Pass ``arousal_dimensions``/``valence_dimensions`` to choose.

With ``to=<vocabulary id>``, a category maps to itself in its own vocabulary, then through a
direct correspondence (``correspondences.yaml``: TROMPA's ``tenderness`` is GEMS ``tenderness``),
and only then through the quadrants; ``mapped_route`` says which
(``same vocabulary``/``correspondence``/``quadrants``/``point``).
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import LabelMappingError
from .correspondences import axis_readings, correspondence
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

#: The continuous curves (``*_dynamic``, DEAM/emoMusic/PMEmo) are the same axes sampled over time.
AROUSAL_DIMENSIONS: tuple[str, ...] = ("arousal", "arousal_dynamic")
VALENCE_DIMENSIONS: tuple[str, ...] = ("valence", "valence_dynamic")
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


def _key(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One integer record key per row from ``columns``, -1 when the first column is missing.

    Integer group numbers, not joined strings: formatting 270k ``time_s`` values as text took
    most of a ``labels deam`` run."""
    import numpy as np

    groups = frame.groupby([frame[c] for c in columns], dropna=False, sort=False, observed=True)
    key = groups.ngroup().to_numpy(dtype="int64")
    return np.where(frame[columns[0]].notna().to_numpy(), key, -1)


def _join_axis(value_norm: np.ndarray, is_axis: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per row: the unique normalized value of the axis dimension within the row's record (NaN
    when the record has none, or two: a record with two arousal values has no arousal)."""
    import numpy as np

    if not len(key):
        return np.full(0, np.nan)
    usable = is_axis & ~np.isnan(value_norm) & (key >= 0)
    size = max(int(key.max()) + 1, 1)
    counts = np.bincount(key[usable], minlength=size)
    sums = np.bincount(key[usable], weights=value_norm[usable], minlength=size)
    per_record = np.where(counts == 1, sums, np.nan)
    return np.where(key >= 0, per_record[np.maximum(key, 0)], np.nan)


def _frame(tables: Any, name: str) -> pd.DataFrame:
    import pandas as pd

    frame = getattr(tables, name, None)
    if frame is None:
        return pd.DataFrame({"dimension": pd.Series([], dtype="string")})
    return frame.reset_index(drop=True).copy()


@dataclass
class _Rows:
    """The columns of the input rows that every step reads, as arrays (one entry per row)."""

    dims: pd.Series
    values: np.ndarray
    labels: pd.Series
    statistics: pd.Series | None

    @classmethod
    def of(cls, frame: pd.DataFrame, table: str) -> _Rows:
        import numpy as np
        import pandas as pd

        n = len(frame)
        missing = pd.Series([pd.NA] * n, dtype="string")

        def text(column: str) -> pd.Series:
            series = frame[column]
            # categoricals compare and filter by code; converting 270k rows to text is slow
            return (
                series if isinstance(series.dtype, pd.CategoricalDtype) else series.astype("string")
            )

        return cls(
            dims=text("dimension") if "dimension" in frame else missing,
            values=as_float_array(frame["value"]) if "value" in frame else np.full(n, np.nan),
            labels=frame["label"].astype("string") if "label" in frame else missing,
            statistics=text("statistic") if table == "labels" and "statistic" in frame else None,
        )


@dataclass
class _Categorized:
    """Step 1: each row's value on [-1, 1] and its vocabulary category (None where none)."""

    value_norm: np.ndarray
    vocabulary: np.ndarray
    category: np.ndarray


def _check_options(on_axis: OnAxisPolicy, to: str | None, ambiguity_threshold: float) -> None:
    check_policy(on_axis)
    check_target(to)
    if not 0.0 <= ambiguity_threshold <= 1.0:
        raise LabelMappingError(
            f"ambiguity_threshold must be in [0, 1], got {ambiguity_threshold!r}"
        )


def _normalize_and_categorize(rows: _Rows, info: Any, table: str) -> _Categorized:
    """Values to [-1, 1] from each dimension's declared range; labels (or chosen 0/1 items) to
    categories. Undeclared dimensions and unknown labels are left unmapped with one warning each."""
    import numpy as np

    n = len(rows.dims)
    result = _Categorized(
        np.full(n, np.nan), np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    )
    unknown_dimensions: list[str] = []
    unknown_labels: dict[str, set[str]] = {}
    for name in rows.dims.dropna().unique():
        mask = (rows.dims == name).fillna(False).to_numpy()
        dimension = info.dimension(name)
        if dimension is None:
            unknown_dimensions.append(str(name))
            continue
        if has_numeric_range(dimension):
            _normalize(rows, mask, scale_of(dimension, info.id), result.value_norm)
        if getattr(dimension, "vocabulary", None):
            unknown = _categorize(rows, mask, name, dimension, result)
            if unknown:
                unknown_labels[f"{name} ({dimension.vocabulary})"] = unknown
    if unknown_dimensions:
        warnings.warn(
            f"dataset {info.id!r}, table {table!r}: dimensions not declared in the catalog were left "
            f"unmapped: {', '.join(sorted(unknown_dimensions))}",
            stacklevel=4,
        )
    for where, spellings in unknown_labels.items():
        warnings.warn(
            f"dataset {info.id!r}, table {table!r}, dimension {where}: labels not in the vocabulary were "
            f"left unmapped: {', '.join(sorted(spellings)[:10])}",
            stacklevel=4,
        )
    return result


def _normalize(rows: _Rows, mask: np.ndarray, scale: Any, value_norm: np.ndarray) -> None:
    """Ratings as values; in ``labels``, location statistics as values and spreads as spreads."""
    if rows.statistics is None:
        value_norm[mask] = scale.to_unit(rows.values[mask])
        return
    location = mask & rows.statistics.isin(LOCATION_STATISTICS).fillna(False).to_numpy()
    spread = mask & rows.statistics.isin(SPREAD_STATISTICS).fillna(False).to_numpy()
    value_norm[location] = scale.to_unit(rows.values[location])
    value_norm[spread] = scale.spread_to_unit(rows.values[spread])


def _categorize(
    rows: _Rows, mask: np.ndarray, name: str, dimension: Any, result: _Categorized
) -> set[str]:
    """Categories of one dimension's rows; returns the labels the vocabulary does not know."""
    vocabulary = load_vocabulary(dimension.vocabulary)
    unknown: set[str] = set()
    labelled = mask & rows.labels.notna().to_numpy()
    for label in rows.labels[labelled].unique():
        category = vocabulary.find(label)
        if category is None:
            unknown.add(str(label))
            continue
        chosen = labelled & (rows.labels == label).fillna(False).to_numpy()
        result.vocabulary[chosen], result.category[chosen] = vocabulary.id, category.id
    named = vocabulary.find(name)
    if named is not None and has_numeric_range(dimension):
        # a 0/1 item named after a category (Emotify's GEMS items): the maximum means "chosen"
        chosen = mask & ~rows.labels.notna().to_numpy() & (rows.values == float(dimension.max))
        result.vocabulary[chosen], result.category[chosen] = vocabulary.id, named.id
    return unknown


def _record_key(frame: pd.DataFrame, rows: _Rows, table: str) -> np.ndarray | None:
    """Which rows form one source record: an annotation (``annotation_id``), or in ``labels`` the
    mean (or median) rows of one track; with ``time_s`` when the table is time-continuous."""
    import numpy as np

    if table == "annotations":
        key_columns = ["annotation_id"]
        joinable = np.ones(len(frame), dtype=bool)
    else:
        key_columns = ["track_id", "statistic"]
        joinable = (
            rows.statistics.isin(AV_JOIN_STATISTICS).fillna(False).to_numpy()
            if rows.statistics is not None
            else np.zeros(len(frame), dtype=bool)
        )
    if "time_s" in frame and frame["time_s"].notna().any():
        key_columns.append("time_s")
    if not len(frame) or not all(column in frame for column in key_columns):
        return None
    return np.where(joinable, _key(frame, key_columns), -1)


def _quadrant_distributions(
    categorized: _Categorized,
    point_rows: np.ndarray,
    arousal: np.ndarray,
    valence: np.ndarray,
    *,
    on_axis: OnAxisPolicy,
    exclude_bases: Collection[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: P(quadrant) (a category's own, else the record's point), the category's
    ``ambiguous`` flag, and the category's coordinates (for ``to="av"``)."""
    import numpy as np

    n = len(point_rows)
    probabilities = np.full((n, len(QUADRANTS)), np.nan)
    flagged = np.zeros(n, dtype=bool)
    coordinates = np.full((n, 2), np.nan)
    if point_rows.any():
        probabilities[point_rows] = quadrant_arrays(
            arousal[point_rows], valence[point_rows], on_axis=on_axis
        )
    for vocabulary_id, category_id, rows in _category_groups(categorized):
        category = load_vocabulary(vocabulary_id).category(category_id)
        if category.bases() and category.bases() <= set(exclude_bases):
            continue  # its placement rests only on excluded bases: treated as unplaced
        if category.placed and category.distribution is not None:
            probabilities[rows] = [category.distribution[q] for q in QUADRANTS]
            flagged[rows] = category.ambiguous
        if category.placed and category.coordinates is not None:
            coordinates[rows] = category.coordinates
    return probabilities, flagged, coordinates


def _category_groups(categorized: _Categorized) -> Iterator[tuple[str, str, np.ndarray]]:
    """Each distinct (vocabulary, category) with the mask of its rows."""
    pairs = {(v, c) for v, c in zip(categorized.vocabulary, categorized.category) if c is not None}
    for vocabulary_id, category_id in sorted(pairs):
        rows = (categorized.vocabulary == vocabulary_id) & (categorized.category == category_id)
        yield vocabulary_id, category_id, rows


def _string_column(values: np.ndarray) -> pd.Series:
    """A nullable string column from an object array (None -> NA), built through Arrow: pandas'
    own conversion of 270k objects was a visible share of ``labels deam``."""
    import pandas as pd
    import pyarrow as pa

    return pd.Series(pd.array(pa.array(values, type=pa.string(), from_pandas=True), dtype="string"))


def _float_column(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A nullable Float64 column with NaN as missing."""
    import numpy as np
    import pandas as pd

    return pd.array(np.asarray(values, dtype="float64"), dtype="Float64")  # NaN -> <NA>


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

    _check_options(on_axis, to, ambiguity_threshold)
    n = len(frame)
    rows = _Rows.of(frame, table)
    categorized = _normalize_and_categorize(rows, info, table)

    # arousal/valence of the same source record
    is_arousal = rows.dims.isin(list(arousal_dimensions)).fillna(False).to_numpy()
    is_valence = rows.dims.isin(list(valence_dimensions)).fillna(False).to_numpy()
    key = _record_key(frame, rows, table)
    if key is None:
        arousal = valence = np.full(n, np.nan)
    else:
        arousal = _join_axis(categorized.value_norm, is_arousal, key)
        valence = _join_axis(categorized.value_norm, is_valence, key)

    # only emotion rows get a quadrant: a category, or an arousal/valence rating of a record
    # with both (familiarity or preference rows of the same record get none)
    has_category = np.array([c is not None for c in categorized.category], dtype=bool)
    point_rows = ~has_category & (is_arousal | is_valence) & ~np.isnan(arousal) & ~np.isnan(valence)
    quadrant_probs, flagged, category_coordinates = _quadrant_distributions(
        categorized, point_rows, arousal, valence, on_axis=on_axis, exclude_bases=exclude_bases
    )
    has_quadrant = ~np.isnan(quadrant_probs).any(axis=1)
    best, probability, entropy = _summarize(quadrant_probs, has_quadrant)

    out = frame.copy()
    out.insert(0, "dataset", _string_column(np.full(n, info.id, dtype=object)))
    out["vocabulary"] = _string_column(categorized.vocabulary)
    out["category"] = _string_column(categorized.category)
    out["value_norm"] = _float_column(categorized.value_norm)
    out["arousal"] = _float_column(arousal)
    out["valence"] = _float_column(valence)
    out["quadrant"] = _string_column(np.array([*QUADRANTS, None], dtype=object)[best])
    out["quadrant_prob"] = _float_column(probability)
    out["quadrant_entropy"] = _float_column(entropy)
    ambiguous = (entropy >= ambiguity_threshold) | flagged | (best < 0)
    out["ambiguous"] = pd.array(np.where(has_quadrant, ambiguous, None), dtype="boolean")
    source = np.where(has_quadrant & has_category, "category", np.where(has_quadrant, "av", None))
    out["quadrant_source"] = _string_column(source)
    if distribution:
        for index, quadrant in enumerate(QUADRANTS):
            out[f"p_{quadrant}"] = _float_column(quadrant_probs[:, index])

    if to == "quadrant":
        out["mapped_label"] = out["quadrant"]
        out["mapped_prob"] = out["quadrant_prob"]
    elif to == "av":
        # a category's coordinates, else the record's point on its arousal/valence rows only
        points = np.where(
            (is_arousal | is_valence)[:, None], np.column_stack([arousal, valence]), np.nan
        )
        mapped = np.where(has_category[:, None], category_coordinates, points)
        out["mapped_arousal"] = _float_column(mapped[:, 0])
        out["mapped_valence"] = _float_column(mapped[:, 1])
    elif to is not None:
        _map_to_vocabulary(
            out, to, categorized, point_rows, arousal, valence,
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
    categorized: _Categorized,
    point_rows: np.ndarray,
    arousal: np.ndarray,
    valence: np.ndarray,
    *,
    temperature: float,
    ambiguity_threshold: float,
    exclude_bases: Collection[str],
) -> None:
    """``mapped_*`` columns for a target vocabulary. A category maps, in this order: to itself
    (same vocabulary), through a recorded correspondence (``correspondences.yaml``), or through
    the quadrants; a record's point maps by softmax. ``mapped_route`` says which."""
    import numpy as np
    import pandas as pd

    n = len(out)
    label = np.full(n, None, dtype=object)
    probability = np.full(n, np.nan)
    entropy = np.full(n, np.nan)
    ambiguous = np.full(n, None, dtype=object)
    route = np.full(n, None, dtype=object)
    for vocabulary_id, category_id, rows in _category_groups(categorized):
        direct = (
            category_id
            if vocabulary_id == target
            else getattr(correspondence(vocabulary_id, category_id, target), "target", None)
        )
        if direct is not None:
            label[rows], probability[rows], entropy[rows], ambiguous[rows] = direct, 1.0, 0.0, False
            route[rows] = "same vocabulary" if vocabulary_id == target else "correspondence"
            continue
        mapped = category_to_vocabulary(
            category_id, vocabulary_id, target,
            ambiguity_threshold=ambiguity_threshold, exclude_bases=exclude_bases,
        )  # fmt: skip
        if mapped is None:
            continue
        label[rows] = mapped.label
        probability[rows] = mapped.probability
        entropy[rows] = mapped.entropy
        ambiguous[rows] = mapped.ambiguous
        route[rows] = "quadrants"
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
        route[point_rows] = "point"
    out["mapped_label"] = _string_column(label)
    out["mapped_prob"] = _float_column(probability)
    out["mapped_entropy"] = _float_column(entropy)
    out["mapped_ambiguous"] = pd.array(ambiguous, dtype="boolean")
    out["mapped_route"] = _string_column(route)


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
    arousal_dimensions: Collection[str] | None = None,
    valence_dimensions: Collection[str] | None = None,
    exclude_bases: Collection[str] = (),
) -> pd.DataFrame:
    """The annotations of one dataset in the unified label space (columns: see module docstring).

    ``tables`` has an ``annotations`` and a ``labels`` DataFrame (``table`` picks one);
    ``info`` is the dataset's catalog entry (``.id``, ``.dimension(name)``).
    ``exclude_bases=("convention of this library",)`` keeps placements that are conventions of
    this library out of every mapping. ``arousal_dimensions``/``valence_dimensions`` default to
    ``arousal``/``valence`` plus the readings ``correspondences.yaml`` records for the dataset
    (Soundtracks' ``energy`` as arousal); each reading used is described in
    ``result.attrs["notes"]``.
    """
    if table not in ("annotations", "labels"):
        raise ValueError(f"table must be 'annotations' or 'labels', got {table!r}")
    notes: list[str] = []
    if arousal_dimensions is None or valence_dimensions is None:
        readings = axis_readings(info.id)
        if arousal_dimensions is None:
            used = [r for r in readings if r.axis == "arousal"]
            arousal_dimensions = (*AROUSAL_DIMENSIONS, *(r.dimension for r in used))
        else:
            used = []
        if valence_dimensions is None:
            used_valence = [r for r in readings if r.axis == "valence"]
            valence_dimensions = (*VALENCE_DIMENSIONS, *(r.dimension for r in used_valence))
            used += used_valence
        notes += [
            f"{r.axis} read from {info.id}'s `{r.dimension}` ({r.reference}): {r.note}"
            for r in used
        ]
    result = _unify(
        _frame(tables, table), info, table=table, to=to, on_axis=on_axis,
        temperature=temperature, ambiguity_threshold=ambiguity_threshold, distribution=distribution,
        arousal_dimensions=arousal_dimensions, valence_dimensions=valence_dimensions,
        exclude_bases=exclude_bases,
    )  # fmt: skip
    result.attrs["notes"] = notes
    return result


def unified_labels(
    tables: Any,
    info: Any,
    *,
    to: str | None = None,
    on_axis: OnAxisPolicy = "missing",
    temperature: float = DEFAULT_TEMPERATURE,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
    distribution: bool = False,
    arousal_dimensions: Collection[str] | None = None,
    valence_dimensions: Collection[str] | None = None,
    exclude_bases: Collection[str] = (),
) -> pd.DataFrame:
    """The published labels of one dataset in the unified label space (options: :func:`unified`)."""
    return unified(
        tables, info, table="labels", to=to, on_axis=on_axis, temperature=temperature,
        ambiguity_threshold=ambiguity_threshold, distribution=distribution,
        arousal_dimensions=arousal_dimensions, valence_dimensions=valence_dimensions,
        exclude_bases=exclude_bases,
    )  # fmt: skip
