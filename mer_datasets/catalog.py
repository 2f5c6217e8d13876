"""The dataset catalog: ``catalog.yaml`` read, validated and turned into typed records.

Why data and not code: a dataset's homepage, citation, license, remotes, checksums and scales are
facts that reviewers check against sources; they belong in one reviewed file validated by a JSON
Schema (``schemas/catalog.schema.json``), not spread across loader modules. The checks a schema
cannot express (ids unique, default version listed, loader files present among the members,
dimension ranges ordered) are done here, with errors that name the dataset and the field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from .errors import CatalogError, UnknownDatasetError, UnknownVersionError, UnsafePathError
from .paths import (
    check_version,
    file_pattern_problem,
    filename_problem,
    path_problem,
    safe_filename,
    safe_relative_parts,
    version_problem,
)
from .resources import catalog_path, load_schema

CATALOG_SCHEMA = "catalog.schema.json"
#: a catalog file larger than this is refused before parsing (the packaged one is ~100 kB)
MAX_CATALOG_BYTES = 8 * 1024 * 1024
#: deepest nesting of mappings and sequences a catalog may have (the packaged one uses 6)
MAX_CATALOG_DEPTH = 32


@dataclass(frozen=True)
class Member:
    """One file the loaders need: its path in the dataset layout and how it is pinned."""

    path: str
    size: int | None
    sha256: str | None
    checksum_source: str
    checksum_note: str | None = None
    optional: bool = False
    #: in an asset group, the track of this file when its path does not hold the id
    track_id: str | None = None

    def __post_init__(self) -> None:
        safe_relative_parts(self.path)


@dataclass(frozen=True)
class DirectoryMember:
    """A folder of one file per item (e.g. DEAM's per-rater curves, ``<song_id>.csv``).

    Why not one member per file: the catalog often knows the folder, the naming pattern and how
    many files there should be, but not every name. ``count`` and ``manifest`` (file name ->
    sha256) are checked when known; without a manifest each file is trusted on first use, like a
    member without a pin. The folder's files become ordinary :class:`Member` s once listed
    (:mod:`mer_datasets.download.directories`).
    """

    path: str
    pattern: str
    count: int | None
    checksum_source: str
    manifest: tuple[tuple[str, str], ...] | None = None
    checksum_note: str | None = None
    optional: bool = False

    def __post_init__(self) -> None:
        safe_relative_parts(self.path, what="directory")
        problem = file_pattern_problem(self.pattern)
        if problem is not None:
            raise UnsafePathError(f"directory {self.path!r}: unsafe {problem}")
        for name, _ in self.manifest or ():
            safe_filename(name)


@dataclass(frozen=True)
class Remote:
    """One downloadable object: a plain file or an archive holding members."""

    url: str | None
    filename: str
    kind: str
    size: int | None
    sha256: str | None
    checksum_source: str
    checksum_note: str | None = None
    path: str | None = None
    members: tuple[Member, ...] = ()
    url_note: str | None = None
    optional: bool = False
    directories: tuple[DirectoryMember, ...] = ()

    def __post_init__(self) -> None:
        safe_filename(self.filename)
        if self.path is not None:
            safe_relative_parts(self.path)

    @property
    def is_archive(self) -> bool:
        return self.kind in ("zip", "tar")

    def required_members(self) -> tuple[Member, ...]:
        """The members a loader reads; a plain file is its own single member."""
        if self.kind == "file":
            assert self.path is not None
            return (
                Member(
                    path=self.path,
                    size=self.size,
                    sha256=self.sha256,
                    checksum_source=self.checksum_source,
                    checksum_note=self.checksum_note,
                    optional=self.optional,
                ),
            )
        return self.members


#: placeholders a ``track_member`` may hold: the id itself, or a track number and its last two
#: digits (MTG-Jamendo's ``48/948.mp3``: folder = number mod 100, zero-padded), and an extension
MEMBER_PLACEHOLDERS = ("{track_id}", "{track_number}", "{track_number_mod100}", "{ext}", "{folder}")


@cache
def track_member_regex(pattern: str) -> re.Pattern[str]:
    """``audio/{track_id}.{ext}`` -> a regex capturing the track id (one path segment, no dot
    when an ``{ext}`` follows it directly) and an extension of 1-8 letters or digits.
    ``{track_number}`` captures digits (group ``number``), ``{track_number_mod100}`` two digits
    (group ``mod100``)."""
    parts = re.split(
        r"(\{track_id\}|\{ext\}|\{track_number\}|\{track_number_mod100\}|\{folder\})", pattern
    )
    regex = []
    for index, part in enumerate(parts):
        if part == "{track_id}":
            follows_ext = index + 2 < len(parts) and parts[index + 2] == "{ext}"
            regex.append(r"(?P<track>[^/]+?)" if follows_ext else r"(?P<track>[^/]+)")
        elif part == "{track_number}":
            regex.append(r"(?P<number>[0-9]+)")
        elif part == "{track_number_mod100}":
            regex.append(r"(?P<mod100>[0-9]{2})")
        elif part == "{ext}":
            regex.append(r"[A-Za-z0-9]{1,8}")
        elif part == "{folder}":
            regex.append(r"[^/]+")
        else:
            regex.append(re.escape(part))
    return re.compile("".join(regex))


@cache
def track_id_regex(template: str) -> re.Pattern[str]:
    """``track_{track_number:07d}`` -> a regex capturing the number of such a track id."""
    parts = re.split(r"(\{track_number(?::[0-9<>=^]*d)?\})", template)
    regex = [
        r"(?P<number>[0-9]+)" if part.startswith("{track_number") else re.escape(part)
        for part in parts
    ]
    return re.compile("".join(regex))


@dataclass(frozen=True)
class AssetManifest:
    """A per-file checksum list published with a split release (``sha256  path`` lines).

    Why a member and not inline pins: MTG-Jamendo publishes 18,486 per-track sha256 in one file
    per data type; the catalog pins that file (its own sha256), and the store fetches it first and
    pins every track member from it. ``member`` is the path of one of the group's file remotes."""

    member: str
    format: str = "sha256sum"


@dataclass(frozen=True)
class AssetGroup:
    """An optional group of a version's files beside the annotations: audio or a feature set.

    Why separate from ``remotes``: a plain load must never fetch gigabytes of audio. A group is
    fetched only when asked (``download --include``, :mod:`mer_datasets.assets`), through the same
    verified store. ``track_member`` maps member paths to track ids: the member path with
    ``{track_id}`` where the id stands (``audio/{track_id}.mp3``)."""

    name: str
    kind: str
    track_member: str
    remotes: tuple[Remote, ...]
    description: str | None = None
    license_note: str | None = None
    unknown_note: str | None = None
    format: Mapping[str, Any] = field(default_factory=dict)

    #: how a track number becomes the dataset's track id (``track_{track_number:07d}``); only
    #: with a ``{track_number}`` track_member
    track_id: str | None = None
    manifest: AssetManifest | None = None
    #: a published total size of the group (e.g. "152 GB" in MTG-Jamendo's README) when the
    #: archives' own sizes are unknown: only for estimates, never checked
    approximate_bytes: int | None = None

    def __post_init__(self) -> None:
        rest = self.track_member
        for placeholder in MEMBER_PLACEHOLDERS:
            rest = rest.replace(placeholder, "", 1)
        numbered = "{track_number}" in self.track_member
        if (
            ("{track_id}" in self.track_member) == numbered
            or "{" in rest
            or "}" in rest
            or ("{track_number_mod100}" in self.track_member and not numbered)
        ):
            raise CatalogError(
                f"asset group {self.name!r}: track_member {self.track_member!r} must hold "
                "'{track_id}' or '{track_number}' once (and at most one '{ext}' and one "
                "'{track_number_mod100}')"
            )
        if numbered != (self.track_id is not None):
            raise CatalogError(
                f"asset group {self.name!r}: 'track_id' (e.g. 'track_{{track_number:07d}}') is "
                "given exactly when track_member holds '{track_number}'"
            )
        if self.track_id is not None and "{track_number" not in self.track_id:
            raise CatalogError(
                f"asset group {self.name!r}: track_id {self.track_id!r} must hold "
                "'{track_number}' (optionally with a format such as ':07d')"
            )
        filled = self.track_member
        for placeholder in MEMBER_PLACEHOLDERS:
            filled = filled.replace(placeholder, "x")
        safe_relative_parts(filled)

    def member_for(self, track_id: str) -> str:
        """The member path of a track: the listed member that maps to it, else the rule filled."""
        listed = self.track_index.get(track_id)
        if listed is not None:
            return listed
        number = self.track_number(track_id)
        if number is not None:
            return self.track_member.replace(
                "{track_number_mod100}", f"{number % 100:02d}"
            ).replace("{track_number}", str(number))
        return self.track_member.replace("{track_id}", track_id)

    def track_number(self, track_id: str) -> int | None:
        """The number in a track id of a numbered group (None if not numbered or no match)."""
        if self.track_id is None:
            return None
        found = track_id_regex(self.track_id).fullmatch(track_id)
        if found is None:
            return None
        number = int(found.group("number"))
        return number if self.track_id.format(track_number=number) == track_id else None

    @cached_property
    def track_index(self) -> Mapping[str, str]:
        """track id -> member path, for every listed member that is a track file."""
        index: dict[str, str] = {}
        for member in self.members():
            track = self.track_for(member.path)
            if track is not None:
                index.setdefault(track, member.path)
        return index

    @cached_property
    def remote_of_member(self) -> Mapping[str, int]:
        """member path -> position of the remote holding it (a selection looks tracks up here
        instead of matching every member of a release of 18,486 files)."""
        index: dict[str, int] = {}
        for position, remote in enumerate(self.remotes):
            for member in remote.required_members():
                index.setdefault(member.path, position)
        return index

    @cached_property
    def listed_tracks(self) -> Mapping[str, str]:
        """member path -> track id for members that name their track (``track_id:``)."""
        return {m.path: m.track_id for m in self.members() if m.track_id is not None}

    def track_for(self, member_path: str) -> str | None:
        """The track id of a member path, or None when the member is not a track file."""
        listed = self.listed_tracks.get(member_path)
        if listed is not None:
            return listed
        found = track_member_regex(self.track_member).fullmatch(member_path)
        if found is None:
            return None
        if self.track_id is None:
            return found.group("track")
        number = int(found.group("number"))
        mod100 = found.groupdict().get("mod100")
        if mod100 is not None and int(mod100) != number % 100:
            return None
        return self.track_id.format(track_number=number)

    def members(self) -> tuple[Member, ...]:
        return tuple(m for remote in self.remotes for m in remote.required_members())

    def track_ids(self) -> tuple[str, ...]:
        """Every track id the group's members map to, in catalog order."""
        return tuple(self.track_index)

    @property
    def track_count(self) -> int | None:
        """Tracks of the group: listed members, plus the declared counts of folder-only archives
        (None when a folder's count is unknown)."""
        counts = [d.count for r in self.remotes for d in r.directories]
        if any(c is None for c in counts):
            return None
        return len(self.track_index) + sum(c for c in counts if c is not None)

    @property
    def size(self) -> int | None:
        """Bytes of all remotes, or None when one size is unknown."""
        sizes = [r.size for r in self.remotes]
        return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)


@dataclass(frozen=True)
class Dimension:
    """A rated or published dimension and its scale (the declared range is the raw scale)."""

    name: str
    scale: str
    level: str
    in_: tuple[str, ...]
    description: str | None = None
    min: float | None = None
    max: float | None = None
    values: tuple[float, ...] | None = None
    categories: tuple[str, ...] | None = None
    vocabulary: str | None = None
    unit: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.scale in ("binary", "likert", "slider", "continuous", "count")


@dataclass(frozen=True)
class Version:
    """One release of a dataset: what to fetch and how to parse it."""

    version: str
    loader: str | None
    remotes: tuple[Remote, ...]
    files: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
    assets: Mapping[str, AssetGroup] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_version(self.version)

    def asset(self, name: str, *, dataset_id: str = "?") -> AssetGroup:
        """The named asset group ('audio' or a feature set), or a CatalogError listing them."""
        try:
            return self.assets[name]
        except KeyError:
            listed = ", ".join(sorted(self.assets)) or "none"
            raise CatalogError(
                f"dataset {dataset_id!r} version {self.version}: no asset group {name!r} in the "
                f"catalog (groups: {listed})"
            ) from None

    def members(self) -> tuple[Member, ...]:
        return tuple(m for remote in self.remotes for m in remote.required_members())


@dataclass(frozen=True)
class DatasetInfo:
    """Everything the catalog knows about one dataset."""

    id: str
    name: str
    year: int
    description: str
    homepage: str
    citation: str
    license: str
    access: str
    synthetic: bool
    taxonomy: str
    perspective: str
    temporal: str
    per_rater: bool
    dimensions: tuple[Dimension, ...]
    default_version: str
    versions: tuple[Version, ...]
    raw: Mapping[str, Any]
    license_note: str | None = None
    how_to_obtain: str | None = None
    eula_url: str | None = None
    rater_attributes: tuple[str, ...] = ()
    counts: Mapping[str, Any] = field(default_factory=dict)

    def version(self, version: str | None = None) -> Version:
        """The named version, or the default (latest) one when ``version`` is None."""
        wanted = version or self.default_version
        for candidate in self.versions:
            if candidate.version == wanted:
                return candidate
        listed = ", ".join(v.version for v in self.versions)
        raise UnknownVersionError(
            f"dataset {self.id!r} has no version {wanted!r}; the catalog lists: {listed}"
        )

    def dimension(self, name: str) -> Dimension | None:
        for dim in self.dimensions:
            if dim.name == name:
                return dim
        return None

    @property
    def version_ids(self) -> tuple[str, ...]:
        return tuple(v.version for v in self.versions)

    @property
    def loadable(self) -> bool:
        return any(v.loader for v in self.versions)


class Catalog:
    """An ordered, validated set of :class:`DatasetInfo` keyed by id."""

    def __init__(self, datasets: list[DatasetInfo], source: str = "<memory>") -> None:
        self._datasets = {info.id: info for info in datasets}
        self.source = source

    def __iter__(self) -> Iterator[DatasetInfo]:
        return iter(self._datasets.values())

    def __len__(self) -> int:
        return len(self._datasets)

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self._datasets

    def ids(self) -> list[str]:
        return list(self._datasets)

    def get(self, dataset_id: str) -> DatasetInfo:
        try:
            return self._datasets[dataset_id]
        except KeyError:
            close = difflib.get_close_matches(dataset_id, self._datasets, n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownDatasetError(
                f"unknown dataset {dataset_id!r}.{hint} Run `mer-datasets list` to see the "
                f"{len(self._datasets)} datasets of the catalog ({self.source})."
            ) from None


def _member(entry: Mapping[str, Any]) -> Member:
    return Member(
        path=entry["path"],
        size=entry.get("size"),
        sha256=entry.get("sha256"),
        checksum_source=entry.get("checksum_source", "unknown"),
        checksum_note=entry.get("checksum_note"),
        optional=bool(entry.get("optional", False)),
        track_id=entry.get("track_id"),
    )


def _remote(entry: Mapping[str, Any]) -> Remote:
    return Remote(
        url=entry.get("url"),
        filename=entry["filename"],
        kind=entry["kind"],
        size=entry.get("size"),
        sha256=entry.get("sha256"),
        checksum_source=entry.get("checksum_source", "unknown"),
        checksum_note=entry.get("checksum_note"),
        path=entry.get("path"),
        members=tuple(_member(m) for m in entry.get("members", ()) if "directory" not in m),
        url_note=entry.get("url_note"),
        optional=bool(entry.get("optional", False)),
        directories=tuple(_directory(m) for m in entry.get("members", ()) if "directory" in m),
    )


def _directory(entry: Mapping[str, Any]) -> DirectoryMember:
    manifest = entry.get("manifest")
    return DirectoryMember(
        path=entry["directory"],
        pattern=entry["pattern"],
        count=entry.get("count"),
        checksum_source=entry.get("checksum_source", "unknown"),
        manifest=tuple(sorted(manifest.items())) if manifest is not None else None,
        checksum_note=entry.get("checksum_note"),
        optional=bool(entry.get("optional", False)),
    )


def _asset_group(name: str, entry: Mapping[str, Any]) -> AssetGroup:
    return AssetGroup(
        name=name,
        kind=entry["kind"],
        track_member=entry["track_member"],
        remotes=tuple(_remote(r) for r in entry["remotes"]),
        description=entry.get("description"),
        license_note=entry.get("license_note"),
        unknown_note=entry.get("unknown_note"),
        format=dict(entry.get("format") or {}),
        track_id=entry.get("track_id"),
        manifest=AssetManifest(**entry["manifest"]) if entry.get("manifest") else None,
        approximate_bytes=entry.get("approximate_bytes"),
    )


def _dimension(entry: Mapping[str, Any]) -> Dimension:
    values = entry.get("values")
    categories = entry.get("categories")
    return Dimension(
        name=entry["name"],
        scale=entry["scale"],
        level=entry["level"],
        in_=tuple(entry["in"]),
        description=entry.get("description"),
        min=entry.get("min"),
        max=entry.get("max"),
        values=tuple(float(v) for v in values) if values is not None else None,
        categories=tuple(str(c) for c in categories) if categories is not None else None,
        vocabulary=entry.get("vocabulary"),
        unit=entry.get("unit"),
    )


def _dataset(entry: Mapping[str, Any]) -> DatasetInfo:
    model = entry["emotion_model"]
    versions = tuple(
        Version(
            version=str(v["version"]),
            loader=v.get("loader"),
            remotes=tuple(_remote(r) for r in v.get("remotes", ())),
            files=dict(v.get("files") or {}),
            options=dict(v.get("options") or {}),
            description=v.get("description"),
            assets={
                name: _asset_group(name, group) for name, group in (v.get("assets") or {}).items()
            },
        )
        for v in entry["versions"]
    )
    return DatasetInfo(
        id=entry["id"],
        name=entry["name"],
        year=int(entry["year"]),
        description=entry["description"].strip(),
        homepage=entry["homepage"],
        citation=entry["citation"].strip(),
        license=entry["license"],
        access=entry["access"],
        synthetic=bool(entry["synthetic"]),
        taxonomy=model["taxonomy"],
        perspective=model["perspective"],
        temporal=model["temporal"],
        per_rater=bool(entry["per_rater"]),
        dimensions=tuple(_dimension(d) for d in entry["dimensions"]),
        default_version=str(entry["default_version"]),
        versions=versions,
        raw=entry,
        license_note=entry.get("license_note"),
        how_to_obtain=entry.get("how_to_obtain"),
        eula_url=entry.get("eula_url"),
        rater_attributes=tuple(entry.get("rater_attributes", ())),
        counts=dict(entry.get("counts") or {}),
    )


def validate_document(
    document: Any, source: str = "catalog", *, check_loaders: bool = True
) -> list[str]:
    """Every problem of a catalog document, as messages naming dataset and field; [] if valid.

    ``check_loaders`` also checks that each ``loader`` names a loader module (off for entries
    built in memory, which may name a loader that a test registers itself)."""
    from jsonschema import Draft202012Validator

    problems: list[str] = []
    validator = Draft202012Validator(load_schema(CATALOG_SCHEMA))
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        problems.append(
            f"{source}: {_describe_location(document, error.absolute_path)}: {_explain(error)}"
        )
    if problems or not isinstance(document, dict):
        return problems
    problems.extend(_semantic_problems(document["datasets"], source))
    if check_loaders:
        problems.extend(_loader_problems(document["datasets"], source))
    return problems


def _explain(error: Any) -> str:
    """The schema's message, except for path strings: their rule in words, not a regex."""
    parts = list(error.absolute_path)
    if error.validator != "pattern" or not parts or not isinstance(error.instance, str):
        return error.message
    key = parts[-1]
    explained = None
    if key == "version" and len(parts) >= 2 and isinstance(parts[-2], int):
        explained = version_problem(error.instance)
    elif key == "filename":
        explained = filename_problem(error.instance)
    elif key == "path" or (len(parts) >= 2 and parts[-2] == "files"):
        explained = path_problem(error.instance)
    return explained or error.message


def _describe_location(document: Any, path: Any) -> str:
    parts = list(path)
    label = "/".join(str(p) for p in parts) or "(top level)"
    if len(parts) >= 2 and parts[0] == "datasets" and isinstance(parts[1], int):
        try:
            dataset_id = document["datasets"][parts[1]].get("id", "?")
        except (KeyError, IndexError, TypeError, AttributeError):
            dataset_id = "?"
        rest = "/".join(str(p) for p in parts[2:]) or "(entry)"
        label = f"dataset {dataset_id!r}, field {rest}"
    return label


def _semantic_problems(entries: list[Mapping[str, Any]], source: str) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        dataset_id = entry["id"]
        where = f"{source}: dataset {dataset_id!r}"
        if dataset_id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(dataset_id)
        versions = [v["version"] for v in entry["versions"]]
        if len(set(versions)) != len(versions):
            problems.append(f"{where}: duplicate version ids {versions}")
        if entry["default_version"] not in versions:
            problems.append(
                f"{where}: default_version {entry['default_version']!r} is not among versions {versions}"
            )
        names = [d["name"] for d in entry["dimensions"]]
        if len(set(names)) != len(names):
            problems.append(f"{where}: duplicate dimension names")
        for dim in entry["dimensions"]:
            if "min" in dim and "max" in dim and dim["min"] >= dim["max"]:
                problems.append(f"{where}, dimension {dim['name']!r}: min must be < max")
            for value in dim.get("values", ()):
                if "min" in dim and not dim["min"] <= value <= dim["max"]:
                    problems.append(
                        f"{where}, dimension {dim['name']!r}: value {value} outside [min, max]"
                    )
        for version in entry["versions"]:
            problems.extend(f"{where}, {problem}" for problem in _path_problems(version))
            member_paths: set[str] = set()
            for remote in version.get("remotes", ()):
                if remote["kind"] == "file":
                    member_paths.add(remote["path"])
                for member in remote.get("members", ()):
                    member_paths.add(member.get("path") or member["directory"])
            for logical, path in (version.get("files") or {}).items():
                if path not in member_paths:
                    problems.append(
                        f"{where}, version {version['version']!r}: files.{logical} = {path!r} "
                        "is not a member of any remote"
                    )
            problems.extend(f"{where}, {problem}" for problem in _asset_problems(version))
            if version.get("loader") and not version.get("remotes"):
                problems.append(f"{where}, version {version['version']!r}: a loader needs remotes")
        if entry["access"] == "embedded":
            for version in entry["versions"]:
                for remote in version.get("remotes", ()):
                    if remote.get("url") is not None:
                        problems.append(f"{where}: an embedded dataset has no URLs")
    return problems


def _asset_problems(version: Mapping[str, Any]) -> list[str]:
    """Asset groups: 'audio' is of kind audio, every group maps at least one member to a track,
    and no file name or member path is used twice in a version (they share one folder)."""
    found = []
    label = version.get("version")
    filenames = [r["filename"] for r in version.get("remotes", ())]
    #: filename -> (url, sha256, kind): one archive may serve annotations and assets (4QAED's zip
    #: holds both) when every declaration of it names the same download
    declared: dict[str, set[tuple[Any, Any, Any]]] = {}
    for remote in version.get("remotes", ()):
        declared.setdefault(remote["filename"], set()).add(_download_of(remote))
    paths = [r["path"] for r in version.get("remotes", ()) if "path" in r]
    for name, group in (version.get("assets") or {}).items():
        audio_name = name == "audio" or name.startswith("audio-")
        if audio_name and group["kind"] != "audio":
            found.append(f"assets.{name} must be of kind 'audio', not {group['kind']!r}")
        if not audio_name and group["kind"] == "audio":
            found.append(
                f"assets.{name}: an audio group is named 'audio' (or 'audio-VARIANT', e.g. "
                "'audio-low')"
            )
        try:
            built = _asset_group(name, group)
        except (CatalogError, TypeError, UnsafePathError) as exc:
            found.append(f"assets.{name}: {exc}")
            continue
        members = [m.path for m in built.members()]
        folders = [d for r in built.remotes for d in r.directories]
        if not built.track_index and not folders:
            found.append(f"assets.{name}: no member matches track_member {group['track_member']!r}")
        found.extend(f"assets.{name}: {p}" for p in _numbered_folder_problems(built))
        if built.manifest is not None and built.manifest.member not in members:
            found.append(
                f"assets.{name}: manifest member {built.manifest.member!r} is not a member of "
                "the group's remotes"
            )
        for remote in group["remotes"]:
            shared = declared.setdefault(remote["filename"], set())
            if not shared or _download_of(remote) not in shared or remote.get("kind") == "file":
                filenames.append(remote["filename"])
            shared.add(_download_of(remote))
        paths.extend(members)
    for what, values in (("file name", filenames), ("member path", paths)):
        doubles = sorted({v for v in values if values.count(v) > 1})
        if doubles and version.get("assets"):
            found.append(f"{what}(s) used twice (remotes and assets share one folder): {doubles}")
    return [f"version {label!r}: {problem}" for problem in found]


def _download_of(remote: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    return (remote.get("url"), remote.get("sha256"), remote.get("kind"))


def _numbered_folder_problems(group: AssetGroup) -> list[str]:
    """A folder-only archive of a numbered group must be the folder its tracks map to: its path
    is the member rule's folder with two digits, and each folder is declared once."""
    found = []
    seen: dict[str, str] = {}
    for remote in group.remotes:
        for directory in remote.directories:
            if directory.path in seen:
                found.append(
                    f"folder {directory.path!r} declared by {seen[directory.path]} and "
                    f"{remote.filename}"
                )
            seen[directory.path] = remote.filename
            if group.track_id is None:
                folder = group.track_member.replace("{track_id}", "x").rpartition("/")[0]
                if folder != directory.path:
                    found.append(
                        f"folder {directory.path!r} of {remote.filename} is not the folder of "
                        f"track_member {group.track_member!r}"
                    )
                continue
            probe = f"{directory.path}/1.x"
            rule = group.track_member.rsplit("/", 1)[0]
            folder_rule = track_member_regex(rule + "/{track_id}.x")
            if "/" not in group.track_member or not folder_rule.fullmatch(probe):
                found.append(
                    f"folder {directory.path!r} of {remote.filename} is not a folder of "
                    f"track_member {group.track_member!r}"
                )
    return found


def _path_problems(version: Mapping[str, Any]) -> list[str]:
    """Every catalog string of a version that would become an unsafe path (see mer_datasets.paths)."""
    found = []
    label = version.get("version")
    problem = version_problem(label)
    if problem is not None:
        found.append(problem)
    for remote in version.get("remotes", ()):
        found.append(filename_problem(remote.get("filename")))
        if "path" in remote:
            found.append(path_problem(remote["path"]))
        for member in remote.get("members", ()):
            if "directory" not in member:
                found.append(path_problem(member.get("path")))
                continue
            found.append(path_problem(member.get("directory"), what="directory"))
            found.append(file_pattern_problem(member.get("pattern")))
            for name in member.get("manifest") or {}:
                found.append(filename_problem(name))
    for logical, path in (version.get("files") or {}).items():
        found.append(path_problem(path, what=f"files.{logical}"))
    for name, group in (version.get("assets") or {}).items():
        for remote in group.get("remotes", ()):
            found.append(filename_problem(remote.get("filename")))
            if "path" in remote:
                found.append(path_problem(remote["path"]))
            for member in remote.get("members", ()):
                if "directory" in member:
                    found.append(path_problem(member.get("directory"), what="directory"))
                    found.append(file_pattern_problem(member.get("pattern")))
                else:
                    found.append(path_problem(member.get("path")))
        pattern = group.get("track_member")
        if isinstance(pattern, str):
            filled = pattern
            for placeholder in MEMBER_PLACEHOLDERS:
                filled = filled.replace(placeholder, "x")
            found.append(path_problem(filled, what=f"assets.{name}.track_member"))
    return [f"version {label!r}: {problem}" for problem in found if problem is not None]


@cache
def loader_problem(name: str) -> str | None:
    """Why ``loader: name`` names no loader module, or None (checked without importing it: a
    top-level ``def load(`` and ``LOADER_VERSION =`` in its source).

    A loader module defines ``LOADER_VERSION`` and a ``load`` function at top level; ``base``
    or ``csvfile`` are helpers, and ``loader: base`` would pass the schema, then crash a load.
    """
    import importlib.util
    import re

    if not name.isidentifier() or name.startswith("_"):
        return f"loader {name!r} is not a module name"
    try:
        spec = importlib.util.find_spec(f"mer_datasets.loaders.{name}")
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return f"loader {name!r}: there is no module mer_datasets/loaders/{name}.py"
    try:
        source = Path(spec.origin).read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        return f"loader {name!r}: cannot read its module ({exc})"
    functions = set(re.findall(r"^def (load)\(", source, flags=re.MULTILINE))
    assigned = set(re.findall(r"^(LOADER_VERSION)\s*[:=]", source, flags=re.MULTILINE))
    if "load" not in functions or "LOADER_VERSION" not in assigned:
        return (
            f"loader {name!r}: mer_datasets/loaders/{name}.py is not a loader (a loader defines "
            "LOADER_VERSION and load(ctx))"
        )
    return None


def _loader_problems(entries: list[Mapping[str, Any]], source: str) -> list[str]:
    problems = []
    for entry in entries:
        for version in entry["versions"]:
            name = version.get("loader")
            problem = loader_problem(name) if name else None
            if problem is not None:
                problems.append(
                    f"{source}: dataset {entry['id']!r}, version {version['version']!r}: {problem}"
                )
    return problems


def catalog_from_entries(
    entries: list[Mapping[str, Any]], *, validate: bool = True, source: str = "<entries>"
) -> Catalog:
    """Build a catalog from dataset entries shaped like ``catalog.yaml``'s ``datasets`` list."""
    document = {"schema_version": 1, "datasets": list(entries)}
    if validate:
        problems = validate_document(document, source, check_loaders=False)
        if problems:
            raise CatalogError(_format_problems(problems))
    try:
        return Catalog([_dataset(e) for e in entries], source=source)
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{source}: malformed entry ({exc!r}); run validate-catalog") from exc


def _safe_loader() -> Any:
    """libyaml's safe loader when available (10x faster), else the pure-Python one; never unsafe."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_document(path: str | Path) -> Any:
    """Read a catalog YAML file safely: bounded, without aliases, never constructing objects.

    Why the bounds: a user may pass any file as ``--catalog``. At most ``MAX_CATALOG_BYTES`` are
    read (``/dev/zero`` fails at once), and YAML anchors/aliases are refused before anything is
    built (a "billion laughs" file of 1 kB expands to 10^9 nodes), as is nesting deeper than
    ``MAX_CATALOG_DEPTH``. The catalog needs neither.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CATALOG_BYTES + 1)
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_CATALOG_BYTES:
        raise CatalogError(
            f"catalog {path} is larger than {MAX_CATALOG_BYTES} bytes; refused before parsing "
            "(is it really a catalog?)"
        )
    return parse_document(raw, str(path))


def parse_document(raw: bytes, source: str) -> Any:
    """YAML bytes -> document, refusing anchors, aliases and deep nesting (see read_document)."""
    import yaml

    try:
        depth = 0
        for event in yaml.parse(raw, Loader=_safe_loader()):  # noqa: S506 - safe loader
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise CatalogError(
                    f"catalog {source}, line {line}: YAML anchors and aliases are not allowed "
                    "in a catalog (write each value out)"
                )
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_CATALOG_DEPTH:
                    raise CatalogError(
                        f"catalog {source}: nested deeper than {MAX_CATALOG_DEPTH} levels"
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        return yaml.load(raw, Loader=_safe_loader())  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise CatalogError(f"catalog {source} is not valid YAML: {exc}") from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CatalogError(f"catalog {source} cannot be parsed: {exc}") from exc


def load_catalog(path: str | Path | None = None, *, validate: bool = True) -> Catalog:
    """Read and validate a catalog file (default: the packaged ``catalog.yaml``)."""
    path = Path(path) if path is not None else catalog_path()
    document = read_document(path)
    if validate:
        problems = validate_document(document, str(path))
        if problems:
            raise CatalogError(_format_problems(problems))
    if not isinstance(document, dict) or not isinstance(document.get("datasets"), list):
        raise CatalogError(f"catalog {path}: expected a mapping with a 'datasets' list")
    return catalog_from_entries(document["datasets"], validate=False, source=str(path))


def _format_problems(problems: list[str]) -> str:
    shown = problems[:20]
    more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return f"{len(problems)} catalog problem(s):\n  " + "\n  ".join(shown) + more


@cache
def default_catalog() -> Catalog:
    """The packaged catalog, read and validated once per process.

    Why a validated snapshot: checking the JSON Schema costs more than the rest of a CLI call, and
    parsing 90 kB of YAML (30 ms, plus 15 ms to import PyYAML) is a large part of what remains.
    The full check runs once per distinct content of ``catalog.yaml`` + schema; the validated
    document is then kept as JSON in the user cache directory, in a file named by the sha256 of
    that content, and later calls read the JSON (1 ms) and run only the cheap semantic checks.
    Any edit changes the hash, so the YAML is parsed and validated again; a snapshot that does
    not parse is ignored and replaced.
    """
    import hashlib

    path = catalog_path()
    schema_file = Path(path).parent / "schemas" / CATALOG_SCHEMA
    try:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw + schema_file.read_bytes()).hexdigest()
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc}") from exc
    stamp_dir = _stamp_dir()
    snapshot = stamp_dir / f"catalog-{digest}.json" if stamp_dir else None
    document = _read_snapshot(snapshot)
    if document is not None:
        problems = _semantic_problems(document["datasets"], str(path))
    else:
        document = parse_document(raw, str(path))
        problems = validate_document(document, str(path))  # schema + semantic checks
        if not problems and snapshot is not None:
            _write_snapshot(snapshot, document)
    if problems:
        raise CatalogError(_format_problems(problems))
    return catalog_from_entries(document["datasets"], validate=False, source=str(path))


def _read_snapshot(snapshot: Path | None) -> dict[str, Any] | None:
    import json

    if snapshot is None:
        return None
    try:
        document = json.loads(snapshot.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("datasets"), list):
        return None
    return document


def _write_snapshot(snapshot: Path, document: dict[str, Any]) -> None:
    """Write the validated document atomically, if JSON keeps it exactly (YAML dates would not);
    a read-only cache only costs time."""
    import json
    import os

    try:
        text = json.dumps(document)
        if json.loads(text) != document:
            return
    except (TypeError, ValueError):
        return
    temporary = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.tmp")
    try:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, snapshot)
    except OSError:
        temporary.unlink(missing_ok=True)


def _stamp_dir() -> Path | None:
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("mer-datasets"))
    except Exception:  # pragma: no cover - platformdirs is a dependency; stay usable regardless
        return None
