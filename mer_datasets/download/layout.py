"""The folders of one dataset version in the data home (see docs/dev/contracts.md).

Why a small class: every module (store, ingest, cache, tests) must agree on where verified files,
archives, partial downloads, quarantined files and the state record live.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class VersionLayout:
    """``<home>/<id>/<version>/{files,downloads,.tmp,quarantine,cache,state.json}``."""

    home: Path
    dataset_id: str
    version: str

    @property
    def dataset_dir(self) -> Path:
        return self.home / self.dataset_id

    @property
    def lock_path(self) -> Path:
        return self.dataset_dir / ".lock"

    @property
    def root(self) -> Path:
        return self.dataset_dir / self.version

    @property
    def files_dir(self) -> Path:
        return self.root / "files"

    @property
    def downloads_dir(self) -> Path:
        return self.root / "downloads"

    @property
    def tmp_dir(self) -> Path:
        return self.root / ".tmp"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def member_path(self, member: str) -> Path:
        """Final path of a member (``files/<member path>``); the path must be safe."""
        return self.files_dir.joinpath(*safe_relative_parts(member))

    def archive_path(self, filename: str) -> Path:
        return self.downloads_dir / safe_filename(filename)

    def partial_path(self, filename: str) -> Path:
        """Where a download of ``filename`` is streamed (resumable, never trusted)."""
        return self.tmp_dir / (safe_filename(filename) + ".part")


def safe_relative_parts(path: str) -> tuple[str, ...]:
    """The parts of a catalog member path, refusing anything that could leave the folder."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or "\\" in path or not pure.parts or ".." in pure.parts:
        raise ValueError(
            f"unsafe member path {path!r}: expected a relative POSIX path without '..'"
        )
    return tuple(part for part in pure.parts if part != ".")


def safe_filename(filename: str) -> str:
    """A catalog ``filename`` is a single path component."""
    if not filename or "/" in filename or "\\" in filename or filename in (".", ".."):
        raise ValueError(f"unsafe file name {filename!r}: expected a single path component")
    return filename


def member_candidates(member: str, available: set[str] | frozenset[str]) -> list[str]:
    """Names in ``available`` that hold ``member``: itself, else under one extra top folder.

    Why the tolerance: archives and hand-made copies often wrap the release in one folder
    (``DEAM_Annotations/annotations/...`` for the catalog's ``annotations/...``). An exact match
    wins; otherwise every ``<one folder>/<member>`` is returned and the caller refuses ambiguity.
    """
    if member in available:
        return [member]
    return sorted(name for name in available if "/" in name and name.split("/", 1)[1] == member)
