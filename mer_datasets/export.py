"""Write the four tables out: Parquet (typed), CSV (portable), Hugging Face ``datasets``.

Why Parquet is the default: it keeps nullable integers, categoricals and UTC timestamps, so a
table written and read back is identical; CSV is offered for tools that need it and loses types.
"""

from __future__ import annotations

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
    audio: bool = False,
    audio_group: str = "audio",
    decode: bool = False,
    sampling_rate: int | None = None,
) -> Any:
    """A ``datasets.DatasetDict`` with one entry per table, built from Arrow locally.

    ``audio=True`` adds an ``audio`` column of type ``datasets.Audio`` to the ``tracks`` split:
    the verified local file of each track (fetched first unless the dataset was loaded offline;
    offline, a file never downloaded raises :class:`~mer_datasets.errors.OfflineError` naming the
    download command). See :func:`with_audio_column` for ``audio_group``, ``decode`` and
    ``sampling_rate``."""
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from .errors import MERDatasetsError

        raise MERDatasetsError(
            "to_hf() needs the Hugging Face `datasets` package: pip install 'mer-datasets[hf]'"
        ) from exc
    parts = {name: datasets.Dataset(arrow_table(frame)) for name, frame in dataset.tables.items()}
    if audio:
        parts["tracks"] = with_audio_column(
            dataset,
            parts["tracks"],
            group=audio_group,
            decode=decode,
            sampling_rate=sampling_rate,
        )
    return datasets.DatasetDict(parts)


def with_audio_column(
    dataset: MERDataset,
    tracks: Any,
    *,
    group: str = "audio",
    decode: bool = False,
    sampling_rate: int | None = None,
) -> Any:
    """The ``tracks`` split (a ``datasets.Dataset`` with ``track_id``) plus an ``audio`` column.

    Why on ``tracks``: audio belongs to a track, and the other tables join to it by
    ``track_id``. The files are fetched and verified in one call for all tracks (only the
    archives they need), and the column holds their local paths, cast to
    ``datasets.Audio(sampling_rate, decode)``; ``decode=False`` by default because recent
    ``datasets`` releases decode through torchcodec, which is not a dependency here. A track the
    asset group has no file for keeps its row with ``audio`` missing, and a warning counts them.
    ``group`` picks an audio variant (MTG-Jamendo's ``audio-low``)."""
    import warnings

    import datasets

    from .assets._resolve import resolve
    from .assets.audio import has_audio
    from .download.assets import ensure_asset_files
    from .errors import AssetError

    info, version = resolve(dataset)
    chosen = info.version(version).asset(group, dataset_id=info.id)
    if chosen.kind != "audio":
        raise AssetError(f"dataset {info.id!r}: asset group {group!r} is not audio")
    if "audio" in tracks.column_names:
        raise AssetError(f"dataset {info.id!r}: the tracks table already has an 'audio' column")
    ids = [str(t) for t in tracks["track_id"]]
    known = [t for t in ids if has_audio(chosen, t)]
    source = {key: getattr(dataset, key, None) for key in ("data_home", "mirror", "offline")}
    files = ensure_asset_files(info, version, group, known, **source) if known else None
    paths: list[str | None] = []
    missing = []
    for track in ids:
        member = chosen.member_for(track) if track in known else None
        local = files.members.get(member) if files is not None and member else None
        paths.append(str(local) if local is not None else None)
        if local is None:
            missing.append(track)
    if missing:
        warnings.warn(
            f"dataset {info.id!r}: {len(missing)} of {len(ids)} tracks have no file in asset "
            f"group {group!r}; their 'audio' is missing (e.g. {', '.join(missing[:5])})",
            stacklevel=2,
        )
    table = tracks.add_column("audio", paths)
    return table.cast_column("audio", datasets.Audio(sampling_rate=sampling_rate, decode=decode))


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
