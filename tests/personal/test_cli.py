"""``mer-datasets splits`` on the embedded sample: manifests written, read back, reproducible."""

from __future__ import annotations

import json

import pytest

import mer_datasets
from mer_datasets.cli import main
from mer_datasets.personal.labels import personal_labels
from mer_datasets.personal.splits import per_user_splits, read_manifest


def test_per_user_splits_command_writes_the_manifest_the_library_computes(tmp_path, capsys):
    out = tmp_path / "splits.json"
    assert main(["splits", "sample", "--per-user", "--seed", "4", "--out", str(out)]) == 0
    assert "per_user split, seed 4" in capsys.readouterr().out
    written = read_manifest(out)
    labels = personal_labels(mer_datasets.load_dataset("sample").annotations, repeats="last")
    assert written.splits == per_user_splits(labels, seed=4).splits
    assert written.dataset == "sample" and written.seed == 4


def test_same_seed_gives_byte_identical_manifests(tmp_path, capsys):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for path in (a, b):
        assert main(["splits", "sample", "--per-user", "--seed", "1", "--out", str(path)]) == 0
    assert read_manifest(a) == read_manifest(b)


def test_min_judgments_selects_raters_by_the_named_count(capsys):
    assert main(["splits", "sample", "--per-user", "--min-judgments", "9", "--json"]) == 0
    by_records = json.loads(capsys.readouterr().out)
    args = ["splits", "sample", "--per-user", "--min-judgments", "9", "--count", "tracks", "--json"]
    assert main(args) == 1  # every sample rater has at most 8 distinct tracks
    assert "no rater has >= 9 judgments counted as tracks" in capsys.readouterr().err
    activity = mer_datasets.load_dataset("sample").annotations.groupby("rater_id")
    expected = sorted(r for r, n in activity["annotation_id"].nunique().items() if n >= 9)
    assert sorted(by_records["splits"]) == expected and expected


def test_general_split_and_bad_arguments(capsys):
    assert main(["splits", "sample", "--method", "grouped", "--json"]) == 0
    sides = json.loads(capsys.readouterr().out)["splits"]["all"]
    train_tracks = {pair.split("|")[1] for pair in sides["train"]}
    assert not train_tracks & {pair.split("|")[1] for pair in sides["test"]}
    assert main(["splits", "sample", "--per-user", "--test-size", "3.5"]) == 1
    assert "test_size" in capsys.readouterr().err


def test_personalize_command_writes_the_tidy_table_and_reports(tmp_path, capsys):
    pytest.importorskip("sklearn", reason="scikit-learn (extra 'learn') absent")
    out = tmp_path / "results.csv"
    args = ["personalize", "sample", "--features", "spotify", "--strategy", "hc", "--strategy",
            "rand", "--epochs", "1", "--queries", "2", "--max-raters", "4", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "4 rater(s), 24 tracks with spotify features" in text
    assert "Wilcoxon signed-rank" in text and "Holm" in text
    import pandas as pd

    table = pd.read_csv(out)
    assert set(table["strategy"]) == {"hc", "rand"} and set(table["epoch"]) == {0, 1}
    assert len(table) == 4 * 2 * 3 * 2  # raters x strategies x models x epochs
