"""The Parquet cache: keyed by sources and loader, atomic, and never trusted when damaged."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from mer_datasets.dataset import load_dataset


def _entries(name: str) -> list[Path]:
    home = Path(os.environ["MER_DATASETS_HOME"])
    return sorted((home / "sample").glob(f"*/cache/*/{name}.parquet"))


def test_a_warm_load_reads_the_cache_and_equals_the_cold_load():
    cold = load_dataset("sample", offline=True)
    warm = load_dataset("sample", offline=True)
    assert not cold.from_cache and warm.from_cache
    for name in ("tracks", "raters", "annotations", "labels"):
        pd.testing.assert_frame_equal(getattr(warm, name), getattr(cold, name), check_exact=True)


def test_flipped_bytes_of_the_same_size_are_detected_by_page_checksums_and_rebuilt():
    cold = load_dataset("sample", offline=True)
    (entry,) = _entries("annotations")
    data = bytearray(entry.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    entry.write_bytes(bytes(data))
    again = load_dataset("sample", offline=True)
    assert not again.from_cache
    pd.testing.assert_frame_equal(again.annotations, cold.annotations, check_exact=True)


def test_an_entry_without_its_manifest_is_never_read():
    load_dataset("sample", offline=True)
    (entry,) = _entries("annotations")
    (entry.parent / "manifest.json").unlink()
    assert not load_dataset("sample", offline=True).from_cache


def test_cache_false_neither_reads_nor_writes():
    ds = load_dataset("sample", offline=True, cache=False)
    assert not ds.from_cache
    assert _entries("annotations") == []
