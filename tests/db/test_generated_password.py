"""A generated first-administrator password must be changed before anything else (issue 11).

``coi init`` without a password generates one and prints it once; until its holder chooses
their own, every service refuses them, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import select, text

from app.access.users import (
    authenticate,
    change_own_password,
    create_first_admin,
    create_user,
    list_users,
)
from app.admin.sites import create_site
from app.admin.users import add_account, list_accounts
from app.core.database import Database
from app.core.errors import AuthenticationFailed, NotPermitted, ValidationFailed
from app.core.unit_of_work import UnitOfWork
from db.engine import make_engine
from db.enums import Role, SiteKind
from db.migrate import alembic_config, upgrade_to_head
from db.models import AuditEvent, User

GENERATED = "Xq3-generated-9f"
CHOSEN = "my own admin password"


@pytest.fixture
def generated(database: Database) -> Database:
    """A database whose first administrator has a generated password."""
    create_first_admin(
        database, "admin", "Ada Admin", GENERATED, "test-station", must_change_password=True
    )
    return database


def test_a_generated_password_admin_cannot_add_a_user_before_changing_it(
    generated: Database,
) -> None:
    admin = authenticate(generated, "admin", GENERATED, "test-station")
    assert admin.must_change_password

    with pytest.raises(NotPermitted, match="generated for first use and must be changed"):
        add_account(
            generated,
            admin,
            username="otto.operator",
            full_name="Otto Operator",
            password="otto-password-1",
            roles=[Role.ADMIN],
            site_code=None,
        )
    with (
        pytest.raises(NotPermitted, match="coi user passwd admin"),
        UnitOfWork(generated, admin) as uow,
    ):
        create_user(
            uow, username="x.y", full_name="X Y", password="xy-password-1", roles=[Role.ADMIN]
        )
    with pytest.raises(NotPermitted, match="must be changed"), UnitOfWork(generated, admin) as uow:
        create_site(uow, code="CTF", name="Cell Therapy Facility", kind=SiteKind.MANUFACTURER)
    with pytest.raises(NotPermitted, match="must be changed"):
        list_accounts(generated, admin)
    assert [u.username for u in list_users(generated)] == ["admin"]


def test_changing_the_generated_password_opens_the_account(generated: Database) -> None:
    admin = authenticate(generated, "admin", GENERATED, "test-station")
    with pytest.raises(ValidationFailed, match="differs from the current one"):
        change_own_password(generated, admin, GENERATED, GENERATED)
    with pytest.raises(ValidationFailed, match="at least 10 characters"):
        change_own_password(generated, admin, GENERATED, "short")
    with pytest.raises(AuthenticationFailed, match="password is wrong"):
        change_own_password(generated, admin, "not the generated one", CHOSEN)

    changed = change_own_password(generated, admin, GENERATED, CHOSEN)

    assert not changed.must_change_password
    add_account(
        generated,
        changed,
        username="second.admin",
        full_name="Second Admin",
        password="second-password-1",
        roles=[Role.ADMIN],
        site_code=None,
    )
    with pytest.raises(NotPermitted, match="Sign in again"):  # the sign-in before the change
        add_account(
            generated,
            admin,
            username="third.admin",
            full_name="Third Admin",
            password="third-password-1",
            roles=[Role.ADMIN],
            site_code=None,
        )
    with pytest.raises(AuthenticationFailed):
        authenticate(generated, "admin", GENERATED, "test-station")
    assert not authenticate(generated, "admin", CHOSEN, "test-station").must_change_password
    with generated.read_session() as session:
        change = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "password_change")
        ).one()
    assert change.username == "admin"
    assert json.loads(change.new_values)["must_change_password"] is False


def test_a_chosen_first_password_need_not_be_changed(database: Database) -> None:
    create_first_admin(database, "admin", "Ada Admin", CHOSEN, "test-station")
    admin = authenticate(database, "admin", CHOSEN, "test-station")
    assert not admin.must_change_password
    assert [a.username for a in list_accounts(database, admin)] == ["admin"]


def test_accounts_from_before_the_migration_keep_their_passwords(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO app_user (id, username, full_name, password_hash, "
                    "failed_logins, active, version, created_at, updated_at) VALUES "
                    "(:id, 'old.admin', 'Old Admin', 'x', 0, :yes, 1, :now, :now)"
                ),
                {"id": "0" * 32, "yes": True, "now": "2026-01-01 00:00:00"},
            )
        upgrade_to_head(engine)
        with engine.connect() as connection:
            flags = connection.execute(select(User.must_change_password)).scalars().all()
        assert flags == [False]
    finally:
        engine.dispose()
