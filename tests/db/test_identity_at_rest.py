"""Patient identity sealed at rest with the clinic key: attacked with SQL, wrong and missing keys.

Each test enrols through the real services on both backends, then reads or edits the rows with
plain SQL behind the application's back, as an attacker with the database file would.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from app.access import hospital_number_mac
from app.casefile import list_cases
from app.core import (
    IDENTITY_HIDDEN,
    ClinicKeyProblem,
    IdentityUnreadable,
    ValidationFailed,
    clinic_key,
    ensure_clinic_key,
    export_clinic_key,
    import_clinic_key,
)
from app.core.config import CLINIC_KEY_ENV
from app.core.key_files import write_key_file
from app.journey import Enrolment, enrol_patient, find_case
from app.journey.views import CaseView
from db.engine import make_engine
from db.models import Case, Label, PatientIdentity, Scan
from db.types import utc_now
from tests.journey.steps import collect, enrol

ALTERED = "identity of this patient cannot be read: it was altered"


def _identity_row(demo: Any, case: CaseView) -> PatientIdentity:
    with demo.database.read_session() as session:
        patient = session.scalar(select(Case.patient_id).where(Case.id == case.id))
        row: PatientIdentity | None = session.scalar(
            select(PatientIdentity).where(PatientIdentity.patient_id == patient)
        )
        assert row is not None
        session.expunge(row)
        return row


def enrolment_of(number: str, family: str, born: date) -> Enrolment:
    """An enrolment as `tests.journey.steps.enrol` makes it, with another date of birth."""
    return Enrolment(
        family_name=family,
        given_name="Ada",
        date_of_birth=born,
        hospital_number=number,
        product_code="S1234",
        manufacturing_site_code="CTF",
        planned_collection_date=utc_now().date(),
        manufacturing_slot_date=utc_now().date() + timedelta(days=2),
        treating_physician="Dr Helen Marsh",
        same_patient=False,
    )


def _patient(demo: Any, case: CaseView) -> str:
    view = find_case(demo.database, demo["cora.coordinator"], case.id).patient
    assert view is not None
    return view.display_name


def test_identity_is_stored_sealed_and_read_back_whole(demo: Any) -> None:
    case = enrol(demo, "HX42", "Okonkwo")
    row = _identity_row(demo, case)
    for name in ("family_name", "given_name", "date_of_birth", "hospital_number"):
        assert getattr(row, name).startswith("coi-enc2:"), name
    assert "Okonkwo" not in repr(vars(row)) and "HX42" not in repr(vars(row))
    key = clinic_key()
    assert key is not None and row.hospital_number_mac == hospital_number_mac(key, "hx42 ")
    view = find_case(demo.database, demo["cora.coordinator"], case.id).patient
    assert view is not None and view.problem is None
    assert (view.family_name, view.date_of_birth, view.hospital_number) == (
        "Okonkwo",
        date(1971, 3, 14),
        "HX42",
    )


def test_a_name_copied_onto_another_patient_does_not_open(demo: Any) -> None:
    """A direct SQL copy of one patient's sealed name onto another: never the other's name."""
    first, second = enrol(demo, "HA1", "Abara"), enrol(demo, "HB2", "Bello")
    stolen = _identity_row(demo, first).family_name
    victim = _identity_row(demo, second)
    with demo.database.engine.begin() as conn:
        conn.execute(
            update(PatientIdentity)
            .where(PatientIdentity.id == victim.id)
            .values(family_name=stolen)
        )
    shown = _patient(demo, second)
    assert ALTERED in shown.lower() and "Abara" not in shown and "ABARA" not in shown
    assert _patient(demo, first) == "ABARA, Ada"  # the other patient is untouched
    page = list_cases(demo.database, demo["cora.coordinator"], search="HB2")
    assert [r.patient_name for r in page.rows if r.id == second.id] == [shown]


def test_a_corrupted_value_says_so_and_loses_nothing(demo: Any) -> None:
    case = enrol(demo, "HC3", "Chukwu")
    row = _identity_row(demo, case)
    flipped = row.date_of_birth[:-3] + ("A" if row.date_of_birth[-3] != "A" else "B") + "=="
    for broken in (flipped, "coi-enc1:" + "0" * 16 + ":!!!", "1971-03-14"):
        with demo.database.engine.begin() as conn:
            conn.execute(
                update(PatientIdentity)
                .where(PatientIdentity.id == row.id)
                .values(date_of_birth=broken)
            )
        assert ALTERED in _patient(demo, case).lower() or "another clinic key" in _patient(
            demo, case
        )
    with demo.database.engine.begin() as conn:  # put back: it opens again, nothing was lost
        conn.execute(
            update(PatientIdentity)
            .where(PatientIdentity.id == row.id)
            .values(date_of_birth=row.date_of_birth)
        )
    assert _patient(demo, case) == "CHUKWU, Ada"


def test_enrolling_the_same_hospital_number_is_found_by_its_keyed_hash(demo: Any) -> None:
    enrol(demo, "HD4", "Dike")
    other = enrolment_of("hd4", "Eze", date(1980, 1, 2))  # only the number matches
    with pytest.raises(ValidationFailed, match="already belongs to another patient"):
        enrol_patient(demo.database, demo["cora.coordinator"], other)
    page = list_cases(demo.database, demo["cora.coordinator"], search="HD4")
    assert [row.patient_name for row in page.rows] == ["DIKE, Ada"]
    assert list_cases(demo.database, demo["cora.coordinator"], search="ik").total >= 1


def test_without_the_clinic_key_identity_is_hidden_and_the_rest_works(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = enrol(demo, "HE5", "Eke")
    collect(demo, case)
    monkeypatch.setenv(CLINIC_KEY_ENV, str(tmp_path / "absent.key"))
    view = find_case(demo.database, demo["cora.coordinator"], case.id)
    assert view.patient is not None and view.patient.display_name == IDENTITY_HIDDEN
    rows = list_cases(demo.database, demo["cora.coordinator"]).rows
    assert {row.patient_name for row in rows} == {IDENTITY_HIDDEN}
    with pytest.raises(ClinicKeyProblem, match="has no clinic key") as refused:
        enrol(demo, "HF6", "Fafa")
    assert "Nothing was saved" in str(refused.value)


def test_another_clinic_key_is_named_as_such(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = enrol(demo, "HG7", "Gowon")
    other = tmp_path / "other.key"
    write_key_file(other, os.urandom(32))
    monkeypatch.setenv(CLINIC_KEY_ENV, str(other))
    shown = _patient(demo, case)
    assert "sealed with another clinic key" in shown and "Gowon" not in shown
    damaged = tmp_path / "damaged.key"
    damaged.write_bytes(b"short")
    monkeypatch.setenv(CLINIC_KEY_ENV, str(damaged))
    with pytest.raises(ClinicKeyProblem, match="is damaged: it holds 5 bytes"):
        find_case(demo.database, demo["cora.coordinator"], case.id)


def test_label_payloads_and_scan_texts_that_name_the_patient_are_sealed(demo: Any) -> None:
    from app.labelling import confirm_label, print_unit_label  # noqa: PLC0415

    case = enrol(demo, "HH8", "Haruna")
    bag = collect(demo, case)[0]
    alex = demo["alex.apheresis"]
    printed = print_unit_label(demo.database, alex, bag.id, reprint_reason="smudged")
    assert printed.two_d_scan and "HH8" in printed.two_d_scan  # the QR carries it (025)
    confirm_label(demo.database, alex, bag.id, printed.two_d_scan)
    with demo.database.read_session() as session:
        payloads = session.scalars(select(Label.payload).where(Label.unit_id == bag.id)).all()
        texts = session.scalars(select(Scan.raw_text)).all()
    assert any(p.startswith('{"sealed"') for p in payloads)
    assert not any("HH8" in p or "19710314" in p for p in payloads)
    assert any(t.startswith("coi-enc2:") for t in texts)  # the QR scanned back
    assert not any("HH8" in t or "19710314" in t for t in texts)


def test_clinic_key_files_export_import_and_refuse_a_different_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLINIC_KEY_ENV, str(tmp_path / "ws" / "clinic.key"))
    monkeypatch.setenv("COI_SETTINGS", str(tmp_path / "settings.json"))
    key, created = ensure_clinic_key()
    assert created and (key.path.stat().st_mode & 0o777) == 0o600
    assert ensure_clinic_key()[1] is False
    exported = export_clinic_key(tmp_path / "moved.key")
    assert exported.key_id == key.key_id
    with pytest.raises(ValidationFailed, match="exists already"):
        export_clinic_key(tmp_path / "moved.key")
    assert import_clinic_key(tmp_path / "moved.key") == (key, None)
    stranger = tmp_path / "stranger.key"
    write_key_file(stranger, os.urandom(32))
    with pytest.raises(ValidationFailed, match="A different clinic key"):
        import_clinic_key(stranger)
    installed, moved = import_clinic_key(stranger, replace_existing=True)
    assert moved is not None and moved.read_bytes() == key.secret
    assert installed.key_id != key.key_id
    (tmp_path / "tiny.key").write_bytes(b"x")
    with pytest.raises(ValidationFailed, match="is not a clinic key"):
        import_clinic_key(tmp_path / "tiny.key")


def test_an_unsealed_value_written_behind_the_application_is_not_shown(demo: Any) -> None:
    """Plain text written over a sealed column is refused as altered, never shown or printed."""
    from app.labelling import print_unit_label  # noqa: PLC0415

    case = enrol(demo, "HJ9", "Ige")
    bag = collect(demo, case)[0]
    row = _identity_row(demo, case)
    with demo.database.engine.begin() as conn:
        conn.execute(
            update(PatientIdentity)
            .where(PatientIdentity.id == row.id)
            .values(family_name="Impostor")
        )
    shown = _patient(demo, case)
    assert ALTERED in shown.lower() and "Impostor" not in shown
    with pytest.raises(IdentityUnreadable, match="Cannot print a label") as refused:
        print_unit_label(demo.database, demo["alex.apheresis"], bag.id, reprint_reason="torn")
    assert "Impostor" not in str(refused.value)


def test_sqlite_overwrites_what_it_deletes_or_rewrites(tmp_path: Path) -> None:
    """secure_delete: a value deleted or rewritten (plain identity sealed) leaves no trace."""
    path = tmp_path / "erased.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('Quetzalcoatl-1948'), ('keep')")
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE t SET v = 'sealed' WHERE id = 1")
            conn.exec_driver_sql("DELETE FROM t WHERE v = 'keep'")
    finally:
        engine.dispose()
    stored = path.read_bytes()
    assert b"sealed" in stored and b"Quetzalcoatl" not in stored and b"keep" not in stored
