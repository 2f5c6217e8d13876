"""DEAP metadata (Koelstra et al. 2012): lab and online self-assessments of music videos.

Reads the four CSV files of ``metadata_csv`` (readme: https://www.eecs.qmul.ac.uk/mmv/datasets/deap/):

- ``video_list.csv``: the 120 videos (``Online_id`` 1-120; ``Experiment_id`` 1-40 for the 40
  used in the lab) and the published statistics of the online ratings.
- ``online_ratings.csv``: one row per online self-assessment, **without a rater id**: each row
  becomes its own rater ``online-row-<line>`` (line = physical line in the file), so online
  raters cannot be linked across videos.
- ``participant_ratings.csv``: 32 lab participants x 40 videos (continuous 1-9 SAM ratings,
  familiarity 1-5 rated afterwards and missing for participants 2, 15 and 23).
- ``participant_questionnaire.csv``: one row per lab participant (``S01``...).

One track id space: the video list's ``Online_id``; the lab's ``Experiment_id`` is mapped to it
and kept as the extra column ``experiment_id``. Lab participant ``1`` and questionnaire ``S01``
are both rater ``s01``. Both header styles seen for ``participant_ratings.csv`` are accepted (the
quoted-header style of the other files, and the spreadsheet-resaved one: unquoted header, CRLF,
no final newline); a copy whose header was renamed (``participant``/``video``) is rejected.

Published statistics (verified on the mirrored files against ``online_ratings.csv``): ``AVG_`` is
the mean, ``STD_`` the population standard deviation (ddof=0), ``Q2_`` the median; ``Q1_`` and
``Q3_`` match no common quartile definition, so they keep their published names (``Q1``, ``Q3``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..tables import Tables
from .base import LoaderContext
from .csvfile import read_csv

LOADER_VERSION = "1"

ENCODING = "utf-8-sig"  # UTF-8, optional BOM

SAM_DIMENSIONS = ("Valence", "Arousal", "Dominance")
LAB_COLUMNS = ("Participant_id", "Trial", "Experiment_id", "Start_time", *SAM_DIMENSIONS)
LAB_DIMENSIONS = (*SAM_DIMENSIONS, "Liking", "Familiarity")
ONLINE_COLUMNS = ("Online_id", *SAM_DIMENSIONS, "Wheel_slice", "Wheel_strength")
VIDEO_COLUMNS = (
    "Online_id",
    "Experiment_id",
    "Lastfm_tag",
    "Artist",
    "Title",
    "Youtube_link",
    "Highlight_start",
    "Num_ratings",
    "VAQ_Estimate",
    "VAQ_Online",
)
#: Published statistic columns of video_list.csv -> the statistic name in ``labels``.
VIDEO_STATISTICS = {"AVG": "mean", "STD": "std", "Q1": "Q1", "Q2": "median", "Q3": "Q3"}
#: Column renames seen in a derived (edited) copy of participant_ratings.csv.
RENAMED_LAB_COLUMNS = {"participant": "Participant_id", "video": "Experiment_id"}
#: The readme's one-minute highlight extracts (PROVENANCE.md, "Parts").
EXTRACT_LENGTH_S = 60.0


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    videos = _read(ctx, "video_list")
    tracks, labels, experiment_to_track = _tracks_and_labels(ctx, videos)
    online_rows, online_raters = _online(ctx, _read(ctx, "online_ratings"), set(tracks.track_id))
    lab_rows = _lab(ctx, _read(ctx, "participant_ratings"), experiment_to_track)
    raters = _raters(ctx, _read(ctx, "participant_questionnaire"), lab_rows, online_raters)
    annotations = pd.DataFrame(online_rows + lab_rows, columns=ANNOTATION_COLUMNS)
    for column in ("trial", "start_time_us", "source_line"):
        annotations[column] = annotations[column].astype("Int64")
    return Tables(tracks=tracks, raters=raters, annotations=annotations, labels=labels)


ANNOTATION_COLUMNS = [
    "judgment_id",
    "annotation_id",
    "track_id",
    "rater_id",
    "dimension",
    "value",
    "label",
    "setting",
    "experiment_id",
    "trial",
    "start_time_us",
    "source_file",
    "source_line",
]


# -- reading -------------------------------------------------------------------------------


class _Csv:
    """A CSV file's header and data rows with the 1-based physical line where each row starts."""

    def __init__(self, member: str, header: list[str], rows: list[tuple[int, list[str]]]):
        self.member = member
        self.header = header
        self.rows = rows
        self.index = {name: i for i, name in enumerate(header)}

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        for line, row in self.rows:
            yield line, dict(zip(self.header, row, strict=True))


def _read(ctx: LoaderContext, name: str) -> _Csv:
    """One CSV (UTF-8, optional BOM, LF or CRLF, quoted or bare header, embedded newlines)."""
    member, header, rows = read_csv(ctx, name, encoding=ENCODING)
    return _Csv(member, header, rows)


def _require(ctx: LoaderContext, table: _Csv, columns: tuple[str, ...]) -> None:
    renamed = [
        f"{seen!r} (official {official!r})"
        for seen, official in RENAMED_LAB_COLUMNS.items()
        if seen in table.header and official not in table.header
    ]
    missing = [c for c in columns if c not in table.header]
    if not missing:
        return
    if renamed:
        raise ctx.parse_error(
            table.member,
            "the header has renamed columns "
            + ", ".join(renamed)
            + ": this is a derived copy, not the official DEAP format; use the official "
            "metadata_csv file (columns " + ", ".join(columns) + ")",
            line=1,
            field=missing[0],
        )
    raise ctx.parse_error(
        table.member,
        f"missing required column(s) {', '.join(missing)}; header is {table.header}",
        line=1,
        field=missing[0],
    )


def _number(ctx: LoaderContext, table: _Csv, line: int, field: str, text: str) -> float | None:
    """A numeric cell; empty is missing (None); anything else that is not a number is an error."""
    text = text.strip()
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise ctx.parse_error(
            table.member, f"expected a number, found {text!r}", line=line, field=field
        ) from None


def _required_number(ctx: LoaderContext, table: _Csv, line: int, field: str, text: str) -> float:
    value = _number(ctx, table, line, field, text)
    if value is None:
        raise ctx.parse_error(table.member, "required number is empty", line=line, field=field)
    return value


def _integer_id(ctx: LoaderContext, table: _Csv, line: int, field: str, text: str) -> str:
    value = _required_number(ctx, table, line, field, text)
    if value != int(value):
        raise ctx.parse_error(
            table.member, f"expected an integer id, found {text!r}", line=line, field=field
        )
    return str(int(value))


def _text(cell: str) -> str | None:
    cell = cell.strip()
    return cell if cell else None


def snake_case(name: str) -> str:
    """``"Head circumference (cm)"`` -> ``"head_circumference_cm"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


# -- tracks and published labels -----------------------------------------------------------


def _tracks_and_labels(ctx: LoaderContext, videos: _Csv):
    import pandas as pd

    statistic_columns = [f"{prefix}_{dim}" for dim in SAM_DIMENSIONS for prefix in VIDEO_STATISTICS]
    _require(ctx, videos, VIDEO_COLUMNS + tuple(statistic_columns))
    if not videos.rows:
        raise ctx.parse_error(
            videos.member,
            "the header has no video rows after it: the video list defines the tracks every "
            "rating refers to, so it cannot be empty",
            line=2,
        )
    tracks: list[dict] = []
    labels: list[dict] = []
    experiment_to_track: dict[str, str] = {}
    seen: set[str] = set()
    duplicates: list[str] = []
    for line, rec in videos.records():
        track_id = _integer_id(ctx, videos, line, "Online_id", rec["Online_id"])
        if track_id in seen:
            duplicates.append(track_id)
            continue
        seen.add(track_id)
        track = _video_track(ctx, videos, line, rec, track_id)
        if track["experiment_id"] is not None:
            experiment_to_track[track["experiment_id"]] = track_id
        tracks.append(track)
        labels.extend(_video_labels(ctx, videos, line, rec, track_id))
    ctx.quirks.add(
        "duplicate-video",
        len(duplicates),
        file=videos.member,
        reason="Online_id listed twice in video_list.csv; the first row is kept",
        effect="excluded",
        examples=duplicates,
    )
    frame = pd.DataFrame(tracks)
    frame["num_ratings"] = frame["num_ratings"].astype("Int64")
    return frame, pd.DataFrame(labels), experiment_to_track


def _video_track(ctx: LoaderContext, videos: _Csv, line: int, rec: dict, track_id: str) -> dict:
    """A video_list.csv row's track: metadata and the rated one-minute excerpt."""
    experiment = rec["Experiment_id"].strip()
    experiment_id = (
        _integer_id(ctx, videos, line, "Experiment_id", experiment) if experiment else None
    )
    start = _number(ctx, videos, line, "Highlight_start", rec["Highlight_start"])
    num_ratings = _number(ctx, videos, line, "Num_ratings", rec["Num_ratings"])
    return {
        "track_id": track_id,
        "title": _text(rec["Title"]),
        "artist": _text(rec["Artist"]),
        "excerpt_start_s": start,
        "excerpt_end_s": None if start is None else start + EXTRACT_LENGTH_S,
        "experiment_id": experiment_id,
        "lastfm_tag": _text(rec["Lastfm_tag"]),
        "youtube_link": _text(rec["Youtube_link"]),
        "num_ratings": None if num_ratings is None else int(num_ratings),
    }


def _video_labels(
    ctx: LoaderContext, videos: _Csv, line: int, rec: dict, track_id: str
) -> list[dict]:
    """A video_list.csv row's published labels: rating statistics and the VA quadrants."""
    labels = []
    for dim in SAM_DIMENSIONS:
        for prefix, statistic in VIDEO_STATISTICS.items():
            column = f"{prefix}_{dim}"
            value = _number(ctx, videos, line, column, rec[column])
            if value is None:
                continue
            labels.append(
                _label(track_id, dim.lower(), statistic, value, None, videos.member, column)
            )
    for column in ("VAQ_Estimate", "VAQ_Online"):
        code = _text(rec[column])
        if code is not None:
            quadrant = _integer_id(ctx, videos, line, column, code)
            labels.append(
                _label(track_id, column.lower(), "label", None, quadrant, videos.member, column)
            )
    return labels


def _label(track_id, dimension, statistic, value, label, source, column) -> dict:
    return {
        "track_id": track_id,
        "dimension": dimension,
        "statistic": statistic,
        "value": value,
        "label": label,
        "source": source,
        "source_column": column,
    }


# -- judgments -----------------------------------------------------------------------------


def _judgment(annotation_id: str, dimension: str, **fields) -> dict:
    row = dict.fromkeys(ANNOTATION_COLUMNS)
    row.update(fields)
    row["judgment_id"] = f"{annotation_id}:{dimension}"
    row["annotation_id"] = annotation_id
    row["dimension"] = dimension
    return row


def _online(ctx: LoaderContext, online: _Csv, known_tracks: set[str]):
    _require(ctx, online, ONLINE_COLUMNS)
    rows: list[dict] = []
    raters: list[str] = []
    unknown: list[str] = []
    for line, rec in online.records():
        track_id = _integer_id(ctx, online, line, "Online_id", rec["Online_id"])
        if track_id not in known_tracks:
            unknown.append(f"line {line}: Online_id {track_id}")
            continue
        rater_id = f"online-row-{line}"
        annotation_id = f"online_ratings:{line}"
        common = {
            "track_id": track_id,
            "rater_id": rater_id,
            "setting": "online",
            "source_file": online.member,
            "source_line": line,
        }
        raters.append(rater_id)
        for column in (*SAM_DIMENSIONS, "Wheel_strength"):
            value = _required_number(ctx, online, line, column, rec[column])
            rows.append(_judgment(annotation_id, column.lower(), value=value, **common))
        slice_code = _integer_id(ctx, online, line, "Wheel_slice", rec["Wheel_slice"])
        rows.append(_judgment(annotation_id, "wheel_slice", label=slice_code, **common))
    ctx.quirks.add(
        "unknown-video",
        len(unknown),
        file=online.member,
        reason="Online_id not in video_list.csv; the rating cannot be attached to a video",
        effect="excluded",
        examples=unknown,
    )
    ctx.quirks.add(
        "no-rater-id",
        len(raters),
        file=online.member,
        reason="online ratings carry no rater id: each row is its own rater "
        "('online-row-<line>'), so online raters cannot be linked across videos",
        effect="added",
    )
    return rows, raters


def _lab(ctx: LoaderContext, lab: _Csv, experiment_to_track: dict[str, str]) -> list[dict]:
    _require(ctx, lab, LAB_COLUMNS + ("Liking", "Familiarity"))
    rows: list[dict] = []
    unknown: list[str] = []
    no_familiarity: set[str] = set()
    missing_cells = 0
    for line, rec in lab.records():
        participant = _integer_id(ctx, lab, line, "Participant_id", rec["Participant_id"])
        experiment = _integer_id(ctx, lab, line, "Experiment_id", rec["Experiment_id"])
        track_id = experiment_to_track.get(experiment)
        if track_id is None:
            unknown.append(f"line {line}: Experiment_id {experiment}")
            continue
        trial = _required_number(ctx, lab, line, "Trial", rec["Trial"])
        start = _required_number(ctx, lab, line, "Start_time", rec["Start_time"])
        annotation_id = f"participant_ratings:{line}"
        common = {
            "track_id": track_id,
            "rater_id": f"s{int(participant):02d}",
            "setting": "lab",
            "experiment_id": experiment,
            "trial": int(trial),
            "start_time_us": int(start),
            "source_file": lab.member,
            "source_line": line,
        }
        for column in LAB_DIMENSIONS:
            if column == "Familiarity":
                value = _number(ctx, lab, line, column, rec[column])
                if value is None:
                    missing_cells += 1
                    no_familiarity.add(common["rater_id"])
                    continue
            else:
                value = _required_number(ctx, lab, line, column, rec[column])
            rows.append(_judgment(annotation_id, column.lower(), value=value, **common))
    ctx.quirks.add(
        "unknown-video",
        len(unknown),
        file=lab.member,
        reason="Experiment_id not in video_list.csv; the rating cannot be attached to a video",
        effect="excluded",
        examples=unknown,
    )
    ctx.quirks.add(
        "missing-familiarity",
        missing_cells,
        file=lab.member,
        reason="empty Familiarity cell (rated after the experiment; not collected for some "
        "participants): no familiarity judgment for that row, its other ratings are kept",
        effect="kept",
        examples=sorted(no_familiarity),
    )
    return rows


# -- raters --------------------------------------------------------------------------------


def _raters(ctx: LoaderContext, questionnaire: _Csv, lab_rows: list[dict], online: list[str]):
    import pandas as pd

    frame = _questionnaire(ctx, questionnaire)
    lab_raters = sorted({r["rater_id"] for r in lab_rows})
    known = set(frame["rater_id"])
    without_questionnaire = [r for r in lab_raters if r not in known]
    ctx.quirks.add(
        "rater-without-questionnaire",
        len(without_questionnaire),
        file=questionnaire.member,
        reason="lab participant has ratings but no questionnaire row: added with missing attributes",
        effect="added",
        examples=without_questionnaire,
    )
    unrated = sorted(known - set(lab_raters))
    ctx.quirks.add(
        "participant-without-ratings",
        len(unrated),
        file=questionnaire.member,
        reason="questionnaire row of a participant with no lab ratings: kept in raters",
        effect="kept",
        examples=unrated,
    )
    extra = [{"rater_id": r, "setting": "lab"} for r in without_questionnaire]
    extra += [{"rater_id": r, "setting": "online"} for r in online]
    return pd.concat(
        [frame, pd.DataFrame(extra, columns=["rater_id", "setting"])], ignore_index=True
    )


def _questionnaire(ctx: LoaderContext, questionnaire: _Csv):
    """The lab participants' questionnaire -> one rater row each (first row of a duplicate)."""
    import pandas as pd

    _require(ctx, questionnaire, ("Participant_id",))
    attributes = {c: snake_case(c) for c in questionnaire.header if c != "Participant_id"}
    if len(set(attributes.values())) != len(attributes) or "setting" in attributes.values():
        raise ctx.parse_error(
            questionnaire.member,
            f"column names collide after normalization: {questionnaire.header}",
            line=1,
        )
    records: list[dict] = []
    for line, rec in questionnaire.records():
        raw_id = rec["Participant_id"].strip()
        match = re.fullmatch(r"[Ss]?0*(\d+)", raw_id)
        if match is None:
            raise ctx.parse_error(
                questionnaire.member,
                f"expected a participant id like 'S01', found {raw_id!r}",
                line=line,
                field="Participant_id",
            )
        row = {"rater_id": f"s{int(match.group(1)):02d}", "setting": "lab"}
        row.update({attributes[c]: _text(v) for c, v in rec.items() if c in attributes})
        records.append(row)
    frame = pd.DataFrame(records, columns=["rater_id", "setting", *attributes.values()])
    duplicated = frame["rater_id"].duplicated()
    ctx.quirks.add(
        "duplicate-participant",
        int(duplicated.sum()),
        file=questionnaire.member,
        reason="participant listed twice in the questionnaire; the first row is kept",
        effect="excluded",
        examples=frame.loc[duplicated, "rater_id"],
    )
    frame = frame.loc[~duplicated]
    for column in attributes.values():  # numeric answers (age, head measures) become numbers
        values = frame[column].dropna()
        numeric = pd.to_numeric(values, errors="coerce")
        if len(values) and numeric.notna().all():
            frame[column] = pd.to_numeric(frame[column]).astype("Float64")
    return frame
