"""Database faults: a lost PostgreSQL connection, a read-only or full SQLite file.

Each fault is caused for real on the real backend: the app's server sessions are ended with
``pg_terminate_backend`` from another connection (between two service calls, and in the middle
of one, as its INSERT goes out); SQLite is made read-only (``PRAGMA query_only``, which fails
writes as a read-only file does) or full (``PRAGMA max_page_count``). Each time the call fails
with a clear `DatabaseUnavailable`, nothing of it is stored, the next call succeeds on its own,
and the database (integrity check, audit chain) still verifies.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine

from app.admin.sites import list_sites, register_site
from app.core.actor import Actor
from app.core.audit_verify import verify_database
from app.core.database import Database, connect
from app.core.database_faults import explain_fault
from app.core.errors import DatabaseUnavailable
from db.engine import make_engine, sqlite_path
from db.enums import SiteKind
from db.models import AuditEvent, Site


def _site(database: Database, admin: Actor, code: str) -> None:
    register_site(database, admin, code=code, name=f"Site {code}", kind=SiteKind.CLINIC)


def _counts(database: Database) -> tuple[int, int]:
    with database.read_session() as session:
        sites = session.scalar(select(func.count()).select_from(Site))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    return int(sites or 0), int(events or 0)


def _verifies(database: Database) -> None:
    result = verify_database(database)
    assert result.ok, result.problems
    if database.backend == "sqlite":
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


# ---------------------------------------------------------------- PostgreSQL: a lost connection


@pytest.fixture
def postgres(database: Database) -> Iterator[Engine]:
    """Another connection to the same server, to end the app's sessions from outside."""
    if database.backend != "postgresql":
        pytest.skip("a server connection is lost on PostgreSQL only")
    killer = create_engine(database.engine.url, isolation_level="AUTOCOMMIT")
    yield killer
    killer.dispose()


def _terminate_app_sessions(killer: Engine) -> int:
    with killer.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return int(ended)


def test_sessions_ended_between_two_calls_are_replaced_by_themselves(
    database: Database, admin: Actor, postgres: Engine
) -> None:
    _site(database, admin, "S1")
    assert _terminate_app_sessions(postgres) >= 1  # the pooled connection of the first call

    _site(database, admin, "S2")  # the dead pooled connection is noticed and replaced
    assert [s.code for s in list_sites(database)] == ["S1", "S2"]
    _verifies(database)


def _end_sessions_on(database: Database, killer: Engine, statement_start: str) -> list[str]:
    """End the app's server sessions as its next ``statement_start`` statement goes out."""
    fired: list[str] = []

    def end_them(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not fired and statement.lstrip().upper().startswith(statement_start):
            fired.append(statement)
            _terminate_app_sessions(killer)

    event.listen(database.engine, "before_cursor_execute", end_them)
    return fired


def test_a_connection_lost_in_the_middle_of_a_call_saves_nothing_and_the_next_call_works(
    database: Database, admin: Actor, postgres: Engine
) -> None:
    _site(database, admin, "S1")
    before = _counts(database)
    fired = _end_sessions_on(database, postgres, "INSERT INTO SITE")

    with pytest.raises(DatabaseUnavailable, match=r"connection to the database was lost.*Nothing"):
        _site(database, admin, "S2")

    assert fired  # the fault did happen inside the call
    assert _counts(database) == before  # no site, no audit event: nothing half-written
    _site(database, admin, "S3")  # reconnected by itself
    assert [s.code for s in list_sites(database)] == ["S1", "S3"]
    _verifies(database)


def test_a_connection_lost_at_the_commit_says_the_change_may_or_may_not_be_saved(
    database: Database, admin: Actor, postgres: Engine
) -> None:
    _site(database, admin, "S1")
    before = _counts(database)
    fired: list[bool] = []

    def end_them(_conn: Any) -> None:  # as the COMMIT is about to go out
        if not fired:
            fired.append(True)
            _terminate_app_sessions(postgres)

    event.listen(database.engine, "commit", end_them)

    with pytest.raises(DatabaseUnavailable, match=r"being committed.*may or may not"):
        _site(database, admin, "S2")

    assert fired
    assert _counts(database) == before  # here the server ended the session before the COMMIT
    _site(database, admin, "S3")
    _verifies(database)


def test_a_read_that_loses_its_connection_fails_clearly_and_the_next_read_works(
    database: Database, admin: Actor, postgres: Engine
) -> None:
    _site(database, admin, "S1")
    _end_sessions_on(database, postgres, "SELECT SITE")

    with pytest.raises(DatabaseUnavailable, match="connection to the database was lost"):
        list_sites(database)
    assert [s.code for s in list_sites(database)] == ["S1"]


class _Relay:
    """A TCP relay in front of the PostgreSQL server, on a fixed local port: ``down()`` is the
    server going away (every relayed connection cut, new ones refused), ``up()`` it coming
    back. The real server is never stopped: other processes use it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        probe = socket.create_server(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the accepting thread (Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # down()
            server = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def test_a_call_while_the_server_is_away_fails_clearly_and_the_app_reconnects_when_it_is_back(
    database: Database, admin: Actor, postgres: Engine
) -> None:
    url = database.engine.url
    relay = _Relay(url.host or "127.0.0.1", url.port or 5432)
    relay.up()
    through = connect(url.set(host="127.0.0.1", port=relay.port).render_as_string(False))
    try:
        _site(through, admin, "S1")
        before = _counts(database)
        relay.down()

        for code in ("S2", "S3"):  # the dead connection, then a new one the server refuses
            with pytest.raises(DatabaseUnavailable, match=r"(lost|cannot be reached).*Nothing"):
                _site(through, admin, code)
        with pytest.raises(DatabaseUnavailable, match="cannot be reached"):
            list_sites(through)
        assert _counts(database) == before  # nothing half-written

        relay.up()
        _site(through, admin, "S4")  # the same Database object, reconnected by itself
        assert [s.code for s in list_sites(through)] == ["S1", "S4"]
    finally:
        through.dispose()
        relay.down()
    _verifies(database)


# ---------------------------------------------------------------- SQLite: read-only, full


@pytest.fixture
def sqlite_db(database: Database) -> Database:
    if database.backend != "sqlite":
        pytest.skip("a read-only or full file is an SQLite fault")
    return database


def _on_every_connection(database: Database, pragma: str) -> None:
    database.dispose()  # new connections only, each with the pragma

    def apply(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(pragma)

    event.listen(database.engine, "connect", apply)


def test_a_read_only_sqlite_file_refuses_a_write_clearly_and_stays_intact(
    sqlite_db: Database, admin: Actor
) -> None:
    _site(sqlite_db, admin, "S1")
    before = _counts(sqlite_db)
    _on_every_connection(sqlite_db, "PRAGMA query_only = ON")

    with pytest.raises(DatabaseUnavailable, match=r"cannot be written.*read-only.*Nothing was"):
        _site(sqlite_db, admin, "S2")

    assert _counts(sqlite_db) == before
    _verifies(sqlite_db)


def _read_only_twin(database: Database) -> Database:
    """The same file opened read-only by SQLite itself (URI ``mode=ro``): what a read-only file
    or folder gives. Tests run as root, for whom chmod does not make a file read-only."""
    path = sqlite_path(database.engine.url)
    assert path is not None

    def read_only() -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    engine = make_engine(database.engine.url, creator=read_only)
    event.listen(engine, "handle_error", explain_fault)
    return Database(database.url, engine)


def test_a_file_sqlite_opens_read_only_serves_reads_refuses_writes_and_is_unchanged(
    sqlite_db: Database, admin: Actor
) -> None:
    _site(sqlite_db, admin, "S1")
    before = _counts(sqlite_db)
    with sqlite_db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    sqlite_db.dispose()
    path = sqlite_path(sqlite_db.engine.url)
    assert path is not None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    read_only = _read_only_twin(sqlite_db)
    try:
        assert [s.code for s in list_sites(read_only)] == ["S1"]  # reading still works
        with pytest.raises(
            DatabaseUnavailable, match=r"cannot be written.*read-only.*Nothing was saved"
        ):
            _site(read_only, admin, "S2")
        assert _counts(read_only) == before
    finally:
        read_only.dispose()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # not a byte changed
    assert _counts(sqlite_db) == before
    _verifies(sqlite_db)


def test_a_full_sqlite_file_refuses_a_write_clearly_and_stays_intact(
    sqlite_db: Database, admin: Actor
) -> None:
    _site(sqlite_db, admin, "S1")
    before = _counts(sqlite_db)
    with sqlite_db.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
    _on_every_connection(sqlite_db, f"PRAGMA max_page_count = {pages}")

    with pytest.raises(DatabaseUnavailable, match=r"database is full.*Nothing was saved"):
        register_site(
            sqlite_db, admin, code="S2", name="Site S2", kind=SiteKind.CLINIC, address="x" * 20_000
        )

    assert _counts(sqlite_db) == before
    _verifies(sqlite_db)
