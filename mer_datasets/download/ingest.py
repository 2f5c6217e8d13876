"""Register files obtained by hand (gated data, lab copies): find, verify, copy into the store.

Why copy and not move or link: the user's folder stays untouched, and the data home holds its
own verified copy that a later ``verify`` can check. Every required member is located first
(at its member path, under exactly one extra top-level folder, as the downloaded file itself, or
inside the remote's archive ``<dir>/<filename>``); if any is missing nothing is copied and the
error lists exactly which member paths were not found and where we looked.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import DatasetInfo, DirectoryMember, Member, Remote
from ..config import resolve_data_home
from ..errors import ChecksumMismatchError, CorruptArchiveError, IngestError, MERDatasetsError
from .directories import list_directory, local_listing
from .extract import ExtractionLimits, extract_members, inspect_archive
from .install import VersionStore, archive_pin, copy_to_temp
from .layout import VersionLayout, safe_filename, safe_join, safe_relative_parts
from .lock import dataset_lock
from .verify import ENFORCED_SOURCES, check_pin, sha256_file


@dataclass
class IngestSummary:
    """What ``ingest_dataset`` registered."""

    dataset_id: str
    version: str
    root: Path
    source_dir: Path
    ingested: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"dataset {self.dataset_id!r} version {self.version}: ingested "
            f"{len(self.ingested)} file(s) from {self.source_dir} into {self.root / 'files'}"
            + (f" ({len(self.already_present)} already verified)" if self.already_present else "")
        )


@dataclass(frozen=True)
class _Found:
    member: Member
    path: Path | None = None  # a loose file
    archive: Path | None = None  # or inside this archive
    remote: Remote | None = None


def ingest_dataset(
    info: DatasetInfo,
    source_dir: str | os.PathLike[str],
    version: str | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
    limits: ExtractionLimits | None = None,
) -> IngestSummary:
    """Verify and copy every required member found under ``source_dir`` into the data home."""
    chosen = info.version(version)
    source = Path(source_dir).expanduser()
    if info.access == "embedded":
        raise MERDatasetsError(f"dataset {info.id!r} is embedded in the package; nothing to ingest")
    if not source.is_dir():
        raise IngestError(f"dataset {info.id!r}: {source} is not a directory")
    if not any(remote.required_members() for remote in chosen.remotes):
        raise IngestError(
            f"dataset {info.id!r} version {chosen.version}: the catalog lists no files for it "
            "(listed for reference only, no loader yet): there is nothing to ingest"
        )
    layout = VersionLayout(resolve_data_home(data_home), info.id, chosen.version)
    summary = IngestSummary(info.id, chosen.version, layout.root, source)
    with dataset_lock(layout.lock_path, dataset_id=info.id):
        store = VersionStore.open(layout)
        plan: list[_Found] = []
        not_found: list[tuple[str, str]] = []
        for remote in chosen.remotes:
            for member in remote.required_members():
                local = store.check_local_member(info.id, member, warn=False)
                if local is not None and not _off_pin(member, local[1]):
                    summary.already_present.append(member.path)
                    continue
                found = _locate(info, source, remote, member)
                if local is not None:
                    # Kept despite a third-party pin mismatch: replace it by a copy that
                    # matches the pin, if the folder holds one; otherwise keep it.
                    if found is not None and _matches_pin(found):
                        plan.append(found)
                    else:
                        summary.already_present.append(member.path)
                    continue
                if found is not None:
                    plan.append(found)
                elif not member.optional:
                    not_found.append((member.path, _where_looked(source, remote, member)))
            for directory in remote.directories:
                listed = _locate_directory(info, source, remote, directory, limits)
                if listed is None:
                    if not directory.optional:
                        where = f"{source / directory.path}, {source / '*' / directory.path}"
                        not_found.append((f"{directory.path}/{directory.pattern}", where))
                    continue
                for found in listed:
                    if store.check_local_member(info.id, found.member, warn=False) is not None:
                        summary.already_present.append(found.member.path)
                    else:
                        plan.append(found)
        if not_found:
            listing = "\n".join(f"  - {path}  (looked for {where})" for path, where in not_found)
            raise IngestError(
                f"dataset {info.id!r} version {chosen.version}: {len(not_found)} required "
                f"file(s) not found under {source}:\n{listing}\nNothing was copied."
            )
        if not plan and not summary.already_present:
            raise IngestError(
                f"dataset {info.id!r} version {chosen.version}: none of its files was found "
                f"under {source} (all are optional, and none is there); nothing was copied"
            )
        with store.batch():  # one state.json write for all installed files
            summary.ingested.extend(_install_all(info, store, plan, limits or ExtractionLimits()))
    return summary


def _locate_directory(
    info: DatasetInfo,
    source: Path,
    remote: Remote,
    directory: DirectoryMember,
    limits: ExtractionLimits | None,
) -> list[_Found] | None:
    """The files of a directory member: loose under ``source``, else in the remote's archive."""
    listed = list_directory(info.id, directory, local_listing(source, directory), where=str(source))
    if listed is not None:
        return [_Found(f.member, path=safe_join(source, f.found_as)) for f in listed]
    named = safe_join(source, safe_filename(remote.filename))
    if remote.kind == "file" or not named.is_file():
        return None
    try:
        entries = inspect_archive(named, remote.kind, limits)
    except CorruptArchiveError as unreadable:
        raise CorruptArchiveError(
            f"dataset {info.id!r}, file {named}: {unreadable}. Your copy was left as it is; "
            "download it again.",
            archive=str(named),
        ) from unreadable
    files = [name for name, entry in entries.items() if entry.kind != "dir"]
    listed = list_directory(info.id, directory, files, where=f"archive {named}")
    if listed is None:
        return None
    return [_Found(f.member, archive=named, remote=remote) for f in listed]


def _off_pin(member: Member, actual: str) -> bool:
    """True when a kept file differs from a (third-party) catalog pin."""
    return member.sha256 is not None and actual != member.sha256.lower()


def _matches_pin(found: _Found) -> bool:
    """Whether a candidate replacement equals its member's pin (archives: checked on extraction)."""
    if found.path is None:
        return True
    member = found.member
    if member.size is not None and found.path.stat().st_size != member.size:
        return False
    return sha256_file(found.path) == (member.sha256 or "").lower()


def _locate(info: DatasetInfo, source: Path, remote: Remote, member: Member) -> _Found | None:
    loose = _member_under(info, source, member.path)
    if loose is not None:
        return _Found(member, path=loose)
    named = safe_join(source, safe_filename(remote.filename))
    if named.is_file():
        if remote.kind == "file":
            return _Found(member, path=named)
        return _Found(member, archive=named, remote=remote)
    return None


def _member_under(info: DatasetInfo, source: Path, member_path: str) -> Path | None:
    """The member at its path, else under exactly one extra top-level folder."""
    parts = safe_relative_parts(member_path)
    direct = safe_join(source, member_path)
    if _readable_file(direct):
        return direct
    try:
        children = list(source.iterdir())
    except OSError as exc:
        raise IngestError(f"dataset {info.id!r}: cannot list {source}: {exc.strerror}") from None
    candidates = sorted(
        safe_join(child, member_path)
        for child in children
        if _readable_file(safe_join(child, member_path))
    )
    if len(candidates) > 1:
        raise IngestError(
            f"dataset {info.id!r}: {member_path!r} is ambiguous under {source}: found "
            f"{', '.join(str(c) for c in candidates)}. Keep one copy, or point ingest at the "
            "folder that holds it."
        )
    if candidates:
        return candidates[0]
    return _inside_member_folder(source, parts)


def _inside_member_folder(source: Path, parts: tuple[str, ...]) -> Path | None:
    """The member when ``source`` is one of its own folders (``ingest deap .../metadata_csv``
    for ``metadata_csv/participant_ratings.csv``): the folder the archive unpacks to."""
    resolved = source.resolve()
    names = resolved.parts
    for depth in range(min(len(parts) - 1, len(names)), 0, -1):
        if tuple(names[-depth:]) == parts[:depth]:
            inside = resolved.joinpath(*parts[depth:])
            if inside.is_file():
                return inside
    return None


def _check_size_before_copy(info: DatasetInfo, found: _Found) -> None:
    """Refuse a file whose size cannot match an enforced pin, before copying (or quarantining)
    a single byte of it: a 200 MB wrong file for a 2.7 MB member must not be copied."""
    member = found.member
    assert found.path is not None
    size = found.path.stat().st_size
    if member.size is None or size == member.size:
        return
    if member.sha256 is not None and member.checksum_source in ENFORCED_SOURCES:
        raise ChecksumMismatchError(
            f"dataset {info.id!r}, file {member.path!r}: {found.path} has {size} bytes, but the "
            f"{member.checksum_source} pin is for {member.size} bytes. It is not the published "
            "file; nothing was copied (checked before copying: no hash needed).",
            path=member.path,
            expected=member.sha256,
            checksum_source=member.checksum_source,
        )


def _readable_file(path: Path) -> bool:
    """Whether ``path`` is a file; an unreadable sibling folder is simply not where it is."""
    try:
        return path.is_file()
    except OSError:
        return False


def _where_looked(source: Path, remote: Remote, member: Member) -> str:
    places = [str(source / member.path), str(source / "*" / member.path)]
    if remote.kind == "file":
        places.append(str(source / remote.filename))
    else:
        places.append(f"inside archive {source / remote.filename}")
    return ", ".join(places)


def _install_all(
    info: DatasetInfo, store: VersionStore, plan: list[_Found], limits: ExtractionLimits
) -> list[str]:
    """Copy loose files, then extract from each user archive once; return member paths."""
    temp_dir = store.layout.tmp_dir / "ingest"
    done: list[str] = []
    by_archive: dict[Path, list[_Found]] = {}
    for found in plan:
        if found.path is not None:
            _check_size_before_copy(info, found)
            temp = copy_to_temp(
                found.path,
                temp_dir / "file.part",
                label=f"dataset {info.id!r}, file {found.member.path!r}",
            )
            store.accept(info.id, temp, found.member, how="ingest", source=str(found.path))
            done.append(found.member.path)
        else:
            assert found.archive is not None
            by_archive.setdefault(found.archive, []).append(found)
    for archive, items in by_archive.items():
        remote = items[0].remote
        assert remote is not None
        pin = archive_pin(
            remote.filename, remote.sha256, remote.checksum_source, remote.checksum_note
        )
        # The user's archive is checked but never moved: a mismatch raises before extraction.
        check_pin(
            f"{archive}",
            sha256_file(archive),
            expected=pin.sha256,
            checksum_source=pin.checksum_source,
            recorded=store.recorded(pin.path),
            checksum_note=pin.checksum_note,
            dataset_id=info.id,
        )
        work = temp_dir / "extract"
        shutil.rmtree(work, ignore_errors=True)
        try:
            wanted = [found.member.path for found in items]
            try:
                extracted = extract_members(archive, wanted, work, kind=remote.kind, limits=limits)
            except CorruptArchiveError as unreadable:
                raise CorruptArchiveError(
                    f"dataset {info.id!r}, file {archive}: {unreadable}. Your copy was left as "
                    "it is; download it again.",
                    archive=str(archive),
                ) from unreadable
            absent = [path for path in wanted if path not in extracted]
            if absent:
                raise IngestError(
                    f"dataset {info.id!r}: archive {archive} has no member "
                    f"{', '.join(absent)} (looked at the path and under one extra top-level "
                    "folder). Nothing more was copied."
                )
            for found in items:
                store.accept(
                    info.id,
                    extracted[found.member.path],
                    found.member,
                    how="ingest",
                    source=f"{archive}!{found.member.path}",
                )
                done.append(found.member.path)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return done
