"""The data model: four tidy tables with canonical columns and dtypes, and :class:`MERDataset`.

Why one model: every dataset, whatever its raw format, becomes the same ``tracks``, ``raters``,
``annotations`` (one row per single judgment) and ``labels`` (the published ground truth), so
that agreement, label mapping and datasheets are written once. Loaders produce the columns;
:func:`finalize_tables` gives them canonical dtypes and adds absent core columns as missing, so a
column is never "sometimes there".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .catalog import Catalog, DatasetInfo, Version
    from .loaders.base import QuirksReport, Tables

#: Bump when the canonical columns or dtypes change: it invalidates every cache entry.
MODEL_VERSION = "1"

STRING = "string"
FLOAT = "Float64"
CATEGORY = "category"
TIMESTAMP = "datetime64[ns, UTC]"

CORE_COLUMNS: dict[str, dict[str, str]] = {
    "tracks": {
        "track_id": STRING,
        "title": STRING,
        "artist": STRING,
        "album": STRING,
        "genre": STRING,
        "duration_s": FLOAT,
        "excerpt_start_s": FLOAT,
        "excerpt_end_s": FLOAT,
        "split": STRING,
        "audio_path": STRING,
    },
    "raters": {"rater_id": STRING},
    "annotations": {
        "judgment_id": STRING,
        "annotation_id": STRING,
        "track_id": STRING,
        "rater_id": STRING,
        "dimension": CATEGORY,
        "value": FLOAT,
        "label": STRING,
        "time_s": FLOAT,
        "timestamp": TIMESTAMP,
    },
    "labels": {
        "track_id": STRING,
        "dimension": CATEGORY,
        "statistic": CATEGORY,
        "value": FLOAT,
        "label": STRING,
        "time_s": FLOAT,
        "source": STRING,
    },
}

TABLE_NAMES = ("tracks", "raters", "annotations", "labels")


def _coerce(series: pd.Series, dtype: str) -> pd.Series:
    import pandas as pd

    if dtype == TIMESTAMP:
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            return series.dt.tz_convert("UTC").astype(TIMESTAMP)
        return pd.to_datetime(series, utc=True).astype(TIMESTAMP)
    if dtype == CATEGORY:
        # categories as pandas' default ``str`` dtype: what a Parquet round trip gives back
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(STRING)
        return series.astype(STRING).astype("str").astype(CATEGORY)
    if dtype == FLOAT:
        return pd.to_numeric(series).astype(FLOAT)
    if dtype == STRING:
        if str(series.dtype) == STRING:
            return series
        # astype("string") keeps NA as NA; non-string scalars (ints) become their str()
        return series.astype(STRING)
    return series.astype(dtype)


def _normalize_extra(series: pd.Series) -> pd.Series:
    """Extra columns: object columns of strings become the nullable string dtype."""
    import pandas as pd

    if series.dtype == object:
        sample = series.dropna()
        if sample.map(lambda x: isinstance(x, str)).all():
            return series.astype(STRING)
        return series
    if (
        pd.api.types.is_string_dtype(series.dtype)
        and not isinstance(series.dtype, pd.CategoricalDtype)
        and str(series.dtype) != STRING
    ):
        return series.astype(STRING)
    return series


def finalize_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes and column order: core columns first (absent ones as missing), then extras."""
    import pandas as pd

    core = CORE_COLUMNS[name]
    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    n = len(frame)
    for column, dtype in core.items():
        if column in frame.columns:
            out[column] = _coerce(frame[column], dtype)
        else:
            out[column] = _coerce(pd.Series([pd.NA] * n, dtype=object), dtype)
    for column in frame.columns:
        if column not in core:
            out[str(column)] = _normalize_extra(frame[column])
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def restore_dtypes(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Re-apply canonical dtypes that a storage round trip lost (e.g. empty categoricals)."""
    for column, dtype in CORE_COLUMNS[name].items():
        if column in frame.columns and str(frame[column].dtype) != dtype:
            if dtype == CATEGORY and str(frame[column].dtype) == CATEGORY:
                continue
            frame[column] = _coerce(frame[column], dtype)
    return frame


def finalize_tables(tables: Tables, info: DatasetInfo | None = None) -> Tables:
    from .loaders.base import Tables as TablesClass

    return TablesClass(
        **{name: finalize_table(name, getattr(tables, name)) for name in TABLE_NAMES}
    )


@dataclass
class MERDataset:
    """A loaded dataset: the four tables plus what the catalog and the loader know about them."""

    info: DatasetInfo
    version: str
    tracks: pd.DataFrame
    raters: pd.DataFrame
    annotations: pd.DataFrame
    labels: pd.DataFrame
    quirks: QuirksReport
    files: Mapping[str, Path] = field(default_factory=dict)
    from_cache: bool = False

    # -- catalog facts -----------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.info.id

    @property
    def citation(self) -> str:
        return self.info.citation

    @property
    def license(self) -> str:
        return self.info.license

    def scale(self, dimension: str) -> Any:
        """The catalog's declared scale of a dimension (a :class:`~mer_datasets.catalog.Dimension`)."""
        dim = self.info.dimension(dimension)
        if dim is None:
            from .errors import MERDatasetsError

            raise MERDatasetsError(f"dataset {self.id!r} declares no dimension {dimension!r}")
        return dim

    @property
    def tables(self) -> Tables:
        from .loaders.base import Tables

        return Tables(self.tracks, self.raters, self.annotations, self.labels)

    def __repr__(self) -> str:
        return (
            f"<MERDataset {self.id!r} version {self.version!r}: {len(self.tracks)} tracks, "
            f"{len(self.raters)} raters, {len(self.annotations)} judgments, "
            f"{len(self.labels)} published labels>"
        )

    # -- exports -----------------------------------------------------------------------
    def to_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write the four tables as ``<table>.parquet`` files (typed, exact round trip)."""
        from .export import write_tables

        return write_tables(self, directory, fmt="parquet")

    def to_csv(self, directory: str | Path) -> dict[str, Path]:
        from .export import write_tables

        return write_tables(self, directory, fmt="csv")

    def to_hf(self) -> Any:
        """A ``datasets.DatasetDict`` with one split per table, built locally (no hub access)."""
        from .export import to_hf

        return to_hf(self)

    # -- analysis (thin: the work is in the label and agreement packages) ---------------
    def stats(self) -> dict[str, Any]:
        from .stats import dataset_stats

        return dataset_stats(self)

    def unified(self, **kwargs: Any) -> pd.DataFrame:
        """Annotations in one label space (see :func:`mer_datasets.labels.unify.unified`)."""
        from .labels.unify import unified

        return unified(self, self.info, **kwargs)

    def unified_labels(self, **kwargs: Any) -> pd.DataFrame:
        from .labels.unify import unified_labels

        return unified_labels(self, self.info, **kwargs)

    def agreement(self, **kwargs: Any) -> pd.DataFrame:
        """Agreement per dimension (and group); see :func:`mer_datasets.agreement.report.agreement_report`."""
        from .agreement.report import agreement_report

        kwargs.setdefault("levels", default_levels(self.info))
        return agreement_report(self.annotations, self.raters, **kwargs)

    def agreement_items(self, **kwargs: Any) -> pd.DataFrame:
        from .agreement.report import items_report

        kwargs.setdefault("levels", default_levels(self.info))
        return items_report(self.annotations, self.raters, **kwargs)

    def agreement_raters(self, **kwargs: Any) -> pd.DataFrame:
        from .agreement.report import raters_report

        kwargs.setdefault("levels", default_levels(self.info))
        return raters_report(self.annotations, self.raters, **kwargs)


def default_levels(info: DatasetInfo) -> dict[str, str]:
    """Level of measurement per dimension, as declared in the catalog."""
    return {dim.name: dim.level for dim in info.dimensions}


def load_dataset(
    dataset_id: str,
    *,
    version: str | None = None,
    data_home: str | Path | None = None,
    mirror: str | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
    cache: bool = True,
    catalog: Catalog | None = None,
    fetch_options: Any = None,
) -> MERDataset:
    """Get a dataset as the four tables: download if needed (verified), parse, validate, cache.

    Parameters mirror the CLI: ``version`` (default: the catalog's latest), ``data_home``
    (default ``$MER_DATASETS_HOME`` or the per-user data directory), ``mirror`` (URL or
    directory holding ``<id>/<filename>``), ``offline`` (never touch the network), ``cache``
    (read/write the Parquet cache keyed by source checksums and loader version),
    ``fetch_options`` (a :class:`~mer_datasets.download.fetch.FetchOptions`: timeouts, retries).
    """
    from .cache import TableCache, cache_key
    from .catalog import default_catalog
    from .download.store import ensure_files
    from .loaders.base import get_loader, run_loader
    from .validate import validate_tables

    catalog = catalog or default_catalog()
    info = catalog.get(dataset_id)
    chosen: Version = info.version(version)
    if not chosen.loader:
        from .errors import MERDatasetsError

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
    loader = get_loader(chosen.loader)
    key = cache_key(info, chosen, files.sha256, loader.LOADER_VERSION, MODEL_VERSION)
    store = TableCache(files.root / "cache") if cache else None
    if store is not None:
        cached = store.read(key, info.id)
        if cached is not None:
            tables, quirks = cached
            return _dataset(info, chosen, tables, quirks, files.members, from_cache=True)
    tables, quirks = run_loader(info, chosen, files.members, root=files.root)
    tables = finalize_tables(tables, info)
    validate_tables(tables, info)
    if store is not None:
        store.write(key, tables, quirks)
    return _dataset(info, chosen, tables, quirks, files.members, from_cache=False)


def _dataset(
    info: DatasetInfo,
    version: Version,
    tables: Tables,
    quirks: QuirksReport,
    files: Mapping[str, Path],
    *,
    from_cache: bool,
) -> MERDataset:
    return MERDataset(
        info=info,
        version=version.version,
        tracks=tables.tracks,
        raters=tables.raters,
        annotations=tables.annotations,
        labels=tables.labels,
        quirks=quirks,
        files=dict(files),
        from_cache=from_cache,
    )
