"""A raw-socket HTTP server on 127.0.0.1 for answers no well-behaved server gives.

Each path is one misbehaviour:

    /ok            a short complete page, keep-alive (the next request may reuse the connection)
    /drip-headers  a status line, then header bytes one at a time, forever
    /drip-body     complete headers with a Content-Length, a sentence, then one byte at a time, forever
    /drip-close    the same without a length (the body ends when the connection does), forever
    /truncated     Content-Length: 1000, then 10 bytes, then the connection closes

A byte every `interval_s` keeps any per-read timeout longer than that waiting forever; only a
wall-clock deadline ends such a fetch. `log` lists (connection number, path) per request; a
query string is ignored.
`stop()` (or leaving the `with` block) shuts every connection down and joins every thread.
"""

from __future__ import annotations

import itertools
import socket
import threading

PAGE = b"R&D spending reached 2.4% of GDP in 2023.\n"  # a readable document, if a fetch took it as complete
DRIP = b"R&D spending kept rising. "
DRIP_LENGTH = 5000  # what /drip-body declares: under any test's size cap, hours at the drip rate
TRUNCATED_LENGTH = 1000
TRUNCATED_SENT = 10


class DripServer:
    def __init__(self, interval_s: float = 0.2):
        self.interval_s = interval_s
        self.log: list[tuple[int, str]] = []
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # the accept loop looks at _stopping this often
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._numbers = itertools.count(1)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> DripServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        self._spawn(self._accept_loop)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)  # a handler blocked reading the next request returns
            except OSError:
                pass
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()
        alive = [t.name for t in self._threads if t.is_alive()]
        assert not alive, f"drip server threads still running: {alive}"

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=f"drip-{target.__name__}", daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self._connections.append(conn)
            self._spawn(self._serve, conn, next(self._numbers))

    def _serve(self, conn: socket.socket, number: int) -> None:
        try:
            with conn, conn.makefile("rb") as requests:
                while not self._stopping.is_set():
                    path = _read_request(requests)
                    if path is None:
                        return
                    with self._lock:
                        self.log.append((number, path))
                    if not self._answer(conn, path):
                        return
        except OSError:
            pass  # the client hung up (or shut the connection down at its deadline)

    def _answer(self, conn: socket.socket, path: str) -> bool:
        """Answer one request; False when the connection is done."""
        path = path.split("?", 1)[0]  # a query string only tells requests apart
        if path == "/ok":
            conn.sendall(_head(200, {"Content-Type": "text/plain; charset=utf-8", "Content-Length": len(PAGE)}) + PAGE)
            return True
        if path == "/drip-headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Drip: ")
            self._drip(conn)
        elif path == "/drip-body":
            conn.sendall(_head(200, {"Content-Type": "text/plain", "Content-Length": DRIP_LENGTH}) + PAGE)
            self._drip(conn)
        elif path == "/drip-close":
            conn.sendall(_head(200, {"Content-Type": "text/plain", "Connection": "close"}) + PAGE)
            self._drip(conn)
        elif path == "/truncated":
            conn.sendall(_head(200, {"Content-Type": "text/plain", "Content-Length": TRUNCATED_LENGTH})
                         + PAGE[:TRUNCATED_SENT])
            conn.shutdown(socket.SHUT_WR)  # a FIN after the request was read in full: no reset, a clean close
        else:
            conn.sendall(_head(404, {"Content-Length": 0}))
            return True
        return False

    def _drip(self, conn: socket.socket) -> None:
        for byte in itertools.cycle(DRIP):
            if self._stopping.wait(self.interval_s):
                return
            conn.sendall(bytes([byte]))


def _read_request(requests) -> str | None:
    """The path of the next request on the connection, its head read in full; None at its end."""
    request_line = requests.readline()
    if not request_line:
        return None
    while requests.readline() not in (b"\r\n", b"\n", b""):
        pass
    parts = request_line.split()
    return parts[1].decode("ascii", "replace") if len(parts) >= 2 else "?"


def _head(status: int, headers: dict[str, object]) -> bytes:
    reason = {200: "OK", 404: "Not Found"}[status]
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
