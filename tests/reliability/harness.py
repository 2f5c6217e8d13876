"""Shared helpers of the reliability suite: fixture-pinned catalogs, table digests, results.

Why fixture-pinned catalog entries: the suite must exercise the real download, verify, extract,
parse and cache path end to end without the network. An entry is the packaged catalog's entry of
a dataset with its URLs pointed at a loopback server (or left https and reached via ``--mirror``)
and every pin replaced by the sha256 of the committed synthetic fixture files, pinned as
``authors-repository`` so that any byte difference is an error, not a warning.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "data"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "reliability"

#: results gathered by the tests of this session, written by conftest.py at the end
RESULTS: dict[str, list[dict[str, Any]]] = {}


def record(topic: str, **row: Any) -> None:
    """Add one result row to ``test-artifacts/reliability/<topic>.json`` (written at session end)."""
    RESULTS.setdefault(topic, []).append(row)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fixture_file(dataset_id: str, member_path: str, root: Path | None = None) -> Path | None:
    """A member of a fixture, at its path or under one extra top folder (as loaders allow)."""
    root = root or FIXTURES / dataset_id
    direct = root / member_path
    if direct.is_file():
        return direct
    for child in sorted(root.iterdir()):
        if child.is_dir() and (child / member_path).is_file():
            return child / member_path
    return None


def zip_bytes(members: dict[str, bytes], *, top: str = "", padding: int = 0) -> bytes:
    """A deterministic zip of ``members`` (optionally under ``top/``, plus a padding member)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(members.items()):
            info = zipfile.ZipInfo(f"{top}{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        if padding:
            import random

            info = zipfile.ZipInfo(f"{top}padding.bin", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, random.Random(7).randbytes(padding))
    return buffer.getvalue()


def pinned_entry(
    dataset_id: str,
    base_url: str | None,
    *,
    padding: int = 0,
    root: Path | None = None,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(catalog entry, {served filename: bytes}) of a fixture, pinned to the fixture's bytes.

    ``base_url`` None keeps the entry's https URLs (reach it through a mirror); otherwise every
    remote's URL becomes ``<base_url>/<dataset id>/<filename>`` (the mirror layout, so one
    server serves both). Optional remotes/members absent from the fixture are dropped.
    ``padding`` adds a large stored member ``padding.bin`` to each archive (slow extraction).
    ``root`` pins the files of another folder laid out like the fixture (e.g. a broken copy).
    """
    from mer_datasets.catalog import default_catalog

    info = default_catalog().get(dataset_id)
    entry = copy.deepcopy(dict(info.raw))
    version = next(v for v in entry["versions"] if str(v["version"]) == info.default_version)
    entry["versions"] = [version]
    # annotation files only: an asset group may share an archive with the annotations (4QAED's
    # audio is inside the annotation zip), and its pins are of the real archive, not this one
    version.pop("assets", None)
    served: dict[str, bytes] = {}
    remotes = []
    for remote in version.get("remotes", []):
        if remote["kind"] == "file":
            found = fixture_file(dataset_id, remote["path"], root)
            if found is None:
                if remote.get("optional"):
                    continue
                raise AssertionError(f"fixture {dataset_id} lacks {remote['path']}")
            data = found.read_bytes()
            remote.update(size=len(data), sha256=sha(data), checksum_source="authors-repository")
        else:
            members: dict[str, bytes] = {}
            kept = []
            for member in remote.get("members", []):
                if "directory" in member:  # optional folders (DEAM's curves): not served here
                    continue
                found = fixture_file(dataset_id, member["path"], root)
                if found is None:
                    if member.get("optional") or remote.get("optional"):
                        continue
                    raise AssertionError(f"fixture {dataset_id} lacks {member['path']}")
                body = found.read_bytes()
                members[member["path"]] = body
                member.update(
                    size=len(body), sha256=sha(body), checksum_source="authors-repository"
                )
                kept.append(member)
            if not kept:
                continue
            if padding:
                kept.append(
                    {
                        "path": "padding.bin",
                        "size": padding,
                        "sha256": sha(_padding_bytes(padding)),
                        "checksum_source": "authors-repository",
                    }
                )
            remote["members"] = kept
            data = zip_bytes(members, top="top/", padding=padding)
            remote.update(size=len(data), sha256=sha(data), checksum_source="authors-repository")
            remote.pop("optional", None)
        remote.pop("url_note", None)
        remote.pop("checksum_note", None)
        for member in remote.get("members", []):
            member.pop("checksum_note", None)
        if base_url is not None:
            remote["url"] = f"{base_url}/{dataset_id}/{remote['filename']}"
        elif remote.get("url") is None:
            remote["url"] = f"https://example.org/{dataset_id}/{remote['filename']}"
        served[remote["filename"]] = data
        remotes.append(remote)
    version["remotes"] = remotes
    present = {r["path"] for r in remotes if r["kind"] == "file"} | {
        m["path"] for r in remotes for m in r.get("members", [])
    }
    version["files"] = {k: v for k, v in (version.get("files") or {}).items() if v in present}
    if entry["access"] != "open":
        entry["access"] = "open"
    return entry, served


def _padding_bytes(n: int) -> bytes:
    import random

    return random.Random(7).randbytes(n)


def serve_entry(server: Any, dataset_id: str, served: dict[str, bytes], prefix: str = "") -> None:
    """Register the served files at ``<prefix>/<dataset id>/<filename>`` (mirror layout)."""
    for filename, data in served.items():
        server.add(f"{prefix}/{dataset_id}/{filename}", data)


def catalog_of(*entries: dict[str, Any]) -> Any:
    from mer_datasets.catalog import catalog_from_entries

    return catalog_from_entries(list(entries), validate=False)


def table_digest(tables: Any) -> dict[str, str]:
    """Content hash per table: columns, dtypes and a row-order-sensitive hash of the values."""
    import pandas as pd

    digests = {}
    for name in ("tracks", "raters", "annotations", "labels"):
        frame = getattr(tables, name)
        row_hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        material = json.dumps(
            {
                "columns": [str(c) for c in frame.columns],
                "dtypes": [str(t) for t in frame.dtypes],
                "rows": len(frame),
                "hash": hashlib.sha256(row_hashes.tobytes()).hexdigest(),
            }
        )
        digests[name] = sha(material.encode())
    return digests


def write_results(topic: str, rows: list[dict[str, Any]]) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{topic}.json"
    path.write_text(json.dumps({"topic": topic, "rows": rows}, indent=1, sort_keys=True) + "\n")
    return path
