"""A workstation's operations for the load test, each one real service call with its ack.

A station works as a clinic and a manufacturing floor would: cases are enrolled, their bags
registered, labelled, scanned back and verified, packed and handed to the courier (custody);
prepared batch records have their steps performed, their outputs labelled and the steps verified;
between these, bags are checked at the scan station and the audit trail is searched. Each write
names the audit event it must leave (`Ack`), which the exactly-once check looks for afterwards.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from app.audit import AuditFilter, search_audit
from app.core import Actor, Database
from app.demo import DEMO_PASSWORD, STEP_PARAMETERS
from app.journey import (
    CaseView,
    CollectedBag,
    Enrolment,
    StepRecord,
    StepView,
    attach_logger,
    create_shipment,
    enrol_patient,
    hand_over,
    pack_unit,
    perform_step,
    register_collection,
    unit_view,
    units_of_case,
    verify_collection,
    verify_step,
)
from app.labelling import (
    apply_shipper_label,
    confirm_label,
    print_shipper_label,
    print_unit_label,
)
from app.scanning import Expectation, verify_scan
from db.enums import ShipmentDirection, UnitKind, UnitStatus
from db.types import utc_now

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Ack:
    """The audit event an acknowledged write must have left, exactly once.

    ``record_id`` names the record when the service returns it; otherwise ``fields`` are
    values the event's new values hold (e.g. the shipment and unit of a packed item).
    """

    record_type: str
    action: str
    record_id: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    scope: tuple[tuple[str, str], ...] = ()
    """Values every event of this operation's kind holds, and events of other operations with
    the same record type and action do not (a scan-station scan, not a pack's scan)."""


@dataclass(frozen=True)
class Op:
    """One operation: its kind, the service it calls, and what its result acknowledges."""

    kind: str
    name: str
    call: Callable[[], Any]
    ack: Callable[[Any], Ack | None] = lambda _result: None


FAILED = object()
"""Sent back into a pipeline when its operation failed (nothing was stored)."""


class _Abandon(Exception):
    """An operation failed three times: the station leaves this case and starts another."""


def _letters(number: int, width: int = 5) -> str:
    text = ""
    for _ in range(width):
        number, digit = divmod(number, 26)
        text += _LETTERS[digit]
    return text


@dataclass
class StationWork:
    """What one station works on: its people, its cases in manufacture, the bags it knows."""

    database: Database
    tag: str
    """Letters and digits that keep this station's hospital numbers apart from every other."""
    number: int
    people: dict[str, Actor]
    bags: list[tuple[str, str]] = field(default_factory=list)
    """(DIN, COI) of every bag labelled and scanned back here, for the scan station."""
    cases: list[str] = field(default_factory=list)
    """COIs of this station's cases, for the audit searches."""
    batches: list[list[StepView]] = field(default_factory=list)
    """The steps of each case prepared in manufacture for this station."""
    random: random.Random = field(default_factory=random.Random)
    turn: int = 0
    """Pipeline operations started: every other one is a manufacturing step while any is left."""
    _enrolled: int = 0

    def who(self, username: str) -> Actor:
        """The signed-in demo user."""
        return self.people[username]


def _attempt(op: Op) -> Generator[Op, Any, Any]:
    """Yield ``op`` until it succeeds (at most three times, as a user retries)."""
    for _ in range(3):
        result = yield op
        if result is not FAILED:
            return result
    raise _Abandon(op.name)


def _enrolment(work: StationWork) -> Enrolment:
    work._enrolled += 1
    number = work._enrolled
    today = utc_now().date()
    return Enrolment(
        family_name="Loadtest",
        given_name="Lt" + _letters(work.number * 100_000 + number),
        date_of_birth=date(1940, 1, 1) + timedelta(days=work.number * 7 + number),
        hospital_number=f"L{work.tag}{number:05d}",
        product_code="S1234",
        manufacturing_site_code="CTF",
        planned_collection_date=today,
        manufacturing_slot_date=today + timedelta(days=1),
        treating_physician="Dr Helen Marsh",
        same_patient=False,
    )


def _label_and_scan_back(
    work: StationWork, unit_id: uuid.UUID, username: str
) -> Generator[Op, Any, Any]:
    """Print a unit's label (PDF for the system printer) and scan it back on the unit."""
    database, actor = work.database, work.who(username)
    printed = yield from _attempt(
        Op(
            "label_print",
            "print_unit_label",
            lambda: print_unit_label(database, actor, unit_id),
            lambda p: Ack("label", "print label", str(p.label.id)),
        )
    )
    yield from _attempt(
        Op(
            "scan",
            "confirm_label",
            lambda: confirm_label(database, actor, unit_id, printed.din_scan),
            lambda label: Ack("label", "apply label", str(label.id)),
        )
    )
    return printed


def collection_cycle(work: StationWork) -> Generator[Op, Any, None]:
    """Enrol, collect, label, verify, pack and hand over one case after another."""
    database = work.database
    coordinator, nurse = work.who("cora.coordinator"), work.who("alex.apheresis")
    verifier = work.who("ana.apheresis")
    while True:
        try:
            enrolment = _enrolment(work)
            case: CaseView = yield from _attempt(
                Op(
                    "enrolment",
                    "enrol_patient",
                    partial(enrol_patient, database, coordinator, enrolment),
                    lambda c: Ack("therapy_case", "enrol", str(c.id)),
                )
            )
            work.cases.append(case.coi)
            end = utc_now() - timedelta(hours=2)
            bag = yield from _attempt(
                Op(
                    "custody",
                    "register_collection",
                    partial(
                        register_collection,
                        database,
                        nurse,
                        case.id,
                        CollectedBag(248.0, "ACD-A", end - timedelta(hours=3), end),
                    ),
                    lambda b: Ack("unit", "register collection", str(b.id)),
                )
            )
            yield from _label_and_scan_back(work, bag.id, "alex.apheresis")
            work.bags.append((bag.din, case.coi))
            yield from _attempt(
                Op(
                    "custody",
                    "verify_collection",
                    partial(verify_collection, database, verifier, case.id, DEMO_PASSWORD),
                    partial(_fields_ack, "stage_record", "collection verified", _of(case.id)),
                )
            )
            yield from _ship(work, case, bag.id, bag.din)
        except _Abandon:
            continue


def _fields_ack(
    record_type: str, action: str, fields: tuple[tuple[str, str], ...], _result: Any
) -> Ack:
    return Ack(record_type, action, None, fields)


def _of(case_id: uuid.UUID) -> tuple[tuple[str, str], ...]:
    return (("case_id", str(case_id)),)


def _ship(
    work: StationWork, case: CaseView, unit_id: uuid.UUID, din: str
) -> Generator[Op, Any, None]:
    database, nurse = work.database, work.who("alex.apheresis")
    shipment = yield from _attempt(
        Op(
            "custody",
            "create_shipment",
            lambda: create_shipment(database, nurse, case.id, ShipmentDirection.TO_MANUFACTURER),
            lambda s: Ack("shipment", "open shipment", str(s.id)),
        )
    )
    packed = (("shipment_id", str(shipment.id)), ("unit_id", str(unit_id)))
    yield from _attempt(
        Op(
            "custody",
            "pack_unit",
            lambda: pack_unit(database, nurse, shipment.id, f"={din}00"),
            lambda _s: Ack("shipment_item", "pack unit", None, packed),
        )
    )
    logger = f"(8004)5901234LOG{shipment.sscc[-6:]}"
    yield from _attempt(
        Op(
            "custody",
            "attach_logger",
            lambda: attach_logger(database, nurse, shipment.id, logger),
            lambda s: Ack("shipment", "attach logger", str(s.id)),
        )
    )
    yield from _attempt(
        Op(
            "label_print",
            "print_shipper_label",
            lambda: print_shipper_label(database, nurse, shipment.id),
            lambda p: Ack("label", "print label", str(p.label.id)),
        )
    )
    yield from _attempt(
        Op(
            "scan",
            "apply_shipper_label",
            lambda: apply_shipper_label(database, nurse, shipment.id, f"(00){shipment.sscc}"),
            lambda label: Ack("label", "apply label", str(label.id)),
        )
    )
    yield from _attempt(
        Op(
            "custody",
            "hand_over",
            lambda: hand_over(
                database,
                nurse,
                shipment.id,
                courier_name="Sam Driver",
                courier_organisation="Cryo Couriers Ltd",
            ),
            lambda _s: Ack("custody_event", "custody given", None, packed),
        )
    )


def manufacturing_steps(work: StationWork) -> Generator[Op, Any, None]:
    """Perform each prepared batch record's steps, label their outputs, verify each step."""
    database = work.database
    operator, verifier = work.who("otto.operator"), work.who("vera.verifier")
    for steps in work.batches:
        try:
            for step in steps:
                inputs = _inputs(database, step.case_id)
                parameters = dict(STEP_PARAMETERS[step.code])
                performed: StepView = yield from _attempt(
                    Op(
                        "step",
                        "perform_step",
                        partial(
                            perform_step,
                            database,
                            operator,
                            step.id,
                            StepRecord(inputs, parameters),
                        ),
                        lambda v: Ack("manufacturing_step", "perform step", str(v.id)),
                    )
                )
                for output in performed.outputs:
                    yield from _label_and_scan_back(work, output, "otto.operator")
                yield from _attempt(
                    Op(
                        "step",
                        "verify_step",
                        partial(verify_step, database, verifier, step.id, DEMO_PASSWORD),
                        lambda v: Ack("manufacturing_step", "verify step", str(v.id)),
                    )
                )
        except _Abandon:
            continue


def _inputs(database: Database, case_id: uuid.UUID) -> tuple[str, ...]:
    """What the operator scans into a step: the case's available containers (no QC sample)."""
    with database.read_session() as session:
        units = [unit_view(u) for u in units_of_case(session, case_id)]
    return tuple(
        f"={u.din}00"
        for u in units
        if u.status is UnitStatus.AVAILABLE and u.kind is not UnitKind.QC_SAMPLE
    )


SCAN_STATION = (("purpose", "scan station"),)


def scan_check(work: StationWork) -> Op:
    """A bag this station labelled, checked at the scan station against its case."""
    din, coi = work.random.choice(work.bags)
    expected = Expectation(
        purpose=SCAN_STATION[0][1], description="the case chosen at this station", coi=coi
    )
    actor = work.who("alex.apheresis")
    return Op(
        "scan",
        "verify_scan",
        lambda: verify_scan(work.database, actor, f"={din}00", expected),
        lambda verdict: Ack("scan", "scan matched", str(verdict.scan_id), scope=SCAN_STATION),
    )


def audit_search(work: StationWork) -> Op:
    """QA searches the audit trail: one of this station's cases, a user's scans, or labels."""
    choice = work.random.randrange(3)
    if choice == 0 and work.cases:
        wanted = AuditFilter(case=work.random.choice(work.cases))
    elif choice == 1:
        wanted = AuditFilter(username="alex.apheresis", action="scan")
    else:
        wanted = AuditFilter(record_type="label")
    actor = work.who("asha.qa")
    return Op("audit_search", "search_audit", lambda: search_audit(work.database, actor, wanted))
