"""Direct edits of the audit trail behind the application's back, each caught and named.

The rows of issue 12's table that the keyed chain, the anchor and the trigger check answer:
deleting the newest events, PostgreSQL's replica role, a forged newest event, a middle event
edited and the rest re-hashed; and no false alarm after normal writes, a backup/restore with
its anchor, a crash between commit and anchor, or a migration of an unkeyed chain.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from app.access.users import authenticate
from app.admin.sites import create_site
from app.audit import verify_with_records
from app.core import audit_anchor
from app.core.actor import Actor
from app.core.audit_anchor import (
    ChainHead,
    anchor_path,
    parse_seal,
    read_anchor,
    seal_text,
)
from app.core.audit_chain import (
    SEAL_ACTION,
    chain_hash,
    chain_head,
    event_content,
    keyed_hash,
    row_content,
)
from app.core.audit_key import KEY_BYTES, AuditKey, load_key
from app.core.audit_verify import AuditVerification, current_seal, verify_database
from app.core.database import Database, open_database
from app.core.errors import AuditKeyMismatch, AuditKeyMissing, AuditKeyProblem
from app.core.unit_of_work import UnitOfWork
from db import audit_triggers
from db.engine import make_engine
from db.enums import SiteKind
from db.models import AuditEvent, Site
from tests.conftest import PASSWORD, Demo


def _add_site(database: Database, actor: Actor, code: str) -> None:
    with UnitOfWork(database, actor) as uow:
        create_site(uow, code=code, name=f"Site {code}", kind=SiteKind.CLINIC)
        uow.commit()


def _admin(demo: Demo) -> Actor:
    return authenticate(demo.database, "admin", PASSWORD, "test-station")


def _head(database: Database) -> ChainHead:
    with database.engine.connect() as connection:
        return chain_head(connection)


def _tamper(database: Database, *statements: str, triggers_back: bool = True) -> None:
    """Run ``statements`` with the append-only triggers dropped (put back unless told not)."""
    with database.engine.begin() as conn:
        audit_triggers.remove(conn)
        for statement in statements:
            conn.execute(text(statement))
        if triggers_back:
            audit_triggers.install(conn)


def _row(database: Database, seq: int) -> dict[str, object]:
    with database.engine.connect() as conn:
        found = conn.execute(select(AuditEvent.__table__).where(AuditEvent.seq == seq)).first()
    assert found is not None
    return dict(found._mapping)


@pytest.fixture
def anchored(demo: Demo) -> Iterator[Database]:
    """The demo database, written to at its own place by this workstation (so anchored)."""
    admin = _admin(demo)
    for code in ("T1", "T2", "T3"):
        _add_site(demo.database, admin, code)
    anchor = read_anchor(demo.database.engine.url)
    assert anchor is not None and anchor.newest == _head(demo.database)
    yield demo.database


def _verified_ok(database: Database) -> AuditVerification:
    result = verify_database(database)
    assert result.ok, result.problems
    assert result.as_dict()["record_mismatches"] == []
    return result


def test_an_untampered_trail_verifies_with_every_part_named(anchored: Database) -> None:
    result = _verified_ok(anchored)
    head = _head(anchored)
    shown = result.as_dict()
    assert shown["events"] == head.seq
    assert shown["first_broken_seq"] is None
    assert shown["keyed"] == {"from_seq": 1, "key_id": load_key().key_id}
    assert shown["anchor"]["seq"] == head.seq
    assert shown["anchor"]["hash"] == head.hash
    assert shown["anchor"]["matches"] is True
    assert shown["triggers_ok"] is True
    assert shown["problems"] == []


@pytest.mark.parametrize("deleted", [1, 40, 50])
def test_deleting_the_newest_events_is_named_as_missing(anchored: Database, deleted: int) -> None:
    head = _head(anchored).seq
    assert head > deleted
    _tamper(anchored, f"DELETE FROM audit_event WHERE seq > {head - deleted}")
    result = verify_database(anchored)
    assert not result.ok
    assert result.chain.ok  # what is left is a perfect chain: only the anchor can tell
    assert result.anchor.matches is False
    first = head - deleted + 1
    span = f"event {first} is" if deleted == 1 else f"events {first}–{head} are"
    ends = f"the database ends at {head - deleted}, the anchor at {head}"
    assert result.anchor.problem == f"{span} missing: {ends}"
    assert result.problems == (f"anchor: {span} missing: {ends}",)


def test_numbers_past_a_thousand_are_grouped_in_the_message() -> None:
    anchor = audit_anchor.Anchor(Path("a"), {1097: "a" * 64}, ChainHead(1097, "a" * 64))
    check = audit_anchor.compare_anchor(anchor, 1050, [])
    assert check.problem == (
        "events 1 051–1 097 are missing: the database ends at 1 050, the anchor at 1 097"
    )


def test_deleting_the_whole_trail_is_named_as_missing(anchored: Database) -> None:
    head = _head(anchored).seq
    _tamper(anchored, "DELETE FROM audit_event")
    result = verify_database(anchored)
    assert not result.ok
    assert f"events 1–{head} are missing: the database ends at 0" in str(result.anchor.problem)


def test_triggers_dropped_and_left_dropped_are_reported(anchored: Database) -> None:
    _tamper(anchored, "SELECT 1", triggers_back=False)
    result = verify_database(anchored)
    assert not result.ok
    assert result.as_dict()["triggers_ok"] is False
    names = (
        ["audit_event_no_update", "audit_event_no_delete"]
        if anchored.backend == "sqlite"
        else ["audit_event_no_update_delete", "audit_event_no_truncate"]
    )
    assert result.trigger_problems == tuple(
        f"the append-only trigger {name} is missing" for name in names
    )


def test_a_trigger_replaced_by_one_that_refuses_nothing_is_reported(anchored: Database) -> None:
    with anchored.engine.begin() as conn:
        if anchored.backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
            conn.exec_driver_sql(
                "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                "BEGIN SELECT 1; END"
            )
            expected = "the append-only trigger audit_event_no_delete was altered"
        else:
            conn.exec_driver_sql(
                "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"
            )
            expected = (
                "the append-only trigger audit_event_no_update_delete no longer calls the "
                "refusing function"
            )
    result = verify_database(anchored)
    assert not result.triggers_ok and not result.ok
    assert expected in result.trigger_problems


@pytest.mark.parametrize(
    ("how", "word"),
    [("DISABLE", "is disabled"), ("ENABLE REPLICA", "fires only in replica sessions")],
)
def test_postgresql_disabled_or_replica_only_triggers_are_reported(
    anchored: Database, how: str, word: str
) -> None:
    if anchored.backend != "postgresql":
        pytest.skip("trigger states exist on PostgreSQL only")
    with anchored.engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE audit_event {how} TRIGGER audit_event_no_update_delete")
    result = verify_database(anchored)
    assert not result.ok
    assert result.trigger_problems == (
        f"the append-only trigger audit_event_no_update_delete {word}",
    )


def _as_replica(database: Database, statement: str) -> None:
    with database.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql(statement)


def test_postgresql_replica_role_delete_with_triggers_installed_is_caught(
    anchored: Database,
) -> None:
    if anchored.backend != "postgresql":
        pytest.skip("session_replication_role exists on PostgreSQL only")
    head = _head(anchored).seq
    _as_replica(anchored, f"DELETE FROM audit_event WHERE seq > {head - 3}")
    result = verify_database(anchored)
    assert result.triggers_ok  # installed and enabled: the replica role went round them
    assert not result.ok
    assert result.anchor.problem == (
        f"events {head - 2}–{head} are missing: the database ends at {head - 3}, "
        f"the anchor at {head}"
    )


def test_postgresql_replica_role_update_with_triggers_installed_is_caught(
    anchored: Database,
) -> None:
    if anchored.backend != "postgresql":
        pytest.skip("session_replication_role exists on PostgreSQL only")
    victim = _head(anchored).seq // 2
    _as_replica(anchored, f"UPDATE audit_event SET reason = 'never happened' WHERE seq = {victim}")
    result = verify_database(anchored)
    assert result.triggers_ok
    assert (result.ok, result.first_broken_seq) == (False, victim)
    assert result.chain.problem == (
        "its content does not match its keyed hash (edited after it was written, or hashed "
        "with another key)"
    )


def _forge_newest(database: Database, hasher: str) -> int:
    """Insert a new newest event whose hash is recomputed (unkeyed, or with another key)."""
    head = _head(database)
    row: dict[str, object] = {
        "seq": head.seq + 1,
        "at": _row(database, head.seq)["at"],
        "user_id": None,
        "username": "admin",
        "station": "test-station",
        "action": "release",
        "record_type": "case",
        "record_id": "forged",
        "old_values": "{}",
        "new_values": '{"stage":"released"}',
        "reason": None,
        "prev_hash": head.hash,
    }
    content = event_content(**row_content(row))
    if hasher == "sha256":
        row["hash"] = chain_hash(content, head.hash)
    else:
        other = AuditKey(secrets.token_bytes(KEY_BYTES), Path("elsewhere"))
        row["hash"] = keyed_hash(other, content, head.hash)
    with database.engine.begin() as conn:
        conn.execute(insert(AuditEvent), [row])
    return head.seq + 1


@pytest.mark.parametrize(
    ("hasher", "named"),
    [
        ("sha256", "its hash is a plain SHA-256, not made with the audit key"),
        ("other key", "its content does not match its keyed hash"),
    ],
)
def test_a_forged_newest_event_with_a_recomputed_hash_is_caught(
    anchored: Database, hasher: str, named: str
) -> None:
    forged = _forge_newest(anchored, hasher)
    result = verify_database(anchored)
    assert (result.ok, result.first_broken_seq) == (False, forged)
    assert str(result.chain.problem).startswith(named)
    assert result.problems[0].startswith(f"audit event {forged}: {named}")
    # The anchor alone would call it "ahead" (another workstation): the key tells it apart.
    assert result.anchor.matches is True and result.anchor.ahead == 1


def _rehash_from(database: Database, victim: int, key: AuditKey | None) -> None:
    """Edit event ``victim`` and recompute every hash after it, as someone with SQL would."""
    head = _head(database).seq
    prev = str(_row(database, victim - 1)["hash"])
    statements = []
    for seq in range(victim, head + 1):
        row = _row(database, seq)
        if seq == victim:
            row["reason"] = "rewritten"
        content = event_content(**row_content(row))
        new_hash = chain_hash(content, prev) if key is None else keyed_hash(key, content, prev)
        reason = "reason = 'rewritten', " if seq == victim else ""
        statements.append(
            f"UPDATE audit_event SET {reason}prev_hash = '{prev}', hash = '{new_hash}' "
            f"WHERE seq = {seq}"
        )
        prev = new_hash
    _tamper(database, *statements)


def test_a_middle_event_edited_and_the_rest_rehashed_without_the_key_is_caught(
    anchored: Database,
) -> None:
    victim = _head(anchored).seq // 2
    _rehash_from(anchored, victim, key=None)
    result = verify_database(anchored)
    assert (result.ok, result.first_broken_seq) == (False, victim)
    assert str(result.chain.problem).startswith("its hash is a plain SHA-256")


def test_a_rehash_by_someone_holding_the_key_is_caught_by_the_anchor(
    anchored: Database,
) -> None:
    victim = _head(anchored).seq // 2
    anchor = read_anchor(anchored.engine.url)
    assert anchor is not None
    first = min(seq for seq in anchor.hashes if seq >= victim)
    _rehash_from(anchored, victim, key=load_key())
    result = verify_database(anchored)
    assert result.chain.ok  # a perfect keyed chain: only the outside head can tell
    assert not result.ok
    assert str(result.anchor.problem).startswith(
        f"event {first} differs from the anchor: the anchor recorded hash "
        f"{anchor.hashes[first][:16]}…, the database holds "
    )


def test_the_seal_from_a_printed_report_catches_truncation_and_rewrite(
    anchored: Database,
) -> None:
    seal = current_seal(anchored)
    head = _head(anchored)
    assert seal == f"COI-AUDIT-SEAL v1 seq={head.seq} hash={head.hash}"
    printed = parse_seal(f"page footer · {seal[:-48]} · page 1 of 2")  # 16 hex digits suffice
    checked = verify_database(anchored, seal=printed)
    assert checked.ok and checked.as_dict()["seal"] == {
        "seq": head.seq, "hash": head.hash[:16], "matches": True,
    }  # fmt: skip
    shutil.rmtree(anchor_path(anchored.engine.url).parent, ignore_errors=True)  # no anchor here
    _tamper(anchored, f"DELETE FROM audit_event WHERE seq > {head.seq - 2}")
    truncated = verify_database(anchored, seal=parse_seal(seal))
    assert truncated.anchor.matches is None  # nothing to compare on this workstation
    assert not truncated.ok
    assert truncated.problems == (
        f"seal: events {head.seq - 1}–{head.seq} are missing: the database ends at "
        f"{head.seq - 2}, the seal names event {head.seq}",
    )
    other = parse_seal(seal_text(ChainHead(head.seq - 3, "f" * 64)))
    rewritten = verify_database(anchored, seal=other)
    assert str(rewritten.seal and rewritten.seal.problem).startswith(
        f"event {head.seq - 3} differs from the seal"
    )


def test_a_malformed_seal_is_refused_in_words() -> None:
    with pytest.raises(Exception, match="not an audit seal"):
        parse_seal("COI-AUDIT-SEAL v1 seq=12 hash=abc")


def test_a_crash_between_commit_and_anchor_is_ahead_not_tampering(
    anchored: Database, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _head(anchored).seq

    def crash(_url: object, _head: object) -> Path:
        raise OSError("power lost")

    monkeypatch.setattr(audit_anchor, "record_anchor", crash)
    _add_site(anchored, _admin(demo), "C1")
    monkeypatch.undo()
    after = _head(anchored).seq
    result = _verified_ok(anchored)
    assert result.anchor.ahead == after - before
    assert result.anchor.seq == before
    assert "ahead of this workstation's anchor" in str(result.anchor.note)


def test_a_backup_restored_with_its_anchor_verifies(anchored: Database, tmp_path: Path) -> None:
    if anchored.backend != "sqlite":
        pytest.skip("a file backup is the SQLite case")
    source = anchored.engine.url
    copy = tmp_path / "restored" / "coi.db"
    copy.parent.mkdir()
    with anchored.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(str(source.database), copy)
    restored_url = f"sqlite:///{copy}"
    target = anchor_path(restored_url)
    shutil.copyfile(anchor_path(source), target)
    restored = open_database(restored_url)
    try:
        result = _verified_ok(restored)
        assert result.anchor.matches is True
    finally:
        restored.dispose()


def test_the_key_binding_changed_behind_the_application_is_caught(
    anchored: Database, demo: Demo
) -> None:
    head = _head(anchored).seq
    with anchored.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_key_binding SET keyed_from_seq = {head + 1}"))
    result = verify_database(anchored)
    assert not result.ok  # the keyed events now checked as unkeyed fail at once
    assert result.first_broken_seq == 1
    assert "the key binding says the chain is keyed only from a later event" in str(
        result.chain.problem
    )
    with anchored.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_key_binding"))
    result = verify_database(anchored)
    assert not result.ok
    assert "the audit key binding is missing" in str(result.chain.problem)
    with pytest.raises(AuditKeyProblem, match="binding of this database is missing"):
        _add_site(anchored, _admin(demo), "X1")


def test_a_reset_binding_is_not_silently_rekeyed(anchored: Database, demo: Demo) -> None:
    head = _head(anchored).seq
    with anchored.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE audit_key_binding SET key_id = NULL, keyed_from_seq = {head + 1}")
        )
    with pytest.raises(AuditKeyProblem, match="anchored keyed events of it"):
        _add_site(anchored, _admin(demo), "X2")
    assert _head(anchored).seq == head


def test_a_missing_key_is_a_clear_error_never_an_unkeyed_check(
    anchored: Database, demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = _admin(demo)
    head = _head(anchored).seq
    missing = tmp_path / "nowhere" / "audit.key"
    monkeypatch.setenv("COI_AUDIT_KEY", str(missing))
    with pytest.raises(AuditKeyMissing, match=f"The audit key is missing: {missing} "):
        verify_database(anchored)
    with pytest.raises(AuditKeyMissing, match=f"The audit key is missing: {missing} "):
        verify_with_records(anchored)  # `coi audit verify --records`, the audit screen
    with pytest.raises(AuditKeyMissing, match="coi key import"):
        _add_site(anchored, admin, "K1")
    assert _head(anchored).seq == head  # nothing written
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(secrets.token_bytes(KEY_BYTES))
    monkeypatch.setenv("COI_AUDIT_KEY", str(wrong))
    with pytest.raises(AuditKeyMismatch, match="is not the key this database's audit trail"):
        verify_database(anchored)
    with pytest.raises(AuditKeyMismatch):
        _add_site(anchored, admin, "K2")
    wrong.write_bytes(b"short")
    with pytest.raises(AuditKeyProblem, match="damaged: it holds 5 bytes"):
        verify_database(anchored)
    assert _head(anchored).seq == head


# ---------------------------------------------------------------- a chain from before the key


def _legacy_database(url: str, events: int) -> None:
    """A database at revision 0007 with ``events`` unkeyed (SHA-256) events, as before."""
    from alembic import command  # noqa: PLC0415

    from db.migrate import alembic_config  # noqa: PLC0415

    engine = make_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007_site_wristband_identity")
        prev = "0" * 64
        at = _now()
        for seq in range(1, events + 1):
            row: dict[str, object] = {
                "seq": seq, "at": at, "user_id": None, "username": "system",
                "station": "old-station", "action": "create", "record_type": "site",
                "record_id": f"old-{seq}", "old_values": "{}", "new_values": "{}",
                "reason": None, "prev_hash": prev,
            }  # fmt: skip
            row["hash"] = prev = chain_hash(event_content(**row_content(row)), prev)
            connection.execute(insert(AuditEvent), [row])
    engine.dispose()


def _now() -> object:
    from db.types import utc_now  # noqa: PLC0415

    return utc_now()


def test_a_migrated_unkeyed_chain_is_keyed_from_a_stated_event(empty_database_url: str) -> None:
    _legacy_database(empty_database_url, 5)
    database = open_database(empty_database_url)  # migrates, then keys the chain
    try:
        result = _verified_ok(database)
        assert result.as_dict()["keyed"] == {"from_seq": 6, "key_id": load_key().key_id}
        seal = _row(database, 6)
        assert seal["action"] == SEAL_ACTION
        assert seal["username"] == "system"
        assert json.loads(str(seal["new_values"])) == {
            "key_id": load_key().key_id, "keyed_from_seq": 6,
        }  # fmt: skip
        assert "events 1–5 were written before the audit key" in str(seal["reason"])
        with database.read_session() as session:
            assert session.scalar(select(Site).limit(1)) is None
        # The unkeyed part is covered by the keyed event's link: re-hashing it shows.
        _rehash_from(database, 3, key=None)
        broken = verify_database(database)
        assert (broken.ok, broken.first_broken_seq) == (False, 6)
    finally:
        database.dispose()


def test_a_migrated_chain_without_a_key_at_hand_asks_for_it(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _legacy_database(empty_database_url, 2)
    monkeypatch.setenv("COI_AUDIT_KEY", str(tmp_path / "absent.key"))
    with pytest.raises(AuditKeyMissing, match="The audit key is missing: "):
        open_database(empty_database_url)
    monkeypatch.undo()
    database = open_database(empty_database_url)
    try:
        assert _verified_ok(database).keyed is not None
    finally:
        database.dispose()


def test_an_anchor_line_cut_short_by_a_crash_is_ignored(anchored: Database, demo: Demo) -> None:
    path = anchor_path(anchored.engine.url)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("99999 abc")  # no newline: the write was cut short
    _verified_ok(anchored)
    _add_site(anchored, _admin(demo), "A1")  # the next anchor line starts on its own line
    result = _verified_ok(anchored)
    assert result.anchor.seq == _head(anchored).seq
    assert "are unreadable (ignored)" in str(result.anchor.note)
