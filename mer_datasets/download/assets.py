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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from ..catalog import AssetGroup, DatasetInfo, Remote
from ..config import resolve_settings
from ..errors import (
    AssetError,
    CatalogError,
    OfflineError,
    UnknownTrackError,
)
from .layout import VersionLayout, match_file_pattern
from .manifests import expand_manifest, version_view
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
    if value.startswith("audio-") and value in chosen.assets:  # a variant: audio-low
        return [value]
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


def split_tracks(dataset: object, splits: Sequence[str]) -> list[str]:
    """Track ids of a loaded dataset whose ``split`` is one of ``splits`` (table order).

    Why from the tracks table: the splits are annotation files (MTG-Jamendo's split-0), so the
    loader's ``split`` column is where they are read and checked; an unknown split name is an
    error listing the known ones, never an empty download."""
    tracks = getattr(dataset, "tracks", None)
    info = getattr(dataset, "info", None)
    dataset_id = getattr(info, "id", "?")
    if tracks is None or "split" not in getattr(tracks, "columns", ()):
        raise AssetError(f"dataset {dataset_id!r}: its tracks table has no 'split' column")
    known = sorted(str(v) for v in tracks["split"].dropna().unique())
    unknown = [s for s in splits if s not in known]
    if unknown:
        raise AssetError(
            f"dataset {dataset_id!r}: no split {', '.join(map(repr, unknown))} in its tracks "
            f"table (splits: {', '.join(known) or 'none'})"
        )
    chosen = tracks[tracks["split"].astype("string").isin(list(splits))]
    return [str(t) for t in chosen["track_id"]]


def select_remotes(
    info: DatasetInfo, group: AssetGroup, tracks: Iterable[str] | None = None
) -> tuple[Remote, ...]:
    """The group's remotes a set of tracks needs (all when ``tracks`` is None).

    An archive stays only if it holds a wanted track, so only the needed archives are fetched;
    all of its track members are extracted (the bytes are here anyway, and a later offline
    call can then read the archive's other tracks). An archive that declares only its folder
    (MTG-Jamendo's tar ``-48`` holds folder ``48``) is needed when a wanted track's member path
    lies in that folder; the group's checksum manifest is always kept (it pins the members)."""
    if tracks is None:
        return group.remotes
    wanted = list(dict.fromkeys(tracks))
    check_tracks(info, group, wanted)
    members = [group.member_for(t) for t in wanted]
    positions = {group.remote_of_member[m] for m in members if m in group.remote_of_member}
    folders = [m.rpartition("/") for m in members]
    chosen: list[Remote] = []
    for position, remote in enumerate(group.remotes):
        manifest = group.manifest is not None and remote.path == group.manifest.member
        if (
            position in positions
            or manifest
            or any(
                d.path == folder and match_file_pattern(d.pattern, base)
                for d in remote.directories
                for folder, _, base in folders
            )
        ):
            chosen.append(remote)
    return tuple(chosen)


def check_tracks(info: DatasetInfo, group: AssetGroup, tracks: Sequence[str]) -> None:
    """Every track id must map to a member of the group; else one error naming the unknown ones.

    A group whose archives declare only folders knows its tracks by rule before its manifest is
    read: an id of the group's numbering whose member lies in a declared folder."""
    import difflib

    known = set(group.track_ids())
    unknown = [t for t in tracks if t not in known and not in_declared_folder(group, t)]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        if not close and group.track_id is not None:
            hint = f" Track ids look like {group.track_id.format(track_number=948)!r}."
        shown = ", ".join(repr(t) for t in unknown[:10])
        listed = f"{len(known)} tracks listed in the catalog" if known else "none listed"
        raise UnknownTrackError(
            f"dataset {info.id!r}, asset group {group.name!r}: no file for track(s) {shown} "
            f"({listed}).{hint}"
        )


def in_declared_folder(group: AssetGroup, track_id: str) -> bool:
    if group.track_index or (group.track_id is not None and group.track_number(track_id) is None):
        return False
    if "/" in track_id or track_id in ("", ".", ".."):
        return False
    folder, _, base = group.member_for(track_id).rpartition("/")
    return any(
        d.path == folder and match_file_pattern(d.pattern, base)
        for remote in group.remotes
        for d in remote.directories
    )


def asset_view(
    info: DatasetInfo,
    version: str | None,
    name: str,
    tracks: Iterable[str] | None = None,
    *,
    group: AssetGroup | None = None,
) -> tuple[DatasetInfo, AssetGroup]:
    """``info`` with the version's remotes replaced by the group's selected remotes.

    The store then treats the asset files exactly as annotation files (same folder, same lock,
    same records); the annotations' own records are untouched. ``group`` is the group to use
    (an expanded one, see :func:`expand_manifest`); by default the catalog's."""
    chosen = info.version(version)
    group = group or chosen.asset(name, dataset_id=info.id)
    remotes = select_remotes(info, group, tracks)
    return version_view(info, version, remotes), group


def _expanded(
    info: DatasetInfo,
    version: str | None,
    name: str,
    tracks: Sequence[str] | None = None,
    **kwargs: object,
) -> AssetGroup:
    """The group with its manifest applied; unknown ``tracks`` are refused before any fetch."""
    if tracks:
        check_tracks(info, info.version(version).asset(name, dataset_id=info.id), tracks)
    return expand_manifest(
        info, version, info.version(version).asset(name, dataset_id=info.id), **kwargs
    )


@dataclass(frozen=True)
class Estimate:
    """What a download of some asset groups would fetch: bytes (known sizes) and unknowns."""

    remotes: int
    bytes: int
    unknown_size: int
    already_verified: int
    #: (file name, size or None) of each remote still to fetch, in catalog order
    planned: tuple[tuple[str, int | None], ...] = ()
    #: remotes with no public URL (to obtain by hand and ``ingest``); not in ``remotes``
    by_hand: int = 0
    #: rough bytes of the unknown-size remotes, from their groups' published totals
    approximate_bytes: int = 0

    def __str__(self) -> str:
        text = f"{self.remotes} file(s) to fetch, {human_size(self.bytes)}"
        if self.unknown_size:
            text += f" + {self.unknown_size} file(s) of unknown size"
            if self.approximate_bytes:
                text += f" (about {human_size(self.approximate_bytes)} by the published total)"
        if self.by_hand:
            text += f"; {self.by_hand} file(s) with no public URL (obtain by hand, then ingest)"
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
    mirror: str | os.PathLike[str] | None = None,
) -> Estimate:
    """Bytes still to fetch for the groups (remotes whose members are all recorded are skipped).

    A remote with no public URL counts as "by hand" unless a mirror (``mirror`` or the
    configured one) may serve it."""
    chosen = info.version(version)
    settings = resolve_settings(data_home, mirror)
    layout = VersionLayout(settings.data_home, info.id, chosen.version)
    records = read_state(layout.state_path) if layout.state_path.is_file() else {}
    track_list = list(tracks) if tracks is not None else None
    count = total = unknown = done = by_hand = approximate = 0
    planned: list[tuple[str, int | None]] = []
    for name in names:
        if track_list:
            check_tracks(info, chosen.asset(name, dataset_id=info.id), track_list)
        local = _local_group(info, version, name, data_home)  # precise once the manifest is here
        view, _group = asset_view(info, version, name, track_list, group=local)
        unsized = [r for r in local.remotes if r.size is None]
        share = (local.approximate_bytes or 0) // max(1, len(unsized))
        for remote in view.version(chosen.version).remotes:
            members = remote.required_members()
            here = all(m.path in records and layout.member_path(m.path).is_file() for m in members)
            if here and all(layout.member_path(d.path).is_dir() for d in remote.directories):
                done += 1
                continue
            if (remote.url is None and settings.mirror is None) or info.access in (
                "gated",
                "offline",
            ):
                by_hand += 1
                continue
            count += 1
            planned.append((remote.filename, remote.size))
            if remote.size is None:
                unknown += 1
                approximate += share
            else:
                total += remote.size
    return Estimate(count, total, unknown, done, tuple(planned), by_hand, approximate)


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
        with _manual_hint(info, version, name):
            group = _expanded(info, version, name, track_list, **kwargs)
            view, _group = asset_view(info, version, name, track_list, group=group)
            summaries.append(download_dataset(view, version, **kwargs))  # type: ignore[arg-type]
    return summaries


@contextmanager
def _manual_hint(info: DatasetInfo, version: str | None, name: str) -> Iterator[None]:
    """Turn the store's manual-download message into one about the asset group.

    Why: the store lists every missing member and suggests a plain ``ingest``; for audio that is
    hundreds of lines and the wrong command (``--include`` is needed). This says what to obtain
    (the archives by name), why, and the exact command."""
    from ..errors import ManualDownloadRequired

    try:
        yield
    except ManualDownloadRequired:
        group = info.version(version).asset(name, dataset_id=info.id)
        include = name if group.kind == "audio" else f"features:{name}"
        why = (
            "its files are gated (a license/EULA must be accepted first)"
            if info.access == "gated"
            else "no public direct download URL is known for them"
        )
        lines = [
            f"dataset {info.id!r}, asset group {name!r}: cannot be downloaded automatically: {why}."
        ]
        if info.how_to_obtain:
            lines.append(f"How to obtain it: {info.how_to_obtain.strip()}")
        if info.eula_url:
            lines.append(f"EULA / access form: {info.eula_url}")
        if group.unknown_note:
            lines.append(f"Note: {group.unknown_note.strip()}")
        files = [r.filename for r in group.remotes]
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        lines.append(
            f"Expected: {shown} (or their {len(group.track_index) or 'listed'} track files at "
            f"their member paths, e.g. {group.member_for(next(iter(group.track_index), 'ID'))})."
        )
        lines.append(
            f"Once you have them in a folder DIR, run:\n  mer-datasets ingest {info.id} DIR "
            f"--include {include}"
        )
        raise ManualDownloadRequired("\n".join(lines)) from None


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
    or as the archive the catalog names. A group pinned by a checksum manifest (MTG-Jamendo)
    takes the manifest from ``source_dir`` when it is there (as the official repository lays it
    out, ``data/download/...``), else fetches it (1.5 MB) unless offline."""
    from ..errors import IngestError
    from .ingest import ingest_dataset

    track_list = list(tracks) if tracks is not None else None
    summaries: list[object] = []
    for name in names:
        declared = info.version(version).asset(name, dataset_id=info.id)
        if declared.manifest is not None:
            source = [r for r in declared.remotes if r.path == declared.manifest.member]
            with suppress(IngestError):  # not in the folder: fetched by the expansion below
                manifest_view = version_view(info, version, tuple(source))
                summaries.append(
                    ingest_dataset(manifest_view, source_dir, version, data_home=data_home)
                )
        group = _expanded(info, version, name, track_list, data_home=data_home)
        view, _group = asset_view(info, version, name, track_list, group=group)
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
    try:
        with _manual_hint(info, version, name):
            return _ensure(info, version, name, track_list, **kwargs)
    except OfflineError as exc:
        selection = f" --tracks {','.join(track_list)}" if track_list else ""
        kind = info.version(version).asset(name, dataset_id=info.id).kind
        include = name if kind == "audio" else f"features:{name}"
        raise OfflineError(
            f"{exc} (asset group {name!r}: `mer-datasets download {info.id} --include "
            f"{include}{selection}`)"
        ) from None


def _ensure(
    info: DatasetInfo,
    version: str | None,
    name: str,
    track_list: list[str] | None,
    **kwargs: object,
) -> DatasetFiles:
    group = _expanded(info, version, name, track_list, **kwargs)
    view, _group = asset_view(info, version, name, track_list, group=group)
    fast = verified_files(view, version, data_home=kwargs.get("data_home"))  # type: ignore[arg-type]
    wanted = [group.member_for(t) for t in track_list or ()]
    folders = [
        d.path
        for r in view.version(version).remotes
        for d in r.directories
        if not d.optional and track_list is None
    ]
    if (
        fast is not None
        and all(m in fast.members for m in wanted)
        and all(any(k.startswith(f + "/") for k in fast.members) for f in folders)
    ):
        return fast
    return download_dataset(view, version, **kwargs).files  # type: ignore[arg-type]


def verify_assets(
    info: DatasetInfo,
    version: str | None,
    names: Sequence[str],
    *,
    data_home: str | os.PathLike[str] | None = None,
) -> list[object]:
    """Re-hash the local files of asset groups (no network); quarantine corrupt ones.

    Only the remotes of which something is on disk are checked: a partial download (three of
    MTG-Jamendo's 100 tars) is verified as what it is, not reported as 18,000 missing files;
    :func:`asset_presence` says what is not downloaded."""
    from .store import verify_dataset

    statuses: list[object] = []
    for name in names:
        group = _local_group(info, version, name, data_home)
        present = _present_remotes(info, version, group, data_home)
        if not present:
            continue
        statuses.extend(
            verify_dataset(version_view(info, version, present), version, data_home=data_home)
        )
    return statuses


@dataclass(frozen=True)
class AssetPresence:
    """How much of an asset group is on disk: remotes with any file here, out of all."""

    name: str
    include: str
    remotes_present: int
    remotes_total: int
    size: int | None

    @property
    def complete(self) -> bool:
        return self.remotes_present == self.remotes_total

    #: True when the group has no public URL (or the dataset is gated): ingest, not download
    by_hand: bool = False

    def hint(self, dataset_id: str, access: str) -> str:
        """One line for ``verify``: what is here and the command that fetches the rest."""
        what = (
            "not downloaded"
            if not self.remotes_present
            else f"{self.remotes_present} of {self.remotes_total} file(s) downloaded"
        )
        size = f", {human_size(self.size)}" if self.size is not None else ""
        if self.by_hand or access in ("gated", "offline"):
            how = f"obtain it by hand, then `mer-datasets ingest {dataset_id} DIR --include {self.include}`"
        else:
            how = f"`mer-datasets download {dataset_id} --include {self.include}`"
        return (
            f"asset group {self.name!r} ({self.remotes_total} file(s){size}): {what}; "
            f"{how} (check it with `mer-datasets verify {dataset_id} --include {self.include}`)"
        )


def asset_presence(
    info: DatasetInfo,
    version: str | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
) -> list[AssetPresence]:
    """For each asset group of the version: how many of its remotes have a file on disk."""
    found = []
    for name, declared in info.version(version).assets.items():
        group = _local_group(info, version, name, data_home)
        present = _present_remotes(info, version, group, data_home)
        include = name if group.kind == "audio" else f"features:{name}"
        by_hand = all(r.url is None for r in declared.remotes)
        found.append(
            AssetPresence(name, include, len(present), len(group.remotes), group.size, by_hand)
        )
    return found


def _local_group(
    info: DatasetInfo, version: str | None, name: str, data_home: object
) -> AssetGroup:
    """The group expanded from its manifest when the manifest is on disk, else as declared
    (nothing is fetched, and nothing is written when the manifest is absent)."""
    declared = info.version(version).asset(name, dataset_id=info.id)
    if declared.manifest is None:
        return declared
    layout = VersionLayout(
        resolve_settings(data_home).data_home,  # type: ignore[arg-type]
        info.id,
        info.version(version).version,
    )
    if not layout.member_path(declared.manifest.member).is_file():
        return declared
    try:
        return _expanded(info, version, name, data_home=data_home, offline=True, progress=False)
    except OfflineError:
        return info.version(version).asset(name, dataset_id=info.id)


def _present_remotes(
    info: DatasetInfo, version: str | None, group: AssetGroup, data_home: object
) -> tuple[Remote, ...]:
    chosen = info.version(version)
    layout = VersionLayout(resolve_settings(data_home).data_home, info.id, chosen.version)  # type: ignore[arg-type]
    records = read_state(layout.state_path) if layout.state_path.is_file() else {}

    def here(path: str) -> bool:
        return path in records or layout.member_path(path).exists()

    return tuple(
        r
        for r in group.remotes
        if any(here(m.path) for m in r.required_members())
        or any(here(d.path) for d in r.directories)
    )


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover
