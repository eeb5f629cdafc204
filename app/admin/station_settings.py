"""This workstation's settings file as the administrator edits it: scanner and database URL.

The settings file (``COI_SETTINGS`` or the per-user config folder) is read at start; a saved
database URL takes effect the next time the application starts, never in a running window.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from app.access import require_role
from app.core import (
    DATABASE_ENV,
    Actor,
    CoiError,
    DatabaseUnavailable,
    Settings,
    ValidationFailed,
    connect,
    forget_url_password,
    load_settings,
    save_settings,
    save_url_password,
    settings_path,
)
from app.scanning import ScannerSettings
from db.engine import UnsupportedDatabaseURL, make_engine, sqlite_path
from db.enums import Role
from db.migrate import schema_state
from db.types import utc_now

CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class StationSettings:
    """The settings file's content with the URL shown safely, and where it lives."""

    path: Path
    settings: Settings
    saved_url_shown: str | None
    environment_url_shown: str | None
    """``COI_DATABASE_URL`` when set: it wins over the file at the next start."""


@dataclass(frozen=True)
class ConnectionCheck:
    """What a trial connection found."""

    url_shown: str
    backend: str
    summary: str
    revision: str = ""
    """The schema's migration id(s) for IT (a tooltip), never in the sentence itself."""


def schema_version_words(revision: str) -> str:
    """A migration id as a person says it: ``0019_hold_causes`` → "version 19"."""
    number = revision.split("_", 1)[0]
    return f"version {int(number)}" if number.isdigit() else "an unnumbered version"


def mask_url(url: str) -> str:
    """The URL with its password hidden (as typed when it cannot be parsed)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def read_station_settings(actor: Actor) -> StationSettings:
    """The settings file as it is now (administrators only)."""
    require_role(actor, Role.ADMIN, doing="see the workstation settings")
    settings = load_settings()
    override = os.environ.get(DATABASE_ENV)
    return StationSettings(
        path=settings_path(),
        settings=settings,
        saved_url_shown=mask_url(settings.database_url) if settings.database_url else None,
        environment_url_shown=mask_url(override) if override else None,
    )


def save_scanner_settings(actor: Actor, scanner: Mapping[str, object]) -> Path:
    """Store the bench scanner's settings in the settings file (administrators only); they are
    checked by the schema the window reads them with (`app.scanning.ScannerSettings`)."""
    require_role(actor, Role.ADMIN, doing="change the scanner settings")
    try:
        ScannerSettings.from_mapping(scanner)
    except CoiError as error:
        raise ValidationFailed(error.message) from error
    settings = load_settings()
    return save_settings(replace(settings, scanner=dict(scanner)))


def check_database_url(url: str) -> str:
    """The URL, trimmed, when this application can use it; a clear refusal otherwise."""
    url = url.strip()
    if not url:
        raise ValidationFailed("Type a database URL, e.g. postgresql+psycopg://user@host/coi.")
    try:
        engine = make_engine(url)
    except (UnsupportedDatabaseURL, ArgumentError) as exc:
        raise ValidationFailed(f"The database URL {mask_url(url)!r} is not usable: {exc}.") from exc
    engine.dispose()
    return url


@dataclass(frozen=True)
class SavedDatabaseUrl:
    """Where the URL was saved, and where its password went (in words)."""

    path: Path
    note: str


def save_database_url(actor: Actor, url: str | None) -> SavedDatabaseUrl:
    """Store the database URL for the next start; None or blank goes back to the default.

    The settings file never holds the password: it goes to the keyring, or, where there is
    none, is not saved and is asked at the next start (the note says which).
    """
    require_role(actor, Role.ADMIN, doing="change the database connection")
    checked = check_database_url(url) if url and url.strip() else None
    settings = load_settings()
    if settings.database_url:
        forget_url_password(settings.database_url)
    if checked is None:
        path = save_settings(replace(settings, database_url=None))
        return SavedDatabaseUrl(path, "")
    saved = save_url_password(checked)
    return SavedDatabaseUrl(save_settings(replace(settings, database_url=saved.url)), saved.note)


def _with_timeout(url: str) -> str:
    """A PostgreSQL URL that gives up after a few seconds on a silent network."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return url
    timed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
    return timed.render_as_string(hide_password=False)


def try_connection(actor: Actor, url: str) -> ConnectionCheck:
    """Connect to ``url`` and read its schema revision; nothing is created or changed."""
    require_role(actor, Role.ADMIN, doing="test database connections")
    url = check_database_url(url)
    shown = mask_url(url)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseUnavailable(
            f"There is no database file {path}. Check the path; a new file would be created "
            "empty at the next start."
        )
    database = connect(_with_timeout(url))
    try:
        state = schema_state(database.engine)
    finally:
        database.dispose()
    checked_at = f"{utc_now():%H:%M:%S} UTC"
    head = schema_version_words(str(state.head))
    if state.current is None:
        summary = "it has no COI Tracker schema yet (it is set up at the next start)"
        revision = ""
    else:
        current = schema_version_words(str(state.current))
        revision = f"Database migration {state.current}; this application's {state.head}"
        if not state.known:
            summary = f"its schema ({current}) is newer than this application ({head})"
        elif state.up_to_date:
            summary = f"COI Tracker schema {current}, up to date"
        else:
            summary = f"its schema ({current}) is upgraded to {head} at the next start"
    return ConnectionCheck(
        url_shown=shown,
        backend=database.backend,
        summary=f"Connected at {checked_at}: {summary}.",
        revision=revision,
    )
