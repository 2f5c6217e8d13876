"""Safe extraction: hostile archives are refused naming the member; wanted members come out."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from mer_datasets.download.extract import (
    ExtractionLimits,
    extract_all,
    extract_members,
    inspect_archive,
)
from mer_datasets.errors import UnsafeArchiveError


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)
    return path


def tar_info(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def make_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def refused(archive: Path, member: str, limits: ExtractionLimits | None = None) -> str:
    with pytest.raises(UnsafeArchiveError) as failure:
        extract_members(archive, ["ok.csv"], archive.parent / "out", limits=limits)
    assert failure.value.member == member
    assert member in str(failure.value)
    assert not (archive.parent / "out").exists()
    return str(failure.value)


def test_wanted_members_are_extracted_and_others_are_not(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("a/x.csv", b"1,2\n"), ("a/y.csv", b"3,4\n")])
    written = extract_members(archive, ["a/x.csv"], tmp_path / "out")
    assert written == {"a/x.csv": tmp_path / "out" / "a" / "x.csv"}
    assert written["a/x.csv"].read_bytes() == b"1,2\n"
    assert not (tmp_path / "out" / "a" / "y.csv").exists()


def test_a_member_is_found_under_one_extra_top_level_folder(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz",
        [(tar_info("DEAM_Annotations/annotations/s.csv"), b"song,valence\n")],
    )
    written = extract_members(
        archive, ["annotations/s.csv", "annotations/absent.csv"], tmp_path / "o"
    )
    assert list(written) == ["annotations/s.csv"]
    assert written["annotations/s.csv"] == tmp_path / "o" / "annotations" / "s.csv"
    assert written["annotations/s.csv"].read_bytes() == b"song,valence\n"


def test_a_member_under_two_top_level_folders_is_ambiguous(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("v1/x.csv", b"1"), ("v2/x.csv", b"2")])
    with pytest.raises(UnsafeArchiveError, match="ambiguous.*v1/x.csv, v2/x.csv"):
        extract_members(archive, ["x.csv"], tmp_path / "o")


def test_extract_all_writes_every_regular_file(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("a/x.csv", b"1"), ("b.txt", b"2")])
    assert sorted(extract_all(archive, tmp_path / "o")) == ["a/x.csv", "b.txt"]


def test_traversal_with_dotdot_is_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("ok.csv", b"1"), ("../evil.txt", b"x")])
    assert "'..'" in refused(archive, "../evil.txt")


def test_an_absolute_member_path_is_refused(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz", [(tar_info("ok.csv"), b"1"), (tar_info("/etc/evil"), b"x")]
    )
    assert "absolute" in refused(archive, "/etc/evil")


def test_a_symlink_pointing_outside_is_refused(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz",
        [(tar_info("ok.csv"), b"1"), (tar_info("link", tarfile.SYMTYPE, "../../etc/passwd"), None)],
    )
    assert "symlink pointing outside" in refused(archive, "link")


def test_a_hardlink_pointing_outside_is_refused(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz",
        [(tar_info("ok.csv"), b"1"), (tar_info("hard", tarfile.LNKTYPE, "/etc/shadow"), None)],
    )
    assert "hardlink pointing outside" in refused(archive, "hard")


def test_a_zip_symlink_pointing_outside_is_refused(tmp_path):
    link = zipfile.ZipInfo("zlink")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(tmp_path / "a.zip", [("ok.csv", b"1"), (link, b"../../outside")])
    assert "link pointing outside" in refused(archive, "zlink")


def test_a_link_inside_the_archive_is_tolerated_but_never_extracted(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz",
        [(tar_info("d/ok.csv"), b"1"), (tar_info("d/alias.csv", tarfile.SYMTYPE, "ok.csv"), None)],
    )
    assert extract_members(archive, ["d/ok.csv"], tmp_path / "o")["d/ok.csv"].read_bytes() == b"1"
    with pytest.raises(UnsafeArchiveError, match="is a link") as failure:
        extract_members(archive, ["d/alias.csv"], tmp_path / "o2")
    assert failure.value.member == "d/alias.csv"


def test_a_device_file_in_a_tar_is_refused(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz",
        [(tar_info("ok.csv"), b"1"), (tar_info("dev/sda", tarfile.BLKTYPE), None)],
    )
    assert "device" in refused(archive, "dev/sda")


def test_a_fifo_in_a_tar_is_refused(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz",
        [(tar_info("ok.csv"), b"1"), (tar_info("pipe", tarfile.FIFOTYPE), None)],
    )
    assert "FIFO" in refused(archive, "pipe")


def test_duplicate_member_names_are_refused(tmp_path):
    archive = make_tar(
        tmp_path / "a.tar.gz", [(tar_info("ok.csv"), b"1"), (tar_info("./ok.csv"), b"2")]
    )
    assert "more than once" in refused(archive, "./ok.csv")


def test_a_zip_bomb_by_compression_ratio_is_refused(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", [("ok.csv", b"1"), ("zeros.bin", bytes(20_000_000))])
    ratio = 20_000_001 / archive.stat().st_size
    assert ratio > 200  # independent check that the fixture is a bomb by the default limit
    assert "ratio" in refused(archive, "zeros.bin")


def test_an_archive_with_too_many_members_is_refused(tmp_path):
    members = [("ok.csv", b"1")] + [(f"m{i}.txt", b"") for i in range(60)]
    archive = make_zip(tmp_path / "many.zip", members)
    assert "limit of 50 members" in refused(archive, "m49.txt", ExtractionLimits(max_members=50))


def test_an_archive_above_the_total_size_cap_is_refused(tmp_path):
    archive = make_zip(tmp_path / "big.zip", [("ok.csv", b"1"), ("big.bin", bytes(5000))])
    assert "cap" in refused(archive, "big.bin", ExtractionLimits(max_total_bytes=4000))


def test_a_clean_archive_lists_its_entries(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("a/x.csv", b"12")])
    entries = inspect_archive(archive)
    assert entries["a/x.csv"].size == 2 and entries["a/x.csv"].kind == "file"
