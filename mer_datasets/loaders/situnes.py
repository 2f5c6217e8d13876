"""SiTunes (situational music recommendation with psychological feedback, 2024) -> the four tables.

Source: the authors' repository JiayuLi-997/SiTunes_dataset, folder ``SiTunes/`` (its README
documents every file; quoted facts below come from it).

* ``Stage1/interactions.csv``: the lab study. ``user_id, item_id, No., timestamp, rating,
  duration, emo_valence, emo_arousal``; 30 users x 20 songs out of the same 25; ``rating`` 1-5,
  ``emo_*`` the listener's emotion *after* listening, in [-1, 1]. ``No.`` numbers each user's
  songs 1-20 (there is no record id).
* ``Stage2/interactions.csv`` and ``Stage3/interactions.csv``: the field studies, one row per
  listening (``inter_id``), with ``emo_pre_*`` (before listening) and ``emo_post_*`` (after), a
  rating 1-5, ``duration`` (s, missing for a few records), ``rec_type`` (the recommender; missing
  for the first users of stage 2); stage 3 adds ``preference`` (a 0-100 bar).
* ``Stage<n>/env.json``: ``{inter_id: {"time": 1-3, "weather": [type, pressure, temperature,
  humidity], "GPS": [longitude, latitude, speed]}}`` (longitude and latitude re-scaled by the
  authors for privacy).
* ``Stage<n>/wrist.npy``: one 30 x 4 matrix per record, in ``inter_id`` order: heart rate
  (normalized per user), activity intensity, steps, activity type (0-5). Loaded with
  ``allow_pickle=False`` (:mod:`.npyfile`); each record gets summary columns (mean heart rate,
  mean intensity, total steps, most frequent activity type); the matrices themselves stay in the
  file (``numpy.load(path, allow_pickle=False)[inter_id - 1]``).
* ``music_metadata/music_info.csv`` (Spotify features, genre) and ``music_info_withname.csv``
  (title and singer): the tracks.

Data model. A rater is a user (ids are shared by the three stages, README). One source record is
one listening: ``annotation_id`` ``s1:<user>:<No.>`` or ``s<n>:<inter_id>``. Its judgments are
``rating``, ``valence`` and ``arousal`` (after listening, induced), and in the field stages
``valence_before``/``arousal_before`` (the listener's state before listening) and ``preference``
(stage 3). The before/after pair: every ``valence``/``arousal`` row of a field stage also carries
``before_value`` (the state before) and ``change`` (after - before), so ``annotations.query(
"dimension == 'valence' and stage > 1")[["rater_id", "track_id", "before_value", "value",
"change"]]`` answers how listening changed a listener's state. Situation and wrist-summary
columns are repeated on every judgment of the record. Agreement makes sense on the lab stage
(``stage == 1``), where 30 users judged the same songs.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from ..tables import Tables
from .base import LoaderContext
from .csvfile import parse_float, read_csv
from .jsonfile import read_json, require_number, require_object
from .npyfile import read_numeric_npy

LOADER_VERSION = "1"

STAGE1_COLUMNS = (
    "user_id",
    "item_id",
    "No.",
    "timestamp",
    "rating",
    "duration",
    "emo_valence",
    "emo_arousal",
)
FIELD_COLUMNS = (
    "inter_id",
    "user_id",
    "item_id",
    "timestamp",
    "rating",
    "emo_pre_valence",
    "emo_pre_arousal",
    "emo_post_valence",
    "emo_post_arousal",
    "duration",
    "rec_type",
)
#: column -> dimension, per stage (in judgment order)
STAGE1_JUDGMENTS = {"rating": "rating", "emo_valence": "valence", "emo_arousal": "arousal"}
FIELD_JUDGMENTS = {
    "rating": "rating",
    "emo_pre_valence": "valence_before",
    "emo_pre_arousal": "arousal_before",
    "emo_post_valence": "valence",
    "emo_post_arousal": "arousal",
}
WEATHER = ("weather_type", "pressure", "temperature", "humidity")
GPS = ("longitude_rescaled", "latitude_rescaled", "speed")
WRIST_SHAPE = (30, 4)
MUSIC_NUMERIC = (
    "popularity",
    "loudness",
    "danceability",
    "energy",
    "key",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "valence",
    "tempo",
)


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    judgments: list[dict[str, Any]] = []
    _stage1(ctx, judgments)
    for stage in (2, 3):
        _field_stage(ctx, stage, judgments)
    annotations = pd.DataFrame(judgments)
    annotations["timestamp"] = pd.to_datetime(annotations["timestamp"], unit="s", utc=True)
    for column in ("stage", "listen_order", "time_of_day", "weather_type", "wrist_activity_type"):
        annotations[column] = pd.array(annotations[column], dtype="Int64")
    for column in ("duration_s", "before_value", "change", *WEATHER[1:], *GPS):
        annotations[column] = pd.array(annotations[column], dtype="Float64")
    for column in ("wrist_heart_rate_mean", "wrist_intensity_mean", "wrist_steps_sum"):
        annotations[column] = pd.array(annotations[column], dtype="Float64")
    tracks = _tracks(ctx, set(annotations["track_id"]))
    raters = _raters(annotations)
    return Tables(tracks=tracks, raters=raters, annotations=annotations, labels=pd.DataFrame())


def _number(ctx: LoaderContext, member: str, text: str, line: int, column: str) -> float:
    return parse_float(ctx, member, text.strip(), line, column)


def _integer_id(ctx: LoaderContext, member: str, text: str, line: int, column: str) -> str:
    value = _number(ctx, member, text, line, column)
    if not value.is_integer():
        raise ctx.parse_error(
            member, f"expected an integer id, found {text!r}", line=line, field=column
        )
    return str(int(value))


def _columns(ctx: LoaderContext, member: str, header: list[str], required) -> dict[str, int]:
    for column in required:
        if column not in header:
            raise ctx.parse_error(
                member, f"required column {column!r} is missing", line=1, field=column
            )
    return {c: header.index(c) for c in header}


def _empty_situation() -> dict[str, Any]:
    row: dict[str, Any] = {"time_of_day": None, **dict.fromkeys(WEATHER), **dict.fromkeys(GPS)}
    row.update(
        wrist_heart_rate_mean=None,
        wrist_intensity_mean=None,
        wrist_steps_sum=None,
        wrist_activity_type=None,
    )
    return row


def _stage1(ctx: LoaderContext, judgments: list[dict[str, Any]]) -> None:
    member, header, rows = read_csv(ctx, "stage1")
    col = _columns(ctx, member, header, STAGE1_COLUMNS)
    seen: Counter[str] = Counter()
    no_duration = []
    for line, cells in rows:
        user = _integer_id(ctx, member, cells[col["user_id"]], line, "user_id")
        item = _integer_id(ctx, member, cells[col["item_id"]], line, "item_id")
        order = _integer_id(ctx, member, cells[col["No."]], line, "No.")
        record = f"s1:{user}:{order}"
        seen[record] += 1
        if seen[record] > 1:
            raise ctx.parse_error(
                member, f"user {user} has two rows numbered {order}", line=line, field="No."
            )
        duration_text = cells[col["duration"]].strip()
        if not duration_text:
            no_duration.append(f"line {line}")
        common = {
            "annotation_id": record,
            "track_id": item,
            "rater_id": user,
            "timestamp": _number(ctx, member, cells[col["timestamp"]], line, "timestamp"),
            "stage": 1,
            "inter_id": None,
            "listen_order": int(order),
            "duration_s": _number(ctx, member, duration_text, line, "duration")
            if duration_text
            else None,
            "rec_type": None,
            "before_value": None,
            "change": None,
            "source_line": line,
            **_empty_situation(),
        }
        for column, dimension in STAGE1_JUDGMENTS.items():
            judgments.append(
                {
                    "judgment_id": f"{record}:{dimension}",
                    "dimension": dimension,
                    "value": _number(ctx, member, cells[col[column]], line, column),
                    **common,
                }
            )
    ctx.quirks.add(
        "duration-missing",
        len(no_duration),
        file=member,
        reason="empty listening duration: duration_s is missing (the README notes incorrect start or end times)",
        effect="kept",
        examples=no_duration,
    )


def _field_stage(ctx: LoaderContext, stage: int, judgments: list[dict[str, Any]]) -> None:
    member, header, rows = read_csv(ctx, f"stage{stage}")
    required = FIELD_COLUMNS + (("preference",) if stage == 3 else ())
    col = _columns(ctx, member, header, required)
    situations = _situations(ctx, stage)
    wrist = read_numeric_npy(ctx, f"stage{stage}_wrist", ndim=3, tail=WRIST_SHAPE)
    wrist_member = ctx.member_path(f"stage{stage}_wrist")
    ctx.quirks.source_rows(wrist_member, wrist.shape[0])
    column_map = dict(FIELD_JUDGMENTS)
    if stage == 3:
        column_map["preference"] = "preference"
    scan = _FieldScan(ctx, stage, member, col, column_map, situations, wrist, wrist_member)
    for line, cells in rows:
        judgments.extend(scan.row(line, cells))
    ids = scan.ids
    if sorted(ids) != list(range(1, len(ids) + 1)) or len(ids) != wrist.shape[0]:
        raise ctx.parse_error(
            wrist_member,
            f"{wrist.shape[0]} matrices for {len(ids)} records: the matrices align with inter_id "
            "1..N only when both counts agree and the ids are 1..N",
        )
    _report_field_quirks(ctx, scan)


@dataclasses.dataclass
class _FieldScan:
    """One pass over a field stage's interactions.csv, joined with env.json and the wrist data."""

    ctx: LoaderContext
    stage: int
    member: str
    col: dict[str, int]
    column_map: dict[str, str]
    situations: dict[str, dict[str, Any]]  # popped as records claim them: the rest is unused
    wrist: Any
    wrist_member: str
    no_duration: list[str] = dataclasses.field(default_factory=list)
    no_type: list[str] = dataclasses.field(default_factory=list)
    no_situation: list[str] = dataclasses.field(default_factory=list)
    pairs: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    ids: list[int] = dataclasses.field(default_factory=list)

    def row(self, line: int, cells: list[str]) -> list[dict[str, Any]]:
        """One listening record -> one judgment per judged column."""
        ctx, member, col = self.ctx, self.member, self.col
        inter = _integer_id(ctx, member, cells[col["inter_id"]], line, "inter_id")
        user = _integer_id(ctx, member, cells[col["user_id"]], line, "user_id")
        item = _integer_id(ctx, member, cells[col["item_id"]], line, "item_id")
        self.ids.append(int(inter))
        self.pairs[(user, item)] += 1
        duration_text = cells[col["duration"]].strip()
        if not duration_text:
            self.no_duration.append(f"inter_id {inter}")
        rec_type = cells[col["rec_type"]].strip() or None
        if rec_type is None:
            self.no_type.append(f"inter_id {inter}")
        situation = self._situation(inter)
        values = {
            column: _number(ctx, member, cells[col[column]], line, column)
            for column in self.column_map
        }
        record = f"s{self.stage}:{inter}"
        common = {
            "annotation_id": record,
            "track_id": item,
            "rater_id": user,
            "timestamp": _number(ctx, member, cells[col["timestamp"]], line, "timestamp"),
            "stage": self.stage,
            "inter_id": inter,
            "listen_order": None,
            "duration_s": _number(ctx, member, duration_text, line, "duration")
            if duration_text
            else None,
            "rec_type": rec_type,
            "source_line": line,
            **situation,
        }
        judgments = []
        for column, dimension in self.column_map.items():
            before = None
            if dimension in ("valence", "arousal"):
                before = values[f"emo_pre_{dimension}"]
            judgments.append(
                {
                    "judgment_id": f"{record}:{dimension}",
                    "dimension": dimension,
                    "value": values[column],
                    "before_value": before,
                    "change": None if before is None else values[column] - before,
                    **common,
                }
            )
        return judgments

    def _situation(self, inter: str) -> dict[str, Any]:
        """The record's env.json situation (or an empty one) plus its wrist-data summary."""
        situation = self.situations.pop(inter, None)
        if situation is None:
            self.no_situation.append(inter)
            situation = _empty_situation()
        index = int(inter) - 1
        if not 0 <= index < self.wrist.shape[0]:
            raise self.ctx.parse_error(
                self.wrist_member,
                f"no matrix for inter_id {inter} ({self.wrist.shape[0]} matrices, one per record in inter_id order)",
            )
        situation.update(_wrist_summary(self.wrist[index]))
        return situation


def _report_field_quirks(ctx: LoaderContext, scan: _FieldScan) -> None:
    member, stage = scan.member, scan.stage
    ctx.quirks.add(
        "duration-missing",
        len(scan.no_duration),
        file=member,
        reason="empty listening duration: duration_s is missing (README: incorrect start or end time for a few records of the first 8 users)",
        effect="kept",
        examples=scan.no_duration,
    )
    ctx.quirks.add(
        "recommender-missing",
        len(scan.no_type),
        file=member,
        reason="empty rec_type: the recommender is unknown (README: system errors for the first three users)",
        effect="kept",
        examples=scan.no_type,
    )
    ctx.quirks.add(
        "situation-missing",
        len(scan.no_situation),
        file=ctx.member_path(f"stage{stage}_env"),
        reason="env.json has no entry for this inter_id: time, weather and location are missing",
        effect="kept",
        examples=scan.no_situation,
    )
    ctx.quirks.add(
        "situation-without-record",
        len(scan.situations),
        file=ctx.member_path(f"stage{stage}_env"),
        reason="env.json entry whose inter_id is not in interactions.csv: not used",
        effect="excluded",
        examples=sorted(scan.situations),
    )
    repeated = {pair: n for pair, n in scan.pairs.items() if n > 1}
    ctx.quirks.add(
        "repeated-listening",
        sum(n - 1 for n in repeated.values()),
        file=member,
        reason="the same user listened to the same song again in this stage: each listening is its own record",
        effect="kept",
        examples=[f"user {u} item {i}" for u, i in repeated],
    )


def _situations(ctx: LoaderContext, stage: int) -> dict[str, dict[str, Any]]:
    member, document = read_json(ctx, f"stage{stage}_env")
    document = require_object(ctx, member, document, "the top level")
    ctx.quirks.source_rows(member, len(document))
    out: dict[str, dict[str, Any]] = {}
    for key, entry in document.items():
        where = key
        entry = require_object(ctx, member, entry, where)
        for field, size in (("time", None), ("weather", 4), ("GPS", 3)):
            if field not in entry:
                raise ctx.parse_error(
                    member, f"{where}: required key {field!r} is missing", field=f"{where}.{field}"
                )
            value = entry[field]
            if size is not None and (not isinstance(value, list) or len(value) != size):
                raise ctx.parse_error(
                    member,
                    f"{where}.{field}: expected a list of {size} numbers",
                    field=f"{where}.{field}",
                )
        row = _empty_situation()
        row["time_of_day"] = int(require_number(ctx, member, entry["time"], f"{where}.time"))
        for i, name in enumerate(WEATHER):
            row[name] = require_number(ctx, member, entry["weather"][i], f"{where}.weather[{i}]")
        row["weather_type"] = int(row["weather_type"])
        for i, name in enumerate(GPS):
            row[name] = require_number(ctx, member, entry["GPS"][i], f"{where}.GPS[{i}]")
        out[str(key)] = row
    return out


def _wrist_summary(matrix) -> dict[str, Any]:
    import numpy as np

    types = matrix[:, 3]
    values, counts = np.unique(types, return_counts=True)
    return {
        "wrist_heart_rate_mean": float(matrix[:, 0].mean()),
        "wrist_intensity_mean": float(matrix[:, 1].mean()),
        "wrist_steps_sum": float(matrix[:, 2].sum()),
        "wrist_activity_type": int(values[np.argmax(counts)]),
    }


def _tracks(ctx: LoaderContext, used: set[str]):
    import pandas as pd

    member, tracks = _music_info(ctx)
    _add_names(ctx, tracks, used)
    missing = sorted(used - set(tracks))
    for item in missing:
        tracks[item] = {"track_id": item}
    ctx.quirks.add(
        "item-not-in-music-info",
        len(missing),
        file=member,
        reason="an item listened to in a stage has no row in music_info.csv: a bare track",
        effect="kept",
        examples=missing,
    )
    frame = pd.DataFrame(list(tracks.values()))
    frame["listened"] = frame["track_id"].isin(used)
    return frame


def _music_info(ctx: LoaderContext) -> tuple[str, dict[str, dict[str, Any]]]:
    """music_info.csv -> tracks with genre, duration and Spotify features (item id -> row)."""
    member, header, rows = read_csv(ctx, "music")
    col = _columns(ctx, member, header, ("item_id", "duration", "general_genre", *MUSIC_NUMERIC))
    tracks: dict[str, dict[str, Any]] = {}
    empty_rows = []
    for line, cells in rows:
        item = _integer_id(ctx, member, cells[col["item_id"]], line, "item_id")
        if item in tracks:
            raise ctx.parse_error(member, f"item {item} listed twice", line=line, field="item_id")
        duration = cells[col["duration"]].strip()
        row: dict[str, Any] = {
            "track_id": item,
            "genre": cells[col["general_genre"]].strip() or None,
            "duration_s": _number(ctx, member, duration, line, "duration") / 1000.0
            if duration
            else None,
        }
        empty = not duration
        for column in MUSIC_NUMERIC:
            text = cells[col[column]].strip()
            row[f"spotify_{column}"] = _number(ctx, member, text, line, column) if text else None
            empty = empty or not text
        if empty:
            empty_rows.append(item)
        tracks[item] = row
    ctx.quirks.add(
        "music-feature-missing",
        len(empty_rows),
        file=member,
        reason="empty duration or Spotify feature cells: those track columns are missing",
        effect="kept",
        examples=empty_rows,
    )
    return member, tracks


def _add_names(ctx: LoaderContext, tracks: dict[str, dict[str, Any]], used: set[str]) -> None:
    """Titles and singers from music_info_withname.csv onto the known tracks."""
    names_member, names_header, name_rows = read_csv(ctx, "music_names")
    ncol = _columns(ctx, names_member, names_header, ("i_id_c", "music", "singer"))
    unnamed = []
    for line, cells in name_rows:
        item = _integer_id(ctx, names_member, cells[ncol["i_id_c"]], line, "i_id_c")
        if item not in tracks:
            unnamed.append(item)
            continue
        tracks[item]["title"] = cells[ncol["music"]].strip() or None
        tracks[item]["artist"] = cells[ncol["singer"]].strip() or None
    ctx.quirks.add(
        "named-item-not-in-music-info",
        len(unnamed),
        file=names_member,
        reason="music_info_withname.csv names an item that music_info.csv lacks: not used",
        effect="excluded",
        examples=unnamed,
    )
    without_name = sorted(i for i in used if i in tracks and "title" not in tracks[i])
    ctx.quirks.add(
        "listened-item-without-name",
        len(without_name),
        file=names_member,
        reason="an item listened to in a stage has no title/singer in music_info_withname.csv",
        effect="kept",
        examples=without_name,
    )


def _raters(annotations):
    import pandas as pd

    stages = annotations.groupby("rater_id")["stage"].agg(
        lambda s: ";".join(str(v) for v in sorted(set(s)))
    )
    records = (
        annotations.groupby(["rater_id", "stage"])["annotation_id"].nunique().unstack(fill_value=0)
    )
    frame = pd.DataFrame({"rater_id": stages.index.astype(str), "stages": stages.to_numpy()})
    for stage in (1, 2, 3):
        counts = records[stage] if stage in records.columns else pd.Series(dtype="int64")
        frame[f"stage{stage}_records"] = pd.array(
            [int(counts.get(r, 0)) for r in frame["rater_id"]], dtype="Int64"
        )
    return frame.sort_values("rater_id", key=lambda s: s.astype(int), ignore_index=True)
