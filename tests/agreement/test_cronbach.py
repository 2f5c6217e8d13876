"""Cronbach's alpha (raters as the scale's items, tracks as subjects) against pingouin."""

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.cli import add_arguments, run
from mer_datasets.agreement.cronbach import cronbach_alpha_of
from mer_datasets.agreement.report import agreement_report
from mer_datasets.errors import AgreementError

pingouin = pytest.importorskip("pingouin")


def ratings(seed: int, n: int = 20, k: int = 5, missing: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(n, 1)) + rng.normal(size=(1, k)) + rng.normal(scale=0.8, size=(n, k))
    matrix[rng.random(matrix.shape) < missing] = np.nan
    return matrix


def long(matrix: np.ndarray) -> pd.DataFrame:
    items, raters = np.nonzero(~np.isnan(matrix))
    return pd.DataFrame(
        {"track_id": items.astype(str), "rater_id": raters.astype(str), "dimension": "arousal",
         "value": matrix[items, raters]}
    )  # fmt: skip


@pytest.mark.parametrize("seed, missing", [(0, 0.0), (1, 0.0), (2, 0.1), (3, 0.2)])
def test_cronbach_alpha_and_its_interval_equal_pingouin_listwise(seed, missing):
    matrix = ratings(seed, missing=missing)
    expected, _ = pingouin.cronbach_alpha(pd.DataFrame(matrix), nan_policy="listwise")
    # pingouin's interval uses the track count *before* listwise deletion (its n is taken first);
    # ours uses the tracks actually used, so the reference interval is pingouin's on those rows.
    _, (low, high) = pingouin.cronbach_alpha(pd.DataFrame(matrix).dropna())
    items, raters = np.nonzero(~np.isnan(matrix))
    value, ci_low, ci_high, n, k, note = cronbach_alpha_of(matrix[items, raters], items, raters)
    assert value == pytest.approx(expected, abs=1e-12)
    assert (ci_low, ci_high) == pytest.approx((low, high), abs=5e-4)  # pingouin rounds to 3 places
    assert n == int((~np.isnan(matrix).any(axis=1)).sum()) and k == 5
    assert ("listwise" in note) == bool(np.isnan(matrix).any())


def test_the_report_and_the_cli_give_cronbach_alpha_only_when_asked(tmp_path):
    table = long(ratings(0))
    default = agreement_report(table, bootstrap=0)
    assert "cronbach_alpha" not in set(default["metric"])
    report = agreement_report(table, bootstrap=0, metrics=["cronbach_alpha", "icc3_k"])
    assert report["metric"].tolist() == ["icc3_k", "cronbach_alpha"]
    expected, _ = pingouin.cronbach_alpha(pd.DataFrame(ratings(0)))
    cronbach = report.set_index("metric").loc["cronbach_alpha"]
    assert cronbach["value"] == pytest.approx(expected, abs=1e-12)
    # Cronbach's alpha is the consistency ICC(3,k) of a complete design.
    assert cronbach["value"] == pytest.approx(report.set_index("metric").loc["icc3_k", "value"])
    path, out = tmp_path / "mine.csv", tmp_path / "out.json"
    table.to_csv(path, index=False)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        [str(path), "--metrics", "cronbach_alpha", "--format", "json", "--out", str(out)]
    )
    assert run(args, load_tables=None) == 0
    records = json.loads(out.read_text())
    assert [r["metric"] for r in records] == ["cronbach_alpha"]
    assert records[0]["value"] == pytest.approx(expected, abs=1e-12)
    with pytest.raises(AgreementError, match="unknown metrics.*cronbach_alpha"):
        agreement_report(table, bootstrap=0, metrics=["cronbach"])


def test_every_bootstrap_interval_carries_its_known_coverage_caveat():
    small = long(ratings(0, n=12))
    items = agreement_report(
        small, bootstrap=50, bootstrap_method="items", metrics=["krippendorff_alpha"]
    ).iloc[0]["note"]
    assert "small design (12 < 30 items)" in items and "raters treated as fixed" in items
    default = agreement_report(small, bootstrap=50, metrics=["krippendorff_alpha"]).iloc[0]
    assert default["ci_method"].startswith("bootstrap-two-way-")
    assert "small design (12 < 30 items)" in default["note"]
    large = long(ratings(0, n=40))
    kripp = agreement_report(
        large, bootstrap=50, bootstrap_method="krippendorff", metrics=["krippendorff_alpha"]
    ).iloc[0]["note"]
    assert "Krippendorff's bootstrap is known to under-cover" in kripp and "small" not in kripp
    assert agreement_report(large, bootstrap=0, metrics=["krippendorff_alpha"]).iloc[0]["note"] in (
        None,
        "",
    ) or pd.isna(
        agreement_report(large, bootstrap=0, metrics=["krippendorff_alpha"]).iloc[0]["note"]
    )
