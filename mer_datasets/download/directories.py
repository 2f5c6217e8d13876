"""Directory members: a folder of one file per item, listed when it is found.

Why a module of its own: the catalog cannot name every file of such a folder (DEAM's per-rater
curves are ``<song_id>.csv``, one per song, and no copy was seen), but it can say where the
folder is, which names belong to it (a ``*`` pattern), how many files it has and, where known,
each file's sha256. Once a copy is found (a folder under ``ingest``'s source, or entries of an
archive) its files become ordinary :class:`~mer_datasets.catalog.Member` s and go through the
same pins, trust-on-first-use records and quarantine as every other member.

Safety: the folder is a checked catalog path and the pattern one segment with ``*`` as its only
wildcard (:func:`~mer_datasets.download.layout.file_pattern_problem`); only names directly inside
the folder are matched, and every resulting member path is checked again by ``Member``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..catalog import DirectoryMember, Member
from ..errors import DirectoryMemberError, IngestError
from .layout import match_file_pattern, safe_join, safe_relative_parts


@dataclass(frozen=True)
class ListedFile:
    """One file of a directory member: its catalog member and where it was found."""

    member: Member
    found_as: str  # the name in the listing (may carry one extra top-level folder)


def list_directory(
    dataset_id: str, directory: DirectoryMember, available: Iterable[str], *, where: str
) -> list[ListedFile] | None:
    """The files of ``directory`` among ``available`` (POSIX names), checked; None if absent.

    The folder is found at its path or under exactly one extra top-level folder (as members
    are); two copies are an error. Its matching files are checked against ``count`` and the
    manifest: a wrong count, a file missing from the copy or one the manifest does not list
    raises :class:`DirectoryMemberError` naming the dataset, the folder and ``where``.
    """
    safe_relative_parts(directory.path, what="directory")
    by_folder: dict[str, list[str]] = {}
    for name in available:
        folder, _, base = name.rpartition("/")
        if folder == directory.path or (
            "/" in folder and folder.split("/", 1)[1] == directory.path
        ):
            by_folder.setdefault(folder, []).append(base)
    if not by_folder:
        return None
    if len(by_folder) > 1:
        exact = directory.path in by_folder
        if not exact:
            raise IngestError(
                f"dataset {dataset_id!r}: folder {directory.path!r} is ambiguous in {where}: "
                f"found {', '.join(sorted(by_folder))}. Keep one copy."
            )
        by_folder = {directory.path: by_folder[directory.path]}
    ((folder, names),) = by_folder.items()
    matched = sorted(n for n in names if match_file_pattern(directory.pattern, n))
    _check_count(dataset_id, directory, matched, where)
    manifest = dict(directory.manifest) if directory.manifest is not None else None
    if manifest is not None:
        _check_manifest(dataset_id, directory, matched, manifest, where)
    listed = []
    for name in matched:
        pinned = manifest is not None
        member = Member(
            path=f"{directory.path}/{name}",
            size=None,
            sha256=manifest[name] if pinned else None,
            checksum_source=directory.checksum_source if pinned else "unknown",
            checksum_note=directory.checksum_note,
            optional=False,
        )
        listed.append(ListedFile(member, f"{folder}/{name}"))
    return listed


def _check_count(
    dataset_id: str, directory: DirectoryMember, matched: list[str], where: str
) -> None:
    if directory.count is None or len(matched) == directory.count:
        return
    raise DirectoryMemberError(
        f"dataset {dataset_id!r}, folder {directory.path!r} in {where}: expected "
        f"{directory.count} file(s) named like {directory.pattern!r}, found {len(matched)}. "
        "The copy is incomplete or not the published one; nothing of it was installed.",
        dataset_id=dataset_id,
        directory=directory.path,
        expected=directory.count,
        found=len(matched),
    )


def _check_manifest(
    dataset_id: str,
    directory: DirectoryMember,
    matched: list[str],
    manifest: dict[str, str],
    where: str,
) -> None:
    missing = sorted(set(manifest) - set(matched))
    extra = sorted(set(matched) - set(manifest))
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else ""))
    if extra:
        parts.append(
            f"not in the manifest {', '.join(extra[:5])}" + (" ..." if len(extra) > 5 else "")
        )
    raise DirectoryMemberError(
        f"dataset {dataset_id!r}, folder {directory.path!r} in {where}: the files differ from "
        f"the checksum manifest ({'; '.join(parts)}). Nothing of it was installed.",
        dataset_id=dataset_id,
        directory=directory.path,
        expected=len(manifest),
        found=len(matched),
    )


def local_listing(source: Path, directory: DirectoryMember) -> list[str]:
    """POSIX names (relative to ``source``) of the files in the folder's candidate places:
    ``source/<folder>`` and ``source/<one folder>/<folder>`` (regular files only)."""
    places = [safe_join(source, directory.path)]
    places += [
        safe_join(child, directory.path)
        for child in sorted(source.iterdir())
        if child.is_dir() and not child.is_symlink()
    ]
    names = []
    for place in places:
        if place.is_dir():
            prefix = place.relative_to(source).as_posix()
            names += [f"{prefix}/{p.name}" for p in place.iterdir() if p.is_file()]
    return names
