"""A fault-injecting HTTP server on 127.0.0.1 for the reliability suite.

It is the download tests' loopback server (``tests/download/server.py``: lifecycle, behaviour
queue, ``Range``/resume handling, body writing) plus what the reliability suite needs besides:
faults the unit-test server does not model (a TCP reset, a 206 answer with the wrong bytes, a
drip that stays under the read timeout, other bytes than the registered file), a behaviour kept
for a path whenever its queue is empty, answers in HTTP/1.1 (the download tests' server keeps
http.server's HTTP/1.0), and a log of the bytes actually sent, so that "every file crossed the
wire once" can be counted.

Behaviours are queued per path and consumed one per request; ``always`` sets a behaviour used
whenever the queue is empty (default: answer normally, honouring ``Range`` with 206).
  ("ok",)                          normal answer
  ("reset", n)                     full Content-Length, n bytes, then a TCP RST (SO_LINGER 0)
  ("short", n)                     full Content-Length, n bytes, then a clean close (FIN)
  ("drip", pieces, pause_s)        the body in ``pieces`` writes with ``pause_s`` between them
  ("status", code, headers)        that status and headers, empty body
  ("redirect", location, code)     a redirect to ``location`` (relative or absolute)
  ("ignore-range",)                200 with the whole body even when Range was asked
  ("wrong-range",)                 206 with a correct Content-Range header but other bytes
  ("hang",)                        read the request, never answer (until the server stops)
  ("body", data)                   serve ``data`` instead of the registered file
  ("endless",)                     200 without Content-Length, zeros until the client stops
  ("encoded", "gzip")              the file gzip-compressed, with ``Content-Encoding: gzip``
  ("partial-206",)                 206 with the first half of the file, whatever was asked
  ("slow-headers", pause_s)        the status line, then one header byte every ``pause_s``
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass

from tests.download.server import LoopbackHandler, LoopbackServer


@dataclass(frozen=True)
class Served:
    """One request as the server saw it, and how many body bytes it wrote."""

    path: str
    range: str | None
    status: int
    body_bytes: int


RAW_BEHAVIOURS = frozenset({"endless", "encoded", "partial-206", "slow-headers"})


class FaultHandler(LoopbackHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.state.peek_behaviour(self.path)[0] not in RAW_BEHAVIOURS:
            super().do_GET()
            return
        asked = self.headers.get("Range")
        self.state._on_arrival(self.path, asked)
        behaviour = self.state.next_behaviour(self.path)
        self.body_bytes = 0
        status = self.answer_raw_or_gone(behaviour)
        self.close_connection = True
        self.state._on_outcome(self.path, asked, status, self.body_bytes)

    def answer_raw_or_gone(self, behaviour: tuple) -> int:
        try:
            return self.answer_raw(behaviour)
        except (BrokenPipeError, ConnectionResetError):
            return 200  # the client hung up (the point of the endless body)

    def answer_raw(self, behaviour: tuple) -> int:
        """The behaviours that shape headers themselves; returns the status sent."""
        import gzip

        name = behaviour[0]
        data = self.state.files.get(self.path, b"")
        if name == "slow-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while not self.state.stopping.is_set():
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(behaviour[1])
            return 200
        if name == "endless":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            zeros = bytes(1 << 14)
            while not self.state.stopping.is_set():
                self.send_bytes(zeros)
            return 200
        if name == "encoded":
            body = gzip.compress(data)
            self.send_response(200)
            self.send_header("Content-Encoding", behaviour[1])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.send_bytes(body)
            return 200
        half = data[: len(data) // 2]
        self.send_response(206)
        self.send_header("Content-Range", f"bytes 0-{len(half) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(half)))
        self.end_headers()
        self.send_bytes(half)
        return 206

    def content(self, behaviour: tuple) -> bytes | None:
        if behaviour[0] == "body":
            return behaviour[1]
        return super().content(behaviour)

    def range_body(self, behaviour: tuple, data: bytes, start: int) -> bytes:
        body = super().range_body(behaviour, data, start)
        if behaviour[0] == "wrong-range" and start:
            return bytes(b ^ 0x5A for b in body)
        return body

    def write_body(self, behaviour: tuple, body: bytes) -> None:
        name = behaviour[0]
        if name == "reset":
            self.send_and_close(body[: behaviour[1]])
            time.sleep(0.1)  # let the client read them: an RST discards unread data
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif name == "short":
            self.send_and_close(body[: behaviour[1]])
        elif name == "drip":
            self.send_in_pieces(body, behaviour[1], behaviour[2])
        else:
            super().write_body(behaviour, body)


class FaultServer(LoopbackServer):
    """Threaded loopback server; ``files`` maps URL paths to bytes, ``log`` holds ``Served``."""

    handler_class = FaultHandler

    def __init__(self) -> None:
        super().__init__()
        self.always: dict[str, tuple] = {}
        self._pending = 0  # requests arrived and not yet logged
        self._settled = threading.Condition(self._guard)

    def add(self, path: str, data: bytes) -> str:
        return self.add_file(path, data)

    def set_always(self, path: str, behaviour: tuple) -> None:
        with self._guard:
            self.always[path] = behaviour

    def peek_behaviour(self, path: str) -> tuple:
        """The behaviour the next request for ``path`` will get, without consuming it."""
        with self._guard:
            queued = self.queued.get(path)
            return queued[0] if queued else self._fallback(path)

    def served(self, path: str, *, settle_s: float = 5.0) -> list[Served]:
        """The logged requests for ``path``, once every request that arrived is logged.

        Why wait: a request is logged when its body write returns, and a client can read the
        last byte, fail its checksum and reach a test's assertion before that (a race seen on a
        loaded 2-core machine). Hangs are logged on arrival, so they never hold this up.
        """
        with self._settled:
            self._settled.wait_for(lambda: self._pending == 0, timeout=settle_s)
        return self.requests_for(path)

    def bytes_sent(self, path: str) -> int:
        return sum(entry.body_bytes for entry in self.served(path))

    def _fallback(self, path: str) -> tuple:
        return self.always.get(path, ("ok",))

    def _on_arrival(self, path: str, range_header: str | None) -> None:
        """Logged once answered instead (``_on_outcome``), with the body bytes written."""
        with self._guard:
            self._pending += 1

    def _on_outcome(
        self, path: str, range_header: str | None, status: int, body_bytes: int
    ) -> None:
        with self._guard:
            self.log.append(Served(path, range_header, status, body_bytes))
            self._pending -= 1
            self._settled.notify_all()
