"""SIGKILL while downloading, extracting or caching: the next run recovers on its own.

A child process (``tests/reliability/child.py``) loads a dataset; the parent waits until the
child is inside the phase (a partial download exists, the extraction folder exists, or the
loader started), waits a seeded random delay shorter than the phase, checks the child is still
running and kills it with SIGKILL. A new ``load_dataset`` in the parent must then succeed without
any manual cleanup and return tables whose content digest equals a clean run's, twice (the second
time from whatever cache the first left), with only pinned bytes at final paths.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mer_datasets.dataset import load_dataset
from tests.reliability import harness
from tests.reliability.faultserver import FaultServer

pytestmark = pytest.mark.slow  # the slow tier: run by .ci/run and the README's test command

EXTRACT_PADDING = 48 * 1024 * 1024  # a stored 48 MB member: extraction + hashing take a while


@dataclass(frozen=True)
class Phase:
    name: str
    dataset: str
    max_delay_s: float  # kills land uniformly in [0, max_delay_s] after the phase starts


PHASES = {
    "download": Phase("download", "trompa-mer", 0.8),  # body dripped over ~1.2 s
    "extract": Phase("extract", "mirex-like", 0.15),
    "cache": Phase("cache", "trompa-mer", 0.8),  # parse sleeps 0.5 s, each table write 0.1 s
}


def _marker(phase: Phase, home: Path, entry: dict[str, Any]) -> Path:
    root = home / phase.dataset / str(entry["default_version"])
    if phase.name == "download":
        return root / ".tmp" / "data_20_09_2024.json.part"
    if phase.name == "extract":
        return root / ".tmp" / "extract"
    return home / "parse-started"


@pytest.fixture(scope="module")
def setups(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Per phase: catalog entry, served files, reference digest, and a template home."""
    work = tmp_path_factory.mktemp("crash-setup")
    server = FaultServer().start()
    prepared: dict[str, Any] = {}
    try:
        for phase in PHASES.values():
            padding = EXTRACT_PADDING if phase.name == "extract" else 0
            entry, served = harness.pinned_entry(phase.dataset, None, padding=padding)
            harness.serve_entry(server, phase.dataset, served)
            entry_file = work / f"{phase.name}.json"
            entry_file.write_text(json.dumps(entry))
            home = work / f"{phase.name}-clean"
            clean = load_dataset(
                phase.dataset,
                catalog=harness.catalog_of(entry),
                data_home=home,
                mirror=server.base,
                cache=phase.name != "cache",
            )
            pins = {
                m.path: m.sha256
                for m in harness.catalog_of(entry).get(phase.dataset).version().members()
            }
            prepared[phase.name] = {
                "entry": entry,
                "entry_file": entry_file,
                "served": served,
                "digest": harness.table_digest(clean.tables),
                "template": home,
                "pins": pins,
            }
            if phase.name == "extract":
                shutil.rmtree(home)  # 100 MB; each run starts from an empty home anyway
    finally:
        server.stop()
    return prepared


def crash_run(phase_name: str, seed: int, setups: dict[str, Any], work: Path) -> dict[str, Any]:
    """One kill at a seeded point of one phase, then recovery; returns the result row."""
    phase = PHASES[phase_name]
    setup = setups[phase_name]
    rng = random.Random(seed)
    delay = rng.uniform(0.0, phase.max_delay_s)
    home = work / f"{phase_name}-{seed}"
    server = FaultServer().start()
    harness.serve_entry(server, phase.dataset, setup["served"])
    env = dict(os.environ)
    if phase_name == "download":
        server.set_always(f"/{phase.dataset}/data_20_09_2024.json", ("drip", 24, 0.05))
    if phase_name == "cache":
        shutil.copytree(setup["template"], home)
        env.update(MER_RELIABILITY_SLOW_PARSE="0.5", MER_RELIABILITY_SLOW_WRITE="0.1")
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.child",
            str(setup["entry_file"]),
            str(home),
            "--mirror",
            server.base,
        ],
        cwd=harness.REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        marker = _marker(phase, home, setup["entry"])
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None:
            assert time.monotonic() < deadline, f"{phase_name}: phase never started"
            time.sleep(0.002)
        if child.poll() is None:
            time.sleep(delay)
        # a loaded machine may let the child finish the phase (or the whole load) before the
        # kill lands: that run is recorded as not killed mid-phase, and still must recover
        alive = child.poll() is None
        if alive:
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if not alive:
            assert child.returncode == 0, child.stderr.read().decode()  # type: ignore[union-attr]
        server.always.clear()
        catalog = harness.catalog_of(setup["entry"])
        first = load_dataset(phase.dataset, catalog=catalog, data_home=home, mirror=server.base)
        second = load_dataset(phase.dataset, catalog=catalog, data_home=home, mirror=server.base)
        assert harness.table_digest(first.tables) == setup["digest"], (phase_name, seed)
        assert harness.table_digest(second.tables) == setup["digest"], (phase_name, seed)
        files = home / phase.dataset / str(setup["entry"]["default_version"]) / "files"
        for path in files.rglob("*"):
            if path.is_file():
                member = path.relative_to(files).as_posix()
                assert harness.sha(path.read_bytes()) == setup["pins"][member], member
        return {
            "phase": phase_name,
            "seed": seed,
            "delay_s": round(delay, 4),
            "killed_mid_phase": alive,
            "recovered_identical": True,
        }
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _run_many(runs: list[tuple[str, int]], setups: dict[str, Any], work: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(lambda run: crash_run(run[0], run[1], setups, work), runs))
    for row in rows:
        harness.record("crash", **row)
    assert all(row["recovered_identical"] for row in rows)
    for phase in {phase for phase, _ in runs}:
        mine = [row for row in rows if row["phase"] == phase]
        killed = sum(row["killed_mid_phase"] for row in mine)
        # most kills must land inside the phase, or the test would not test crash recovery
        assert killed >= 0.75 * len(mine), (
            f"{phase}: only {killed} of {len(mine)} kills landed mid-phase"
        )


def test_a_kill_in_each_phase_is_recovered_by_the_next_run_with_identical_tables(setups, tmp_path):
    _run_many([(phase, seed) for phase in PHASES for seed in (1, 2)], setups, tmp_path)


@pytest.mark.slow
def test_sixty_kills_at_seeded_random_points_are_all_recovered(setups, tmp_path):
    """18 more runs per phase (60 in all with the quick test), two at a time."""
    runs = [(phase, seed) for seed in range(100, 118) for phase in PHASES]
    _run_many(runs, setups, tmp_path)
