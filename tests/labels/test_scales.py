import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mer_datasets.errors import LabelMappingError
from mer_datasets.labels.scales import Scale, scale_of, to_unit

from .synthetic import dimension

CATALOG_RANGES = [(1, 9), (1, 5), (-1, 1), (-10, 10), (0, 1)]


@pytest.mark.parametrize(("low", "high"), CATALOG_RANGES)
def test_endpoints_and_midpoint_map_exactly_both_ways(low, high):
    scale = Scale(low, high)
    mid = (low + high) / 2
    assert (scale.to_unit(low), scale.to_unit(mid), scale.to_unit(high)) == (-1.0, 0.0, 1.0)
    assert (scale.from_unit(-1.0), scale.from_unit(0.0), scale.from_unit(1.0)) == (low, mid, high)


@pytest.mark.parametrize(("low", "high"), CATALOG_RANGES)
@given(fraction=st.floats(0, 1, allow_nan=False))
def test_a_raw_value_survives_the_round_trip_within_1e_12_of_the_range(low, high, fraction):
    scale = Scale(low, high)
    raw = low + fraction * (high - low)
    assert abs(scale.from_unit(scale.to_unit(raw)) - raw) <= 1e-12 * (high - low)
    assert -1.0 <= scale.to_unit(raw) <= 1.0


@pytest.mark.parametrize(("low", "high"), CATALOG_RANGES)
@given(norm=st.floats(-1, 1, allow_nan=False))
def test_a_normalized_value_survives_the_round_trip_within_1e_12(low, high, norm):
    scale = Scale(low, high)
    assert abs(scale.to_unit(scale.from_unit(norm)) - norm) <= 1e-12 * 2


def test_the_transform_agrees_with_the_textbook_affine_formula():
    assert to_unit(7.0, dimension("valence", "likert", min=1, max=9)) == pytest.approx(
        2 * (7 - 1) / 8 - 1
    )


def test_a_spread_is_scaled_but_not_shifted():
    assert Scale(1, 9).spread_to_unit(2.0) == 0.5


def test_a_dimension_without_a_numeric_range_is_refused_with_its_name():
    with pytest.raises(LabelMappingError, match="'mood'.*min/max"):
        scale_of(dimension("mood", "category", "nominal"), "trompa-mer")


@pytest.mark.parametrize(("low", "high"), [(1, 1), (5, 1), (0, math.inf)])
def test_an_empty_or_infinite_range_is_refused(low, high):
    with pytest.raises(LabelMappingError):
        Scale(low, high)
