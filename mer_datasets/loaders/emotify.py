"""Emotify (Aljanaki, Wiering & Veltkamp 2016): GEMS-9 answers from a crowdsourcing game.

``data.csv`` has one row per answer (participant x song) with ``", "`` separators and a header
with spaces (``track id``, ``mother tongue``). There is **no participant id**, so each row is its
own rater ``row-<line>`` (line = 1-based physical line in the file) and raters cannot be linked
across songs. The row's self-reported age, gender, mother tongue and mood before playing
(``mood``, 1-5: a state of the listener, not a judgment of the song) are rater attributes.

Judgments per row: the nine GEMS items (binary 0/1; at most three chosen per the game's rules)
and ``liked``/``disliked`` (0/1). Track ids 1-400 come in genre blocks (classical 1-100, rock
101-200, electronic 201-300, pop 301-400: seen in ``data.csv``); the audio archive stores
``emotifymusic/<genre>/<n>.mp3`` with n = id - block offset (PROVENANCE.md, medium confidence),
so ``audio_path`` is set when that file exists under the dataset folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..tables import Tables
from .base import LoaderContext
from .csvfile import parse_float, read_csv

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

LOADER_VERSION = "1"

ENCODING = "utf-8-sig"  # UTF-8, optional BOM

GEMS9 = (
    "amazement",
    "solemnity",
    "tenderness",
    "nostalgia",
    "calmness",
    "power",
    "joyful_activation",
    "tension",
    "sadness",
)
PREFERENCE = ("liked", "disliked")
JUDGED = (*GEMS9, *PREFERENCE)  # GEMS items first: the count of chosen items reads them
COLUMNS = ("track id", "genre", *GEMS9, "mood", *PREFERENCE, "age", "gender", "mother tongue")
#: Published id blocks per genre (first id of the block); the audio is numbered 1-100 per genre.
GENRE_BLOCK_OFFSET = {"classical": 0, "rock": 100, "electronic": 200, "pop": 300}
BLOCK_SIZE = 100
#: At most this many GEMS items could be chosen per answer (authors' description).
MAX_GEMS_CHOSEN = 3
DEFAULT_PLAUSIBLE_AGE = (10, 90)

ANNOTATION_COLUMNS = [
    "judgment_id",
    "annotation_id",
    "track_id",
    "rater_id",
    "dimension",
    "value",
    "source_line",
]


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    # ", "-separated: spaces after commas are not data
    member, header, rows = read_csv(ctx, "data", encoding=ENCODING, skipinitialspace=True)
    index = _column_index(ctx, member, header)
    low, high = ctx.option("plausible_age", list(DEFAULT_PLAUSIBLE_AGE))
    scan = _Scan(ctx, member, index, low, high)
    for line, row in rows:
        scan.row(line, row)

    _record_quirks(
        ctx,
        member,
        scan.none_chosen,
        scan.too_many,
        scan.liked_and_disliked,
        scan.implausible_ages,
        scan.duplicate_rows,
        low,
        high,
    )
    ctx.quirks.add(
        "no-rater-id",
        len(scan.raters),
        file=member,
        reason="data.csv has no participant id: each row is its own rater ('row-<line>'), so "
        "raters cannot be linked across songs",
        effect="added",
    )
    tracks = _tracks(ctx, scan.genres)
    annotations = _judgment_frame(scan.judgments)
    rater_frame = pd.DataFrame(
        scan.raters, columns=["rater_id", "age", "gender", "mother_tongue", "mood", "source_line"]
    )
    rater_frame["source_line"] = rater_frame["source_line"].astype("Int64")
    labels = pd.DataFrame(
        columns=["track_id", "dimension", "statistic", "value", "label", "source"]
    )
    return Tables(tracks=tracks, raters=rater_frame, annotations=annotations, labels=labels)


def _column_index(ctx: LoaderContext, member: str, header: list[str]) -> dict[str, int]:
    """Header name -> position; every column of :data:`COLUMNS` is required."""
    index = {name: i for i, name in enumerate(header)}
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise ctx.parse_error(
            member,
            f"missing required column(s) {', '.join(missing)}; header is {header}",
            line=1,
            field=missing[0],
        )
    return index


@dataclass
class _Scan:
    """One pass over data.csv: judgments, one rater per row, genres and the quirk evidence."""

    ctx: LoaderContext
    member: str
    index: dict[str, int]
    low: float
    high: float
    judgments: list[tuple] = field(default_factory=list)
    raters: list[dict] = field(default_factory=list)
    genres: dict[str, str] = field(default_factory=dict)
    implausible_ages: list[str] = field(default_factory=list)
    too_many: list[str] = field(default_factory=list)
    none_chosen: int = 0
    liked_and_disliked: int = 0
    seen_rows: set[tuple[str, ...]] = field(default_factory=set)
    duplicate_rows: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # positions looked up once, each row stripped once: the per-cell closures of an earlier
        # version made this 400 KB file take over a second
        self.judged = [(dimension, self.index[dimension]) for dimension in JUDGED]
        self.key_positions = [self.index[c] for c in COLUMNS]

    def row(self, line: int, row: list[str]) -> None:
        """One answer: its judgments, its rater, and what is notable about it."""
        ctx, member, index = self.ctx, self.member, self.index
        cells = [text.strip() for text in row]
        track_id = _track_id(ctx, member, line, cells[index["track id"]])
        self._genre(line, track_id, cells[index["genre"]])
        rater_id = f"row-{line}"
        row_values = self._judged_values(line, cells)
        self._count_choices(line, row_values)
        self.judgments.append((f"data:{line}", track_id, rater_id, line, row_values))
        age = parse_float(ctx, member, cells[index["age"]], line, "age")
        if not self.low <= age <= self.high:
            self.implausible_ages.append(f"line {line}: {cells[index['age']]}")
        key = tuple(cells[i] for i in self.key_positions)
        if key in self.seen_rows:
            self.duplicate_rows.append(f"line {line}")
        self.seen_rows.add(key)
        self.raters.append(
            {
                "rater_id": rater_id,
                "age": age,
                "gender": cells[index["gender"]] or None,
                "mother_tongue": cells[index["mother tongue"]] or None,
                "mood": parse_float(ctx, member, cells[index["mood"]], line, "mood"),
                "source_line": line,
            }
        )

    def _genre(self, line: int, track_id: str, genre: str) -> None:
        """A known genre, the same one on every row of the track."""
        if genre not in GENRE_BLOCK_OFFSET:
            raise self.ctx.parse_error(
                self.member,
                f"unknown genre {genre!r} (expected one of {sorted(GENRE_BLOCK_OFFSET)})",
                line=line,
                field="genre",
            )
        if self.genres.setdefault(track_id, genre) != genre:
            raise self.ctx.parse_error(
                self.member,
                f"track {track_id} has genre {genre!r} here and {self.genres[track_id]!r} before",
                line=line,
                field="genre",
            )

    def _judged_values(self, line: int, cells: list[str]) -> list[float]:
        """The GEMS items then liked/disliked, each 0 or 1."""
        row_values = []
        for dimension, position in self.judged:
            value = parse_float(self.ctx, self.member, cells[position], line, dimension)
            if value not in (0.0, 1.0):
                raise self.ctx.parse_error(
                    self.member,
                    f"expected 0 or 1, found {cells[position]!r}",
                    line=line,
                    field=dimension,
                )
            row_values.append(value)
        return row_values

    def _count_choices(self, line: int, row_values: list[float]) -> None:
        """Answers with no GEMS item, too many, or liked and disliked together."""
        chosen = int(sum(row_values[: len(GEMS9)]))
        if chosen == 0:
            self.none_chosen += 1
        elif chosen > MAX_GEMS_CHOSEN:
            self.too_many.append(f"line {line}: {chosen}")
        values = dict(zip(JUDGED, row_values))
        if values["liked"] == 1 and values["disliked"] == 1:
            self.liked_and_disliked += 1


def _judgment_frame(judgments: list[tuple[str, str, str, int, list[float]]]) -> pd.DataFrame:
    """One row per answer and judged item, built column-wise (92k rows from 8407 answers)."""
    import numpy as np
    import pandas as pd

    per_row = len(JUDGED)
    annotation_ids = [j[0] for j in judgments]
    frame = pd.DataFrame(
        {
            "judgment_id": [f"{a}:{d}" for a in annotation_ids for d in JUDGED],
            "annotation_id": np.repeat(np.array(annotation_ids, dtype=object), per_row),
            "track_id": np.repeat(np.array([j[1] for j in judgments], dtype=object), per_row),
            "rater_id": np.repeat(np.array([j[2] for j in judgments], dtype=object), per_row),
            "dimension": np.tile(np.array(JUDGED, dtype=object), len(judgments)),
            "value": np.array([v for j in judgments for v in j[4]], dtype="float64"),
            "source_line": np.repeat(np.array([j[3] for j in judgments], dtype="int64"), per_row),
        },
        columns=ANNOTATION_COLUMNS,
    )
    frame["source_line"] = frame["source_line"].astype("Int64")
    return frame


def _track_id(ctx: LoaderContext, member: str, line: int, text: str) -> str:
    if not text.isdigit():
        raise ctx.parse_error(
            member, f"expected an integer track id, found {text!r}", line=line, field="track id"
        )
    return str(int(text))


def _tracks(ctx: LoaderContext, genres: dict[str, str]):
    """One row per track id; the audio path when the genre-block file exists locally."""
    import pandas as pd

    records = []
    outside_block: list[str] = []
    for track_id in sorted(genres, key=int):
        genre = genres[track_id]
        number_in_genre = int(track_id) - GENRE_BLOCK_OFFSET[genre]
        if not 1 <= number_in_genre <= BLOCK_SIZE:
            outside_block.append(f"{track_id} ({genre})")
            number_in_genre = None
        relative = None
        if number_in_genre is not None and ctx.root is not None:
            candidate = f"emotifymusic/{genre}/{number_in_genre}.mp3"
            if (Path(ctx.root) / candidate).is_file():
                relative = str(Path(ctx.root) / candidate)
        records.append(
            {
                "track_id": track_id,
                "genre": genre,
                "audio_path": relative,
                "number_in_genre": number_in_genre,
            }
        )
    ctx.quirks.add(
        "track-outside-genre-block",
        len(outside_block),
        file=ctx.member_path("data"),
        reason="track id outside its genre's published id block: its audio file cannot be located",
        effect="kept",
        examples=outside_block,
    )
    frame = pd.DataFrame(records, columns=["track_id", "genre", "audio_path", "number_in_genre"])
    frame["number_in_genre"] = frame["number_in_genre"].astype("Int64")
    return frame


def _record_quirks(ctx, member, none_chosen, too_many, both, ages, duplicates, low, high) -> None:
    ctx.quirks.add(
        "no-gems-chosen",
        none_chosen,
        file=member,
        reason="answer with none of the nine GEMS items chosen: kept (all nine judgments are 0)",
        effect="kept",
    )
    ctx.quirks.add(
        "more-than-three-gems",
        len(too_many),
        file=member,
        reason=f"answer with more than {MAX_GEMS_CHOSEN} GEMS items chosen (the game allowed at "
        "most three): kept as published",
        effect="kept",
        examples=too_many,
    )
    ctx.quirks.add(
        "liked-and-disliked",
        both,
        file=member,
        reason="answer with both liked = 1 and disliked = 1: kept as published",
        effect="kept",
    )
    ctx.quirks.add(
        "implausible-age",
        len(ages),
        file=member,
        reason=f"self-reported age outside [{low}, {high}] (catalog option plausible_age): kept",
        effect="kept",
        examples=ages,
    )
    ctx.quirks.add(
        "duplicate-row",
        len(duplicates),
        file=member,
        reason="row identical to an earlier row (same song and answers): kept, since rows without "
        "a participant id may be different people",
        effect="kept",
        examples=duplicates,
    )
