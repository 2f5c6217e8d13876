"""Optional asset groups (audio, feature sets): select, estimate and fetch them, verified.

Why no machinery of its own: an asset group is a list of remotes like the annotation remotes, so
it goes through exactly the same store (``download_dataset``): mirrors, resume, progress bars,
locks, pins, trust on first use and quarantine. What this module adds is the *selection*: the
version is presented to the store with the group's remotes in place of the annotation remotes,
restricted to the remotes (and archive members) that the asked tracks need, so a partial download
fetches only the archives holding those tracks. Asset files share the version's folder
(``files/<member path>``) and ``state.json`` with the annotations.

Nothing here is imported by ``import mer_datasets`` or by loading annotations.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..catalog import AssetGroup, DatasetInfo, Remote
from ..config import resolve_settings
from ..errors import AssetError, CatalogError, OfflineError, UnknownTrackError
from .layout import VersionLayout
from .state import read_state
from .store import DownloadSummary, download_dataset
from .verified import DatasetFiles, verified_files

#: above this many bytes to fetch, the CLI asks for confirmation (``--yes`` in scripts)
LARGE_DOWNLOAD_BYTES = 500 * 1024**2


def parse_include(value: str, info: DatasetInfo, version: str | None = None) -> list[str]:
    """``audio`` | ``features:NAME`` | ``features`` (every feature set) -> asset group names."""
    chosen = info.version(version)
    kind, _, name = value.partition(":")
    if kind == "audio" and not name:
        chosen.asset("audio", dataset_id=info.id)
        return ["audio"]
    if kind == "features":
        groups = [n for n, g in chosen.assets.items() if g.kind == "features"]
        if not name:
            if not groups:
                raise CatalogError(f"dataset {info.id!r}: the catalog lists no feature set")
            return groups
        group = chosen.asset(name, dataset_id=info.id)
        if group.kind != "features":
            raise CatalogError(f"dataset {info.id!r}: asset group {name!r} is not a feature set")
        return [name]
    raise AssetError(
        f"--include {value!r}: expected 'audio', 'features' or 'features:NAME' "
        f"(dataset {info.id!r} has: {', '.join(_include_names(info, version)) or 'no assets'})"
    )


def _include_names(info: DatasetInfo, version: str | None) -> list[str]:
    assets = info.version(version).assets
    return [n if g.kind == "audio" else f"features:{n}" for n, g in assets.items()]


def select_remotes(
    info: DatasetInfo, group: AssetGroup, tracks: Iterable[str] | None = None
) -> tuple[Remote, ...]:
    """The group's remotes a set of tracks needs (all when ``tracks`` is None).

    An archive stays only if it holds a wanted track, so only the needed archives are fetched;
    all of its track members are extracted (the bytes are here anyway, and a later offline
    call can then read the archive's other tracks)."""
    if tracks is None:
        return group.remotes
    wanted = list(dict.fromkeys(tracks))
    check_tracks(info, group, wanted)
    wanted_set = set(wanted)
    chosen: list[Remote] = []
    for remote in group.remotes:
        if remote.kind == "file":
            if remote.path is not None and group.track_for(remote.path) in wanted_set:
                chosen.append(remote)
            continue
        if any(group.track_for(m.path) in wanted_set for m in remote.members):
            chosen.append(remote)
    return tuple(chosen)


def check_tracks(info: DatasetInfo, group: AssetGroup, tracks: Sequence[str]) -> None:
    """Every track id must map to a member of the group; else one error naming the unknown ones."""
    import difflib

    known = set(group.track_ids())
    unknown = [t for t in tracks if t not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        shown = ", ".join(repr(t) for t in unknown[:10])
        raise UnknownTrackError(
            f"dataset {info.id!r}, asset group {group.name!r}: no file for track(s) {shown} "
            f"({len(known)} tracks listed in the catalog).{hint}"
        )


def asset_view(
    info: DatasetInfo,
    version: str | None,
    name: str,
    tracks: Iterable[str] | None = None,
) -> tuple[DatasetInfo, AssetGroup]:
    """``info`` with the version's remotes replaced by the group's selected remotes.

    The store then treats the asset files exactly as annotation files (same folder, same lock,
    same records); the annotations' own records are untouched."""
    chosen = info.version(version)
    group = chosen.asset(name, dataset_id=info.id)
    remotes = select_remotes(info, group, tracks)
    view = replace(chosen, remotes=remotes, assets={}, files={})
    versions = tuple(view if v.version == chosen.version else v for v in info.versions)
    return replace(info, versions=versions), group


@dataclass(frozen=True)
class Estimate:
    """What a download of some asset groups would fetch: bytes (known sizes) and unknowns."""

    remotes: int
    bytes: int
    unknown_size: int
    already_verified: int
    #: (file name, size or None) of each remote still to fetch, in catalog order
    planned: tuple[tuple[str, int | None], ...] = ()

    def __str__(self) -> str:
        text = f"{self.remotes} file(s) to fetch, {human_size(self.bytes)}"
        if self.unknown_size:
            text += f" + {self.unknown_size} file(s) of unknown size"
        if self.already_verified:
            text += f" ({self.already_verified} already verified locally)"
        return text

    @property
    def large(self) -> bool:
        return self.bytes > LARGE_DOWNLOAD_BYTES or self.unknown_size > 0


def estimate(
    info: DatasetInfo,
    version: str | None,
    names: Sequence[str],
    tracks: Iterable[str] | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
) -> Estimate:
    """Bytes still to fetch for the groups (remotes whose members are all recorded are skipped)."""
    chosen = info.version(version)
    layout = VersionLayout(resolve_settings(data_home).data_home, info.id, chosen.version)
    records = read_state(layout.state_path) if layout.state_path.is_file() else {}
    track_list = list(tracks) if tracks is not None else None
    count = total = unknown = done = 0
    planned: list[tuple[str, int | None]] = []
    for name in names:
        view, _group = asset_view(info, version, name, track_list)
        for remote in view.version(chosen.version).remotes:
            members = remote.required_members()
            if all(m.path in records and layout.member_path(m.path).is_file() for m in members):
                done += 1
                continue
            count += 1
            planned.append((remote.filename, remote.size))
            if remote.size is None:
                unknown += 1
            else:
                total += remote.size
    return Estimate(count, total, unknown, done, tuple(planned))


def download_assets(
    info: DatasetInfo,
    version: str | None,
    names: Sequence[str],
    tracks: Iterable[str] | None = None,
    **kwargs: object,
) -> list[DownloadSummary]:
    """Fetch and verify the named asset groups (or only the given tracks of them).

    ``kwargs`` are those of :func:`~mer_datasets.download.store.download_dataset` (data_home,
    mirror, offline, progress, fetch_options, limits)."""
    track_list = list(tracks) if tracks is not None else None
    summaries = []
    for name in names:
        view, _group = asset_view(info, version, name, track_list)
        summaries.append(download_dataset(view, version, **kwargs))  # type: ignore[arg-type]
    return summaries


def ingest_assets(
    info: DatasetInfo,
    source_dir: str | os.PathLike[str],
    version: str | None,
    names: Sequence[str],
    tracks: Iterable[str] | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
) -> list[object]:
    """Register asset files obtained by hand (gated audio, a lab copy), verified like a download.

    Same rules as ``mer-datasets ingest``: members at their paths, under one extra top folder,
    or as the archive the catalog names."""
    from .ingest import ingest_dataset

    track_list = list(tracks) if tracks is not None else None
    summaries: list[object] = []
    for name in names:
        view, _group = asset_view(info, version, name, track_list)
        summaries.append(ingest_dataset(view, source_dir, version, data_home=data_home))
    return summaries


def ensure_asset_files(
    info: DatasetInfo,
    version: str | None,
    name: str,
    tracks: Iterable[str] | None = None,
    **kwargs: object,
) -> DatasetFiles:
    """The verified local files of a group (or of some tracks): no hashing when unchanged since
    verification (same rule as annotations), otherwise the locked download path."""
    track_list = list(tracks) if tracks is not None else None
    view, _group = asset_view(info, version, name, track_list)
    data_home = kwargs.get("data_home")
    fast = verified_files(view, version, data_home=data_home)  # type: ignore[arg-type]
    if fast is not None:
        return fast
    try:
        return download_dataset(view, version, **kwargs).files  # type: ignore[arg-type]
    except OfflineError as exc:
        selection = f" --tracks {','.join(track_list)}" if track_list else ""
        include = name if _group.kind == "audio" else f"features:{name}"
        raise OfflineError(
            f"{exc} (asset group {name!r}: `mer-datasets download {info.id} --include "
            f"{include}{selection}`)"
        ) from None


def verify_assets(
    info: DatasetInfo,
    version: str | None,
    names: Sequence[str],
    *,
    data_home: str | os.PathLike[str] | None = None,
) -> list[object]:
    """Re-hash the local files of asset groups (no network); quarantine corrupt ones."""
    from .store import verify_dataset

    statuses: list[object] = []
    for name in names:
        view, _group = asset_view(info, version, name)
        statuses.extend(verify_dataset(view, version, data_home=data_home))
    return statuses


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover
