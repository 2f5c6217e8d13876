"""Human consensus entropy per item and the spread of numeric ratings.

Consensus entropy (as used for consensus-entropy active learning in personalized MER,
Gómez-Cañón et al.): for one item, the Shannon entropy with the natural logarithm of the relative
frequencies of the labels its raters gave,

    H_u = - sum_c p_uc ln p_uc,   p_uc = n_uc / m_u.

All raters agree: 0. Even over four labels (quadrants): ln 4. Half and half: ln 2. Computed from
the distinct (item, label) counts with bincount: no items x labels matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .alpha import codes_of


def consensus_entropy(
    data: pd.DataFrame, *, item: str = "item", rater: str = "rater", value: str = "label"
) -> pd.DataFrame:
    """Per item: ``entropy`` (nats; unanimity is 0.0, never -0.0), ``n_raters`` (distinct raters),
    ``n_judgments``, ``modal_label`` (ties: the label first in sorted order), ``modal_share`` and
    ``modal_tie`` (True when another label is as frequent, so the modal label is a pick among
    equals). Index-free, one row per item."""
    frame = data[[item, rater, value]].dropna(subset=[item, value])
    if frame.empty:
        return pd.DataFrame(
            columns=[
                item,
                "entropy",
                "n_raters",
                "n_judgments",
                "modal_label",
                "modal_share",
                "modal_tie",
            ]  # fmt: skip
        )
    counts = (
        frame.groupby([item, value], observed=True, sort=True).size().rename("count").reset_index()
    )
    totals = counts.groupby(item, observed=True, sort=True)["count"].transform("sum")
    share = counts["count"] / totals
    counts["term"] = -share * np.log(share)
    counts["share"] = share
    entropy = counts.groupby(item, observed=True, sort=True)["term"].sum()
    modal = counts.sort_values([item, "count", value], ascending=[True, False, True], kind="stable")
    most = counts.groupby(item, observed=True, sort=True)["count"].max()
    tied = (counts["count"] == counts[item].map(most)).groupby(counts[item], observed=True).sum()
    modal = modal.drop_duplicates(item).set_index(item)
    result = pd.DataFrame(
        {
            "entropy": entropy.clip(lower=0.0) + 0.0,  # + 0.0 turns -0.0 into 0.0
            "n_raters": frame.groupby(item, observed=True, sort=True)[rater].nunique(),
            "n_judgments": frame.groupby(item, observed=True, sort=True).size(),
            "modal_label": modal[value],
            "modal_share": modal["share"],
            "modal_tie": tied > 1,
        }
    )
    result.index.name = item
    return result.reset_index()


def rank_items_by_entropy(entropy_table: pd.DataFrame, *, item: str = "item") -> pd.DataFrame:
    """Most contested first (highest entropy); ties broken by item id (ascending), deterministic."""
    return _most_first(entropy_table, "entropy", item)


def _most_first(table: pd.DataFrame, column: str, item: str) -> pd.DataFrame:
    """Rows by ``column`` descending (missing last), ties by item id as text, ascending."""
    return (
        table.assign(_key=table[item].astype(str))
        .sort_values([column, "_key"], ascending=[False, True], kind="stable", na_position="last")
        .drop(columns="_key")
        .reset_index(drop=True)
    )


def rating_spread(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    sd_ddof: int = 1,
    quantile_method: str = "linear",
) -> pd.DataFrame:
    """Per item of numeric ratings: n, n_raters, mean, std, q25, median, q75, iqr (q75 - q25),
    min, max. The convention is explicit (:class:`~.spread.SpreadConvention`): ``sd_ddof`` 1
    (sample SD, default) or 0 (population SD); ``quantile_method`` of :func:`numpy.quantile`
    (default ``"linear"``)."""
    from .spread import SpreadConvention, item_spread

    convention = SpreadConvention(sd_ddof=sd_ddof, quantile_method=quantile_method)
    frame = (
        data[[item, rater]]
        .assign(_x=pd.to_numeric(data[value], errors="coerce"))
        .dropna(subset=[item, "_x"])
    )
    spread = item_spread(frame, item=item, value="_x", convention=convention).set_index(item)
    spread.insert(1, "n_raters", frame.groupby(item, observed=True, sort=True)[rater].nunique())
    return spread.reset_index()


def rank_items_by_spread(spread_table: pd.DataFrame, *, item: str = "item") -> pd.DataFrame:
    """Most contested numeric items first (largest std), ties by item id."""
    return _most_first(spread_table, "std", item)


__all__ = [
    "consensus_entropy",
    "rank_items_by_entropy",
    "rating_spread",
    "rank_items_by_spread",
    "codes_of",
]
