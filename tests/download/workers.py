"""Child-process entry points for the multi-process download test (importable under spawn)."""

from __future__ import annotations

from typing import Any


def download_in_child(entry: dict[str, Any], home: str, barrier: Any, results: Any) -> None:
    """Wait for the sibling, then download the dataset; report (fetched, reused, sha256)."""
    from mer_datasets.catalog import catalog_from_entries
    from mer_datasets.download.fetch import FetchOptions
    from mer_datasets.download.store import download_dataset

    info = catalog_from_entries([entry], validate=False).get(entry["id"])
    barrier.wait(timeout=60)
    summary = download_dataset(
        info, data_home=home, fetch_options=FetchOptions(progress=False, read_timeout_s=30)
    )
    results.put((summary.fetched, summary.reused, dict(summary.files.sha256)))
