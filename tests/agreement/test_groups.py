"""Group tests: exact against scipy and statsmodels, and bounded in the number of groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kruskal, mannwhitneyu
from statsmodels.stats.multitest import multipletests

from mer_datasets.agreement import groups
from mer_datasets.agreement.groups import (
    MAX_PAIRWISE_GROUPS,
    TooManyGroupsError,
    group_differences,
    group_differences_of,
)
from mer_datasets.errors import AgreementError


def _table(n_groups: int, per_group: int = 3, seed: int = 0) -> pd.DataFrame:
    """A small long table: ``per_group`` ratings (1..5) in each of ``n_groups`` groups."""
    rng = np.random.default_rng(seed)
    size = n_groups * per_group
    return pd.DataFrame(
        {
            "group": np.repeat([f"g{i:04d}" for i in range(n_groups)], per_group),
            "value": rng.integers(1, 6, size).astype(float),
        }
    )


def test_twelve_groups_give_every_pair_once_equal_to_scipy_with_holm_as_statsmodels():
    table = _table(12, per_group=6)
    result = group_differences(table, by="group")
    samples = [rows["value"].to_numpy() for _, rows in table.groupby("group")]
    kw = result[result["test"] == "kruskal_wallis"].iloc[0]
    assert kw["statistic"] == pytest.approx(kruskal(*samples).statistic)
    pairs = result[result["test"] == "mann_whitney_u"]
    assert len(pairs) == 12 * 11 // 2
    raw = [mannwhitneyu(a, b, alternative="two-sided") for i, a in enumerate(samples)
           for b in samples[i + 1 :]]  # fmt: skip
    assert pairs["statistic"].tolist() == pytest.approx([r.statistic for r in raw])
    holm = multipletests([r.pvalue for r in raw], method="holm")[1]
    assert pairs["p_value"].tolist() == pytest.approx(holm.tolist())


def test_more_groups_than_the_bound_are_refused_before_any_test_runs(monkeypatch):
    import scipy.stats

    calls = []
    monkeypatch.setattr(scipy.stats, "mannwhitneyu", lambda *a, **k: calls.append(1))
    table = _table(MAX_PAIRWISE_GROUPS + 1)
    with pytest.raises(TooManyGroupsError) as refused:
        group_differences(table, by="group")
    assert isinstance(refused.value, AgreementError)
    message = str(refused.value)
    assert f"{MAX_PAIRWISE_GROUPS + 1} groups" in message and "--where" in message
    assert "'group'" in message
    assert calls == []


def test_eight_hundred_groups_are_refused_and_the_bound_counts_only_nonempty_groups():
    samples = {i: np.array([1.0, 2.0]) for i in range(800)}
    with pytest.raises(TooManyGroupsError, match="319,600 pairwise"):
        group_differences_of(samples)
    few = {i: np.array([1.0, 2.0, 3.0]) if i < 3 else np.array([]) for i in range(500)}
    records = group_differences_of(few)
    assert [r[0] for r in records].count("mann_whitney_u") == 3


def test_the_bound_is_a_parameter(monkeypatch):
    monkeypatch.setattr(groups, "MAX_PAIRWISE_GROUPS", 5)
    table = _table(6)
    with pytest.raises(TooManyGroupsError):
        group_differences(table, by="group", max_groups=5)
    assert len(group_differences(table, by="group", max_groups=6)) == 1 + 15


def test_an_agreement_report_with_group_tests_over_many_groups_is_a_typed_error():
    from mer_datasets.agreement.report import agreement_report

    rng = np.random.default_rng(1)
    rows = 2 * (MAX_PAIRWISE_GROUPS + 1)
    annotations = pd.DataFrame(
        {
            "judgment_id": [f"j{i}" for i in range(rows)],
            "annotation_id": [f"a{i}" for i in range(rows)],
            "track_id": [f"t{i % 4}" for i in range(rows)],
            "rater_id": [f"r{i // 2}" for i in range(rows)],
            "dimension": "arousal",
            "value": rng.integers(1, 6, rows).astype(float),
            "label": None,
        }
    )
    raters = pd.DataFrame({"rater_id": [f"r{i}" for i in range(rows // 2)]})
    with pytest.raises(TooManyGroupsError, match="--where"):
        agreement_report(
            annotations,
            raters,
            by="rater_id",
            bootstrap=0,
            levels={"arousal": "interval"},
            metrics=["group_tests"],
        )
