"""Raw printer language (ZPL) to a networked label printer (Zebra-style, TCP port 9100).

One job is one connection. After the job the sending side is shut down and the printer's own
close is awaited, as the CUPS socket backend does by default ("waiteof"): a printer closes only
after it has read everything, so a normal return means the printer took every byte. A printer
that accepts the connection but never reads therefore times out instead of passing silently.

Every failure raises `PrinterUnavailable` naming the printer, what happened and what to do.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass

from app.core import PrinterUnavailable

DEFAULT_PORT = 9100
HOST_STATUS_QUERY = b"~HS"
_ADVICE = "Check the printer is on and connected, or choose another printer."
_MAX_REPLY = 64 * 1024  # a ~HS reply is about 80 bytes; anything past this is discarded
_FRAME = re.compile(rb"\x02([^\x02\x03]*)\x03")  # <STX>fields<ETX>, then CR LF


@dataclass(frozen=True)
class PrinterStatus:
    """The flags of a ZPL host status (~HS) reply that stop a printer from printing."""

    paper_out: bool
    paused: bool
    head_open: bool

    @property
    def problems(self) -> tuple[str, ...]:
        """What keeps the printer from printing, in words; empty when it is ready."""
        flags = (
            (self.paper_out, "paper out"),
            (self.head_open, "head open"),
            (self.paused, "paused"),
        )
        return tuple(words for flag, words in flags if flag)


_REMEDIES = {
    "paper out": "load labels",
    "head open": "close the print head",
    "paused": "press PAUSE to resume",
}


def _flag(fields: list[bytes], index: int, name: str) -> bool:
    value = fields[index].strip() if index < len(fields) else b""
    if value not in {b"0", b"1"}:
        raise ValueError(f"host status: {name} flag is {value!r}, not 0 or 1")
    return value == b"1"


def parse_host_status(reply: bytes) -> PrinterStatus:
    """Read the three <STX>…<ETX> strings of a ~HS reply; ValueError when it is not one."""
    frames = _FRAME.findall(reply)
    if len(frames) < 3:
        raise ValueError(f"host status: {len(frames)} of 3 strings received")
    # ZPL II Programming Guide, ~HS: string 1 is aaa,b,c,… (b paper out, c pause);
    # string 2 is mmm,n,o,… (o head up).
    first, second = frames[0].split(b","), frames[1].split(b",")
    return PrinterStatus(
        paper_out=_flag(first, 1, "paper out"),
        paused=_flag(first, 2, "pause"),
        head_open=_flag(second, 2, "head up"),
    )


def _name(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _read_until_closed(sock: socket.socket, timeout_s: float) -> bytes:
    """Everything the printer sends until it closes the connection, within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    reply = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        chunk = sock.recv(4096)
        if not chunk:
            return bytes(reply)
        reply += chunk[: max(0, _MAX_REPLY - len(reply))]


def _unavailable(
    printer: str, stage: str, error: OSError, timeout_s: float, status: bool
) -> PrinterUnavailable:
    return PrinterUnavailable(_failure(printer, stage, error, timeout_s, status))


def _failure(printer: str, stage: str, error: OSError, timeout_s: float, status: bool) -> str:
    if stage == "connect":
        return _connect_failure(printer, error, timeout_s)
    if isinstance(error, TimeoutError):
        what = (
            "did not answer the status query (a printer that is out of labels or has its "
            "head open may stay silent)"
            if status and stage == "wait"
            else "did not take the whole job"
        )
        return (
            f"Printer {printer} accepted the connection but {what} within {timeout_s:g} s. "
            f"The label may be missing or may still print late: look at the printer before "
            f"printing again. {_ADVICE}"
        )
    # Reset, broken pipe, or (when the reset wins the race with shutdown) "not connected".
    return (
        f"Printer {printer} closed the connection in the middle of the job. The label may "
        f"be missing or incomplete: destroy any partial label before printing again. "
        f"{_ADVICE}"
    )


def _connect_failure(printer: str, error: OSError, timeout_s: float) -> str:
    if isinstance(error, socket.gaierror):
        return (
            f"Printer {printer}: that printer name is not known on this network "
            f"({error.strerror}). Nothing was printed. {_ADVICE}"
        )
    if isinstance(error, ConnectionRefusedError):
        return (
            f"Printer {printer} refused the connection: nothing is listening on that port. "
            f"Nothing was printed. {_ADVICE}"
        )
    if isinstance(error, TimeoutError):
        return (
            f"Printer {printer} did not answer within {timeout_s:g} s. "
            f"Nothing was printed. {_ADVICE}"
        )
    reason = error.strerror or str(error) or type(error).__name__
    return f"Printer {printer} cannot be reached ({reason}). Nothing was printed. {_ADVICE}"


def send_raw(
    host: str,
    port: int,
    payload: bytes,
    *,
    timeout_s: float = 5.0,
    query_status: bool = False,
) -> int:
    """Send ``payload`` to a raw-TCP label printer and return the number of bytes sent.

    ``timeout_s`` bounds each stage: connecting, sending, and waiting for the printer to take
    the job. With ``query_status`` a ~HS query follows the job on the same connection and a
    printer reporting paper out, head open or pause raises `PrinterUnavailable`.
    """
    printer = _name(host, port)
    if not host or not 0 < port < 65536:
        raise PrinterUnavailable(
            f"Printer {printer}: the printer's address is not valid (a host name and a port "
            f"from 1 to 65535 are needed). Nothing was printed. Correct the printer's "
            f"settings, or choose another printer."
        )
    request = payload + HOST_STATUS_QUERY if query_status else payload
    try:
        sock = socket.create_connection((host, port), timeout=timeout_s)
    except OSError as exc:
        raise _unavailable(printer, "connect", exc, timeout_s, query_status) from exc
    with sock:
        try:
            sock.sendall(request)  # since Python 3.5 the timeout bounds the whole sendall
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise _unavailable(printer, "send", exc, timeout_s, query_status) from exc
        try:
            reply = _read_until_closed(sock, timeout_s)
        except OSError as exc:
            raise _unavailable(printer, "wait", exc, timeout_s, query_status) from exc
    if query_status:
        _check_status(printer, reply)
    return len(payload)


def _check_status(printer: str, reply: bytes) -> None:
    try:
        status = parse_host_status(reply)
    except ValueError as exc:
        raise PrinterUnavailable(
            f"Printer {printer} took the job but its status reply could not be read ({exc}); "
            f"it may not be a ZPL printer. Look at the printer before printing again. {_ADVICE}"
        ) from exc
    if status.problems:
        problems = " and ".join(status.problems)
        remedies = ", ".join(_REMEDIES[problem] for problem in status.problems)
        raise PrinterUnavailable(
            f"Printer {printer} reports {problems}. The label was sent and is held in the "
            f"printer: it prints once this is fixed ({remedies}). If you choose another "
            f"printer instead, cancel the held job on this one first so no extra label is "
            f"printed."
        )
