"""The data model: the four tidy tables, their canonical columns and dtypes, and the quirks report.

Why one model: every dataset, whatever its raw format, becomes the same ``tracks``, ``raters``,
``annotations`` (one row per single judgment) and ``labels`` (the published ground truth), so
that agreement, label mapping and datasheets are written once. Loaders produce the columns;
:func:`finalize_tables` gives them canonical dtypes and adds absent core columns as missing, so a
column is never "sometimes there".

Why one bottom module: the table names, columns, dtypes, :class:`Tables` and
:class:`QuirksReport` are what loaders, the cache, validation and the pipeline agree on, so they
live here and this module imports nothing of the package (``tests/test_import_layers.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

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

#: The four tables, in their canonical order: the only list of their names.
TABLE_NAMES: tuple[str, ...] = tuple(CORE_COLUMNS)


QUIRK_EFFECTS = ("kept", "repaired", "excluded", "added")
#: Quirk kinds are kebab-case (``ragged-rows``, ``empty-title``): one convention for every loader,
#: so a kind can be searched for across datasets.
QUIRK_KIND = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class Quirk:
    """One fact about the source data that a user must be able to see."""

    kind: str
    count: int
    reason: str
    effect: str
    file: str | None = None
    examples: tuple[str, ...] = ()


@dataclass
class QuirksReport:
    """Everything notable a loader met: every source row is in the tables or counted here."""

    dataset: str
    quirks: list[Quirk] = field(default_factory=list)
    source_row_counts: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        kind: str,
        count: int,
        *,
        reason: str,
        effect: str,
        file: str | None = None,
        examples: Any = (),
    ) -> None:
        """Record ``count`` occurrences of ``kind`` (nothing is recorded when count is 0)."""
        if not QUIRK_KIND.fullmatch(kind):
            raise ValueError(f"quirk kind must be kebab-case (like 'ragged-rows'), not {kind!r}")
        if effect not in QUIRK_EFFECTS:
            raise ValueError(f"quirk effect must be one of {QUIRK_EFFECTS}, not {effect!r}")
        count = int(count)
        if count <= 0:
            return
        shown = tuple(str(e) for e in list(examples)[:5])
        self.quirks.append(Quirk(kind, count, reason, effect, file, shown))

    def source_rows(self, file: str, n: int) -> None:
        """How many data rows (records) a source file had; the stats command prints them."""
        self.source_row_counts[file] = self.source_row_counts.get(file, 0) + int(n)

    def excluded(self) -> int:
        return sum(q.count for q in self.quirks if q.effect == "excluded")

    def to_records(self) -> list[dict[str, Any]]:
        return [
            {
                "kind": q.kind,
                "count": q.count,
                "effect": q.effect,
                "file": q.file,
                "reason": q.reason,
                "examples": list(q.examples),
            }
            for q in self.quirks
        ]

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["kind", "count", "effect", "file", "reason", "examples"]
        return pd.DataFrame(self.to_records(), columns=columns)

    @classmethod
    def from_records(
        cls, dataset: str, records: list[Mapping[str, Any]], source_rows: Mapping[str, int]
    ) -> QuirksReport:
        report = cls(dataset=dataset, source_row_counts=dict(source_rows))
        for r in records:
            report.quirks.append(
                Quirk(
                    kind=r["kind"],
                    count=int(r["count"]),
                    reason=r["reason"],
                    effect=r["effect"],
                    file=r.get("file"),
                    examples=tuple(r.get("examples") or ()),
                )
            )
        return report


@dataclass
class Tables:
    """The four tables of the data model (see docs/dev/contracts.md)."""

    tracks: pd.DataFrame
    raters: pd.DataFrame
    annotations: pd.DataFrame
    labels: pd.DataFrame

    def items(self) -> list[tuple[str, pd.DataFrame]]:
        return [(name, getattr(self, name)) for name in TABLE_NAMES]

    @classmethod
    def published_only(cls, tracks: pd.DataFrame, labels: pd.DataFrame) -> Tables:
        """Tables of a release with aggregated labels only: no raters, no judgments.

        The empty tables get their canonical columns from :func:`finalize_table`.
        """
        import pandas as pd

        return cls(tracks=tracks, raters=pd.DataFrame(), annotations=pd.DataFrame(), labels=labels)


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


def finalize_tables(tables: Tables) -> Tables:
    """Every table with :func:`finalize_table`'s canonical dtypes and column order."""
    return Tables(**{name: finalize_table(name, getattr(tables, name)) for name in TABLE_NAMES})
