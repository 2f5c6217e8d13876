"""Agreement over time (mer_datasets.agreement.continuous) against the krippendorff package.

Each grouping is checked by building the raters x units reliability matrix the package expects,
independently of our long-table code: per track (units = measures), per time point (units =
tracks) and the whole set (units = (track, measure) pairs).
"""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.continuous import continuous_alpha
from mer_datasets.errors import AgreementError
from mer_datasets.pipeline import load_from_directory
from tests.conftest import FIXTURES


def _matrix(frame: pd.DataFrame, unit_columns: list[str]) -> np.ndarray:
    units = frame[unit_columns].astype(str).agg("|".join, axis=1)
    table = frame.assign(unit=units).pivot_table(
        index="rater_id", columns="unit", values="value", aggfunc="first"
    )
    return table.to_numpy(dtype=float)


def _reference(frame: pd.DataFrame, unit_columns: list[str]) -> float:
    matrix = _matrix(frame, unit_columns)
    if (np.sum(~np.isnan(matrix), axis=0) >= 2).sum() == 0:
        return math.nan
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval"))


@pytest.fixture(scope="module")
def fixture_annotations() -> pd.DataFrame:
    tables, _ = load_from_directory("vgmidi", FIXTURES / "vgmidi")
    return tables.annotations


def _close(ours: float, theirs: float) -> bool:
    return (math.isnan(ours) and math.isnan(theirs)) or math.isclose(ours, theirs, abs_tol=1e-9)


def test_per_track_alpha_matches_the_package(fixture_annotations):
    result = continuous_alpha(fixture_annotations, by="track")
    assert len(result) == 2 * fixture_annotations["track_id"].nunique()
    for row in result.itertuples():
        part = fixture_annotations[
            (fixture_annotations["dimension"] == row.dimension)
            & (fixture_annotations["track_id"] == row.group)
        ]
        assert _close(row.alpha, _reference(part, ["measure"])), row


def test_per_measure_alpha_matches_the_package(fixture_annotations):
    result = continuous_alpha(fixture_annotations, by="time", dimensions=["valence"])
    assert result["group"].tolist() == [1, 2, 3, 4, 5]
    for row in result.itertuples():
        part = fixture_annotations[
            (fixture_annotations["dimension"] == "valence")
            & (fixture_annotations["measure"] == row.group)
        ]
        if row.pairable_items < 2:
            continue  # one unit: the package refuses a single-unit matrix; ours is defined
        assert _close(row.alpha, _reference(part, ["track_id"])), row
        assert row.judgments == len(part) and row.items == part["track_id"].nunique()


def test_whole_set_alpha_matches_the_package(fixture_annotations):
    result = continuous_alpha(fixture_annotations, by="all").set_index("dimension")
    for dimension in ("valence", "arousal"):
        part = fixture_annotations[fixture_annotations["dimension"] == dimension]
        assert _close(result.loc[dimension, "alpha"], _reference(part, ["track_id", "measure"]))
        assert result.loc[dimension, "judgments"] == len(part)
        assert result.loc[dimension, "raters"] == part["rater_id"].nunique()


def test_identical_curves_agree_perfectly_and_shuffled_ones_do_not():
    curve = [0.1, 0.6, -0.4, 0.9]
    rows = [
        {"track_id": "t", "rater_id": r, "dimension": "valence", "measure": m + 1, "value": v}
        for r in ("a", "b", "c")
        for m, v in enumerate(curve)
    ]
    same = continuous_alpha(pd.DataFrame(rows), by="track")
    assert same.loc[0, "alpha"] == pytest.approx(1.0)
    for row in rows:
        if row["rater_id"] == "c":
            row["value"] = curve[(row["measure"]) % 4]
    mixed = continuous_alpha(pd.DataFrame(rows), by="track")
    assert mixed.loc[0, "alpha"] < 0.5


def test_annotations_without_time_points_are_refused():
    static = pd.DataFrame(
        {"track_id": ["t"], "rater_id": ["a"], "dimension": ["valence"], "value": [0.1]}
    )
    with pytest.raises(AgreementError, match="time points"):
        continuous_alpha(static)
    with pytest.raises(AgreementError, match="by must be"):
        continuous_alpha(static.assign(measure=1), by="piece")  # type: ignore[arg-type]


def test_real_vgmidi_alpha_per_piece_and_on_a_subset_matches_the_package(shared_mirror):
    tables, _ = load_from_directory("vgmidi", shared_mirror / "vgmidi")
    annotations = tables.annotations
    pieces = sorted(annotations["track_id"].unique())[:4]
    subset = annotations[annotations["track_id"].isin(pieces)]
    per_piece = continuous_alpha(subset, by="track")
    for row in per_piece.itertuples():
        part = subset[(subset["dimension"] == row.dimension) & (subset["track_id"] == row.group)]
        assert _close(row.alpha, _reference(part, ["measure"])), row
    whole = continuous_alpha(subset, by="all").set_index("dimension")
    for dimension in ("valence", "arousal"):
        part = subset[subset["dimension"] == dimension]
        assert _close(whole.loc[dimension, "alpha"], _reference(part, ["track_id", "measure"]))
    per_measure = continuous_alpha(annotations, by="time", dimensions=["arousal"])
    assert per_measure["judgments"].sum() == (annotations["dimension"] == "arousal").sum()
    first = annotations[(annotations["dimension"] == "arousal") & (annotations["measure"] == 1)]
    assert _close(per_measure.loc[0, "alpha"], _reference(first, ["track_id"]))
