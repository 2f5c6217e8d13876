"""Fixtures of the reliability suite, and the hook that writes its figures as JSON.

Figures go to ``test-artifacts/reliability/<topic>.json`` at the end of a session, but only for
topics whose test modules ran completely and passed (no failure, nothing deselected), so a
partial run (``-k``, ``-m "not slow"``) never overwrites the figures of a full one.
``scripts/gen_guarantees_doc.py`` renders docs/guarantees.md from those files.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from mer_datasets.download import store as store_module
from mer_datasets.download.fetch import FetchOptions, RetryPolicy
from tests.reliability import harness
from tests.reliability.faultserver import FaultServer

_incomplete_modules: set[str] = set()
_row_modules: dict[str, set[str]] = {}


class SleepLog:
    """Injected instead of time.sleep: records requested delays, waits a token 1 ms."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def quick_options(sleep: SleepLog | None = None, **overrides: object) -> FetchOptions:
    """3 attempts, no real waiting, short timeouts: a fault costs milliseconds, not minutes."""
    settings: dict[str, object] = {
        "connect_timeout_s": 2.0,
        "read_timeout_s": 0.5,
        "retry": RetryPolicy(attempts=3, backoff_base_s=0.001, backoff_max_s=0.01, jitter=0.0),
        "progress": False,
        "chunk_size": 1024,  # fixtures are KBs: small reads make mid-body faults resumable
        "sleep": sleep or SleepLog(),
        "uniform": lambda: 0.0,
    }
    settings.update(overrides)
    return FetchOptions(**settings)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[FaultServer]:
    running = FaultServer().start()
    yield running
    running.stop()


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


@pytest.fixture
def quick_default_fetch(monkeypatch: pytest.MonkeyPatch, sleeps: SleepLog) -> SleepLog:
    """``load_dataset`` takes no fetch options: patch the store's default (see report to lead)."""
    base = quick_options(sleeps)
    monkeypatch.setattr(
        store_module,
        "FetchOptions",
        functools.partial(
            FetchOptions,
            connect_timeout_s=base.connect_timeout_s,
            read_timeout_s=base.read_timeout_s,
            retry=base.retry,
            progress=False,
            chunk_size=base.chunk_size,
            sleep=sleeps,
            uniform=base.uniform,
        ),
    )
    return sleeps


@pytest.fixture(autouse=True)
def _current_module(request: pytest.FixtureRequest) -> Iterator[None]:
    before = {topic: len(rows) for topic, rows in harness.RESULTS.items()}
    yield
    for topic, rows in harness.RESULTS.items():
        if len(rows) > before.get(topic, 0):
            _row_modules.setdefault(topic, set()).add(request.node.module.__name__)


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.startswith("tests.reliability"):
            _incomplete_modules.add(item.module.__name__)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed or (report.skipped and report.when == "call"):
        module = report.nodeid.split("::")[0].removesuffix(".py").replace("/", ".")
        _incomplete_modules.add(module)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for topic, rows in harness.RESULTS.items():
        modules = _row_modules.get(topic, set())
        if modules & _incomplete_modules:
            continue
        harness.write_results(topic, rows)
