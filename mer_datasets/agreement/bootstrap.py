"""Bootstrap confidence intervals of Krippendorff's alpha, vectorized and seedable.

Three procedures and two kinds of interval, always named in the output (``ci_method``, e.g.
"bootstrap-two-way-percentile"); ``auto`` (the default) picks one of the first two:

* ``two-way`` (resampling.py): resample items and raters independently with replacement (a
  rater drawn more than once counts once in each item); for crossed designs and raters with
  systematic biases, which the item bootstrap treats as fixed.
* ``items``: resample the *items* (excerpts) with replacement and recompute alpha
  exactly on each resample. Judgments of one item are dependent (same excerpt, same context), so
  the item is the sampling unit; this is the ordinary cluster (case) bootstrap. It is vectorized
  over per-item sufficient statistics: a resample is a vector w of item multiplicities and every
  quantity alpha needs is a weighted sum over items (interval: sum w m_u, sum w S1_u, sum w S2_u,
  sum w m_u SS_u / (m_u - 1); nominal: the same plus the value counts w @ N; ordinal: positions
  recomputed from w @ N on every resample; ratio: w @ N and the fixed V x V distance matrix).
  These are the per-item statistics of the alpha engine (alpha.item_statistics): every
  ingredient is a column of a per-item feature matrix F, so a chunk of resamples is one product
  W @ F of the item multiplicities W followed by the level's finish. The one measured special
  case is ordinal data, whose metric depends on the resample: the observed disagreement is
  p^T A p with A_u = (m_u diag(N_u) - N_u N_u^T) / (m_u - 1), a quadratic form in the positions
  p recomputed per resample (few values), or recomputed from the judgments weighted by their
  item's multiplicity, O(N + V) per resample (sliders). Chunks of 4 MiB of weights; at most
  ``MAX_RESAMPLES`` resamples. Chunks of resamples draw from ``rng.spawn``'d generators and
  run on up to 4 threads (same numbers whatever the thread count).
* ``krippendorff``: Krippendorff's own algorithm (Hayes & Krippendorff 2007; Krippendorff,
  "Algorithm for bootstrapping Krippendorff's c-alpha", 2016): D_e is held fixed and M pairs of
  values are drawn from the coincidence matrix with probabilities o_ck / n (unordered cells:
  2 o_ck / n off the diagonal), M = sum_u m_u (m_u - 1) / 2 pairs (``draws="pairs"``, default)
  or M = min(25 q, sum_u m_u (m_u - 1) / 2) with q the number of non-empty cells
  (``draws="capped"``, the cap of the R ``kripp.boot`` port of Krippendorff's algorithm); alpha_b = 1 - (sum of the drawn delta2) / (M D_e), bounded below by -1, and
  the share sum_c (o_cc / n)^M of all-agreeing resamples is set to 0 (alpha indeterminate).
  Nominal sums are drawn exactly as Binomial(M, D_o). With more than 4096 non-empty cells (e.g.
  continuous sliders) the sum of M iid draws is drawn from its normal approximation with the
  exact mean and variance (M is then in the hundreds of thousands), and so is it with more
  than 256 cells and at least 1000 pairs (``_sums_of_draws``: one binomial per cell was 40x the
  cost of the item bootstrap).

Intervals: ``percentile`` (the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of the
resampled alphas; resamples where alpha is undefined are ignored) or ``bca`` (bias-corrected
and accelerated, resampling.py; items and two-way only).

Why ``auto`` (two-way when raters are known) is the default: the coverage study
(benchmarks/coverage_study.py, docs/guide/agreement.md "Confidence intervals"). Why not
Krippendorff's bootstrap: the pairable-value bootstrap treats every pair of judgments as
independent and so ignores that all judgments of an excerpt move together. On the ISMIR 2020 data
(22 excerpts, 126 listeners) it gives intervals tens of times narrower than resampling the
excerpts (joy, ordinal: about [0.37, 0.38] against [0.21, 0.50]); the second honestly reflects
that 22 excerpts is a small sample of music.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AgreementError
from .alpha import (
    ItemStatistics,
    LongValues,
    Pairable,
    alpha_from_sums,
    check_level,
    coincidence_diagonal,
    count_matrix,
    distinct_value_pairs,
    expected_sums,
    finite_scaled,
    long_values,
    ordinal_positions,
    pairable,
    ratio_delta2,
    statistics_of,
    triples,
    value_totals,
)
from .normal_totals import MAX_LIMIT_FEATURES, NORMAL_TOTALS_ITEMS, NormalLimit, normal_limit
from .resampling import (  # _THREADS: chunks of resamples reduced in parallel (same numbers)
    _THREADS,
    Crossed,
    _single_threaded_blas,
    acceleration,
    bca_interval,
    crossed,
    jackknife_in_chunks,
    two_way_bootstrap,
    two_way_jackknife,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

METHODS: tuple[str, ...] = ("auto", "items", "two-way", "krippendorff")
INTERVALS: tuple[str, ...] = ("percentile", "bca")
#: How the item bootstrap draws its resampled totals (normal_totals.py): "auto" draws from their
#: normal limit from ``NORMAL_TOTALS_ITEMS`` items when its skewness check passes.
TOTALS: tuple[str, ...] = ("auto", "exact", "normal")
#: Why BCa and Krippendorff's bootstrap do not go together (refused before any work).
BCA_WITHOUT_JACKKNIFE = (
    "the BCa interval needs a jackknife over the resampled units; Krippendorff's bootstrap "
    "resamples pairs of values: use the percentile interval with it"
)
#: The defaults, chosen from the coverage study (docs/guide/agreement.md, "Confidence intervals").
DEFAULT_METHOD = "auto"
#: ``auto``: the two-way bootstrap when every row's rater is known, there are 3 raters or more
#: (with 2, half the two-way resamples hold one rater and no pair) and the data have at most
#: this many judgments (its cost is O(N) per resample: ~0.75 s CPU for 1000 resamples of 10^5
#: judgments), else the item bootstrap (O(items) per resample) with its caveat.
AUTO_TWO_WAY_JUDGMENTS = 1_000_000
DEFAULT_INTERVAL = "percentile"
#: Most resamples one call accepts: percentile intervals are stable to ~1e-3 long before this,
#: and the resampled alphas (returned) take 8 bytes each.
MAX_RESAMPLES = 100_000
#: Cells (float64) per chunk of resamples: 4 MiB of item weights (measured best of 2, 4, 8 MiB).
_CHUNK_CELLS = 1 << 19
_MAX_EXACT_CELLS = 4096
#: Largest per-item feature matrix (float64 cells) of the ordinal quadratic-form features.
_MAX_FEATURE_CELLS = 1 << 22
_MAX_RATIO_BOOTSTRAP_VALUES = 4096
#: Below this many items every interval covers less than its nominal level in the coverage study
#: (alpha is biased low with few items): outputs carry a caveat.
SMALL_DESIGN_ITEMS = 30


@dataclass(frozen=True)
class BootstrapResult:
    """Point estimate, interval and the resampled alphas of one bootstrap.

    ``caveats`` are the warnings every output of this interval must carry: a method known to
    under-cover (Krippendorff's; the item bootstrap when raters may differ systematically) and
    a small design (fewer than ``SMALL_DESIGN_ITEMS`` items)."""

    estimate: float
    ci_low: float
    ci_high: float
    method: str
    n_resamples: int
    confidence: float
    seed: int | None
    samples: np.ndarray = field(repr=False)
    interval: str = "percentile"
    caveats: tuple[str, ...] = ()
    #: "exact" item draws, or "normal": totals drawn from their normal limit (normal_totals.py).
    totals: str = "exact"

    @property
    def ci_method(self) -> str:
        """E.g. ``"bootstrap-items-percentile"``: what the interval is, for every output record
        (``"bootstrap-items-normal-totals-percentile"`` when drawn from the normal limit)."""
        drawn = "-normal-totals" if self.totals == "normal" else ""
        return f"bootstrap-{self.method}{drawn}-{self.interval}"


def bootstrap_alpha(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    level: str = "nominal",
    expected_from: pd.DataFrame | None = None,
    n_resamples: int = 1000,
    method: str = DEFAULT_METHOD,
    seed: int | None = 0,
    confidence: float = 0.95,
    draws: str = "pairs",
    interval: str = DEFAULT_INTERVAL,
    totals: str = "auto",
) -> BootstrapResult:
    """Bootstrap interval of :func:`~mer_datasets.agreement.alpha.krippendorff_alpha`.

    ``method="items"`` resamples items; ``method="two-way"`` resamples items and raters
    independently (needs the ``rater`` column; crossed designs, raters with systematic biases);
    ``method="krippendorff"`` resamples pairable values (Hayes & Krippendorff 2007; known to
    under-cover). ``interval`` is ``"percentile"`` or ``"bca"`` (bias-corrected and
    accelerated; items and two-way only). With ``expected_from``, D_e (and the ordinal metric)
    come from that table and are held fixed across resamples. Same seed, same output. ``draws``
    sets the number M of pairs per resample of the ``krippendorff`` method ("pairs" or
    "capped", see above). ``totals`` is how the item bootstrap draws ("auto", "exact",
    "normal"; normal_totals.py): from 100,000 items, "auto" draws the resampled totals from their
    normal limit when that is within the Monte Carlo error of exact draws.
    """
    raters = None
    if method == "auto" and rater in data.columns:
        from .alpha import codes_of

        raters = codes_of(data[rater])
    if method == "two-way":
        from .alpha import codes_of

        if rater not in data.columns:
            raise AgreementError(
                f"method='two-way' resamples raters and needs the rater column {rater!r} "
                f"(columns: {', '.join(map(str, data.columns))})"
            )
        raters = codes_of(data[rater])
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
        raters=raters,
        interval=interval,
        totals=totals,
    )


def bootstrap_alpha_of(
    data: LongValues,
    *,
    level: str = "nominal",
    reference: LongValues | None = None,
    n_resamples: int = 1000,
    method: str = DEFAULT_METHOD,
    seed: int | None = 0,
    confidence: float = 0.95,
    draws: str = "pairs",
    raters: np.ndarray | None = None,
    interval: str = DEFAULT_INTERVAL,
    copies: str = "once",
    totals: str = "auto",
) -> BootstrapResult:
    """:func:`bootstrap_alpha` of arrays; ``reference`` plays the part of ``expected_from``.

    ``raters``: integer rater codes of the rows of ``data`` (-1 = unknown: a rater of its own),
    needed by ``method="two-way"``; ``copies`` is its rule for a rater drawn more than once
    (resampling.py); ``totals`` how the item bootstrap draws (:func:`items_resamples`)."""
    check_level(level)
    if totals not in TOTALS:
        raise AgreementError(f"unknown totals {totals!r}; expected one of {', '.join(TOTALS)}")
    if method not in METHODS:
        raise AgreementError(
            f"unknown bootstrap method {method!r}; expected one of {', '.join(METHODS)}"
        )
    if interval not in INTERVALS:
        raise AgreementError(
            f"unknown interval {interval!r}; expected one of {', '.join(INTERVALS)}"
        )
    if interval == "bca" and method == "krippendorff":
        raise AgreementError(BCA_WITHOUT_JACKKNIFE)
    notes: tuple[str, ...] = ()
    if method == "auto":
        method = "two-way"
        if raters is None or np.any(np.asarray(raters) < 0):
            method = "items"
            notes = ("raters unknown: the item bootstrap was used (auto)",)
        elif np.asarray(raters).size > AUTO_TWO_WAY_JUDGMENTS:
            method = "items"
            notes = (
                f"more than {AUTO_TWO_WAY_JUDGMENTS:,} judgments: the item bootstrap was used "
                "(auto; the two-way bootstrap costs O(judgments) per resample)",
            )
        elif np.unique(np.asarray(raters)).size < 3:
            method = "items"
            notes = ("fewer than 3 raters: the item bootstrap was used (auto)",)
    if method == "two-way" and raters is None:
        raise AgreementError("method='two-way' resamples raters and needs the rater of each row")
    if draws not in ("pairs", "capped"):
        raise AgreementError(f"unknown draws rule {draws!r}; expected 'pairs' or 'capped'")
    if not 0.0 < confidence < 1.0:
        raise AgreementError(f"confidence must be between 0 and 1, got {confidence}")
    n_resamples = check_resamples(n_resamples)
    data, reference = finite_scaled(data, level, reference)
    rng = np.random.default_rng(seed)
    p, stats, expected = statistics_of(data, level, reference, coded=method == "krippendorff")
    estimate = alpha_from_sums(float(stats.within.sum()), expected[0], p.n, expected[1])
    fixed = expected if reference is not None else None
    accel, drawn = 0.0, "exact"
    if n_resamples == 0 or np.isnan(estimate):
        samples = np.full(n_resamples, np.nan)
    elif method == "items":
        samples, limit, drawn_notes = items_resamples(p, stats, fixed, n_resamples, rng, totals)
        notes = (*notes, *drawn_notes)
        drawn = "exact" if limit is None else "normal"
        if interval == "bca":
            accel = item_acceleration(p, stats, fixed)
    elif method == "two-way":
        table = _crossed_of(data, raters, level, reference)
        samples = two_way_bootstrap(table, n_resamples, rng, fixed, copies)
        if interval == "bca":
            accel = acceleration(*two_way_jackknife(table, fixed, copies))
    else:
        samples = _krippendorff_bootstrap(
            p, stats, expected, n_resamples, rng, capped=draws == "capped"
        )
    if interval == "bca":
        low, high = bca_interval(samples, estimate, accel, confidence)
    else:
        low, high = _percentile_interval(samples, confidence)
    return BootstrapResult(
        estimate, low, high, method, n_resamples, confidence, seed, samples, interval,
        notes + interval_caveats(method, p.n_items, _undefined_share(samples)), drawn,
    )  # fmt: skip


def interval_caveats(method: str, n_items: int | None, undefined: float = 0.0) -> tuple[str, ...]:
    """The warnings an interval of ``method`` on ``n_items`` pairable items must carry.

    ``undefined``: the share of resamples whose alpha is undefined (e.g. the two-way bootstrap
    drew a single rater). Why these: the coverage study (benchmarks/results/coverage.md,
    docs/guide/agreement.md "Confidence intervals"): Krippendorff's bootstrap covered 0.26-0.86
    of the nominal 95% (0.14-0.76 in issue 13), the item bootstrap 0.58-0.82 in crossed designs
    with rater biases, and with 20 items alpha was biased low (the item bootstrap covered
    0.80-0.89, the two-way bootstrap 0.92-0.99)."""
    notes = []
    if method == "krippendorff":
        notes.append(
            "Krippendorff's bootstrap is known to under-cover badly (0.26-0.86 of nominal 95% in "
            "our simulation, 0.14-0.76 in issue 13's; intervals up to 4x narrower than the item "
            "bootstrap's): prefer the two-way or items method"
        )
    elif method == "items":
        notes.append(
            "raters treated as fixed: under-covers when raters have systematic biases "
            "(0.58-0.82 of nominal 95% in simulation; prefer method two-way)"
        )
    if n_items is not None and n_items < SMALL_DESIGN_ITEMS:
        notes.append(
            f"small design ({n_items} < {SMALL_DESIGN_ITEMS} items): the interval under-covers "
            "(alpha is biased low with few items)"
        )
    if undefined > 0.05:
        notes.append(
            f"alpha undefined in {undefined:.0%} of resamples (too few raters or items drawn): "
            "the interval comes from the rest"
        )
    return tuple(notes)


def _undefined_share(samples: np.ndarray) -> float:
    return float(np.mean(~np.isfinite(samples))) if samples.size else 0.0


def _crossed_of(
    data: LongValues, raters: np.ndarray, level: str, reference: LongValues | None
) -> Crossed:
    """The judgments with an item and a value as a :class:`~.resampling.Crossed` table."""
    items = np.asarray(data.item_codes, dtype=np.intp)
    raters = np.asarray(raters)
    if raters.shape != items.shape:
        raise AgreementError(
            f"{raters.size} rater codes for {items.size} judgments: one rater per row expected"
        )
    raters = raters.astype(np.int64)
    unknown = raters < 0
    if unknown.any():  # each judgment of an unknown rater: a rater of its own
        raters = raters.copy()
        raters[unknown] = raters.max(initial=-1) + 1 + np.arange(int(unknown.sum()))
    if data.label_codes is not None:
        codes = np.asarray(data.label_codes, dtype=np.intp)
        keep = (items >= 0) & (codes >= 0)
        values = np.asarray(data.labels, dtype=object)
    else:
        x = np.asarray(data.x, dtype=np.float64)
        keep = (items >= 0) & ~np.isnan(x)
        values, codes = np.unique(x[keep], return_inverse=True)
        codes = codes.reshape(-1)
        items, raters = items[keep], raters[keep]
        keep = np.ones(items.size, dtype=bool)
    items, raters, codes = items[keep], raters[keep], codes[keep]
    metric = None
    if level == "ordinal" and reference is not None:
        ref = pairable(reference, level)
        metric = ordinal_positions(ref.value_counts, ref.values, np.asarray(values, dtype=float))
    return crossed(items, raters, codes, values, level, metric)


def check_resamples(n_resamples: int) -> int:
    """Return ``n_resamples`` if it is an integer from 0 to :data:`MAX_RESAMPLES`, else raise.

    Why: the number comes from users (``--bootstrap``); a billion resamples would run for hours.
    Memory does not grow with it beyond the returned samples: resamples are drawn and reduced in
    chunks of bounded size (``_CHUNK_CELLS``).
    """
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, (int, np.integer))
        or n_resamples < 0
    ):
        raise AgreementError(
            f"bootstrap must be a whole number >= 0, got {n_resamples!r} resamples"
        )
    if n_resamples > MAX_RESAMPLES:
        raise AgreementError(
            f"bootstrap={n_resamples} resamples is more than the {MAX_RESAMPLES:,} allowed "
            "(intervals do not improve meaningfully beyond a few thousand)"
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


def _resampled(
    rng: np.random.Generator,
    n_items: int,
    n_resamples: int,
    cells_per_resample: int,
    alphas_of: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """The resampled alphas: ``alphas_of`` of the item multiplicities W (one row per resample).

    Draw chunks of about ``_CHUNK_CELLS`` weights, each reduced in sub-chunks whose arrays hold
    about ``_CHUNK_CELLS`` x ``cells_per_resample`` cells. The draws depend on the number of
    items, resamples and the seed only (not on the level's route or the thread count): one draw
    chunk (up to ~2600 resamples of 200 items) draws from ``rng`` itself; with several, chunk c
    draws from its own generator ``rng.spawn(chunks)[c]`` and chunks run on ``_THREADS``
    threads. (Since issue 13: before, one sequential stream, so a seed now gives other numbers
    on data with more than one draw chunk.)"""
    chunks = _chunks(n_resamples, n_items)
    if len(chunks) == 1:
        weights = _count_draws(_draw_items(rng, n_items, n_resamples), n_items)
        return _reduced(weights, cells_per_resample, alphas_of)
    from concurrent.futures import ThreadPoolExecutor

    generators = rng.spawn(len(chunks))
    starts = np.cumsum([0, *chunks[:-1]])
    samples = np.empty(n_resamples)

    def run(index: int) -> None:
        count, start = chunks[index], int(starts[index])
        weights = _count_draws(_draw_items(generators[index], n_items, count), n_items)
        samples[start : start + count] = _reduced(weights, cells_per_resample, alphas_of)

    with ThreadPoolExecutor(max_workers=_THREADS) as pool, _single_threaded_blas():
        for done in pool.map(run, range(len(chunks))):
            del done
    return samples


def _reduced(
    weights: np.ndarray, cells_per_resample: int, alphas_of: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``alphas_of`` of the rows of ``weights`` in sub-chunks of bounded memory."""
    sizes = _chunks(weights.shape[0], cells_per_resample)
    if len(sizes) == 1:
        return alphas_of(weights)
    out = np.empty(weights.shape[0])
    start = 0
    for count in sizes:
        out[start : start + count] = alphas_of(weights[start : start + count])
        start += count
    return out


def items_resamples(
    p: Pairable,
    stats: ItemStatistics,
    fixed: tuple[float, int] | None,
    n_resamples: int,
    rng: np.random.Generator,
    totals: str = "auto",
    *,
    judged: Callable[[], Pairable] | None = None,
) -> tuple[np.ndarray, NormalLimit | None, tuple[str, ...]]:
    """The item bootstrap's resampled alphas (also used by the DuckDB and Spark engines), the
    normal limit of the per-item totals when they were drawn from it (normal_totals.py), and the
    notes every output of them carries (the limit's, or why "normal" could not be honoured). ``totals``: "exact" (multinomial item draws), "normal" (the limit
    whenever alpha is a function of per-item feature sums) or "auto" (the limit from
    ``NORMAL_TOTALS_ITEMS`` items when its skewness check passes). ``judged``: ``p`` with its
    per-judgment codes, built only if exact ordinal draws on many values need them (out of core
    they are rebuilt from the counts)."""
    route = _items_route(p, stats, fixed, judged)
    wanted = totals == "normal" or (totals == "auto" and p.n_items >= NORMAL_TOTALS_ITEMS)
    unavailable = _limit_unavailable(route)
    if wanted and unavailable is None:
        # One BLAS thread: the products are small (measured 3x faster on the shared machine)
        # and the numbers do not depend on the thread count.
        with _single_threaded_blas():
            limit = normal_limit(route.rows, p.n_items, route.finish)
            if totals == "normal" or limit.applies:
                return limit.draw(rng, n_resamples), limit, (limit.note,)
    notes: tuple[str, ...] = ()
    if totals == "normal" and unavailable is not None:
        notes = (f"normal limit of the totals not available ({unavailable}): items drawn exactly",)
    samples = _resampled(rng, p.n_items, n_resamples, route.width, route.alphas_of)
    return samples, None, notes


def _limit_unavailable(route: _ItemsRoute) -> str | None:
    """Why the normal limit cannot be drawn for ``route``, or None: it needs alpha as a function
    of per-item sums of at most ``MAX_LIMIT_FEATURES`` features (its covariance is d x d)."""
    if route.rows is None:
        return "alpha is not a function of per-item sums of few features here"
    if route.n_features > MAX_LIMIT_FEATURES:
        return f"{route.n_features:,} features per item, more than {MAX_LIMIT_FEATURES:,}"
    return None


def item_acceleration(
    p: Pairable,
    stats: ItemStatistics,
    fixed: tuple[float, int] | None,
    judged: Callable[[], Pairable] | None = None,
) -> float:
    """BCa's acceleration of the item bootstrap: the jackknife over (groups of) items."""
    route = _items_route(p, stats, fixed, judged)
    return acceleration(jackknife_in_chunks(p.n_items, route.width, route.alphas_of))


@dataclass(frozen=True)
class _ItemsRoute:
    """How one level's alpha follows from the item multiplicities W of a resample.

    ``alphas_of`` (W -> alphas) and ``width`` (cells per resample of its arrays) always;
    ``finish`` (totals W F, resamples x d -> alphas) and ``rows`` (start, stop -> the feature
    rows F of those items) when alpha is a function of weighted feature sums alone, which is
    what the normal limit needs (``rows`` lets it read F in chunks, never whole)."""

    alphas_of: Callable[[np.ndarray], np.ndarray]
    width: int
    finish: Callable[[np.ndarray], np.ndarray] | None = None
    rows: Callable[[int, int], np.ndarray] | None = None
    n_features: int = 0


def _of_features(features: np.ndarray, finish, width: int) -> _ItemsRoute:
    return _ItemsRoute(
        lambda weights: finish(weights @ features),
        width,
        finish,
        lambda start, stop: features[start:stop],
        features.shape[1],
    )


def _items_route(
    p: Pairable,
    stats: ItemStatistics,
    fixed: tuple[float, int] | None,
    judged: Callable[[], Pairable] | None = None,
) -> _ItemsRoute:
    """The item bootstrap of one level: weighted sums W @ [m, within, ...] of the engine's per-item statistics.

    ``fixed`` (expected_from) holds D_e: only m and within are resampled. Otherwise the finish
    needs the resample's moments (interval) or value counts W N (nominal, ratio); ordinal data
    recompute the positions of the metric per resample (``_ordinal_alphas``)."""
    level, m = stats.level, stats.m
    n_items = m.size
    if fixed is not None:
        expected, n_ref = float(fixed[0]), float(fixed[1])

        def fixed_alphas(totals: np.ndarray) -> np.ndarray:
            count = totals.shape[0]
            return _alpha_vector(
                totals[:, 1], np.full(count, expected), totals[:, 0], np.full(count, n_ref)
            )

        return _of_features(np.column_stack([m, stats.within]), fixed_alphas, n_items + 8)
    if level == "ordinal":
        return _ordinal_alphas(p, stats, judged)
    if level == "interval":

        def interval_alphas(totals: np.ndarray) -> np.ndarray:
            n = totals[:, 0]
            return _alpha_vector(totals[:, 1], expected_sums(level, n, totals[:, 2:], None), n, n)

        features = np.column_stack([m, stats.within, stats.moments])
        return _of_features(features, interval_alphas, n_items + 24)
    counts, values = stats.counts, stats.values
    delta2 = None
    if level == "ratio":
        if values.size > _MAX_RATIO_BOOTSTRAP_VALUES:
            raise AgreementError(
                f"ratio bootstrap needs a {values.size} x {values.size} distance matrix (limit "
                f"{_MAX_RATIO_BOOTSTRAP_VALUES} distinct values); round the values or use the "
                "interval level"
            )
        delta2 = ratio_delta2(values[:, None], values[None, :])
    width = n_items + 4 * (2 + values.size)

    def count_alphas(totals: np.ndarray, value_counts: np.ndarray | None = None) -> np.ndarray:
        n = totals[:, 0]
        value_counts = totals[:, 2:] if value_counts is None else value_counts
        expected = expected_sums(level, n, None, value_counts, values, delta2)
        return _alpha_vector(totals[:, 1], expected, n, n)

    if isinstance(counts, np.ndarray):
        return _of_features(np.column_stack([m, stats.within, counts]), count_alphas, width)
    features = np.column_stack([m, stats.within])
    return _ItemsRoute(
        lambda weights: count_alphas(weights @ features, value_totals(counts, weights)), width
    )


def _ordinal_alphas(
    p: Pairable, stats: ItemStatistics, judged: Callable[[], Pairable] | None = None
) -> _ItemsRoute:
    """Ordinal item bootstrap, positions recomputed from each resample's value counts W N.

    Few values: features [m_u, N_u, upper triangle of A_u] with A_u = (m_u diag(N_u) -
    N_u N_u^T) / (m_u - 1), since m_u SS_u = p^T (m_u diag(N_u) - N_u N_u^T) p (A_u 1 = 0:
    shifting p changes nothing, so p is centred for accuracy). Many values (sliders, no small
    item x value matrix): ``_ordinal_alphas_per_judgment``. Same draws either way.
    """
    m, n_values = stats.m, p.values.size
    columns = 1 + n_values + n_values * (n_values + 1) // 2
    if p.counts is None:
        return _ordinal_alphas_per_judgment(judged() if judged else p)
    counts = p.counts
    upper_rows, upper_cols = np.triu_indices(n_values)
    on_diagonal = upper_rows == upper_cols
    sign = np.where(on_diagonal, -1.0, -2.0)

    def rows(start: int, stop: int) -> np.ndarray:
        """Features of items start..stop-1: [m_u, N_u, upper triangle of A_u]."""
        part, mass = counts[start:stop], m[start:stop]
        # A_u[c, k] for c <= k; off-diagonal cells doubled, as p^T A p counts (c, k) and (k, c).
        pair_products = part[:, upper_rows] * part[:, upper_cols]
        pair_products *= sign
        pair_products[:, on_diagonal] += mass[:, None] * part
        pair_products /= (mass - 1.0)[:, None]
        return np.column_stack([mass, part, pair_products])

    def alphas(totals: np.ndarray) -> np.ndarray:
        n = totals[:, 0]
        value_counts = totals[:, 1 : 1 + n_values]
        with np.errstate(divide="ignore", invalid="ignore"):
            positions = ordinal_positions(value_counts)
            positions -= (np.einsum("bv,bv->b", value_counts, positions) / n)[:, None]
        quadratic = totals[:, 1 + n_values :]
        observed = 2.0 * np.einsum(
            "bk,bk->b", quadratic, positions[:, upper_rows] * positions[:, upper_cols]
        )
        expected = 2.0 * n * np.einsum("bv,bv->b", value_counts, positions * positions)
        return _alpha_vector(observed, expected, n, n)

    if m.size * columns > _MAX_FEATURE_CELLS:  # exact draws per judgment; the limit by chunks
        exact = cache(lambda: _ordinal_alphas_per_judgment(judged() if judged else p).alphas_of)
        width = 2 * m.size + 3 * n_values  # as _ordinal_alphas_per_judgment's
        return _ItemsRoute(lambda weights: exact()(weights), width, alphas, rows, columns)
    return _of_features(rows(0, m.size), alphas, m.size + 4 * columns)


def _ordinal_alphas_per_judgment(p: Pairable) -> _ItemsRoute:
    """Ordinal item bootstrap from the judgments themselves, for many distinct values (sliders).

    A resample weights judgment j by the multiplicity w_u of its item: the value counts are one
    weighted bincount over the codes of the sorted distinct values, the positions one cumulative
    sum (centred for accuracy), and the items' sums of p and p^2 two more bincounts: O(N + V) per
    resample with no items x values matrix (benchmarks/results/agreement.md).
    """
    m = p.m
    n_items, n_values = p.n_items, p.values.size
    by_value = np.argsort(p.value_codes, kind="stable")  # sequential access to the V values
    items, codes = p.item_codes[by_value], p.value_codes[by_value]
    # continuous sliders: every value once, so skip the value-level arrays
    all_distinct = n_values == codes.size and bool(np.all(p.value_counts == 1.0))
    inverse = 1.0 / (m - 1.0)

    def alphas(weights: np.ndarray) -> np.ndarray:
        count = weights.shape[0]
        observed, expected, n = np.empty(count), np.empty(count), weights @ m
        for row, w in enumerate(weights):
            value_counts = w[items]  # judgments in value order: the counts when all distinct
            if not all_distinct:
                value_counts = np.bincount(codes, weights=value_counts, minlength=n_values)
            positions = ordinal_positions(value_counts)
            positions -= np.dot(value_counts, positions) / n[row]
            at = positions.copy() if all_distinct else positions[codes]
            first = np.bincount(items, weights=at, minlength=n_items)
            at *= at
            second = np.bincount(items, weights=at, minlength=n_items)
            observed[row] = 2.0 * np.dot(w, (m * second - first * first) * inverse)
            expected[row] = 2.0 * n[row] * np.dot(value_counts, positions * positions)
        return _alpha_vector(observed, expected, n, n)

    return _ItemsRoute(alphas, 2 * n_items + 3 * n_values)


def _alpha_vector(
    observed: np.ndarray, expected: np.ndarray, n: np.ndarray, n_ref: np.ndarray
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = 1.0 - (observed / n) / (expected / (n_ref * (n_ref - 1.0)))
    result[~(expected > 0) | (n_ref < 2)] = np.nan
    return result


# -- Krippendorff's pairable-value bootstrap ------------------------------------------------


def _krippendorff_bootstrap(
    p: Pairable,
    stats: ItemStatistics,
    expected: tuple[float, int],
    n_resamples: int,
    rng: np.random.Generator,
    *,
    capped: bool,
) -> np.ndarray:
    level, m, n = stats.level, stats.m, p.n
    expected_disagreement = expected[0] / (expected[1] * (expected[1] - 1.0))
    n_pairs = float(np.sum(m * (m - 1) / 2.0))
    item_value_counts = triples(count_matrix(p))
    diagonal = coincidence_diagonal(item_value_counts, m, p.values.size)
    if level == "nominal":
        observed_disagreement = float(stats.within.sum()) / n
        cells = int(np.count_nonzero(diagonal)) + _count_off_diagonal_cells(
            item_value_counts, m, p.values.size
        )
        draws = int(min(25 * cells, n_pairs)) if capped else int(n_pairs)
        sums = rng.binomial(
            draws, min(1.0, max(0.0, observed_disagreement)), size=n_resamples
        ).astype(np.float64)
    else:
        metric_values = stats.metric if level == "ordinal" else p.values
        cell_probabilities, cell_delta2, moments = _cells(
            item_value_counts, m, level, metric_values, n
        )
        cells = int(np.count_nonzero(diagonal)) + (
            cell_probabilities.size if cell_probabilities is not None else moments[2]
        )
        draws = int(min(25 * cells, n_pairs)) if capped else int(n_pairs)
        exact = cell_probabilities is not None and cell_probabilities.size + 1 <= _MAX_EXACT_CELLS
        if exact and (cell_probabilities.size < _MULTINOMIAL_CELLS or draws < _NORMAL_DRAWS):
            probabilities = np.append(cell_probabilities, max(0.0, 1.0 - cell_probabilities.sum()))
            probabilities /= probabilities.sum()
            sums = _sums_of_draws(rng, draws, probabilities, cell_delta2, n_resamples)
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


#: Exact (multinomial) draws up to this many cells, or when fewer than ``_NORMAL_DRAWS`` pairs
#: are drawn (there are never more non-empty cells than pairs): numpy draws one binomial per
#: cell, so 1000 resamples of ~900 cells took ~0.7-1.7 s on the shared 2-core machine, against
#: 0.02 s for the item bootstrap (issue 13). Beyond both, the sum of the M iid delta2 draws is
#: drawn from its normal approximation with the exact mean and variance, as for more than
#: 4096 cells; with M >= 1000 draws the sum's skewness is at most 1/sqrt(M) times one draw's.
_MULTINOMIAL_CELLS = 256
_NORMAL_DRAWS = 1000


def _sums_of_draws(
    rng: np.random.Generator,
    draws: int,
    probabilities: np.ndarray,
    cell_delta2: np.ndarray,
    n_resamples: int,
) -> np.ndarray:
    """Sums of ``draws`` iid delta2 values drawn with ``probabilities`` (the last cell: all
    agreeing pairs, delta2 0) for each resample: multinomial counts per cell, in chunks of
    bounded memory."""
    sums = np.empty(n_resamples)
    start = 0
    for count in _chunks(n_resamples, probabilities.size):
        counts = rng.multinomial(draws, probabilities, size=count)
        sums[start : start + count] = counts[:, :-1] @ cell_delta2
        start += count
    return sums


def _count_off_diagonal_cells(item_value_counts, m: np.ndarray, size: int) -> int:
    keys = [c * size + k for c, k, _, _ in distinct_value_pairs(item_value_counts, m)]
    if not keys:
        return 0
    return int(np.unique(np.concatenate(keys)).size)


def _delta2(level: str, c_values: np.ndarray, k_values: np.ndarray) -> np.ndarray:
    if level == "ratio":
        return ratio_delta2(c_values, k_values)
    difference = c_values - k_values
    return difference * difference


def _cells(item_value_counts, m: np.ndarray, level: str, metric_values: np.ndarray, n: int):
    """Unordered off-diagonal cells: (probabilities 2 o_ck / n, delta2) when few, else moments.

    Moments are (E[delta2], E[delta2^2], number of distinct cells (upper bound)) of one draw.
    """
    size = metric_values.size
    if size * size <= (1 << 22):
        flat = np.zeros(size * size)
        for c, k, weight, _ in distinct_value_pairs(item_value_counts, m):
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
    for c, k, weight, _ in distinct_value_pairs(item_value_counts, m):
        delta2 = _delta2(level, metric_values[c], metric_values[k])
        probability = 2.0 * weight / n
        first += float(probability @ delta2)
        second += float(probability @ (delta2 * delta2))
        cells += c.size
    return None, None, (first, second, cells)
