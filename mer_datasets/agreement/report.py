"""Agreement reports over the canonical tables: tidy records, per item, per rater.

Inputs follow docs/dev/contracts.md: ``annotations`` (track_id = item, rater_id, dimension, value
for numeric scales or label for categories, optional timestamp and annotation_id) and the
``raters`` table. Each dimension is analysed separately at its level of measurement (``levels``;
the caller derives defaults from the catalog with :func:`default_level`; without one, numeric
values are interval and labels nominal).

Names available to ``where`` (see :mod:`mer_datasets.agreement.where`): every column of the
annotations; every column of the raters table (joined on rater_id; a raters column whose name is
already an annotations column is not joined); and every dimension name not already a column,
holding that dimension's value (or label) in the *same source record* (same ``annotation_id``), so
``familiarity > 3`` keeps the judgments whose source record answered familiarity above 3.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import AgreementError
from .alpha import check_level, krippendorff_alpha
from .bootstrap import bootstrap_alpha
from .duplicates import resolve_duplicates
from .entropy import consensus_entropy, rank_items_by_entropy, rank_items_by_spread, rating_spread
from .groups import EXPECTED_CHOICES, group_differences, iter_groups
from .icc import FORMS as ICC_FORMS
from .icc import icc
from .kappa import FleissDesignError, fleiss_kappa
from .raters import intra_rater_consistency, rater_diagnostics, test_retest_alpha
from .where import where_mask

RECORD_COLUMNS: list[str] = [
    "dimension", "group", "metric", "level", "value", "ci_low", "ci_high", "ci_method",
    "n_items", "n_raters", "n_judgments", "by", "expected_from", "duplicates_policy", "n_duplicates",
    "p_value", "note",
]  # fmt: skip
DEFAULT_METRICS: tuple[str, ...] = (
    "krippendorff_alpha",
    "icc1_1",
    "icc2_1",
    "icc3_1",
    "fleiss_kappa",
)
ALL_METRICS: tuple[str, ...] = ("krippendorff_alpha", *ICC_FORMS, "fleiss_kappa", "group_tests")

#: Catalog scale -> default level of measurement (catalog.schema.json `scale`).
SCALE_LEVELS: dict[str, str] = {
    "binary": "nominal",
    "category": "nominal",
    "tag": "nominal",
    "likert": "ordinal",
    "slider": "interval",
    "continuous": "interval",
    "count": "ratio",
}
ITEM, RATER, DIMENSION = "track_id", "rater_id", "dimension"


def default_level(scale: str) -> str:
    """Level of measurement for a catalog scale: category/binary/tag -> nominal, likert -> ordinal,
    slider/continuous -> interval, count -> ratio (Krippendorff 2011 on levels of measurement)."""
    try:
        return SCALE_LEVELS[scale]
    except KeyError:
        raise AgreementError(
            f"unknown scale {scale!r}; expected one of {', '.join(SCALE_LEVELS)}"
        ) from None


def judgment_table(annotations: pd.DataFrame, raters: pd.DataFrame | None = None) -> pd.DataFrame:
    """Annotations joined with rater attributes and the sibling dimensions of each source record."""
    table = annotations
    if (
        raters is not None
        and not raters.empty
        and RATER in raters.columns
        and RATER in table.columns
    ):
        extra = [c for c in raters.columns if c != RATER and c not in table.columns]
        if extra:
            table = table.merge(
                raters[[RATER, *extra]].drop_duplicates(RATER), on=RATER, how="left"
            )
    if "annotation_id" in table.columns and DIMENSION in table.columns:
        names = [d for d in pd.unique(table[DIMENSION].dropna()) if str(d) not in table.columns]
        if names:
            source = table[table[DIMENSION].isin(names)]
            record_value = (
                source["value"]
                if "value" in source.columns
                else pd.Series(np.nan, index=source.index)
            )
            if "label" in source.columns:
                record_value = record_value.astype(object).where(
                    record_value.notna(), source["label"]
                )
            wide = (
                source.assign(_v=record_value)
                .drop_duplicates(["annotation_id", DIMENSION], keep="last")
                .pivot(index="annotation_id", columns=DIMENSION, values="_v")
            )
            wide.columns = [str(c) for c in wide.columns]
            wide = wide.apply(_numeric_if_possible)
            table = table.join(wide, on="annotation_id")
    return table


def _numeric_if_possible(column: pd.Series) -> pd.Series:
    converted = pd.to_numeric(column, errors="coerce")
    return converted if converted.notna().sum() == column.notna().sum() else column


def filter_judgments(table: pd.DataFrame, where: str | None) -> pd.DataFrame:
    """Rows of ``table`` where the ``where`` expression holds (all rows when None)."""
    return table if not where else table[where_mask(table, where)]


def _value_column(rows: pd.DataFrame) -> str:
    if "value" in rows.columns and rows["value"].notna().any():
        return "value"
    return "label" if "label" in rows.columns else "value"


def _level_for(
    dimension: str, rows: pd.DataFrame, value_column: str, levels: dict[str, str] | None
) -> str:
    if levels and dimension in levels:
        return check_level(levels[dimension])
    return "interval" if value_column == "value" else "nominal"


def _prepared(annotations, raters, dimensions, where) -> pd.DataFrame:
    for column in (ITEM, RATER, DIMENSION):
        if column not in annotations.columns:
            raise AgreementError(
                f"annotations need a {column!r} column (see docs/dev/contracts.md)"
            )
    table = filter_judgments(judgment_table(annotations, raters), where)
    if dimensions:
        table = table[table[DIMENSION].isin(list(dimensions))]
    return table


def _dimension_rows(table: pd.DataFrame, dimension: Any, levels, duplicates: str):
    rows = table[table[DIMENSION] == dimension]
    value_column = _value_column(rows)
    rows = rows[rows[value_column].notna()]
    level = _level_for(str(dimension), rows, value_column, levels)
    if level != "nominal" and value_column == "label":
        rows = rows.assign(label=pd.to_numeric(rows["label"], errors="coerce")).dropna(
            subset=["label"]
        )
    order = "timestamp" if "timestamp" in rows.columns else None
    resolved = resolve_duplicates(
        rows, item=ITEM, rater=RATER, value=value_column, policy=duplicates, order=order
    )
    return resolved, value_column, level


def agreement_report(
    annotations: pd.DataFrame,
    raters: pd.DataFrame | None = None,
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    by: str | None = None,
    where: str | None = None,
    bootstrap: int = 1000,
    bootstrap_method: str = "items",
    seed: int | None = 0,
    duplicates: str = "latest",
    expected: str = "group",
    metrics: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Tidy agreement records (columns :data:`RECORD_COLUMNS`), one per dimension x group x metric.

    Krippendorff's alpha for every dimension (percentile bootstrap CI, ``ci_method`` names the
    procedure; ``bootstrap=0`` for none); ICC forms for interval dimensions (F-based CIs); Fleiss'
    kappa for nominal dimensions when every item has the same number of raters. With ``by``, each
    group gets its own records (``group`` = its value; the all-raters record has group None) and
    alpha's D_e comes from the group (``expected="group"``) or all data (``"all"``).
    ``"group_tests"`` in ``metrics`` adds Kruskal-Wallis / Holm-corrected Mann-Whitney records.
    """
    if expected not in EXPECTED_CHOICES:
        raise AgreementError(
            f"expected must be one of {', '.join(EXPECTED_CHOICES)}, got {expected!r}"
        )
    chosen = tuple(metrics) if metrics else DEFAULT_METRICS
    unknown = [m for m in chosen if m not in ALL_METRICS]
    if unknown:
        raise AgreementError(
            f"unknown metrics {unknown}; expected some of {', '.join(ALL_METRICS)}"
        )
    table = _prepared(annotations, raters, dimensions, where)
    records: list[dict[str, Any]] = []
    for dimension in sorted(pd.unique(table[DIMENSION].dropna()), key=str):
        resolved, value_column, level = _dimension_rows(table, dimension, levels, duplicates)
        rows = resolved.table
        common = {
            "dimension": str(dimension),
            "level": level,
            "by": by,
            "duplicates_policy": duplicates,
            "n_duplicates": resolved.n_groups,
        }
        options = dict(
            value_column=value_column, level=level, chosen=chosen, explicit=metrics is not None,
            bootstrap=bootstrap, bootstrap_method=bootstrap_method, seed=seed,
        )  # fmt: skip
        records += _metric_records(rows, None, None, common, **options)
        if by is None:
            continue
        for key, group_rows in iter_groups(rows, by):
            reference = rows if expected == "all" else None
            records += _metric_records(group_rows, key, reference, common, **options)
        if "group_tests" in chosen and level != "nominal":
            tests = group_differences(rows, by=by, value=value_column)
            for test in tests.itertuples(index=False):
                records.append(
                    {**common, "group": test.groups, "metric": test.test, "value": test.statistic,
                     "p_value": test.p_value, "n_judgments": test.n,
                     "note": "Holm-adjusted p" if test.test == "mann_whitney_u" else ""}
                )  # fmt: skip
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    for column in ("n_items", "n_raters", "n_judgments", "n_duplicates"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _counts(rows: pd.DataFrame) -> dict[str, int]:
    return {
        "n_items": int(rows[ITEM].nunique()),
        "n_raters": int(rows[RATER].nunique()),
        "n_judgments": int(len(rows)),
    }


def _metric_records(
    rows,
    group,
    reference,
    common,
    *,
    value_column,
    level,
    chosen,
    explicit,
    bootstrap,
    bootstrap_method,
    seed,
) -> list[dict[str, Any]]:
    base = {**common, "group": group, **_counts(rows)}
    out: list[dict[str, Any]] = []
    if "krippendorff_alpha" in chosen:
        record = {
            **base,
            "metric": "krippendorff_alpha",
            "expected_from": "all" if reference is not None else "group",
        }
        if group is None:
            record["expected_from"] = "data"
        try:
            if bootstrap > 0:
                result = bootstrap_alpha(
                    rows, item=ITEM, rater=RATER, value=value_column, level=level, expected_from=reference,
                    n_resamples=bootstrap, method=bootstrap_method, seed=seed,
                )  # fmt: skip
                record.update(value=result.estimate, ci_low=result.ci_low, ci_high=result.ci_high)
                record["ci_method"] = f"{result.ci_method} ({bootstrap} resamples, 95%)"
            else:
                record["value"] = krippendorff_alpha(
                    rows,
                    item=ITEM,
                    rater=RATER,
                    value=value_column,
                    level=level,
                    expected_from=reference,
                )
            if np.isnan(record["value"]):
                record["note"] = "undefined: no item with 2 judgments or no variation in the values"
        except ValueError as error:
            record.update(value=np.nan, note=str(error))
        out.append(record)
    if level == "interval":
        forms = [form for form in ICC_FORMS if form in chosen]
        if forms:
            table = icc(rows, item=ITEM, rater=RATER, value=value_column).set_index("form")
            for form in forms:
                row = table.loc[form]
                out.append(
                    {**base, "metric": form, "value": row["value"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                     "ci_method": "F (McGraw & Wong 1996), 95%", "note": row["note"] or f"design: {row['design']}"}
                )  # fmt: skip
    if level == "nominal" and "fleiss_kappa" in chosen:
        try:
            out.append(
                {
                    **base,
                    "metric": "fleiss_kappa",
                    "value": fleiss_kappa(rows, item=ITEM, value=value_column),
                }
            )
        except FleissDesignError as error:
            if explicit:
                out.append({**base, "metric": "fleiss_kappa", "value": np.nan, "note": str(error)})
    return out


def items_report(
    annotations: pd.DataFrame,
    raters: pd.DataFrame | None = None,
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    where: str | None = None,
    duplicates: str = "latest",
) -> pd.DataFrame:
    """Per item and dimension, most contested first: consensus entropy (nominal and ordinal
    dimensions: entropy of the distinct values) and, for numeric values, the spread."""
    table = _prepared(annotations, raters, dimensions, where)
    parts = []
    for dimension in sorted(pd.unique(table[DIMENSION].dropna()), key=str):
        resolved, value_column, level = _dimension_rows(table, dimension, levels, duplicates)
        rows = resolved.table
        if level in ("nominal", "ordinal"):
            part = rank_items_by_entropy(
                consensus_entropy(rows, item=ITEM, rater=RATER, value=value_column), item=ITEM
            )
            if level == "ordinal":
                spread = rating_spread(rows, item=ITEM, rater=RATER, value=value_column).drop(
                    columns="n_raters"
                )
                part = part.merge(spread, on=ITEM, how="left")
        else:
            part = rank_items_by_spread(
                rating_spread(rows, item=ITEM, rater=RATER, value=value_column), item=ITEM
            )
        parts.append(part.assign(dimension=str(dimension), level=level))
    if not parts:
        return pd.DataFrame(columns=["dimension", ITEM])
    result = pd.concat(parts, ignore_index=True)
    return result[
        ["dimension", "level", *[c for c in result.columns if c not in ("dimension", "level")]]
    ]


def raters_report(
    annotations: pd.DataFrame,
    raters: pd.DataFrame | None = None,
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    where: str | None = None,
    duplicates: str = "latest",
) -> pd.DataFrame:
    """Per rater and dimension: counts, mean, leave-one-out agreement, and test-retest figures
    (from the repeated judgments, before the duplicates policy) next to the between-rater alpha."""
    table = _prepared(annotations, raters, dimensions, where)
    parts = []
    for dimension in sorted(pd.unique(table[DIMENSION].dropna()), key=str):
        resolved, value_column, level = _dimension_rows(table, dimension, levels, duplicates)
        raw = table[(table[DIMENSION] == dimension) & table[value_column].notna()]
        part = rater_diagnostics(
            resolved.table, item=ITEM, rater=RATER, value=value_column, level=level
        )
        retest = intra_rater_consistency(
            raw, item=ITEM, rater=RATER, value=value_column, level=level,
            order="timestamp" if "timestamp" in raw.columns else None,
        )  # fmt: skip
        if not retest.empty:
            part = part.merge(retest, on=RATER, how="left")
        part = part.assign(
            dimension=str(dimension),
            level=level,
            between_rater_alpha=krippendorff_alpha(
                resolved.table, item=ITEM, value=value_column, level=level
            ),
            test_retest_alpha=test_retest_alpha(
                raw, item=ITEM, rater=RATER, value=value_column, level=level
            ),
        )
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["dimension", RATER])
    result = pd.concat(parts, ignore_index=True)
    return result[
        ["dimension", "level", *[c for c in result.columns if c not in ("dimension", "level")]]
    ]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records as documented by schemas/agreement-report.schema.json (NaN -> null, numpy -> plain)."""
    return [
        {key: _plain(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]
