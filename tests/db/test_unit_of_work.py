"""A service call is one transaction: all of it with its audit events, or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.admin.sites import create_site
from app.core.actor import Actor
from app.core.database import Database
from app.core.errors import RecordNotDeletable, StaleRecord, ValidationFailed
from app.core.unit_of_work import UnitOfWork
from db.enums import SiteKind
from db.models import AuditEvent, Site


def _count(database: Database, model: type) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_failure_half_way_writes_nothing(database: Database, admin: Actor) -> None:
    events_before = _count(database, AuditEvent)
    with pytest.raises(ValidationFailed), UnitOfWork(database, admin) as uow:
        create_site(uow, code="OK", name="First site", kind=SiteKind.CLINIC)
        create_site(uow, code="BAD", name="Bad GLN", kind=SiteKind.CLINIC, gln="5901234123458")
        uow.commit()
    assert _count(database, Site) == 0
    assert _count(database, AuditEvent) == events_before


def test_leaving_without_commit_rolls_back(database: Database, admin: Actor) -> None:
    with UnitOfWork(database, admin) as uow:
        create_site(uow, code="S", name="Uncommitted", kind=SiteKind.CLINIC)
    assert _count(database, Site) == 0


def test_gmp_records_cannot_be_deleted(database: Database, admin: Actor) -> None:
    with UnitOfWork(database, admin) as uow:
        create_site(uow, code="S", name="Site", kind=SiteKind.CLINIC)
        uow.commit()
    with pytest.raises(RecordNotDeletable, match="void it"), UnitOfWork(database, admin) as uow:
        site = uow.session.scalar(select(Site))
        uow.session.delete(site)
        uow.commit()
    assert _count(database, Site) == 1


def _two_editors(database: Database, admin: Actor, make_user) -> Actor:
    other = make_user("grace.hopper", *admin.roles)
    with UnitOfWork(database, admin) as uow:
        create_site(uow, code="S", name="Original", kind=SiteKind.CLINIC)
        uow.commit()
    return other


def _rename(database: Database, actor: Actor, name: str) -> None:
    with UnitOfWork(database, actor) as uow:
        site = uow.session.scalar(select(Site))
        assert site is not None
        site.name = name
        uow.commit()


def _stored(database: Database) -> tuple[str, int]:
    with database.read_session() as session:
        site = session.scalar(select(Site))
        assert site is not None
        return site.name, site.version


def test_edit_of_an_old_view_is_refused_naming_who_changed_it(
    database: Database, admin: Actor, make_user
) -> None:
    other = _two_editors(database, admin, make_user)
    _, seen_version = _stored(database)  # the screen shows version 1
    _rename(database, other, "Changed by Grace")
    with (
        pytest.raises(StaleRecord, match=r"changed by Grace Hopper \(grace.hopper\) at"),
        UnitOfWork(database, admin) as uow,
    ):
        site = uow.session.scalar(select(Site))
        assert site is not None
        uow.expect_version(site, seen_version)
        site.name = "Changed by Ada"
        uow.commit()
    assert _stored(database) == ("Changed by Grace", 2)


def test_overlapping_transactions_lose_no_update(
    database: Database, admin: Actor, make_user
) -> None:
    if database.backend != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): transactions cannot overlap")
    other = _two_editors(database, admin, make_user)
    with UnitOfWork(database, admin) as slow:
        stale = slow.session.scalar(select(Site))
        assert stale is not None
        _rename(database, other, "Changed by Grace")
        stale.name = "Changed by Ada"
        with pytest.raises(StaleRecord, match=r"Grace Hopper \(grace.hopper\)"):
            slow.commit()
    assert _stored(database) == ("Changed by Grace", 2)
