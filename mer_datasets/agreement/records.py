"""Agreement records (one per dimension x group x metric) from :class:`Judgments`, without pandas.

Why here and pandas-free: :func:`mer_datasets.agreement.report.agreement_report` (DataFrames) and
the CLI's fast path (numpy columns read from the Parquet cache) both call :func:`agreement_records`,
so a figure on the terminal is the figure the Python API returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import AgreementError
from .alpha import LEVELS, alpha_of, factorize
from .bootstrap import (
    BCA_WITHOUT_JACKKNIFE,
    INTERVALS,
    METHODS,
    TOTALS,
    bootstrap_alpha_of,
    check_resamples,
)
from .duplicates import check_policy
from .groups import EXPECTED_CHOICES
from .icc import COLUMNS as ICC_COLUMNS
from .icc import FORMS as ICC_FORMS
from .icc import icc_of
from .judgments import (
    Judgments,
    Selection,
    dimension_codes,
    group_subsets,
    recode,
    select,
    take_rows,
)
from .kappa import FleissDesignError, fleiss_kappa_of

RECORD_COLUMNS: list[str] = [
    "dimension", "group", "metric", "level", "value", "ci_low", "ci_high", "ci_method",
    "n_items", "n_raters", "n_judgments", "by", "expected_from", "duplicates_policy", "n_duplicates",
    "p_value", "note", "protocol", "n_unmapped",
]  # fmt: skip
DEFAULT_METRICS: tuple[str, ...] = (
    "krippendorff_alpha",
    "icc1_1",
    "icc2_1",
    "icc3_1",
    "fleiss_kappa",
)
ALL_METRICS: tuple[str, ...] = (
    "krippendorff_alpha", *ICC_FORMS, "fleiss_kappa", "cronbach_alpha", "group_tests",
)  # fmt: skip
INTEGER_COLUMNS: tuple[str, ...] = (
    "n_items", "n_raters", "n_judgments", "n_duplicates", "n_unmapped",
)  # fmt: skip


def check_options(expected: str, metrics: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The metrics to compute (default :data:`DEFAULT_METRICS`); errors for unknown choices."""
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
    return chosen


def check_arguments(
    *,
    levels: Any = None,
    dimensions: Any = None,
    bootstrap: Any = 0,
    bootstrap_method: Any = "auto",
    seed: Any = 0,
    bootstrap_interval: Any = "percentile",
    bootstrap_totals: Any = "auto",
) -> None:
    """Refuse arguments of the wrong type or value before any work, with a typed error.

    Why: a wrong type used to change results silently (``levels="interval"`` dropped every
    declared level, ``dimensions="valence"`` selected nothing, ``bootstrap_method="x"`` ran
    without a CI when ``bootstrap=0``); a string where a list or mapping is expected is refused.
    """
    if levels is not None:
        if not isinstance(levels, Mapping):
            raise AgreementError(
                f"levels must be a mapping of dimension name to level, e.g. "
                f"{{'valence': 'interval'}}, got {type(levels).__name__} {levels!r}"
            )
        wrong = {str(k): v for k, v in levels.items() if v not in LEVELS}
        if wrong:
            raise AgreementError(f"unknown level(s) {wrong}; a level is one of {', '.join(LEVELS)}")
    if dimensions is not None and (
        isinstance(dimensions, (str, bytes))
        or not isinstance(dimensions, Iterable)
        or not all(isinstance(d, str) for d in dimensions)
    ):
        raise AgreementError(
            "dimensions must be a list of dimension names, e.g. ['valence'], got "
            f"{type(dimensions).__name__} {dimensions!r}"
        )
    check_resamples(bootstrap)
    if bootstrap_method not in METHODS:
        raise AgreementError(
            f"unknown bootstrap_method {bootstrap_method!r}; expected one of {', '.join(METHODS)}"
        )
    if bootstrap_interval not in INTERVALS:
        raise AgreementError(
            f"unknown bootstrap_interval {bootstrap_interval!r}; expected one of "
            f"{', '.join(INTERVALS)}"
        )
    if bootstrap_interval == "bca" and bootstrap_method == "krippendorff":
        raise AgreementError(BCA_WITHOUT_JACKKNIFE)
    if bootstrap_totals not in TOTALS:
        raise AgreementError(
            f"unknown bootstrap_totals {bootstrap_totals!r}; expected one of {', '.join(TOTALS)}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise AgreementError(f"seed must be a whole number or None, got {seed!r}")


def agreement_records(
    judgments: Judgments,
    *,
    levels: dict[str, str] | None = None,
    bootstrap: int = 1000,
    bootstrap_method: str = "auto",
    seed: int | None = 0,
    duplicates: str = "latest",
    expected: str = "group",
    metrics: list[str] | tuple[str, ...] | None = None,
    bootstrap_interval: str = "percentile",
    bootstrap_totals: str = "auto",
) -> list[dict[str, Any]]:
    """The records of :func:`~mer_datasets.agreement.report.agreement_report` (same arguments;
    groups come from ``judgments.group``), as plain dicts in the order of :data:`RECORD_COLUMNS`."""
    chosen = check_options(expected, metrics)
    check_arguments(
        levels=levels, bootstrap=bootstrap, bootstrap_method=bootstrap_method, seed=seed,
        bootstrap_interval=bootstrap_interval, bootstrap_totals=bootstrap_totals,
    )  # fmt: skip
    check_policy(duplicates)
    by = judgments.by
    records: list[dict[str, Any]] = []
    for code in dimension_codes(judgments):
        selection = select(judgments, code, levels, duplicates)
        common = {
            "dimension": selection.dimension,
            "level": selection.level,
            "by": by,
            "duplicates_policy": selection.policy or duplicates,
            "n_duplicates": selection.n_duplicates,
        }
        options = dict(
            chosen=chosen, explicit=metrics is not None, bootstrap=bootstrap,
            bootstrap_method=bootstrap_method, seed=seed, interval=bootstrap_interval,
            totals=bootstrap_totals,
        )  # fmt: skip
        start = len(records)
        records += _metric_records(judgments, selection, None, None, None, common, **options)
        for key, subset in group_subsets(judgments, selection) if by is not None else []:
            records += _metric_records(
                judgments, selection, subset, key, expected == "all", common, **options
            )
        if by is not None and "group_tests" in chosen and selection.level != "nominal":
            records += _group_test_records(judgments, selection, common)
        if selection.policy and selection.policy != duplicates:
            fallback = (
                f"duplicates {duplicates!r} is undefined for labels: {selection.policy!r} used"
            )
            for record in records[start:]:
                record["note"] = "; ".join(filter(None, [fallback, record.get("note")]))
    return [{column: record.get(column) for column in RECORD_COLUMNS} for record in records]


def _metric_records(
    judgments: Judgments,
    selection: Selection,
    subset: np.ndarray | None,
    group: Any,
    against_all: bool | None,
    common: dict[str, Any],
    *,
    chosen: tuple[str, ...],
    explicit: bool,
    bootstrap: int,
    bootstrap_method: str,
    seed: int | None,
    interval: str = "percentile",
    totals: str = "auto",
) -> list[dict[str, Any]]:
    level = selection.level
    base = {**common, "group": group, **selection.counts(judgments, subset)}
    values = selection.long_values(judgments, subset)
    out: list[dict[str, Any]] = []
    if "krippendorff_alpha" in chosen:
        reference = selection.long_values(judgments) if against_all else None
        record = {
            **base,
            "metric": "krippendorff_alpha",
            "expected_from": "data" if group is None else ("all" if against_all else "group"),
        }
        try:
            if bootstrap > 0:
                raters = None
                if bootstrap_method in ("two-way", "auto"):  # rater codes of the rows of values
                    rows = selection.rows if subset is None else selection.rows[subset]
                    raters = take_rows(judgments.rater, rows)
                result = bootstrap_alpha_of(
                    values, level=level, reference=reference, n_resamples=bootstrap,
                    method=bootstrap_method, seed=seed, raters=raters, interval=interval,
                    totals=totals,
                )  # fmt: skip
                record.update(value=result.estimate, ci_low=result.ci_low, ci_high=result.ci_high)
                record["ci_method"] = f"{result.ci_method} ({bootstrap} resamples, 95%)"
                record["note"] = "; ".join(result.caveats)
            else:
                record["value"] = alpha_of(values, level, reference)
            if np.isnan(record["value"]):
                record["note"] = "undefined: no item with 2 judgments or no variation in the values"
        except ValueError as error:
            record.update(value=float("nan"), note=str(error))
        out.append(record)
    if level == "interval":
        forms = [form for form in ICC_FORMS if form in chosen]
        if forms:
            rows = selection.rows if subset is None else selection.rows[subset]
            table = {
                row[0]: dict(zip(ICC_COLUMNS, row))
                for row in icc_of(
                    values.x, values.item_codes, recode(take_rows(judgments.rater, rows))[0]
                )
            }
            for form in forms:
                row = table[form]
                out.append(
                    {**base, "metric": form, "value": row["value"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                     "ci_method": "F (McGraw & Wong 1996), 95%", "note": row["note"] or f"design: {row['design']}"}
                )  # fmt: skip
    if level in ("interval", "ordinal", "ratio") and "cronbach_alpha" in chosen:
        from .cronbach import CI_METHOD, cronbach_alpha_of

        rows = selection.rows if subset is None else selection.rows[subset]
        value, low, high, _, _, note = cronbach_alpha_of(
            values.x, values.item_codes, recode(take_rows(judgments.rater, rows))[0]
        )
        out.append(
            {**base, "metric": "cronbach_alpha", "value": value, "ci_low": low, "ci_high": high,
             "ci_method": CI_METHOD, "note": note or "raters as the scale's items, tracks as subjects"}
        )  # fmt: skip
    elif "cronbach_alpha" in chosen and explicit:
        out.append(
            {**base, "metric": "cronbach_alpha", "value": float("nan"),
             "note": "Cronbach's alpha needs numeric values (a nominal dimension has none)"}
        )  # fmt: skip
    if level == "nominal" and "fleiss_kappa" in chosen:
        if values.label_codes is not None:
            labels = values.label_codes
        else:
            labels = factorize(values.x)[0]
        try:
            out.append(
                {
                    **base,
                    "metric": "fleiss_kappa",
                    "value": fleiss_kappa_of(values.item_codes, labels),
                }
            )
        except FleissDesignError as error:
            if explicit:
                out.append(
                    {**base, "metric": "fleiss_kappa", "value": float("nan"), "note": str(error)}
                )
    return out


def _group_test_records(
    judgments: Judgments, selection: Selection, common: dict[str, Any]
) -> list[dict[str, Any]]:
    from .groups import group_differences_of

    samples = {}
    for key, subset in group_subsets(judgments, selection):
        x = selection.x[subset]
        samples[key] = x[~np.isnan(x)]
    return [
        {**common, "group": label, "metric": test, "value": statistic, "p_value": p_value,
         "n_judgments": n, "note": "Holm-adjusted p" if test == "mann_whitney_u" else ""}
        for test, label, statistic, p_value, n in group_differences_of(samples, by=judgments.by or "")
    ]  # fmt: skip


def chosen_levels(
    options: list[str] | str | None, names: Any, defaults: dict[str, str]
) -> dict[str, str]:
    """The levels after ``--level`` options: ``LEVEL`` sets every dimension, ``DIM=LEVEL`` one
    (later options win); an unknown level or a dimension absent from the data is refused."""
    levels = dict(defaults)
    names = [str(n) for n in names]
    for option in [options] if isinstance(options, str) else options or []:
        dimension, _, level = option.rpartition("=")
        if level not in LEVELS:
            raise AgreementError(
                f"--level {option!r}: unknown level {level!r}; expected LEVEL or DIM=LEVEL with "
                f"LEVEL one of {', '.join(LEVELS)}"
            )
        if dimension and dimension not in names:
            raise AgreementError(
                f"--level {option!r}: no dimension {dimension!r} in the data; dimensions: "
                f"{', '.join(names) or 'none'}"
            )
        levels.update({dimension: level} if dimension else dict.fromkeys(names, level))
    return levels
