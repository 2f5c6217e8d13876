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

from collections.abc import Callable
from pathlib import Path

from ..tables import Tables
from .base import LoaderContext
from .csvfile import parse_float, read_csv

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
    """One answer per row: its 11 judgments, its row as a rater, its quirks counted."""
    # ", "-separated: spaces after commas are not data
    member, header, rows = read_csv(ctx, "data", encoding=ENCODING, skipinitialspace=True)
    answers = _Answers(ctx, member, _column_index(ctx, member, header))
    for line, row in rows:
        answers.add(line, row)
    answers.record_quirks()
    return answers.tables()


def _column_index(ctx: LoaderContext, member: str, header: list[str]) -> dict[str, int]:
    """Column name -> position; every column of :data:`COLUMNS` must be in the header."""
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


class _Answers:
    """The rows of ``data.csv`` read so far: judgments, raters, track genres and the counts of
    what the quirks report says about them."""

    def __init__(self, ctx: LoaderContext, member: str, index: dict[str, int]) -> None:
        self.ctx, self.member, self.index = ctx, member, index
        self.low, self.high = ctx.option("plausible_age", list(DEFAULT_PLAUSIBLE_AGE))
        self.judgments: list[tuple] = []
        self.raters: list[dict] = []
        self.genres: dict[str, str] = {}
        self.implausible_ages: list[str] = []
        self.too_many: list[str] = []
        self.none_chosen = 0
        self.liked_and_disliked = 0
        self.seen_rows: set[tuple[str, ...]] = set()
        self.duplicate_rows: list[str] = []

    def add(self, line: int, row: list[str]) -> None:
        """One answer (participant x song): the track's genre, 11 judgments, one rater."""

        def cell(name: str) -> str:
            return row[self.index[name]].strip()

        def number(name: str) -> float:
            return parse_float(self.ctx, self.member, cell(name), line, name)

        track_id = _track_id(self.ctx, self.member, line, cell("track id"))
        self._genre(line, track_id, cell("genre"))
        rater_id = f"row-{line}"
        chosen = self._judgments(line, track_id, rater_id, cell, number)
        if chosen == 0:
            self.none_chosen += 1
        elif chosen > MAX_GEMS_CHOSEN:
            self.too_many.append(f"line {line}: {chosen}")
        if number("liked") == 1 and number("disliked") == 1:
            self.liked_and_disliked += 1
        age = number("age")
        if not self.low <= age <= self.high:
            self.implausible_ages.append(f"line {line}: {cell('age')}")
        key = tuple(cell(c) for c in COLUMNS)
        if key in self.seen_rows:
            self.duplicate_rows.append(f"line {line}")
        self.seen_rows.add(key)
        self.raters.append(
            {
                "rater_id": rater_id,
                "age": age,
                "gender": cell("gender") or None,
                "mother_tongue": cell("mother tongue") or None,
                "mood": number("mood"),
                "source_line": line,
            }
        )

    def _genre(self, line: int, track_id: str, genre: str) -> None:
        """A known genre block, the same on every row of a track."""
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

    def _judgments(
        self,
        line: int,
        track_id: str,
        rater_id: str,
        cell: Callable[[str], str],
        number: Callable[[str], float],
    ) -> int:
        """The row's binary judgments (GEMS items, liked, disliked); returns how many GEMS items
        were chosen."""
        annotation_id = f"data:{line}"
        chosen = 0
        for dimension in (*GEMS9, *PREFERENCE):
            value = number(dimension)
            if value not in (0.0, 1.0):
                raise self.ctx.parse_error(
                    self.member,
                    f"expected 0 or 1, found {cell(dimension)!r}",
                    line=line,
                    field=dimension,
                )
            if dimension in GEMS9:
                chosen += int(value)
            self.judgments.append(
                (
                    f"{annotation_id}:{dimension}",
                    annotation_id,
                    track_id,
                    rater_id,
                    dimension,
                    value,
                    line,
                )
            )
        return chosen

    def record_quirks(self) -> None:
        _record_quirks(
            self.ctx,
            self.member,
            self.none_chosen,
            self.too_many,
            self.liked_and_disliked,
            self.implausible_ages,
            self.duplicate_rows,
            self.low,
            self.high,
        )
        self.ctx.quirks.add(
            "no-rater-id",
            len(self.raters),
            file=self.member,
            reason="data.csv has no participant id: each row is its own rater ('row-<line>'), so "
            "raters cannot be linked across songs",
            effect="added",
        )

    def tables(self) -> Tables:
        import pandas as pd

        tracks = _tracks(self.ctx, self.genres)
        annotations = pd.DataFrame(self.judgments, columns=ANNOTATION_COLUMNS)
        annotations["source_line"] = annotations["source_line"].astype("Int64")
        rater_frame = pd.DataFrame(
            self.raters,
            columns=["rater_id", "age", "gender", "mother_tongue", "mood", "source_line"],
        )
        rater_frame["source_line"] = rater_frame["source_line"].astype("Int64")
        labels = pd.DataFrame(
            columns=["track_id", "dimension", "statistic", "value", "label", "source"]
        )
        return Tables(tracks=tracks, raters=rater_frame, annotations=annotations, labels=labels)


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
