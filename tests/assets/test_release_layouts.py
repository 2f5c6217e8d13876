"""The catalog's real asset groups of DEAM, 4QAED and Emotify on generated files in their layouts.

Each test takes the group exactly as catalog.yaml declares it (member rule, folders, listed
members) and only points its URL at a loopback server serving generated archives in the release
layout, so the member -> track mapping under test is the catalog's own. No real audio is used.
"""

from __future__ import annotations

import copy
import io
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest

from mer_datasets.assets import audio_path, features, load_audio
from mer_datasets.catalog import catalog_from_entries, read_document
from mer_datasets.download.assets import download_assets, ingest_assets, verify_assets
from mer_datasets.errors import ManualDownloadRequired
from mer_datasets.resources import catalog_path
from tests.assets.conftest import RATE, encode, tone


def catalog_entry(dataset_id: str, server, files: dict[str, bytes]):
    """The packaged entry with each asset remote named in ``files`` served from ``server``."""
    document = read_document(catalog_path())
    entry = copy.deepcopy(next(e for e in document["datasets"] if e["id"] == dataset_id))
    for version in entry["versions"]:
        for group in (version.get("assets") or {}).values():
            for remote in group["remotes"]:
                if remote["filename"] in files:
                    path = f"/{dataset_id}/{remote['filename']}"
                    remote["url"] = server.add_file(path, files[remote["filename"]])
    info = catalog_from_entries([entry], validate=False).get(dataset_id)
    return SimpleNamespace(info=info, ds=SimpleNamespace(info=info, version=info.default_version))


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def deam_features(song: int) -> bytes:
    """Two 500 ms frames of two features, values derived from the song id (known below)."""
    lines = ["frameTime;F0final_sma_amean;pcm_RMSenergy_sma_amean"]
    lines += [f"{t:.1f};{song + t};{song * 2 - t}" for t in (0.0, 0.5)]
    return ("\n".join(lines) + "\n").encode()


def test_deam_audio_and_features_come_from_folder_only_archives(server, home):
    audio = {song: encode(tone(200.0 + song), "WAV") for song in (2, 10)}
    release = catalog_entry(
        "deam",
        server,
        {
            # one extra top folder, as some users' copies have
            "DEAM_audio.zip": zip_of(
                {f"DEAM_audio/MEMD_audio/{s}.mp3": a for s, a in audio.items()}
            ),
            "features.zip": zip_of({f"features/{s}.csv": deam_features(s) for s in (2, 10)}),
        },
    )
    path = audio_path(release.ds, "10", data_home=home, progress=False)
    assert path.read_bytes() == audio[10]
    assert path.relative_to(home).as_posix() == "deam/2017/files/MEMD_audio/10.mp3"
    samples, rate = load_audio(release.ds, "2", mono=False, data_home=home)
    np.testing.assert_array_equal(samples, (tone(202.0).T / 32768.0).astype(np.float32))
    assert rate == RATE
    assert [e.path for e in server.log] == ["/deam/DEAM_audio.zip"]  # once, for both tracks
    table = features(release.ds, "opensmile", data_home=home, progress=False)
    assert table["track_id"].tolist() == ["2", "2", "10", "10"]  # natural order
    assert table["frame_time"].tolist() == [0.0, 0.5, 0.0, 0.5]
    assert table["F0final_sma_amean"].tolist() == [2.0, 2.5, 10.0, 10.5]
    # a file changed after its first use is caught by verify (its first-use record)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    with pytest.warns(UserWarning):
        statuses = verify_assets(release.info, None, ["audio"], data_home=home)
    assert {s.path: s.status for s in statuses} == {
        "MEMD_audio/10.mp3": "corrupt",
        "MEMD_audio/2.mp3": "unpinned",  # matches its first-use record; no official pin
    }


def test_4qaed_audio_is_read_from_the_quadrant_folders_of_the_official_archive(server, home):
    group = catalog_entry("4qaed", server, {}).info.version().asset("audio")
    assert len(group.track_ids()) == 900
    assert group.member_for("MT0000004637") == "MER_audio_taffc_dataset/Q3/MT0000004637.mp3"
    clip = encode(tone(440.0), "WAV")
    members = {m.path: b"clip of " + m.path.encode() for m in group.members()}
    members["MER_audio_taffc_dataset/Q3/MT0000004637.mp3"] = clip
    members["MER_audio_taffc_dataset/readme.txt"] = b"not an asset"
    release = catalog_entry("4qaed", server, {"MER_audio_taffc_dataset.zip": zip_of(members)})
    path = audio_path(release.ds, "MT0000004637", data_home=home, progress=False)
    assert path.read_bytes() == clip
    other = audio_path(release.ds, "MT0000011357", data_home=home, progress=False)
    assert other.parent.name == "Q2"  # its quadrant in the annotations
    assert [e.path for e in server.log] == ["/4qaed/MER_audio_taffc_dataset.zip"]


def test_emotify_audio_maps_genre_folders_to_track_ids_on_ingest(server, home, tmp_path):
    release = catalog_entry("emotify", server, {})
    group = release.info.version().asset("audio")
    assert group.member_for("101") == "emotifymusic/rock/1.mp3"
    assert group.track_for("emotifymusic/pop/100.mp3") == "400"
    assert group.track_for("emotifymusic/classical/7.mp3") == "7"
    # no public URL: a download names the archive and the ingest command with --include
    with pytest.raises(ManualDownloadRequired, match="ingest emotify DIR --include audio"):
        download_assets(release.info, None, ["audio"], ["101"], data_home=home, progress=False)
    source = tmp_path / "by-hand"
    for member in group.members():
        target = source / member.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"excerpt " + member.path.encode())
    rock_one = encode(tone(330.0), "WAV")
    (source / "emotifymusic" / "rock" / "1.mp3").write_bytes(rock_one)
    ingest_assets(release.info, source, None, ["audio"], data_home=home)
    path = audio_path(release.ds, "101", data_home=home, offline=True)
    assert path.read_bytes() == rock_one
    assert server.log == []


def test_assets_without_a_public_url_say_how_to_ingest_them(home, capsys):
    from mer_datasets.cli import main

    argv = ["download", "emotify", "--include", "audio", "--data-home", str(home)]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "1 file(s) with no public URL (obtain by hand, then ingest)" in captured.out
    assert "asset group 'audio': cannot be downloaded automatically" in captured.err
    assert "emotifymusic.zip" in captured.err
    assert "mer-datasets ingest emotify DIR --include audio" in captured.err
    assert "add --yes" not in captured.err  # nothing to confirm: nothing can be fetched
    assert main(["verify", "emotify", "--data-home", str(home)]) == 1  # annotations missing
    hint = capsys.readouterr().err
    assert "asset group 'audio' (1 file(s)): not downloaded; obtain it by hand" in hint
    assert "mer-datasets ingest emotify DIR --include audio" in hint
