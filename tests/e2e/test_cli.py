"""The ``coi`` command as a user runs it: init, verify, tamper, bad input.

The first test runs the command as a subprocess, the installed entry point end to end; the
others run it in this process (``tests/support/cli_runner.py``: the same parser, handlers and
exit statuses), each step in milliseconds instead of an interpreter's start-up."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli_runner import CoiRunner

COI = [sys.executable, "-m", "app.cli.main"]


def coi_process(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: str = "",
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [*COI, *args],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_init_then_verify_prints_ok(tmp_path: Path) -> None:
    init = coi_process("init", "--db", "sqlite:///x.db", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "created administrator 'admin'" in init.stdout
    assert "initial password for 'admin':" in init.stderr
    verify = coi_process("audit", "verify", "--db", "sqlite:///x.db", cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr
    result = json.loads(verify.stdout)
    assert result["ok"] is True
    assert result["first_broken_seq"] is None
    assert result["events"] >= 2  # the administrator and their role


def test_user_add_and_tampered_trail(tmp_path: Path, coi: CoiRunner) -> None:
    env = {"COI_ADMIN_PASSWORD": "admin-password-1"}
    assert coi("init", "--db", "sqlite:///t.db", cwd=tmp_path, env=env).returncode == 0
    added = coi(
        "user", "add", "petra.qp", "--full-name", "Petra Qualified", "--role", "qp",
        "--as", "admin", "--db", "sqlite:///t.db", cwd=tmp_path,
        env={"COI_AS_PASSWORD": "admin-password-1", "COI_NEW_PASSWORD": "petra-password-1"},
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {"created": "petra.qp", "roles": ["qp"], "site": None}

    with sqlite3.connect(tmp_path / "t.db") as conn:
        conn.execute("DROP TRIGGER audit_event_no_update")
        conn.execute("UPDATE audit_event SET new_values = '{}' WHERE seq = 3")
    verify = coi("audit", "verify", "--db", "sqlite:///t.db", cwd=tmp_path)
    assert verify.returncode == 1
    assert json.loads(verify.stdout)["first_broken_seq"] == 3
    assert json.loads(verify.stdout)["ok"] is False
    assert "audit event 3" in verify.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "verify", "--db", "sqlite:///missing-dir/x.db"], "does not exist"),
        (["audit", "verify", "--db", "sqlite:///empty.db"], "coi init"),
        (["audit", "verify", "--db", "mysql://root@localhost/x"], "unsupported database URL"),
        (["init", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"], "Cannot reach"),
    ],
)
def test_bad_databases_get_one_clear_line(
    tmp_path: Path, coi: CoiRunner, args: list[str], message: str
) -> None:
    result = coi(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_role_and_wrong_password(tmp_path: Path, coi: CoiRunner) -> None:
    env = {"COI_ADMIN_PASSWORD": "admin-password-1"}
    assert coi("init", "--db", "sqlite:///u.db", cwd=tmp_path, env=env).returncode == 0
    base = ["user", "add", "x.y", "--full-name", "X", "--as", "admin", "--db", "sqlite:///u.db"]
    passwords = {"COI_AS_PASSWORD": "admin-password-1", "COI_NEW_PASSWORD": "xy-password-1"}
    unknown = coi(*base, "--role", "surgeon", cwd=tmp_path, env=passwords)
    assert unknown.returncode == 2
    assert "Unknown role 'surgeon'" in unknown.stderr
    wrong_admin = {**passwords, "COI_AS_PASSWORD": "not-the-password"}
    wrong = coi(*base, "--role", "qa", cwd=tmp_path, env=wrong_admin)
    assert wrong.returncode == 2
    assert "user name or password is wrong" in wrong.stderr


def test_demo_seed_loads_every_role(tmp_path: Path, coi: CoiRunner) -> None:
    env = {"COI_ADMIN_PASSWORD": "demo-password", "COI_AS_PASSWORD": "demo-password"}
    assert coi("init", "--db", "sqlite:///d.db", cwd=tmp_path, env=env).returncode == 0
    seeded = coi("seed-demo", "--as", "admin", "--db", "sqlite:///d.db", cwd=tmp_path, env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout) == {"sites": 2, "users": 10, "profiles": 3, "products": 2}
    users = coi("user", "list", "--db", "sqlite:///d.db", cwd=tmp_path)
    roles = {role for line in users.stdout.splitlines() for role in json.loads(line)["roles"]}
    assert roles == {
        "admin", "clinic_coordinator", "apheresis_nurse", "infusion_nurse", "mfg_operator",
        "mfg_verifier", "qc_analyst", "qa", "qp",
    }  # fmt: skip
    verify = coi("audit", "verify", "--db", "sqlite:///d.db", cwd=tmp_path)
    assert json.loads(verify.stdout)["ok"] is True


def test_a_generated_admin_password_must_be_changed_first(tmp_path: Path, coi: CoiRunner) -> None:
    db = ["--db", "sqlite:///g.db"]
    init = coi("init", *db, cwd=tmp_path)  # no password given: one is generated
    assert init.returncode == 0, init.stderr
    generated = init.stderr.split("initial password for 'admin': ")[1].split()[0]
    assert "must be changed before anything else" in init.stderr
    add = ["user", "add", "x.y", "--full-name", "X Y", "--role", "qa", "--as", "admin", *db]

    new_user = {"COI_NEW_PASSWORD": "xy-password-1"}
    refused = coi(*add, cwd=tmp_path, env={**new_user, "COI_AS_PASSWORD": generated})
    assert refused.returncode == 2
    assert "must be changed before anything else" in refused.stderr
    assert "coi user passwd admin" in refused.stderr
    assert "Traceback" not in refused.stderr

    changed = coi(
        "user", "passwd", "admin", *db, cwd=tmp_path,
        env={"COI_AS_PASSWORD": generated, "COI_NEW_PASSWORD": "chosen-password-1"},
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout) == {"password_changed": "admin"}
    added = coi(*add, cwd=tmp_path, env={**new_user, "COI_AS_PASSWORD": "chosen-password-1"})
    assert added.returncode == 0, added.stderr
    assert "must choose their own first" in added.stderr
    users = coi("user", "list", *db, cwd=tmp_path)
    assert [json.loads(line)["username"] for line in users.stdout.splitlines()] == ["admin", "x.y"]
    # x.y's first password is known to the administrator: x.y may do nothing but replace it
    as_xy = {"COI_AS_PASSWORD": "xy-password-1", "COI_NEW_PASSWORD": "chosen-password-2"}
    by_xy = ["user", "add", "z.z", "--full-name", "Z", "--role", "qa", "--as", "x.y", *db]
    adding = coi(*by_xy, cwd=tmp_path, env=as_xy)
    assert adding.returncode == 2 and "must be changed before anything else" in adding.stderr
    assert coi("user", "passwd", "x.y", *db, cwd=tmp_path, env=as_xy).returncode == 0


def test_the_administrator_role_never_combines_with_a_gmp_role(
    tmp_path: Path, coi: CoiRunner
) -> None:
    env = {"COI_ADMIN_PASSWORD": "admin-password-1", "COI_AS_PASSWORD": "admin-password-1"}
    assert coi("init", "--db", "sqlite:///c.db", cwd=tmp_path, env=env).returncode == 0
    both = coi(
        "user", "add", "ben.both", "--full-name", "Ben Both", "--role", "admin", "--role", "qp",
        "--as", "admin", "--db", "sqlite:///c.db", cwd=tmp_path,
        env={**env, "COI_NEW_PASSWORD": "ben-password-1"},
    )  # fmt: skip
    assert both.returncode == 2
    assert "Administrator role cannot be combined with Qualified Person" in both.stderr
    users = coi("user", "list", "--db", "sqlite:///c.db", cwd=tmp_path)
    assert [json.loads(line)["username"] for line in users.stdout.splitlines()] == ["admin"]
