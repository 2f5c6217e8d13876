"""Krippendorff's alpha computed straight from a long table of judgments.

Why long tables and closed forms: per-rater MER data is sparse (most raters judge a few of many
excerpts) and continuous sliders produce ~10^6 distinct values, so a dense raters x items
"reliability matrix" or a values x values array per item (what most implementations build) does
not fit. Everything here works on per-item sufficient statistics in O(N log N) or better.

Definitions (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", Annenberg School
for Communication, Departmental Papers 43; Hayes & Krippendorff 2007, Communication Methods and
Measures 1(1):77-89). An item u with m_u >= 2 judgments is *pairable*; only pairable values count.
The coincidence matrix is

    o_ck = sum_u (number of ordered pairs (c, k) of distinct judgments in u) / (m_u - 1),

n_c = sum_k o_ck (the number of pairable values equal to c) and n = sum_c n_c. Then

    D_o = (1 / n) sum_c sum_k o_ck delta2(c, k)
    D_e = (1 / (n (n - 1))) sum_c sum_k n_c n_k delta2(c, k)
    alpha = 1 - D_o / D_e

with the squared distances (metric differences) of the four levels of measurement:

    nominal  delta2 = [c != k]
    ordinal  delta2 = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2
    interval delta2 = (c - k)^2
    ratio    delta2 = ((c - k) / (c + k))^2          (0 when c + k == 0)

Closed forms used (derivations in docs/agreement.md):

* nominal: sum_ck o_ck delta2 = sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1) and
  sum_ck n_c n_k delta2 = n^2 - sum_c n_c^2 (n_uc = judgments of value c in item u).
* interval: sum_ck o_ck delta2 = 2 sum_u m_u SS_u / (m_u - 1) with SS_u the item's sum of squared
  deviations from its mean, and sum_ck n_c n_k delta2 = 2 n SS, SS over all pairable values.
* ordinal: with the position p_c = sum_{g<c} n_g + n_c / 2, sum_{g=c..k} n_g - (n_c + n_k)/2 =
  p_k - p_c for c <= k, so the ordinal metric is the interval metric on the positions: no V x V
  matrix even for 10^6 distinct slider values.
* ratio has no such decomposition: observed disagreement sums over the distinct values within
  each item (O(sum_u V_u^2)) and expected disagreement over the V x V distinct-value pairs in
  blocks of bounded memory; V above ``MAX_RATIO_VALUES`` raises ``ValueError`` (round the values).

Undefined cases return ``nan`` (never raise): no pairable item (n == 0), a single pairable value
(n == 1), or no expected disagreement (D_e == 0, e.g. every pairable value is the same). The
``krippendorff`` package raises ``ValueError`` when the value domain has one value, and returns nan
for no pairable units; ours returns nan in both cases.

Speed (benchmarks/results/agreement.md): :func:`encode_judgments` codes compact integer item
ids and small integer value domains by subtraction instead of hashing, and reduces the judgments
in one bincount to the items x values count matrix N, from which every level follows in
O(items x values) (ratio: the coincidences (N / (m - 1))^T N); many distinct values are kept per
judgment (interval: two bincount passes; ordinal: one sort for the positions). The general
``pairable_values`` path remains for ``expected_from`` and for what the fast one does not cover.

Duplicate judgments (one rater judging one item twice) are *not* resolved here: every row is a
judgment. Resolve them first with :func:`mer_datasets.agreement.duplicates.resolve_duplicates`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import AgreementError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

#: Above this many distinct values, ratio alpha (quadratic in distinct values) refuses to run.
MAX_RATIO_VALUES = 20_000
#: Memory budget (float64 cells) of one block of the blocked distinct-value computations.
_BLOCK_CELLS = 1 << 21


@dataclass(frozen=True)
class PairableValues:
    """The pairable judgments of a long table, encoded as integers.

    ``item_codes`` index the pairable items 0..n_items-1 (items with >= 2 judgments),
    ``value_codes`` index ``values`` (sorted unique values; for nominal data the order is that of
    first appearance), ``value_counts`` is n_c and ``judgments_per_item`` is m_u.
    """

    item_codes: np.ndarray
    value_codes: np.ndarray
    values: np.ndarray
    value_counts: np.ndarray
    judgments_per_item: np.ndarray
    numeric: np.ndarray | None  # float values per judgment (None for nominal labels)

    @property
    def n(self) -> int:
        return int(self.item_codes.size)

    @property
    def n_items(self) -> int:
        return int(self.judgments_per_item.size)


def check_level(level: str) -> str:
    """Return ``level`` if it is one of the four levels of measurement, else raise ``ValueError``."""
    if level not in LEVELS:
        raise AgreementError(
            f"unknown level of measurement {level!r}; expected one of {', '.join(LEVELS)}"
        )
    return level


def codes_of(column: pd.Series) -> np.ndarray:
    """Integer codes of a column (-1 for missing), via the categorical codes when there are any."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes, dtype=np.int64)
    codes, _ = pd.factorize(column, sort=False)
    return codes.astype(np.int64, copy=False)


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) in order of first appearance, -1 for missing, without pandas.

    Missing is NaN for floats, None or NaN for objects, and a negative value for signed
    integers (which are codes here: re-coding codes by first appearance within a subset keeps
    -1 as -1). Gives the codes ``pandas.factorize(values, sort=False)`` gives, so that statistics
    whose resampling follows the order of the items are the same from a DataFrame and from numpy
    columns (the pandas-free CLI path).
    """
    values = np.asarray(values)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
    elif values.dtype.kind == "i":
        missing = values < 0
    elif values.dtype == object:
        missing = np.fromiter((v is None or v != v for v in values), bool, values.size)
    else:
        missing = np.zeros(values.size, dtype=bool)
    codes = np.full(values.size, -1, dtype=np.intp)
    present = values[~missing] if missing.any() else values
    if present.size == 0:
        return codes, present[:0]
    uniques, first, inverse = np.unique(present, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    codes[~missing] = rank[inverse.reshape(-1)]
    return codes, uniques[order]


@dataclass(frozen=True)
class LongValues:
    """One variable's judgments as arrays: the input of every statistic in this package.

    ``item_codes`` (intp, -1 = missing) index ``n_slots`` item slots. Numeric data have ``x``
    (float64, NaN = missing); labels have ``label_codes`` (intp, -1 = missing) indexing
    ``labels``. Why arrays: alpha, its bootstrap, ICC and kappa need nothing else, so the
    DataFrame API (via :func:`long_values`) and the pandas-free CLI path (numpy columns read from
    the Parquet cache) share one implementation and give the same numbers.
    """

    item_codes: np.ndarray
    n_slots: int
    x: np.ndarray | None = None
    label_codes: np.ndarray | None = None
    labels: np.ndarray | None = None


def _numeric_values(column: pd.Series, name: str) -> np.ndarray:
    import pandas as pd

    try:
        values = pd.to_numeric(column, errors="raise")
    except (ValueError, TypeError) as error:
        raise AgreementError(
            f"column {name!r} must be numeric for this level of measurement (found {column.dtype}); "
            "use level='nominal' for labels"
        ) from error
    return np.asarray(values.astype("float64"), dtype=np.float64)


def _check_columns(data: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        if column not in data.columns:
            raise AgreementError(
                f"column {column!r} not in the table (columns: {', '.join(map(str, data.columns))})"
            )


def pairable_values(
    data: pd.DataFrame,
    *,
    item: str = "item",
    value: str = "value",
    level: str = "nominal",
    with_values: bool = True,
) -> PairableValues:
    """Encode the pairable judgments of ``data`` (rows with a missing item or value are ignored).

    ``with_values=False`` skips sorting the distinct numeric values (not needed by interval
    alpha, which then uses ``numeric`` only; ``values`` and ``value_counts`` are left empty).
    """
    import pandas as pd

    check_level(level)
    _check_columns(data, item, value)
    item_codes = codes_of(data[item])
    if level == "nominal":
        labels = data[value]
        if isinstance(labels.dtype, pd.CategoricalDtype):
            all_values = np.asarray(labels.cat.categories, dtype=object)
        else:
            _, uniques = pd.factorize(labels, sort=False)
            all_values = np.asarray(uniques, dtype=object)
        values = LongValues(item_codes, 0, label_codes=codes_of(labels), labels=all_values)
    else:
        values = LongValues(item_codes, 0, x=_numeric_values(data[value], value))
    return pairable_values_of(values, level=level, with_values=with_values)


def pairable_values_of(
    data: LongValues, *, level: str = "nominal", with_values: bool = True
) -> PairableValues:
    """:func:`pairable_values` of arrays (nominal numeric values are coded by first appearance)."""
    check_level(level)
    item_codes = np.asarray(data.item_codes, dtype=np.int64)
    numeric: np.ndarray | None
    if level == "nominal":
        if data.label_codes is not None:
            value_codes = np.asarray(data.label_codes, dtype=np.int64)
            all_values = np.asarray(data.labels, dtype=object)
        else:
            value_codes, all_values = factorize(_require_numeric(data))
        keep = (item_codes >= 0) & (value_codes >= 0)
        numeric = None
    else:
        numeric = _require_numeric(data)
        keep = (item_codes >= 0) & ~np.isnan(numeric)
        value_codes = np.zeros(numeric.size, dtype=np.int64)
    if not keep.all():
        item_codes, value_codes = item_codes[keep], value_codes[keep]
        numeric = numeric[keep] if numeric is not None else None
    n_item_codes = int(item_codes.max()) + 1 if item_codes.size else 0
    per_item = np.bincount(item_codes, minlength=n_item_codes)
    pairable_item = per_item >= 2
    if not pairable_item.all():
        rows = pairable_item[item_codes]
        new_code = np.cumsum(pairable_item) - 1
        item_codes = new_code[item_codes[rows]]
        value_codes = value_codes[rows]
        numeric = numeric[rows] if numeric is not None else None
        per_item = per_item[pairable_item]
    if level == "nominal":
        counts = np.bincount(value_codes, minlength=all_values.size)
        present = counts > 0
        remap = np.cumsum(present) - 1
        value_codes = remap[value_codes]
        values, value_counts = all_values[present], counts[present]
    elif with_values:
        assert numeric is not None
        values, value_codes, value_counts = _sorted_unique(numeric)
    else:
        values, value_counts = np.empty(0), np.empty(0, dtype=np.int64)
    return PairableValues(
        item_codes=item_codes.astype(np.int64, copy=False),
        value_codes=value_codes.astype(np.int64, copy=False),
        values=values,
        value_counts=value_counts.astype(np.int64, copy=False),
        judgments_per_item=per_item.astype(np.int64, copy=False),
        numeric=numeric,
    )


def _require_numeric(data: LongValues) -> np.ndarray:
    if data.x is None:
        raise AgreementError(
            "this level of measurement needs numeric values, and the values are labels; "
            "use level='nominal' for labels"
        )
    return np.asarray(data.x, dtype=np.float64)


def _sorted_unique(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted unique values, the code of each element and the counts (one argsort of x)."""
    if x.size == 0:
        return np.empty(0), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.argsort(x)
    ordered = x[order]
    starts = np.empty(ordered.size, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    sorted_codes = np.cumsum(starts) - 1
    codes = np.empty_like(sorted_codes)
    codes[order] = sorted_codes
    return ordered[starts], codes, np.bincount(sorted_codes)


def refuse_non_finite(x: np.ndarray, row_name=None) -> None:
    """Raise :class:`AgreementError` naming the first judgment whose value is +-inf.

    Why: NaN means missing, but an infinite value is neither a judgment nor missing; left in, it
    turns every sum into inf or NaN and alpha into a misleading "undefined". ``row_name`` maps a
    position to the row's name in the caller's table (default: "judgment <position>").
    """
    infinite = np.isinf(x)
    if infinite.any():
        position = int(np.argmax(infinite))
        name = row_name(position) if row_name is not None else f"judgment {position}"
        raise AgreementError(
            f"{name}: value {x[position]} is not finite; Krippendorff's alpha needs finite values "
            "(use NaN or leave the cell empty for a missing judgment)"
        )


def finite_scaled(
    data: LongValues, level: str, reference: LongValues | None = None
) -> tuple[LongValues, LongValues | None]:
    """``data`` and ``reference`` with +-inf refused and, for interval and ratio values, scaled by
    one power of two so that the largest magnitude is in [0.5, 1).

    Why: interval alpha squares values (1e160 overflows, 1e-170 underflows to 0) and ratio adds
    them. Both metrics are invariant under a common scale factor, and a power of two changes no
    bit of the significands, so alpha is unchanged where it was computable and right where it
    was not. Ordinal (positions) and nominal (labels) need no scaling.
    """
    arrays = [d.x for d in (data, reference) if d is not None and d.x is not None]
    for x in arrays:
        refuse_non_finite(x)
    if level not in ("interval", "ratio") or not arrays:
        return data, reference
    largest = max((float(np.nanmax(np.abs(x))) if np.any(~np.isnan(x)) else 0.0) for x in arrays)
    if largest == 0.0:
        return data, reference
    _, exponent = np.frexp(largest)
    if -64 <= exponent <= 64:  # ordinary magnitudes: no copy
        return data, reference

    def scaled(d: LongValues | None) -> LongValues | None:
        if d is None or d.x is None:
            return d
        return replace(d, x=np.ldexp(d.x, -int(exponent)))

    return scaled(data), scaled(reference)


# -- fast encoding of a long table ------------------------------------------------------------
#
# Why: factorizing the item and value columns dominates the cost of alpha on 10^6+ judgments.
# Integer item ids in a compact range and small integer value domains (Likert scales) are coded
# by subtraction instead of hashing; the judgments are then reduced in one bincount to the
# items x values count matrix N (few distinct values) or to per-item sums (continuous values),
# without copying or filtering the rows more than once.

#: Numeric data with at most this many distinct values are counted in an items x values matrix.
DISCRETE_MAX_VALUES = 1024


@dataclass(frozen=True)
class ItemValueCounts:
    """Judgment counts N (pairable items x distinct values, float64) and the values.

    ``values`` are sorted for numeric levels (labels in first-appearance order for nominal data).
    Rows are the pairable items (m_u >= 2) in the order of their codes; columns with no pairable
    judgment are dropped.
    """

    counts: np.ndarray
    values: np.ndarray
    per_item: np.ndarray  # m_u = N 1
    value_counts: np.ndarray  # n_c = 1 N


@dataclass(frozen=True)
class NumericJudgments:
    """Numeric judgments with many distinct values: item slot and value of every kept row.

    ``item_codes`` index ``judgments_per_item`` (slots, pairable or not: m_u of 0 and 1 included).
    """

    item_codes: np.ndarray
    x: np.ndarray
    judgments_per_item: np.ndarray


def _compact_int_codes(raw: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Codes by subtraction of integer ids in a compact range (no hashing), else None."""
    if raw.size == 0:
        return np.empty(0, dtype=np.intp), 0
    low, high = int(raw.min()), int(raw.max())
    if high - low < 2 * raw.size + (1 << 16):
        return np.subtract(raw, low, dtype=np.intp), high - low + 1
    return None


def _item_slots(column: pd.Series) -> tuple[np.ndarray, int]:
    """Item codes (intp, -1 for missing) and their number, by subtraction when ids are compact ints."""
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.intp), len(dtype.categories)
    if isinstance(dtype, np.dtype) and (
        dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize < 8)
    ):
        compact = _compact_int_codes(column.to_numpy())
        if compact is not None:
            return compact
    codes, uniques = pd.factorize(column, sort=False)
    return codes.astype(np.intp, copy=False), len(uniques)


def _float_column(column: pd.Series, name: str) -> np.ndarray:
    """The column as float64 (NaN for missing) without a copy when it already is float64."""
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        return column.to_numpy(dtype=np.float64)
    if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    return _numeric_values(column, name)


def _discrete_codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, sorted distinct values) when x (finite, no NaN) has few distinct values, else None.

    Integers in a range below ``DISCRETE_MAX_VALUES`` are coded by subtraction (no hashing); other
    data are sorted once only when a sample of them has few distinct values.
    """
    if x.size == 0:
        return None
    low, high = float(x.min()), float(x.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    if high - low < DISCRETE_MAX_VALUES and low == np.floor(low) and abs(low) < 2.0**52:
        shifted = x - low
        codes = shifted.astype(np.intp)
        if np.array_equal(codes, shifted):
            return codes, low + np.arange(int(high - low) + 1, dtype=np.float64)
    sample = x[:: max(1, x.size // 4096)]
    if np.unique(sample).size <= DISCRETE_MAX_VALUES // 4:
        uniques, codes = np.unique(x, return_inverse=True)
        if uniques.size <= DISCRETE_MAX_VALUES:
            return codes.reshape(-1).astype(np.intp, copy=False), uniques.astype(np.float64)
    return None


def long_values(
    data: pd.DataFrame, *, item: str = "item", value: str = "value", level: str = "nominal"
) -> LongValues:
    """The arrays of a long table that :func:`encode` needs (compact integer ids by subtraction)."""
    import pandas as pd

    check_level(level)
    _check_columns(data, item, value)
    item_codes, slots = _item_slots(data[item])
    labels = data[value]
    float_labels = isinstance(labels.dtype, np.dtype) and labels.dtype.kind == "f"
    if level == "nominal" and not float_labels:
        if isinstance(labels.dtype, np.dtype) and labels.dtype.kind in "iu":
            value_codes, n_labels = _item_slots(labels)  # exact for any integer labels
            values = np.arange(n_labels)
        elif isinstance(labels.dtype, pd.CategoricalDtype):
            value_codes = labels.cat.codes.to_numpy().astype(np.intp)
            values = np.asarray(labels.cat.categories, dtype=object)
        else:
            value_codes, uniques = pd.factorize(labels, sort=False)
            value_codes = value_codes.astype(np.intp, copy=False)
            values = np.asarray(uniques, dtype=object)
        return LongValues(item_codes, slots, label_codes=value_codes, labels=values)
    x = _float_column(labels, value)
    refuse_non_finite(x, lambda position: f"row {data.index[position]!r}, column {value!r}")
    return LongValues(item_codes, slots, x=x)


def encode_judgments(
    data: pd.DataFrame, *, item: str = "item", value: str = "value", level: str = "nominal"
) -> ItemValueCounts | NumericJudgments | None:
    """The fast encoding of a long table: counts, numeric judgments, or None (use ``pairable_values``).

    Rows with a missing item or value are ignored. ``ItemValueCounts`` when the items x values
    matrix is small (few distinct values), ``NumericJudgments`` for interval and ordinal data with
    many distinct values, None otherwise (nominal labels or ratio values with many distinct values).
    """
    return encode(long_values(data, item=item, value=value, level=level), level)


def encode(data: LongValues, level: str) -> ItemValueCounts | NumericJudgments | None:
    """:func:`encode_judgments` of arrays."""
    check_level(level)
    item_codes, slots = data.item_codes, data.n_slots
    if data.label_codes is not None:
        if level != "nominal":
            _require_numeric(data)
        value_codes = data.label_codes
        keep = value_codes >= 0
        if item_codes.size and item_codes.min() < 0:
            keep &= item_codes >= 0
        if not keep.all():
            item_codes, value_codes = item_codes[keep], value_codes[keep]
        return _counts_or_none(item_codes, value_codes, np.asarray(data.labels), slots)
    x = _require_numeric(data)
    missing = np.isnan(x)
    drop = missing.any()
    if item_codes.size and item_codes.min() < 0:
        missing |= item_codes < 0
        drop = True
    if drop:
        keep = ~missing
        item_codes, x = item_codes[keep], x[keep]
    del missing
    discrete = _discrete_codes(x)
    if discrete is not None:
        encoded = _counts_or_none(item_codes, discrete[0], discrete[1], slots)
        if encoded is not None:
            return encoded
    if level == "ratio":
        return None
    if level == "nominal":
        value_codes, uniques = factorize(x)
        return _counts_or_none(item_codes, value_codes, np.asarray(uniques), slots)
    return NumericJudgments(item_codes, x, np.bincount(item_codes, minlength=slots))


def _counts_or_none(
    item_codes: np.ndarray, value_codes: np.ndarray, values: np.ndarray, slots: int
) -> ItemValueCounts | None:
    """N (pairable items x present values) by one bincount, or None when the matrix would be big."""
    n_values = values.size
    cells = slots * n_values
    if cells > max(4 * item_codes.size, 1 << 22):
        return None
    per_item = np.bincount(item_codes, minlength=slots)
    pairable = per_item >= 2
    if pairable.all():
        rows, key = slots, item_codes * n_values
    else:  # renumber the pairable items; the others all go to one extra row, dropped below
        rows = int(np.count_nonzero(pairable))
        renumber = np.cumsum(pairable) - 1
        renumber[~pairable] = rows
        key = renumber[item_codes]
        key *= n_values
        per_item = per_item[pairable]
    key += value_codes
    counts = np.bincount(key, minlength=(rows + 1) * n_values)[: rows * n_values]
    del key
    counts = counts.astype(np.float64).reshape(rows, n_values)
    per_item = per_item.astype(np.float64)
    value_counts = _column_sums(counts)
    present = value_counts > 0
    if not present.all():
        counts, values, value_counts = counts[:, present], values[present], value_counts[present]
    return ItemValueCounts(counts, values, per_item, value_counts)


def _column_sums(matrix: np.ndarray) -> np.ndarray:
    """1 @ matrix: a BLAS product is ~7x faster than ``sum(axis=0)`` over a few columns."""
    return np.ones(matrix.shape[0]) @ matrix


def alpha_from_counts(encoded: ItemValueCounts, level: str) -> float:
    """alpha from the items x values counts N (see ``disagreement_sums_from_counts``)."""
    return alpha_from_sums(*disagreement_sums_from_counts(encoded, level))


def ordinal_positions_from_counts(value_counts: np.ndarray) -> np.ndarray:
    """p_c = sum_{g<c} n_g + n_c / 2 for values in ascending order (the ordinal metric's positions)."""
    return np.cumsum(value_counts) - value_counts / 2.0


def disagreement_sums_from_counts(
    encoded: ItemValueCounts, level: str
) -> tuple[float, float, int, int]:
    """(observed sum, expected sum, n, n) from N (pairable items x values), as ``disagreement_sums``.

    nominal: sum_u (m_u^2 - sum_c N_uc^2)/(m_u - 1) and n^2 - sum_c n_c^2; interval and ordinal:
    2 sum_u m_u SS_u/(m_u - 1) and 2 n SS on the metric values (positions for ordinal), centred on
    their mean so that m_u SS_u = m_u S2_u - S1_u^2 has no cancellation from an offset; ratio:
    sum_ck o_ck delta2_ck with o = (N / (m - 1))^T N off the diagonal, and n^T delta2 n.
    """
    check_level(level)
    counts, values = encoded.counts, encoded.values
    if counts.shape[0] == 0:
        return 0.0, 0.0, 0, 0
    per_item, value_counts = encoded.per_item, encoded.value_counts
    n = float(per_item.sum())
    inverse = 1.0 / (per_item - 1.0)
    if level == "nominal":
        squares = np.einsum("uv,uv->u", counts, counts)
        observed = float(np.dot(per_item * per_item - squares, inverse))
        expected = n * n - float(np.dot(value_counts, value_counts))
    elif level in ("interval", "ordinal"):
        metric = (
            values.astype(np.float64)
            if level == "interval"
            else ordinal_positions_from_counts(value_counts)
        )
        centered = metric - np.dot(value_counts, metric) / n
        first = counts @ centered
        second = counts @ (centered * centered)
        observed = 2.0 * float(np.dot(per_item * second - first * first, inverse))
        expected = 2.0 * n * float(np.dot(value_counts, centered * centered))
    else:
        if values.size > MAX_RATIO_VALUES:
            _expected_ratio(values, value_counts)  # raises with the explanation
        delta2 = ratio_delta2(values[:, None], values[None, :])
        coincidences = (counts * inverse[:, None]).T @ counts
        observed = float(np.sum(coincidences * delta2))
        expected = float(value_counts @ delta2 @ value_counts)
    return observed, expected, int(round(n)), int(round(n))


def numeric_sums(
    judgments: NumericJudgments, level: str
) -> tuple[float, float, int, int, np.ndarray]:
    """Interval or ordinal (observed, expected, n, n, per-item within sums) of many distinct values.

    Two passes per item (sums, then squared deviations from the item mean), no row filtering:
    items with fewer than two judgments are left out of every sum. For ordinal data the values are
    first replaced by their positions among the pairable values (one sort).
    """
    item_codes, per_item = judgments.item_codes, judgments.judgments_per_item
    slots = per_item.size
    pairable = per_item >= 2
    x = judgments.x
    if level == "ordinal":
        x = _pooled_positions(x, pairable[item_codes])
    sums = np.bincount(item_codes, weights=x, minlength=slots)
    m = per_item.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = sums / m
    deviations = x - means[item_codes]
    deviations *= deviations
    squares = np.bincount(item_codes, weights=deviations, minlength=slots)
    del deviations
    m, sums, means, squares = m[pairable], sums[pairable], means[pairable], squares[pairable]
    n = float(m.sum())
    if n < 2:
        return 0.0, 0.0, int(n), int(n), np.zeros(m.size)
    within = 2.0 * m * squares / (m - 1.0)
    grand_mean = float(sums.sum()) / n
    between = means - grand_mean
    total_squares = float(squares.sum()) + float(np.dot(m, between * between))
    return float(within.sum()), 2.0 * n * total_squares, int(n), int(n), within


def _pooled_positions(x: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Ordinal position of every x among the values where ``counted`` (below + equal / 2)."""
    order = np.argsort(x)
    ordered = x[order]
    starts = np.empty(x.size, dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    del ordered
    group = np.cumsum(starts, dtype=np.intp)
    group -= 1
    del starts
    frequency = np.bincount(group, weights=counted[order])
    position = np.cumsum(frequency) - frequency / 2.0
    positions = np.empty(x.size, dtype=np.float64)
    positions[order] = position[group]
    return positions


# -- positions of the ordinal metric ---------------------------------------------------------


def ordinal_positions(
    values: np.ndarray, ref_values: np.ndarray, ref_counts: np.ndarray
) -> np.ndarray:
    """Position p(v) = (reference values below v) + (reference values equal to v) / 2.

    Krippendorff's ordinal metric is delta(c, k) = p(k) - p(c) (see the module docstring), with
    the frequencies n_g of the pairable values of the reference data. A value absent from the
    reference has n_v = 0 and sits between its neighbours.
    """
    cumulative_below = np.concatenate(([0.0], np.cumsum(ref_counts, dtype=np.float64)))
    left = np.searchsorted(ref_values, values, side="left")
    right = np.searchsorted(ref_values, values, side="right")
    return (cumulative_below[left] + cumulative_below[right]) / 2.0


# -- disagreement sums ----------------------------------------------------------------------


def _within_item_interval(item_codes: np.ndarray, x: np.ndarray, m: np.ndarray) -> float:
    """sum_u 2 m_u SS_u / (m_u - 1): observed disagreement sum of the interval metric."""
    sums = np.bincount(item_codes, weights=x, minlength=m.size)
    deviations = x - (sums / m)[item_codes]
    ss = np.bincount(item_codes, weights=deviations * deviations, minlength=m.size)
    return float(2.0 * np.sum(m * ss / (m - 1)))


def _expected_interval(x: np.ndarray) -> tuple[float, int]:
    """(2 n SS, n): expected disagreement sum of the interval metric over values x."""
    centered = x - x.mean() if x.size else x
    return float(2.0 * x.size * np.dot(centered, centered)), int(x.size)


def _expected_interval_weighted(values: np.ndarray, counts: np.ndarray) -> float:
    """2 n SS from distinct values and their counts."""
    n = counts.sum()
    if n == 0:
        return 0.0
    mean = np.dot(counts, values) / n
    centered = values - mean
    return float(2.0 * n * np.dot(counts, centered * centered))


def _within_item_nominal(
    item_codes: np.ndarray, value_codes: np.ndarray, m: np.ndarray, n_values: int
) -> float:
    """sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1), from the counts of the distinct (item, value) pairs."""
    items_of_pairs, _, counts_per_pair = _item_value_counts(
        item_codes, value_codes, m.size, n_values
    )
    sum_sq = np.bincount(
        items_of_pairs, weights=counts_per_pair.astype(np.float64) ** 2, minlength=m.size
    )
    return float(np.sum((m.astype(np.float64) ** 2 - sum_sq) / (m - 1)))


def _item_value_counts(
    item_codes: np.ndarray, value_codes: np.ndarray, n_items: int, n_values: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (item, value) pairs, sorted by item then value, and how often each occurs.

    Uses a bincount over item x value keys when that array is small (<= 4 N cells or 2^22), a
    sort otherwise; never a dense items x values matrix for large inputs.
    """
    key = item_codes * np.int64(n_values) + value_codes
    cells = n_items * n_values
    if cells <= max(4 * key.size, 1 << 22):
        counts = np.bincount(key, minlength=cells)
        present = np.flatnonzero(counts)
        unique_keys, pair_counts = present, counts[present]
    else:
        unique_keys, pair_counts = np.unique(key, return_counts=True)
    return unique_keys // n_values, unique_keys % n_values, pair_counts


def distinct_value_pairs(pv: PairableValues):
    """Yield (c, k, weight, item) for the off-diagonal coincidences within items, unordered (c < k).

    ``weight`` = n_uc n_uk / (m_u - 1) for one item, so o_ck = o_kc = the sum of the weights of
    (c, k). Works on the distinct (item, value) pairs sorted by item and value, pairing each with
    the d-th next one of the same item for d = 1, 2, ...: O(sum_u V_u^2) time, O(N) memory.
    """
    items, codes, counts = _item_value_counts(
        pv.item_codes, pv.value_codes, pv.n_items, pv.values.size
    )
    scale = 1.0 / (pv.judgments_per_item[items] - 1.0)
    counts = counts.astype(np.float64)
    offset = 1
    while offset < items.size:
        same = items[offset:] == items[:-offset]
        if not same.any():
            break
        left = np.flatnonzero(same)
        right = left + offset
        yield codes[left], codes[right], counts[left] * counts[right] * scale[left], items[left]
        offset += 1


def coincidence_diagonal(pv: PairableValues) -> np.ndarray:
    """o_cc = sum_u n_uc (n_uc - 1) / (m_u - 1) for every value c."""
    items, codes, counts = _item_value_counts(
        pv.item_codes, pv.value_codes, pv.n_items, pv.values.size
    )
    weights = counts * (counts - 1.0) / (pv.judgments_per_item[items] - 1.0)
    return np.bincount(codes, weights=weights, minlength=pv.values.size)


def ratio_delta2(c: np.ndarray, k: np.ndarray) -> np.ndarray:
    """((c - k) / (c + k))^2, 0 where c + k == 0 (as in Krippendorff 2011 and the krippendorff package)."""
    total = c + k
    out = np.zeros(np.broadcast(c, k).shape, dtype=np.float64)
    np.divide(c - k, total, out=out, where=total != 0)
    return out * out


def _expected_ratio(values: np.ndarray, counts: np.ndarray) -> float:
    """sum_c sum_k n_c n_k delta2_ratio(c, k) in blocks of rows (bounded memory, O(V^2) time)."""
    size = values.size
    if size > MAX_RATIO_VALUES:
        raise AgreementError(
            f"ratio alpha needs all pairs of distinct values and there are {size} (limit "
            f"{MAX_RATIO_VALUES}); round the values (e.g. to 3 decimals) or use the interval level"
        )
    counts = counts.astype(np.float64)
    block = max(1, _BLOCK_CELLS // max(size, 1))
    total = 0.0
    for start in range(0, size, block):
        stop = min(size, start + block)
        delta2 = ratio_delta2(values[start:stop, None], values[None, :])
        total += float(counts[start:stop] @ delta2 @ counts)
    return total


def _within_item_ratio(pv: PairableValues) -> float:
    total = 0.0
    for c, k, weight, _ in distinct_value_pairs(pv):
        total += 2.0 * float(np.dot(weight, ratio_delta2(pv.values[c], pv.values[k])))
    return total


def disagreement_sums(
    pv: PairableValues, level: str, reference: PairableValues | None = None
) -> tuple[float, float, int, int]:
    """(observed sum, expected sum, n, n_reference) such that

    D_o = observed / n and D_e = expected / (n_ref (n_ref - 1)); ``reference`` (default: ``pv``)
    supplies the expected disagreement and, for ordinal data, the frequencies of the metric.
    """
    check_level(level)
    ref = pv if reference is None else reference
    if level == "nominal":
        observed = _within_item_nominal(
            pv.item_codes, pv.value_codes, pv.judgments_per_item, pv.values.size
        )
        n_ref = ref.n
        expected = float(n_ref) ** 2 - float(np.sum(ref.value_counts.astype(np.float64) ** 2))
        return observed, expected, pv.n, n_ref
    if level == "interval":
        assert pv.numeric is not None
        observed = _within_item_interval(pv.item_codes, pv.numeric, pv.judgments_per_item)
        if ref.numeric is not None and ref.values.size == 0:
            expected = _expected_interval(ref.numeric)[0]
        else:
            expected = _expected_interval_weighted(ref.values, ref.value_counts)
        return observed, expected, pv.n, ref.n
    if level == "ordinal":
        positions = ordinal_positions(pv.values, ref.values, ref.value_counts)
        observed = _within_item_interval(
            pv.item_codes, positions[pv.value_codes], pv.judgments_per_item
        )
        ref_positions = ordinal_positions(ref.values, ref.values, ref.value_counts)
        expected = _expected_interval_weighted(ref_positions, ref.value_counts)
        return observed, expected, pv.n, ref.n
    observed = _within_item_ratio(pv)
    expected = _expected_ratio(ref.values, ref.value_counts)
    return observed, expected, pv.n, ref.n


def alpha_from_sums(observed: float, expected: float, n: int, n_ref: int) -> float:
    """alpha = 1 - D_o / D_e, nan when undefined (n < 1, n_ref < 2 or D_e == 0)."""
    if n < 1 or n_ref < 2 or not expected > 0.0:
        return float("nan")
    observed_disagreement = observed / n
    expected_disagreement = expected / (n_ref * (n_ref - 1.0))
    return float(1.0 - observed_disagreement / expected_disagreement)


def krippendorff_alpha(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    level: str = "nominal",
    expected_from: pd.DataFrame | None = None,
) -> float:
    """Krippendorff's alpha of a long table (one row per judgment).

    ``alpha = 1 - D_o / D_e`` (Krippendorff 2011; see the module docstring for the metrics and the
    closed forms). ``rater`` is accepted for symmetry with the other statistics: alpha depends only
    on the values within each item, so raters are not needed (resolve duplicate judgments first).
    ``expected_from`` is another long table with the same columns (e.g. all listener groups) whose
    pairable values give D_e (and the ordinal metric's frequencies); by default the data itself.

    Returns ``nan`` when alpha is undefined: no item with two judgments, fewer than two pairable
    reference values, or D_e == 0 (every pairable value identical).

    >>> import pandas as pd
    >>> table = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "value": [1, 1, 2, 2, 3, 2]})
    >>> round(krippendorff_alpha(table, level="interval"), 4)
    0.7059
    """
    del rater  # documented: not needed by the statistic
    check_level(level)
    reference = (
        long_values(expected_from, item=item, value=value, level=level)
        if expected_from is not None
        else None
    )
    return alpha_of(long_values(data, item=item, value=value, level=level), level, reference)


def alpha_of(data: LongValues, level: str, reference: LongValues | None = None) -> float:
    """:func:`krippendorff_alpha` of arrays; ``reference`` plays the part of ``expected_from``."""
    check_level(level)
    data, reference = finite_scaled(data, level, reference)
    if reference is None:
        encoded = encode(data, level)
        if isinstance(encoded, ItemValueCounts):
            return alpha_from_counts(encoded, level)
        if isinstance(encoded, NumericJudgments):
            return alpha_from_sums(*numeric_sums(encoded, level)[:4])
    sorted_values = level != "interval"
    pv = pairable_values_of(data, level=level, with_values=sorted_values)
    ref = (
        pairable_values_of(reference, level=level, with_values=sorted_values)
        if reference is not None
        else None
    )
    return alpha_from_sums(*disagreement_sums(pv, level, ref))


def coincidence_matrix(
    data: pd.DataFrame, *, item: str = "item", value: str = "value", level: str = "nominal"
) -> pd.DataFrame:
    """The values x values coincidence matrix o_ck (Krippendorff 2011, section C), for inspection.

    Built from the distinct (item, value) pairs (sparse accumulation); intended for data with few
    distinct values (raises ``ValueError`` above 2048).
    """
    import pandas as pd

    pv = pairable_values(data, item=item, value=value, level=level)
    size = pv.values.size
    if size > 2048:
        raise AgreementError(
            f"{size} distinct values: the coincidence matrix would be {size} x {size}"
        )
    flat = np.zeros(size * size, dtype=np.float64)
    for c, k, weight, _ in distinct_value_pairs(pv):
        flat += np.bincount(c * size + k, weights=weight, minlength=size * size)
        flat += np.bincount(k * size + c, weights=weight, minlength=size * size)
    matrix = flat.reshape(size, size)
    matrix[np.diag_indices(size)] = coincidence_diagonal(pv)
    return pd.DataFrame(matrix, index=pv.values, columns=pv.values)
