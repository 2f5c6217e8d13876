"""DEAP loader: synthetic fixture (exact raw formats, both header styles) and the mirrored files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import deap as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "deap"
DATASET = "deap"
LAB = "metadata_csv/participant_ratings.csv"


def _records(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _copy_fixture(tmp_path: Path) -> Path:
    target = tmp_path / "deap"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_the_fixture_keeps_the_resaved_format_of_participant_ratings():
    raw = (FIXTURE / LAB).read_bytes()
    assert raw.startswith(b"Participant_id,") and b"\r\n" in raw and not raw.endswith(b"\n")


def test_videos_are_tracks_keyed_by_online_id_with_the_experiment_id_kept(loaded):
    tables, _ = loaded
    tracks = tables.tracks.set_index("track_id")
    assert list(tracks.index) == [str(v) for v in generator.VIDEOS]
    expected = {str(o): (None if e is None else str(e)) for o, e in generator.VIDEOS.items()}
    got = {k: (None if pd.isna(v) else v) for k, v in tracks["experiment_id"].items()}
    assert got == expected
    assert tracks.loc["3", "title"] == "Track 003" and tracks.loc["3", "artist"] == "Artist 003"
    assert (tracks["excerpt_end_s"] - tracks["excerpt_start_s"] == 60).all()


def test_lab_ratings_become_judgments_on_the_mapped_video(loaded):
    tables, _ = loaded
    lab = tables.annotations[tables.annotations["setting"] == "lab"]
    experiment_to_online = {str(e): str(o) for o, e in generator.VIDEOS.items() if e}
    rows = _records(FIXTURE / LAB)
    expected_judgments = sum(5 if r["Familiarity"] else 4 for r in rows)
    assert len(lab) == expected_judgments == 9 * 5 - 3
    for line, row in enumerate(rows, start=2):
        mine = lab[lab["source_line"] == line].set_index("dimension")
        assert set(mine["track_id"]) == {experiment_to_online[row["Experiment_id"]]}
        assert set(mine["rater_id"]) == {f"s{int(row['Participant_id']):02d}"}
        assert mine.loc["valence", "value"] == float(row["Valence"])
        assert mine.loc["liking", "value"] == float(row["Liking"])
        assert ("familiarity" in mine.index) == bool(row["Familiarity"])
        assert mine["trial"].iloc[0] == int(row["Trial"])


def test_online_rows_are_one_rater_each_with_five_judgments(loaded):
    tables, quirks = loaded
    online = tables.annotations[tables.annotations["setting"] == "online"]
    rows = _records(FIXTURE / "metadata_csv" / "online_ratings.csv")
    assert len(online) == 5 * len(rows) == 5 * sum(generator.ONLINE_PER_VIDEO.values())
    assert online["rater_id"].nunique() == len(rows)
    first = online[online["source_line"] == 2].set_index("dimension")
    assert first.loc["wheel_slice", "label"] == rows[0]["Wheel_slice"]
    assert pd.isna(first.loc["wheel_slice", "value"])
    assert first.loc["arousal", "value"] == float(rows[0]["Arousal"])
    assert first["rater_id"].iloc[0] == "online-row-2"
    assert any(q.kind == "no-rater-id" and q.count == len(rows) for q in quirks.quirks)


def test_raters_join_questionnaire_and_ratings_ids(loaded):
    tables, quirks = loaded
    raters = tables.raters.set_index("rater_id")
    assert set(tables.annotations["rater_id"]) <= set(raters.index)
    assert raters.loc["s01", "alcohol_consumption"] == "Rar\nely"  # embedded newline kept
    assert raters.loc["s01", "vision_aid"] == "None"  # an answer, not missing
    assert pd.isna(raters.loc["s02", "alcohol_consumption"])
    assert raters.loc["s02", "head_circumference_cm"] == 58.5
    assert raters.loc["s02", "normal_hours_of_sleep"] == "6-8"
    assert raters.loc["s03", "setting"] == "lab" and pd.isna(raters.loc["s03", "age"])
    kinds = {q.kind: q for q in quirks.quirks}
    assert kinds["rater-without-questionnaire"].count == 1
    assert kinds["missing-familiarity"].count == 3
    assert kinds["missing-familiarity"].examples == ("s02",)


def test_video_list_statistics_are_published_labels(loaded):
    tables, _ = loaded
    labels = tables.labels
    assert len(labels) == len(generator.VIDEOS) * (15 + 2)
    videos = {r["Online_id"]: r for r in _records(FIXTURE / "metadata_csv" / "video_list.csv")}
    indexed = labels.set_index(["track_id", "dimension", "statistic"])
    assert indexed.loc[("4", "arousal", "median"), "value"] == float(videos["4"]["Q2_Arousal"])
    assert indexed.loc[("4", "arousal", "std"), "value"] == float(videos["4"]["STD_Arousal"])
    assert indexed.loc[("6", "vaq_online", "label"), "label"] == videos["6"]["VAQ_Online"]


def test_every_source_row_is_counted(loaded):
    _, quirks = loaded
    assert quirks.source_row_counts == {
        "metadata_csv/video_list.csv": 6,
        "metadata_csv/online_ratings.csv": 12,
        LAB: 9,
        "metadata_csv/participant_questionnaire.csv": 2,
    }
    assert quirks.excluded() == 0


def test_the_quoted_lf_header_style_loads_the_same_judgments(tmp_path, loaded):
    folder = _copy_fixture(tmp_path)
    path = folder / LAB
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    header = ",".join(f'"{name}"' for name in lines[0].split(","))
    path.write_bytes(("\n".join([header, *lines[1:]]) + "\n").encode("utf-8"))
    tables, _ = load_from_directory(DATASET, folder)
    columns = ["judgment_id", "track_id", "rater_id", "value"]
    pd.testing.assert_frame_equal(tables.annotations[columns], loaded[0].annotations[columns])


def test_a_header_renamed_copy_is_rejected_naming_the_renamed_columns(tmp_path):
    folder = _copy_fixture(tmp_path)
    path = folder / LAB
    text = path.read_bytes().decode("utf-8")
    text = text.replace("Participant_id", '"participant"', 1).replace("Experiment_id", '"video"', 1)
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(ParseError, match="renamed") as info:
        load_from_directory(DATASET, folder)
    assert "'participant' (official 'Participant_id')" in str(info.value)
    assert info.value.line == 1 and info.value.file == LAB


def test_a_missing_required_column_is_a_parse_error_on_line_1(tmp_path):
    folder = _copy_fixture(tmp_path)
    path = folder / "metadata_csv" / "online_ratings.csv"
    path.write_bytes(path.read_bytes().replace(b'"Dominance"', b'"Dom"'))
    with pytest.raises(ParseError, match="Dominance") as info:
        load_from_directory(DATASET, folder)
    assert info.value.line == 1 and info.value.field == "Dominance"


def test_a_non_numeric_rating_names_its_physical_line(tmp_path):
    folder = _copy_fixture(tmp_path)
    path = folder / LAB
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    cells = lines[3].split(",")
    cells[4] = "high"
    lines[3] = ",".join(cells)
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    with pytest.raises(ParseError) as info:
        load_from_directory(DATASET, folder)
    assert info.value.line == 4 and info.value.field == "Valence"


def test_a_byte_that_is_not_utf8_names_its_physical_line(tmp_path):
    folder = _copy_fixture(tmp_path)
    path = folder / LAB
    lines = path.read_bytes().split(b"\r\n")
    lines[3] = lines[3] + b"\xff"
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ParseError, match="not UTF-8") as info:
        load_from_directory(DATASET, folder)
    assert info.value.file == LAB and info.value.line == 4


def test_a_video_list_with_only_its_header_is_a_parse_error(tmp_path):
    folder = _copy_fixture(tmp_path)
    path = folder / "metadata_csv" / "video_list.csv"
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])
    with pytest.raises(ParseError, match="no video rows") as info:
        load_from_directory(DATASET, folder)
    assert info.value.file == "metadata_csv/video_list.csv" and info.value.line == 2


@pytest.mark.real_data
def test_the_mirrored_metadata_loads_completely(shared_mirror):
    from mer_datasets.validate import validate_tables

    folder = shared_mirror / "deap"
    catalog = default_catalog()
    tables, quirks = load_from_directory(DATASET, folder, catalog=catalog)
    validate_tables(tables, catalog.get(DATASET))
    lab = _records(folder / LAB)
    online = _records(folder / "metadata_csv" / "online_ratings.csv")
    videos = _records(folder / "metadata_csv" / "video_list.csv")
    empty_familiarity = sum(1 for r in lab if r["Familiarity"] == "")
    assert (len(lab), len(online), len(videos), empty_familiarity) == (1280, 1778, 120, 120)
    assert len(tables.annotations) == 5 * len(lab) - empty_familiarity + 5 * len(online) == 15170
    assert len(tables.tracks) == 120 and len(tables.labels) == 120 * 17
    assert len(tables.raters) == 32 + 1778
    assert sorted(tables.raters.loc[tables.raters.setting == "lab", "rater_id"]) == [
        f"s{i:02d}" for i in range(1, 33)
    ]
    # the published mean equals the mean of the online ratings (to the 4 published decimals)
    valence = tables.annotations[
        (tables.annotations.setting == "online") & (tables.annotations.dimension == "valence")
    ]
    means = valence.groupby("track_id")["value"].mean()
    published = {r["Online_id"]: float(r["AVG_Valence"]) for r in videos}
    assert max(abs(means[k] - v) for k, v in published.items()) < 1e-4
    assert quirks.excluded() == 0
    kinds = {q.kind: q.count for q in quirks.quirks}
    assert kinds["missing-familiarity"] == 120


def test_the_derived_header_renamed_mirror_copy_is_rejected(shared_mirror, tmp_path):
    folder = _copy_fixture(tmp_path)
    shutil.copy(
        shared_mirror / "deap" / "derived" / "valadhi-header-renamed" / "participant_ratings.csv",
        folder / LAB,
    )
    with pytest.raises(ParseError, match="derived copy"):
        load_from_directory(DATASET, folder)
