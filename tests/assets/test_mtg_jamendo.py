"""MTG-Jamendo's split release: 100 tars named by folder, a per-track sha256 manifest.

Always-on tests build small tars in the official naming (``autotagging_moodtheme_audio-48.tar``
holding folder ``48`` with ``48/948.mp3``) and a manifest in the official format
(``<sha256> <path>``), served from a loopback server through the real downloader. The audio is
generated (MP3 when soundfile can encode it, else WAV bytes under the .mp3 name, which libsndfile
reads by content); no real audio is used.
"""

from __future__ import annotations

import copy
import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from mer_datasets.assets import audio_path, load_audio
from mer_datasets.catalog import validate_document
from mer_datasets.cli import main
from mer_datasets.download.assets import download_assets, estimate, split_tracks
from mer_datasets.errors import (
    AssetError,
    ChecksumMismatchError,
    DirectoryMemberError,
    OfflineError,
    UnknownTrackError,
)
from tests.assets.conftest import RATE, soundfile, tone
from tests.download.conftest import dataset_entry, info_from, sha

#: track id -> its member path in the official layout (folder = last two digits)
TRACKS = {
    "track_0000948": "48/948.mp3",
    "track_0001048": "48/1048.mp3",
    "track_0000950": "50/950.mp3",
    "track_0001234": "34/1234.mp3",
}
PREFIX = "autotagging_moodtheme_audio"
MANIFEST = "data/download/autotagging_moodtheme_audio_sha256_tracks.txt"


def mp3_or_wav(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    try:
        soundfile.write(buffer, samples, RATE, format="MP3")
    except (soundfile.LibsndfileError, ValueError, TypeError):  # no MP3 encoder in this build
        buffer = io.BytesIO()
        soundfile.write(buffer, samples, RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def official_tar(folder: str, files: dict[str, bytes]) -> bytes:
    """A tar as the official ones: the folder entry first, then its files."""
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        entry = tarfile.TarInfo(folder)
        entry.type = tarfile.DIRTYPE
        entry.mode = 0o755
        archive.addfile(entry)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build(server, audio, *, manifest_text=None, count_override=None, tar_bytes=None):
    """Serve the toy split release; return (catalog entry, info)."""
    folders: dict[str, dict[str, bytes]] = {}
    for track, member in TRACKS.items():
        folders.setdefault(member.split("/")[0], {})[member] = audio[track]
    manifest = manifest_text or "".join(f"{sha(audio[t])} {m}\n" for t, m in TRACKS.items())
    manifest_bytes = manifest.encode()
    remotes = [
        {
            "url": server.add_file("/mtg/manifest.txt", manifest_bytes),
            "filename": MANIFEST.rsplit("/", 1)[1],
            "kind": "file",
            "path": MANIFEST,
            "size": len(manifest_bytes),
            "sha256": sha(manifest_bytes),
            "checksum_source": "official",
        }
    ]
    for folder, files in sorted(folders.items()):
        data = (tar_bytes or {}).get(folder) or official_tar(folder, files)
        name = f"{PREFIX}-{folder}.tar"
        count = (count_override or {}).get(folder, len(files))
        remotes.append(
            {
                "url": server.add_file(f"/mtg/{name}", data),
                "filename": name,
                "kind": "tar",
                "sha256": sha(data),
                "checksum_source": "official",
                "members": [
                    {
                        "directory": folder,
                        "pattern": "*.mp3",
                        "count": count,
                        "checksum_source": "unknown",
                    }
                ],
            }
        )
    labels = b"TRACK_ID\tPATH\n" + b"".join(f"{t}\t{m}\n".encode() for t, m in TRACKS.items())
    entry = dataset_entry(
        [
            {
                "url": server.add_file("/mtg/labels.tsv", labels),
                "filename": "labels.tsv",
                "kind": "file",
                "path": "labels.tsv",
                "size": len(labels),
                "sha256": sha(labels),
                "checksum_source": "official",
            }
        ],
        dataset_id="toyjamendo",
    )
    entry["versions"][0]["assets"] = {
        "audio": {
            "kind": "audio",
            "track_member": "{track_number_mod100}/{track_number}.mp3",
            "track_id": "track_{track_number:07d}",
            "manifest": {"member": MANIFEST},
            "remotes": remotes,
        }
    }
    return entry, info_from(entry)


@pytest.fixture
def jamendo(server):
    samples = {t: tone(300.0 + 100 * i, channels=1) for i, t in enumerate(TRACKS)}
    audio = {t: mp3_or_wav(s) for t, s in samples.items()}
    entry, info = build(server, audio)
    return SimpleNamespace(
        entry=entry,
        info=info,
        ds=SimpleNamespace(info=info, version="1.0"),
        audio=audio,
        samples=samples,
        server=server,
    )


def _paths(server):
    return [e.path for e in server.log]


def test_the_member_rule_maps_ids_and_paths_both_ways(jamendo):
    group = jamendo.info.version().asset("audio")
    for track, member in TRACKS.items():
        assert group.member_for(track) == member
        assert group.track_for(member) == track
    assert group.track_for("47/948.mp3") is None  # folder is not the number's last two digits
    assert group.track_for("48/948.low.mp3") is None
    assert group.track_number("track_948") is None  # not the 7-digit form
    assert group.track_count == 4


def test_partial_download_fetches_the_manifest_and_only_the_tar_of_the_track(jamendo, home):
    path = audio_path(jamendo.ds, "track_0000948", data_home=home, progress=False)
    assert path.read_bytes() == jamendo.audio["track_0000948"]
    assert _paths(jamendo.server) == ["/mtg/manifest.txt", f"/mtg/{PREFIX}-48.tar"]
    # the tar's other track came with it and is verified against the manifest
    files = home / "toyjamendo" / "1.0" / "files"
    assert (files / "48" / "1048.mp3").read_bytes() == jamendo.audio["track_0001048"]
    assert not (files / "50").exists() and not (files / "labels.tsv").exists()
    samples, rate = load_audio(jamendo.ds, "track_0001048", data_home=home)
    assert rate == RATE and abs(len(samples) - RATE) <= 1152 * 2  # MP3 priming/padding at most
    assert _paths(jamendo.server)[2:] == []  # no new request: already verified
    # with the manifest here, the estimate is per track: tar 48 is done, tar 50 is to fetch
    done = estimate(jamendo.info, None, ["audio"], ["track_0001048"], data_home=home)
    assert (done.remotes, done.already_verified) == (0, 2)
    left = estimate(jamendo.info, None, ["audio"], ["track_0000950"], data_home=home)
    assert [name for name, _size in left.planned] == [f"{PREFIX}-50.tar"]
    # offline: verified tracks are read, a track of a tar never fetched is an OfflineError
    assert audio_path(jamendo.ds, "track_0000948", data_home=home, offline=True) == path
    with pytest.raises(OfflineError, match="--tracks track_0000950"):
        audio_path(jamendo.ds, "track_0000950", data_home=home, offline=True)


def test_estimate_before_the_manifest_is_known_counts_manifest_and_needed_tars(jamendo, home):
    planned = estimate(
        jamendo.info, None, ["audio"], ["track_0000950", "track_0001234"], data_home=home
    )
    names = [name for name, _size in planned.planned]
    assert names == [MANIFEST.rsplit("/", 1)[1], f"{PREFIX}-34.tar", f"{PREFIX}-50.tar"]
    assert planned.unknown_size == 2  # tar sizes are not published
    assert jamendo.server.log == []


def test_a_track_list_fetches_only_its_tars_through_the_cli(jamendo, home, tmp_path, capsys):
    entry = copy.deepcopy(jamendo.entry)
    entry["synthetic"] = False
    version = entry["versions"][0]
    for remote in version["remotes"] + version["assets"]["audio"]["remotes"]:
        remote["url"] = f"https://example.org/toyjamendo/{remote['filename']}"
    assert validate_document({"schema_version": 1, "datasets": [entry]}, check_loaders=False) == []
    for path, data in list(jamendo.server.files.items()):
        name = {"/mtg/manifest.txt": MANIFEST.rsplit("/", 1)[1]}.get(path, path.rsplit("/", 1)[1])
        jamendo.server.add_file(f"/toyjamendo/{name}", data)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"schema_version": 1, "datasets": [entry]}))
    argv = ["download", "toyjamendo", "--include", "audio", "--tracks", "track_0001234"]
    argv += ["--catalog", str(catalog), "--data-home", str(home), "--mirror"]
    argv += [jamendo.server.base, "--yes", "-q"]
    assert main(argv) == 0
    assert sorted(_paths(jamendo.server)) == sorted(
        [f"/toyjamendo/{MANIFEST.rsplit('/', 1)[1]}", f"/toyjamendo/{PREFIX}-34.tar"]
    )
    # verify: the downloaded tar's track is ok, the rest is reported as not downloaded
    verify = ["verify", "toyjamendo", "--include", "audio", "--catalog", str(catalog)]
    capsys.readouterr()
    assert main([*verify, "--data-home", str(home)]) == 0
    captured = capsys.readouterr()
    assert "34/1234.mp3" in captured.out and "48/948.mp3" not in captured.out
    assert "2 of 4 file(s) downloaded" in captured.err
    assert "--include audio" in captured.err


def test_a_member_that_differs_from_the_manifest_is_refused_and_quarantined(server, home):
    samples = {t: tone(300.0, channels=1) for t in TRACKS}
    audio = {t: mp3_or_wav(s) for t, s in samples.items()}
    bad = dict(audio)
    bad["track_0000950"] = audio["track_0000950"][:-7] + b"garbage"  # tar holds changed bytes
    tar = official_tar("50", {"50/950.mp3": bad["track_0000950"]})
    _entry, info = build(server, audio, tar_bytes={"50": tar})
    with pytest.raises(ChecksumMismatchError, match="50/950.mp3"):
        download_assets(info, None, ["audio"], ["track_0000950"], data_home=home, progress=False)
    version_dir = home / "toyjamendo" / "1.0"
    assert not (version_dir / "files" / "50" / "950.mp3").exists()
    assert any("950.mp3" in p.name for p in (version_dir / "quarantine").iterdir())


def test_a_manifest_that_disagrees_with_the_declared_count_is_refused(server, home):
    audio = {t: mp3_or_wav(tone(300.0, channels=1)) for t in TRACKS}
    _entry, info = build(server, audio, count_override={"48": 3})
    with pytest.raises(DirectoryMemberError, match="folder '48'.*declares 3"):
        download_assets(info, None, ["audio"], ["track_0000948"], data_home=home, progress=False)


def test_a_malformed_manifest_line_is_named(server, home):
    audio = {t: mp3_or_wav(tone(300.0, channels=1)) for t in TRACKS}
    _entry, info = build(server, audio, manifest_text="abc 48/948.mp3\n")
    with pytest.raises(AssetError, match="line 1"):
        download_assets(info, None, ["audio"], ["track_0000948"], data_home=home, progress=False)


def test_unknown_track_ids_are_refused_before_any_download(jamendo, home):
    with pytest.raises(UnknownTrackError, match="track_0000948"):
        download_assets(jamendo.info, None, ["audio"], ["948"], data_home=home, progress=False)
    with pytest.raises(UnknownTrackError, match="track_0000999"):  # folder 99 is not declared
        download_assets(
            jamendo.info, None, ["audio"], ["track_0000999"], data_home=home, progress=False
        )
    assert jamendo.server.log == []


def test_split_tracks_takes_the_tracks_of_a_split_and_names_unknown_splits():
    tracks = pd.DataFrame(
        {"track_id": list(TRACKS), "split": pd.array(["train", "test", None, "test"])}
    )
    ds = SimpleNamespace(info=SimpleNamespace(id="toyjamendo"), tracks=tracks)
    assert split_tracks(ds, ["test"]) == ["track_0001048", "track_0001234"]
    with pytest.raises(AssetError, match="splits: test, train"):
        split_tracks(ds, ["validation"])


def test_extraction_that_would_not_fit_is_refused_naming_archive_and_bytes(
    jamendo, home, monkeypatch
):
    import shutil
    from collections import namedtuple

    from mer_datasets.errors import InsufficientSpaceError

    usage = namedtuple("usage", "total used free")
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(InsufficientSpaceError) as refused:
        audio_path(jamendo.ds, "track_0000950", data_home=home, progress=False)
    error = refused.value
    assert error.archive == f"{PREFIX}-50.tar" and error.free == 1000
    assert error.needed == len(jamendo.audio["track_0000950"])
    assert f"extracting {PREFIX}-50.tar needs {error.needed} bytes" in str(error)
    version_dir = home / "toyjamendo" / "1.0"
    assert not (version_dir / "files" / "50").exists()
    assert not (version_dir / "quarantine").exists()  # the archive is fine: kept
    # with space again, the kept archive is extracted without a second download
    monkeypatch.setattr(shutil, "disk_usage", real)
    path = audio_path(jamendo.ds, "track_0000950", data_home=home, progress=False)
    assert path.read_bytes() == jamendo.audio["track_0000950"]
    assert _paths(jamendo.server).count(f"/mtg/{PREFIX}-50.tar") == 1


def test_an_unpacked_official_download_is_ingested_offline_and_checked_per_track(
    jamendo, home, tmp_path
):
    from mer_datasets.download.assets import ingest_assets
    from mer_datasets.errors import IngestError

    source = tmp_path / "by-hand"
    for track, member in TRACKS.items():
        target = source / member
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(jamendo.audio[track])
    manifest = source / MANIFEST
    manifest.parent.mkdir(parents=True)
    manifest.write_bytes(jamendo.server.files["/mtg/manifest.txt"])
    ingest_assets(jamendo.info, source, None, ["audio"], data_home=home)
    assert jamendo.server.log == []  # the manifest came from the folder
    path = audio_path(jamendo.ds, "track_0001234", data_home=home, offline=True)
    assert path.read_bytes() == jamendo.audio["track_0001234"]
    # a file that differs from the official per-track sha256 is refused, by name
    other = tmp_path / "other-home"
    (source / "50" / "950.mp3").write_bytes(b"not the published bytes")
    with pytest.raises((ChecksumMismatchError, IngestError), match="950.mp3"):
        ingest_assets(jamendo.info, source, None, ["audio"], data_home=other)


def test_the_packaged_estimate_spreads_the_published_total_over_the_unsized_tars(home):
    from mer_datasets.catalog import default_catalog

    info = default_catalog().get("mtg-jamendo-moodtheme")
    planned = estimate(info, None, ["audio"], ["track_0000948", "track_1234363"], data_home=home)
    assert planned.unknown_size == 2  # tars 48 and 63; the manifest's size is known
    assert planned.approximate_bytes == 2 * (152 * 10**9 // 100)
    assert "about 3.0 GB by the published total" in str(planned)
    assert not (home / "mtg-jamendo-moodtheme").exists()  # an estimate writes nothing
