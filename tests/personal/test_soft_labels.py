"""``to_hf(soft_labels=...)``: the tracks split carries exactly the aggregation's distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import mer_datasets
from mer_datasets.dataset import load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.errors import PersonalizationError
from mer_datasets.personal.aggregate import aggregate
from mer_datasets.personal.labels import personal_labels
from mer_datasets.personal.soft import soft_labels, with_soft_label_columns
from tests.conftest import FIXTURES
from tests.test_contract import fixture_catalog

datasets = pytest.importorskip("datasets", reason="the Hugging Face `datasets` package is needed")
pytest.importorskip("crowdkit.aggregation", reason="crowd-kit (extra 'crowd') absent")

METHODS = [("dawid-skene", "ds"), ("glad", "glad"), ("mace", "mace"), ("majority", "mv"),
           ("mean", "mean")]  # fmt: skip


@pytest.fixture(scope="module")
def sample():
    return mer_datasets.load_dataset("sample")


@pytest.fixture(scope="module")
def trompa(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    catalog = fixture_catalog("trompa-mer")
    ingest_dataset(catalog.get("trompa-mer"), FIXTURES / "trompa-mer", None, data_home=home)
    return load_dataset("trompa-mer", catalog=catalog, data_home=home, offline=True, cache=False)


def _independent_quadrant_frequencies(annotations: pd.DataFrame) -> pd.DataFrame:
    """Per track, the share of raters whose latest (arousal, valence) answer lies in each
    quadrant -- recomputed from the annotations with plain pandas, not the personal modules."""
    av = annotations[annotations["dimension"].astype(str).isin(["arousal", "valence"])]
    wide = av.pivot_table(
        index=["annotation_id", "rater_id", "track_id", "timestamp"],
        columns=av["dimension"].astype(str), values="value", aggfunc="first", observed=True,
    ).reset_index()  # fmt: skip
    wide = wide.dropna(subset=["arousal", "valence"])
    wide = wide[(wide["arousal"] != 0) & (wide["valence"] != 0)]
    wide = wide.sort_values("timestamp", kind="stable").groupby(["rater_id", "track_id"]).tail(1)
    names = {(True, True): "Q1", (True, False): "Q2", (False, False): "Q3", (False, True): "Q4"}
    wide["q"] = [names[(a > 0, v > 0)] for a, v in zip(wide["arousal"], wide["valence"])]
    counts = pd.crosstab(wide["track_id"].astype(str), wide["q"])
    return counts.div(counts.sum(axis=1), axis=0)


@pytest.mark.parametrize("dataset_name", ["sample", "trompa"])
@pytest.mark.parametrize(("alias", "method"), METHODS)
def test_tracks_split_carries_the_aggregations_soft_labels(dataset_name, alias, method, request):
    ds = request.getfixturevalue(dataset_name)
    tracks = ds.to_hf(soft_labels=alias)["tracks"]
    expected = aggregate(personal_labels(ds.annotations), method=method)
    names = tracks.features["soft_label"].names
    assert names == ["Q1", "Q2", "Q3", "Q4"]  # the quadrant space, chosen or not
    assert tracks.features["soft_labels"].length == len(names)
    frame = tracks.to_pandas().set_index("track_id")
    labelled = frame.loc[frame["soft_labels"].notna()]
    assert sorted(labelled.index) == sorted(expected.soft.index)
    got = np.stack(labelled["soft_labels"].to_numpy())
    want = expected.soft.reindex(index=labelled.index, columns=names, fill_value=0.0).to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=0)
    hard = [names[int(i)] for i in labelled["soft_label"]]
    assert hard == expected.labels.astype(str).reindex(labelled.index).tolist()
    assert frame.loc[frame["soft_labels"].isna(), "soft_label"].isna().all()
    assert f'"method": "{method}"' in tracks.info.description


@pytest.mark.parametrize("dataset_name", ["sample", "trompa"])
def test_frequencies_and_rater_counts_equal_an_independent_count(dataset_name, request):
    ds = request.getfixturevalue(dataset_name)
    frame = ds.to_hf(soft_labels="mean")["tracks"].to_pandas().set_index("track_id")
    independent = _independent_quadrant_frequencies(ds.annotations)
    independent = independent.reindex(columns=["Q1", "Q2", "Q3", "Q4"], fill_value=0.0)
    labelled = frame.loc[independent.index]
    np.testing.assert_allclose(
        np.stack(labelled["soft_labels"].to_numpy()), independent.to_numpy(), atol=1e-12
    )
    av = ds.annotations[ds.annotations["dimension"].astype(str) == "arousal"]
    raters = av.groupby(av["track_id"].astype(str))["rater_id"].nunique()
    assert (
        frame["soft_labels_n_raters"].to_dict()
        == raters.reindex(frame.index, fill_value=0).to_dict()
    )


def test_a_track_nobody_labelled_gets_missing_soft_labels_and_zero_raters(sample):
    soft = soft_labels(sample.annotations, method="mean")
    extra = pa.table({"track_id": [*soft.aggregation.soft.index, "nobody"]})
    table, features = with_soft_label_columns(extra, soft)
    assert table.column("soft_labels").to_pylist()[-1] is None
    assert table.column("soft_label").to_pylist()[-1] is None
    assert table.column("soft_labels_n_raters").to_pylist()[-1] == 0
    assert features["soft_label"].names == soft.classes


def test_bad_requests_are_typed_errors_that_say_what_to_use(sample):
    with pytest.raises(PersonalizationError, match="unknown; use one of .*dawid-skene"):
        sample.to_hf(soft_labels="bayes")
    with pytest.raises(PersonalizationError, match="not in the tracks table"):
        with_soft_label_columns(pa.table({"track_id": ["x"]}), soft_labels(sample.annotations))
    with pytest.raises(PersonalizationError, match="no judgments of dimension 'mood'"):
        sample.to_hf(soft_labels="mean", soft_label_options={"target": "mood"})


def test_a_quadrant_no_rater_chose_is_a_zero_column_not_a_missing_one(trompa):
    chosen = set(personal_labels(trompa.annotations).table["label"])
    assert chosen < {"Q1", "Q2", "Q3", "Q4"}  # the fixture leaves a quadrant out
    tracks = trompa.to_hf(soft_labels="mean")["tracks"]
    frame = tracks.to_pandas()
    matrix = np.stack(frame["soft_labels"].dropna().to_numpy())
    for index, name in enumerate(tracks.features["soft_label"].names):
        assert (matrix[:, index] > 0).any() == (name in chosen)


def test_options_reach_the_labels_a_categorical_target_gives_its_own_classes(sample):
    tracks = sample.to_hf(soft_labels="majority", soft_label_options={"target": "emotion"})
    emotions = sorted(
        sample.annotations.loc[sample.annotations["dimension"] == "emotion", "label"].unique()
    )
    assert tracks["tracks"].features["soft_label"].names == emotions


def test_without_soft_labels_the_export_is_unchanged(sample):
    assert sample.to_hf()["tracks"].column_names == list(sample.tracks.columns)
