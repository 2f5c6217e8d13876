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

Duplicate judgments (one rater judging one item twice) are *not* resolved here: every row is a
judgment. Resolve them first with :func:`mer_datasets.agreement.duplicates.resolve_duplicates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AgreementError

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
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes, dtype=np.int64)
    codes, _ = pd.factorize(column, sort=False)
    return codes.astype(np.int64, copy=False)


def _numeric_values(column: pd.Series, name: str) -> np.ndarray:
    try:
        values = pd.to_numeric(column, errors="raise")
    except (ValueError, TypeError) as error:
        raise AgreementError(
            f"column {name!r} must be numeric for this level of measurement (found {column.dtype}); "
            "use level='nominal' for labels"
        ) from error
    return np.asarray(values.astype("float64"), dtype=np.float64)


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
    check_level(level)
    for column in (item, value):
        if column not in data.columns:
            raise AgreementError(
                f"column {column!r} not in the table (columns: {', '.join(map(str, data.columns))})"
            )
    item_codes = codes_of(data[item])
    numeric: np.ndarray | None
    if level == "nominal":
        value_codes = codes_of(data[value])
        keep = (item_codes >= 0) & (value_codes >= 0)
        numeric = None
    else:
        numeric = _numeric_values(data[value], value)
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
        labels = data[value]
        if isinstance(labels.dtype, pd.CategoricalDtype):
            all_values = np.asarray(labels.cat.categories, dtype=object)
        else:
            _, uniques = pd.factorize(labels, sort=False)
            all_values = np.asarray(uniques, dtype=object)
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

    >>> table = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "value": [1, 1, 2, 2, 3, 2]})
    >>> round(krippendorff_alpha(table, level="interval"), 4)
    0.7692
    """
    del rater  # documented: not needed by the statistic
    check_level(level)
    sorted_values = level != "interval"
    pv = pairable_values(data, item=item, value=value, level=level, with_values=sorted_values)
    reference = None
    if expected_from is not None:
        reference = pairable_values(
            expected_from, item=item, value=value, level=level, with_values=sorted_values
        )
    return alpha_from_sums(*disagreement_sums(pv, level, reference))


def coincidence_matrix(
    data: pd.DataFrame, *, item: str = "item", value: str = "value", level: str = "nominal"
) -> pd.DataFrame:
    """The values x values coincidence matrix o_ck (Krippendorff 2011, section C), for inspection.

    Built from the distinct (item, value) pairs (sparse accumulation); intended for data with few
    distinct values (raises ``ValueError`` above 2048).
    """
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
