"""The folders of one dataset version in the data home (see docs/dev/contracts.md).

Why a small class: every module (store, ingest, cache, tests) must agree on where verified files,
archives, partial downloads, quarantined files and the state record live.

The path checks themselves live in :mod:`mer_datasets.paths` (below the catalog, which runs them
at validation); every folder here is built from checked segments only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..paths import (  # noqa: F401  (re-exported: the download layer's path vocabulary)
    DATASET_ID_PATTERN,
    MAX_PATH_CHARS,
    SEGMENT_PATTERN,
    VERSION_PATTERN,
    check_dataset_id,
    check_version,
    file_pattern_problem,
    filename_problem,
    match_file_pattern,
    path_problem,
    safe_filename,
    safe_join,
    safe_relative_parts,
    version_problem,
)


@dataclass(frozen=True)
class VersionLayout:
    """``<home>/<id>/<version>/{files,downloads,.tmp,quarantine,cache,state.json}``."""

    home: Path
    dataset_id: str
    version: str

    def __post_init__(self) -> None:
        check_dataset_id(self.dataset_id)
        check_version(self.version, dataset_id=self.dataset_id)

    @property
    def dataset_dir(self) -> Path:
        return safe_join(self.home, self.dataset_id)

    @property
    def lock_path(self) -> Path:
        return self.dataset_dir / ".lock"

    @property
    def root(self) -> Path:
        return safe_join(self.dataset_dir, self.version)

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
        return safe_join(self.files_dir, member)

    def archive_path(self, filename: str) -> Path:
        return self.downloads_dir / safe_filename(filename)

    def partial_path(self, filename: str) -> Path:
        """Where a download of ``filename`` is streamed (resumable, never trusted)."""
        return self.tmp_dir / (safe_filename(filename) + ".part")


def member_candidates(member: str, available: set[str] | frozenset[str]) -> list[str]:
    """Names in ``available`` that hold ``member``: itself, else under one extra top folder.

    Why the tolerance: archives and hand-made copies often wrap the release in one folder
    (``DEAM_Annotations/annotations/...`` for the catalog's ``annotations/...``). An exact match
    wins; otherwise every ``<one folder>/<member>`` is returned and the caller refuses ambiguity.
    """
    if member in available:
        return [member]
    return sorted(name for name in available if "/" in name and name.split("/", 1)[1] == member)
