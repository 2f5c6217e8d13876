"""Real data: the ISMIR 2020 multilingual study (skips without ../shared/mirror)."""

import krippendorff
import pandas as pd
import pytest

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.agreement.bootstrap import bootstrap_alpha
from tests.fixtures.generators.ismir2020_agreement import EMOTION_COLUMNS as EMOTIONS


@pytest.fixture
def ratings(shared_mirror):
    path = (
        shared_mirror
        / "ismir2020-agreement"
        / "agreement-emotion"
        / "results"
        / "data_ratings.all.csv"
    )
    if not path.is_file():
        pytest.skip(f"{path} not in the mirror")
    frame = pd.read_csv(path)
    return frame.assign(rater=frame["language"] + "_" + frame["user"].astype(str))


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_ordinal_alpha_per_emotion_matches_the_krippendorff_package(ratings, emotion):
    matrix = ratings.pivot(index="rater", columns="excerpt", values=emotion).to_numpy(dtype=float)
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal")
    assert krippendorff_alpha(
        ratings, item="excerpt", value=emotion, level="ordinal"
    ) == pytest.approx(expected, abs=1e-9)


def test_item_bootstrap_of_joy_is_much_wider_than_the_pairable_value_bootstrap(ratings):
    items = bootstrap_alpha(
        ratings, item="excerpt", value="joy", level="ordinal", method="items", seed=0
    )
    values = bootstrap_alpha(
        ratings, item="excerpt", value="joy", level="ordinal", method="krippendorff", seed=0
    )
    assert items.estimate == pytest.approx(0.3724, abs=1e-4)
    assert items.ci_low < 0.3 and items.ci_high > 0.45
    assert 0.36 < values.ci_low < items.estimate < values.ci_high < 0.39
    assert (items.ci_high - items.ci_low) > 10 * (values.ci_high - values.ci_low)
