"""``coi backup`` and ``coi restore`` as a site meets them, on SQLite and PostgreSQL.

The refusals and the checks that can fail are tested on the services
(tests/db/test_backup_restore.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from db.engine import make_engine
from db.migrate import head_revision
from tests.conftest import PostgresServer
from tests.support.cli_runner import CoiRunner


def _empty_target(request: pytest.FixtureRequest, source: str, tmp_path: Path) -> str:
    """A new, empty database on the source's backend."""
    if make_url(source).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create().render_as_string(hide_password=False)


def _backup(coi: CoiRunner, source: str, out: Path) -> dict[str, object]:
    done = coi("backup", "--out", str(out), "--db", source, cwd=out.parent)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_backup_then_restore_into_an_empty_database_checks_counts_and_chain(
    coi: CoiRunner, demo_database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    out = tmp_path / "site.backup"
    backup = _backup(coi, demo_database_url, out)
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


def test_the_command_line_refuses_a_database_newer_than_itself(
    coi: CoiRunner, database_url: str, tmp_path: Path
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
