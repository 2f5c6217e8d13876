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

One engine (docs/dev/engine.md): :func:`pairable` keeps the judgments of items with m_u >= 2,
:func:`item_statistics` reduces them to per-item sufficient statistics (GROUP BY item: m_u and,
for the interval metric, S1_u, S2_u and SS_u; GROUP BY item, value: the counts N for labels and
ratio values), and a per-level finish (:func:`expected_sums`) turns their totals into alpha. The
item bootstrap (bootstrap.py) replaces the totals by weighted sums of the same statistics. Speed
figures: benchmarks/results/agreement.md.

Duplicate judgments (one rater judging one item twice) are *not* resolved here: every row is a
judgment. Resolve them first with :func:`mer_datasets.agreement.duplicates.resolve_duplicates`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

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
    #: (min, max, any missing) of ``x`` once checked finite (:func:`refuse_non_finite`), so that
    #: the statistics do not scan 10^7 values again; None: not known yet.
    x_summary: tuple[float, float, bool] | None = None


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


def _require_numeric(data: LongValues) -> np.ndarray:
    if data.x is None:
        raise AgreementError(
            "this level of measurement needs numeric values, and the values are labels; "
            "use level='nominal' for labels"
        )
    return np.asarray(data.x, dtype=np.float64)


def refuse_non_finite(x: np.ndarray, row_name=None) -> tuple[float, float, bool]:
    """(min, max, any missing) of the values; raise :class:`AgreementError` naming the first
    judgment whose value is +-inf.

    Why: NaN means missing, but an infinite value is neither a judgment nor missing; left in, it
    turns every sum into inf or NaN and alpha into a misleading "undefined". ``row_name`` maps a
    position to the row's name in the caller's table (default: "judgment <position>"). Two
    reductions and no temporary array when no value is missing (the usual case).
    """
    if x.size == 0:
        return 0.0, 0.0, False
    low, high = float(x.min()), float(x.max())  # NaN when any value is missing
    missing = np.isnan(low) or np.isnan(high)
    if missing:
        low, high = float(np.fmin.reduce(x)), float(np.fmax.reduce(x))  # NaN if all missing
    if not (np.isinf(low) or np.isinf(high)):
        return (0.0, 0.0, True) if np.isnan(low) else (low, high, missing)
    position = int(np.argmax(np.isinf(x)))
    name = row_name(position) if row_name is not None else f"judgment {position}"
    raise AgreementError(
        f"{name}: value {x[position]} is not finite; Krippendorff's alpha needs finite values "
        "(use NaN or leave the cell empty for a missing judgment)"
    )


def finite_scaled(
    data: LongValues, level: str, reference: LongValues | None = None
) -> tuple[LongValues, LongValues | None]:
    """``data`` and ``reference`` with +-inf refused (``x_summary`` set) and, for interval and
    ratio values, scaled by one power of two so that the largest magnitude is in [0.5, 1).

    Why: interval alpha squares values (1e160 overflows, 1e-170 underflows to 0) and ratio adds
    them. Both metrics are invariant under a common scale factor, and a power of two changes no
    bit of the significands, so alpha is unchanged where it was computable and right where it
    was not. Ordinal (positions) and nominal (labels) need no scaling.
    """

    def checked(d: LongValues | None) -> LongValues | None:
        if d is None or d.x is None or d.x_summary is not None:
            return d
        return replace(d, x_summary=refuse_non_finite(d.x))

    data, reference = checked(data), checked(reference)
    summaries = [d.x_summary for d in (data, reference) if d is not None and d.x is not None]
    largest = max((max(abs(s[0]), abs(s[1])) for s in summaries), default=0.0)
    if level not in ("interval", "ratio") or largest == 0.0:
        return data, reference
    _, exponent = np.frexp(largest)
    if -64 <= exponent <= 64:  # ordinary magnitudes: no copy
        return data, reference

    def scaled(d: LongValues | None) -> LongValues | None:
        if d is None or d.x is None:
            return d
        low, high, missing = d.x_summary
        shift = -int(exponent)
        return replace(
            d, x=np.ldexp(d.x, shift),
            x_summary=(float(np.ldexp(low, shift)), float(np.ldexp(high, shift)), missing),
        )  # fmt: skip

    return scaled(data), scaled(reference)


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


def long_values(
    data: pd.DataFrame, *, item: str = "item", value: str = "value", level: str = "nominal"
) -> LongValues:
    """The arrays of a long table that the statistics need (compact integer ids by subtraction)."""
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
    summary = refuse_non_finite(x, lambda row: f"row {data.index[row]!r}, column {value!r}")
    return LongValues(item_codes, slots, x=x, x_summary=summary)


# -- the engine: grouped aggregations, then a per-level finish ------------------------------
#
# Every level reduces the pairable judgments to per-item sufficient statistics (GROUP BY item,
# and for labels and the ratio metric GROUP BY item, value) plus per-value counts (GROUP BY
# value), and alpha is a small finish of their totals. The item bootstrap takes the same
# statistics and replaces the totals by weighted sums (docs/dev/engine.md).

#: Numeric values with at most this many distinct values in an integer range are coded by
#: subtraction (no sort); ratio statistics use a dense V x V distance matrix up to this many.
_SMALL_VALUES = 1024


@dataclass(frozen=True)
class Pairable:
    """The judgments of the pairable items (m_u >= 2): the rows every statistic starts from.

    ``item_codes`` index the pairable items 0..U-1 in the order of the item slots (so resamples
    follow the order of the items), ``m`` is m_u. ``x`` is the value of each judgment (numeric
    levels). When coded, ``value_codes`` index ``values`` (sorted numbers, possibly with some of
    count 0, or labels in code order), ``value_counts`` is n_v and ``counts`` is N when small
    enough to be dense (``count_matrix``).
    """

    item_codes: np.ndarray
    m: np.ndarray
    x: np.ndarray | None = None
    value_codes: np.ndarray | None = None
    values: np.ndarray | None = None
    value_counts: np.ndarray | None = None
    counts: np.ndarray | None = None
    value_range: tuple | None = None  # (min, max, _) of x when known without a scan

    @property
    def n_items(self) -> int:
        return int(self.m.size)

    @property
    def n(self) -> int:
        return int(self.item_codes.size)


def _present(data: LongValues, level: str):
    """(item codes, x, label codes, labels, (min, max, missing) of x or None, item slots) of the
    judgments with an item and a value (rows with a missing item or value dropped)."""
    item_codes = np.asarray(data.item_codes, dtype=np.intp)
    x: np.ndarray | None = None
    labels: np.ndarray | None = None
    value_codes: np.ndarray | None = None
    summary: tuple[float, float, bool] | None = None
    missing_item = bool(item_codes.size) and int(item_codes.min()) < 0
    if data.label_codes is not None:
        if level != "nominal":
            _require_numeric(data)  # raises: labels have no numeric level
        value_codes = np.asarray(data.label_codes, dtype=np.intp)
        labels = np.asarray(data.labels, dtype=object)
        if missing_item or (value_codes.size and int(value_codes.min()) < 0):
            keep = (item_codes >= 0) & (value_codes >= 0)
            item_codes, value_codes = item_codes[keep], value_codes[keep]
    else:
        x = _require_numeric(data)
        summary = data.x_summary or refuse_non_finite(x)
        if missing_item or summary[2]:
            keep = (item_codes >= 0) & ~np.isnan(x)
            item_codes, x = item_codes[keep], x[keep]
            summary = None
    slots = max(int(data.n_slots), int(item_codes.max()) + 1 if item_codes.size else 0)
    return item_codes, x, value_codes, labels, summary, slots


def pairable(
    data: LongValues, level: str, *, coded: bool = True, judgments: bool = True
) -> Pairable:
    """The pairable judgments of ``data``: rows with a missing item or value dropped, then items
    with fewer than two judgments; values coded when ``coded`` (interval alpha needs no codes).

    ``judgments=False`` (alpha needs only N): when some items have a single judgment and N is
    dense, N counted without a copy of the rows and no per-judgment arrays (:func:`_counted`).
    """
    check_level(level)
    present = _present(data, level)
    item_codes, x, value_codes, labels, summary, slots = present
    per_item = np.bincount(item_codes, minlength=slots)
    pairable_item = per_item >= 2
    if not pairable_item.all():
        counted = None if judgments else _counted(present, per_item, pairable_item)
        if counted is not None:
            return counted
        summary = None
        rows = pairable_item[item_codes]
        item_codes = (np.cumsum(pairable_item) - 1)[item_codes[rows]]
        x = x[rows] if x is not None else None
        value_codes = value_codes[rows] if value_codes is not None else None
        per_item = per_item[pairable_item]
    p = Pairable(item_codes, per_item.astype(np.float64), x, value_range=summary)
    if not coded:
        return p
    if labels is not None:
        assert value_codes is not None
        present = np.bincount(value_codes, minlength=labels.size) > 0
        if not present.all():
            value_codes = (np.cumsum(present) - 1)[value_codes]
        return _coded(p, value_codes, labels[present])
    assert x is not None
    small = _small_int_codes(x, p.value_range)
    if small is not None:
        return _coded(p, *small)
    return _coded(p, *_sorted_codes(x))


def _counted(present: tuple, per_item: np.ndarray, pairable_item: np.ndarray) -> Pairable | None:
    """:func:`pairable` (coded) without its per-judgment arrays, or None: N, m, the values and
    n_v when some items have a single judgment and N is dense.

    Why: dropping those items' rows copies every judgment array (+50 % time and memory at 10^6
    judgments, 2 raters per item). Here every row is counted, the single-judgment items into one
    extra row of N that is cut off, and the values absent from the pairable items are cut from
    the columns, which gives exactly :func:`pairable`'s N (and so the same alpha to the bit).
    None (filter the rows) when no item is pairable or the values are neither labels nor a small
    integer range.
    """
    item_codes, x, value_codes, labels, summary, _ = present
    n_items = int(np.count_nonzero(pairable_item))
    if n_items == 0:
        return None
    if labels is None:
        assert x is not None
        small = _small_int_codes(x, summary)
        if small is None:
            return None
        value_codes, values = small
    else:
        values = labels
    assert value_codes is not None
    per_item = per_item[pairable_item]
    n_values = int(values.size)
    if not _dense_cells(n_items, n_values, int(per_item.sum())):
        return None  # no fewer values among the pairable items either: pairable() decides
    renumber = np.cumsum(pairable_item) - 1
    renumber[~pairable_item] = n_items
    key = renumber[item_codes]
    del renumber
    key *= n_values
    key += value_codes
    counts = np.bincount(key, minlength=(n_items + 1) * n_values)[: n_items * n_values]
    del key
    counts = counts.astype(np.float64).reshape(n_items, n_values)
    value_counts = np.ones(n_items) @ counts
    present = value_counts > 0
    if labels is None:  # pairable() codes the range of the pairable values only
        first, last = np.flatnonzero(present)[[0, -1]]
        present[:] = False
        present[first : last + 1] = True
    if not present.all():
        counts = np.ascontiguousarray(counts[:, present])
        values, value_counts = values[present], value_counts[present]
    m = per_item.astype(np.float64)
    empty = np.empty(0, dtype=np.intp)
    return Pairable(empty, m, values=values, value_counts=value_counts, counts=counts)


def _coded(
    p: Pairable, value_codes: np.ndarray, values: np.ndarray, value_counts: np.ndarray | None = None
) -> Pairable:
    """``p`` with its value codes, and N (dense, one bincount) and n_v = 1 N when N is small
    (else n_v: ``value_counts`` when the caller has them, or one bincount of the codes)."""
    p = replace(p, value_codes=value_codes, values=values)
    if _dense_cells(p.n_items, values.size, p.n):
        counts = count_matrix(p)
        return replace(p, counts=counts, value_counts=np.ones(counts.shape[0]) @ counts)
    if value_counts is None:
        value_counts = np.bincount(value_codes, minlength=values.size).astype(np.float64)
    return replace(p, value_counts=value_counts)


def _sorted_codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, sorted distinct values, n_v) of finite values by one sort: the numeric value
    factorizer for anything but a small integer range (:func:`_small_int_codes`).

    The codes and values of ``np.unique(x, return_inverse=True)`` (the same quicksort), without
    its copy of ``x`` and with the counts from the run lengths of the sorted values instead of a
    bincount of 10^6 codes in random order (continuous ordinal alpha: 10^6 distinct values)."""
    size = x.size
    if size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0), np.empty(0)
    order = np.argsort(x)
    ordered = x[order]
    starts = np.empty(size, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    values = ordered[starts]
    del ordered
    group = np.cumsum(starts, dtype=np.intp)
    group -= 1
    first = np.flatnonzero(starts)
    del starts
    codes = np.empty(size, dtype=np.intp)
    codes[order] = group
    counts = np.diff(first, append=size).astype(np.float64)
    return codes, values.astype(np.float64, copy=False), counts


def _small_int_codes(
    x: np.ndarray, value_range: tuple | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    if x.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0)
    low, high = value_range[:2] if value_range else (float(x.min()), float(x.max()))
    if not (high - low < _SMALL_VALUES and low == np.floor(low) and abs(low) < 2.0**52):
        return None
    shifted = x - low
    codes = shifted.astype(np.intp)
    if not np.array_equal(codes, shifted):
        return None
    return codes, low + np.arange(int(high - low) + 1, dtype=np.float64)


def _dense_cells(n_items: int, n_values: int, n: int) -> bool:
    """Whether N (items x values) is small enough to hold densely (<= 4 N cells or 2^22)."""
    return n_items * n_values <= max(4 * n, 1 << 22)


def count_matrix(p: Pairable):
    """N with n_uv = judgments of value v in item u (GROUP BY item, value): a dense float64
    array when U x V is small (<= 4 N cells or 2^22), else scipy.sparse CSR (sorted, summed)."""
    if p.counts is not None:
        return p.counts
    n_items, n_values = p.n_items, int(p.values.size)
    cells = n_items * n_values
    if _dense_cells(n_items, n_values, p.n):
        key = p.item_codes * n_values
        key += p.value_codes
        return np.bincount(key, minlength=cells).astype(np.float64).reshape(n_items, n_values)
    from scipy import sparse

    matrix = sparse.csr_matrix(
        (np.ones(p.n), (p.item_codes, p.value_codes)), shape=(n_items, n_values)
    )
    matrix.sum_duplicates()
    return matrix


def triples(counts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-zero (item, value, n_uv) of N, sorted by item then value."""
    if isinstance(counts, np.ndarray):
        items, codes = np.nonzero(counts)
        return items, codes, counts[items, codes]
    items = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    return items, counts.indices.astype(np.intp), counts.data


def ordinal_positions(
    ref_counts: np.ndarray, ref_values: np.ndarray | None = None, values: np.ndarray | None = None
) -> np.ndarray:
    """Krippendorff's ordinal metric as positions, delta(c, k) = p(k) - p(c) (module docstring).

    p(v) = (reference values below v) + (reference values equal to v) / 2. Without ``values``:
    the positions of the reference's own sorted values, p_c = sum_{g<c} n_g + n_c / 2, along the
    last axis (one row per resample in the bootstrap). With ``values``: their positions in the
    reference (a value absent from it has n_v = 0 and sits between its neighbours).
    """
    if values is None:
        return np.cumsum(ref_counts, axis=-1) - ref_counts / 2.0
    cumulative_below = np.concatenate(([0.0], np.cumsum(ref_counts, dtype=np.float64)))
    left = np.searchsorted(ref_values, values, side="left")
    right = np.searchsorted(ref_values, values, side="right")
    return (cumulative_below[left] + cumulative_below[right]) / 2.0


@dataclass(frozen=True)
class ItemStatistics:
    """Per-item sufficient statistics of the pairable items for one level of measurement.

    ``within`` is each item's observed-disagreement sum, sum over ordered pairs of its distinct
    judgments of delta2 / (m_u - 1), so that D_o = sum(within) / n. ``moments`` (U x 2: S1_u,
    S2_u of the metric values, centred on their mean) carry the interval metric's expected
    disagreement; ``counts`` (N) carry the others' through the value counts n_v = 1 N.
    """

    level: str
    m: np.ndarray
    within: np.ndarray
    moments: np.ndarray | None = None
    counts: Any = None
    values: np.ndarray | None = None
    metric: np.ndarray | None = None  # ordinal: the position of every distinct value
    #: n_v = 1 N when the pairable judgments already had it (saves a second product).
    value_counts: np.ndarray | None = None


def item_statistics(p: Pairable, level: str, metric: np.ndarray | None = None) -> ItemStatistics:
    """The per-item statistics of ``p`` (coded, except for interval data).

    ``metric`` (ordinal) is the position of every distinct value, default: positions among
    ``p``'s own values; the expected-from-a-reference case passes the reference's positions.
    """
    m = p.m
    if level == "interval" and p.value_codes is None and p.counts is None:
        small = _small_int_codes(
            p.x, p.value_range
        )  # Likert values: the counts route, without a sort
        if small is not None and _dense_cells(p.n_items, small[1].size, p.n):
            p = _coded(p, *small)
    if level in ("interval", "ordinal"):
        if level == "interval":
            metric = p.values
        elif metric is None:
            metric = ordinal_positions(p.value_counts)
        if p.counts is not None:
            moments = _moments_of_counts(p.counts, metric, p.value_counts, m)
        else:  # many distinct values: per judgment (each a group of one)
            x = p.x if level == "interval" else metric[p.value_codes]
            moments = _item_moments(p.item_codes, x, m)
        return ItemStatistics(level, m, *moments, metric=metric)
    counts = count_matrix(p)
    if level == "nominal":
        if isinstance(counts, np.ndarray):
            squares = np.einsum("uv,uv->u", counts, counts)
        else:
            squares = np.asarray(counts.multiply(counts).sum(axis=1)).reshape(-1)
        within = (m * m - squares) / (m - 1.0)
        return ItemStatistics(
            level, m, within, counts=counts, values=p.values, value_counts=p.value_counts
        )
    values = p.values
    if values.size > MAX_RATIO_VALUES:
        raise AgreementError(
            f"ratio alpha needs all pairs of distinct values and there are {values.size} (limit "
            f"{MAX_RATIO_VALUES}); round the values (e.g. to 3 decimals) or use the interval level"
        )
    if isinstance(counts, np.ndarray) and values.size <= _SMALL_VALUES:
        delta2 = ratio_delta2(values[:, None], values[None, :])
        within = np.einsum("uv,uv->u", counts @ delta2, counts) / (m - 1.0)
    else:
        within = np.zeros(m.size)
        for c, k, weight, item in distinct_value_pairs(triples(counts), m):
            within += 2.0 * np.bincount(
                item, weights=weight * ratio_delta2(values[c], values[k]), minlength=m.size
            )
    return ItemStatistics(
        level, m, within, counts=counts, values=values, value_counts=p.value_counts
    )


def _item_moments(
    item_codes: np.ndarray, x: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(within_u = 2 m_u SS_u / (m_u - 1), [S1_u, S2_u]) of values x centred on their mean.

    GROUP BY item: count and sum, then SS_u (squared deviations from the item mean) in a second
    pass, since m S2 - S1^2 cancels when items vary little around a large mean; the centred
    S2_u = SS_u + S1_u^2 / m_u needs no third pass over the judgments."""
    n_items = m.size
    mean = float(np.mean(x)) if x.size else 0.0
    sums = np.bincount(item_codes, weights=x, minlength=n_items)
    deviations = (sums / m)[item_codes]  # then (mean_u - x)^2 in place: one 10^7 temporary
    deviations -= x
    deviations *= deviations
    squares = np.bincount(item_codes, weights=deviations, minlength=n_items)
    del deviations
    first = sums - m * mean
    return 2.0 * m * squares / (m - 1.0), np.column_stack([first, squares + first * first / m])


def _moments_of_counts(
    counts: np.ndarray, metric: np.ndarray, value_counts: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_item_moments` from N (GROUP BY item, value) and the metric of each value, for few
    distinct values: S1_u = N_u c and S2_u = N_u c^2 of the centred metric c, and
    m_u SS_u = m_u S2_u - S1_u^2 (c is centred, and few values are far apart, so this does not
    cancel as it can for raw continuous data)."""
    n = float(value_counts.sum())
    centred = metric - (float(np.dot(value_counts, metric)) / n if n else 0.0)
    first = counts @ centred
    second = counts @ (centred * centred)
    within = 2.0 * (m * second - first * first) / (m - 1.0)
    return within, np.column_stack([first, second])


def distinct_value_pairs(
    item_value_counts: tuple[np.ndarray, np.ndarray, np.ndarray], m: np.ndarray
):
    """Yield (c, k, weight, item) for the off-diagonal coincidences within items, unordered (c < k).

    ``weight`` = n_uc n_uk / (m_u - 1) for one item, so o_ck = o_kc = the sum of the weights of
    (c, k). Pairs each distinct (item, value) with the d-th next one of the same item for
    d = 1, 2, ...: O(sum_u V_u^2) time, O(N) memory (the ratio metric has no decomposition).
    """
    items, codes, counts = item_value_counts
    scale = 1.0 / (m[items] - 1.0)
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


def coincidence_diagonal(
    item_value_counts: tuple[np.ndarray, np.ndarray, np.ndarray], m: np.ndarray, n_values: int
) -> np.ndarray:
    """o_cc = sum_u n_uc (n_uc - 1) / (m_u - 1) for every value c."""
    items, codes, counts = item_value_counts
    weights = counts * (counts - 1.0) / (m[items] - 1.0)
    return np.bincount(codes, weights=weights, minlength=n_values)


def value_totals(counts, weights: np.ndarray | None = None) -> np.ndarray:
    """n_v = 1 N (GROUP BY value), or W N for rows of item weights W (one row per resample)."""
    if weights is None:
        weights = np.ones((1, counts.shape[0]))
        return value_totals(counts, weights)[0]
    if isinstance(counts, np.ndarray):
        return weights @ counts
    return np.asarray((counts.T @ weights.T).T)


def expected_sums(
    level: str,
    n: np.ndarray,
    moments: np.ndarray | None,
    value_counts: np.ndarray | None,
    values: np.ndarray | None = None,
    delta2: np.ndarray | None = None,
) -> np.ndarray:
    """sum_ck n_c n_k delta2_ck of each row of totals (the finish of D_e).

    nominal: n^2 - sum_c n_c^2; interval (and ordinal on fixed positions): 2 (n S2 - S1^2) of
    the centred metric; ratio: n^T delta2 n with ``delta2`` when given (the bootstrap computes it
    once), else in blocks of rows of the V x V distances (bounded memory).
    """
    if level == "nominal":
        return n * n - np.einsum("bv,bv->b", value_counts, value_counts)
    if level in ("interval", "ordinal"):
        scale = n * moments[:, 1]
        expected = 2.0 * (scale - moments[:, 0] ** 2)
        # Values centred on the whole data's mean: a resample of identical values leaves
        # rounding noise (~eps n S2) where D_e is 0; alpha is undefined there, not 1.
        expected[expected <= 64 * np.finfo(np.float64).eps * scale] = 0.0
        return expected
    if delta2 is not None:
        return np.einsum("bv,bv->b", value_counts @ delta2, value_counts)
    size = values.size
    block = max(1, _BLOCK_CELLS // max(size, 1))
    total = np.zeros(value_counts.shape[0])
    for start in range(0, size, block):
        stop = min(size, start + block)
        delta2 = ratio_delta2(values[start:stop, None], values[None, :])
        total += np.einsum("bv,bv->b", value_counts[:, start:stop] @ delta2, value_counts)
    return total


def expected_of(stats: ItemStatistics) -> tuple[float, int]:
    """(sum_ck n_c n_k delta2_ck, n) of the statistics' own pairable values.

    Totals of the U x 2 moments column by column (``np.sum`` of a strided column is a pairwise
    sum), not as the product 1 M: ``sum(axis=0)`` of two columns is a sequential loop over the
    rows (slow and less accurate), and the BLAS product starts OpenBLAS's worker threads, which
    then spin for a while, burning CPU (+19 % CPU time for continuous ordinal alpha on an idle
    machine; benchmarks/results/agreement_engine.md). The bootstrap's W M is a real product."""
    n = float(stats.m.sum())
    moments = None
    if stats.moments is not None:
        moments = np.array([[stats.moments[:, 0].sum(), stats.moments[:, 1].sum()]])
    totals = None
    if stats.value_counts is not None:
        totals = stats.value_counts[None, :]
    elif stats.counts is not None:
        totals = value_totals(stats.counts)[None, :]
    expected = expected_sums(stats.level, np.array([n]), moments, totals, stats.values)
    return float(expected[0]), int(round(n))


def statistics_of(
    data: LongValues,
    level: str,
    reference: LongValues | None = None,
    *,
    coded: bool = False,
    judgments: bool = True,
) -> tuple[Pairable, ItemStatistics, tuple[float, int]]:
    """(pairable judgments, per-item statistics, (expected sum, n_ref)) of ``data``.

    With ``reference`` (expected_from), the expected sum and, for ordinal data, the positions of
    the metric come from the reference's pairable values. ``judgments=False``: the pairable
    judgments may be N only (:func:`pairable`), enough for alpha but not for the bootstrap."""
    check_level(level)
    coded = coded or level != "interval"
    p = pairable(data, level, coded=coded, judgments=judgments)
    if reference is None:
        stats = item_statistics(p, level)
        return p, stats, expected_of(stats)
    ref_p = pairable(reference, level, coded=level != "interval", judgments=judgments)
    ref_stats = item_statistics(ref_p, level)
    metric = None
    if level == "ordinal":
        metric = ordinal_positions(ref_p.value_counts, ref_p.values, p.values)
    return p, item_statistics(p, level, metric), expected_of(ref_stats)


def ratio_delta2(c: np.ndarray, k: np.ndarray) -> np.ndarray:
    """((c - k) / (c + k))^2, 0 where c + k == 0 (as in Krippendorff 2011 and the krippendorff package)."""
    total = c + k
    out = np.zeros(np.broadcast(c, k).shape, dtype=np.float64)
    np.divide(c - k, total, out=out, where=total != 0)
    return out * out


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
    value: str = "value",
    level: str = "nominal",
    expected_from: pd.DataFrame | None = None,
) -> float:
    """Krippendorff's alpha of a long table (one row per judgment).

    ``alpha = 1 - D_o / D_e`` (Krippendorff 2011; see the module docstring for the metrics and the
    closed forms). Alpha depends only on the values within each item, so it takes no rater column
    (resolve duplicate judgments first).
    ``expected_from`` is another long table with the same columns (e.g. all listener groups) whose
    pairable values give D_e (and the ordinal metric's frequencies); by default the data itself.

    Returns ``nan`` when alpha is undefined: no item with two judgments, fewer than two pairable
    reference values, or D_e == 0 (every pairable value identical).

    >>> import pandas as pd
    >>> table = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "value": [1, 1, 2, 2, 3, 2]})
    >>> round(krippendorff_alpha(table, level="interval"), 4)
    0.7059
    """
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
    _, stats, (expected, n_ref) = statistics_of(data, level, reference, judgments=False)
    return alpha_from_sums(float(stats.within.sum()), expected, int(stats.m.sum()), n_ref)


def coincidence_matrix(
    data: pd.DataFrame, *, item: str = "item", value: str = "value", level: str = "nominal"
) -> pd.DataFrame:
    """The values x values coincidence matrix o_ck (Krippendorff 2011, section C), for inspection.

    o = N^T diag(1 / (m - 1)) N with the diagonal less sum_u n_uc / (m_u - 1) (pairs of distinct
    judgments only); intended for data with few distinct values (raises above 2048).
    """
    import pandas as pd

    p = pairable(long_values(data, item=item, value=value, level=level), level)
    present = p.value_counts > 0
    if not present.all():
        p = replace(
            p, value_codes=(np.cumsum(present) - 1)[p.value_codes], values=p.values[present],
            value_counts=p.value_counts[present], counts=None,
        )  # fmt: skip
    size = p.values.size
    if size > 2048:
        raise AgreementError(
            f"{size} distinct values: the coincidence matrix would be {size} x {size}"
        )
    counts = count_matrix(p)
    inverse = 1.0 / (p.m - 1.0)
    if isinstance(counts, np.ndarray):
        matrix = (counts * inverse[:, None]).T @ counts
    else:
        matrix = (counts.multiply(inverse[:, None]).T @ counts).toarray()
    matrix[np.diag_indices(size)] -= value_totals(counts, inverse[None, :])[0]
    return pd.DataFrame(matrix, index=p.values, columns=p.values)
