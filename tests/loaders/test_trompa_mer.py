"""TROMPA-MER loader: the synthetic fixture (exact values) and the mirrored real exports (counts)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from mer_datasets.validate import validate_tables
from tests.conftest import FIXTURES

DATASET = "trompa-mer"
FIXTURE = FIXTURES / DATASET
DIMENSIONS = ("valence", "arousal", "emotion", "familiarity", "preference")


def _load(directory: Path, version: str | None = None):
    return load_from_directory(DATASET, directory, version=version)


def _quirk(quirks, kind: str) -> int:
    return sum(q.count for q in quirks.quirks if q.kind == kind)


def test_fixture_latest_export_gives_one_judgment_per_answered_field():
    tables, quirks = _load(FIXTURE)
    # 10 records x 5 dimensions, minus the one empty moodValue
    assert len(tables.annotations) == 49
    counts = tables.annotations["dimension"].astype(str).value_counts().to_dict()
    assert counts == {
        "valence": 10,
        "arousal": 10,
        "familiarity": 10,
        "preference": 10,
        "emotion": 9,
    }
    assert _quirk(quirks, "missing-rating") == 1
    validate_tables(tables, default_catalog().get(DATASET))


def test_fixture_values_match_the_source_records():
    tables, _ = _load(FIXTURE)
    source = json.loads((FIXTURE / "data" / "data_20_09_2024.json").read_text())["annotations"]
    first = source[0]
    annotation_id = f"{first['userId']}:{first['externalID']}:{first['timestamp']}"
    rows = tables.annotations.set_index("judgment_id")
    assert rows.loc[f"{annotation_id}:valence", "value"] == float(first["valenceValue"])
    assert rows.loc[f"{annotation_id}:arousal", "value"] == float(first["arousalValue"])
    assert rows.loc[f"{annotation_id}:emotion", "label"] == first["moodValue"]
    assert rows.loc[f"{annotation_id}:preference", "value"] == float(first["favSong"])
    assert rows.loc[f"{annotation_id}:familiarity", "value"] == float(first["knownSong"])
    assert rows.loc[f"{annotation_id}:valence", "timestamp"].timestamp() == int(first["timestamp"])
    assert rows.loc[f"{annotation_id}:valence", "internal_id"] == first["internalID"]


def test_repeated_judgments_are_kept_with_their_own_ids():
    tables, quirks = _load(FIXTURE)
    emotion = tables.annotations[tables.annotations["dimension"] == "emotion"]
    same = emotion[(emotion["rater_id"] == "2001") & (emotion["track_id"] == "FIX0001-0001")]
    assert len(same) == 2 and same["annotation_id"].nunique() == 2
    assert _quirk(quirks, "repeated-judgment") == 1


def test_user_rows_per_other_language_become_one_rater():
    tables, quirks = _load(FIXTURE)
    raters = tables.raters.set_index("rater_id")
    assert raters.loc["2001", "other_languages"] == "en;ca"
    assert raters.loc["2005", "other_languages"] == "es;en;fr"
    assert _quirk(quirks, "user-row-per-other-language") == 3  # 2001: 1 extra row, 2005: 2


def test_empty_demographics_are_missing_not_empty_strings():
    tables, _ = _load(FIXTURE)
    raters = tables.raters.set_index("rater_id")
    assert raters.loc["2003", "mother_language"] is pd_na()
    assert raters.loc["2003", "birth_place"] is pd_na()
    assert raters.loc["2002", "other_languages"] is pd_na()


def pd_na():
    import pandas as pd

    return pd.NA


def test_annotating_user_absent_from_users_is_added_with_missing_attributes():
    tables, quirks = _load(FIXTURE)
    raters = tables.raters.set_index("rater_id")
    assert not raters.loc["2009", "in_users"]
    assert raters.loc["2009", "mother_language"] is pd_na()
    assert _quirk(quirks, "rater-not-in-users") == 1
    assert set(tables.annotations["rater_id"]) <= set(tables.raters["rater_id"])


def test_participant_moods_are_stored_on_the_rater():
    tables, _ = _load(FIXTURE)
    raters = tables.raters.set_index("rater_id")
    assert raters.loc["2001", "participant_mood_count"] == 2
    moods = json.loads(raters.loc["2001", "participant_moods"])
    assert [m["mood"] for m in moods] == ["relaxed", "cheerful"]
    assert moods[0]["free_mood"] == "tranquilo"
    assert raters.loc["2009", "participant_mood_count"] == 1


def test_summary_duplicates_merge_and_the_spotify_quadrant_is_a_label():
    tables, quirks = _load(FIXTURE)
    tracks = tables.tracks.set_index("track_id")
    assert tracks.loc["FIX0001-0002", "selection"] == "spanish;latam"
    assert tracks.loc["FIX0001-0002", "artist"] is pd_na()  # "not found"
    assert tracks.loc["FIX0001-0003", "year_rec"] == "1999"  # padded cell stripped
    assert not tracks.loc["FIX0009-0001", "in_summary"]  # annotated, absent from summary.csv
    labels = tables.labels.set_index("track_id")
    assert labels.loc["FIX0001-0003", "label"] == "Q3"
    assert set(tables.labels["dimension"].astype(str)) == {"spotify_quadrant"}
    assert "Spotify" in labels.loc["FIX0001-0003", "note"]
    assert _quirk(quirks, "duplicate-track-rows") == 1
    assert _quirk(quirks, "track-not-in-summary") == 1


def test_paper_snapshot_version_reads_its_own_export():
    tables, quirks = _load(FIXTURE, version="2022-03-07")
    assert tables.annotations["annotation_id"].nunique() == 7
    assert len(tables.annotations) == 35
    assert quirks.source_row_counts["data/data_07_03_2022.json#annotations"] == 7


def test_summary_without_its_track_column_is_a_parse_error_naming_the_line(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    summary = broken / "data" / "summary.csv"
    summary.write_text(summary.read_text().replace("cdr_track_num", "track_number", 1))
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert error.value.line == 1 and error.value.field == "cdr_track_num"
    assert "line 1" in str(error.value) and "summary.csv" in str(error.value)


def test_annotation_without_user_is_a_parse_error_naming_the_record(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    export = broken / "data" / "data_20_09_2024.json"
    document = json.loads(export.read_text())
    del document["annotations"][3]["userId"]
    export.write_text(json.dumps(document, indent=4))
    with pytest.raises(ParseError, match=r"annotations\[3\]\.userId"):
        _load(broken)


# -- real data ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "export", "records", "annotators", "excerpts"),
    [
        ("2024-09-20", "data_20_09_2024.json", 4779, 196, 693),
        ("2022-03-07", "data_07_03_2022.json", 4721, 181, 691),
    ],
)
def test_real_exports_load_with_every_record_accounted_for(
    shared_mirror, version, export, records, annotators, excerpts
):
    root = shared_mirror / DATASET
    data = root / "vis-mtg-mer" / "data"
    document = json.loads((data / export).read_text(encoding="utf-8"))
    source = document["annotations"]
    assert len(source) == records
    answered = sum(
        1
        for a in source
        for f in ("valenceValue", "arousalValue", "moodValue", "favSong", "knownSong")
        if a[f] not in ("", None)
    )
    with (data / "summary.csv").open(encoding="utf-8", newline="") as handle:
        summary = list(csv.DictReader(handle, delimiter="\t"))
    user_ids = {u["id"] for u in document["users"]}
    annotating = {a["userId"] for a in source}
    mood_users = {m["userId"] for m in document["moods"]}

    tables, quirks = _load(root, version=version)

    assert len(tables.annotations) == answered
    assert len(tables.annotations) + _quirk(quirks, "missing-rating") == 5 * records
    assert tables.annotations["annotation_id"].nunique() == records
    assert tables.annotations["rater_id"].nunique() == annotators
    assert tables.annotations["track_id"].nunique() == excerpts
    assert set(tables.raters["rater_id"]) == user_ids | annotating | mood_users
    assert _quirk(quirks, "rater-not-in-users") == len(annotating - user_ids)
    assert _quirk(quirks, "user-row-per-other-language") == len(document["users"]) - len(user_ids)
    distinct_tracks = {r["cdr_track_num"] for r in summary}
    assert set(tables.tracks["track_id"]) == distinct_tracks | {a["externalID"] for a in source}
    assert _quirk(quirks, "duplicate-track-rows") == len(summary) - len(distinct_tracks)
    pairs = Counter((a["userId"], a["externalID"]) for a in source)
    assert _quirk(quirks, "repeated-judgment") == sum(n - 1 for n in pairs.values())
    assert quirks.source_row_counts["data/summary.csv"] == len(summary) == 1161
    labels = tables.labels.set_index("track_id")["label"]
    for row in summary[:50]:
        assert labels.loc[row["cdr_track_num"]] == f"Q{row['quadrant']}"
    validate_tables(tables, default_catalog().get(DATASET))
