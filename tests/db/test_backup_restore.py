"""Backup and restore as services: every refusal and every check that can fail, both backends.

The command line itself (JSON, exit codes) is in tests/e2e/test_cli_backup.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import make_url

from app.access.users import create_first_admin
from app.admin import BackupResult, backup_database, restore_database
from app.core import AuditKeyMissing, ValidationFailed, anchor_path, open_database, verify_database
from app.core.errors import CoiError, SchemaMissing
from tests.conftest import PASSWORD, Demo, PostgresServer


@pytest.fixture
def demo_sqlite_url(demo_sqlite_template: Path, tmp_path: Path) -> str:
    """The demo database on SQLite only (for edits made with sqlite3 on the backup)."""
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_sqlite_template, target)
    return f"sqlite:///{target}"


def _empty_target(request: pytest.FixtureRequest, source: str, tmp_path: Path) -> str:
    """A new, empty database on the source's backend."""
    if make_url(source).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create().render_as_string(hide_password=False)


def _backup(url: str, out: Path) -> BackupResult:
    database = open_database(url)
    try:
        return backup_database(database, out)
    finally:
        database.dispose()


def _rewrite_manifest_digest(out: Path) -> None:
    manifest_file = out.with_name(out.name + ".manifest.json")
    manifest = json.loads(manifest_file.read_text())
    manifest["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    manifest_file.write_text(json.dumps(manifest))


def test_a_restore_where_an_older_database_stood_raises_no_false_alarm(
    demo_sqlite_url: str, tmp_path: Path
) -> None:
    backup = _backup(demo_sqlite_url, tmp_path / "site.backup")
    target_file = tmp_path / "restored.db"
    target = f"sqlite:///{target_file}"
    older = open_database(target)
    create_first_admin(older, "admin", "Ada Admin", PASSWORD, "test-station")  # anchors
    older.dispose()
    assert anchor_path(target).exists()
    target_file.unlink()
    result = restore_database(backup.file, target)
    assert result.ok, result.as_dict()
    moved = result.data["stale_anchor_moved_to"]
    assert moved and Path(moved).exists()  # kept, not deleted
    restored = open_database(target, upgrade=False)
    try:
        verification = verify_database(restored)
        assert verification.ok and verification.anchor.matches is True
    finally:
        restored.dispose()


def test_a_backup_changed_after_it_was_taken_is_refused_or_caught(
    demo_sqlite_url: str, tmp_path: Path
) -> None:
    backup = _backup(demo_sqlite_url, tmp_path / "site.backup")
    with sqlite3.connect(backup.file) as conn:
        conn.execute("DELETE FROM product")  # a record dropped behind the backup's back
    with pytest.raises(ValidationFailed, match="is not the file its manifest describes"):
        restore_database(backup.file, f"sqlite:///{tmp_path / 'a.db'}")
    assert not (tmp_path / "a.db").exists()

    _rewrite_manifest_digest(backup.file)  # a forger who also fixes the digest
    result = restore_database(backup.file, f"sqlite:///{tmp_path / 'b.db'}")
    assert result.ok is False and result.data["counts_match"] is False
    assert result.data["count_differences"]["product"] == {"backup": 2, "restored": 0}


def test_an_audit_event_rewritten_in_the_backup_is_caught(
    demo_sqlite_url: str, tmp_path: Path
) -> None:
    backup = _backup(demo_sqlite_url, tmp_path / "site.backup")
    with sqlite3.connect(backup.file) as conn:
        (trigger,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'audit_event_no_update'"
        ).fetchone()
        conn.execute("DROP TRIGGER audit_event_no_update")
        conn.execute("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 2")
        conn.execute(trigger)  # put back as it was
    _rewrite_manifest_digest(backup.file)
    result = restore_database(backup.file, f"sqlite:///{tmp_path / 'r.db'}")
    assert result.ok is False and result.data["counts_match"] is True
    assert result.data["audit"]["ok"] is False and result.data["audit"]["first_broken_seq"] == 2


def test_a_restore_without_the_audit_key_is_refused_before_anything_is_written(
    demo_database_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backup = _backup(demo_database_url, tmp_path / "site.backup")
    assert backup.manifest_data["audit_key_id"]
    target = _empty_target(request, demo_database_url, tmp_path)
    monkeypatch.setenv("COI_AUDIT_KEY", str(tmp_path / "absent.key"))
    with pytest.raises(AuditKeyMissing, match="The audit key is missing"):
        restore_database(backup.file, target)
    monkeypatch.undo()
    with pytest.raises(SchemaMissing):  # still empty
        open_database(target, upgrade=False)


def test_backup_never_overwrites_and_restore_stays_on_its_backend(
    demo_database_url: str, tmp_path: Path
) -> None:
    backup = _backup(demo_database_url, tmp_path / "site.backup")
    before = backup.file.read_bytes()
    with pytest.raises(ValidationFailed, match="never overwrites"):
        _backup(demo_database_url, backup.file)
    assert backup.file.read_bytes() == before
    if make_url(demo_database_url).get_backend_name() == "sqlite":
        return
    with pytest.raises(ValidationFailed, match="restores into a PostgreSQL database only"):
        restore_database(backup.file, f"sqlite:///{tmp_path / 'x.db'}")


def test_without_pg_dump_a_logical_export_backs_up_and_restores(
    demo: Demo, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = demo.database.url
    if make_url(url).get_backend_name() != "postgresql":
        pytest.skip("the logical export stands in for pg_dump: PostgreSQL")
    monkeypatch.setenv("PATH", str(tmp_path / "no-client-tools"))
    backup = backup_database(demo.database, tmp_path / "site.backup")
    assert backup.manifest_data["method"] == "logical-export"
    assert backup.manifest_data["pg_dump_unusable"] == "pg_dump is not on PATH"
    assert backup.file.read_bytes()[:2] == b"\x1f\x8b"

    target = _empty_target(request, url, tmp_path)
    result = restore_database(backup.file, target)
    assert result.ok, result.as_dict()
    assert result.data["counts"] == backup.manifest_data["counts"]
    assert result.data["audit_head"] == backup.manifest_data["audit_head"]
    with pytest.raises(CoiError, match="restores into a PostgreSQL database only"):
        restore_database(backup.file, f"sqlite:///{tmp_path / 'x.db'}")
