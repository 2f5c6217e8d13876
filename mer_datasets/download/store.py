"""The verified store: make a dataset version's files present and verified, or say why not.

``ensure_files`` is what ``load_dataset`` calls: under the dataset lock it re-verifies local
files (quarantining any that changed), fetches what is missing from the catalog URL or a mirror,
verifies each file with its pin policy (``verify.check_pin``), installs it atomically, and
returns the paths. Offline mode never touches the network; gated datasets and remotes without a
public URL raise :class:`ManualDownloadRequired` with the exact ``ingest`` command. The embedded
``sample`` dataset is verified in place inside the installed package.
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..catalog import DatasetInfo, Member, Remote, Version
from ..config import resolve_settings
from ..errors import (
    ChecksumMismatchError,
    CorruptArchiveError,
    DownloadError,
    ManualDownloadRequired,
    MERDatasetsError,
    OfflineError,
    UnsafeArchiveError,
)
from .directories import list_directory
from .extract import ExtractionLimits, extract_members, inspect_archive
from .fetch import FetchOptions, check_url_allowed, fetch, new_session
from .ingest import IngestSummary, ingest_dataset
from .install import VersionStore, archive_pin, copy_to_temp
from .layout import VersionLayout, safe_filename, safe_join
from .lock import dataset_lock
from .verified import DatasetFiles, verified_files
from .verified import embedded_root as _embedded_root
from .verify import PIN_OK, PIN_TOFU, check_pin, sha256_file

__all__ = [
    "DatasetFiles",
    "DownloadSummary",
    "FileStatus",
    "IngestSummary",
    "download_dataset",
    "ensure_files",
    "ingest_dataset",
    "verify_dataset",
]

MANUAL_ACCESS = frozenset({"gated", "offline"})


@dataclass(frozen=True)
class FileStatus:
    """Outcome of verifying one member: ok | missing | missing-optional | corrupt | unpinned."""

    path: str
    status: str
    expected: str | None = None
    actual: str | None = None
    checksum_source: str | None = None
    message: str = ""


@dataclass
class DownloadSummary:
    """What ``download_dataset`` did: which members were fetched, reused or quarantined."""

    files: DatasetFiles
    fetched: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"dataset {self.files.dataset_id!r} version {self.files.version}: "
            f"{len(self.files.members)} file(s) verified in {self.files.root / 'files'} "
            f"({len(self.fetched)} fetched, {len(self.reused)} already present)"
        ]
        if self.quarantined:
            lines.append(f"quarantined (failed verification): {', '.join(self.quarantined)}")
        return "\n".join(lines)


@dataclass
class _Run:
    """One ensure/download operation on one version, while holding the dataset lock."""

    info: DatasetInfo
    version: Version
    store: VersionStore
    mirror: str | None
    offline: bool
    options: FetchOptions
    limits: ExtractionLimits
    members: dict[str, Path] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    session: object | None = None

    @property
    def layout(self) -> VersionLayout:
        return self.store.layout


def ensure_files(
    info: DatasetInfo,
    version: str | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
    mirror: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: FetchOptions | None = None,
    limits: ExtractionLimits | None = None,
) -> DatasetFiles:
    """Make every required member of the version present and verified; return their paths.

    Files verified earlier are trusted without re-hashing when their size and modification time
    (nanoseconds) still equal what was recorded at verification (see :func:`verified_files`);
    anything else takes the full path under the dataset lock. ``verify`` always re-hashes.
    """
    if limits is None:
        settings = resolve_settings(data_home, mirror, offline)
        fast = verified_files(info, version, data_home=settings.data_home)
        if fast is not None:
            return fast
    return download_dataset(
        info,
        version,
        data_home=data_home,
        mirror=mirror,
        offline=offline,
        progress=progress,
        fetch_options=fetch_options,
        limits=limits,
    ).files


def download_dataset(
    info: DatasetInfo,
    version: str | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
    mirror: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: FetchOptions | None = None,
    limits: ExtractionLimits | None = None,
) -> DownloadSummary:
    """Like :func:`ensure_files`, returning a summary of what was fetched and reused."""
    chosen = info.version(version)
    settings = resolve_settings(data_home, mirror, offline)
    layout = VersionLayout(settings.data_home, info.id, chosen.version)
    options = fetch_options or FetchOptions()
    if progress is not None:
        options = replace(options, progress=progress)
    with dataset_lock(layout.lock_path, dataset_id=info.id):
        run = _Run(
            info=info,
            version=chosen,
            store=VersionStore.open(layout),
            mirror=settings.mirror,
            offline=settings.offline,
            options=options,
            limits=limits or ExtractionLimits(),
        )
        try:
            if info.access == "embedded":
                _ensure_embedded(run)
            else:
                with run.store.batch():  # one state.json write per run, not per member
                    _ensure_remote_files(run)
        finally:
            if run.session is not None:
                run.session.close()  # type: ignore[attr-defined]
            shutil.rmtree(layout.tmp_dir / "extract", ignore_errors=True)
    files = DatasetFiles(info.id, chosen.version, layout.root, run.members, run.sha256)
    return DownloadSummary(files, run.fetched, run.reused, list(run.store.quarantined))


def verify_dataset(
    info: DatasetInfo,
    version: str | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
) -> list[FileStatus]:
    """Re-hash every local member (no network); quarantine the corrupt ones; one status each."""
    chosen = info.version(version)
    settings = resolve_settings(data_home)
    layout = VersionLayout(settings.data_home, info.id, chosen.version)
    statuses: list[FileStatus] = []
    with dataset_lock(layout.lock_path, dataset_id=info.id):
        store = VersionStore.open(layout)
        for member in chosen.members():
            statuses.append(_verify_member(info, store, member))
        for member in _installed_directory_members(info, layout, chosen.remotes):
            statuses.append(_verify_member(info, store, member))
    return statuses


def _installed_directory_members(
    info: DatasetInfo, layout: VersionLayout, remotes: tuple[Remote, ...]
) -> list[Member]:
    """The installed files of every directory member, as members (for ``verify``); the count
    and manifest are checked here too (a wrong count raises ``DirectoryMemberError``)."""
    members: list[Member] = []
    for remote in remotes:
        for directory in remote.directories:
            folder = layout.member_path(directory.path)
            if not folder.is_dir():
                continue
            names = [f"{directory.path}/{p.name}" for p in folder.iterdir() if p.is_file()]
            listed = list_directory(info.id, directory, names, where=str(layout.files_dir))
            members.extend(item.member for item in listed or ())
    return members


def _verify_member(info: DatasetInfo, store: VersionStore, member: Member) -> FileStatus:
    embedded = info.access == "embedded"
    path = (
        safe_join(_embedded_root(), member.path)
        if embedded
        else store.layout.member_path(member.path)
    )
    base = {
        "path": member.path,
        "expected": member.sha256,
        "checksum_source": member.checksum_source,
    }
    if not path.is_file():
        if embedded:
            hint = "the installed package is incomplete: reinstall mer-datasets"
        elif info.access in MANUAL_ACCESS:
            hint = f"obtain it by hand, then run `mer-datasets ingest {info.id} DIR`"
        else:
            hint = f"run `mer-datasets download {info.id}`"
        if member.optional:  # the loader works without it: reported, but not a failure
            return FileStatus(status="missing-optional", message=f"not present: {hint}", **base)
        return FileStatus(status="missing", message=f"not present: {hint}", **base)
    actual = sha256_file(path)
    recorded = store.recorded(member.path)
    try:
        outcome = check_pin(
            member.path,
            actual,
            expected=member.sha256,
            checksum_source=member.checksum_source,
            recorded=recorded,
            checksum_note=member.checksum_note,
            dataset_id=info.id,
            warn=False,
        )
    except ChecksumMismatchError as mismatch:
        if embedded:
            message = f"{mismatch} (package file {path}; reinstall mer-datasets)"
        else:
            where = store.quarantine(path, member.path, str(mismatch))
            message = f"{mismatch} Moved to {where}."
        return FileStatus(
            status="corrupt",
            message=message,
            **{**base, "actual": actual, "expected": mismatch.expected},
        )
    base["actual"] = actual
    if outcome == PIN_OK:
        return FileStatus(status="ok", message="matches the catalog pin", **base)
    if outcome != PIN_TOFU:
        return FileStatus(
            status="ok",
            message=f"differs from the {member.checksum_source} pin {member.sha256}; accepted "
            "(third-party pins may be stale)",
            **base,
        )
    if recorded is None and not embedded:
        store.record(member.path, path, actual, "ingest", f"found in place at {path}")
        return FileStatus(status="unpinned", message="no catalog pin; hash recorded now", **base)
    if recorded is None:
        return FileStatus(status="unpinned", message="no catalog pin (embedded file)", **base)
    when = store.records[member.path].verified_at
    return FileStatus(
        status="unpinned",
        message=f"no catalog pin; matches the hash recorded at first use ({when})",
        **base,
    )


# -- embedded ---------------------------------------------------------------------------


def _ensure_embedded(run: _Run) -> None:
    """Embedded members are read in place from the package, after checking their pins."""
    root = _embedded_root()
    for member in run.version.members():
        path = safe_join(root, member.path)
        if not path.is_file():
            if member.optional:
                continue
            raise MERDatasetsError(
                f"dataset {run.info.id!r}: embedded file {member.path!r} is missing from {root}; "
                "the installed package is incomplete: reinstall mer-datasets"
            )
        actual = sha256_file(path)
        check_pin(
            member.path,
            actual,
            expected=member.sha256,
            checksum_source=member.checksum_source,
            recorded=run.store.recorded(member.path),
            checksum_note=member.checksum_note,
            dataset_id=run.info.id,
        )
        record = run.store.records.get(member.path)
        if record is None or record.sha256 != actual or record.mtime_ns != path.stat().st_mtime_ns:
            run.store.record(member.path, path, actual, "embedded", str(path))
        run.members[member.path] = path
        run.sha256[member.path] = actual
        run.reused.append(member.path)


# -- remotes ----------------------------------------------------------------------------


def _ensure_remote_files(run: _Run) -> None:
    manual: list[tuple[Remote, list[Member]]] = []
    offline_missing: list[str] = []
    for remote in run.version.remotes:
        missing = []
        for member in remote.required_members():
            found = run.store.check_local_member(run.info.id, member)
            if found is None:
                missing.append(member)
            else:
                run.members[member.path], run.sha256[member.path] = found
                run.reused.append(member.path)
        _check_local_directories(run, remote)
        folders = _absent_folders(run, remote)
        if not missing and not folders:
            continue
        # A mirror may serve a remote that has no public URL (not a gated one: use ingest).
        via_mirror_only = remote.url is None and run.mirror is not None
        if run.info.access in MANUAL_ACCESS or (remote.url is None and run.mirror is None):
            if not remote.optional:
                manual.append((remote, [m for m in missing if not m.optional] + folders))
            continue
        if run.offline and not _is_local_mirror(run.mirror):
            offline_missing.extend(m.path for m in missing + folders if not m.optional)
            continue
        try:
            if remote.kind == "file":
                _fetch_file_remote(run, remote, missing[0])
            else:
                _fetch_archive_remote(run, remote, missing)
        except DownloadError as failure:
            if remote.optional:
                warnings.warn(f"optional file {remote.filename} skipped: {failure}", stacklevel=2)
            elif via_mirror_only:
                manual.append((remote, [m for m in missing if not m.optional] + folders))
            else:
                raise
    if offline_missing:
        raise OfflineError(
            f"dataset {run.info.id!r} version {run.version.version}: offline mode is on and "
            f"these files are not verified locally in {run.layout.files_dir}: "
            f"{', '.join(offline_missing)}. Download them once with network access "
            f"(`mer-datasets download {run.info.id}`), use a local --mirror directory, or "
            f"`mer-datasets ingest {run.info.id} DIR`."
        )
    manual = [(remote, members) for remote, members in manual if members]
    if manual:
        raise ManualDownloadRequired(
            manual_download_message(run.info, run.version, manual, run.layout)
        )


def manual_download_message(
    info: DatasetInfo,
    version: Version,
    missing: list[tuple[Remote, list[Member]]],
    layout: VersionLayout,
) -> str:
    """What to obtain, from where, and the exact command that registers it."""
    why = (
        "its files are gated (a license/EULA must be accepted first)"
        if info.access == "gated"
        else "no public direct download URL is known"
    )
    lines = [f"dataset {info.id!r} ({info.name}) cannot be downloaded automatically: {why}."]
    if info.how_to_obtain:
        lines.append(f"How to obtain it: {info.how_to_obtain.strip()}")
    if info.eula_url:
        lines.append(f"EULA / access form: {info.eula_url}")
    lines.append(
        "Expected files (by member path; they may also sit under one extra top-level folder, "
        "or be given as the archive named below):"
    )
    for remote, members in missing:
        source = f" (in archive {remote.filename})" if remote.kind != "file" else ""
        lines.extend(f"  - {member.path}{source}" for member in members)
    version_flag = (
        "" if version.version == info.default_version else f" --version {version.version}"
    )
    lines.append(
        f"Once you have them in a folder DIR, run:\n  mer-datasets ingest {info.id} DIR{version_flag}\n"
        f"They are verified and copied to {layout.files_dir}"
    )
    return "\n".join(lines)


def _is_local_mirror(mirror: str | None) -> bool:
    if not mirror:
        return False
    scheme = urlsplit(mirror).scheme.lower()
    return scheme == "file" or len(scheme) <= 1


def _mirror_source(run: _Run, remote: Remote) -> tuple[str, str]:
    """(how, location) of a remote: the catalog URL, or ``<mirror>/<id>/<filename>``."""
    if run.mirror is None:
        assert remote.url is not None
        return "download", remote.url
    if _is_local_mirror(run.mirror):
        base = urlsplit(run.mirror).path if run.mirror.startswith("file:") else run.mirror
        return "mirror", str(safe_join(Path(base).expanduser(), run.info.id, remote.filename))
    url = f"{run.mirror.rstrip('/')}/{quote(run.info.id)}/{quote(remote.filename)}"
    check_url_allowed(url, file_label=remote.filename)
    return "mirror", url


def _obtain(run: _Run, remote: Remote) -> tuple[Path, str, str]:
    """Bring a remote's bytes into ``.tmp`` (network or local mirror): (temp, how, source)."""
    how, source = _mirror_source(run, remote)
    partial = run.layout.partial_path(remote.filename)
    if how == "mirror" and _is_local_mirror(run.mirror):
        mirrored = Path(source)
        if not mirrored.is_file():
            raise DownloadError(
                f"dataset {run.info.id!r}: the mirror directory has no {mirrored} "
                f"(file {remote.filename}); a mirror holds <mirror>/<dataset id>/<filename>."
            )
        ceiling = remote.size if remote.size is not None else run.options.max_download_bytes
        size = mirrored.stat().st_size
        if size > ceiling:
            raise DownloadError(
                f"dataset {run.info.id!r}: the mirror's {mirrored} (file {remote.filename}) has "
                f"{size} bytes, more than "
                + (
                    f"the catalog size {remote.size} bytes"
                    if remote.size is not None
                    else f"the limit of {ceiling} bytes for a file of unknown size"
                )
                + "; not copied."
            )
        label = f"dataset {run.info.id!r}, file {remote.filename}"
        return copy_to_temp(mirrored, partial, label=label), how, source
    if run.session is None:
        run.session = new_session()
    fetch(
        source,
        partial,
        file_label=f"{run.info.id}/{remote.filename}",
        expected_size=remote.size,
        options=run.options,
        session=run.session,
        not_found_hint=_mirror_404_hint(run, remote) if how == "mirror" else None,
    )
    return partial, how, source


def _mirror_404_hint(run: _Run, remote: Remote) -> str:
    """What a flat HTTP mirror must hold: the remote's file itself, archives included."""
    what = (
        f"the archive file {remote.filename} itself (not its unpacked members)"
        if remote.is_archive
        else f"the file {remote.filename}"
    )
    return (
        f"the mirror has no {run.info.id}/{remote.filename}: a mirror serves "
        f"<mirror>/<dataset id>/<filename>, so it must hold {what}. With the unpacked files "
        f"instead, run `mer-datasets ingest {run.info.id} DIR`"
    )


def _fetch_file_remote(run: _Run, remote: Remote, member: Member) -> None:
    temp, how, source = _obtain(run, remote)
    final, sha = run.store.accept(run.info.id, temp, member, how=how, source=source)
    run.members[member.path], run.sha256[member.path] = final, sha
    run.fetched.append(member.path)


def _fetch_archive_remote(run: _Run, remote: Remote, missing: list[Member]) -> None:
    """Fetch (or reuse) an archive, extract the missing members and verify each.

    Why the archive is recorded last: an archive without a catalog hash is trusted on first use,
    and a first use must not trust an error page, a short body or a damaged file. It is recorded
    only once it opened, held every required member and each member passed its own pin; any
    failure before that quarantines it and drops its record, so the next run downloads afresh.
    """
    pin = archive_pin(remote.filename, remote.sha256, remote.checksum_source, remote.checksum_note)
    archive = run.layout.archive_path(remote.filename)
    outcome = None
    if archive.is_file():
        try:
            outcome = check_pin(
                pin.path,
                sha256_file(archive),
                expected=pin.sha256,
                checksum_source=pin.checksum_source,
                recorded=run.store.recorded(pin.path),
                checksum_note=pin.checksum_note,
                dataset_id=run.info.id,
            )
        except ChecksumMismatchError as mismatch:
            run.store.quarantine(archive, pin.path, str(mismatch))
            run.store.forget(pin.path)
    record = run.store.records.get(pin.path)
    how = record.how if record is not None else "download"
    origin = record.source if record is not None else None
    if outcome is None:
        temp, how, origin = _obtain(run, remote)
        outcome = run.store.check_or_quarantine(run.info.id, temp, pin.path, sha256_file(temp), pin)
        archive.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, archive)
    work = safe_join(run.layout.tmp_dir / "extract", safe_filename(remote.filename))
    shutil.rmtree(work, ignore_errors=True)
    try:
        _extract_and_accept(run, remote, missing, archive, work, how)
    except (
        CorruptArchiveError,
        UnsafeArchiveError,
        DownloadError,
        ChecksumMismatchError,
    ) as failure:
        # An archive equal to its catalog pin is the published one: keep it (the catalog's
        # member list or pins are then wrong); any other archive is not trusted any more.
        if archive.is_file() and (outcome != PIN_OK or isinstance(failure, CorruptArchiveError)):
            run.store.quarantine(
                archive,
                pin.path,
                f"dataset {run.info.id!r}: archive {remote.filename} {_why_set_aside(failure)}; "
                "it will be fetched again next time.",
            )
        run.store.forget(pin.path)
        if isinstance(failure, CorruptArchiveError):
            raise CorruptArchiveError(
                f"dataset {run.info.id!r}, file {remote.filename}: {failure}. It was moved to "
                f"{run.layout.quarantine_dir}; the next run downloads it again.",
                archive=remote.filename,
            ) from failure
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if run.store.recorded(pin.path) is None:
        run.store.record(pin.path, archive, sha256_file(archive), how, origin or str(archive))


def _why_set_aside(failure: Exception) -> str:
    if isinstance(failure, ChecksumMismatchError):
        return "holds a member that failed its pin"
    if isinstance(failure, CorruptArchiveError):
        return "cannot be read as an archive"
    if isinstance(failure, UnsafeArchiveError):
        return "is unsafe to extract"
    return "lacks a required member"


def _absent_folders(run: _Run, remote: Remote) -> list[Member]:
    """Required directory members not installed yet, as stand-in members naming the folder.

    Why: an archive may declare only folders (DEAM's ``DEAM_audio.zip`` holds ``MEMD_audio/``
    with one MP3 per song); with no listed member missing it would never be fetched. The
    stand-ins only name the folder in messages; the folder's files are listed from the archive."""
    return [
        Member(path=d.path, size=None, sha256=None, checksum_source="unknown")
        for d in remote.directories
        if not d.optional and not run.layout.member_path(d.path).is_dir()
    ]


def _check_local_directories(run: _Run, remote: Remote) -> None:
    """Verify the installed files of the remote's directory members (count, manifest, pins or
    first-use records), so a loader never reads an unchecked file of such a folder."""
    for directory in remote.directories:
        folder = run.layout.member_path(directory.path)
        if not folder.is_dir():
            continue
        names = [f"{directory.path}/{p.name}" for p in folder.iterdir() if p.is_file()]
        listed = list_directory(run.info.id, directory, names, where=str(run.layout.files_dir))
        for item in listed or ():
            found = run.store.check_local_member(run.info.id, item.member)
            if found is None:  # failed its pin: quarantined; the folder is now incomplete
                raise ChecksumMismatchError(
                    f"dataset {run.info.id!r}, file {item.member.path!r}: the installed copy "
                    "failed its check and was moved to quarantine; ingest the folder again.",
                    path=item.member.path,
                    expected=item.member.sha256,
                    checksum_source=item.member.checksum_source,
                )
            run.members[item.member.path], run.sha256[item.member.path] = found
            run.reused.append(item.member.path)


def _directory_files(run: _Run, remote: Remote, archive: Path) -> list[Member]:
    """The not-yet-installed files of the remote's directory members found in the archive.

    An absent optional folder is skipped (the public copies of DEAM lack the per-rater files);
    an absent required one is a :class:`DownloadError`; a wrong count or manifest raises
    :class:`~mer_datasets.errors.DirectoryMemberError`.
    """
    if not remote.directories:
        return []
    entries = inspect_archive(archive, remote.kind, run.limits)
    names = [name for name, entry in entries.items() if entry.kind != "dir"]
    wanted: list[Member] = []
    for directory in remote.directories:
        listed = list_directory(run.info.id, directory, names, where=f"archive {remote.filename}")
        if listed is None:
            if not directory.optional:
                raise DownloadError(
                    f"dataset {run.info.id!r}: archive {remote.filename} has no folder "
                    f"{directory.path!r} (files {directory.pattern!r})."
                )
            continue
        for item in listed:
            if run.store.check_local_member(run.info.id, item.member) is None:
                wanted.append(item.member)
    return wanted


def _extract_and_accept(
    run: _Run, remote: Remote, missing: list[Member], archive: Path, work: Path, how: str
) -> None:
    extracted = extract_members(
        archive, [m.path for m in missing], work, kind=remote.kind, limits=run.limits
    )
    absent = [m.path for m in missing if m.path not in extracted and not m.optional]
    if absent:
        raise DownloadError(
            f"dataset {run.info.id!r}: archive {remote.filename} ({remote.url}) has no member "
            f"{', '.join(absent)} (looked at the path and under one extra top-level folder). "
            "The archive differs from the one the catalog describes."
        )
    source = f"{remote.url or remote.filename} ({archive.name})"
    listed = _directory_files(run, remote, archive)
    if listed:
        extracted.update(
            extract_members(
                archive, [m.path for m in listed], work, kind=remote.kind, limits=run.limits
            )
        )
        missing = missing + listed
    for member in missing:
        if member.path not in extracted:
            continue
        final, sha = run.store.accept(
            run.info.id, extracted[member.path], member, how=how, source=source
        )
        run.members[member.path], run.sha256[member.path] = final, sha
        run.fetched.append(member.path)
