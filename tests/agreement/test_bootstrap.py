import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.alpha import LEVELS, krippendorff_alpha
from mer_datasets.agreement.bootstrap import MAX_RESAMPLES, _item_weights, bootstrap_alpha
from mer_datasets.errors import AgreementError


def synthetic(n_items: int, n_raters: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n_items)
    noise = rng.integers(-1, 2, (n_raters, n_items)) * (rng.random((n_raters, n_items)) < 0.5)
    values = np.clip(truth + noise, 1, 5)
    raters, items = np.meshgrid(np.arange(n_raters), np.arange(n_items), indexing="ij")
    return pd.DataFrame(
        {"rater": raters.ravel(), "item": items.ravel(), "value": values.ravel().astype(float)}
    )


@pytest.mark.parametrize("level", LEVELS)
def test_item_resamples_equal_alpha_recomputed_on_explicitly_resampled_tables(level):
    table = synthetic(25, 4, seed=3)
    result = bootstrap_alpha(table, level=level, n_resamples=6, seed=11, method="items")
    weights = _item_weights(np.random.default_rng(11), table["item"].nunique(), 6)
    for sample, row in zip(result.samples, weights):
        copies = [
            table[table["item"] == item].assign(item=f"{item}-{copy}")
            for item in range(25)
            for copy in range(int(row[item]))
        ]
        assert sample == pytest.approx(krippendorff_alpha(pd.concat(copies), level=level), abs=1e-9)


@pytest.mark.parametrize("method", ["items", "krippendorff"])
def test_the_interval_contains_the_estimate_and_shrinks_with_more_data(method):
    small = bootstrap_alpha(synthetic(30, 5), level="ordinal", method=method, seed=1)
    large = bootstrap_alpha(synthetic(600, 5), level="ordinal", method=method, seed=1)
    for result in (small, large):
        assert result.ci_low <= result.estimate <= result.ci_high
    assert large.ci_high - large.ci_low < small.ci_high - small.ci_low


def test_same_seed_same_output_and_different_seed_different_output():
    table = synthetic(40, 4)
    first = bootstrap_alpha(table, level="interval", seed=5)
    again = bootstrap_alpha(table, level="interval", seed=5)
    other = bootstrap_alpha(table, level="interval", seed=6)
    assert np.array_equal(first.samples, again.samples, equal_nan=True)  # two-way (auto)
    assert not np.array_equal(first.samples, other.samples, equal_nan=True)


def test_every_result_names_its_method():
    table = synthetic(20, 3)
    assert (
        bootstrap_alpha(table, level="nominal", n_resamples=50, method="items").ci_method
        == "bootstrap-items-percentile"
    )
    assert (
        bootstrap_alpha(table, level="nominal", n_resamples=50).ci_method
        == "bootstrap-two-way-percentile"
    )  # auto: raters known
    result = bootstrap_alpha(table, level="nominal", n_resamples=50, method="krippendorff")
    assert result.ci_method == "bootstrap-krippendorff-percentile"


@pytest.mark.parametrize("method", ["items", "two-way", "krippendorff"])
def test_the_bootstrap_refuses_infinite_values_and_is_scale_free(method):
    table = synthetic(30, 4, seed=2)
    bad = table.assign(value=table["value"].where(table.index != 5, np.inf))
    with pytest.raises(AgreementError, match=r"row 5, column 'value'.*not finite"):
        bootstrap_alpha(bad, level="interval", n_resamples=10, method=method)
    plain = bootstrap_alpha(table, level="interval", n_resamples=50, method=method, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = bootstrap_alpha(
            table.assign(value=table["value"] * 1e160), level="interval", n_resamples=50,
            method=method, seed=3,
        )  # fmt: skip
    np.testing.assert_allclose(huge.samples, plain.samples, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad", [MAX_RESAMPLES + 1, 10**9, -1, 2.5, True])
def test_the_number_of_resamples_is_bounded(bad):
    with pytest.raises(AgreementError, match="resamples"):
        bootstrap_alpha(synthetic(10, 3), level="ordinal", n_resamples=bad)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("level", "method"),
    [("ordinal", "items"), ("ratio", "items"), ("interval", "items"), ("ordinal", "krippendorff")],
)
def test_the_most_resamples_allocate_a_bounded_amount_of_memory(level, method):
    # 100,000 resamples of 400 items on 30 values: one array of all weights (~320 MB) or of the
    # per-resample feature totals (ordinal: 1 + 30 + 465 columns, ~400 MB) would break the bound.
    rng = np.random.default_rng(4)
    items = np.repeat(np.arange(400), 3)
    values = np.clip(rng.integers(1, 31, 400)[items] + rng.integers(-2, 3, items.size), 1, 30)
    table = pd.DataFrame({"item": items, "value": values.astype(float)})
    tracemalloc.start()
    try:
        result = bootstrap_alpha(table, level=level, n_resamples=MAX_RESAMPLES, method=method)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.samples.size == MAX_RESAMPLES
    assert peak < 64 * 2**20
