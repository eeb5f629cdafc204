"""Database triggers that make ``audit_event`` append-only on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Connection

APPEND_ONLY_MESSAGE = "audit_event is append-only: UPDATE and DELETE are refused"

_SQLITE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]

_POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END $$""",
    """CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]
_POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


def install(connection: Connection) -> None:
    """Create the append-only triggers on ``audit_event``."""
    for statement in _SQLITE if connection.dialect.name == "sqlite" else _POSTGRESQL:
        connection.exec_driver_sql(statement)


def remove(connection: Connection) -> None:
    """Drop the append-only triggers (used by downgrades and by the tamper test only)."""
    for statement in _SQLITE_DROP if connection.dialect.name == "sqlite" else _POSTGRESQL_DROP:
        connection.exec_driver_sql(statement)


def _normal(sql: str) -> str:
    return " ".join(sql.split()).lower()


_SQLITE_NAMES = {"audit_event_no_update": _SQLITE[0], "audit_event_no_delete": _SQLITE[1]}
_POSTGRESQL_NAMES = ("audit_event_no_update_delete", "audit_event_no_truncate")


def problems(connection: Connection) -> list[str]:
    """What is wrong with the append-only triggers: missing, disabled or altered (empty: none).

    SQLite: each trigger's SQL must be the one installed. PostgreSQL: each trigger must exist,
    fire in ordinary sessions (``tgenabled`` O or A: not disabled, not replica-only) and call
    the function that refuses the change.
    """
    found: list[str] = []
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'audit_event'"
        ).all()
        present = {str(name): str(sql or "") for name, sql in rows}
        for name, expected in _SQLITE_NAMES.items():
            if name not in present:
                found.append(f"the append-only trigger {name} is missing")
            elif _normal(present[name]) != _normal(expected):
                found.append(f"the append-only trigger {name} was altered")
        return found
    rows = connection.exec_driver_sql(
        """SELECT t.tgname::text, t.tgenabled::text, p.proname::text, p.prosrc
           FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid
           JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE c.relname = 'audit_event' AND c.relnamespace = to_regnamespace(current_schema())
             AND NOT t.tgisinternal"""
    ).all()
    present_pg = {str(row[0]): row for row in rows}
    for name in _POSTGRESQL_NAMES:
        row = present_pg.get(name)
        if row is None:
            found.append(f"the append-only trigger {name} is missing")
            continue
        enabled, function, source = str(row[1]), str(row[2]), str(row[3] or "")
        if enabled == "D":
            found.append(f"the append-only trigger {name} is disabled")
        elif enabled == "R":
            found.append(f"the append-only trigger {name} fires only in replica sessions")
        if function != "audit_event_append_only" or APPEND_ONLY_MESSAGE not in source:
            found.append(f"the append-only trigger {name} no longer calls the refusing function")
    return found
