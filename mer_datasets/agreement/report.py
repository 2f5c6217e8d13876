"""Agreement reports over the canonical tables: tidy records, per item, per rater.

Inputs follow docs/dev/contracts.md: ``annotations`` (track_id = item, rater_id, dimension, value
for numeric scales or label for categories, optional timestamp and annotation_id) and the
``raters`` table. Each dimension is analysed separately at its level of measurement (``levels``;
:class:`~mer_datasets.dataset.MERDataset` passes the catalog's declared levels; without one,
numeric values are interval and labels nominal).

Names available to ``where`` (see :mod:`mer_datasets.agreement.where`): every column of the
annotations; every column of the raters table (joined on rater_id; a raters column whose name is
already an annotations column is not joined); and every dimension name not already a column,
holding that dimension's value (or label) in the *same source record* (same ``annotation_id``), so
``familiarity > 3`` keeps the judgments whose source record answered familiarity above 3.

With a ``tracks`` table, its columns are joined onto the judgments by track_id too, so ``where``
and ``by`` can name track attributes (``by="genre"`` on Emotify, ``where="spotify_mode == 1"`` on
TROMPA-MER). Precedence: a tracks column whose name is already a judgments (annotations, raters
or dimension) column is not joined; naming such a column in ``where`` or ``by`` is refused with an
:class:`~mer_datasets.errors.AgreementError` naming both tables when the two columns differ on
some judgment (which one was meant is ambiguous); where they agree, the judgments' column is used.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AgreementError
from .alpha import krippendorff_alpha
from .entropy import consensus_entropy, rank_items_by_entropy, rank_items_by_spread, rating_spread
from .judgments import Judgments, dimension_codes, require_columns, select
from .protocols import POOLED, RatingProtocols
from .raters import intra_rater_consistency, rater_diagnostics, test_retest_alpha
from .records import (  # noqa: F401  (re-exported: the report's public vocabulary)
    ALL_METRICS,
    DEFAULT_METRICS,
    INTEGER_COLUMNS,
    RECORD_COLUMNS,
    agreement_records,
    check_arguments,
    check_options,
)
from .render import plain
from .where import unknown_column_message, where_mask

ITEM, RATER, DIMENSION = "track_id", "rater_id", "dimension"


def judgment_table(
    annotations: pd.DataFrame,
    raters: pd.DataFrame | None = None,
    tracks: pd.DataFrame | None = None,
    *,
    names: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Annotations joined with rater attributes, the sibling dimensions of each source record and
    (with ``tracks``) the track attributes; ``names`` are the names ``where``/``by`` refer to,
    refused when they are ambiguous between the judgments and the tracks table."""
    table = _with_siblings(_with_raters(annotations, raters))
    return _with_tracks(table, tracks, names)


def _with_tracks(table: pd.DataFrame, tracks: pd.DataFrame | None, names: frozenset[str]):
    """``table`` with the track columns not already in it, joined on track_id."""
    if tracks is None or tracks.empty or ITEM not in tracks.columns or ITEM not in table.columns:
        return table
    clash = sorted(str(c) for c in tracks.columns if c != ITEM and c in table.columns)
    ambiguous = [name for name in clash if name in names and _disagree(table, tracks, name)]
    if ambiguous:
        raise AgreementError(
            f"{', '.join(map(repr, ambiguous))} is a column of both the judgments (annotations, "
            f"raters or dimensions) and the tracks table, so --where/--by cannot tell which is "
            f"meant; the judgments' column is used only when the tracks table does not have it"
        )
    extra = [c for c in tracks.columns if c != ITEM and c not in table.columns]
    if not extra:
        return table
    attributes = tracks[[ITEM, *extra]].drop_duplicates(ITEM)
    if attributes[ITEM].dtype == table[ITEM].dtype:
        return table.merge(attributes, on=ITEM, how="left", validate="many_to_one")
    key = "_track_key"  # ids compared as text when the two tables store them differently
    joined = table.assign(**{key: table[ITEM].astype(str)}).merge(
        attributes.assign(**{key: attributes[ITEM].astype(str)}).drop(columns=ITEM),
        on=key, how="left", validate="many_to_one",
    )  # fmt: skip
    return joined.drop(columns=key)


def _disagree(table: pd.DataFrame, tracks: pd.DataFrame, name: str) -> bool:
    """Whether the judgments' column ``name`` differs, on some judgment, from the tracks' column
    of the same name (missing equals missing); where they agree, nothing is ambiguous."""
    unique = tracks.drop_duplicates(ITEM)
    per_track = pd.Series(unique[name].to_numpy(), index=unique[ITEM].astype(str).to_numpy())
    theirs = table[ITEM].astype(str).map(per_track)

    def same(a: Any, b: Any) -> bool:
        if pd.isna(a) or pd.isna(b):
            return bool(pd.isna(a) and pd.isna(b))
        return bool(a == b)

    return not all(same(a, b) for a, b in zip(table[name].tolist(), theirs.tolist()))


def _with_raters(annotations: pd.DataFrame, raters: pd.DataFrame | None) -> pd.DataFrame:
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
    return table


def _with_siblings(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with one column per dimension: the value of that dimension in the row's source
    record (same ``annotation_id``, its last row). Rows without an ``annotation_id`` (missing or
    empty) have no source record, so no sibling value: pandas would otherwise join them all as
    one record and give each the last of their values."""
    if "annotation_id" in table.columns and DIMENSION in table.columns:
        names = [d for d in pd.unique(table[DIMENSION].dropna()) if str(d) not in table.columns]
        if names:
            ids = table["annotation_id"]
            identified = ids.notna() & (ids.astype(str).str.strip() != "")
            source = table[table[DIMENSION].isin(names) & identified]
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
            joined = table.join(wide, on="annotation_id")
            joined.loc[~identified, list(wide.columns)] = np.nan
            table = joined
    return table


def _numeric_if_possible(column: pd.Series) -> pd.Series:
    converted = pd.to_numeric(column, errors="coerce")
    return converted if converted.notna().sum() == column.notna().sum() else column


def filter_judgments(table: pd.DataFrame, where: str | None) -> pd.DataFrame:
    """Rows of ``table`` where the ``where`` expression holds (all rows when None)."""
    return table if not where else table[where_mask(table, where)]


def referenced_names(where: str | None, by: str | None = None) -> frozenset[str]:
    """The column names a ``where`` expression and a ``by`` column refer to."""
    import ast

    from .where import parse_where

    names = {by} if isinstance(by, str) else set()
    if where:
        names |= {n.id for n in ast.walk(parse_where(where)) if isinstance(n, ast.Name)}
    return frozenset(names)


def _prepared(
    annotations, raters, dimensions, where, levels=None, tracks=None, by=None
) -> pd.DataFrame:
    return _prepared_derived(annotations, raters, dimensions, where, levels, tracks, by)[0]


def _prepared_derived(
    annotations,
    raters,
    dimensions,
    where,
    levels=None,
    tracks=None,
    by=None,
    derived=None,
    extra_names=(),
) -> tuple[pd.DataFrame, Any]:
    """The judgment table after joins and the filter; with ``derived`` (a dict of
    :func:`~.derived.derive_judgments` keyword arguments with ``derive``), the derived judgments
    are appended, and the :class:`~.derived.DerivedJudgments` (or None) comes second."""
    check_arguments(levels=levels, dimensions=dimensions)
    require_columns(annotations)
    names = referenced_names(where, by) | frozenset(extra_names)
    table = judgment_table(annotations, raters, tracks, names=names)
    table = filter_judgments(table, where)
    result = None
    if derived and derived.get("derive"):
        from .derived import derive_judgments

        result = derive_judgments(table, **derived)
        table = pd.concat([table, result.table], ignore_index=True)
    if dimensions:
        kept = list(dimensions) + (list(result.notes) if result is not None else [])
        table = table[table[DIMENSION].isin(kept)]
    return table, result


def _dimension_rows(table: pd.DataFrame, judgments: Judgments, code: int, levels, duplicates: str):
    """The rows of one dimension as a DataFrame, after :func:`~.judgments.select` (numeric
    labels read as numbers, ``mean`` values merged), with the value column and the level."""
    selection = select(judgments, code, levels, duplicates)
    rows = table.iloc[selection.rows]
    if selection.x is not None and (selection.value_column == "label" or duplicates == "mean"):
        rows = rows.assign(**{selection.value_column: selection.x})
    return rows, selection


def agreement_report(
    annotations: pd.DataFrame,
    raters: pd.DataFrame | None = None,
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    by: str | None = None,
    where: str | None = None,
    bootstrap: int = 1000,
    bootstrap_method: str = "auto",
    seed: int | None = 0,
    duplicates: str = "latest",
    expected: str = "group",
    metrics: list[str] | tuple[str, ...] | None = None,
    tracks: pd.DataFrame | None = None,
    derive: Any = None,
    midpoints: dict[str, float] | None = None,
    vocabularies: dict[str, str] | None = None,
    mappings: dict[str, dict[str, str]] | None = None,
    protocols: RatingProtocols | None = None,
    pool_protocols: bool = False,
    bootstrap_interval: str = "percentile",
    bootstrap_totals: str = "auto",
) -> pd.DataFrame:
    """Tidy agreement records (columns :data:`RECORD_COLUMNS`), one per dimension x group x metric.

    Krippendorff's alpha for every dimension (bootstrap CI, ``ci_method`` names the procedure;
    ``bootstrap=0`` for none; ``bootstrap_interval`` "percentile" or "bca", ``bootstrap_totals``
    "auto", "exact" or "normal": how the item bootstrap draws, bootstrap.items_resamples); ICC forms for interval dimensions (F-based CIs); Fleiss'
    kappa for nominal dimensions when every item has the same number of raters. With ``by``, each
    group gets its own records (``group`` = its value; the all-raters record has group None) and
    alpha's D_e comes from the group (``expected="group"``) or all data (``"all"``).
    ``"group_tests"`` in ``metrics`` adds Kruskal-Wallis / Holm-corrected Mann-Whitney records.
    The work is in :func:`~mer_datasets.agreement.records.agreement_records`, on numpy columns.

    ``derive`` adds nominal derived dimensions (``"quadrant"``, ``"quadrant:asymmetric"``,
    ``"emotion->quadrant"``; :mod:`mer_datasets.agreement.derived`), with ``midpoints`` (axis
    value per dimension), ``vocabularies`` and ``mappings``; ``n_unmapped`` counts the judgment
    records that gave no label. With ``protocols`` (:class:`~.protocols.RatingProtocols`), each
    protocol gets its own records (column ``protocol``) and the pooled ones (protocol
    ``"pooled"``) come only with ``pool_protocols=True``; ``frame.attrs["context"]`` says so.
    """
    from .derived import parse_derivations
    from .protocols import protocol_parts, protocols_note

    check_arguments(
        bootstrap=bootstrap, bootstrap_method=bootstrap_method, seed=seed,
        bootstrap_interval=bootstrap_interval, bootstrap_totals=bootstrap_totals,
    )  # fmt: skip
    derivations = parse_derivations(derive)
    extra = (protocols.column,) if protocols is not None else ()
    derived = dict(derive=derivations, midpoints=midpoints, vocabularies=vocabularies, mappings=mappings)  # fmt: skip
    table, result = _prepared_derived(
        annotations, raters, dimensions, where, levels, tracks, by, derived, extra
    )
    if by is not None and not isinstance(by, str):
        raise AgreementError(f"by must be one column name, got {type(by).__name__} {by!r}")
    if by is not None and by not in table.columns:
        raise AgreementError(unknown_column_message(by, table.columns, f"cannot group by {by!r}"))
    levels = dict(levels or {})
    levels.update({d.name: "nominal" for d in derivations})
    records: list[dict[str, Any]] = []
    present: list[str] = []
    for protocol, part in protocol_parts(table, protocols, pool_protocols):
        part_records = agreement_records(
            Judgments.from_frame(part, by=by), levels=levels, bootstrap=bootstrap,
            bootstrap_method=bootstrap_method, seed=seed, duplicates=duplicates,
            expected=expected, metrics=metrics, bootstrap_interval=bootstrap_interval,
            bootstrap_totals=bootstrap_totals,
        )  # fmt: skip
        for record in part_records:
            record["protocol"] = protocol
            if protocol == POOLED:
                mixed = f"pooled over rating protocols ({', '.join(present)}): mixes them"
                record["note"] = "; ".join(filter(None, [mixed, record.get("note")]))
            if result is not None and record["dimension"] in result.notes:
                _derived_counts(record, result, protocols, protocol, by)
        records += part_records
        if protocol is not None and protocol != POOLED:
            present.append(protocol)
    frame = records_frame(records)
    frame.attrs["context"] = (
        [protocols_note(protocols, present, pool_protocols)] if protocols is not None else []
    )
    return frame


def _derived_counts(record, result, protocols, protocol, by) -> None:
    """``n_unmapped`` and the note of a derived dimension's record: the source records of the
    same protocol and group that gave no label, by reason."""
    lost = result.unmapped[result.unmapped["dimension"] == record["dimension"]]
    if protocols is not None and protocol not in (None, POOLED):
        lost = lost[lost[protocols.column].astype(str) == protocol]
    if by is not None and record["group"] is not None and by in lost.columns:
        lost = lost[lost[by] == record["group"]]
    counts = lost["reason"].value_counts()
    record["n_unmapped"] = int(len(lost))
    reasons = ", ".join(f"{reason} {int(n)}" for reason, n in counts.items())
    text = f"derived: {result.notes[record['dimension']]}; unmapped {len(lost)}"
    text += f" ({reasons})" if reasons else ""
    record["note"] = "; ".join(filter(None, [text, record.get("note")]))


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Agreement records as a DataFrame: columns :data:`RECORD_COLUMNS`, counts as ``Int64``."""
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    for column in INTEGER_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    return frame


def _per_dimension(
    annotations, raters, dimensions, levels, where, duplicates, tracks=None, derived=None
):
    """(the dimension's judgments before the duplicates policy, its rows after it, the
    :class:`~.judgments.Selection`) for each dimension of the prepared table, sorted by name."""
    table, result = _prepared_derived(
        annotations, raters, dimensions, where, levels, tracks, None, derived
    )
    if result is not None:
        levels = {**(levels or {}), **dict.fromkeys(result.notes, "nominal")}
    judgments = Judgments.from_frame(table)
    for code in dimension_codes(judgments):
        rows, selection = _dimension_rows(table, judgments, code, levels, duplicates)
        yield table[judgments.dimension.codes == code], rows, selection


def _stacked(parts: list[pd.DataFrame], key: str) -> pd.DataFrame:
    """One table of the per-dimension parts, ``dimension`` and ``level`` first."""
    if not parts:
        return pd.DataFrame(columns=["dimension", key])
    result = pd.concat(parts, ignore_index=True)
    return result[
        ["dimension", "level", *[c for c in result.columns if c not in ("dimension", "level")]]
    ]


def items_report(
    annotations: pd.DataFrame,
    raters: pd.DataFrame | None = None,
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    where: str | None = None,
    duplicates: str = "latest",
    tracks: pd.DataFrame | None = None,
    derive: Any = None,
    midpoints: dict[str, float] | None = None,
    vocabularies: dict[str, str] | None = None,
    mappings: dict[str, dict[str, str]] | None = None,
    sd_ddof: int = 1,
    quantile_method: str = "linear",
) -> pd.DataFrame:
    """Per item and dimension, most contested first: consensus entropy (nominal and ordinal
    dimensions: entropy of the distinct values) and, for numeric values, the spread (std with
    ``sd_ddof``, quartiles with ``quantile_method``: :class:`~.spread.SpreadConvention`).

    Items judged by a single rater agree with nobody, so their entropy of 0 says nothing: they
    are marked ``single_rater``, get no ``rank`` and come after the ranked items, so neither end
    of the ranking (most contested, most agreed) is made of them. ``modal_tie`` flags items whose
    modal label is tied with another. ``derive`` adds derived nominal dimensions as in
    :func:`agreement_report`; ``frame.attrs["context"]`` states the spread convention (when a
    spread was computed)."""
    from .spread import SpreadConvention

    convention = SpreadConvention(sd_ddof=sd_ddof, quantile_method=quantile_method)
    spread_options = dict(sd_ddof=sd_ddof, quantile_method=quantile_method)
    derived = dict(derive=derive, midpoints=midpoints, vocabularies=vocabularies, mappings=mappings)  # fmt: skip
    parts = []
    for _, rows, selection in _per_dimension(
        annotations, raters, dimensions, levels, where, duplicates, tracks, derived
    ):
        column, level = selection.value_column, selection.level
        if level in ("nominal", "ordinal"):
            part = rank_items_by_entropy(
                consensus_entropy(rows, item=ITEM, rater=RATER, value=column), item=ITEM
            )
            if level == "ordinal":
                spread = rating_spread(rows, item=ITEM, rater=RATER, value=column, **spread_options)
                part = part.merge(spread.drop(columns="n_raters"), on=ITEM, how="left")
        else:
            part = rank_items_by_spread(
                rating_spread(rows, item=ITEM, rater=RATER, value=column, **spread_options),
                item=ITEM,
            )
        parts.append(_ranked(part).assign(dimension=selection.dimension, level=level))
    frame = _stacked(parts, ITEM)
    frame.attrs["context"] = [convention.describe()] if "std" in frame.columns else []
    return frame


def _ranked(part: pd.DataFrame) -> pd.DataFrame:
    """``part`` (sorted most contested first) with ``single_rater`` and ``rank`` (1 = most
    contested; missing for single-rater items, which move after the ranked ones)."""
    single = (part["n_raters"] < 2).to_numpy(dtype=bool)
    part = pd.concat([part[~single], part[single]], ignore_index=True)
    ranked = int((~single).sum())
    rank = pd.array(list(range(1, ranked + 1)) + [None] * (len(part) - ranked), dtype="Int64")
    return part.assign(single_rater=part["n_raters"] < 2, rank=rank)


def raters_report(
    annotations: pd.DataFrame,
    raters: pd.DataFrame | None = None,
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    where: str | None = None,
    duplicates: str = "latest",
    tracks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per rater and dimension: counts, mean, leave-one-out agreement, and test-retest figures
    (from the repeated judgments, before the duplicates policy) next to the between-rater alpha."""
    parts = []
    for dimension_rows, resolved, selection in _per_dimension(
        annotations, raters, dimensions, levels, where, duplicates, tracks
    ):
        column, level = selection.value_column, selection.level
        raw = dimension_rows[dimension_rows[column].notna()]
        part = rater_diagnostics(resolved, item=ITEM, rater=RATER, value=column, level=level)
        retest = intra_rater_consistency(
            raw, item=ITEM, rater=RATER, value=column, level=level,
            order="timestamp" if "timestamp" in raw.columns else None,
        )  # fmt: skip
        if not retest.empty:
            part = part.merge(retest, on=RATER, how="left")
            for count in ("n_repeated_items", "n_repeated_pairs"):
                part[count] = part[count].astype("Int64")  # counts, not 1.0000
        part = part.assign(
            dimension=selection.dimension,
            level=level,
            between_rater_alpha=krippendorff_alpha(resolved, item=ITEM, value=column, level=level),
            test_retest_alpha=test_retest_alpha(
                raw, item=ITEM, rater=RATER, value=column, level=level
            ),
        )
        parts.append(part.iloc[natural_order(part[RATER])])
    return _stacked(parts, RATER)


def natural_key(value: Any) -> tuple:
    """Sort key reading digit runs as numbers: rater "2" before "10", "r9" before "r10".

    Ids stay strings (never parsed as numbers: "7" and "007" are two raters); only the order is
    numeric-aware. Ties on the numbers ("7", "007") fall back to the text, so the order is total.
    """
    text = "" if value is None else str(value)
    parts = re.split(r"(\d+)", text)
    return (
        tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p != ""),
        text,
    )


def natural_order(values: pd.Series) -> list[int]:
    """Positions of ``values`` in natural (numeric-aware) order, see :func:`natural_key`."""
    keys = [natural_key(v) for v in values.tolist()]
    return sorted(range(len(keys)), key=keys.__getitem__)


def to_json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records as documented by schemas/agreement-report.schema.json (NaN -> null, numpy -> plain)."""
    return [
        {key: None if value is pd.NA else plain(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]
