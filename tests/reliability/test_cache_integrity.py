"""The table cache is never trusted when damaged, never fatal when unwritable, never left behind.

Cases (each a row of ``test-artifacts/reliability/cache.json``, rendered in docs/guarantees.md):
bit flips in the Parquet footer of each table (seeded positions, and the one the issue found: a
column name changed by one letter), manifests of every wrong shape (including JSON nested
100,000 deep), a cache folder that cannot be created (a read-only data home), and a staging
folder left by a process killed with SIGKILL while writing. Everything runs on the embedded
``sample`` dataset: no network.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from mer_datasets.dataset import load_dataset
from tests.reliability import harness

TABLES = ("tracks", "raters", "annotations", "labels")
FLIPS_PER_TABLE = 6


def _home() -> Path:
    return Path(os.environ["MER_DATASETS_HOME"])


def _entry_dir() -> Path:
    (manifest,) = _home().glob("sample/*/cache/*/manifest.json")
    return manifest.parent


def _footer_span(data: bytes) -> tuple[int, int]:
    """(start, end) of the footer metadata of a Parquet file's bytes."""
    length = int.from_bytes(data[-8:-4], "little")
    return len(data) - 8 - length, len(data) - 8


def _same_tables(loaded, reference) -> bool:
    return all(
        getattr(loaded, name).equals(getattr(reference, name))
        and list(getattr(loaded, name).columns) == list(getattr(reference, name).columns)
        for name in TABLES
    )


def _outcome(reference) -> str:
    """Load again: the damaged entry must be rebuilt into the reference tables, then reused."""
    again = load_dataset("sample", offline=True)
    assert not again.from_cache, "a damaged cache entry was trusted"
    assert _same_tables(again, reference)
    assert load_dataset("sample", offline=True).from_cache, "the rebuilt entry is not reused"
    return "rebuilt, same tables"


def test_bit_flips_in_the_parquet_footer_are_never_trusted():
    reference = load_dataset("sample", offline=True)
    rng = random.Random(18)
    for name in TABLES:
        for flip in range(FLIPS_PER_TABLE + 1):
            load_dataset("sample", offline=True)  # an intact entry to damage
            path = _entry_dir() / f"{name}.parquet"
            data = bytearray(path.read_bytes())
            start, end = _footer_span(bytes(data))
            if flip == 0:  # the case: a column name in the schema changed by one letter
                column = list(getattr(reference, name).columns)[-1].encode()
                where = bytes(data).rfind(column, start, end)
                assert where >= 0
                case, what = f"footer-rename-{name}", "a column name in the footer: one bit flipped"
                data[where + len(column) - 1] ^= 0x01
            else:
                case, what = f"footer-flip-{name}", "one bit of a seeded footer byte flipped"
                data[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(data))
            harness.record(
                "cache",
                case=case,
                description=what,
                outcome=_outcome(reference),
            )


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


MANIFESTS = {
    "not-json": lambda m: "{not json",
    "json-list": lambda m: "[1, 2, 3]",
    "nested-100000-deep": lambda m: _nested(100_000),
    "nested-in-files": lambda m: json.dumps({**m, "files": json.loads(_nested(500))}),
    "files-a-string": lambda m: json.dumps({**m, "files": "tracks.parquet"}),
    "size-a-string": lambda m: json.dumps(
        {**m, "files": {k: {**v, "size": str(v["size"])} for k, v in m["files"].items()}}
    ),
    "schema-missing": lambda m: json.dumps(
        {**m, "files": {k: {"size": v["size"]} for k, v in m["files"].items()}}
    ),
    "quirk-a-string": lambda m: json.dumps({**m, "quirks": ["x"]}),
    "source-rows-a-list": lambda m: json.dumps({**m, "source_rows": [1]}),
    "format-1-entry": lambda m: json.dumps({k: v for k, v in m.items() if k != "format"}),
    "another-key": lambda m: json.dumps({**m, "key": "0" * 32}),
    "schema-renamed-column": lambda m: json.dumps(
        {
            **m,
            "files": {
                k: {**v, "schema": [["spotifx_key", t] for _, t in v["schema"]]}
                for k, v in m["files"].items()
            },
        }
    ),
}


@pytest.mark.parametrize("case", sorted(MANIFESTS))
def test_a_manifest_of_the_wrong_shape_is_treated_as_absent_and_rebuilt(case):
    reference = load_dataset("sample", offline=True)
    manifest = _entry_dir() / "manifest.json"
    manifest.write_text(MANIFESTS[case](json.loads(manifest.read_text())))
    harness.record(
        "cache",
        case=f"manifest-{case}",
        description=f"manifest.json: {case.replace('-', ' ')}",
        outcome=_outcome(reference),
    )


def test_a_cache_folder_that_cannot_be_created_is_not_fatal(monkeypatch):
    """A read-only data home without a cache: the tables load, nothing is written, no error.
    (Simulated by refusing mkdir under ``cache/``: the suite may run as root, which chmod
    cannot stop.)"""
    from mer_datasets.cli import main

    reference = load_dataset("sample", offline=True, cache=False)
    real_mkdir = Path.mkdir

    def read_only_mkdir(self, *args, **kwargs):
        if "cache" in self.parts:
            raise PermissionError(13, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only_mkdir)
    loaded = load_dataset("sample", offline=True)
    assert not loaded.from_cache and _same_tables(loaded, reference)
    assert list(_home().glob("sample/*/cache")) == []
    assert main(["stats", "sample", "--offline"]) == 0
    harness.record(
        "cache",
        case="read-only-cache-folder",
        description="mkdir of cache/ refused (read-only home): load_dataset and `stats`",
        outcome="loaded, cache skipped",
    )


def test_a_staging_folder_left_by_a_sigkill_is_removed_by_the_next_write(tmp_path):
    from mer_datasets.catalog import default_catalog

    entry = dict(default_catalog().get("sample").raw)
    entry_file = tmp_path / "sample.json"
    entry_file.write_text(json.dumps(entry, default=str))
    home = tmp_path / "home"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.child", str(entry_file), str(home)],
        cwd=harness.REPO_ROOT,
        env={**os.environ, "MER_RELIABILITY_SLOW_WRITE": "30"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(home.glob("sample/*/cache/.tmp-*/*.parquet")):
            assert time.monotonic() < deadline and child.poll() is None, "no cache write began"
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    (staging,) = home.glob("sample/*/cache/.tmp-*")
    assert str(child.pid) in staging.name.split("-")
    live = staging.with_name(f".tmp-{'0' * 32}-{os.getpid()}-00000000")
    live.mkdir()  # a write in progress by a live process: must be left alone
    loaded = load_dataset("sample", offline=True, data_home=home)
    assert not loaded.from_cache
    assert not staging.exists()
    assert live.is_dir()
    assert load_dataset("sample", offline=True, data_home=home).from_cache
    harness.record(
        "cache",
        case="sigkill-during-write",
        description="SIGKILL while writing Parquet files: the staging folder is left",
        outcome="removed by the next write",
    )


def test_the_footer_check_is_what_catches_a_renamed_column():
    """Not vacuous: page checksums alone pass the renamed column (the bug), the manifest fails it."""
    import pyarrow.parquet as pq

    load_dataset("sample", offline=True)
    path = _entry_dir() / "tracks.parquet"
    data = bytearray(path.read_bytes())
    start, end = _footer_span(bytes(data))
    column = b"track_id"
    where = bytes(data).find(column, start, end)
    data[where + len(column) - 1] ^= 0x01  # track_id -> track_ie
    path.write_bytes(bytes(data))
    renamed = pq.ParquetFile(path, page_checksum_verification=True).read().column_names
    assert "track_ie" in renamed  # what the reader alone would have trusted
    assert not load_dataset("sample", offline=True).from_cache
    pd.testing.assert_index_equal(
        load_dataset("sample", offline=True).tracks.columns,
        load_dataset("sample", offline=True, cache=False).tracks.columns,
    )
