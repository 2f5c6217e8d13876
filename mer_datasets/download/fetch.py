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
- Bounded: a body may not exceed the catalog size, else ``max_download_bytes`` (configurable,
  ``$MER_DATASETS_MAX_DOWNLOAD_BYTES``); bodies are requested and accepted only in the
  ``identity`` encoding (a gzip "bomb" is never decoded); free space is checked before a
  transfer of known size; a full disk is an error naming the file. A failed transfer of a body
  that can never be right (too large, encoded, disk full, 206 to a request without Range) leaves
  no ``.part`` behind.
- Deadlines: the read timeout restarts with every byte, so a server that drips 1 byte/s (or
  sends its headers that slowly) would never time out. A watchdog ends any attempt that is
  slower on average than ``min_rate_bytes_per_s`` after a grace of ``deadline_grace_s``: the
  deadline of an N-byte transfer is ``grace + N / min_rate``. Waits between attempts are capped
  (``retry_after_cap_s`` each, ``max_total_wait_s`` in all), and each retry is announced on the
  ``mer_datasets.download`` logger (stderr by default), so a retrying download is never silent.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import functools
import hashlib
import ipaddress
import logging
import os
import random
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import DownloadError

LOG = logging.getLogger("mer_datasets.download")
MAX_DOWNLOAD_ENV = "MER_DATASETS_MAX_DOWNLOAD_BYTES"
DEFAULT_MAX_DOWNLOAD_BYTES = 20 * 1024**3
FREE_SPACE_RESERVE_BYTES = 64 * 1024**2
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
    retry_after_cap_s: float = 60.0
    max_total_wait_s: float = 180.0

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
    max_download_bytes: int = field(default_factory=lambda: max_download_bytes())
    deadline_grace_s: float = 60.0
    min_rate_bytes_per_s: float = 8 * 1024
    notify: Callable[[str], None] = LOG.warning


def max_download_bytes() -> int:
    """Ceiling of a body whose size the catalog does not give: ``$MER_DATASETS_MAX_DOWNLOAD_BYTES``
    (bytes) or 20 GiB."""
    value = os.environ.get(MAX_DOWNLOAD_ENV, "").strip()
    try:
        return int(value) if value else DEFAULT_MAX_DOWNLOAD_BYTES
    except ValueError:
        raise DownloadError(
            f"${MAX_DOWNLOAD_ENV} must be a number of bytes, not {value!r}"
        ) from None


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
    not_found_hint: str | None = None,
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
    _mount_watched_adapter(http)
    last_problem = "no attempt made"
    waited = 0.0
    gave_up = ""
    try:
        for attempt in range(1, max(policy.attempts, 1) + 1):
            watchdog = _Watchdog(options)
            try:
                with watchdog:
                    result = _attempt(
                        http,
                        url,
                        partial_path,
                        file_label,
                        expected_size,
                        options,
                        watchdog,
                        not_found_hint,
                    )
                if watchdog.expired_after_s is None:
                    return result
                # cut by the deadline, the connection may look cleanly closed: not a success
                raise _Retryable(watchdog.explain("cut by the deadline"))
            except _Retryable as problem:
                last_problem = str(problem)
                retry_after = problem.retry_after_s
            except requests.RequestException as problem:
                last_problem = watchdog.explain(f"{type(problem).__name__}: {problem}")
                retry_after = None
            if attempt >= policy.attempts:
                break
            if retry_after is not None:
                delay = min(retry_after, policy.retry_after_cap_s)
                asked = f" (the server asked for {retry_after:.0f} s)" if retry_after else ""
            else:
                delay = policy.backoff(attempt, options.uniform())
                asked = ""
            if waited + delay > policy.max_total_wait_s:
                gave_up = (
                    f" Not retried further: waiting {delay:.0f} s more{asked} would exceed the "
                    f"cap of {policy.max_total_wait_s:.0f} s of waiting per file."
                )
                break
            brief = last_problem if len(last_problem) <= 160 else last_problem[:157] + "..."
            options.notify(
                f"{file_label or url}: attempt {attempt} of {policy.attempts} failed "
                f"({brief}); retrying in {delay:.1f} s{asked}"
            )
            waited += delay
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
        f"download of {url}{_for(file_label)} failed after {attempt} attempt(s): "
        f"{last_problem}.{gave_up}{resume_hint} Check the network, retry later, or use --mirror / "
        "`mer-datasets ingest`."
    )


def _attempt(
    http: object,
    url: str,
    partial_path: Path,
    file_label: str,
    expected_size: int | None,
    options: FetchOptions,
    watchdog: _Watchdog,
    not_found_hint: str | None = None,
) -> FetchResult:
    offset = partial_path.stat().st_size if partial_path.exists() else 0
    ceiling = expected_size if expected_size is not None else options.max_download_bytes
    if offset > ceiling:
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
                404: not_found_hint or "the file is not at this URL (the catalog URL may be stale)",
            }.get(status, "the server refused the request")
            raise DownloadError(
                f"download of {url}{_for(file_label)} failed: HTTP {status} {response.reason}: "
                f"{hint}. Not retried."
                + ("" if not_found_hint else " Use --mirror or `mer-datasets ingest` with a copy.")
            )
        if status == 206 and not offset:
            partial_path.unlink(missing_ok=True)
            raise _Retryable("HTTP 206 (a partial body) to a request without Range; discarded")
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in ("", "identity"):
            partial_path.unlink(missing_ok=True)
            raise DownloadError(
                f"download of {url}{_for(file_label)} refused: the server sent the body with "
                f"Content-Encoding {encoding!r} although only 'identity' was asked for; an "
                "encoded body is never decoded (its size could not be bounded). Not retried."
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
        if total is not None and total > ceiling:
            partial_path.unlink(missing_ok=True)
            raise DownloadError(
                f"download of {url}{_for(file_label)} is larger than "
                f"{_ceiling_words(expected_size, ceiling)}: the server announces {total} bytes; "
                "refused before reading the body. Not retried."
            )
        if total is not None:
            _check_free_space(partial_path, total - resumed_from, url, file_label)
        received = _stream_body(
            response,
            partial_path,
            mode,
            digest,
            resumed_from,
            total,
            ceiling,
            expected_size,
            url,
            file_label,
            options,
            watchdog,
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
    ceiling: int,
    expected_size: int | None,
    url: str,
    file_label: str,
    options: FetchOptions,
    watchdog: _Watchdog,
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
                    received += len(chunk)
                    watchdog.progress(received)
                    if already + received > ceiling:
                        sink.close()
                        partial_path.unlink(missing_ok=True)
                        raise DownloadError(
                            f"download of {url}{_for(file_label)} is larger than "
                            f"{_ceiling_words(expected_size, ceiling)}; discarded. The remote "
                            "file changed or the URL is wrong."
                        )
                    try:
                        sink.write(chunk)
                    except OSError as exc:
                        sink.close()
                        partial_path.unlink(missing_ok=True)
                        raise _disk_error(exc, partial_path, url, file_label) from exc
                    digest.update(chunk)  # type: ignore[attr-defined]
                    bar.update(len(chunk))
            except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as cut:
                problem = watchdog.explain(f"connection broken ({cut})")
                raise _Retryable(
                    f"{problem} after {already + received} bytes; partial kept"
                ) from cut
    except OSError as exc:  # opening or closing the partial file
        if isinstance(exc, requests.RequestException):
            raise
        partial_path.unlink(missing_ok=True)
        raise _disk_error(exc, partial_path, url, file_label) from exc
    finally:
        bar.close()
    return received


def _ceiling_words(expected_size: int | None, ceiling: int) -> str:
    if expected_size is not None:
        return f"the catalog size {expected_size} bytes"
    return (
        f"the limit of {ceiling} bytes for a file of unknown size (set "
        f"${MAX_DOWNLOAD_ENV} to allow more)"
    )


def _disk_error(exc: OSError, partial: Path, url: str, file_label: str) -> DownloadError:
    """A write failure as a typed error naming the file; ENOSPC says the disk is full."""
    if exc.errno == errno.ENOSPC:
        what = "no space left on the device"
    else:
        what = exc.strerror or str(exc)
    return DownloadError(
        f"download of {url}{_for(file_label)} failed writing {partial}: {what}. Nothing was "
        "kept; free some space (or set MER_DATASETS_HOME to a larger disk) and retry."
    )


def _check_free_space(partial: Path, needed: int, url: str, file_label: str) -> None:
    """Refuse a transfer of known size that cannot fit, before writing a byte of it."""
    if needed <= FREE_SPACE_RESERVE_BYTES // 64:
        return  # small: not worth a syscall; ENOSPC is still caught while writing
    try:
        free = shutil.disk_usage(partial.parent).free
    except OSError:
        return
    if free < needed + FREE_SPACE_RESERVE_BYTES:
        raise DownloadError(
            f"download of {url}{_for(file_label)} needs {needed} bytes but only {free} bytes are "
            f"free in {partial.parent} (keeping {FREE_SPACE_RESERVE_BYTES} bytes in reserve). "
            "Free some space or set MER_DATASETS_HOME to a larger disk. Not started."
        )


class _Watchdog:
    """Ends an attempt that is slower on average than ``min_rate`` after a grace period.

    Why a thread: the read timeout restarts with every byte, so a server that drips bytes (in
    its headers or its body) is never timed out by it. Every few tenths of a second the watchdog
    compares the bytes received with ``(elapsed - grace) * min_rate`` (one chunk of slack, as a
    chunk is counted only once complete); when the transfer is behind, it shuts down the
    attempt's sockets (registered by the adapter of :func:`_mount_watched_adapter`), so the
    blocked read returns at once and the attempt fails as a timeout.
    """

    def __init__(self, options: FetchOptions) -> None:
        self.grace_s = options.deadline_grace_s
        self.rate = max(options.min_rate_bytes_per_s, 1.0)
        self.slack = options.chunk_size
        self.received = 0
        self.expired_after_s: float | None = None
        self._sockets: list[socket.socket] = []
        self._guard = threading.Lock()
        self._done = threading.Event()
        self._start = time.monotonic()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Watchdog:
        _ACTIVE.watchdog = self
        self._thread = threading.Thread(target=self._run, name="mer-datasets-deadline", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        _ACTIVE.watchdog = None
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is not None:
            with self._guard:
                self._sockets.append(sock)
                expired = self.expired_after_s is not None
            if expired:
                _shutdown(sock)

    def progress(self, received: int) -> None:
        self.received = received

    def _run(self) -> None:
        poll = min(0.25, max(self.grace_s / 4, 0.01))
        while not self._done.wait(poll):
            elapsed = time.monotonic() - self._start
            allowed = (elapsed - self.grace_s) * self.rate
            if allowed > self.received + self.slack:
                with self._guard:
                    self.expired_after_s = elapsed
                    sockets = list(self._sockets)
                for sock in sockets:
                    _shutdown(sock)
                return

    def explain(self, problem: str) -> str:
        """The failure as the deadline when the watchdog caused it, else unchanged."""
        if self.expired_after_s is None:
            return problem
        return (
            f"timed out: transfer too slow ({self.received} bytes in "
            f"{self.expired_after_s:.1f} s; the deadline allows {self.grace_s:.0f} s plus 1 s "
            f"per {self.rate:.0f} bytes)"
        )


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_ACTIVE = threading.local()


def _mount_watched_adapter(http: object) -> None:
    """Make a requests session register its sockets with the current attempt's watchdog."""
    import requests

    if not isinstance(http, requests.Session):
        return
    adapter = _watched_adapter_class()
    for prefix in ("https://", "http://"):
        if not isinstance(http.adapters.get(prefix), adapter):
            http.mount(prefix, adapter())


@functools.cache
def _watched_adapter_class() -> type:
    """requests' adapter whose connections report their sockets to the attempt's watchdog
    (built on first use: importing requests is deferred until a download happens)."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def register(connection: object) -> None:
        watchdog = getattr(_ACTIVE, "watchdog", None)
        if watchdog is not None:
            watchdog.watch(getattr(connection, "sock", None))

    class WatchedHTTPConnection(HTTPConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            super().request(*args, **kwargs)
            register(self)

    class WatchedHTTPSConnection(HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            super().request(*args, **kwargs)
            register(self)

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    class WatchedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": WatchedHTTPPool,
                "https": WatchedHTTPSPool,
            }

    return WatchedAdapter


def new_session() -> object:
    """A requests session whose transfers the deadline watchdog can end."""
    import requests

    session = requests.Session()
    _mount_watched_adapter(session)
    return session


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
