"""Write the four tables out: Parquet (typed), CSV (portable), Hugging Face ``datasets``.

Why Parquet is the default: it keeps nullable integers, categoricals and UTC timestamps, so a
table written and read back is identical; CSV is offered for tools that need it and loses types.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
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


def to_hf(dataset: MERDataset) -> Any:
    """A ``datasets.DatasetDict`` with one entry per table, built from Arrow locally."""
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from .errors import MERDatasetsError

        raise MERDatasetsError(
            "to_hf() needs the Hugging Face `datasets` package: pip install 'mer-datasets[hf]'"
        ) from exc
    import pyarrow as pa

    parts = {}
    for name, frame in dataset.tables.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        parts[name] = datasets.Dataset(table)
    return datasets.DatasetDict(parts)
