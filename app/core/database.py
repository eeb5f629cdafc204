"""Opening the database: resolve the URL, connect, check and upgrade the schema."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from app.core.actor import Actor
from app.core.audit_anchor import anchor_head
from app.core.audit_binding import awaits_keying
from app.core.config import resolve_station
from app.core.database_faults import explain_fault
from app.core.errors import (
    ConfigurationError,
    DatabaseUnavailable,
    NotADatabase,
    SchemaMissing,
    SchemaTooNew,
    ValidationFailed,
)
from app.core.text_limits import text_problem
from db.engine import WRITE_OPTION, UnsupportedDatabaseURL, make_engine, sqlite_path
from db.migrate import SchemaNewerThanApp, refuse_unknown, schema_state, upgrade_to_head

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedDatabase:
    """What happened when the database was opened."""

    url: str
    backup: Path | None
    upgraded: bool


DEFAULT_POSTGRES_PORT = 5432


class Database:
    """One database: the engine and the sessions services use. Build one per URL at run time."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    # The ORM (and with it the models) is imported with the first session, not to open the
    # database: the sign-in window is shown without it.
    @cached_property
    def _reader(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker  # noqa: PLC0415 - see above

        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def _writer(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker  # noqa: PLC0415 - see above

        return sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def display_url(self) -> str:
        """The URL without its password, for status bars and messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def short_name(self) -> str:
        """A friendly name for screens: the SQLite file name, or the PostgreSQL server host
        and database — never a user name, a password or the URL."""
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            return f"SQLite {Path(url.database or ':memory:').name}"
        host = url.host or "localhost"
        if url.port and url.port != DEFAULT_POSTGRES_PORT:
            host = f"{host}:{url.port}"
        return f"PostgreSQL server {host} / {url.database or '(default database)'}"

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def read_session(self) -> Session:
        """A session for reading (deferred transaction)."""
        return self._reader()

    def write_session(self) -> Session:
        """A session for a writing unit of work (takes the write lock early on SQLite)."""
        return self._writer()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _refuse_unstorable_text(
    _connection: Any,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    _context: Any,
    executemany: bool,
) -> None:
    """Refuse, the same way on both backends, a text value neither can take or compare: a NUL
    (PostgreSQL's ``DataError``; SQLite would take it) or lone surrogates (neither can encode
    them). The services name the field where they can (`app.core.text_limits`); this is the net
    under every other look-up (a product or site code typed on the command line). Bulk inserts
    (``executemany``) carry values the application made, not typed ones."""
    if executemany or not parameters:
        return
    values = parameters.values() if isinstance(parameters, dict) else parameters
    for value in values:
        if isinstance(value, str) and (problem := text_problem(value)) is not None:
            raise ValidationFailed(
                f"A value entered holds {problem}, which no record can hold: remove it and "
                "try again. Nothing was saved."
            )


def connect(url: str) -> Database:
    """Connect to ``url`` and check that it is a usable database; raise a clear error if not."""
    try:
        engine = make_engine(url)
    except (UnsupportedDatabaseURL, ArgumentError) as exc:
        raise ConfigurationError(f"The database URL {url!r} is not usable: {exc}.") from exc
    event.listen(engine, "before_cursor_execute", _refuse_unstorable_text)
    database = Database(url, engine)
    path = sqlite_path(engine.url)
    if path is not None and not path.parent.exists():
        raise DatabaseUnavailable(
            f"The folder {path.parent} for the database file does not exist. "
            "Create it, or choose another database file."
        )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
            if path is not None:
                connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    except DatabaseError as exc:
        engine.dispose()
        raise _connection_error(url, path, exc) from exc
    event.listen(engine, "handle_error", explain_fault)  # after the probe: it words its own
    return database


def _connection_error(url: str, path: Path | None, exc: DatabaseError) -> Exception:
    original = exc.orig
    if path is not None and isinstance(original, sqlite3.DatabaseError):
        if "not a database" in str(original) or "malformed" in str(original):
            return NotADatabase(
                f"The file {path} is not a COI Tracker database (SQLite says: {original}). "
                "Choose the right file, or move this one away and start a new database."
            )
        return DatabaseUnavailable(f"The database file {path} cannot be opened: {original}.")
    shown = make_url(url).render_as_string(hide_password=True)
    reason = str(original).strip().splitlines()[0] if original else str(exc)
    if isinstance(exc, OperationalError):
        return DatabaseUnavailable(
            f"Cannot reach the database at {shown}: {reason}. Check that the server is "
            "running, the address and credentials are right, and the network is up."
        )
    return DatabaseUnavailable(f"The database at {shown} refused the connection: {reason}.")


def key_migrated_chain(database: Database) -> None:
    """Key a chain that was migrated with unkeyed events (the re-seal event), once.

    Needs the audit key: a database written to before the keyed chain is keyed as soon as it
    is opened for writing, so that no event after the migration is unkeyed.
    """
    with database.engine.connect() as connection:
        if not awaits_keying(connection):
            return  # the usual case: read only, no write lock taken
    from app.core.audit_chain import key_pending_chain  # noqa: PLC0415 - the models, this once

    with database.write_session() as session:
        head = key_pending_chain(session.connection(), Actor.system(resolve_station()))
        session.commit()
    if head is not None:
        log.info("keyed the audit chain of %s from event %d", database.display_url, head.seq)
        anchor_head(database.engine.url, head)


IDENTITY_WORK_PENDING = text("SELECT pending OR rekey_pending FROM identity_sealing WHERE id = 1")
"""Whether migration 0012 or 0014 left identity to seal or re-key (plain SQL: no models)."""


def seal_or_rekey_pending_identity(database: Database) -> None:
    """Seal, then re-key, the identity the migrations left pending, once.

    The usual case, nothing pending, is one read on a bare connection: the models (and with
    them the ORM, a second of a cold start) are imported only when there is work, not before
    the sign-in window."""
    with database.engine.connect() as connection:
        if not connection.scalar(IDENTITY_WORK_PENDING):
            return
    from app.core.identity_sealing import seal_pending_identity  # noqa: PLC0415 - see above
    from app.core.patient_rekeying import rekey_pending_identity  # noqa: PLC0415

    seal_pending_identity(database)
    rekey_pending_identity(database)


def open_database(url: str, *, upgrade: bool = True, backup_dir: Path | None = None) -> Database:
    """Connect, then upgrade the schema to head (backing up an SQLite file first)."""
    database = connect(url)
    try:
        if upgrade:
            backup = upgrade_to_head(database.engine, backup_dir)
            if backup is not None:
                log.info("backed up %s to %s before upgrading", database.display_url, backup)
            key_migrated_chain(database)
            seal_or_rekey_pending_identity(database)
        else:
            state = refuse_unknown(schema_state(database.engine))
            if state.current is None:
                database.dispose()
                raise SchemaMissing(
                    f"The database at {database.display_url} has no COI Tracker schema yet. "
                    f"Set it up with `coi init --db {database.display_url}`."
                )
    except SchemaNewerThanApp as exc:
        database.dispose()
        raise SchemaTooNew(
            f"The database at {database.display_url} was upgraded by a newer version of "
            f"COI Tracker ({exc}). Install the newer version, or choose another database; "
            "nothing was changed."
        ) from exc
    except DatabaseError as exc:
        database.dispose()
        raise _connection_error(url, sqlite_path(database.engine.url), exc) from exc
    return database
