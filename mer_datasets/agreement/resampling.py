"""Two-way (items x raters) resampling of Krippendorff's alpha, and the BCa interval.

Why two-way: the item bootstrap treats the raters as fixed. When raters differ systematically
(one rates everything higher), alpha's sampling error has a rater component that does not shrink
with more items, and the item bootstrap misses it: in the coverage study
(benchmarks/results/coverage.md) its 95% intervals covered 0.78-0.89 in crossed designs with
rater biases. Resampling items and raters independently with replacement (the "two-way" or
"pigeonhole" bootstrap of crossed random effects; McCullagh 2000, Bernoulli 6(1):1-40; Owen 2007,
Annals of Applied Statistics 1(1):24-47) accounts for both; it is slightly conservative (each
resample also re-draws the residual noise through both factors).

A resample draws item multiplicities w_u and rater multiplicities r_j. The materialised resample
holds w_u copies of item u, and in every copy r_j copies of rater j's judgment of u; the copies
of one rater are *distinct* pairable values (``copies="distinct"``, the default: the resampled
rater population has that rater twice, as an ordinary bootstrap of raters has it; the alternative
``copies="once"`` keeps a rater once whatever its multiplicity, i.e. a random subset of raters,
and over-covers in the study because it discards a third of the raters in every resample).
Every statistic alpha needs is then a weighted per-item sufficient statistic with judgment weights
c = r_j and item weights w_u, computed without materialising anything:

    m'_u = sum_j c_uj, n'_uc = sum_{j: x_uj = c} c_uj            (segment sums of sorted rows)
    nominal  within'_u = (m'_u^2 - sum_c n'_uc^2) / (m'_u - 1)
    interval within'_u = 2 m'_u SS'_u / (m'_u - 1), SS'_u from weighted moments about the item mean
    ordinal  the interval form on the positions recomputed from the resample's value totals
    ratio    within'_u = 2 sum_{c<k} n'_uc n'_uk delta2(c, k) / (m'_u - 1) (pairs within items)

and alpha = 1 - (sum_u w_u within'_u / n') / (D_e' / (n' (n' - 1))) over the item copies with
m'_u >= 2 (an item whose only rater is drawn twice becomes pairable, with zero disagreement, as in
the materialised resample). Chunks of resamples keep memory bounded (about ``_CHUNK_CELLS`` cells
per array). tests/agreement/test_bootstrap_two_way.py checks every level against alpha computed on
the materialised resample.

BCa (Efron 1987, JASA 82:171-185; Efron & Tibshirani 1993, ch. 14): the percentile interval's
quantiles are moved by the bias correction z0 = Phi^-1(share of resampled alphas below the
estimate) and the acceleration a from the jackknife. For the item bootstrap the jackknife leaves
out one item (or one of at most ``MAX_JACKKNIFE_GROUPS`` groups of items); for the two-way
bootstrap it leaves out items and raters, combined as Efron & Tibshirani's multi-sample
acceleration a = sum_k sum_i U_ki^3 / n_k^3 / (6 (sum_k sum_i U_ki^2 / n_k^2)^(3/2)) with
U_ki = (n_k - 1)(mean_k - theta_(ki)) the jackknife influence of unit i of factor k.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import AgreementError
from .alpha import expected_sums, ordinal_positions, ratio_delta2

#: Cells (float64) of all the arrays of one chunk of resamples together (8 MiB): ``width``
#: counts every B x items and B x groups array of a resample (cache-sized chunks measured
#: faster than 32 MiB ones).
_CHUNK_CELLS = 1 << 20
#: Above this many units, the jackknife leaves out groups of units (delete-a-group jackknife):
#: the acceleration is a third-moment estimate that needs no more than a few hundred groups.
MAX_JACKKNIFE_GROUPS = 200
#: The ratio bootstrap needs a V x V distance matrix.
_MAX_RATIO_VALUES = 4096
COPIES: tuple[str, ...] = ("distinct", "once")


@dataclass(frozen=True)
class Crossed:
    """The judgments sorted by (item, value): what the two-way resampling needs.

    ``items``/``raters``/``codes`` are per judgment (codes index the sorted ``values``); groups
    are the distinct (item, value) pairs; ``item_starts`` index judgments, ``group_item_starts``
    index groups; ``metric`` is the value of each code on the interval scale (interval: the
    values; ordinal with a reference: the reference's positions; else None).
    """

    level: str
    items: np.ndarray
    raters: np.ndarray
    codes: np.ndarray
    values: np.ndarray
    n_items: int
    n_raters: int
    item_starts: np.ndarray
    group_starts: np.ndarray
    group_items: np.ndarray
    group_codes: np.ndarray
    group_item_starts: np.ndarray
    value_order: np.ndarray
    value_starts: np.ndarray
    metric: np.ndarray | None


def crossed(
    item_codes: np.ndarray,
    rater_codes: np.ndarray,
    value_codes: np.ndarray,
    values: np.ndarray,
    level: str,
    metric: np.ndarray | None = None,
) -> Crossed:
    """:class:`Crossed` of judgments with an item, a rater and a value code (no missing).

    Items, raters and values are re-coded compactly (only those present). ``metric``: fixed
    metric values per value code (ordinal positions from a reference), else None.
    """
    if item_codes.size == 0:
        raise AgreementError("no judgments to resample")
    _, items = np.unique(item_codes, return_inverse=True)
    _, raters = np.unique(rater_codes, return_inverse=True)
    present, codes = np.unique(value_codes, return_inverse=True)
    values = np.asarray(values)[present]
    if metric is not None:
        metric = np.asarray(metric, dtype=np.float64)[present]
    items, raters, codes = items.reshape(-1), raters.reshape(-1), codes.reshape(-1)
    order = np.lexsort((codes, items))
    items, raters, codes = items[order], raters[order], codes[order]
    new_item = np.r_[True, items[1:] != items[:-1]]
    new_group = new_item | np.r_[True, codes[1:] != codes[:-1]]
    group_starts = np.flatnonzero(new_group)
    group_items, group_codes = items[group_starts], codes[group_starts]
    value_order = np.argsort(group_codes, kind="stable")
    sorted_codes = group_codes[value_order]
    value_starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    if level == "interval":
        metric = np.asarray(values, dtype=np.float64)
    return Crossed(
        level, items, raters, codes, values, int(items.max()) + 1, int(raters.max()) + 1,
        np.flatnonzero(new_item), group_starts, group_items, group_codes,
        np.flatnonzero(np.r_[True, group_items[1:] != group_items[:-1]]), value_order,
        value_starts, metric,
    )  # fmt: skip


def two_way_function(
    data: Crossed, fixed: tuple[float, float] | None = None, copies: str = "once"
) -> tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], int]:
    """(alphas_of(item_weights, rater_weights), cells per resample) of the two-way resampling.

    ``alphas_of`` maps B x U item multiplicities and B x J rater multiplicities to B alphas.
    ``fixed`` = (expected sum, n_ref) holds D_e (expected_from): only D_o is resampled.
    """
    if copies not in COPIES:
        raise AgreementError(f"unknown copies rule {copies!r}; expected one of {COPIES}")
    level = data.level
    metric = data.metric
    delta2 = pairs = None
    if level == "ratio":
        if data.values.size > _MAX_RATIO_VALUES and fixed is None:
            raise AgreementError(
                f"ratio bootstrap needs a {data.values.size} x {data.values.size} distance matrix "
                f"(limit {_MAX_RATIO_VALUES} distinct values); round the values or use the "
                "interval level"
            )
        pairs = _group_pairs(data)
        if fixed is None:
            values = np.asarray(data.values, dtype=np.float64)
            delta2 = ratio_delta2(values[:, None], values[None, :])
    if metric is not None:
        group_metric = metric[data.group_codes]
        item_mean = np.bincount(data.group_items, weights=group_metric, minlength=data.n_items)
        item_mean /= np.bincount(data.group_items, minlength=data.n_items)
        grand = float(np.mean(metric[data.codes]))
        centred = group_metric - item_mean[data.group_items]  # about the (unweighted) item mean
        shift = item_mean - grand

    # Every per-item sum is linear in the rater weights r: a product r @ S with a sparse
    # raters x groups (or x items) matrix S, O(B N) multiply-adds in one sparse product.
    group_of = np.repeat(
        np.arange(data.group_starts.size), np.diff(np.r_[data.group_starts, data.items.size])
    )
    moments_only = metric is not None and (fixed is not None or level == "interval")
    if moments_only:
        at = centred[group_of]
        per_item = _rater_sums(
            data.raters, data.items, (None, at, at * at), data.n_raters, data.n_items
        )
    else:
        per_group = _rater_sums(
            data.raters, group_of, (None,), data.n_raters, data.group_starts.size
        )

    def alphas_of(item_weights: np.ndarray, rater_weights: np.ndarray) -> np.ndarray:
        r = (rater_weights > 0).astype(np.float64) if copies == "once" else rater_weights
        if moments_only:
            m, first, second = _products(r, per_item)
            n_g = None
        else:
            (n_g,) = _products(r, per_group)
            m = np.add.reduceat(n_g, data.group_item_starts, axis=1)
        paired = m >= 2
        weight = item_weights * paired
        with np.errstate(divide="ignore", invalid="ignore"):
            inverse = np.where(paired, 1.0 / (m - 1.0), 0.0)
        n = np.einsum("bu,bu->b", weight, m)
        value_counts = None
        if fixed is None and level != "interval":
            weighted = (weight[:, data.group_items] * n_g)[:, data.value_order]
            value_counts = np.add.reduceat(weighted, data.value_starts, axis=1)
        if level == "nominal":
            squares = np.add.reduceat(n_g * n_g, data.group_item_starts, axis=1)
            within = (m * m - squares) * inverse
            expected = None if fixed else n * n - np.einsum("bv,bv->b", value_counts, value_counts)
        elif level == "ratio":
            left, right, pair_delta2, pair_starts, pair_items = pairs
            within = np.zeros_like(m)
            if left.size:
                products = n_g[:, left] * n_g[:, right] * pair_delta2
                within[:, pair_items] = 2.0 * np.add.reduceat(products, pair_starts, axis=1)
            within *= inverse
            expected = None if fixed else np.einsum("bv,bv->b", value_counts @ delta2, value_counts)
        elif moments_only:  # interval, or ordinal on a reference's fixed positions
            with np.errstate(divide="ignore", invalid="ignore"):
                squares = np.where(m > 0, second - first * first / m, 0.0)
            within = 2.0 * m * np.maximum(squares, 0.0) * inverse
            expected = None
            if fixed is None:
                total_first = first + m * shift
                total_second = second + 2.0 * shift * first + m * shift * shift
                moments = np.column_stack(
                    [
                        np.einsum("bu,bu->b", weight, total_first),
                        np.einsum("bu,bu->b", weight, total_second),
                    ]
                )
                expected = expected_sums("interval", n, moments, None)
        else:  # ordinal: positions of the resample's own value totals
            with np.errstate(divide="ignore", invalid="ignore"):
                positions = ordinal_positions(value_counts)
                positions -= (np.einsum("bv,bv->b", value_counts, positions) / n)[:, None]
            at = positions[:, data.group_codes]
            first = np.add.reduceat(n_g * at, data.group_item_starts, axis=1)
            second = np.add.reduceat(n_g * at * at, data.group_item_starts, axis=1)
            within = 2.0 * np.maximum(m * second - first * first, 0.0) * inverse
            expected = 2.0 * n * np.einsum("bv,bv->b", value_counts, positions * positions)
        observed = np.einsum("bu,bu->b", weight, within)
        if fixed is not None:
            count = observed.size
            return alpha_vector(observed, np.full(count, fixed[0]), n, np.full(count, fixed[1]))
        return alpha_vector(observed, expected, n, n)

    width = data.n_items * 8 + (0 if moments_only else data.group_starts.size * 6)
    if pairs is not None:
        width += 2 * pairs[0].size
    return alphas_of, width


#: Largest dense raters x columns matrix (float64 cells) of the per-rater sums: crossed designs
#: (few raters) multiply by it with BLAS; many raters use segment sums of gathered weights.
_DENSE_RATER_CELLS = 1 << 21


def _rater_sums(rows, columns, weights: tuple, n_rows: int, n_columns: int):
    """What r @ S_k needs for each of ``weights`` (None: 1), S_k the n_rows x n_columns matrix of
    the sums of weights_k per (row, column): the dense S_k when small, else (rows as int32 when
    they fit, the weights, column starts) of the entries sorted by column (every column has an
    entry), shared by all k. numpy only: the CLI's fast path imports no scipy
    (tests/agreement/test_cached_path.py)."""
    data = [np.ones(rows.size) if w is None else np.asarray(w, dtype=np.float64) for w in weights]
    if n_rows * n_columns <= _DENSE_RATER_CELLS:
        dense = []
        for values in data:
            matrix = np.zeros((n_rows, n_columns))
            np.add.at(matrix, (rows, columns), values)
            dense.append(matrix)
        return dense
    order = np.argsort(columns, kind="stable")
    columns = columns[order]
    starts = np.flatnonzero(np.r_[True, columns[1:] != columns[:-1]])
    index = rows[order].astype(np.int32 if n_rows < 2**31 else np.intp)
    return index, [values[order] for values in data], starts


def _products(r: np.ndarray, matrices) -> list[np.ndarray]:
    """[r @ S_k] for B x J rater weights r (the S_k from :func:`_rater_sums`). Sparse: per
    resample, one gather of the raters' weights shared by every k, then segment sums: on 10^6
    judgments of 10^5 raters, 8.7 ms per resample against 19 ms for a B x N gather per k, and
    4.7 ms on two threads (gathers and segment sums release the GIL)."""
    if isinstance(matrices, list):
        return [r @ matrix for matrix in matrices]
    index, data, starts = matrices
    out = [np.empty((r.shape[0], starts.size)) for _ in data]
    for row in range(r.shape[0]):
        gathered = r[row].take(index)
        for values, result in zip(data, out):
            result[row] = np.add.reduceat(gathered * values, starts)
    return out


def _group_pairs(data: Crossed):
    """(left, right, delta2, starts, items) of the pairs of groups (distinct values) within
    items, sorted by item: ``starts`` index the first pair of each item that has pairs."""
    values = np.asarray(data.values, dtype=np.float64)
    items = data.group_items
    lefts, rights = [], []
    offset = 1
    while offset < items.size:
        same = np.flatnonzero(items[offset:] == items[:-offset])
        if same.size == 0:
            break
        lefts.append(same)
        rights.append(same + offset)
        offset += 1
    if not lefts:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0), empty, empty
    left, right = np.concatenate(lefts), np.concatenate(rights)
    order = np.argsort(left, kind="stable")  # groups are sorted by item: so are their pairs
    left, right = left[order], right[order]
    pair_items = items[left]
    starts = np.flatnonzero(np.r_[True, pair_items[1:] != pair_items[:-1]])
    delta2 = ratio_delta2(values[data.group_codes[left]], values[data.group_codes[right]])
    return left, right, delta2, starts, pair_items[starts]


def alpha_vector(
    observed: np.ndarray, expected: np.ndarray, n: np.ndarray, n_ref: np.ndarray
) -> np.ndarray:
    """1 - (observed / n) / (expected / (n_ref (n_ref - 1))) per row; nan where undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        result = 1.0 - (observed / n) / (expected / (n_ref * (n_ref - 1.0)))
    result[~(expected > 0) | (n_ref < 2) | ~(n > 0)] = np.nan
    return result


def chunk_sizes(n_resamples: int, cells_per_resample: int) -> list[int]:
    """Resamples per chunk so that one chunk's arrays stay near ``_CHUNK_CELLS`` cells."""
    size = max(1, _CHUNK_CELLS // max(cells_per_resample, 1))
    return [min(size, n_resamples - start) for start in range(0, n_resamples, size)]


def two_way_bootstrap(
    data: Crossed,
    n_resamples: int,
    rng: np.random.Generator,
    fixed: tuple[float, float] | None = None,
    copies: str = "once",
) -> np.ndarray:
    """``n_resamples`` alphas of two-way resamples: per chunk, the item draws then the rater
    draws (one sequential stream: same seed, same output)."""

    from concurrent.futures import ThreadPoolExecutor

    alphas_of, width = two_way_function(data, fixed, copies)
    samples = np.empty(n_resamples)
    chunks = chunk_sizes(n_resamples, width)
    starts = np.cumsum([0, *chunks])
    with ThreadPoolExecutor(max_workers=_THREADS) as pool, _single_threaded_blas():
        for first in range(0, len(chunks), _THREADS):
            batch = range(first, min(first + _THREADS, len(chunks)))
            # drawn in order on this thread (same stream whatever the thread count)
            draws = [
                (_counts(rng, data.n_items, chunks[c]), _counts(rng, data.n_raters, chunks[c]))
                for c in batch
            ]
            for c, alphas in zip(batch, pool.map(lambda d: alphas_of(*d), draws)):
                samples[starts[c] : starts[c + 1]] = alphas
    return samples


#: Threads that reduce chunks of two-way resamples in parallel (numpy's gathers, segment sums and
#: products release the GIL); the draws stay sequential, so the numbers do not depend on it.
_THREADS = max(1, min(4, os.cpu_count() or 1))


def _counts(rng: np.random.Generator, n_units: int, count: int) -> np.ndarray:
    draws = rng.integers(0, n_units, size=(count, n_units), dtype=np.intp)
    keys = draws + (np.arange(count, dtype=np.intp) * n_units)[:, None]
    return (
        np.bincount(keys.ravel(), minlength=count * n_units)
        .reshape(count, n_units)
        .astype(np.float64)
    )


def two_way_jackknife(
    data: Crossed, fixed: tuple[float, float] | None = None, copies: str = "once"
) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife alphas leaving out one item (or group of items), and one rater (or group)."""
    alphas_of, width = two_way_function(data, fixed, copies)
    items = jackknife_in_chunks(
        data.n_items, width,
        lambda w: alphas_of(w, np.ones((w.shape[0], data.n_raters))),
    )  # fmt: skip
    raters = jackknife_in_chunks(
        data.n_raters, width,
        lambda w: alphas_of(np.ones((w.shape[0], data.n_items)), w),
    )  # fmt: skip
    return items, raters


def jackknife_in_chunks(
    n_units: int, width: int, alphas_of: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``alphas_of`` of every leave-out row of ``n_units`` (:func:`leave_out_weights`), a bounded
    chunk of rows at a time."""
    groups = min(n_units, MAX_JACKKNIFE_GROUPS)
    alphas = np.empty(groups)
    start = 0
    for count in chunk_sizes(groups, width):
        alphas[start : start + count] = alphas_of(leave_out_weights(n_units, start, start + count))
        start += count
    return alphas


def leave_out_weights(n_units: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Rows ``start:stop`` of the G x n_units jackknife weights: row g is 0 on the units of
    group g, 1 elsewhere.

    Groups are single units up to ``MAX_JACKKNIFE_GROUPS`` units, else units g, g + G, g + 2G...
    (a delete-a-group jackknife with G = MAX_JACKKNIFE_GROUPS)."""
    groups = min(n_units, MAX_JACKKNIFE_GROUPS)
    stop = groups if stop is None else stop
    weights = np.ones((stop - start, n_units))
    units = np.arange(n_units)
    group = units % groups
    inside = (group >= start) & (group < stop)
    weights[group[inside] - start, units[inside]] = 0.0
    return weights


def acceleration(*jackknifes: np.ndarray) -> float:
    """BCa acceleration from one or more factors' jackknife values (multi-sample form).

    a = sum_k sum_i U_ki^3 / n_k^3 / (6 (sum_k sum_i U_ki^2 / n_k^2)^(3/2)) with
    U_ki = (n_k - 1)(mean_k - theta_ki). One factor: the usual sum U^3 / (6 (sum U^2)^(3/2)).
    Undefined jackknife values (nan) are left out; 0 when nothing varies."""
    third = second = 0.0
    for values in jackknifes:
        values = values[np.isfinite(values)]
        size = values.size
        if size < 2:
            continue
        influence = (size - 1) * (values.mean() - values)
        third += float(np.sum(influence**3)) / size**3
        second += float(np.sum(influence**2)) / size**2
    if second <= 0.0:
        return 0.0
    return third / (6.0 * second**1.5)


def bca_interval(
    samples: np.ndarray, estimate: float, accel: float, confidence: float
) -> tuple[float, float]:
    """The BCa interval: percentiles Phi(z0 + (z0 + z) / (1 - a (z0 + z))) of the samples.

    z0 = Phi^-1(share of finite samples strictly below the estimate), as scipy.stats.bootstrap
    computes it; that share is kept within [1/(2B), 1 - 1/(2B)] so that an estimate outside all
    resamples gives the most extreme percentiles, not nan."""
    from statistics import NormalDist

    normal = NormalDist()
    finite = samples[np.isfinite(samples)]
    if finite.size == 0 or not np.isfinite(estimate):
        return float("nan"), float("nan")
    share = np.count_nonzero(finite < estimate) / finite.size
    half = 0.5 / finite.size
    z0 = normal.inv_cdf(min(max(share, half), 1.0 - half))
    tail = (1.0 - confidence) / 2.0
    levels = []
    for z in (normal.inv_cdf(tail), normal.inv_cdf(1.0 - tail)):
        shifted = z0 + z
        levels.append(normal.cdf(z0 + shifted / (1.0 - accel * shifted)))
    low, high = np.quantile(finite, levels)
    return float(low), float(high)


def _single_threaded_blas():
    """One BLAS thread while multiplying chunks of weights (when threadpoolctl is installed).

    The products are small and memory-bound: on a 2-core machine shared with other processes,
    multi-threaded BLAS made the whole bootstrap about 1.5-2x slower (benchmarks/results).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional accelerator
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(1, user_api="blas")
