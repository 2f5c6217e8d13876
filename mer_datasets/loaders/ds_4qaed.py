"""4QAED (Panda, Malheiro & Paiva 2018): ``MER_audio_taffc_dataset.zip``.

Formats as documented in ``shared/mirror/PROVENANCE.md`` (``4qaed``) and the dataset's
``readme.txt``:

* ``panda_dataset_taffc_annotations.csv``: ``Song,Quadrant`` (CRLF, unquoted), the annotation:
  one Russell quadrant Q1-Q4 per AllMusic song id -> ``labels`` (dimension ``quadrant``,
  statistic ``label``);
* ``panda_dataset_taffc_metadata.csv``: quoted header, 14 columns; list fields (moods, genres)
  are strings joined by ``"; "``. They are kept as published, as strings (split on ``"; "`` to
  get lists): strings survive every export (CSV, Parquet, Hugging Face) unchanged. Its
  ``Quadrant`` column is checked against the annotations file (disagreements are a quirk).
* ``readme.txt`` (Windows-1252) is documentation only and is not parsed.

Audio ``Q<n>/<Song>.mp3`` next to the CSV files sets ``audio_path`` only when the file exists.
No per-rater data is distributed: ``raters`` and ``annotations`` are empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .csvfile import read_csv_records

if TYPE_CHECKING:  # pragma: no cover
    from ..tables import Tables
from .base import LoaderContext

LOADER_VERSION = "1"

QUADRANTS = ("Q1", "Q2", "Q3", "Q4")
#: Metadata column -> tracks column (type); the four numeric columns are parsed as numbers.
METADATA_COLUMNS = {
    "Song": ("track_id", "str"),
    "Artist": ("artist", "str"),
    "Title": ("title", "str"),
    "Quadrant": ("metadata_quadrant", "str"),
    "PQuad": ("pquad", "float"),
    "MoodsTotal": ("moods_total", "int"),
    "Moods": ("moods_in_warriner", "int"),
    "MoodsFoundStr": ("moods_in_warriner_list", "str"),
    "MoodsStr": ("allmusic_moods", "str"),
    "MoodsStrSplit": ("allmusic_moods_split", "str"),
    "Genres": ("genres_total", "int"),
    "GenresStr": ("genre", "str"),
    "Sample": ("has_sample", "int"),
    "SampleURL": ("sample_url", "str"),
}


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    from ..tables import Tables

    labels = _annotations(ctx)
    tracks = _metadata(ctx)
    _check_quadrants(ctx, tracks, labels)
    only_labels = sorted(set(labels["track_id"]) - set(tracks["track_id"]))
    ctx.quirks.add(
        "annotated-song-without-metadata",
        len(only_labels),
        reason="song in the annotations file but not in the metadata file; added with its id only",
        effect="added",
        examples=only_labels,
    )
    if only_labels:
        tracks = pd.concat([tracks, pd.DataFrame({"track_id": only_labels})], ignore_index=True)
    unlabelled = sorted(set(tracks["track_id"]) - set(labels["track_id"]))
    ctx.quirks.add(
        "song-without-annotation",
        len(unlabelled),
        reason="song in the metadata file but not in the annotations file; kept as a track",
        effect="kept",
        examples=unlabelled,
    )
    tracks["audio_path"] = _audio_paths(ctx, tracks, labels)
    return Tables.published_only(tracks, labels)


def _annotations(ctx: LoaderContext) -> Any:
    import pandas as pd

    name = "annotations"
    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name), encoding="utf-8-sig")
    header = records.require_columns(ctx, member, ("Song", "Quadrant"))
    song_at, quadrant_at = header.index("Song"), header.index("Quadrant")
    rows = []
    seen: dict[str, int] = {}
    for line, row in records.rectangular(ctx, member):
        song, quadrant = row[song_at].strip(), row[quadrant_at].strip()
        if not song:
            raise ctx.parse_error(member, "empty song id", line=line, field="Song")
        if quadrant not in QUADRANTS:
            raise ctx.parse_error(
                member,
                f"expected one of {QUADRANTS}, found {quadrant!r}",
                line=line,
                field="Quadrant",
            )
        if song in seen:
            raise ctx.parse_error(
                member,
                f"song {song} already annotated on line {seen[song]}",
                line=line,
                field="Song",
            )
        seen[song] = line
        rows.append(
            {
                "track_id": song,
                "dimension": "quadrant",
                "statistic": "label",
                "label": quadrant,
                "source": member,
            }
        )
    return pd.DataFrame(rows, columns=["track_id", "dimension", "statistic", "label", "source"])


def _metadata(ctx: LoaderContext) -> Any:
    import pandas as pd

    name = "metadata"
    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name), encoding="utf-8-sig")
    header = records.require_columns(ctx, member, METADATA_COLUMNS)
    rows = []
    empty: dict[str, list[str]] = {}
    for line, row in records.rectangular(ctx, member):
        record: dict[str, Any] = {}
        for column, (target, kind) in METADATA_COLUMNS.items():
            text = row[header.index(column)].strip()
            if not text:
                record[target] = None
                empty.setdefault(column, []).append(f"line {line}")
                continue
            if kind == "str":
                record[target] = text
                continue
            try:
                record[target] = float(text) if kind == "float" else int(text)
            except ValueError:
                raise ctx.parse_error(
                    member, f"expected a number, found {text!r}", line=line, field=column
                ) from None
        if record["track_id"] is None:
            raise ctx.parse_error(member, "empty song id", line=line, field="Song")
        rows.append(record)
    for column, where in empty.items():
        ctx.quirks.add(
            f"empty-{column.lower()}",
            len(where),
            file=member,
            reason=f"empty {column} field: left missing",
            effect="kept",
            examples=where,
        )
    frame = pd.DataFrame(rows, columns=[target for target, _ in METADATA_COLUMNS.values()])
    duplicated = frame["track_id"].duplicated()
    if duplicated.any():
        raise ctx.parse_error(
            member, f"song {frame.loc[duplicated, 'track_id'].iloc[0]} listed twice", field="Song"
        )
    for column in ("moods_total", "moods_in_warriner", "genres_total", "has_sample"):
        frame[column] = frame[column].astype("Int64")
    frame["pquad"] = frame["pquad"].astype("Float64")
    return frame


def _check_quadrants(ctx: LoaderContext, tracks: Any, labels: Any) -> None:
    """The metadata repeats the quadrant: the annotations file wins, disagreements are reported."""
    annotated = dict(zip(labels["track_id"], labels["label"]))
    disagree = [
        f"{song}: annotations {annotated[song]}, metadata {quadrant}"
        for song, quadrant in zip(tracks["track_id"], tracks["metadata_quadrant"])
        if song in annotated and quadrant is not None and quadrant != annotated[song]
    ]
    ctx.quirks.add(
        "quadrant-disagreement",
        len(disagree),
        file=ctx.member_path("metadata"),
        reason="metadata Quadrant differs from the annotations file; the annotations file is the label",
        effect="kept",
        examples=disagree,
    )


def _audio_paths(ctx: LoaderContext, tracks: Any, labels: Any) -> list[str | None]:
    """``<folder of the CSVs>/Q<n>/<Song>.mp3`` when it exists (folder = annotated quadrant)."""
    folder = ctx.file("annotations").parent
    quadrant = dict(zip(labels["track_id"], labels["label"]))
    paths: list[str | None] = []
    for song in tracks["track_id"]:
        candidate = folder / quadrant.get(song, "") / f"{song}.mp3" if song in quadrant else None
        paths.append(str(candidate) if candidate is not None and candidate.is_file() else None)
    return paths
