"""What every loader receives, and how a loader is found and run.

A loader is only the adapter from one raw format to the four tables (see docs/dev/contracts.md):
it gets a :class:`LoaderContext` (which dataset, which version, where each file is, a quirks
report) and returns :class:`~mer_datasets.tables.Tables`. Fetching, verifying, validating and
caching happen around it (:mod:`mer_datasets.pipeline`), so a loader can be tested on a fixture
directory with :func:`mer_datasets.pipeline.load_from_directory`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import IngestError, MERDatasetsError, ParseError
from ..tables import QuirksReport, Tables

if TYPE_CHECKING:  # pragma: no cover
    from ..catalog import DatasetInfo, Version


@dataclass
class LoaderContext:
    """What a loader needs to know; paths are already verified (or deliberately unverified)."""

    dataset: DatasetInfo
    version: Version
    files: Mapping[str, Path | None]
    quirks: QuirksReport
    root: Path | None = None

    def file(self, name: str) -> Path:
        """Local path of the logical file ``name`` (from the catalog version's ``files``)."""
        if name not in self.version.files:
            raise MERDatasetsError(
                f"dataset {self.dataset.id!r} version {self.version.version!r}: the catalog "
                f"declares no file {name!r} (declared: {sorted(self.version.files)})"
            )
        path = self.files.get(name)
        if path is None:
            raise MERDatasetsError(
                f"dataset {self.dataset.id!r}: file {self.version.files[name]!r} ({name}) is not "
                "available locally"
            )
        return path

    def has_file(self, name: str) -> bool:
        """True when an optional logical file is present locally."""
        return self.files.get(name) is not None

    def member_path(self, name: str) -> str:
        """The member path (as in the catalog) of a logical file, for messages and quirks."""
        return self.version.files[name]

    def option(self, name: str, default: Any = None) -> Any:
        return self.version.options.get(name, default)

    def parse_error(
        self, file: str | Path, message: str, *, line: int | None = None, field: str | None = None
    ) -> ParseError:
        return ParseError(message, dataset=self.dataset.id, file=str(file), line=line, field=field)

    def decode_text(self, member: str, data: bytes, encoding: str = "utf-8-sig") -> str:
        """Decode a raw file strictly; a bad byte or a NUL is a ParseError at its line.

        Why strict and why NUL: every raw format here is text; an undecodable byte means another
        encoding or a damaged file, and a NUL character never occurs in these text files (it is
        the sign of corruption, or of UTF-16 read as UTF-8), so the file is refused with the line
        rather than loaded with garbage in its cells.
        """
        label = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16"}.get(encoding, encoding)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise self.parse_error(
                member,
                f"not {label} text: {exc.reason} at byte {exc.start}",
                line=data.count(b"\n", 0, exc.start) + 1,
            ) from None
        nul = text.find("\x00")
        if nul >= 0:
            raise self.parse_error(
                member,
                f"NUL byte (character {nul}): a corrupt file or another encoding (UTF-16?)",
                line=text.count("\n", 0, nul) + 1,
            )
        return text

    def read_text(self, name: str, encoding: str = "utf-8-sig") -> str:
        """The logical file ``name`` decoded with :meth:`decode_text`."""
        return self.decode_text(self.member_path(name), self.file(name).read_bytes(), encoding)


class Loader(Protocol):
    LOADER_VERSION: str

    def load(self, ctx: LoaderContext) -> Tables: ...


def get_loader(name: str) -> Loader:
    """Import ``mer_datasets.loaders.<name>`` (lazily: only the formats used are imported)."""
    if not name.isidentifier():
        raise MERDatasetsError(f"invalid loader name {name!r}")
    try:
        module = importlib.import_module(f"mer_datasets.loaders.{name}")
    except ModuleNotFoundError as exc:
        raise MERDatasetsError(f"no loader module mer_datasets.loaders.{name}") from exc
    if not callable(getattr(module, "load", None)) or not hasattr(module, "LOADER_VERSION"):
        raise MERDatasetsError(
            f"mer_datasets.loaders.{name} is not a loader (no load() or LOADER_VERSION); "
            "check the catalog's loader field (`mer-datasets validate-catalog`)"
        )
    return module  # type: ignore[return-value]


def find_member(directory: Path, member_path: str) -> Path | None:
    """Find ``member_path`` under ``directory``, directly or under exactly one extra top folder.

    Several candidates under different top folders are ambiguous: an :class:`IngestError` lists
    them rather than picking one.
    """
    from ..download.layout import safe_join

    direct = safe_join(directory, member_path)
    if direct.is_file():
        return direct
    candidates = [
        safe_join(child, member_path)
        for child in sorted(directory.iterdir())
        if child.is_dir() and safe_join(child, member_path).is_file()
    ]
    if len(candidates) > 1:
        listed = ", ".join(str(c) for c in candidates)
        raise IngestError(f"{member_path!r} is ambiguous under {directory}: {listed}")
    return candidates[0] if candidates else None


def resolve_files(version: Version, lookup: Mapping[str, Path | None]) -> dict[str, Path | None]:
    """Logical file name -> local path, given member path -> local path."""
    return {name: lookup.get(path) for name, path in version.files.items()}


def run_loader(
    info: DatasetInfo,
    version: Version,
    member_paths: Mapping[str, Path | None],
    root: Path | None = None,
) -> tuple[Tables, QuirksReport]:
    """Run the version's loader on local files (member path -> local path)."""
    if not version.loader:
        raise MERDatasetsError(
            f"dataset {info.id!r} has no loader: the catalog lists it for reference only "
            f"(access: {info.access})."
        )
    missing = [
        path
        for path in version.files.values()
        if member_paths.get(path) is None and not _is_optional(version, path)
    ]
    if missing:
        raise IngestError(f"dataset {info.id!r}: required file(s) missing: {', '.join(missing)}")
    quirks = QuirksReport(dataset=info.id)
    ctx = LoaderContext(
        dataset=info,
        version=version,
        files=resolve_files(version, member_paths),
        quirks=quirks,
        root=root,
    )
    tables = get_loader(version.loader).load(ctx)
    return tables, quirks


def _is_optional(version: Version, path: str) -> bool:
    for remote in version.remotes:
        for member in remote.required_members():
            if member.path == path:
                return member.optional or remote.optional
    return False
