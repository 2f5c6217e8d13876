"""Cronbach's alpha of the raters as a scale: tracks are the subjects, raters the scale's items.

Why it is here: published MER studies report it as "internal consistency" of the ratings (how
well the raters' scores move together across tracks), next to or instead of Krippendorff's alpha.
It is a consistency measure: a rater who rates every track 2 points higher does not lower it,
unlike Krippendorff's alpha or ICC(2,1).

alpha = k / (k - 1) * (1 - sum_j var(rater_j) / var(sum over raters)), k raters, with sample
variances (ddof 1) over the n tracks that every rater judged (listwise deletion: tracks missing a
rater are left out and counted in the note). The 95% interval is Feldt's F-based one (Feldt,
Woodruff & Salih 1987): 1 - (1 - alpha) F_{a/2}, 1 - (1 - alpha) F_{1-a/2} with (n - 1) and
(n - 1)(k - 1) degrees of freedom, as pingouin.cronbach_alpha computes it (checked in the tests).
"""

from __future__ import annotations

import numpy as np

CI_METHOD = "F (Feldt 1987), 95%"


def cronbach_alpha_of(
    x: np.ndarray, items: np.ndarray, raters: np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float, float, int, int, str]:
    """(alpha, ci_low, ci_high, n tracks used, k raters, note) of values ``x`` with item and rater
    codes (-1 = missing); NaN with the reason in the note when undefined."""
    keep = (items >= 0) & (raters >= 0) & ~np.isnan(x)
    x, items, raters = x[keep], items[keep], raters[keep]
    _, items = np.unique(items, return_inverse=True)
    _, raters = np.unique(raters, return_inverse=True)
    n_all = int(items.max()) + 1 if items.size else 0
    k = int(raters.max()) + 1 if raters.size else 0
    matrix = np.full((n_all, k), np.nan)
    matrix[items, raters] = x  # a repeated (item, rater) keeps one value: resolve duplicates first
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    n = complete.shape[0]
    dropped = n_all - n
    note = f"listwise: {dropped} track(s) not judged by every rater left out" if dropped else ""
    if k < 2 or n < 2:
        reason = "undefined: needs at least 2 raters and 2 tracks judged by every rater"
        return np.nan, np.nan, np.nan, n, k, "; ".join(filter(None, [reason, note]))
    total = complete.sum(axis=1).var(ddof=1)
    if total == 0:
        return np.nan, np.nan, np.nan, n, k, "undefined: the rater sums do not vary across tracks"
    alpha = k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total)
    from scipy.stats import f

    tail = (1 - confidence) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * f.isf(tail, df1, df2)
    high = 1 - (1 - alpha) * f.isf(1 - tail, df1, df2)
    return float(alpha), float(low), float(high), n, k, note
