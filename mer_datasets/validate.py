"""Validate the four tables against ``schemas/tables/*.schema.json`` and the catalog.

Why vectorized: a per-record ``jsonschema`` pass over 10^5 judgments takes seconds; the record
schemas use a small subset of JSON Schema (``required``, ``type`` with null, ``minLength``,
``minimum``, ``maximum``, ``enum``, ``pattern``) that maps onto column operations. The schema
files stay the single statement of the rules (researchers and other tools can validate exported
records with any JSON Schema validator); this module interprets that subset over whole columns
and reports the first failing row of each rule with dataset, table, row and field.

Cross-table rules the record schemas cannot state are checked here too: unique ids, exactly
one of ``value``/``label``, dimensions declared in the catalog, values inside the declared
scale, and referential integrity (every rater and track of ``annotations`` is in ``raters`` /
``tracks``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import TableValidationError
from .resources import load_schema

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .catalog import DatasetInfo
    from .tables import Tables

_SUPPORTED = {
    "type",
    "minLength",
    "minimum",
    "maximum",
    "enum",
    "pattern",
    "format",
    "description",
    "title",
}


def _fail(dataset: str, table: str, frame: pd.DataFrame, mask: Any, field: str, what: str) -> None:
    import numpy as np

    bad = np.flatnonzero(np.asarray(mask, dtype=bool))
    if bad.size == 0:
        return
    row = int(bad[0])
    value = frame[field].iloc[row] if field in frame.columns else None
    id_column = {"tracks": "track_id", "raters": "rater_id", "annotations": "judgment_id"}.get(
        table
    )
    ident = ""
    if id_column and id_column in frame.columns and id_column != field:
        ident = f" ({id_column}={frame[id_column].iloc[row]!r})"
    raise TableValidationError(
        f"dataset {dataset!r}, table {table!r}, row {row}{ident}, field {field!r}: {what} "
        f"(found {value!r}; {bad.size} row(s) affected)",
        dataset=dataset,
        table=table,
        row=row,
        field=field,
    )


def _check_type(
    dataset: str, table: str, frame: pd.DataFrame, column: str, types: list[str]
) -> None:
    import numpy as np
    import pandas as pd

    series = frame[column]
    nullable = "null" in types
    if not nullable:
        _fail(dataset, table, frame, series.isna(), column, "missing value in a required field")
    kinds = set(types) - {"null"}
    if not kinds:
        return
    dtype = series.dtype
    if kinds <= {"number", "integer"}:
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise TableValidationError(
                f"dataset {dataset!r}, table {table!r}, field {column!r}: expected a numeric "
                f"column, got dtype {dtype}",
                dataset=dataset,
                table=table,
                field=column,
            )
        if kinds == {"integer"}:
            _fail(
                dataset,
                table,
                frame,
                series.notna() & (series.fillna(0) % 1 != 0),
                column,
                "not an integer",
            )
    elif kinds == {"string"}:
        ok = isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)
        if not ok and dtype is np.dtype(object):
            ok = bool(series.dropna().map(lambda x: isinstance(x, str)).all())
        if not ok and not isinstance(dtype, pd.DatetimeTZDtype):
            raise TableValidationError(
                f"dataset {dataset!r}, table {table!r}, field {column!r}: expected strings, got "
                f"dtype {dtype}",
                dataset=dataset,
                table=table,
                field=column,
            )


def _per_text(series: pd.Series, check: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``check`` over the values as text (missing -> False). A categorical column is checked
    once per category and broadcast by its codes: converting 100k+ rows to text took most of a
    load's validation time."""
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pd.Series(series.cat.categories).astype("string")
        flags = check(categories).fillna(False).astype(bool).to_numpy()
        codes = series.cat.codes.to_numpy()
        if not len(flags):
            return pd.Series(False, index=series.index)
        return pd.Series(np.where(codes >= 0, flags[codes], False), index=series.index)
    return check(series.astype("string")).fillna(False).astype(bool)


def validate_table(name: str, frame: pd.DataFrame, dataset: str) -> None:
    """Check one table against its record schema (subset interpreted over columns)."""
    schema = load_schema(f"tables/{name}.schema.json")
    for column in schema.get("required", []):
        if column not in frame.columns:
            raise TableValidationError(
                f"dataset {dataset!r}, table {name!r}: required column {column!r} is absent",
                dataset=dataset,
                table=name,
                field=column,
            )
    if frame.empty:
        return
    for column, rule in schema.get("properties", {}).items():
        if column not in frame.columns:
            continue
        unknown = set(rule) - _SUPPORTED
        if unknown:  # a schema edit that this interpreter would silently ignore
            raise NotImplementedError(
                f"schema keyword(s) {unknown} not supported in {name}.{column}"
            )
        types = rule.get("type", [])
        types = [types] if isinstance(types, str) else list(types)
        _check_type(dataset, name, frame, column, types)
        series = frame[column]
        present = series.notna()
        if "string" in types:
            nul = _per_text(series, lambda t: t.str.contains("\x00", regex=False))
            _fail(
                dataset,
                name,
                frame,
                present & nul,
                column,
                "contains a NUL byte (a corrupt source?)",
            )
        if "minLength" in rule:
            short = _per_text(series, lambda t, n=rule["minLength"]: t.str.len() < n)
            _fail(
                dataset,
                name,
                frame,
                present & short,
                column,
                f"shorter than {rule['minLength']}",
            )
        if "minimum" in rule:
            _fail(
                dataset,
                name,
                frame,
                present & (series < rule["minimum"]).fillna(False),
                column,
                f"below the minimum {rule['minimum']}",
            )
        if "maximum" in rule:
            _fail(
                dataset,
                name,
                frame,
                present & (series > rule["maximum"]).fillna(False),
                column,
                f"above the maximum {rule['maximum']}",
            )
        if "enum" in rule:
            _fail(
                dataset,
                name,
                frame,
                present & ~series.isin(rule["enum"]),
                column,
                f"not one of {rule['enum']}",
            )
        if "pattern" in rule:
            pattern = rule["pattern"].removeprefix("^").removesuffix("$")
            matches = _per_text(series, lambda t, p=pattern: t.str.fullmatch(p))
            _fail(
                dataset,
                name,
                frame,
                present & ~matches,
                column,
                f"does not match {rule['pattern']!r}",
            )
    for column in schema.get("x-unique", []):
        if column in frame.columns:
            _fail(
                dataset, name, frame, frame[column].duplicated(keep="first"), column, "duplicate id"
            )
    pair = schema.get("x-exactly-one-of")
    if pair and all(c in frame.columns for c in pair):
        set_count = sum(frame[c].notna().astype(int) for c in pair)
        _fail(dataset, name, frame, set_count != 1, pair[0], f"exactly one of {pair} must be set")


def validate_tables(tables: Tables, info: DatasetInfo) -> None:
    """All record and cross-table rules; raises :class:`TableValidationError` on the first break."""
    dataset = info.id
    for name, frame in tables.items():
        validate_table(name, frame, dataset)
    _check_dimensions(tables.annotations, "annotations", info)
    _check_dimensions(tables.labels, "labels", info)
    annotations = tables.annotations
    if not annotations.empty:
        _fail(
            dataset,
            "annotations",
            annotations,
            _not_in(annotations["rater_id"], tables.raters["rater_id"]),
            "rater_id",
            "rater not in the raters table",
        )
        _fail(
            dataset,
            "annotations",
            annotations,
            _not_in(annotations["track_id"], tables.tracks["track_id"]),
            "track_id",
            "track not in the tracks table",
        )
    if not tables.labels.empty:
        _fail(
            dataset,
            "labels",
            tables.labels,
            _not_in(tables.labels["track_id"], tables.tracks["track_id"]),
            "track_id",
            "track not in the tracks table",
        )


def _not_in(values: pd.Series, known: pd.Series) -> pd.Series:
    """Rows whose value is missing or not among ``known``, by hash lookup: pandas' ``isin`` on
    Arrow strings builds one Arrow scalar per known value (0.2 s for 18k track ids)."""
    import pandas as pd

    index = pd.Index(known.dropna().unique())
    return pd.Series(index.get_indexer(values) < 0, index=values.index)


def _check_dimensions(frame: pd.DataFrame, table: str, info: DatasetInfo) -> None:
    """Every dimension is declared for this table; values respect its declared scale."""
    if frame.empty:
        return
    import pandas as pd

    dataset = info.id
    declared = {d.name: d for d in info.dimensions if table in d.in_}
    present = frame["dimension"]
    if not isinstance(present.dtype, pd.CategoricalDtype):  # categoricals compare by code
        present = present.astype("string")
    _fail(
        dataset,
        table,
        frame,
        ~present.isin(list(declared)),
        "dimension",
        f"dimension not declared for {table} in the catalog (declared: {sorted(declared)})",
    )
    if table == "labels":
        # published statistics such as std or counts are not on the rating scale
        return
    for name, dim in declared.items():
        rows = (present == name).fillna(False).to_numpy()
        if not rows.any():
            continue
        values = frame["value"]
        labels = frame["label"]
        if dim.is_numeric:
            _fail(
                dataset,
                table,
                frame,
                rows & values.isna().to_numpy(),
                "value",
                f"dimension {name!r} is numeric: value required",
            )
            if dim.min is not None:
                _fail(
                    dataset,
                    table,
                    frame,
                    rows & (values < dim.min).fillna(False).to_numpy(),
                    "value",
                    f"below the declared scale minimum {dim.min} of {name!r}",
                )
            if dim.max is not None:
                _fail(
                    dataset,
                    table,
                    frame,
                    rows & (values > dim.max).fillna(False).to_numpy(),
                    "value",
                    f"above the declared scale maximum {dim.max} of {name!r}",
                )
            if dim.values is not None:
                _fail(
                    dataset,
                    table,
                    frame,
                    rows & ~values.isin(list(dim.values)).fillna(False).to_numpy(),
                    "value",
                    f"not one of the declared values {list(dim.values)} of {name!r}",
                )
        elif dim.categories is not None:
            _fail(
                dataset,
                table,
                frame,
                rows & ~labels.isin(list(dim.categories)).fillna(False).to_numpy(),
                "label",
                f"not one of the declared categories of {name!r}",
            )
