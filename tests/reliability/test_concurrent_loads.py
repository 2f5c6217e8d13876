"""Eight processes load one dataset from a cold cache at once: one transfer per file, one answer.

The processes start together (a starting-gun file after their imports), load through an http
mirror on the loopback server, and print the content digest of their tables. The server's log
shows how many times each file was sent, and how many body bytes.
"""

from __future__ import annotations

import json
import os
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


def _deam_home(tmp_path):
    """DEAM's fixture verified into a data home through a local mirror folder: (info, layout)."""
    from mer_datasets.download.layout import VersionLayout
    from mer_datasets.download.store import ensure_files

    entry, served = harness.pinned_entry("deam", None)
    mirror = tmp_path / "mirror"
    (mirror / "deam").mkdir(parents=True)
    for filename, data in served.items():
        (mirror / "deam" / filename).write_bytes(data)
    info = harness.catalog_of(entry).get("deam")
    home = tmp_path / "home"
    files = ensure_files(info, data_home=home, mirror=str(mirror), progress=False)
    optional = sorted(m.path for r in info.version().remotes for m in r.members if m.optional)
    assert optional and set(optional) <= set(files.members)
    return info, VersionLayout(home, "deam", info.default_version), optional


def test_a_load_while_another_process_installs_optional_files_waits_and_sees_all_of_them(
    tmp_path, monkeypatch
):
    """The race behind different digests from eight concurrent first loads, made deterministic.

    Another holder of the dataset lock has installed the required files but not yet the optional
    ones. A lock-free reader used to settle "optional and absent" at once and build tables from a
    partial set; now it waits for the holder and sees every file the holder installs.
    """
    import threading

    from filelock import FileLock

    from mer_datasets.download import verified
    from mer_datasets.download.state import read_state, write_state

    info, layout, optional = _deam_home(tmp_path)
    full = read_state(layout.state_path)
    saved = {path: layout.member_path(path).read_bytes() for path in optional}
    for path in optional:
        layout.member_path(path).unlink()
    write_state(layout.state_path, {k: v for k, v in full.items() if k not in optional})

    reader_waits = threading.Event()
    real_lock = getattr(verified, "dataset_lock", None)  # (absent before the fix)

    def observed_lock(*args, **kwargs):
        reader_waits.set()
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(verified, "dataset_lock", observed_lock, raising=False)
    holder_has_lock = threading.Event()
    reader_returned = threading.Event()

    def finish_installing():
        holder = FileLock(str(layout.lock_path))  # another lock object: excludes like a process
        holder.acquire()  # (filelock's locks are per thread: taken and released here)
        holder_has_lock.set()
        try:
            while not (reader_waits.wait(timeout=0.01) or reader_returned.is_set()):
                pass
            for path, data in saved.items():
                target = layout.member_path(path)
                target.write_bytes(data)
                os.utime(target, ns=(full[path].mtime_ns, full[path].mtime_ns))
            write_state(layout.state_path, full)
        finally:
            holder.release()

    thread = threading.Thread(target=finish_installing)
    thread.start()
    assert holder_has_lock.wait(timeout=30)
    try:
        files = verified.verified_files(info, data_home=layout.root.parents[1])
    finally:
        reader_returned.set()
        thread.join(timeout=60)
    assert files is not None
    assert set(optional) <= set(files.members)


def test_an_absent_optional_file_is_settled_once_nobody_holds_the_lock(tmp_path):
    """With the lock free, an absent optional member is absent for good: no wait, no error,
    and files that are all present are answered without taking the lock at all."""
    from mer_datasets.download import verified
    from mer_datasets.download.state import read_state, write_state

    info, layout, optional = _deam_home(tmp_path)
    home = layout.root.parents[1]
    layout.lock_path.unlink(missing_ok=True)
    complete = verified.verified_files(info, data_home=home)
    assert complete is not None and set(optional) <= set(complete.members)
    assert not layout.lock_path.exists()  # the all-present answer is lock-free

    full = read_state(layout.state_path)
    layout.member_path(optional[0]).unlink()
    write_state(layout.state_path, {k: v for k, v in full.items() if k != optional[0]})
    settled = verified.verified_files(info, data_home=home)
    assert settled is not None
    assert optional[0] not in settled.members
    assert set(complete.members) - set(settled.members) == {optional[0]}
