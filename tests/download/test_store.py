"""store.py end to end against a loopback server: pins, TOFU, archives, mirrors, offline, gated."""

from __future__ import annotations

import io
import json
import os
import random
import warnings
import zipfile

import pytest

from mer_datasets.download import store as store_module
from mer_datasets.download.store import download_dataset, ensure_files, verify_dataset
from mer_datasets.download.verify import CorruptFileWarning
from mer_datasets.errors import (
    ChecksumMismatchError,
    ChecksumWarning,
    ManualDownloadRequired,
    OfflineError,
)
from tests.download.conftest import dataset_entry, file_remote, info_from, sha

DATA = random.Random(11).randbytes(50_000)
OTHER = random.Random(12).randbytes(50_000)


def final_path(home, member="data/table.csv", dataset_id="toy", version="1.0"):
    return home / dataset_id / version / "files" / member


def state_of(home, dataset_id="toy", version="1.0"):
    return json.loads((home / dataset_id / version / "state.json").read_text())["files"]


def test_a_pinned_file_is_downloaded_verified_recorded_and_reused(server, options, home):
    info = info_from(dataset_entry([file_remote(server.add_file("/t.csv", DATA), DATA)]))
    files = ensure_files(info, data_home=home, fetch_options=options)
    assert files.members == {"data/table.csv": final_path(home)}
    assert files.root == home / "toy" / "1.0"
    assert final_path(home).read_bytes() == DATA
    assert files.sha256["data/table.csv"] == sha(DATA)
    record = state_of(home)["data/table.csv"]
    assert (record["sha256"], record["size"], record["how"]) == (sha(DATA), len(DATA), "download")
    assert record["source"] == server.url("/t.csv") and record["verified_at"]
    summary = download_dataset(info, data_home=home, fetch_options=options)
    assert summary.reused == ["data/table.csv"] and summary.fetched == []
    assert len(server.requests_for("/t.csv")) == 1
    assert not list((home / "toy" / "1.0" / ".tmp").iterdir())


def test_an_official_pin_mismatch_keeps_nothing_at_the_final_path(server, options, home):
    url = server.add_file("/t.csv", OTHER)
    info = info_from(dataset_entry([file_remote(url, DATA)]))  # pin = sha(DATA), serves OTHER
    with pytest.raises(ChecksumMismatchError) as failure:
        ensure_files(info, data_home=home, fetch_options=options)
    message = str(failure.value)
    assert sha(DATA) in message and sha(OTHER) in message and "data/table.csv" in message
    assert not final_path(home).exists()
    quarantined = list((home / "toy" / "1.0" / "quarantine").iterdir())
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == OTHER
    assert str(quarantined[0]) in message
    assert "data/table.csv" not in state_of_or_empty(home)


def state_of_or_empty(home):
    path = home / "toy" / "1.0" / "state.json"
    return json.loads(path.read_text())["files"] if path.exists() else {}


def test_a_third_party_pin_mismatch_warns_and_the_file_is_used(server, options, home):
    url = server.add_file("/t.csv", OTHER)
    info = info_from(dataset_entry([file_remote(url, DATA, source="third-party")]))
    with pytest.warns(ChecksumWarning) as caught:
        files = ensure_files(info, data_home=home, fetch_options=options)
    text = " ".join(str(w.message) for w in caught)
    assert sha(DATA) in text and sha(OTHER) in text and "third-party" in text
    assert final_path(home).read_bytes() == OTHER
    assert files.sha256["data/table.csv"] == sha(OTHER)


def test_an_unpinned_file_is_trusted_on_first_use_and_a_later_change_is_caught_by_verify(
    server, options, home
):
    url = server.add_file("/t.csv", DATA)
    info = info_from(dataset_entry([file_remote(url, DATA, pin=None)]))
    ensure_files(info, data_home=home, fetch_options=options)
    assert state_of(home)["data/table.csv"]["sha256"] == sha(DATA)
    [status] = verify_dataset(info, data_home=home)
    assert (status.status, status.actual) == ("unpinned", sha(DATA))

    final_path(home).write_bytes(OTHER)
    with pytest.warns(CorruptFileWarning):
        [status] = verify_dataset(info, data_home=home)
    assert status.status == "corrupt"
    assert (status.expected, status.actual) == (sha(DATA), sha(OTHER))
    assert not final_path(home).exists()


def test_verify_quarantines_a_corrupted_pinned_file_and_reports_it(server, options, home):
    info = info_from(dataset_entry([file_remote(server.add_file("/t.csv", DATA), DATA)]))
    ensure_files(info, data_home=home, fetch_options=options)
    final_path(home).write_bytes(DATA[:-1] + b"!")
    requests_before = len(server.log)
    with pytest.warns(CorruptFileWarning):
        [status] = verify_dataset(info, data_home=home)
    assert status.status == "corrupt" and status.checksum_source == "official"
    quarantined = list((home / "toy" / "1.0" / "quarantine").iterdir())
    assert [q.read_bytes() for q in quarantined] == [DATA[:-1] + b"!"]
    assert quarantined[0].name.endswith("-data__table.csv")
    assert str(quarantined[0]) in status.message
    assert not final_path(home).exists()
    assert len(server.log) == requests_before  # verify never uses the network
    [status] = verify_dataset(info, data_home=home)
    assert status.status == "missing"


def test_a_corrupted_final_file_found_at_load_is_quarantined_and_fetched_again(
    server, options, home
):
    info = info_from(dataset_entry([file_remote(server.add_file("/t.csv", DATA), DATA)]))
    ensure_files(info, data_home=home, fetch_options=options)
    final_path(home).write_bytes(b"garbage")
    with pytest.warns(CorruptFileWarning, match="data/table.csv"):
        summary = download_dataset(info, data_home=home, fetch_options=options)
    assert summary.quarantined == ["data/table.csv"] and summary.fetched == ["data/table.csv"]
    assert final_path(home).read_bytes() == DATA
    assert len(server.requests_for("/t.csv")) == 2


def test_an_interrupted_download_resumes_on_the_next_run_with_a_range_request(
    server, options, home
):
    from dataclasses import replace

    from mer_datasets.download.fetch import RetryPolicy
    from mer_datasets.errors import DownloadError

    payload = random.Random(3).randbytes(300_000)
    url = server.add_file("/big.bin", payload)
    info = info_from(dataset_entry([file_remote(url, payload, path="big.bin", filename="big.bin")]))
    server.queue("/big.bin", ("cut", 200_000))
    with pytest.raises(DownloadError):
        ensure_files(
            info, data_home=home, fetch_options=replace(options, retry=RetryPolicy(attempts=1))
        )
    assert not final_path(home, "big.bin").exists()
    kept = (home / "toy" / "1.0" / ".tmp" / "big.bin.part").stat().st_size
    assert kept > 0
    ensure_files(info, data_home=home, fetch_options=options)
    assert [r.range for r in server.requests_for("/big.bin")] == [None, f"bytes={kept}-"]
    assert final_path(home, "big.bin").read_bytes() == payload


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def archive_entry(url, archive, members, *, pin_archive=True, access="open", **extra):
    return dataset_entry(
        [
            {
                "url": url,
                "filename": "DEAM_Annotations.zip",
                "kind": "zip",
                "size": len(archive),
                "sha256": sha(archive) if pin_archive else None,
                "checksum_source": "official" if pin_archive else "unknown",
                "members": [
                    {
                        "path": path,
                        "size": len(data),
                        "sha256": sha(data),
                        "checksum_source": "third-party",
                    }
                    for path, data in members.items()
                ],
            }
        ],
        access=access,
        **extra,
    )


MEMBERS = {"annotations/static.csv": b"song_id,valence\n1,5.5\n", "annotations/dyn.csv": b"x\n"}


def test_an_archive_is_downloaded_and_only_its_required_members_are_extracted(
    server, options, home
):
    archive = zip_bytes(
        {f"DEAM_Annotations/{k}": v for k, v in MEMBERS.items()} | {"extra.txt": b"no"}
    )
    info = info_from(archive_entry(server.add_file("/deam.zip", archive), archive, MEMBERS))
    files = ensure_files(info, data_home=home, fetch_options=options)
    assert sorted(files.members) == sorted(MEMBERS)
    for path, data in MEMBERS.items():
        assert files.members[path].read_bytes() == data
    assert (home / "toy" / "1.0" / "downloads" / "DEAM_Annotations.zip").read_bytes() == archive
    assert not (home / "toy" / "1.0" / "files" / "extra.txt").exists()
    assert state_of(home)["downloads/DEAM_Annotations.zip"]["sha256"] == sha(archive)


def test_an_unpinned_archive_holding_a_member_that_fails_an_official_pin_is_refused(
    server, options, home
):
    archive = zip_bytes({"annotations/static.csv": b"tampered\n"})
    entry = archive_entry(
        server.add_file("/deam.zip", archive),
        archive,
        {"annotations/static.csv": b"original\n"},
        pin_archive=False,
    )
    entry["versions"][0]["remotes"][0]["members"][0]["checksum_source"] = "official"
    with (
        pytest.raises(ChecksumMismatchError, match="annotations/static.csv"),
        pytest.warns(CorruptFileWarning, match="DEAM_Annotations.zip holds a member"),
    ):
        ensure_files(info_from(entry), data_home=home, fetch_options=options)
    assert not final_path(home, "annotations/static.csv").exists()
    assert not (home / "toy" / "1.0" / "downloads" / "DEAM_Annotations.zip").exists()


def test_a_gated_dataset_names_what_to_get_where_and_the_ingest_command(home):
    entry = archive_entry(
        None,
        b"",
        MEMBERS,
        pin_archive=False,
        access="gated",
        how_to_obtain="Fill in the request form and download DEAM_Annotations.zip.",
        eula_url="https://example.org/eula",
    )
    with pytest.raises(ManualDownloadRequired) as failure:
        ensure_files(info_from(entry), data_home=home)
    message = str(failure.value)
    assert "'toy'" in message and "gated" in message
    assert "Fill in the request form" in message and "https://example.org/eula" in message
    for path in MEMBERS:
        assert path in message
    assert "mer-datasets ingest toy DIR" in message
    assert str(home / "toy" / "1.0" / "files") in message


def test_a_remote_without_url_requires_a_manual_download_unless_already_ingested(tmp_path, home):
    entry = dataset_entry([file_remote(None, DATA)], how_to_obtain="Ask the authors.")
    info = info_from(entry)
    with pytest.raises(ManualDownloadRequired, match="no public direct download URL"):
        ensure_files(info, data_home=home)
    (tmp_path / "src" / "data").mkdir(parents=True)
    (tmp_path / "src" / "data" / "table.csv").write_bytes(DATA)
    from mer_datasets.download.store import ingest_dataset

    ingest_dataset(info, tmp_path / "src", data_home=home)
    files = ensure_files(info, data_home=home)
    assert files.members["data/table.csv"].read_bytes() == DATA


def test_offline_mode_without_verified_files_names_them_and_makes_no_request(server, home):
    info = info_from(dataset_entry([file_remote(server.add_file("/t.csv", DATA), DATA)]))
    with pytest.raises(OfflineError) as failure:
        ensure_files(info, data_home=home, offline=True)
    assert "data/table.csv" in str(failure.value)
    assert server.log == []


def test_offline_mode_with_verified_files_uses_them_without_any_request(
    server, options, home, monkeypatch
):
    info = info_from(dataset_entry([file_remote(server.add_file("/t.csv", DATA), DATA)]))
    ensure_files(info, data_home=home, fetch_options=options)
    requests_before = len(server.log)
    monkeypatch.setenv("MER_DATASETS_OFFLINE", "yes")
    files = ensure_files(info, data_home=home)
    assert files.members["data/table.csv"].read_bytes() == DATA
    assert len(server.log) == requests_before


def test_a_loopback_url_mirror_replaces_the_catalog_url_and_is_still_verified(
    server, options, home
):
    server.add_file("/mirror/toy/table.csv", DATA)
    info = info_from(dataset_entry([file_remote("https://unreachable.invalid/t.csv", DATA)]))
    files = ensure_files(info, data_home=home, mirror=server.url("/mirror/"), fetch_options=options)
    assert files.members["data/table.csv"].read_bytes() == DATA
    assert [r.path for r in server.log] == ["/mirror/toy/table.csv"]
    assert state_of(home)["data/table.csv"]["how"] == "mirror"

    server.add_file("/bad/toy/table.csv", OTHER)
    with pytest.raises(ChecksumMismatchError):
        ensure_files(
            info, data_home=home / "other", mirror=server.url("/bad"), fetch_options=options
        )


def test_a_local_directory_mirror_works_even_offline(tmp_path, home):
    (tmp_path / "mirror" / "toy").mkdir(parents=True)
    (tmp_path / "mirror" / "toy" / "table.csv").write_bytes(DATA)
    info = info_from(dataset_entry([file_remote("https://unreachable.invalid/t.csv", DATA)]))
    files = ensure_files(info, data_home=home, mirror=str(tmp_path / "mirror"), offline=True)
    assert files.members["data/table.csv"].read_bytes() == DATA
    record = state_of(home)["data/table.csv"]
    assert record["how"] == "mirror" and record["source"] == str(
        tmp_path / "mirror" / "toy" / "table.csv"
    )
    assert (tmp_path / "mirror" / "toy" / "table.csv").exists()  # copied, not moved


def test_an_embedded_dataset_is_verified_in_place_and_not_copied(tmp_path, home, monkeypatch):
    package_dir = tmp_path / "sample_data"
    (package_dir / "data").mkdir(parents=True)
    (package_dir / "data" / "table.csv").write_bytes(DATA)
    monkeypatch.setattr(store_module, "_embedded_root", lambda: package_dir)
    info = info_from(dataset_entry([file_remote(None, DATA)], access="embedded"))
    files = ensure_files(info, data_home=home)
    assert files.members["data/table.csv"] == package_dir / "data" / "table.csv"
    assert not final_path(home).exists()
    assert state_of(home)["data/table.csv"]["how"] == "embedded"
    assert [s.status for s in verify_dataset(info, data_home=home)] == ["ok"]

    (package_dir / "data" / "table.csv").write_bytes(OTHER)
    with pytest.raises(ChecksumMismatchError):
        ensure_files(info, data_home=home)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [status] = verify_dataset(info, data_home=home)
    assert status.status == "corrupt" and (package_dir / "data" / "table.csv").exists()


def test_a_new_data_home_is_private_and_an_existing_one_keeps_its_permissions(
    server, options, tmp_path
):
    info = info_from(dataset_entry([file_remote(server.add_file("/t.csv", DATA), DATA)]))
    new_home = tmp_path / "new-home"
    ensure_files(info, data_home=new_home, fetch_options=options)
    assert new_home.stat().st_mode & 0o777 == 0o700

    shared = tmp_path / "shared-home"
    shared.mkdir()
    os.chmod(shared, 0o750)
    ensure_files(info, data_home=shared, fetch_options=options)
    assert shared.stat().st_mode & 0o777 == 0o750


def test_a_mirror_can_serve_a_remote_without_public_url_and_if_it_cannot_ingest_is_asked(
    server, options, home
):
    info = info_from(dataset_entry([file_remote(None, DATA)]))
    server.add_file("/m/toy/table.csv", DATA)
    files = ensure_files(info, data_home=home, mirror=server.url("/m"), fetch_options=options)
    assert files.members["data/table.csv"].read_bytes() == DATA
    with pytest.raises(ManualDownloadRequired, match="mer-datasets ingest toy DIR"):
        ensure_files(
            info, data_home=home / "h2", mirror=server.url("/empty"), fetch_options=options
        )


def test_a_gated_dataset_is_never_fetched_from_a_mirror(server, options, home):
    info = info_from(dataset_entry([file_remote(None, DATA)], access="gated"))
    server.add_file("/m/toy/table.csv", DATA)
    with pytest.raises(ManualDownloadRequired):
        ensure_files(info, data_home=home, mirror=server.url("/m"), fetch_options=options)
    assert server.log == []
