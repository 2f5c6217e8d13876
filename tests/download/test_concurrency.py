"""Two processes downloading one dataset at once: both succeed, the bytes cross the wire once."""

from __future__ import annotations

import multiprocessing
import random

import pytest

from tests.download.conftest import dataset_entry, file_remote, sha
from tests.download.workers import download_in_child

pytestmark = pytest.mark.slow  # the slow tier: run by .ci/run and the README's test command

PAYLOAD = random.Random(5).randbytes(400_000)


def test_a_second_process_waits_for_the_lock_and_reuses_the_verified_file(server, home):
    url = server.add_file("/big.bin", PAYLOAD)
    server.queue("/big.bin", ("slow", 0.3), ("slow", 0.3))
    entry = dataset_entry([file_remote(url, PAYLOAD, path="big.bin", filename="big.bin")])
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    children = [
        context.Process(target=download_in_child, args=(entry, str(home), barrier, results))
        for _ in range(2)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    assert sorted(fetched for fetched, _, _ in outcomes) == [[], ["big.bin"]]
    assert sorted(reused for _, reused, _ in outcomes) == [[], ["big.bin"]]
    assert all(hashes == {"big.bin": sha(PAYLOAD)} for _, _, hashes in outcomes)
    assert len(server.requests_for("/big.bin")) == 1
    assert (home / "toy" / "1.0" / "files" / "big.bin").read_bytes() == PAYLOAD
