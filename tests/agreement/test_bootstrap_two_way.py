"""The two-way (items x raters) bootstrap and the BCa interval against independent computations.

Two-way: every resampled alpha equals the oracle's alpha (tests/agreement/oracle.py, loops over
pairs of judgments) of the explicitly materialised resample: w_u copies of each item, and in each
copy one judgment of every drawn rater (copies="once", the default) or r_j copies of it
(copies="distinct"). BCa: scipy.stats.bootstrap(method="BCa") given the same
resampled alphas (its ``bootstrap_result`` argument) and the same statistic.
"""

import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.alpha import LEVELS, krippendorff_alpha
from mer_datasets.agreement.bootstrap import bootstrap_alpha
from mer_datasets.agreement.resampling import (
    _counts,
    acceleration,
    bca_interval,
    leave_out_weights,
)
from mer_datasets.errors import AgreementError

from .oracle import oracle_alpha


def sparse_crossed(n_items: int, n_raters: int, seed: int = 0) -> pd.DataFrame:
    """Likert judgments with rater biases; some judgments missing, one item with one judgment."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n_items)
    bias = rng.integers(-1, 2, n_raters)
    raters, items = np.meshgrid(np.arange(n_raters), np.arange(n_items), indexing="ij")
    values = np.clip(truth[items] + bias[raters] + rng.integers(-1, 2, items.shape), 1, 5)
    table = pd.DataFrame(
        {"rater": raters.ravel(), "item": items.ravel(), "value": values.ravel().astype(float)}
    )
    keep = rng.random(len(table)) > 0.15
    keep[(table["item"] == 0).to_numpy()] = False
    keep[((table["item"] == 0) & (table["rater"] == 1)).to_numpy()] = True
    return table[keep].reset_index(drop=True)


def materialised(table: pd.DataFrame, item_copies, rater_copies) -> pd.DataFrame:
    rows = []
    for item, rater, value in table[["item", "rater", "value"]].itertuples(index=False):
        for copy in range(int(item_copies[item])):
            rows += [(f"{item}-{copy}", value)] * int(rater_copies[rater])
    return pd.DataFrame(rows, columns=["item", "value"])


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("reference", [False, True])
def test_two_way_resamples_equal_the_oracle_on_materialised_resamples(level, reference):
    table = sparse_crossed(12, 5, seed=3)
    expected_from = sparse_crossed(15, 4, seed=9) if reference else None
    result = bootstrap_alpha(
        table, level=level, method="two-way", n_resamples=5, seed=7, expected_from=expected_from
    )
    rng = np.random.default_rng(7)
    item_copies, rater_copies = _counts(rng, 12, 5), _counts(rng, 5, 5)
    ref = None if expected_from is None else (expected_from["item"], expected_from["value"])
    for sample, items, raters in zip(result.samples, item_copies, rater_copies):
        resample = materialised(table, items, np.minimum(raters, 1))  # copies="once"
        truth = oracle_alpha(list(resample["item"]), list(resample["value"]), level, ref)
        if np.isnan(truth):
            assert np.isnan(sample)
        else:
            assert sample == pytest.approx(truth, abs=1e-9)
    assert result.estimate == pytest.approx(
        krippendorff_alpha(table, level=level, expected_from=expected_from), abs=1e-12
    )


def test_two_way_labels_and_copies_distinct():
    table = sparse_crossed(10, 4, seed=1)
    labels = table.assign(value=table["value"].map({1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}))
    plain = bootstrap_alpha(table, level="nominal", method="two-way", n_resamples=20, seed=2)
    named = bootstrap_alpha(labels, level="nominal", method="two-way", n_resamples=20, seed=2)
    np.testing.assert_allclose(named.samples, plain.samples, rtol=0, atol=1e-12)
    # copies="distinct": a rater drawn twice gives two pairable values in each of its items
    from mer_datasets.agreement.alpha import long_values
    from mer_datasets.agreement.bootstrap import bootstrap_alpha_of

    distinct = bootstrap_alpha_of(
        long_values(table, level="interval"), level="interval", method="two-way", n_resamples=4,
        seed=5, raters=table["rater"].to_numpy(), copies="distinct",
    )  # fmt: skip
    rng = np.random.default_rng(5)
    item_copies, rater_copies = _counts(rng, 10, 4), _counts(rng, 4, 4)
    assert (rater_copies > 1).any()
    for sample, items, raters in zip(distinct.samples, item_copies, rater_copies):
        resample = materialised(table, items, raters)
        assert sample == pytest.approx(krippendorff_alpha(resample, level="interval"), abs=1e-9)


def test_two_way_needs_raters_and_bca_needs_resampled_units():
    table = sparse_crossed(10, 4)
    with pytest.raises(AgreementError, match="rater column 'judge'"):
        bootstrap_alpha(table, level="interval", method="two-way", rater="judge")
    with pytest.raises(AgreementError, match="percentile"):
        bootstrap_alpha(table, level="interval", method="krippendorff", interval="bca")
    with pytest.raises(AgreementError, match="unknown interval"):
        bootstrap_alpha(table, level="interval", interval="basic")


def test_every_result_names_its_interval_and_carries_its_caveats():
    small = bootstrap_alpha(sparse_crossed(12, 4), level="interval", n_resamples=50)
    assert any("small design" in note for note in small.caveats)
    result = bootstrap_alpha(
        sparse_crossed(40, 4), level="interval", method="two-way", interval="bca", n_resamples=50
    )
    assert result.ci_method == "bootstrap-two-way-bca"
    assert result.caveats == ()
    kripp = bootstrap_alpha(
        sparse_crossed(40, 4), level="interval", method="krippendorff", n_resamples=50
    )
    assert any("under-cover" in note for note in kripp.caveats)


@pytest.mark.parametrize("level", ["interval", "nominal", "ordinal"])
def test_items_bca_equals_scipy_bca_on_the_same_resamples(level):
    from scipy import stats

    table = sparse_crossed(30, 4, seed=5)
    table = table[table["item"] != 0]  # every item pairable: the same units resampled
    result = bootstrap_alpha(
        table, level=level, method="items", interval="bca", n_resamples=400, seed=3
    )
    groups = {item: rows for item, rows in table.groupby("item")}
    ids = np.array(sorted(groups))

    def statistic(chosen, axis=-1):
        chosen = np.atleast_2d(chosen)
        out = []
        for row in chosen:
            resample = pd.concat([groups[ids[int(u)]].assign(item=k) for k, u in enumerate(row)])
            out.append(krippendorff_alpha(resample, level=level))
        return np.array(out)

    previous = stats.bootstrap(
        (np.arange(ids.size),), statistic, n_resamples=2, method="percentile", vectorized=True,
        random_state=0,
    )  # fmt: skip
    previous.bootstrap_distribution = result.samples
    ours = stats.bootstrap(
        (np.arange(ids.size),), statistic, n_resamples=0, method="BCa", vectorized=True,
        bootstrap_result=previous, confidence_level=0.95,
    )  # fmt: skip
    assert result.ci_low == pytest.approx(ours.confidence_interval.low, abs=1e-12)
    assert result.ci_high == pytest.approx(ours.confidence_interval.high, abs=1e-12)


def test_bca_handmade_cases():
    samples = np.arange(1.0, 101.0)
    # symmetric samples, estimate at the median, no acceleration: the percentile interval
    low, high = bca_interval(samples, 50.5, 0.0, 0.9)
    assert (low, high) == pytest.approx(tuple(np.quantile(samples, [0.05, 0.95])))
    # z0 = 0 and a = 0.1: levels Phi(z / (1 - a z)) = Phi(-1.96 / 1.196) = Phi(-1.6388) = 0.0506
    # and Phi(1.96 / 0.804) = Phi(2.4378) = 0.99261 (by hand)
    low, high = bca_interval(samples, 50.5, 0.1, 0.95)
    assert (low, high) == pytest.approx(tuple(np.quantile(samples, [0.05063, 0.99261])), abs=1e-2)
    # every sample below the estimate: z0 is capped, the highest levels, not nan
    low, high = bca_interval(samples, 1000.0, 0.0, 0.95)
    assert low > 50 and high == pytest.approx(100.0, abs=0.1)
    # acceleration of a symmetric jackknife is 0; of a skewed one has the skew's sign
    assert acceleration(np.array([1.0, 2.0, 3.0])) == 0.0
    assert acceleration(np.array([0.0, 0.0, 0.0, 3.0])) < 0.0
    assert np.isnan(bca_interval(np.full(5, np.nan), 0.5, 0.0, 0.95)[0])


def test_leave_out_weights_groups_units_beyond_the_limit():
    exact = leave_out_weights(5)
    np.testing.assert_array_equal(exact, 1.0 - np.eye(5))
    grouped = leave_out_weights(450)
    assert grouped.shape == (200, 450)
    np.testing.assert_array_equal((grouped == 0).sum(axis=0), np.ones(450))
    np.testing.assert_array_equal(leave_out_weights(450, 10, 20), grouped[10:20])


def test_a_two_rater_design_says_how_many_resamples_were_undefined():
    # crossed, 2 raters: a two-way resample draws one rater (no pair) with probability 1/2
    result = bootstrap_alpha(sparse_crossed(40, 2, seed=4), level="interval", method="two-way")
    share = float(np.mean(np.isnan(result.samples)))
    assert 0.4 < share < 0.6
    assert any(f"undefined in {share:.0%} of resamples" in note for note in result.caveats)


@pytest.mark.parametrize("level", LEVELS)
def test_dense_and_segment_rater_sums_give_the_same_resamples(level, monkeypatch):
    from mer_datasets.agreement import resampling

    table = sparse_crossed(30, 6, seed=8)
    dense = bootstrap_alpha(table, level=level, method="two-way", n_resamples=30, seed=1)
    monkeypatch.setattr(resampling, "_DENSE_RATER_CELLS", 0)  # many-raters route
    segments = bootstrap_alpha(table, level=level, method="two-way", n_resamples=30, seed=1)
    np.testing.assert_allclose(segments.samples, dense.samples, rtol=0, atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_two_way_numbers_do_not_depend_on_threads_or_chunks(level, monkeypatch):
    """Chunks of resamples are reduced on threads but drawn in order on one: 1 or 3 threads,
    any number of chunks per batch, the same resampled alphas to the bit."""
    from mer_datasets.agreement import resampling

    table = sparse_crossed(30, 6, seed=9)
    monkeypatch.setattr(resampling, "_CHUNK_CELLS", 2000)  # 1-2 resamples per chunk
    runs = []
    for threads in (1, 3):
        monkeypatch.setattr(resampling, "_THREADS", threads)
        runs.append(bootstrap_alpha(table, level=level, method="two-way", n_resamples=50, seed=2))
    np.testing.assert_array_equal(runs[0].samples, runs[1].samples)
