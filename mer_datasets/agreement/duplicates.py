"""Repeated judgments of one (rater, item, dimension): one policy, applied before any statistic.

Why a separate step: agreement statistics treat every row as one judgment, and a rater who judged
an excerpt twice (a retest, a resubmitted form) would count as two raters agreeing with each other.
Which copy to keep is a choice the analyst must see, so the number of affected groups and rows is
returned and reported next to every figure.

Policies:

* ``latest`` (default): keep the last judgment by ``order`` (a timestamp column; rows without one
  sort first; ties keep the later row in table order). Without an order column, table order.
* ``first``: keep the first, same ordering.
* ``mean``: replace the group by one row with the mean of the numeric value (the other columns
  of the first row of the group). Only for numeric values.
* ``all``: keep every row; each is treated as a separate judgment (documented bias: repeated
  judgments of one rater inflate agreement when the rater is consistent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AgreementError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

POLICIES: tuple[str, ...] = ("latest", "first", "mean", "all")


@dataclass(frozen=True)
class DuplicateResolution:
    """The resolved table and what was affected: ``n_groups`` (rater, item, dimension) groups with
    more than one judgment, ``n_rows`` rows in such groups, ``n_removed`` rows dropped or merged."""

    table: pd.DataFrame
    policy: str
    n_groups: int
    n_rows: int
    n_removed: int


@dataclass(frozen=True)
class DuplicatePlan:
    """Which rows a policy keeps: ``rows`` (ascending positions), and for ``mean`` the value of
    each kept row (the mean of its group); the counts as in :class:`DuplicateResolution`."""

    rows: np.ndarray
    means: np.ndarray | None
    n_groups: int
    n_rows: int


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise AgreementError(
            f"unknown duplicates policy {policy!r}; expected one of {', '.join(POLICIES)}"
        )
    return policy


def combine_codes(*codes: np.ndarray) -> np.ndarray:
    """One int64 key per row for several integer code columns (-1 = missing is a value of its own)."""
    key = np.zeros(codes[0].size if codes else 0, dtype=np.int64)
    for column in codes:
        column = np.asarray(column, dtype=np.int64) + 1
        key = key * (int(column.max()) + 1 if column.size else 1) + column
        _, key = np.unique(key, return_inverse=True)  # compact again: no overflow
        key = key.reshape(-1).astype(np.int64)
    return key


#: Rows per block of the blockwise passes over crowd-scale code arrays: the temporaries of a
#: block stay in cache, where whole-array temporaries cost fresh memory (10^7 rows: 80 MB each,
#: and on this machine a fresh 80 MB costs up to 0.3 s of page zeroing).
BLOCK = 1 << 16


def distinct_pairs(first: np.ndarray, second: np.ndarray) -> bool | None:
    """Whether every (first, second) pair of integer codes (-1 = missing, a value of its own)
    occurs at most once; None when the codes are too sparse to decide in O(n) (use a sort).

    Why blockwise: one boolean per possible pair, marked block by block, instead of a bincount
    over a key array (five 10^7 temporaries at crowd scale); the pairs are distinct when as many
    are marked as there are rows. The key is computed in int64 only after the pair count is
    bounded, so it cannot overflow."""
    n = int(first.size)
    if n == 0:
        return True
    width = _pair_width(first, second)
    if width is None:
        return None
    seen = np.zeros((int(first.max()) + 2) * width, dtype=bool)
    for start in range(0, n, BLOCK):
        key = first[start : start + BLOCK].astype(np.int64) + 1
        key *= width
        key += second[start : start + BLOCK]
        key += 1
        if seen[key].any():  # a pair of an earlier block again
            return False
        seen[key] = True
    return int(np.count_nonzero(seen)) == n  # fewer marks: a pair repeated within a block


def _pair_width(first: np.ndarray, second: np.ndarray) -> int | None:
    """The multiplier of the int64 key (first + 1) * width + second + 1 of compact code pairs
    (-1 = missing), or None when the codes are not integers >= -1 or the keys would span more
    than 4n + 2^22 values (the key then cannot overflow, and a bincount over it is O(n))."""
    maxima = _code_maxima(first, second)
    return None if maxima is None else _compact_width(int(first.size), *maxima)


def _code_maxima(first: np.ndarray, second: np.ndarray) -> tuple[int, int] | None:
    """(max first, max second) of integer codes >= -1 (-1 = missing), or None for other codes."""
    for codes in (first, second):
        signed = codes.dtype.kind == "i" or (codes.dtype.kind == "u" and codes.itemsize < 8)
        if not signed or int(codes.min()) < -1:
            return None
    return int(first.max()), int(second.max())


def _compact_width(n: int, first_max: int, second_max: int) -> int | None:
    """:func:`_pair_width` from the codes' maxima."""
    width = second_max + 2
    return width if (first_max + 2) * width <= 4 * n + (1 << 22) else None


def plan_pairs(
    first: np.ndarray,
    second: np.ndarray,
    *,
    policy: str = "latest",
    order: np.ndarray | None = None,
    values: np.ndarray | None = None,
) -> DuplicatePlan | None:
    """:func:`plan_duplicates` of the rows keyed by (first, second) code pairs, the same plan to
    the bit, in O(n) outside the candidate rows; None when the codes are not integers >= -1 or
    their pair key could overflow int64 (then :func:`combine_codes` and :func:`plan_duplicates`).

    Why: a crowd export with one resubmitted judgment among 10^7 sent every row through three
    sorts (2-5 s). Compact codes: the pairs are counted with one bincount and the candidates are
    exactly the rows of repeated pairs. Sparse codes (10^5 raters x 10^6 items): the keys are
    hashed into about 2n bins (``_hash_bins``) and the candidates are the rows whose bin holds
    more than one row, a superset of the repeated rows (about a fifth of all rows at 10^7, by
    collisions). Only the candidates go through :func:`plan_duplicates` (same groups, same order
    of positions, same sums of a group's values in row order); every other row is kept as it is
    (under ``mean`` its value plus 0.0, as a group of one gets from the general plan)."""
    check_policy(policy)
    n = int(first.size)
    if n == 0:
        return plan_duplicates(np.zeros(0, dtype=np.int64), policy=policy)
    maxima = _code_maxima(first, second)
    if maxima is None or (maxima[0] + 2) * (maxima[1] + 2) >= 2**62:  # the key could overflow
        return None
    key = first.astype(np.int64) + 1
    key *= maxima[1] + 2
    key += second
    key += 1
    if _compact_width(n, *maxima) is not None:  # compact: the count of each pair itself
        counts = np.bincount(key)
        candidates = np.flatnonzero(counts[key] > 1)
    else:
        bins = _hash_bins(key)
        counts = np.bincount(bins)
        candidates = np.flatnonzero(counts[bins] > 1)
        del bins
    del counts
    inner = plan_duplicates(
        key[candidates],
        policy=policy,
        order=None if order is None else np.asarray(order)[candidates],
        values=None if values is None else values[candidates],
    )
    del key
    if policy == "all" or inner.n_rows == 0:
        return DuplicatePlan(np.arange(n), None, inner.n_groups, inner.n_rows)
    keep = np.ones(n, dtype=bool)
    keep[candidates] = False
    chosen = candidates[inner.rows]
    keep[chosen] = True
    rows = np.flatnonzero(keep)
    means = None
    if inner.means is not None:
        means = values[rows] + 0.0
        means[np.searchsorted(rows, chosen)] = inner.means
    return DuplicatePlan(rows, means, inner.n_groups, inner.n_rows)


#: Most hash bins of the sparse route: 2^25 counts are 256 MiB of int64 (bincount's type).
_MAX_HASH_BITS = 25


def _hash_bins(key: np.ndarray) -> np.ndarray:
    """Fibonacci hashing of int64 keys into 2^b bins, 2^b >= 2n (at most 2^``_MAX_HASH_BITS``):
    the top b bits of key x 0x9E3779B97F4A7C15 mod 2^64. Equal keys share a bin; distinct keys
    share one with probability about 2^-b each."""
    bits = min(max(int(key.size * 2 - 1).bit_length(), 1), _MAX_HASH_BITS)
    hashed = key.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    hashed >>= np.uint64(64 - bits)
    return hashed.view(np.int64)


def order_key(column: pd.Series) -> np.ndarray:
    """int64 sort key of an order column (smallest first; a missing value sorts first).

    Timestamps order by UTC time; numbers by value; text only when every value is an ISO 8601
    timestamp (parsed, then ordered by time). Text in another format is refused: sorted as text,
    9/1/2020 would come after 10/1/2020, and a day/month order cannot be guessed safely.
    """
    import pandas as pd

    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "M":
        return column.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    if not pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        column = _iso_timestamps(column)
        return order_key(column)
    codes, _ = pd.factorize(column, sort=True)
    return np.where(codes < 0, np.iinfo(np.int64).min, codes).astype(np.int64)


def _iso_timestamps(column: pd.Series) -> pd.Series:
    """Text timestamps parsed as ISO 8601 (UTC), or an error naming the first other value."""
    import pandas as pd

    present = column.dropna()
    try:
        return pd.to_datetime(column, format="ISO8601", utc=True)
    except (ValueError, TypeError, OverflowError):
        pass
    for position, value in zip(present.index, present):
        try:
            pd.to_datetime(pd.Series([value]), format="ISO8601", utc=True)
        except (ValueError, TypeError, OverflowError):
            raise AgreementError(
                f"timestamp {value!r} (row {position!r}) is not ISO 8601 (e.g. 2020-09-01T14:30:00);"
                " repeated judgments are ordered by time, and text such as 9/1/2020 cannot be "
                "ordered without knowing whether it is month/day or day/month: convert the column "
                "to datetimes (pandas.to_datetime with an explicit format), or pass --time-format "
                "for a file"
            ) from None
    return pd.to_datetime(column, format="ISO8601", utc=True)


def plan_duplicates(
    keys: np.ndarray,
    *,
    policy: str = "latest",
    order: np.ndarray | None = None,
    values: np.ndarray | None = None,
) -> DuplicatePlan:
    """Apply ``policy`` to rows sharing a key (see the module docstring), on arrays.

    ``order`` (int64 or float; smallest first, so NaT as int64 min and NaN, mapped to -inf, sort
    first) orders repeated judgments, ties and a missing ``order`` by position. ``values`` (float)
    are averaged under ``mean``.
    """
    check_policy(policy)
    n = keys.size
    position = np.arange(n)
    if n == 0:
        return DuplicatePlan(position, None, 0, 0)
    _, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    group = group.reshape(-1)
    repeated = counts[group] > 1
    n_rows, n_groups = int(np.count_nonzero(repeated)), int(np.count_nonzero(counts > 1))
    if policy == "all" or n_rows == 0:
        return DuplicatePlan(position, None, n_groups, n_rows)
    if policy == "mean":
        if values is None:
            raise AgreementError("duplicates policy 'mean' needs numeric values")
        sorted_rows = np.lexsort((position, group))
    else:
        if order is None:
            sorted_rows = np.lexsort((position, group))
        else:
            order = np.asarray(order)
            if order.dtype.kind == "f":
                order = np.where(np.isnan(order), -np.inf, order)
            sorted_rows = np.lexsort((position, order, group))
    starts = np.flatnonzero(np.r_[True, group[sorted_rows][1:] != group[sorted_rows][:-1]])
    pick = starts if policy in ("first", "mean") else np.r_[starts[1:], n] - 1
    rows = np.sort(sorted_rows[pick])
    means = None
    if policy == "mean":
        sums = np.bincount(group, weights=values, minlength=counts.size)
        means = (sums / counts)[group[rows]]
    return DuplicatePlan(rows, means, n_groups, n_rows)


def resolve_duplicates(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    dimension: str | None = None,
    policy: str = "latest",
    order: str | None = None,
) -> DuplicateResolution:
    """Apply ``policy`` to repeated judgments of one (rater, item[, dimension]).

    ``order`` names the column that orders repeated judgments (e.g. ``timestamp``); when it is
    missing or None, table order is used.
    """
    import pandas as pd

    from .alpha import codes_of

    check_policy(policy)
    keys = [rater, item] + (
        [dimension] if dimension is not None and dimension in data.columns else []
    )
    if data.empty:
        return DuplicateResolution(data, policy, 0, 0, 0)
    values = None
    if policy == "mean":
        numeric = pd.to_numeric(data[value], errors="coerce")
        if numeric.notna().sum() != data[value].notna().sum():
            raise AgreementError(
                f"duplicates policy 'mean' needs numeric values in column {value!r}"
            )
        values = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    plan = plan_duplicates(
        combine_codes(*(codes_of(data[k]) for k in keys)),
        policy=policy,
        order=order_key(data[order]) if order is not None and order in data.columns else None,
        values=values,
    )
    if plan.rows.size == len(data):
        return DuplicateResolution(data, policy, plan.n_groups, plan.n_rows, 0)
    resolved = data.iloc[plan.rows]
    if plan.means is not None:
        resolved = resolved.assign(**{value: plan.means})
    return DuplicateResolution(
        resolved, policy, plan.n_groups, plan.n_rows, int(len(data) - len(resolved))
    )
