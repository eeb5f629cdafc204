"""Erasing a patient's identity (GDPR) by destroying their data key, attacked as a tester would.

One case is collected once per backend (its bag labels and scans sealed with the patient's
key), another patient enrolled beside it; each test erases on a copy through the real services
and then reads, searches, verifies the audit chain and restores the key row with plain SQL.
The bedside check of an erased patient is attacked in ``test_bedside_trail.py`` (its ward).
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from app.access import authenticate, create_user
from app.audit import AuditFilter, export_audit_csv, export_audit_pdf, search_audit
from app.casefile import list_cases
from app.core import (
    IDENTITY_ERASED,
    AuthenticationFailed,
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    erased_patients,
    patient_erased,
    verify_database,
)
from app.core.clinic_sealing import IDENTITY_HIDDEN as IDENTITY_HIDDEN_NO_KEY
from app.core.config import CLINIC_KEY_ENV
from app.core.database import Database, open_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey import erase_identity, find_case
from db.enums import CaseStage, Role
from db.models import AuditEvent, Case, Label, PatientIdentity, PatientKey, Scan, StageRecord
from tests.conftest import BACKENDS, PASSWORD, database_copy, demo_source
from tests.support.pdf_words import plain

NUMBER, OTHER_NUMBER = "NBH400001", "NBH400002"
CLINIC_QA = "cleo.clinicqa"
REASON = "patient's erasure request 2026-41, retention duties assessed by QA"


@dataclass(frozen=True)
class Ward:
    """A collected case (its patient to erase) and another patient's case."""

    database: Database
    driver: JourneyDriver
    case: uuid.UUID
    other: uuid.UUID

    def who(self, username: str) -> Any:
        """A demo user signed in (the administrator with the fixtures' password)."""
        if username == "admin":
            return authenticate(self.database, "admin", PASSWORD, "test-station")
        return self.driver.who(username)

    def erase(self, username: str = "cora.coordinator", **changes: str) -> Any:
        """Erase the case's patient as ``username`` with the reason and password given."""
        return erase_identity(
            self.database,
            self.who(username),
            self.case,
            changes.get("reason", REASON),
            changes.get("password", DEMO_PASSWORD),
        )

    def shown(self, case: uuid.UUID | None = None) -> str:
        """The patient of a case as the coordinator's case screen shows it."""
        view = find_case(self.database, self.who("cora.coordinator"), case or self.case).patient
        assert view is not None
        return view.display_name

    def stored(self) -> tuple[Any, ...]:
        """Every stored value of the patient: identity columns, label payloads, scan texts."""
        with self.database.read_session() as session:
            patient = session.scalar(select(Case.patient_id).where(Case.id == self.case))
            identity = session.execute(
                select(
                    PatientIdentity.family_name,
                    PatientIdentity.given_name,
                    PatientIdentity.date_of_birth,
                    PatientIdentity.hospital_number,
                ).where(PatientIdentity.patient_id == patient)
            ).one()
            labels = session.scalars(select(Label.payload).order_by(Label.id)).all()
            scans = session.scalars(select(Scan.raw_text).where(Scan.case_id == self.case)).all()
        return (tuple(identity), tuple(labels), tuple(sorted(scans)))

    def written(self) -> tuple[int, int, int]:
        with self.database.read_session() as session:
            return tuple(  # type: ignore[return-value]
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (AuditEvent, Scan, StageRecord)
            )

    def key_row(self) -> Any:
        with self.database.read_session() as session:
            patient = session.scalar(select(Case.patient_id).where(Case.id == self.case))
            return session.execute(
                select(PatientKey.wrapped_key, PatientKey.erased_at, PatientKey.patient_id).where(
                    PatientKey.patient_id == patient
                )
            ).one()


@pytest.fixture(scope="module", params=BACKENDS)
def ward_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, uuid.UUID, uuid.UUID]]:
    """Drive the case once per backend; tests get a copy."""
    out = tmp_path_factory.mktemp("erasure")
    source, url = demo_source(request, out)
    database = open_database(url)
    driver = JourneyDriver(database, out)
    case = driver.run_to(
        driver.enrol(NUMBER, "Quist", "Ole", date(1962, 8, 9)), CaseStage.COLLECTED
    )
    other = driver.enrol(OTHER_NUMBER, "Rask", "Ida", date(1977, 2, 3))
    with UnitOfWork(database, authenticate(database, "admin", PASSWORD, "test")) as uow:
        create_user(  # QA at the clinic who is also its coordinator: sees the trail and identity
            uow,
            username=CLINIC_QA,
            full_name="Cleo Clinic-QA",
            password=DEMO_PASSWORD,
            roles=[Role.QA, Role.CLINIC_COORDINATOR],
            site_code="NBH",
        )
        uow.commit()
    database.dispose()
    yield request.param, source, case.id, other.id


@pytest.fixture
def ward(
    ward_template: tuple[str, str, uuid.UUID, uuid.UUID],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Ward]:
    backend, source, case, other = ward_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield Ward(database, JourneyDriver(database, tmp_path), case, other)


def test_erasure_is_refused_to_other_roles_and_without_reason_or_password(ward: Ward) -> None:
    for username in ("otto.operator", "asha.qa", "ivy.infusion", "cora.coordinator"):
        ward.who(username)  # signed in (an audited event) before counting
    before = (ward.written(), ward.key_row())
    for username in ("otto.operator", "asha.qa", "ivy.infusion"):
        with pytest.raises(NotPermitted, match="Clinic coordinator may erase"):
            ward.erase(username)
    with pytest.raises(ValidationFailed, match="Give the reason"):
        ward.erase(reason="   ")
    with pytest.raises(ValidationFailed, match="control character"):
        ward.erase(reason="erase\x07")
    with pytest.raises(ValidationFailed, match="enter your password"):
        ward.erase(password="")
    with pytest.raises(AuthenticationFailed):
        ward.erase(password="not-the-password")
    # Only the wrong password is counted (an audited event of its own); nothing else written.
    assert ward.written()[1:] == before[0][1:] and ward.key_row() == before[1]
    assert ward.written()[0] == before[0][0] + 1
    assert ward.shown() == "QUIST, Ole"


def test_erased_identity_reads_as_erased_everywhere_and_the_records_still_verify(
    ward: Ward,
) -> None:
    sealed_before = ward.stored()
    erased = ward.erase()
    assert erased.reason == REASON and len(erased.cois) == 1
    row = ward.key_row()
    assert row.wrapped_key is None and row.erased_at is not None
    # Every ciphertext is where it was, unchanged: only the key is gone.
    assert ward.stored() == sealed_before
    assert ward.shown().startswith(IDENTITY_ERASED)
    assert ward.shown(ward.other) == "RASK, Ida"  # another patient is untouched
    coordinator = ward.who("cora.coordinator")
    for term in (NUMBER, NUMBER.lower(), "Quist", "quis"):
        assert list_cases(ward.database, coordinator, search=term).total == 0, term
    assert list_cases(ward.database, coordinator, search=OTHER_NUMBER).total == 1
    rows = {r.id: r.patient_name for r in list_cases(ward.database, coordinator).rows}
    assert (rows[ward.case] or "").startswith(IDENTITY_ERASED)
    # The chain hashes the unchanged ciphertexts; every record still reconciles.
    result = verify_database(ward.database)
    assert result.ok, result.problems
    assert result.as_dict()["record_mismatches"] == []
    with ward.database.read_session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "erase patient identity")
        ).one()
    assert (event.record_id, event.reason) == (str(row.patient_id), REASON)


def test_erasing_twice_is_refused_and_changes_nothing(ward: Ward) -> None:
    ward.erase()
    before = (ward.written(), ward.key_row())
    with pytest.raises(ValidationFailed, match="was erased already"):
        ward.erase()
    assert (ward.written(), ward.key_row()) == before


def test_a_wrapped_key_restored_by_sql_from_a_backup_does_not_undo_the_erasure(
    ward: Ward,
) -> None:
    backup = ward.key_row()
    with ward.database.read_session() as session:
        other = session.scalar(select(Case.patient_id).where(Case.id == ward.other))
        assert erased_patients(session, {backup.patient_id, other}) == frozenset()
    ward.erase()
    with ward.database.engine.begin() as conn:  # the attack: the key row as the backup holds it
        conn.execute(
            update(PatientKey)
            .where(PatientKey.patient_id == backup.patient_id)
            .values(wrapped_key=backup.wrapped_key, erased_at=None)
        )
    assert ward.shown().startswith(IDENTITY_ERASED)  # the trail's erasure event wins
    with ward.database.read_session() as session:  # read for a page at once, as one by one
        assert erased_patients(session, {backup.patient_id, other}) == {backup.patient_id}
        assert patient_erased(session, backup.patient_id) and not patient_erased(session, other)
    shown = _identity_values(ward, CLINIC_QA)  # the audit trail's page reads it so too
    assert IDENTITY_ERASED in shown and "Quist" not in shown and "Rask" in shown
    assert list_cases(ward.database, ward.who("cora.coordinator"), search="Quist").total == 0
    with pytest.raises(ValidationFailed, match="was erased already"):
        ward.erase()


def _identity_values(ward: Ward, username: str) -> list[Any]:
    """The identity-bearing old/new values of the trail as ``username`` reads them."""
    page = search_audit(ward.database, ward.who(username), AuditFilter(), limit=1000)
    shown = []
    for entry in page.rows:
        for values in (entry.old_values, entry.new_values):
            shown += [v for k, v in values.items() if k in IDENTITY_KEYS and v is not None]
    assert shown, f"{username} sees no identity-bearing value"
    return shown


IDENTITY_KEYS = frozenset(
    {"family_name", "hospital_number", "date_of_birth", "raw_text", "payload"}
)


def test_the_audit_trail_opens_identity_for_clinic_roles_and_hides_or_marks_it_erased(
    ward: Ward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic = _identity_values(ward, CLINIC_QA)
    assert "Quist" in clinic and NUMBER in clinic  # opened, never the ciphertext
    assert not any("coi-enc" in str(v) for v in clinic)
    everyone = _identity_values(ward, "admin")
    assert not any("coi-enc" in str(v) or "Quist" in str(v) for v in everyone)
    assert "[identity hidden]" in everyone
    csv_file = tmp_path / "trail.csv"
    export_audit_csv(ward.database, ward.who(CLINIC_QA), AuditFilter(), csv_file)
    text = csv_file.read_text(encoding="utf-8-sig")
    assert "Quist" in text and "coi-enc" not in text
    monkeypatch.setenv(CLINIC_KEY_ENV, str(tmp_path / "absent.key"))  # a workstation without it
    assert IDENTITY_HIDDEN_NO_KEY in _identity_values(ward, CLINIC_QA)
    monkeypatch.undo()

    ward.erase()
    for username in (CLINIC_QA, "admin"):
        after = _identity_values(ward, username)
        assert IDENTITY_ERASED in after, username
        assert not any("coi-enc" in str(v) or "Quist" in str(v) for v in after), username
    assert "Rask" in _identity_values(ward, CLINIC_QA)  # the other patient still opens
    export_audit_csv(ward.database, ward.who(CLINIC_QA), AuditFilter(), csv_file.with_suffix(".2"))
    text = csv_file.with_suffix(".2").read_text(encoding="utf-8-sig")
    assert IDENTITY_ERASED in text and "Quist" not in text and "coi-enc" not in text
    if shutil.which("pdftotext"):
        pdf = tmp_path / "trail.pdf"
        export_audit_pdf(ward.database, ward.who(CLINIC_QA), AuditFilter(), pdf)
        layout = plain(
            subprocess.run(
                ["pdftotext", "-layout", str(pdf), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        # The PDF lists the events (no old/new values): the erasure is there, no identity.
        assert "erase patient identity" in layout
        assert "Quist" not in layout and "coi-enc" not in layout


def test_a_corrupted_missing_or_foreign_patient_key_says_so_and_loses_nothing(
    ward: Ward,
) -> None:
    """Wrapped key altered or under another clinic key, ciphertext altered, key row deleted:
    each shown in words on the case (no traceback), and it opens again once put back."""
    row, stored = ward.key_row(), ward.stored()
    broken = row.wrapped_key[:-6] + (
        "AAAA==" if not row.wrapped_key.endswith("AAAA==") else "BBBB=="
    )
    attacks = (
        (update(PatientKey).values(wrapped_key=broken), "it was altered"),
        (update(PatientKey).values(wrapped_key="0" * 16 + ":" + row.wrapped_key[17:]),
         "sealed with another clinic key"),
        (update(PatientIdentity).values(family_name=stored[0][0][:-4] + "AAA="),
         "it was altered"),
    )  # fmt: skip
    for attack, words in attacks:
        with ward.database.engine.begin() as conn:
            conn.execute(attack.where(_of_patient(attack, row.patient_id)))
        shown = ward.shown()
        assert words in shown and "Quist" not in shown, shown
        with ward.database.engine.begin() as conn:  # put back: it opens again
            conn.execute(update(PatientKey).values(wrapped_key=row.wrapped_key))
            conn.execute(
                update(PatientIdentity)
                .where(PatientIdentity.patient_id == row.patient_id)
                .values(family_name=stored[0][0])
            )
        assert ward.shown() == "QUIST, Ole"
    with ward.database.engine.begin() as conn:  # the key row deleted behind the application
        conn.execute(delete(PatientKey).where(PatientKey.patient_id == row.patient_id))
    assert "key of this patient's identity is missing" in ward.shown()


def _of_patient(statement: Any, patient_id: uuid.UUID) -> Any:
    table = statement.table
    return table.c.patient_id == patient_id
