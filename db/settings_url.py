"""Where the default SQLite database lives (the user data directory)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

from db.engine import sqlite_url

APP_NAME = "coi-tracker"


def data_directory() -> Path:
    """The per-user data directory (created on demand)."""
    path = user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    """The SQLite file used when no other database is configured."""
    return sqlite_url(data_directory() / "coi-tracker.db")
