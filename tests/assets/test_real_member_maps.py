"""Real annotations: the catalog's 4QAED and Emotify audio members map to the annotated tracks.

Checked against the published annotation files in ``../shared/mirror`` (read here with csv, not
with the loaders): every 4QAED clip sits in the folder of its annotated quadrant, and every
Emotify track id of ``data.csv`` maps to ``emotifymusic/<its genre>/<id - block offset>.mp3``.
Skipped with a reason when ../shared/mirror is absent.
"""

from __future__ import annotations

import csv

from mer_datasets.catalog import default_catalog

EMOTIFY_OFFSETS = {"classical": 0, "rock": 100, "electronic": 200, "pop": 300}


def test_every_4qaed_clip_is_in_its_annotated_quadrant_folder(shared_mirror):
    path = (
        shared_mirror / "4qaed" / "MER_audio_taffc_dataset" / "panda_dataset_taffc_annotations.csv"
    )
    with path.open(encoding="utf-8", newline="") as handle:
        quadrant = {row["Song"]: row["Quadrant"] for row in csv.DictReader(handle)}
    group = default_catalog().get("4qaed").version().asset("audio")
    assert len(quadrant) == 900
    assert set(group.track_ids()) == set(quadrant)
    for song, q in quadrant.items():
        assert group.member_for(song) == f"MER_audio_taffc_dataset/{q}/{song}.mp3"


def test_every_emotify_track_maps_to_its_genre_folder_and_number(shared_mirror):
    with (shared_mirror / "emotify" / "data.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, skipinitialspace=True))[1:]
    genre = {row[0].strip(): row[1].strip() for row in rows}
    group = default_catalog().get("emotify").version().asset("audio")
    assert len(genre) == 400
    for track, name in genre.items():
        number = int(track) - EMOTIFY_OFFSETS[name]
        assert 1 <= number <= 100
        assert group.member_for(track) == f"emotifymusic/{name}/{number}.mp3"
        assert group.track_for(group.member_for(track)) == track
    assert len(group.track_ids()) == 400
