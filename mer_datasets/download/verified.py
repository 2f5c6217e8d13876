"""Which files of a dataset version are verified and unchanged, without hashing or locking.

Why a module of its own: warm loads and the CLI's pandas-free agreement path ask only this
question, and must not pay for importing the download machinery (HTTP client, extraction,
ingest) to ask it. :mod:`mer_datasets.download.store` re-exports everything here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import resolve_settings
from ..errors import MERDatasetsError
from .layout import VersionLayout, match_file_pattern
from .lock import dataset_lock
from .state import read_state

if TYPE_CHECKING:  # pragma: no cover
    from ..catalog import DatasetInfo, Version


@dataclass(frozen=True)
class DatasetFiles:
    """Verified local files of one dataset version (member path -> local path and sha256)."""

    dataset_id: str
    version: str
    root: Path
    members: dict[str, Path]
    sha256: dict[str, str]


def verified_files(
    info: DatasetInfo,
    version: str | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
) -> DatasetFiles | None:
    """The version's files if every one was verified before and is unchanged since; else None.

    Why: a warm load must not re-hash megabytes of source files every time. A file counts as
    unchanged when its size and ``st_mtime_ns`` equal the values recorded right after its hash was
    accepted, and the recorded hash still satisfies an official or authors' pin. Lock-free: the
    state record is replaced atomically, and any doubt falls back to the locked, hashing path.

    An optional member that is absent and unrecorded is the one case decided under the dataset
    lock: while another process holds it, that process may be about to install the member, and
    deciding "absent" then would build tables from a partial set of files (eight concurrent
    first loads gave different tables). So the answer waits for the holder to finish and is
    then read again; once nobody holds the lock, an absent optional member is settled absent.
    """
    chosen = info.version(version)
    layout = VersionLayout(resolve_settings(data_home).data_home, info.id, chosen.version)
    found = _verified(info, chosen, layout, settled=False)
    if found is not _UNSETTLED:
        return found
    try:
        with dataset_lock(layout.lock_path, dataset_id=info.id):
            return _verified(info, chosen, layout, settled=True)
    except OSError:
        # a read-only data home cannot be locked, and nobody can be writing to it either
        return _verified(info, chosen, layout, settled=True)


_UNSETTLED = object()  # an optional member is absent and unrecorded: ask again under the lock


def _verified(info: DatasetInfo, chosen: Version, layout: VersionLayout, *, settled: bool):
    """:func:`verified_files` for one reading of ``state.json``; ``_UNSETTLED`` when an absent,
    unrecorded optional member may still be on its way (unless ``settled``: the lock is held)."""
    try:
        records = read_state(layout.state_path)
    except MERDatasetsError:
        return None
    root = embedded_root() if info.access == "embedded" else None
    unsettled = False
    members: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    for member in chosen.members():
        record = records.get(member.path)
        path = (root / member.path) if root is not None else layout.member_path(member.path)
        if record is None or record.mtime_ns is None:
            if member.optional and not path.exists():
                unsettled = unsettled or not settled
                continue
            return None
        pinned = member.sha256 and member.checksum_source in ("official", "authors-repository")
        if pinned and record.sha256 != member.sha256:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        if stat.st_size != record.size or stat.st_mtime_ns != record.mtime_ns:
            return None
        members[member.path] = path
        hashes[member.path] = record.sha256
    if unsettled:
        return _UNSETTLED
    for remote in () if root is not None else chosen.remotes:
        for directory in remote.directories:
            folder = layout.member_path(directory.path)
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if not match_file_pattern(directory.pattern, path.name):
                    continue  # not a file of the folder: never read by a loader
                key = f"{directory.path}/{path.name}"
                record = records.get(key)
                if record is None or record.mtime_ns is None:
                    return None  # a file never verified: take the locked, hashing path
                try:
                    stat = path.stat()
                except OSError:
                    return None
                if stat.st_size != record.size or stat.st_mtime_ns != record.mtime_ns:
                    return None
                members[key], hashes[key] = path, record.sha256
    return DatasetFiles(info.id, chosen.version, layout.root, members, hashes)


def embedded_root() -> Path:
    """Where the embedded datasets' files are: inside the installed package."""
    root = resources.files("mer_datasets") / "sample_data"
    if not isinstance(root, Path):
        raise MERDatasetsError(
            "the embedded sample data is not on the file system (zipped install?); "
            "reinstall mer-datasets from a wheel"
        )
    return root
