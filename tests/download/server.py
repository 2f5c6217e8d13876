"""A loopback HTTP server for download tests: serves bytes, logs requests, misbehaves on demand.

Every request is logged (method, path, Range header). Behaviours are queued per path and
consumed one per request; when the queue is empty the server answers normally (honouring
``Range`` with 206). Behaviours:
  ("status", code, headers)   answer with that status and headers, no body
  ("cut", n_bytes)            announce the full Content-Length, send n bytes, drop the connection
  ("ignore-range",)           answer 200 with the whole body even if Range was asked
  ("hang", seconds)           wait (until released or timeout) before answering
  ("redirect", location)      302 to ``location``
  ("slow", seconds)           stream the body in 4 pieces with a pause between them
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    range: str | None


class LoopbackServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.behaviours: dict[str, list[tuple]] = {}
        self.log: list[LoggedRequest] = []
        self.release = threading.Event()
        self._guard = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add_file(self, path: str, data: bytes) -> str:
        self.files[path] = data
        return self.url(path)

    def queue(self, path: str, *behaviours: tuple) -> None:
        with self._guard:
            self.behaviours.setdefault(path, []).extend(behaviours)

    def requests_for(self, path: str) -> list[LoggedRequest]:
        with self._guard:
            return [r for r in self.log if r.path == path]

    def _next_behaviour(self, path: str) -> tuple:
        with self._guard:
            queued = self.behaviours.get(path)
            return queued.pop(0) if queued else ("ok",)

    def _record(self, request: LoggedRequest) -> None:
        with self._guard:
            self.log.append(request)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            range_header = self.headers.get("Range")
            server._record(LoggedRequest("GET", self.path, range_header))
            behaviour = server._next_behaviour(self.path)
            name = behaviour[0]
            if name == "hang":
                server.release.wait(behaviour[1])
                name = "ok"
            if name == "status":
                _, code, headers = behaviour
                self.send_response(code)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if name == "redirect":
                self.send_response(302)
                self.send_header("Location", behaviour[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = server.files.get(self.path)
            if data is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = 0
            if range_header and name != "ignore-range":
                start = int(range_header.removeprefix("bytes=").split("-")[0])
            body = data[start:]
            if start:
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if name == "cut":
                self.wfile.write(body[: behaviour[1]])
                self.wfile.flush()
                self.close_connection = True
                return
            if name == "slow":
                step = max(1, len(body) // 4)
                for offset in range(0, len(body), step):
                    self.wfile.write(body[offset : offset + step])
                    self.wfile.flush()
                    time.sleep(behaviour[1])
                return
            self.wfile.write(body)

    return Handler
