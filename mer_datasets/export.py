"""Write the four tables out: Parquet (typed), CSV (portable), Hugging Face ``datasets``.

Why Parquet is the default: it keeps nullable integers, categoricals and UTC timestamps, so a
table written and read back is identical; CSV is offered for tools that need it and loses types.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

    from .dataset import MERDataset

FORMATS = ("parquet", "csv")


def write_tables(
    dataset: MERDataset, directory: str | Path, *, fmt: str = "parquet"
) -> dict[str, Path]:
    """Write ``tracks``, ``raters``, ``annotations``, ``labels`` (+ ``quirks``) into ``directory``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    frames = dict(dataset.tables.items())
    frames["quirks"] = dataset.quirks.to_frame().assign(
        examples=lambda f: f["examples"].map(lambda e: "; ".join(e))
    )
    for name, frame in frames.items():
        path = directory / f"{name}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        tmp.replace(path)
        written[name] = path
    return written


def to_hf(
    dataset: MERDataset,
    *,
    soft_labels: str | None = None,
    soft_label_options: Mapping[str, Any] | None = None,
) -> Any:
    """A ``datasets.DatasetDict`` with one entry per table, built from Arrow locally.

    ``soft_labels`` names an aggregation (``"dawid-skene"``, ``"glad"``, ``"mace"``,
    ``"majority"``, ``"mean"``; see :mod:`mer_datasets.personal.aggregate`): the ``tracks``
    entry then carries per-track label distributions, built by
    :func:`mer_datasets.personal.soft.soft_labels` with ``soft_label_options`` (``target``,
    ``repeats``, ``on_axis``, ...) and attached by ``with_soft_label_columns`` there.
    """
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from .errors import MERDatasetsError

        raise MERDatasetsError(
            "to_hf() needs the Hugging Face `datasets` package: pip install 'mer-datasets[hf]'"
        ) from exc
    parts = {name: datasets.Dataset(arrow_table(frame)) for name, frame in dataset.tables.items()}
    if soft_labels is not None:
        parts["tracks"] = _with_soft_labels(dataset, soft_labels, soft_label_options or {})
    return datasets.DatasetDict(parts)


def _with_soft_labels(dataset: MERDataset, method: str, options: Mapping[str, Any]) -> Any:
    import datasets

    from .personal.soft import soft_labels, with_soft_label_columns

    soft = soft_labels(dataset.annotations, method=method, **dict(options))
    table, features = with_soft_label_columns(arrow_table(dataset.tracks), soft)
    info = datasets.DatasetInfo(description=soft.description(), features=features)
    return datasets.Dataset(table, info=info)


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table whose column types every reader (``datasets``, Parquet) takes.

    Why not ``pa.Table.from_pandas`` alone: a categorical column becomes a dictionary array, and an
    empty (or all-missing) one a ``dictionary<values=null>`` that ``datasets`` cannot cast; an
    all-missing object column becomes the ``null`` type. So categoricals are decoded to their
    category type (text when there are no categories) and ``null`` columns become text: an empty
    table keeps the types its columns declare. The pandas schema metadata is dropped so readers
    infer from the Arrow types, not from pandas' categorical bookkeeping.
    """
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [
        pa.field(field.name, _plain_type(field.type), nullable=True) for field in table.schema
    ]
    columns = [_decoded(column) for column in table.columns]
    return pa.Table.from_arrays(
        [column.cast(field.type) for column, field in zip(columns, fields)],
        schema=pa.schema(fields),
    )


def _plain_type(arrow_type: pa.DataType) -> pa.DataType:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    return pa.string() if pa.types.is_null(arrow_type) else arrow_type


def _decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow as pa

    if not pa.types.is_dictionary(column.type):
        return column
    chunks = [chunk.dictionary_decode() for chunk in column.chunks]
    return pa.chunked_array(chunks, type=column.type.value_type)
