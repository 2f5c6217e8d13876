"""TROMPA-MER raw exports (Gómez-Cañón et al. 2022) -> the four tables.

Source format (the authors' companion repository juansgomez87/vis-mtg-mer, ``data/``):

* ``data_<date>.json`` (``json.dumps(indent=4)``): ``annotations`` (one record per answered
  excerpt: binary valence/arousal, one of 11 emotion words, familiarity, preference, free-text
  reasons), ``users`` (ONE ROW PER OTHER LANGUAGE: a participant who speaks three other languages
  has three rows with the same ``id``) and ``moods`` (the participant's own mood, reported before an
  annotation session; about the person, not about a track).
* ``summary.csv``: TAB-separated, unnamed pandas index column, one row per selected track with
  Spotify audio features and a ``quadrant`` (1-4) the authors derived from the signs of
  Spotify energy/valence normalized within each selection: it is NOT a listener label.

Decisions (documented in the catalog entry too):

* ``internalID`` is not an annotation id (it identifies a track entry; 1439 distinct values over
  4779 records), so ``annotation_id`` = ``"{userId}:{externalID}:{timestamp}"`` (unique in both
  exports) and ``internalID`` is kept as the extra column ``internal_id``.
* One judgment per answered field; an empty answer creates no judgment (quirk ``missing_rating``).
* The same participant rating the same excerpt again is kept (each with its own id/timestamp).
* Participant moods are stored in ``raters`` (count + JSON list), because the model has no
  per-person time-series table and a mood is not a judgment of a track.
"""

from __future__ import annotations

import csv
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..tables import Tables
from .base import LoaderContext

LOADER_VERSION = "2"  # 2: quirk kinds in kebab-case

#: dimension -> (answer field, comment field) in an annotation record
ANSWER_FIELDS: dict[str, tuple[str, str | None]] = {
    "valence": ("valenceValue", "valenceComment"),
    "arousal": ("arousalValue", "arousalComment"),
    "emotion": ("moodValue", "moodComment"),
    "familiarity": ("knownSong", None),
    "preference": ("favSong", None),
}
REQUIRED_ANNOTATION_FIELDS = ("externalID", "userId", "timestamp") + tuple(
    field for field, _ in ANSWER_FIELDS.values()
)
REQUIRED_SUMMARY_COLUMNS = ("cdr_track_num", "selection", "track_name", "quadrant")

#: summary.csv column -> tracks column (unlisted columns keep their name)
SUMMARY_COLUMNS = {
    "cdr_track_num": "track_id",
    "track_name": "title",
    "artist_name": "artist",
    "track_id": "spotify_id",
    "popularity": "spotify_popularity",
    "danceability": "spotify_danceability",
    "energy": "spotify_energy",
    "valence": "spotify_valence",
    "key": "spotify_key",
    "loudness": "spotify_loudness",
    "mode": "spotify_mode",
    "speechiness": "spotify_speechiness",
    "acousticness": "spotify_acousticness",
    "instrumentalness": "spotify_instrumentalness",
    "liveness": "spotify_liveness",
    "tempo": "spotify_tempo",
}
NUMERIC_TRACK_COLUMNS = tuple(
    c for c in SUMMARY_COLUMNS.values() if c.startswith("spotify_") and c != "spotify_id"
) + ("norm_energy", "norm_valence")
ARTIST_PLACEHOLDER = "not found"
QUADRANT_DIMENSION = "spotify_quadrant"
QUADRANT_NOTE = (
    "derived by the dataset authors from Spotify energy/valence (normalized within each "
    "selection), not from listeners"
)


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    export_name = ctx.member_path("export")
    export = _read_export(ctx, ctx.file("export"), export_name)
    tracks, labels = _tracks_and_labels(ctx)
    annotations = _annotations(ctx, export["annotations"], export_name)
    raters = _raters(ctx, export["users"], export["moods"], annotations, export_name)

    known = set(tracks["track_id"])
    unknown = [t for t in pd.unique(annotations["track_id"]) if t not in known]
    if unknown:
        ctx.quirks.add(
            "track-not-in-summary",
            len(unknown),
            file=export_name,
            reason="annotated excerpt absent from summary.csv: added to tracks without metadata",
            effect="added",
            examples=unknown,
        )
        added = pd.DataFrame({"track_id": unknown, "in_summary": False})
        tracks = pd.concat([tracks, added], ignore_index=True)
    return Tables(tracks=tracks, raters=raters, annotations=annotations, labels=labels)


# -- export JSON ------------------------------------------------------------------------------


def _read_export(ctx: LoaderContext, path: Path, name: str) -> dict[str, list[dict[str, Any]]]:
    text = ctx.decode_text(name, path.read_bytes(), "utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ctx.parse_error(name, f"not valid JSON: {exc.msg}", line=exc.lineno) from exc
    if not isinstance(document, dict):
        raise ctx.parse_error(name, "expected a JSON object with annotations, users and moods")
    for key in ("annotations", "users"):
        if not isinstance(document.get(key), list):
            raise ctx.parse_error(name, f"expected a list under {key!r}", field=key)
    moods = document.get("moods", [])
    if not isinstance(moods, list):
        raise ctx.parse_error(name, "expected a list under 'moods'", field="moods")
    if not document["annotations"]:
        raise ctx.parse_error(name, "the export holds no annotations", field="annotations")
    ctx.quirks.source_rows(f"{name}#annotations", len(document["annotations"]))
    ctx.quirks.source_rows(f"{name}#users", len(document["users"]))
    ctx.quirks.source_rows(f"{name}#moods", len(moods))
    return {"annotations": document["annotations"], "users": document["users"], "moods": moods}


def _text(value: Any) -> str | None:
    """Source strings as text; empty strings and null are missing."""
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _unix_seconds(ctx: LoaderContext, name: str, value: Any, field: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ctx.parse_error(
            name, f"expected unix seconds, found {value!r}", field=field
        ) from None


@dataclass
class _AnnotationScan:
    """What one pass over the ``annotations`` records collects: judgment rows and quirk evidence."""

    emotion_words: set[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)
    invalid: dict[str, list[str]] = field(default_factory=dict)
    seen_keys: dict[str, int] = field(default_factory=dict)
    first_by_pair: dict[tuple[str, str], str] = field(default_factory=dict)
    repeats: list[str] = field(default_factory=list)

    def annotation_id(self, rater_id: str, track_id: str, seconds: int) -> str:
        """``user:excerpt:timestamp``, suffixed ``#n`` when that key was already seen."""
        key = f"{rater_id}:{track_id}:{seconds}"
        if key in self.seen_keys:
            self.seen_keys[key] += 1
            annotation_id = f"{key}#{self.seen_keys[key]}"
        else:
            self.seen_keys[key] = 1
            annotation_id = key
        pair = (rater_id, track_id)
        if pair in self.first_by_pair:
            self.repeats.append(annotation_id)
        else:
            self.first_by_pair[pair] = annotation_id
        return annotation_id


def _annotations(ctx: LoaderContext, records: list[Any], name: str):
    emotion_dim = ctx.dataset.dimension("emotion")
    scan = _AnnotationScan(set(emotion_dim.categories or ()) if emotion_dim else set())
    for index, record in enumerate(records):
        _scan_annotation(ctx, scan, name, index, record)
    _report_annotation_quirks(ctx, scan, name)
    return _annotation_frame(scan.rows)


def _scan_annotation(
    ctx: LoaderContext, scan: _AnnotationScan, name: str, index: int, record: Any
) -> None:
    """One annotation record -> one judgment row per answered field (or a counted exclusion)."""
    where = f"annotations[{index}]"
    if not isinstance(record, dict):
        raise ctx.parse_error(name, "expected an object", field=where)
    for field_name in REQUIRED_ANNOTATION_FIELDS:
        if field_name not in record:
            raise ctx.parse_error(name, "required field absent", field=f"{where}.{field_name}")
    track_id = _text(record["externalID"])
    rater_id = _text(record["userId"])
    if track_id is None or rater_id is None:
        raise ctx.parse_error(
            name, "empty externalID or userId", field=f"{where}.externalID/userId"
        )
    seconds = _unix_seconds(ctx, name, record["timestamp"], f"{where}.timestamp")
    annotation_id = scan.annotation_id(rater_id, track_id, seconds)
    time_ms = _text(record.get("annotationTime"))
    common = {
        "annotation_id": annotation_id,
        "track_id": track_id,
        "rater_id": rater_id,
        "timestamp": seconds,
        "free_mood": _text(record.get("freeMood")),
        "annotation_time_ms": int(time_ms) if time_ms and time_ms.strip().isdigit() else None,
        "internal_id": _text(record.get("internalID")),
        "source_file": name,
        "source_record": index,
    }
    for dimension, (answer_field, comment_field) in ANSWER_FIELDS.items():
        raw = _text(record[answer_field])
        if raw is None:
            scan.missing.setdefault(dimension, []).append(annotation_id)
            continue
        row = dict(common)
        row["judgment_id"] = f"{annotation_id}:{dimension}"
        row["dimension"] = dimension
        row["comment"] = _text(record.get(comment_field)) if comment_field else None
        if dimension == "emotion":
            if scan.emotion_words and raw.strip() not in scan.emotion_words:
                scan.invalid.setdefault(dimension, []).append(f"{annotation_id}={raw!r}")
                continue
            row["label"] = raw.strip()
            row["value"] = None
        else:
            value = _numeric_answer(ctx, name, raw, f"{where}.{answer_field}")
            dim = ctx.dataset.dimension(dimension)
            if dim is not None and dim.values is not None and value not in dim.values:
                scan.invalid.setdefault(dimension, []).append(f"{annotation_id}={raw!r}")
                continue
            row["value"] = value
            row["label"] = None
        scan.rows.append(row)


def _report_annotation_quirks(ctx: LoaderContext, scan: _AnnotationScan, name: str) -> None:
    for dimension, ids in scan.missing.items():
        ctx.quirks.add(
            "missing-rating",
            len(ids),
            file=name,
            reason=f"empty {ANSWER_FIELDS[dimension][0]}: no {dimension} judgment created",
            effect="excluded",
            examples=ids,
        )
    for dimension, ids in scan.invalid.items():
        ctx.quirks.add(
            "invalid-rating",
            len(ids),
            file=name,
            reason=f"{ANSWER_FIELDS[dimension][0]} outside the declared scale of {dimension}",
            effect="excluded",
            examples=ids,
        )
    ctx.quirks.add(
        "repeated-judgment",
        len(scan.repeats),
        file=name,
        reason="the same participant annotated the same excerpt again; every annotation is kept",
        effect="kept",
        examples=scan.repeats,
    )
    collisions = [k for k, n in scan.seen_keys.items() if n > 1]
    ctx.quirks.add(
        "duplicate-annotation-key",
        sum(scan.seen_keys[k] - 1 for k in collisions),
        file=name,
        reason="two records with the same user, excerpt and timestamp: ids suffixed with #n",
        effect="kept",
        examples=collisions,
    )


def _annotation_frame(rows: list[dict[str, Any]]):
    import pandas as pd

    frame = pd.DataFrame(
        rows,
        columns=[
            "judgment_id",
            "annotation_id",
            "track_id",
            "rater_id",
            "dimension",
            "value",
            "label",
            "timestamp",
            "comment",
            "free_mood",
            "annotation_time_ms",
            "internal_id",
            "source_file",
            "source_record",
        ],
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"].astype("int64"), unit="s", utc=True)
    frame["value"] = pd.to_numeric(frame["value"]).astype("Float64")
    frame["annotation_time_ms"] = frame["annotation_time_ms"].astype("Int64")
    frame["source_record"] = frame["source_record"].astype("Int64")
    return frame


def _numeric_answer(ctx: LoaderContext, name: str, raw: str, field: str) -> float:
    try:
        return float(raw.strip())
    except ValueError:
        raise ctx.parse_error(name, f"expected a number, found {raw!r}", field=field) from None


# -- users and moods -> raters ----------------------------------------------------------------


def _raters(ctx: LoaderContext, users: list[Any], moods: list[Any], annotations, name: str):
    import pandas as pd

    people = _people(ctx, users, name)
    reports = _mood_reports(ctx, moods, name)
    missing_annotators = [r for r in pd.unique(annotations["rater_id"]) if r not in people]
    missing_moody = [r for r in reports if r not in people and r not in missing_annotators]
    _add_absent_raters(ctx, people, missing_annotators, missing_moody, name)
    outside = set(missing_annotators) | set(missing_moody)
    return _rater_frame(people, reports, outside)


def _people(ctx: LoaderContext, users: list[Any], name: str) -> OrderedDict[str, dict[str, Any]]:
    """``users`` rows -> one person per id (the source has one row per other language)."""
    people: OrderedDict[str, dict[str, Any]] = OrderedDict()
    merged_rows: list[str] = []
    conflicts: list[str] = []
    for index, user in enumerate(users):
        where = f"users[{index}]"
        if not isinstance(user, dict) or _text(user.get("id")) is None:
            raise ctx.parse_error(name, "expected an object with an id", field=f"{where}.id")
        rater_id = _text(user["id"])
        attributes = {
            "mother_language": _text(user.get("motherLanguage")),
            "birth_place": _text(user.get("birthPlace")),
            "registered_at": _text(user.get("timestamp")),
        }
        other = _text(user.get("otherLanguage"))
        if rater_id in people:
            merged_rows.append(rater_id)
            person = people[rater_id]
            if any(person[k] != v for k, v in attributes.items()):
                conflicts.append(rater_id)
        else:
            person = people[rater_id] = {"rater_id": rater_id, **attributes, "other": []}
        if other is not None and other not in person["other"]:
            person["other"].append(other)
    ctx.quirks.add(
        "user-row-per-other-language",
        len(merged_rows),
        file=name,
        reason="users lists a participant once per other language spoken: rows merged into "
        "one rater, other_languages joined with ';'",
        effect="repaired",
        examples=sorted(set(merged_rows)),
    )
    ctx.quirks.add(
        "conflicting-user-rows",
        len(conflicts),
        file=name,
        reason="rows of one user differ beyond otherLanguage: the first row's values are kept",
        effect="kept",
        examples=conflicts,
    )
    return people


def _mood_reports(ctx: LoaderContext, moods: list[Any], name: str) -> dict[str, list[dict]]:
    """``moods`` records -> each participant's mood reports (about the person, not a track)."""
    import pandas as pd

    reports: dict[str, list[dict[str, Any]]] = {}
    for index, mood in enumerate(moods):
        where = f"moods[{index}]"
        if not isinstance(mood, dict) or _text(mood.get("userId")) is None:
            raise ctx.parse_error(name, "expected an object with a userId", field=f"{where}.userId")
        seconds = _unix_seconds(ctx, name, mood.get("moodDate"), f"{where}.moodDate")
        reports.setdefault(_text(mood["userId"]), []).append(
            {
                "time": pd.Timestamp(seconds, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                "mood": _text(mood.get("mood")),
                "free_mood": _text(mood.get("freeMood")),
            }
        )
    ctx.quirks.add(
        "participant-mood-reports",
        len(moods),
        file=name,
        reason="participant moods (about the person, before annotating) are stored in raters as "
        "participant_mood_count and participant_moods (JSON list of {time, mood, free_mood})",
        effect="kept",
    )
    return reports


def _add_absent_raters(
    ctx: LoaderContext,
    people: OrderedDict[str, dict[str, Any]],
    missing_annotators: list[str],
    missing_moody: list[str],
    name: str,
) -> None:
    """Annotators and mood reporters absent from ``users`` become raters without attributes."""
    for kind, ids, why in (
        ("rater-not-in-users", missing_annotators, "annotating userId absent from users"),
        ("mood-user-not-in-users", missing_moody, "userId of mood reports absent from users"),
    ):
        ctx.quirks.add(
            kind,
            len(ids),
            file=name,
            reason=f"{why}: added to raters with missing attributes",
            effect="added",
            examples=ids,
        )
        for rater_id in ids:
            people[rater_id] = {
                "rater_id": rater_id,
                "mother_language": None,
                "birth_place": None,
                "registered_at": None,
                "other": [],
            }


def _rater_frame(
    people: OrderedDict[str, dict[str, Any]], reports: dict[str, list[dict]], outside: set[str]
):
    import pandas as pd

    rows = []
    for rater_id, person in people.items():
        own = sorted(reports.get(rater_id, []), key=lambda r: r["time"])
        rows.append(
            {
                "rater_id": rater_id,
                "mother_language": person["mother_language"],
                "birth_place": person["birth_place"],
                "other_languages": ";".join(person["other"]) or None,
                "registered_at": person["registered_at"],
                "in_users": rater_id not in outside,
                "participant_mood_count": len(own),
                "participant_moods": json.dumps(own, ensure_ascii=False) if own else None,
            }
        )
    frame = pd.DataFrame(rows)
    seconds = pd.to_numeric(frame["registered_at"], errors="coerce")
    frame["registered_at"] = pd.to_datetime(seconds, unit="s", utc=True)
    frame["participant_mood_count"] = frame["participant_mood_count"].astype("Int64")
    frame["in_users"] = frame["in_users"].astype("boolean")
    for column in ("rater_id", "mother_language", "birth_place", "other_languages"):
        frame[column] = frame[column].astype("string")
    frame["participant_moods"] = frame["participant_moods"].astype("string")
    return frame


# -- summary.csv -> tracks and the authors' Spotify quadrant -----------------------------------


@dataclass
class _SummaryScan:
    """What one pass over summary.csv collects: tracks, quadrants and quirk evidence."""

    by_track: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    quadrants: OrderedDict[tuple[str, str], int] = field(default_factory=OrderedDict)
    duplicates: list[str] = field(default_factory=list)
    bad_quadrants: list[str] = field(default_factory=list)
    padded: int = 0
    placeholders: int = 0
    n_rows: int = 0


def _tracks_and_labels(ctx: LoaderContext):
    name = ctx.member_path("summary")
    path = ctx.file("summary")
    text = ctx.decode_text(name, path.read_bytes())
    reader = _csv_rows(ctx, name, csv.reader(text.splitlines(), delimiter="\t"))
    header = _summary_header(ctx, name, reader)
    scan = _SummaryScan()
    for line_number, cells in enumerate(reader, start=2):
        if any(c.strip() for c in cells):
            _scan_summary_row(ctx, scan, name, header, line_number, cells)
    if scan.n_rows == 0:
        raise ctx.parse_error(name, "no track rows after the header", line=2)
    ctx.quirks.source_rows(name, scan.n_rows)
    _report_summary_quirks(ctx, scan, name)
    return _track_frame(ctx, scan, name), _quadrant_labels(scan.quadrants, name)


def _summary_header(ctx: LoaderContext, name: str, reader: Any) -> list[str]:
    header = next(reader, None)
    if not header:
        raise ctx.parse_error(name, "empty file: expected a TAB-separated header", line=1)
    for column in REQUIRED_SUMMARY_COLUMNS:
        if column not in header:
            raise ctx.parse_error(
                name,
                f"required column {column!r} absent (header: {header})",
                line=1,
                field=column,
            )
    return header


def _scan_summary_row(
    ctx: LoaderContext,
    scan: _SummaryScan,
    name: str,
    header: list[str],
    line_number: int,
    cells: list[str],
) -> None:
    """One non-blank summary row -> a track (or a merge into an earlier one) and its quadrant."""
    scan.n_rows += 1
    if len(cells) != len(header):
        raise ctx.parse_error(
            name,
            f"expected {len(header)} TAB-separated fields, found {len(cells)}",
            line=line_number,
        )
    raw = dict(zip(header, cells))
    scan.padded += sum(1 for v in cells if v != v.strip())
    row = {
        SUMMARY_COLUMNS.get(k, k): v.strip() or None
        for k, v in raw.items()
        if k != ""  # the unnamed pandas index column carries no information
    }
    if row.get("artist") == ARTIST_PLACEHOLDER:
        row["artist"] = None
        scan.placeholders += 1
    track_id = row["track_id"]
    if track_id is None:
        raise ctx.parse_error(name, "empty track id", line=line_number, field="cdr_track_num")
    quadrant = row.pop("quadrant")
    if quadrant in ("1", "2", "3", "4"):
        scan.quadrants.setdefault((track_id, f"Q{quadrant}"), line_number)
    else:
        scan.bad_quadrants.append(f"line {line_number}: {quadrant!r}")
    if track_id in scan.by_track:
        scan.duplicates.append(f"{track_id} (line {line_number})")
        kept = scan.by_track[track_id]
        if row["selection"] and row["selection"] not in kept["selection"].split(";"):
            kept["selection"] = f"{kept['selection']};{row['selection']}"
        return
    row["in_summary"] = True
    scan.by_track[track_id] = row


def _report_summary_quirks(ctx: LoaderContext, scan: _SummaryScan, name: str) -> None:
    ctx.quirks.add(
        "duplicate-track-rows",
        len(scan.duplicates),
        file=name,
        reason="a track listed again (another selection, or twice): merged into one track; "
        "selection lists every selection; other fields from the first row",
        effect="repaired",
        examples=scan.duplicates,
    )
    ctx.quirks.add(
        "padded-cells",
        scan.padded,
        file=name,
        reason="cells with leading/trailing spaces (e.g. year_rec): stripped",
        effect="repaired",
    )
    ctx.quirks.add(
        "artist-placeholder",
        scan.placeholders,
        file=name,
        reason=f"artist_name {ARTIST_PLACEHOLDER!r}: stored as missing",
        effect="repaired",
    )
    ctx.quirks.add(
        "invalid-quadrant",
        len(scan.bad_quadrants),
        file=name,
        reason="quadrant not in 1-4: no label created",
        effect="excluded",
        examples=scan.bad_quadrants,
    )
    conflicting = [t for t, n in _count_tracks(scan.quadrants).items() if n > 1]
    ctx.quirks.add(
        "conflicting-quadrant",
        len(conflicting),
        file=name,
        reason="duplicate rows of a track give different quadrants: every distinct one is kept",
        effect="kept",
        examples=conflicting,
    )


def _track_frame(ctx: LoaderContext, scan: _SummaryScan, name: str):
    """Tracks with Spotify features as numbers (a non-number is counted and stored missing)."""
    import pandas as pd

    tracks = pd.DataFrame(list(scan.by_track.values()))
    for column in NUMERIC_TRACK_COLUMNS:
        if column in tracks.columns:
            numbers = pd.to_numeric(tracks[column], errors="coerce")
            bad = int((numbers.isna() & tracks[column].notna()).sum())
            ctx.quirks.add(
                "non-numeric-feature",
                bad,
                file=name,
                reason=f"{column} not a number: stored as missing",
                effect="repaired",
            )
            tracks[column] = numbers.astype("Float64")
    tracks["in_summary"] = tracks["in_summary"].astype("boolean")
    return tracks


def _quadrant_labels(quadrants: OrderedDict[tuple[str, str], int], name: str):
    import pandas as pd

    return pd.DataFrame(
        {
            "track_id": [t for t, _ in quadrants],
            "dimension": QUADRANT_DIMENSION,
            "statistic": "label",
            "value": pd.array([pd.NA] * len(quadrants), dtype="Float64"),
            "label": [q for _, q in quadrants],
            "source": name,
            "note": QUADRANT_NOTE,
            "source_line": pd.array(list(quadrants.values()), dtype="Int64"),
        }
    )


def _count_tracks(quadrants: dict[tuple[str, str], int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for track_id, _ in quadrants:
        counts[track_id] = counts.get(track_id, 0) + 1
    return counts


def _csv_rows(ctx: LoaderContext, name: str, reader: Any) -> Any:
    """The reader's rows; a csv.Error (e.g. a field over the csv field size limit) -> ParseError."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ctx.parse_error(
            name, f"malformed TAB-separated text: {exc}", line=reader.line_num + 1
        ) from None
