"""A fault-injecting HTTP server on 127.0.0.1 for the reliability suite.

Why a separate server from ``tests/download/server.py``: the reliability suite needs faults that
the unit-test server does not model (a TCP reset, a 206 answer with the wrong bytes, redirect
loops, a drip that stays under the read timeout, a server that never answers) and a log of the
bytes actually sent, so that "every file crossed the wire once" can be counted.

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
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Served:
    """One request as the server saw it, and how many body bytes it wrote."""

    path: str
    range: str | None
    status: int
    body_bytes: int


class FaultServer:
    """Threaded loopback server; ``files`` maps URL paths to bytes."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.queued: dict[str, list[tuple]] = {}
        self.always: dict[str, tuple] = {}
        self.log: list[Served] = []
        self.stopping = threading.Event()
        self._guard = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
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

    def add(self, path: str, data: bytes) -> str:
        self.files[path] = data
        return self.url(path)

    def queue(self, path: str, *behaviours: tuple) -> None:
        with self._guard:
            self.queued.setdefault(path, []).extend(behaviours)

    def set_always(self, path: str, behaviour: tuple) -> None:
        with self._guard:
            self.always[path] = behaviour

    def served(self, path: str) -> list[Served]:
        with self._guard:
            return [entry for entry in self.log if entry.path == path]

    def bytes_sent(self, path: str) -> int:
        return sum(entry.body_bytes for entry in self.served(path))

    def next_behaviour(self, path: str) -> tuple:
        with self._guard:
            queue = self.queued.get(path)
            if queue:
                return queue.pop(0)
            return self.always.get(path, ("ok",))

    def record(self, entry: Served) -> None:
        with self._guard:
            self.log.append(entry)

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def _empty(self, code: int, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            server.record(Served(self.path, self.headers.get("Range"), code, 0))

        def do_GET(self) -> None:
            asked = self.headers.get("Range")
            behaviour = server.next_behaviour(self.path)
            name = behaviour[0]
            if name == "hang":
                server.record(Served(self.path, asked, 0, 0))
                server.stopping.wait(120)
                self.close_connection = True
                return
            if name == "status":
                self._empty(behaviour[1], behaviour[2])
                return
            if name == "redirect":
                code = behaviour[2] if len(behaviour) > 2 else 302
                self._empty(code, {"Location": behaviour[1]})
                return
            data = behaviour[1] if name == "body" else server.files.get(self.path)
            if data is None:
                self._empty(404)
                return
            start = 0
            if asked and name != "ignore-range":
                start = int(asked.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self._empty(416, {"Content-Range": f"bytes */{len(data)}"})
                    return
            body = data[start:]
            if name == "wrong-range" and start:
                body = bytes(b ^ 0x5A for b in body)
            status = 206 if start else 200
            self.send_response(status)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            sent = 0
            try:
                if name in ("reset", "short"):
                    part = body[: behaviour[1]]
                    self.wfile.write(part)
                    self.wfile.flush()
                    sent = len(part)
                    if name == "reset":
                        time.sleep(0.1)  # let the client read them: an RST discards unread data
                        self.connection.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                    self.close_connection = True
                elif name == "drip":
                    pieces, pause = behaviour[1], behaviour[2]
                    step = max(1, -(-len(body) // pieces))
                    for offset in range(0, len(body), step):
                        if server.stopping.is_set():
                            break
                        self.wfile.write(body[offset : offset + step])
                        self.wfile.flush()
                        sent += len(body[offset : offset + step])
                        time.sleep(pause)
                else:
                    self.wfile.write(body)
                    sent = len(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            server.record(Served(self.path, asked, status, sent))

    return Handler
