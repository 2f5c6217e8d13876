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


def _cli_json(capsys, *argv: str) -> list[dict]:
    import json

    from mer_datasets.cli import main

    assert main(["agreement", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_engines_agree(tmp_path, capsys):
    table = make_table("likert", 5).rename(columns={"item": "song"})
    path = tmp_path / "judgments.parquet"
    table.to_parquet(path)
    from mer_datasets.cli import main

    assert main(["agreement", str(path), "--item", "song", "--engine", "duckdb"]) == 1
    assert "1 row(s) with an empty 'song'" in capsys.readouterr().err
    table = table.dropna(subset=["song"]).reset_index(drop=True)
    table["listener"] = np.arange(len(table)) % 7
    table["dimension"] = np.where(np.arange(len(table)) % 2 == 0, "valence", "arousal")
    path = tmp_path / "judgments.parquet"
    table.to_parquet(path)
    common = (
        str(path),
        "--item",
        "song",
        "--rater",
        "listener",
        "--bootstrap",
        "50",
        "--bootstrap-method",
        "items",
    )  # fmt: skip  (auto is two-way in memory only)
    memory = _cli_json(capsys, *common, "--engine", "memory")
    duck = _cli_json(capsys, *common, "--engine", "duckdb")
    assert [(r["dimension"], r["metric"]) for r in duck] == [
        (r["dimension"], r["metric"]) for r in memory
    ]  # every record, ICC too (tests/agreement/test_duckdb_report.py: all options)
    for ours, theirs in zip(duck, memory):
        for key in ("value", "ci_low", "ci_high"):
            assert (ours[key] is None and theirs[key] is None) or close(ours[key], theirs[key])
        keys = ("n_items", "n_raters", "n_judgments", "note")
        assert [ours[k] for k in keys] == [theirs[k] for k in keys]
    only = _cli_json(capsys, *common, "--engine", "duckdb", "--dimension", "valence")
    assert {r["dimension"] for r in only} == {"valence"}


def test_engine_choice(tmp_path, monkeypatch):
    import mer_datasets.agreement.scale as scale

    path = tmp_path / "judgments.parquet"
    make_table("likert", 1).to_parquet(path)
    (tmp_path / "judgments.csv").write_text("item,value\n1,2\n", encoding="utf-8")
    assert scale.choose_engine("auto", str(path), True) == "memory"
    assert scale.choose_engine("memory", str(path), True) == "memory"
    assert scale.choose_engine("auto", str(tmp_path / "judgments.csv"), True) == "memory"
    monkeypatch.setattr(scale, "available_memory", lambda: path.stat().st_size)
    assert scale.choose_engine("auto", str(path), True) == "duckdb"
    assert scale.choose_engine("auto", str(tmp_path), True) == "duckdb"  # a directory
    assert scale.choose_engine("auto", str(tmp_path / "*.parquet"), True) == "duckdb"
    with pytest.raises(AgreementError, match="reads Parquet"):
        scale.choose_engine("duckdb", str(tmp_path / "judgments.csv"), True)


def test_memory_engine_does_not_import_duckdb(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "judgments.parquet"
    make_table("likert", 2).to_parquet(path)
    script = (
        "import sys; from mer_datasets.cli import main; "
        f"main(['agreement', {str(path)!r}, '--item', 'item', '--bootstrap', '0', "
        "'--engine', 'memory']); assert 'duckdb' not in sys.modules, 'duckdb imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
