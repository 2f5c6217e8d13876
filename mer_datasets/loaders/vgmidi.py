"""VGMIDI (Ferreira & Whitehead, ISMIR 2019) -> the four tables.

Source: the authors' repository lucasnfe/vgmidi.

* ``labelled/annotations/vgmidi_raw_1.json`` and ``vgmidi_raw_2.json`` (required): two exports of
  the annotation tool, each ``{"annotations": {"piece<N>_<k>": record}, "pieces": {"piece<N>":
  piece}}``. A record holds one participant's valence and arousal curves over the piece, one
  value per measure in [-1, 1], with the participant's age band, country, gender, musicianship,
  whether they knew the piece (``isKnown``) and their answers to the two check examples
  (``ex1_*``, ``ex2_*``; absent in a few records). A piece gives its MIDI file name, measure
  count, rendered-audio duration and name.
* ``vgmidi_labelled.csv`` (required): the piece list, one row per *phrase* (``id`` = piece id,
  ``midi`` = ``labelled/phrases/<piece stem>_<k>.mid``) with the authors' binary valence and
  arousal label of the phrase (-1/1).

Joining (why it is done this way): the two exports number their pieces independently, so
``piece0`` of file 1 and ``piece0`` of file 2 are different pieces; the only key common to the
exports and the piece list is the MIDI file name. A piece is identified by (file, ``piece<N>``)
inside its export, then by its MIDI file name across files; the piece list's phrase file names
give the same stem (its ``series_console_game_piece`` columns spell it too, checked). The
``track_id`` is the piece list's ``id``.

A rater here is one (piece, participant slot) pair: ``<track_id>/<k>`` from ``piece<N>_<k>``.
The tool kept no participant id across pieces, so one person who rated two pieces is two raters;
per-rater statistics across pieces are not possible with this release.

Judgments: one row per (rater, measure, dimension); ``measure`` is 1-based, ``time_s`` is missing
(the exports give measures, not seconds). ``annotation_id`` is ``<rater_id>@<measure>`` (valence
and arousal of one measure by one rater).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ..tables import Tables
from .base import LoaderContext
from .csvfile import parse_float, read_csv
from .jsonfile import read_json, require_numbers, require_object

LOADER_VERSION = "1"

EXPORTS = ("raw_1", "raw_2")
PIECE_LIST_COLUMNS = ("id", "series", "console", "game", "piece", "midi", "valence", "arousal")
#: record key -> raters column
RATER_FIELDS = {
    "age": "age_band",
    "country": "country",
    "gender": "gender",
    "musicianship": "musicianship",
    "isKnown": "knew_piece",
    "ex1_valence": "check1_valence",
    "ex1_arousal": "check1_arousal",
    "ex1_description": "check1_description",
    "ex2_valence": "check2_valence",
    "ex2_arousal": "check2_arousal",
}
REQUIRED_RECORD_FIELDS = (
    "valence",
    "arousal",
    "age",
    "country",
    "gender",
    "musicianship",
    "isKnown",
)
CHECK_FIELDS = tuple(k for k in RATER_FIELDS if k.startswith("ex"))
PIECE_FIELDS = ("midi", "measures", "duration", "name")
RECORD_KEY = re.compile(r"(piece\d+)_(\d+)")
PHRASE_FILE = re.compile(r"(?:.*/)?(.+)_(\d+)\.mid")


def load(ctx: LoaderContext) -> Tables:
    phrases = _read_piece_list(ctx)
    ids_by_midi = {p["midi_file"]: p["track_id"] for p in phrases}
    tracks: dict[str, dict[str, Any]] = {}
    raters: list[dict[str, Any]] = []
    judgments: list[dict[str, Any]] = []
    for logical in EXPORTS:
        _read_export(ctx, logical, ids_by_midi, tracks, raters, judgments)
    _add_piece_list(ctx, tracks, phrases, judgments)
    track_frame, rater_frame, annotations = _frames(tracks, raters, judgments)
    labels = _labels(ctx, phrases)
    return Tables(tracks=track_frame, raters=rater_frame, annotations=annotations, labels=labels)


def _add_piece_list(
    ctx: LoaderContext,
    tracks: dict[str, dict[str, Any]],
    phrases: list[dict[str, Any]],
    judgments: list[dict[str, Any]],
) -> None:
    """Unrated listed pieces become tracks; listed tracks get the piece list's metadata."""
    listed = {p["track_id"] for p in phrases}
    for phrase in phrases:
        if phrase["track_id"] not in tracks:
            tracks[phrase["track_id"]] = {"track_id": phrase["track_id"], "midi_file": None}
    unrated = sorted(listed - {j["track_id"] for j in judgments})
    ctx.quirks.add(
        "piece-without-ratings",
        len(unrated),
        file=ctx.member_path("piece_list"),
        reason="the piece list names a piece that no annotation export rates: a track with labels only",
        effect="kept",
        examples=unrated,
    )
    by_id = {p["track_id"]: p for p in phrases}
    for track_id, track in tracks.items():
        first = by_id.get(track_id)
        if first is not None:
            track.update(
                title=first["piece"],
                album=first["game"],
                series=first["series"],
                console=first["console"],
                phrases=sum(1 for p in phrases if p["track_id"] == track_id),
                in_piece_list=True,
            )
        else:
            track.setdefault("in_piece_list", False)


def _frames(
    tracks: dict[str, dict[str, Any]],
    raters: list[dict[str, Any]],
    judgments: list[dict[str, Any]],
):
    """Tracks, raters and annotations as frames with their nullable dtypes."""
    import pandas as pd

    track_frame = pd.DataFrame(list(tracks.values()))
    for column in ("measures", "phrases"):
        if column in track_frame.columns:
            track_frame[column] = pd.array(track_frame[column], dtype="Int64")
    track_frame["in_piece_list"] = track_frame["in_piece_list"].astype("boolean")
    rater_frame = pd.DataFrame(
        raters, columns=["rater_id", "export", "record_key", *RATER_FIELDS.values()]
    )
    rater_frame["musicianship"] = pd.array(rater_frame["musicianship"], dtype="Int64")
    rater_frame["knew_piece"] = rater_frame["knew_piece"].astype("boolean")
    annotations = pd.DataFrame(
        judgments,
        columns=[
            "judgment_id",
            "annotation_id",
            "track_id",
            "rater_id",
            "dimension",
            "value",
            "measure",
        ],
    )
    annotations["measure"] = pd.array(annotations["measure"], dtype="Int64")
    return track_frame, rater_frame, annotations


def _read_piece_list(ctx: LoaderContext) -> list[dict[str, Any]]:
    member, header, rows = read_csv(ctx, "piece_list")
    for column in PIECE_LIST_COLUMNS:
        if column not in header:
            raise ctx.parse_error(
                member, f"required column {column!r} is missing", line=1, field=column
            )
    col = {c: header.index(c) for c in PIECE_LIST_COLUMNS}
    phrases: list[dict[str, Any]] = []
    id_of: dict[str, str] = {}
    misspelled: list[str] = []
    for line, cells in rows:
        phrases.append(_phrase(ctx, member, col, line, cells, id_of, misspelled))
    shared = sorted({m for m, i in id_of.items() if list(id_of.values()).count(i) > 1})
    if shared:
        raise ctx.parse_error(member, f"one id for several pieces: {shared[:5]}", field="id")
    ctx.quirks.add(
        "piece-name-not-in-file-name",
        len(misspelled),
        file=member,
        reason="series_console_game_piece differs from the phrase file's stem; the file name is the join key",
        effect="kept",
        examples=misspelled,
    )
    multi = Counter(p["track_id"] for p in phrases)
    ctx.quirks.add(
        "several-phrases-per-piece",
        sum(n - 1 for n in multi.values() if n > 1),
        file=member,
        reason="the piece list has one row per labelled phrase; extra phrase rows of a piece are labels of the same track",
        effect="kept",
        examples=[t for t, n in multi.items() if n > 1],
    )
    return phrases


def _phrase(
    ctx: LoaderContext,
    member: str,
    col: dict[str, int],
    line: int,
    cells: list[str],
    id_of: dict[str, str],
    misspelled: list[str],
) -> dict[str, Any]:
    """One piece-list row: a labelled phrase of a piece, keyed by the phrase file's stem."""
    cell = {c: cells[i].strip() for c, i in col.items()}
    match = PHRASE_FILE.fullmatch(cell["midi"])
    if not match or not cell["id"]:
        raise ctx.parse_error(
            member,
            f"expected an id and a phrase file '<piece>_<k>.mid', found {cell['id']!r}, {cell['midi']!r}",
            line=line,
            field="midi",
        )
    stem, phrase = match.group(1), int(match.group(2))
    midi_file = f"{stem}.mid"
    known = id_of.setdefault(midi_file, cell["id"])
    if known != cell["id"]:
        raise ctx.parse_error(
            member,
            f"piece {midi_file!r} has id {cell['id']!r} here and {known!r} on an earlier row",
            line=line,
            field="id",
        )
    if "_".join((cell["series"], cell["console"], cell["game"], cell["piece"])) != stem:
        misspelled.append(f"line {line}")
    values = {}
    for dimension in ("valence", "arousal"):
        values[dimension] = parse_float(ctx, member, cell[dimension], line, dimension)
    return {
        **cell,
        "track_id": cell["id"],
        "midi_file": midi_file,
        "phrase": phrase,
        "line": line,
        **values,
    }


def _read_export(
    ctx: LoaderContext,
    logical: str,
    ids_by_midi: dict[str, str],
    tracks: dict[str, dict[str, Any]],
    raters: list[dict[str, Any]],
    judgments: list[dict[str, Any]],
) -> None:
    member, document = read_json(ctx, logical)
    document = require_object(ctx, member, document, "the top level")
    for key in ("annotations", "pieces"):
        if key not in document:
            raise ctx.parse_error(member, f"required key {key!r} is missing", field=key)
    records = require_object(ctx, member, document["annotations"], "annotations")
    pieces = require_object(ctx, member, document["pieces"], "pieces")
    ctx.quirks.source_rows(f"{member}#annotations", len(records))
    ctx.quirks.source_rows(f"{member}#pieces", len(pieces))
    track_of = _export_pieces(ctx, member, logical, pieces, ids_by_midi, tracks)
    _export_records(ctx, member, records, track_of, tracks, raters, judgments)


def _export_pieces(
    ctx: LoaderContext,
    member: str,
    logical: str,
    pieces: dict[str, Any],
    ids_by_midi: dict[str, str],
    tracks: dict[str, dict[str, Any]],
) -> dict[str, str]:
    """The export's pieces -> tracks; returns export key -> track id."""
    track_of: dict[str, str] = {}
    unlisted: list[str] = []
    for key, piece in pieces.items():
        track_of[key] = _piece_track(
            ctx, member, logical, key, piece, ids_by_midi, tracks, unlisted
        )
    ctx.quirks.add(
        "piece-not-in-piece-list",
        len(unlisted),
        file=member,
        reason="a rated piece whose MIDI file the piece list does not name: kept with an id from its "
        "export key and no published label",
        effect="kept",
        examples=unlisted,
    )
    return track_of


def _piece_track(
    ctx: LoaderContext,
    member: str,
    logical: str,
    key: str,
    piece: Any,
    ids_by_midi: dict[str, str],
    tracks: dict[str, dict[str, Any]],
    unlisted: list[str],
) -> str:
    """One export piece -> a track (id from the piece list, else from the export key)."""
    where = f"pieces.{key}"
    piece = require_object(ctx, member, piece, where)
    for field in PIECE_FIELDS:
        if field not in piece:
            raise ctx.parse_error(
                member, f"{where}: required key {field!r} is missing", field=f"{where}.{field}"
            )
    midi = piece["midi"]
    measures = piece["measures"]
    if not isinstance(midi, str) or not midi:
        raise ctx.parse_error(member, f"{where}.midi: expected a file name", field=f"{where}.midi")
    if isinstance(measures, bool) or not isinstance(measures, int) or measures < 1:
        raise ctx.parse_error(
            member,
            f"{where}.measures: expected a positive integer, found {measures!r}",
            field=f"{where}.measures",
        )
    track_id = ids_by_midi.get(midi)
    if track_id is None:
        track_id = f"{logical}:{key}"
        unlisted.append(midi)
    if track_id in tracks:
        raise ctx.parse_error(
            member,
            f"{where}: MIDI file {midi!r} is already a piece of another export key",
            field=f"{where}.midi",
        )
    duration = piece["duration"]
    tracks[track_id] = {
        "track_id": track_id,
        "duration_s": float(duration)
        if isinstance(duration, (int, float)) and not isinstance(duration, bool)
        else None,
        "midi_file": f"labelled/midi/{midi}",
        "measures": measures,
        "piece_name": str(piece["name"]),
        "rendered_audio": piece.get("audio") if isinstance(piece.get("audio"), str) else None,
        "export": member,
        "export_key": key,
    }
    return track_id


def _export_records(
    ctx: LoaderContext,
    member: str,
    records: dict[str, Any],
    track_of: dict[str, str],
    tracks: dict[str, dict[str, Any]],
    raters: list[dict[str, Any]],
    judgments: list[dict[str, Any]],
) -> None:
    """The export's annotation records -> one rater each and one judgment per measure."""
    orphans: list[str] = []
    no_check: list[str] = []
    beyond: list[str] = []
    beyond_values = 0
    for key, record in records.items():
        match = RECORD_KEY.fullmatch(key)
        if not match:
            raise ctx.parse_error(
                member, f"annotation key {key!r} is not 'piece<N>_<k>'", field=f"annotations.{key}"
            )
        piece_key, slot = match.group(1), int(match.group(2))
        where = f"annotations.{key}"
        record = require_object(ctx, member, record, where)
        if piece_key not in track_of:
            orphans.append(key)
            continue
        for field in REQUIRED_RECORD_FIELDS:
            if field not in record:
                raise ctx.parse_error(
                    member, f"{where}: required key {field!r} is missing", field=f"{where}.{field}"
                )
        if not all(field in record for field in CHECK_FIELDS):
            no_check.append(key)
        track_id = track_of[piece_key]
        rater = _record_rater(ctx, member, where, key, record, f"{track_id}/{slot}")
        raters.append(rater)
        measures = tracks[track_id]["measures"]
        for dimension in ("valence", "arousal"):
            curve = require_numbers(ctx, member, record[dimension], f"{where}.{dimension}")
            if len(curve) > measures:
                beyond.append(f"{key}.{dimension}")
                beyond_values += len(curve) - measures
            _measure_judgments(judgments, rater["rater_id"], track_id, dimension, curve[:measures])
    _report_export_quirks(ctx, member, orphans, beyond, beyond_values, no_check)


def _record_rater(
    ctx: LoaderContext, member: str, where: str, key: str, record: dict, rater_id: str
) -> dict[str, Any]:
    """The record's rater: one per record (the export has no participant id)."""
    rater = {"rater_id": rater_id, "export": member, "record_key": key}
    for field, column in RATER_FIELDS.items():
        value = record.get(field)
        rater[column] = (
            None if value is None else value if field in ("isKnown", "musicianship") else str(value)
        )
    if not isinstance(rater["knew_piece"], bool):
        raise ctx.parse_error(
            member, f"{where}.isKnown: expected true or false", field=f"{where}.isKnown"
        )
    musicianship = rater["musicianship"]
    if isinstance(musicianship, bool) or not isinstance(musicianship, int):
        raise ctx.parse_error(
            member,
            f"{where}.musicianship: expected an integer, found {musicianship!r}",
            field=f"{where}.musicianship",
        )
    return rater


def _measure_judgments(
    judgments: list[dict[str, Any]],
    rater_id: str,
    track_id: str,
    dimension: str,
    curve: list[float],
) -> None:
    """One judgment per measure of a curve (already cut at the piece's last measure)."""
    for index, value in enumerate(curve):
        measure = index + 1
        judgments.append(
            {
                "judgment_id": f"{rater_id}:{dimension}:{measure}",
                "annotation_id": f"{rater_id}@{measure}",
                "track_id": track_id,
                "rater_id": rater_id,
                "dimension": dimension,
                "value": value,
                "measure": measure,
            }
        )


def _report_export_quirks(
    ctx: LoaderContext,
    member: str,
    orphans: list[str],
    beyond: list[str],
    beyond_values: int,
    no_check: list[str],
) -> None:
    ctx.quirks.add(
        "annotations-without-piece",
        len(orphans),
        file=member,
        reason="the export's pieces object has no entry for this piece number, so the rated piece is unknown "
        "(joining by number across exports would mix pieces): the records are left out",
        effect="excluded",
        examples=orphans,
    )
    ctx.quirks.add(
        "beyond-last-measure",
        beyond_values,
        file=member,
        reason="a curve has more values than the piece's measure count; values after the last measure are left out",
        effect="excluded",
        examples=beyond,
    )
    ctx.quirks.add(
        "check-answers-missing",
        len(no_check),
        file=member,
        reason="the record has no answers to the two check examples (ex1_*, ex2_*): the rater's check columns are missing",
        effect="kept",
        examples=no_check,
    )


def _labels(ctx: LoaderContext, phrases: list[dict[str, Any]]):
    import pandas as pd

    member = ctx.member_path("piece_list")
    rows = [
        {
            "track_id": p["track_id"],
            "dimension": f"{dimension}_phrase",
            "statistic": "label",
            "value": p[dimension],
            "source": f"{member}:{p['line']}",
            "phrase": p["phrase"],
            "phrase_midi": p["midi"],
        }
        for p in phrases
        for dimension in ("valence", "arousal")
    ]
    frame = pd.DataFrame(
        rows,
        columns=["track_id", "dimension", "statistic", "value", "source", "phrase", "phrase_midi"],
    )
    frame["phrase"] = pd.array(frame["phrase"], dtype="Int64")
    return frame
