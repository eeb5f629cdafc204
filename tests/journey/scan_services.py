"""Every service that takes scan text, each set up at the point where a screen would call it.

`SCAN_SERVICES` names each one; `ready(name, demo, tmp_path)` drives a fresh case to where
that service is used and returns a `ScanPoint` whose ``scan(text)`` calls the service with
``text`` as the scan a screen would send (the other scans of the call, if any, are good).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.core.unit_of_work import UnitOfWork
from app.demo.journey import STEP_PARAMETERS, JourneyDriver
from app.journey import bedside_check
from app.journey.collection import CollectedBag, register_collection
from app.journey.manufacturing import StepRecord, perform_step, start_manufacture
from app.journey.shipping import attach_logger, create_shipment, pack_unit, receive_unit
from app.journey.views import CaseView
from app.labelling.records import confirm_label, issue_label
from app.scanning import Expectation, verify_scan
from db.enums import CaseStage, ShipmentDirection
from db.models import Shipment, Unit
from db.types import utc_now
from tests.journey.steps import thaw_final_bags


@dataclass(frozen=True)
class ScanPoint:
    """A service ready to take a scan: ``scan(text)`` calls it; ``case_id`` is its case."""

    name: str
    case_id: uuid.UUID
    scan: Callable[[str], Any]
    purpose: str
    """The purpose a refused scan of this service is recorded under."""
    database: Any = None


def _shipment(driver: JourneyDriver, case_id: uuid.UUID, direction: ShipmentDirection) -> uuid.UUID:
    with driver.database.read_session() as session:
        found = session.scalar(
            select(Shipment.id).where(Shipment.case_id == case_id, Shipment.direction == direction)
        )
    assert found is not None
    return found


def enrolled(driver: JourneyDriver) -> CaseView:
    """The case every scan point uses, just enrolled."""
    return driver.enrol("H1", "Roe", "Richard", date(1965, 7, 2))


def _scan_station(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    expected = Expectation(purpose="scan station", description="the case", coi=case.coi)
    operator = driver.who("otto.operator")
    return ScanPoint(
        "scan station",
        case.id,
        lambda text: verify_scan(driver.database, operator, text, expected),
        "scan station",
    )


def _pre_labelled_din(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    nurse = driver.who("alex.apheresis")
    end = utc_now() - timedelta(hours=1)

    def scan(text: str) -> Any:
        bag = CollectedBag(250.0, "ACD-A", end - timedelta(hours=3), end, din_scan=text)
        return register_collection(driver.database, nurse, case.id, bag)

    return ScanPoint("pre-labelled DIN", case.id, scan, "pre-labelled DIN")


def _label_scan_back(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    nurse = driver.who("alex.apheresis")
    end = utc_now() - timedelta(hours=1)
    bag = register_collection(
        driver.database, nurse, case.id, CollectedBag(250.0, "ACD-A", end - timedelta(hours=3), end)
    )
    with UnitOfWork(driver.database, nurse) as uow:
        row = uow.session.get(Unit, bag.id)
        assert row is not None
        issue_label(uow, row, template="test", payload="{}", printer_name="test printer")
        uow.commit()
    return ScanPoint(
        "label scan-back",
        case.id,
        lambda text: confirm_label(driver.database, nurse, bag.id, text),
        "label check",
    )


def _pack(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    nurse = driver.who("alex.apheresis")
    shipment = create_shipment(driver.database, nurse, case.id, ShipmentDirection.TO_MANUFACTURER)
    return ScanPoint(
        "pack", case.id, lambda text: pack_unit(driver.database, nurse, shipment.id, text), "pack"
    )


def _logger(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    nurse = driver.who("alex.apheresis")
    shipment = create_shipment(driver.database, nurse, case.id, ShipmentDirection.TO_MANUFACTURER)
    return ScanPoint(
        "data logger",
        case.id,
        lambda text: attach_logger(driver.database, nurse, shipment.id, text),
        "data logger",
    )


def _receipt(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    shipment = _shipment(driver, case.id, ShipmentDirection.TO_MANUFACTURER)
    operator = driver.who("otto.operator")
    return ScanPoint(
        "receipt",
        case.id,
        lambda text: receive_unit(driver.database, operator, shipment, text),
        "receive",
    )


def _clinic_receipt(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    shipment = _shipment(driver, case.id, ShipmentDirection.TO_CLINIC)
    nurse = driver.who("ivy.infusion")
    return ScanPoint(
        "clinic receipt",
        case.id,
        lambda text: receive_unit(driver.database, nurse, shipment, text),
        "receive",
    )


def _step_input(driver: JourneyDriver, case: CaseView) -> ScanPoint:
    operator = driver.who("otto.operator")
    step = start_manufacture(driver.database, operator, case.id)[0]
    parameters = dict(STEP_PARAMETERS["receipt"])
    return ScanPoint(
        "step input",
        case.id,
        lambda text: perform_step(
            driver.database, operator, step.id, StepRecord((text,), dict(parameters))
        ),
        "step receipt",
    )


def _bedside(driver: JourneyDriver, case: CaseView, *, wristband: bool) -> ScanPoint:
    bag = thaw_final_bags(driver, case)[0]
    nurse = driver.who("ivy.infusion")
    good_wristband, good_bag = driver.wristband(case), f"={bag.din}00"

    def scan(text: str) -> Any:
        return bedside_check(
            driver.database,
            nurse,
            case.id,
            wristband_scan=text if wristband else good_wristband,
            bag_scan=good_bag if wristband else text,
        )

    if wristband:
        return ScanPoint("bedside wristband", case.id, scan, "bedside wristband")
    return ScanPoint("bedside bag", case.id, scan, "bedside bag")


SETUPS: dict[str, Callable[[JourneyDriver, CaseView], ScanPoint]] = {
    "scan station": _scan_station,
    "pre-labelled DIN": _pre_labelled_din,
    "label scan-back": _label_scan_back,
    "pack": _pack,
    "data logger": _logger,
    "receipt": _receipt,
    "clinic receipt": _clinic_receipt,
    "step input": _step_input,
    "bedside wristband": lambda driver, case: _bedside(driver, case, wristband=True),
    "bedside bag": lambda driver, case: _bedside(driver, case, wristband=False),
}
SCAN_SERVICES = tuple(SETUPS)
STAGE: dict[str, CaseStage] = {
    "scan station": CaseStage.ENROLLED,
    "pre-labelled DIN": CaseStage.ENROLLED,
    "label scan-back": CaseStage.ENROLLED,
    "pack": CaseStage.COLLECTED,
    "data logger": CaseStage.COLLECTED,
    "receipt": CaseStage.SHIPPED_TO_MANUFACTURER,
    "clinic receipt": CaseStage.SHIPPED_TO_CLINIC,
    "step input": CaseStage.RECEIVED_AT_MANUFACTURER,
    "bedside wristband": CaseStage.RECEIVED_AT_CLINIC,
    "bedside bag": CaseStage.RECEIVED_AT_CLINIC,
}
"""The stage of its case where each service is used."""


def ready(name: str, demo: Any, tmp_path: Path) -> ScanPoint:
    """The service ``name`` with a fresh case at the point where it is used."""
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = enrolled(driver)
    if STAGE[name] is not CaseStage.ENROLLED:
        case = driver.run_to(case, STAGE[name])
    return ready_at(name, demo.database, case, tmp_path)


def ready_at(name: str, database: Any, case: CaseView, tmp_path: Path) -> ScanPoint:
    """The service ``name`` on ``case``, which is at the service's stage (``STAGE[name]``)."""
    point = SETUPS[name](JourneyDriver(database, tmp_path, station="test-station"), case)
    return replace(point, database=database)
