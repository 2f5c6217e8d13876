"""Judgments straight from a dataset's Parquet cache, without pandas: the CLI's fast path.

Why here and not in :mod:`mer_datasets.agreement`: it reads the cache and the download state,
which sit beside the statistics, and the statistics never import upward
(``tests/test_import_layers.py``); the cache key is the cache's own (:func:`~mer_datasets.cache.cache_key`).

Why: ``mer-datasets agreement ID`` must answer in well under a second, and importing pandas alone
takes about 0.8 s on the reference machine (benchmarks/results/cli.md). When the dataset's files
were verified before (unchanged size and mtime, :func:`~mer_datasets.download.verified.verified_files`)
and its cache entry exists, the annotation columns are read with pyarrow (page checksums
verified) into numpy and handed to :func:`~mer_datasets.agreement.records.agreement_records`, the
code the DataFrame API runs. In every other case (first load, changed or damaged files, a
damaged entry) :func:`cached_judgments` returns None and the caller takes the full path, which
downloads, verifies, rebuilds and repairs as usual.

pyarrow converts some arrays to numpy through pandas (``to_numpy`` on integer arrays with
``zero_copy_only=False``, ``is_null``, ``fill_null``) and its compute module costs 50 ms to
import, so strings are read as dictionaries by the Parquet reader (whose dictionaries list the
values in order of first appearance, the order of ``pandas.factorize``) and values and validity
are taken from the Arrow buffers directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .agreement.judgments import MISSING_ORDER, Coded, Judgments

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from .catalog import DatasetInfo, Version

#: Annotation columns the agreement records need (docs/dev/contracts.md).
COLUMNS: tuple[str, ...] = ("track_id", "rater_id", "dimension", "value", "label", "timestamp")
#: Nanoseconds per unit of an Arrow timestamp.
_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
#: The string columns among them, read as Arrow dictionaries.
CODED: tuple[str, ...] = ("track_id", "rater_id", "dimension", "label")


def cached_judgments(
    info: DatasetInfo, version: Version, *, data_home: str | Path | None = None
) -> Judgments | None:
    """The cached annotations of ``info`` at ``version`` as :class:`Judgments`, or None when the
    files are not known to be verified and unchanged or the cache entry is absent or damaged."""
    found = cached_judgments_with(info, version, (), data_home=data_home)
    return None if found is None else found[0]


def cached_judgments_with(
    info: DatasetInfo,
    version: Version,
    extra: tuple[str, ...],
    *,
    data_home: str | Path | None = None,
) -> tuple[Judgments, dict[str, Coded]] | None:
    """:func:`cached_judgments` and the ``extra`` annotation columns as codes (e.g. the column
    that tells a dataset's rating protocols apart), or None as there."""
    from .cache import TableCache, cache_key
    from .download.verified import verified_files

    if not version.loader:
        return None
    files = verified_files(info, version.version, data_home=data_home)
    if files is None:
        return None
    columns = (*COLUMNS, *(c for c in extra if c not in COLUMNS))
    table = TableCache(files.root / "cache").read_columns(
        cache_key(info, version, files.sha256), "annotations", columns,
        as_dictionary=(*CODED, *(c for c in extra if c not in CODED)),
    )  # fmt: skip
    if table is None:
        return None
    try:
        judgments = judgments_from_arrow(table)
        table = table.unify_dictionaries()
        coded = {name: _coded(table.column(name).combine_chunks()) for name in extra}
    except TypeError:  # columns of another type than this model writes: take the full path
        return None
    return judgments, coded


def judgments_from_arrow(table: pa.Table) -> Judgments:
    """:class:`Judgments` of an Arrow table of canonical annotation columns, the string columns
    read as dictionaries: codes as ``pandas.factorize`` gives them (first appearance; -1 for
    missing)."""
    import pyarrow as pa

    table = table.unify_dictionaries()  # one dictionary per column, values in order of appearance

    def column(name: str) -> Any:
        return table.column(name).combine_chunks()

    stamps = column("timestamp")
    if not pa.types.is_timestamp(stamps.type):
        raise TypeError(f"expected a timestamp column, got {stamps.type}")
    order = _numbers(stamps, np.int64, MISSING_ORDER)
    if stamps.type.unit != "ns":  # a cache written by another pandas: same order, scaled
        order = np.where(order == MISSING_ORDER, order, order * _PER_UNIT[stamps.type.unit])
    values = column("value")
    if not pa.types.is_floating(values.type):
        raise TypeError(f"expected a floating-point value column, got {values.type}")
    return Judgments(
        item=_coded(column("track_id")).codes,
        rater=_coded(column("rater_id")).codes,
        dimension=_coded(column("dimension")),
        value=_numbers(values, np.dtype(f"float{values.type.bit_width}"), np.nan).astype(
            np.float64
        ),
        label=_coded(column("label")),
        order=order,
    )


def _valid(array: pa.Array) -> np.ndarray:
    """Validity of every element, from the Arrow validity bitmap."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + len(array)].astype(bool)


def _numbers(array: pa.Array, dtype: Any, missing: Any) -> np.ndarray:
    """A fixed-width Arrow array as numpy (a copy), ``missing`` where null."""
    size = np.dtype(dtype).itemsize
    if len(array) == 0:
        return np.empty(0, dtype=dtype)
    out = np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * size
    ).copy()
    if array.null_count:
        out[~_valid(array)] = missing
    return out


def _coded(array: pa.Array) -> Coded:
    """The codes and values of a dictionary array (-1 where null)."""
    import pyarrow as pa

    if not pa.types.is_dictionary(array.type):
        raise TypeError(f"expected a dictionary column, got {array.type}")
    indices = array.indices
    codes = _numbers(indices, np.dtype(f"int{indices.type.bit_width}"), -1).astype(np.intp)
    return Coded(codes, np.array(array.dictionary.to_pylist(), dtype=object))
