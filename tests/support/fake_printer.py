"""A fake ZPL label printer on 127.0.0.1: records jobs, answers ~HS, fails on request.

    with FakePrinter() as printer:
        send_raw(printer.host, printer.port, b"^XA^XZ")
        assert printer.jobs == [b"^XA^XZ"]

Like a real raw-TCP printer it serves one connection at a time, reads until the sender shuts
its side down, then closes. ``behaviour`` simulates failures: ``"refuse"`` (the port is closed),
``"stall"`` (connections are accepted but never read) and ``"hang_up"`` (the printer resets the
connection after the first few bytes of a job). Leaving the ``with`` block stops the thread and
closes every socket.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType
from typing import Literal, Self

Status = Literal["ok", "paper out", "head open", "paused"]
Behaviour = Literal["normal", "refuse", "stall", "hang_up"]

HOST_STATUS_QUERY = b"~HS"
HANG_UP_AFTER = 8  # bytes of a job read before a "hang_up" printer resets the connection
_POLL_S = 0.02  # how often the serving thread looks for stop()


def host_status_reply(status: Status) -> bytes:
    """The three <STX>…<ETX><CR><LF> strings a Zebra printer sends for ~HS."""
    paper_out = int(status == "paper out")
    paused = int(status == "paused")
    head_up = int(status == "head open")
    strings = (
        f"030,{paper_out},{paused},1245,000,0,0,0,000,0,0,0",
        f"001,0,{head_up},0,1,2,4,0,00000000,1,000",
        "1234,0",
    )
    return b"".join(b"\x02" + text.encode("ascii") + b"\x03\r\n" for text in strings)


class FakePrinter:
    """A raw-TCP (port 9100 style) ZPL printer serving on 127.0.0.1 in a thread."""

    def __init__(self, status: Status = "ok", behaviour: Behaviour = "normal") -> None:
        self.status: Status = status
        self.behaviour: Behaviour = behaviour
        self.host = "127.0.0.1"
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((self.host, 0))  # a free port, held until the fake stops
        self.port: int = self._socket.getsockname()[1]
        self._jobs: list[bytes] = []
        self._status_queries = 0
        self._stalled: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> Self:
        if self.behaviour != "refuse":  # bound but not listening: connecting is refused
            self._socket.listen(64)
            self._socket.settimeout(_POLL_S)
            self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            assert not self._thread.is_alive(), "fake printer thread did not stop"
        for conn in self._stalled:
            conn.close()
        self._socket.close()

    # ------------------------------------------------------------ what it received
    @property
    def jobs(self) -> list[bytes]:
        """Every completed job, in arrival order, without the ~HS queries."""
        with self._lock:
            return list(self._jobs)

    @property
    def status_queries(self) -> int:
        """How many ~HS queries were answered."""
        with self._lock:
            return self._status_queries

    # ------------------------------------------------------------ serving
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            if self.behaviour == "stall":
                self._stalled.append(conn)  # accepted, never read; closed by __exit__
                continue
            with conn:
                conn.settimeout(_POLL_S)
                if self.behaviour == "hang_up":
                    self._hang_up(conn)
                else:
                    self._take_job(conn)

    def _hang_up(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):  # the sender may give up first; nothing to record
            while not self._stop.is_set():
                try:
                    if conn.recv(HANG_UP_AFTER):
                        break  # the job has started: hang up on it
                except TimeoutError:
                    continue
            # Linger 0: close() resets the connection instead of a graceful FIN.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _take_job(self, conn: socket.socket) -> None:
        received = bytearray()
        answered = 0
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:  # the sender shut its side down: the job is complete
                    break
                received += chunk
                # A tilde command is acted on as soon as it arrives, ahead of queued formats.
                queries = received.count(HOST_STATUS_QUERY)
                for _ in range(queries - answered):
                    conn.sendall(host_status_reply(self.status))
                answered = queries
            else:
                return  # stopped mid-job
        except OSError:
            return  # the sender went away; an incomplete job is not recorded
        with self._lock:
            self._jobs.append(bytes(received.replace(HOST_STATUS_QUERY, b"")))
            self._status_queries += answered
