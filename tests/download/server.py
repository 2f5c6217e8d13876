"""A loopback HTTP server for download tests: serves bytes, logs requests, misbehaves on demand.

It is also the base of the reliability suite's fault server (tests/reliability/faultserver.py):
the server's lifecycle, the per-path behaviour queue, ``Range``/resume handling (206, 416) and
body writing live here once; the fault server adds its faults and its log of bytes sent.

Every request is logged on arrival (method, path, Range header), so a request the server is
still holding is already counted. Behaviours are queued per path and consumed one per request;
when the queue is empty the server answers normally (honouring ``Range`` with 206, and with 416
when it starts at or past the end). Behaviours:
  ("status", code, headers)   answer with that status and headers, no body
  ("cut", n_bytes)            announce the full Content-Length, send n bytes, drop the connection
  ("ignore-range",)           answer 200 with the whole body even if Range was asked
  ("hang", seconds)           read the request, answer nothing for ``seconds`` (or until the
                              server stops), then close the connection
  ("redirect", location)      302 to ``location`` (a third item sets another redirect code)
  ("slow", seconds)           stream the body in 4 pieces with a pause after each
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, Self

HANG_DEFAULT_S = 120.0  # a hang without a duration lasts until the server stops


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    range: str | None


def resume_offset(range_header: str | None) -> int:
    """The first byte asked for by a ``Range: bytes=N-`` header; 0 without one."""
    if not range_header:
        return 0
    return int(range_header.removeprefix("bytes=").split("-")[0])


class LoopbackHandler(BaseHTTPRequestHandler):
    """Answers one request from the files and behaviours of ``state``, the owning server.

    Subclasses add behaviours by overriding the three hooks ``content``, ``range_body`` and
    ``write_body``; the order of an answer (behaviour, file, Range, headers, body) stays here.
    """

    state: ClassVar[LoopbackServer]

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        asked = self.headers.get("Range")
        self.state._on_arrival(self.path, asked)
        behaviour = self.state.next_behaviour(self.path)
        name = behaviour[0]
        if name == "hang":
            self.state._on_outcome(self.path, asked, 0, 0)
            self.state.stopping.wait(behaviour[1] if len(behaviour) > 1 else HANG_DEFAULT_S)
            self.close_connection = True
            return
        if name == "status":
            self.send_empty(behaviour[1], behaviour[2])
            return
        if name == "redirect":
            code = behaviour[2] if len(behaviour) > 2 else 302
            self.send_empty(code, {"Location": behaviour[1]})
            return
        data = self.content(behaviour)
        if data is None:
            self.send_empty(404)
            return
        start = 0 if name == "ignore-range" else resume_offset(asked)
        if start and start >= len(data):
            self.send_empty(416, {"Content-Range": f"bytes */{len(data)}"})
            return
        body = self.range_body(behaviour, data, start)
        status = 206 if start else 200
        self.send_response(status)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.body_bytes = 0
        try:
            self.write_body(behaviour, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        self.state._on_outcome(self.path, asked, status, self.body_bytes)

    def send_empty(self, code: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.state._on_outcome(self.path, self.headers.get("Range"), code, 0)

    def content(self, behaviour: tuple) -> bytes | None:
        """The whole file this request is answered from; None answers 404."""
        return self.state.files.get(self.path)

    def range_body(self, behaviour: tuple, data: bytes, start: int) -> bytes:
        """The bytes sent for a request that starts at ``start``."""
        return data[start:]

    def write_body(self, behaviour: tuple, body: bytes) -> None:
        name = behaviour[0]
        if name == "cut":
            self.send_and_close(body[: behaviour[1]])
        elif name == "slow":
            self.send_in_pieces(body, 4, behaviour[1])
        else:
            self.send_bytes(body)

    def send_bytes(self, chunk: bytes) -> None:
        """Write and flush ``chunk``; ``body_bytes`` counts only what the socket accepted."""
        self.wfile.write(chunk)
        self.wfile.flush()
        self.body_bytes += len(chunk)

    def send_and_close(self, chunk: bytes) -> None:
        """Write ``chunk`` (less than the announced Content-Length), then close the connection."""
        self.send_bytes(chunk)
        self.close_connection = True

    def send_in_pieces(self, body: bytes, pieces: int, pause_s: float) -> None:
        """``body`` in ``pieces`` writes with ``pause_s`` after each; stops when the server does."""
        step = max(1, -(-len(body) // pieces))
        for offset in range(0, len(body), step):
            if self.state.stopping.is_set():
                break
            self.send_bytes(body[offset : offset + step])
            time.sleep(pause_s)


class LoopbackServer:
    """Threaded server on 127.0.0.1 (an OS-chosen port); ``files`` maps URL paths to bytes.

    ``log`` holds what ``_on_arrival`` and ``_on_outcome`` record: here ``LoggedRequest`` on
    arrival; a subclass may log outcomes instead.
    """

    handler_class: ClassVar[type[LoopbackHandler]] = LoopbackHandler

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.queued: dict[str, list[tuple]] = {}
        self.log: list = []
        self.stopping = threading.Event()
        self._guard = threading.Lock()
        handler = type("Handler", (self.handler_class,), {"state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add_file(self, path: str, data: bytes) -> str:
        self.files[path] = data
        return self.url(path)

    def queue(self, path: str, *behaviours: tuple) -> None:
        with self._guard:
            self.queued.setdefault(path, []).extend(behaviours)

    def next_behaviour(self, path: str) -> tuple:
        with self._guard:
            queued = self.queued.get(path)
            return queued.pop(0) if queued else self._fallback(path)

    def requests_for(self, path: str) -> list:
        with self._guard:
            return [entry for entry in self.log if entry.path == path]

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _fallback(self, path: str) -> tuple:
        """The behaviour when nothing is queued for ``path`` (called under the guard)."""
        return ("ok",)

    def _on_arrival(self, path: str, range_header: str | None) -> None:
        with self._guard:
            self.log.append(LoggedRequest("GET", path, range_header))

    def _on_outcome(
        self, path: str, range_header: str | None, status: int, body_bytes: int
    ) -> None:
        """How a request ended (status 0: never answered); the download tests need only arrivals."""
