"""Journey steps the tests share: each drives the real services as the demo people would."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from app.core.unit_of_work import UnitOfWork
from app.demo.journey import JourneyDriver
from app.journey.collection import CollectedBag, register_collection, verify_collection
from app.journey.enrolment import Enrolment, enrol_patient
from app.journey.views import CaseView, UnitView, unit_view
from app.labelling import apply_shipper_label, print_shipper_label
from app.labelling.records import confirm_label, issue_label
from db.enums import UnitKind
from db.models import Shipment, Unit
from db.types import utc_now

DEMO_PASSWORD = "demo-password"


def enrol(demo, hospital_number: str = "H0001", family: str = "Okafor") -> CaseView:
    """Cora enrols a patient for the demo product at Northbridge."""
    return enrol_patient(
        demo.database,
        demo["cora.coordinator"],
        Enrolment(
            family_name=family,
            given_name="Ada",
            date_of_birth=date(1971, 3, 14),
            hospital_number=hospital_number,
            product_code="S1234",
            manufacturing_site_code="CTF",
            planned_collection_date=utc_now().date(),
            manufacturing_slot_date=utc_now().date() + timedelta(days=2),
            treating_physician="Dr Helen Marsh",
            same_patient=False,
        ),
    )


def label_shipper(database, actor, shipment_id: uuid.UUID) -> None:
    """Print the shipper label and scan its SSCC back onto the shipper (before a hand-over)."""
    print_shipper_label(database, actor, shipment_id)
    with database.read_session() as session:
        sscc = session.get_one(Shipment, shipment_id).sscc
    apply_shipper_label(database, actor, shipment_id, f"(00){sscc}")


def din_scan(unit: UnitView) -> str:
    """What a scanner sends for the unit's DIN bar code (data structure 001, flag 00)."""
    assert unit.din is not None
    return f"={unit.din}00"


def label_and_confirm(demo, unit: UnitView, username: str) -> None:
    """Record a printed label for the unit and scan it back."""
    actor = demo[username]
    with UnitOfWork(demo.database, actor) as uow:
        row = uow.session.get(Unit, unit.id)
        assert row is not None
        issue_label(uow, row, template="test", payload="{}", printer_name="test printer")
        uow.commit()
    confirm_label(demo.database, actor, unit.id, din_scan(unit))


def collect(demo, case: CaseView, bags: int = 1) -> list[UnitView]:
    """Alex registers and labels the bags; Ana verifies the collection."""
    units = []
    end = utc_now() - timedelta(hours=1)
    for _ in range(bags):
        unit = register_collection(
            demo.database,
            demo["alex.apheresis"],
            case.id,
            CollectedBag(250.0, "ACD-A", end - timedelta(hours=3), end),
        )
        label_and_confirm(demo, unit, "alex.apheresis")
        units.append(unit)
    verify_collection(demo.database, demo["ana.apheresis"], case.id, DEMO_PASSWORD)
    return units


def new_id() -> uuid.UUID:
    """A random id that names no record."""
    return uuid.uuid4()


def thaw_final_bags(driver: JourneyDriver, case: CaseView) -> list[UnitView]:
    """Ivy records the thaw start of the case's final bags now (the viability clock asks for
    it before the bedside check); the bags are returned, oldest first."""
    with driver.database.read_session() as session:
        bags = [
            unit_view(bag)
            for bag in session.scalars(
                select(Unit)
                .where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
                .order_by(Unit.created_at)
            )
        ]
    for bag in bags:
        driver.thaw(bag)
    return bags
