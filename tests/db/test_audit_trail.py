"""Every change is an audit event; the chain is append-only and tamper-evident."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.admin.sites import create_site
from app.core.actor import Actor
from app.core.audit_chain import chain_hash, event_content, row_content, verify_chain
from app.core.audit_key import load_key
from app.core.database import Database
from app.core.unit_of_work import UnitOfWork
from db import audit_triggers
from db.enums import SiteKind
from db.models import GENESIS_HASH, AuditEvent, Site


def _events(database: Database) -> list[AuditEvent]:
    with database.read_session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _add_site(database: Database, actor: Actor, code: str) -> None:
    with UnitOfWork(database, actor) as uow:
        create_site(uow, code=code, name=f"Site {code}", kind=SiteKind.CLINIC)
        uow.commit()


def test_create_update_write_events_with_old_and_new_values(
    database: Database, admin: Actor
) -> None:
    _add_site(database, admin, "NBH")
    with UnitOfWork(database, admin) as uow:
        site = uow.session.scalar(select(Site).where(Site.code == "NBH"))
        assert site is not None
        site.name = "Northbridge Hospital"
        uow.reason = "name corrected to the registered name"
        uow.commit()
    create, update = [e for e in _events(database) if e.record_type == "site"]
    assert create.action == "create"
    assert create.username == "admin"
    assert create.station == "test-station"
    assert json.loads(create.old_values) == {}
    assert json.loads(create.new_values)["name"] == "Site NBH"
    assert update.action == "update"
    assert update.record_id == create.record_id
    assert json.loads(update.old_values) == {"name": "Site NBH"}
    assert json.loads(update.new_values) == {"name": "Northbridge Hospital"}
    assert update.reason == "name corrected to the registered name"
    assert update.at.tzinfo is not None


def test_chain_links_every_event(database: Database, admin: Actor) -> None:
    for code in ("A", "B", "C"):
        _add_site(database, admin, code)
    events = _events(database)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    with database.engine.connect() as conn:
        result = verify_chain(conn)
    assert result.as_dict() == {
        "events": len(events),
        "ok": True,
        "first_broken_seq": None,
        "keyed": {"from_seq": 1, "key_id": load_key().key_id},
    }


def test_password_hash_never_enters_the_trail(database: Database, admin: Actor) -> None:
    user_events = [e for e in _events(database) if e.record_type == "app_user"]
    assert user_events
    for event in user_events:
        assert "argon2" not in event.new_values
        assert "argon2" not in event.old_values


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"]
)
def test_triggers_refuse_update_and_delete(
    database: Database, admin: Actor, statement: str
) -> None:
    before = len(_events(database))
    with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text(statement))
    assert len(_events(database)) == before


def test_postgres_refuses_truncate(database: Database, admin: Actor) -> None:
    if database.backend != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_event"))


def _tamper(database: Database, statement: str) -> None:
    """Edit the trail behind the triggers' back: drop them, change a row, restore them."""
    with database.engine.begin() as conn:
        audit_triggers.remove(conn)
        conn.execute(text(statement))
        audit_triggers.install(conn)


def test_verify_names_an_edited_row(database: Database, admin: Actor) -> None:
    for code in ("A", "B", "C", "D"):
        _add_site(database, admin, code)
    target = _events(database)[3].seq
    _tamper(database, f"UPDATE audit_event SET reason = 'nobody will notice' WHERE seq = {target}")
    with database.engine.connect() as conn:
        result = verify_chain(conn)
    assert result.ok is False
    assert result.first_broken_seq == target
    # The triggers are back: a second edit is refused again.
    with pytest.raises(DatabaseError), database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET reason = 'again'"))


def test_verify_names_the_row_after_a_deleted_one(database: Database, admin: Actor) -> None:
    for code in ("A", "B", "C"):
        _add_site(database, admin, code)
    _tamper(database, "DELETE FROM audit_event WHERE seq = 2")
    with database.engine.connect() as conn:
        result = verify_chain(conn)
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_verify_detects_a_recomputed_link(database: Database, admin: Actor) -> None:
    """Rewriting a row's hash (unkeyed) to match its new content is caught at that row."""
    for code in ("A", "B"):
        _add_site(database, admin, code)
    events = _events(database)
    victim = events[1]
    row = {c.name: getattr(victim, c.key) for c in AuditEvent.__table__.columns}
    row["reason"] = "forged"
    forged = chain_hash(event_content(**row_content(row)), victim.prev_hash)
    _tamper(
        database,
        f"UPDATE audit_event SET reason = 'forged', hash = '{forged}' WHERE seq = {victim.seq}",
    )
    with database.engine.connect() as conn:
        result = verify_chain(conn)
    assert (result.ok, result.first_broken_seq) == (False, victim.seq)
    assert result.problem is not None and "plain SHA-256" in result.problem


def test_verify_names_an_edited_link(database: Database, admin: Actor) -> None:
    """The stored link is not part of the hashed content: verify compares it on its own."""
    for code in ("A", "B"):
        _add_site(database, admin, code)
    victim = _events(database)[1]
    _tamper(database, f"UPDATE audit_event SET prev_hash = '{'0' * 64}' WHERE seq = {victim.seq}")
    with database.engine.connect() as conn:
        result = verify_chain(conn)
    assert (result.ok, result.first_broken_seq) == (False, victim.seq)


def test_concurrent_writers_keep_one_gapless_chain(database: Database, admin: Actor) -> None:
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(15):
                _add_site(database, admin, f"{prefix}{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("X", "Y", "Z")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.engine.connect() as conn:
        result = verify_chain(conn)
    assert result.ok
    with database.read_session() as session:
        assert len(list(session.scalars(select(Site)))) == 45
