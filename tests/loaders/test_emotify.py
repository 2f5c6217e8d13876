"""Emotify loader: synthetic fixture (", " separators, no participant id) and the mirrored file."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import emotify as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "emotify"
DATASET = "emotify"
DIMENSIONS = (
    "amazement",
    "solemnity",
    "tenderness",
    "nostalgia",
    "calmness",
    "power",
    "joyful_activation",
    "tension",
    "sadness",
    "liked",
    "disliked",
)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.reader(handle, skipinitialspace=True) if r][1:]


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_each_answer_row_is_its_own_rater_with_its_attributes(loaded):
    tables, _ = loaded
    rows = generator.rows()
    raters = tables.raters.set_index("rater_id")
    assert list(raters.index) == [f"row-{line}" for line in range(2, len(rows) + 2)]
    assert raters.loc["row-2", "mother_tongue"] == rows[0][16]
    assert raters.loc["row-9", "age"] == 99
    assert raters.loc["row-3", "mood"] == float(rows[1][11])


def test_every_answer_gives_eleven_binary_judgments_with_the_raw_values(loaded):
    tables, _ = loaded
    rows = generator.rows()
    annotations = tables.annotations
    assert len(annotations) == 11 * len(rows)
    assert annotations["judgment_id"].is_unique
    for line, row in enumerate(rows, start=2):
        mine = annotations[annotations["rater_id"] == f"row-{line}"].set_index("dimension")
        assert set(mine["track_id"]) == {row[0]}
        values = [row[2 + i] for i in range(9)] + [row[12], row[13]]
        assert [mine.loc[d, "value"] for d in DIMENSIONS] == [float(v) for v in values]


def test_tracks_follow_genre_blocks_and_audio_is_set_only_when_present(loaded):
    tables, _ = loaded
    tracks = tables.tracks.set_index("track_id")
    assert list(tracks.index) == [str(t) for t in generator.TRACKS]
    assert tracks.loc["102", "genre"] == "rock" and tracks.loc["102", "number_in_genre"] == 2
    assert tracks.loc["102", "audio_path"] == str(FIXTURE / generator.AUDIO)
    assert tracks["audio_path"].notna().sum() == 1


def test_quirks_are_counted_and_nothing_is_dropped(loaded):
    _, quirks = loaded
    kinds = {q.kind: q.count for q in quirks.quirks}
    assert kinds == {
        "no-gems-chosen": 1,
        "more-than-three-gems": 1,
        "liked-and-disliked": 1,
        "implausible-age": 1,
        "duplicate-row": 1,
        "no-rater-id": len(generator.rows()),
    }
    assert quirks.source_row_counts == {"data.csv": len(generator.rows())}
    assert quirks.excluded() == 0


def test_a_missing_column_is_a_parse_error_on_line_1(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "e")
    path = tmp_path / "e" / "data.csv"
    path.write_bytes(path.read_bytes().replace(b" mood,", b" humour,", 1))
    with pytest.raises(ParseError, match="mood") as info:
        load_from_directory(DATASET, tmp_path / "e")
    assert info.value.line == 1 and info.value.field == "mood"


def test_a_nul_byte_is_a_parse_error_naming_its_line(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "e")
    path = tmp_path / "e" / "data.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2][:3] + b"\x00" + lines[2][3:]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(ParseError, match="NUL byte") as info:
        load_from_directory(DATASET, tmp_path / "e")
    assert info.value.file == "data.csv" and info.value.line == 3


def test_a_non_binary_answer_names_its_line_and_field(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "e")
    path = tmp_path / "e" / "data.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[5].split(", ")
    cells[3] = "2"
    lines[5] = ", ".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ParseError, match="0 or 1") as info:
        load_from_directory(DATASET, tmp_path / "e")
    assert info.value.line == 6 and info.value.field == "solemnity"


@pytest.mark.real_data
def test_the_mirrored_data_csv_loads_completely(shared_mirror):
    from mer_datasets.validate import validate_tables

    catalog = default_catalog()
    tables, quirks = load_from_directory(DATASET, shared_mirror / "emotify", catalog=catalog)
    validate_tables(tables, catalog.get(DATASET))
    rows = _rows(shared_mirror / "emotify" / "data.csv")
    assert len(rows) == 8407 and len(tables.raters) == 8407
    assert len(tables.annotations) == 11 * 8407
    assert len(tables.tracks) == 400
    blocks = {
        g: (min(int(r[0]) for r in rows if r[1] == g), max(int(r[0]) for r in rows if r[1] == g))
        for g in ("classical", "rock", "electronic", "pop")
    }
    assert blocks == {
        "classical": (1, 100),
        "rock": (101, 200),
        "electronic": (201, 300),
        "pop": (301, 400),
    }
    ones = tables.annotations.groupby("dimension", observed=True)["value"].sum()
    for i, dimension in enumerate(DIMENSIONS[:9]):
        assert ones[dimension] == sum(int(r[2 + i]) for r in rows)
    kinds = {q.kind: q.count for q in quirks.quirks}
    assert kinds["implausible-age"] == sum(1 for r in rows if not 10 <= int(r[14]) <= 90)
    assert kinds["duplicate-row"] == len(rows) - len({tuple(r) for r in rows})
    assert kinds["no-gems-chosen"] == sum(1 for r in rows if sum(map(int, r[2:11])) == 0)
    assert kinds["more-than-three-gems"] == sum(1 for r in rows if sum(map(int, r[2:11])) > 3)
    assert Counter(tables.raters["mother_tongue"])["English"] == sum(
        1 for r in rows if r[16] == "English"
    )
    assert quirks.excluded() == 0
