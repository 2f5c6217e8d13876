"""Hostile archives served as a catalog archive remote, through the real download path.

Each archive is pinned (its sha256 as an authors' pin, so the download itself is accepted) and
also holds the wanted member ``data/table.csv``; extraction must refuse the whole archive with
UnsafeArchiveError naming the offending member, write nothing outside the data home, and leave
no member at a final path.
"""

from __future__ import annotations

import io
import tarfile
import warnings
import zipfile
from pathlib import Path

import pytest

from mer_datasets.download.extract import ExtractionLimits
from mer_datasets.download.store import download_dataset
from mer_datasets.errors import UnsafeArchiveError
from tests.download.conftest import dataset_entry, info_from
from tests.reliability import harness
from tests.reliability.conftest import quick_options

GOOD = b"track,valence\n1,0.5\n"


def _zip(entries: list[tuple[str, bytes]], *, mode: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # "Duplicate name" is the point of one case
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None and name != "data/table.csv":
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _tar(special: tarfile.TarInfo) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        good = tarfile.TarInfo("data/table.csv")
        good.size = len(GOOD)
        archive.addfile(good, io.BytesIO(GOOD))
        archive.addfile(special)
    return buffer.getvalue()


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def _device(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.CHRTYPE
    info.devmajor, info.devminor = 1, 3
    return info


HOSTILE = {
    "path-traversal": (
        "zip",
        lambda: _zip([("data/table.csv", GOOD), ("../../evil.txt", b"x")]),
        "../../evil.txt",
    ),
    "absolute-path": (
        "zip",
        lambda: _zip([("data/table.csv", GOOD), ("/tmp/evil-abs.txt", b"x")]),
        "/tmp/evil-abs.txt",
    ),
    "symlink-escape": (
        "tar",
        lambda: _tar(_link("data/link", "../../../../etc/passwd", tarfile.SYMTYPE)),
        "data/link",
    ),
    "hardlink-escape": (
        "tar",
        lambda: _tar(_link("data/hard", "/etc/passwd", tarfile.LNKTYPE)),
        "data/hard",
    ),
    "zip-symlink-escape": (
        "zip",
        lambda: _zip([("data/table.csv", GOOD), ("data/ln", b"/etc/passwd")], mode=0o120777),
        "data/ln",
    ),
    "bomb-ratio": (
        "zip",
        lambda: _zip([("data/table.csv", GOOD), ("zeros.bin", bytes(8 << 20))]),
        "zeros.bin",
    ),
    "bomb-member-count": (
        "zip",
        lambda: _zip([("data/table.csv", GOOD)] + [(f"m/{i}.txt", b"") for i in range(60)]),
        "m/49.txt",
    ),
    "device-file": ("tar", lambda: _tar(_device("data/dev")), "data/dev"),
    "duplicate-member": (
        "zip",
        lambda: _zip([("data/table.csv", GOOD), ("data/table.csv", b"evil")]),
        "data/table.csv",
    ),
}


def _listing(root: Path, skip: Path) -> set[str]:
    return {
        str(p.relative_to(root)) for p in root.rglob("*") if skip not in p.parents and p != skip
    }


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_archive_is_refused_naming_the_member_and_nothing_escapes(
    case, server, sleeps, tmp_path
):
    kind, build, member = HOSTILE[case]
    data = build()
    filename = f"release.{'zip' if kind == 'zip' else 'tar.gz'}"
    url = server.add(f"/{filename}", data)
    entry = dataset_entry(
        [
            {
                "url": url,
                "filename": filename,
                "kind": kind,
                "size": len(data),
                "sha256": harness.sha(data),
                "checksum_source": "authors-repository",
                "members": [
                    {
                        "path": "data/table.csv",
                        "size": len(GOOD),
                        "sha256": harness.sha(GOOD),
                        "checksum_source": "authors-repository",
                    }
                ],
            }
        ]
    )
    home = tmp_path / "home"
    before = _listing(tmp_path, home)
    limits = ExtractionLimits(max_members=50)
    with pytest.raises(UnsafeArchiveError) as refused:
        download_dataset(
            info_from(entry), data_home=home, fetch_options=quick_options(sleeps), limits=limits
        )
    assert refused.value.member == member and repr(member) in str(refused.value)
    assert _listing(tmp_path, home) == before
    assert not Path("/tmp/evil-abs.txt").exists() and not (tmp_path / "evil.txt").exists()
    files = home / "toy" / "1.0" / "files"
    assert not files.exists() or not any(p.is_file() for p in files.rglob("*"))
    assert not (home / "toy" / "1.0" / ".tmp" / "extract").exists()
    harness.record(
        "archives",
        case=case,
        member=member,
        outcome="UnsafeArchiveError",
        written_outside=0,
        partial_members=0,
    )
