"""DEAM loader: synthetic fixture (exact raw formats) and the mirrored real files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.agreement.continuous import continuous_alpha
from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from tests.fixtures.generators import deam as generator

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "deam"
ANN = FIXTURE / "DEAM_Annotations" / "annotations"
AVERAGED = ANN / "annotations averaged per song"
PER_RATER = ANN / "annotations per each rater"
DATASET = "deam"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.reader(handle, skipinitialspace=True) if r]


def _nonempty_cells(path: Path) -> int:
    return sum(1 for row in _rows(path)[1:] for cell in row[1:] if cell.strip())


@pytest.fixture(scope="module")
def loaded():
    return load_from_directory(DATASET, FIXTURE)


def test_the_committed_fixture_is_what_the_generator_writes(tmp_path):
    generator.generate(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(FIXTURE) for p in FIXTURE.rglob("*") if p.is_file())
    assert written == committed
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (FIXTURE / rel).read_bytes(), rel


def test_static_averages_become_one_label_per_song_and_statistic(loaded):
    tables, _ = loaded
    static = tables.labels[tables.labels["time_s"].isna()]
    expected = _nonempty_cells(AVERAGED / "song_level/static_annotations_averaged_songs_1_2000.csv")
    expected += _nonempty_cells(
        AVERAGED / "song_level/static_annotations_averaged_songs_2000_2058.csv"
    )
    assert len(static) == expected == 5 * 4 + 2 * 12
    assert set(static["statistic"]) == {"mean", "std", "max_mean", "max_std", "min_mean", "min_std"}


def test_the_malformed_valence_max_mean_column_is_repaired_and_reported(loaded):
    tables, quirks = loaded
    raw = _rows(AVERAGED / "song_level/static_annotations_averaged_songs_2000_2058.csv")
    assert raw[0][3] == "valence_ max_mean"
    labels = tables.labels
    row = labels[
        (labels.track_id == "2001")
        & (labels.dimension == "valence")
        & (labels.statistic == "max_mean")
    ]
    assert row["value"].tolist() == [float(raw[1][3])]
    kinds = {q.kind: q for q in quirks.quirks}
    assert kinds["malformed-column-name"].effect == "repaired"
    assert kinds["malformed-column-name"].examples == ("valence_ max_mean",)


def test_dynamic_curves_keep_ragged_rows_without_padding(loaded):
    tables, quirks = loaded
    dynamic = tables.labels[tables.labels["time_s"].notna()]
    arousal = dynamic[dynamic.dimension == "arousal_dynamic"]
    per_song = arousal.groupby("track_id").size().to_dict()
    assert per_song == {
        str(s): generator.FULL_SAMPLES.get(s, generator.EXCERPT_SAMPLES)
        for s in (*generator.EXCERPT_SONGS, *generator.FULL_SONGS)
    }
    full = arousal[arousal.track_id == "2001"].sort_values("time_s")
    assert full["time_s"].tolist() == [15.0 + 0.5 * i for i in range(10)]
    assert set(dynamic["statistic"]) == {"mean"}
    ragged = [q for q in quirks.quirks if q.kind == "ragged-rows"]
    assert [q.count for q in ragged] == [6, 6]  # 5 excerpts + song 2002, in each file


def test_an_empty_curve_cell_is_excluded_and_counted(loaded):
    tables, quirks = loaded
    path = AVERAGED / "dynamic (per second annotations)/valence.csv"
    valence = tables.labels[tables.labels.dimension == "valence_dynamic"]
    assert len(valence) == _nonempty_cells(path)
    song, index = generator.EMPTY_VALENCE_CELL
    assert 15.0 + 0.5 * index not in valence[valence.track_id == str(song)]["time_s"].tolist()
    empty = [q for q in quirks.quirks if q.kind == "empty-sample" and q.file.endswith(".csv")]
    assert len(empty) == 1 and empty[0].count == 1 and empty[0].effect == "excluded"


def test_per_rater_static_files_give_one_judgment_per_rating(loaded):
    tables, quirks = loaded
    ann = tables.annotations
    static = ann[ann["time_s"].isna()]
    first = _rows(PER_RATER / "song_level/static_annotations_songs_1_2000.csv")
    second = _rows(PER_RATER / "song_level/static_annotations_songs_2000_2058.csv")
    ratings = sum(1 for r in first[1:] for c in r[2:4] if c.strip()) + 2 * (len(second) - 1)
    assert len(static) == ratings
    missing = [q for q in quirks.quirks if q.kind == "missing-rating"]
    assert missing[0].count == 1 and missing[0].effect == "excluded"
    repeated = [q for q in quirks.quirks if q.kind == "repeated-judgment"]
    assert repeated[0].count == 2 and repeated[0].effect == "kept"  # valence and arousal
    song_2001 = static[
        (static.track_id == "2001") & (static.rater_id == "w01") & (static.dimension == "arousal")
    ]
    assert song_2001["value"].tolist() == [float(second[1][2])]
    assert song_2001["rater_max"].tolist() == [float(second[1][4])]
    assert ann["judgment_id"].is_unique


def test_per_rater_dynamic_rows_without_worker_id_get_file_scoped_raters(loaded):
    tables, quirks = loaded
    dynamic = tables.annotations[tables.annotations["time_s"].notna()]
    cells = sum(
        _nonempty_cells_all(p)
        for p in (PER_RATER / "dynamic (per second annotations)").rglob("*.csv")
    )
    assert len(dynamic) == cells
    assert set(dynamic[dynamic.dimension == "arousal_dynamic"]["rater_id"]) == set(
        generator.WORKERS
    )
    assert set(dynamic[dynamic.dimension == "valence_dynamic"]["rater_id"]) == {
        "valence/2#1",
        "valence/2#2",
        "valence/3#1",
        "valence/3#2",
    }
    added = [q for q in quirks.quirks if q.kind == "rater-without-id"]
    assert added[0].count == 4 and added[0].effect == "added"
    empty_cells = sum(
        _empty_cells(p) for p in (PER_RATER / "dynamic (per second annotations)").rglob("*.csv")
    )
    empty = [q for q in quirks.quirks if q.kind == "empty-sample" and not q.file.endswith(".csv")]
    assert [q.count for q in empty] == [empty_cells] == [1]
    assert empty[0].effect == "excluded" and "valence/3.csv line 3" in empty[0].examples[0]
    assert set(tables.annotations["rater_id"]) == set(tables.raters["rater_id"])


def _empty_cells(path: Path) -> int:
    rows = _rows(path)
    skip = 1 if rows[0][0] == "WorkerId" else 0
    return sum(1 for row in rows[1:] for cell in row[skip:] if not cell.strip())


def _nonempty_cells_all(path: Path) -> int:
    rows = _rows(path)
    skip = 1 if rows[0][0] == "WorkerId" else 0
    return sum(1 for row in rows[1:] for cell in row[skip:] if cell.strip())


def _raw_static_ratings(dimension: str) -> dict[str, list[float]]:
    """Song -> every per-rater rating of ``dimension`` read straight from the two raw files."""
    ratings: dict[str, list[float]] = {}
    for name in ("static_annotations_songs_1_2000.csv", "static_annotations_songs_2000_2058.csv"):
        rows = _rows(PER_RATER / "song_level" / name)
        header = [cell.strip().lower() for cell in rows[0]]
        song = header.index("songid")
        value = next(i for i, h in enumerate(header) if h in (dimension, f"{dimension}_average"))
        for row in rows[1:]:
            if row[value].strip():
                ratings.setdefault(str(int(row[song])), []).append(float(row[value]))
    return ratings


@pytest.mark.parametrize("dimension", ["valence", "arousal"])
def test_static_per_rater_agreement_matches_the_krippendorff_package(loaded, dimension):
    tables, _ = loaded
    static = tables.annotations[
        tables.annotations["time_s"].isna() & (tables.annotations["dimension"] == dimension)
    ]
    got = krippendorff_alpha(static, item="track_id", level="interval")
    ratings = _raw_static_ratings(dimension)
    assert len(static) == sum(len(v) for v in ratings.values())
    domain = sorted({v for values in ratings.values() for v in values})
    counts = np.array([[values.count(d) for d in domain] for values in ratings.values()])
    expected = krippendorff.alpha(
        value_counts=counts, value_domain=domain, level_of_measurement="interval"
    )
    assert got == pytest.approx(expected, abs=1e-9)


def test_continuous_agreement_over_time_matches_the_krippendorff_package(loaded):
    tables, _ = loaded
    dynamic = tables.annotations[tables.annotations["dimension"] == "arousal_dynamic"]
    result = continuous_alpha(dynamic, by="track", time="time_s").set_index("group")
    for song in generator.EXCERPT_SONGS[:2]:
        rows = _rows(PER_RATER / f"dynamic (per second annotations)/arousal/{song}.csv")
        matrix = np.array([[float(c) if c.strip() else np.nan for c in r[1:]] for r in rows[1:]])
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")
        assert result.loc[str(song), "alpha"] == pytest.approx(expected, abs=1e-9)
        assert result.loc[str(song), "raters"] == len(rows) - 1


def test_metadata_of_the_three_years_is_read_with_their_quirks(loaded):
    tables, quirks = loaded
    tracks = tables.tracks.set_index("track_id")
    assert len(tracks) == 7
    assert tracks.loc["2", "title"] == "Track 002" and tracks.loc["2", "genre"] == "Blues"
    raw = _rows(FIXTURE / "metadata/metadata_2013.csv")[1]
    start = raw[4].strip()
    minutes, seconds = start.split(".")
    assert tracks.loc["2", "excerpt_start_s"] == int(minutes) * 60 + int(seconds.ljust(2, "0"))
    assert tracks.loc["2", "excerpt_end_s"] - tracks.loc["2", "excerpt_start_s"] == 45
    tags = _rows(FIXTURE / "metadata/metadata_2014.csv")[1][7:]
    assert tracks.loc["7", "lastfm_tags"] == "; ".join(tags)
    assert tracks.loc["2002", "genre"] == "Folk, Country"
    assert any(q.kind == "genre-split-by-commas" and q.effect == "repaired" for q in quirks.quirks)


def test_without_per_rater_and_metadata_files_tables_hold_ids_and_averages_only(tmp_path):
    copy = tmp_path / "deam"
    shutil.copytree(FIXTURE, copy)
    shutil.rmtree(copy / "DEAM_Annotations/annotations/annotations per each rater")
    shutil.rmtree(copy / "metadata")
    tables, quirks = load_from_directory(DATASET, copy)
    assert tables.raters.empty and tables.annotations.empty
    assert list(tables.raters.columns) == ["rater_id"]
    assert tables.tracks["title"].isna().all() and len(tables.tracks) == 7
    kinds = {q.kind for q in quirks.quirks}
    assert {"per-rater-files-absent", "metadata-absent"} <= kinds


def test_per_rater_static_files_without_the_curve_folders_are_loaded_and_the_gap_reported(
    tmp_path,
):
    copy = tmp_path / "deam"
    shutil.copytree(FIXTURE, copy)
    shutil.rmtree(
        copy
        / "DEAM_Annotations/annotations/annotations per each rater/dynamic (per second annotations)"
    )
    tables, quirks = load_from_directory(DATASET, copy)
    assert tables.annotations["time_s"].isna().all() and len(tables.annotations) > 0
    gap = [q for q in quirks.quirks if q.kind == "per-rater-part-absent"]
    assert [q.count for q in gap] == [1] and "dynamic (per second" in gap[0].examples[0]


def test_a_curve_file_not_named_after_a_song_is_counted_not_read(tmp_path):
    copy = tmp_path / "deam"
    shutil.copytree(FIXTURE, copy)
    folder = copy / "DEAM_Annotations/annotations/annotations per each rater"
    source = folder / "dynamic (per second annotations)/arousal/2.csv"
    shutil.copy(source, source.with_name("notes.csv"))
    baseline, _ = load_from_directory(DATASET, FIXTURE)
    tables, quirks = load_from_directory(DATASET, copy)
    assert len(tables.annotations) == len(baseline.annotations)
    skipped = [q for q in quirks.quirks if q.kind == "file-not-a-song"]
    assert [q.count for q in skipped] == [1] and skipped[0].effect == "excluded"
    assert skipped[0].examples[0].endswith("arousal/notes.csv")


def test_a_missing_required_column_is_a_parse_error_naming_file_and_line(tmp_path):
    copy = tmp_path / "deam"
    shutil.copytree(FIXTURE, copy)
    target = (
        copy
        / "DEAM_Annotations/annotations/annotations averaged per song/song_level/static_annotations_averaged_songs_1_2000.csv"
    )
    lines = target.read_bytes().decode().split("\r\n")
    lines[0] = lines[0].replace("arousal_mean", "arousal_average")
    target.write_bytes("\r\n".join(lines).encode())
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    message = str(excinfo.value)
    assert "static_annotations_averaged_songs_1_2000.csv" in message and "line 1" in message
    assert excinfo.value.line == 1


def test_a_non_numeric_sample_is_a_parse_error_with_its_line(tmp_path):
    copy = tmp_path / "deam"
    shutil.copytree(FIXTURE, copy)
    target = (
        copy
        / "DEAM_Annotations/annotations/annotations averaged per song/dynamic (per second annotations)/arousal.csv"
    )
    lines = target.read_text().split("\n")
    cells = lines[3].split(",")
    cells[2] = "n/a"
    lines[3] = ",".join(cells)
    target.write_text("\n".join(lines))
    with pytest.raises(ParseError) as excinfo:
        load_from_directory(DATASET, copy)
    assert excinfo.value.line == 4 and excinfo.value.field == "sample_15500ms"


@pytest.mark.real_data
def test_real_deam_files_give_1802_songs_and_every_published_value(shared_mirror):
    root = shared_mirror / "deam"
    tables, quirks = load_from_directory(DATASET, root)
    averaged = root / "DEAM_Annotations/annotations/annotations averaged per song"
    first = _rows(averaged / "song_level/static_annotations_averaged_songs_1_2000.csv")
    second = _rows(averaged / "song_level/static_annotations_averaged_songs_2000_2058.csv")
    assert (len(first) - 1, len(second) - 1) == (1744, 58)
    static = tables.labels[tables.labels["time_s"].isna()]
    assert len(static) == (len(first) - 1) * 4 + (len(second) - 1) * 12
    for dimension in ("arousal", "valence"):
        path = averaged / f"dynamic (per second annotations)/{dimension}.csv"
        rows = _rows(path)
        assert len(rows) - 1 == 1802
        got = tables.labels[tables.labels.dimension == f"{dimension}_dynamic"]
        assert len(got) == sum(len(r) - 1 for r in rows[1:])
        assert got["value"].between(-1, 1).all()
        assert (
            quirks.source_row_counts[path.relative_to(root / "DEAM_Annotations").as_posix()] == 1802
        )
    song_ids = {r[0] for r in first[1:]} | {r[0] for r in second[1:]}
    assert set(tables.tracks["track_id"]) == song_ids and len(song_ids) == 1802
    assert static[static.statistic == "mean"]["value"].between(1, 9).all()
    assert tables.raters.empty and tables.annotations.empty
    assert {q.kind for q in quirks.quirks} >= {
        "per-rater-files-absent",
        "metadata-absent",
        "malformed-column-name",
    }


@pytest.mark.real_data
def test_derived_metadata_copies_parse_with_their_ragged_tails(shared_mirror):
    """The edited metadata copies (renamed headers, not byte-original) still exercise the tails."""
    from mer_datasets.loaders.base import LoaderContext
    from mer_datasets.loaders.csvfile import read_csv_records
    from mer_datasets.loaders.deam import parse_metadata_records
    from mer_datasets.tables import QuirksReport

    info = default_catalog().get(DATASET)
    ctx = LoaderContext(
        dataset=info, version=info.version(), files={}, quirks=QuirksReport(DATASET)
    )
    folder = shared_mirror / "deam/derived/bbaltaxe-metadata"
    for year, expected_rows in ((2014, 1000), (2015, 58)):
        path = folder / f"metadata_{year}.csv"
        records = read_csv_records(ctx, path.name, path, skipinitialspace=True)
        frame = parse_metadata_records(ctx, path.name, year, records)
        assert len(frame) == expected_rows == len(_rows(path)) - 1
        assert frame["track_id"].is_unique and frame["title"].notna().all()
    tagged = parse_metadata_records(
        ctx,
        "m",
        2014,
        read_csv_records(ctx, "m", folder / "metadata_2014.csv", skipinitialspace=True),
    )
    raw = _rows(folder / "metadata_2014.csv")
    first_tags = [c.strip() for c in raw[1][5:] if c.strip()]
    assert tagged.loc[0, "lastfm_tags"] == "; ".join(first_tags)
