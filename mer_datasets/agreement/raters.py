"""Per-rater diagnostics: how each rater relates to the consensus of the others, and to themself.

Leave-one-out (LOO) consensus, vectorized with per-item sums minus the rater's own contribution:
for judgment x of item u (m_u judgments, sum S_u) the LOO mean is (S_u - x) / (m_u - 1); for labels,
the LOO counts are the item's label counts with the rater's own label decreased by one, and the
judgment *agrees* when its label is the unique LOO mode (ties count as disagreement).
Judgments of items nobody else judged have no LOO consensus and are left out of these figures.

Intra-rater (test-retest) consistency uses the (rater, item) pairs judged more than once, before
any duplicates policy: consecutive repeats in table (or ``order``) order form the repeated pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .alpha import codes_of, krippendorff_alpha


def _pearson(frame: pd.DataFrame, key: str, x: str, y: str) -> pd.Series:
    g = frame.assign(_xy=frame[x] * frame[y], _xx=frame[x] ** 2, _yy=frame[y] ** 2).groupby(
        key, observed=True
    )
    s = g[[x, y, "_xy", "_xx", "_yy"]].sum()
    n = g.size()
    sums = (s[column].to_numpy() for column in (x, y, "_xy", "_xx", "_yy"))
    return pd.Series(pearson_from_sums(n.to_numpy(), *sums), index=s.index)


def pearson_from_sums(n, sx, sy, sxy, sxx, syy) -> np.ndarray:
    """Pearson's r per group from its sums of x, y, xy, x^2, y^2 (shared with the out-of-core
    per-rater report, sql_raters.py): NaN below 3 pairs or without variation (a variance within
    1e-12 of the sum of squares is rounding, not spread)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = sxy - sx * sy / n
        var_x = sxx - sx**2 / n
        var_y = syy - sy**2 / n
        r = cov / np.sqrt(var_x * var_y)
    valid = (n >= 3) & (var_x > 1e-12 * (sxx + 1)) & (var_y > 1e-12 * (syy + 1))
    return np.where(valid, r, np.nan)


def rater_diagnostics(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    level: str = "interval",
) -> pd.DataFrame:
    """One row per rater: n_judgments, n_items, mean (numeric), and LOO agreement figures.

    Numeric levels: ``loo_pearson``, ``loo_spearman`` (Pearson of within-rater ranks), ``loo_mad``
    (mean absolute difference from the LOO mean). Nominal: ``loo_modal_agreement`` (share of
    judgments equal to the unique LOO modal label).
    """
    frame = data[[item, rater, value]].dropna()
    frame = frame.assign(_item=codes_of(frame[item]))
    per_item = frame.groupby("_item", observed=True)
    base = frame.groupby(rater, observed=True, sort=True).agg(
        n_judgments=(item, "size"), n_items=(item, "nunique")
    )
    if level != "nominal":
        x = pd.to_numeric(frame[value], errors="coerce").astype("float64")
        frame = frame.assign(_x=x)
        per_item = frame.groupby("_item", observed=True)
        sums = per_item["_x"].transform("sum")
        counts = per_item["_x"].transform("size")
        with np.errstate(divide="ignore", invalid="ignore"):
            frame = frame.assign(_loo=(sums - frame["_x"]) / (counts - 1))
        base["mean"] = frame.groupby(rater, observed=True, sort=True)["_x"].mean()
        paired = frame[counts.to_numpy() >= 2]
        base["loo_pearson"] = _pearson(paired, rater, "_x", "_loo")
        ranked = paired.assign(
            _rx=paired.groupby(rater, observed=True)["_x"].rank(),
            _ry=paired.groupby(rater, observed=True)["_loo"].rank(),
        )
        base["loo_spearman"] = _pearson(ranked, rater, "_rx", "_ry")
        base["loo_mad"] = (
            paired.assign(_d=(paired["_x"] - paired["_loo"]).abs())
            .groupby(rater, observed=True)["_d"]
            .mean()
        )
        return base.reset_index()
    frame = frame.assign(_label=codes_of(frame[value]))
    counts = (
        frame.groupby(["_item", "_label"], observed=True)["_label"]
        .transform("size")
        .to_numpy(dtype=float)
    )
    pairs = frame.groupby(["_item", "_label"], observed=True).size().rename("n").reset_index()
    largest = pairs.groupby("_item")["n"].max()
    at_largest = pairs["n"] == pairs["_item"].map(largest)
    n_at_largest = at_largest.groupby(pairs["_item"]).sum()
    second = pairs[~at_largest].groupby("_item")["n"].max()
    n_max = frame["_item"].map(largest).to_numpy(dtype=float)
    unique_max = frame["_item"].map(n_at_largest).to_numpy() == 1
    n_second = frame["_item"].map(second).fillna(0).to_numpy(dtype=float)
    other_max = np.where((counts == n_max) & unique_max, n_second, n_max)
    item_sizes = frame.groupby("_item", observed=True)["_label"].transform("size").to_numpy()
    agree = (counts - 1 > other_max).astype(float)
    paired = frame.assign(_agree=agree)[item_sizes >= 2]
    base["loo_modal_agreement"] = paired.groupby(rater, observed=True)["_agree"].mean()
    return base.reset_index()


def intra_rater_consistency(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    level: str = "interval",
    order: str | None = None,
) -> pd.DataFrame:
    """Per rater with repeats: n_repeated_items, n_repeated_pairs, and ``retest_agreement`` (nominal:
    share of identical consecutive repeats) or ``retest_mad`` (numeric mean absolute difference)."""
    frame = data.dropna(subset=[item, rater, value])
    if order is not None and order in frame.columns:
        frame = frame.sort_values(order, kind="stable", na_position="first")
    repeated = frame[frame.duplicated([rater, item], keep=False)]
    if repeated.empty:
        return pd.DataFrame(columns=[rater, "n_repeated_items", "n_repeated_pairs"])
    previous = repeated.groupby([rater, item], observed=True)[value].shift(1)
    pairs = repeated.assign(_prev=previous).dropna(subset=["_prev"])
    if level == "nominal":
        pairs = pairs.assign(_score=(pairs[value] == pairs["_prev"]).astype(float))
        name = "retest_agreement"
    else:
        current = pd.to_numeric(pairs[value], errors="coerce")
        pairs = pairs.assign(
            _score=(current - pd.to_numeric(pairs["_prev"], errors="coerce")).abs()
        )
        name = "retest_mad"
    grouped = pairs.groupby(rater, observed=True)
    return pd.DataFrame(
        {
            "n_repeated_items": repeated.groupby(rater, observed=True)[item].nunique(),
            "n_repeated_pairs": grouped.size(),
            name: grouped["_score"].mean(),
        }
    ).reset_index()


def test_retest_alpha(
    data: pd.DataFrame,
    *,
    item: str = "item",
    rater: str = "rater",
    value: str = "value",
    level: str = "interval",
) -> float:
    """Krippendorff's alpha over the repeated judgments, each (rater, item) taken as one unit.

    Reported next to the between-rater alpha: it says how much a listener agrees with themself.
    nan when nobody judged an item twice.
    """
    frame = data.dropna(subset=[item, rater, value])
    repeated = frame[frame.duplicated([rater, item], keep=False)]
    if repeated.empty:
        return float("nan")
    units = repeated[rater].astype(str) + "\x1f" + repeated[item].astype(str)
    return krippendorff_alpha(repeated.assign(_unit=units), item="_unit", value=value, level=level)
