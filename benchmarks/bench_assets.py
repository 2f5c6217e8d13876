"""Benchmark of asset access on a release the size of MTG-Jamendo's (100 tars, ~18,500 tracks).

A script, not a test: ``python benchmarks/bench_assets.py [--out FILE] [--per-folder N]``.

A synthetic release in MTG-Jamendo's layout (tar ``-NN`` holds folder ``NN``, track ``n`` is
``NN/n.mp3`` with ``NN = n mod 100``, one ``sha256 path`` manifest pinning every track) is
written to a local mirror directory (no network, no real audio: each file holds a few bytes, so
the figures are the bookkeeping, not the transfer or the decoding). Timed: the first
``audio_path`` (manifest + one tar fetched, extracted and verified), then warm ``audio_path``
calls for every track of that tar (verified files, no hashing), and ``estimate`` for a 1,000-track
selection. The machine may be shared: best of ``--repeats`` for the warm figures.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import platform
import shutil
import tarfile
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from mer_datasets.assets import audio_path
from mer_datasets.catalog import catalog_from_entries
from mer_datasets.download.assets import estimate

DATASET = "bench-split"
MANIFEST = "data/download/sha256_tracks.txt"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tar(folder: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        entry = tarfile.TarInfo(folder)
        entry.type = tarfile.DIRTYPE
        archive.addfile(entry)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build_release(mirror: Path, per_folder: int) -> tuple[object, list[str]]:
    """Write the release into ``mirror/<id>/`` and return (dataset info, track ids)."""
    root = mirror / DATASET
    root.mkdir(parents=True)
    tracks = {
        f"track_{folder + 100 * k:07d}": f"{folder:02d}/{folder + 100 * k}.mp3"
        for folder in range(100)
        for k in range(1, per_folder + 1)
    }
    body = {t: t.encode() for t in tracks}
    manifest = "".join(f"{_sha(body[t])} {m}\n" for t, m in tracks.items()).encode()
    (root / "sha256_tracks.txt").write_bytes(manifest)
    remotes: list[dict] = [
        {
            "url": None,
            "filename": "sha256_tracks.txt",
            "kind": "file",
            "path": MANIFEST,
            "size": len(manifest),
            "sha256": _sha(manifest),
            "checksum_source": "official",
        }
    ]
    for folder in range(100):
        name = f"{folder:02d}"
        files = {m: body[t] for t, m in tracks.items() if m.startswith(name + "/")}
        data = _tar(name, files)
        (root / f"split-{name}.tar").write_bytes(data)
        remotes.append(
            {
                "url": None,
                "filename": f"split-{name}.tar",
                "kind": "tar",
                "size": None,
                "sha256": _sha(data),
                "checksum_source": "official",
                "members": [
                    {"directory": name, "pattern": "*.mp3", "count": len(files)}
                    | {"checksum_source": "unknown"}
                ],
            }
        )
    labels = {
        "url": None,
        "filename": "labels.csv",
        "kind": "file",
        "path": "labels.csv",
        "size": None,
        "sha256": None,
        "checksum_source": "unknown",
    }
    entry = {
        "id": DATASET,
        "name": "Synthetic split release",
        "year": 2024,
        "description": "benchmark",
        "homepage": "https://example.org",
        "citation": "none",
        "license": "CC0-1.0",
        "access": "open",
        "synthetic": True,
        "emotion_model": {
            "taxonomy": "categorical",
            "perspective": "perceived",
            "temporal": "static",
        },
        "per_rater": False,
        "dimensions": [],
        "default_version": "1",
        "versions": [
            {
                "version": "1",
                "loader": None,
                "remotes": [labels],
                "assets": {
                    "audio": {
                        "kind": "audio",
                        "track_member": "{track_number_mod100}/{track_number}.mp3",
                        "track_id": "track_{track_number:07d}",
                        "manifest": {"member": MANIFEST},
                        "remotes": remotes,
                    }
                },
            }
        ],
    }
    info = catalog_from_entries([entry], validate=False).get(DATASET)
    return info, list(tracks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the markdown table here")
    parser.add_argument("--per-folder", type=int, default=185, help="tracks per tar (MTG: ~185)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-assets-"))
    try:
        info, track_ids = build_release(work / "mirror", args.per_folder)
        ds = SimpleNamespace(info=info, version="1")
        kwargs = {"data_home": work / "home", "mirror": str(work / "mirror"), "progress": False}
        in_tar = [t for t in track_ids if int(t.split("_")[1]) % 100 == 48]
        start = time.perf_counter()
        audio_path(ds, in_tar[0], **kwargs)
        first = time.perf_counter() - start
        warm = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            for track in in_tar:
                audio_path(ds, track, offline=True, **kwargs)
            warm.append((time.perf_counter() - start) / len(in_tar))
        selection = track_ids[:: max(1, len(track_ids) // 1000)][:1000]
        start = time.perf_counter()
        planned = estimate(
            info, None, ["audio"], selection, data_home=work / "home", mirror=str(work / "mirror")
        )
        estimate_s = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"# Asset access on a split release ({len(track_ids)} tracks in 100 tars)",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}; files of a few "
        "bytes (bookkeeping only, no transfer or decoding cost).",
        "",
        "| step | time |",
        "|---|---|",
        f"| first `audio_path` (manifest + one tar fetched, extracted, verified) | {first:.2f} s |",
        f"| warm `audio_path`, per track (best of {args.repeats}) | {min(warm) * 1000:.1f} ms |",
        f"| `estimate` for {len(selection)} tracks ({planned.remotes} files) | {estimate_s:.2f} s |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
