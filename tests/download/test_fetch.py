"""fetch.py against a loopback server: resume, retries, Retry-After, timeouts, URL rules."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from mer_datasets.download.fetch import (
    RetryPolicy,
    check_url_allowed,
    fetch,
    is_loopback_host,
    parse_retry_after,
)
from mer_datasets.errors import DownloadError
from tests.download.conftest import sha

PAYLOAD = random.Random(7).randbytes(200_000)


def test_a_plain_download_writes_the_body_and_its_sha256(server, options, tmp_path):
    url = server.add_file("/f.bin", PAYLOAD)
    result = fetch(url, tmp_path / "f.part", options=options)
    assert (tmp_path / "f.part").read_bytes() == PAYLOAD
    assert result.sha256 == sha(PAYLOAD)
    assert result.size == len(PAYLOAD)
    assert [r.range for r in server.requests_for("/f.bin")] == [None]


def test_a_cut_stream_keeps_the_partial_and_the_next_call_asks_only_for_the_missing_bytes(
    server, options, tmp_path
):
    url = server.add_file("/f.bin", PAYLOAD)
    server.queue("/f.bin", ("cut", 70_000))
    single_try = replace(options, retry=RetryPolicy(attempts=1))
    with pytest.raises(DownloadError) as failure:
        fetch(url, tmp_path / "f.part", file_label="toy/f.bin", options=single_try)
    kept = (tmp_path / "f.part").stat().st_size
    assert 0 < kept <= 70_000
    assert url in str(failure.value) and "toy/f.bin" in str(failure.value)
    assert "resumes" in str(failure.value)

    result = fetch(url, tmp_path / "f.part", options=options)
    assert server.requests_for("/f.bin")[-1].range == f"bytes={kept}-"
    assert result.resumed_from == kept
    assert result.sha256 == sha(PAYLOAD)
    assert (tmp_path / "f.part").read_bytes() == PAYLOAD


def test_a_cut_stream_is_resumed_within_the_retries_of_one_call(server, options, tmp_path):
    url = server.add_file("/f.bin", PAYLOAD)
    server.queue("/f.bin", ("cut", 150_000))
    result = fetch(url, tmp_path / "f.part", options=options)
    ranges = [r.range for r in server.requests_for("/f.bin")]
    assert ranges[0] is None
    assert ranges[1] == f"bytes={result.resumed_from}-" and result.resumed_from > 0
    assert result.sha256 == sha(PAYLOAD)


def test_a_server_that_ignores_range_makes_the_download_restart_from_zero(
    server, options, tmp_path
):
    url = server.add_file("/f.bin", PAYLOAD)
    partial = tmp_path / "f.part"
    partial.write_bytes(PAYLOAD[:1234])
    server.queue("/f.bin", ("ignore-range",))
    result = fetch(url, partial, options=options)
    assert server.requests_for("/f.bin")[0].range == "bytes=1234-"
    assert result.resumed_from == 0
    assert partial.read_bytes() == PAYLOAD
    assert result.sha256 == sha(PAYLOAD)


def test_a_stale_partial_that_is_not_a_prefix_is_discarded_when_the_server_says_416(
    server, options, tmp_path
):
    url = server.add_file("/f.bin", PAYLOAD)
    partial = tmp_path / "f.part"
    partial.write_bytes(b"x" * 10)
    server.queue("/f.bin", ("status", 416, {}))
    result = fetch(url, partial, options=options)
    assert partial.read_bytes() == PAYLOAD
    assert result.sha256 == sha(PAYLOAD)


def test_404_fails_at_once_with_a_clear_message(server, options, sleeps, tmp_path):
    url = server.url("/missing.bin")
    with pytest.raises(DownloadError) as failure:
        fetch(url, tmp_path / "m.part", file_label="toy/missing.bin", options=options)
    message = str(failure.value)
    assert "404" in message and url in message and "toy/missing.bin" in message
    assert len(server.requests_for("/missing.bin")) == 1
    assert sleeps.delays == []


def test_403_fails_at_once_and_mentions_gating(server, options, tmp_path):
    url = server.add_file("/g.bin", PAYLOAD)
    server.queue("/g.bin", ("status", 403, {}))
    with pytest.raises(DownloadError, match="403.*gated"):
        fetch(url, tmp_path / "g.part", options=options)
    assert len(server.requests_for("/g.bin")) == 1


def test_a_500_is_retried_after_the_backoff_delay_and_then_succeeds(
    server, options, sleeps, tmp_path
):
    url = server.add_file("/f.bin", PAYLOAD)
    server.queue("/f.bin", ("status", 500, {}), ("status", 503, {}))
    result = fetch(url, tmp_path / "f.part", options=options)
    assert result.sha256 == sha(PAYLOAD)
    assert len(server.requests_for("/f.bin")) == 3
    assert sleeps.delays == [1.0, 2.0]  # base 1 s, factor 2, jitter * 0.0


def test_backoff_grows_exponentially_is_capped_and_adds_jitter():
    policy = RetryPolicy(backoff_base_s=0.5, backoff_factor=3.0, backoff_max_s=10.0, jitter=0.2)
    assert [policy.backoff(n, 0.0) for n in (1, 2, 3, 4)] == [0.5, 1.5, 4.5, 10.0]
    assert policy.backoff(2, 0.5) == pytest.approx(1.5 * 1.1)


def test_429_retry_after_seconds_is_honoured(server, options, sleeps, tmp_path):
    url = server.add_file("/f.bin", PAYLOAD)
    server.queue("/f.bin", ("status", 429, {"Retry-After": "7"}))
    fetch(url, tmp_path / "f.part", options=options)
    assert sleeps.delays == [7.0]


def test_retry_after_is_capped(server, options, sleeps, tmp_path):
    url = server.add_file("/f.bin", PAYLOAD)
    server.queue("/f.bin", ("status", 503, {"Retry-After": "86400"}))
    capped = replace(options, retry=replace(options.retry, retry_after_cap_s=30.0))
    fetch(url, tmp_path / "f.part", options=capped)
    assert sleeps.delays == [30.0]


def test_retry_after_accepts_an_http_date():
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(90.0)
    assert parse_retry_after("12", now=now) == 12.0
    assert parse_retry_after("not a date", now=now) is None


def test_timeouts_are_retried_then_raise_a_download_error_naming_url_and_file(
    server, options, sleeps, tmp_path
):
    url = server.add_file("/slow.bin", PAYLOAD)
    server.queue("/slow.bin", ("hang", 5.0), ("hang", 5.0))
    quick = replace(options, read_timeout_s=0.2, retry=replace(options.retry, attempts=2))
    with pytest.raises(DownloadError) as failure:
        fetch(url, tmp_path / "s.part", file_label="toy/slow.bin", options=quick)
    message = str(failure.value)
    assert url in message and "toy/slow.bin" in message and "2 attempt" in message
    assert len(server.requests_for("/slow.bin")) == 2
    assert sleeps.delays == [1.0]


def test_a_body_larger_than_the_catalog_size_is_discarded(server, options, tmp_path):
    url = server.add_file("/f.bin", PAYLOAD)
    with pytest.raises(DownloadError, match="larger than the catalog size"):
        fetch(url, tmp_path / "f.part", expected_size=1000, options=options)
    assert not (tmp_path / "f.part").exists()


def test_plain_http_is_refused_except_to_loopback_hosts():
    for allowed in (
        "https://example.org/a",
        "http://127.0.0.1:8/a",
        "http://localhost/a",
        "http://[::1]:80/a",
        "http://127.3.4.5/a",
    ):
        check_url_allowed(allowed)
    for refused in (
        "http://example.org/a",
        "ftp://example.org/a",
        "file:///etc/passwd",
        "http://10.0.0.1/a",
    ):
        with pytest.raises(DownloadError, match="only https"):
            check_url_allowed(refused)
    assert is_loopback_host("::1") and not is_loopback_host("example.org")


def test_a_redirect_to_plain_http_on_a_remote_host_is_refused(server, options, tmp_path):
    url = server.add_file("/r.bin", PAYLOAD)
    server.queue("/r.bin", ("redirect", "http://example.org/r.bin"))
    with pytest.raises(DownloadError, match="refusing redirect"):
        fetch(url, tmp_path / "r.part", options=options)


def test_a_redirect_to_a_loopback_url_is_followed(server, options, tmp_path):
    server.add_file("/real.bin", PAYLOAD)
    url = server.url("/alias.bin")
    server.queue("/alias.bin", ("redirect", "/real.bin"))
    result = fetch(url, tmp_path / "r.part", options=options)
    assert result.sha256 == sha(PAYLOAD)
    assert [r.path for r in server.log] == ["/alias.bin", "/real.bin"]


def test_the_progress_bar_is_off_when_stderr_is_not_a_tty(monkeypatch):
    from mer_datasets.download import fetch as fetch_module

    class NotATty:
        def isatty(self) -> bool:
            return False

    class ATty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(fetch_module.sys, "stderr", NotATty())
    assert fetch_module._progress_enabled(None) is False
    monkeypatch.setattr(fetch_module.sys, "stderr", ATty())
    assert fetch_module._progress_enabled(None) is True
    assert fetch_module._progress_enabled(False) is False


def test_connection_refused_is_retried_then_reported(options, sleeps, tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/nothing"
    with pytest.raises(DownloadError, match="3 attempt"):
        fetch(url, Path(tmp_path / "n.part"), options=options)
    assert sleeps.delays == [1.0, 2.0]


def test_the_ceiling_for_files_of_unknown_size_comes_from_the_environment(monkeypatch):
    from mer_datasets.download.fetch import DEFAULT_MAX_DOWNLOAD_BYTES, FetchOptions

    monkeypatch.delenv("MER_DATASETS_MAX_DOWNLOAD_BYTES", raising=False)
    assert FetchOptions().max_download_bytes == DEFAULT_MAX_DOWNLOAD_BYTES
    monkeypatch.setenv("MER_DATASETS_MAX_DOWNLOAD_BYTES", "12345")
    assert FetchOptions().max_download_bytes == 12345
    monkeypatch.setenv("MER_DATASETS_MAX_DOWNLOAD_BYTES", "lots")
    with pytest.raises(DownloadError, match="MER_DATASETS_MAX_DOWNLOAD_BYTES"):
        FetchOptions()


def test_a_body_of_unknown_size_above_the_ceiling_is_refused_and_not_kept(
    server, options, tmp_path
):
    url = server.add_file("/f.bin", PAYLOAD)
    partial = tmp_path / "f.part"
    with pytest.raises(DownloadError, match="limit of 1000 bytes"):
        fetch(url, partial, options=replace(options, max_download_bytes=1000))
    assert not partial.exists()


def test_a_206_answer_to_a_request_without_range_is_not_accepted(server, options, tmp_path):
    url = server.add_file("/f.bin", PAYLOAD)
    server.queue("/f.bin", ("status", 206, {}))
    result = fetch(url, tmp_path / "f.part", options=options)
    assert result.sha256 == sha(PAYLOAD)  # the retry got the whole body
