"""Audio assets on generated WAV/FLAC files in tars served from a loopback server."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from mer_datasets.assets import audio_path, iter_audio, load_audio
from mer_datasets.assets.audio import decode
from mer_datasets.download.assets import estimate
from mer_datasets.errors import (
    AudioDecodeError,
    ChecksumMismatchError,
    OfflineError,
    UnknownTrackError,
)
from tests.assets.conftest import RATE, encode, tar_of, tone
from tests.download.conftest import sha


def test_a_track_decodes_to_the_samples_that_were_written(release, home):
    for track, written in release.samples.items():
        stereo, rate = load_audio(release.ds, track, mono=False, data_home=home, progress=False)
        assert rate == RATE
        assert stereo.shape == (2, RATE)
        # 16-bit PCM read as float32 is the int value / 32768, exactly
        np.testing.assert_array_equal(stereo, (written.T / 32768.0).astype(np.float32))
        mono, _ = load_audio(release.ds, track, data_home=home)
        np.testing.assert_allclose(mono, written.mean(axis=1) / 32768.0, atol=1e-7)


def test_partial_download_fetches_only_the_tar_holding_the_track(release, home):
    path = audio_path(release.ds, "t03", data_home=home, progress=False)
    assert path.name == "t03.wav" and path.is_file()
    assert len(release.server.requests_for("/rel/audio_01.tar")) == 1
    assert release.server.requests_for("/rel/audio_00.tar") == []
    assert release.server.requests_for("/rel/labels.csv") == []  # annotations not touched
    # what is left to fetch: the other tar only
    left = estimate(release.info, None, ["audio"], data_home=home)
    assert (left.remotes, left.already_verified) == (1, 1)


def test_offset_duration_and_resampling_only_when_asked(release, home):
    full, rate = load_audio(release.ds, "t01", data_home=home, progress=False)
    part, _ = load_audio(release.ds, "t01", offset=0.25, duration=0.5, data_home=home)
    np.testing.assert_array_equal(part, full[2000:6000])
    same, same_rate = load_audio(release.ds, "t01", sr=RATE, data_home=home)
    np.testing.assert_array_equal(same, full)
    assert same_rate == rate
    low, low_rate = load_audio(release.ds, "t01", sr=4000, data_home=home)
    assert low_rate == 4000 and low.shape == (4000,)
    np.testing.assert_allclose(low, resample_poly(full.astype(np.float64), 1, 2), atol=1e-6)
    # the 440 Hz tone is still at 440 Hz (independent check: the spectrum's peak)
    spectrum = np.abs(np.fft.rfft(low))
    assert np.fft.rfftfreq(len(low), 1 / 4000)[spectrum.argmax()] == pytest.approx(440, abs=1)


def test_iter_audio_streams_every_track_in_catalog_order(release, home):
    seen = [(t, x.shape, r) for t, x, r in iter_audio(release.ds, data_home=home, progress=False)]
    assert seen == [(t, (RATE,), RATE) for t in ("t01", "t02", "t03")]


def test_offline_reads_what_is_verified_and_refuses_the_rest(release, home):
    load_audio(release.ds, "t01", data_home=home, progress=False)
    release.server.stop()
    samples, _ = load_audio(release.ds, "t02", data_home=home, offline=True)  # same tar
    assert samples.shape == (RATE,)
    with pytest.raises(OfflineError, match="t03"):
        audio_path(release.ds, "t03", data_home=home, offline=True)


def test_unknown_track_is_a_typed_error_with_suggestions(release, home):
    with pytest.raises(UnknownTrackError, match=r"'t04'.*Did you mean .*'t01'"):
        audio_path(release.ds, "t04", data_home=home)


def test_a_corrupt_audio_member_is_refused_and_quarantined(release, home):
    members = {
        "audio/t03.wav": encode(tone(999.0), "WAV"),  # not the pinned bytes
    }
    bad_tar = tar_of(members)
    release.server.add_file("/rel/audio_01.tar", bad_tar)
    remote = release.entry["versions"][0]["assets"]["audio"]["remotes"][1]
    remote.update(sha256=None, checksum_source="unknown", size=len(bad_tar))
    from tests.download.conftest import info_from

    ds = type(release.ds)(info=info_from(release.entry), version="1.0")
    with (
        pytest.warns(UserWarning, match="archive audio_01.tar holds a member that failed"),
        pytest.raises(ChecksumMismatchError, match="t03.wav"),
    ):
        audio_path(ds, "t03", data_home=home, progress=False)
    root = home / "toy" / "1.0"
    assert not (root / "files" / "audio" / "t03.wav").exists()
    quarantined = sorted(p.name for p in (root / "quarantine").iterdir())
    assert any(name.endswith("audio__t03.wav") for name in quarantined), quarantined


@pytest.mark.parametrize(
    "damage",
    ["truncated", "text"],
)
def test_truncated_or_non_audio_file_is_a_typed_error_naming_dataset_track_file(
    tmp_path: Path, damage: str
):
    good = encode(tone(440.0), "WAV")
    path = tmp_path / "t01.wav"
    path.write_bytes(good[: len(good) // 2] if damage == "truncated" else b"track_id,label\n")
    with pytest.raises(AudioDecodeError) as raised:
        decode(path, dataset_id="toy", track_id="t01")
    message = str(raised.value)
    assert "'toy'" in message and "'t01'" in message and str(path) in message
    assert raised.value.path == path and raised.value.track_id == "t01"


def test_a_truncated_file_served_with_a_first_use_pin_fails_at_decode_not_silently(release, home):
    good = encode(tone(440.0), "WAV")
    cut = good[: len(good) // 3]
    tar = tar_of({"audio/t03.wav": cut})
    release.server.add_file("/rel/audio_01.tar", tar)
    remote = release.entry["versions"][0]["assets"]["audio"]["remotes"][1]
    remote.update(sha256=None, checksum_source="unknown", size=len(tar))
    remote["members"] = [{"path": "audio/t03.wav", "sha256": None, "checksum_source": "unknown"}]
    from tests.download.conftest import info_from

    ds = type(release.ds)(info=info_from(release.entry), version="1.0")
    with pytest.raises(AudioDecodeError, match=r"'toy', track 't03', file .*t03.wav: truncated"):
        load_audio(ds, "t03", data_home=home, progress=False)


def test_release_tar_layout_is_what_the_catalog_lists(release):
    """The fixture itself: each tar holds exactly the members the entry pins (guards the test)."""
    remotes = release.entry["versions"][0]["assets"]["audio"]["remotes"]
    for remote in remotes:
        data = release.server.files[f"/rel/{remote['filename']}"]
        assert sha(data) == remote["sha256"]
        import io

        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            assert sorted(archive.getnames()) == sorted(m["path"] for m in remote["members"])


def test_nothing_of_audio_is_imported_by_import_or_by_loading_annotations(tmp_path):
    code = (
        "import sys, mer_datasets\n"
        "from mer_datasets import load_dataset\n"
        "ds = load_dataset('sample', data_home=sys.argv[1])\n"
        "assert len(ds.annotations) > 0\n"
        "heavy = sorted(m for m in sys.modules if m == 'soundfile' or m.startswith("
        "('mer_datasets.assets', 'mer_datasets.download.assets')))\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_map_style_dataset_serves_decoded_tracks_with_targets(release, home):
    from mer_datasets.assets.torchdata import AudioDataset

    targets = {"t01": 0, "t02": 1, "t03": 2}
    data = AudioDataset(release.ds, targets=targets, sr=4000, data_home=home, progress=False)
    assert len(data) == 3
    item = data[2]
    assert item["track_id"] == "t03" and item["target"] == 2 and item["sample_rate"] == 4000
    assert item["audio"].shape == (4000,)
    with pytest.raises(UnknownTrackError, match="have no target"):
        AudioDataset(release.ds, targets={"t01": 0}, data_home=home)


def test_the_map_style_dataset_batches_in_a_torch_dataloader(release, home):
    from mer_datasets.assets.torchdata import AudioDataset

    torch = pytest.importorskip("torch", reason="torch is optional; the adapter needs none")
    data = AudioDataset(release.ds, sr=4000, data_home=home, progress=False)
    batch = next(iter(torch.utils.data.DataLoader(data, batch_size=3)))
    assert tuple(batch["audio"].shape) == (3, 4000)


def test_the_hugging_face_table_has_an_audio_feature_of_verified_paths(release, home):
    datasets = pytest.importorskip("datasets", reason="the 'hf' extra is not installed")
    from mer_datasets.assets.hf import audio_hf_dataset

    table = audio_hf_dataset(release.ds, ["t01", "t03"], data_home=home, progress=False)
    assert isinstance(table.features["audio"], datasets.Audio)
    assert table["track_id"] == ["t01", "t03"]
    paths = [row["audio"]["path"] for row in table]
    assert paths == [
        str(audio_path(release.ds, t, data_home=home, offline=True)) for t in ("t01", "t03")
    ]


def test_the_dataset_facade_fetches_into_the_home_it_was_loaded_from(release, home):
    """``ds.audio_path``/``load_audio``/``iter_audio`` are thin: same files, same samples, and
    they use the data home (and offline flag) the dataset was loaded with."""
    import pandas as pd

    from mer_datasets.dataset import MERDataset
    from mer_datasets.tables import QuirksReport

    empty = pd.DataFrame()
    tracks = pd.DataFrame({"track_id": list(release.samples)})
    ds = MERDataset(
        info=release.ds.info, version="1.0", tracks=tracks, raters=empty, annotations=empty,
        labels=empty, quirks=QuirksReport(release.ds.info.id), data_home=home,
    )  # fmt: skip
    track = next(iter(release.samples))
    assert ds.audio_path(track) == audio_path(release.ds, track, data_home=home)
    samples, rate = ds.load_audio(track, mono=False)
    np.testing.assert_array_equal(
        samples, load_audio(release.ds, track, mono=False, data_home=home)[0]
    )
    assert [t for t, _, _ in ds.iter_audio()] == list(release.samples)
    offline = MERDataset(**{**ds.__dict__, "data_home": home / "elsewhere", "offline": True})
    with pytest.raises(OfflineError):
        offline.audio_path(track)
