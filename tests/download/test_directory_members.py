"""Directory members (a folder of one file per item): catalog schema, ingest, archive extraction.

The case that needs them is DEAM's per-rater curves (``annotations per each rater/dynamic (per
second annotations)/<arousal|valence>/<song_id>.csv``): no real copy exists, so the DEAM fixture
(generated in the documented layout) is ingested from a folder, from a zip of it, and fetched
from a local mirror, with the catalog's own DEAM entry and with variants that pin a count or a
checksum manifest.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from mer_datasets.catalog import DirectoryMember, catalog_from_entries, read_document
from mer_datasets.dataset import load_dataset
from mer_datasets.download.directories import list_directory
from mer_datasets.download.layout import file_pattern_problem, match_file_pattern
from mer_datasets.download.store import ensure_files, ingest_dataset, verify_dataset
from mer_datasets.errors import (
    CatalogError,
    ChecksumMismatchError,
    DirectoryMemberError,
    UnsafePathError,
)
from mer_datasets.resources import catalog_path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "data" / "deam"
DYNAMIC = "annotations/annotations per each rater/dynamic (per second annotations)"


def _deam_entry() -> dict:
    """The catalog's DEAM entry, with the third-party pins of the real averaged files dropped
    (the fixture is synthetic; those pins would only warn)."""
    document = read_document(catalog_path())
    entry = copy.deepcopy(next(d for d in document["datasets"] if d["id"] == "deam"))
    for remote in entry["versions"][0]["remotes"]:
        for member in remote["members"]:
            if "path" in member:
                member.update(size=None, sha256=None, checksum_source="unknown")
    return entry


def _info(entry: dict):
    return catalog_from_entries([entry]).get("deam")


def _directories(entry: dict) -> list[dict]:
    members = entry["versions"][0]["remotes"][0]["members"]
    return [m for m in members if "directory" in m]


def _curve_files(root: Path) -> dict[str, Path]:
    """Independent listing: every per-rater curve file of the fixture, by member path."""
    base = root / "DEAM_Annotations"
    return {
        p.relative_to(base).as_posix(): p
        for p in (base / DYNAMIC).rglob("*.csv")
        if p.parent.name in ("arousal", "valence")
    }


def _zip_of(folder: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent).as_posix())
    return target


def _state(home: Path) -> dict:
    return json.loads((home / "deam" / "2017" / "state.json").read_text())["files"]


def test_the_catalog_declares_both_per_rater_curve_folders_as_optional_directory_members():
    info = _info(_deam_entry())
    (remote,) = [r for r in info.version().remotes if r.filename == "DEAM_Annotations.zip"]
    assert [d.path for d in remote.directories] == [f"{DYNAMIC}/arousal", f"{DYNAMIC}/valence"]
    assert all(d.optional and d.count is None and d.manifest is None for d in remote.directories)
    assert all(d.pattern == "*.csv" for d in remote.directories)
    assert not any(m.path.startswith(DYNAMIC) for m in remote.members)


def test_ingest_of_a_folder_verifies_and_installs_every_curve_file(tmp_path):
    home = tmp_path / "home"
    expected = _curve_files(FIXTURE)
    assert len(expected) == 4  # 2 songs x 2 dimensions in the generator
    summary = ingest_dataset(_info(_deam_entry()), FIXTURE, data_home=home)
    assert set(expected) <= set(summary.ingested)
    state = _state(home)
    for member, source in expected.items():
        installed = home / "deam" / "2017" / "files" / member
        assert installed.read_bytes() == source.read_bytes()
        assert state[member]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    files = ensure_files(_info(_deam_entry()), data_home=home, offline=True)
    assert set(expected) <= set(files.members)
    again = ingest_dataset(_info(_deam_entry()), FIXTURE, data_home=home)
    assert set(expected) <= set(again.already_present) and not again.ingested


def test_verify_rehashes_the_folder_files_and_quarantines_a_changed_one(tmp_path):
    home = tmp_path / "home"
    info = _info(_deam_entry())
    ingest_dataset(info, FIXTURE, data_home=home)
    statuses = {s.path: s.status for s in verify_dataset(info, data_home=home)}
    curves = _curve_files(FIXTURE)
    assert {statuses[m] for m in curves} == {"unpinned"}  # trusted on first use, unchanged
    changed = next(iter(sorted(curves)))
    (home / "deam" / "2017" / "files" / changed).write_bytes(b"WorkerId,sample_15000ms\n")
    statuses = {s.path: s.status for s in verify_dataset(info, data_home=home)}
    assert statuses[changed] == "corrupt"
    assert not (home / "deam" / "2017" / "files" / changed).exists()


def test_the_loader_reads_the_ingested_curves_row_for_row(tmp_path):
    home = tmp_path / "home"
    ingest_dataset(_info(_deam_entry()), FIXTURE, data_home=home)
    dataset = load_dataset("deam", data_home=home, offline=True, cache=False)
    dynamic = dataset.annotations[dataset.annotations["time_s"].notna()]
    cells = empty = 0
    for path in _curve_files(FIXTURE).values():
        lines = path.read_text().splitlines()
        skip = 1 if lines[0].startswith("WorkerId") else 0
        for line in lines[1:]:
            values = line.split(",")[skip:]
            cells += sum(1 for v in values if v.strip())
            empty += sum(1 for v in values if not v.strip())
    assert len(dynamic) == cells == 2 * 3 * 4 + 2 * 2 * 4 - 1
    quirks = {(q.kind, q.file): q.count for q in dataset.quirks.quirks}
    assert quirks[("empty-sample", DYNAMIC)] == empty == 1


def test_ingest_extracts_the_curve_files_from_the_archive(tmp_path):
    home = tmp_path / "home"
    source = tmp_path / "src"
    _zip_of(FIXTURE / "DEAM_Annotations", source / "DEAM_Annotations.zip")
    summary = ingest_dataset(_info(_deam_entry()), source, data_home=home)
    expected = _curve_files(FIXTURE)
    assert set(expected) <= set(summary.ingested)
    for member, path in expected.items():
        assert (home / "deam" / "2017" / "files" / member).read_bytes() == path.read_bytes()
        assert "DEAM_Annotations.zip!" in _state(home)[member]["source"]


def test_download_from_a_mirror_extracts_the_curve_files_too(tmp_path):
    home, mirror = tmp_path / "home", tmp_path / "mirror"
    _zip_of(FIXTURE / "DEAM_Annotations", mirror / "deam" / "DEAM_Annotations.zip")
    files = ensure_files(_info(_deam_entry()), data_home=home, mirror=str(mirror))
    expected = _curve_files(FIXTURE)
    assert set(expected) <= set(files.members)
    for member, path in expected.items():
        assert files.members[member].read_bytes() == path.read_bytes()


def test_the_public_copies_without_per_rater_files_ingest_and_load(tmp_path):
    home, source = tmp_path / "home", tmp_path / "src"
    shutil.copytree(FIXTURE, source)
    shutil.rmtree(source / "DEAM_Annotations/annotations/annotations per each rater")
    summary = ingest_dataset(_info(_deam_entry()), source, data_home=home)
    assert not any(path.startswith(DYNAMIC) for path in summary.ingested)
    dataset = load_dataset("deam", data_home=home, offline=True, cache=False)
    assert dataset.annotations.empty
    assert any(q.kind == "per-rater-files-absent" for q in dataset.quirks.quirks)


def test_a_wrong_file_count_is_a_typed_error_naming_dataset_and_folder(tmp_path):
    entry = _deam_entry()
    _directories(entry)[0]["count"] = 3  # the fixture has 2 arousal files
    with pytest.raises(DirectoryMemberError) as failure:
        ingest_dataset(_info(entry), FIXTURE, data_home=tmp_path / "home")
    message = str(failure.value)
    assert "'deam'" in message and f"{DYNAMIC}/arousal" in message
    assert "expected 3" in message and "found 2" in message
    assert (failure.value.expected, failure.value.found) == (3, 2)
    assert not (tmp_path / "home" / "deam" / "2017" / "files").exists()


def test_a_wrong_count_in_the_archive_is_refused_as_well(tmp_path):
    entry = _deam_entry()
    _directories(entry)[1]["count"] = 5
    source = tmp_path / "src"
    _zip_of(FIXTURE / "DEAM_Annotations", source / "DEAM_Annotations.zip")
    with pytest.raises(DirectoryMemberError, match="DEAM_Annotations.zip"):
        ingest_dataset(_info(entry), source, data_home=tmp_path / "home")


def _manifest_entry(*, tamper: str | None = None, source: str = "authors-repository") -> dict:
    entry = _deam_entry()
    for directory in _directories(entry):
        files = {
            member.rsplit("/", 1)[1]: hashlib.sha256(path.read_bytes()).hexdigest()
            for member, path in _curve_files(FIXTURE).items()
            if member.rsplit("/", 1)[0] == directory["directory"]
        }
        if tamper in files:
            files[tamper] = "0" * 64
        directory.update(count=len(files), manifest=files, checksum_source=source)
    return entry


def test_a_manifest_pins_every_file(tmp_path):
    home = tmp_path / "home"
    entry = _manifest_entry()
    ingest_dataset(_info(entry), FIXTURE, data_home=home)
    assert set(_curve_files(FIXTURE)) <= set(ensure_files(_info(entry), data_home=home).members)


def test_a_checksum_mismatch_against_the_manifest_names_dataset_and_file(tmp_path):
    entry = _manifest_entry(tamper="3.csv")
    with pytest.raises(ChecksumMismatchError) as failure:
        ingest_dataset(_info(entry), FIXTURE, data_home=tmp_path / "home")
    message = str(failure.value)
    assert "'deam'" in message and "/3.csv" in message
    assert failure.value.expected == "0" * 64


def test_files_missing_from_or_extra_to_the_manifest_are_refused(tmp_path):
    entry = _manifest_entry()
    manifest = _directories(entry)[0]["manifest"]
    manifest["9.csv"] = manifest.pop("2.csv")
    with pytest.raises(DirectoryMemberError, match=r"missing 9\.csv.*not in the manifest 2\.csv"):
        ingest_dataset(_info(entry), FIXTURE, data_home=tmp_path / "home")


@pytest.mark.parametrize("pattern", ["../*.csv", "a/*.csv", "..", ".", "*?.csv", "**", ""])
def test_a_pattern_that_could_leave_the_folder_is_refused(pattern):
    assert file_pattern_problem(pattern) is not None
    with pytest.raises(UnsafePathError):
        DirectoryMember(path="a/b", pattern=pattern, count=None, checksum_source="unknown")


@pytest.mark.parametrize(
    "field, value",
    [("pattern", "../*.csv"), ("directory", "../outside"), ("directory", "/abs")],
)
def test_validate_catalog_refuses_an_unsafe_directory_member(field, value):
    entry = _deam_entry()
    _directories(entry)[0][field] = value
    with pytest.raises(CatalogError, match="unsafe|does not match|pattern|not valid"):
        catalog_from_entries([entry])


def test_patterns_match_names_directly_in_the_folder_only():
    assert match_file_pattern("*.csv", "12.csv") and not match_file_pattern("*.csv", "12.csv.bak")
    directory = DirectoryMember(path="a/b", pattern="*.csv", count=None, checksum_source="unknown")
    names = ["a/b/1.csv", "a/b/sub/2.csv", "a/b/README.txt", "top/a/b/3.csv", "x/a/b.csv"]
    listed = list_directory("toy", directory, names, where="test")
    assert [f.member.path for f in listed] == ["a/b/1.csv"]
