"""4QAED loader: synthetic fixture (exact raw formats) and the mirrored real files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import ds_4qaed as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "4qaed"
FOLDER = FIXTURE / "MER_audio_taffc_dataset"
DATASET = "4qaed"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.reader(handle) if r]


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_fixture_files_have_the_raw_format_traps():
    assert b"\r\n" in (FOLDER / "panda_dataset_taffc_annotations.csv").read_bytes()
    assert (FOLDER / "panda_dataset_taffc_metadata.csv").read_bytes().startswith(b'"Song","Artist"')
    assert b"\x93" in (FOLDER / "readme.txt").read_bytes()  # cp1252 curly quote


def test_each_song_gets_its_quadrant_as_a_label(loaded):
    tables, _ = loaded
    expected = dict(generator.songs())
    labels = tables.labels
    assert dict(zip(labels["track_id"], labels["label"])) == expected
    assert set(labels["dimension"]) == {"quadrant"} and set(labels["statistic"]) == {"label"}
    assert labels["value"].isna().all()


def test_metadata_lists_are_kept_as_published_strings(loaded):
    tables, _ = loaded
    raw = {r[0]: r for r in _rows(FOLDER / "panda_dataset_taffc_metadata.csv")[1:]}
    tracks = tables.tracks.set_index("track_id")
    for song, row in raw.items():
        assert tracks.loc[song, "allmusic_moods"] == row[8]
        assert tracks.loc[song, "genre"] == row[11]
        assert tracks.loc[song, "pquad"] == float(row[4])
        assert tracks.loc[song, "moods_total"] == int(row[5])
        assert len(tracks.loc[song, "allmusic_moods"].split("; ")) == int(row[5])


def test_an_empty_artist_is_missing_and_reported(loaded):
    tables, quirks = loaded
    song = generator.songs()[generator.EMPTY_ARTIST_INDEX][0]
    assert tables.tracks.set_index("track_id")["artist"].isna().to_dict()[song]
    assert [q.count for q in quirks.quirks if q.kind == "empty-artist"] == [1]


def test_audio_path_is_set_only_for_audio_that_exists(loaded):
    tables, _ = loaded
    song, quadrant = generator.songs()[generator.AUDIO_PRESENT_INDEX]
    paths = tables.tracks.set_index("track_id")["audio_path"]
    assert paths.notna().sum() == 1
    assert Path(paths[song]) == FOLDER / quadrant / f"{song}.mp3"


def test_a_metadata_quadrant_that_disagrees_is_reported_not_used(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "MER_audio_taffc_dataset/panda_dataset_taffc_metadata.csv"
    song, quadrant = generator.songs()[0]
    other = "Q2" if quadrant != "Q2" else "Q3"
    lines = target.read_bytes().decode().split("\r\n")
    assert lines[1].startswith(f'"{song}",')  # the first data row is the first generated song
    lines[1] = lines[1].replace(f'"{quadrant}"', f'"{other}"', 1)
    target.write_bytes("\r\n".join(lines).encode())
    tables, quirks = load_from_directory(DATASET, copy)
    assert dict(zip(tables.labels.track_id, tables.labels.label))[song] == quadrant
    assert [q.count for q in quirks.quirks if q.kind == "quadrant-disagreement"] == [1]


def test_a_missing_quadrant_column_is_a_parse_error_on_line_1(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "MER_audio_taffc_dataset/panda_dataset_taffc_annotations.csv"
    target.write_bytes(target.read_bytes().replace(b"Song,Quadrant", b"Song,Quad", 1))
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    assert excinfo.value.line == 1 and excinfo.value.field == "Quadrant"


def test_an_unknown_quadrant_is_a_parse_error_with_its_line(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "MER_audio_taffc_dataset/panda_dataset_taffc_annotations.csv"
    lines = target.read_bytes().split(b"\r\n")
    lines[2] = lines[2].rsplit(b",", 1)[0] + b",Q5"
    target.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    assert excinfo.value.line == 3


@pytest.mark.real_data
def test_real_4qaed_files_give_900_songs_225_per_quadrant(shared_mirror):
    root = shared_mirror / DATASET
    tables, quirks = load_from_directory(DATASET, root)
    annotations = _rows(root / "MER_audio_taffc_dataset/panda_dataset_taffc_annotations.csv")
    metadata = _rows(root / "MER_audio_taffc_dataset/panda_dataset_taffc_metadata.csv")
    assert (
        len(annotations) - 1 == len(metadata) - 1 == len(tables.tracks) == len(tables.labels) == 900
    )
    assert tables.labels["label"].value_counts().to_dict() == {
        q: 225 for q in ("Q1", "Q2", "Q3", "Q4")
    }
    assert dict(zip(tables.labels.track_id, tables.labels.label)) == {
        r[0]: r[1] for r in annotations[1:]
    }
    assert not [q for q in quirks.quirks if q.kind == "quadrant-disagreement"]
    empty_artists = sum(1 for r in metadata[1:] if not r[1].strip())
    assert tables.tracks["artist"].isna().sum() == empty_artists
    assert tables.tracks["pquad"].between(0.5, 1.0).all()
    assert tables.tracks["audio_path"].isna().all()
