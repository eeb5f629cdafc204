"""The desktop refuses, at start, a database a newer version upgraded: both revisions named."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import ui.main as entry
from app.core import CoiError
from db.migrate import head_revision

FUTURE = "0099_from_a_newer_version"


def test_the_desktop_refuses_a_database_newer_than_itself(
    qtbot: QtBot, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "newer.db"
    shutil.copyfile(sqlite_template, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (FUTURE,))
    shown: list[CoiError] = []
    monkeypatch.setattr(entry, "configure_logging", lambda: None)
    monkeypatch.setattr(entry, "log_directory", lambda: tmp_path)
    monkeypatch.setattr(entry, "install_crash_guard", lambda _directory: None)
    monkeypatch.setattr(entry, "show_error_box", lambda _parent, exc: shown.append(exc))
    monkeypatch.setattr(entry, "Session", None)  # the sign-in is never reached

    assert entry.main(["coi-tracker", "--db", f"sqlite:///{path}"]) == 2

    assert len(shown) == 1
    message = shown[0].message
    assert "newer version of COI Tracker" in message
    assert FUTURE in message and head_revision() in message
    assert "nothing was changed" in message
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (FUTURE,)
    assert not list(tmp_path.glob("newer.*.bak.db"))  # refused before any backup or upgrade
