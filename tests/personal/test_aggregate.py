"""Aggregation: the wrapper gives crowd-kit's own numbers, and recovers a known synthetic crowd."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mer_datasets.personal.aggregate import aggregate, crowd_table

crowdkit = pytest.importorskip("crowdkit.aggregation", reason="crowd-kit (extra 'crowd') absent")

CLASSES = ["Q1", "Q2", "Q3", "Q4"]
ACCURACY_TOLERANCE = 0.08  # |recovered - true| per rater, 60 tracks each


def _synthetic_crowd(seed: int = 0, n_tracks: int = 300, n_raters: int = 12):
    """Each rater answers each track: the truth with probability acc_r, else a uniform wrong class."""
    rng = np.random.default_rng(seed)
    truth = pd.Series(
        rng.choice(CLASSES, size=n_tracks), index=[f"t{i:03d}" for i in range(n_tracks)]
    )
    accuracy = pd.Series(
        np.linspace(0.35, 0.95, n_raters), index=[f"r{j:02d}" for j in range(n_raters)]
    )
    rows = []
    for track, true in truth.items():
        for rater, acc in accuracy.items():
            if rng.random() < 0.2:  # each rater skips 20 % of the tracks
                continue
            label = true if rng.random() < acc else rng.choice([c for c in CLASSES if c != true])
            rows.append({"rater_id": rater, "track_id": track, "label": label, "weight": 1.0})
    return pd.DataFrame(rows), truth, accuracy


CROWD, TRUTH, ACCURACY = _synthetic_crowd()


@pytest.mark.parametrize(
    ("method", "model"),
    [("ds", lambda: crowdkit.DawidSkene(n_iter=100)), ("glad", lambda: crowdkit.GLAD(n_iter=100)),
     ("mv", lambda: crowdkit.MajorityVote()),
     ("mace", lambda: crowdkit.MACE(n_iter=100, n_restarts=1, random_state=0))],
)  # fmt: skip
def test_soft_labels_are_exactly_what_crowd_kit_computes(method, model):
    ours = aggregate(CROWD, method=method)
    with warnings.catch_warnings():  # crowd-kit 1.4 uses APIs pandas 3 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        theirs = model().fit_predict_proba(crowd_table(CROWD))
    theirs.index = theirs.index.astype(str)
    theirs = theirs[sorted(theirs.columns)].sort_index()
    np.testing.assert_allclose(ours.soft.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-12)


def test_dawid_skene_recovers_the_true_labels_and_rater_accuracies():
    result = aggregate(CROWD, method="ds")
    label_accuracy = (result.labels.reindex(TRUTH.index) == TRUTH).mean()
    assert label_accuracy >= 0.97
    error = (result.reliability.reindex(ACCURACY.index) - ACCURACY).abs()
    assert error.max() <= ACCURACY_TOLERANCE, error.to_dict()


def test_glad_expertise_orders_raters_as_their_true_accuracy():
    result = aggregate(CROWD, method="glad")
    rank = result.reliability.reindex(ACCURACY.index).rank().corr(ACCURACY.rank())
    assert rank >= 0.9
    assert (result.labels.reindex(TRUTH.index) == TRUTH).mean() >= 0.95


def test_mean_and_majority_are_frequencies_and_their_modes():
    crowd = pd.DataFrame(
        {"rater_id": ["a", "b", "c", "a", "b"], "track_id": ["x", "x", "x", "y", "y"],
         "label": ["Q1", "Q1", "Q2", "Q3", "Q3"]}
    )  # fmt: skip
    mean = aggregate(crowd, method="mean")
    assert mean.soft.loc["x", "Q1"] == pytest.approx(2 / 3)
    assert mean.labels.to_dict() == {"x": "Q1", "y": "Q3"}
    assert mean.reliability.to_dict() == {"a": 1.0, "b": 1.0, "c": 0.0}
    assert aggregate(crowd, method="mv").labels.to_dict() == {"x": "Q1", "y": "Q3"}


def test_reliability_aware_methods_beat_majority_vote_on_a_skewed_crowd():
    # many poor raters and a few good ones: modelling reliability must help
    mv = (aggregate(CROWD, method="mv").labels.reindex(TRUTH.index) == TRUTH).mean()
    ds = (aggregate(CROWD, method="ds").labels.reindex(TRUTH.index) == TRUTH).mean()
    assert ds >= mv


def _mace_crowd(seed: int = 1, n_tracks: int = 300, n_raters: int = 12):
    """MACE's own generative story: a rater knows the truth with probability theta_r (the
    competence), else answers from a uniform "spam" distribution over all four classes."""
    rng = np.random.default_rng(seed)
    truth = pd.Series(
        rng.choice(CLASSES, size=n_tracks), index=[f"t{i:03d}" for i in range(n_tracks)]
    )
    competence = pd.Series(
        np.linspace(0.2, 0.9, n_raters), index=[f"r{j:02d}" for j in range(n_raters)]
    )
    rows = []
    for track, true in truth.items():
        for rater, theta in competence.items():
            if rng.random() < 0.2:
                continue
            label = true if rng.random() < theta else rng.choice(CLASSES)
            rows.append({"rater_id": rater, "track_id": track, "label": label})
    return pd.DataFrame(rows), truth, competence


def test_mace_recovers_the_true_labels_and_each_raters_competence():
    crowd, truth, competence = _mace_crowd()
    result = aggregate(crowd, method="mace")
    assert (result.labels.reindex(truth.index) == truth).mean() >= 0.97
    error = (result.reliability.reindex(competence.index) - competence).abs()
    assert error.max() <= ACCURACY_TOLERANCE, error.to_dict()


def test_mace_competence_orders_the_uniform_wrong_crowd_as_its_accuracy():
    # not MACE's generative story (a wrong answer never equals the truth), so only the order of
    # the raters and the labels are checked here; the competence values are checked above
    result = aggregate(CROWD, method="mace")
    rank = result.reliability.reindex(ACCURACY.index).rank().corr(ACCURACY.rank())
    assert rank >= 0.95
    assert (result.labels.reindex(TRUTH.index) == TRUTH).mean() >= 0.97


def test_method_aliases_name_the_same_aggregation():
    from mer_datasets.personal.aggregate import method_name
    from mer_datasets.personal.errors import PersonalizationError

    assert [method_name(m) for m in ("dawid-skene", "Majority", "mace", "frequency")] == [
        "ds", "mv", "mace", "mean"]  # fmt: skip
    with pytest.raises(PersonalizationError, match="unknown"):
        method_name("em")


def test_crowd_kit_is_imported_only_by_the_methods_that_need_it():
    # crowd-kit pulls nltk (and its metadata transformers); "mean" and the rest of the
    # personal modules must not pay for it (docs/guide/personalization.md, extra 'crowd')
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd; import mer_datasets.personal; "
        "from mer_datasets.personal.aggregate import aggregate; "
        "t = pd.DataFrame({'rater_id': ['a', 'b'], 'track_id': ['x', 'x'], 'label': ['Q1', 'Q1']}); "
        "aggregate(t, method='mean'); "
        "print(sorted(m for m in ('crowdkit', 'nltk', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
