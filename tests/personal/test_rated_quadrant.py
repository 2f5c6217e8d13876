"""Target ``rated_quadrant``: the quadrant whose words a rater rated highest, ties dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from mer_datasets.personal.errors import PersonalizationError
from mer_datasets.personal.labels import personal_labels

# the ISMIR 2020 grouping (Gómez-Cañón et al. 2020, Table 1), written out here independently
GROUPS = {
    "Q1": ["joy", "surprise", "power"],
    "Q2": ["anger", "fear", "tension"],
    "Q3": ["sadness", "bitterness"],
    "Q4": ["peace", "tenderness", "transcendence"],
}


def _ratings(records: dict[tuple[str, str], dict[str, float]]) -> pd.DataFrame:
    """One row per rated word, shaped like the ISMIR 2020 annotations (1-5 ratings)."""
    rows = []
    for (rater, track), ratings in records.items():
        for word, value in ratings.items():
            rows.append(
                {"annotation_id": f"{rater}:{track}", "rater_id": rater, "track_id": track,
                 "dimension": word, "value": value, "label": None}
            )  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["dimension"] = frame["dimension"].astype("category")
    frame["value"] = frame["value"].astype("Float64")
    return frame


def _all(value: float) -> dict[str, float]:
    return {word: value for words in GROUPS.values() for word in words}


def test_the_quadrant_with_the_highest_mean_rating_is_the_label():
    # Q2 has the single highest word (5) but Q3's mean (4.5) beats Q2's (3.0)
    ratings = {**_all(1), "anger": 5, "fear": 3, "tension": 1, "sadness": 4, "bitterness": 5}
    labels = personal_labels(_ratings({("r1", "t1"): ratings}), target="rated_quadrant")
    assert labels.table[["rater_id", "track_id", "label", "weight"]].values.tolist() == [
        ["r1", "t1", "Q3", 1.0]
    ]
    assert labels.dropped == {}


def test_a_tie_between_quadrants_gives_no_label_and_is_counted():
    tie = {**_all(2), "joy": 4, "peace": 4, "surprise": 4, "tenderness": 4, "power": 4,
           "transcendence": 4}  # fmt: skip
    clear = {**_all(1), "sadness": 5, "bitterness": 5}
    labels = personal_labels(
        _ratings({("r1", "t1"): tie, ("r1", "t2"): clear, ("r2", "t1"): _all(3)}),
        target="rated_quadrant",
    )
    assert labels.table["label"].tolist() == ["Q3"]
    assert labels.dropped == {"rating_tie": 2}


def test_other_dimensions_do_not_count_and_a_missing_word_averages_over_the_rest():
    ratings = {**_all(1), "preference": 5, "familiarity": 5, "joy": 5}
    ratings.pop("surprise")  # Q1 = mean(joy 5, power 1) = 3 > 1
    labels = personal_labels(_ratings({("r1", "t1"): ratings}), target="rated_quadrant")
    assert labels.table["label"].tolist() == ["Q1"]


def test_without_rated_words_the_error_names_the_words_expected():
    frame = _ratings({("r1", "t1"): {"preference": 3}})
    with pytest.raises(PersonalizationError, match="rated_quadrant.*joy"):
        personal_labels(frame, target="rated_quadrant")
