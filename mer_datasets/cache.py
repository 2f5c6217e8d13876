"""Parquet cache of the four tables, keyed by source checksums, loader and model versions.

Why keyed so: a cache entry is valid exactly as long as the verified source bytes, the loader
that parsed them and the table model are the same; any change makes a new key and the old entry
is simply not found. Why a manifest written last, and Parquet page checksums: an entry is
written in a temporary folder and renamed into place in one step; a reader trusts only an entry
whose manifest exists and whose files have the recorded sizes, and reads every data page with its
CRC verified (``write_page_checksum`` / ``page_checksum_verification``). A crash mid-write, a
truncated file or flipped bytes are detected, the entry is removed, and the tables are rebuilt
from the sources. (The CRCs cost almost nothing, where re-hashing every file with sha256 on each
warm load would cost more than reading it.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .catalog import DatasetInfo, Version

from .tables import MODEL_VERSION, TABLE_NAMES, QuirksReport, Tables, restore_dtypes

MANIFEST = "manifest.json"


def cache_key(info: DatasetInfo, version: Version, source_sha256: Mapping[str, str]) -> str:
    """A stable key over everything that determines the tables: the version's catalog entry, the
    verified source checksums, its loader's ``LOADER_VERSION`` and the table model's version.

    Why here: the load pipeline and the CLI's pandas-free path
    (:mod:`mer_datasets.cached_agreement`) must find the same entry, so the key is computed in one
    place."""
    from .loaders.base import get_loader

    loader_version = get_loader(version.loader).LOADER_VERSION if version.loader else ""
    material = json.dumps(
        {
            "dataset": info.id,
            "version": version.version,
            "loader": version.loader,
            "loader_version": loader_version,
            "model_version": MODEL_VERSION,
            "options": dict(version.options),
            "files": dict(version.files),
            "sources": dict(sorted(source_sha256.items())),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def _checked_parquet(entry: Path, manifest: dict, name: str, **options: object) -> pq.ParquetFile:
    """One table's Parquet file of an entry, opened to verify every page's CRC on reading;
    ValueError when its size is not the one the manifest records (a truncated or swapped file)."""
    import pyarrow.parquet as pq

    path = entry / f"{name}.parquet"
    if path.stat().st_size != manifest["files"][path.name]["size"]:
        raise ValueError(f"{path.name} does not have the size the manifest records")
    return pq.ParquetFile(path, page_checksum_verification=True, **options)


class TableCache:
    """Cache entries under ``<root>/<key>/``: four Parquet files, quirks and a manifest."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def entry(self, key: str) -> Path:
        return self.root / key

    def read(self, key: str, dataset: str) -> tuple[Tables, QuirksReport] | None:
        """The cached tables, or None when absent or not intact (then the entry is removed)."""
        import pyarrow as pa

        entry = self.entry(key)
        manifest_path = entry / MANIFEST
        if not manifest_path.is_file():
            return None
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            frames = {}
            for name in TABLE_NAMES:
                table = _checked_parquet(entry, manifest, name).read(use_threads=False)
                frames[name] = restore_dtypes(name, table.to_pandas(use_threads=False))
            quirks = QuirksReport.from_records(
                dataset, manifest["quirks"], manifest.get("source_rows", {})
            )
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
            self._discard(entry, reason=str(exc))
            return None
        return Tables(**frames), quirks

    def read_columns(
        self, key: str, name: str, columns: Sequence[str], *, as_dictionary: Sequence[str] = ()
    ) -> pa.Table | None:
        """Some columns of one cached table as Arrow (no pandas; ``as_dictionary`` columns as
        dictionary arrays), or None when the entry is absent, not intact or lacks a column.
        Read-only: the full :meth:`read` discards a bad entry and rebuilds it."""
        import pyarrow as pa

        entry = self.entry(key)
        try:
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
            parquet = _checked_parquet(entry, manifest, name, read_dictionary=list(as_dictionary))
            if not set(columns) <= set(parquet.schema_arrow.names):
                return None
            return parquet.read(columns=list(columns), use_threads=False)
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            return None

    def write(self, key: str, tables: Tables, quirks: QuirksReport) -> Path | None:
        """Write an entry atomically; a failure leaves no entry and is not fatal to the load."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        entry = self.entry(key)
        if (entry / MANIFEST).is_file():
            return entry
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".tmp-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            staging.mkdir()
            files = {}
            for name, frame in tables.items():
                path = staging / f"{name}.parquet"
                table = pa.Table.from_pandas(frame, preserve_index=False)
                # uncompressed, dictionary-encoding only the low-cardinality category columns:
                # a warm load decodes ~40% faster and entries are small (annotation tables)
                categorical = [
                    c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)
                ]
                pq.write_table(
                    table,
                    path,
                    compression="none",
                    use_dictionary=categorical or False,
                    write_page_checksum=True,
                )
                files[path.name] = {"size": path.stat().st_size}
            manifest = {
                "key": key,
                "files": files,
                "quirks": quirks.to_records(),
                "source_rows": quirks.source_row_counts,
            }
            tmp_manifest = staging / (MANIFEST + ".tmp")
            tmp_manifest.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            os.replace(tmp_manifest, staging / MANIFEST)
            try:
                os.replace(staging, entry)
            except OSError:
                # another process won the race and wrote the same key: theirs is as good
                if (entry / MANIFEST).is_file():
                    shutil.rmtree(staging, ignore_errors=True)
                    return entry
                raise
            return entry
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            return None

    def _discard(self, entry: Path, reason: str) -> None:
        import logging

        logging.getLogger(__name__).warning(
            "cache entry %s is not intact (%s): rebuilding it from the source files", entry, reason
        )
        shutil.rmtree(entry, ignore_errors=True)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        if not self.root.is_dir():
            return 0
        entries = [p for p in self.root.iterdir() if p.is_dir()]
        for path in entries:
            shutil.rmtree(path, ignore_errors=True)
        return len(entries)
