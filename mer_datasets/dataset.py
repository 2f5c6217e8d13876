"""The user's handle on a loaded dataset: :class:`MERDataset` and :func:`load_dataset`.

Why thin: the work lives below (the pipeline loads, the label and agreement packages compute,
the export module writes); this facade only binds one dataset's tables and catalog entry to
them, so every method here is a call with the dataset's own defaults filled in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import MERDatasetsError
from .labels.defaults import DEFAULT_AMBIGUITY_THRESHOLD, DEFAULT_TEMPERATURE
from .tables import QuirksReport, Tables

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .catalog import Catalog, DatasetInfo, Dimension
    from .download.fetch import FetchOptions
    from .labels.quadrants import OnAxisPolicy


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
    #: where the dataset was loaded from: audio and features are fetched into the same home
    data_home: Path | None = None
    mirror: str | None = None
    offline: bool | None = None

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

    def scale(self, dimension: str) -> Dimension:
        """The catalog's declared scale of a dimension (a :class:`~mer_datasets.catalog.Dimension`)."""
        dim = self.info.dimension(dimension)
        if dim is None:
            raise MERDatasetsError(f"dataset {self.id!r} declares no dimension {dimension!r}")
        return dim

    @property
    def tables(self) -> Tables:
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
        """Write the four tables as ``<table>.csv`` files (plus the quirks report)."""
        from .export import write_tables

        return write_tables(self, directory, fmt="csv")

    def to_hf(
        self,
        *,
        audio: bool = False,
        audio_group: str = "audio",
        decode: bool = False,
        sampling_rate: int | None = None,
        soft_labels: str | None = None,
        soft_label_options: dict[str, Any] | None = None,
    ) -> Any:
        """A ``datasets.DatasetDict`` with one split per table, built locally (no hub access);
        ``audio=True`` adds a ``datasets.Audio`` column to ``tracks``, and
        ``soft_labels="dawid-skene"`` etc. per-track label distributions (see
        :func:`mer_datasets.export.to_hf`)."""
        from .export import to_hf

        return to_hf(
            self,
            audio=audio,
            audio_group=audio_group,
            decode=decode,
            sampling_rate=sampling_rate,
            soft_labels=soft_labels,
            soft_label_options=soft_label_options,
        )

    # -- the music behind the labels (optional assets; mer_datasets.assets loads on first use) --
    def _asset_source(self) -> dict[str, Any]:
        return {"data_home": self.data_home, "mirror": self.mirror, "offline": self.offline}

    def audio_path(self, track_id: str) -> Path:
        """The verified audio file of one track, fetched first if needed (unless offline); see
        :func:`mer_datasets.assets.audio_path`."""
        from .assets import audio_path

        return audio_path(self, track_id, version=self.version, **self._asset_source())

    def load_audio(
        self,
        track_id: str,
        *,
        sr: int | None = None,
        mono: bool = True,
        offset: float = 0.0,
        duration: float | None = None,
    ) -> tuple[Any, int]:
        """``(samples, sample_rate)`` of one track (see :func:`mer_datasets.assets.load_audio`)."""
        from .assets import load_audio

        return load_audio(
            self, track_id, sr=sr, mono=mono, offset=offset, duration=duration,
            version=self.version, **self._asset_source(),
        )  # fmt: skip

    def iter_audio(
        self, track_ids: list[str] | None = None, *, sr: int | None = None, mono: bool = True
    ) -> Any:
        """Yield ``(track_id, samples, sample_rate)`` one track at a time (see
        :func:`mer_datasets.assets.iter_audio`)."""
        from .assets import iter_audio

        return iter_audio(
            self, track_ids, sr=sr, mono=mono, version=self.version, **self._asset_source()
        )

    def features(
        self, name: str, *, tracks: list[str] | None = None, summary: str | None = None
    ) -> pd.DataFrame:
        """A published feature set as a tidy table keyed by track id (see
        :func:`mer_datasets.assets.features`)."""
        from .assets import features

        return features(
            self, name, tracks=tracks, summary=summary, version=self.version,
            **self._asset_source(),
        )  # fmt: skip

    # -- analysis (thin: the work is in the label and agreement packages) ---------------
    def stats(self) -> dict[str, Any]:
        """Counts per table, per dimension and per rater (see :func:`mer_datasets.stats.dataset_stats`)."""
        from .stats import dataset_stats

        return dataset_stats(self)

    def unified(
        self,
        *,
        table: str = "annotations",
        to: str | None = None,
        on_axis: OnAxisPolicy = "missing",
        temperature: float = DEFAULT_TEMPERATURE,
        ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
        distribution: bool = False,
        arousal_dimensions: Collection[str] | None = None,
        valence_dimensions: Collection[str] | None = None,
        exclude_bases: Collection[str] = (),
    ) -> pd.DataFrame:
        """Annotations (or, with ``table="labels"``, the published labels) in one label space:
        :func:`mer_datasets.labels.unified` on this dataset, which documents every parameter."""
        from .labels.unify import unified

        return unified(
            self, self.info, table=table, to=to, on_axis=on_axis, temperature=temperature,
            ambiguity_threshold=ambiguity_threshold, distribution=distribution,
            arousal_dimensions=arousal_dimensions, valence_dimensions=valence_dimensions,
            exclude_bases=exclude_bases,
        )  # fmt: skip

    def unified_labels(
        self,
        *,
        to: str | None = None,
        on_axis: OnAxisPolicy = "missing",
        temperature: float = DEFAULT_TEMPERATURE,
        ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
        distribution: bool = False,
        arousal_dimensions: Collection[str] | None = None,
        valence_dimensions: Collection[str] | None = None,
        exclude_bases: Collection[str] = (),
    ) -> pd.DataFrame:
        """The published labels in one label space: :func:`mer_datasets.labels.unified_labels`
        on this dataset (parameters as :func:`mer_datasets.labels.unified`)."""
        from .labels.unify import unified_labels

        return unified_labels(
            self, self.info, to=to, on_axis=on_axis, temperature=temperature,
            ambiguity_threshold=ambiguity_threshold, distribution=distribution,
            arousal_dimensions=arousal_dimensions, valence_dimensions=valence_dimensions,
            exclude_bases=exclude_bases,
        )  # fmt: skip

    def agreement(
        self,
        *,
        dimensions: list[str] | None = None,
        levels: dict[str, str] | None = None,
        by: str | None = None,
        where: str | None = None,
        bootstrap: int = 1000,
        bootstrap_method: str = "auto",
        seed: int | None = 0,
        duplicates: str = "latest",
        expected: str = "group",
        metrics: list[str] | tuple[str, ...] | None = None,
        derive: str | list[str] | None = None,
        mappings: dict[str, dict[str, str]] | None = None,
        pool_protocols: bool = False,
        bootstrap_interval: str = "percentile",
        bootstrap_totals: str = "auto",
    ) -> pd.DataFrame:
        """Agreement per dimension (and group): :func:`mer_datasets.agreement.agreement_report` on
        this dataset's judgments, ``levels`` defaulting to the catalog's (:func:`default_levels`).

        ``derive`` adds derived nominal dimensions (``"quadrant"``, ``"quadrant:asymmetric"``,
        ``"emotion->quadrant"``) with the catalog's scale midpoints and vocabularies. Where the
        catalog declares rating protocols (DEAP: lab and online), each protocol is reported
        separately and the pooled figure only with ``pool_protocols=True``."""
        from .agreement.report import agreement_report

        return agreement_report(
            self.annotations,
            self.raters,
            tracks=self.tracks,
            dimensions=dimensions,
            levels=default_levels(self.info) if levels is None else levels,
            by=by,
            where=where,
            bootstrap=bootstrap,
            bootstrap_method=bootstrap_method,
            seed=seed,
            duplicates=duplicates,
            expected=expected,
            metrics=metrics,
            derive=derive,
            mappings=mappings,
            pool_protocols=pool_protocols,
            bootstrap_interval=bootstrap_interval,
            bootstrap_totals=bootstrap_totals,
            **agreement_context(self.info),
        )

    def agreement_items(
        self,
        *,
        dimensions: list[str] | None = None,
        levels: dict[str, str] | None = None,
        where: str | None = None,
        duplicates: str = "latest",
        derive: str | list[str] | None = None,
        mappings: dict[str, dict[str, str]] | None = None,
        sd_ddof: int = 1,
        quantile_method: str = "linear",
    ) -> pd.DataFrame:
        """Per-item consensus (:func:`mer_datasets.agreement.items_report`), catalog levels by
        default; ``sd_ddof`` and ``quantile_method`` state the spread convention (the catalog's
        ``published_spreads`` says which one a dataset's published summaries use)."""
        from .agreement.report import items_report

        context = agreement_context(self.info)
        return items_report(
            self.annotations,
            self.raters,
            tracks=self.tracks,
            dimensions=dimensions,
            levels=default_levels(self.info) if levels is None else levels,
            where=where,
            duplicates=duplicates,
            derive=derive,
            midpoints=context["midpoints"],
            vocabularies=context["vocabularies"],
            mappings=mappings,
            sd_ddof=sd_ddof,
            quantile_method=quantile_method,
        )

    def agreement_raters(
        self,
        *,
        dimensions: list[str] | None = None,
        levels: dict[str, str] | None = None,
        where: str | None = None,
        duplicates: str = "latest",
    ) -> pd.DataFrame:
        """Per-rater diagnostics (:func:`mer_datasets.agreement.raters_report`), catalog levels by default."""
        from .agreement.report import raters_report

        return raters_report(
            self.annotations,
            self.raters,
            tracks=self.tracks,
            dimensions=dimensions,
            levels=default_levels(self.info) if levels is None else levels,
            where=where,
            duplicates=duplicates,
        )


def agreement_context(info: DatasetInfo) -> dict[str, Any]:
    """What the catalog tells the agreement report beyond levels: the midpoint of each declared
    numeric scale (the axis of a derived quadrant), each dimension's vocabulary, and the rating
    protocols (``protocols:``; None when the dataset has one protocol)."""
    from .agreement.protocols import RatingProtocols

    return {
        "midpoints": {
            d.name: (float(d.min) + float(d.max)) / 2
            for d in info.dimensions
            if d.min is not None and d.max is not None
        },
        "vocabularies": {d.name: d.vocabulary for d in info.dimensions if d.vocabulary},
        "protocols": RatingProtocols.from_catalog(info.raw.get("protocols")),
    }


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
    fetch_options: FetchOptions | None = None,
) -> MERDataset:
    """Get a dataset as the four tables: download if needed (verified), parse, validate, cache.

    Parameters mirror the CLI: ``version`` (default: the catalog's latest), ``data_home``
    (default ``$MER_DATASETS_HOME`` or the per-user data directory), ``mirror`` (URL or
    directory holding ``<id>/<filename>``), ``offline`` (never touch the network), ``progress``
    (a progress bar; default: when the terminal is interactive), ``cache`` (read/write the
    Parquet cache keyed by source checksums and loader version), ``catalog`` (default: the
    packaged one), ``fetch_options`` (a :class:`~mer_datasets.download.fetch.FetchOptions`:
    timeouts, retries).
    """
    from .pipeline import load_tables

    loaded = load_tables(
        dataset_id,
        version=version,
        data_home=data_home,
        mirror=mirror,
        offline=offline,
        progress=progress,
        cache=cache,
        catalog=catalog,
        fetch_options=fetch_options,
    )
    return MERDataset(
        info=loaded.info,
        version=loaded.version.version,
        tracks=loaded.tables.tracks,
        raters=loaded.tables.raters,
        annotations=loaded.tables.annotations,
        labels=loaded.tables.labels,
        quirks=loaded.quirks,
        files=loaded.files,
        from_cache=loaded.from_cache,
        data_home=Path(data_home) if data_home is not None else None,
        mirror=mirror,
        offline=offline,
    )
