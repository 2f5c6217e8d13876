"""The CLI's pandas-free path (cache -> pyarrow -> numpy) gives exactly what the DataFrame path gives.

Equality is checked on the rendered JSON text (every digit), for every dataset with per-rater
judgments (from its generated fixture, through ingest, load and cache) and for the options the
fast path accepts; and the fast path steps aside (returns None) whenever it cannot vouch for the
cache, so that the full path rebuilds it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mer_datasets.agreement.cli import add_arguments, run
from mer_datasets.agreement.judgments import Judgments
from mer_datasets.agreement.records import agreement_records
from mer_datasets.agreement.render import FORMATS, render_records
from mer_datasets.agreement.report import agreement_report, to_json_records
from mer_datasets.cached_agreement import cached_judgments, judgments_from_arrow
from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import default_levels, load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.download.verified import verified_files
from tests.conftest import FIXTURES
from tests.test_contract import FIXTURED, fixture_catalog

PER_RATER = [info for info in FIXTURED if info.per_rater]
#: Option sets the fast path accepts (no --where/--by/--items/--raters).
OPTIONS = [
    {},
    {"bootstrap": 0},
    {"bootstrap": 200, "seed": 7, "duplicates": "first"},
    {"bootstrap": 200, "duplicates": "all", "bootstrap_method": "krippendorff"},
    {"bootstrap": 100, "duplicates": "mean", "level": "interval"},
    {"bootstrap": 100, "level": "nominal"},
]


def _both_paths(ds, catalog_info, options: dict) -> tuple[str, str]:
    """(fast JSON, DataFrame JSON) for one dataset and option set."""
    options = dict(options)
    level = options.pop("level", None)
    levels = default_levels(catalog_info)
    judgments = cached_judgments(catalog_info, catalog_info.version(ds.version))
    assert judgments is not None, "the cache entry written by load_dataset must be readable"
    fast_levels = levels
    if level:
        levels = {str(d): level for d in ds.annotations["dimension"].dropna().unique()}
        fast_levels = {name: level for name in judgments.dimension_names()}
    fast = agreement_records(judgments, levels=fast_levels, **options)
    full = to_json_records(agreement_report(ds.annotations, ds.raters, levels=levels, **options))
    return render_records(fast, "json"), render_records(full, "json")


@pytest.mark.parametrize("info", PER_RATER, ids=lambda i: i.id)
def test_fast_path_equals_the_dataframe_path_on_every_per_rater_fixture(
    info, tmp_path, monkeypatch
):
    catalog = fixture_catalog(info.id)
    fixture_info = catalog.get(info.id)
    monkeypatch.setenv("MER_DATASETS_HOME", str(tmp_path / "home"))
    compared = 0
    for version in fixture_info.versions:
        if not version.loader:
            continue
        ingest_dataset(fixture_info, FIXTURES / info.id, version.version)
        ds = load_dataset(info.id, version=version.version, catalog=catalog, offline=True)
        if ds.annotations.empty:
            continue
        compared += 1
        for options in OPTIONS:
            fast, full = _both_paths(ds, fixture_info, options)
            assert fast == full, (version.version, options)
            assert json.loads(fast), "a per-rater dataset has at least one record"
    assert compared, f"{info.id}: no version of the fixture has per-rater judgments to compare"


def test_fast_path_equals_the_dataframe_path_on_the_sample_with_a_dimension_subset():
    ds = load_dataset("sample", offline=True)
    info = default_catalog().get("sample")
    judgments = cached_judgments(info, info.version(None))
    subset = sorted(judgments.dimension_names())[:2]
    fast = agreement_records(
        judgments.only_dimensions(subset), levels=default_levels(info), bootstrap=300
    )
    full = to_json_records(
        agreement_report(
            ds.annotations, ds.raters, dimensions=subset, levels=default_levels(info), bootstrap=300
        )
    )
    assert [r["dimension"] for r in fast] == [r["dimension"] for r in full]
    assert {r["dimension"] for r in fast} == set(subset)
    assert render_records(fast, "json") == render_records(full, "json")


def _cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--version")
    parser.add_argument("--data-home")
    return parser.parse_args(list(argv))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_cli_prints_the_same_text_from_either_path(fmt, tmp_path, capsys):
    ds = load_dataset("sample", offline=True)
    info = default_catalog().get("sample")
    calls = []

    def load_tables(_):
        calls.append("tables")
        return ds.annotations, ds.raters, default_levels(info)

    def from_cache(_):
        calls.append("cache")
        return cached_judgments(info, info.version(None)), default_levels(info)

    args = _cli_args("sample", "--format", fmt, "--bootstrap", "200")
    assert run(args, load_tables, from_cache) == 0
    fast = capsys.readouterr().out
    assert run(args, load_tables) == 0
    full = capsys.readouterr().out
    assert calls == ["cache", "tables"]
    assert fast == full and fast.strip()


@pytest.mark.parametrize(
    "argv",
    [["--where", "familiarity > 1"], ["--by", "mother_language"], ["--items"], ["--raters"]],
)
def test_requests_that_need_the_joined_tables_take_the_full_path(argv, capsys):
    ds = load_dataset("sample", offline=True)
    info = default_catalog().get("sample")

    def from_cache(_):
        raise AssertionError("the fast path cannot answer this request")

    args = _cli_args("sample", "--bootstrap", "20", *argv)
    assert run(args, lambda _: (ds.annotations, ds.raters, default_levels(info)), from_cache) == 0
    assert capsys.readouterr().out.strip()


def test_a_damaged_or_missing_cache_entry_makes_the_fast_path_step_aside():
    load_dataset("sample", offline=True)
    info = default_catalog().get("sample")
    home = Path(os.environ["MER_DATASETS_HOME"])
    [entry] = list((home / "sample").glob("*/cache/*/annotations.parquet"))
    good = entry.read_bytes()
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xFF  # same size: only the page checksums can tell
    entry.write_bytes(bytes(damaged))
    assert cached_judgments(info, info.version(None)) is None
    entry.write_bytes(good[:-10])
    assert cached_judgments(info, info.version(None)) is None
    entry.unlink()
    assert cached_judgments(info, info.version(None)) is None
    ds = load_dataset("sample", offline=True)  # the full path discards and rebuilds
    assert not ds.from_cache
    assert cached_judgments(info, info.version(None)) is not None


def test_files_changed_since_verification_make_the_fast_path_step_aside(tmp_path, monkeypatch):
    info = next(i for i in PER_RATER if i.id == "ismir2020-agreement")
    catalog = fixture_catalog(info.id)
    fixture_info = catalog.get(info.id)
    monkeypatch.setenv("MER_DATASETS_HOME", str(tmp_path / "home"))
    version = fixture_info.version(None)
    ingest_dataset(fixture_info, FIXTURES / info.id, version.version)
    load_dataset(info.id, catalog=catalog, offline=True)
    assert cached_judgments(fixture_info, version) is not None
    member = next(iter(verified_files(fixture_info, version.version).members.values()))
    stat = member.stat()
    os.utime(member, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cached_judgments(fixture_info, version) is None


def test_arrow_codes_are_pandas_factorize_codes_with_nulls_and_many_row_groups(tmp_path):
    rng = np.random.default_rng(3)
    n = 20_000
    frame = pd.DataFrame(
        {
            "track_id": pd.array([f"t{i}" for i in rng.integers(0, 900, n)], dtype="string"),
            "rater_id": pd.array([f"r{i}" for i in rng.integers(0, 300, n)], dtype="string"),
            "dimension": pd.Categorical(rng.choice(["b", "a", "c"], n)),
            "value": pd.array(rng.integers(1, 6, n).astype(float), dtype="Float64"),
            "label": pd.array(rng.choice(["x", "y", "z"], n), dtype="string"),
            "timestamp": pd.to_datetime(rng.integers(0, 10**6, n), unit="s", utc=True),
        }
    )
    for column, share in (("track_id", 0.01), ("rater_id", 0.01), ("label", 0.3), ("value", 0.2)):
        frame.loc[rng.random(n) < share, column] = pd.NA
    frame.loc[rng.random(n) < 0.1, "timestamp"] = pd.NaT
    path = tmp_path / "annotations.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=1500)
    table = pq.ParquetFile(path, read_dictionary=["track_id", "rater_id", "dimension", "label"])
    fast = judgments_from_arrow(table.read())
    full = Judgments.from_frame(frame)
    np.testing.assert_array_equal(fast.item, full.item)
    np.testing.assert_array_equal(fast.rater, full.rater)
    np.testing.assert_array_equal(fast.value, full.value)
    np.testing.assert_array_equal(fast.order, full.order)
    for name in ("label", "dimension"):
        a, b = getattr(fast, name), getattr(full, name)
        np.testing.assert_array_equal(a.codes >= 0, b.codes >= 0)
        present = a.codes >= 0
        assert list(a.names[a.codes[present]]) == list(b.names[b.codes[present]])
    for options in ({}, {"duplicates": "first"}, {"levels": {"a": "nominal", "b": "ordinal"}}):
        assert render_records(agreement_records(fast, bootstrap=50, **options), "json") == (
            render_records(agreement_records(full, bootstrap=50, **options), "json")
        )


def test_the_fast_path_imports_neither_pandas_nor_scipy_nor_arrow_compute(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "MER_DATASETS_HOME": str(home)}
    warm = "from mer_datasets.dataset import load_dataset; load_dataset('sample', offline=True)"
    subprocess.run([sys.executable, "-c", warm], env=env, check=True)
    code = (
        "import sys, io, contextlib\n"
        "from mer_datasets.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['agreement', 'sample']) == 0\n"
        "assert 'krippendorff_alpha' in out.getvalue()\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'pyarrow.compute') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
