"""DEAM (MediaEval Database for Emotional Analysis in Music): ``DEAM_Annotations.zip`` (+ ``metadata.zip``).

Source: Aljanaki, Yang & Soleymani (2017), "Developing a benchmark for emotional analysis of
music", PLoS ONE 12(3): e0173392; files from https://cvml.unige.ch/databases/DEAM/. Formats as
documented in ``shared/mirror/PROVENANCE.md`` (section ``deam``):

* averaged static annotations, songs 1-2000: ``song_id, valence_mean, valence_std, arousal_mean,
  arousal_std`` (a space after each comma, CRLF), 9-point scale 1-9;
* averaged static annotations, songs 2000-2058 (58 full songs): 13 columns adding per-rater
  max/min statistics, one of them misspelled ``valence_ max_mean`` (repaired to ``valence`` /
  ``max_mean``);
* averaged dynamic annotations ``arousal.csv`` / ``valence.csv``: ``song_id,sample_15000ms,...``,
  2 Hz from 15 s, slider in [-1, 1]; rows are ragged (45-s excerpts have 60 samples, the full songs
  up to 1224) and are read as they are, never padded;
* per-rater files (``annotations per each rater/...``) are in the official zip but were not seen by
  us: they are read when present, else ``raters``/``annotations`` are empty and a quirk says so;
* ``metadata/metadata_2013|2014|2015.csv`` (optional, from ``metadata.zip``): TAB-padded quoted
  values (2013), a ragged tail of last.fm tags (2014), extra genre tokens (2015).

Dimension names: the static 1-9 ratings are ``valence``/``arousal``; the time-continuous [-1, 1]
curves are ``valence_dynamic``/``arousal_dynamic`` (different scales must not share a name).
The helpers of the format (song ids, ``min.sec`` bounds, the averaged curves) are in
:mod:`.deam_format`, shared with the emoMusic loader (DEAM's 2013 part has the same formats); CSV
reading is :mod:`.csvfile`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .csvfile import CsvRecords, parse_float, read_csv_records, strip_padding
from .deam_format import (
    continuous_labels,
    minsec_to_seconds,
    song_id,
    song_id_header,
    times_of_samples,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..tables import Tables
from .base import LoaderContext

LOADER_VERSION = "1"

STATIC_DIMENSIONS = ("valence", "arousal")
#: Averaged curves: logical file name -> dimension.
DYNAMIC_FILES = {"dynamic_arousal": "arousal_dynamic", "dynamic_valence": "valence_dynamic"}
STATIC_FILES = ("static_1_2000", "static_2000_2058")
METADATA_FILES = ("metadata_2013", "metadata_2014", "metadata_2015")
PER_RATER_STATIC_FILES = ("raters_static_1_2000", "raters_static_2000_2058")
#: Default folder of the per-rater dynamic files inside the ``DEAM_Annotations.zip`` layout.
PER_RATER_DYNAMIC_DIR = "annotations/annotations per each rater/dynamic (per second annotations)"

_STATIC_COLUMN = re.compile(r"^(valence|arousal)_((?:max_|min_)?(?:mean|std))$")

#: Metadata header names (stripped, lower-cased) -> canonical field. The three years use different
#: names for the same field (PROVENANCE.md; the 2014 "Track" is the song title).
METADATA_ALIASES = {
    "song_id": "track_id",
    "id": "track_id",
    "file_name": "file_name",
    "filename": "file_name",
    "artist": "artist",
    "song title": "title",
    "track": "title",
    "title": "title",
    "album": "album",
    "genre": "genre",
    "start of the segment (min.sec)": "segment_start",
    "segment start": "segment_start",
    "end of the segment (min.sec)": "segment_end",
    "segment end": "segment_end",
}


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


# --------------------------------------------------------------------------------------------
# DEAM


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    from ..tables import Tables

    static = pd.concat([_static_labels(ctx, name) for name in STATIC_FILES], ignore_index=True)
    dynamic = pd.concat(
        [continuous_labels(ctx, name, dim, "mean") for name, dim in DYNAMIC_FILES.items()],
        ignore_index=True,
    )
    labels = pd.concat([static, dynamic], ignore_index=True)
    metadata = _metadata(ctx)
    annotations = _per_rater_annotations(ctx)

    track_ids = (
        set(labels["track_id"].unique())
        | set(annotations["track_id"].unique())
        | set(metadata["track_id"].unique())
    )
    no_labels = sorted(
        set(metadata["track_id"].unique()) - set(labels["track_id"].unique()), key=int
    )
    ctx.quirks.add(
        "track-without-labels",
        len(no_labels),
        reason="song listed in the metadata without averaged annotations; kept as a track",
        effect="kept",
        examples=no_labels,
    )
    tracks = pd.DataFrame({"track_id": sorted(track_ids, key=int)})
    if not metadata.empty:
        tracks = tracks.merge(metadata, on="track_id", how="left")
    raters = (
        pd.DataFrame({"rater_id": pd.unique(annotations["rater_id"])})
        if len(annotations)
        else pd.DataFrame(columns=["rater_id"])
    )
    return Tables(tracks=tracks, raters=raters, annotations=annotations, labels=labels)


def _static_labels(ctx: LoaderContext, name: str) -> pd.DataFrame:
    """Averaged static labels; column names ``<dimension>_<statistic>`` (one is repaired)."""
    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name), skipinitialspace=True)
    header = song_id_header(ctx, member, records)
    columns = _static_columns(ctx, member, records.header_line, header)
    rows: list[dict[str, Any]] = []
    empty: list[str] = []
    for line, row in records.rectangular(ctx, member):
        track = song_id(ctx, member, row[0], line, "song_id")
        for index, dimension, statistic in columns:
            text = row[index].strip()
            if not text:
                empty.append(f"song {track} {header[index]} (line {line})")
                continue
            value = parse_float(ctx, member, text, line, header[index])
            rows.append(
                {
                    "track_id": track,
                    "dimension": dimension,
                    "statistic": statistic,
                    "value": value,
                    "source": member,
                }
            )
    ctx.quirks.add(
        "empty-statistic",
        len(empty),
        file=member,
        reason="empty cell: statistic not published for that song",
        effect="excluded",
        examples=empty,
    )
    return _frame(rows, ["track_id", "dimension", "statistic", "value", "source"])


def _static_columns(
    ctx: LoaderContext, member: str, header_line: int, header: list[str]
) -> list[tuple[int, str, str]]:
    """(column, dimension, statistic) of every column after ``song_id``: names
    ``<dimension>_<statistic>``, a stray space repaired (quirk ``malformed-column-name``), both
    ``<dimension>_mean`` required."""
    columns: list[tuple[int, str, str]] = []
    repaired = []
    for index, cell in enumerate(header[1:], start=1):
        compact = re.sub(r"\s+", "", cell)
        match = _STATIC_COLUMN.match(compact)
        if not match:
            raise ctx.parse_error(
                member,
                "expected a column named <valence|arousal>_<statistic>",
                line=header_line,
                field=cell,
            )
        if compact != cell:
            repaired.append(cell)
        columns.append((index, match.group(1), match.group(2)))
    for dimension in STATIC_DIMENSIONS:
        if not any(d == dimension and s == "mean" for _, d, s in columns):
            raise ctx.parse_error(
                member,
                f"required column {dimension}_mean is missing",
                line=header_line,
                field=f"{dimension}_mean",
            )
    ctx.quirks.add(
        "malformed-column-name",
        len(repaired),
        file=member,
        reason="header cell with a stray space (e.g. 'valence_ max_mean') read as <dimension>_<statistic>",
        effect="repaired",
        examples=repaired,
    )
    return columns


# -- metadata (optional) ---------------------------------------------------------------------


def _metadata(ctx: LoaderContext) -> pd.DataFrame:
    import pandas as pd

    columns = [
        "track_id",
        "title",
        "artist",
        "album",
        "genre",
        "excerpt_start_s",
        "excerpt_end_s",
        "file_name",
        "segment_start_raw",
        "segment_end_raw",
        "lastfm_tags",
        "metadata_file",
    ]
    present = [name for name in METADATA_FILES if ctx.has_file(name)]
    if not present:
        ctx.quirks.add(
            "metadata-absent",
            1,
            reason="metadata.zip (metadata_2013/2014/2015.csv) not present: tracks have ids only",
            effect="kept",
        )
        return pd.DataFrame(columns=columns)
    missing = [ctx.member_path(n) for n in METADATA_FILES if n not in present]
    ctx.quirks.add(
        "metadata-file-absent",
        len(missing),
        reason="metadata file not present",
        effect="kept",
        examples=missing,
    )
    frames = [_metadata_file(ctx, name) for name in present]
    merged = pd.concat(frames, ignore_index=True).reindex(columns=columns)
    duplicated = merged["track_id"].duplicated(keep="first")
    ctx.quirks.add(
        "duplicate-metadata",
        int(duplicated.sum()),
        reason="song described in more than one metadata file; the first (earliest year) is kept",
        effect="excluded",
        examples=merged.loc[duplicated, "track_id"].tolist(),
    )
    return merged.loc[~duplicated].reset_index(drop=True)


def parse_metadata_records(
    ctx: LoaderContext, member: str, year: int, records: CsvRecords
) -> pd.DataFrame:
    """Rows of one DEAM metadata file as canonical track fields.

    Named header columns are mapped through :data:`METADATA_ALIASES`; fields beyond the named
    columns (empty header cells, or no header cell at all) are the ragged tail: last.fm tags in
    2014 (kept in ``lastfm_tags`` joined by ``"; "``), the rest of a comma-split genre in 2015
    (rejoined into ``genre`` with ``", "``, quirk ``repaired``).
    """
    import pandas as pd

    named: dict[int, str] = {}
    for index, cell in enumerate(records.header):
        key = cell.strip().lower()
        if not key:
            continue
        if key in METADATA_ALIASES:
            named[index] = METADATA_ALIASES[key]
    if "track_id" not in named.values():
        raise ctx.parse_error(
            member,
            "no song id column ('song_id' or 'Id')",
            line=records.header_line,
            field="song_id",
        )
    id_index = next(i for i, f in named.items() if f == "track_id")
    tail_start = max(named) + 1
    is_2014 = year == 2014
    rows = []
    joined_genres = 0
    for line, row in records.rows:
        record: dict[str, Any] = {"metadata_file": member}
        for index, canonical in named.items():
            record[canonical] = strip_padding(row[index]) if index < len(row) else None
        record["track_id"] = song_id(
            ctx, member, row[id_index], line, records.header[id_index].strip()
        )
        tail = [t for t in (strip_padding(c) for c in row[tail_start:]) if t is not None]
        if tail and is_2014:
            record["lastfm_tags"] = "; ".join(tail)
        elif tail:
            record["genre"] = ", ".join([g for g in [record.get("genre")] if g] + tail)
            joined_genres += 1
        start, end = record.pop("segment_start", None), record.pop("segment_end", None)
        record["segment_start_raw"], record["segment_end_raw"] = start, end
        if year == 2013:  # documented as min.sec in the header of that year only
            record["excerpt_start_s"] = minsec_to_seconds(start or "")
            record["excerpt_end_s"] = minsec_to_seconds(end or "")
        rows.append(record)
    ctx.quirks.add(
        "genre-split-by-commas",
        joined_genres,
        file=member,
        reason="unquoted genre containing commas spilled into extra fields; rejoined with ', '",
        effect="repaired",
    )
    return pd.DataFrame(rows)


def _metadata_file(ctx: LoaderContext, name: str) -> pd.DataFrame:
    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name), skipinitialspace=True)
    return parse_metadata_records(ctx, member, int(name.rsplit("_", 1)[1]), records)


# -- per-rater files (optional) --------------------------------------------------------------


ANNOTATION_COLUMNS = [
    "judgment_id",
    "annotation_id",
    "track_id",
    "rater_id",
    "dimension",
    "value",
    "time_s",
    "source_file",
    "source_line",
]


def _layout_root(ctx: LoaderContext) -> Path:
    """The folder that holds ``annotations/...`` (derived from a required member's location)."""
    name = STATIC_FILES[0]
    depth = len(PurePosixPath(ctx.member_path(name)).parts)
    return ctx.file(name).parents[depth - 1]


def _per_rater_annotations(ctx: LoaderContext) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for name in PER_RATER_STATIC_FILES:
        if name in ctx.version.files and ctx.has_file(name):
            frames.append(_per_rater_static(ctx, name))
    dynamic_dir = _layout_root(ctx) / ctx.option("per_rater_dynamic_dir", PER_RATER_DYNAMIC_DIR)
    absent = [ctx.member_path(n) for n in PER_RATER_STATIC_FILES if not ctx.has_file(n)]
    if dynamic_dir.is_dir():
        frames.append(_per_rater_dynamic(ctx, dynamic_dir))
    else:
        absent.append(ctx.option("per_rater_dynamic_dir", PER_RATER_DYNAMIC_DIR))
    if frames:
        ctx.quirks.add(
            "per-rater-part-absent",
            len(absent),
            reason="part of the per-rater files (a static file or the folder of curves) was not "
            "present: its judgments are missing from the annotations",
            effect="kept",
            examples=absent,
        )
    if not frames:
        ctx.quirks.add(
            "per-rater-files-absent",
            1,
            reason="the per-rater files of DEAM_Annotations.zip ('annotations per each rater/...') "
            "were not present: raters and annotations are empty, labels hold the published averages",
            effect="kept",
        )
        return pd.DataFrame(columns=ANNOTATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class _RaterColumns:
    """Where a per-rater static file keeps each field (indexes into its stripped ``header``)."""

    header: list[str]
    worker: int
    song: int
    #: dimension -> the column of the judgment (``<Dimension>`` or ``<Dimension>_Average``)
    values: dict[str, int]
    #: dimension -> (``rater_<statistic>``, column) of the rater's other statistics
    extras: dict[str, list[tuple[str, int]]]

    def extra_names(self) -> list[str]:
        return sorted({column for columns in self.extras.values() for column, _ in columns})


def _per_rater_static(ctx: LoaderContext, name: str) -> pd.DataFrame:
    """``workerID, SongId, Valence, Arousal`` (1-2000) or ``SongId, WorkerId, Arousal_Average, ...``.

    Columns ``<Dimension>`` or ``<Dimension>_Average`` give the judgment; other
    ``<Dimension>_<Statistic>`` columns (e.g. a rater's max/min over the song) are kept as extra
    ``rater_<statistic>`` columns of that judgment.
    """
    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name), skipinitialspace=True)
    columns = _rater_columns(ctx, member, records)
    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    for line, row in records.rows:
        rows += _rater_judgments(ctx, member, columns, line, row, missing)
    ctx.quirks.add(
        "missing-rating",
        len(missing),
        file=member,
        reason="empty rating cell",
        effect="excluded",
        examples=missing,
    )
    frame = _frame(rows, ANNOTATION_COLUMNS + columns.extra_names())
    _count_repeated_judgments(ctx, member, frame)
    return frame


def _rater_columns(ctx: LoaderContext, member: str, records: CsvRecords) -> _RaterColumns:
    """The header's id columns (``workerID``, ``SongId``) and dimension columns, or a ParseError
    at the header line naming the first one missing."""
    header = [cell.strip() for cell in records.header]
    lowered = [cell.lower() for cell in header]
    try:
        worker_index, song_index = lowered.index("workerid"), lowered.index("songid")
    except ValueError:
        raise ctx.parse_error(
            member,
            "expected columns 'workerID' and 'SongId'",
            line=records.header_line,
            field="workerID",
        ) from None
    value_columns: dict[str, int] = {}
    extra_columns: dict[str, list[tuple[str, int]]] = {}
    for index, cell in enumerate(lowered):
        match = re.fullmatch(r"(valence|arousal)(?:_(\w+))?", cell)
        if not match:
            continue
        dimension, statistic = match.group(1), match.group(2)
        if statistic in (None, "average", "mean"):
            value_columns[dimension] = index
        else:
            extra_columns.setdefault(dimension, []).append((f"rater_{statistic}", index))
    for dimension in STATIC_DIMENSIONS:
        if dimension not in value_columns:
            raise ctx.parse_error(
                member,
                f"no {dimension} column",
                line=records.header_line,
                field=dimension.capitalize(),
            )
    return _RaterColumns(header, worker_index, song_index, value_columns, extra_columns)


def _rater_judgments(
    ctx: LoaderContext,
    member: str,
    columns: _RaterColumns,
    line: int,
    row: list[str],
    missing: list[str],
) -> list[dict[str, Any]]:
    """The judgments (one per dimension with a value) of one row of a per-rater static file;
    an empty rating cell is appended to ``missing`` (quirk ``missing-rating``)."""
    header = columns.header
    if len(row) < len(header):
        raise ctx.parse_error(member, f"expected {len(header)} fields, found {len(row)}", line=line)
    track = song_id(ctx, member, row[columns.song], line, header[columns.song])
    rater = row[columns.worker].strip()
    if not rater:
        raise ctx.parse_error(member, "empty worker id", line=line, field=header[columns.worker])
    annotation_id = f"{PurePosixPath(member).stem}:{line}"
    judgments = []
    for dimension, index in columns.values.items():
        text = row[index].strip()
        if not text:
            missing.append(f"line {line} {dimension}")
            continue
        record = {
            "judgment_id": f"{annotation_id}:{dimension}",
            "annotation_id": annotation_id,
            "track_id": track,
            "rater_id": rater,
            "dimension": dimension,
            "value": parse_float(ctx, member, text, line, header[index]),
            "source_file": member,
            "source_line": line,
        }
        for column, extra_index in columns.extras.get(dimension, []):
            extra = row[extra_index].strip()
            record[column] = (
                parse_float(ctx, member, extra, line, header[extra_index]) if extra else None
            )
        judgments.append(record)
    return judgments


def _count_repeated_judgments(ctx: LoaderContext, member: str, frame: pd.DataFrame) -> None:
    """Quirk ``repeated-judgment``: a worker rating a song twice (every judgment is kept)."""
    repeated = frame.duplicated(["track_id", "rater_id", "dimension"], keep="first")
    ctx.quirks.add(
        "repeated-judgment",
        int(repeated.sum()),
        file=member,
        reason="the same worker rated the same song more than once; every judgment is kept",
        effect="kept",
        examples=(
            frame.loc[repeated, "rater_id"] + " / song " + frame.loc[repeated, "track_id"]
        ).tolist(),
    )


def _iter_dynamic_files(directory: Path) -> Iterator[tuple[str, Path]]:
    for dimension in STATIC_DIMENSIONS:
        folder = directory / dimension
        if folder.is_dir():
            for path in sorted(folder.glob("*.csv"), key=lambda p: (len(p.stem), p.stem)):
                yield dimension, path


@dataclass
class _CurveTally:
    """What the per-rater curves of one folder left out or made up, counted for the quirks."""

    anonymous: int = 0
    empty: list[str] = field(default_factory=list)
    not_songs: list[str] = field(default_factory=list)


def _per_rater_dynamic(ctx: LoaderContext, directory: Path) -> pd.DataFrame:
    """Per-song files ``<dimension>/<song_id>.csv``: one row per rater, 2 Hz samples.

    Some files start with a ``WorkerId`` column, others have none (PROVENANCE.md); raters of the
    latter cannot be identified across songs and get a file-scoped id ``<dim>/<song>#<row>``
    (quirk ``added``).
    """
    import pandas as pd

    root = _layout_root(ctx)
    tally = _CurveTally()
    frames = []
    for dimension, path in _iter_dynamic_files(directory):
        member = path.relative_to(root).as_posix()
        if not path.stem.isdigit():
            tally.not_songs.append(member)
            continue
        frames.append(_curve_file(ctx, member, path, dimension, tally))
    _count_curve_quirks(ctx, directory.relative_to(root).as_posix(), tally)
    if not frames:
        return pd.DataFrame(columns=ANNOTATION_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out.insert(
        0,
        "judgment_id",
        out["annotation_id"] + ":" + (out["time_s"] * 1000).round().astype(int).astype(str),
    )
    return out


def _curve_file(
    ctx: LoaderContext, member: str, path: Path, dimension: str, tally: _CurveTally
) -> pd.DataFrame:
    """The judgments of one per-rater curve file ``<dimension>/<song_id>.csv``, one per
    (rater, sample) with a value; anonymous rows and empty cells are counted in ``tally``."""
    import pandas as pd

    track = str(int(path.stem))
    records = read_csv_records(ctx, member, path, skipinitialspace=True)
    header = [cell.strip() for cell in records.header]
    has_worker = bool(header) and header[0].lower() == "workerid"
    sample_cells = header[1:] if has_worker else header
    times = times_of_samples(ctx, member, records.header_line, sample_cells)
    columns: dict[str, list[Any]] = {
        key: [] for key in ("annotation_id", "track_id", "rater_id", "value", "time_s", "lines")
    }
    for position, (line, row) in enumerate(records.rows, start=1):
        rater = row[0].strip() if has_worker else f"{dimension}/{track}#{position}"
        tally.anonymous += 0 if has_worker else 1
        cells = row[1:] if has_worker else row
        if len(cells) > len(times):
            raise ctx.parse_error(
                member, f"{len(cells)} samples but the header names only {len(times)}", line=line
            )
        for t, cell in zip(times, cells):
            text = cell.strip()
            if not text:
                tally.empty.append(f"{member} line {line} at {t:g} s")
                continue
            columns["track_id"].append(track)
            columns["rater_id"].append(rater)
            columns["value"].append(
                parse_float(ctx, member, text, line, f"sample_{round(t * 1000)}ms")
            )
            columns["time_s"].append(t)
            columns["lines"].append(line)
            columns["annotation_id"].append(f"{dimension}/{track}:{line}")
    return pd.DataFrame(
        {
            "annotation_id": columns["annotation_id"],
            "track_id": columns["track_id"],
            "rater_id": columns["rater_id"],
            "dimension": f"{dimension}_dynamic",
            "value": columns["value"],
            "time_s": columns["time_s"],
            "source_file": member,
            "source_line": columns["lines"],
        }
    )


def _count_curve_quirks(ctx: LoaderContext, folder: str, tally: _CurveTally) -> None:
    """The per-rater curves' quirks: rows without a rater id, empty samples, files not a song."""
    ctx.quirks.add(
        "rater-without-id",
        tally.anonymous,
        reason="per-rater dynamic rows without a WorkerId column: rater id made from file and row "
        "(these raters cannot be matched across songs)",
        effect="added",
    )
    ctx.quirks.add(
        "empty-sample",
        len(tally.empty),
        file=folder,
        reason="empty cell in a per-rater curve (a shorter rating): no value for that sample",
        effect="excluded",
        examples=tally.empty,
    )
    ctx.quirks.add(
        "file-not-a-song",
        len(tally.not_songs),
        reason="per-rater curve file whose name is not <song_id>.csv: not read",
        effect="excluded",
        examples=tally.not_songs,
    )
