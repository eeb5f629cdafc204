"""A database at 0011 with plain-text identity, upgraded: the plain text is gone, the chain holds.

The database is filled as the 0011 application left it (an identity row, a scan of the
patient's wristband, their keyed audit events and this workstation's anchor), then opened by
this version: migration 0012 and the sealing with the clinic key. Afterwards no form of the
name, date of birth or hospital number is in the SQLite file or the PostgreSQL tables, the
identity opens again with the key, the chain and the records verify, and one audit event says
which events were rewritten.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    String,
    Uuid,
    column,
    insert,
    select,
    table,
    text,
    update,
)

from app.access import open_identity
from app.core import identity_keys, load_key, open_database, verify_database
from app.core.audit_anchor import ChainHead, anchor_path, record_anchor
from app.core.audit_chain import event_content, keyed_hash, row_content
from app.core.identity_sealing import SEAL_IDENTITY_ACTION
from app.core.patient_rekeying import REKEY_IDENTITY_ACTION
from db.engine import make_engine
from db.migrate import alembic_config
from db.models import AuditEvent, PatientIdentity
from db.models.audit import AuditKeyBinding
from db.types import utc_now
from tests.db.test_identity_canary import stored_text
from tests.db.test_upgrade_from_every_revision import _insert, _rows

BEFORE = "0011_label_print_job_send_state"
FAMILY, GIVEN, NUMBER, BORN = "Wollstonecraft", "Theodosia", "MRN77Q31", date(1948, 7, 9)
FORMS = (
    FAMILY, FAMILY.upper(), FAMILY.lower(), GIVEN, NUMBER, NUMBER.lower(),
    "19480709", "1948-07-09", "09/07/1948",
)  # fmt: skip


def _fill(connection: Connection) -> str:
    """Rows and a keyed trail as the 0011 application wrote them; the chain's head hash."""
    rows = _rows()
    _insert(connection, rows)
    now = utc_now()
    identity, scan = uuid.uuid4(), uuid.uuid4()
    stamp = {"version": 1, "created_at": now, "updated_at": now, "updated_by_id": None}
    plain = {
        "family_name": FAMILY, "given_name": GIVEN, "date_of_birth": BORN,
        "hospital_number": NUMBER,
    }  # fmt: skip
    as_at_0011 = table(
        "patient_identity",
        *(column(name, Uuid()) for name in ("id", "patient_id", "clinic_site_id")),
        *(column(name, String()) for name in ("family_name", "given_name", "hospital_number")),
        column("date_of_birth", Date()),
        column("version", Integer()),
        *(column(name, DateTime(timezone=True)) for name in ("created_at", "updated_at")),
        column("updated_by_id", Uuid()),
    )
    connection.execute(
        insert(as_at_0011),
        [
            {
                **stamp, **plain, "id": identity, "patient_id": rows["patient"][0]["id"],
                "clinic_site_id": rows["site"][0]["id"],
            }
        ],
    )  # fmt: skip
    wristband = f"&!{NUMBER}{BORN:%Y%m%d}"
    connection.execute(
        text(
            "INSERT INTO scan (id, recorded_at, recorded_by_id, station, raw_text, parsed_kind, "
            "purpose, expected, outcome) VALUES (:id, :at, NULL, 'ward', :raw, 'isbt128', "
            "'bedside wristband', '{}', 'match')"
        ),
        {"id": scan if connection.dialect.name == "postgresql" else scan.hex, "at": now,
         "raw": wristband},
    )  # fmt: skip
    key = load_key()
    connection.execute(
        update(AuditKeyBinding).where(AuditKeyBinding.id == 1).values(key_id=key.key_id)
    )
    values = {**plain, "date_of_birth": BORN.isoformat()}
    trail = [
        ("create", "site", "CLN1", {}, {"code": "CLN1"}),
        ("create", "patient_identity", str(identity), {}, values),
        ("create", "scan", str(scan), {}, {"raw_text": wristband}),
        ("correct", "patient_identity", str(identity), {"given_name": "Theo"},
         {"given_name": GIVEN}),
        ("create", "site", "MFG1", {}, {"code": "MFG1"}),
    ]  # fmt: skip
    prev = "0" * 64
    for seq, (action, record_type, record_id, old, new) in enumerate(trail, start=1):
        row: dict[str, Any] = {
            "seq": seq, "at": utc_now(), "user_id": None, "username": "old.admin",
            "station": "old", "action": action, "record_type": record_type,
            "record_id": record_id, "old_values": json.dumps(old, sort_keys=True),
            "new_values": json.dumps(new, sort_keys=True), "reason": None, "prev_hash": prev,
        }  # fmt: skip
        row["hash"] = prev = keyed_hash(key, event_content(**row_content(row)), prev)
        connection.execute(insert(AuditEvent), [row])
    return prev


def _stored_text(database: Any) -> str:
    """What the closed database holds as text (closed: SQLite's WAL is checkpointed)."""
    database.dispose()
    return stored_text(database)


def test_plain_identity_at_0011_is_sealed_on_upgrade_and_the_chain_verifies(
    empty_database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(empty_database_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, BEFORE)
            head = _fill(connection)
    finally:
        engine.dispose()
    record_anchor(empty_database_url, ChainHead(5, head))  # as the 0011 app anchored it
    before = _stored_text(open_database(empty_database_url, upgrade=False))
    assert all(form in before for form in (FAMILY, NUMBER)), "the fixture holds plain text"

    database = open_database(empty_database_url)  # 0012, then sealed with the clinic key
    try:
        result = verify_database(database)
        assert result.ok, result.problems
        assert result.anchor.matches is True
        with database.read_session() as session:
            events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
            row = session.scalar(select(PatientIdentity))
            assert row is not None
            view = open_identity(row, identity_keys(session))
            assert row.family_name.startswith("coi-enc2:")  # re-keyed: the patient's own key
        assert (view.family_name, view.given_name, view.date_of_birth, view.hospital_number) == (
            FAMILY, GIVEN, BORN, NUMBER,
        )  # fmt: skip
        sealing, rekeying = events[-2:]
        assert sealing.action == SEAL_IDENTITY_ACTION and sealing.seq == 6
        # Then 0014: re-sealed with per-patient keys, the same events rewritten and re-hashed.
        assert rekeying.action == REKEY_IDENTITY_ACTION and rekeying.seq == 7
        assert json.loads(rekeying.new_values)["rewritten_from"] == 2
        assert "1 label payloads" not in (rekeying.reason or "")
        assert json.loads(sealing.new_values)["rewritten_from"] == 2
        assert "events 2–5 re-hashed" in (sealing.reason or "")
        assert anchor_path(empty_database_url).exists()
    finally:
        stored = _stored_text(database)
    found = [form for form in FORMS if form in stored]
    assert found == [], f"plain identity left in the database: {found}"
    reopened = open_database(empty_database_url)  # the sealing is done once
    try:
        with reopened.read_session() as session:
            assert session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) == 7
        assert verify_database(reopened).ok
    finally:
        reopened.dispose()
