"""emoMusic ("1000 songs", MediaEval 2013): the six annotation CSVs of the emoMusic package.

Source: Soleymani, Caro, Schmidt, Sha & Yang (2013), "1000 songs for emotional analysis of
music", CrowdMM '13; formats as documented in ``shared/mirror/PROVENANCE.md`` (``emomusic``):

* ``songs_info.csv``: fully quoted; text values padded with TAB characters (``"\\tBlues\\t"``);
  segment bounds in ``min.sec``; ``Mediaeval 2013 set`` (development / evaluation) -> ``split``;
* ``static_annotations.csv``: ``song_id,mean_arousal,std_arousal,mean_valence,std_valence`` on
  the 9-point scale 1-9;
* ``arousal|valence_cont_average|std.csv``: 744 songs x 61 samples, 2 Hz from 15000 to 45000 ms,
  values in [-1, 1] (averages) and their std.

Only per-song aggregates are published (no per-rater data): ``raters`` and ``annotations`` are
empty. The song-id, ``min.sec`` and curve helpers are DEAM's (emoMusic is DEAM's 2013 part, same
formats); CSV reading and TAB padding are :mod:`.csvfile`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .csvfile import parse_float, read_csv_records, strip_padding
from .deam_format import continuous_labels, minsec_to_seconds, song_id

if TYPE_CHECKING:  # pragma: no cover
    from ..tables import Tables
from .base import LoaderContext

LOADER_VERSION = "1"

#: Logical file -> (dimension, statistic) of the 2 Hz curves.
CONTINUOUS_FILES = {
    "arousal_cont_average": ("arousal_dynamic", "mean"),
    "arousal_cont_std": ("arousal_dynamic", "std"),
    "valence_cont_average": ("valence_dynamic", "mean"),
    "valence_cont_std": ("valence_dynamic", "std"),
}
#: ``static_annotations.csv`` column -> (dimension, statistic).
STATIC_COLUMNS = {
    "mean_arousal": ("arousal", "mean"),
    "std_arousal": ("arousal", "std"),
    "mean_valence": ("valence", "mean"),
    "std_valence": ("valence", "std"),
}
#: ``songs_info.csv`` column -> tracks column (segment bounds are converted from min.sec).
SONG_COLUMNS = {
    "song_id": "track_id",
    "file_name": "file_name",
    "Artist": "artist",
    "Song title": "title",
    "start of the segment (min.sec)": "segment_start",
    "end of the segment (min.sec)": "segment_end",
    "Genre": "genre",
    "Mediaeval 2013 set": "split",
}


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    from ..tables import Tables

    tracks = _songs(ctx)
    labels = pd.concat(
        [_static_labels(ctx)]
        + [
            continuous_labels(ctx, name, dim, stat)
            for name, (dim, stat) in CONTINUOUS_FILES.items()
        ],
        ignore_index=True,
    )
    known = set(tracks["track_id"].unique())
    unknown = sorted(set(labels["track_id"].unique()) - known, key=int)
    ctx.quirks.add(
        "labels-without-song-info",
        len(unknown),
        reason="song with annotations but no row in songs_info.csv; added as a track with its id only",
        effect="added",
        examples=unknown,
    )
    if unknown:
        tracks = pd.concat([tracks, pd.DataFrame({"track_id": unknown})], ignore_index=True)
    unlabelled = sorted(known - set(labels["track_id"].unique()), key=int)
    ctx.quirks.add(
        "song-without-labels",
        len(unlabelled),
        reason="song in songs_info.csv without any annotation; kept as a track",
        effect="kept",
        examples=unlabelled,
    )
    return Tables.published_only(tracks, labels)


def _songs(ctx: LoaderContext) -> Any:
    import pandas as pd

    name = "songs_info"
    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name))
    header = records.require_columns(ctx, member, SONG_COLUMNS)
    index = {column: header.index(column) for column in SONG_COLUMNS}
    rows = []
    seen: dict[str, int] = {}
    padded = 0
    for line, row in records.rectangular(ctx, member):
        record: dict[str, Any] = {}
        for column, target in SONG_COLUMNS.items():
            raw = row[index[column]]
            padded += raw != raw.strip()
            record[target] = strip_padding(raw)
        record["track_id"] = song_id(ctx, member, row[index["song_id"]], line, "song_id")
        if record["track_id"] in seen:
            raise ctx.parse_error(
                member,
                f"song {record['track_id']} already listed on line {seen[record['track_id']]}",
                line=line,
                field="song_id",
            )
        seen[record["track_id"]] = line
        for bound, target in (
            ("segment_start", "excerpt_start_s"),
            ("segment_end", "excerpt_end_s"),
        ):
            raw = record.pop(bound)
            record[target] = minsec_to_seconds(raw or "")
            record[f"{bound}_raw"] = raw
            if raw is not None and record[target] is None:
                raise ctx.parse_error(
                    member, f"expected min.sec, found {raw!r}", line=line, field=bound
                )
        rows.append(record)
    ctx.quirks.add(
        "padded-values",
        padded,
        file=member,
        reason="quoted values padded with TAB/space characters; padding stripped",
        effect="repaired",
    )
    if not rows:  # a header and no songs: every annotated song becomes a track with its id only
        bounds = ("segment_start", "segment_end")
        columns = [t for t in SONG_COLUMNS.values() if t not in bounds]
        columns += ["excerpt_start_s", "segment_start_raw", "excerpt_end_s", "segment_end_raw"]
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows)


def _static_labels(ctx: LoaderContext) -> Any:
    import pandas as pd

    name = "static_annotations"
    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name), skipinitialspace=True)
    header = records.require_columns(ctx, member, ("song_id", *STATIC_COLUMNS))
    rows = []
    empty = []
    for line, row in records.rectangular(ctx, member):
        track = song_id(ctx, member, row[header.index("song_id")], line, "song_id")
        for column, (dimension, statistic) in STATIC_COLUMNS.items():
            text = row[header.index(column)].strip()
            if not text:
                empty.append(f"song {track} {column} (line {line})")
                continue
            rows.append(
                {
                    "track_id": track,
                    "dimension": dimension,
                    "statistic": statistic,
                    "value": parse_float(ctx, member, text, line, column),
                    "source": member,
                }
            )
    ctx.quirks.add(
        "empty-statistic",
        len(empty),
        file=member,
        reason="empty cell: statistic not published",
        effect="excluded",
        examples=empty,
    )
    return pd.DataFrame(rows, columns=["track_id", "dimension", "statistic", "value", "source"])
