"""The load pipeline: download if needed (verified), parse, finalize, validate, cache.

Why a module of its own: the steps around a loader are the same for every dataset, and they are
what :func:`mer_datasets.load_dataset` and the tests on fixture directories share. The pipeline
returns plain :class:`Loaded` tables; :class:`~mer_datasets.dataset.MERDataset` (one layer up) is
the facade users hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import MERDatasetsError

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import Catalog, DatasetInfo, Version
    from .download.fetch import FetchOptions
    from .tables import QuirksReport, Tables


@dataclass
class Loaded:
    """What one load produced: the finalized, validated tables and where they came from."""

    info: DatasetInfo
    version: Version
    tables: Tables
    quirks: QuirksReport
    files: Mapping[str, Path] = field(default_factory=dict)
    from_cache: bool = False


def load_tables(
    dataset_id: str,
    *,
    version: str | None = None,
    data_home: str | Path | None = None,
    mirror: str | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
    cache: bool = True,
    catalog: Catalog | None = None,
    fetch_options: FetchOptions | None = None,
) -> Loaded:
    """The four tables of a dataset: fetched and verified, parsed, validated, cached.

    The parameters are those of :func:`mer_datasets.dataset.load_dataset`.
    """
    from .cache import TableCache, cache_key
    from .catalog import default_catalog
    from .download.store import ensure_files
    from .loaders.base import run_loader
    from .tables import finalize_tables
    from .validate import validate_tables

    catalog = catalog or default_catalog()
    info = catalog.get(dataset_id)
    chosen = info.version(version)
    if not chosen.loader:
        raise MERDatasetsError(
            f"dataset {info.id!r} has no loader: {info.how_to_obtain or 'no public files are known'}"
        )
    files = ensure_files(
        info,
        chosen.version,
        data_home=data_home,
        mirror=mirror,
        offline=offline,
        progress=progress,
        fetch_options=fetch_options,
    )
    key = cache_key(info, chosen, files.sha256)
    store = TableCache(files.root / "cache") if cache else None
    if store is not None:
        cached = store.read(key, info.id)
        if cached is not None:
            tables, quirks = cached
            return Loaded(info, chosen, tables, quirks, dict(files.members), from_cache=True)
    tables, quirks = run_loader(info, chosen, files.members, root=files.root)
    tables = finalize_tables(tables)
    validate_tables(tables, info)
    if store is not None:
        store.write(key, tables, quirks)
    return Loaded(info, chosen, tables, quirks, dict(files.members), from_cache=False)


def load_from_directory(
    dataset_id: str,
    directory: str | Path,
    version: str | None = None,
    catalog: Catalog | None = None,
) -> tuple[Tables, QuirksReport]:
    """Run a loader on files found under ``directory`` by member path, without checksum checks.

    For tests on fixtures and for quick looks at a lab copy; ``ingest`` is the verified way.
    The tables are finalized (canonical dtypes) but not validated.
    """
    from .catalog import default_catalog
    from .loaders.base import find_member, run_loader
    from .tables import finalize_tables

    catalog = catalog or default_catalog()
    info = catalog.get(dataset_id)
    chosen = info.version(version)
    directory = Path(directory)
    lookup: dict[str, Path | None] = {}
    for member in chosen.members():
        lookup[member.path] = find_member(directory, member.path)
    tables, quirks = run_loader(info, chosen, lookup, root=directory)
    return finalize_tables(tables), quirks
