"""Engine factory: SQLite (WAL, foreign keys, full sync, busy timeout) or PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "coi_write"
"""Execution option: a transaction that will write starts with ``BEGIN IMMEDIATE`` on SQLite."""

SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


class UnsupportedDatabaseURL(ValueError):
    """The URL names a database or driver this application does not support."""


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path}"


def sqlite_path(url: str | URL) -> Path | None:
    """The file behind an SQLite URL, or ``None`` for other backends and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Build an engine for ``url`` with this application's connection settings."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise UnsupportedDatabaseURL(
            f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:///PATH "
            "or postgresql+psycopg://USER@HOST:PORT/DATABASE"
        )
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(parsed, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Take transaction control from pysqlite so that BEGIN is ours (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            # Deleted and rewritten content is overwritten with zeros, not left in free pages:
            # a patient's identity once stored in plain text does not linger in the file.
            cursor.execute("PRAGMA secure_delete = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front so that two writers wait for each other
        # (busy timeout) instead of failing on a lock upgrade half-way through.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
