"""``state.json``: what was verified in one dataset version folder, and how it got there.

Why a record: it holds the trust-on-first-use hashes of unpinned files (so ``verify`` notices a
later change) and tells a user where each file came from (download, mirror, ingest, embedded).
It is rewritten atomically (temp file + ``os.replace``) so a crash never leaves half a record.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

STATE_FORMAT = 1
MAX_STATE_BYTES = 64 * 1024 * 1024
_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "sha256": str,
    "size": int,
    "how": str,
    "source": str,
    "verified_at": str,
    "mtime_ns": int,
}
_REQUIRED = frozenset({"sha256", "size", "how", "source", "verified_at"})
HOW_VALUES = ("download", "mirror", "ingest", "embedded")


@dataclass(frozen=True)
class FileRecord:
    """One verified file: member path (or ``downloads/<filename>`` for an archive) -> facts."""

    sha256: str
    size: int
    how: str
    source: str
    verified_at: str
    mtime_ns: int | None = None  # of the file when it was verified: lets a load skip re-hashing


def now_utc() -> str:
    """ISO 8601 UTC timestamp, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def read_state(state_path: Path) -> dict[str, FileRecord]:
    """Records by path; an absent file means nothing was verified yet.

    A record of the wrong shape (not JSON, a list, deeply nested, fields of the wrong type, or
    larger than ``MAX_STATE_BYTES``) is treated as absent, never a crash: every file is then
    re-verified against the catalog and the record rebuilt (see ``state_is_damaged``).
    """
    try:
        with state_path.open("rb") as handle:
            raw = handle.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError:
        return {}
    records = _parse_records(raw)
    return records if records is not None else {}


def state_is_damaged(state_path: Path) -> bool:
    """True when ``state.json`` exists but is not a well-formed record (treated as absent)."""
    try:
        with state_path.open("rb") as handle:
            raw = handle.read(MAX_STATE_BYTES + 1)
    except OSError:
        return False
    return _parse_records(raw) is None


def _parse_records(raw: bytes) -> dict[str, FileRecord] | None:
    if len(raw) > MAX_STATE_BYTES:
        return None
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("files"), dict):
        return None
    records = {}
    for path, fields in document["files"].items():
        if not isinstance(fields, dict) or set(fields) - _FIELD_TYPES.keys():
            return None
        for name, types in _FIELD_TYPES.items():
            value = fields.get(name)
            if name in _REQUIRED and value is None:
                return None
            if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
                return None
        records[path] = FileRecord(**fields)
    return records


def write_state(state_path: Path, records: dict[str, FileRecord]) -> None:
    """Write all records atomically."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": STATE_FORMAT,
        "files": {path: asdict(records[path]) for path in sorted(records)},
    }
    handle, temp_name = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=state_path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, state_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def check_how(how: str) -> None:
    """``how`` a file came to be recorded must be one of :data:`HOW_VALUES`."""
    if how not in HOW_VALUES:
        raise ValueError(f"how must be one of {HOW_VALUES}, not {how!r}")


def record_file(
    state_path: Path,
    path: str,
    *,
    sha256: str,
    size: int,
    how: str,
    source: str,
    mtime_ns: int | None = None,
) -> FileRecord:
    """Add or replace the record of one file (read-modify-write under the dataset lock)."""
    check_how(how)
    records = read_state(state_path)
    record = FileRecord(
        sha256=sha256, size=size, how=how, source=source, verified_at=now_utc(), mtime_ns=mtime_ns
    )
    records[path] = record
    write_state(state_path, records)
    return record
