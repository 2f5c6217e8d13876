"""Safe extraction of the members a loader needs from zip and tar(.gz/.bz2/.xz) archives.

Why not ``extractall``: an archive is untrusted input. Before anything is written the whole
listing is checked and the archive refused (:class:`UnsafeArchiveError`, naming the member) for
absolute paths, ``..`` traversal, links whose target leaves the extraction folder, device files
and FIFOs, duplicate member names, and bombs (too many members, a total uncompressed size above a
cap, or an uncompressed/compressed ratio above a limit; cf. CVE-2007-4559 and zip bombs).

Link policy: links that stay inside the archive are tolerated in the listing but never
extracted; only regular files are written, by streaming their bytes to paths we build ourselves,
so no link, permission bit or owner from the archive ever reaches the disk. Asking for a member
that is a link is refused.
"""

from __future__ import annotations

import lzma
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeVar

from ..errors import CorruptArchiveError, MERDatasetsError, UnsafeArchiveError
from .layout import member_candidates, safe_relative_parts

_T = TypeVar("_T")
COPY_CHUNK = 1 << 20
#: what the standard library raises for an unreadable archive (bad magic, truncation, CRC, ...)
UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    NotImplementedError,
    RuntimeError,  # an encrypted zip member
    ValueError,
)


@dataclass(frozen=True)
class ExtractionLimits:
    """Refuse archives beyond these; the ratio is only checked above ``ratio_floor_bytes``."""

    max_ratio: float = 200.0
    max_members: int = 100_000
    max_total_bytes: int = 64 * 1024**3
    ratio_floor_bytes: int = 1 << 20


@dataclass(frozen=True)
class ArchiveEntry:
    """One listed member: normalized name, original name, type and declared size."""

    name: str
    original: str
    kind: str  # file | dir | link
    size: int


def archive_kind(path: Path, declared: str | None = None) -> str:
    """``zip`` or ``tar`` (the catalog's ``kind``; sniffed from the bytes when not given)."""
    if declared in ("zip", "tar"):
        return declared
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except UNREADABLE:
        pass
    raise CorruptArchiveError(
        f"{path.name}: neither a zip nor a tar archive (an HTML page or a truncated download?)",
        archive=path.name,
    )


def _readable(archive: Path, action: Callable[[], _T]) -> _T:
    """Run ``action``; an unreadable archive becomes :class:`CorruptArchiveError` naming it."""
    try:
        return action()
    except MERDatasetsError:
        raise
    except UNREADABLE as exc:
        raise CorruptArchiveError(
            f"archive {archive.name} cannot be read ({type(exc).__name__}: {exc}); it is not a "
            "complete zip/tar file (a truncated download, an error page saved under its name, "
            "or a damaged copy)",
            archive=archive.name,
        ) from exc


def _refuse(archive: Path, member: str, reason: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        f"refusing archive {archive.name}: member {member!r} {reason}. The archive is not "
        "extracted; check where it came from.",
        member=member,
    )


def _normalize(archive: Path, raw: str) -> str:
    """Member name as a relative POSIX path, or refuse it."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _refuse(archive, raw, "has an absolute path")
    parts = [p for p in PurePosixPath(name).parts if p not in (".", "")]
    if ".." in parts:
        raise _refuse(archive, raw, "escapes the target folder with '..'")
    return "/".join(parts)


def _link_escapes(name: str, target: str, *, relative_to_member: bool) -> bool:
    target = target.replace("\\", "/")
    if target.startswith("/") or (len(target) > 1 and target[1] == ":"):
        return True
    base = posixpath.dirname(name) if relative_to_member else ""
    resolved = posixpath.normpath(posixpath.join(base, target))
    return resolved == ".." or resolved.startswith("../")


def inspect_archive(
    archive: Path, kind: str | None = None, limits: ExtractionLimits | None = None
) -> dict[str, ArchiveEntry]:
    """Check the whole listing; return entries by normalized name (directories included)."""
    limits = limits or ExtractionLimits()
    kind = archive_kind(archive, kind)
    reader = _zip_entries if kind == "zip" else _tar_entries
    entries = _readable(archive, lambda: reader(archive, limits))
    by_name: dict[str, ArchiveEntry] = {}
    total = 0
    for entry in entries:
        if entry.kind != "dir":
            if entry.name in by_name and by_name[entry.name].kind != "dir":
                raise _refuse(archive, entry.original, "appears more than once")
            total += entry.size
            if total > limits.max_total_bytes:
                raise _refuse(
                    archive,
                    entry.original,
                    f"brings the uncompressed total above the cap of {limits.max_total_bytes} bytes",
                )
            by_name[entry.name] = entry
        else:
            by_name.setdefault(entry.name, entry)
    compressed = max(archive.stat().st_size, 1)
    if total > limits.ratio_floor_bytes and total / compressed > limits.max_ratio:
        largest = max((e for e in by_name.values() if e.kind == "file"), key=lambda e: e.size)
        raise _refuse(
            archive,
            largest.original,
            f"is part of a likely archive bomb: {total} bytes uncompressed from {compressed} "
            f"bytes (ratio {total / compressed:.0f} > {limits.max_ratio:.0f})",
        )
    return by_name


def _count(archive: Path, count: int, limits: ExtractionLimits, name: str) -> None:
    if count > limits.max_members:
        raise _refuse(archive, name, f"exceeds the limit of {limits.max_members} members")


def _zip_entries(archive: Path, limits: ExtractionLimits) -> list[ArchiveEntry]:
    entries = []
    with zipfile.ZipFile(archive) as zf:
        for count, info in enumerate(zf.infolist(), start=1):
            _count(archive, count, limits, info.filename)
            name = _normalize(archive, info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                target = zf.read(info).decode("utf-8", "replace")
                if _link_escapes(name, target, relative_to_member=True):
                    raise _refuse(
                        archive, info.filename, f"is a link pointing outside ({target!r})"
                    )
                entries.append(ArchiveEntry(name, info.filename, "link", 0))
            elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
                raise _refuse(archive, info.filename, "is a device file or FIFO")
            elif info.is_dir():
                entries.append(ArchiveEntry(name, info.filename, "dir", 0))
            else:
                entries.append(ArchiveEntry(name, info.filename, "file", info.file_size))
    return entries


def _tar_entries(archive: Path, limits: ExtractionLimits) -> list[ArchiveEntry]:
    entries = []
    with tarfile.open(archive, "r:*") as tf:
        for count, info in enumerate(tf, start=1):
            _count(archive, count, limits, info.name)
            name = _normalize(archive, info.name)
            if info.issym() or info.islnk():
                if _link_escapes(name, info.linkname, relative_to_member=info.issym()):
                    kind = "symlink" if info.issym() else "hardlink"
                    raise _refuse(
                        archive, info.name, f"is a {kind} pointing outside ({info.linkname!r})"
                    )
                entries.append(ArchiveEntry(name, info.name, "link", 0))
            elif info.ischr() or info.isblk() or info.isfifo():
                raise _refuse(archive, info.name, "is a device file or FIFO")
            elif info.isdir():
                entries.append(ArchiveEntry(name, info.name, "dir", 0))
            elif info.isfile():
                entries.append(ArchiveEntry(name, info.name, "file", info.size))
            else:
                raise _refuse(archive, info.name, f"has an unsupported tar type {info.type!r}")
            tf.members = []  # stream: do not keep every TarInfo (member-count bombs)
    return entries


def extract_members(
    archive: Path,
    member_paths: Iterable[str],
    dest_dir: Path,
    *,
    kind: str | None = None,
    limits: ExtractionLimits | None = None,
) -> dict[str, Path]:
    """Write the wanted members (catalog paths) under ``dest_dir``; absent ones are left out.

    A member is found at its path or under one extra top-level folder; two candidates are an
    error (we cannot tell which one the catalog means).
    """
    limits = limits or ExtractionLimits()
    kind = archive_kind(archive, kind)
    entries = inspect_archive(archive, kind, limits)
    files = frozenset(name for name, entry in entries.items() if entry.kind != "dir")
    chosen: dict[str, ArchiveEntry] = {}
    for member in member_paths:
        candidates = member_candidates(member, files)
        if len(candidates) > 1:
            raise UnsafeArchiveError(
                f"archive {archive.name}: member {member!r} is ambiguous, found at "
                f"{', '.join(candidates)}",
                member=member,
            )
        if candidates:
            entry = entries[candidates[0]]
            if entry.kind == "link":
                raise _refuse(
                    archive, entry.original, "is a link; only regular files are extracted"
                )
            chosen[member] = entry
    check_free_space(archive, sum(e.size for e in chosen.values()), dest_dir)
    return _readable(archive, lambda: _write_chosen(archive, kind, chosen, dest_dir, limits))


#: bytes kept free when extracting (the same reserve as downloads keep)
EXTRACT_RESERVE_BYTES = 64 * 1024**2


def check_free_space(archive: Path, needed: int, dest_dir: Path) -> None:
    """Refuse to extract ``needed`` bytes (the listed sizes of the chosen members) into
    ``dest_dir`` when its disk has less free space plus a reserve; nothing is written.

    Why before extracting: a disk filled half-way through a 1.7 GB tar (an MTG-Jamendo audio
    archive) leaves a partial tree and a confusing ENOSPC; the listed sizes are known upfront
    (and bounded by :class:`ExtractionLimits`), so the error can name archive, need and space."""
    import shutil

    if needed <= 0:
        return
    probe = dest_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if free < needed + EXTRACT_RESERVE_BYTES:
        from ..errors import InsufficientSpaceError

        raise InsufficientSpaceError(
            f"extracting {archive.name} needs {needed} bytes but only {free} bytes are free in "
            f"{probe} (keeping {EXTRACT_RESERVE_BYTES} bytes in reserve). Free some space or set "
            "MER_DATASETS_HOME to a larger disk; the archive is kept and nothing was extracted.",
            archive=archive.name,
            needed=needed,
            free=free,
        )


def _write_chosen(
    archive: Path,
    kind: str,
    chosen: dict[str, ArchiveEntry],
    dest_dir: Path,
    limits: ExtractionLimits,
) -> dict[str, Path]:
    written: dict[str, Path] = {}
    budget = [limits.max_total_bytes]
    if kind == "zip":
        with zipfile.ZipFile(archive) as zf:
            for member, entry in chosen.items():
                target = dest_dir.joinpath(*safe_relative_parts(member))
                with zf.open(entry.original) as source:
                    _copy_bounded(source, target, entry, archive, budget)
                written[member] = target
    else:
        wanted = {entry.original: member for member, entry in chosen.items()}
        with tarfile.open(archive, "r:*") as tf:
            for info in tf:
                member = wanted.get(info.name)
                if member is not None:
                    target = dest_dir.joinpath(*safe_relative_parts(member))
                    source = tf.extractfile(info)
                    assert source is not None  # regular file, checked by inspect_archive
                    with source:
                        _copy_bounded(source, target, chosen[member], archive, budget)
                    written[member] = target
                tf.members = []
    return written


def extract_all(
    archive: Path,
    dest_dir: Path,
    *,
    kind: str | None = None,
    limits: ExtractionLimits | None = None,
) -> dict[str, Path]:
    """Every regular file of the archive (same checks), by its normalized name."""
    entries = inspect_archive(archive, kind, limits)
    names = [name for name, entry in entries.items() if entry.kind == "file"]
    return extract_members(archive, names, dest_dir, kind=kind, limits=limits)


def _copy_bounded(
    source: object, target: Path, entry: ArchiveEntry, archive: Path, budget: list[int]
) -> None:
    """Stream one member, refusing more bytes than declared (headers can lie)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with target.open("wb") as sink:
        while chunk := source.read(COPY_CHUNK):  # type: ignore[attr-defined]
            written += len(chunk)
            budget[0] -= len(chunk)
            if written > entry.size or budget[0] < 0:
                sink.close()
                target.unlink(missing_ok=True)
                raise _refuse(archive, entry.original, "holds more bytes than its header declares")
            try:
                sink.write(chunk)
            except OSError as exc:  # a full disk is not a corrupt archive
                sink.close()
                target.unlink(missing_ok=True)
                raise MERDatasetsError(
                    f"cannot write {target} while extracting {entry.original!r} from "
                    f"{archive.name}: {exc.strerror or exc}. Free some space and retry."
                ) from exc
