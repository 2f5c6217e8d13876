import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mer_datasets.labels.mapping import (
    category_quadrants,
    category_to_vocabulary,
    normalized_entropy,
    point_to_categories,
    points_to_category_probabilities,
)
from mer_datasets.labels.vocabulary import load_vocabulary, vocabulary_ids

PAIRS = [(a, b) for a in vocabulary_ids() for b in vocabulary_ids()]


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_category_maps_to_a_distribution_that_sums_to_one(source, target):
    for category in load_vocabulary(source).placed():
        mapped = category_to_vocabulary(category.id, source, target)
        if mapped is not None:
            assert math.isclose(sum(mapped.distribution.values()), 1.0, abs_tol=1e-12)
            assert 0.0 <= mapped.entropy <= 1.0 and 0.0 < mapped.retained <= 1.0


@pytest.mark.parametrize("target", vocabulary_ids())
@given(a=st.floats(-1, 1), v=st.floats(-1, 1))
def test_a_point_maps_to_probabilities_that_sum_to_one(target, a, v):
    mapped = point_to_categories(a, v, target)
    assert math.isclose(sum(mapped.distribution.values()), 1.0, abs_tol=1e-9)


def test_the_point_softmax_matches_an_independent_computation():
    ids, probabilities = points_to_category_probabilities(
        [0.3], [-0.2], "russell_quadrants", temperature=0.5
    )
    centres = {"Q1": (0.5, 0.5), "Q2": (0.5, -0.5), "Q3": (-0.5, -0.5), "Q4": (-0.5, 0.5)}
    weights = {
        q: math.exp(-((0.3 - a) ** 2 + (-0.2 - v) ** 2) / 0.5) for q, (a, v) in centres.items()
    }
    expected = [weights[q] / sum(weights.values()) for q in ids]
    assert np.allclose(probabilities[0], expected, rtol=1e-12)


def test_a_category_to_another_vocabulary_follows_bayes_over_quadrants():
    # joy (Q1) -> gems9: amazement, joyful_activation and power are the Q1 categories, 1/3 each
    mapped = category_to_vocabulary("joy", "trompa11", "gems9")
    assert {k: round(p, 12) for k, p in mapped.distribution.items() if p} == {
        "amazement": round(1 / 3, 12), "joyful_activation": round(1 / 3, 12), "power": round(1 / 3, 12)}  # fmt: skip
    assert mapped.label is None and mapped.ambiguous  # a three-way tie has no winner
    # nostalgia (Q3 0.5, Q4 0.5) -> trompa11: Q3 has 2 words, Q4 has 3
    nostalgia = category_to_vocabulary("nostalgia", "gems9", "trompa11").distribution
    assert math.isclose(nostalgia["sadness"], 0.25) and math.isclose(nostalgia["peace"], 0.5 / 3)


def test_mass_in_a_quadrant_the_target_does_not_cover_is_reported_as_not_retained():
    mapped = category_to_vocabulary("Cluster 3", "mirex_clusters", "ekman_basic")
    assert mapped.distribution["sadness"] == 1.0 and mapped.retained == 0.5 and mapped.ambiguous


def test_an_unplaced_category_has_no_mapping():
    assert category_quadrants("disgust", "ekman_basic") is None
    assert category_to_vocabulary("disgust", "ekman_basic", "trompa11") is None


def test_normalized_entropy_is_zero_for_certainty_and_one_for_uniform():
    assert normalized_entropy([1, 0, 0, 0], 4) == 0.0
    assert math.isclose(normalized_entropy([0.25] * 4, 4), 1.0)
    assert math.isclose(normalized_entropy([0.5, 0.5, 0, 0], 4), 0.5)


def test_the_ambiguity_threshold_is_configurable():
    assert category_quadrants("Cluster 4", "mirex_clusters").entropy == 0.5
    assert not category_quadrants("Q1", "russell_quadrants", ambiguity_threshold=0.0001).ambiguous
    near_centroid = point_to_categories(0.5, 0.5, "russell_quadrants")
    assert 0.1 < near_centroid.entropy < 0.5 and not near_centroid.ambiguous
    assert point_to_categories(0.5, 0.5, "russell_quadrants", ambiguity_threshold=0.1).ambiguous
