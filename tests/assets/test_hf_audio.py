"""``to_hf(audio=True)``: the tracks split gains a ``datasets.Audio`` column of verified files."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from mer_datasets.errors import OfflineError
from mer_datasets.export import to_hf

datasets = pytest.importorskip("datasets", reason="the 'hf' extra (datasets) is not installed")


def _dataset(release, home, *, offline=None, track_ids=("t01", "t02", "t03")):
    tracks = pd.DataFrame({"track_id": list(track_ids), "title": [f"song {t}" for t in track_ids]})
    empty = pd.DataFrame({"track_id": pd.Series(dtype="string")})
    return SimpleNamespace(
        info=release.info,
        version="1.0",
        tables={"tracks": tracks, "raters": empty, "annotations": empty, "labels": empty},
        data_home=home,
        mirror=None,
        offline=offline,
    )


def test_audio_column_holds_the_verified_files_as_a_datasets_audio_feature(release, home):
    hf = to_hf(_dataset(release, home), audio=True)
    tracks = hf["tracks"]
    assert isinstance(tracks.features["audio"], datasets.Audio)
    assert tracks.features["audio"].decode is False
    assert tracks["track_id"] == ["t01", "t02", "t03"] and tracks["title"][2] == "song t03"
    files = home / "toy" / "1.0" / "files" / "audio"
    paths = [row["path"] for row in tracks["audio"]]
    assert paths == [str(files / "t01.wav"), str(files / "t02.flac"), str(files / "t03.wav")]
    for track, path in zip(tracks["track_id"], paths, strict=True):
        with open(path, "rb") as handle:
            assert handle.read() == release.audio[track]
    # the other tables are untouched, and the plain export has no audio column
    assert "audio" not in to_hf(_dataset(release, home))["tracks"].column_names
    assert hf["labels"].num_rows == 0


def test_a_track_without_audio_keeps_its_row_and_is_counted(release, home):
    ds = _dataset(release, home, track_ids=("t01", "t99"))
    with pytest.warns(UserWarning, match="1 of 2 tracks have no file"):
        tracks = to_hf(ds, audio=True, sampling_rate=16000)["tracks"]
    assert tracks["track_id"] == ["t01", "t99"]
    assert tracks["audio"][1] is None
    assert tracks.features["audio"].sampling_rate == 16000
    # only the tar holding t01 was fetched
    assert [e.path for e in release.server.log] == ["/rel/audio_00.tar"]


def test_offline_without_the_files_is_a_clear_error(release, home):
    with pytest.raises(OfflineError, match="mer-datasets download toy --include audio"):
        to_hf(_dataset(release, home, offline=True), audio=True)
    assert release.server.log == []
