"""The out-of-core DuckDB engine gives the in-memory engine's numbers (alpha and bootstrap).

Seeded random long tables that fit both ways, with missing items and values, items with a single
judgment and (for labels) strings, written to Parquet (one file, a directory of parts, a glob)."""

import math

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb")

from mer_datasets.agreement.alpha import krippendorff_alpha  # noqa: E402
from mer_datasets.agreement.bootstrap import bootstrap_alpha  # noqa: E402
from mer_datasets.agreement.duckdb_engine import (  # noqa: E402
    duckdb_alpha,
    duckdb_bootstrap,
)
from mer_datasets.errors import AgreementError  # noqa: E402

VALUE_KINDS = ("likert", "continuous", "labels")


def make_table(value_kind: str, seed: int, n_items: int = 60) -> pd.DataFrame:
    """Items in ascending id order (so both engines order the items alike), 1..6 judgments each,
    about 5% missing values and one row with a missing item."""
    rng = np.random.default_rng(seed)
    per_item = rng.integers(1, 7, size=n_items)
    items = np.repeat(np.arange(n_items) * 3 + 10, per_item)
    truth = rng.normal(size=n_items)[np.repeat(np.arange(n_items), per_item)]
    noise = rng.normal(scale=0.8, size=items.size)
    if value_kind == "likert":
        values = np.clip(np.round(3 + truth + noise), 1, 5)
    elif value_kind == "continuous":
        values = np.round(truth + noise, 6) * 100.0 + 1000.0
    else:
        values = np.array(["low", "mid", "high"], dtype=object)[
            np.clip(np.round(1 + truth + noise), 0, 2).astype(int)
        ]
    table = pd.DataFrame({"item": pd.array(items, dtype="Int64"), "value": values})
    missing = rng.random(items.size) < 0.05
    table.loc[missing, "value"] = np.nan if value_kind != "labels" else None
    table.loc[table.index[len(table) // 2], "item"] = pd.NA
    return table


def levels_of(value_kind: str) -> tuple[str, ...]:
    if value_kind == "labels":
        return ("nominal",)
    return ("nominal", "ordinal", "interval", "ratio")


def close(a: float, b: float, tolerance: float = 1e-9) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tolerance


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("value_kind", VALUE_KINDS)
def test_alpha_matches_in_memory(tmp_path, value_kind, seed):
    table = make_table(value_kind, seed)
    path = tmp_path / "judgments.parquet"
    table.to_parquet(path)
    for level in levels_of(value_kind):
        expected = krippendorff_alpha(table, level=level)
        assert not math.isnan(expected)
        assert close(duckdb_alpha(path, level=level), expected), level


@pytest.mark.parametrize("value_kind", ("likert", "continuous"))
def test_bootstrap_matches_in_memory(tmp_path, value_kind):
    table = make_table(value_kind, 7)
    path = tmp_path / "judgments.parquet"
    table.to_parquet(path)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ours = duckdb_bootstrap(path, level=level, n_resamples=200, seed=3)
        theirs = bootstrap_alpha(table, level=level, n_resamples=200, seed=3)
        assert close(ours.estimate, theirs.estimate), level
        assert np.allclose(ours.samples, theirs.samples, rtol=0, atol=1e-9, equal_nan=True), level
        assert close(ours.ci_low, theirs.ci_low) and close(ours.ci_high, theirs.ci_high)


def test_directory_glob_and_filter(tmp_path):
    table = make_table("likert", 11)
    table["dimension"] = "valence"
    other = table.assign(dimension="arousal", value=6 - table["value"])
    parts = tmp_path / "parts"
    parts.mkdir()
    half = len(table) // 2
    table.iloc[:half].to_parquet(parts / "a.parquet")
    pd.concat([table.iloc[half:], other]).to_parquet(parts / "b.parquet")
    expected = krippendorff_alpha(table, level="interval")
    where = "dimension = 'valence'"
    assert close(duckdb_alpha(parts, level="interval", where=where), expected)
    assert close(duckdb_alpha(str(parts / "*.parquet"), level="interval", where=where), expected)


def test_undefined_and_refusals(tmp_path):
    single = pd.DataFrame({"item": [1, 2, 3], "value": [1.0, 2.0, 3.0]})
    single.to_parquet(tmp_path / "single.parquet")
    assert math.isnan(duckdb_alpha(tmp_path / "single.parquet", level="interval"))
    assert math.isnan(duckdb_bootstrap(tmp_path / "single.parquet", level="ordinal").estimate)
    infinite = pd.DataFrame({"item": [1, 1], "value": [1.0, np.inf]})
    infinite.to_parquet(tmp_path / "inf.parquet")
    with pytest.raises(AgreementError, match="not finite"):
        duckdb_alpha(tmp_path / "inf.parquet", level="interval")
    with pytest.raises(AgreementError, match="not in the Parquet input"):
        duckdb_alpha(tmp_path / "inf.parquet", item="track", level="interval")
    with pytest.raises(AgreementError, match="no such Parquet"):
        duckdb_alpha(tmp_path / "absent.parquet", level="interval")
    labels = pd.DataFrame({"item": [1, 1], "value": ["a", "b"]})
    labels.to_parquet(tmp_path / "labels.parquet")
    with pytest.raises(AgreementError, match="must be numeric"):
        duckdb_alpha(tmp_path / "labels.parquet", level="interval")
