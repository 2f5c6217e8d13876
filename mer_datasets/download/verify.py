"""Hashing and the pin policy: how much a catalog checksum is trusted depends on who published it.

Policy (see the catalog's ``checksum_source``):
- ``official`` / ``authors-repository``: the publishers' own hash (or a hash of the file in the
  authors' version-controlled repository). A mismatch means the file is not the published one:
  :class:`ChecksumMismatchError`, the file is never used.
- ``third-party`` (or ``unknown`` with a hash, e.g. computed by us from a mirror): a mismatch may
  just be a silent re-upload; warn loudly with :class:`ChecksumWarning` and continue.
- no hash: trust on first use (TOFU, as SSH does with host keys). The first accepted hash is
  recorded in ``state.json``; any later difference from that record is an error.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

from ..errors import ChecksumMismatchError, ChecksumWarning, CorruptFileWarning  # noqa: F401 (re-export)

ENFORCED_SOURCES = frozenset({"official", "authors-repository"})
CHUNK_BYTES = 1 << 20

#: Outcomes of :func:`check_pin`.
PIN_OK = "ok"  # equals the catalog pin
PIN_WARNED = "warned"  # differs from a third-party pin; a ChecksumWarning was issued
PIN_TOFU = "tofu"  # no catalog pin; equals the recorded hash or is recorded now


def sha256_file(path: str | Path, chunk_bytes: int = CHUNK_BYTES) -> str:
    """Hex sha256 of a file, read in chunks so any size fits in memory."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def check_pin(
    file_label: str,
    actual: str,
    *,
    expected: str | None,
    checksum_source: str,
    recorded: str | None = None,
    checksum_note: str | None = None,
    dataset_id: str | None = None,
    warn: bool = True,
) -> str:
    """Apply the pin policy to a file whose sha256 is ``actual``; return PIN_OK/WARNED/TOFU.

    ``expected`` is the catalog pin (None = unknown), ``recorded`` the hash accepted earlier
    (from ``state.json``). Raises :class:`ChecksumMismatchError` when the file must not be used.
    """
    actual = actual.lower()
    expected = expected.lower() if expected else None
    recorded = recorded.lower() if recorded else None
    where = f"dataset {dataset_id!r}, file {file_label!r}" if dataset_id else f"file {file_label!r}"
    note = f" ({checksum_note})" if checksum_note else ""
    if expected is not None and actual == expected:
        return PIN_OK
    if expected is not None and checksum_source in ENFORCED_SOURCES:
        raise ChecksumMismatchError(
            f"{where}: sha256 mismatch against the {checksum_source} pin{note}: expected "
            f"{expected}, got {actual}. The file is not the published one and was not used; "
            "retry the download, or report a changed upstream file.",
            path=file_label,
            expected=expected,
            actual=actual,
            checksum_source=checksum_source,
        )
    if recorded is not None and actual != recorded:
        raise ChecksumMismatchError(
            f"{where}: sha256 {actual} differs from {recorded}, the hash recorded when this file "
            "was first verified (trust on first use). The file changed; if the change is "
            "expected, delete the dataset version folder and download again.",
            path=file_label,
            expected=recorded,
            actual=actual,
            checksum_source="recorded",
        )
    if expected is not None:
        if warn:
            warnings.warn(
                ChecksumWarning(
                    f"{where}: sha256 {actual} differs from the {checksum_source} pin "
                    f"{expected}{note}. A third-party hash may be stale (the file may have been "
                    "re-uploaded); continuing, but check the data."
                ),
                stacklevel=2,
            )
        return PIN_WARNED
    return PIN_TOFU
