"""Whether a migrated audit chain still awaits keying: read with plain SQL when a database is
opened (no ORM models: the sign-in window does not wait for them)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

BINDING_TABLE = "audit_key_binding"


def awaits_keying(connection: Connection) -> bool:
    """True when the chain was migrated with unkeyed events and has no keyed one yet."""
    if not inspect(connection).has_table(BINDING_TABLE):
        return False
    row = connection.execute(
        text(f"SELECT keyed_from_seq, key_id FROM {BINDING_TABLE} WHERE id = 1")  # noqa: S608
    ).first()
    return row is not None and row.key_id is None and row.keyed_from_seq > 1
