"""The fast encodings of alpha and of the item bootstrap give the results of the general path.

The general path (``pairable_values`` + ``disagreement_sums``) is the independent computation:
it factorizes every column, filters rows and uses the closed forms of docs/agreement.md.
"""

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

import mer_datasets.agreement.bootstrap as bootstrap_module
from mer_datasets.agreement.alpha import (
    LEVELS,
    ItemValueCounts,
    NumericJudgments,
    alpha_from_sums,
    disagreement_sums,
    encode_judgments,
    krippendorff_alpha,
    pairable_values,
)
from mer_datasets.agreement.bootstrap import _item_weights, bootstrap_alpha

VALUE_KINDS = ("likert", "half_steps", "continuous", "nullable_with_missing")
ITEM_KINDS = ("compact_int", "sparse_int", "string", "categorical")


def general_alpha(table: pd.DataFrame, level: str) -> float:
    pv = pairable_values(table, level=level)
    return alpha_from_sums(*disagreement_sums(pv, level))


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
def test_alpha_of_every_item_and_value_encoding_equals_the_general_path(
    item_kind, value_kind, level
):
    table = make_table(item_kind, value_kind, seed=len(item_kind) * 7 + len(value_kind))
    assert krippendorff_alpha(table, level=level) == pytest.approx(
        general_alpha(table, level), abs=1e-9
    )


def test_likert_values_are_counted_and_continuous_values_kept_as_judgments():
    likert = make_table("compact_int", "likert", seed=1)
    continuous = make_table("compact_int", "continuous", seed=1)
    assert isinstance(encode_judgments(likert, level="ordinal"), ItemValueCounts)
    assert isinstance(encode_judgments(continuous, level="ordinal"), NumericJudgments)
    counts = encode_judgments(likert, level="interval")
    per_item = likert.groupby("item")["value"].size()
    assert counts.counts.sum() == per_item[per_item >= 2].sum()
    assert counts.values.tolist() == sorted(likert["value"].unique())


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_on_many_distinct_values_matches_the_package(level):
    rng = np.random.default_rng(5)
    matrix = rng.normal(size=(7, 70)).round(4) + rng.normal(size=70)  # ~340 distinct
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    raters, items = np.nonzero(~np.isnan(matrix))
    table = pd.DataFrame({"item": items, "value": matrix[raters, items] + 10})
    expected = krippendorff.alpha(reliability_data=matrix + 10, level_of_measurement=level)
    assert krippendorff_alpha(table, level=level) == pytest.approx(expected, abs=1e-9)


def test_nominal_labels_with_missing_items_and_labels_equal_the_general_path():
    table = pd.DataFrame(
        {
            "item": ["a", "a", "a", None, "b", "b", "c", "c", "c", "d"],
            "value": ["joy", "joy", "sad", "joy", None, "sad", "sad", "sad", "joy", "joy"],
        }
    )
    assert krippendorff_alpha(table, level="nominal") == pytest.approx(
        general_alpha(table, "nominal"), abs=1e-12
    )


def explicit_resample_alphas(table: pd.DataFrame, level: str, weights: np.ndarray, items) -> list:
    alphas = []
    for row in weights:
        copies = [
            table[table["item"] == item].assign(item=f"{item}-{copy}")
            for position, item in enumerate(items)
            for copy in range(int(row[position]))
        ]
        alphas.append(krippendorff_alpha(pd.concat(copies), level=level))
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
def test_fast_item_resamples_equal_alpha_recomputed_on_explicitly_resampled_tables(
    value_kind, level
):
    table = make_table("compact_int", value_kind, seed=2)
    per_item = table.groupby("item").size()
    pairable_items = per_item[per_item >= 2].index.tolist()  # the codes follow the ids
    result = bootstrap_alpha(table, level=level, n_resamples=5, seed=4)
    weights = _item_weights(np.random.default_rng(4), len(pairable_items), 5)
    expected = explicit_resample_alphas(table, level, weights, pairable_items)
    assert result.samples == pytest.approx(expected, abs=1e-9)
    assert result.estimate == pytest.approx(general_alpha(table, level), abs=1e-12)


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
def test_chunk_size_changes_neither_the_draws_nor_the_resampled_alphas(level, monkeypatch):
    table = make_table("compact_int", "likert", seed=6)
    whole = bootstrap_alpha(table, level=level, n_resamples=40, seed=3)
    monkeypatch.setattr(bootstrap_module, "_CHUNK_CELLS", 7)
    chunked = bootstrap_alpha(table, level=level, n_resamples=40, seed=3)
    # Same draws; only the summation order of the matrix products differs (last bits).
    assert chunked.samples == pytest.approx(whole.samples, abs=1e-12)


@pytest.mark.parametrize("value_kind", ["likert", "continuous"])
def test_fast_bootstrap_is_reproducible_and_seed_dependent(value_kind):
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
def test_ordinal_bootstrap_per_judgment_equals_the_count_matrix_route(ties, monkeypatch):
    # sliders: thousands of distinct values send the ordinal item bootstrap to the per-judgment
    # route; the count-matrix route (threshold raised) is the independent computation
    rng = np.random.default_rng(5)
    items = rng.integers(0, 300, 9000)
    values = rng.normal(size=300)[items] + rng.normal(size=items.size)
    if ties:
        values = np.round(values * 2000)  # ~9000 judgments on ~6000 distinct values
    table = pd.DataFrame({"item": items, "value": values})
    assert pairable_values(table, level="ordinal").values.size > 4096
    fast = bootstrap_alpha(table, level="ordinal", n_resamples=60, seed=9)
    monkeypatch.setattr(bootstrap_module, "_MAX_MATRIX_ORDINAL_VALUES", 10**12)
    matrix = bootstrap_alpha(table, level="ordinal", n_resamples=60, seed=9)
    assert fast.estimate == matrix.estimate
    np.testing.assert_allclose(fast.samples, matrix.samples, rtol=1e-12, atol=1e-12)
    assert fast.ci_low < fast.estimate < fast.ci_high
