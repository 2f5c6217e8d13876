"""Per-file checksum manifests of split releases, turned into pinned members.

Why a module of its own: MTG-Jamendo publishes one sha256 per track (18,486 per data type) in a
file of its official repository, not in the catalog. The catalog pins that file and declares each
tar's folder and file count; here the file is fetched (or read, verified, from disk), parsed, and
each folder-only archive becomes an archive of explicit members with official pins, so the store
extracts, verifies and quarantines per track exactly as for members the catalog lists.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from ..catalog import AssetGroup, DatasetInfo, Member, Remote
from ..errors import AssetError, CatalogError, DirectoryMemberError
from .layout import match_file_pattern
from .store import download_dataset
from .verified import verified_files


def version_view(
    info: DatasetInfo, version: str | None, remotes: tuple[Remote, ...]
) -> DatasetInfo:
    """``info`` whose version has exactly ``remotes`` (no assets, no logical files): what the
    store is given to fetch an asset selection into the version's one folder."""
    chosen = info.version(version)
    view = replace(chosen, remotes=remotes, assets={}, files={})
    versions = tuple(view if v.version == chosen.version else v for v in info.versions)
    return replace(info, versions=versions)


def expand_manifest(
    info: DatasetInfo, version: str | None, group: AssetGroup, **kwargs: object
) -> AssetGroup:
    """The group with each declared folder replaced by the files its checksum manifest pins.

    Why: MTG-Jamendo publishes one sha256 per track (18,486 per data type) in a file of the
    official repository. The catalog pins that file and declares each tar's folder and file
    count; here the manifest is fetched (or read, verified, from disk), and every folder becomes
    explicit members with official pins, so extraction, verification and quarantine work per
    track exactly as for listed members. A folder whose manifest entries differ in number from
    its declared count raises :class:`DirectoryMemberError`. ``kwargs`` are the store's."""
    if group.manifest is None:
        return group
    source = next(
        (r for r in group.remotes if r.kind == "file" and r.path == group.manifest.member), None
    )
    if source is None:
        raise CatalogError(
            f"dataset {info.id!r}, asset group {group.name!r}: manifest "
            f"{group.manifest.member!r} is not a file remote of the group"
        )
    view = version_view(info, version, (source,))
    files = verified_files(view, version, data_home=kwargs.get("data_home"))  # type: ignore[arg-type]
    if files is None or group.manifest.member not in files.members:
        files = download_dataset(view, version, **kwargs).files  # type: ignore[arg-type]
    path = files.members[group.manifest.member]
    digest = files.sha256[group.manifest.member]
    key = (info.id, info.version(version).version, group.name, str(path), digest)
    cached = _EXPANDED.get(key)
    if cached is not None and cached[0] == group:
        return cached[1]  # iter_audio over 18,486 tracks must not rebuild 18,486 members each
    entries = read_manifest(str(path), digest, info.id)
    by_folder: dict[str, list[tuple[str, str]]] = {}
    for member_path, sha in entries:
        folder, _, name = member_path.rpartition("/")
        by_folder.setdefault(folder, []).append((name, sha))
    note = f"per-file sha256 from {group.manifest.member}"
    remotes = []
    for remote in group.remotes:
        if not remote.directories:
            remotes.append(remote)
            continue
        members = list(remote.members)
        for directory in remote.directories:
            names = [
                (n, sha)
                for n, sha in by_folder.get(directory.path, ())
                if match_file_pattern(directory.pattern, n)
            ]
            if directory.count is not None and len(names) != directory.count:
                raise DirectoryMemberError(
                    f"dataset {info.id!r}, asset group {group.name!r}, folder "
                    f"{directory.path!r}: the catalog declares {directory.count} file(s) named "
                    f"like {directory.pattern!r}, the manifest {group.manifest.member} lists "
                    f"{len(names)}. The manifest is not the one the catalog was written from.",
                    dataset_id=info.id,
                    directory=directory.path,
                    expected=directory.count,
                    found=len(names),
                )
            members.extend(
                Member(
                    path=f"{directory.path}/{n}",
                    size=None,
                    sha256=sha,
                    checksum_source=source.checksum_source,
                    checksum_note=note,
                    optional=directory.optional,
                )
                for n, sha in names
            )
        remotes.append(replace(remote, members=tuple(members), directories=()))
    expanded = replace(group, remotes=tuple(remotes))
    _EXPANDED[key] = (group, expanded)
    return expanded


#: (dataset, version, group, manifest path, its sha256) -> (declared group, expanded group)
_EXPANDED: dict[tuple[str, str, str, str, str], tuple[AssetGroup, AssetGroup]] = {}


@cache
def read_manifest(path: str, sha256: str, dataset_id: str) -> tuple[tuple[str, str], ...]:
    """``(member path, sha256)`` of each line ``<sha256> <path>`` (sha256sum's format; one or two
    spaces, an optional ``*`` binary marker). Cached by path and hash: a verified file's content.

    A malformed line raises :class:`AssetError` naming the file and the line."""
    from .layout import path_problem

    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            parts = line.rstrip("\r\n").split(None, 1)
            digest = parts[0].lower() if parts else ""
            member = parts[1].strip().lstrip("*") if len(parts) == 2 else ""
            problem = path_problem(member) if member else "no path"
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or problem:
                raise AssetError(
                    f"dataset {dataset_id!r}: checksum manifest {path}, line {number}: expected "
                    f"'<64 hex digits> <relative path>', got {line.strip()[:80]!r}"
                    + (f" ({problem})" if problem and member else "")
                )
            entries.append((member, digest))
    return tuple(entries)
