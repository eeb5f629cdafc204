"""A database built at every earlier revision, filled, upgraded to head: data intact, chain whole.

Each earlier revision gets a database as that version of COI Tracker left it: two sites, a
user, a product, a patient and a case, and a trail of audit events hashed as that version
hashed them (plain SHA-256 before 0008, keyed after). Upgrading to head keeps every row and
every event, and the chain verifies (a chain from before 0008 is re-sealed under the key).
The default suite upgrades from the oldest revision, the last unkeyed one and the newest
earlier one; ``slow`` upgrades from every one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, column, insert, inspect, select, table, text, update

from app.core import load_key, open_database, verify_database
from app.core.audit_chain import SEAL_ACTION, chain_hash, event_content, keyed_hash, row_content
from db.engine import make_engine
from db.migrate import alembic_config, head_revision
from db.models import Base
from db.models.audit import AuditEvent, AuditKeyBinding
from db.types import utc_now

KEYED_FROM = "0008_audit_key_binding"


def _earlier_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    ordered = [revision.revision for revision in script.walk_revisions()][::-1]
    return [revision for revision in ordered if revision != head_revision()]


EARLIER = _earlier_revisions()
SAMPLE = {EARLIER[0], "0007_site_wristband_identity", EARLIER[-1]}


def _cases() -> Iterator[Any]:
    for revision in EARLIER:
        marks = () if revision in SAMPLE else (pytest.mark.slow,)
        yield pytest.param(revision, marks=marks, id=revision.split("_")[0])


def _rows() -> dict[str, list[dict[str, Any]]]:
    """Representative rows valid since revision 0001 (the columns every revision has)."""
    now = utc_now()
    clinic, plant, user, patient, product, case = (uuid.uuid4() for _ in range(6))
    stamp = {"version": 1, "created_at": now, "updated_at": now, "updated_by_id": None}
    site = {"gln": None, "fin": None, "address": "1 Way", "timezone": "UTC", "active": True}
    return {
        "site": [
            {**stamp, **site, "id": clinic, "code": "CLN1", "name": "Clinic", "kind": "clinic"},
            {**stamp, **site, "id": plant, "code": "MFG1", "name": "Plant", "kind": "manufacturer"},
        ],
        "app_user": [
            {
                **stamp, "id": user, "username": "old.admin", "full_name": "Old Admin",
                "site_id": None, "password_hash": "$argon2id$old", "failed_logins": 0,
                "locked_at": None, "active": True, "last_login_at": None,
            }
        ],
        "patient": [{**stamp, "id": patient, "clinic_site_id": clinic}],
        "product": [
            {
                **stamp, "id": product, "code": "P0001", "name": "Old Product", "gtin": None,
                "starting_material_profile_id": None, "final_product_profile_id": None,
                "max_hours_collection_to_receipt": 48.0, "shelf_life_days": 14,
                "post_thaw_minutes": 60, "min_final_bags": 1, "max_final_bags": 2,
                "active": True,
            }
        ],
        "therapy_case": [
            {
                **stamp, "id": case, "coi": "CLN1-2026-00001", "coi_check": "K",
                "patient_id": patient, "product_id": product, "clinic_site_id": clinic,
                "manufacturing_site_id": plant, "stage": "enrolled", "side_state": "none",
                "side_state_reason": None, "planned_collection_date": date(2026, 3, 1),
                "manufacturing_slot_date": None, "enrolled_at": now, "enrolled_by_id": user,
            }
        ],
    }  # fmt: skip


def _insert(connection: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert with the columns given only (later revisions' columns do not exist yet)."""
    for name, values in rows.items():
        model = Base.metadata.tables[name]
        present = {item["name"] for item in inspect(connection).get_columns(name)}
        missing = set(values[0]) - present
        assert not missing, f"{name} has no {missing} at this revision: fix the fixture"
        lean = table(name, *(column(key, model.c[key].type) for key in values[0]))
        connection.execute(insert(lean), values)


def _events(connection: Connection, keyed: bool, user: uuid.UUID, case: str) -> list[str]:
    """A trail hashed as the revision's application hashed it; returns the hashes."""
    key = load_key() if keyed else None
    if key is not None:  # the first keyed write binds the key (the app at 0008..)
        connection.execute(
            update(AuditKeyBinding).where(AuditKeyBinding.id == 1).values(key_id=key.key_id)
        )
    prev, hashes = "0" * 64, []
    for seq, (record_type, record_id) in enumerate(
        [("site", "CLN1"), ("site", "MFG1"), ("app_user", str(user)), ("therapy_case", case)],
        start=1,
    ):
        row: dict[str, Any] = {
            "seq": seq, "at": utc_now(), "user_id": str(user), "username": "old.admin",
            "station": "old-station", "action": "create", "record_type": record_type,
            "record_id": record_id, "old_values": "{}",
            "new_values": json.dumps({"n": seq}), "reason": None, "prev_hash": prev,
        }  # fmt: skip
        content = event_content(**row_content(row))
        row["hash"] = prev = (
            keyed_hash(key, content, prev) if key is not None else chain_hash(content, prev)
        )
        connection.execute(insert(AuditEvent), [row])
        hashes.append(prev)
    return hashes


def _read(connection: Connection, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, values in rows.items():
        model = Base.metadata.tables[name]
        lean = table(name, *(column(key, model.c[key].type) for key in values[0]))
        result = connection.execute(select(lean).order_by(lean.c.id)).mappings().all()
        found[name] = [
            {key: value for key, value in row.items() if not key.endswith("_at")} for row in result
        ]
    return found


@pytest.mark.parametrize("revision", list(_cases()))
def test_a_filled_database_at_an_earlier_revision_upgrades_intact(
    empty_database_url: str, revision: str
) -> None:
    rows = _rows()
    keyed = EARLIER.index(revision) >= EARLIER.index(KEYED_FROM)
    engine = make_engine(empty_database_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            _insert(connection, rows)
            user, case = rows["app_user"][0]["id"], rows["therapy_case"][0]["id"]
            hashes = _events(connection, keyed, user, str(case))
            before = _read(connection, rows)
    finally:
        engine.dispose()

    database = open_database(empty_database_url)  # upgrades to head, keys an unkeyed chain
    try:
        with database.engine.connect() as connection:
            assert (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
                == head_revision()
            )
            assert _read(connection, rows) == before
            events = connection.execute(
                select(AuditEvent.seq, AuditEvent.hash, AuditEvent.action).order_by(AuditEvent.seq)
            ).all()
        assert [event.hash for event in events[:4]] == hashes
        resealed = [event.action for event in events[4:]]
        assert resealed == ([] if keyed else [SEAL_ACTION])
        result = verify_database(database)
        assert result.ok, result.problems
        assert result.keyed is not None and result.keyed.key_id == load_key().key_id
        assert result.keyed.from_seq == (1 if keyed else 5)
    finally:
        database.dispose()


def test_a_row_changed_behind_the_upgrade_would_be_seen(empty_database_url: str) -> None:
    """The intactness check can fail: a case edited after it was read is caught."""
    rows = _rows()
    engine = make_engine(empty_database_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, EARLIER[0])
            _insert(connection, rows)
            before = _read(connection, rows)
            connection.execute(text("UPDATE therapy_case SET coi_check = 'X'"))
            assert _read(connection, rows) != before
    finally:
        engine.dispose()
