"""The walk's HMAC message made by SQLite is the chain's canonical content, byte for byte, and
an event SQLite cannot render is still judged, by the exact path, with no traceback."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from app.core.audit_chain import event_content, keyed_hash, row_content
from app.core.audit_key import load_key
from app.core.audit_verify import verify_database
from app.core.audit_walk import MESSAGE, event_batches
from app.core.database import Database
from tests.conftest import Demo
from tests.db.test_audit_tamper import _add_site, _admin, _head, _row, _tamper
from tests.support.audit_events import AT, TRICKY, tricky_fields


@pytest.mark.parametrize(("user_id", "username", "reason", "text"), TRICKY)
def test_sqlite_makes_exactly_the_message_the_chain_hashes(
    user_id: str | None, username: str | None, reason: str | None, text: str
) -> None:
    engine = create_engine("sqlite://")
    fields = tricky_fields(user_id, username, reason, text)
    new_values = fields["new_values"]
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE audit_event (seq INTEGER PRIMARY KEY, at TEXT, user_id TEXT, "
            "username TEXT, station TEXT, action TEXT, record_type TEXT, record_id TEXT, "
            "old_values TEXT, new_values TEXT, reason TEXT, prev_hash TEXT, hash TEXT)"
        )
        conn.exec_driver_sql(
            "INSERT INTO audit_event VALUES (?, '2026-03-04 05:06:07.000089', ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)",
            (
                fields["seq"], user_id, username, fields["station"], "update", "case", text,
                "{}", new_values, reason, "0" * 64, "1" * 64,
            ),
        )  # fmt: skip
        ((row,),) = list(event_batches(conn, messages=True))
    expected = event_content(at=AT, **fields) + "0" * 64  # type: ignore[arg-type]
    assert row[MESSAGE] == expected.encode("utf-8")


def test_bytes_in_an_event_are_named_and_the_events_before_them_hold(demo: Demo) -> None:
    """SQLite's JSON cannot hold bytes: the walk starts again without its messages, and the
    exact path names the event in words."""
    database: Database = demo.database
    if database.backend != "sqlite":
        pytest.skip("SQLite stores bytes in a text column; PostgreSQL refuses them")
    admin = _admin(demo)
    for code in ("T1", "T2", "T3"):
        _add_site(database, admin, code)
    victim = _head(database).seq // 2
    _tamper(database, f"UPDATE audit_event SET station = X'00ff' WHERE seq = {victim}")
    result = verify_database(database)
    assert (result.ok, result.first_broken_seq) == (False, victim)
    assert result.chain.problem == (
        "it holds a value of a type the application never writes (edited behind it)"
    )
    assert result.events == _head(database).seq


def test_a_link_edited_and_its_event_rehashed_with_the_key_is_named(demo: Demo) -> None:
    """An HMAC that holds over the stored link proves the event, not that it follows the one
    before it: the walk compares the link with the previous hash as well."""
    database: Database = demo.database
    admin = _admin(demo)
    for code in ("T1", "T2", "T3"):
        _add_site(database, admin, code)
    victim = _head(database).seq // 2
    forged_link = "0" * 64
    row = _row(database, victim)
    forged_hash = keyed_hash(load_key(), event_content(**row_content(row)), forged_link)
    _tamper(
        database,
        f"UPDATE audit_event SET prev_hash = '{forged_link}', hash = '{forged_hash}' "
        f"WHERE seq = {victim}",
    )
    result = verify_database(database)
    assert (result.ok, result.first_broken_seq) == (False, victim)
    assert result.chain.problem == "its link to the previous event does not match"
