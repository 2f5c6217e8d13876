import math

import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.duplicates import resolve_duplicates
from mer_datasets.agreement.entropy import consensus_entropy, rank_items_by_entropy, rating_spread
from mer_datasets.agreement.where import WhereError, where_mask


def labels(item_labels: dict[str, list[str]]) -> pd.DataFrame:
    rows = [
        (item, f"r{i}", label)
        for item, values in item_labels.items()
        for i, label in enumerate(values)
    ]
    return pd.DataFrame(rows, columns=["item", "rater", "label"])


def test_consensus_entropy_is_zero_ln4_and_ln2_for_the_textbook_cases():
    table = consensus_entropy(
        labels(
            {"same": ["Q1"] * 4, "even": ["Q1", "Q2", "Q3", "Q4"], "half": ["Q2", "Q2", "Q4", "Q4"]}
        )
    )
    entropy = table.set_index("item")["entropy"]
    assert entropy["same"] == 0.0
    assert entropy["even"] == pytest.approx(math.log(4))
    assert entropy["half"] == pytest.approx(math.log(2))
    assert table.set_index("item").loc["same", "modal_share"] == 1.0


def test_items_are_ranked_most_contested_first_with_ties_broken_by_item_id():
    table = consensus_entropy(
        labels({"b": ["x", "y"], "a": ["x", "y"], "c": ["x", "x"], "d": ["x", "y", "z"]})
    )
    assert rank_items_by_entropy(table)["item"].tolist() == ["d", "a", "b", "c"]


def test_rating_spread_uses_sample_standard_deviation():
    table = pd.DataFrame({"item": [1, 1, 1], "rater": ["a", "b", "c"], "value": [1.0, 2.0, 6.0]})
    row = rating_spread(table).iloc[0]
    assert row["std"] == pytest.approx(np.std([1, 2, 6], ddof=1))
    assert (row["min"], row["max"], row["n"]) == (1.0, 6.0, 3)


TABLE = pd.DataFrame({"familiarity": [1, 4, None, 5], "mother_language": ["es", "es", "en", None]})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("familiarity > 3", [False, True, False, True]),
        ('mother_language == "es" and familiarity >= 2', [False, True, False, False]),
        ('mother_language in ["es", "en"]', [True, True, True, False]),
        ('mother_language not in ["es"]', [False, False, True, False]),
        ("not (familiarity > 3)", [True, False, True, False]),
        ("familiarity != null", [True, True, False, True]),
        ("mother_language == null or familiarity < 2", [True, False, False, True]),
    ],
)
def test_allowed_where_expressions_select_the_expected_rows(expression, expected):
    assert where_mask(TABLE, expression).tolist() == expected


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "familiarity.real > 1",
        "len(familiarity) > 1",
        "(lambda: 1)() == 1",
        "familiarity[0] == 1",
        "familiarity + 1 > 2",
        "__class__ == 1",
    ],
)
def test_unsafe_where_expressions_are_rejected_with_a_clear_error(expression):
    with pytest.raises(WhereError, match="not allowed|operator"):
        where_mask(TABLE, expression)


def test_unknown_names_in_where_list_the_available_columns():
    with pytest.raises(WhereError, match="available: familiarity, mother_language"):
        where_mask(TABLE, "age > 3")


def test_duplicate_policies_keep_latest_first_mean_or_all_and_count_the_affected_groups():
    table = pd.DataFrame(
        {
            "item": [1, 1, 1, 2],
            "rater": ["a", "a", "b", "a"],
            "value": [1.0, 3.0, 2.0, 5.0],
            "timestamp": [2, 1, 1, 1],
        }
    )
    latest = resolve_duplicates(table, policy="latest", order="timestamp")
    assert sorted(latest.table["value"]) == [1.0, 2.0, 5.0] and (
        latest.n_groups,
        latest.n_rows,
        latest.n_removed,
    ) == (1, 2, 1)
    assert sorted(resolve_duplicates(table, policy="first", order="timestamp").table["value"]) == [
        2.0,
        3.0,
        5.0,
    ]
    assert sorted(resolve_duplicates(table, policy="mean").table["value"]) == [2.0, 2.0, 5.0]
    assert len(resolve_duplicates(table, policy="all").table) == 4
