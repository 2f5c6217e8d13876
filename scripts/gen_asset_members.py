"""Print the member lists of asset groups whose file names follow from an annotation file.

Why a script: 4QAED ships its 900 clips as ``MER_audio_taffc_dataset/<quadrant>/<Song>.mp3``
inside the annotation archive, the quadrant being the clip's label; Emotify's sound files are
``emotifymusic/<genre>/<n>.mp3`` with track id = genre block offset + n (classical 1-100,
rock 101-200, electronic 201-300, pop 301-400, as in ``data.csv``). The paths are derived from the
published annotation files (``shared/mirror``), not typed by hand. No checksum is known for any
of these files: each member is trusted on first use.

Usage: ``python scripts/gen_asset_members.py 4qaed|emotify MIRROR`` (MIRROR = shared/mirror);
paste the output under the group's remote ``members:`` in catalog.yaml.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

#: Emotify's genre blocks (mer_datasets/loaders/emotify.py GENRE_BLOCK_OFFSET)
EMOTIFY_BLOCKS = {"classical": 0, "rock": 100, "electronic": 200, "pop": 300}


def fourq_members(mirror: Path) -> list[str]:
    path = mirror / "4qaed" / "MER_audio_taffc_dataset" / "panda_dataset_taffc_annotations.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        f"- {{path: MER_audio_taffc_dataset/{row['Quadrant']}/{row['Song']}.mp3, sha256: null, "
        "checksum_source: unknown}"
        for row in sorted(rows, key=lambda r: (r["Quadrant"], r["Song"]))
    ]


def emotify_members(_mirror: Path) -> list[str]:
    return [
        f"- {{path: emotifymusic/{genre}/{n}.mp3, sha256: null, checksum_source: unknown, "
        f"track_id: '{offset + n}'}}"
        for genre, offset in EMOTIFY_BLOCKS.items()
        for n in range(1, 101)
    ]


def main(argv: list[str]) -> int:
    makers = {"4qaed": fourq_members, "emotify": emotify_members}
    if len(argv) != 2 or argv[0] not in makers:
        sys.stderr.write(__doc__ or "")
        return 2
    print("\n".join(makers[argv[0]](Path(argv[1]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
