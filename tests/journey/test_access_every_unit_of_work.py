"""Attacks on access control after sign-in (issue 11, item 6), on SQLite and PostgreSQL.

An Actor is frozen at sign-in; these tests change the account behind it — deactivate it, take
a role away, grant the administrator a GMP role, write an admin + QP account by direct SQL —
and check that the very next write is refused, that nothing was written, and that the message
says what happened. Each test drives the real services as the demo people would.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select

from app.access.users import authenticate, create_user
from app.admin.users import (
    UserAccount,
    add_account,
    change_access,
    deactivate_account,
    list_accounts,
    reactivate_account,
    unlock_account,
)
from app.casefile.history import case_detail
from app.casefile.queries import list_cases
from app.core.actor import Actor
from app.core.errors import AuthenticationFailed, NotPermitted, ValidationFailed
from app.core.unit_of_work import UnitOfWork
from app.demo.journey import DEMO_PASSWORD, QC_RESULTS, STEP_PARAMETERS, JourneyDriver
from app.journey.collection import CollectedBag, register_collection
from app.journey.manufacturing import StepRecord, perform_step, start_manufacture
from app.journey.qc import approve_qc_exception, qc_results_of_case, review_qc_result
from app.journey.release import certify_release
from app.journey.views import CaseView, UnitView
from app.labelling.printing import print_unit_label
from db.enums import CaseStage, Role
from db.models import AuditEvent, Label, ManufacturingStep, Release, User, UserRole
from db.types import utc_now
from tests.conftest import PASSWORD
from tests.journey.steps import enrol
from tests.support.readers import reader


@pytest.fixture
def admin(demo: Any) -> Actor:
    """The demo database's administrator (Ada Admin)."""
    return authenticate(demo.database, "admin", PASSWORD, "test-station")


def _account(demo: Any, admin: Actor, username: str) -> UserAccount:
    return {a.username: a for a in list_accounts(demo.database, admin)}[username]


def _audit_count(demo: Any) -> int:
    with demo.database.read_session() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _user_id(demo: Any, username: str) -> uuid.UUID:
    with demo.database.read_session() as session:
        found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def _labels(demo: Any, unit_id: uuid.UUID) -> int:
    with demo.database.read_session() as session:
        query = select(func.count()).select_from(Label).where(Label.unit_id == unit_id)
        return session.scalar(query) or 0


def _bag(demo: Any, case: CaseView) -> UnitView:
    end = utc_now() - timedelta(hours=1)
    return register_collection(
        demo.database,
        demo["alex.apheresis"],
        case.id,
        CollectedBag(250.0, "ACD-A", end - timedelta(hours=3), end),
    )


# ---------------------------------------------------------------- deactivation, lost roles


def test_a_user_deactivated_between_two_label_prints_is_refused_the_second(
    demo: Any, admin: Actor
) -> None:
    alex = demo["alex.apheresis"]  # signed in before the deactivation
    case = enrol(demo)
    first, second = _bag(demo, case), _bag(demo, case)
    print_unit_label(demo.database, alex, first.id)
    account = _account(demo, admin, "alex.apheresis")
    deactivate_account(
        demo.database, admin, account.id, reason="left the unit", seen_version=account.version
    )
    before = _audit_count(demo)

    with pytest.raises(NotPermitted) as refused:
        print_unit_label(demo.database, alex, second.id)

    assert "'alex.apheresis' was deactivated by Ada Admin (admin) at " in refused.value.message
    assert "nothing was done" in refused.value.message
    assert (_labels(demo, first.id), _labels(demo, second.id)) == (1, 0)
    assert _audit_count(demo) == before
    with pytest.raises(NotPermitted, match="was deactivated"):  # reads of the case too
        case_detail(demo.database, alex, case.id)
    with pytest.raises(NotPermitted, match="was deactivated"):
        list_cases(demo.database, alex)


def test_a_user_deactivated_between_two_manufacturing_writes_records_no_step(
    demo: Any, admin: Actor, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.run_to(
        driver.enrol("H0901", "Step", "Sam", utc_now().date() - timedelta(days=15000)),
        CaseStage.RECEIVED_AT_MANUFACTURER,
    )
    otto = driver.who("otto.operator")
    steps = start_manufacture(demo.database, otto, case.id)  # the first write
    account = _account(demo, admin, "otto.operator")
    deactivate_account(
        demo.database, admin, account.id, reason="contract ended", seen_version=account.version
    )
    bag = next(u for u in driver_units(demo, case) if u.kind.value == "apheresis_bag")
    before = _audit_count(demo)

    with pytest.raises(NotPermitted, match=r"'otto\.operator' was deactivated by Ada Admin"):
        perform_step(
            demo.database,
            otto,
            steps[0].id,
            StepRecord((f"={bag.din}00",), dict(STEP_PARAMETERS[steps[0].code])),
        )

    with demo.database.read_session() as session:
        step = session.get(ManufacturingStep, steps[0].id)
        assert step is not None and step.performed_by_id is None
    assert _audit_count(demo) == before
    account = _account(demo, admin, "otto.operator")
    reactivate_account(
        demo.database, admin, account.id, reason="rehired", seen_version=account.version
    )
    record = StepRecord((f"={bag.din}00",), dict(STEP_PARAMETERS[steps[0].code]))
    with pytest.raises(NotPermitted, match=r"changed by Ada Admin \(admin\) at .*Sign in again"):
        perform_step(demo.database, otto, steps[0].id, record)  # the old sign-in stays ended
    again = authenticate(demo.database, "otto.operator", DEMO_PASSWORD, "test-station")
    assert perform_step(demo.database, again, steps[0].id, record).id == steps[0].id


def driver_units(demo: Any, case: CaseView) -> list[UnitView]:
    """The case's units as views."""
    from app.journey import unit_view, units_of_case  # noqa: PLC0415

    with demo.database.read_session() as session:
        return [unit_view(u) for u in units_of_case(session, case.id)]


def test_a_role_taken_away_mid_session_is_refused_at_the_next_write(
    demo: Any, admin: Actor
) -> None:
    alex = demo["alex.apheresis"]
    case = enrol(demo)
    bag = _bag(demo, case)
    account = _account(demo, admin, "alex.apheresis")
    change_access(
        demo.database,
        admin,
        account.id,
        roles=[Role.CLINIC_COORDINATOR],
        site_code=account.site_code,
        reason="moved to coordination",
        seen_version=account.version,
    )
    before = _audit_count(demo)

    with pytest.raises(NotPermitted) as refused:
        print_unit_label(demo.database, alex, bag.id)  # still an apheresis nurse in the Actor
    assert "roles or site were changed by Ada Admin (admin) at " in refused.value.message
    assert "Sign in again" in refused.value.message
    with pytest.raises(NotPermitted, match="roles or site were changed"):
        _bag(demo, case)
    assert _labels(demo, bag.id) == 0
    assert _audit_count(demo) == before


def test_a_lock_while_signed_in_refuses_the_next_write(demo: Any) -> None:
    alex = demo["alex.apheresis"]
    case = enrol(demo)
    bag = _bag(demo, case)
    for _ in range(5):  # someone at another station guesses alex's password
        with pytest.raises(AuthenticationFailed):
            authenticate(demo.database, "alex.apheresis", "not alex's password", "other")
    with pytest.raises(NotPermitted, match=r"'alex\.apheresis' was locked at .* Ask an admin"):
        print_unit_label(demo.database, alex, bag.id)
    assert _labels(demo, bag.id) == 0


# ---------------------------------------------------------------- administrator and GMP roles


def test_an_administrator_cannot_grant_themselves_the_qp_role(demo: Any, admin: Actor) -> None:
    me = _account(demo, admin, "admin")
    before = _audit_count(demo)
    with pytest.raises(NotPermitted, match="cannot change your own roles or site"):
        change_access(
            demo.database,
            admin,
            me.id,
            roles=[Role.ADMIN, Role.QP],
            site_code="CTF",
            reason="covering for Petra",
            seen_version=me.version,
        )
    with pytest.raises(NotPermitted, match="cannot unlock your own account"):
        unlock_account(demo.database, admin, me.id, reason="r", seen_version=me.version)
    with pytest.raises(NotPermitted, match="cannot reactivate your own account"):
        reactivate_account(demo.database, admin, me.id, reason="r", seen_version=me.version)
    assert _account(demo, admin, "admin") == me
    assert _audit_count(demo) == before


def test_no_service_combines_the_administrator_with_a_gmp_role(demo: Any, admin: Actor) -> None:
    petra = _account(demo, admin, "petra.qp")
    with pytest.raises(ValidationFailed, match="Administrator role cannot be combined with Q"):
        change_access(
            demo.database,
            admin,
            petra.id,
            roles=[Role.QP, Role.ADMIN],
            site_code="CTF",
            reason="also administers",
            seen_version=petra.version,
        )
    with pytest.raises(ValidationFailed, match="cannot be combined with Quality assurance"):
        add_account(
            demo.database,
            admin,
            username="ben.both",
            full_name="Ben Both",
            password=PASSWORD,
            roles=[Role.ADMIN, Role.QA],
            site_code="CTF",
        )
    with (
        pytest.raises(ValidationFailed, match="cannot be combined with Infusion nurse"),
        UnitOfWork(demo.database, admin) as uow,
    ):
        create_user(
            uow,
            username="ivo.both",
            full_name="Ivo Both",
            password=PASSWORD,
            roles=[Role.INFUSION_NURSE, Role.ADMIN],
        )
    assert _account(demo, admin, "petra.qp") == petra
    assert {a.username for a in list_accounts(demo.database, admin)}.isdisjoint(
        {"ben.both", "ivo.both"}
    )


def _releasable(demo: Any, tmp_path: Path) -> CaseView:
    """A case with every release checklist item done: only the QP's certification is left."""
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.run_to(
        driver.enrol("H0902", "Release", "Rae", utc_now().date() - timedelta(days=15000)),
        CaseStage.QC_PENDING_RELEASE,
    )
    from app.journey.qc import enter_qc_result  # noqa: PLC0415

    for test, value in QC_RESULTS.items():
        enter_qc_result(demo.database, driver.who("quinn.qc"), case.id, test, value)
    for result in qc_results_of_case(demo.database, reader(demo.database), case.id):
        review_qc_result(demo.database, driver.who("asha.qa"), result.id, DEMO_PASSWORD)
        if result.outcome.value == "pending":
            approve_qc_exception(
                demo.database, driver.who("asha.qa"), result.id, "Per SOP-QA-12.", DEMO_PASSWORD
            )
    driver.close_deviations(case)
    return case


def test_an_admin_qp_written_by_direct_sql_cannot_certify_a_release(
    demo: Any, tmp_path: Path
) -> None:
    case = _releasable(demo, tmp_path)
    petra_id = _user_id(demo, "petra.qp")
    with demo.database.write_session() as session, session.begin():  # behind the app's back
        session.execute(insert(UserRole).values(user_id=petra_id, role=Role.ADMIN))
    petra = authenticate(demo.database, "petra.qp", DEMO_PASSWORD, "test-station")
    assert petra.roles == {Role.QP, Role.ADMIN}
    before = _audit_count(demo)

    with pytest.raises(NotPermitted) as refused:
        certify_release(demo.database, petra, case.id, DEMO_PASSWORD)

    assert "combines the Administrator role with GMP roles" in refused.value.message
    assert "may not certify batches for release" in refused.value.message
    with demo.database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Release)) == 0
    assert _audit_count(demo) == before

    # The same QP without the administrator role certifies this very case: it was ready.
    with demo.database.write_session() as session, session.begin():
        session.execute(
            delete(UserRole).where(UserRole.user_id == petra_id, UserRole.role == Role.ADMIN)
        )
    petra = authenticate(demo.database, "petra.qp", DEMO_PASSWORD, "test-station")
    certify_release(demo.database, petra, case.id, DEMO_PASSWORD)
