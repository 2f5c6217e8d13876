"""Every network fault ends in verified data or a clear error, through all three entry points.

For each fault of the table below and each way in (``download_dataset`` with explicit fetch
options, ``load_dataset`` from the catalog URL, ``load_dataset`` through an http mirror), the test
asserts the expected outcome, then that the data home holds nothing a later run could trust
wrongly: every file at a final path has its pinned sha256, ``state.json`` records only those, an
offline load either returns the reference tables or raises OfflineError, and an online retry
against a healthy server returns the reference tables.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mer_datasets.dataset import load_dataset
from mer_datasets.download.store import download_dataset
from mer_datasets.errors import (
    ChecksumMismatchError,
    DownloadError,
    MERDatasetsError,
    OfflineError,
)
from tests.reliability import harness
from tests.reliability.conftest import quick_options

DATASET = "trompa-mer"
TARGET = "data_20_09_2024.json"
MEMBER = "data/data_20_09_2024.json"
PATHS = ("download_dataset", "load_dataset", "mirror")


@dataclass(frozen=True)
class Fault:
    """A fault on the target file: what the server does, and what the user must get."""

    name: str
    description: str
    queue: tuple[tuple, ...] = ()
    always: tuple | None = None
    error: type[MERDatasetsError] | None = None  # None: verified data expected
    says: tuple[str, ...] = ()  # words the error message must contain (besides the file)
    extra: dict[str, Any] = field(default_factory=dict)


def corrupt(data: bytes) -> bytes:
    return data[:100] + bytes(b ^ 0xFF for b in data[100:200]) + data[200:]


FAULTS = (
    Fault(
        "reset-mid-body",
        "TCP reset after 3000 bytes",
        queue=(("reset", 3000),),
        extra={"resumed": True},
    ),
    Fault(
        "short-body",
        "body shorter than Content-Length",
        queue=(("short", 3000),),
        extra={"resumed": True},
    ),
    Fault(
        "slow-drip",
        "body in 5 pieces, 0.1 s apart (under the read timeout)",
        queue=(("drip", 5, 0.1),),
    ),
    Fault(
        "429-retry-after",
        "429 with Retry-After: 7",
        queue=(("status", 429, {"Retry-After": "7"}),),
        extra={"slept": 7.0},
    ),
    Fault("429", "429 without Retry-After", queue=(("status", 429, {}),)),
    Fault("500", "500 once", queue=(("status", 500, {}),)),
    Fault(
        "503-retry-after-date",
        "503 with an HTTP-date Retry-After",
        queue=(("status", 503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),),
        extra={"slept": 0.0},
    ),
    Fault(
        "503-always",
        "503 on every attempt",
        always=("status", 503, {}),
        error=DownloadError,
        says=("HTTP 503", "3 attempt"),
    ),
    Fault("redirect-chain", "302 -> 301 -> 307 -> file", queue=(("redirect", "/hop1", 302),)),
    Fault(
        "redirect-loop",
        "a redirect to itself, forever",
        always=("redirect", "SELF", 302),
        error=DownloadError,
        says=("redirects",),
    ),
    Fault(
        "redirect-to-plain-http",
        "302 to http://example.invalid/ (not loopback)",
        queue=(("redirect", "http://example.invalid/x.json", 302),),
        error=DownloadError,
        says=("refusing redirect", "only https"),
    ),
    Fault(
        "range-ignored",
        "reset, then 200 (whole body) to the Range request",
        queue=(("reset", 3000), ("ignore-range",)),
        extra={"resumed": True},
    ),
    Fault(
        "range-wrong-bytes",
        "reset, then 206 with other bytes: caught by the final sha256",
        queue=(("reset", 3000), ("wrong-range",)),
        extra={"resumed": True},
        error=ChecksumMismatchError,
        says=("sha256 mismatch", "quarantine"),
    ),
    Fault(
        "checksum-mismatch",
        "the server sends other bytes of the same size",
        always=("body", "CORRUPT"),
        error=ChecksumMismatchError,
        says=("sha256 mismatch", "quarantine"),
    ),
    Fault(
        "hang",
        "the server never answers (read timeout)",
        always=("hang",),
        error=DownloadError,
        says=("timed out", "3 attempt"),
    ),
    Fault(
        "404",
        "404: not retried",
        always=("status", 404, {}),
        error=DownloadError,
        says=("HTTP 404", "Not retried"),
    ),
    Fault(
        "longer-than-catalog-size",
        "more bytes than the catalog's size",
        always=("body", "LONGER"),
        error=DownloadError,
        says=("larger than the catalog size",),
    ),
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The tables of a clean load, and the pins of every member."""
    from tests.reliability.faultserver import FaultServer

    server = FaultServer().start()
    try:
        entry, served = harness.pinned_entry(DATASET, server.base)
        harness.serve_entry(server, DATASET, served)
        home = tmp_path_factory.mktemp("reference-home")
        dataset = load_dataset(DATASET, catalog=harness.catalog_of(entry), data_home=home)
    finally:
        server.stop()
    pins = {r["path"]: r["sha256"] for r in entry["versions"][0]["remotes"]}
    return {"digest": harness.table_digest(dataset.tables), "pins": pins, "served": served}


def _arrange(
    server: Any, fault: Fault, way: str, served: dict[str, bytes]
) -> tuple[Any, str | None]:
    prefix = "/m" if way == "mirror" else ""
    entry, _ = harness.pinned_entry(DATASET, None if way == "mirror" else server.base)
    harness.serve_entry(server, DATASET, served, prefix=prefix)
    target = f"{prefix}/{DATASET}/{TARGET}"
    data = served[TARGET]
    server.add("/hop3", data)
    server.set_always("/hop1", ("redirect", "/hop2", 301))
    server.set_always("/hop2", ("redirect", "/hop3", 307))
    server.queue(target, *fault.queue)
    if fault.always is not None:
        behaviour = fault.always
        if behaviour == ("redirect", "SELF", 302):
            behaviour = ("redirect", target, 302)
        elif behaviour == ("body", "CORRUPT"):
            behaviour = ("body", corrupt(data))
        elif behaviour == ("body", "LONGER"):
            behaviour = ("body", data + b" " * 500)
        server.set_always(target, behaviour)
    return harness.catalog_of(entry), (server.base + "/m" if way == "mirror" else None)


def _run(way: str, catalog: Any, home: Path, mirror: str | None, sleeps: Any) -> Any:
    if way == "download_dataset":
        info = catalog.get(DATASET)
        return download_dataset(info, data_home=home, fetch_options=quick_options(sleeps))
    return load_dataset(DATASET, catalog=catalog, data_home=home, mirror=mirror)


def assert_nothing_untrustworthy(home: Path, pins: dict[str, str]) -> list[str]:
    """Final paths hold only pinned bytes and state.json records only those; returns members."""
    root = home / DATASET
    version_dirs = [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
    present = []
    for version_dir in version_dirs:
        files = version_dir / "files"
        for path in sorted(files.rglob("*")) if files.is_dir() else []:
            if path.is_file():
                member = path.relative_to(files).as_posix()
                assert harness.sha(path.read_bytes()) == pins[member], member
                present.append(member)
        state = version_dir / "state.json"
        if state.is_file():
            for member, record in json.loads(state.read_text())["files"].items():
                assert record["sha256"] == pins[member], member
                assert member in present
    return present


@pytest.mark.parametrize("way", PATHS)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_each_fault_gives_verified_data_or_a_clear_error_and_leaves_nothing_trusted_wrongly(
    fault, way, server, sleeps, quick_default_fetch, reference, tmp_path, monkeypatch
):
    catalog, mirror = _arrange(server, fault, way, reference["served"])
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def recording_getaddrinfo(host, *args, **kwargs):
        looked_up.append(str(host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    home = tmp_path / "home"
    if fault.error is None:
        result = _run(way, catalog, home, mirror, sleeps)
        if way != "download_dataset":
            assert harness.table_digest(result.tables) == reference["digest"]
        outcome = "verified"
    else:
        with pytest.raises(fault.error) as failure:
            _run(way, catalog, home, mirror, sleeps)
        message = str(failure.value)
        assert TARGET in message, message
        for words in fault.says:
            assert words.lower() in message.lower(), (words, message)
        outcome = f"clear error ({fault.error.__name__})"
    assert "example.invalid" not in looked_up
    if "slept" in fault.extra:
        assert sleeps.delays and sleeps.delays[0] == fault.extra["slept"]
    if fault.extra.get("resumed"):
        target = f"{'/m' if way == 'mirror' else ''}/{DATASET}/{TARGET}"
        asked = [r.range for r in server.served(target)]
        assert asked[0] is None and asked[1] is not None and asked[1].startswith("bytes=")
    present = assert_nothing_untrustworthy(home, reference["pins"])
    assert (MEMBER in present) == (fault.error is None)

    # a later offline run trusts only verified files
    try:
        later = load_dataset(DATASET, catalog=catalog, data_home=home, offline=True)
        offline_outcome = "same tables"
        assert harness.table_digest(later.tables) == reference["digest"]
    except OfflineError as refused:
        offline_outcome = "OfflineError"
        assert fault.error is not None and MEMBER in str(refused)
    # and a later online run against a healthy server recovers on its own
    server.queued.clear()
    server.always.clear()
    healed = load_dataset(DATASET, catalog=catalog, data_home=home, mirror=mirror)
    assert harness.table_digest(healed.tables) == reference["digest"]
    assert_nothing_untrustworthy(home, reference["pins"])
    harness.record(
        "faults",
        fault=fault.name,
        description=fault.description,
        way=way,
        outcome=outcome,
        later_offline=offline_outcome,
        later_online="same tables",
    )
