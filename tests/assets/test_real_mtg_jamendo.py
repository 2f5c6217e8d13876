"""Real metadata: the catalog's MTG-Jamendo asset groups against the official repository files.

The per-tar sha256 lists and ``autotagging_moodtheme.tsv`` in ``../shared/mirror`` are byte
copies of MTG/mtg-jamendo-dataset at 1b4fa8c (no audio). Checked independently of the catalog
code: the 100 tars of each group carry the official sha256 in the official order, and the member
rule gives, for every one of the 18,486 tracks, the PATH column of the annotation file and a tar
that declares that path's folder. Skipped with a reason when ../shared/mirror is absent.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.download.assets import select_remotes

DATASET = "mtg-jamendo-moodtheme"
#: group -> (official data type, member suffix replacing '.mp3')
GROUPS = {
    "audio": ("audio", ".mp3"),
    "audio-low": ("audio-low", ".low.mp3"),
    "melspecs": ("melspecs", ".npy"),
}


@pytest.fixture
def official(shared_mirror):
    root = shared_mirror / DATASET / "mtg-jamendo-dataset" / "data"
    with (root / "autotagging_moodtheme.tsv").open(encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t")[:4] for line in handle][1:]
    return root, {track: path for track, _artist, _album, path in rows}


@pytest.mark.parametrize("name", list(GROUPS))
def test_each_tar_carries_the_official_sha256_and_url(official, name):
    root, _paths = official
    data_type, _suffix = GROUPS[name]
    listed = root / "download" / f"autotagging_moodtheme_{data_type}_sha256_tars.txt"
    with listed.open() as handle:
        expected = [tuple(row[:2]) for row in csv.reader(handle, delimiter=" ")]
    group = default_catalog().get(DATASET).version().asset(name)
    tars = [r for r in group.remotes if r.kind == "tar"]
    assert [(r.sha256, r.filename) for r in tars] == expected
    assert len(tars) == 100
    for remote in tars:
        assert remote.checksum_source == "official"
        assert remote.url == (
            "https://cdn.freesound.org/mtg-jamendo/autotagging_moodtheme/"
            f"{data_type}/{remote.filename}"
        )


@pytest.mark.parametrize("name", list(GROUPS))
def test_every_track_maps_to_its_official_path_and_the_tar_of_its_folder(official, name):
    _root, paths = official
    _data_type, suffix = GROUPS[name]
    info = default_catalog().get(DATASET)
    group = info.version().asset(name)
    assert len(paths) == 18486
    for track, path in paths.items():
        member = path[: -len(".mp3")] + suffix
        assert group.member_for(track) == member
        assert group.track_for(member) == track
    # the declared per-folder counts are the annotation file's
    declared = {d.path: d.count for r in group.remotes for d in r.directories}
    assert declared == dict(Counter(p.split("/")[0] for p in paths.values()))
    assert group.track_count == 18486
    # a track list needs the manifest and the tar named after its folder, nothing else
    chosen = select_remotes(info, group, ["track_0000948", "track_1234363"])
    folders = sorted(r.filename.rsplit("-", 1)[1] for r in chosen if r.kind == "tar")
    assert folders == ["48.tar", "63.tar"]
    assert [r.kind for r in chosen].count("file") == 1
