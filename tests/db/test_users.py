"""Sign-in, lockout after five failures, unlock, roles, and who may create users."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.access.permissions import parse_role
from app.access.users import MAX_FAILED_LOGINS, authenticate, create_user, list_users, unlock_user
from app.core.actor import Actor
from app.core.database import Database
from app.core.errors import AccountLocked, AuthenticationFailed, NotPermitted, ValidationFailed
from app.core.unit_of_work import UnitOfWork
from db.enums import Role
from db.models import AuditEvent

PASSWORD = "correct horse battery"


def test_sign_in_returns_the_actor(database: Database, admin: Actor, make_user) -> None:
    nurse = make_user("nina.nurse", Role.INFUSION_NURSE, Role.APHERESIS_NURSE)
    assert nurse.username == "nina.nurse"
    assert nurse.roles == {Role.INFUSION_NURSE, Role.APHERESIS_NURSE}
    assert nurse.station == "test-station"
    assert admin.roles == {Role.ADMIN}


def test_wrong_password_and_unknown_user_read_the_same(database: Database, admin: Actor) -> None:
    with pytest.raises(AuthenticationFailed) as wrong:
        authenticate(database, "admin", "not the password", "s")
    with pytest.raises(AuthenticationFailed) as unknown:
        authenticate(database, "nobody", "whatever-password", "s")
    assert wrong.value.message == unknown.value.message


def test_five_failures_lock_the_account_until_an_admin_unlocks_it(
    database: Database, admin: Actor, make_user
) -> None:
    make_user("qp.quinn", Role.QP)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthenticationFailed):
            authenticate(database, "qp.quinn", "wrong password!", "s")
    with pytest.raises(AccountLocked, match="locked after 5 failed passwords"):
        authenticate(database, "qp.quinn", "wrong password!", "s")
    with pytest.raises(AccountLocked):
        authenticate(database, "qp.quinn", PASSWORD, "s")  # even the right password
    with UnitOfWork(database, admin) as uow:
        unlock_user(uow, "qp.quinn", "identity confirmed by phone")
        uow.commit()
    assert authenticate(database, "qp.quinn", PASSWORD, "s").username == "qp.quinn"
    with database.read_session() as session:
        actions = [
            e.action
            for e in session.scalars(select(AuditEvent).where(AuditEvent.record_type == "app_user"))
        ]
    assert actions.count("password_failed") == MAX_FAILED_LOGINS - 1
    assert actions.count("lock") == 1
    assert actions.count("unlock") == 1


def test_successful_sign_in_resets_the_failure_count(
    database: Database, admin: Actor, make_user
) -> None:
    make_user("op.olga", Role.MFG_OPERATOR)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            authenticate(database, "op.olga", "wrong password!", "s")
    authenticate(database, "op.olga", PASSWORD, "s")
    (olga,) = [u for u in list_users(database) if u.username == "op.olga"]
    assert olga.failed_logins == 0


def test_only_admins_create_users(database: Database, admin: Actor, make_user) -> None:
    qa = make_user("qa.quentin", Role.QA)
    with (
        pytest.raises(NotPermitted, match="role Administrator may create users"),
        UnitOfWork(database, qa) as uow,
    ):
        create_user(uow, username="x.y", full_name="X Y", password=PASSWORD, roles=[Role.QA])


@pytest.mark.parametrize(
    ("username", "full_name", "password", "message"),
    [
        ("Bad Name", "Bad", PASSWORD, "not valid"),
        ("ok.name", "  ", PASSWORD, "full name"),
        ("ok.name", "Ok", "short", "at least 10 characters"),
        ("admin", "Dup", PASSWORD, "already taken"),
    ],
)
def test_bad_user_input_is_refused_clearly(
    database: Database, admin: Actor, username: str, full_name: str, password: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message), UnitOfWork(database, admin) as uow:
        create_user(uow, username=username, full_name=full_name, password=password, roles=[Role.QA])


def test_unknown_role_names_the_known_ones() -> None:
    with pytest.raises(ValidationFailed, match=r"Unknown role .surgeon.\.\s.*clinic_coordinator"):
        parse_role("surgeon")
    assert parse_role(" QP ") is Role.QP


def test_role_assignments_are_audited(database: Database, admin: Actor, make_user) -> None:
    make_user("v.vera", Role.MFG_VERIFIER)
    with database.read_session() as session:
        roles = [
            json.loads(e.new_values)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.record_type == "user_role")
            )
        ]
    assert {"role": "mfg_verifier"}.items() <= roles[-1].items()
