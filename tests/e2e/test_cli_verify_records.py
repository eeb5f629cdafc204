"""``coi audit verify --records``: a record edited behind the application fails verify."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.support.cli_runner import CoiRunner


def test_a_record_edited_by_direct_sql_fails_verify_records(coi: CoiRunner, tmp_path: Path) -> None:
    env = {"COI_ADMIN_PASSWORD": "admin-password-1"}
    assert coi("init", "--db", "sqlite:///t.db", cwd=tmp_path, env=env).returncode == 0
    clean = coi("audit", "verify", "--records", "--db", "sqlite:///t.db", cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["record_mismatches"] == []

    with sqlite3.connect(tmp_path / "t.db") as conn:
        conn.execute("UPDATE app_user SET full_name = 'Eve Intruder' WHERE username = 'admin'")
        (user_id,) = conn.execute("SELECT id FROM app_user WHERE username = 'admin'").fetchone()
    plain = coi("audit", "verify", "--db", "sqlite:///t.db", cwd=tmp_path)
    assert plain.returncode == 0  # the chain itself is intact: only --records looks at rows
    verify = coi("audit", "verify", "--records", "--db", "sqlite:///t.db", cwd=tmp_path)
    assert verify.returncode == 1
    result = json.loads(verify.stdout)
    assert result["ok"] is False
    [mismatch] = result["record_mismatches"]
    assert mismatch["kind"] == "changed"
    assert (mismatch["table"], mismatch["column"]) == ("app_user", "full_name")
    assert mismatch["current"] == "Eve Intruder"
    assert mismatch["record_id"].replace("-", "") == user_id
    assert "app_user" in verify.stderr and "full_name" in verify.stderr
