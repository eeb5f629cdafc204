"""Opening sealed identity in tests: the clinic key and the patients' keys of one database."""

from __future__ import annotations

from typing import Any

from app.core import Database, PatientKeys, clinic_key


class _EachRead:
    """Runs each statement in a read session of its own (a test reads between writes)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def execute(self, statement: Any) -> Any:
        with self.database.read_session() as session:
            return _Rows(list(session.execute(statement).all()))


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None


def keys_of(database: Database) -> PatientKeys:
    """This run's clinic key with the patient keys of ``database``."""
    key = clinic_key()
    assert key is not None  # the run's clinic key (conftest)
    return PatientKeys(key, _EachRead(database))
