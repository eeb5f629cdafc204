"""Schema migrations: where the schema stands, SQLite backup, and upgrade to head."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from db.engine import sqlite_path
from db.types import utc_now

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaNewerThanApp(RuntimeError):
    """The database was migrated by a newer version of the application."""


@dataclass(frozen=True)
class SchemaState:
    """The database's revision against the application's head."""

    current: str | None
    head: str
    known: bool

    @property
    def up_to_date(self) -> bool:
        """True when the database is at the application's head revision."""
        return self.current == self.head


def alembic_config() -> Config:
    """An Alembic configuration pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """The one head revision of the migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_state(engine: Engine) -> SchemaState:
    """Read the database's revision and compare it with the application's."""
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or current in {rev.revision for rev in script.walk_revisions()}
    head = script.get_current_head()
    assert head is not None
    return SchemaState(current=current, head=head, known=known)


def refuse_unknown(state: SchemaState) -> SchemaState:
    """Raise :class:`SchemaNewerThanApp` (naming both revisions) for an unknown revision."""
    if not state.known:
        raise SchemaNewerThanApp(
            f"the database schema is at revision {state.current}, which this version of "
            f"COI Tracker does not know (its newest is {state.head}): the database was "
            "upgraded by a newer version; install that version or use another database"
        )
    return state


def backup_sqlite(engine: Engine, directory: Path | None = None) -> Path | None:
    """Copy an SQLite database file (online backup API) before a migration; None if nothing."""
    path = sqlite_path(engine.url)
    if path is None or not path.exists():
        return None
    with closing(sqlite3.connect(path)) as probe:
        if probe.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,):
            return None  # a new, empty file: nothing to keep
    target_dir = directory or path.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%fZ")
    target = target_dir / f"{path.stem}.{stamp}.bak{path.suffix}"
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


def upgrade_to_head(engine: Engine, backup_dir: Path | None = None) -> Path | None:
    """Upgrade the schema to head (backing up an SQLite file first); return the backup path."""
    state = refuse_unknown(schema_state(engine))
    if state.up_to_date:
        return None
    backup = backup_sqlite(engine, backup_dir)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return backup


def upgrade_connection_to(connection: Connection, revision: str) -> None:
    """Build the schema up to ``revision`` inside the caller's transaction (a restore)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def downgrade_to_base(engine: Engine) -> None:
    """Remove the whole schema (tests and development only)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
