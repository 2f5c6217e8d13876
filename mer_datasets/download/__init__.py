"""Verified downloads: fetch, verify, extract, lock, record state, ingest, and the store on top.

One module per concern (after pooch's layout): ``fetch`` streams HTTP with resume and retries,
``verify`` hashes and applies the pin policy, ``extract`` unpacks archives safely, ``lock``
serializes processes per dataset, ``state`` records what was verified, ``ingest`` registers
hand-obtained files, and ``store`` puts them together (``ensure_files``, ``verify_dataset``).
The public names below are imported lazily so that ``import mer_datasets`` stays light.
"""

from __future__ import annotations

from ..lazy import lazy_exports

__all__ = [
    "ExtractionLimits",
    "FetchOptions",
    "RetryPolicy",
    "download_dataset",
    "ensure_files",
    "ingest_dataset",
    "verified_files",
    "verify_dataset",
]

_EXPORTS = {
    "ensure_files": "store",
    "download_dataset": "store",
    "verify_dataset": "store",
    "ingest_dataset": "ingest",
    "verified_files": "verified",
    "FetchOptions": "fetch",
    "RetryPolicy": "fetch",
    "ExtractionLimits": "extract",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
