"""MuVi (Chua et al. 2022, music videos in three conditions) -> the four tables.

Source: the authors' repository AMAAI-Lab/MuVi (README: "static annotations which describe the
media item's overall emotion" with GEMS terms, the participants' anonymized profiles, YouTube ids).

* ``media_data.csv`` (required): one row per (participant, media item, condition):
  ``participant_id, media_id, media_modality, seen_previously``, 27 GEMS terms (0/1: the term
  describes the item's overall emotion) and ``overlay_type`` (0/1 for the video conditions,
  ``irrelevant`` for music). ``media_modality`` is ``music`` (audio only), ``muted_video``
  (visual only) or ``video`` (audiovisual); each participant saw an item in one condition only.
* ``participant_data.csv`` (required): age, gender, countries, lyric language, favourite genre,
  years of formal training, lyrics understood, overlay preference.
* ``video_urls.csv`` (required): ``video_id``, the 81 YouTube ids (CRLF, no final newline).
* ``av_data.csv`` (optional, absent from the mirrored snapshot): the dynamic valence/arousal
  ratings. Its columns are known only from the authors' code (``train_pair_models.py``,
  ``models/aux_files.py``): ``participant_id, media_id, media_modality, arousal, valence`` and a
  sample index ``seq``, about 118 samples per rating. Read by column name; without the file the
  tables hold the static terms only and the quirks report says so.

Media ids: ``media_data.csv`` keeps only the part of the YouTube id before its first ``_`` (13 of
81 ids contain one); the authors' code does the same (``media_id = url.split('_')[0]``). The
loader maps them back to the full id from ``video_urls.csv`` (track_id) when the prefix is unique.

A rater is a participant. ``condition`` is ``music``, ``visual`` or ``audiovisual``; agreement per
condition is ``where="condition == 'music'"`` and the comparison of conditions ``by="condition"``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..tables import Tables
from .base import LoaderContext
from .csvfile import parse_float, read_csv

LOADER_VERSION = "1"

#: the 27 term columns of media_data.csv, in file order (GEMS terms; dimension names as spelled)
TERMS = (
    "moved",
    "nervous",
    "filled_with_wonder",
    "allured",
    "fascinated",
    "overwhelmed",
    "feeling_of_transcendence",
    "serene",
    "calm",
    "soothed",
    "tender",
    "affectionate",
    "mellow",
    "nostalgic",
    "sentimental",
    "dreamy",
    "strong",
    "energetic",
    "triumphant",
    "animated",
    "bouncy",
    "joyful",
    "sad",
    "tearful",
    "blue",
    "tense",
    "agitated",
)
CONDITIONS = {"music": "music", "muted_video": "visual", "video": "audiovisual"}
MEDIA_COLUMNS = (
    "participant_id",
    "media_id",
    "media_modality",
    "seen_previously",
    *TERMS,
    "overlay_type",
)
PARTICIPANT_COLUMNS = {
    "age": "age",
    "gender": "gender",
    "country_live_longest": "country_live_longest",
    "country_musical_enculturation": "country_musical_enculturation",
    "lyric_language": "lyric_language",
    "favorite_genre": "favorite_genre",
    "years_formal_training": "years_formal_training",
    "understood_yes_or_no": "understood_lyrics",
    "overlay_pref": "overlay_preference",
}
AV_COLUMNS = ("participant_id", "media_id", "media_modality", "seq", "arousal", "valence")
JUDGMENT_COLUMNS = [
    "judgment_id",
    "annotation_id",
    "track_id",
    "rater_id",
    "dimension",
    "value",
    "modality",
    "condition",
    "seen_previously",
    "overlay_type",
    "seq",
    "source_line",
]


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    tracks, full_id = _videos(ctx)
    raters = _participants(ctx)
    static = _static(ctx, full_id, tracks)
    frames = [static]
    if ctx.has_file("dynamic"):
        frames.append(_dynamic(ctx, full_id, tracks))
    else:
        ctx.quirks.add(
            "optional-file-absent",
            1,
            file=ctx.member_path("dynamic"),
            reason="av_data.csv (per-participant dynamic valence/arousal) is not present: only the "
            "static GEMS terms are loaded",
            effect="kept",
        )
    annotations = pd.concat(frames, ignore_index=True)
    annotations["seq"] = pd.array(annotations["seq"], dtype="Int64")
    annotations["seen_previously"] = annotations["seen_previously"].astype("boolean")
    known = set(raters["rater_id"])
    unknown = sorted(set(annotations["rater_id"]) - known)
    if unknown:
        extra = pd.DataFrame({"rater_id": unknown, "in_participant_data": False})
        raters = pd.concat([raters, extra], ignore_index=True)
    raters["in_participant_data"] = raters["in_participant_data"].astype("boolean")
    ctx.quirks.add(
        "rater-not-in-participant-data",
        len(unknown),
        file=ctx.member_path("participants"),
        reason="a participant with ratings has no profile row: added with missing attributes",
        effect="added",
        examples=unknown,
    )
    track_frame = pd.DataFrame(list(tracks.values()))
    track_frame["in_video_list"] = track_frame["in_video_list"].astype("boolean")
    return Tables(tracks=track_frame, raters=raters, annotations=annotations, labels=pd.DataFrame())


def _videos(ctx: LoaderContext) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    member, header, rows = read_csv(ctx, "videos")
    if "video_id" not in header:
        raise ctx.parse_error(
            member, "required column 'video_id' is missing", line=1, field="video_id"
        )
    index = header.index("video_id")
    tracks: dict[str, dict[str, Any]] = {}
    for line, cells in rows:
        video = cells[index].strip()
        if not video:
            raise ctx.parse_error(member, "empty video_id", line=line, field="video_id")
        if video in tracks:
            raise ctx.parse_error(
                member, f"video {video!r} listed twice", line=line, field="video_id"
            )
        tracks[video] = {
            "track_id": video,
            "youtube_url": f"https://www.youtube.com/watch?v={video}",
            "media_key": video.split("_")[0],
            "in_video_list": True,
        }
    keys = Counter(t["media_key"] for t in tracks.values())
    full_id = {video: video for video in tracks}
    for video, track in tracks.items():
        key = track["media_key"]
        if key != video and keys[key] == 1 and key not in tracks:
            full_id[key] = video
    return tracks, full_id


def _participants(ctx: LoaderContext):
    import pandas as pd

    member, header, rows = read_csv(ctx, "participants")
    for column in ("participant_id", *PARTICIPANT_COLUMNS):
        if column not in header:
            raise ctx.parse_error(
                member, f"required column {column!r} is missing", line=1, field=column
            )
    col = {c: header.index(c) for c in header}
    records = []
    seen: set[str] = set()
    for line, cells in rows:
        participant = cells[col["participant_id"]].strip()
        if not participant or participant in seen:
            raise ctx.parse_error(
                member,
                f"empty or repeated participant_id {participant!r}",
                line=line,
                field="participant_id",
            )
        seen.add(participant)
        record: dict[str, Any] = {"rater_id": participant, "in_participant_data": True}
        for column, attribute in PARTICIPANT_COLUMNS.items():
            record[attribute] = cells[col[column]].strip() or None
        for numeric in ("age", "years_formal_training"):
            text = record[numeric]
            record[numeric] = (
                None if text is None else parse_float(ctx, member, text, line, numeric)
            )
        records.append(record)
    frame = pd.DataFrame(
        records, columns=["rater_id", "in_participant_data", *PARTICIPANT_COLUMNS.values()]
    )
    for numeric in ("age", "years_formal_training"):
        frame[numeric] = pd.array(frame[numeric], dtype="Float64")
    return frame


def _track_of(
    key: str,
    full_id: dict[str, str],
    tracks: dict[str, dict[str, Any]],
    truncated: Counter,
    unlisted: Counter,
) -> str:
    video = full_id.get(key)
    if video is None:
        unlisted[key] += 1
        tracks.setdefault(key, {"track_id": key, "media_key": key, "in_video_list": False})
        return key
    if video != key:
        truncated[key] += 1
    return video


def _condition(ctx: LoaderContext, member: str, modality: str, line: int) -> str:
    condition = CONDITIONS.get(modality)
    if condition is None:
        raise ctx.parse_error(
            member,
            f"media_modality {modality!r} is not one of {sorted(CONDITIONS)}",
            line=line,
            field="media_modality",
        )
    return condition


def _media_report(ctx: LoaderContext, member: str, truncated: Counter, unlisted: Counter) -> None:
    ctx.quirks.add(
        "media-id-truncated",
        sum(truncated.values()),
        file=member,
        reason="media_id is the YouTube id cut at its first '_' (as in the authors' code); mapped back "
        "to the full id of video_urls.csv",
        effect="repaired",
        examples=sorted(truncated),
    )
    ctx.quirks.add(
        "media-not-in-video-list",
        sum(unlisted.values()),
        file=member,
        reason="media_id matches no video of video_urls.csv: a track without a YouTube id",
        effect="kept",
        examples=sorted(unlisted),
    )


def _column_positions(
    ctx: LoaderContext, member: str, header: list[str], required: tuple[str, ...]
) -> dict[str, int]:
    """Header name -> position, after checking the required columns are there."""
    for column in required:
        if column not in header:
            raise ctx.parse_error(
                member, f"required column {column!r} is missing", line=1, field=column
            )
    return {c: header.index(c) for c in header}


def _sample_index(ctx: LoaderContext, member: str, text: str, line: int) -> int:
    """The dynamic rating's sample number: a whole number written as a float."""
    seq_value = parse_float(ctx, member, text.strip(), line, "seq")
    if not seq_value.is_integer():
        raise ctx.parse_error(
            member,
            f"expected an integer sample index, found {seq_value}",
            line=line,
            field="seq",
        )
    return int(seq_value)


def _static(ctx: LoaderContext, full_id: dict[str, str], tracks: dict[str, dict[str, Any]]):
    import pandas as pd

    member, header, rows = read_csv(ctx, "media")
    col = _column_positions(ctx, member, header, MEDIA_COLUMNS)
    truncated: Counter[str] = Counter()
    unlisted: Counter[str] = Counter()
    seen: dict[str, int] = {}
    judgments: list[dict[str, Any]] = []
    no_terms = []
    for line, cells in rows:
        participant = cells[col["participant_id"]].strip()
        key = cells[col["media_id"]].strip()
        modality = cells[col["media_modality"]].strip()
        condition = _condition(ctx, member, modality, line)
        track = _track_of(key, full_id, tracks, truncated, unlisted)
        record = f"{participant}:{track}:{condition}"
        if record in seen:
            raise ctx.parse_error(
                member,
                f"participant {participant} rated {key} ({modality}) again (line {seen[record]})",
                line=line,
            )
        seen[record] = line
        common = {
            "annotation_id": record,
            "track_id": track,
            "rater_id": participant,
            "modality": modality,
            "condition": condition,
            **_viewing(ctx, member, col, cells, line),
            "seq": None,
            "source_line": line,
        }
        if _term_judgments(ctx, member, col, cells, line, common, judgments) == 0:
            no_terms.append(f"line {line}")
    _media_report(ctx, member, truncated, unlisted)
    ctx.quirks.add(
        "no-term-chosen",
        len(no_terms),
        file=member,
        reason="every term is 0 in this row: kept (27 zero judgments)",
        effect="kept",
        examples=no_terms,
    )
    frame = pd.DataFrame(judgments, columns=JUDGMENT_COLUMNS)
    frame["source_line"] = pd.array(frame["source_line"], dtype="Int64")
    return frame


def _viewing(
    ctx: LoaderContext, member: str, col: dict[str, int], cells: list[str], line: int
) -> dict[str, Any]:
    """How the row's media was seen: before (True/False) and with which overlay."""
    seen_text = cells[col["seen_previously"]].strip()
    if seen_text not in ("True", "False"):
        raise ctx.parse_error(
            member,
            f"expected True or False, found {seen_text!r}",
            line=line,
            field="seen_previously",
        )
    overlay = cells[col["overlay_type"]].strip()
    return {
        "seen_previously": seen_text == "True",
        "overlay_type": None if overlay in ("", "irrelevant") else overlay,
    }


def _term_judgments(
    ctx: LoaderContext,
    member: str,
    col: dict[str, int],
    cells: list[str],
    line: int,
    common: dict[str, Any],
    judgments: list[dict[str, Any]],
) -> int:
    """One 0/1 judgment per GEMS term of the row; returns how many terms were chosen."""
    record = common["annotation_id"]
    chosen = 0
    for term in TERMS:
        text = cells[col[term]].strip()
        if text not in ("0", "1"):
            raise ctx.parse_error(member, f"expected 0 or 1, found {text!r}", line=line, field=term)
        chosen += text == "1"
        judgments.append(
            {
                "judgment_id": f"{record}:{term}",
                "dimension": term,
                "value": float(text),
                **common,
            }
        )
    return chosen


def _dynamic(ctx: LoaderContext, full_id: dict[str, str], tracks: dict[str, dict[str, Any]]):
    import pandas as pd

    member, header, rows = read_csv(ctx, "dynamic")
    col = _column_positions(ctx, member, header, AV_COLUMNS)
    truncated: Counter[str] = Counter()
    unlisted: Counter[str] = Counter()
    judgments: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        participant = cells[col["participant_id"]].strip()
        key = cells[col["media_id"]].strip()
        modality = cells[col["media_modality"]].strip()
        condition = _condition(ctx, member, modality, line)
        track = _track_of(key, full_id, tracks, truncated, unlisted)
        seq = _sample_index(ctx, member, cells[col["seq"]], line)
        record = f"{participant}:{track}:{condition}@{seq}"
        if record in seen:
            raise ctx.parse_error(
                member, f"sample {seq} repeated (line {seen[record]})", line=line, field="seq"
            )
        seen[record] = line
        for dimension in ("arousal", "valence"):
            judgments.append(
                {
                    "judgment_id": f"{record}:{dimension}",
                    "annotation_id": record,
                    "track_id": track,
                    "rater_id": participant,
                    "dimension": dimension,
                    "value": parse_float(
                        ctx, member, cells[col[dimension]].strip(), line, dimension
                    ),
                    "modality": modality,
                    "condition": condition,
                    "seen_previously": None,
                    "overlay_type": None,
                    "seq": seq,
                    "source_line": line,
                }
            )
    _media_report(ctx, member, truncated, unlisted)
    frame = pd.DataFrame(judgments, columns=JUDGMENT_COLUMNS)
    frame["source_line"] = pd.array(frame["source_line"], dtype="Int64")
    return frame
