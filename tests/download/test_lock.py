"""lock.py: a held dataset lock makes the next caller say it waits, then time out clearly."""

from __future__ import annotations

import threading

import pytest

from mer_datasets.download.lock import dataset_lock
from mer_datasets.errors import MERDatasetsError


def test_a_waiting_caller_is_told_why_and_gives_up_after_the_timeout(tmp_path):
    lock_path = tmp_path / "toy" / ".lock"
    held, done = threading.Event(), threading.Event()

    def holder() -> None:
        with dataset_lock(lock_path, dataset_id="toy"):
            held.set()
            done.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    messages: list[str] = []
    try:
        with (
            pytest.raises(MERDatasetsError, match="another process held"),
            dataset_lock(lock_path, dataset_id="toy", timeout_s=0.2, notify=messages.append),
        ):
            pass
    finally:
        done.set()
        thread.join()
    assert len(messages) == 1 and "waiting" in messages[0] and str(lock_path) in messages[0]
    with dataset_lock(lock_path, dataset_id="toy", timeout_s=1, notify=messages.append):
        pass
    assert len(messages) == 1


def test_the_lock_is_reentrant_in_one_thread(tmp_path):
    lock_path = tmp_path / ".lock"
    with dataset_lock(lock_path, timeout_s=0.2), dataset_lock(lock_path, timeout_s=0.2):
        assert lock_path.exists()
