"""Label mapping answers what a researcher asks (issue 11 #7): per annotation, emotion dimensions
only, direct correspondences before the quadrant route, and a reason whenever nothing maps."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from mer_datasets.dataset import load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.labels import cli as labels_cli
from mer_datasets.labels.correspondences import (
    axis_readings,
    correspondence,
    reference,
    word_correspondences,
)
from mer_datasets.labels.summary import per_record, summary, unmapped_reasons
from mer_datasets.labels.unify import unified, unified_labels
from mer_datasets.labels.vocabulary import load_vocabulary
from tests.conftest import FIXTURES
from tests.test_contract import fixture_catalog

from .synthetic import TROMPA_INFO, Info, Tables, annotations, dimension, labels, trompa_tables

TROMPA_WITH_PREFERENCES = Info(
    "trompa-mer",
    (
        *TROMPA_INFO.dimensions,
        dimension("familiarity", "binary", "nominal", min=0, max=1, values=(0.0, 1.0)),
        dimension("preference", "binary", "nominal", min=0, max=1, values=(0.0, 1.0)),
    ),
)


def _trompa_with_preferences() -> Tables:
    frame = trompa_tables().annotations
    extra = []
    for annotation_id, track, rater in frame[["annotation_id", "track_id", "rater_id"]].drop_duplicates().itertuples(index=False):  # fmt: skip
        extra += [(annotation_id, track, rater, "familiarity", 1, None),
                  (annotation_id, track, rater, "preference", 0, None)]  # fmt: skip
    rows = [tuple(r) for r in frame[["annotation_id", "track_id", "rater_id", "dimension", "value", "label"]].itertuples(index=False)]  # fmt: skip
    return Tables(annotations=annotations(rows + extra))


def test_familiarity_and_preference_rows_get_no_quadrant():
    table = unified(_trompa_with_preferences(), TROMPA_WITH_PREFERENCES, to="quadrant")
    other = table[table["dimension"].isin(["familiarity", "preference"])]
    assert len(other) == 8 and other["quadrant"].isna().all()
    emotion = table[table["dimension"].isin(["arousal", "valence", "mood"])]
    assert emotion["quadrant"].notna().all()
    av = unified(_trompa_with_preferences(), TROMPA_WITH_PREFERENCES, to="av")
    other = av[av["dimension"].isin(["familiarity", "preference"])]
    assert other["mapped_arousal"].isna().all() and other["arousal"].notna().all()


def test_quadrants_are_counted_once_per_annotation_and_route():
    table = unified(_trompa_with_preferences(), TROMPA_WITH_PREFERENCES, to="quadrant")
    records = per_record(table, "annotations", "quadrant")
    # 4 annotations x (one arousal/valence quadrant + one emotion-word quadrant); 20 rows in all
    assert len(table) == 20 and len(records) == 8
    assert sorted(records.groupby("route").size().items()) == [("av", 4), ("category", 4)]
    av = records[records["route"] == "av"].set_index("record_id")["label"].to_dict()
    assert av == {"a1": "Q1", "a2": "Q4", "a3": "Q2", "a4": "Q3"}  # (valence, arousal) signs
    text = summary(table, "annotations", "quadrant")
    assert "4 of 4 annotations have a mapping" in text


def test_unmapped_dimensions_are_named_with_a_reason():
    table = unified(_trompa_with_preferences(), TROMPA_WITH_PREFERENCES, to="quadrant")
    [reason] = unmapped_reasons(table, TROMPA_WITH_PREFERENCES, "quadrant")
    assert reason.startswith("familiarity, preference: ") and "neither arousal/valence" in reason


def test_a_word_maps_to_its_namesake_before_the_quadrant_route():
    table = unified(trompa_tables(), TROMPA_INFO, to="gems9").set_index("judgment_id")
    mood = table[table["dimension"] == "mood"].set_index("category")
    tender = mood.loc["tenderness"]
    assert tender["mapped_label"] == "tenderness" and tender["mapped_prob"] == 1.0
    assert tender["mapped_route"] == "correspondence" and not tender["mapped_ambiguous"]
    assert mood.loc["joy", "mapped_label"] == "joyful_activation"
    points = table[table["dimension"] != "mood"]
    assert set(points["mapped_route"].dropna()) == {"point"}


def test_a_category_maps_to_itself_in_its_own_vocabulary():
    table = unified(trompa_tables(), TROMPA_INFO, to="trompa11")
    mood = table[table["dimension"] == "mood"]
    assert (mood["mapped_label"] == mood["category"]).all()
    assert set(mood["mapped_route"]) == {"same vocabulary"} and (mood["mapped_prob"] == 1).all()


def test_every_correspondence_names_real_categories_and_a_source():
    table = word_correspondences()
    assert len(table) >= 40
    for (source_vocabulary, source, target_vocabulary), entry in table.items():
        assert load_vocabulary(source_vocabulary).category(source) is not None
        assert load_vocabulary(target_vocabulary).category(entry.target) is not None
        assert reference(entry.reference)
    assert correspondence("gems9", "tenderness", "trompa11").target == "tenderness"  # both ways
    assert correspondence("trompa11", "bitterness", "gems9") is None


SOUNDTRACKS_INFO = Info(
    "soundtracks",
    (
        dimension("valence", "likert", min=1, max=9, in_=("labels",)),
        dimension("energy", "likert", min=1, max=9, in_=("labels",)),
        dimension("tension", "likert", min=1, max=9, in_=("labels",)),
    ),
)


def _soundtracks() -> Tables:
    return Tables(
        labels=labels(
            [
                ("1", "valence", "mean", 8.0, None),
                ("1", "energy", "mean", 2.0, None),
                ("1", "tension", "mean", 9.0, None),
            ]  # fmt: skip
        )
    )


def test_soundtracks_energy_is_read_as_arousal_with_its_source_recorded():
    [reading] = axis_readings("soundtracks")
    assert reading.dimension == "energy" and reading.axis == "arousal" and reading.note
    table = unified_labels(_soundtracks(), SOUNDTRACKS_INFO, to="quadrant")
    valence = table[table["dimension"] == "valence"].iloc[0]
    # valence (8 - 1) / 8 * 2 - 1 = 0.75, arousal from energy (2 - 1) / 8 * 2 - 1 = -0.75: Q4
    assert valence["arousal"] == pytest.approx(-0.75) and valence["quadrant"] == "Q4"
    assert any("energy" in note and "eerola2011" in note for note in table.attrs["notes"])
    assert pd.isna(table.loc[table["dimension"] == "tension", "quadrant"]).all()
    plain = unified_labels(_soundtracks(), SOUNDTRACKS_INFO, arousal_dimensions=("arousal",))
    assert plain["quadrant"].isna().all() and plain.attrs["notes"] == []


def _args(**overrides) -> argparse.Namespace:
    base = dict(
        to="quadrant", table="auto", out=None, on_axis="missing", temperature=0.25,
        ambiguity_threshold=0.5, no_conventions=False,
    )  # fmt: skip
    return argparse.Namespace(**{**base, **overrides})


@pytest.fixture
def ismir(tmp_path):
    catalog = fixture_catalog("ismir2020-agreement")
    info = catalog.get("ismir2020-agreement")
    ingest_dataset(info, FIXTURES / "ismir2020-agreement", None, data_home=tmp_path)
    return load_dataset(
        "ismir2020-agreement", catalog=catalog, data_home=tmp_path, offline=True, cache=False
    )


def test_ismir_quadrants_come_from_the_published_labels_and_the_cli_says_why(ismir, capsys):
    assert labels_cli.run(_args(dataset="ismir2020-agreement"), lambda _id: ismir) == 0
    captured = capsys.readouterr()
    assert "ismir2020-agreement: labels -> quadrant" in captured.out
    tracks = ismir.labels["track_id"].nunique()
    assert f"{tracks} of {tracks} tracks have a mapping" in captured.out
    assert "no annotation maps to quadrant" in captured.err
    assert "how much one word fits" in captured.err and "--table annotations" in captured.err
    expected = ismir.labels[ismir.labels["dimension"] == "quadrant"]["label"].value_counts()
    table = unified_labels(ismir, ismir.info, to="quadrant")
    from_quadrant = table[table["dimension"] == "quadrant"]["mapped_label"].value_counts()
    assert from_quadrant.sort_index().tolist() == expected.sort_index().tolist()


def test_ismir_annotations_on_request_map_nothing_and_say_so(ismir, capsys):
    args = _args(dataset="ismir2020-agreement", table="annotations")
    assert labels_cli.run(args, lambda _id: ismir) == 0
    out = capsys.readouterr().out
    assert "0 of" in out and "not mapped:" in out and "anger" in out


CURVES_INFO = Info(
    "deam",
    (
        dimension("valence_dynamic", "continuous", min=-1, max=1, in_=("labels",)),
        dimension("arousal_dynamic", "continuous", min=-1, max=1, in_=("labels",)),
    ),
)


def test_time_continuous_curves_are_arousal_valence_per_track_and_time():
    frame = labels(
        [
            ("7", "valence_dynamic", "mean", 0.5, None),
            ("7", "arousal_dynamic", "mean", 0.25, None),
            ("7", "valence_dynamic", "mean", -0.5, None),
            ("7", "arousal_dynamic", "mean", 0.25, None),
        ]  # fmt: skip
    )
    frame["time_s"] = pd.array([15.0, 15.0, 15.5, 15.5], dtype="Float64")
    table = unified_labels(Tables(labels=frame), CURVES_INFO, to="quadrant")
    assert table["quadrant"].tolist() == ["Q1", "Q1", "Q2", "Q2"]
    text = summary(table, "labels", "quadrant")
    assert "2 of 2 track-times have a mapping" in text
