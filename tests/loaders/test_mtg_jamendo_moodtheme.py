"""MTG-Jamendo mood/theme loader: synthetic fixture (ragged TSV, CRLF) and the official files."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import mtg_jamendo_moodtheme as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "mtg-jamendo-moodtheme"
DATASET = "mtg-jamendo-moodtheme"
MAIN = "data/autotagging_moodtheme.tsv"


def _tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [line.rstrip("\r\n").split("\t") for line in handle][1:]


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_every_tag_of_the_main_file_is_one_label_without_its_prefix(loaded):
    tables, _ = loaded
    expected = {(t, tag) for t, v in generator.TRACKS.items() for tag in v[4]}
    labels = tables.labels
    assert set(zip(labels["track_id"], labels["label"], strict=True)) == expected
    assert len(labels) == len(expected)
    assert set(labels["dimension"]) == {"mood_theme"} and set(labels["statistic"]) == {"tag"}
    assert labels["value"].isna().all()


def test_tracks_carry_duration_ids_split_and_local_audio(loaded):
    tables, _ = loaded
    tracks = tables.tracks.set_index("track_id")
    assert list(tracks.index) == list(generator.TRACKS)
    assert tracks.loc["track_0000201", "duration_s"] == 95.0
    assert tracks.loc["track_0000201", "artist_id"] == "artist_000001"
    splits = {k: (None if pd.isna(v) else v) for k, v in tracks["split"].items()}
    assert splits == {t: generator.SPLITS.get(t) for t in generator.TRACKS}
    assert tracks.loc["track_0000100", "audio_path"] == str(FIXTURE / generator.AUDIO)
    assert tracks["audio_path"].notna().sum() == 1
    assert tables.raters.empty and tables.annotations.empty


def test_split_gaps_and_unknown_tags_are_reported(loaded):
    _, quirks = loaded
    kinds = {q.kind: q.count for q in quirks.quirks}
    assert kinds == {"track-not-in-split": 1, "split-tags-differ": 1, "tag-not-in-tag-list": 1}
    assert quirks.source_row_counts[MAIN] == len(generator.TRACKS)
    assert quirks.excluded() == 0


def test_a_cell_without_the_tag_prefix_names_its_line(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(FIXTURE, folder)
    path = folder / MAIN
    path.write_bytes(path.read_bytes().replace(b"mood/theme---calm", b"genre---calm"))
    with pytest.raises(ParseError, match="genre---calm") as info:
        load_from_directory(DATASET, folder)
    assert info.value.line == 4 and info.value.field == "TAGS"


def test_a_wrong_header_is_a_parse_error_on_line_1(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(FIXTURE, folder)
    path = folder / MAIN
    path.write_bytes(path.read_bytes().replace(b"DURATION", b"LENGTH", 1))
    with pytest.raises(ParseError, match="DURATION") as info:
        load_from_directory(DATASET, folder)
    assert info.value.line == 1 and info.value.field == "DURATION"


def test_a_byte_that_is_not_utf8_names_its_line(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(FIXTURE, folder)
    path = folder / MAIN
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"mood/theme---", b"mood/theme---\xe9", 1)
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(ParseError, match="not UTF-8") as info:
        load_from_directory(DATASET, folder)
    assert info.value.file == MAIN and info.value.line == 3


@pytest.mark.real_data
def test_the_official_metadata_loads_completely(shared_mirror):
    from mer_datasets.validate import validate_tables

    catalog = default_catalog()
    folder = shared_mirror / DATASET
    tables, quirks = load_from_directory(DATASET, folder, catalog=catalog)
    validate_tables(tables, catalog.get(DATASET))
    data = folder / "mtg-jamendo-dataset" / "data"
    rows = _tsv(data / "autotagging_moodtheme.tsv")
    assert len(rows) == len(tables.tracks) == 18486
    pairs = Counter(tag.split("---", 1)[1] for r in rows for tag in r[5:])
    assert len(tables.labels) == sum(pairs.values()) == 32527
    assert Counter(tables.labels["label"]) == pairs and len(pairs) == 59
    split_sizes = {
        s: len(_tsv(data / "splits" / "split-0" / f"autotagging_moodtheme-{s}.tsv"))
        for s in ("train", "validation", "test")
    }
    counted = tables.tracks["split"].value_counts().to_dict()
    assert counted == split_sizes == {"train": 9949, "validation": 3802, "test": 4231}
    kinds = {q.kind: q.count for q in quirks.quirks}
    assert kinds["track-not-in-split"] == 18486 - sum(split_sizes.values()) == 504
    assert quirks.excluded() == 0
