"""ISMIR 2020 multilingual agreement study (Gómez-Cañón et al. 2020) -> the four tables.

Source: the companion repository juansgomez87/agreement-emotion.

* ``results/data_ratings.all.csv`` (required): the authors' tidy table, one row per
  (participant, excerpt): 11 emotion words rated 1-5, preference / familiarity / understanding
  1-5 with the authors' binary encodings (``*_enc``: 1-2 -> 0, 4-5 -> 1, 3 -> a single space),
  and per-participant Gold-MSI scores (``mus_train``, ``emotions``, ``mus_soph`` + ``*_enc``).
  ``user`` numbers are global (0-125), each in one survey language.
* ``files_quads.csv`` (required): no header, ``", "``-separated: excerpt file, 4QAED file,
  quadrant, lyrics language, artist, title.
* ``results/data_<language>.csv`` (optional): the raw survey exports, one row per participant who
  opened the survey (complete or not), with demographics absent from the tidy table (country,
  native language, age, gender code, further Gold-MSI subscales, survey times). Rows of complete
  participants carry one extra empty field (ragged rows). The tidy table has no participant key,
  so a raw row is linked to a ``user`` when all 22 x 14 ratings are identical (unique in the
  real data); raw rows without a link are counted as excluded.

Ratings stay on their 1-5 scale. Column words map to the trompa11 vocabulary (``bitter`` ->
``bitterness``, ``sad`` -> ``sadness``, ``tender`` -> ``tenderness``) as named in the paper.
"""

from __future__ import annotations

import csv
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..tables import Tables
from .base import LoaderContext

LOADER_VERSION = "2"  # 2: quirk kinds in kebab-case

#: tidy-table column -> dimension (the paper's 11 words, spelled as the trompa11 vocabulary)
EMOTION_COLUMNS: dict[str, str] = {
    "anger": "anger",
    "bitter": "bitterness",
    "fear": "fear",
    "joy": "joy",
    "peace": "peace",
    "power": "power",
    "sad": "sadness",
    "surprise": "surprise",
    "tender": "tenderness",
    "tension": "tension",
    "transcendence": "transcendence",
}
#: per-judgment questions: column -> (dimension, the authors' binary encoding column)
QUESTION_COLUMNS: dict[str, tuple[str, str]] = {
    "preference": ("preference", "pref_enc"),
    "familiarity": ("familiarity", "fam_enc"),
    "understanding": ("understanding", "und_enc"),
}
#: per-participant columns -> raters columns (Gold-MSI subscale scores and the authors' splits)
RATER_COLUMNS: dict[str, str] = {
    "mus_train": "musical_training",
    "mus_train_encod": "musical_training_enc",
    "emotions": "goldmsi_emotions",
    "emotions_enc": "goldmsi_emotions_enc",
    "mus_soph": "musical_sophistication",
    "mus_soph_enc": "musical_sophistication_enc",
}
#: (column, dimension, the authors' binary encoding column or None), in the order judgments are made
JUDGMENT_COLUMNS: tuple[tuple[str, str, str | None], ...] = tuple(
    (column, dimension, None) for column, dimension in EMOTION_COLUMNS.items()
) + tuple((column, dimension, encoded) for column, (dimension, encoded) in QUESTION_COLUMNS.items())
REQUIRED_RATING_COLUMNS = (
    ("user", "language", "excerpt", "emotion", "quadrant")
    + tuple(EMOTION_COLUMNS)
    + tuple(QUESTION_COLUMNS)
)
#: raw survey item order per excerpt (``<excerpt>:<n>``, n = 1..14), checked against the tidy table
RAW_ITEMS = tuple(EMOTION_COLUMNS) + tuple(QUESTION_COLUMNS)
#: raw survey column -> raters column (demographics1:1..3 / demographics2:1 identified from values)
RAW_RATER_COLUMNS: dict[str, str] = {
    "participant": "survey_participant",
    "demographics1:1": "country_of_residence",
    "demographics1:2": "native_language",
    "demographics1:3": "age",
    "demographics2:1": "gender_code",
    "act_eng:1": "goldmsi_active_engagement",
    "perc_abi:1": "goldmsi_perceptual_abilities",
    "sing_abi:1": "goldmsi_singing_abilities",
    "country": "survey_country",
    "TIME_start": "survey_start",
    "TIME_end": "survey_end",
    "TIME_total": "survey_minutes",
}
NUMERIC_RAW_COLUMNS = (
    "age",
    "goldmsi_active_engagement",
    "goldmsi_perceptual_abilities",
    "goldmsi_singing_abilities",
    "survey_minutes",
)
SURVEY_FILES = {
    "survey_english": "english",
    "survey_german": "german",
    "survey_mandarin": "mandarin",
    "survey_spanish": "spanish",
}
QUADRANT_CODES = {"q1": "Q1", "q2": "Q2", "q3": "Q3", "q4": "Q4"}


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    tracks, labels = _excerpts(ctx)
    parsed = _ratings(ctx)
    annotations, raters, target_emotions = parsed.annotations, parsed.raters, parsed.target
    published = dict(zip(labels["track_id"], labels["label"]))
    _check_quadrants(ctx, ctx.member_path("ratings"), parsed.quadrant_of, published)
    raters = _link_surveys(ctx, raters, parsed.answers)

    known = set(tracks["track_id"])
    extra = [t for t in target_emotions if t not in known]
    if extra:
        ctx.quirks.add(
            "excerpt-not-in-files-quads",
            len(extra),
            file=ctx.member_path("ratings"),
            reason="rated excerpt absent from files_quads.csv: added without metadata",
            effect="added",
            examples=extra,
        )
        tracks = pd.concat([tracks, pd.DataFrame({"track_id": extra})], ignore_index=True)
    emotion_labels = pd.DataFrame(
        {
            "track_id": list(target_emotions),
            "dimension": "emotion",
            "statistic": "label",
            "value": pd.array([pd.NA] * len(target_emotions), dtype="Float64"),
            "label": list(target_emotions.values()),
            "source": ctx.member_path("ratings"),
            "note": "target emotion of the excerpt by study design (column emotion)",
        }
    )
    labels = pd.concat([emotion_labels, labels], ignore_index=True)
    return Tables(tracks=tracks, raters=raters, annotations=annotations, labels=labels)


# -- helpers ------------------------------------------------------------------------------------


def _read_csv_rows(ctx: LoaderContext, name: str, path: Path):
    text = ctx.decode_text(name, path.read_bytes())
    # csv over whole text: quoted fields may hold newlines; line numbers come from the reader
    reader = csv.reader(text.splitlines(keepends=True))
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as exc:  # e.g. a field above the csv module's size limit
        raise ctx.parse_error(name, f"malformed CSV: {exc}", line=reader.line_num + 1) from None
    if not rows:
        raise ctx.parse_error(name, "empty file", line=1)
    return rows


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _number(ctx: LoaderContext, name: str, value: str, line: int, field: str) -> float | None:
    """A numeric cell; blank (including the single space the authors use) is missing."""
    if _blank(value):
        return None
    try:
        return float(value.strip())
    except ValueError:
        raise ctx.parse_error(
            name, f"expected a number, found {value!r}", line=line, field=field
        ) from None


# -- files_quads.csv -> tracks + published quadrant ---------------------------------------------


def _excerpts(ctx: LoaderContext):
    import pandas as pd

    name = ctx.member_path("excerpts")
    text = ctx.decode_text(name, ctx.file("excerpts").read_bytes())
    rows = []
    quadrant_labels = []
    first_line: dict[str, int] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue  # the file ends with blank lines
        row, quadrant = _excerpt(ctx, name, line, raw, first_line)
        rows.append(row)
        quadrant_labels.append((row["track_id"], quadrant))
    if not rows:
        raise ctx.parse_error(name, "no excerpt rows", line=1)
    ctx.quirks.source_rows(name, len(rows))
    return pd.DataFrame(rows), _excerpt_quadrants(quadrant_labels, name)


def _excerpt(
    ctx: LoaderContext, name: str, line: int, raw: str, first_line: dict[str, int]
) -> tuple[dict[str, Any], str]:
    """One excerpt line -> its track row and its 4QAED quadrant."""
    # ", " separates fields; the title (last field) is the only one that may hold a comma
    parts = [p.strip() for p in raw.split(", ", 5)]
    if len(parts) != 6:
        raise ctx.parse_error(
            name,
            "expected 6 ', '-separated fields (excerpt, 4QAED file, quadrant, lyrics "
            f"language, artist, title), found {len(parts)}",
            line=line,
        )
    excerpt, fourq, quadrant, lyrics, artist, title = parts
    track_id = excerpt.removesuffix(".mp3")
    if track_id in first_line:
        raise ctx.parse_error(
            name,
            f"excerpt {excerpt!r} listed twice (first on line {first_line[track_id]})",
            line=line,
            field="excerpt",
        )
    first_line[track_id] = line
    row = {
        "track_id": track_id,
        "title": title or None,
        "artist": artist or None,
        "fourq_id": fourq.removesuffix(".mp3") or None,
        "lyrics_language": lyrics or None,
        "audio_file": excerpt,
    }
    if quadrant not in ("Q1", "Q2", "Q3", "Q4"):
        raise ctx.parse_error(
            name, f"expected a quadrant Q1-Q4, found {quadrant!r}", line=line, field="quadrant"
        )
    return row, quadrant


def _excerpt_quadrants(quadrant_labels: list[tuple[str, str]], name: str):
    import pandas as pd

    return pd.DataFrame(
        {
            "track_id": [t for t, _ in quadrant_labels],
            "dimension": "quadrant",
            "statistic": "label",
            "value": pd.array([pd.NA] * len(quadrant_labels), dtype="Float64"),
            "label": [q for _, q in quadrant_labels],
            "source": name,
            "note": "quadrant of the excerpt in 4QAED, by study design",
        }
    )


# -- data_ratings.all.csv -> annotations + raters ----------------------------------------------


class ParsedRatings(NamedTuple):
    annotations: Any
    raters: Any
    target: dict[str, str]  # excerpt -> target emotion word
    quadrant_of: dict[str, str]  # excerpt -> quadrant per the ratings table
    answers: dict[tuple[str, str], tuple]  # (language, user) -> sorted (excerpt, 14 answers)


def _ratings(ctx: LoaderContext) -> ParsedRatings:
    name = ctx.member_path("ratings")
    rows = _read_csv_rows(ctx, name, ctx.file("ratings"))
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    for column in REQUIRED_RATING_COLUMNS:
        if column not in header:
            raise ctx.parse_error(
                name, f"required column {column!r} absent", line=header_line, field=column
            )
    scan = _RatingScan(ctx, name)
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise ctx.parse_error(
                name, f"expected {len(header)} fields, found {len(cells)}", line=line
            )
        scan.row(line, dict(zip(header, cells)))
    if scan.n == 0:
        raise ctx.parse_error(name, "no rating rows after the header", line=header_line + 1)
    ctx.quirks.source_rows(name, scan.n)
    _report_rating_quirks(ctx, scan, name)
    annotations, rater_frame = _rating_frames(scan)
    vectors = {key: tuple(sorted(per.items())) for key, per in scan.answers.items()}
    return ParsedRatings(annotations, rater_frame, scan.target, scan.quadrant_of, vectors)


@dataclass
class _RatingScan:
    """One pass over the tidy ratings table: judgments, raters, per-excerpt facts, answers."""

    ctx: LoaderContext
    name: str
    judgments: list[dict[str, Any]] = field(default_factory=list)
    raters: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    varying: set[str] = field(default_factory=set)
    target: OrderedDict[str, str] = field(default_factory=OrderedDict)
    quadrant_of: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    answers: dict[tuple[str, str], dict[str, tuple[str, ...]]] = field(default_factory=dict)
    n: int = 0

    def row(self, line: int, row: dict[str, str]) -> None:
        """One non-blank row (a participant's answers to one excerpt)."""
        self.n += 1
        user, language, excerpt = (
            row["user"].strip(),
            row["language"].strip(),
            row["excerpt"].strip(),
        )
        if not user or not excerpt:
            raise self.ctx.parse_error(
                self.name, "empty user or excerpt", line=line, field="user/excerpt"
            )
        self._rater(line, row, user, language)
        answers = self.answers.setdefault((language, user), {})
        answers[excerpt] = tuple(row[c].strip() for c in RAW_ITEMS)
        word = EMOTION_COLUMNS.get(row["emotion"].strip(), row["emotion"].strip())
        self.target.setdefault(excerpt, word)
        self.quadrant_of.setdefault(excerpt, QUADRANT_CODES.get(row["quadrant"].strip()[:2], ""))
        annotation_id = f"{user}:{excerpt}"
        self.seen[annotation_id] = self.seen.get(annotation_id, 0) + 1
        if self.seen[annotation_id] > 1:
            annotation_id = f"{annotation_id}#{self.seen[annotation_id]}"
        common = {
            "annotation_id": annotation_id,
            "track_id": excerpt,
            "rater_id": user,
            "source_file": self.name,
            "source_line": line,
        }
        self._judgments(line, row, common)

    def _rater(self, line: int, row: dict[str, str], user: str, language: str) -> None:
        """The participant's attributes; the first row wins, a differing later row is noted."""
        attributes = {"survey_language": language or None}
        for column, attribute in RATER_COLUMNS.items():
            if column in row:
                attributes[attribute] = _number(self.ctx, self.name, row[column], line, column)
        if user in self.raters:
            if any(self.raters[user].get(k) != v for k, v in attributes.items()):
                self.varying.add(user)
        else:
            self.raters[user] = {"rater_id": user, **attributes}

    def _judgments(self, line: int, row: dict[str, str], common: dict[str, Any]) -> None:
        """One judgment per answered rating column, with the authors' binary encoding."""
        ctx, name, annotation_id = self.ctx, self.name, common["annotation_id"]
        for column, dimension, encoded in JUDGMENT_COLUMNS:
            value = _number(ctx, name, row[column], line, column)
            if value is None:
                self.missing.append(f"line {line}: {column}")
                continue
            binary = (
                _number(ctx, name, row[encoded], line, encoded)
                if encoded is not None and encoded in row
                else None
            )
            self.judgments.append(
                {
                    **common,
                    "judgment_id": f"{annotation_id}:{dimension}",
                    "dimension": dimension,
                    "value": value,
                    "authors_binary": binary,
                }
            )


def _report_rating_quirks(ctx: LoaderContext, scan: _RatingScan, name: str) -> None:
    ctx.quirks.add(
        "missing-rating",
        len(scan.missing),
        file=name,
        reason="empty rating cell: no judgment created",
        effect="excluded",
        examples=scan.missing,
    )
    repeats = [k for k, c in scan.seen.items() if c > 1]
    ctx.quirks.add(
        "repeated-judgment",
        sum(scan.seen[k] - 1 for k in repeats),
        file=name,
        reason="the same participant rated the same excerpt again: every row kept (#n ids)",
        effect="kept",
        examples=repeats,
    )
    ctx.quirks.add(
        "rater-attribute-varies",
        len(scan.varying),
        file=name,
        reason="a participant's language or Gold-MSI scores differ between rows: first row kept",
        effect="kept",
        examples=sorted(scan.varying),
    )
    ctx.quirks.add(
        "authors-neutral-encoding",
        sum(
            1
            for j in scan.judgments
            if j["authors_binary"] is None
            and j["dimension"] in {d for d, _ in QUESTION_COLUMNS.values()}
        ),
        file=name,
        reason="the authors' binary *_enc column is a single space for answer 3 (neutral): "
        "authors_binary is missing there",
        effect="kept",
    )


def _rating_frames(scan: _RatingScan):
    """Annotations and raters as frames with the canonical nullable dtypes."""
    import pandas as pd

    annotations = pd.DataFrame(scan.judgments)
    annotations["value"] = annotations["value"].astype("Float64")
    annotations["authors_binary"] = pd.to_numeric(annotations["authors_binary"]).astype("Float64")
    annotations["source_line"] = annotations["source_line"].astype("Int64")
    annotations["label"] = pd.array([pd.NA] * len(annotations), dtype="string")
    rater_frame = pd.DataFrame(list(scan.raters.values()))
    for attribute in RATER_COLUMNS.values():
        if attribute in rater_frame.columns:
            rater_frame[attribute] = pd.to_numeric(rater_frame[attribute]).astype("Float64")
    return annotations, rater_frame


def _check_quadrants(
    ctx: LoaderContext, name: str, quadrant_of: dict[str, str], published: dict[str, str]
) -> None:
    """The tidy table's quadrant column must agree with files_quads.csv (else a quirk)."""
    disagree = [e for e, q in quadrant_of.items() if e in published and published[e] != q]
    ctx.quirks.add(
        "quadrant-disagreement",
        len(disagree),
        file=name,
        reason="the ratings table's quadrant differs from files_quads.csv: the latter is published",
        effect="kept",
        examples=disagree,
    )


# -- raw survey exports -> extra rater attributes ---------------------------------------------


def _link_surveys(ctx: LoaderContext, raters, ratings: dict[tuple[str, str], tuple]):
    if not any(ctx.has_file(f) for f in SURVEY_FILES if f in ctx.version.files):
        return raters
    linked: dict[str, dict[str, Any]] = {}
    for logical, language in SURVEY_FILES.items():
        if logical not in ctx.version.files or not ctx.has_file(logical):
            continue
        by_vector = {vector: user for (lang, user), vector in ratings.items() if lang == language}
        _link_survey_file(ctx, logical, by_vector, linked)
    missing = [r for r in raters["rater_id"] if r not in linked]
    ctx.quirks.add(
        "rater-without-survey-row",
        len(missing),
        reason="no raw survey row has this participant's ratings: demographics missing",
        effect="kept",
        examples=missing,
    )
    return _merge_survey_attributes(raters, linked)


def _survey_excerpts(ctx: LoaderContext, name: str, header_line: int, header: list[str]):
    """The excerpts with all 14 rating columns in a survey header (which needs 'participant')."""
    if "participant" not in header:
        raise ctx.parse_error(
            name, "required column 'participant' absent", line=header_line, field="participant"
        )
    excerpts = sorted({h.split(":")[0] for h in header if h.endswith(f":{len(RAW_ITEMS)}")})
    excerpts = [e for e in excerpts if all(f"{e}:{k}" in header for k in range(1, 15))]
    if not excerpts:
        raise ctx.parse_error(
            name, "no '<excerpt>:1'..'<excerpt>:14' rating columns", line=header_line
        )
    return excerpts


def _link_survey_file(
    ctx: LoaderContext,
    logical: str,
    by_vector: dict[tuple, str],
    linked: dict[str, dict[str, Any]],
) -> None:
    """Match each complete survey row to the participant with the same 14 answers per excerpt."""
    name = ctx.member_path(logical)
    rows = _read_csv_rows(ctx, name, ctx.file(logical))
    header_line, header = rows[0]
    excerpts = _survey_excerpts(ctx, name, header_line, header)
    index_of = {h: i for i, h in enumerate(header)}
    incomplete, unmatched, ragged, n = [], [], 0, 0
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue
        n += 1
        if len(cells) > len(header):
            if any(c.strip() for c in cells[len(header) :]):
                raise ctx.parse_error(
                    name,
                    f"{len(cells)} fields for {len(header)} columns, extra ones not empty",
                    line=line,
                )
            ragged += 1
            cells = cells[: len(header)]
        elif len(cells) < len(header):
            raise ctx.parse_error(
                name, f"expected {len(header)} fields, found {len(cells)}", line=line
            )
        vector = tuple(
            tuple(cells[index_of[f"{e}:{k}"]].strip() for k in range(1, 15)) for e in excerpts
        )
        participant = cells[index_of["participant"]]
        if any(v == "" for item in vector for v in item):
            incomplete.append(participant)
            continue
        user = by_vector.get(_key(excerpts, vector))
        if user is None:
            unmatched.append(participant)
            continue
        linked[user] = {
            attribute: (cells[index_of[column]].strip() or None)
            for column, attribute in RAW_RATER_COLUMNS.items()
            if column in index_of
        }
    ctx.quirks.source_rows(name, n)
    _report_survey_quirks(ctx, name, ragged, incomplete, unmatched)


def _report_survey_quirks(
    ctx: LoaderContext, name: str, ragged: int, incomplete: list[str], unmatched: list[str]
) -> None:
    ctx.quirks.add(
        "ragged-row",
        ragged,
        file=name,
        reason="one more (empty) field than the header: the empty field is ignored",
        effect="repaired",
    )
    ctx.quirks.add(
        "incomplete-survey",
        len(incomplete),
        file=name,
        reason="participant did not rate every excerpt; not in the authors' ratings table",
        effect="excluded",
        examples=incomplete,
    )
    ctx.quirks.add(
        "survey-not-in-ratings",
        len(unmatched),
        file=name,
        reason="complete survey whose ratings match no participant of the authors' table "
        "(left out by the authors)",
        effect="excluded",
        examples=unmatched,
    )


def _merge_survey_attributes(raters, linked: dict[str, dict[str, Any]]):
    """Raters with the linked survey attributes (missing where no survey row matched)."""
    import pandas as pd

    extra = pd.DataFrame(
        [{"rater_id": user, **record} for user, record in linked.items()],
        columns=["rater_id", *RAW_RATER_COLUMNS.values()],
    )
    for column in NUMERIC_RAW_COLUMNS:
        extra[column] = pd.to_numeric(extra[column], errors="coerce").astype("Float64")
    merged = raters.merge(extra, on="rater_id", how="left")
    for column in set(RAW_RATER_COLUMNS.values()) - set(NUMERIC_RAW_COLUMNS):
        merged[column] = merged[column].astype("string")
    return merged


def _key(excerpts: list[str], vector: tuple[tuple[str, ...], ...]) -> tuple:
    return tuple(zip(excerpts, vector))
