"""ingest_dataset: files found by member path (with or without one extra folder) or in the archive."""

from __future__ import annotations

import json
import zipfile

import pytest

from mer_datasets.download.store import ensure_files, ingest_dataset, verify_dataset
from mer_datasets.errors import ChecksumMismatchError, IngestError
from tests.download.conftest import dataset_entry, info_from, sha

MEMBERS = {
    "annotations/static.csv": b"song_id,valence\n2,4.1\n",
    "annotations/dynamic/arousal.csv": b"song_id,sample_15000ms\n2,0.1\n",
}


def gated_entry(*, pin: str = "official") -> dict:
    return dataset_entry(
        [
            {
                "url": None,
                "filename": "DEAM_Annotations.zip",
                "kind": "zip",
                "size": None,
                "sha256": None,
                "checksum_source": "unknown",
                "members": [
                    {"path": p, "size": len(d), "sha256": sha(d), "checksum_source": pin}
                    for p, d in MEMBERS.items()
                ],
            }
        ],
        access="gated",
        how_to_obtain="Request access from the authors.",
    )


def write_tree(root, prefix=""):
    for path, data in MEMBERS.items():
        target = root / prefix / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def assert_ingested(home, source_dir):
    state = json.loads((home / "toy" / "1.0" / "state.json").read_text())["files"]
    for path, data in MEMBERS.items():
        assert (home / "toy" / "1.0" / "files" / path).read_bytes() == data
        assert state[path]["how"] == "ingest"
        assert state[path]["sha256"] == sha(data)
        assert str(source_dir) in state[path]["source"]


def test_ingest_finds_members_at_their_paths_and_copies_them(tmp_path, home):
    write_tree(tmp_path / "src")
    summary = ingest_dataset(info_from(gated_entry()), tmp_path / "src", data_home=home)
    assert sorted(summary.ingested) == sorted(MEMBERS)
    assert_ingested(home, tmp_path / "src")
    assert (tmp_path / "src" / "annotations" / "static.csv").exists()  # copied, not moved
    assert [s.status for s in verify_dataset(info_from(gated_entry()), data_home=home)] == [
        "ok",
        "ok",
    ]


def test_ingest_accepts_one_extra_top_level_folder(tmp_path, home):
    write_tree(tmp_path / "src", "DEAM_Annotations")
    ingest_dataset(info_from(gated_entry()), tmp_path / "src", data_home=home)
    assert_ingested(home, tmp_path / "src")
    files = ensure_files(info_from(gated_entry()), data_home=home)  # gated but ingested: fine
    assert sorted(files.members) == sorted(MEMBERS)


def test_ingest_refuses_a_member_found_under_two_top_level_folders(tmp_path, home):
    write_tree(tmp_path / "src", "copy1")
    write_tree(tmp_path / "src", "copy2")
    with pytest.raises(IngestError, match="ambiguous") as failure:
        ingest_dataset(info_from(gated_entry()), tmp_path / "src", data_home=home)
    assert "copy1" in str(failure.value) and "copy2" in str(failure.value)


def test_ingest_extracts_members_from_the_archive_file_itself(tmp_path, home):
    (tmp_path / "src").mkdir()
    with zipfile.ZipFile(tmp_path / "src" / "DEAM_Annotations.zip", "w") as zf:
        for path, data in MEMBERS.items():
            zf.writestr(f"DEAM_Annotations/{path}", data)
    ingest_dataset(info_from(gated_entry()), tmp_path / "src", data_home=home)
    assert_ingested(home, tmp_path / "src")


def test_missing_files_are_listed_exactly_with_where_we_looked_and_nothing_is_copied(
    tmp_path, home
):
    (tmp_path / "src" / "annotations").mkdir(parents=True)
    (tmp_path / "src" / "annotations" / "static.csv").write_bytes(MEMBERS["annotations/static.csv"])
    with pytest.raises(IngestError) as failure:
        ingest_dataset(info_from(gated_entry()), tmp_path / "src", data_home=home)
    message = str(failure.value)
    assert "1 required file(s) not found" in message
    assert "annotations/dynamic/arousal.csv" in message
    assert "annotations/static.csv" not in message.split("not found", 1)[1].split("Nothing")[0]
    assert str(tmp_path / "src" / "*" / "annotations/dynamic/arousal.csv") in message
    assert "DEAM_Annotations.zip" in message
    assert not (home / "toy" / "1.0" / "files").exists()


def test_an_ingested_file_that_fails_an_official_pin_is_refused(tmp_path, home):
    write_tree(tmp_path / "src")
    (tmp_path / "src" / "annotations" / "static.csv").write_bytes(b"edited by hand\n")
    with pytest.raises(ChecksumMismatchError, match="annotations/static.csv"):
        ingest_dataset(info_from(gated_entry()), tmp_path / "src", data_home=home)
    assert not (home / "toy" / "1.0" / "files" / "annotations" / "static.csv").exists()


def test_ingest_of_a_missing_directory_is_a_clear_error(tmp_path, home):
    with pytest.raises(IngestError, match="not a directory"):
        ingest_dataset(info_from(gated_entry()), tmp_path / "nowhere", data_home=home)


def test_ingest_accepts_a_plain_file_under_its_download_name(tmp_path, home):
    data = b"a,b\n1,2\n"
    entry = dataset_entry(
        [
            {
                "url": None,
                "filename": "export.json",
                "kind": "file",
                "path": "data/export.json",
                "size": len(data),
                "sha256": sha(data),
                "checksum_source": "authors-repository",
            }
        ]
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "export.json").write_bytes(data)
    ingest_dataset(info_from(entry), tmp_path / "src", data_home=home)
    assert (home / "toy" / "1.0" / "files" / "data" / "export.json").read_bytes() == data
