"""Human consensus entropy (the seed's worked examples), populations, and query selection."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mer_datasets.personal.consensus import entropy, human_consensus
from mer_datasets.personal.labels import personal_labels
from mer_datasets.personal.query import entropy_ranking, mix, random_queries, select_queries
from tests.personal.handmade import annotations

SIGNS = {"Q1": (1, 1), "Q2": (1, -1), "Q3": (-1, -1), "Q4": (-1, 1)}


def _labels_of(assignments: dict[str, list[str]]):
    records = []
    for track, quadrants in assignments.items():
        for i, q in enumerate(quadrants):
            records.append((f"r{i}", track, i, *SIGNS[q]))
    return personal_labels(annotations(records))


SEED = _labels_of(
    {
        "same": ["Q1", "Q1", "Q1", "Q1"],
        "even": ["Q1", "Q2", "Q3", "Q4"],
        "half": ["Q2", "Q4", "Q2", "Q4"],
    }
)


def test_the_seeds_worked_examples_hold():
    consensus = human_consensus(SEED, classes=["Q1", "Q2", "Q3", "Q4"])
    assert consensus.loc["same", "entropy"] == 0.0
    assert consensus.loc["even", "entropy"] == pytest.approx(math.log(4))
    assert round(consensus.loc["even", "entropy"], 3) == 1.386
    assert consensus.loc["half", "entropy"] == pytest.approx(math.log(2))
    assert round(consensus.loc["half", "entropy"], 3) == 0.693
    assert consensus["n"].tolist() == [4, 4, 4]
    assert consensus.loc["half", ["Q2", "Q4"]].tolist() == [0.5, 0.5]


def test_all_but_target_excludes_the_target_rater():
    consensus = human_consensus(SEED, exclude="r0")
    assert consensus.loc["even", "n"] == 3
    assert consensus.loc["even", "Q1"] == 0.0
    assert consensus.loc["even", "entropy"] == pytest.approx(math.log(3))


def test_filtered_population_and_track_subset():
    consensus = human_consensus(SEED, population=["r0", "r2"], tracks=["half", "even"])
    assert sorted(consensus.index) == ["even", "half"]
    assert consensus.loc["half", "Q2"] == 1.0 and consensus.loc["half", "entropy"] == 0.0
    assert consensus.loc["even", "entropy"] == pytest.approx(math.log(2))


def test_entropy_treats_zero_probabilities_as_zero_terms():
    assert entropy(pd.DataFrame([[1.0, 0.0]])).tolist() == [0.0]


PROBS = pd.DataFrame(
    {
        "Q1": [0.9, 0.4, 0.25, 0.1, 0.5],
        "Q2": [0.1, 0.6, 0.25, 0.1, 0.5],
        "Q3": [0.0, 0.0, 0.25, 0.7, 0.0],
        "Q4": [0.0, 0.0, 0.25, 0.1, 0.0],
    },
    index=["a", "b", "c", "d", "e"],
)


def test_ranking_is_by_entropy_then_track_id():
    ranking = entropy_ranking(PROBS)
    assert ranking.index.tolist() == ["c", "d", "e", "b", "a"]
    assert ranking.iloc[0] == pytest.approx(math.log(4))


def test_selection_excludes_already_queried_tracks():
    assert select_queries(PROBS, 2, exclude=["c"]) == ["d", "e"]


def test_balanced_selection_takes_the_top_track_of_each_class_then_fills():
    # most probable class: a Q1, b Q2, c Q1 (tie -> first column), d Q3, e Q1 (tie)
    # round robin over Q1, Q2, Q3, Q4: c (Q1), b (Q2), d (Q3); then Q1 again: e
    assert select_queries(PROBS, 4, balanced=True) == ["c", "b", "d", "e"]
    assert select_queries(PROBS, 5, balanced=True) == ["c", "b", "d", "e", "a"]


def test_random_baseline_is_seeded_and_respects_exclusions():
    first = random_queries(["a", "b", "c", "d", "e"], 3, seed=7, exclude=["a"])
    assert first == random_queries(["e", "d", "c", "b", "a"], 3, seed=7, exclude=["a"])
    assert "a" not in first and len(set(first)) == 3


def test_mix_is_a_weighted_average():
    mixed = mix(PROBS, PROBS.iloc[:, ::-1].set_axis(PROBS.columns, axis=1), weight=0.5)
    assert mixed.loc["a"].tolist() == pytest.approx([0.45, 0.05, 0.05, 0.45])
