"""Moving files into (and out of) a version folder: accept, install atomically, quarantine.

Why one place for these steps: a file reaches ``files/<member path>`` only by ``os.replace``
from ``.tmp/`` after its hash was accepted, so a partial or corrupt file is never at a final
path; a final file that no longer verifies is moved to ``quarantine/<timestamp>-<name>``
(never deleted silently). ``store`` (downloads, mirrors) and ``ingest`` share these steps.
"""

from __future__ import annotations

import errno
import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..catalog import Member
from ..errors import ChecksumMismatchError, MERDatasetsError
from .layout import VersionLayout
from .state import (
    FileRecord,
    check_how,
    now_utc,
    read_state,
    record_file,
    state_is_damaged,
    write_state,
)
from .verify import CorruptFileWarning, check_pin, sha256_file


@dataclass
class VersionStore:
    """One dataset version's folder plus its state record, used while holding the lock."""

    layout: VersionLayout
    records: dict[str, FileRecord] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    #: records accepted inside :meth:`batch` and not yet written to ``state.json``
    pending: dict[str, FileRecord] = field(default_factory=dict)
    batching: int = 0

    #: inside a batch, ``state.json`` is still written every this many records (crash loss bound)
    BATCH_FLUSH = 256

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Write ``state.json`` once for many records (an archive's members), not per record.

        Why: the record is one JSON document rewritten atomically; per-member writes make
        installing an archive of n members O(n^2) (900 4QAED clips took ~40 s, MTG-Jamendo's
        18,486 tracks would take hours). A crash inside the batch loses at most the unwritten
        records: those files are verified again (and re-recorded) on the next run."""
        self.batching += 1
        try:
            yield
        finally:
            self.batching -= 1
            if not self.batching:
                self.flush()

    def flush(self) -> None:
        """Write the pending records (merged into the current ``state.json``)."""
        if not self.pending:
            return
        on_disk = read_state(self.layout.state_path)
        on_disk.update(self.pending)
        write_state(self.layout.state_path, on_disk)
        self.pending.clear()

    @classmethod
    def open(cls, layout: VersionLayout) -> VersionStore:
        """The version folder and its records; a damaged ``state.json`` is set aside (rebuilt)."""
        layout.root.mkdir(parents=True, exist_ok=True)
        store = cls(layout, read_state(layout.state_path))
        if not store.records and state_is_damaged(layout.state_path):
            store.quarantine(
                layout.state_path,
                "state.json",
                f"{layout.state_path} is not a valid mer-datasets state record (wrong shape, too "
                "deep or too large); it is treated as absent and every file is verified again.",
            )
        return store

    def recorded(self, key: str) -> str | None:
        record = self.records.get(key)
        return record.sha256 if record else None

    def record(self, key: str, path: Path, sha256: str, how: str, source: str) -> None:
        stat = path.stat()
        if self.batching:
            record = FileRecord(
                sha256=sha256,
                size=stat.st_size,
                how=how,
                source=source,
                verified_at=now_utc(),
                mtime_ns=stat.st_mtime_ns,
            )
            check_how(how)
            self.records[key] = self.pending[key] = record
            if len(self.pending) >= self.BATCH_FLUSH:
                self.flush()
            return
        self.records[key] = record_file(
            self.layout.state_path,
            key,
            sha256=sha256,
            size=stat.st_size,
            how=how,
            source=source,
            mtime_ns=stat.st_mtime_ns,
        )

    def forget(self, key: str) -> None:
        """Drop the record of a file that was set aside, so a fresh copy is judged afresh."""
        self.pending.pop(key, None)
        if self.records.pop(key, None) is not None:
            write_state(self.layout.state_path, self.records)

    def quarantine(self, path: Path, name: str, reason: str) -> Path:
        """Move a file that failed verification aside and say so (CorruptFileWarning).

        Why bounded: every refused file would otherwise stay forever. A file larger than the
        quarantine's byte cap is deleted instead of kept; after each move the oldest entries are
        deleted until at most ``max_files`` and ``max_bytes`` remain (:class:`QuarantinePolicy`).
        """
        policy = QUARANTINE
        self.layout.quarantine_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        flat = name.replace("/", "__")
        target = self.layout.quarantine_dir / f"{stamp}-{flat}"
        counter = 1
        while target.exists():
            counter += 1
            target = self.layout.quarantine_dir / f"{stamp}-{counter}-{flat}"
        self.quarantined.append(name)
        size = path.stat().st_size
        if size > policy.max_bytes:
            path.unlink(missing_ok=True)
            warnings.warn(
                CorruptFileWarning(
                    f"{reason} Deleted, not kept: {size} bytes is more than the quarantine cap "
                    f"of {policy.max_bytes} bytes."
                ),
                stacklevel=3,
            )
            return target
        os.replace(path, target)
        rotated = _rotate(self.layout.quarantine_dir, policy, keep=target)
        note = f" ({rotated} older quarantined file(s) deleted to stay within the cap)"
        warnings.warn(
            CorruptFileWarning(f"{reason} Moved to {target}.{note if rotated else ''}"),
            stacklevel=3,
        )
        return target

    def check_local_member(
        self, dataset_id: str, member: Member, *, warn: bool = True
    ) -> tuple[Path, str] | None:
        """(final path, sha256) if the member is at its final path and verifies, else None.

        A final file that fails its pin (or its recorded first-use hash) is quarantined; a file
        found in place without a record is recorded now (trust on first use).
        """
        final = self.layout.member_path(member.path)
        if not final.is_file():
            return None
        actual = sha256_file(final)
        try:
            check_pin(
                member.path,
                actual,
                expected=member.sha256,
                checksum_source=member.checksum_source,
                recorded=self.recorded(member.path),
                checksum_note=member.checksum_note,
                dataset_id=dataset_id,
                warn=warn,
            )
        except ChecksumMismatchError as mismatch:
            self.quarantine(final, member.path, f"{mismatch}")
            return None
        if self.recorded(member.path) is None:
            self.record(member.path, final, actual, "ingest", f"found in place at {final}")
        return final, actual

    def accept(
        self,
        dataset_id: str,
        temp: Path,
        member: Member,
        *,
        how: str,
        source: str,
    ) -> tuple[Path, str]:
        """Verify a temp file against the member's pin; install it at its final path.

        On a refused hash the temp file goes to quarantine and the error says where.
        """
        actual = sha256_file(temp)
        self.check_or_quarantine(dataset_id, temp, member.path, actual, member)
        final = self.layout.member_path(member.path)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        self.record(member.path, final, actual, how, source)
        return final, actual

    def check_or_quarantine(
        self, dataset_id: str, temp: Path, key: str, actual: str, pin: Member
    ) -> str:
        """check_pin; on mismatch move ``temp`` to quarantine and re-raise with its location."""
        try:
            return check_pin(
                key,
                actual,
                expected=pin.sha256,
                checksum_source=pin.checksum_source,
                recorded=self.recorded(key),
                checksum_note=pin.checksum_note,
                dataset_id=dataset_id,
            )
        except ChecksumMismatchError as mismatch:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CorruptFileWarning)
                where = self.quarantine(temp, key, str(mismatch))
            raise ChecksumMismatchError(
                f"{mismatch} The rejected copy was moved to {where}.",
                path=mismatch.path,
                expected=mismatch.expected,
                actual=mismatch.actual,
                checksum_source=mismatch.checksum_source,
            ) from None


@dataclass(frozen=True)
class QuarantinePolicy:
    """How much one version's ``quarantine/`` may hold (oldest entries are deleted first)."""

    max_files: int = 20
    max_bytes: int = 2 * 1024**3


#: the policy in force (tests and constrained machines may replace it)
QUARANTINE = QuarantinePolicy()


def _rotate(folder: Path, policy: QuarantinePolicy, *, keep: Path) -> int:
    """Delete the oldest quarantined files beyond the policy's limits; return how many."""
    entries = []
    for child in folder.iterdir():
        try:
            stat = child.stat()
        except OSError:
            continue
        if child.is_file():
            entries.append((child.name, stat.st_size, child))
    entries.sort(reverse=True)  # names start with a UTC timestamp: newest first
    kept_files = 0
    kept_bytes = 0
    deleted = 0
    for _name, size, child in entries:
        if child == keep or (
            kept_files + 1 <= policy.max_files and kept_bytes + size <= policy.max_bytes
        ):
            kept_files += 1
            kept_bytes += size
            continue
        child.unlink(missing_ok=True)
        deleted += 1
    return deleted


def copy_to_temp(source: Path, temp: Path, *, label: str = "") -> Path:
    """Copy (never move) a user's or a mirror's file into ``.tmp`` before verifying it.

    A failed copy (a full disk, an unreadable source) leaves no partial copy and is a typed
    error naming ``label`` (dataset and file) and both paths."""
    try:
        temp.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, temp)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        what = "no space left on the device" if exc.errno == errno.ENOSPC else exc.strerror
        raise MERDatasetsError(
            f"{label + ': ' if label else ''}cannot copy {source} to {temp}: {what or exc}. "
            "Nothing was kept."
        ) from exc
    return temp


def archive_pin(
    remote_filename: str, sha256: str | None, checksum_source: str, note: str | None
) -> Member:
    """The pin of an archive as a Member keyed ``downloads/<filename>`` in ``state.json``."""
    return Member(
        path=f"downloads/{remote_filename}",
        size=None,
        sha256=sha256,
        checksum_source=checksum_source,
        checksum_note=note,
    )
