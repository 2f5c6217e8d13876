"""Real data: the ISMIR 2020 study's 22 excerpts and openSMILE features through a loopback mirror.

Skipped with a reason when ../shared/mirror is absent (see tests/conftest.py)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from mer_datasets.assets import features, iter_audio
from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import load_dataset
from mer_datasets.download.assets import download_assets
from mer_datasets.download.store import ingest_dataset
from tests.download.server import LoopbackServer

pytest.importorskip("soundfile", reason="the 'audio' extra (soundfile) is not installed")

DATASET = "ismir2020-agreement"


@pytest.fixture
def mirror(shared_mirror):
    """A flat HTTP mirror (<id>/<filename>) of the repository files, as the downloader expects."""
    root = shared_mirror / DATASET / "agreement-emotion"
    server = LoopbackServer()
    for folder in ("audio", "feats_opensmile_5s"):
        for path in sorted((root / folder).iterdir()):
            server.add_file(f"/{DATASET}/{path.name}", path.read_bytes())
    server.start()
    yield server, root
    server.stop()


def test_the_22_excerpts_download_verify_decode_and_join_to_the_tracks(mirror, tmp_path):
    server, root = mirror
    info = default_catalog().get(DATASET)
    group = info.version().asset("audio")
    summaries = download_assets(
        info, None, ["audio"], data_home=tmp_path, mirror=server.base, progress=False
    )
    assert len(summaries[0].fetched) == 22
    assert len({entry.path for entry in server.log}) == 22  # only the audio, once each
    ingest_dataset(info, root, None, data_home=tmp_path)  # the annotations, from the same copy
    dataset = load_dataset(DATASET, data_home=tmp_path, offline=True)
    tracks = set(dataset.tracks["track_id"])
    assert len(tracks) == 22 and set(group.track_ids()) == tracks
    seen = {}
    rates = {}
    for track, samples, rate in iter_audio(dataset, data_home=tmp_path, offline=True):
        rates[track] = rate
        seen[track] = len(samples) / rate
        assert samples.dtype == np.float32 and np.isfinite(samples).all()
        assert 0.01 < float(np.abs(samples).max()) <= 1.0
    assert set(seen) == tracks
    assert all(29.0 < seconds < 31.0 for seconds in seen.values()), seen
    # native rates as the catalog's unknown_note states them (decoded, never resampled)
    at_32k = {t for t, r in rates.items() if r == 32000}
    assert at_32k == {"bitter_1", "bitter_2", "fear_2", "tension_2", "transcendence_2"}
    assert all(r == 22050 for t, r in rates.items() if t not in at_32k)


def test_the_opensmile_features_are_22_tracks_by_24_frames_by_260_features(mirror, tmp_path):
    server, root = mirror
    table = features(DATASET, "opensmile", data_home=tmp_path, mirror=server.base, progress=False)
    feature_columns = [c for c in table.columns if c not in ("track_id", "frame_time")]
    assert len(feature_columns) == 260
    sizes = table.groupby("track_id").size()
    assert len(sizes) == 22 and set(sizes) == {24}
    group = default_catalog().get(DATASET).version().asset("audio")
    assert set(sizes.index) == set(group.track_ids())  # same ids as the audio and the tracks
    # independent read of one file with the csv module
    with (root / "feats_opensmile_5s" / "tender_2.csv").open(newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, last = rows[0], rows[-1]
    mine = table[table["track_id"] == "tender_2"].iloc[-1]
    assert mine["frame_time"] == float(last[0])
    for name, value in zip(header[1:], last[1:], strict=True):
        assert mine[name] == float(value)
