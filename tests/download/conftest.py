"""Fixtures for download tests: a loopback server, catalog entries, deterministic fetch options."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mer_datasets.catalog import DatasetInfo, catalog_from_entries
from mer_datasets.download.fetch import FetchOptions, RetryPolicy
from tests.download.server import LoopbackServer


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dataset_entry(
    remotes: list[dict[str, Any]],
    *,
    dataset_id: str = "toy",
    access: str = "open",
    version: str = "1.0",
    **extra: Any,
) -> dict[str, Any]:
    """A minimal catalog entry shaped like catalog.yaml's, with the given remotes."""
    entry: dict[str, Any] = {
        "id": dataset_id,
        "name": "Toy dataset",
        "year": 2024,
        "description": "synthetic entry for download tests",
        "homepage": "https://example.org/toy",
        "citation": "@misc{toy}",
        "license": "CC0-1.0",
        "access": access,
        "synthetic": True,
        "emotion_model": {
            "taxonomy": "dimensional",
            "perspective": "perceived",
            "temporal": "static",
        },
        "per_rater": False,
        "dimensions": [],
        "default_version": version,
        "versions": [{"version": version, "loader": None, "remotes": remotes, "files": {}}],
    }
    entry.update(extra)
    return entry


def info_from(entry: dict[str, Any]) -> DatasetInfo:
    return catalog_from_entries([entry], validate=False).get(entry["id"])


def file_remote(
    url: str | None,
    data: bytes,
    *,
    path: str = "data/table.csv",
    filename: str = "table.csv",
    pin: str | None = "match",
    source: str = "official",
) -> dict[str, Any]:
    """A kind=file remote; ``pin`` 'match' = the data's real hash, None = unknown, else given."""
    return {
        "url": url,
        "filename": filename,
        "kind": "file",
        "path": path,
        "size": len(data),
        "sha256": sha(data) if pin == "match" else pin,
        "checksum_source": source if pin is not None else "unknown",
    }


class SleepRecorder:
    """Injected instead of time.sleep: records the requested delays, never waits."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer().start()
    yield running
    running.stop()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def options(sleeps: SleepRecorder) -> FetchOptions:
    """3 attempts, backoff 1 s doubling, no jitter randomness, short timeouts, no progress bar."""
    return FetchOptions(
        connect_timeout_s=2.0,
        read_timeout_s=2.0,
        retry=RetryPolicy(attempts=3, backoff_base_s=1.0, backoff_factor=2.0, jitter=0.5),
        progress=False,
        sleep=sleeps,
        uniform=lambda: 0.0,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"
