"""Storage settings and the clear messages for databases that cannot be used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.actor import Actor
from app.core.config import Settings, resolve_database_url, save_settings
from app.core.database import Database, connect, open_database
from app.core.errors import ConfigurationError, DatabaseUnavailable, NotADatabase
from app.core.unit_of_work import UnitOfWork
from db.enums import SiteKind
from db.models import Site
from db.settings_url import default_database_url


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'coi.db'}")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    database.dispose()


def test_default_database_is_a_file_in_the_user_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("COI_SETTINGS", str(tmp_path / "none.json"))
    url = resolve_database_url()
    assert url == default_database_url()
    assert url == f"sqlite:///{tmp_path / 'xdg' / 'coi-tracker' / 'coi-tracker.db'}"


def test_database_url_order_cli_env_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_file = tmp_path / "settings.json"
    monkeypatch.setenv("COI_SETTINGS", str(settings_file))
    save_settings(Settings(database_url="postgresql+psycopg://from-settings/db"), settings_file)
    assert resolve_database_url() == "postgresql+psycopg://from-settings/db"
    monkeypatch.setenv("COI_DATABASE_URL", "sqlite:///from-env.db")
    assert resolve_database_url() == "sqlite:///from-env.db"
    assert resolve_database_url("sqlite:///from-cli.db") == "sqlite:///from-cli.db"


def test_broken_settings_file_names_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("COI_SETTINGS", str(settings_file))
    with pytest.raises(ConfigurationError, match=r"settings\.json cannot be read"):
        resolve_database_url()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    with pytest.raises(NotADatabase, match="is not a COI Tracker database"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes().startswith(b"these are my notes")
    assert list(tmp_path.iterdir()) == [path]  # no backup, no journal: nothing written


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        connect(f"sqlite:///{tmp_path / 'nowhere' / 'coi.db'}")


def test_unreachable_server() -> None:
    with pytest.raises(DatabaseUnavailable, match="Cannot reach the database"):
        connect("postgresql+psycopg://postgres:secret@127.0.0.1:1/coi")


def test_unreachable_server_message_hides_the_password() -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        connect("postgresql+psycopg://postgres:s3cr3t@127.0.0.1:1/coi")
    assert "s3cr3t" not in caught.value.message


def test_unsupported_url() -> None:
    with pytest.raises(ConfigurationError, match="unsupported database URL scheme"):
        connect("mysql://root@localhost/coi")


def test_timestamps_are_utc_aware_on_the_way_back(database: Database) -> None:
    local = datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2)))
    with UnitOfWork(database, Actor.system()) as uow:
        site = Site(code="S1", name="Site", kind=SiteKind.CLINIC, address="")
        site.created_at = local
        uow.add(site)
        uow.commit()
    with database.read_session() as session:
        stored = session.scalar(select(Site.created_at))
    assert stored == local
    assert stored is not None and stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(database: Database) -> None:
    with UnitOfWork(database, Actor.system()) as uow:
        site = Site(code="S1", name="Site", kind=SiteKind.CLINIC, address="")
        site.created_at = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - the point of the test
        uow.add(site)
        with pytest.raises(Exception, match="naive datetime"):
            uow.commit()
