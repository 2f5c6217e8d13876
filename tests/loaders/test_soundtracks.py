"""Film soundtracks loader: synthetic fixture (BOM + CRLF, two header styles) and the OSF copies."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import soundtracks as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "soundtracks"
DATASET = "soundtracks"


def _entry() -> dict:
    """A mutable copy of the dataset's entry in the packaged catalog.yaml."""
    import copy

    from mer_datasets.catalog import read_document
    from mer_datasets.resources import catalog_path

    entries = read_document(catalog_path())["datasets"]
    return copy.deepcopy(next(e for e in entries if e["id"] == DATASET))


def _records(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_the_ratings_files_keep_the_bom_and_crlf_of_the_osf_copies():
    raw = (FIXTURE / "mean_ratings_set2.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfNumber,") and b"\r\n" in raw


def test_tracks_have_set_prefixed_ids_times_and_set1_links(loaded):
    tables, quirks = loaded
    tracks = tables.tracks.set_index("track_id")
    assert list(tracks.index) == [f"set1-{i:03d}" for i in range(1, 5)] + [
        f"set2-{i:03d}" for i in range(1, 5)
    ]
    listed = _records(FIXTURE / "set1_tracklist.csv")[0]
    start, end = listed["Min:Sec"].split("-")
    minutes, seconds = start.split(":")
    assert tracks.loc["set1-001", "excerpt_start_s"] == 60 * int(minutes) + int(seconds)
    assert tracks.loc["set1-001", "album"] == listed["Album name"]
    assert pd.isna(tracks.loc[generator.BAD_TIME_TRACK, "excerpt_start_s"])
    assert tracks.loc["set2-002", "set1_track_id"] == "set1-001"
    assert tracks.loc["set2-001", "soundtrack"] == "Album 01"
    assert any(q.kind == "unreadable-excerpt-time" and q.count == 1 for q in quirks.quirks)


def test_means_and_targets_are_labels_as_published(loaded):
    tables, quirks = loaded
    labels = tables.labels
    assert len(labels) == (4 * 8 - 1 + 4) + (4 * 10 + 4)
    set2 = _records(FIXTURE / "mean_ratings_set2.csv")
    indexed = labels.set_index(["track_id", "dimension", "statistic"])
    assert indexed.loc[("set2-003", "liking", "mean"), "value"] == float(set2[2]["Liking"])
    assert indexed.loc[("set2-003", "target", "label"), "label"] == set2[2]["TARGET"]
    assert ("set1-003", "fear", "mean") not in indexed.index
    assert any(q.kind == "empty-rating" and q.count == 1 for q in quirks.quirks)
    assert tables.raters.empty and tables.annotations.empty


def test_known_repeats_from_the_catalog_options_are_kept_and_marked(tmp_path):
    from mer_datasets.catalog import catalog_from_entries

    entry = _entry()
    entry["versions"][0]["options"]["same_excerpt"] = [["set2-002", "set2-004"]]
    tables, quirks = load_from_directory(DATASET, FIXTURE, catalog=catalog_from_entries([entry]))
    tracks = tables.tracks.set_index("track_id")
    assert tracks.loc["set2-002", "same_excerpt_as"] == "set2-004"
    assert tracks.loc["set2-004", "same_excerpt_as"] == "set2-002"
    assert any(
        q.kind == "same-excerpt" and q.count == 2 and q.effect == "kept" for q in quirks.quirks
    )


def test_bom_less_lf_copies_load_the_same_labels(tmp_path, loaded):
    folder = tmp_path / "lf"
    shutil.copytree(FIXTURE, folder)
    for path in folder.glob("mean_ratings_*.csv"):
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        path.write_bytes(text.encode("utf-8"))
    tables, _ = load_from_directory(DATASET, folder)
    pd.testing.assert_frame_equal(tables.labels, loaded[0].labels)


def test_a_missing_set2_column_is_a_parse_error_on_line_1(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(FIXTURE, folder)
    path = folder / "mean_ratings_set2.csv"
    path.write_bytes(path.read_bytes().replace(b",Liking,", b",Likes,", 1))
    with pytest.raises(ParseError, match="liking") as info:
        load_from_directory(DATASET, folder)
    assert info.value.line == 1 and info.value.file == "mean_ratings_set2.csv"


def test_a_non_numeric_mean_names_its_line(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(FIXTURE, folder)
    path = folder / "mean_ratings_set1.csv"
    lines = path.read_bytes().split(b"\r\n")
    cells = lines[2].split(b",")  # physical line 3: excerpt 002
    cells[1] = b"high"
    lines[2] = b",".join(cells)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ParseError, match="high") as info:
        load_from_directory(DATASET, folder)
    assert info.value.line == 3 and info.value.field == "valence"


def test_a_field_over_the_csv_size_limit_is_a_parse_error_naming_its_line(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(FIXTURE, folder)
    path = folder / "set1_tracklist.csv"
    lines = path.read_bytes().split(b"\n")  # the track lists have LF line ends
    lines[2] = lines[2] + b"," + b"9" * 200_000  # physical line 3
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(ParseError, match="field limit") as info:
        load_from_directory(DATASET, folder)
    assert info.value.file == "set1_tracklist.csv" and info.value.line == 3


@pytest.mark.real_data
def test_the_mirrored_osf_files_load_completely(shared_mirror):
    from mer_datasets.validate import validate_tables

    catalog = default_catalog()
    folder = shared_mirror / "soundtracks"
    tables, quirks = load_from_directory(DATASET, folder, catalog=catalog)
    validate_tables(tables, catalog.get(DATASET))
    set1 = _records(folder / "osf-p6vkg" / "mean_ratings_set1.csv")
    set2 = _records(folder / "osf-p6vkg" / "mean_ratings_set2.csv")
    assert (len(set1), len(set2)) == (360, 110)
    assert len(tables.tracks) == 470
    assert len(tables.labels) == len(set1) * 9 + len(set2) * 11 == 4450
    means = tables.labels[tables.labels.statistic == "mean"].set_index(["track_id", "dimension"])
    assert means.loc[("set1-360", "tender"), "value"] == float(set1[-1]["tender"])
    assert means.loc[("set2-110", "beauty"), "value"] == float(set2[-1]["Beauty"])
    tracks = tables.tracks.set_index("track_id")
    assert tracks.loc["set2-010", "same_excerpt_as"] == "set2-095"
    assert tracks.loc["set2-001", "set1_track_id"] == f"set1-{int(set2[0]['link']):03d}"
    assert quirks.excluded() == 0
    assert quirks.source_row_counts == {
        "mean_ratings_set1.csv": 360,
        "mean_ratings_set2.csv": 110,
        "set1_tracklist.csv": 360,
        "set2_tracklist.csv": 110,
    }
