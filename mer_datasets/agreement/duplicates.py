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

import numpy as np
import pandas as pd

from ..errors import AgreementError

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
    if policy not in POLICIES:
        raise AgreementError(
            f"unknown duplicates policy {policy!r}; expected one of {', '.join(POLICIES)}"
        )
    keys = [rater, item] + (
        [dimension] if dimension is not None and dimension in data.columns else []
    )
    if data.empty:
        return DuplicateResolution(data, policy, 0, 0, 0)
    duplicated = data.duplicated(keys, keep=False).to_numpy()
    n_rows = int(duplicated.sum())
    n_groups = int(data.loc[duplicated, keys].drop_duplicates().shape[0]) if n_rows else 0
    if policy == "all" or n_rows == 0:
        return DuplicateResolution(data, policy, n_groups, n_rows, 0)
    if policy == "mean":
        numeric = pd.to_numeric(data[value], errors="coerce")
        if numeric.notna().sum() != data[value].notna().sum():
            raise AgreementError(
                f"duplicates policy 'mean' needs numeric values in column {value!r}"
            )
        frame = data.assign(**{value: numeric})
        means = frame.groupby(keys, sort=False, dropna=False, observed=True)[value].transform(
            "mean"
        )
        frame = frame.assign(**{value: means})
        resolved = frame[~frame.duplicated(keys, keep="first").to_numpy()]
    else:
        frame = data
        if order is not None and order in data.columns:
            position = np.arange(len(data))
            frame = data.assign(_position=position).sort_values(
                [order, "_position"], na_position="first", kind="stable"
            )
        keep = "last" if policy == "latest" else "first"
        resolved = frame[~frame.duplicated(keys, keep=keep).to_numpy()]
        if "_position" in resolved.columns:
            resolved = resolved.sort_values("_position", kind="stable").drop(columns="_position")
    return DuplicateResolution(resolved, policy, n_groups, n_rows, int(len(data) - len(resolved)))
