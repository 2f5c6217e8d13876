"""Intraclass correlations (Shrout & Fleiss 1979) with F-based confidence intervals (McGraw & Wong 1996).

Why: for interval-scale ratings (sliders, continuous valence/arousal) ICC is the figure most
psychology readers expect next to Krippendorff's alpha. Computed from a long table by the ANOVA
sums of squares (no raters x items matrix is materialized beyond per-item and per-rater sums).

Complete (balanced) design: every rater judged every item exactly once (n items, k raters).

    MSR (items)  = k sum_i (mean_i - mean)^2 / (n - 1)
    MSC (raters) = n sum_j (mean_j - mean)^2 / (k - 1)
    MSW = (SS_total - SS_items) / (n (k - 1))          (one-way, within items)
    MSE = (SS_total - SS_items - SS_raters) / ((n - 1)(k - 1))

    ICC(1,1) = (MSR - MSW) / (MSR + (k - 1) MSW)        ICC(1,k) = (MSR - MSW) / MSR
    ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)
    ICC(2,k) = (MSR - MSE) / (MSR + (MSC - MSE) / n)
    ICC(3,1) = (MSR - MSE) / (MSR + (k - 1) MSE)        ICC(3,k) = (MSR - MSE) / MSR

Confidence intervals as in McGraw & Wong (1996), Table 7 (and pingouin.intraclass_corr, which
these match on balanced data): F = MSR / MSW (case 1) or MSR / MSE (case 3) with the F quantiles
of (n - 1, n (k - 1)) resp. (n - 1, (n - 1)(k - 1)) degrees of freedom; case 2 with
Satterthwaite's approximate degrees of freedom.

Unbalanced designs (raters judged different items, or different numbers of items): only the
one-way model is defined without a complete design. ICC(1,1) and ICC(1,k) are computed with
unequal group sizes using the adjusted mean group size k0 = (N - sum_i k_i^2 / N) / (n - 1)
(Snedecor & Cochran; Shrout & Fleiss 1979 footnote on unequal k) in place of k, with MSR =
sum_i k_i (mean_i - mean)^2 / (n - 1) and MSW = sum (x - mean_i)^2 / (N - n); the F-based CIs use
k0 too (approximate). The two-way forms ICC(2,*) and ICC(3,*) need a complete design and are
reported as NaN with that reason (we do not search for the largest complete block: which raters
and items to drop is an analyst's choice; filter with ``--where`` first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .alpha import codes_of
from .duplicates import distinct_pairs

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FORMS: tuple[str, ...] = ("icc1_1", "icc2_1", "icc3_1", "icc1_k", "icc2_k", "icc3_k")
TWO_WAY_NEEDS_COMPLETE = "two-way ICC needs a complete design (every rater judged every item once)"


COLUMNS: tuple[str, ...] = (
    "form", "value", "ci_low", "ci_high", "F", "df1", "df2", "n_items", "n_raters", "design", "note",
)  # fmt: skip


def _f_ppf(q: float, df1: float, df2: float) -> float:
    """Quantile of the F distribution: ``scipy.special.fdtri``, what ``scipy.stats.f.ppf`` calls
    (importing scipy.special costs a fraction of scipy.stats, and the CLI must start fast)."""
    from scipy.special import fdtri

    return float(fdtri(df1, df2, q))


def icc(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The six Shrout & Fleiss ICC forms of a long table: one row per form.

    Columns: ``form`` (icc1_1 ...), ``value``, ``ci_low``, ``ci_high``, ``F``, ``df1``, ``df2``,
    ``n_items``, ``n_raters`` (k, or k0 for an unbalanced one-way design), ``design``
    (``complete`` | ``unbalanced``) and ``note`` (why a value is NaN).
    """
    import pandas as pd

    x = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=np.float64)
    rows = icc_of(x, codes_of(data[item]), codes_of(data[rater]), confidence=confidence)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def icc_of(
    x: np.ndarray, items: np.ndarray, raters: np.ndarray, *, confidence: float = 0.95
) -> list[tuple]:
    """:func:`icc` of arrays (values, item and rater codes with -1 = missing): one tuple per form,
    fields as :data:`COLUMNS`."""
    keep = (items >= 0) & (raters >= 0) & ~np.isnan(x)
    if not keep.all():  # copies only when something is left out
        x, items, raters = x[keep], items[keep], raters[keep]
    items, n = _compact(items)
    raters, k = _compact(raters)
    complete = x.size == n * k and n > 0 and _distinct_cells(items, raters, n, k)
    return (
        _complete(x, items, raters, n, k, confidence)
        if complete
        else _unbalanced(x, items, n, confidence)
    )


def _distinct_cells(items: np.ndarray, raters: np.ndarray, n: int, k: int) -> bool:
    """Whether every (item, rater) cell of the compacted codes occurs once: blockwise marks
    (:func:`~.duplicates.distinct_pairs`), else a bincount over the n k cells; not np.unique,
    whose hash-based path took 8 s on 10^6 judgments (benchmarks/results/crowd_scale.md)."""
    distinct = distinct_pairs(items, raters)
    if distinct is None:
        return bool(np.all(np.bincount(items * k + raters, minlength=n * k) == 1))
    return distinct


def _compact(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes renumbered 0..n-1 in the order of the old codes (as ``np.unique``'s inverse) and n:
    a bincount and a cumulative sum, O(N), where ``np.unique`` sorts (seconds at 10^7); the codes
    themselves when they are 0..n-1 already (no copy)."""
    if codes.size == 0:
        return codes.astype(np.intp), 0
    present = np.bincount(codes) > 0
    if present.all():
        return codes.astype(np.intp, copy=False), int(present.size)
    renumbered = np.cumsum(present) - 1
    return renumbered[codes].astype(np.intp, copy=False), int(present.sum())


def _nan_rows(n: int, k: float, design: str, note: str, forms=FORMS) -> list[tuple]:
    return [
        (form, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, n, k, design, note) for form in forms
    ]


#: below this share of the total sum of squares, a sum of squares is rounding noise: exactly 0
_RELATIVE_ZERO = 1e-12
NO_VARIATION = "undefined: every judgment has the same value (no variance to explain)"
PERFECT = "perfect agreement: the raters gave each item the same value (within-item variance 0)"


def _zeroed(part: float, total: float) -> float:
    """A sum of squares, 0 when it is rounding noise relative to the total (perfect agreement
    computed in floating point must give exactly 1, equal item means exactly 0)."""
    return 0.0 if part <= _RELATIVE_ZERO * total else part


def _undefined_note(form: str, value: float, msr: float, mse: float) -> str:
    """Why a form's value is not a finite number, in terms of the mean squares."""
    unbounded = np.isinf(value)
    if msr == 0.0 and (unbounded or form.endswith("_k")):
        return (
            "undefined: all item means are equal (MSR = 0), so the k-rater form is unbounded"
            if unbounded
            else "undefined: all item means are equal and the residual is 0 (0 / 0)"
        )
    if form.startswith("icc3") and mse == 0.0:
        return "undefined: items do not differ and raters differ only by a constant (0 / 0)"
    return "undefined: the form's denominator is 0 for these mean squares"


def _finish(form: str, value, low, high, msr: float, mse: float) -> tuple[float, float, float, str]:
    """(value, ci_low, ci_high, note) with non-finite values replaced by NaN and a reason."""
    value, low, high = float(value), float(low), float(high)
    if not np.isfinite(value):
        return np.nan, np.nan, np.nan, _undefined_note(form, value, msr, mse)
    if not (np.isfinite(low) and np.isfinite(high)):
        return value, np.nan, np.nan, "confidence interval undefined for these mean squares"
    return value, low, high, ""


def _complete(x, items, raters, n: int, k: int, confidence: float) -> list[tuple]:
    """The six forms on a complete design; degenerate designs give the defined value (1 under
    perfect agreement, the formula's value where finite, as pingouin) or NaN with the reason."""
    if n < 2 or k < 2 or x.min() == x.max():
        return complete_from_sums(n, k, None, None, 0.0, x.min() == x.max(), confidence)
    centred = x - x.mean()  # sums of squares about 0: less cancellation
    item_sums = np.bincount(items, weights=centred, minlength=n)
    rater_sums = np.bincount(raters, weights=centred, minlength=k)
    ss_total = float(np.sum(np.square(centred, out=centred)))  # in place: no second 10^7 array
    return complete_from_sums(n, k, item_sums, rater_sums, ss_total, False, confidence)


def complete_from_sums(
    n: int,
    k: int,
    item_sums: np.ndarray | None,
    rater_sums: np.ndarray | None,
    ss_total: float,
    constant: bool,
    confidence: float = 0.95,
) -> list[tuple]:
    """The six forms of a complete n x k design from its sufficient statistics: per-item and
    per-rater sums of the values centred on their grand mean, and the centred sum of squares
    (``constant``: every value equal). Why separate: the SQL engines (DuckDB, Spark) compute
    these sums with GROUP BY item / GROUP BY rater and finish here, as the in-memory engine."""
    if n < 2 or k < 2:
        return _nan_rows(n, k, "complete", "ICC needs at least 2 items and 2 raters")
    if constant:
        return _nan_rows(n, k, "complete", NO_VARIATION)
    item_means = item_sums / k
    rater_means = rater_sums / n
    ss_items = _zeroed(float(k * np.sum(item_means**2)), ss_total)
    ss_raters = _zeroed(float(n * np.sum(rater_means**2)), ss_total)
    ss_within = _zeroed(ss_total - ss_items, ss_total)
    ss_error = _zeroed(ss_within - ss_raters, ss_total)
    df1, df1w, df2e = n - 1, n * (k - 1), (n - 1) * (k - 1)
    msr, msw = np.float64(ss_items / df1), np.float64(ss_within / df1w)
    msc, mse = np.float64(ss_raters / (k - 1)), np.float64(ss_error / df2e)
    if msw == 0.0:
        return [
            (form, 1.0, 1.0, 1.0, np.inf, df1, df1w if form.startswith("icc1") else df2e, n, k,
             "complete", PERFECT)
            for form in FORMS
        ]  # fmt: skip
    tail = 1.0 - (1.0 - confidence) / 2.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        icc1 = (msr - msw) / (msr + (k - 1) * msw)
        icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
        icc3 = (msr - mse) / (msr + (k - 1) * mse)
        icc1k = (msr - msw) / msr
        icc2k = (msr - mse) / (msr + (msc - mse) / n)
        icc3k = (msr - mse) / msr
        f1, f3 = msr / msw, msr / mse
        f1l, f1u = f1 / _f_ppf(tail, df1, df1w), f1 * _f_ppf(tail, df1w, df1)
        f3l, f3u = f3 / _f_ppf(tail, df1, df2e), f3 * _f_ppf(tail, df2e, df1)
        fj = msc / mse
        if np.isfinite(fj):
            vn = df2e * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
            vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
            v = vn / vd
        else:  # MSE = 0: Satterthwaite's df tends to df2e / df1 = k - 1 as F_j grows
            v = np.float64(df2e / df1) if icc2 != 0 else np.float64(np.nan)
        f2u, f2l = _f_ppf(tail, n - 1, v), _f_ppf(tail, v, n - 1)
        l2 = n * (msr - f2u * mse) / (f2u * (k * msc + (k * n - k - n) * mse) + n * msr)
        u2 = n * (f2l * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f2l * msr)

        def one_rater(fl, fu):
            # an infinite F (MSE = 0 with MSR > 0) bounds the interval at 1 from both sides
            return (
                (1.0, 1.0) if np.isinf(fl) else ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
            )

        def k_raters(fl, fu):
            return (1.0, 1.0) if np.isinf(fl) else (1 - 1 / fl, 1 - 1 / fu)

        ci = {
            "icc1_1": one_rater(f1l, f1u),
            "icc2_1": (l2, u2),
            "icc3_1": one_rater(f3l, f3u),
            "icc1_k": k_raters(f1l, f1u),
            "icc2_k": (l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
            "icc3_k": k_raters(f3l, f3u),
        }
    values = {
        "icc1_1": icc1,
        "icc2_1": icc2,
        "icc3_1": icc3,
        "icc1_k": icc1k,
        "icc2_k": icc2k,
        "icc3_k": icc3k,
    }
    f_stat = {"icc1_1": (f1, df1w), "icc1_k": (f1, df1w)}
    rows = []
    for form in FORMS:
        statistic, df2 = f_stat.get(form, (f3, df2e))
        value, low, high, note = _finish(form, values[form], *ci[form], float(msr), float(mse))
        rows.append(
            (form, value, low, high, float(statistic), df1, df2, n, k, "complete", note)
        )  # fmt: skip
    return rows


def _unbalanced(x, items, n: int, confidence: float) -> list[tuple]:
    counts = np.bincount(items, minlength=n).astype(np.float64)
    if n < 2 or x.size - n < 1 or x.min() == x.max():
        return unbalanced_from_sums(
            counts, None, 0.0, 0.0, x.size > 0 and x.min() == x.max(), confidence
        )
    centred = x - x.mean()
    item_sums = np.bincount(items, weights=centred, minlength=n)
    item_means = item_sums / counts
    within = item_means[items]  # then, in place, (centred - item mean)^2: one 10^7 temporary
    np.subtract(centred, within, out=within)
    ss_within = float(np.sum(np.square(within, out=within)))
    ss_total = float(np.sum(np.square(centred, out=centred)))
    return unbalanced_from_sums(counts, item_sums, ss_total, ss_within, False, confidence)


def unbalanced_from_sums(
    counts: np.ndarray,
    item_sums: np.ndarray | None,
    ss_total: float,
    ss_within: float,
    constant: bool,
    confidence: float = 0.95,
) -> list[tuple]:
    """The one-way forms of an unbalanced design from per-item judgment counts, per-item sums of
    the centred values, the centred total and within-item sums of squares (see
    :func:`complete_from_sums` for why); the two-way forms are NaN with the reason."""
    n = int(counts.size)
    total = float(counts.sum())
    if n < 2 or total - n < 1:
        return _nan_rows(
            n, np.nan, "unbalanced", "ICC needs at least 2 items and repeated judgments"
        )
    k0 = (total - np.sum(counts**2) / total) / (n - 1)
    two_way = _nan_rows(
        n,
        float(k0),
        "unbalanced",
        TWO_WAY_NEEDS_COMPLETE,
        forms=("icc2_1", "icc3_1", "icc2_k", "icc3_k"),
    )
    df1, df2 = n - 1, total - n
    note = "one-way ICC with unequal judgments per item: k0 = (N - sum k_i^2 / N) / (n - 1)"
    if constant:
        one_way = _nan_rows(n, float(k0), "unbalanced", NO_VARIATION, forms=("icc1_1", "icc1_k"))
    else:
        item_means = item_sums / counts
        ss_items = _zeroed(float(np.sum(counts * item_means**2)), ss_total)
        ss_within = _zeroed(ss_within, ss_total)
        msr, msw = np.float64(ss_items / df1), np.float64(ss_within / df2)
        tail = 1.0 - (1.0 - confidence) / 2.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            f1 = msr / msw
            f1l, f1u = f1 / _f_ppf(tail, df1, df2), f1 * _f_ppf(tail, df2, df1)
            perfect = msw == 0.0
            forms = [
                (
                    "icc1_1",
                    (msr - msw) / (msr + (k0 - 1) * msw),
                    *((1.0, 1.0) if perfect else ((f1l - 1) / (f1l + k0 - 1), (f1u - 1) / (f1u + k0 - 1))),
                ),
                ("icc1_k", (msr - msw) / msr, *((1.0, 1.0) if perfect else (1 - 1 / f1l, 1 - 1 / f1u))),
            ]  # fmt: skip
        one_way = []
        for form, value, low, high in forms:
            value, low, high, why = _finish(form, value, low, high, float(msr), float(msw))
            why = PERFECT if perfect else why
            one_way.append(
                (form, value, low, high, float(f1), df1, df2, n, float(k0), "unbalanced",
                 f"{note}; {why}" if why else note)
            )  # fmt: skip
    order = {form: i for i, form in enumerate(FORMS)}
    return sorted(one_way + two_way, key=lambda row: order[row[0]])
