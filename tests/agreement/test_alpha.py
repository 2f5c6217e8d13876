import math
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mer_datasets.agreement.alpha import (
    LEVELS,
    LongValues,
    alpha_of,
    coincidence_matrix,
    krippendorff_alpha,
)
from mer_datasets.errors import AgreementError

from .conftest import long_from_matrix

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12 units,
# typed by hand from the paper (nan = missing).
PAPER_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ]
)


def reference_alpha(matrix: np.ndarray, level: str) -> float:
    try:
        return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
    except ValueError:  # the package raises where we return nan (documented)
        return math.nan


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_the_published_worked_example_is_reproduced_at_every_level(level, published):
    table = long_from_matrix(PAPER_C)
    ours = krippendorff_alpha(table, level=level)
    assert round(ours, 3) == published
    assert ours == pytest.approx(reference_alpha(PAPER_C, level), abs=1e-12)


def test_the_coincidence_matrix_of_the_worked_example_matches_the_paper():
    matrix = coincidence_matrix(long_from_matrix(PAPER_C), level="nominal")
    # Krippendorff (2011) section C, checked by hand: n_c = 9, 13, 10, 5, 3 (n = 40); o_11 = 3 + 2 + 2,
    # o_12 = 1/3 + 1, o_33 = 4 + 4, o_55 = 3.
    assert matrix.sum(axis=1).tolist() == pytest.approx([9, 13, 10, 5, 3])
    assert matrix.loc[1.0, 1.0] == pytest.approx(7)
    assert matrix.loc[1.0, 2.0] == pytest.approx(4 / 3)
    assert matrix.loc[3.0, 3.0] == pytest.approx(8)
    assert matrix.loc[5.0, 5.0] == pytest.approx(3)
    brute = np.zeros((5, 5))
    for unit in PAPER_C.T:
        present = unit[~np.isnan(unit)].astype(int) - 1
        for i in range(present.size):
            for j in range(present.size):
                if i != j:
                    brute[present[i], present[j]] += 1 / (present.size - 1)
    assert matrix.to_numpy() == pytest.approx(brute)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_the_krippendorff_package_on_random_sparse_data(seed, level):
    rng = np.random.default_rng(seed)
    raters, items = rng.integers(2, 9), rng.integers(2, 40)
    matrix = rng.integers(1, 6, size=(raters, items)).astype(float)
    if seed % 2:
        matrix += rng.random((raters, items)).round(2)  # continuous values
    matrix[rng.random((raters, items)) < 0.35] = np.nan
    ours = krippendorff_alpha(long_from_matrix(matrix), level=level)
    expected = reference_alpha(matrix, level)
    assert (math.isnan(ours) and math.isnan(expected)) or ours == pytest.approx(expected, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 12),
    st.integers(0, 2**32 - 1),
    st.sampled_from(LEVELS),
    st.integers(1, 5),
)
def test_alpha_matches_the_package_for_any_shape_including_single_raters_and_items(
    raters, items, seed, level, n_values
):
    rng = np.random.default_rng(seed)
    matrix = rng.integers(1, n_values + 1, size=(raters, items)).astype(float)
    matrix[rng.random((raters, items)) < 0.3] = np.nan
    ours = krippendorff_alpha(long_from_matrix(matrix), level=level)
    expected = reference_alpha(matrix, level) if raters > 1 else math.nan
    assert (math.isnan(ours) and math.isnan(expected)) or ours == pytest.approx(expected, abs=1e-9)


def test_alpha_is_nan_when_undefined():
    single_rater = pd.DataFrame({"item": [1, 2, 3], "value": [1.0, 2.0, 3.0]})
    constant = pd.DataFrame({"item": [1, 1, 2, 2], "value": [3.0, 3.0, 3.0, 3.0]})
    for level in LEVELS:
        assert math.isnan(krippendorff_alpha(single_rater, level=level))
        assert math.isnan(krippendorff_alpha(constant, level=level))


def test_perfect_agreement_gives_one_and_labels_work_as_nominal_values():
    table = pd.DataFrame(
        {"item": [1, 1, 2, 2, 3, 3], "value": ["joy", "joy", "sad", "sad", "joy", "joy"]}
    )
    assert krippendorff_alpha(table, level="nominal") == pytest.approx(1.0)


def test_expected_disagreement_from_another_table_changes_only_the_denominator():
    table = long_from_matrix(PAPER_C)
    group = table[table["rater"] < 2]
    # D_e from all data: alpha = 1 - D_o(group) / D_e(all), recomputed independently here
    # from the interval closed forms.
    pairable = group.groupby("item").filter(lambda rows: len(rows) >= 2)
    m = pairable.groupby("item")["value"].transform("size")
    deviation = pairable["value"] - pairable.groupby("item")["value"].transform("mean")
    observed = (2 * m * deviation**2 / (m - 1)).sum() / len(pairable)
    everything = table.groupby("item").filter(lambda rows: len(rows) >= 2)["value"].to_numpy()
    expected = 2 * ((everything - everything.mean()) ** 2).sum() / (everything.size - 1)
    ours = krippendorff_alpha(group, level="interval", expected_from=table)
    assert ours == pytest.approx(1 - observed / expected, abs=1e-12)


def test_ratio_alpha_refuses_too_many_distinct_values(monkeypatch):
    import mer_datasets.agreement.alpha as alpha_module

    monkeypatch.setattr(alpha_module, "MAX_RATIO_VALUES", 5)
    table = pd.DataFrame(
        {"item": np.repeat(np.arange(10), 2), "value": np.arange(20, dtype=float) + 1}
    )
    with pytest.raises(ValueError, match="distinct values"):
        krippendorff_alpha(table, level="ratio")


@pytest.mark.parametrize("scale", [1e160, 1e-170, 1e300, 2.0**-1000])
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_of_huge_and_tiny_magnitudes_equals_the_package_on_the_rescaled_data(scale, level):
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(4, 25)).round(3) + rng.normal(size=25) + 3.0
    matrix[rng.random(matrix.shape) < 0.25] = np.nan
    expected = reference_alpha(matrix, level)  # the package on values of magnitude ~1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/underflow warning from numpy
        ours = krippendorff_alpha(long_from_matrix(matrix * scale), level=level)
    assert not math.isnan(expected)
    assert ours == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
@pytest.mark.parametrize("level", LEVELS)
def test_an_infinite_value_is_refused_with_its_row_named(bad, level):
    table = pd.DataFrame(
        {"item": [1, 1, 2, 2], "value": [1.0, bad, 2.0, 3.0]}, index=["r1", "r2", "r3", "r4"]
    )
    with pytest.raises(AgreementError, match=r"row 'r2', column 'value'.*not finite"):
        krippendorff_alpha(table, level=level)
    with pytest.raises(AgreementError, match=r"judgment 1\b.*not finite"):
        alpha_of(LongValues(np.array([0, 0, 1, 1]), 2, x=table["value"].to_numpy()), level)


@pytest.mark.parametrize("offset", [2.0**20, 2.0**26])
def test_interval_alpha_of_values_far_from_zero_equals_the_package_on_the_unshifted_values(offset):
    """Interval alpha is shift-invariant; sums of squares of values ~1e8 that vary by ~1 cancel
    (m S2 - S1^2 loses every digit), which is why the engine takes deviations from each item's
    mean in a second pass (benchmarks/results/agreement_engine.md). Values are multiples of
    2^-10, so that the shifted values are exact and any difference is the engine's. (At 2^30
    the per-item sums' rounding leaves an error of ~6e-9, as at 5d2aea8; the one-pass form
    fails at 2^20 already.)"""
    rng = np.random.default_rng(11)
    matrix = np.round((rng.normal(size=(4, 30)) + rng.normal(size=30)) * 1024) / 1024
    matrix[rng.random(matrix.shape) < 0.25] = np.nan
    expected = reference_alpha(matrix, "interval")
    ours = krippendorff_alpha(long_from_matrix(matrix + offset), level="interval")
    assert ours == pytest.approx(expected, abs=1e-9)
