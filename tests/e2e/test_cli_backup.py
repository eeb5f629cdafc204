"""``coi backup`` and ``coi restore`` as a site meets them, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from app.core import anchor_path
from db.engine import make_engine
from db.migrate import head_revision
from tests.conftest import PostgresServer
from tests.e2e.test_cli import coi


def _empty_target(request: pytest.FixtureRequest, source: str, tmp_path: Path) -> str:
    """A new, empty database on the source's backend."""
    if make_url(source).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create().render_as_string(hide_password=False)


@pytest.fixture
def demo_sqlite_url(demo_sqlite_template: Path, tmp_path: Path) -> str:
    """The demo database on SQLite only (for edits made with sqlite3)."""
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_sqlite_template, target)
    return f"sqlite:///{target}"


def _backup(source: str, out: Path) -> dict[str, object]:
    done = coi("backup", "--out", str(out), "--db", source, cwd=out.parent)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_backup_then_restore_into_an_empty_database_checks_counts_and_chain(
    demo_database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    out = tmp_path / "site.backup"
    backup = _backup(demo_database_url, out)
    counts = backup["counts"]
    assert isinstance(counts, dict)
    assert counts["audit_event"] > 0 and counts["app_user"] > 1
    head = backup["audit_head"]
    assert isinstance(head, dict) and head["seq"] == counts["audit_event"]
    assert backup["audit_key_id"] and "needs the audit key" in str(backup["audit_key_note"])
    assert backup["method"] in {"sqlite-online-backup", "pg_dump-custom"}
    assert json.loads((tmp_path / "site.backup.manifest.json").read_text())["counts"] == counts

    target = _empty_target(request, demo_database_url, tmp_path)
    done = coi("restore", str(out), "--db", target, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] is True and result["counts_match"] is True
    assert result["counts"] == counts and result["audit_head"] == head
    assert result["audit"]["ok"] is True and result["audit"]["seal"]["matches"] is True

    verify = coi("audit", "verify", "--db", target, "--records", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["anchor"]["matches"] is True  # a fresh anchor, no alarm

    again = coi("restore", str(out), "--db", target, cwd=tmp_path)
    assert again.returncode == 2
    assert "is not empty" in again.stderr and "a restore goes into an empty database" in (
        again.stderr
    )


def test_a_restore_where_an_older_database_stood_raises_no_false_alarm(
    demo_sqlite_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "site.backup"
    _backup(demo_sqlite_url, out)
    target_file = tmp_path / "restored.db"
    target = f"sqlite:///{target_file}"
    assert coi("init", "--db", target, cwd=tmp_path).returncode == 0  # anchors its own chain
    stale = anchor_path(target)
    assert stale.exists()
    target_file.unlink()
    done = coi("restore", str(out), "--db", target, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    moved = json.loads(done.stdout)["stale_anchor_moved_to"]
    assert moved and Path(moved).exists()  # kept, not deleted
    assert coi("audit", "verify", "--db", target, cwd=tmp_path).returncode == 0


def _rewrite_manifest_digest(out: Path) -> None:
    manifest_file = out.with_name(out.name + ".manifest.json")
    manifest = json.loads(manifest_file.read_text())
    manifest["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    manifest_file.write_text(json.dumps(manifest))


def test_a_backup_changed_after_it_was_taken_is_refused_or_caught(
    demo_sqlite_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "site.backup"
    _backup(demo_sqlite_url, out)
    with sqlite3.connect(out) as conn:
        conn.execute("DELETE FROM product")  # a record dropped behind the backup's back
    refused = coi("restore", str(out), "--db", f"sqlite:///{tmp_path / 'a.db'}", cwd=tmp_path)
    assert refused.returncode == 2
    assert "is not the file its manifest describes" in refused.stderr
    assert not (tmp_path / "a.db").exists() or (tmp_path / "a.db").stat().st_size == 0

    _rewrite_manifest_digest(out)  # a forger who also fixes the digest
    caught = coi("restore", str(out), "--db", f"sqlite:///{tmp_path / 'b.db'}", cwd=tmp_path)
    assert caught.returncode == 1
    result = json.loads(caught.stdout)
    assert result["ok"] is False and result["counts_match"] is False
    assert "product" in result["count_differences"]
    assert "rows restored, the backup holds" in caught.stderr


def test_an_audit_event_rewritten_in_the_backup_is_caught(
    demo_sqlite_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "site.backup"
    _backup(demo_sqlite_url, out)
    with sqlite3.connect(out) as conn:
        (trigger,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'audit_event_no_update'"
        ).fetchone()
        conn.execute("DROP TRIGGER audit_event_no_update")
        conn.execute("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 2")
        conn.execute(trigger)  # put back as it was
    _rewrite_manifest_digest(out)
    caught = coi("restore", str(out), "--db", f"sqlite:///{tmp_path / 'r.db'}", cwd=tmp_path)
    assert caught.returncode == 1
    result = json.loads(caught.stdout)
    assert result["counts_match"] is True and result["audit"]["ok"] is False
    assert result["audit"]["first_broken_seq"] == 2


def test_a_restore_without_the_audit_key_is_refused_before_anything_is_written(
    demo_database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    out = tmp_path / "site.backup"
    _backup(demo_database_url, out)
    target = _empty_target(request, demo_database_url, tmp_path)
    elsewhere = {"XDG_CONFIG_HOME": str(tmp_path / "other-station"), "COI_AUDIT_KEY": ""}
    refused = coi("restore", str(out), "--db", target, cwd=tmp_path, env=elsewhere)
    assert refused.returncode == 2
    assert "The audit key is missing" in refused.stderr and refused.stdout == ""
    verify = coi("audit", "verify", "--db", target, cwd=tmp_path)
    assert "no COI Tracker schema" in verify.stderr  # still empty


def test_backup_refuses_to_overwrite_and_restore_refuses_another_backend(
    demo_database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "site.backup"
    _backup(demo_database_url, out)
    before = out.read_bytes()
    again = coi("backup", "--out", str(out), "--db", demo_database_url, cwd=tmp_path)
    assert again.returncode == 2 and "never overwrites" in again.stderr
    assert out.read_bytes() == before
    if make_url(demo_database_url).get_backend_name() == "sqlite":
        return
    crossed = coi("restore", str(out), "--db", f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path)
    assert crossed.returncode == 2
    assert "restores into a PostgreSQL database only" in crossed.stderr


def test_the_command_line_refuses_a_database_newer_than_itself(
    database_url: str, tmp_path: Path
) -> None:
    future = "0099_from_a_newer_version"
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": future})
    engine.dispose()
    for command in (
        ("user", "list", "--db", database_url),  # opens with an upgrade
        ("audit", "verify", "--db", database_url),  # opens read-only
        ("backup", "--out", str(tmp_path / "newer.backup"), "--db", database_url),
    ):
        done = coi(*command, cwd=tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        assert "newer version of COI Tracker" in done.stderr, command
        assert future in done.stderr and head_revision() in done.stderr, command
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "newer.backup").exists()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == future
    engine.dispose()


def test_without_pg_dump_a_logical_export_backs_up_and_restores(
    demo_database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if make_url(demo_database_url).get_backend_name() != "postgresql":
        pytest.skip("the logical export stands in for pg_dump: PostgreSQL")
    no_tools = {"PATH": str(tmp_path / "no-client-tools")}
    out = tmp_path / "site.backup"
    done = coi("backup", "--out", str(out), "--db", demo_database_url, cwd=tmp_path, env=no_tools)
    assert done.returncode == 0, done.stderr
    backup = json.loads(done.stdout)
    assert backup["method"] == "logical-export"
    assert backup["pg_dump_unusable"] == "pg_dump is not on PATH"
    assert out.read_bytes()[:2] == b"\x1f\x8b"

    target = _empty_target(request, demo_database_url, tmp_path)
    restored = coi("restore", str(out), "--db", target, cwd=tmp_path, env=no_tools)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    result = json.loads(restored.stdout)
    assert result["ok"] is True and result["counts"] == backup["counts"]
    assert result["audit_head"] == backup["audit_head"]
    verify = coi("audit", "verify", "--db", target, "--records", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    crossed = coi("restore", str(out), "--db", f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path)
    assert crossed.returncode == 2 and "restores into a PostgreSQL database only" in (
        crossed.stderr
    )
