"""Track-attribute filters and groups (``where``/``by`` on tracks columns), ``--level DIM=LEVEL``
and the ratio level refused on signed values."""

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.agreement.cli import add_arguments, run
from mer_datasets.agreement.records import chosen_levels
from mer_datasets.agreement.report import agreement_report, items_report, raters_report
from mer_datasets.errors import AgreementError

from .test_report import canonical

GENRES = {f"t{i}": ("rock" if i % 3 else "jazz") for i in range(15)}


def tracks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "track_id": list(GENRES),
            "genre": list(GENRES.values()),
            "spotify_mode": [i % 2 for i in range(15)],
        }
    )


def arousal_alpha(annotations: pd.DataFrame, keep: pd.Series) -> float:
    rows = annotations[(annotations["dimension"] == "arousal") & keep]
    return krippendorff_alpha(
        rows, item="track_id", value="value", level="interval"
    )  # the independent figure: the alpha of the rows kept by hand


def test_by_a_tracks_column_gives_each_genre_the_alpha_of_its_tracks():
    annotations, raters = canonical()
    report = agreement_report(
        annotations, raters, tracks=tracks(), dimensions=["arousal"], by="genre", bootstrap=0,
        metrics=["krippendorff_alpha"], expected="group",
    )  # fmt: skip
    per_group = report.dropna(subset=["group"]).set_index("group")["value"]
    genre = annotations["track_id"].map(GENRES)
    for name in ("jazz", "rock"):
        assert per_group[name] == pytest.approx(
            arousal_alpha(annotations, genre == name), abs=1e-12
        )
    assert report["n_items"].tolist() == [15, 5, 10]


def test_where_on_a_tracks_column_keeps_the_judgments_of_those_tracks():
    annotations, raters = canonical()
    report = agreement_report(
        annotations, raters, tracks=tracks(), dimensions=["arousal"],
        where="spotify_mode == 1 and mother_language == 'es'", bootstrap=0,
        metrics=["krippendorff_alpha"],
    )  # fmt: skip
    mode = annotations["track_id"].str[1:].astype(int) % 2 == 1
    spanish = annotations["rater_id"].map(raters.set_index("rater_id")["mother_language"]) == "es"
    assert report.iloc[0]["value"] == pytest.approx(
        arousal_alpha(annotations, mode & spanish), abs=1e-12
    )
    assert report.iloc[0]["n_items"] == 7
    items = items_report(annotations, raters, tracks=tracks(), where="genre == 'jazz'")
    assert set(items["track_id"]) == {"t0", "t3", "t6", "t9", "t12"}
    per_rater = raters_report(annotations, raters, tracks=tracks(), where="genre == 'jazz'")
    assert set(per_rater["n_items"]) == {5}


def test_a_name_in_both_the_judgments_and_the_tracks_table_is_refused_when_used():
    annotations, raters = canonical()
    clashing = tracks().assign(mother_language="xx", dimension="d")
    with pytest.raises(AgreementError, match="'mother_language' is a column of both"):
        agreement_report(annotations, raters, tracks=clashing, by="mother_language", bootstrap=0)
    with pytest.raises(AgreementError, match="'dimension' is a column of both.*tracks"):
        agreement_report(annotations, raters, tracks=clashing, where="dimension == 'd'")
    # Not named: the judgments' column is used, the tracks' one is not joined.
    report = agreement_report(
        annotations, raters, tracks=clashing, by="genre", bootstrap=0, dimensions=["arousal"]
    )
    assert set(report["group"].dropna()) == {"jazz", "rock"}


def test_an_unknown_track_column_is_an_error_listing_close_names():
    annotations, raters = canonical()
    with pytest.raises(AgreementError, match="genre"):
        agreement_report(annotations, raters, tracks=tracks(), by="genres", bootstrap=0)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_cli_groups_by_a_track_column_and_sets_a_level_per_dimension(tmp_path):
    annotations, raters = canonical()
    out = tmp_path / "report.json"
    args = parse(
        "sample", "--by", "genre", "--level", "arousal=ordinal", "--level", "familiarity=ratio",
        "--bootstrap", "0", "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert run(args, lambda _: (annotations, raters, {}, tracks())) == 0
    records = pd.DataFrame(json.loads(out.read_text()))
    levels = records.groupby("dimension")["level"].first().to_dict()
    assert levels == {"arousal": "ordinal", "familiarity": "ratio", "quadrant": "nominal"}
    assert set(records["group"].dropna()) == {"jazz", "rock"}


def test_level_options_set_all_then_one_and_refuse_unknown_names():
    names = ["arousal", "emotion"]
    assert chosen_levels(["interval", "emotion=nominal"], names, {}) == {
        "arousal": "interval",
        "emotion": "nominal",
    }
    assert chosen_levels(None, names, {"arousal": "ordinal"}) == {"arousal": "ordinal"}
    with pytest.raises(AgreementError, match="unknown level 'intervall'"):
        chosen_levels(["arousal=intervall"], names, {})
    with pytest.raises(AgreementError, match="no dimension 'valence'.*arousal, emotion"):
        chosen_levels(["valence=interval"], names, {})


def test_the_ratio_level_on_signed_values_is_refused_with_the_real_cause():
    table = pd.DataFrame(
        {
            "track_id": np.repeat(["a", "b", "c"], 2),
            "rater_id": ["r1", "r2"] * 3,
            "dimension": "valence",
            "value": [-1.0, 1.0, 1.0, 1.0, -1.0, -1.0],
        }
    )
    with pytest.raises(AgreementError, match="'valence': the ratio level needs a non-negative"):
        agreement_report(table, levels={"valence": "ratio"}, bootstrap=0)
    shifted = table.assign(value=table["value"] + 1)
    assert agreement_report(shifted, levels={"valence": "ratio"}, bootstrap=0).iloc[0]["level"] == (
        "ratio"
    )


def test_a_name_in_both_tables_with_the_same_values_is_not_ambiguous():
    annotations, raters = canonical()
    copied = annotations.assign(genre=annotations["track_id"].map(GENRES))
    report = agreement_report(
        copied, raters, tracks=tracks(), by="genre", bootstrap=0, dimensions=["arousal"]
    )
    assert set(report["group"].dropna()) == {"jazz", "rock"}
