"""Redaction at capture (issue 13, point 2): the manufacturer never stores who the patient is.

A hostile tester received the apheresis bag at the manufacturer by scanning its label's QR code
(which carries the date of birth, ISBT 128 024, and the hospital number, 025): the raw scan was
stored whole, and QA read both in the audit trail. Here the same scans go through the real
services; the stored scan, its audit events and every refusal text must hold neither.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.audit import AuditFilter, search_audit
from app.core.errors import ScanMismatch
from app.demo.journey import JourneyDriver
from app.journey import receive_unit
from db.enums import CaseStage, ShipmentDirection
from db.models import AuditEvent, Deviation, Scan, Shipment
from labels.isbt128.compose import patient_id_structure
from labels.redaction import IDENTITY_REMOVED
from tests.support.identity_keys import keys_of

NUMBER = "ZQX4471902"
BORN = date(1948, 2, 29)
FORMS = (NUMBER, "19480229", "1948-02-29", "29/02/1948")


def _forms_in(text: str) -> list[str]:
    return [f for f in FORMS if f.lower() in text.lower()]


def _scans_and_audit(demo: Any) -> str:
    with demo.database.read_session() as session:
        scans = [s.raw_text + (s.mismatch_reason or "") for s in session.scalars(select(Scan))]
        events = [
            f"{e.reason} {e.old_values} {e.new_values}"
            for e in session.scalars(select(AuditEvent).where(AuditEvent.record_type == "scan"))
        ]
        deviations = [d.description for d in session.scalars(select(Deviation))]
    return "\n".join(scans + events + deviations)


@pytest.fixture
def shipped(demo: Any, tmp_path: Path) -> tuple[JourneyDriver, Any]:
    """A case shipped to the manufacturer; the driver receives by the bag's QR code."""
    driver = JourneyDriver(demo.database, tmp_path, receive_by_two_d_code=True)
    case = driver.enrol(NUMBER, "Quillfeather", "Isolde", BORN)
    return driver, driver.run_to(case, CaseStage.SHIPPED_TO_MANUFACTURER)


def test_the_bag_qr_scanned_at_the_manufacturer_is_stored_without_identity(
    demo: Any, shipped: tuple[JourneyDriver, Any]
) -> None:
    driver, case = shipped
    with demo.database.read_session() as session:
        (inbound,) = session.scalars(
            select(Shipment).where(Shipment.direction == ShipmentDirection.TO_MANUFACTURER)
        )
        shipment_id = inbound.id
    units = [u for u in driver_units(driver, case) if u.kind.value == "apheresis_bag"]
    code = driver.two_d_code(units[0])
    assert NUMBER in code and "19480229" in code  # the label's QR carries both
    receive_unit(demo.database, demo["otto.operator"], shipment_id, code)
    with demo.database.read_session() as session:
        stored = session.scalars(select(Scan.raw_text).where(Scan.purpose == "receive")).one()
    assert stored.endswith(IDENTITY_REMOVED)
    assert units[0].din in stored  # the DIN (and COI, product, dates) stay
    assert _forms_in(_scans_and_audit(demo)) == []
    page = search_audit(demo.database, demo["asha.qa"], AuditFilter())
    shown = json.dumps([[e.reason, e.old_values, e.new_values] for e in page.rows], default=str)
    assert _forms_in(shown) == []


def test_the_same_qr_scanned_at_the_clinic_is_kept_whole(
    demo: Any, shipped: tuple[JourneyDriver, Any]
) -> None:
    """The clinic holds the identity: redaction is the manufacturer's, not everyone's."""
    with demo.database.read_session() as session:
        packed = session.scalars(select(Scan.raw_text).where(Scan.purpose == "pack")).all()
    assert packed  # packed by the DIN bar code at the clinic: nothing to redact
    driver, case = shipped
    bag = next(u for u in driver_units(driver, case) if u.kind.value == "apheresis_bag")
    from app.core import opened_scan_text  # noqa: PLC0415
    from app.scanning import Expectation, verify_scan  # noqa: PLC0415

    code = driver.two_d_code(bag)
    expected = Expectation(purpose="label check", description="the bag", coi=case.coi)
    verify_scan(demo.database, demo["alex.apheresis"], code, expected)
    with demo.database.read_session() as session:
        stored = session.execute(
            select(Scan.id, Scan.raw_text).where(Scan.purpose == "label check")
        ).all()
    # Whole, and sealed with the clinic key (it names the patient), never redacted.
    assert code in {
        opened_scan_text(keys_of(demo.database), row.id, row.raw_text) for row in stored
    }


@pytest.mark.parametrize(
    "wrong",
    [
        # text no code could be: the refusal quotes the scan
        pytest.param(patient_id_structure(NUMBER) + "\x07", id="control-character"),
        # a damaged date of birth: the parser's error quotes the content
        pytest.param("=#00194802XX", id="damaged-date-of-birth"),
    ],
)
def test_a_refusal_at_the_manufacturer_never_quotes_an_identifier_read(
    demo: Any, shipped: tuple[JourneyDriver, Any], wrong: str
) -> None:
    _driver, _case = shipped
    with demo.database.read_session() as session:
        shipment_id = session.scalars(select(Shipment.id)).one()
    with pytest.raises(ScanMismatch) as refusal:
        receive_unit(demo.database, demo["otto.operator"], shipment_id, wrong)
    assert _forms_in(refusal.value.message + " ".join(refusal.value.reasons)) == []
    assert "194802" not in refusal.value.message
    text = _scans_and_audit(demo)
    assert _forms_in(text) == [] and "194802" not in text


def driver_units(driver: JourneyDriver, case: Any) -> list[Any]:
    """The units of the case as the operator reads them."""
    from app.journey import unit_view, units_of_case  # noqa: PLC0415

    with driver.database.read_session() as session:
        return [unit_view(u) for u in units_of_case(session, case.id)]
