"""Rater activity under both counts, and every personal-label policy on handmade judgments."""

from __future__ import annotations

import pytest

from mer_datasets.personal.activity import rater_activity, select_raters
from mer_datasets.personal.errors import PersonalizationError
from mer_datasets.personal.labels import personal_labels, quadrant_weights
from tests.personal.handmade import annotations

# rater a judges t1 three times (Q1, Q2, Q2 in time order), t2 once (Q3)
REPEATS = annotations(
    [
        ("a", "t1", 10, 1, 1),
        ("a", "t1", 30, 1, -1),
        ("a", "t1", 20, 1, -1),
        ("a", "t2", 40, -1, -1),
        ("b", "t1", 50, -1, 1),
        ("b", "t1", 60, -1, -1),
    ]
)


def _labels(result):
    return {
        (r, t): lab
        for r, t, lab in result.table[["rater_id", "track_id", "label"]].itertuples(index=False)
    }


def test_records_count_every_annotation_and_tracks_count_distinct_tracks():
    activity = rater_activity(REPEATS).set_index("rater_id")
    assert activity.loc["a", "records"] == 4 and activity.loc["a", "tracks"] == 2
    assert activity.loc["b", "records"] == 2 and activity.loc["b", "tracks"] == 1


def test_selection_depends_on_the_named_count():
    assert select_raters(REPEATS, min_judgments=2, count="records") == ["a", "b"]
    assert select_raters(REPEATS, min_judgments=2, count="tracks") == ["a"]
    with pytest.raises(PersonalizationError, match="records"):
        select_raters(REPEATS, min_judgments=2, count="judgments")


def test_first_and_last_follow_the_timestamp_not_the_row_order():
    assert _labels(personal_labels(REPEATS, repeats="first"))[("a", "t1")] == "Q1"
    # the row at ts=30 comes before ts=20 in the table, but is the latest
    assert _labels(personal_labels(REPEATS, repeats="last"))[("a", "t1")] == "Q2"


def test_majority_keeps_the_most_frequent_and_drops_ties():
    result = personal_labels(REPEATS, repeats="majority")
    labels = _labels(result)
    assert labels[("a", "t1")] == "Q2"  # Q2 twice, Q1 once
    assert ("b", "t1") not in labels  # Q4 once, Q3 once: a tie
    assert result.dropped == {"repeat_tie": 2}


def test_drop_removes_every_repeated_pair_and_counts_the_judgments():
    result = personal_labels(REPEATS, repeats="drop")
    assert set(_labels(result)) == {("a", "t2")}
    assert result.dropped == {"repeat_dropped": 5}
    assert result.table["n_judgments"].tolist() == [1]


def test_quadrants_follow_the_russell_signs():
    assert quadrant_weights(1, 1) == {"Q1": 1.0}
    assert quadrant_weights(1, -1) == {"Q2": 1.0}
    assert quadrant_weights(-1, -1) == {"Q3": 1.0}
    assert quadrant_weights(-1, 1) == {"Q4": 1.0}


ON_AXIS = annotations(
    [
        ("a", "t1", 1, 0, 1),  # arousal on the axis, valence +
        ("a", "t2", 2, 1, 0),  # valence on the axis, arousal +
        ("a", "t3", 3, 0, 0),  # the origin
        ("a", "t4", 4, -1, 0),  # valence on the axis, arousal -
        ("a", "t5", 5, 1, None),  # valence not answered
    ]
)


def test_axis_answers_are_missing_by_default_and_counted():
    result = personal_labels(ON_AXIS)
    assert result.table.empty
    assert result.dropped == {"missing_axis_answer": 1, "on_axis": 4}


def test_split_shares_an_axis_answer_between_adjacent_quadrants():
    result = personal_labels(ON_AXIS, on_axis="split")
    weights = {
        (t, lab): w
        for t, lab, w in result.table[["track_id", "label", "weight"]].itertuples(index=False)
    }
    assert weights == {
        ("t1", "Q1"): 0.5, ("t1", "Q4"): 0.5,
        ("t2", "Q1"): 0.5, ("t2", "Q2"): 0.5,
        ("t3", "Q1"): 0.25, ("t3", "Q2"): 0.25, ("t3", "Q3"): 0.25, ("t3", "Q4"): 0.25,
        ("t4", "Q3"): 0.5, ("t4", "Q4"): 0.5,
    }  # fmt: skip
    assert result.table.groupby("track_id")["weight"].sum().eq(1.0).all()


def test_asymmetric_rule_puts_an_axis_answer_on_the_positive_side():
    labels = _labels(personal_labels(ON_AXIS, on_axis="asymmetric"))
    # arousal >= 0 is high and valence >= 0 is positive (consensus-entropy study's rule)
    assert labels == {("a", "t1"): "Q1", ("a", "t2"): "Q1", ("a", "t3"): "Q1", ("a", "t4"): "Q4"}


def test_midpoint_moves_the_axis_for_scales_not_centred_on_zero():
    one_to_nine = annotations([("a", "t1", 1, 5, 7), ("a", "t2", 2, 3, 5)])
    assert _labels(personal_labels(one_to_nine, midpoint=5, on_axis="asymmetric")) == {
        ("a", "t1"): "Q1",
        ("a", "t2"): "Q4",
    }


def test_categorical_target_with_mapping_counts_unmapped_words():
    table = annotations([("a", "t1", 1, 1, 1, "joy"), ("a", "t2", 2, 1, 1, "awe")])
    result = personal_labels(table, target="emotion", mapping={"joy": "Q1"})
    assert _labels(result) == {("a", "t1"): "Q1"}
    assert result.dropped == {"unmapped_label": 1}


def test_unknown_policies_and_dimensions_are_typed_errors():
    with pytest.raises(PersonalizationError, match="repeats"):
        personal_labels(REPEATS, repeats="mean")
    with pytest.raises(PersonalizationError, match="on_axis"):
        personal_labels(REPEATS, on_axis="round")
    with pytest.raises(PersonalizationError, match="emotion"):
        personal_labels(REPEATS, target="emotion")
