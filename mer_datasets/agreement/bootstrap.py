"""Bootstrap confidence intervals of Krippendorff's alpha, vectorized and seedable.

Two procedures, always named in the output:

* ``items`` (default): resample the *items* (excerpts) with replacement and recompute alpha
  exactly on each resample. Judgments of one item are dependent (same excerpt, same context), so
  the item is the sampling unit; this is the ordinary cluster (case) bootstrap. It is vectorized
  over per-item sufficient statistics: a resample is a vector w of item multiplicities and every
  quantity alpha needs is a weighted sum over items (interval: sum w m_u, sum w S1_u, sum w S2_u,
  sum w m_u SS_u / (m_u - 1); nominal: the same plus the value counts w @ N; ordinal: positions
  recomputed from w @ N on every resample; ratio: w @ N and the fixed V x V distance matrix).
  With few distinct values (or interval data) every ingredient is a column of a per-item feature
  matrix F, so a chunk of resamples is one product W @ F of the item multiplicities W; ordinal
  observed disagreement uses p^T A p with A_u = (m_u diag(N_u) - N_u N_u^T) / (m_u - 1), a
  quadratic form in the positions p recomputed per resample. Chunks of 4 MiB of weights.
* ``krippendorff``: Krippendorff's own algorithm (Hayes & Krippendorff 2007; Krippendorff,
  "Algorithm for bootstrapping Krippendorff's c-alpha", 2016): D_e is held fixed and M pairs of
  values are drawn from the coincidence matrix with probabilities o_ck / n (unordered cells:
  2 o_ck / n off the diagonal), M = sum_u m_u (m_u - 1) / 2 pairs (``draws="pairs"``, default)
  or M = min(25 q, sum_u m_u (m_u - 1) / 2) with q the number of non-empty cells
  (``draws="capped"``, the cap of the R ``kripp.boot`` port of Krippendorff's algorithm); alpha_b = 1 - (sum of the drawn delta2) / (M D_e), bounded below by -1, and
  the share sum_c (o_cc / n)^M of all-agreeing resamples is set to 0 (alpha indeterminate).
  Nominal sums are drawn exactly as Binomial(M, D_o). With more than 4096 non-empty cells (e.g.
  continuous sliders) the sum of M iid draws is drawn from its normal approximation with the
  exact mean and variance (M is then in the hundreds of thousands).

Both report percentile intervals (the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of
the resampled alphas; resamples where alpha is undefined are ignored).

Why items is the default: the pairable-value bootstrap treats every pair of judgments as
independent and so ignores that all judgments of an excerpt move together. On the ISMIR 2020 data
(22 excerpts, 126 listeners) it gives intervals tens of times narrower than resampling the
excerpts (joy, ordinal: about [0.37, 0.38] against [0.21, 0.50]); the second honestly reflects
that 22 excerpts is a small sample of music.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AgreementError
from .alpha import (
    ItemValueCounts,
    LongValues,
    NumericJudgments,
    PairableValues,
    _item_value_counts,
    alpha_from_sums,
    check_level,
    coincidence_diagonal,
    disagreement_sums,
    disagreement_sums_from_counts,
    distinct_value_pairs,
    encode,
    finite_scaled,
    long_values,
    numeric_sums,
    ordinal_positions,
    pairable_values_of,
    ratio_delta2,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

METHODS: tuple[str, ...] = ("items", "krippendorff")
#: Most resamples one call accepts: percentile intervals are stable to ~1e-3 long before this,
#: and the resampled alphas (returned) take 8 bytes each.
MAX_RESAMPLES = 100_000
#: Cells (float64) per chunk of resamples: 4 MiB of item weights (measured best of 2, 4, 8 MiB).
_CHUNK_CELLS = 1 << 19
_MAX_EXACT_CELLS = 4096
#: Largest per-item feature matrix (float64 cells) of the vectorized item bootstrap.
_MAX_FEATURE_CELLS = 1 << 22
_MAX_RATIO_BOOTSTRAP_VALUES = 4096
#: Above this many distinct values the ordinal item bootstrap works per judgment, not per matrix.
_MAX_MATRIX_ORDINAL_VALUES = 4096


@dataclass(frozen=True)
class BootstrapResult:
    """Point estimate, percentile interval and the resampled alphas of one bootstrap."""

    estimate: float
    ci_low: float
    ci_high: float
    method: str
    n_resamples: int
    confidence: float
    seed: int | None
    samples: np.ndarray = field(repr=False)

    @property
    def ci_method(self) -> str:
        """E.g. ``"bootstrap-items-percentile"``: what the interval is, for every output record."""
        return f"bootstrap-{self.method}-percentile"


def bootstrap_alpha(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    level: str = "nominal",
    expected_from: pd.DataFrame | None = None,
    n_resamples: int = 1000,
    method: str = "items",
    seed: int | None = 0,
    confidence: float = 0.95,
    draws: str = "pairs",
) -> BootstrapResult:
    """Percentile bootstrap interval of :func:`~mer_datasets.agreement.alpha.krippendorff_alpha`.

    ``method="items"`` resamples items; ``method="krippendorff"`` resamples pairable values
    (Hayes & Krippendorff 2007). With ``expected_from``, D_e (and the ordinal metric) come from
    that table and are held fixed across resamples. Same seed, same output. ``draws`` sets the
    number M of pairs per resample of the ``krippendorff`` method ("pairs" or "capped", see above).
    """
    del rater
    return bootstrap_alpha_of(
        long_values(data, item=item, value=value, level=level),
        level=level,
        reference=(
            long_values(expected_from, item=item, value=value, level=level)
            if expected_from is not None
            else None
        ),
        n_resamples=n_resamples,
        method=method,
        seed=seed,
        confidence=confidence,
        draws=draws,
    )


def bootstrap_alpha_of(
    data: LongValues,
    *,
    level: str = "nominal",
    reference: LongValues | None = None,
    n_resamples: int = 1000,
    method: str = "items",
    seed: int | None = 0,
    confidence: float = 0.95,
    draws: str = "pairs",
) -> BootstrapResult:
    """:func:`bootstrap_alpha` of arrays; ``reference`` plays the part of ``expected_from``."""
    check_level(level)
    if method not in METHODS:
        raise AgreementError(
            f"unknown bootstrap method {method!r}; expected one of {', '.join(METHODS)}"
        )
    if not 0.0 < confidence < 1.0:
        raise AgreementError(f"confidence must be between 0 and 1, got {confidence}")
    check_resamples(n_resamples)
    data, reference = finite_scaled(data, level, reference)
    rng = np.random.default_rng(seed)
    if method == "items" and reference is None:
        fast = _fast_items_bootstrap(data, level, n_resamples, rng)
        if fast is not None:
            estimate, samples = fast
            low, high = _percentile_interval(samples, confidence)
            return BootstrapResult(
                estimate, low, high, method, int(n_resamples), confidence, seed, samples
            )
    pv = pairable_values_of(data, level=level)
    ref = pairable_values_of(reference, level=level) if reference is not None else None
    estimate = alpha_from_sums(*disagreement_sums(pv, level, ref))
    if n_resamples <= 0 or np.isnan(estimate):
        samples = np.full(max(n_resamples, 0), np.nan)
    elif method == "items":
        samples = _items_bootstrap(pv, level, ref, n_resamples, rng)
    else:
        if draws not in ("pairs", "capped"):
            raise AgreementError(f"unknown draws rule {draws!r}; expected 'pairs' or 'capped'")
        samples = _krippendorff_bootstrap(
            pv, level, ref, n_resamples, rng, capped=draws == "capped"
        )
    low, high = _percentile_interval(samples, confidence)
    return BootstrapResult(estimate, low, high, method, int(n_resamples), confidence, seed, samples)


def check_resamples(n_resamples: int) -> int:
    """Return ``n_resamples`` if it is an integer from 0 to :data:`MAX_RESAMPLES`, else raise.

    Why: the number comes from users (``--bootstrap``); a billion resamples would run for hours.
    Memory does not grow with it beyond the returned samples: resamples are drawn and reduced in
    chunks of bounded size (``_CHUNK_CELLS``).
    """
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)):
        raise AgreementError(f"the number of resamples must be an integer, got {n_resamples!r}")
    if not 0 <= n_resamples <= MAX_RESAMPLES:
        raise AgreementError(
            f"the number of resamples must be between 0 and {MAX_RESAMPLES:,}, got {n_resamples:,}"
        )
    return int(n_resamples)


def _percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return float(low), float(high)


# -- items ---------------------------------------------------------------------------------


def _item_weights(rng: np.random.Generator, n_items: int, count: int) -> np.ndarray:
    """``count`` x ``n_items`` multiplicities of the items in ``count`` resamples with replacement."""
    return _count_draws(_draw_items(rng, n_items, count), n_items)


def _draw_items(rng: np.random.Generator, n_items: int, count: int) -> np.ndarray:
    """``count`` rows of ``n_items`` uniform item indices (``rng.integers``, intp so that bincount
    counts them without a copy; measured faster than int32 draws plus a cast). Drawing in
    chunks gives the same stream as one call."""
    return rng.integers(0, n_items, size=(count, n_items), dtype=np.intp)


#: Up to this many items, a chunk of draws is counted in one bincount (rows offset by n_items).
_ONE_BINCOUNT_ITEMS = 1024


def _count_draws(draws: np.ndarray, n_items: int) -> np.ndarray:
    """Multiplicities of the drawn items. Many items: row by row (a row's counts stay in cache,
    unlike one bincount over all rows with offsets); few items: one bincount, since a loop of
    thousands of tiny bincounts costs more in Python overhead than the counting."""
    count = draws.shape[0]
    if n_items <= _ONE_BINCOUNT_ITEMS:
        keys = draws + (np.arange(count, dtype=np.intp) * n_items)[:, None]
        flat = np.bincount(keys.ravel(), minlength=count * n_items)
        return flat.reshape(count, n_items).astype(np.float64)
    weights = np.empty(draws.shape, dtype=np.float64)
    for row in range(draws.shape[0]):
        weights[row] = np.bincount(draws[row], minlength=n_items)
    return weights


def _chunks(n_resamples: int, cells_per_resample: int) -> list[int]:
    size = max(1, _CHUNK_CELLS // max(cells_per_resample, 1))
    return [min(size, n_resamples - start) for start in range(0, n_resamples, size)]


def _fast_items_bootstrap(
    data: LongValues, level: str, n_resamples: int, rng: np.random.Generator
) -> tuple[float, np.ndarray] | None:
    """(estimate, resampled alphas) from per-item features, or None when this path does not apply.

    Every resample is a row w of item multiplicities and alpha's ingredients are the totals w @ F
    of per-item features F (see ``_count_features`` and ``_numeric_features``), so a chunk of
    resamples is one matrix product; ordinal data with many distinct values take the general path.
    """
    encoded = encode(data, level)
    if isinstance(encoded, ItemValueCounts):
        estimate = alpha_from_sums(*disagreement_sums_from_counts(encoded, level))
        features, finish = _count_features(encoded, level)
        if features is None:
            return None
    elif isinstance(encoded, NumericJudgments) and level == "interval":
        *sums, within = numeric_sums(encoded, level)
        estimate = alpha_from_sums(*sums)
        features, finish = _numeric_features(encoded, within)
    else:
        return None
    if n_resamples <= 0 or np.isnan(estimate):
        return estimate, np.full(max(n_resamples, 0), np.nan)
    n_items, columns = features.shape
    samples = np.empty(n_resamples)
    # Per resample: its draws and weights (n_items each) and its totals and their finish (a few
    # times the feature columns), so that a chunk stays within _CHUNK_CELLS-sized arrays.
    chunks = _chunks(n_resamples, n_items + 4 * columns)
    if len(chunks) == 1:  # nothing to overlap: no worker thread, no BLAS thread limits to set
        weights = _count_draws(_draw_items(rng, n_items, n_resamples), n_items)
        return estimate, finish(weights @ features)
    from concurrent.futures import ThreadPoolExecutor

    start = 0
    # One worker thread draws the next chunk (numpy releases the GIL while drawing) while this
    # one counts and multiplies: the draws stay in one sequential stream, so same seed, same output.
    with ThreadPoolExecutor(max_workers=1) as drawer, _single_threaded_blas():
        pending = drawer.submit(_draw_items, rng, n_items, chunks[0])
        for index, count in enumerate(chunks):
            draws = pending.result()
            if index + 1 < len(chunks):
                pending = drawer.submit(_draw_items, rng, n_items, chunks[index + 1])
            totals = _count_draws(draws, n_items) @ features
            samples[start : start + count] = finish(totals)
            start += count
    return estimate, samples


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


def _count_features(encoded: ItemValueCounts, level: str):
    """Per-item features [m_u, level-specific columns] of N and how to turn their totals into alpha.

    nominal: within_u = (m_u^2 - sum_c N_uc^2) / (m_u - 1) and N_u (expected: n^2 - sum n_c^2);
    interval: 2 m_u SS_u / (m_u - 1), S1_u, S2_u on centred values (expected: 2 (n S2 - S1^2));
    ordinal: N_u and the upper triangle of A_u = (m_u diag(N_u) - N_u N_u^T) / (m_u - 1), since
    m_u SS_u = p^T (m_u diag(N_u) - N_u N_u^T) p for positions p recomputed from each resample's
    value counts (A_u 1 = 0: shifting p changes nothing, so p is centred for accuracy);
    ratio: sum_ck N_uc N_uk delta2_ck / (m_u - 1) and N_u (expected: n^T delta2 n).
    """
    counts, values, per_item = encoded.counts, encoded.values, encoded.per_item
    inverse = 1.0 / (per_item - 1.0)
    n_values = values.size
    if level == "nominal":
        within = (per_item * per_item - np.einsum("uv,uv->u", counts, counts)) * inverse
        features = np.column_stack([per_item, within, counts])

        def finish(totals):
            n, value_counts = totals[:, 0], totals[:, 2:]
            expected = n * n - np.einsum("bv,bv->b", value_counts, value_counts)
            return _alpha_vector(totals[:, 1], expected, n, n)

        return features, finish
    if level == "interval":
        centered = values - np.dot(encoded.value_counts, values) / per_item.sum()
        first = counts @ centered
        second = counts @ (centered * centered)
        within = 2.0 * (per_item * second - first * first) * inverse
        features = np.column_stack([per_item, within, first, second])
        return features, _finish_linear
    if level == "ordinal":
        upper_rows, upper_cols = np.triu_indices(n_values)
        if counts.shape[0] * (1 + n_values + upper_rows.size) > _MAX_FEATURE_CELLS:
            return None, None
        on_diagonal = upper_rows == upper_cols
        # A_u[c, k] for c <= k; off-diagonal cells doubled, as p^T A p counts (c, k) and (k, c).
        pair_products = counts[:, upper_rows] * counts[:, upper_cols]
        pair_products *= np.where(on_diagonal, -1.0, -2.0)
        pair_products[:, on_diagonal] += per_item[:, None] * counts
        pair_products *= inverse[:, None]
        features = np.column_stack([per_item, counts, pair_products])

        def finish(totals):
            n = totals[:, 0]
            value_counts = totals[:, 1 : 1 + n_values]
            with np.errstate(divide="ignore", invalid="ignore"):
                positions = np.cumsum(value_counts, axis=1) - value_counts / 2.0
                positions -= (np.einsum("bv,bv->b", value_counts, positions) / n)[:, None]
            quadratic = totals[:, 1 + n_values :]
            observed = 2.0 * np.einsum(
                "bk,bk->b", quadratic, positions[:, upper_rows] * positions[:, upper_cols]
            )
            expected = 2.0 * n * np.einsum("bv,bv->b", value_counts, positions * positions)
            return _alpha_vector(observed, expected, n, n)

        return features, finish
    delta2 = ratio_delta2(values[:, None], values[None, :])
    within = np.einsum("uv,uv->u", counts @ delta2, counts) * inverse
    features = np.column_stack([per_item, within, counts])

    def finish(totals):
        n, value_counts = totals[:, 0], totals[:, 2:]
        expected = np.einsum("bv,bv->b", value_counts @ delta2, value_counts)
        return _alpha_vector(totals[:, 1], expected, n, n)

    return features, finish


def _numeric_features(judgments: NumericJudgments, within: np.ndarray):
    """[m_u, 2 m_u SS_u / (m_u - 1), S1_u, S2_u] of the pairable items, values centred."""
    item_codes, per_item = judgments.item_codes, judgments.judgments_per_item
    slots = per_item.size
    pairable = per_item >= 2
    x = judgments.x
    counted = pairable[item_codes]
    centered = x - float(np.mean(x[counted])) if counted.any() else x
    sums = np.bincount(item_codes, weights=centered, minlength=slots)[pairable]
    squares = np.bincount(item_codes, weights=centered * centered, minlength=slots)[pairable]
    m = per_item[pairable].astype(np.float64)
    return np.column_stack([m, within, sums, squares]), _finish_linear


def _finish_linear(totals: np.ndarray) -> np.ndarray:
    """alpha from totals of [m, within, S1, S2] (interval metric on fixed values)."""
    n = totals[:, 0]
    expected = 2.0 * (n * totals[:, 3] - totals[:, 2] ** 2)
    return _alpha_vector(totals[:, 1], expected, n, n)


def _alpha_vector(
    observed: np.ndarray, expected: np.ndarray, n: np.ndarray, n_ref: np.ndarray
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = 1.0 - (observed / n) / (expected / (n_ref * (n_ref - 1.0)))
    result[~(expected > 0) | (n_ref < 2)] = np.nan
    return result


def _value_count_matrix(pv: PairableValues):
    """N (items x values) of judgment counts: dense when small, scipy.sparse CSR otherwise."""
    items, codes, counts = _item_value_counts(
        pv.item_codes, pv.value_codes, pv.n_items, pv.values.size
    )
    if pv.n_items * pv.values.size <= (1 << 24):
        dense = np.zeros((pv.n_items, pv.values.size))
        dense[items, codes] = counts
        return dense
    from scipy import sparse

    return sparse.csr_matrix(
        (counts.astype(np.float64), (items, codes)), shape=(pv.n_items, pv.values.size)
    )


def _items_bootstrap(
    pv: PairableValues,
    level: str,
    reference: PairableValues | None,
    n_resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    m = pv.judgments_per_item.astype(np.float64)
    n_items = pv.n_items
    if level == "interval" or (level == "ordinal" and reference is not None):
        if level == "interval":
            x = pv.numeric
        else:
            x = ordinal_positions(pv.values, reference.values, reference.value_counts)[
                pv.value_codes
            ]
        return _items_bootstrap_linear(pv, x, reference, level, n_resamples, rng)
    if level == "ordinal" and pv.values.size > _MAX_MATRIX_ORDINAL_VALUES:
        return _items_bootstrap_ordinal_judgments(pv, n_resamples, rng)
    counts_matrix = _value_count_matrix(pv)
    out = np.empty(n_resamples)
    start = 0
    if level == "nominal":
        items, _, pair_counts = _item_value_counts(
            pv.item_codes, pv.value_codes, n_items, pv.values.size
        )
        sum_sq = np.bincount(items, weights=pair_counts.astype(np.float64) ** 2, minlength=n_items)
        within = (m * m - sum_sq) / (m - 1)
        fixed = _fixed_expected(pv, level, reference)
        for count in _chunks(n_resamples, n_items + pv.values.size):
            weights = _item_weights(rng, n_items, count)
            n = weights @ m
            observed = weights @ within
            if fixed is None:
                value_counts = _times(weights, counts_matrix)
                expected, n_ref = n * n - np.sum(value_counts * value_counts, axis=1), n
            else:
                expected, n_ref = _repeated(fixed, count)
            out[start : start + count] = _alpha_vector(observed, expected, n, n_ref)
            start += count
        return out
    if level == "ordinal":
        inverse = 1.0 / (m - 1)
        for count in _chunks(n_resamples, 2 * n_items + 3 * pv.values.size):
            weights = _item_weights(rng, n_items, count)
            n = weights @ m
            value_counts = _times(weights, counts_matrix)  # count x V
            positions = np.cumsum(value_counts, axis=1) - value_counts / 2.0
            q1 = _times_t(counts_matrix, positions)  # U x count
            q2 = _times_t(counts_matrix, positions * positions)
            per_item = (m[:, None] * q2 - q1 * q1) * inverse[:, None]
            observed = 2.0 * np.einsum("bu,ub->b", weights, per_item)
            first = np.sum(value_counts * positions, axis=1)
            second = np.sum(value_counts * positions * positions, axis=1)
            expected = 2.0 * (n * second - first * first)
            out[start : start + count] = _alpha_vector(observed, expected, n, n)
            start += count
        return out
    # ratio
    if pv.values.size > _MAX_RATIO_BOOTSTRAP_VALUES:
        raise AgreementError(
            f"ratio bootstrap needs a {pv.values.size} x {pv.values.size} distance matrix (limit "
            f"{_MAX_RATIO_BOOTSTRAP_VALUES} distinct values); round the values or use the interval level"
        )
    within = np.zeros(n_items)
    for c, k, weight, item_of_pair in distinct_value_pairs(pv):
        within += 2.0 * np.bincount(
            item_of_pair,
            weights=weight * ratio_delta2(pv.values[c], pv.values[k]),
            minlength=n_items,
        )
    fixed = _fixed_expected(pv, level, reference)
    delta2 = ratio_delta2(pv.values[:, None], pv.values[None, :]) if fixed is None else None
    for count in _chunks(n_resamples, n_items + 2 * pv.values.size):
        weights = _item_weights(rng, n_items, count)
        n = weights @ m
        observed = weights @ within
        if fixed is None:
            value_counts = _times(weights, counts_matrix)
            expected, n_ref = np.sum((value_counts @ delta2) * value_counts, axis=1), n
        else:
            expected, n_ref = _repeated(fixed, count)
        out[start : start + count] = _alpha_vector(observed, expected, n, n_ref)
        start += count
    return out


def _items_bootstrap_ordinal_judgments(
    pv: PairableValues, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Ordinal item bootstrap from the judgments themselves, for many distinct values (sliders).

    A resample weights judgment j by the multiplicity w_u of its item: the value counts are one
    weighted bincount over the codes of the sorted distinct values, the positions
    p_c = sum_{g<c} n_g + n_c / 2 one cumulative sum (centred for accuracy), and the items' sums
    of p and p^2 two more bincounts: O(N + V) per resample with no items x values matrix. The
    matrix route costs a sparse product with V ~ N columns per resample (about 80 s for 1000
    resamples of 10^6 slider judgments, against about 10 s here; benchmarks/results/agreement.md).
    The draws are those of the matrix route (same chunks), so the same seed gives the same interval.
    """
    m = pv.judgments_per_item.astype(np.float64)
    n_items, n_values = pv.n_items, pv.values.size
    by_value = np.argsort(pv.value_codes, kind="stable")  # sequential access to the V values
    items, codes = pv.item_codes[by_value], pv.value_codes[by_value]
    all_distinct = n_values == codes.size  # continuous sliders: skip the value-level arrays
    inverse = 1.0 / (m - 1.0)
    out = np.empty(n_resamples)
    start = 0
    for count in _chunks(n_resamples, 2 * n_items + 3 * n_values):
        weights = _item_weights(rng, n_items, count)
        observed, expected, n = np.empty(count), np.empty(count), weights @ m
        for row, w in enumerate(weights):
            value_counts = w[items]  # judgments in value order: the counts when all distinct
            if not all_distinct:
                value_counts = np.bincount(codes, weights=value_counts, minlength=n_values)
            positions = np.cumsum(value_counts) - value_counts / 2.0
            positions -= np.dot(value_counts, positions) / n[row]
            at = positions.copy() if all_distinct else positions[codes]
            first = np.bincount(items, weights=at, minlength=n_items)
            at *= at
            second = np.bincount(items, weights=at, minlength=n_items)
            observed[row] = 2.0 * np.dot(w, (m * second - first * first) * inverse)
            expected[row] = 2.0 * n[row] * np.dot(value_counts, positions * positions)
        out[start : start + count] = _alpha_vector(observed, expected, n, n)
        start += count
    return out


def _repeated(fixed: tuple[float, int], count: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed (expected sum, n_ref) of a reference table, once per resample."""
    return np.full(count, fixed[0]), np.full(count, float(fixed[1]))


def _fixed_expected(
    pv: PairableValues, level: str, reference: PairableValues | None
) -> tuple[float, int] | None:
    if reference is None:
        return None
    _, expected, _, n_ref = disagreement_sums(pv, level, reference)
    return expected, n_ref


def _times(weights: np.ndarray, matrix) -> np.ndarray:
    """weights (B x U) @ matrix (U x V), for a dense or sparse matrix."""
    if isinstance(matrix, np.ndarray):
        return weights @ matrix
    return np.asarray((matrix.T @ weights.T).T)


def _times_t(matrix, values: np.ndarray) -> np.ndarray:
    """matrix (U x V) @ values.T (V x B)."""
    return np.asarray(matrix @ values.T)


def _items_bootstrap_linear(
    pv: PairableValues,
    x: np.ndarray,
    reference: PairableValues | None,
    level: str,
    n_resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Interval metric on fixed values x: every term of alpha is linear in the item weights."""
    m = pv.judgments_per_item.astype(np.float64)
    n_items = pv.n_items
    centered = x - x.mean()
    sums = np.bincount(pv.item_codes, weights=centered, minlength=n_items)
    squares = np.bincount(pv.item_codes, weights=centered * centered, minlength=n_items)
    deviations = centered - (sums / m)[pv.item_codes]
    within = (
        m * np.bincount(pv.item_codes, weights=deviations * deviations, minlength=n_items) / (m - 1)
    )
    features = np.column_stack([m, within, sums, squares])
    fixed = _fixed_expected(pv, level, reference)
    out = np.empty(n_resamples)
    start = 0
    for count in _chunks(n_resamples, 2 * n_items):
        totals = _item_weights(rng, n_items, count) @ features
        n, observed = totals[:, 0], 2.0 * totals[:, 1]
        if fixed is None:
            expected = 2.0 * (n * totals[:, 3] - totals[:, 2] ** 2)
            n_ref = n
        else:
            expected, n_ref = _repeated(fixed, count)
        out[start : start + count] = _alpha_vector(observed, expected, n, n_ref)
        start += count
    return out


# -- Krippendorff's pairable-value bootstrap ------------------------------------------------


def _krippendorff_bootstrap(
    pv: PairableValues,
    level: str,
    reference: PairableValues | None,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    capped: bool,
) -> np.ndarray:
    observed_sum, expected_sum, n, n_ref = disagreement_sums(pv, level, reference)
    expected_disagreement = expected_sum / (n_ref * (n_ref - 1.0))
    m = pv.judgments_per_item.astype(np.float64)
    n_pairs = float(np.sum(m * (m - 1) / 2.0))
    diagonal = coincidence_diagonal(pv)
    if level == "nominal":
        observed_disagreement = observed_sum / n
        cells = int(np.count_nonzero(diagonal)) + _count_off_diagonal_cells(pv)
        draws = int(min(25 * cells, n_pairs)) if capped else int(n_pairs)
        sums = rng.binomial(
            draws, min(1.0, max(0.0, observed_disagreement)), size=n_resamples
        ).astype(np.float64)
    else:
        metric_values = _metric_values(pv, level, reference)
        cell_probabilities, cell_delta2, moments = _cells(pv, level, metric_values, n)
        cells = int(np.count_nonzero(diagonal)) + (
            cell_probabilities.size if cell_probabilities is not None else moments[2]
        )
        draws = int(min(25 * cells, n_pairs)) if capped else int(n_pairs)
        if cell_probabilities is not None and cell_probabilities.size + 1 <= _MAX_EXACT_CELLS:
            probabilities = np.append(cell_probabilities, max(0.0, 1.0 - cell_probabilities.sum()))
            probabilities /= probabilities.sum()
            sums = np.empty(n_resamples)
            start = 0
            for count in _chunks(n_resamples, probabilities.size):  # bounded memory
                counts = rng.multinomial(draws, probabilities, size=count)
                sums[start : start + count] = counts[:, :-1] @ cell_delta2
                start += count
        else:
            mean, second = moments[0], moments[1]
            spread = np.sqrt(max(second - mean * mean, 0.0) * draws)
            sums = rng.normal(draws * mean, spread, size=n_resamples)
    with np.errstate(divide="ignore", invalid="ignore"):
        samples = 1.0 - sums / (draws * expected_disagreement)
    samples = np.maximum(samples, -1.0)
    indeterminate = int(round(n_resamples * float(np.sum((diagonal / n) ** draws))))
    ones = np.flatnonzero(samples == 1.0)[:indeterminate]
    samples[ones] = 0.0
    return samples


def _count_off_diagonal_cells(pv: PairableValues) -> int:
    size = pv.values.size
    keys = [c * size + k for c, k, _, _ in distinct_value_pairs(pv)]
    if not keys:
        return 0
    return int(np.unique(np.concatenate(keys)).size)


def _metric_values(pv: PairableValues, level: str, reference: PairableValues | None) -> np.ndarray:
    if level == "ordinal":
        ref = pv if reference is None else reference
        return ordinal_positions(pv.values, ref.values, ref.value_counts)
    return pv.values.astype(np.float64)


def _delta2(level: str, c_values: np.ndarray, k_values: np.ndarray) -> np.ndarray:
    if level == "ratio":
        return ratio_delta2(c_values, k_values)
    difference = c_values - k_values
    return difference * difference


def _cells(pv: PairableValues, level: str, metric_values: np.ndarray, n: int):
    """Unordered off-diagonal cells: (probabilities 2 o_ck / n, delta2) when few, else moments.

    Moments are (E[delta2], E[delta2^2], number of distinct cells (upper bound)) of one draw.
    """
    size = metric_values.size
    if size * size <= (1 << 22):
        flat = np.zeros(size * size)
        for c, k, weight, _ in distinct_value_pairs(pv):
            flat += np.bincount(c * size + k, weights=weight, minlength=size * size)
        keys = np.flatnonzero(flat)
        c, k = keys // size, keys % size
        delta2 = _delta2(level, metric_values[c], metric_values[k])
        probabilities = 2.0 * flat[keys] / n
        moments = (
            float(probabilities @ delta2),
            float(probabilities @ (delta2 * delta2)),
            keys.size,
        )
        if keys.size + 1 <= _MAX_EXACT_CELLS:
            return probabilities, delta2, moments
        return None, None, moments
    first = second = 0.0
    cells = 0
    for c, k, weight, _ in distinct_value_pairs(pv):
        delta2 = _delta2(level, metric_values[c], metric_values[k])
        probability = 2.0 * weight / n
        first += float(probability @ delta2)
        second += float(probability @ (delta2 * delta2))
        cells += c.size
    return None, None, (first, second, cells)
