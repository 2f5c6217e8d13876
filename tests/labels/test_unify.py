import math

import pandas as pd
import pytest

from mer_datasets.errors import LabelMappingError
from mer_datasets.labels.unify import unified, unified_labels

from .synthetic import (
    DEAM_INFO,
    EMOTIFY_INFO,
    FOURQ_INFO,
    TROMPA_INFO,
    deam_tables,
    emotify_tables,
    fourq_tables,
    trompa_tables,
)  # fmt: skip


def test_trompa_answers_give_each_record_its_arousal_valence_and_quadrant():
    table = unified(trompa_tables(), TROMPA_INFO)
    a2 = table[table["annotation_id"] == "a2"]
    assert set(a2["arousal"]) == {-1.0} and set(a2["valence"]) == {1.0}
    assert set(a2["quadrant"]) == {"Q4"}
    mood = table[table["dimension"] == "mood"].set_index("annotation_id")
    assert (
        mood.loc["a3", "category"] == "tension" and mood.loc["a3", "quadrant_source"] == "category"
    )


def test_deam_means_are_normalized_and_joined_per_track_and_statistic():
    table = unified_labels(deam_tables(), DEAM_INFO)
    row = table[(table["track_id"] == "4") & (table["dimension"] == "valence")].iloc[0]
    assert math.isclose(row["value_norm"], 2 * (7.4 - 1) / 8 - 1) and row["quadrant"] == "Q1"
    std = table[(table["statistic"] == "std") & (table["dimension"] == "valence")].iloc[0]
    assert math.isclose(std["value_norm"], 0.94 / 4) and pd.isna(std["arousal"])


def test_a_deam_mean_on_the_arousal_axis_has_no_quadrant_unless_split():
    missing = unified_labels(deam_tables(), DEAM_INFO)
    assert missing.loc[missing["track_id"] == "3", "quadrant"].isna().all()
    split = unified_labels(deam_tables(), DEAM_INFO, on_axis="split", distribution=True)
    row = split[split["track_id"] == "3"].iloc[0]
    assert (row["p_Q1"], row["p_Q4"], row["quadrant_prob"]) == (0.5, 0.5, 0.5) and pd.isna(
        row["quadrant"]
    )


def test_an_emotify_one_means_the_category_was_chosen_and_a_zero_carries_nothing():
    table = unified(emotify_tables(), EMOTIFY_INFO)
    chosen = table[table["category"].notna()]
    assert set(zip(chosen["annotation_id"], chosen["category"])) == {
        ("e1", "power"), ("e1", "joyful_activation"), ("e2", "nostalgia")}  # fmt: skip
    nostalgia = chosen[chosen["category"] == "nostalgia"].iloc[0]
    assert nostalgia["ambiguous"] and nostalgia["quadrant_prob"] == 0.5
    assert table.loc[table["value"] == 0, "quadrant"].isna().all()


def test_four_datasets_concatenate_into_one_table_with_one_label_space():
    parts = [
        unified(trompa_tables(), TROMPA_INFO, to="trompa11"),
        unified(emotify_tables(), EMOTIFY_INFO, to="trompa11"),
        unified_labels(deam_tables(), DEAM_INFO, to="trompa11"),
        unified_labels(fourq_tables(), FOURQ_INFO, to="trompa11"),
    ]
    pooled = pd.concat(parts, ignore_index=True)
    assert set(pooled["dataset"]) == {"trompa-mer", "emotify", "deam", "4qaed"}
    assert set(pooled["quadrant"].dropna()) <= {"Q1", "Q2", "Q3", "Q4"}
    assert set(pooled["mapped_label"].dropna()) <= {c for c in ["joy", "surprise", "power", "anger", "fear", "tension",
                                                                "sadness", "bitterness", "peace", "tenderness", "transcendence"]}  # fmt: skip
    for column in ("value_norm", "arousal", "valence"):
        values = pooled[column].dropna()
        assert ((values >= -1) & (values <= 1)).all()
    assert (
        pooled.loc[(pooled["dataset"] == "4qaed") & (pooled["label"] == "Q3"), "quadrant"].iloc[0]
        == "Q3"
    )


def test_quadrant_probabilities_of_every_row_sum_to_one():
    for table in (unified(emotify_tables(), EMOTIFY_INFO, distribution=True),
                  unified_labels(deam_tables(), DEAM_INFO, on_axis="split", distribution=True)):  # fmt: skip
        probabilities = table[["p_Q1", "p_Q2", "p_Q3", "p_Q4"]].dropna()
        assert len(probabilities) and ((probabilities.sum(axis=1) - 1).abs() < 1e-12).all()


def test_mapping_to_av_gives_category_coordinates_and_record_points():
    table = unified_labels(fourq_tables(), FOURQ_INFO, to="av")
    assert list(zip(table["mapped_arousal"], table["mapped_valence"])) == [(0.5, 0.5), (-0.5, -0.5)]


def test_an_unknown_target_is_refused_with_the_options():
    with pytest.raises(LabelMappingError, match="quadrant, av"):
        unified(trompa_tables(), TROMPA_INFO, to="plutchik")


def test_conventions_can_be_kept_out_of_the_mapping():
    table = unified(
        emotify_tables(), EMOTIFY_INFO, exclude_bases=("convention of this library",), to="trompa11"
    )
    by_category = table.set_index("category")
    assert pd.isna(by_category.loc["nostalgia", "quadrant"]) and pd.isna(
        by_category.loc["nostalgia", "mapped_prob"]
    )
    # GEMS power is TROMPA power (correspondences.yaml): mapped directly, not through Q1
    power = by_category.loc["power"]
    assert power["quadrant"] == "Q1" and power["mapped_label"] == "power"
    assert power["mapped_prob"] == 1.0 and power["mapped_route"] == "correspondence"
