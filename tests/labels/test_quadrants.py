import math

import numpy as np
import pytest

from mer_datasets.errors import LabelMappingError
from mer_datasets.labels.quadrants import quadrant_arrays, quadrant_of


@pytest.mark.parametrize(
    ("a", "v", "q"), [(0.2, 0.3, "Q1"), (0.2, -0.3, "Q2"), (-0.2, -0.3, "Q3"), (-0.2, 0.3, "Q4")]
)
def test_quadrants_follow_the_4qaed_convention(a, v, q):
    result = quadrant_of(a, v, with_distribution=True)
    assert (result.label, result.probability, result.distribution[q]) == (q, 1.0, 1.0)


@pytest.mark.parametrize(("a", "v"), [(0.0, 0.5), (0.5, 0.0), (0.0, 0.0), (math.nan, 0.3)])
def test_axis_points_are_missing_by_default(a, v):
    result = quadrant_of(a, v, with_distribution=True)
    assert result.label is None and math.isnan(result.probability) and result.distribution is None


@pytest.mark.parametrize(
    ("a", "v", "expected"),
    [
        (0.0, 0.5, {"Q1": 0.5, "Q4": 0.5}),
        (0.5, 0.0, {"Q1": 0.5, "Q2": 0.5}),
        (-0.5, 0.0, {"Q3": 0.5, "Q4": 0.5}),
        (0.0, -0.5, {"Q2": 0.5, "Q3": 0.5}),
        (0.0, 0.0, {"Q1": 0.25, "Q2": 0.25, "Q3": 0.25, "Q4": 0.25}),
    ],  # fmt: skip
)
def test_the_split_policy_shares_axis_points_between_adjacent_quadrants(a, v, expected):
    result = quadrant_of(a, v, on_axis="split", with_distribution=True)
    assert {q: p for q, p in result.distribution.items() if p} == expected
    assert result.label is None and result.probability == max(expected.values())


def test_the_vectorized_form_agrees_with_the_scalar_form():
    points = [(0.2, 0.3), (0.0, 0.4), (0.0, 0.0), (-0.1, -0.9), (math.nan, 1.0)]
    for policy in ("missing", "split"):
        table = quadrant_arrays([p[0] for p in points], [p[1] for p in points], on_axis=policy)
        for row, (a, v) in zip(table, points):
            scalar = quadrant_of(a, v, on_axis=policy, with_distribution=True).distribution
            if scalar is None:
                assert np.isnan(row).all()
            else:
                assert list(row) == [scalar[q] for q in ("Q1", "Q2", "Q3", "Q4")]
                assert row.sum() == 1.0


def test_an_unknown_policy_is_refused():
    with pytest.raises(LabelMappingError, match="on_axis"):
        quadrant_of(0.1, 0.1, on_axis="nearest")
