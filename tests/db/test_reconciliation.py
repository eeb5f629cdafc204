"""Reconciliation of the records with their audit trail: tamper with the rows by direct SQL.

The audit table's triggers guard the trail only: every record table can be edited behind the
application. A normal journey reconciles with no mismatch (no false alarm); each edit below is
reported with the table, the record, the column and both values, by ``coi audit verify
--records``' reconciliation and by the per-case check a case screen runs.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from app.access.lockout import MAX_FAILED_LOGINS
from app.access.users import authenticate
from app.admin.users import (
    UserAccount,
    add_account,
    change_access,
    list_accounts,
    reset_password,
    unlock_account,
)
from app.audit import RecordMismatch, reconcile_cases, reconcile_database, verify_with_records
from app.core import AccountLocked, Actor, AuthenticationFailed, NotPermitted
from app.core.database import Database, open_database
from app.core.record_reconciliation import CHANGED, MISSING, SIGNATURE, UNAUDITED, WITHHELD
from app.demo.journey import JourneyDriver
from app.quality.signatures import record_digest
from db.enums import CaseStage, Role, SignatureMeaning
from db.models import (
    AuditEvent,
    Case,
    CustodyEvent,
    PatientIdentity,
    QcResult,
    Signature,
    Site,
    StepTemplate,
    TemperatureProfile,
)
from tests.conftest import BACKENDS, PASSWORD, Demo, database_copy, demo_source


@dataclass(frozen=True)
class Journey:
    """A database after a journey to release, plus a second case collected."""

    database: Database
    case_id: uuid.UUID
    other_id: uuid.UUID


@pytest.fixture(scope="module", params=BACKENDS)
def journey_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, uuid.UUID, uuid.UUID]]:
    """Drive the journey once per backend; tests get a copy (backend, source, case ids)."""
    out = tmp_path_factory.mktemp("reconcile-journey")
    source, url = demo_source(request, out)
    database = open_database(url)
    driver = JourneyDriver(database, out)
    other = driver.enrol("HREC0002", "Lindqvist", "Maja", date(1984, 9, 2))
    driver.collect(other)
    case = driver.enrol("HREC0001", "Okafor", "Ada", date(1971, 3, 14))
    driver.run_to(case, CaseStage.RELEASED)
    database.dispose()
    yield request.param, source, case.id, other.id


@pytest.fixture
def journey(
    journey_template: tuple[str, str, uuid.UUID, uuid.UUID],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Journey]:
    backend, source, case_id, other_id = journey_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield Journey(database, case_id, other_id)


def _mismatches(journey: Journey) -> list[RecordMismatch]:
    """What the reconciliation finds, the same whether it replays the trail on its own or in
    the walk that verifies the chain (``coi audit verify --records``)."""
    found = reconcile_database(journey.database)
    walked = verify_with_records(journey.database)
    assert walked.reconciliation == found
    assert walked.record_mismatches == tuple(found.as_list())
    assert walked.ok is (found.ok and walked.chain.ok)
    return list(found.mismatches)


def _one_signature(journey: Journey, record_type: str) -> Signature:
    """The first review signature on a ``record_type`` record."""
    with journey.database.read_session() as session:
        found = session.scalars(
            select(Signature)
            .where(
                Signature.record_type == record_type,
                Signature.meaning == SignatureMeaning.REVIEWED,
            )
            .order_by(Signature.signed_at, Signature.id)
            .limit(1)
        ).first()
        assert found is not None
        session.expunge(found)
        return found


def test_a_normal_journey_reconciles_with_no_mismatch(journey: Journey) -> None:
    assert _mismatches(journey) == []
    result = reconcile_database(journey.database)
    assert result.mismatches == ()
    assert result.records > 100
    assert result.signatures > 5  # every signature was checked against its record


def test_the_audit_event_of_a_signature_holds_its_digest_signer_and_meaning(
    journey: Journey,
) -> None:
    signature = _one_signature(journey, "qc_result")
    with journey.database.read_session() as session:
        new_values = session.scalar(
            select(AuditEvent.new_values).where(
                AuditEvent.record_type == "signature", AuditEvent.record_id == str(signature.id)
            )
        )
    assert new_values is not None
    for value in (signature.record_digest, signature.signer_username, signature.meaning.value):
        assert f'"{value}"' in new_values


def test_a_swapped_patient_is_reported_on_both_cases(journey: Journey) -> None:
    with journey.database.engine.begin() as conn:
        one, two = (
            conn.scalar(select(Case.patient_id).where(Case.id == case_id))
            for case_id in (journey.case_id, journey.other_id)
        )
        conn.execute(update(Case).where(Case.id == journey.case_id).values(patient_id=two))
        conn.execute(update(Case).where(Case.id == journey.other_id).values(patient_id=one))
    found = _mismatches(journey)
    assert {(m.kind, m.table, m.record_id, m.column) for m in found} == {
        (CHANGED, "therapy_case", str(journey.case_id), "patient_id"),
        (CHANGED, "therapy_case", str(journey.other_id), "patient_id"),
    }
    mine = next(m for m in found if m.record_id == str(journey.case_id))
    assert (mine.audited, mine.current) == (str(one), str(two))
    assert mine.message == (
        f'therapy_case {journey.case_id}: column patient_id is "{two}" but the audit trail '
        f'recorded "{one}" (changed behind the application)'
    )


def test_a_rewritten_signer_is_reported(journey: Journey) -> None:
    signature = _one_signature(journey, "qc_result")
    with journey.database.engine.begin() as conn:
        conn.execute(
            update(Signature)
            .where(Signature.id == signature.id)
            .values(signer_name="Mallory Forger", signer_username="mallory")
        )
    found = {(m.kind, m.table, m.record_id, m.column, m.current) for m in _mismatches(journey)}
    assert found == {
        (CHANGED, "signature", str(signature.id), "signer_name", "Mallory Forger"),
        (CHANGED, "signature", str(signature.id), "signer_username", "mallory"),
    }


def _edit_signed_qc_result(journey: Journey, *, recompute_digest: bool) -> Signature:
    """Edit a reviewed QC result; a forger also recomputes the digest of each of its signatures."""
    signature = _one_signature(journey, "qc_result")
    with journey.database.engine.begin() as conn:
        conn.execute(
            update(QcResult)
            .where(QcResult.id == uuid.UUID(signature.record_id))
            .values(value_text="passed on a second look")
        )
    if recompute_digest:
        with journey.database.read_session() as session:
            result = session.get(QcResult, uuid.UUID(signature.record_id))
            assert result is not None
            digests = {
                row.id: record_digest(result, row.meaning)
                for row in session.scalars(
                    select(Signature).where(Signature.record_id == signature.record_id)
                )
            }
        with journey.database.engine.begin() as conn:
            for signature_id, digest in digests.items():
                conn.execute(
                    update(Signature)
                    .where(Signature.id == signature_id)
                    .values(record_digest=digest)
                )
    return signature


def test_a_signed_qc_result_edited_with_its_digest_recomputed_is_reported(
    journey: Journey,
) -> None:
    signature = _edit_signed_qc_result(journey, recompute_digest=True)
    found = {(m.kind, m.table, m.record_id, m.column) for m in _mismatches(journey)}
    with journey.database.read_session() as session:
        on_it = set(
            session.scalars(select(Signature.id).where(Signature.record_id == signature.record_id))
        )
    assert signature.id in on_it
    assert found == {
        (CHANGED, "qc_result", signature.record_id, "value_text"),
        *((CHANGED, "signature", str(signature_id), "record_digest") for signature_id in on_it),
    }


def test_a_signed_record_edited_without_its_signature_shows_the_signature_broken(
    journey: Journey,
) -> None:
    signature = _edit_signed_qc_result(journey, recompute_digest=False)
    found = _mismatches(journey)
    assert {(m.kind, m.table, m.record_id, m.column) for m in found} >= {
        (CHANGED, "qc_result", signature.record_id, "value_text"),
        (SIGNATURE, "qc_result", signature.record_id, None),
    }
    broken = next(m for m in found if m.kind == SIGNATURE and m.record_id == signature.record_id)
    assert f"signature {signature.id} ({signature.meaning.value} by " in broken.message
    assert "no longer matches the digest that was signed" in broken.message


def test_a_signature_checks_only_what_its_meaning_covers(journey: Journey) -> None:
    """QA's exception approval fills columns the earlier review did not sign: no false alarm."""
    with journey.database.read_session() as session:
        meanings = set(
            session.scalars(select(Signature.meaning).where(Signature.record_type == "qc_result"))
        )
    assert {SignatureMeaning.REVIEWED, SignatureMeaning.APPROVED} <= meanings
    assert _mismatches(journey) == []


def test_a_deleted_row_is_reported_missing(journey: Journey) -> None:
    with journey.database.engine.begin() as conn:
        custody = conn.scalar(select(CustodyEvent.id).limit(1))
        conn.execute(delete(CustodyEvent).where(CustodyEvent.id == custody))
    found = {(m.kind, m.table, m.record_id) for m in _mismatches(journey)}
    assert found == {(MISSING, "custody_event", str(custody))}


def test_a_row_inserted_behind_the_application_is_reported(journey: Journey) -> None:
    """A forged signature: a row no audit event records."""
    signature = _one_signature(journey, "qc_result")
    forged = uuid.uuid4()
    with journey.database.engine.begin() as conn:
        conn.execute(
            insert(Signature).values(
                id=forged,
                signer_id=signature.signer_id,
                signer_name=signature.signer_name,
                signer_username=signature.signer_username,
                signed_at=signature.signed_at,
                meaning=SignatureMeaning.APPROVED,
                record_type=signature.record_type,
                record_id=signature.record_id,
                record_digest=signature.record_digest,
                station="behind the app",
            )
        )
    found = _mismatches(journey)
    assert {(m.kind, m.table, m.record_id) for m in found} >= {
        (UNAUDITED, "signature", str(forged))
    }
    assert any(
        m.message == f"signature {forged} exists but no audit event records it "
        "(inserted behind the application)"
        for m in found
    )
    # The case screen's check of the signed record's case finds the forgery too.
    scoped = reconcile_cases(journey.database, Demo(journey.database)["asha.qa"], [journey.case_id])
    assert (UNAUDITED, "signature", str(forged)) in {
        (m.kind, m.table, m.record_id) for m in scoped.mismatches
    }


def test_patient_identity_values_are_withheld_from_the_report(journey: Journey) -> None:
    with journey.database.engine.begin() as conn:
        conn.execute(update(PatientIdentity).values(family_name="Someone Else"))
    found = _mismatches(journey)
    assert found and all(m.column == "family_name" for m in found)
    assert all(m.audited == m.current == WITHHELD for m in found)
    assert all("Someone Else" not in m.message for m in found)


def test_the_per_case_check_sees_only_the_cases_asked_for(journey: Journey) -> None:
    with journey.database.engine.begin() as conn:
        conn.execute(
            update(Case).where(Case.id == journey.other_id).values(side_state_reason="edited")
        )
    signature = _edit_signed_qc_result(journey, recompute_digest=False)
    qa = Demo(journey.database)["asha.qa"]
    mine = reconcile_cases(journey.database, qa, [journey.case_id])
    assert {(m.kind, m.table, m.record_id) for m in mine.mismatches} == {
        (CHANGED, "qc_result", signature.record_id),
        (SIGNATURE, "qc_result", signature.record_id),
    }
    assert mine.records > 20 and mine.signatures > 3
    other = reconcile_cases(journey.database, qa, [journey.other_id])
    assert [(m.table, m.column) for m in other.mismatches] == [
        ("therapy_case", "side_state_reason")
    ]


def test_the_per_case_check_is_refused_to_someone_of_no_site(journey: Journey) -> None:
    admin = authenticate(journey.database, "admin", PASSWORD, "test-station")
    with pytest.raises(NotPermitted):
        reconcile_cases(journey.database, admin, [journey.case_id])


def test_account_administration_and_sign_ins_reconcile_with_no_mismatch(journey: Journey) -> None:
    """Sign-in bookkeeping (counted by UPDATE statements, audited by hand) is no false alarm."""
    database = journey.database
    admin = authenticate(database, "admin", PASSWORD, "test-station")
    account = add_account(
        database, admin, username="nina.new", full_name="Nina New",
        password="first password 1", roles=[Role.QA], site_code="CTF",
    )  # fmt: skip
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises((AuthenticationFailed, AccountLocked)):
            authenticate(database, "nina.new", "wrong password", "test-station")
    account = _account_of(database, admin, account.id)
    assert account.locked
    account = unlock_account(
        database, admin, account.id, reason="called the help desk", seen_version=account.version
    )
    account = reset_password(
        database, admin, account.id, new_password="second password 2",
        reason="forgotten", seen_version=account.version,
    )  # fmt: skip
    account = change_access(
        database, admin, account.id, roles=[Role.QP], site_code="CTF",
        reason="promoted", seen_version=account.version,
    )  # fmt: skip
    authenticate(database, "nina.new", "second password 2", "test-station")
    assert _mismatches(journey) == []


def _account_of(database: Database, admin: Actor, user_id: uuid.UUID) -> UserAccount:
    return next(a for a in list_accounts(database, admin) if a.id == user_id)


# ---------------------------------------------------------------- the fast path (SQLite)
# On SQLite each row is read as one canonical JSON text (``app.core.row_texts``); these edits
# are what that text could hide, so each must still be reported, and no false alarm raised.


def test_a_real_a_hair_off_its_audited_value_is_reported(journey: Journey) -> None:
    """SQLite's JSON rounds a real to 15 digits: a record written once is not proven by it."""
    with journey.database.engine.begin() as conn:
        profile_id, upper = conn.execute(
            select(TemperatureProfile.id, TemperatureProfile.upper_c)
            .where(TemperatureProfile.upper_c.is_not(None))
            .order_by(TemperatureProfile.id)
            .limit(1)
        ).one()
        edited = math.nextafter(upper, math.inf)
        conn.execute(
            update(TemperatureProfile)
            .where(TemperatureProfile.id == profile_id)
            .values(upper_c=edited, updated_at=TemperatureProfile.updated_at)  # only the real
        )
    found = {(m.kind, m.table, m.record_id, m.column, m.current) for m in _mismatches(journey)}
    assert found == {(CHANGED, "temperature_profile", str(profile_id), "upper_c", edited)}


def _sqlite_journey(request: pytest.FixtureRequest, backend: str) -> Journey:
    """The journey on SQLite (the edits below need its dynamic typing); skip on PostgreSQL
    before its database is copied."""
    if backend != "sqlite":
        pytest.skip("SQLite stores any value in any column; PostgreSQL refuses these edits")
    journey = request.getfixturevalue("journey")
    assert isinstance(journey, Journey)
    return journey


def test_a_real_written_into_an_integer_column_is_reported(
    journey_template: tuple[str, str, uuid.UUID, uuid.UUID], request: pytest.FixtureRequest
) -> None:
    """3.0000000000000004 in an integer column renders as 3.0 in SQLite's JSON."""
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.begin() as conn:
        step_id, position = conn.execute(
            select(StepTemplate.id, StepTemplate.position).order_by(StepTemplate.id).limit(1)
        ).one()
        edited = math.nextafter(float(position), math.inf)
        conn.exec_driver_sql(
            "UPDATE step_template SET position = ? WHERE id = ?", (edited, step_id.hex)
        )
    found = {(m.kind, m.table, m.record_id, m.column, m.current) for m in _mismatches(journey)}
    assert found == {(CHANGED, "step_template", str(step_id), "position", edited)}


def test_a_boolean_turned_off_is_reported(
    journey_template: tuple[str, str, uuid.UUID, uuid.UUID], request: pytest.FixtureRequest
) -> None:
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.begin() as conn:
        site_id = conn.scalar(select(Site.id).where(Site.code == "CTF"))
        assert site_id is not None
        conn.exec_driver_sql("UPDATE site SET active = 0 WHERE id = ?", (site_id.hex,))
    found = {(m.kind, m.table, m.record_id, m.column, m.current) for m in _mismatches(journey)}
    assert found == {(CHANGED, "site", str(site_id), "active", False)}


def test_a_uuid_stored_in_another_form_is_no_false_alarm(
    journey_template: tuple[str, str, uuid.UUID, uuid.UUID], request: pytest.FixtureRequest
) -> None:
    """The same UUID in capitals: the text differs, the exact path finds the same value."""
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE custody_event SET recorded_by_id = upper(recorded_by_id)")
    assert _mismatches(journey) == []


def test_a_blob_written_into_a_text_column_is_reported_not_a_traceback(
    journey_template: tuple[str, str, uuid.UUID, uuid.UUID], request: pytest.FixtureRequest
) -> None:
    """SQLite stores bytes in a text column; JSON cannot hold them, nor canonical form."""
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.begin() as conn:
        custody_id = conn.scalar(select(CustodyEvent.id).order_by(CustodyEvent.id).limit(1))
        assert custody_id is not None
        conn.exec_driver_sql(
            "UPDATE custody_event SET custodian_name = ? WHERE id = ?",
            (b"\x00\xffx", custody_id.hex),
        )
    found = [(m.kind, m.table, m.record_id, m.column) for m in _mismatches(journey)]
    assert found == [(CHANGED, "custody_event", str(custody_id), "custodian_name")]
    (mismatch,) = reconcile_database(journey.database).mismatches
    assert "3-byte binary value" in mismatch.message


def test_a_blob_in_a_signed_record_is_reported_with_its_signature_broken(
    journey_template: tuple[str, str, uuid.UUID, uuid.UUID], request: pytest.FixtureRequest
) -> None:
    """Bytes in a signed QC result's text: the column by name and the signature broken, by
    ``coi audit verify --records`` and by the per-case check alike."""
    journey = _sqlite_journey(request, journey_template[0])
    signature = _one_signature(journey, "qc_result")
    with journey.database.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE qc_result SET value_text = ? WHERE id = ?",
            (b"blob", uuid.UUID(signature.record_id).hex),
        )
    found = {(m.kind, m.table, m.record_id, m.column) for m in _mismatches(journey)}
    assert found == {
        (CHANGED, "qc_result", signature.record_id, "value_text"),
        (SIGNATURE, "qc_result", signature.record_id, None),
    }
    qa = Demo(journey.database)["asha.qa"]
    scoped = reconcile_cases(journey.database, qa, [journey.case_id])
    assert {(m.kind, m.column) for m in scoped.mismatches} == {
        (CHANGED, "value_text"),
        (SIGNATURE, None),
    }
    assert "value_text holds a value of another type" in scoped.words()


def test_a_key_that_is_no_uuid_is_reported_not_a_traceback(
    journey_template: tuple[str, str, uuid.UUID, uuid.UUID], request: pytest.FixtureRequest
) -> None:
    """A custody event's id rewritten as bytes: a row no event records, and a record gone."""
    journey = _sqlite_journey(request, journey_template[0])
    with journey.database.engine.begin() as conn:
        custody_id = conn.scalar(select(CustodyEvent.id).order_by(CustodyEvent.id).limit(1))
        assert custody_id is not None
        conn.exec_driver_sql(
            "UPDATE custody_event SET id = ? WHERE id = ?", (b"not a uuid", custody_id.hex)
        )
    found = {(m.kind, m.table, m.record_id) for m in _mismatches(journey)}
    assert found == {
        (
            UNAUDITED,
            "custody_event",
            "[a 10-byte binary value (6e6f7420612075756964), not the column's type]",
        ),
        (MISSING, "custody_event", str(custody_id)),
    }
