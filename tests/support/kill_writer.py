"""A writer for the kill -9 test: journey operations through the real services, each acknowledged.

``python -m tests.support.kill_writer URL TAG`` signs the demo people in, prints ``READY``, then
loops until killed: enrol a patient, register the collected bag, print its label, scan the label
back, verify the collection. After each service call returns (its transaction committed) it
prints ``ACK <operation> <ids>`` and flushes, so every line the test reads is a committed
operation. ``TAG`` (letters and digits) keeps each restart's hospital numbers apart.

``python -m tests.support.kill_writer URL TAG MODE N`` lets N anchor writes through, then kills
itself with SIGKILL at the next: ``before-anchor`` right after the database commit, before its
anchor line is written; ``mid-anchor`` after writing half of that line.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import date, timedelta
from pathlib import Path
from tempfile import gettempdir

from sqlalchemy import URL

from app.core import audit_anchor, open_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey import (
    CollectedBag,
    Enrolment,
    enrol_patient,
    register_collection,
    verify_collection,
)
from app.labelling import confirm_label, print_unit_label
from db.types import utc_now

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _name(number: int) -> str:
    """A distinct given name per operation (names hold letters only)."""
    text = ""
    for _ in range(4):
        number, digit = divmod(number, 26)
        text += _LETTERS[digit]
    return "Kay" + text


def _die_at_anchor(mode: str, let_through: int) -> None:
    """Kill this process with SIGKILL at anchor write number ``let_through + 1``."""
    record_anchor = audit_anchor.record_anchor
    calls = 0

    def record(url: str | URL, head: audit_anchor.ChainHead) -> Path:
        nonlocal calls
        calls += 1
        if calls <= let_through:
            return record_anchor(url, head)
        if mode == "mid-anchor":
            line = f"{head.seq} {head.hash} {utc_now().isoformat()}\n".encode()
            descriptor = os.open(audit_anchor.anchor_path(url), os.O_WRONLY | os.O_APPEND)
            os.write(descriptor, line[: len(line) // 2])
            os.fsync(descriptor)
            os.close(descriptor)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("not reached")

    audit_anchor.record_anchor = record


def _ack(*parts: object) -> None:
    print("ACK", *parts, flush=True)


def main(url: str, tag: str, mode: str | None = None, let_through: int = 0) -> None:
    """Drive journeys on ``url`` until killed (or, with ``mode``, until it kills itself)."""
    database = open_database(url)
    driver = JourneyDriver(database, Path(gettempdir()), station="kill-writer")
    coordinator = driver.who("cora.coordinator")
    collector = driver.who("alex.apheresis")
    verifier = driver.who("ana.apheresis")
    if mode is not None:
        _die_at_anchor(mode, let_through)
    print("READY", flush=True)
    number = 0
    while True:
        number += 1
        hospital_number = f"K{tag}{number:05d}"
        case = enrol_patient(
            database,
            coordinator,
            Enrolment(
                family_name="Killsafe",
                given_name=_name(number),
                date_of_birth=date(1950, 1, 1) + timedelta(days=number),
                hospital_number=hospital_number,
                product_code="S1234",
                manufacturing_site_code="CTF",
                planned_collection_date=utc_now().date(),
                manufacturing_slot_date=utc_now().date() + timedelta(days=1),
                treating_physician="Dr Helen Marsh",
                same_patient=False,
            ),
        )
        _ack("enrol", case.id, hospital_number)
        end = utc_now() - timedelta(hours=2)
        bag = register_collection(
            database,
            collector,
            case.id,
            CollectedBag(248.0, "ACD-A", end - timedelta(hours=3), end),
        )
        _ack("collect", case.id, bag.id)
        printed = print_unit_label(database, collector, bag.id)
        _ack("print", bag.id, printed.label.id)
        confirm_label(database, collector, bag.id, printed.din_scan)
        _ack("confirm", bag.id, printed.label.id)
        verify_collection(database, verifier, case.id, DEMO_PASSWORD)
        _ack("verify", case.id)


if __name__ == "__main__":
    if len(sys.argv) > 3:
        main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main(sys.argv[1], sys.argv[2])
