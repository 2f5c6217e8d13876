"""One inter-process lock per dataset (``<home>/<id>/.lock``), so two runs never fetch twice.

Why per dataset and held for the whole operation: the second process waits, then finds the
first's verified files in ``state.json`` and reuses them instead of transferring them again.
Lock objects are cached per path so that nested use in one thread is re-entrant (``filelock``
counts acquisitions of one object; two objects on one path would deadlock each other).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import MERDatasetsError

DEFAULT_TIMEOUT_S = 6 * 3600.0
_locks: dict[str, object] = {}
_locks_guard = threading.Lock()


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _lock_for(path: Path) -> object:
    from filelock import FileLock

    key = str(path.resolve())
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = FileLock(key)
        return lock


@contextmanager
def dataset_lock(
    lock_path: Path,
    *,
    dataset_id: str = "",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    poll_s: float = 0.1,
    notify: Callable[[str], None] = _stderr,
) -> Iterator[None]:
    """Hold the dataset's lock; say so once if another process has it; give up after timeout."""
    from filelock import Timeout

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_for(lock_path)
    try:
        lock.acquire(timeout=0)  # type: ignore[attr-defined]
    except Timeout:
        notify(
            f"mer-datasets: waiting for another process working on dataset {dataset_id!r} "
            f"(lock {lock_path}, up to {timeout_s:.0f} s)..."
        )
        try:
            lock.acquire(timeout=timeout_s, poll_interval=poll_s)  # type: ignore[attr-defined]
        except Timeout:
            raise MERDatasetsError(
                f"dataset {dataset_id!r}: another process held {lock_path} for more than "
                f"{timeout_s:.0f} s. If no mer-datasets process is running, delete that file."
            ) from None
    try:
        yield
    finally:
        lock.release()  # type: ignore[attr-defined]
