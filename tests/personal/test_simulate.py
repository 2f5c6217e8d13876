"""Active-learning simulation on a synthetic crowd: tidy output, seeded, no test-track leakage;
the report's interval and multiple-testing correction checked against scipy/statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn", reason="scikit-learn (extra 'learn') absent")

from sklearn.naive_bayes import GaussianNB  # noqa: E402

from mer_datasets.personal.errors import PersonalizationError  # noqa: E402
from mer_datasets.personal.simulate import (  # noqa: E402
    compare_with_random,
    holm,
    learning_curves,
    simulate,
    track_features,
)
from mer_datasets.personal.splits import per_user_splits  # noqa: E402

CLASSES = ["Q1", "Q2", "Q3", "Q4"]


def _world(seed: int = 0, n_tracks: int = 40, n_raters: int = 6):
    rng = np.random.default_rng(seed)
    tracks = [f"t{i:02d}" for i in range(n_tracks)]
    truth = rng.integers(0, 4, n_tracks)
    features = pd.DataFrame(
        rng.normal(size=(n_tracks, 3)) + truth[:, None], index=tracks, columns=["f_a", "f_b", "f_c"]
    )
    rows = []
    for r in range(n_raters):
        for i, track in enumerate(tracks):
            label = truth[i] if rng.random() < 0.7 else rng.integers(0, 4)
            rows.append(
                {"rater_id": f"r{r}", "track_id": track, "label": CLASSES[label], "weight": 1.0}
            )
    return pd.DataFrame(rows), features


LABELS, FEATURES = _world()
FAST = {"gnb": GaussianNB}


def _run(**kwargs):
    options = {
        "raters": ["r0", "r1", "r2"],
        "epochs": 3,
        "queries": 4,
        "seed": 1,
        "committee": FAST,
    }
    return simulate(LABELS, FEATURES, **{**options, **kwargs})


def test_results_are_tidy_one_row_per_rater_strategy_model_epoch():
    results = _run().results
    assert list(results.columns) == [
        "rater_id", "strategy", "model", "epoch", "n_queried", "metric", "value",
    ]  # fmt: skip
    assert len(results) == 3 * 4 * 1 * 4  # raters x strategies x models x (epoch 0..3)
    assert not results.duplicated(["rater_id", "strategy", "model", "epoch"]).any()
    assert results["value"].between(0, 1).all()
    assert results.loc[results.epoch == 3, "n_queried"].eq(12).all()


def test_same_seed_same_results_and_queries():
    a, b = _run(), _run()
    pd.testing.assert_frame_equal(a.results, b.results)
    pd.testing.assert_frame_equal(a.queries, b.queries)
    other = _run(seed=2).queries
    assert not a.queries.equals(other)


def test_the_blas_thread_cap_is_lifted_afterwards_and_changes_no_result():
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info()]
    committee = {"gnb": GaussianNB, "logreg": lambda: LogisticRegression(max_iter=1000)}
    capped = _run(committee=committee)  # blas_threads=1, the default
    assert [pool["num_threads"] for pool in threadpool_info()] == before
    free = _run(committee=committee, blas_threads=None)
    pd.testing.assert_frame_equal(capped.results, free.results, check_exact=False, atol=1e-9)
    pd.testing.assert_frame_equal(capped.queries, free.queries)


def test_queries_come_from_the_raters_training_tracks_only_and_never_repeat():
    simulation = _run()
    splits = per_user_splits(LABELS, seed=1, test_size=0.25, raters=["r0", "r1", "r2"]).splits
    for (rater, _strategy), asked in simulation.queries.groupby(["rater_id", "strategy"]):
        assert set(asked["track_id"]) <= set(splits[rater]["train"])
        assert not set(asked["track_id"]) & set(splits[rater]["test"])
        assert not asked["track_id"].duplicated().any()


def test_hc_asks_first_about_the_tracks_other_raters_disagree_on_most():
    from mer_datasets.personal.consensus import human_consensus

    simulation = _run(strategies=["hc"], epochs=1, raters=["r0"])
    splits = per_user_splits(LABELS, seed=1, test_size=0.25, raters=["r0"]).splits["r0"]
    others = LABELS[(LABELS.rater_id != "r0") & ~LABELS.track_id.isin(splits["test"])]
    entropy = human_consensus(others).loc[splits["train"], "entropy"]
    expected = entropy.rename_axis("track_id").reset_index()
    expected = expected.sort_values(["entropy", "track_id"], ascending=[False, True])
    assert simulation.queries["track_id"].tolist() == expected["track_id"].head(4).tolist()


def test_learning_curve_interval_is_the_t_interval_over_raters():
    from scipy import stats

    results = _run().results
    curves = learning_curves(results)
    row = curves[(curves.strategy == "hc") & (curves.epoch == 2)].iloc[0]
    values = results[(results.strategy == "hc") & (results.epoch == 2)]["value"]
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert (row["low"], row["high"]) == pytest.approx((low, high))


def test_holm_matches_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = [0.01, 0.04, 0.03, 0.2, 0.005]
    expected = multitest.multipletests(p, method="holm")[1]
    np.testing.assert_allclose(holm(p), expected)


def test_comparisons_pair_each_strategy_with_random():
    table = compare_with_random(_run().results)
    assert sorted(table["strategy"]) == ["hc", "mc", "mix"]
    assert (table["p_holm"] >= table["p_value"]).all()


def test_features_and_arguments_are_checked():
    tracks = pd.DataFrame({"track_id": ["a", "b"], "spotify_energy": [0.1, None]})
    features, lacking = track_features(tracks)
    assert list(features.index) == ["a"] and lacking == 1
    with pytest.raises(PersonalizationError, match="strategy"):
        _run(strategies=["qbc"])
    with pytest.raises(PersonalizationError, match="no numeric feature"):
        track_features(tracks, "mfcc")
