"""Eight processes load one dataset from a cold cache at once: one transfer per file, one answer.

The processes start together (a starting-gun file after their imports), load through an http
mirror on the loopback server, and print the content digest of their tables. The server's log
shows how many times each file was sent, and how many body bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.reliability import harness
from tests.reliability.faultserver import FaultServer

pytestmark = pytest.mark.slow  # the slow tier: run by .ci/run and the README's test command

PROCESSES = 8
DATASETS = ("trompa-mer", "deam")  # plain files and zip archives


def test_eight_processes_loading_one_dataset_transfer_each_file_once_and_agree(tmp_path):
    for dataset_id in DATASETS:
        server = FaultServer().start()
        try:
            entry, served = harness.pinned_entry(dataset_id, None)
            harness.serve_entry(server, dataset_id, served)
            for filename in served:  # slow enough that the processes overlap
                server.set_always(f"/{dataset_id}/{filename}", ("drip", 4, 0.05))
            entry_file = tmp_path / f"{dataset_id}.json"
            entry_file.write_text(json.dumps(entry))
            home = tmp_path / f"home-{dataset_id}"
            gun = tmp_path / f"go-{dataset_id}"
            children = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.reliability.child",
                        str(entry_file),
                        str(home),
                        "--mirror",
                        server.base,
                        "--wait-for",
                        str(gun),
                    ],
                    cwd=harness.REPO_ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for _ in range(PROCESSES)
            ]
            time.sleep(0.5)
            gun.write_text("go")
            outputs = [child.communicate(timeout=240) for child in children]
            codes = [child.returncode for child in children]
            assert codes == [0] * PROCESSES, [err.decode()[-2000:] for _, err in outputs]
            digests = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
            assert all(d == digests[0] for d in digests)
            transfers = {name: len(server.served(f"/{dataset_id}/{name}")) for name in served}
            assert transfers == dict.fromkeys(served, 1)
            for name, data in served.items():
                assert server.bytes_sent(f"/{dataset_id}/{name}") == len(data)
            harness.record(
                "concurrency",
                dataset=dataset_id,
                processes=PROCESSES,
                files=len(served),
                transfers=sum(transfers.values()),
                bytes_sent=sum(server.bytes_sent(f"/{dataset_id}/{n}") for n in served),
                bytes_in_files=sum(len(d) for d in served.values()),
                errors=sum(code != 0 for code in codes),
                distinct_results=len({json.dumps(d, sort_keys=True) for d in digests}),
            )
        finally:
            server.stop()
