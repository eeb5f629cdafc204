"""The attack of issue 12 at the bedside: swap ``patient_id`` between two cases by direct SQL.

Before the bedside check reconciled the case's records with their audit trail, the other
patient's wristband was accepted for this bag. Each test drives real cases through the real
services (once per backend, copied per test), edits rows behind the application with plain
SQL, and checks that the bedside check, the infusion confirmation and the release
certification are refused, naming what differs but no value, and that nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.core import Actor, IdentityErased, RecordsTampered, now
from app.core.database import Database, open_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey import bedside_check, certify_release, confirm_infusion, erase_identity
from db.enums import CaseStage
from db.models import AuditEvent, Case, PatientIdentity, Scan, StageRecord, Unit
from labels.isbt128.compose import patient_id_structure
from tests.conftest import BACKENDS, database_copy, demo_source
from tests.journey.steps import thaw_final_bags

NUMBERS = ("NBH300001", "NBH300002")


@dataclass(frozen=True)
class Ward:
    """Two cases at the clinic with thawed bags, and a third awaiting the QP."""

    database: Database
    driver: JourneyDriver
    cases: tuple[uuid.UUID, uuid.UUID]
    bags: tuple[str, str]
    pending: uuid.UUID

    def check(self, case: int, wristband_of: int, nurse: Actor | None = None) -> uuid.UUID:
        """Ivy's bedside check of case ``case`` with patient ``wristband_of``'s wristband."""
        return bedside_check(
            self.database,
            nurse or self.driver.who("ivy.infusion"),
            self.cases[case],
            wristband_scan=patient_id_structure(NUMBERS[wristband_of]),
            bag_scan=f"={self.bags[case]}00",
        ).id

    def written(self) -> tuple[int, int, int]:
        """How many audit events, scans and stage records the database holds."""
        with self.database.read_session() as session:
            return tuple(  # type: ignore[return-value]
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (AuditEvent, Scan, StageRecord)
            )

    def swap_patients(self) -> None:
        """The attack: the two cases' ``patient_id`` swapped by direct SQL."""
        with self.database.engine.begin() as conn:
            one, two = (
                conn.scalar(select(Case.patient_id).where(Case.id == case_id))
                for case_id in self.cases
            )
            conn.execute(update(Case).where(Case.id == self.cases[0]).values(patient_id=two))
            conn.execute(update(Case).where(Case.id == self.cases[1]).values(patient_id=one))


def _refused(action: Callable[[], object], ward: Ward, refused: str, *changed: str) -> None:
    """``action`` is refused by the trail check naming ``changed`` and writes nothing."""
    before = ward.written()
    with pytest.raises(RecordsTampered) as refusal:
        action()
    assert refusal.value.message == (
        "The records of this case do not match their audit trail "
        f"({', '.join(changed)}): {refused}; call QA."
    )
    assert ward.written() == before


@pytest.fixture(scope="module", params=BACKENDS)
def ward_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, tuple[uuid.UUID, uuid.UUID], tuple[str, str], uuid.UUID]]:
    """Drive the cases once per backend; tests get a copy."""
    out = tmp_path_factory.mktemp("bedside-trail")
    source, url = demo_source(request, out)
    database = open_database(url)
    driver = JourneyDriver(database, out)
    cases, bags = [], []
    for number, family in zip(NUMBERS, ("Roe", "Doe"), strict=True):
        case = driver.run_to(
            driver.enrol(number, family, "Sam", date(1966, 1, 2)), CaseStage.RECEIVED_AT_CLINIC
        )
        cases.append(case.id)
        bags.append(thaw_final_bags(driver, case)[0].din or "")
    pending = driver.run_to(
        driver.enrol("NBH300003", "Poe", "Kim", date(1970, 5, 6)), CaseStage.QC_PENDING_RELEASE
    )
    database.dispose()
    yield request.param, source, (cases[0], cases[1]), (bags[0], bags[1]), pending.id


@pytest.fixture
def ward(
    ward_template: tuple[str, str, tuple[uuid.UUID, uuid.UUID], tuple[str, str], uuid.UUID],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Ward]:
    backend, source, cases, bags, pending = ward_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield Ward(database, JourneyDriver(database, tmp_path), cases, bags, pending)


def test_a_swapped_patient_refuses_the_bedside_check_of_each_case(ward: Ward) -> None:
    ward.swap_patients()
    nurse = ward.driver.who("ivy.infusion")  # signed in before: a sign-in is audited
    for case in (0, 1):
        for wristband in (0, 1):  # the other patient's, now linked, and the case's own
            _refused(
                lambda c=case, w=wristband: ward.check(c, w, nurse),
                ward,
                "infusion refused",
                "case.patient_id changed",
            )


def test_a_patient_identity_moved_to_another_patient_refuses_the_bedside_check(
    ward: Ward,
) -> None:
    with ward.database.engine.begin() as conn:
        patient = conn.scalar(select(Case.patient_id).where(Case.id == ward.cases[0]))
        conn.execute(
            update(PatientIdentity)
            .where(PatientIdentity.patient_id == patient)
            .values(hospital_number=NUMBERS[1] + "9")
        )
    nurse = ward.driver.who("ivy.infusion")
    _refused(
        lambda: ward.check(0, 0, nurse),
        ward,
        "infusion refused",
        "patient identity.hospital_number changed",
    )


def test_a_bag_moved_to_another_case_refuses_the_infusion_confirmation(ward: Ward) -> None:
    check = ward.check(0, 0)  # passed before the edit
    with ward.database.engine.begin() as conn:
        conn.execute(update(Unit).where(Unit.din == ward.bags[0]).values(case_id=ward.cases[1]))
    started = now()
    second = ward.driver.who("ian.infusion")

    def confirm() -> object:
        return confirm_infusion(
            ward.database,
            second,
            check,
            started_at=started,
            ended_at=started + timedelta(minutes=1),
            password=DEMO_PASSWORD,
        )

    _refused(confirm, ward, "infusion refused", "unit.case_id changed")


def test_an_untampered_case_is_infused_after_the_checks(ward: Ward) -> None:
    check = ward.check(1, 1)
    started = now()
    confirm_infusion(
        ward.database,
        ward.driver.who("ian.infusion"),
        check,
        started_at=started,
        ended_at=started + timedelta(minutes=1),
        password=DEMO_PASSWORD,
    )


def test_a_swapped_patient_refuses_the_release_certification(ward: Ward) -> None:
    with ward.database.engine.begin() as conn:
        other = conn.scalar(select(Case.patient_id).where(Case.id == ward.cases[0]))
        conn.execute(update(Case).where(Case.id == ward.pending).values(patient_id=other))
    qp = ward.driver.who("petra.qp")
    _refused(
        lambda: certify_release(ward.database, qp, ward.pending, DEMO_PASSWORD),
        ward,
        "release refused",
        "case.patient_id changed",
    )


def test_the_bedside_check_of_an_erased_patient_is_refused_clearly(ward: Ward) -> None:
    """After erasure (GDPR) the wristband cannot be checked against the enrolment: refused in
    words, nothing written."""
    erase_identity(
        ward.database,
        ward.driver.who("cora.coordinator"),
        ward.cases[0],
        "erasure request",
        DEMO_PASSWORD,
    )
    ward.driver.who("ivy.infusion")  # signed in (an audited event) before counting
    before = ward.written()
    with pytest.raises(IdentityErased) as refusal:
        ward.check(0, 0)
    message = refusal.value.message
    assert "identity was erased" in message and "can no longer be confirmed" in message
    assert NUMBERS[0] not in message and "Roe" not in message
    assert ward.written() == before
    assert ward.check(1, 1)  # the other patient is infused as before
