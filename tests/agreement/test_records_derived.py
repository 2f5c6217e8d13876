"""Derived nominal dimensions: the quadrant of each record's own arousal/valence, and mapped label
spaces, with every judgment that gives no label counted by reason."""

from __future__ import annotations

from fractions import Fraction

import krippendorff
import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.derived import derive_judgments, parse_derivation
from mer_datasets.agreement.report import agreement_report, items_report
from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import agreement_context, default_levels
from mer_datasets.errors import AgreementError
from mer_datasets.pipeline import load_from_directory
from tests.conftest import FIXTURES

MIDPOINTS = {"arousal": 5.0, "valence": 5.0}
#: (rater, item) -> (arousal, valence) on 1-9 (axis at 5); None: the judgment is absent.
ANSWERS = {
    ("r1", "A"): (8, 8),  # Q1
    ("r2", "A"): (7, 6),  # Q1
    ("r3", "A"): (6, 2),  # Q2
    ("r1", "B"): (2, 2),  # Q3
    ("r2", "B"): (3, 4),  # Q3
    ("r3", "B"): (5, 3),  # arousal on the axis: none, or Q2 under the asymmetric rule
    ("r1", "C"): (2, 8),  # Q4
    ("r2", "C"): (8, 2),  # Q2
    ("r3", "C"): (4, None),  # no valence judgment in this record
}


def handmade() -> pd.DataFrame:
    rows = []
    for record, ((rater, item), answers) in enumerate(ANSWERS.items()):
        for dimension, value in zip(("arousal", "valence"), answers):
            if value is not None:
                rows.append(
                    {"annotation_id": f"a{record}", "track_id": item, "rater_id": rater,
                     "dimension": dimension, "value": float(value), "label": None}
                )  # fmt: skip
    return pd.DataFrame(rows)


def nominal_alpha_by_hand(units: list[list[str]]) -> Fraction:
    """Krippendorff's nominal alpha from its coincidence matrix, in exact fractions."""
    coincidences: dict[tuple[str, str], Fraction] = {}
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    coincidences[(c, k)] = coincidences.get((c, k), 0) + Fraction(1, m - 1)
    n = sum(coincidences.values())
    marginals: dict[str, Fraction] = {}
    for (c, _), count in coincidences.items():
        marginals[c] = marginals.get(c, 0) + count
    observed = 1 - sum(v for (c, k), v in coincidences.items() if c == k) / n
    expected = 1 - sum(m * (m - 1) for m in marginals.values()) / (n * (n - 1))
    return 1 - observed / expected


def package_alpha(units: dict[str, dict[str, str]]) -> float:
    """The krippendorff package on the raters x items matrix of the same labels."""
    raters = sorted({r for answers in units.values() for r in answers})
    items = sorted(units)
    codes = {
        label: i for i, label in enumerate(sorted({v for a in units.values() for v in a.values()}))
    }
    matrix = np.full((len(raters), len(items)), np.nan)
    for j, item in enumerate(items):
        for rater, label in units[item].items():
            matrix[raters.index(rater), j] = codes[label]
    return krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")


def alpha_of(report: pd.DataFrame, dimension: str) -> pd.Series:
    rows = report[(report["dimension"] == dimension) & (report["metric"] == "krippendorff_alpha")]
    assert len(rows) == 1
    return rows.iloc[0]


def test_quadrant_alpha_matches_the_hand_computed_value_and_the_krippendorff_package():
    report = agreement_report(
        handmade(), derive="quadrant", midpoints=MIDPOINTS, bootstrap=0, dimensions=["quadrant"]
    )
    record = alpha_of(report, "quadrant")
    # by hand: A = Q1 Q1 Q2, B = Q3 Q3, C = Q4 Q2 -> D_o = 4/7, D_e = 6/7, alpha = 1/3
    by_hand = nominal_alpha_by_hand([["Q1", "Q1", "Q2"], ["Q3", "Q3"], ["Q4", "Q2"]])
    assert by_hand == Fraction(1, 3)
    assert record["value"] == pytest.approx(float(by_hand), abs=1e-15)
    units = {
        "A": {"r1": "Q1", "r2": "Q1", "r3": "Q2"},
        "B": {"r1": "Q3", "r2": "Q3"},
        "C": {"r1": "Q4", "r2": "Q2"},
    }
    assert record["value"] == pytest.approx(package_alpha(units), abs=1e-12)
    assert record["level"] == "nominal"
    # the two records that gave no quadrant are counted, by reason, not dropped silently
    assert (record["n_judgments"], record["n_unmapped"]) == (7, 2)
    assert "unmapped 2 (on_axis 1, missing_valence 1)" in record["note"]
    assert set(report["dimension"]) == {"quadrant"}


def test_the_asymmetric_rule_puts_an_axis_answer_on_the_positive_side():
    report = agreement_report(
        handmade(), derive=["quadrant:asymmetric"], midpoints=MIDPOINTS, bootstrap=0,
        dimensions=["quadrant:asymmetric"], metrics=["krippendorff_alpha"],
    )  # fmt: skip
    record = alpha_of(report, "quadrant:asymmetric")
    # B's (5, 3) becomes Q2: D_o = 3/4, D_e = 23/28, alpha = 2/23
    by_hand = nominal_alpha_by_hand([["Q1", "Q1", "Q2"], ["Q3", "Q3", "Q2"], ["Q4", "Q2"]])
    assert by_hand == Fraction(2, 23)
    assert record["value"] == pytest.approx(float(by_hand), abs=1e-15)
    assert (record["n_judgments"], record["n_unmapped"]) == (8, 1)
    assert "missing_valence 1" in record["note"]


def test_derived_judgments_keep_their_record_and_the_unmapped_ones_say_why():
    derived = derive_judgments(handmade(), ["quadrant"], midpoints=MIDPOINTS)
    table = derived.table.set_index(["rater_id", "track_id"])
    assert (
        table.loc[("r3", "A"), "label"] == "Q2" and table.loc[("r3", "A"), "annotation_id"] == "a2"
    )
    assert derived.counts("quadrant") == {"on_axis": 1, "missing_valence": 1}
    assert sorted(derived.unmapped["rater_id"] + derived.unmapped["track_id"]) == ["r3B", "r3C"]
    assert len(derived.table) + len(derived.unmapped) == len(ANSWERS)


def test_the_axis_is_the_midpoint_of_each_scale():
    # on -1..+1 (axis 0) every handmade answer is positive: all Q1, no variation
    derived = derive_judgments(handmade(), "quadrant", midpoints={"arousal": 0, "valence": 0})
    assert set(derived.table["label"]) == {"Q1"} and derived.counts() == {"missing_valence": 1}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("quadrant:split", "one label per judgment"),
        ("quadrant:sideways", "unknown on-axis rule"),
        ("mood", "unknown derived dimension"),
        ("emotion->", "SOURCE->TARGET"),
    ],
)
def test_unusable_specifications_are_refused_with_the_reason(spec, message):
    with pytest.raises(AgreementError, match=message):
        parse_derivation(spec)


def test_a_mapping_maps_labels_and_counts_the_words_it_does_not_know():
    table = pd.DataFrame(
        {
            "track_id": ["A", "A", "A", "B", "B", "B"],
            "rater_id": ["r1", "r2", "r3", "r1", "r2", "r3"],
            "dimension": "emotion",
            "value": np.nan,
            "label": ["happy", "joyful", "sad", "sad", "gloomy", "bored"],
        }
    )
    mapping = {"happy": "Q1", "joyful": "Q1", "sad": "Q3", "gloomy": "Q3"}
    report = agreement_report(
        table, derive="emotion->quadrant", mappings={"emotion": mapping}, bootstrap=0,
        dimensions=["emotion->quadrant"], metrics=["krippendorff_alpha"],
    )  # fmt: skip
    record = alpha_of(report, "emotion->quadrant")
    by_hand = nominal_alpha_by_hand([["Q1", "Q1", "Q3"], ["Q3", "Q3"]])
    assert record["value"] == pytest.approx(float(by_hand), abs=1e-15)
    assert record["n_unmapped"] == 1 and "not_in_mapping 1" in record["note"]


def test_a_vocabulary_maps_to_quadrants_and_ties_are_not_guessed():
    # gems9: tension -> Q2, sadness -> Q3; nostalgia is Q3/Q4 half and half (a tie: no label)
    table = pd.DataFrame(
        {
            "track_id": ["A", "A", "B", "B", "B"],
            "rater_id": ["r1", "r2", "r1", "r2", "r3"],
            "dimension": "gems",
            "label": ["tension", "tension", "sadness", "nostalgia", "no such word"],
        }
    )
    derived = derive_judgments(table, "gems->quadrant", vocabularies={"gems": "gems9"})
    assert derived.table["label"].tolist() == ["Q2", "Q2", "Q3"]
    assert derived.counts() == {"unknown_label": 1, "tied": 1}
    with pytest.raises(AgreementError, match="no vocabulary"):
        derive_judgments(table, "gems->quadrant")


def fixture_report(dataset: str, **options) -> pd.DataFrame:
    catalog = default_catalog()
    info = catalog.get(dataset)
    tables, _ = load_from_directory(dataset, FIXTURES / dataset, catalog=catalog)
    return tables, agreement_report(
        tables.annotations, tables.raters, tracks=tables.tracks, levels=default_levels(info),
        bootstrap=0, metrics=["krippendorff_alpha"], **agreement_context(info), **options,
    )  # fmt: skip


def test_on_the_trompa_mer_fixture_every_record_is_mapped_or_counted():
    tables, report = fixture_report(
        "trompa-mer", derive=["quadrant", "emotion->quadrant"],
        dimensions=["quadrant", "emotion->quadrant"], duplicates="all",
    )  # fmt: skip
    annotations = tables.annotations
    records = annotations[annotations["dimension"].isin(["arousal", "valence"])]
    n_records = records["annotation_id"].nunique()
    quadrant = alpha_of(report, "quadrant")
    assert quadrant["n_judgments"] + quadrant["n_unmapped"] == n_records
    # the independent figure: the quadrant of each record computed here, alpha by the package
    wide = records.pivot(index="annotation_id", columns="dimension", values="value")
    keys = records.drop_duplicates("annotation_id").set_index("annotation_id")
    units: dict[str, list[str]] = {}
    for record, (a, v) in wide[["arousal", "valence"]].iterrows():
        if a and v:  # -1/+1 answers: never on the axis
            label = {(1, 1): "Q1", (1, -1): "Q2", (-1, -1): "Q3", (-1, 1): "Q4"}[(a, v)]
            units.setdefault(keys.loc[record, "track_id"], []).append(label)
    by_hand = nominal_alpha_by_hand(list(units.values()))
    assert quadrant["value"] == pytest.approx(float(by_hand), abs=1e-12)
    emotion = alpha_of(report, "emotion->quadrant")
    n_emotion = int((annotations["dimension"] == "emotion").sum())
    assert emotion["n_judgments"] + emotion["n_unmapped"] == n_emotion


def test_items_report_ranks_a_derived_dimension_by_entropy():
    frame = items_report(
        handmade(), derive="quadrant", midpoints=MIDPOINTS, dimensions=["quadrant"]
    )
    assert set(frame["dimension"]) == {"quadrant"} and frame["level"].eq("nominal").all()
    assert frame.set_index("track_id").loc["B", "n_raters"] == 2


def test_another_vocabulary_is_reached_by_correspondence_first_then_through_quadrants():
    table = pd.DataFrame(
        {
            "track_id": ["A"] * 4,
            "rater_id": ["r1", "r2", "r3", "r4"],
            "dimension": "emotion",
            "label": ["joy", "peace", "anger", "fear"],
        }
    )
    derived = derive_judgments(table, "emotion->gems9", vocabularies={"emotion": "trompa11"})
    # joy and peace: GEMS factors (correspondences.yaml); anger and fear: Q2, where gems9 has
    # only tension
    assert derived.table["label"].tolist() == [
        "joyful_activation", "calmness", "tension", "tension",
    ]  # fmt: skip
    assert derived.counts() == {}


def test_without_annotation_ids_records_are_paired_by_rater_and_track():
    table = handmade().drop(columns="annotation_id")
    derived = derive_judgments(table, "quadrant", midpoints=MIDPOINTS)
    assert derived.counts() == {"on_axis": 1, "missing_valence": 1} and len(derived.table) == 7
    twice = pd.concat([table, table.iloc[:1]], ignore_index=True)
    with pytest.raises(AgreementError, match="more than one arousal judgment"):
        derive_judgments(twice, "quadrant", midpoints=MIDPOINTS)


@pytest.mark.real_data
@pytest.mark.filterwarnings("ignore:.*differs from the third-party pin")
def test_deap_quadrant_agreement_counts_the_answers_on_an_axis(shared_mirror, tmp_path):
    from mer_datasets.dataset import load_dataset
    from mer_datasets.download.store import ingest_dataset

    home = tmp_path / "home"
    ingest_dataset(default_catalog().get("deap"), shared_mirror / "deap", data_home=home)
    dataset = load_dataset("deap", data_home=home, offline=True)
    report = dataset.agreement(
        derive=["quadrant", "quadrant:asymmetric"], dimensions=["quadrant"], bootstrap=0,
        metrics=["krippendorff_alpha"],
    )  # fmt: skip
    figures = report.set_index(["dimension", "protocol"])
    # an integer 5 (the midpoint of 1-9) online is on an axis: about a third of the answers
    assert figures.loc[("quadrant", "online"), "n_unmapped"] == 577
    assert figures.loc[("quadrant", "lab"), "n_unmapped"] == 32
    assert figures.loc[("quadrant:asymmetric", "online"), "n_unmapped"] == 0
    # the independent figure: quadrants computed here, alpha by the krippendorff package
    annotations = dataset.annotations
    for setting in ("lab", "online"):
        rows = annotations[annotations["setting"] == setting]
        wide = rows[rows["dimension"].isin(["arousal", "valence"])].pivot_table(
            index=["annotation_id", "track_id", "rater_id"], columns="dimension", values="value",
            observed=True,
        )  # fmt: skip
        wide = wide[(wide["arousal"] != 5) & (wide["valence"] != 5)]
        units: dict[str, dict[str, str]] = {}
        for (_, track, rater), (a, v) in wide[["arousal", "valence"]].iterrows():
            label = {
                (True, True): "Q1",
                (True, False): "Q2",
                (False, False): "Q3",
                (False, True): "Q4",
            }
            units.setdefault(str(track), {})[str(rater)] = label[(a > 5, v > 5)]
        assert figures.loc[("quadrant", setting), "value"] == pytest.approx(
            package_alpha(units), abs=1e-12
        )


def test_a_derived_name_that_is_already_a_dimension_is_refused():
    table = handmade()
    table.loc[0, "dimension"] = "quadrant"
    with pytest.raises(AgreementError, match="already has a dimension named 'quadrant'"):
        derive_judgments(table, "quadrant", midpoints=MIDPOINTS)
