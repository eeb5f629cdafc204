"""Enrolment by the clinic: duplicate patients, slot capacity, cancellation (SQLite and PostgreSQL).

Each test drives the real services as the demo people would and attacks one rule: a second
case for a patient on record without saying so, a look-alike enrolled as the same patient, the
slot after the last one, a cancellation without a reason or with a wrong password.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.access.users import authenticate
from app.admin.capacity import set_slot_capacity
from app.core.actor import Actor
from app.core.errors import (
    AuthenticationFailed,
    NotPermitted,
    StageNotAllowed,
    ValidationFailed,
)
from app.journey.duplicates import DuplicatePatient
from app.journey.enrolment import Enrolment, enrol_patient
from app.journey.side_states import cancel_case
from app.journey.slots import slot_calendar
from db.enums import CaseStage, SideState, SlotKind
from db.models import AuditEvent, Case, Patient, Signature, SlotCapacity
from db.types import utc_now
from tests.conftest import PASSWORD
from tests.journey.steps import DEMO_PASSWORD, collect

TODAY = utc_now().date()
BORN = date(1966, 4, 21)


def _entry(
    number: str = "H7001", family: str = "Müller", given: str = "Anna", **kw: Any
) -> Enrolment:
    values: dict[str, Any] = {
        "family_name": family,
        "given_name": given,
        "date_of_birth": BORN,
        "hospital_number": number,
        "product_code": "S1234",
        "manufacturing_site_code": "CTF",
        "planned_collection_date": TODAY + timedelta(days=3),
        "manufacturing_slot_date": TODAY + timedelta(days=5),
        "treating_physician": "Dr Helen Marsh",
    }
    values.update(kw)
    return Enrolment(**values)


def _count(demo: Any, model: Any) -> int:
    with demo.database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _written(demo: Any) -> tuple[int, int, int]:
    return _count(demo, AuditEvent), _count(demo, Case), _count(demo, Patient)


def _admin(demo: Any) -> Actor:
    return authenticate(demo.database, "admin", PASSWORD, "test-station")


def _capacity(
    demo: Any, kind: SlotKind, site: str, day: date, slots: int, last: date | None = None
) -> None:
    set_slot_capacity(
        demo.database,
        _admin(demo),
        site_code=site,
        kind=kind,
        first_day=day,
        last_day=last or day,
        capacity=slots,
        reason="bench plan for December",
    )


# ------------------------------------------------------------------ duplicate patients


def test_a_second_case_for_the_same_hospital_number_needs_same_patient_confirmed(demo) -> None:
    cora = demo["cora.coordinator"]
    first = enrol_patient(demo.database, cora, _entry())
    before = _written(demo)
    with pytest.raises(DuplicatePatient) as refused:
        enrol_patient(demo.database, cora, _entry())
    assert first.coi_eye_readable in refused.value.message
    assert "(Enrolled)" in refused.value.message and "same patient" in refused.value.message
    assert refused.value.known[0].same_hospital_number
    with pytest.raises(ValidationFailed, match="cannot share it"):
        enrol_patient(demo.database, cora, _entry(same_patient=False))
    assert _written(demo) == before  # nothing of either refusal was written

    second = enrol_patient(demo.database, cora, _entry(same_patient=True))
    assert second.coi != first.coi
    with demo.database.read_session() as session:
        rows = session.scalars(select(Case).where(Case.coi.in_([first.coi, second.coi]))).all()
        assert len({row.patient_id for row in rows}) == 1  # the same patient record
        event = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.record_type == "therapy_case", AuditEvent.action == "enrol")
            .order_by(AuditEvent.seq.desc())
        )
    assert event is not None and event.reason is not None
    assert "same patient confirmed" in event.reason and first.coi_eye_readable in event.reason
    assert "H7001" not in event.reason and "Müller" not in event.reason  # no identity in the trail


def test_same_name_and_birth_date_without_case_or_accents_is_a_duplicate(demo) -> None:
    cora = demo["cora.coordinator"]
    first = enrol_patient(demo.database, cora, _entry())
    alike = _entry("H7002", family="  MULLER ", given="anna")
    before = _written(demo)
    with pytest.raises(DuplicatePatient, match="same name and date of birth") as refused:
        enrol_patient(demo.database, cora, alike)
    assert first.coi_eye_readable in refused.value.message and "H7001" in refused.value.message
    with pytest.raises(ValidationFailed, match="under their hospital number"):
        enrol_patient(demo.database, cora, replace(alike, same_patient=True))
    assert _written(demo) == before

    other = enrol_patient(demo.database, cora, replace(alike, same_patient=False))
    with demo.database.read_session() as session:
        patients = session.scalars(
            select(Case.patient_id).where(Case.coi.in_([first.coi, other.coi]))
        ).all()
        event = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.record_type == "therapy_case", AuditEvent.action == "enrol")
            .order_by(AuditEvent.seq.desc())
        )
    assert len(set(patients)) == 2  # a different person: a patient record of their own
    assert event is not None and "different patient confirmed" in (event.reason or "")


def test_another_birth_date_or_given_name_is_not_a_duplicate(demo) -> None:
    cora = demo["cora.coordinator"]
    enrol_patient(demo.database, cora, _entry())
    enrol_patient(demo.database, cora, _entry("H7003", date_of_birth=BORN + timedelta(days=1)))
    enrol_patient(demo.database, cora, _entry("H7004", given="Anne"))


def test_a_hospital_number_of_another_person_is_refused_whatever_is_confirmed(demo) -> None:
    cora = demo["cora.coordinator"]
    enrol_patient(demo.database, cora, _entry())
    for answer in (None, True, False):
        with pytest.raises(ValidationFailed, match="belongs to another patient"):
            enrol_patient(
                demo.database, cora, _entry(family="Novak", given="Ivo", same_patient=answer)
            )


def test_same_patient_confirmed_with_no_patient_on_record_is_refused(demo) -> None:
    with pytest.raises(ValidationFailed, match="no earlier treatment"):
        enrol_patient(demo.database, demo["cora.coordinator"], _entry(same_patient=True))
    assert _count(demo, Case) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"family_name": "  "}, "Enter the family name"),
        ({"given_name": "A" * 101}, "101 characters long"),
        ({"family_name": "Mül\x00ler"}, "control character"),
        ({"given_name": "Ann\u202e"}, "control character"),
        ({"family_name": "Drop<table>"}, "not '<'"),
        ({"hospital_number": "H 7001"}, "letters and digits"),
        ({"hospital_number": "H" * 21}, "letters and digits"),
        ({"treating_physician": ""}, "Enter the treating physician"),
        ({"treating_physician": "Dr\tX"}, "control character"),
        ({"date_of_birth": TODAY + timedelta(days=1)}, "in the past"),
        ({"date_of_birth": TODAY}, "in the past"),
        ({"date_of_birth": date(1800, 1, 1)}, "120 years"),
        ({"planned_collection_date": None}, "apheresis date"),
        ({"manufacturing_slot_date": None}, "manufacturing slot date"),
        ({"planned_collection_date": TODAY - timedelta(days=1)}, "in the past"),
        ({"manufacturing_slot_date": TODAY + timedelta(days=2)}, "before the apheresis"),
        ({"manufacturing_slot_date": TODAY + timedelta(days=400)}, "days ahead"),
        ({"product_code": "X" * 5000}, "no active product"),
        ({"manufacturing_site_code": "NBH"}, "no manufacturing site"),
    ],
)
def test_bad_enrolment_input_is_refused_and_writes_nothing(demo, changes, message) -> None:
    cora = demo["cora.coordinator"]  # signed in first: a sign-in is an audit event
    before = _written(demo)
    with pytest.raises(ValidationFailed, match=message):
        enrol_patient(demo.database, cora, _entry(**changes))
    assert _written(demo) == before


# ------------------------------------------------------------------ slot capacity


def test_the_last_apheresis_slot_is_booked_and_the_next_is_refused_with_the_next_free_date(
    demo,
) -> None:
    cora = demo["cora.coordinator"]
    day = TODAY + timedelta(days=3)
    _capacity(demo, SlotKind.APHERESIS, "NBH", day, 2)
    _capacity(demo, SlotKind.APHERESIS, "NBH", day + timedelta(days=1), 0)  # closed
    enrol_patient(demo.database, cora, _entry("H7101", family="Aho"))
    last = enrol_patient(demo.database, cora, _entry("H7102", family="Berg"))
    assert last.planned_collection_date == day
    before = _written(demo)
    with pytest.raises(ValidationFailed) as refused:
        enrol_patient(demo.database, cora, _entry("H7103", family="Cruz"))
    text = refused.value.message
    assert "full (2 of 2 booked)" in text
    assert f"Next free dates: {(day + timedelta(days=2)).isoformat()}" in text
    assert (day + timedelta(days=1)).isoformat() not in text.split("Next free dates")[1]
    assert _written(demo) == before
    calendar = slot_calendar(demo.database, cora, SlotKind.APHERESIS, day, 3)
    assert [d.left for d in calendar.days] == [0, 0, None]

    # A cancelled case gives its slot back.
    cancel_case(demo.database, cora, last.id, "patient withdrew consent", DEMO_PASSWORD)
    again = enrol_patient(demo.database, cora, _entry("H7103", family="Cruz"))
    assert again.planned_collection_date == day


def test_the_manufacturing_slot_has_its_own_capacity_at_the_manufacturer(demo) -> None:
    cora = demo["cora.coordinator"]
    day = TODAY + timedelta(days=5)
    _capacity(demo, SlotKind.MANUFACTURING, "CTF", day, 1)
    enrol_patient(demo.database, cora, _entry("H7201", family="Aho"))
    with pytest.raises(ValidationFailed, match="No manufacturing slot is free") as refused:
        enrol_patient(demo.database, cora, _entry("H7202", family="Berg"))
    assert f"Next free dates: {(day + timedelta(days=1)).isoformat()}" in refused.value.message
    enrol_patient(
        demo.database,
        cora,
        _entry("H7202", family="Berg", manufacturing_slot_date=day + timedelta(days=1)),
    )


def test_capacity_is_set_by_an_administrator_with_a_reason_each_day_audited(demo) -> None:
    day = TODAY + timedelta(days=10)
    with pytest.raises(NotPermitted):
        set_slot_capacity(
            demo.database,
            demo["cora.coordinator"],
            site_code="NBH",
            kind=SlotKind.APHERESIS,
            first_day=day,
            last_day=day,
            capacity=9,
            reason="more chairs",
        )
    admin = _admin(demo)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"reason": "  "}, "reason"),
        ({"reason": "x\x07"}, "control character"),
        ({"capacity": 1001}, "0 \\(closed\\) to 1000"),
        ({"capacity": -1}, "0 \\(closed\\) to 1000"),
        ({"first_day": TODAY - timedelta(days=1)}, "in the past"),
        ({"last_day": day - timedelta(days=1)}, "before the first day"),
        ({"last_day": day + timedelta(days=366)}, "at most 366 days"),
        ({"site_code": "CTF"}, "not a site with apheresis slots"),
    ]
    before = _count(demo, AuditEvent)
    for changes, message in bad:
        values: dict[str, Any] = {
            "site_code": "NBH",
            "kind": SlotKind.APHERESIS,
            "first_day": day,
            "last_day": day,
            "capacity": 3,
            "reason": "more chairs",
        }
        values.update(changes)
        with pytest.raises(ValidationFailed, match=message):
            set_slot_capacity(demo.database, admin, **values)
    assert _count(demo, AuditEvent) == before

    change = set_slot_capacity(
        demo.database,
        admin,
        site_code="NBH",
        kind=SlotKind.APHERESIS,
        first_day=day,
        last_day=day + timedelta(days=2),
        capacity=3,
        reason="a third chair from the 16th",
    )
    assert change.days_changed == 3 and change.overbooked == ()
    with demo.database.read_session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "slot_capacity")
        ).all()
        assert _count(demo, SlotCapacity) == 3
    assert len(events) == 3
    assert {(e.action, e.reason) for e in events} == {
        ("set capacity", "a third chair from the 16th")
    }


def test_lowering_capacity_below_the_bookings_reports_the_overbooked_days(demo) -> None:
    day = TODAY + timedelta(days=3)
    enrol_patient(demo.database, demo["cora.coordinator"], _entry("H7301", family="Aho"))
    enrol_patient(demo.database, demo["cora.coordinator"], _entry("H7302", family="Berg"))
    _capacity(demo, SlotKind.APHERESIS, "NBH", day, 5)
    change = set_slot_capacity(
        demo.database,
        _admin(demo),
        site_code="NBH",
        kind=SlotKind.APHERESIS,
        first_day=day,
        last_day=day,
        capacity=1,
        reason="one nurse on leave",
    )
    assert [(d.day, d.booked) for d in change.overbooked] == [(day, 2)]


# ------------------------------------------------------------------ cancellation


def test_cancelling_needs_a_reason_and_the_right_password_and_is_final(demo) -> None:
    cora = demo["cora.coordinator"]
    case = enrol_patient(demo.database, cora, _entry())
    before = _count(demo, Signature)
    for reason, password, error, message in (
        ("  ", DEMO_PASSWORD, ValidationFailed, "reason"),
        ("withdrew\x1b", DEMO_PASSWORD, ValidationFailed, "control character"),
        ("x" * 2001, DEMO_PASSWORD, ValidationFailed, "at most 2000"),
        ("patient withdrew consent", "", ValidationFailed, "enter your password"),
        ("patient withdrew consent", "wrong password", AuthenticationFailed, "wrong"),
    ):
        with pytest.raises(error, match=message):
            cancel_case(demo.database, cora, case.id, reason, password)
    with demo.database.read_session() as session:
        row = session.get(Case, case.id)
        assert row is not None and row.side_state is SideState.NONE
    assert _count(demo, Signature) == before
    with pytest.raises(NotPermitted):
        cancel_case(demo.database, demo["otto.operator"], case.id, "no", DEMO_PASSWORD)

    cancelled = cancel_case(demo.database, cora, case.id, "patient withdrew consent", DEMO_PASSWORD)
    assert cancelled.side_state is SideState.CANCELLED
    assert _count(demo, Signature) == before + 1
    with pytest.raises(StageNotAllowed, match="cancelled: nothing more can be done"):
        collect(demo, cancelled)
    with pytest.raises(ValidationFailed, match="final"):
        cancel_case(demo.database, cora, case.id, "again", DEMO_PASSWORD)


def test_a_cancelled_cases_bag_gets_no_label(demo) -> None:
    from app.labelling.printing import print_unit_label  # noqa: PLC0415

    cora = demo["cora.coordinator"]
    case = enrol_patient(demo.database, cora, _entry())
    (bag,) = collect(demo, case)
    cancel_case(demo.database, cora, case.id, "patient withdrew consent", DEMO_PASSWORD)
    with pytest.raises(StageNotAllowed, match="cancelled"):
        print_unit_label(demo.database, demo["alex.apheresis"], bag.id, reprint_reason="smudged")


def test_an_infused_case_cannot_be_cancelled(demo, tmp_path) -> None:
    from app.demo.journey import JourneyDriver  # noqa: PLC0415

    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.run_to(driver.enrol("H7401", "Done", "Dora", BORN), CaseStage.INFUSED)
    with pytest.raises(ValidationFailed, match="infused"):
        cancel_case(demo.database, demo["cora.coordinator"], case.id, "too late", DEMO_PASSWORD)


def test_the_treating_physician_is_kept_with_the_case(demo) -> None:
    case = enrol_patient(
        demo.database, demo["cora.coordinator"], _entry(treating_physician=" Dr  O'Neil ")
    )
    assert case.treating_physician == "Dr O'Neil"
    assert json.dumps(case.treating_physician)


@pytest.mark.postgres
def test_two_coordinators_cannot_both_take_the_last_slot(demo, monkeypatch) -> None:
    """The day's capacity row is locked while the day is counted: the second booking waits for
    the first to commit, then counts it and is refused. Deterministic: the first enrolment is
    held inside its transaction until the second is seen waiting on a lock (or has finished,
    which is the defect this test exists to catch)."""
    if demo.database.backend != "postgresql":
        pytest.skip("overlapping transactions need PostgreSQL; SQLite serialises writers")
    import threading  # noqa: PLC0415

    from sqlalchemy import create_engine, text  # noqa: PLC0415

    from app.access.users import create_user  # noqa: PLC0415
    from app.core.unit_of_work import UnitOfWork  # noqa: PLC0415
    from app.journey import enrolment as enrolment_module  # noqa: PLC0415
    from db.enums import Role  # noqa: PLC0415

    day = TODAY + timedelta(days=3)
    _capacity(demo, SlotKind.APHERESIS, "NBH", day, 1)
    admin = _admin(demo)
    with UnitOfWork(demo.database, admin) as uow:
        create_user(
            uow, username="cleo.coordinator", full_name="Cleo Coordinator", password=PASSWORD,
            roles=[Role.CLINIC_COORDINATOR], site_code="NBH",
        )  # fmt: skip
        uow.commit()
    coordinators = [
        demo["cora.coordinator"],
        authenticate(demo.database, "cleo.coordinator", PASSWORD, "t2"),
    ]
    booked_first = threading.Event()
    release_first = threading.Event()
    real_book = enrolment_module.book_slot

    def book(session: Any, site: Any, kind: SlotKind, when: date) -> Any:
        result = real_book(session, site, kind, when)
        if threading.current_thread().name == "first" and kind is SlotKind.APHERESIS:
            booked_first.set()
            assert release_first.wait(30)
        return result

    monkeypatch.setattr(enrolment_module, "book_slot", book)
    outcomes: dict[str, object] = {}

    def enrol(name: str, actor: Actor, number: str) -> None:
        try:
            outcomes[name] = enrol_patient(demo.database, actor, _entry(number, family=name))
        except ValidationFailed as error:
            outcomes[name] = error

    first = threading.Thread(target=enrol, name="first", args=("first", coordinators[0], "H7501"))
    second = threading.Thread(
        target=enrol, name="second", args=("second", coordinators[1], "H7502")
    )
    first.start()
    assert booked_first.wait(30)
    second.start()
    watcher = create_engine(demo.database.url)
    try:
        for _ in range(300):  # until the second waits on the lock, or finished without waiting
            with watcher.connect() as conn:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
            if waiting or not second.is_alive():
                break
            threading.Event().wait(0.05)
    finally:
        watcher.dispose()
        release_first.set()
        first.join(60)
        second.join(60)
    assert not isinstance(outcomes["first"], ValidationFailed)
    assert isinstance(outcomes["second"], ValidationFailed), "both took the last slot"
    assert "full (1 of 1 booked)" in outcomes["second"].message
