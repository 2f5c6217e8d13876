"""Feature sets: tidy table, Parquet cache keyed by the files' hashes, per-track summaries."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from mer_datasets.assets import features
from mer_datasets.errors import AssetError, FeatureFileError
from tests.assets.conftest import TRACKS

# the package re-exports the function `features`, which shadows the module attribute
features_module = importlib.import_module("mer_datasets.assets.features")


def _expected() -> pd.DataFrame:
    """The fixture's values, computed from its own rule (feature_csv), not by the parser."""
    rows = []
    for track in TRACKS:
        k = int(track[1:])
        rows += [
            {"track_id": track, "frame_time": float(i), "energy": k + i * 0.5, "zcr": k * 10.0 - i}
            for i in range(3)
        ]
    return pd.DataFrame(rows)


def test_features_are_a_tidy_table_keyed_by_track_and_frame(release, home):
    table = features(release.ds, "toyfeats", data_home=home, progress=False)
    assert list(table.columns) == ["track_id", "frame_time", "energy", "zcr"]
    expected = _expected()
    pd.testing.assert_frame_equal(table.astype({"track_id": object}), expected, check_dtype=False)
    assert set(table["track_id"]) == {"t01", "t02", "t03"}


def test_summary_is_the_per_track_statistic_over_frames(release, home):
    summary = features(release.ds, "toyfeats", summary="mean", data_home=home, progress=False)
    assert list(summary["track_id"]) == ["t01", "t02", "t03"]
    assert list(summary["n_frames"]) == [3, 3, 3]
    for track, row in summary.set_index("track_id").iterrows():
        k = int(track[1:])
        assert row["energy"] == pytest.approx(np.mean([k, k + 0.5, k + 1.0]))
        assert row["zcr"] == pytest.approx(k * 10.0 - 1.0)
    with pytest.raises(AssetError, match="summary 'mode'"):
        features(release.ds, "toyfeats", summary="mode", data_home=home)


def test_the_parquet_cache_is_used_offline_and_keyed_by_content(release, home, monkeypatch):
    first = features(release.ds, "toyfeats", data_home=home, progress=False)
    cached = list((home / "toy" / "1.0" / "cache" / "assets").glob("toyfeats-*.parquet"))
    assert len(cached) == 1
    release.server.stop()

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again although the cache holds these exact files")

    monkeypatch.setattr(features_module, "_parse_all", no_parse)
    again = features(release.ds, "toyfeats", data_home=home, offline=True)
    pd.testing.assert_frame_equal(first, again)


def test_a_selection_of_tracks_reads_only_those(release, home):
    table = features(release.ds, "toyfeats", tracks=["t02"], data_home=home, progress=False)
    assert set(table["track_id"]) == {"t02"} and len(table) == 3


def test_a_non_numeric_value_names_dataset_track_file_line_and_column(release, home):
    files = home / "toy" / "1.0" / "files" / "features"
    features(release.ds, "toyfeats", data_home=home, progress=False, cache=False)
    target = files / "t02.csv"
    text = target.read_text().replace(";20\n", ";n/a\n", 1)
    assert "n/a" in text
    # parse the damaged copy directly: the store would (rightly) quarantine an edited file
    target.with_name("bad.csv").write_text(text)
    group = release.info.version().asset("toyfeats")
    with pytest.raises(
        FeatureFileError, match=r"'toy'.*track 't02'.*bad.csv, line 2, column 'zcr'"
    ):
        features_module._parse_one("toy", group, "t02", target.with_name("bad.csv"))


def test_an_audio_group_is_not_a_feature_set(release, home):
    with pytest.raises(AssetError, match="not features"):
        features(release.ds, "audio", data_home=home)
