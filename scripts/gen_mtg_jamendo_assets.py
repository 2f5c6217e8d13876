"""Write the ``assets:`` block of MTG-Jamendo mood/theme in catalog.yaml from the official lists.

Why a script: the three data types (audio, audio-low, melspecs) come as 100 tars each, with one
official sha256 per tar (``*_sha256_tars.txt``) and per track (``*_sha256_tracks.txt``) in
``data/download/`` of MTG/mtg-jamendo-dataset. Typing 300 entries by hand invites mistakes; this
reads the official files and prints YAML to paste under the version (indented as there).

The rules come from the official ``scripts/download/download.py`` at commit 1b4fa8c:
- URL: ``https://cdn.freesound.org/mtg-jamendo/<dataset>/<type>/<file>`` (its default
  ``mtg-fast`` mirror; ``https://essentia.upf.edu/documentation/datasets/mtg-jamendo/...`` is the
  slower ``mtg`` server);
- a tar holds one folder (``tar.getnames()[1:]  # The first element is folder name``) and its
  members are named as in the per-track list (``48/948.mp3``); that tar ``-NN`` holds folder
  ``NN`` is read from the naming (100 tars, 100 folders 00-99), not from the tar bytes.

Usage: ``python scripts/gen_mtg_jamendo_assets.py DIR`` where ``DIR/data/download/`` holds the
official lists (a checkout of the repository at the pinned commit).
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from pathlib import Path

COMMIT = "1b4fa8c32e076c73b5175c1703ae805b4109309d"
DATASET = "autotagging_moodtheme"
CDN = "https://cdn.freesound.org/mtg-jamendo"
RAW = f"https://raw.githubusercontent.com/MTG/mtg-jamendo-dataset/{COMMIT}"
#: group name -> (official data type, member suffix, kind, description, total size in the README)
GROUPS = {
    "audio": ("audio", ".mp3", "audio", "full-quality 320 kbps MP3", "152 GB"),
    "audio-low": ("audio-low", ".low.mp3", "audio", "low-quality mono MP3 (LAME -V 2)", "46 GB"),
    "melspecs": ("melspecs", ".npy", "features", "mel-spectrograms as NumPy arrays", "68 GB"),
}


def pairs(path: Path) -> list[tuple[str, str]]:
    """(sha256, name) of each line of an official list."""
    return [tuple(line.split()[:2]) for line in path.read_text().splitlines() if line.strip()]


def group_yaml(root: Path, name: str) -> list[str]:
    data_type, suffix, kind, what, total = GROUPS[name]
    listing = root / "data" / "download"
    tars = pairs(listing / f"{DATASET}_{data_type}_sha256_tars.txt")
    tracks_file = listing / f"{DATASET}_{data_type}_sha256_tracks.txt"
    tracks = pairs(tracks_file)
    counts = Counter(member.split("/")[0] for _sha, member in tracks)
    manifest = f"data/download/{tracks_file.name}"
    blob = tracks_file.read_bytes()
    out = [
        f"{name}:",
        f"  kind: {kind}",
        f"  description: {what} of the 18,486 tracks, as 100 official tar archives (one folder",
        "    each) of MTG/mtg-jamendo-dataset; a track's file is <last two digits>/<number>"
        f"{suffix}, e.g. 48/948{suffix}.",
        "  license_note: Each track is under its own Creative Commons license (listed in the",
        "    repository's audio_licenses.txt); many are non-commercial. The metadata is CC BY-NC-SA 4.0.",
        f"  approximate_bytes: {int(total.split()[0]) * 10**9}",
        f"  unknown_note: Tar sizes are not published (about {total} in all per the README); each",
        "    is trusted for its size and pinned by the official sha256. That tar -NN holds folder NN",
        "    follows from the naming in the official download script, not from reading the tars.",
        f"  track_member: '{{track_number_mod100}}/{{track_number}}{suffix}'",
        "  track_id: track_{track_number:07d}",
        f"  manifest: {{member: {manifest}}}",
        "  format: {type: " + ("npy" if kind == "features" else "mp3") + "}",
        "  remotes:",
        f"  - url: {RAW}/{manifest}",
        f"    filename: {tracks_file.name}",
        "    kind: file",
        f"    path: {manifest}",
        f"    size: {len(blob)}",
        f"    sha256: {hashlib.sha256(blob).hexdigest()}",
        "    checksum_source: official",
        f"    checksum_note: Blob of MTG/mtg-jamendo-dataset at commit {COMMIT[:12]}; the",
        "      official per-track sha256 list, which pins every track file of the tars.",
    ]
    for sha, filename in tars:
        folder = filename.rsplit("-", 1)[1].removesuffix(".tar")
        out += [
            f"  - url: {CDN}/{DATASET}/{data_type}/{filename}",
            f"    filename: {filename}",
            "    kind: tar",
            f"    sha256: {sha}",
            "    checksum_source: official",
            f"    members: [{{directory: '{folder}', pattern: '*{suffix}', count: {counts[folder]}, "
            "checksum_source: unknown}]",
        ]
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    root = Path(argv[0])
    lines = ["assets:"]
    for name in GROUPS:
        lines += ["  " + line for line in group_yaml(root, name)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
