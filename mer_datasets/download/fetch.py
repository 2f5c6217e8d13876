"""Stream one HTTP(S) URL to a partial file, hashing as it goes, with resume and retries.

Why these rules:
- The sha256 is computed in the same pass as the write, so a multi-GB archive is read once.
- An interrupted transfer keeps its partial file; the next attempt asks for the rest with
  ``Range: bytes=N-`` (RFC 9110 section 14.2). On ``206`` the existing bytes are re-hashed and
  the body appended; on ``200`` (server ignores ranges) the file restarts from zero.
- Transient failures (connection reset, timeouts, a body shorter than its ``Content-Length``,
  HTTP 429/500/502/503/504) are retried with exponential backoff and jitter; ``Retry-After``
  (RFC 9110 section 10.2.3: delay-seconds or an HTTP-date) is honoured up to a cap. The sleep
  and the random source are injectable so tests are deterministic and instant.
- 403/404 (and other 4xx) fail at once: retrying cannot fix a wrong or gated URL.
- Only ``https`` is accepted, except plain ``http`` to loopback hosts (local mirrors, tests);
  redirects are followed by hand so every hop is checked against the same rule.
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..errors import DownloadError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
USER_AGENT = "mer-datasets (+https://github.com/mer-datasets)"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait: delay = min(max, base * factor**(n-1)) * (1 + jitter*U)."""

    attempts: int = 5
    backoff_base_s: float = 1.0
    backoff_factor: float = 2.0
    backoff_max_s: float = 60.0
    jitter: float = 0.25
    retry_after_cap_s: float = 300.0

    def backoff(self, failures: int, uniform: float) -> float:
        """Delay after the ``failures``-th failed attempt (1-based); ``uniform`` in [0, 1)."""
        delay = self.backoff_base_s * self.backoff_factor ** max(failures - 1, 0)
        return min(delay, self.backoff_max_s) * (1.0 + self.jitter * uniform)


@dataclass(frozen=True)
class FetchOptions:
    """Network settings of a transfer; tests inject ``sleep`` and ``uniform`` for determinism."""

    connect_timeout_s: float = 15.0
    read_timeout_s: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    progress: bool | None = None
    chunk_size: int = 1 << 16
    sleep: Callable[[float], None] = time.sleep
    uniform: Callable[[], float] = random.random


@dataclass(frozen=True)
class FetchResult:
    """A completed transfer: the partial file now holds the whole body (not yet verified)."""

    url: str
    path: Path
    sha256: str
    size: int
    resumed_from: int


class _Retryable(Exception):
    """A failure worth another attempt; ``retry_after_s`` is the server's requested delay."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 (where plain http cannot be intercepted)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url_allowed(
    url: str, *, file_label: str = "", redirected_from: str | None = None
) -> None:
    """Refuse anything but https, and plain http except to a loopback host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" or (scheme == "http" and is_loopback_host(parts.hostname)):
        return
    what = f"redirect from {redirected_from} to {url}" if redirected_from else f"URL {url}"
    raise DownloadError(
        f"refusing {what}{_for(file_label)}: only https:// URLs are allowed (plain http only to "
        "localhost/127.0.0.0/8/::1 mirrors). Use an https mirror or `mer-datasets ingest`."
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date), else None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def _for(file_label: str) -> str:
    return f" (file {file_label})" if file_label else ""


def _progress_enabled(progress: bool | None) -> bool:
    """A bar only on an interactive stderr, and never when the caller said ``progress=False``."""
    if progress is False:
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def fetch(
    url: str,
    partial_path: Path,
    *,
    file_label: str = "",
    expected_size: int | None = None,
    options: FetchOptions | None = None,
    session: object | None = None,
) -> FetchResult:
    """Download ``url`` into ``partial_path`` (resuming it if it exists); return size and sha256.

    The caller verifies the hash and moves the file into place; on failure the partial file is
    kept for a later resume (except when it is known to be wrong, e.g. larger than expected).
    Raises :class:`DownloadError` naming the URL and ``file_label``.
    """
    import requests

    options = options or FetchOptions()
    policy = options.retry
    check_url_allowed(url, file_label=file_label)
    partial_path.parent.mkdir(parents=True, exist_ok=True)
    own_session = session is None
    http = requests.Session() if own_session else session
    http.headers.setdefault("User-Agent", USER_AGENT)  # type: ignore[attr-defined]
    last_problem = "no attempt made"
    try:
        for attempt in range(1, max(policy.attempts, 1) + 1):
            try:
                return _attempt(http, url, partial_path, file_label, expected_size, options)
            except _Retryable as problem:
                last_problem = str(problem)
                retry_after = problem.retry_after_s
            except (requests.ConnectionError, requests.Timeout) as problem:
                last_problem = f"{type(problem).__name__}: {problem}"
                retry_after = None
            except requests.RequestException as problem:
                last_problem = f"{type(problem).__name__}: {problem}"
                retry_after = None
            if attempt >= policy.attempts:
                break
            if retry_after is not None:
                delay = min(retry_after, policy.retry_after_cap_s)
            else:
                delay = policy.backoff(attempt, options.uniform())
            options.sleep(delay)
    finally:
        if own_session:
            http.close()  # type: ignore[attr-defined]
    kept = partial_path.stat().st_size if partial_path.exists() else 0
    resume_hint = (
        f" {kept} bytes are kept in {partial_path}; the next run resumes from there."
        if kept
        else ""
    )
    raise DownloadError(
        f"download of {url}{_for(file_label)} failed after {policy.attempts} attempt(s): "
        f"{last_problem}.{resume_hint} Check the network, retry later, or use --mirror / "
        "`mer-datasets ingest`."
    )


def _attempt(
    http: object,
    url: str,
    partial_path: Path,
    file_label: str,
    expected_size: int | None,
    options: FetchOptions,
) -> FetchResult:
    offset = partial_path.stat().st_size if partial_path.exists() else 0
    if expected_size is not None and offset > expected_size:
        partial_path.unlink()
        offset = 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    response = _get_following_redirects(http, url, headers, file_label, options)
    with response:
        status = response.status_code
        if status == 416 and offset:
            # Our partial is not a prefix the server can continue (often: it is already whole
            # but was never verified). Start again from zero on the next attempt.
            partial_path.unlink(missing_ok=True)
            raise _Retryable(f"HTTP 416 for Range bytes={offset}-; restarting from zero", 0.0)
        if status in RETRY_STATUSES:
            raise _Retryable(
                f"HTTP {status} {response.reason}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if status not in (200, 206):
            hint = {
                403: "access is forbidden (the file may be gated: see the dataset's how_to_obtain)",
                404: "the file is not at this URL (the catalog URL may be stale)",
            }.get(status, "the server refused the request")
            raise DownloadError(
                f"download of {url}{_for(file_label)} failed: HTTP {status} {response.reason}: "
                f"{hint}. Not retried. Use --mirror or `mer-datasets ingest` with a copy."
            )
        resumed_from = 0
        digest = hashlib.sha256()
        if status == 206 and offset:
            start = _content_range_start(response.headers.get("Content-Range"))
            if start != offset:
                partial_path.unlink(missing_ok=True)
                raise _Retryable(
                    f"server answered Range bytes={offset}- with Content-Range "
                    f"{response.headers.get('Content-Range')!r}; restarting from zero",
                    0.0,
                )
            _hash_existing(partial_path, digest, options.chunk_size)
            resumed_from = offset
            mode = "ab"
        else:
            mode = "wb"
        body_length = _int_header(response.headers.get("Content-Length"))
        total = (resumed_from + body_length) if body_length is not None else expected_size
        received = _stream_body(
            response,
            partial_path,
            mode,
            digest,
            resumed_from,
            total,
            expected_size,
            url,
            file_label,
            options,
        )
        if body_length is not None and received < body_length:
            raise _Retryable(
                f"connection closed after {received} of {body_length} bytes (partial kept)"
            )
        size = resumed_from + received
        return FetchResult(url, partial_path, digest.hexdigest(), size, resumed_from)


def _get_following_redirects(
    http: object, url: str, headers: dict[str, str], file_label: str, options: FetchOptions
) -> object:
    timeout = (options.connect_timeout_s, options.read_timeout_s)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response = http.get(  # type: ignore[attr-defined]
            current, headers=headers, stream=True, timeout=timeout, allow_redirects=False
        )
        if response.status_code not in REDIRECT_STATUSES:
            return response
        location = response.headers.get("Location")
        response.close()
        if not location:
            raise DownloadError(
                f"{current}{_for(file_label)}: HTTP {response.status_code} without Location"
            )
        target = urljoin(current, location)
        check_url_allowed(target, file_label=file_label, redirected_from=current)
        current = target
    raise DownloadError(f"{url}{_for(file_label)}: more than {MAX_REDIRECTS} redirects")


def _stream_body(
    response: object,
    partial_path: Path,
    mode: str,
    digest: object,
    already: int,
    total: int | None,
    expected_size: int | None,
    url: str,
    file_label: str,
    options: FetchOptions,
) -> int:
    import requests
    from tqdm.auto import tqdm

    received = 0
    bar = tqdm(
        total=total,
        initial=already,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=file_label or partial_path.name,
        disable=not _progress_enabled(options.progress),
        leave=False,
    )
    try:
        with partial_path.open(mode) as sink:
            try:
                for chunk in response.iter_content(options.chunk_size):  # type: ignore[attr-defined]
                    if not chunk:
                        continue
                    sink.write(chunk)
                    digest.update(chunk)  # type: ignore[attr-defined]
                    received += len(chunk)
                    bar.update(len(chunk))
                    if expected_size is not None and already + received > expected_size:
                        sink.close()
                        partial_path.unlink(missing_ok=True)
                        raise DownloadError(
                            f"download of {url}{_for(file_label)} is larger than the catalog "
                            f"size {expected_size} bytes; discarded. The remote file changed or "
                            "the URL is wrong."
                        )
            except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as cut:
                raise _Retryable(
                    f"connection broken after {already + received} bytes ({cut}); partial kept"
                ) from cut
    finally:
        bar.close()
    return received


def _hash_existing(path: Path, digest: object, chunk_size: int) -> None:
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)  # type: ignore[attr-defined]


def _content_range_start(value: str | None) -> int | None:
    """First byte of ``Content-Range: bytes START-END/TOTAL``."""
    if not value or not value.startswith("bytes "):
        return None
    try:
        return int(value[6:].split("-", 1)[0])
    except ValueError:
        return None


def _int_header(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
