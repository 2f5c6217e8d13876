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

Why the footer and schema are checked too: page CRCs cover data pages only, so a flipped byte in a
Parquet footer (the schema, column names and types, row-group offsets) used to pass: a column came
back renamed ``spotifx_key``. The manifest records each file's footer digest, its schema (column
names and Arrow types) and its whole-file sha256; opening a file checks its size, footer digest
and schema (a few KB read), and a full load also checks the whole-file digest (the file's bytes
are read once, hashed and parsed from memory). A manifest of the wrong shape (any JSON not
written by this module, however nested) is not intact either. Any mismatch: the entry is never
trusted and is rebuilt.

Why leftovers are cleaned on the next write: a process killed while writing leaves its staging
folder ``.tmp-<key>-<pid>-<random>``; the next write removes those whose process is gone.
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
MANIFEST_FORMAT = 2  # 2: per-file footer digest, schema and sha256 (format 1 entries are rebuilt)
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_FOOTER_TAIL = 8  # a Parquet file ends with the footer's length (4 bytes, little endian) + b"PAR1"


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


def _footer_digest(data: bytes | None, path: Path) -> str:
    """sha256 of a Parquet file's footer (metadata, its length and the closing magic), read from
    ``data`` when given, else from the file's last bytes; ValueError when there is none."""
    if data is None:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size < 2 * _FOOTER_TAIL:
                raise ValueError(f"{path.name} is too short to be Parquet")
            handle.seek(size - _FOOTER_TAIL)
            tail = handle.read(_FOOTER_TAIL)
            length = int.from_bytes(tail[:4], "little")
            if tail[4:] != b"PAR1" or length > size - _FOOTER_TAIL - 4:
                raise ValueError(f"{path.name} has no Parquet footer")
            handle.seek(size - _FOOTER_TAIL - length)
            return hashlib.sha256(handle.read(length + _FOOTER_TAIL)).hexdigest()
    tail = data[-_FOOTER_TAIL:]
    length = int.from_bytes(tail[:4], "little")
    if len(data) < 2 * _FOOTER_TAIL or tail[4:] != b"PAR1" or length > len(data) - 12:
        raise ValueError(f"{path.name} has no Parquet footer")
    return hashlib.sha256(data[-(length + _FOOTER_TAIL) :]).hexdigest()


def _schema_of(schema: pa.Schema) -> list[list[str]]:
    """Column names and Arrow types, as recorded in the manifest."""
    return [[field.name, str(field.type)] for field in schema]


def _checked_parquet(
    entry: Path, manifest: dict, name: str, *, whole_file: bool = False, **options: object
) -> pq.ParquetFile:
    """One table's Parquet file of an entry, opened to verify every page's CRC on reading.

    ValueError, naming what differs, when the file's size, footer digest or schema is not the
    one the manifest records (a truncated, swapped or bit-flipped file); with ``whole_file``,
    also its sha256 (the file is then read once into memory and parsed from there)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = entry / f"{name}.parquet"
    recorded = manifest["files"][path.name]
    if path.stat().st_size != recorded["size"]:
        raise ValueError(f"{path.name} does not have the size the manifest records")
    data = path.read_bytes() if whole_file else None
    if data is not None and hashlib.sha256(data).hexdigest() != recorded["sha256"]:
        raise ValueError(f"{path.name} does not have the sha256 the manifest records")
    if _footer_digest(data, path) != recorded["footer_sha256"]:
        raise ValueError(f"{path.name}: the Parquet footer differs from the one written")
    source = pa.BufferReader(data) if data is not None else path
    parquet = pq.ParquetFile(source, page_checksum_verification=True, **options)
    # the stored schema, not ``schema_arrow``: ``read_dictionary`` changes the latter's types
    if _schema_of(parquet.schema.to_arrow_schema()) != recorded["schema"]:
        raise ValueError(
            f"{path.name}: the schema (column names or types) differs from the manifest"
        )
    return parquet


def _read_manifest(entry: Path, key: str) -> dict:
    """The entry's manifest, checked to have the shape :meth:`TableCache.write` gives it.

    ValueError (or OSError) for anything else: wrong JSON types, another key or format, nesting
    too deep to parse (RecursionError), an oversized file. The caller treats it as no entry."""
    path = entry / MANIFEST
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise ValueError(f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ValueError(f"{MANIFEST} is nested too deeply to be a cache manifest") from None
    problem = _manifest_problem(manifest, key)
    if problem:
        raise ValueError(f"{MANIFEST} is not a cache manifest of this version: {problem}")
    return manifest


def _manifest_problem(manifest: object, key: str) -> str | None:
    """What is wrong with the shape of a parsed manifest, or None."""
    if not isinstance(manifest, dict):
        return "not a JSON object"
    if manifest.get("format") != MANIFEST_FORMAT:
        return f"format {manifest.get('format')!r}, expected {MANIFEST_FORMAT}"
    if manifest.get("key") != key:
        return "written for another key"
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {f"{name}.parquet" for name in TABLE_NAMES}:
        return "'files' does not list the four tables"
    for name, facts in files.items():
        if not (
            isinstance(facts, dict)
            and type(facts.get("size")) is int
            and isinstance(facts.get("sha256"), str)
            and isinstance(facts.get("footer_sha256"), str)
            and isinstance(facts.get("schema"), list)
            and all(
                isinstance(column, list)
                and len(column) == 2
                and all(isinstance(part, str) for part in column)
                for column in facts["schema"]
            )
        ):
            return f"the record of {name} lacks size, digests or schema"
    quirks = manifest.get("quirks")
    if not isinstance(quirks, list) or not all(_is_quirk(q) for q in quirks):
        return "'quirks' is not a list of quirk records"
    rows = manifest.get("source_rows", {})
    if not isinstance(rows, dict) or not all(
        isinstance(k, str) and type(v) is int for k, v in rows.items()
    ):
        return "'source_rows' is not a mapping of file to row count"
    return None


def _is_quirk(record: object) -> bool:
    return (
        isinstance(record, dict)
        and all(isinstance(record.get(k), str) for k in ("kind", "reason", "effect"))
        and type(record.get("count")) is int
        and (record.get("file") is None or isinstance(record.get("file"), str))
        and isinstance(record.get("examples") or [], list)
    )


def _stale_staging(root: Path) -> list[Path]:
    """Staging folders ``.tmp-<key>-<pid>-<random>`` whose writing process no longer runs."""
    stale = []
    for path in root.glob(".tmp-*"):
        parts = path.name.split("-")
        if len(parts) != 4 or not parts[2].isdigit() or not path.is_dir():
            continue
        pid = int(parts[2])
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stale.append(path)
        except (PermissionError, OverflowError, OSError):
            continue  # alive under another user, or not a pid we can ask about
    return stale


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
            manifest = _read_manifest(entry, key)
            frames = {}
            for name in TABLE_NAMES:
                parquet = _checked_parquet(entry, manifest, name, whole_file=True)
                table = parquet.read(use_threads=False)
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
            manifest = _read_manifest(entry, key)
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
        staging = self.root / f".tmp-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)  # inside: a read-only home is not fatal
            for leftover in _stale_staging(self.root):
                shutil.rmtree(leftover, ignore_errors=True)
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
                data = path.read_bytes()
                files[path.name] = {
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "footer_sha256": _footer_digest(data, path),
                    "schema": _schema_of(pq.read_schema(pa.BufferReader(data))),
                }
            manifest = {
                "format": MANIFEST_FORMAT,
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
        except (OSError, ValueError, pa.ArrowException):
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
