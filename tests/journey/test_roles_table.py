"""Every journey operation × every role (DESIGN.md §7), enforced by the services themselves.

For each operation a case is driven to the stage where it may happen; every role that may not
do it is refused with NotPermitted and changes nothing (the audit trail does not grow), then a
role that may do it succeeds.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.actor import Actor
from app.core.database import Database, open_database
from app.core.errors import NotPermitted
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey.collection import CollectedBag, register_collection, verify_collection
from app.journey.enrolment import Enrolment, enrol_patient, find_case
from app.journey.infusion import bedside_check, confirm_infusion
from app.journey.manufacturing import StepRecord, perform_step, start_manufacture, verify_step
from app.journey.qc import enter_qc_result, qc_results_of_case, review_qc_result
from app.journey.release import certify_release, release_checklist
from app.journey.shipping import complete_receipt, create_shipment, receive_unit
from app.journey.stages import stage_index
from app.journey.views import CaseView
from app.quality.deviations import close_deviation, deviations_of_case, raise_deviation
from db.engine import make_engine
from db.enums import CaseStage, Role, ShipmentDirection
from db.models import AuditEvent
from db.types import utc_now
from tests.conftest import BACKENDS, PASSWORD, PostgresServer
from tests.support.readers import reader

USERS: dict[Role, str] = {
    Role.ADMIN: "admin",
    Role.CLINIC_COORDINATOR: "cora.coordinator",
    Role.APHERESIS_NURSE: "ana.apheresis",
    Role.INFUSION_NURSE: "ian.infusion",
    Role.MFG_OPERATOR: "otto.operator",
    Role.MFG_VERIFIER: "vera.verifier",
    Role.QC_ANALYST: "quinn.qc",
    Role.QA: "asha.qa",
    Role.QP: "petra.qp",
}
CLINIC = {Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE, Role.INFUSION_NURSE}
_serial = itertools.count(1)


class Fixture:
    """A driver plus the objects the operation under test needs."""

    def __init__(self, driver: JourneyDriver, staged: Mapping[CaseStage, uuid.UUID]) -> None:
        self.driver = driver
        self.staged = staged
        self.values: dict[str, Any] = {}

    def actor(self, role: Role) -> Actor:
        if role is Role.ADMIN:
            from app.access.users import authenticate  # noqa: PLC0415

            return authenticate(self.driver.database, "admin", PASSWORD, "test-station")
        return self.driver.who(USERS[role])

    def case_at(self, stage: CaseStage) -> CaseView:
        driver = self.driver
        if stage in self.staged:  # driven once into the template, before the test
            case = find_case(driver.database, driver.who("cora.coordinator"), self.staged[stage])
            self.values["case"] = case
            return case
        case = driver.enrol(
            f"H{len(driver.log.stages)}{stage_index(stage)}{next(_serial)}",
            "Test",
            "Pat",
            date(1970, 1, 1),
        )
        if stage is not CaseStage.ENROLLED:
            case = driver.run_to(case, stage)
        self.values["case"] = case
        return case


@dataclass(frozen=True)
class Operation:
    """An operation, the roles that may do it, how to set it up and how to call it."""

    name: str
    allowed: frozenset[Role]
    setup: Callable[[Fixture], None]
    call: Callable[[Fixture, Actor], object]
    succeeds_as: Role


def _enrolment(fixture: Fixture) -> Enrolment:
    number = f"E{next(_serial)}"
    today = utc_now().date()
    return Enrolment(
        "Doe",
        "Jo",
        date(1975, 5, 5),
        number,
        "S1234",
        "CTF",
        planned_collection_date=today,
        manufacturing_slot_date=today,
        treating_physician="Dr Helen Marsh",
        same_patient=False,
    )


def _bag() -> CollectedBag:
    end = utc_now() - timedelta(hours=1)
    return CollectedBag(200.0, "ACD-A", end - timedelta(hours=2), end)


def _registered(fixture: Fixture) -> None:
    case = fixture.case_at(CaseStage.ENROLLED)
    bag = register_collection(
        fixture.driver.database, fixture.driver.who("alex.apheresis"), case.id, _bag()
    )
    fixture.driver.label(bag, "alex.apheresis")


def _in_transit(fixture: Fixture) -> None:
    case = fixture.case_at(CaseStage.SHIPPED_TO_MANUFACTURER)
    db = fixture.driver.database
    from app.journey.records import units_of_case  # noqa: PLC0415
    from db.models import Shipment  # noqa: PLC0415

    with db.read_session() as session:
        fixture.values["bag"] = units_of_case(session, case.id)[0]
        fixture.values["shipment"] = session.scalar(
            select(Shipment).where(Shipment.case_id == case.id)
        )


def _received_one(fixture: Fixture) -> None:
    _in_transit(fixture)
    receive_unit(
        fixture.driver.database,
        fixture.driver.who("otto.operator"),
        fixture.values["shipment"].id,
        f"={fixture.values['bag'].din}00",
    )


def _first_step(fixture: Fixture) -> None:
    from app.journey.manufacturing import steps_of_case  # noqa: PLC0415

    case = fixture.case_at(CaseStage.RECEIVED_AT_MANUFACTURER)
    start_manufacture(fixture.driver.database, fixture.driver.who("otto.operator"), case.id)
    fixture.values["step"] = steps_of_case(
        fixture.driver.database, reader(fixture.driver.database), case.id
    )[0]
    with fixture.driver.database.read_session() as session:
        from app.journey.records import units_of_case  # noqa: PLC0415

        fixture.values["bag"] = units_of_case(session, case.id)[0]


def _performed_step(fixture: Fixture) -> None:
    _first_step(fixture)
    perform_step(
        fixture.driver.database,
        fixture.driver.who("otto.operator"),
        fixture.values["step"].id,
        StepRecord((f"={fixture.values['bag'].din}00",), {"bag_intact": True, "volume_ml": 240.0}),
    )


def _entered_qc(fixture: Fixture) -> None:
    case = fixture.case_at(CaseStage.QC_PENDING_RELEASE)
    result = enter_qc_result(
        fixture.driver.database, fixture.driver.who("quinn.qc"), case.id, "viability", "90"
    )
    fixture.values["result"] = result


def _releasable(fixture: Fixture) -> None:
    case = fixture.case_at(CaseStage.QC_PENDING_RELEASE)
    driver = fixture.driver
    from app.demo.journey import QC_RESULTS  # noqa: PLC0415
    from app.journey.qc import approve_qc_exception  # noqa: PLC0415

    for test, value in QC_RESULTS.items():
        enter_qc_result(driver.database, driver.who("quinn.qc"), case.id, test, value)
    for result in qc_results_of_case(driver.database, reader(driver.database), case.id):
        review_qc_result(driver.database, driver.who("asha.qa"), result.id, DEMO_PASSWORD)
        if result.outcome.value == "pending":
            approve_qc_exception(
                driver.database, driver.who("asha.qa"), result.id, "per SOP", DEMO_PASSWORD
            )


def _bedside(fixture: Fixture) -> None:
    case = fixture.case_at(CaseStage.RECEIVED_AT_CLINIC)
    from app.journey.records import units_of_case  # noqa: PLC0415

    with fixture.driver.database.read_session() as session:
        fixture.values["bag"] = next(
            u for u in units_of_case(session, case.id) if u.kind.value == "final_product_bag"
        )
    if "thawed" not in fixture.values:
        fixture.driver.thaw(fixture.values["bag"])
        fixture.values["thawed"] = True


def _checked(fixture: Fixture) -> None:
    _bedside(fixture)
    case = fixture.values["case"]
    fixture.values["check"] = bedside_check(
        fixture.driver.database,
        fixture.driver.who("ivy.infusion"),
        case.id,
        wristband_scan=fixture.driver.wristband(case),
        bag_scan=f"={fixture.values['bag'].din}00",
    )


def _deviation(fixture: Fixture) -> None:
    case = fixture.case_at(CaseStage.ENROLLED)
    fixture.values["deviation"] = raise_deviation(
        fixture.driver.database,
        fixture.driver.who("cora.coordinator"),
        description="test",
        case_id=case.id,
    )


ALL = frozenset(Role)
OPERATIONS = [
    Operation(
        "enrol",
        frozenset({Role.CLINIC_COORDINATOR}),
        lambda f: None,
        lambda f, a: enrol_patient(f.driver.database, a, _enrolment(f)),
        Role.CLINIC_COORDINATOR,
    ),
    Operation(
        "register collection",
        frozenset({Role.APHERESIS_NURSE}),
        lambda f: f.case_at(CaseStage.ENROLLED) and None,
        lambda f, a: register_collection(f.driver.database, a, f.values["case"].id, _bag()),
        Role.APHERESIS_NURSE,
    ),
    Operation(
        "verify collection",
        frozenset(CLINIC),
        _registered,
        lambda f, a: verify_collection(f.driver.database, a, f.values["case"].id, DEMO_PASSWORD),
        Role.CLINIC_COORDINATOR,
    ),
    Operation(
        "ship to manufacturer",
        frozenset({Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE}),
        lambda f: f.case_at(CaseStage.COLLECTED) and None,
        lambda f, a: create_shipment(
            f.driver.database, a, f.values["case"].id, ShipmentDirection.TO_MANUFACTURER
        ),
        Role.CLINIC_COORDINATOR,
    ),
    Operation(
        "receive at manufacturer",
        frozenset({Role.MFG_OPERATOR}),
        _in_transit,
        lambda f, a: receive_unit(
            f.driver.database, a, f.values["shipment"].id, f"={f.values['bag'].din}00"
        ),
        Role.MFG_OPERATOR,
    ),
    Operation(
        "verify receipt at manufacturer",
        frozenset({Role.MFG_VERIFIER}),
        _received_one,
        lambda f, a: complete_receipt(f.driver.database, a, f.values["shipment"].id, DEMO_PASSWORD),
        Role.MFG_VERIFIER,
    ),
    Operation(
        "start manufacture",
        frozenset({Role.MFG_OPERATOR}),
        lambda f: f.case_at(CaseStage.RECEIVED_AT_MANUFACTURER) and None,
        lambda f, a: start_manufacture(f.driver.database, a, f.values["case"].id),
        Role.MFG_OPERATOR,
    ),
    Operation(
        "perform step",
        frozenset({Role.MFG_OPERATOR}),
        _first_step,
        lambda f, a: perform_step(
            f.driver.database,
            a,
            f.values["step"].id,
            StepRecord((f"={f.values['bag'].din}00",), {"bag_intact": True, "volume_ml": 240.0}),
        ),
        Role.MFG_OPERATOR,
    ),
    Operation(
        "verify step",
        frozenset({Role.MFG_VERIFIER}),
        _performed_step,
        lambda f, a: verify_step(f.driver.database, a, f.values["step"].id, DEMO_PASSWORD),
        Role.MFG_VERIFIER,
    ),
    Operation(
        "enter QC result",
        frozenset({Role.QC_ANALYST}),
        lambda f: f.case_at(CaseStage.QC_PENDING_RELEASE) and None,
        lambda f, a: enter_qc_result(f.driver.database, a, f.values["case"].id, "viability", "88"),
        Role.QC_ANALYST,
    ),
    Operation(
        "review QC result",
        frozenset({Role.QA}),
        _entered_qc,
        lambda f, a: review_qc_result(f.driver.database, a, f.values["result"].id, DEMO_PASSWORD),
        Role.QA,
    ),
    Operation(
        "view release checklist",
        frozenset({Role.QA, Role.QP}),
        lambda f: f.case_at(CaseStage.QC_PENDING_RELEASE) and None,
        lambda f, a: release_checklist(f.driver.database, a, f.values["case"].id),
        Role.QP,
    ),
    Operation(
        "certify release",
        frozenset({Role.QP}),
        _releasable,
        lambda f, a: certify_release(f.driver.database, a, f.values["case"].id, DEMO_PASSWORD),
        Role.QP,
    ),
    Operation(
        "ship to clinic",
        frozenset({Role.MFG_OPERATOR, Role.MFG_VERIFIER}),
        lambda f: f.case_at(CaseStage.RELEASED) and None,
        lambda f, a: create_shipment(
            f.driver.database, a, f.values["case"].id, ShipmentDirection.TO_CLINIC
        ),
        Role.MFG_VERIFIER,
    ),
    Operation(
        "bedside check",
        frozenset({Role.INFUSION_NURSE}),
        _bedside,
        lambda f, a: bedside_check(
            f.driver.database,
            a,
            f.values["case"].id,
            wristband_scan=f.driver.wristband(f.values["case"]),
            bag_scan=f"={f.values['bag'].din}00",
        ),
        Role.INFUSION_NURSE,
    ),
    Operation(
        "confirm infusion",
        frozenset({Role.INFUSION_NURSE}),
        _checked,
        lambda f, a: confirm_infusion(
            f.driver.database,
            a,
            f.values["check"].id,
            started_at=utc_now(),  # the thaw was recorded moments ago
            ended_at=utc_now() + timedelta(minutes=1),
            password=DEMO_PASSWORD,
        ),
        Role.INFUSION_NURSE,
    ),
    Operation(
        "raise deviation",
        ALL - {Role.ADMIN},
        lambda f: f.case_at(CaseStage.ENROLLED) and None,
        lambda f, a: raise_deviation(
            f.driver.database, a, description="seen", case_id=f.values["case"].id
        ),
        Role.MFG_OPERATOR,
    ),
    Operation(
        "close deviation",
        frozenset({Role.QA}),
        _deviation,
        lambda f, a: close_deviation(
            f.driver.database, a, f.values["deviation"].id, closure="done", password=DEMO_PASSWORD
        ),
        Role.QA,
    ),
]


STAGED = (
    CaseStage.ENROLLED,
    CaseStage.COLLECTED,
    CaseStage.SHIPPED_TO_MANUFACTURER,
    CaseStage.RECEIVED_AT_MANUFACTURER,
    CaseStage.QC_PENDING_RELEASE,
    CaseStage.RELEASED,
    CaseStage.RECEIVED_AT_CLINIC,
)
"""The stages the operations start from: one case at each is driven once per backend into a
template, and every test works on its own copy (driving a case per test took most of the time)."""


def _stage(url: str, out_dir: Path) -> dict[CaseStage, uuid.UUID]:
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out_dir, station="test-station")
        staged = {}
        for number, stage in enumerate(STAGED):
            # A name and birth date of their own: look-alikes would ask the bedside for more.
            family = ("Ames", "Bauer", "Costa", "Dahl", "Eze", "Frei", "Gomez")[number]
            case = driver.enrol(f"S{number}", family, "Pat", date(1970, 1, 1 + number))
            if stage is not CaseStage.ENROLLED:
                case = driver.run_to(case, stage)
            staged[stage] = case.id
        return staged
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def staged_sqlite(
    demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[CaseStage, uuid.UUID]]:
    folder = tmp_path_factory.mktemp("staged")
    path = folder / "staged.db"
    shutil.copyfile(demo_sqlite_template, path)
    staged = _stage(f"sqlite:///{path}", folder)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, staged


@pytest.fixture(scope="module")
def staged_postgres(
    postgres_server: PostgresServer,
    demo_postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, dict[CaseStage, uuid.UUID]]:
    url = postgres_server.create(template=demo_postgres_template)
    staged = _stage(url.render_as_string(hide_password=False), tmp_path_factory.mktemp("staged"))
    assert url.database is not None
    return url.database, staged


@dataclass(frozen=True)
class Staged:
    """A copy of the staged template: its database and the case at each staged stage."""

    database: Database
    cases: Mapping[CaseStage, uuid.UUID]


@pytest.fixture(params=BACKENDS)
def staged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Staged]:
    """A copy of the staged template on each backend."""
    if request.param == "sqlite":
        template, cases = request.getfixturevalue("staged_sqlite")
        shutil.copyfile(template, tmp_path / "staged.db")
        database = open_database(f"sqlite:///{tmp_path / 'staged.db'}")
        yield Staged(database, cases)
        database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name, cases = request.getfixturevalue("staged_postgres")
    url = server.copy_of(name)
    database = open_database(url.render_as_string(hide_password=False))
    yield Staged(database, cases)
    database.dispose()
    assert url.database is not None
    server.drop(url.database)


def _audit_count(database: Database) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.name for o in OPERATIONS])
def test_operation_by_every_role(staged: Staged, tmp_path: Path, operation: Operation) -> None:
    demo = staged
    fixture = Fixture(JourneyDriver(demo.database, tmp_path, station="test-station"), demo.cases)
    operation.setup(fixture)
    for role in Role:
        if role in operation.allowed:
            continue
        actor = fixture.actor(role)
        before = _audit_count(demo.database)
        with pytest.raises(NotPermitted):
            operation.call(fixture, actor)
        assert _audit_count(demo.database) == before, f"{role} changed something"
    assert operation.succeeds_as in operation.allowed
    operation.call(fixture, fixture.actor(operation.succeeds_as))


def test_manufacturing_roles_never_see_patient_identity(staged: Staged, tmp_path: Path) -> None:
    demo = staged
    fixture = Fixture(JourneyDriver(demo.database, tmp_path, station="test-station"), demo.cases)
    case = fixture.case_at(CaseStage.ENROLLED)
    for role in Role:
        view = find_case(demo.database, fixture.actor(role), case.id)
        assert (view.patient is not None) == (role in CLINIC), role
    assert deviations_of_case(demo.database, reader(demo.database), case.id) == []
