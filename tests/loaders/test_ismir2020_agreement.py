"""ISMIR 2020 agreement-study loader: synthetic fixture (exact values) and the mirrored real files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from mer_datasets.validate import validate_tables
from tests.conftest import FIXTURES
from tests.fixtures.generators.ismir2020_agreement import EMOTION_COLUMNS

DATASET = "ismir2020-agreement"
FIXTURE = FIXTURES / DATASET
WORDS = {"bitter": "bitterness", "sad": "sadness", "tender": "tenderness"}


def _load(directory: Path):
    return load_from_directory(DATASET, directory)


def _quirk(quirks, kind: str) -> int:
    return sum(q.count for q in quirks.quirks if q.kind == kind)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_fixture_gives_fourteen_judgments_per_row_minus_blank_cells():
    tables, quirks = _load(FIXTURE)
    source = _rows(FIXTURE / "results" / "data_ratings.all.csv")
    assert len(source) == 20
    assert len(tables.annotations) == 20 * 14 - 1
    assert _quirk(quirks, "missing-rating") == 1
    blank = tables.annotations[
        (tables.annotations["rater_id"] == "2") & (tables.annotations["track_id"] == "sad_1")
    ]
    assert "fear" not in set(blank["dimension"].astype(str))
    validate_tables(tables, default_catalog().get(DATASET))


def test_fixture_values_are_the_source_values_under_trompa11_names():
    tables, _ = _load(FIXTURE)
    rows = tables.annotations.set_index("judgment_id")
    for row in _rows(FIXTURE / "results" / "data_ratings.all.csv")[:6]:
        for column in EMOTION_COLUMNS:
            if row[column].strip():
                judgment = f"{row['user']}:{row['excerpt']}:{WORDS.get(column, column)}"
                assert rows.loc[judgment, "value"] == float(row[column])
        pref = rows.loc[f"{row['user']}:{row['excerpt']}:preference"]
        assert pref["value"] == float(row["preference"])
        if row["pref_enc"].strip():
            assert pref["authors_binary"] == float(row["pref_enc"])
        else:
            assert pd.isna(pref["authors_binary"])


def test_raters_carry_constant_gold_msi_scores_and_linked_survey_demographics():
    tables, quirks = _load(FIXTURE)
    raters = tables.raters.set_index("rater_id")
    assert list(raters.index) == ["0", "1", "2", "3", "4"]
    assert raters.loc["3", "survey_language"] == "spanish"
    source = {r["user"]: r for r in _rows(FIXTURE / "results" / "data_ratings.all.csv")}
    assert raters.loc["0", "musical_sophistication"] == float(source["0"]["mus_soph"])
    assert raters.loc["0", "survey_participant"] == "s.0000-user0.txt"
    assert raters.loc["4", "survey_participant"] == "s.0000-user4.txt"
    assert raters.loc["0", "survey_minutes"] == 43
    assert pd.isna(raters.loc["2", "age"])  # no raw survey row for user 2
    assert _quirk(quirks, "rater-without-survey-row") == 1
    assert _quirk(quirks, "incomplete-survey") == 1
    assert _quirk(quirks, "survey-not-in-ratings") == 1
    assert _quirk(quirks, "ragged-row") == 2
    assert _quirk(quirks, "rater-attribute-varies") == 0


def test_excerpts_and_published_labels_come_from_files_quads():
    tables, _ = _load(FIXTURE)
    tracks = tables.tracks.set_index("track_id")
    assert tracks.loc["joy_1", "title"] == "Track 002, Live"  # a comma inside the last field
    assert tracks.loc["joy_1", "fourq_id"] == "MT0000000102"
    labels = tables.labels.set_index(["track_id", "dimension"])["label"]
    assert labels.loc[("sad_1", "emotion")] == "sadness"
    assert labels.loc[("tender_1", "quadrant")] == "Q4"
    assert len(tables.labels) == 8


def test_ratings_without_the_user_column_is_a_parse_error_on_line_one(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    ratings = broken / "results" / "data_ratings.all.csv"
    ratings.write_text(ratings.read_text().replace("user,", "participant,", 1))
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert error.value.line == 1 and error.value.field == "user"
    assert "line 1" in str(error.value)


def test_a_non_numeric_rating_is_a_parse_error_naming_line_and_field(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    ratings = broken / "results" / "data_ratings.all.csv"
    lines = ratings.read_text().split("\n")
    cells = lines[3].split(",")
    cells[2] = "high"  # the anger column
    lines[3] = ",".join(cells)
    ratings.write_text("\n".join(lines))
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert (error.value.line, error.value.field) == (4, "anger")


def test_the_loader_works_without_the_optional_raw_exports(tmp_path):
    bare = tmp_path / DATASET
    shutil.copytree(FIXTURE, bare)
    for name in ("data_english.csv", "data_spanish.csv"):
        (bare / "results" / name).unlink()
    tables, _ = _load(bare)
    assert len(tables.raters) == 5 and "age" not in tables.raters.columns


# -- real data ------------------------------------------------------------------------------------


def test_real_files_load_with_every_row_accounted_for(shared_mirror):
    root = shared_mirror / DATASET
    results = root / "agreement-emotion" / "results"
    source = _rows(results / "data_ratings.all.csv")
    blank = sum(
        1
        for r in source
        for c in [*EMOTION_COLUMNS, "preference", "familiarity", "understanding"]
        if not r[c].strip()
    )
    users = {r["user"] for r in source}

    tables, quirks = _load(root)

    assert len(source) == 2772 and len(users) == 126
    assert len(tables.annotations) == 14 * len(source) - blank
    assert tables.annotations["annotation_id"].nunique() == len(source)
    assert set(tables.raters["rater_id"]) == users
    assert tables.tracks["track_id"].nunique() == 22
    assert _quirk(quirks, "rater-attribute-varies") == 0
    survey_rows = 0
    for language in ("english", "german", "mandarin", "spanish"):
        with (results / f"data_{language}.csv").open(encoding="utf-8", newline="") as handle:
            survey_rows += sum(1 for _ in csv.reader(handle)) - 1
    linked = int(tables.raters["survey_participant"].notna().sum())
    excluded = _quirk(quirks, "incomplete-survey") + _quirk(quirks, "survey-not-in-ratings")
    assert linked + excluded == survey_rows
    assert linked == 126
    validate_tables(tables, default_catalog().get(DATASET))
