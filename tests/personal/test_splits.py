"""Per-user and general splits: same seed same lists, disjoint by track, manifests read back."""

from __future__ import annotations

import pandas as pd
import pytest

from mer_datasets.personal.errors import PersonalizationError
from mer_datasets.personal.splits import (
    general_split,
    official_split,
    per_user_splits,
    read_manifest,
)

LABELS = pd.DataFrame(
    [
        {
            "rater_id": f"r{r}",
            "track_id": f"t{t:02d}",
            "label": f"Q{1 + (t + r) % 4}",
            "weight": 1.0,
        }
        for r in range(5)
        for t in range(20)
        if (t + r) % 3
    ]
)


def test_same_seed_same_splits_other_seed_other_splits():
    a = per_user_splits(LABELS, seed=1)
    assert a.splits == per_user_splits(LABELS, seed=1).splits
    assert a.splits != per_user_splits(LABELS, seed=2).splits


def test_per_user_splits_are_disjoint_by_track_and_cover_the_raters_tracks():
    manifest = per_user_splits(LABELS, seed=3, test_size=0.25)
    for rater, sides in manifest.splits.items():
        assert not set(sides["train"]) & set(sides["test"])
        assert set(sides["train"]) | set(sides["test"]) == set(
            LABELS.loc[LABELS.rater_id == rater, "track_id"]
        )
        assert len(sides["test"]) == round(0.25 * (len(sides["train"]) + len(sides["test"])))


def test_a_raters_split_does_not_depend_on_the_other_raters():
    full = per_user_splits(LABELS, seed=3)
    alone = per_user_splits(LABELS[LABELS.rater_id == "r2"], seed=3)
    assert alone.splits["r2"] == full.splits["r2"]


@pytest.mark.parametrize("suffix", [".json", ".parquet"])
def test_manifest_round_trips_with_seed_checksum_and_lists(tmp_path, suffix):
    manifest = per_user_splits(LABELS, seed=5, dataset="x", version="1")
    back = read_manifest(manifest.write(tmp_path / f"m{suffix}"))
    assert back == manifest
    assert back.seed == 5 and len(back.input_sha256) == 64


def test_checksum_changes_with_the_input_but_not_with_row_order():
    a = per_user_splits(LABELS, seed=5).input_sha256
    assert a == per_user_splits(LABELS.iloc[::-1], seed=5).input_sha256
    assert a != per_user_splits(LABELS.iloc[1:], seed=5).input_sha256


def test_grouped_split_keeps_every_row_of_a_track_on_one_side():
    table = LABELS.assign(row=lambda f: f.rater_id + "/" + f.track_id)
    sides = general_split(table, method="grouped", seed=0, id_column="row").splits["all"]
    track_of = dict(zip(table.row, table.track_id))
    assert not {track_of[r] for r in sides["train"]} & {track_of[r] for r in sides["test"]}
    assert len(sides["train"]) + len(sides["test"]) == len(table)


def test_stratified_split_keeps_class_proportions():
    table = pd.DataFrame({"label": ["a"] * 40 + ["b"] * 20}, index=[f"i{i}" for i in range(60)])
    sides = general_split(table, method="stratified", seed=0, test_size=0.25).splits["all"]
    test_labels = table.loc[sides["test"], "label"].value_counts().to_dict()
    assert test_labels == {"a": 10, "b": 5}


def test_random_split_is_seeded():
    table = pd.DataFrame(index=[f"i{i}" for i in range(10)])
    one = general_split(table, method="random", seed=9).splits
    assert one == general_split(table, method="random", seed=9).splits
    assert len(one["all"]["test"]) == 2  # round(2.5) -> 2 (banker's rounding)


def test_bad_arguments_are_typed_errors(tmp_path):
    with pytest.raises(PersonalizationError, match="test_size"):
        per_user_splits(LABELS, seed=0, test_size=1.5)
    with pytest.raises(PersonalizationError, match="method"):
        general_split(LABELS, method="kfold", seed=0)
    with pytest.raises(PersonalizationError, match=".json or .parquet"):
        per_user_splits(LABELS, seed=0).write(tmp_path / "m.txt")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(PersonalizationError, match="not valid JSON"):
        read_manifest(bad)


def test_official_split_comes_from_the_tracks_table():
    tracks = pd.DataFrame({"track_id": ["a", "b", "c"], "split": ["train", "test", "train"]})
    assert official_split(tracks) == {"test": ["b"], "train": ["a", "c"]}
    assert official_split(tracks.assign(split=None)) is None
