"""Asset groups in the catalog (schema + checks) and `mer-datasets download --include`."""

from __future__ import annotations

import copy

import pytest
import yaml

import mer_datasets.download.assets as assets_module
from mer_datasets.catalog import validate_document
from mer_datasets.cli import main


def _document(entry):
    return {"schema_version": 1, "datasets": [entry]}


def _https(entry):
    """The release entry with https URLs (a --catalog file must pass the schema)."""
    entry = copy.deepcopy(entry)
    entry["synthetic"] = False  # the schema keeps synthetic data for embedded entries
    version = entry["versions"][0]
    for remote in version["remotes"] + [
        r for group in version["assets"].values() for r in group["remotes"]
    ]:
        remote["url"] = f"https://example.org/toy/{remote['filename']}"
    return entry


def test_the_release_entry_validates(release):
    assert validate_document(_document(_https(release.entry)), check_loaders=False) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda g: g.update(track_member="audio/track.wav"), "track_member"),
        (lambda g: g.update(track_member="../{track_id}.wav"), "track_member"),
        (lambda g: g.update(track_member="a/{track_id}/{track_id}.wav"), "track_member"),
        (lambda g: g.update(kind="features"), "assets.audio must be of kind 'audio'"),
        (lambda g: g.update(track_member="other/{track_id}.wav"), "no member matches"),
        (lambda g: g["remotes"][0].update(filename="labels.csv"), "used twice"),
        (lambda g: g["remotes"][0]["members"][0].update(path="/etc/passwd"), "path"),
    ],
)
def test_a_bad_asset_group_is_refused_with_its_field_named(release, change, expected):
    entry = _https(release.entry)
    change(entry["versions"][0]["assets"]["audio"])
    problems = validate_document(_document(entry), check_loaders=False)
    assert problems and any(expected in p for p in problems), problems
    assert all("'toy'" in p for p in problems)


@pytest.fixture
def cli_catalog(release, tmp_path):
    """A --catalog file for the release, served as a flat mirror <id>/<filename>."""
    entry = _https(release.entry)
    for path, data in list(release.server.files.items()):
        release.server.add_file("/toy/" + path.rsplit("/", 1)[-1], data)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(_document(entry)), encoding="utf-8")
    return path


def _run(cli_catalog, home, server, *extra):
    return main(
        [
            "download",
            "toy",
            "--catalog",
            str(cli_catalog),
            "--data-home",
            str(home),
            "--mirror",
            server.base,
            *extra,
        ]
    )


def test_download_include_audio_for_some_tracks_prints_the_estimate_and_fetches_one_tar(
    release, cli_catalog, home, capsys
):
    assert _run(cli_catalog, home, release.server, "--include", "audio", "--tracks", "t03") == 0
    out = capsys.readouterr().out
    assert "toy audio: 1 file(s) to fetch" in out
    assert [e.path for e in release.server.log] == ["/toy/audio_01.tar"]
    assert (home / "toy" / "1.0" / "files" / "audio" / "t03.wav").is_file()
    assert not (home / "toy" / "1.0" / "files" / "labels.csv").exists()


def test_a_large_download_needs_yes_in_a_script(release, cli_catalog, home, capsys, monkeypatch):
    monkeypatch.setattr(assets_module, "LARGE_DOWNLOAD_BYTES", 10)
    assert _run(cli_catalog, home, release.server, "--include", "features:toyfeats") == 1
    assert "add --yes" in capsys.readouterr().err
    assert release.server.log == []
    assert _run(cli_catalog, home, release.server, "--include", "features", "--yes") == 0
    assert [e.path for e in release.server.log] == ["/toy/features.zip"]


def test_unknown_include_or_track_is_a_usage_error_naming_what_exists(
    release, cli_catalog, home, capsys
):
    assert _run(cli_catalog, home, release.server, "--include", "lyrics") == 1
    assert "audio, features:toyfeats" in capsys.readouterr().err
    assert _run(cli_catalog, home, release.server, "--include", "audio", "--tracks", "x9") == 1
    assert "'x9'" in capsys.readouterr().err
    assert _run(cli_catalog, home, release.server, "--tracks", "t01") == 1
    assert "--include audio" in capsys.readouterr().err


def test_dry_run_lists_what_would_be_fetched_and_fetches_nothing(
    release, cli_catalog, home, capsys
):
    argv = ("--include", "audio", "--tracks", "t01,t02", "--dry-run")
    assert _run(cli_catalog, home, release.server, *argv) == 0
    out = capsys.readouterr().out
    size = len(release.server.files["/rel/audio_00.tar"])
    assert "toy audio: 1 file(s) to fetch" in out and "would fetch audio_00.tar" in out
    assert f"{size / 1000:.1f} kB" in out
    assert release.server.log == []


def test_ingest_include_registers_hand_obtained_audio_verified(
    release, cli_catalog, home, tmp_path, capsys
):
    folder = tmp_path / "by-hand" / "audio"
    folder.mkdir(parents=True)
    for track, ext in (("t01", "wav"), ("t02", "flac"), ("t03", "wav")):
        (folder / f"{track}.{ext}").write_bytes(release.audio[track])
    argv = ["ingest", "toy", str(tmp_path / "by-hand"), "--include", "audio"]
    argv += ["--catalog", str(cli_catalog), "--data-home", str(home)]
    assert main(argv) == 0
    files = home / "toy" / "1.0" / "files" / "audio"
    assert (files / "t02.flac").read_bytes() == release.audio["t02"]
    assert "ingested 3 file(s)" in capsys.readouterr().out
    # a hand-obtained file that differs from its official pin is refused, by name
    (folder / "t02.flac").write_bytes(b"not the pinned bytes")
    (files / "t02.flac").unlink()
    assert main(argv) == 1
    assert "t02.flac" in capsys.readouterr().err
    assert not (files / "t02.flac").exists()
    assert release.server.log == []


def test_verify_include_rechecks_asset_files_and_quarantines_a_changed_one(
    release, cli_catalog, home, capsys
):
    from mer_datasets.assets import audio_path

    assert _run(cli_catalog, home, release.server, "--include", "audio", "-q") == 0
    capsys.readouterr()
    changed = home / "toy" / "1.0" / "files" / "audio" / "t02.flac"
    changed.write_bytes(changed.read_bytes() + b"\0")
    argv = ["verify", "toy", "--include", "audio", "--catalog", str(cli_catalog)]
    with pytest.warns(UserWarning, match="t02.flac"):
        assert main([*argv, "--data-home", str(home)]) == 1
    out = capsys.readouterr().out
    assert out.count("ok ") == 2 and "corrupt" in out and "t02.flac" in out
    assert not changed.exists()
    assert any(
        p.name.endswith("audio__t02.flac") for p in (changed.parents[2] / "quarantine").iterdir()
    )
    # offline, the missing file is named with the command that fetches just it
    from mer_datasets.errors import OfflineError

    with pytest.raises(OfflineError, match="--include audio --tracks t02"):
        audio_path(release.ds, "t02", data_home=home, offline=True)


def test_info_lists_the_asset_groups_with_how_to_fetch_them(capsys):
    assert main(["info", "ismir2020-agreement"]) == 0
    out = capsys.readouterr().out
    assert (
        "asset audio (audio): 22 tracks, 22 remote(s), 10560522 B; fetch with --include audio"
        in out
    )
    assert "asset opensmile (features): 22 tracks" in out and "features:opensmile" in out
