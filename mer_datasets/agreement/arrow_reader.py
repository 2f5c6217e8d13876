"""A researcher's Parquet file straight to :class:`~.judgments.Judgments`, columnar (pyarrow).

Why: the user-file reader (userfile.py) turns every cell into a Python object and its text (the
rules that keep ids exact and refuse doubtful cells), about 9 us per cell: 19 s of reading and
12 s of factorizing for 10^7 judgments (benchmarks/results/crowd_scale.md), against a statistic
that takes 0.3 s. For the common clean case the same rules hold column by column: only the
needed columns are read, ids are factorized once in Arrow (``dictionary_encode``: codes in order
of first appearance, as ``pandas.factorize``), and no pandas frame is built.

The fast route is taken only where it gives exactly the reader's result; otherwise
:func:`parquet_judgments` returns None and the full reader runs (and raises its precise errors):
ids must be text or integers (integers keep their digits), without missing or padded ids; values
numeric, finite and at most ``MAX_MAGNITUDE``; no label or timestamp column, no ``--na``,
``--level`` or ``--time-format``, and no column under another role's canonical name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .judgments import MAX_MAGNITUDE, Coded, Judgments
from .userfile import ROLES, Columns, ReadOptions


def _id_codes(column: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes in order of first appearance, names as text) of an id column, or None when the
    column needs the full reader (missing ids, padded or empty text, another type)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if not (
        pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
    ):
        return None
    if column.null_count:
        return None
    encoded = pc.dictionary_encode(
        column.combine_chunks() if hasattr(column, "combine_chunks") else column
    )
    names = encoded.dictionary.to_pylist()
    if pa.types.is_integer(kind):
        names = [str(name) for name in names]
    elif any(name != name.strip() or not name for name in names):
        return None
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
    return codes, np.asarray(names, dtype=object)


def parquet_judgments(
    path: str | Path, columns: Columns, options: ReadOptions
) -> tuple[Judgments, dict[str, str]] | None:
    """(judgments, default level per dimension) of a clean Parquet file, as the full reader
    (userfile.read_annotations + Judgments.from_frame) gives them; None: use the full reader."""
    path = Path(path)
    if path.suffix.lower() not in (".parquet", ".pq") or not path.is_file():
        return None
    if options.na or options.level or options.time_format:
        return None
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
    except Exception:  # not readable as Parquet here: the full reader says why
        return None
    present = set(schema.names)
    wanted = {role: getattr(columns, role) for role, _, _ in ROLES}
    chosen = {role: name for role, name in wanted.items() if name in present}
    if {"item", "rater", "value"} - set(chosen) or "label" in chosen or "timestamp" in present:
        return None
    if wanted["dimension"] != "dimension" and "dimension" not in chosen:
        return None
    if len(set(chosen.values())) != len(chosen):
        return None
    for role, _, canonical in ROLES:
        if chosen.get(role, canonical) != canonical and canonical in present:
            return None
    value_type = schema.field(chosen["value"]).type
    if not (pa.types.is_integer(value_type) or pa.types.is_floating(value_type)):
        return None
    table = pq.read_table(path, columns=list(dict.fromkeys(chosen.values())))
    ids = {}
    for role in ("item", "rater", "dimension"):
        if role in chosen:
            coded = _id_codes(table.column(chosen[role]))
            if coded is None:
                return None
            ids[role] = coded
    if table.num_rows == 0:
        return None
    nulls = table.column(chosen["value"]).null_count
    value = table.column(chosen["value"]).to_numpy().astype(np.float64, copy=False)
    del table
    if int(np.count_nonzero(np.isnan(value))) != nulls:  # a stored NaN: the reader refuses it
        return None
    with np.errstate(invalid="ignore"):
        if np.isinf(value).any() or bool(np.nanmax(np.abs(value), initial=0.0) > MAX_MAGNITUDE):
            return None
    if "dimension" in ids:
        dimension = Coded(*ids["dimension"])
    else:
        dimension = Coded(np.zeros(value.size, dtype=np.intp), np.asarray(["value"], dtype=object))
    numeric = np.bincount(dimension.codes, weights=~np.isnan(value), minlength=dimension.names.size)
    levels = {
        str(name): "interval" if numeric[code] > 0 else "nominal"
        for code, name in enumerate(dimension.names)
    }
    judgments = Judgments(
        item=ids["item"][0], rater=ids["rater"][0], dimension=dimension, value=value,
        label=None, order=None,
    )  # fmt: skip
    return judgments, levels
