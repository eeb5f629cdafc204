"""Raw ZPL to a networked label printer: delivered byte for byte, or a message to act on."""

from __future__ import annotations

import errno
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.core.errors import PrinterUnavailable
from app.labelling.raw_tcp import PrinterStatus, parse_host_status, send_raw
from tests.support.fake_printer import FakePrinter, Status, host_status_reply

LABEL = b"^XA^FO50,50^BCN,100,Y,N,N^FD=G123498654321^FS^XZ"
ADVICE = "check the printer is on and connected, or choose another printer"


def _failure(printer: FakePrinter, payload: bytes = LABEL, **options: object) -> str:
    with pytest.raises(PrinterUnavailable) as caught:
        send_raw(printer.host, printer.port, payload, **options)  # type: ignore[arg-type]
    assert caught.value.title == "Printer unavailable"
    return caught.value.message


def test_the_printer_receives_exactly_the_label() -> None:
    with FakePrinter() as printer:
        sent = send_raw(printer.host, printer.port, LABEL)
    assert sent == len(LABEL)
    assert printer.jobs == [LABEL]


def test_a_ready_printer_answers_the_status_query_after_the_job() -> None:
    with FakePrinter(status="ok") as printer:
        sent = send_raw(printer.host, printer.port, LABEL, query_status=True)
    assert sent == len(LABEL)  # the ~HS query is not counted as label bytes
    assert printer.jobs == [LABEL]
    assert printer.status_queries == 1


@pytest.mark.parametrize(
    ("status", "remedy"),
    [("paper out", "load labels"), ("head open", "close the print head"), ("paused", "PAUSE")],
)
def test_a_printer_that_cannot_print_says_why(status: Status, remedy: str) -> None:
    with FakePrinter(status=status) as printer:
        message = _failure(printer, query_status=True)
    assert message.startswith(f"Printer 127.0.0.1:{printer.port} reports {status}.")
    assert remedy in message
    assert "held in the printer" in message
    assert "choose another printer" in message
    assert printer.jobs == [LABEL]  # the job was delivered; the printer holds it


def test_a_closed_port_is_refused() -> None:
    with FakePrinter(behaviour="refuse") as printer:
        message = _failure(printer)
    assert f"Printer 127.0.0.1:{printer.port} refused the connection" in message
    assert "Nothing was printed" in message
    assert ADVICE in message.lower()


def test_an_unknown_host_is_named() -> None:
    with pytest.raises(PrinterUnavailable) as caught:
        send_raw("zebra-bench-7.invalid", 9100, LABEL, timeout_s=2)  # RFC 6761: never resolves
    message = caught.value.message
    assert message.startswith("Printer zebra-bench-7.invalid:9100: that printer name is not known")
    assert ADVICE in message.lower()


def test_a_printer_that_accepts_but_never_reads_times_out() -> None:
    with FakePrinter(behaviour="stall") as printer:
        message = _failure(printer, timeout_s=0.3)
    assert (
        f"Printer 127.0.0.1:{printer.port} accepted the connection but did not take the whole "
        "job within 0.3 s" in message
    )
    assert "look at the printer before printing again" in message
    assert ADVICE in message.lower()
    assert printer.jobs == []


def test_a_job_larger_than_the_network_buffers_times_out_while_sending() -> None:
    graphic = b"^XA^GFA," + b"F" * (16 * 1024 * 1024) + b"^XZ"  # a huge bitmap label
    with FakePrinter(behaviour="stall") as printer:
        message = _failure(printer, graphic, timeout_s=0.5)
    assert "did not take the whole job within 0.5 s" in message


def test_a_silent_status_query_times_out() -> None:
    with FakePrinter(behaviour="stall") as printer:
        message = _failure(printer, timeout_s=0.3, query_status=True)
    assert "did not answer the status query" in message
    assert "out of labels or has its head open" in message


def test_a_printer_that_hangs_up_mid_job_is_reported() -> None:
    with FakePrinter(behaviour="hang_up") as printer:
        message = _failure(printer, timeout_s=2)
    assert (
        f"Printer 127.0.0.1:{printer.port} closed the connection in the middle of the job"
        in message
    )
    assert "destroy any partial label" in message
    assert ADVICE in message.lower()
    assert printer.jobs == []


def test_an_unreachable_network_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object, **kwargs: object) -> socket.socket:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    with pytest.raises(PrinterUnavailable) as caught:
        send_raw("10.9.8.7", 9100, LABEL)
    assert caught.value.message.startswith(
        "Printer 10.9.8.7:9100 cannot be reached (Network is unreachable)."
    )


def test_a_printer_that_does_not_answer_at_all_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def silent(*args: object, **kwargs: object) -> socket.socket:
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", silent)
    with pytest.raises(PrinterUnavailable) as caught:
        send_raw("zebra-bench-7", 9100, LABEL, timeout_s=2.5)
    message = caught.value.message
    assert message.startswith("Printer zebra-bench-7:9100 did not answer within 2.5 s.")
    assert "Nothing was printed" in message
    assert ADVICE in message.lower()


@pytest.mark.parametrize(("host", "port"), [("", 9100), ("zebra-1", 0), ("zebra-1", 65536)])
def test_an_invalid_printer_address_is_refused_before_connecting(host: str, port: int) -> None:
    with pytest.raises(PrinterUnavailable, match="address is not valid"):
        send_raw(host, port, LABEL)


def test_an_ipv6_printer_is_named_with_brackets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> socket.socket:
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    monkeypatch.setattr(socket, "create_connection", refused)
    with pytest.raises(PrinterUnavailable, match=r"^Printer \[fd00::7\]:9100 refused"):
        send_raw("fd00::7", 9100, LABEL)


def test_twenty_jobs_sent_at_once_all_arrive_intact() -> None:
    labels = [
        f"^XA^FO50,50^BCN,100,Y,N,N^FD=G1234986543{n:02d}^FS^FO50,200^FDBag {n}^FS^XZ".encode()
        for n in range(20)
    ]
    with FakePrinter() as printer, ThreadPoolExecutor(max_workers=20) as pool:
        sent = list(pool.map(lambda label: send_raw(printer.host, printer.port, label), labels))
    assert sent == [len(label) for label in labels]
    assert sorted(printer.jobs) == sorted(labels)


# ---------------------------------------------------------------- the ~HS reply


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("ok", PrinterStatus(paper_out=False, paused=False, head_open=False)),
        ("paper out", PrinterStatus(paper_out=True, paused=False, head_open=False)),
        ("paused", PrinterStatus(paper_out=False, paused=True, head_open=False)),
        ("head open", PrinterStatus(paper_out=False, paused=False, head_open=True)),
    ],
)
def test_host_status_flags_are_read(status: Status, expected: PrinterStatus) -> None:
    assert parse_host_status(host_status_reply(status)) == expected


def test_host_status_problems_are_named_in_words() -> None:
    assert PrinterStatus(paper_out=False, paused=False, head_open=False).problems == ()
    everything = PrinterStatus(paper_out=True, paused=True, head_open=True)
    assert everything.problems == ("paper out", "head open", "paused")


@pytest.mark.parametrize(
    "reply",
    [
        b"",
        b"\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n",  # one string of three
        b"\x02030,x,0\x03\r\n\x02001,0,0\x03\r\n\x021234,0\x03\r\n",  # a flag that is not 0/1
        b"\x02030\x03\r\n\x02001\x03\r\n\x021234,0\x03\r\n",  # too few fields
    ],
)
def test_a_reply_that_is_not_host_status_is_rejected(reply: bytes) -> None:
    with pytest.raises(ValueError, match="host status"):
        parse_host_status(reply)


def test_an_unreadable_status_reply_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.support.fake_printer.host_status_reply", lambda status: b"?\r\n")
    with FakePrinter() as printer:
        message = _failure(printer, query_status=True)
    assert "status reply could not be read" in message
    assert printer.jobs == [LABEL]
