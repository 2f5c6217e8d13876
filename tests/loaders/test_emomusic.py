"""emoMusic loader: synthetic fixture (exact raw formats) and the mirrored real files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import emomusic as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "emomusic"
DATASET = "emomusic"
CURVES = ("arousal_cont_average", "arousal_cont_std", "valence_cont_average", "valence_cont_std")


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.reader(handle) if r]


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_songs_info_gives_tracks_with_padding_stripped_and_splits(loaded):
    tables, quirks = loaded
    tracks = tables.tracks.set_index("track_id")
    assert list(tracks.index) == [str(s) for s in generator.SONGS]
    assert tracks.loc["2", "artist"] == "Artist 002" and tracks.loc["2", "title"] == "Track 002"
    assert tracks["split"].to_dict() == {str(k): v for k, v in generator.SPLITS.items()}
    assert any(q.kind == "padded-values" and q.effect == "repaired" for q in quirks.quirks)


def test_min_sec_bounds_become_seconds_even_when_a_trailing_zero_was_lost(loaded):
    tables, _ = loaded
    tracks = tables.tracks.set_index("track_id")
    raw = {r[0]: r for r in _rows(FIXTURE / "annotations/songs_info.csv")[1:]}
    assert raw["4"][5].strip() == "1.3"  # 1 min 30 s written without its trailing zero
    for song, start in generator.STARTS_S.items():
        assert tracks.loc[str(song), "excerpt_start_s"] == start
        assert tracks.loc[str(song), "excerpt_end_s"] == start + 45


def test_static_and_curve_values_are_the_published_ones(loaded):
    tables, _ = loaded
    labels = tables.labels
    static = _rows(FIXTURE / "annotations/static_annotations.csv")
    row = labels[
        (labels.track_id == "9") & (labels.dimension == "valence") & (labels.statistic == "std")
    ]
    assert row["value"].tolist() == [float(static[3][4])]
    for name in CURVES:
        dimension = f"{name.split('_')[0]}_dynamic"
        statistic = "mean" if name.endswith("average") else "std"
        rows = _rows(FIXTURE / f"annotations/{name}.csv")
        got = labels[(labels.dimension == dimension) & (labels.statistic == statistic)]
        assert (
            len(got)
            == sum(len(r) - 1 for r in rows[1:])
            == len(generator.SONGS) * generator.N_SAMPLES
        )
        first = got[got.track_id == "2"].sort_values("time_s")
        assert first["value"].tolist() == [float(v) for v in rows[1][1:]]
        assert first["time_s"].tolist() == [15.0 + 0.5 * i for i in range(generator.N_SAMPLES)]
    assert tables.raters.empty and tables.annotations.empty


def test_a_missing_split_column_is_a_parse_error_on_line_1(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "annotations/songs_info.csv"
    target.write_text(target.read_text().replace('"Mediaeval 2013 set"', '"set"', 1))
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    assert excinfo.value.line == 1 and excinfo.value.field == "Mediaeval 2013 set"
    assert "songs_info.csv" in str(excinfo.value)


def test_a_curve_row_longer_than_its_header_is_a_parse_error(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "annotations/valence_cont_std.csv"
    lines = target.read_text().split("\n")
    lines[2] += ",0.1"
    target.write_text("\n".join(lines))
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    assert excinfo.value.line == 3


def test_songs_info_with_a_header_only_loads_every_annotated_song_as_a_bare_track(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    target = copy / "annotations/songs_info.csv"
    target.write_text(target.read_text().split("\n", 1)[0] + "\n")
    tables, quirks = load_from_directory(DATASET, copy)
    expected, _ = load_from_directory(DATASET, FIXTURE)
    assert set(tables.tracks["track_id"]) == set(expected.labels["track_id"])
    assert tables.tracks["title"].isna().all()
    assert len(tables.labels) == len(expected.labels)
    [kind] = [q["kind"] for q in quirks.to_records() if q["count"]]
    assert kind == "labels-without-song-info"


@pytest.mark.real_data
def test_real_emomusic_files_give_744_songs_with_61_samples_each(shared_mirror):
    root = shared_mirror / DATASET
    tables, quirks = load_from_directory(DATASET, root)
    info = _rows(root / "annotations/songs_info.csv")
    assert len(tables.tracks) == len(info) - 1 == 744
    assert tables.tracks["split"].value_counts().to_dict() == {
        "development": 619,
        "evaluation": 125,
    }
    assert ((tables.tracks["excerpt_end_s"] - tables.tracks["excerpt_start_s"]) == 45).all()
    static = _rows(root / "annotations/static_annotations.csv")
    assert len(tables.labels[tables.labels.time_s.isna()]) == (len(static) - 1) * 4
    for name in CURVES:
        rows = _rows(root / f"annotations/{name}.csv")
        assert {len(r) - 1 for r in rows} == {61}
        assert quirks.source_row_counts[f"annotations/{name}.csv"] == 744
    assert len(tables.labels[tables.labels.time_s.notna()]) == 4 * 744 * 61
    means = tables.labels[(tables.labels.statistic == "mean") & tables.labels.time_s.notna()]
    assert means["value"].between(-1, 1).all()
    assert quirks.excluded() == 0
