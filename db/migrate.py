"""Schema migrations: where the schema stands, SQLite backup, and upgrade to head."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from db.engine import sqlite_path
from db.types import utc_now

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Alembic (and its script machinery, ~150 ms of imports) is loaded only to migrate or when the
# revision files do not read as one plain chain; a database at head is recognised without it.
_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(
    r"^down_revision(?:\s*:[^=]*)?\s*=\s*(?:None|['\"]([^'\"]+)['\"])\s*$", re.MULTILINE
)


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
    from alembic.config import Config  # noqa: PLC0415 - only to migrate (see _REVISION)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


@cache
def plain_chain() -> tuple[str, frozenset[str]] | None:
    """The head and every revision, read from the revision files' text; None when they are
    not one plain chain (a merge, a branch, a shape not read here): then Alembic decides."""
    revisions: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions[revision[0]] = down[0] or None
    heads = set(revisions) - {down for down in revisions.values() if down is not None}
    if len(heads) != 1 or sum(down is None for down in revisions.values()) != 1:
        return None
    return heads.pop(), frozenset(revisions)


def _script_head_and_revisions() -> tuple[str, frozenset[str]]:
    """The head and every revision as Alembic's script directory reads them."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415 - see _REVISION

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    return head, frozenset(rev.revision for rev in script.walk_revisions())


def head_revision() -> str:
    """The one head revision of the migrations."""
    return (plain_chain() or _script_head_and_revisions())[0]


def _current_revision(connection: Connection) -> str | None:
    """The database's revision (None: no schema yet), read with one plain query."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    if len(rows) > 1:
        from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 - see _REVISION

        return MigrationContext.configure(connection).get_current_revision()  # raises: heads
    return str(rows[0][0]) if rows else None


def schema_state(engine: Engine) -> SchemaState:
    """Read the database's revision and compare it with the application's."""
    with engine.connect() as connection:
        current = _current_revision(connection)
    head, revisions = plain_chain() or _script_head_and_revisions()
    return SchemaState(current=current, head=head, known=current is None or current in revisions)


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
    from alembic import command  # noqa: PLC0415 - see _REVISION

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return backup


def upgrade_connection_to(connection: Connection, revision: str) -> None:
    """Build the schema up to ``revision`` inside the caller's transaction (a restore)."""
    from alembic import command  # noqa: PLC0415 - see _REVISION

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def downgrade_to_base(engine: Engine) -> None:
    """Remove the whole schema (tests and development only)."""
    from alembic import command  # noqa: PLC0415 - see _REVISION

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
