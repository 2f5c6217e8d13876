"""Hostile and unlucky downloads, catalogs and records: nothing outside the data home, no
poisoned cache, no hang (issue 18, items 1-5 and 16-19; issue 11, items 11-13).

Every case runs against the loopback fault server or in a temporary folder, with tiny limits set
through ``FetchOptions`` (deadline grace, minimum rate, size ceiling, wait cap), so a case costs
well under a second and none depends on timing: a server that drips forever is ended by the
watchdog, and the test asserts the error, never a duration. Each case adds a row to the
``hostile`` results that ``scripts/gen_guarantees_doc.py`` renders into docs/guarantees.md.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest

from mer_datasets.catalog import (
    catalog_from_entries,
    parse_document,
    read_document,
    validate_document,
)
from mer_datasets.download import install
from mer_datasets.download.fetch import RetryPolicy, fetch
from mer_datasets.download.ingest import ingest_dataset
from mer_datasets.download.layout import VersionLayout, safe_join
from mer_datasets.download.store import download_dataset
from mer_datasets.errors import (
    CatalogError,
    ChecksumMismatchError,
    ChecksumWarning,
    CorruptArchiveError,
    CorruptFileWarning,
    DownloadError,
    MERDatasetsError,
    UnsafePathError,
)
from mer_datasets.loaders.base import get_loader
from tests.download.conftest import dataset_entry, file_remote, info_from
from tests.reliability import harness
from tests.reliability.conftest import quick_options

GOOD = b"track,valence\n1,0.5\n2,0.25\n"
MEMBER = "data/table.csv"


def record(case: str, item: str, surface: str, outcome: str, figure: str = "") -> None:
    harness.record("hostile", case=case, item=item, surface=surface, outcome=outcome, figure=figure)


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


# -- 1 and 16: catalog strings that become paths ------------------------------------------------

UNSAFE_STRINGS = {
    "version-absolute": ("version", "/tmp/mer-evil"),
    "version-dotdot": ("version", "../../.."),
    "version-nul": ("version", "1\x00"),
    "filename-dotdot": ("filename", ".."),
    "filename-slash": ("filename", "a/b.csv"),
    "member-dot": ("member", "."),
    "member-absolute": ("member", "/etc/passwd"),
    "member-dotdot": ("member", "data/../../escape.csv"),
    "member-nul": ("member", "data/x\x00.csv"),
    "member-backslash": ("member", "data\\..\\x.csv"),
    "member-trailing-newline": ("member", "data/x.csv\n"),
}


def _entry_with(field: str, value: str) -> dict[str, Any]:
    remote = {
        "url": "https://example.org/archive.zip",
        "filename": value if field == "filename" else "archive.zip",
        "kind": "zip",
        "sha256": None,
        "checksum_source": "unknown",
        "members": [
            {
                "path": value if field == "member" else MEMBER,
                "sha256": None,
                "checksum_source": "unknown",
            }
        ],
    }
    return dataset_entry([remote], version=value if field == "version" else "1.0", synthetic=False)


SAFE = {"version": "2024-09-20", "filename": "release (v2).zip", "member": "a/b (1).csv"}


def _document(entry: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "datasets": [entry]}


@pytest.mark.parametrize("case", list(UNSAFE_STRINGS))
def test_an_unsafe_catalog_path_string_fails_validation_and_cannot_be_used(case, tmp_path):
    field, value = UNSAFE_STRINGS[case]
    entry = _entry_with(field, value)
    assert validate_document(_document(_entry_with(field, SAFE[field])), "ok.yaml") == []
    problems = validate_document(_document(entry), "hostile.yaml")
    where = {"version": "version", "filename": "filename", "member": "path"}[field]
    assert problems and all("'toy'" in p and where in p for p in problems), problems
    # at use: the typed records refuse it even when validation is skipped
    with pytest.raises(CatalogError):
        catalog_from_entries([entry], validate=False)
    home = tmp_path / "home"
    if field == "version":
        with pytest.raises(UnsafePathError):
            VersionLayout(home, "toy", value)
    elif field == "filename":
        with pytest.raises(UnsafePathError):
            VersionLayout(home, "toy", "1.0").archive_path(value)
    else:
        with pytest.raises(UnsafePathError):
            safe_join(home, value)
    assert not Path("/tmp/mer-evil").exists()
    record(case, "18.1, 18.16", "catalog path string", "refused by validate-catalog and at use")


def test_every_path_the_store_builds_stays_under_the_data_home(tmp_path):
    layout = VersionLayout(tmp_path / "home", "toy", "1.0")
    paths = [
        layout.root,
        layout.member_path("a/b (1).csv"),
        layout.archive_path("x.zip"),
        layout.partial_path("x.zip"),
        layout.state_path,
    ]
    for path in paths:
        assert path.resolve().is_relative_to((tmp_path / "home").resolve())


@pytest.mark.parametrize("loader", ["base", "csvfile", "no_such_module", "os"])
def test_a_loader_field_naming_no_loader_fails_validation_and_use(loader):
    entry = dataset_entry(
        [file_remote("https://example.org/t.csv", GOOD, path=MEMBER)], synthetic=False
    )
    entry["versions"][0]["loader"] = "deam"
    assert validate_document(_document(entry), "ok.yaml") == []
    entry["versions"][0]["loader"] = loader
    problems = validate_document(_document(entry), "hostile.yaml")
    assert any(f"loader {loader!r}" in problem for problem in problems), problems
    with pytest.raises(MERDatasetsError):
        get_loader(loader)
    record(f"loader-{loader}", "18.16", "catalog loader field", "refused by validate-catalog")


# -- 18: catalogs that would exhaust memory or time ---------------------------------------------

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
).encode()


@pytest.mark.parametrize(
    "case",
    ["billion-laughs", "one-alias", "deep-nesting", "dev-zero", "oversized", "not-utf8"],
)
def test_a_hostile_catalog_file_fails_fast_with_a_catalog_error(case, tmp_path):
    path = tmp_path / "catalog.yaml"
    if case == "billion-laughs":
        path.write_bytes(BILLION_LAUGHS)
    elif case == "one-alias":
        path.write_bytes(b"x: &anchor 1\ny: *anchor\n")
    elif case == "deep-nesting":
        path.write_bytes(b"[" * 10_000 + b"]" * 10_000)
    elif case == "dev-zero":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero on this system")
        path = Path("/dev/zero")
    elif case == "oversized":
        path.write_bytes(b"# padding\n" * 1_000_000)
    else:
        path.write_bytes(b"x: \xff\xfe\n")
    with pytest.raises(CatalogError) as refused:
        read_document(path)
    message = str(refused.value)
    assert str(path) in message
    said = " ".join(message.replace(str(path), "FILE").split())
    record(case, "18.18", "catalog file (--catalog, validate-catalog)", "CatalogError", said[:70])


def test_the_packaged_catalog_has_no_alias_and_parses():
    document = parse_document(harness.REPO_ROOT.joinpath("catalog.yaml").read_bytes(), "catalog")
    assert validate_document(document, "catalog.yaml") == []


# -- 17: a damaged state.json -------------------------------------------------------------------

STATE_SHAPES = {
    "a-list": b"[1, 2, 3]",
    "files-a-list": b'{"format": 1, "files": []}',
    "record-a-string": b'{"format": 1, "files": {"data/table.csv": "x"}}',
    "wrong-field-type": b'{"format": 1, "files": {"data/table.csv": {"sha256": 1, "size": "x", '
    b'"how": "download", "source": "s", "verified_at": "t"}}}',
    "deeply-nested": b'{"files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "not-json": b"\x00\xff garbage",
}


@pytest.mark.parametrize("case", list(STATE_SHAPES))
def test_a_damaged_state_record_is_set_aside_and_rebuilt(case, server, sleeps, tmp_path):
    url = server.add("/t.csv", GOOD)
    info = info_from(dataset_entry([file_remote(url, GOOD, path=MEMBER)]))
    home = tmp_path / "home"
    download_dataset(info, data_home=home, fetch_options=quick_options(sleeps))
    state = home / "toy" / "1.0" / "state.json"
    state.write_bytes(STATE_SHAPES[case])
    with pytest.warns(CorruptFileWarning, match="not a valid mer-datasets state record"):
        summary = download_dataset(info, data_home=home, fetch_options=quick_options(sleeps))
    assert summary.files.members[MEMBER].read_bytes() == GOOD
    rebuilt = json.loads(state.read_text())
    assert rebuilt["files"][MEMBER]["sha256"] == harness.sha(GOOD)
    record(case, "18.17", "state.json", "set aside, rebuilt", "files re-verified")


# -- 2: an unpinned archive is trusted only once it proved itself -------------------------------


def _unpinned_archive_entry(url: str) -> dict[str, Any]:
    return dataset_entry(
        [
            {
                "url": url,
                "filename": "release.zip",
                "kind": "zip",
                "size": None,
                "sha256": None,
                "checksum_source": "unknown",
                "members": [
                    {
                        "path": MEMBER,
                        "size": len(GOOD),
                        "sha256": harness.sha(GOOD),
                        "checksum_source": "authors-repository",
                    }
                ],
            }
        ]
    )


ARCHIVE_LIES = {
    "html-page": (("body", b"<!doctype html><html>Please log in</html>"),),
    "short-body": ("SHORT",),
    "206-to-plain-get": (("partial-206",), ("partial-206",), ("partial-206",)),
    "other-member-bytes": ("OTHER",),
}


@pytest.mark.parametrize("case", list(ARCHIVE_LIES))
def test_one_bad_answer_for_an_unpinned_archive_does_not_poison_later_runs(
    case, server, sleeps, tmp_path
):
    data = harness.zip_bytes({MEMBER: GOOD})
    url = server.add("/release.zip", data)
    behaviours = ARCHIVE_LIES[case]
    if behaviours == ("SHORT",):
        behaviours = (("body", data[: len(data) // 2]),)
    elif behaviours == ("OTHER",):
        behaviours = (("body", harness.zip_bytes({MEMBER: b"track,valence\n9,9\n"})),)
    server.queue("/release.zip", *behaviours)
    info = info_from(_unpinned_archive_entry(url))
    home = tmp_path / "home"
    root = home / "toy" / "1.0"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptFileWarning)
        with pytest.raises(MERDatasetsError) as failure:
            download_dataset(info, data_home=home, fetch_options=quick_options(sleeps))
    message = str(failure.value)
    assert "toy" in message and ("release.zip" in message or MEMBER in message), message
    assert type(failure.value) in (CorruptArchiveError, ChecksumMismatchError, DownloadError)
    state = root / "state.json"
    recorded = json.loads(state.read_text())["files"] if state.is_file() else {}
    assert "downloads/release.zip" not in recorded
    assert not (root / "downloads" / "release.zip").exists()
    assert not (root / "files" / MEMBER).exists()
    # the next run, against a healthy server, downloads afresh and succeeds
    summary = download_dataset(info, data_home=home, fetch_options=quick_options(sleeps))
    assert summary.files.members[MEMBER].read_bytes() == GOOD
    assert "downloads/release.zip" in json.loads(state.read_text())["files"]
    record(
        case,
        "18.2",
        "unpinned archive (trust on first use)",
        f"{type(failure.value).__name__}; next run verified",
        "nothing recorded from the bad answer",
    )


# -- 3: bodies without a bound ------------------------------------------------------------------


def _fetch_case(server: Any, sleeps: Any, tmp_path: Path, behaviour: tuple, **overrides: Any):
    url = server.add("/blob.bin", GOOD)
    server.set_always("/blob.bin", behaviour)
    partial = tmp_path / "home" / ".tmp" / "blob.bin.part"
    options = quick_options(sleeps, max_download_bytes=64 * 1024, **overrides)
    with pytest.raises(DownloadError) as failure:
        fetch(url, partial, file_label="toy/blob.bin", options=options)
    assert "toy/blob.bin" in str(failure.value)
    return failure.value, partial


def test_an_endless_body_of_unknown_size_stops_at_the_ceiling_and_leaves_no_part(
    server, sleeps, tmp_path
):
    error, partial = _fetch_case(server, sleeps, tmp_path, ("endless",))
    assert "65536 bytes" in str(error) and "MER_DATASETS_MAX_DOWNLOAD_BYTES" in str(error)
    assert not partial.exists()
    record("endless-body", "18.3", "fetch, unknown size", "DownloadError", "stopped at 64 KiB")


def test_a_gzip_encoded_body_is_refused_never_decoded(server, sleeps, tmp_path):
    error, partial = _fetch_case(server, sleeps, tmp_path, ("encoded", "gzip"))
    assert "Content-Encoding 'gzip'" in str(error)
    assert not partial.exists()
    assert server.served("/blob.bin")[0].status == 200
    record("gzip-body", "18.3", "fetch", "DownloadError", "0 bytes decoded")


def test_a_transfer_that_cannot_fit_on_the_disk_is_not_started(
    server, sleeps, tmp_path, monkeypatch
):
    from mer_datasets.download import fetch as fetch_module

    big = bytes(2 * 1024 * 1024)
    url = server.add("/big.bin", big)

    class Usage:
        free = 1024

    monkeypatch.setattr(fetch_module.shutil, "disk_usage", lambda path: Usage)
    partial = tmp_path / "big.bin.part"
    with pytest.raises(DownloadError, match="needs 2097152 bytes but only 1024") as failure:
        fetch(url, partial, file_label="toy/big.bin", options=quick_options(sleeps))
    assert "toy/big.bin" in str(failure.value) and not partial.exists()
    record("no-free-space", "18.3", "fetch, known size", "DownloadError", "checked before")


def test_a_full_disk_is_an_error_naming_the_file_and_leaves_no_part(server, sleeps, tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    url = server.add("/t.csv", GOOD)
    partial = tmp_path / "t.csv.part"
    partial.symlink_to("/dev/full")  # every write fails with ENOSPC
    with pytest.raises(DownloadError, match="no space left") as failure:
        fetch(url, partial, file_label="toy/t.csv", options=quick_options(sleeps))
    assert "toy/t.csv" in str(failure.value)
    assert not partial.is_symlink() and not partial.exists()
    record("disk-full", "18.3", "fetch (ENOSPC)", "DownloadError naming the file", "no .part")


# -- 19: slow servers and long waits ------------------------------------------------------------


@pytest.mark.parametrize(
    "case,behaviour",
    [("drip-1-byte", ("drip", 10_000, 0.05)), ("slow-headers", ("slow-headers", 0.05))],
)
def test_a_server_that_drips_is_ended_by_the_transfer_deadline(
    case, behaviour, server, sleeps, tmp_path
):
    url = server.add("/slow.bin", bytes(10_000))
    server.set_always("/slow.bin", behaviour)
    options = quick_options(
        sleeps,
        retry=RetryPolicy(attempts=2, backoff_base_s=0.001, jitter=0.0),
        deadline_grace_s=0.2,
        min_rate_bytes_per_s=2048,
        chunk_size=256,
    )
    with pytest.raises(DownloadError, match="too slow") as failure:
        fetch(url, tmp_path / "slow.part", file_label="toy/slow.bin", options=options)
    assert "toy/slow.bin" in str(failure.value) and "2 attempt" in str(failure.value)
    record(case, "18.19", "fetch deadline", "DownloadError (too slow)", "grace + size / min rate")


def test_retry_after_is_capped_the_total_wait_is_bounded_and_each_retry_is_announced(
    server, sleeps, tmp_path
):
    url = server.add("/busy.bin", GOOD)
    server.set_always("/busy.bin", ("status", 429, {"Retry-After": "99999"}))
    said: list[str] = []
    options = quick_options(
        sleeps,
        retry=RetryPolicy(attempts=10, retry_after_cap_s=60.0, max_total_wait_s=150.0),
        notify=said.append,
    )
    with pytest.raises(DownloadError, match="cap of 150 s") as failure:
        fetch(url, tmp_path / "busy.part", file_label="toy/busy.bin", options=options)
    assert sleeps.delays == [60.0, 60.0]
    assert len(said) == 2 and all("retrying in 60.0 s" in line for line in said)
    assert "99999" in said[0] and "toy/busy.bin" in str(failure.value)
    record(
        "retry-after-99999",
        "18.19",
        "fetch retries",
        "DownloadError after 120 s of waits",
        "each wait <= 60 s, total <= 150 s",
    )


def test_with_no_network_the_download_says_it_is_retrying(sleeps, tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    said: list[str] = []
    with pytest.raises(DownloadError, match="3 attempt"):
        fetch(
            f"http://127.0.0.1:{port}/x.csv",
            tmp_path / "x.part",
            file_label="toy/x.csv",
            options=quick_options(sleeps, notify=said.append),
        )
    assert len(said) == 2 and all("retrying in" in line and "toy/x.csv" in line for line in said)
    record("no-network", "11.13", "fetch retries", "announced on stderr", "2 of 2 retries")


# -- 4 and 5: ingest and quarantine -------------------------------------------------------------


def test_re_ingest_replaces_a_file_that_misses_its_pin_by_one_that_matches(tmp_path):
    entry = dataset_entry(
        [file_remote(None, GOOD, path=MEMBER, source="third-party")],
        access="gated",
        how_to_obtain="ask",
        eula_url="https://example.org/eula",
    )
    info = info_from(entry)
    home = tmp_path / "home"
    wrong, right = tmp_path / "wrong", tmp_path / "right"
    (wrong / "data").mkdir(parents=True)
    (wrong / "data" / "table.csv").write_bytes(b"")
    (right / "data").mkdir(parents=True)
    (right / "data" / "table.csv").write_bytes(GOOD)
    with pytest.warns(ChecksumWarning):
        ingest_dataset(info, wrong, data_home=home)
    summary = ingest_dataset(info, right, data_home=home)
    assert summary.ingested == [MEMBER] and summary.already_present == []
    assert (home / "toy" / "1.0" / "files" / MEMBER).read_bytes() == GOOD
    again = ingest_dataset(info, right, data_home=home)
    assert again.already_present == [MEMBER]
    record("reingest-off-pin", "18.4", "ingest", "replaced by the pinned file", "1 replaced")


def test_a_wrong_sized_file_is_refused_before_copying_nothing_reaches_quarantine(tmp_path):
    entry = dataset_entry(
        [file_remote(None, GOOD, path=MEMBER, source="official")],
        access="gated",
        how_to_obtain="ask",
        eula_url="https://example.org/eula",
    )
    source = tmp_path / "src"
    (source / "data").mkdir(parents=True)
    (source / "data" / "table.csv").write_bytes(bytes(1024 * 1024))
    home = tmp_path / "home"
    with pytest.raises(ChecksumMismatchError, match="1048576 bytes"):
        ingest_dataset(info_from(entry), source, data_home=home)
    copied = [p for p in listing(home) if p.endswith(".part") or "quarantine/" in p]
    assert copied == []
    record("oversized-ingest", "18.5", "ingest", "refused before copying", "0 bytes copied")


def test_quarantine_keeps_a_bounded_number_of_files_and_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(install, "QUARANTINE", install.QuarantinePolicy(max_files=3, max_bytes=100))
    store = install.VersionStore.open(VersionLayout(tmp_path / "home", "toy", "1.0"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptFileWarning)
        for index in range(6):
            bad = tmp_path / f"bad{index}"
            bad.write_bytes(b"x" * 20)
            store.quarantine(bad, f"data/bad{index}.csv", "test")
        huge = tmp_path / "huge"
        huge.write_bytes(b"x" * 500)
        store.quarantine(huge, "data/huge.csv", "test")
    kept = sorted(os.listdir(store.layout.quarantine_dir))
    assert len(kept) == 3 and kept[-1].endswith("bad5.csv")
    assert not huge.exists()
    record("quarantine-cap", "18.5", "quarantine", "oldest rotated out", "<= 3 files, <= 100 B")


# -- 11.11 and 11.12: mirrors and ingest folders ------------------------------------------------


def test_a_flat_mirror_without_the_archive_says_which_file_it_must_hold(server, sleeps, tmp_path):
    entry = _unpinned_archive_entry("https://example.org/release.zip")
    with pytest.raises(DownloadError) as failure:
        download_dataset(
            info_from(entry),
            data_home=tmp_path / "home",
            mirror=server.base + "/m",
            fetch_options=quick_options(sleeps),
        )
    message = str(failure.value)
    assert "must hold the archive file release.zip" in message and "toy/release.zip" in message
    assert "stale" not in message
    record("mirror-404-archive", "11.11", "mirror", "names the archive the mirror must hold")


def test_ingest_accepts_the_folder_the_archive_unpacks_to(tmp_path):
    members = ("metadata_csv/ratings.csv", "metadata_csv/videos.csv")
    remote = {
        "url": None,
        "filename": "metadata_csv.zip",
        "kind": "zip",
        "sha256": None,
        "checksum_source": "unknown",
        "members": [
            {"path": m, "sha256": harness.sha(GOOD), "checksum_source": "official"} for m in members
        ],
    }
    entry = dataset_entry(
        [remote], access="gated", how_to_obtain="ask", eula_url="https://example.org/e"
    )
    unpacked = tmp_path / "download" / "metadata_csv"
    unpacked.mkdir(parents=True)
    for member in members:
        (unpacked / Path(member).name).write_bytes(GOOD)
    summary = ingest_dataset(info_from(entry), unpacked, data_home=tmp_path / "home")
    assert sorted(summary.ingested) == sorted(members)
    record("ingest-member-folder", "11.12", "ingest", "found the members", "2 of 2")


def test_an_unreadable_archive_given_to_ingest_is_a_typed_error_naming_dataset_and_file(
    tmp_path,
):
    remote = {
        "url": None,
        "filename": "release.zip",
        "kind": "zip",
        "sha256": None,
        "checksum_source": "unknown",
        "members": [{"path": MEMBER, "sha256": None, "checksum_source": "unknown"}],
    }
    entry = dataset_entry(
        [remote], access="gated", how_to_obtain="ask", eula_url="https://example.org/e"
    )
    source = tmp_path / "src"
    source.mkdir()
    (source / "release.zip").write_bytes(b"<html>the login page, saved as release.zip</html>")
    with pytest.raises(CorruptArchiveError) as failure:
        ingest_dataset(info_from(entry), source, data_home=tmp_path / "home")
    assert "'toy'" in str(failure.value) and "release.zip" in str(failure.value)
    assert (source / "release.zip").is_file()
    record("ingest-html-archive", "18.2", "ingest", "CorruptArchiveError naming dataset and file")


def test_a_local_mirror_file_larger_than_the_catalog_size_is_not_copied(sleeps, tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "table.csv").write_bytes(GOOD + bytes(1024 * 1024))
    entry = dataset_entry([file_remote("https://example.org/table.csv", GOOD, path=MEMBER)])
    home = tmp_path / "home"
    with pytest.raises(DownloadError, match="more than the catalog size"):
        download_dataset(
            info_from(entry),
            data_home=home,
            mirror=str(mirror),
            fetch_options=quick_options(sleeps),
        )
    assert not [p for p in listing(home) if p.endswith(".part") or "quarantine/" in p]
    record("oversized-mirror-file", "18.5", "local mirror", "refused before copying", "0 bytes")


def test_a_full_disk_during_ingest_is_an_error_naming_dataset_and_file(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    entry = dataset_entry(
        [file_remote(None, GOOD, path=MEMBER)],
        access="gated",
        how_to_obtain="ask",
        eula_url="https://example.org/eula",
    )
    source = tmp_path / "src"
    (source / "data").mkdir(parents=True)
    (source / "data" / "table.csv").write_bytes(GOOD)
    home = tmp_path / "home"
    temp = home / "toy" / "1.0" / ".tmp" / "ingest" / "file.part"
    temp.parent.mkdir(parents=True)
    temp.symlink_to("/dev/full")  # every write fails with ENOSPC
    with pytest.raises(MERDatasetsError, match="no space left") as failure:
        ingest_dataset(info_from(entry), source, data_home=home)
    assert "'toy'" in str(failure.value) and MEMBER in str(failure.value)
    assert not temp.is_symlink() and not (home / "toy" / "1.0" / "files" / MEMBER).exists()
    record("disk-full-ingest", "18.3", "ingest (ENOSPC)", "typed error naming the file", "no copy")


@pytest.mark.parametrize(
    "case,field,value,says",
    [
        ("cli-member-dot", "member", ".", "'.' or '..' segment"),
        ("cli-version-nul", "version", "1\x00", "not a safe folder name"),
        ("cli-filename-dotdot", "filename", "..", "file name '..'"),
        ("cli-loader-base", "loader", "base", "is not a loader"),
    ],
)
def test_validate_catalog_on_the_command_line_reports_what_use_would_crash_on(
    case, field, value, says, tmp_path, capsys
):
    from mer_datasets.cli import main

    if field == "loader":
        entry = dataset_entry(
            [file_remote("https://example.org/t.csv", GOOD, path=MEMBER)], synthetic=False
        )
        entry["versions"][0]["loader"] = value
    else:
        entry = _entry_with(field, value)
    path = tmp_path / "catalog.yaml"
    path.write_text(json.dumps(_document(entry)), encoding="utf-8")  # JSON is YAML
    assert main(["validate-catalog", str(path)]) == 1
    err = capsys.readouterr().err
    assert says in err and "'toy'" in err and "Traceback" not in err, err
    record(case, "18.16", "validate-catalog (CLI)", "exit 1, problem named")
