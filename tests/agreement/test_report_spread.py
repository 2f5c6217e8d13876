"""Per-item spread under a stated convention (SD denominator, quantile method), checked against
the standard library, and DEAP's published per-video STD and quartiles reproduced from the
online ratings with the convention the catalog records."""

from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.entropy import rating_spread
from mer_datasets.agreement.report import items_report
from mer_datasets.agreement.spread import QUANTILE_METHODS, SpreadConvention, item_spread
from mer_datasets.catalog import default_catalog
from mer_datasets.errors import AgreementError
from mer_datasets.pipeline import load_from_directory

RATINGS = {"A": [1, 2, 2, 3, 7, 9], "B": [4, 4, 5], "C": [6]}


def table() -> pd.DataFrame:
    rows = [(item, f"r{i}", v) for item, values in RATINGS.items() for i, v in enumerate(values)]
    return pd.DataFrame(rows, columns=["item", "rater", "value"])


@pytest.mark.parametrize("ddof", [0, 1])
def test_the_sd_convention_is_the_one_asked_for(ddof):
    spread = item_spread(table(), convention=SpreadConvention(sd_ddof=ddof)).set_index("item")
    oracle = statistics.pstdev if ddof == 0 else statistics.stdev
    for item in ("A", "B"):
        assert spread.loc[item, "std"] == pytest.approx(oracle(RATINGS[item]), abs=1e-12)
    # one rating: the sample SD is undefined, the population SD is 0
    assert np.isnan(spread.loc["C", "std"]) if ddof else spread.loc["C", "std"] == 0


@pytest.mark.parametrize(("method", "stdlib"), [("linear", "inclusive"), ("weibull", "exclusive")])
def test_quartiles_follow_the_method_and_match_the_standard_library(method, stdlib):
    # statistics.quantiles: "inclusive" is Hyndman & Fan type 7, "exclusive" type 6
    spread = item_spread(table(), convention=SpreadConvention(quantile_method=method))
    row = spread.set_index("item").loc["A"]
    q1, q2, q3 = statistics.quantiles(RATINGS["A"], n=4, method=stdlib)
    assert (row["q25"], row["median"], row["q75"]) == pytest.approx((q1, q2, q3), abs=1e-12)
    assert row["iqr"] == pytest.approx(q3 - q1, abs=1e-12)


def test_every_numpy_method_is_offered_and_an_unknown_one_refused():
    for method in QUANTILE_METHODS:
        row = item_spread(table(), convention=SpreadConvention(quantile_method=method)).iloc[0]
        assert row["q25"] == np.quantile(RATINGS["A"], 0.25, method=method)
    with pytest.raises(AgreementError, match="unknown quantile_method"):
        SpreadConvention(quantile_method="type7")
    with pytest.raises(AgreementError, match="sd_ddof"):
        SpreadConvention(sd_ddof=2)


def test_the_defaults_are_sample_sd_and_linear_quantiles_in_the_items_report():
    spread = rating_spread(table()).set_index("item")
    assert spread.loc["A", "std"] == pytest.approx(statistics.stdev(RATINGS["A"]), abs=1e-12)
    annotations = table().rename(columns={"item": "track_id", "rater": "rater_id"})
    annotations["dimension"] = "valence"
    frame = items_report(annotations, sd_ddof=0, quantile_method="median_unbiased")
    row = frame.set_index("track_id").loc["A"]
    assert row["std"] == pytest.approx(statistics.pstdev(RATINGS["A"]), abs=1e-12)
    assert row["q75"] == np.quantile(RATINGS["A"], 0.75, method="median_unbiased")
    assert frame.attrs["context"] == [
        "spread: population SD (N); quartiles by numpy quantile method 'median_unbiased'"
    ]


@pytest.mark.real_data
def test_deaps_published_std_and_quartiles_reproduce_under_the_recorded_convention(shared_mirror):
    catalog = default_catalog()
    info = catalog.get("deap")
    (entry,) = info.raw["published_spreads"]
    convention = SpreadConvention.from_catalog(entry)
    assert (convention.sd_ddof, convention.quantile_method) == (0, "median_unbiased")
    tables, _ = load_from_directory("deap", shared_mirror / "deap", catalog=catalog)
    online = tables.annotations[tables.annotations["setting"] == "online"]
    published = tables.labels.pivot_table(
        index=["dimension", "track_id"], columns="statistic", values="value", observed=True
    )
    computed = {}
    tolerance = 0.5 * 10 ** -entry["decimals"] + 1e-9  # published rounded to 4 decimals
    for dimension in ("valence", "arousal", "dominance"):
        rows = online[online["dimension"] == dimension]
        spread = item_spread(rows, item="track_id", convention=convention).set_index("track_id")
        computed[dimension] = spread
        theirs = published.loc[dimension].loc[spread.index]
        assert len(spread) == 120
        for ours, column in (("std", "std"), ("median", "median"), ("q75", "Q3")):
            assert np.abs(spread[ours] - theirs[column].astype(float)).max() <= tolerance
        if dimension != "valence":
            assert np.abs(spread["q25"] - theirs["Q1"].astype(float)).max() <= tolerance
    # the published Q1_Valence is the arousal quartile (a publication error the catalog notes)
    valence_q1 = published.loc["valence"].loc[computed["arousal"].index, "Q1"].astype(float)
    assert np.abs(computed["arousal"]["q25"] - valence_q1).max() <= tolerance
    assert np.abs(computed["valence"]["q25"] - valence_q1).max() > 1
    # the other conventions do not reproduce them: the test can fail
    sample = item_spread(
        online[online["dimension"] == "arousal"], item="track_id",
        convention=SpreadConvention(sd_ddof=1, quantile_method="linear"),
    ).set_index("track_id")  # fmt: skip
    theirs = published.loc["arousal"].loc[sample.index]
    assert np.abs(sample["std"] - theirs["std"].astype(float)).max() > 0.05
    assert np.abs(sample["q25"] - theirs["Q1"].astype(float)).max() > 0.5


def test_info_states_the_protocols_and_the_published_spread_convention():
    from mer_datasets.describe import describe_dataset

    text = describe_dataset(default_catalog().get("deap"))
    assert "protocols     setting: lab, online (agreement is reported per protocol" in text
    assert "spreads       video_list: population SD, quantile method median_unbiased;" in text
    assert "protocols " not in describe_dataset(default_catalog().get("trompa-mer"))
