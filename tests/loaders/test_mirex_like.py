"""MIREX-like loader: synthetic fixture (exact raw formats) and the mirrored real files."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import mirex_like as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "mirex-like"
FOLDER = FIXTURE / "MIREX-like_mood" / "dataset"
DATASET = "mirex-like"


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_the_info_fixture_is_utf16_with_bom_crlf_and_a_trailing_separator():
    raw = (FOLDER / "dataset info.csv").read_bytes()
    assert raw.startswith(b"\xff\xfe")
    text = raw[2:].decode("utf-16-le")
    assert text.startswith("Title;Artist;") and text.split("\r\n")[0].endswith("Filename;")


def test_line_i_of_the_label_files_labels_track_nnn(loaded):
    tables, _ = loaded
    labels = tables.labels
    expected = generator.labels()
    clusters = labels[labels.dimension == "cluster"].set_index("track_id")["label"].to_dict()
    categories = labels[labels.dimension == "category"].set_index("track_id")["label"].to_dict()
    assert clusters == {f"{i:03d}": str(c) for i, (c, _) in enumerate(expected, start=1)}
    assert categories == {f"{i:03d}": k for i, (_, k) in enumerate(expected, start=1)}
    assert set(labels["statistic"]) == {"label"}


def test_a_title_with_an_unquoted_semicolon_is_repaired(loaded):
    tables, quirks = loaded
    tracks = tables.tracks.set_index("track_id")
    number = f"{generator.SEMICOLON_TITLE_TRACK:03d}"
    assert tracks.loc[number, "title"] == f"Track {number}; Part Two"
    assert tracks.loc[number, "artist"] == f'Artist, {number} "Nick"'
    assert tracks.loc[number, "file_name"] == f"{number}.mp3"
    repaired = [q for q in quirks.quirks if q.kind == "unquoted-separator-in-title"]
    assert repaired[0].count == 1 and repaired[0].effect == "repaired"


def test_empty_tag_fields_are_missing_and_lengths_are_seconds(loaded):
    tables, quirks = loaded
    tracks = tables.tracks.set_index("track_id")
    number = f"{generator.EMPTY_TAGS_TRACK:03d}"
    assert (
        tracks.loc[[number], ["title", "artist", "album", "year", "track_number"]]
        .isna()
        .all(axis=None)
    )
    text = (FOLDER / "dataset info.csv").read_bytes()[2:].decode("utf-16-le")
    lengths = [line.split(";")[-5] for line in text.split("\r\n")[1:] if line]
    assert tracks["duration_s"].tolist() == [float(x) for x in lengths]
    assert {q.kind for q in quirks.quirks} >= {
        "empty-title",
        "empty-artist",
        "empty-album",
        "empty-year",
    }


def test_a_missing_filename_column_is_a_parse_error_on_line_1(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "MIREX-like_mood/dataset/dataset info.csv"
    text = target.read_bytes()[2:].decode("utf-16-le").replace("Filename;", "File;", 1)
    target.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    assert excinfo.value.line == 1 and excinfo.value.field == "Filename"


def test_an_unknown_cluster_is_a_parse_error_with_its_line(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "MIREX-like_mood/dataset/clusters.txt"
    lines = target.read_text().split("\n")
    lines[3] = "Cluster 9"
    target.write_text("\n".join(lines))
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    assert excinfo.value.line == 4 and "clusters.txt" in str(excinfo.value)


@pytest.mark.real_data
def test_real_mirex_like_files_give_903_clips_in_five_clusters(shared_mirror):
    root = shared_mirror / DATASET
    tables, quirks = load_from_directory(DATASET, root)
    folder = root / "MIREX-like_mood/dataset"
    clusters = (folder / "clusters.txt").read_text().splitlines()
    categories = (folder / "categories.txt").read_text().splitlines()
    assert len(clusters) == len(categories) == len(tables.tracks) == 903
    got = tables.labels[tables.labels.dimension == "cluster"]["label"].value_counts().to_dict()
    assert got == {c.split()[-1]: n for c, n in Counter(clusters).items()}
    assert got == {"1": 170, "2": 164, "3": 215, "4": 191, "5": 163}
    got_categories = (
        tables.labels[tables.labels.dimension == "category"]["label"].value_counts().to_dict()
    )
    assert got_categories == dict(Counter(categories))
    declared = default_catalog().get(DATASET).dimension("category").categories
    assert set(got_categories) == set(declared)
    text = (folder / "dataset info.csv").read_bytes().decode("utf-16")
    rows = [line for line in text.split("\r\n")[1:] if line]
    assert len(rows) == 903 and sum(line.count(";") != 9 for line in rows) == 1
    assert tables.tracks.set_index("track_id").loc["782", "file_name"] == "782.mp3"
    assert [q.count for q in quirks.quirks if q.kind == "unquoted-separator-in-title"] == [1]
    assert quirks.source_row_counts == {
        "dataset/clusters.txt": 903,
        "dataset/categories.txt": 903,
        "dataset/dataset info.csv": 903,
    }
