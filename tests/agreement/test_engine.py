"""The alpha engine and its item bootstrap against a naive oracle and resampled tables.

The oracle (tests/agreement/oracle.py) builds the coincidence matrix from every pair of judgments,
as in Krippendorff (2011); the bootstrap is checked against alpha recomputed on tables resampled
explicitly, item copy by item copy.
"""

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mer_datasets.agreement.bootstrap as bootstrap_module
from mer_datasets.agreement.alpha import (
    LEVELS,
    alpha_from_sums,
    alpha_of,
    krippendorff_alpha,
    long_values,
    pairable,
    statistics_of,
)
from mer_datasets.agreement.bootstrap import _item_weights, bootstrap_alpha

from .oracle import oracle_alpha

VALUE_KINDS = ("likert", "half_steps", "continuous", "nullable_with_missing")
ITEM_KINDS = ("compact_int", "sparse_int", "string", "categorical")


def oracle_of(table: pd.DataFrame, level: str, expected_from: pd.DataFrame | None = None) -> float:
    def columns(frame):
        values = [None if pd.isna(v) else v for v in frame["value"].astype(object)]
        return [None if pd.isna(i) else i for i in frame["item"].astype(object)], values

    reference = columns(expected_from) if expected_from is not None else None
    return oracle_alpha(*columns(table), level, reference)


def same(ours: float, expected: float, tolerance: float = 1e-12) -> bool:
    return (math.isnan(ours) and math.isnan(expected)) or abs(ours - expected) <= tolerance


def make_table(item_kind: str, value_kind: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_items = 150 if value_kind == "continuous" else 60
    items = np.repeat(np.arange(n_items), rng.integers(1, 7, n_items))  # some single-judgment items
    truth = rng.normal(size=n_items)[items]
    if value_kind in ("likert", "nullable_with_missing"):
        values = np.clip(np.round(3 + truth + rng.normal(scale=0.8, size=items.size)), 1, 5)
    elif value_kind == "half_steps":
        values = np.round(2 * (truth + rng.normal(scale=0.5, size=items.size))) / 2 + 0.25
    else:  # hundreds of distinct values: kept as judgments, not counted
        values = np.round(truth + rng.normal(scale=0.8, size=items.size), 6)
    value_column = pd.Series(values)
    if value_kind == "nullable_with_missing":
        value_column = value_column.astype("Float64")
        value_column[rng.random(items.size) < 0.1] = pd.NA
    item_column: pd.Series
    if item_kind == "compact_int":
        item_column = pd.Series(items + 1000)
    elif item_kind == "sparse_int":
        item_column = pd.Series(items.astype(np.int64) * 10**12 - 7)
    elif item_kind == "string":
        item_column = pd.Series([f"track-{i}" for i in items])
    else:
        item_column = pd.Series(pd.Categorical([f"t{i}" for i in items]))
    return pd.DataFrame({"item": item_column, "value": value_column})


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("value_kind", VALUE_KINDS)
@pytest.mark.parametrize("item_kind", ITEM_KINDS)
def test_alpha_of_every_item_and_value_encoding_equals_the_oracle(item_kind, value_kind, level):
    table = make_table(item_kind, value_kind, seed=len(item_kind) * 7 + len(value_kind))
    assert krippendorff_alpha(table, level=level) == pytest.approx(
        oracle_of(table, level), abs=1e-12
    )


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_on_many_distinct_values_matches_the_package(level):
    rng = np.random.default_rng(5)
    matrix = rng.normal(size=(7, 70)).round(4) + rng.normal(size=70)  # ~340 distinct
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    raters, items = np.nonzero(~np.isnan(matrix))
    table = pd.DataFrame({"item": items, "value": matrix[raters, items] + 10})
    expected = krippendorff.alpha(reliability_data=matrix + 10, level_of_measurement=level)
    assert krippendorff_alpha(table, level=level) == pytest.approx(expected, abs=1e-9)


def test_nominal_labels_with_missing_items_and_labels_equal_the_oracle():
    table = pd.DataFrame(
        {
            "item": ["a", "a", "a", None, "b", "b", "c", "c", "c", "d"],
            "value": ["joy", "joy", "sad", "joy", None, "sad", "sad", "sad", "joy", "joy"],
        }
    )
    assert krippendorff_alpha(table, level="nominal") == pytest.approx(
        oracle_of(table, "nominal"), abs=1e-12
    )


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_counting_single_judgment_items_aside_equals_the_row_filtering_path(level):
    # The single-judgment items (values 0 and 9 only there, so N's columns are cut on both
    # sides; label "x" only there) go to a dropped row of N instead of being filtered out.
    rng = np.random.default_rng(11)
    items = np.repeat(np.arange(40), rng.integers(2, 6, 40))
    values = rng.integers(2, 7, items.size).astype(float)
    table = pd.DataFrame(
        {
            "item": np.concatenate([items, [100, 101, 102]]),
            "value": np.concatenate([values, [0.0, 9.0, 4.0]]),
        }
    )
    data = long_values(table, level=level)
    assert pairable(data, level, judgments=False).n == 0  # counted: no per-judgment rows
    _, stats, (expected, n_ref) = statistics_of(data, level)
    filtered = alpha_from_sums(float(stats.within.sum()), expected, int(stats.m.sum()), n_ref)
    assert alpha_of(data, level) == filtered  # the same N: the same alpha to the bit
    assert alpha_of(data, level) == pytest.approx(oracle_of(table, level), abs=1e-12)
    if level == "nominal":
        labels = table.assign(value=[f"v{v:g}" for v in table["value"][:-1]] + ["x"])
        data = long_values(labels, level=level)
        assert pairable(data, level, judgments=False).n == 0
        assert alpha_of(data, level) == pytest.approx(oracle_of(labels, level), abs=1e-12)


def explicit_resample_alphas(table: pd.DataFrame, level: str, weights: np.ndarray, items) -> list:
    alphas = []
    for row in weights:
        copies = [
            table[table["item"] == item].assign(item=f"{item}-{copy}")
            for position, item in enumerate(items)
            for copy in range(int(row[position]))
        ]
        alphas.append(oracle_of(pd.concat(copies), level))
    return alphas


@pytest.mark.parametrize(
    ("value_kind", "level"),
    [
        ("continuous", "interval"),
        ("half_steps", "ordinal"),
        ("half_steps", "ratio"),
        ("likert", "nominal"),
    ],
)
def test_item_resamples_equal_the_oracle_on_explicitly_resampled_tables(value_kind, level):
    table = make_table("compact_int", value_kind, seed=2)
    per_item = table.groupby("item").size()
    pairable_items = per_item[per_item >= 2].index.tolist()  # the codes follow the ids
    result = bootstrap_alpha(table, level=level, n_resamples=5, seed=4)
    weights = _item_weights(np.random.default_rng(4), len(pairable_items), 5)
    expected = explicit_resample_alphas(table, level, weights, pairable_items)
    assert result.samples == pytest.approx(expected, abs=1e-9)
    assert result.estimate == pytest.approx(oracle_of(table, level), abs=1e-12)


def test_string_items_are_resampled_in_order_of_first_appearance():
    table = make_table("string", "likert", seed=3)
    per_item = table.groupby("item", sort=False).size()
    pairable_items = per_item[per_item >= 2].index.tolist()
    result = bootstrap_alpha(table, level="ordinal", n_resamples=4, seed=9)
    weights = _item_weights(np.random.default_rng(9), len(pairable_items), 4)
    assert result.samples == pytest.approx(
        explicit_resample_alphas(table, "ordinal", weights, pairable_items), abs=1e-9
    )


@pytest.mark.parametrize("level", LEVELS)
def test_the_number_of_threads_changes_neither_the_draws_nor_the_resampled_alphas(
    level, monkeypatch
):
    # Many chunks (each from its own spawned generator), 1 or 4 threads: identical samples.
    table = make_table("compact_int", "likert", seed=6)
    monkeypatch.setattr(bootstrap_module, "_CHUNK_CELLS", 7)
    monkeypatch.setattr(bootstrap_module, "_THREADS", 1)
    serial = bootstrap_alpha(table, level=level, n_resamples=40, seed=3)
    monkeypatch.setattr(bootstrap_module, "_THREADS", 4)
    threaded = bootstrap_alpha(table, level=level, n_resamples=40, seed=3)
    np.testing.assert_array_equal(threaded.samples, serial.samples)
    assert np.unique(serial.samples).size > 20  # one resample per chunk: the generators differ


@pytest.mark.parametrize("value_kind", ["likert", "continuous"])
def test_the_item_bootstrap_is_reproducible_and_seed_dependent(value_kind):
    table = make_table("compact_int", value_kind, seed=8)
    first = bootstrap_alpha(table, level="interval", n_resamples=200, seed=1)
    again = bootstrap_alpha(table, level="interval", n_resamples=200, seed=1)
    other = bootstrap_alpha(table, level="interval", n_resamples=200, seed=2)
    assert np.array_equal(first.samples, again.samples)
    assert not np.array_equal(first.samples, other.samples)
    assert first.ci_low <= first.estimate <= first.ci_high


def test_the_item_weights_are_multinomial_counts_of_every_resample():
    weights = _item_weights(np.random.default_rng(0), 30, 2000)
    assert np.all(weights.sum(axis=1) == 30)
    # Each multiplicity is Binomial(30, 1/30): mean 1, variance 29/30.
    assert weights.mean() == pytest.approx(1.0, abs=1e-12)
    assert weights.var() == pytest.approx(29 / 30, abs=0.03)
    assert not math.isnan(weights.max())


@pytest.mark.parametrize("ties", [False, True], ids=["all-distinct", "with-ties"])
def test_ordinal_bootstrap_per_judgment_equals_the_quadratic_form_route(ties, monkeypatch):
    # sliders send the ordinal item bootstrap to the per-judgment route (no small item x value
    # matrix); on data small enough for both, the quadratic-form route is the other computation
    rng = np.random.default_rng(5)
    items = rng.integers(0, 60, 400)
    values = rng.normal(size=60)[items] + rng.normal(size=items.size)
    values = np.round(values * 4) if ties else np.round(values, 1)  # ~20 / ~50 distinct values
    table = pd.DataFrame({"item": items, "value": values})
    matrix = bootstrap_alpha(table, level="ordinal", n_resamples=60, seed=9)
    monkeypatch.setattr(bootstrap_module, "_MAX_FEATURE_CELLS", 0)
    per_judgment = bootstrap_alpha(table, level="ordinal", n_resamples=60, seed=9)
    assert per_judgment.estimate == matrix.estimate
    np.testing.assert_allclose(per_judgment.samples, matrix.samples, rtol=1e-12, atol=1e-12)
    assert per_judgment.ci_low < per_judgment.estimate < per_judgment.ci_high


def test_slider_ordinal_bootstrap_equals_the_oracle_on_explicitly_resampled_tables():
    rng = np.random.default_rng(2)
    items = np.repeat(np.arange(40), rng.integers(2, 5, 40))
    table = pd.DataFrame({"item": items, "value": rng.normal(size=items.size).round(6)})
    result = bootstrap_alpha(table, level="ordinal", n_resamples=4, seed=1)
    weights = _item_weights(np.random.default_rng(1), 40, 4)
    expected = explicit_resample_alphas(table, "ordinal", weights, list(range(40)))
    assert result.samples == pytest.approx(expected, abs=1e-9)


# -- hypothesis: any long table, every level, against the oracle -------------------------------

VALUE_POOLS = {
    "likert": [1.0, 2.0, 3.0, 4.0, 5.0],
    "half_steps": [-1.5, -0.5, 0.0, 0.25, 2.5, 7.0],
    "continuous": [round(0.137 * k + 0.0011 * k * k, 6) for k in range(-20, 40)],
}


@st.composite
def long_tables(draw, labels: bool = False):
    n_rows = draw(st.integers(0, 30))
    items = draw(st.lists(st.integers(0, 7), min_size=n_rows, max_size=n_rows))
    if labels:
        pool = ["joy", "sad", "calm", "tense"]
    else:
        pool = VALUE_POOLS[draw(st.sampled_from(sorted(VALUE_POOLS)))]
    values = draw(st.lists(st.sampled_from(pool), min_size=n_rows, max_size=n_rows))
    missing = draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows))
    column = [None if gone else value for value, gone in zip(values, missing)]
    if not labels:
        column = [np.nan if value is None else value for value in column]
    return pd.DataFrame({"item": [f"i{item}" for item in items], "value": column})


@settings(max_examples=150, deadline=None)
@given(long_tables(), st.sampled_from(LEVELS))
def test_alpha_of_any_long_table_equals_the_oracle(table, level):
    assert same(krippendorff_alpha(table, level=level), oracle_of(table, level))


@settings(max_examples=40, deadline=None)
@given(long_tables(labels=True))
def test_alpha_of_any_labels_equals_the_oracle(table):
    assert same(krippendorff_alpha(table, level="nominal"), oracle_of(table, "nominal"))


@settings(max_examples=100, deadline=None)
@given(long_tables(), long_tables(), st.sampled_from(LEVELS))
def test_alpha_with_expected_from_another_table_equals_the_oracle(table, extra, level):
    everything = pd.concat([table, extra], ignore_index=True)
    ours = krippendorff_alpha(table, level=level, expected_from=everything)
    assert same(ours, oracle_of(table, level, expected_from=everything))


@settings(max_examples=40, deadline=None)
@given(long_tables(), st.sampled_from(LEVELS), st.integers(0, 2**32 - 1))
def test_item_bootstrap_of_any_long_table_equals_the_oracle_on_resampled_tables(table, level, seed):
    result = bootstrap_alpha(table, level=level, n_resamples=3, seed=seed)
    assert same(result.estimate, oracle_of(table, level))
    if math.isnan(result.estimate):
        assert np.isnan(result.samples).all()
        return
    # items are resampled in order of first appearance in the table, missing values included
    per_item = table.groupby("item", sort=False)["value"].count()
    pairable_items = per_item[per_item >= 2].index.tolist()
    weights = _item_weights(np.random.default_rng(seed), len(pairable_items), 3)
    expected = explicit_resample_alphas(table.dropna(), level, weights, pairable_items)
    for ours, oracle in zip(result.samples, expected):
        assert same(ours, oracle, 1e-9)


@settings(max_examples=40, deadline=None)
@given(long_tables(), long_tables(), st.sampled_from(LEVELS), st.integers(0, 2**32 - 1))
def test_item_bootstrap_with_expected_from_equals_the_oracle_on_resampled_tables(
    table, extra, level, seed
):
    everything = pd.concat([table, extra], ignore_index=True)
    result = bootstrap_alpha(table, level=level, expected_from=everything, n_resamples=3, seed=seed)
    assert same(result.estimate, oracle_of(table, level, expected_from=everything))
    if math.isnan(result.estimate):
        return
    per_item = table.groupby("item", sort=False)["value"].count()
    pairable_items = per_item[per_item >= 2].index.tolist()
    weights = _item_weights(np.random.default_rng(seed), len(pairable_items), 3)
    for sample, row in zip(result.samples, weights):
        copies = [
            table[table["item"] == item].assign(item=f"{item}-{copy}")
            for position, item in enumerate(pairable_items)
            for copy in range(int(row[position]))
        ]
        assert same(sample, oracle_of(pd.concat(copies), level, expected_from=everything), 1e-9)
