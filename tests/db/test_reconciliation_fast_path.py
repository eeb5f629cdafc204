"""Attacks on reconciliation's fast path: values stored in a form the application never writes.

On SQLite each row is compared as one canonical JSON text made by the database, UUIDs and times
rearranged from their stored text (``app.core.row_texts``); on PostgreSQL UUIDs and times are
read as canonical text made by the server. Each edit below must still be reported, exactly as
the exact, typed path alone reports it (``reconcile_every_record(fast=False)``): the fast path
can settle a row only when the exact path would find it equal.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.audit import RecordMismatch
from app.core.record_reconciliation import CHANGED, MISSING, SIGNATURE, UNAUDITED
from app.core.record_reconciliation import reconcile_every_record as reconcile_rows
from app.quality import signature_digest
from db.models import Case, CustodyEvent, Signature, Site, User
from tests.db import test_reconciliation as base
from tests.db.test_reconciliation import Journey, _mismatches, _sqlite_journey

journey_template = base.journey_template
journey = base.journey

Template = tuple[str, str, uuid.UUID, uuid.UUID]


def _found(journey: Journey) -> list[RecordMismatch]:
    """What reconciliation reports, the same by the fast path and by the exact path alone."""
    fast = _mismatches(journey)
    with journey.database.engine.connect() as connection:
        exact = reconcile_rows(connection, signature_digest, fast=False).mismatches
    assert sorted(fast, key=repr) == sorted(exact, key=repr)
    return fast


def _custody(journey: Journey) -> tuple[uuid.UUID, uuid.UUID]:
    """A custody event (a record written once: its one event text is the fast path's proof)
    and the id of a user other than its recorder."""
    with journey.database.engine.connect() as conn:
        custody_id, recorder = conn.execute(
            select(CustodyEvent.id, CustodyEvent.recorded_by_id).order_by(CustodyEvent.id).limit(1)
        ).one()
        other = conn.scalar(select(User.id).where(User.id != recorder).order_by(User.id).limit(1))
    assert other is not None
    return custody_id, other


def _set(journey: Journey, table: str, column: str, value: object, key: uuid.UUID) -> None:
    """Store ``value`` as it is (SQLite's dynamic typing) in one row's column, foreign keys
    unchecked (as any SQLite client has them by default)."""
    path = journey.database.engine.url.database
    assert path is not None
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (value, key.hex))


@pytest.mark.parametrize("spelling", ["capitals", "hyphenated", "hyphenated capitals", "braces"])
def test_another_uuid_in_another_spelling_is_reported(
    journey_template: Template, request: pytest.FixtureRequest, spelling: str
) -> None:
    journey = _sqlite_journey(request, journey_template[0])
    custody_id, other = _custody(journey)
    stored = {
        "capitals": other.hex.upper(),
        "hyphenated": str(other),
        "hyphenated capitals": str(other).upper(),
        "braces": "{" + str(other) + "}",
    }[spelling]
    _set(journey, "custody_event", "recorded_by_id", stored, custody_id)
    found = {(m.kind, m.table, m.record_id, m.column, m.current) for m in _found(journey)}
    assert found == {(CHANGED, "custody_event", str(custody_id), "recorded_by_id", str(other))}


def test_another_uuid_in_capitals_on_a_record_written_many_times_is_reported(
    journey_template: Template, request: pytest.FixtureRequest
) -> None:
    """The case: many events, compared value by value after its texts are replayed."""
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.connect() as conn:
        site = conn.scalar(select(Case.clinic_site_id).where(Case.id == journey.case_id))
        other = conn.scalar(select(Site.id).where(Site.id != site).order_by(Site.id).limit(1))
    assert other is not None
    _set(journey, "therapy_case", "clinic_site_id", other.hex.upper(), journey.case_id)
    found = {(m.kind, m.table, m.record_id, m.column, m.current) for m in _found(journey)}
    assert (CHANGED, "therapy_case", str(journey.case_id), "clinic_site_id", str(other)) in found
    assert {m[0] for m in found} <= {CHANGED, SIGNATURE}


def test_the_same_uuid_hyphenated_is_no_false_alarm(
    journey_template: Template, request: pytest.FixtureRequest
) -> None:
    """The application reads the hyphenated spelling as the same UUID."""
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE custody_event SET recorded_by_id = lower(substr(recorded_by_id, 1, 8) || '-' "
            "|| substr(recorded_by_id, 9, 4) || '-' || substr(recorded_by_id, 13, 4) || '-' || "
            "substr(recorded_by_id, 17, 4) || '-' || substr(recorded_by_id, 21))"
        )
    assert _found(journey) == []


def test_a_time_one_microsecond_off_is_reported(journey: Journey) -> None:
    custody_id, _other = _custody(journey)
    with journey.database.engine.begin() as conn:
        occurred = conn.scalar(
            select(CustodyEvent.occurred_at).where(CustodyEvent.id == custody_id)
        )
        assert occurred is not None
        edited = occurred + timedelta(microseconds=1)
        conn.execute(
            update(CustodyEvent).where(CustodyEvent.id == custody_id).values(occurred_at=edited)
        )
    found = {(m.kind, m.table, m.record_id, m.column, m.current) for m in _found(journey)}
    shown = edited.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert found == {(CHANGED, "custody_event", str(custody_id), "occurred_at", shown)}


@pytest.mark.parametrize("offset", ["+00:00", "+01:00", "Z"])
def test_a_time_stored_with_an_offset_is_reported(
    journey_template: Template, request: pytest.FixtureRequest, offset: str
) -> None:
    """The application stores UTC wall times with no offset: a time stored with one (even the
    same instant, or the same wall time) is stored behind it."""
    journey = _sqlite_journey(request, journey_template[0])
    custody_id, _other = _custody(journey)
    with journey.database.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE custody_event SET occurred_at = occurred_at || ? WHERE id = ?",
            (offset, custody_id.hex),
        )
    found = [(m.kind, m.table, m.record_id, m.column) for m in _found(journey)]
    assert found == [(CHANGED, "custody_event", str(custody_id), "occurred_at")]


@pytest.mark.parametrize(
    ("column", "size"),
    [
        ("occurred_at", 26),
        # The same 32 hex digits as bytes: the application cannot read them as a UUID.
        ("recorded_by_id", 32),
    ],
)
def test_a_value_stored_as_the_bytes_of_its_text_is_reported(
    journey_template: Template, request: pytest.FixtureRequest, column: str, size: int
) -> None:
    journey = _sqlite_journey(request, journey_template[0])
    custody_id, _other = _custody(journey)
    with journey.database.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE custody_event SET {column} = CAST({column} AS BLOB) WHERE id = ?",
            (custody_id.hex,),
        )
    (mismatch,) = _found(journey)
    assert (mismatch.kind, mismatch.record_id, mismatch.column) == (
        CHANGED,
        str(custody_id),
        column,
    )
    assert f"{size}-byte binary value" in mismatch.message


def test_a_key_stored_as_the_bytes_of_its_own_text_is_reported(
    journey_template: Template, request: pytest.FixtureRequest
) -> None:
    journey = _sqlite_journey(request, journey_template[0])
    custody_id, _other = _custody(journey)
    with journey.database.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE custody_event SET id = CAST(id AS BLOB) WHERE id = ?", (custody_id.hex,)
        )
    found = {(m.kind, m.table, m.record_id) for m in _found(journey)}
    assert (MISSING, "custody_event", str(custody_id)) in found
    assert {kind for kind, _table, _id in found} == {MISSING, UNAUDITED}


def test_a_signature_id_stored_in_capitals_is_no_false_alarm(
    journey_template: Template, request: pytest.FixtureRequest
) -> None:
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.begin() as conn:
        conn.execute(update(Signature).values(signer_username=Signature.signer_username))
        conn.exec_driver_sql("UPDATE signature SET id = upper(id)")
    assert _found(journey) == []


@pytest.mark.parametrize(("shift", "reported"), [(timedelta(0), False), (timedelta(hours=1), True)])
def test_a_time_stored_with_a_t_between_date_and_time(
    journey_template: Template, request: pytest.FixtureRequest, shift: timedelta, reported: bool
) -> None:
    """The ISO spelling of a time: the same time is read as the same value (no false alarm),
    another one is reported."""
    journey = _sqlite_journey(request, journey_template[0])
    custody_id, _other = _custody(journey)
    with journey.database.engine.connect() as conn:
        occurred = conn.scalar(
            select(CustodyEvent.occurred_at).where(CustodyEvent.id == custody_id)
        )
    assert occurred is not None
    stored = (occurred + shift).strftime("%Y-%m-%dT%H:%M:%S.%f")
    _set(journey, "custody_event", "occurred_at", stored, custody_id)
    found = [(m.kind, m.record_id, m.column) for m in _found(journey)]
    assert found == ([(CHANGED, str(custody_id), "occurred_at")] if reported else [])
