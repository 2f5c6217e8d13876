"""A table of judgments as numpy columns, and one dimension's judgments selected from it.

Why numpy columns: every agreement statistic needs integer codes (item, rater, label) and floats,
nothing more. Building them once lets the DataFrame API (:meth:`Judgments.from_frame`) and the
pandas-free CLI path (:mod:`mer_datasets.cached_agreement`, which reads the Parquet cache with
pyarrow) share every step after reading: the choice of the value column and the level, the
duplicates policy, the counts and the records. The two paths give the same numbers because they
run the same code (tested on every dataset).

Codes are those of ``pandas.factorize``: order of first appearance, -1 for missing. An item's
code within one dimension (or group) is its order of first appearance *there*, which is what
the item bootstrap's resampling follows (same seed, same interval as before this module existed).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import AgreementError
from .alpha import LongValues, check_level, factorize
from .duplicates import (
    BLOCK,
    DuplicatePlan,
    combine_codes,
    distinct_pairs,
    order_key,
    plan_duplicates,
    plan_pairs,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

ITEM, RATER, DIMENSION = "track_id", "rater_id", "dimension"
#: int64 sort key of a missing timestamp: sorts first, as NaT does in pandas' ``na_position="first"``.
MISSING_ORDER = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Coded:
    """A column as integer codes (intp, -1 = missing) into ``names`` (an object array)."""

    codes: np.ndarray
    names: np.ndarray


@dataclass(frozen=True)
class Judgments:
    """One row per judgment: item and rater codes, the dimension, the numeric ``value`` (float64,
    NaN = missing; None when the table has no numeric value column), the ``label``, an ``order``
    key for repeated judgments (int64, smallest first; None: table order) and the codes of the
    ``--by`` column in sorted order of its values (None without grouping)."""

    item: np.ndarray
    rater: np.ndarray
    dimension: Coded
    value: np.ndarray | None
    label: Coded | None
    order: np.ndarray | None
    group: Coded | None = None
    by: str | None = None

    @property
    def size(self) -> int:
        return int(self.item.size)

    def dimension_names(self) -> list[str]:
        """The names of the dimensions that have judgments."""
        return [str(self.dimension.names[code]) for code in dimension_codes(self)]

    def only_dimensions(self, names: list[str] | tuple[str, ...]) -> Judgments:
        """The judgments of the named dimensions only."""
        chosen = {str(name) for name in names}
        wanted = np.array([str(name) in chosen for name in self.dimension.names])
        codes = self.dimension.codes
        keep = (codes >= 0) & (wanted[codes] if wanted.size else False)
        return self.take(np.flatnonzero(keep))

    def take(self, rows: np.ndarray) -> Judgments:
        """The judgments at positions ``rows`` (codes keep their names)."""

        def coded(column: Coded | None) -> Coded | None:
            return None if column is None else Coded(column.codes[rows], column.names)

        return Judgments(
            item=self.item[rows],
            rater=self.rater[rows],
            dimension=coded(self.dimension),
            value=None if self.value is None else self.value[rows],
            label=coded(self.label),
            order=None if self.order is None else self.order[rows],
            group=coded(self.group),
            by=self.by,
        )

    @classmethod
    def from_frame(cls, table: pd.DataFrame, *, by: str | None = None) -> Judgments:
        """The columns of a long annotations table (docs/dev/contracts.md) as codes and floats.

        A ``value`` column that is not numeric holds labels (used as ``label`` when there is no
        label column, else an error names it).
        """
        import pandas as pd

        from .alpha import codes_of

        require_columns(table)
        value, label_column = None, table["label"] if "label" in table.columns else None
        if "value" in table.columns:
            column = table["value"]
            numeric = pd.to_numeric(column, errors="coerce")
            if numeric.notna().sum() == column.notna().sum():
                value = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
                _check_finite(value, table)
            elif label_column is None:
                label_column = column
            else:
                raise AgreementError(
                    "column 'value' must be numeric (found non-numeric values such as "
                    f"{column[numeric.isna() & column.notna()].iloc[0]!r}); labels belong in 'label'"
                )
        group = None
        if by is not None:
            if by not in table.columns:
                raise AgreementError(
                    f"cannot group by {by!r}: not a column of the annotations or raters "
                    f"({', '.join(map(str, table.columns))})"
                )
            codes, uniques = pd.factorize(table[by], sort=True)
            group = Coded(codes.astype(np.intp), np.asarray(uniques, dtype=object))
        return cls(
            item=codes_of(table[ITEM]).astype(np.intp),
            rater=codes_of(table[RATER]).astype(np.intp),
            dimension=_coded(table[DIMENSION]),
            value=value,
            label=_coded(label_column) if label_column is not None else None,
            order=order_key(table["timestamp"]) if "timestamp" in table.columns else None,
            group=group,
            by=by,
        )


#: Largest magnitude accepted: squares and sums of squares of the statistics stay finite.
MAX_MAGNITUDE = 1e150


def _check_finite(value: np.ndarray, table: pd.DataFrame) -> None:
    """Refuse inf and magnitudes above :data:`MAX_MAGNITUDE` (NaN is missing): no statistic is
    defined on inf, squares of 1e160 overflow, and a silent result ("no variation", numpy
    warnings) would hide the cause."""
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.abs(value) > MAX_MAGNITUDE)
    if bad.size:
        row = int(bad[0])
        reason = "is not finite" if np.isinf(value[row]) else f"exceeds {MAX_MAGNITUDE:g} in size"
        raise AgreementError(
            f"value {float(value[row])!r} at row {row + 1} (index {table.index[row]!r}, item "
            f"{table[ITEM].iloc[row]!r}, rater {table[RATER].iloc[row]!r}) {reason}; "
            f"{bad.size} such value(s): agreement needs finite numbers of a workable size "
            "(drop them, or rescale the values)"
        )


def require_columns(table: pd.DataFrame) -> None:
    """The columns every agreement computation needs (docs/dev/contracts.md), or an error."""
    for column in (ITEM, RATER, DIMENSION):
        if column not in table.columns:
            raise AgreementError(
                f"annotations need a {column!r} column (see docs/dev/contracts.md)"
            )


def _coded(column: pd.Series) -> Coded:
    import pandas as pd

    codes, uniques = pd.factorize(column, sort=False)
    return Coded(codes.astype(np.intp), np.asarray(uniques, dtype=object))


def numeric_names(names: np.ndarray) -> np.ndarray:
    """Labels read as numbers (NaN where a label is not one), like ``pandas.to_numeric(coerce)``."""
    out = np.full(len(names), np.nan)
    for index, name in enumerate(names):
        if isinstance(name, (int, float, np.integer, np.floating)) and not isinstance(name, bool):
            out[index] = float(name)
            continue
        text = str(name).strip()
        if "_" in text:
            continue
        with contextlib.suppress(ValueError):
            out[index] = float(text)
    return out


@dataclass(frozen=True)
class Selection:
    """One dimension's judgments after the missing values and the duplicates policy.

    ``rows`` are positions in the :class:`Judgments` (ascending); ``x`` the numeric value of each
    (None for nominal labels, which have ``labels`` codes into ``label_names``).
    """

    dimension: str
    level: str
    value_column: str
    rows: np.ndarray
    x: np.ndarray | None
    labels: np.ndarray | None
    label_names: np.ndarray | None
    n_duplicates: int
    #: The duplicates policy applied: the one asked for, except ``latest`` where ``mean`` is
    #: undefined (labels that are not numbers), so one label dimension does not fail the call.
    policy: str = ""

    def long_values(self, judgments: Judgments, subset: np.ndarray | None = None) -> LongValues:
        """The arrays of the statistics for these rows (or ``subset`` of them), items and labels
        coded by first appearance among them."""
        rows = self.rows if subset is None else self.rows[subset]
        items, item_codes = recode(take_rows(judgments.item, rows))
        if self.labels is None:
            x = self.x if subset is None else self.x[subset]
            return LongValues(items, item_codes.size, x=x)
        labels, label_codes = factorize(self.labels if subset is None else self.labels[subset])
        return LongValues(
            items, item_codes.size, label_codes=labels, labels=self.label_names[label_codes]
        )

    def counts(self, judgments: Judgments, subset: np.ndarray | None = None) -> dict[str, int]:
        """Items, raters (distinct, missing not counted) and judgments of the rows."""
        rows = self.rows if subset is None else self.rows[subset]
        return {
            "n_items": _n_distinct(take_rows(judgments.item, rows)),
            "n_raters": _n_distinct(take_rows(judgments.rater, rows)),
            "n_judgments": int(rows.size),
        }


def present_codes(codes: np.ndarray) -> np.ndarray:
    """The distinct non-negative codes, ascending (a bincount: codes are compact, and a plain
    ``np.unique`` imports ``numpy.ma``, 20 ms of a CLI call)."""
    present = codes if codes.size and int(codes.min()) >= 0 else codes[codes >= 0]
    return np.flatnonzero(np.bincount(present)) if present.size else present


def _n_distinct(codes: np.ndarray) -> int:
    return int(present_codes(codes).size)


def dimension_codes(judgments: Judgments) -> list[int]:
    """Codes of the dimensions present, sorted by name (as strings)."""
    present = present_codes(judgments.dimension.codes)
    return sorted(present.tolist(), key=lambda code: str(judgments.dimension.names[code]))


def ratio_on_signed_values(dimension: str, lowest: float) -> str:
    """Why the ratio level is refused on signed values (it used to give NaN, or a number, with a
    reason that pointed elsewhere): its distance ((c - k) / (c + k))^2 assumes a true zero below
    which nothing lies, so c + k can vanish or change sign between two judgments."""
    return (
        f"dimension {dimension!r}: the ratio level needs a non-negative scale with a true zero "
        f"(its distance ((c - k) / (c + k))^2 is undefined or misleading for signed values), and "
        f"the smallest value is {lowest:g}; use the interval level for a signed scale such as "
        f"-1..+1 (--level {dimension}=interval)"
    )


def select(
    judgments: Judgments, code: int, levels: dict[str, str] | None, duplicates: str
) -> Selection:
    """The judgments of dimension ``code``, ready for the statistics.

    The value column is ``value`` when the dimension has numeric values, else ``label``; the level
    is ``levels[dimension]``, else interval for values and nominal for labels. Labels at a numeric
    level are read as numbers (rows whose label is not a number are left out). Then ``duplicates``
    (see :mod:`mer_datasets.agreement.duplicates`) resolves repeated (rater, item) judgments.
    """
    name = str(judgments.dimension.names[code])
    rows = _dimension_rows(judgments.dimension.codes, code)
    value = judgments.value
    missing = None if value is None else np.isnan(take_rows(value, rows))
    if value is not None and not missing.all():
        value_column = "value"
    elif judgments.label is not None:
        value_column = "label"
    elif value is not None:
        value_column = "value"
    else:
        raise AgreementError("annotations need a 'value' or a 'label' column")
    level = (
        check_level(levels[name])
        if levels and name in levels
        else ("interval" if value_column == "value" else "nominal")
    )
    x = labels = label_names = None
    if value_column == "value":
        if missing.any():
            rows = rows[~missing]
        x = take_rows(value, rows)  # the judgments' own array when every row is kept
    else:
        rows = rows[judgments.label.codes[rows] >= 0]
        codes = judgments.label.codes[rows]
        if level == "nominal":
            labels, label_names = codes, judgments.label.names
        else:
            parsed = numeric_names(judgments.label.names)[codes]
            keep = ~np.isnan(parsed)
            rows, x = rows[keep], parsed[keep]
    if level == "ratio" and x is not None and x.size and float(x.min()) < 0:
        raise AgreementError(ratio_on_signed_values(name, float(x.min())))
    raters, items = take_rows(judgments.rater, rows), take_rows(judgments.item, rows)
    if _distinct_cells(raters, items):  # nothing to resolve
        return Selection(name, level, value_column, rows, x, labels, label_names, 0, duplicates)
    order = judgments.order[rows] if judgments.order is not None else None

    def plan_of(policy: str, values: np.ndarray | None = None) -> DuplicatePlan:
        plan = plan_pairs(raters, items, policy=policy, order=order, values=values)
        if plan is None:  # codes too sparse for a bincount: sort the combined keys
            keys = combine_codes(raters, items)
            plan = plan_duplicates(keys, policy=policy, order=order, values=values)
        return plan

    if duplicates == "mean" and x is None and plan_of("all").n_rows:
        parsed = numeric_names(label_names)[labels]
        if np.isnan(parsed).any():  # no mean of labels: the latest judgment, and say so
            duplicates = "latest"
        else:
            x, labels, label_names = parsed, None, None
    plan = plan_of(duplicates if x is not None or duplicates != "mean" else "all", x)
    if plan.rows.size != rows.size or plan.means is not None:
        rows = rows[plan.rows]
        if plan.means is not None:
            x = plan.means
        elif x is not None:
            x = x[plan.rows]
        if labels is not None:
            labels = labels[plan.rows]
    return Selection(
        name, level, value_column, rows, x, labels, label_names, plan.n_groups, duplicates
    )


def _dimension_rows(codes: np.ndarray, code: int) -> np.ndarray:
    """The positions of the judgments of dimension ``code``; all of them, without the comparison
    pass, when the table holds that dimension only (the min and max say so)."""
    if codes.size and int(codes.min()) == code and int(codes.max()) == code:
        return np.arange(codes.size, dtype=np.intp)
    return np.flatnonzero(codes == code)


def _compact_range(*codes: np.ndarray) -> bool:
    """Integer codes (-1 = missing) whose value range is small enough for an O(n) bincount."""
    n = codes[0].size
    return all(
        c.dtype.kind == "i"
        and (c.size == 0 or (int(c.min()) >= -1 and int(c.max()) <= 4 * n + (1 << 20)))
        for c in codes
    )


def _distinct_cells(rater: np.ndarray, item: np.ndarray) -> bool:
    """Whether every (rater, item) pair occurs once (no duplicates policy to apply), in O(n)
    when the codes are compact (the duplicates plan sorts the keys three times: seconds at 10^7
    judgments, for the common case of no repeats); False when that cannot be told cheaply."""
    if item.size == 0 or not _compact_range(rater, item):
        return False
    return bool(distinct_pairs(item, rater))


def recode(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~.alpha.factorize` of integer codes (-1 = missing): codes by first appearance and
    the old codes in that order; O(n) (a scatter of first positions) when the codes are compact,
    where factorize sorts. Codes already in that order (ids factorized by first appearance, all
    rows selected: the common case) are returned as they are, without a copy."""
    if codes.size == 0 or not _compact_range(codes):
        return factorize(codes)
    lowest = int(codes.min())
    if lowest >= 0 and first_appearance_ordered(codes):
        return codes.astype(np.intp, copy=False), np.arange(int(codes.max()) + 1).astype(
            codes.dtype, copy=False
        )
    present = None if lowest >= 0 else codes >= 0
    valid = codes if present is None else codes[present]
    if valid.size == 0:
        return factorize(codes)
    top = int(valid.max())
    first = np.full(top + 1, valid.size, dtype=np.intp)
    for start in range(0, valid.size, BLOCK):  # block by block: no 10^7 arange
        block = valid[start : start + BLOCK]
        fresh = np.flatnonzero(first[block] == valid.size)  # codes no earlier block had
        if fresh.size:  # only their first positions can still change
            np.minimum.at(first, block[fresh], fresh + start)
    starts = np.zeros(valid.size, dtype=bool)  # first positions marked: no sort of them
    starts[first[first < valid.size]] = True
    order = valid[np.flatnonzero(starts)].astype(np.intp, copy=False)
    rank = np.empty(top + 1, dtype=np.intp)
    rank[order] = np.arange(order.size, dtype=np.intp)
    if present is None:
        return rank[valid], order.astype(codes.dtype, copy=False)
    out = np.full(codes.size, -1, dtype=np.intp)
    out[present] = rank[valid]
    return out, order.astype(codes.dtype, copy=False)


def first_appearance_ordered(codes: np.ndarray) -> bool:
    """Whether non-negative integer codes are numbered by first appearance already: the first is
    0 and each code is at most one above every code before it (so each new code is the next
    number). Checked block by block on the running maximum: no temporary of the array's size."""
    top = -1
    for start in range(0, codes.size, BLOCK):
        block = codes[start : start + BLOCK]
        if int(block[0]) > top + 1:
            return False
        running = np.maximum.accumulate(block)
        np.maximum(running, top, out=running)
        if running.size > 1 and int(np.diff(running).max()) > 1:
            return False
        top = int(running[-1])
    return True


def take_rows(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``column[rows]`` for ascending distinct ``rows`` (a :class:`Selection`'s), without the copy
    when they are all the rows (one dimension, nothing missing: the crowd-scale case)."""
    return column if rows.size == column.size else column[rows]


def group_subsets(judgments: Judgments, selection: Selection) -> list[tuple[Any, np.ndarray]]:
    """(group value, positions within the selection) for each group present, in sorted order."""
    if judgments.group is None:
        return []
    codes = judgments.group.codes[selection.rows]
    present = present_codes(codes)
    return [(judgments.group.names[g], np.flatnonzero(codes == g)) for g in present]
