"""Fleiss' kappa for nominal judgments with the same number of raters per item (Fleiss 1971).

    P_i = (sum_j n_ij^2 - r) / (r (r - 1)),  P_bar = mean_i P_i
    p_j = sum_i n_ij / (N r),                  P_e = sum_j p_j^2
    kappa = (P_bar - P_e) / (1 - P_e)

with n_ij the raters who gave item i label j, r raters per item and N items (Fleiss 1971,
Psychological Bulletin 76(5):378-382; as statsmodels.stats.inter_rater.fleiss_kappa). Raters need
not be the same people across items, but r must be the same for every item: otherwise
:class:`FleissDesignError` (a ``ValueError``) names the counts found. Krippendorff's alpha
(nominal) is the generalization without that restriction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import FleissDesignError
from .alpha import codes_of

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def fleiss_kappa(data: pd.DataFrame, *, item: str = "item", value: str = "value") -> float:
    """Fleiss' kappa of a long table (one row per judgment); ``nan`` when P_e == 1 (a single
    label overall). Raters are exchangeable in Fleiss' kappa, so no rater column is needed."""
    return fleiss_kappa_of(codes_of(data[item]), codes_of(data[value]))


def fleiss_kappa_of(items: np.ndarray, labels: np.ndarray) -> float:
    """:func:`fleiss_kappa` of integer item and label codes (-1 = missing)."""
    keep = (items >= 0) & (labels >= 0)
    items, labels = items[keep], labels[keep]
    if items.size == 0:
        raise FleissDesignError(
            "Fleiss' kappa needs judgments; the table has none with an item and a label"
        )
    _, items = np.unique(items, return_inverse=True)
    _, labels = np.unique(labels, return_inverse=True)
    return fleiss_kappa_from_counts(items, labels, np.ones(items.size))


def fleiss_kappa_from_counts(items: np.ndarray, labels: np.ndarray, n: np.ndarray) -> float:
    """:func:`fleiss_kappa_of` from (item, label, number of judgments) rows with compact codes
    (0..I-1, 0..L-1, each pair once or split over rows): what a SQL engine's
    ``GROUP BY item, label`` returns, so kappa needs no per-judgment arrays out of core."""
    if items.size == 0:
        raise FleissDesignError(
            "Fleiss' kappa needs judgments; the table has none with an item and a label"
        )
    n_items, n_labels = int(items.max()) + 1, int(labels.max()) + 1
    per_item = np.rint(np.bincount(items, weights=n, minlength=n_items)).astype(np.int64)
    raters_per_item = np.unique(per_item)
    if raters_per_item.size != 1:
        raise FleissDesignError(
            f"Fleiss' kappa needs the same number of raters for every item; found {raters_per_item.min()} to "
            f"{raters_per_item.max()} judgments per item (use Krippendorff's alpha, or filter the items)"
        )
    r = int(raters_per_item[0])
    if r < 2:
        raise FleissDesignError("Fleiss' kappa needs at least 2 raters per item")
    counts = np.bincount(items * n_labels + labels, weights=n, minlength=n_items * n_labels)
    agreement = (np.add.reduceat(counts**2, np.arange(0, n_items * n_labels, n_labels)) - r) / (
        r * (r - 1)
    )
    shares = np.bincount(labels, weights=n, minlength=n_labels) / (n_items * r)
    chance = float(np.sum(shares**2))
    if chance >= 1.0:
        return float("nan")
    return float((agreement.mean() - chance) / (1.0 - chance))
