"""``coi printer add|list`` and printing a label to a networked ZPL printer by name."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli_runner import CoiRunner


def test_add_and_list_printers(coi: CoiRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    env = {"COI_ADMIN_PASSWORD": "admin-password-1", "COI_AS_PASSWORD": "admin-password-1"}
    assert coi("init", "--db", db, cwd=tmp_path, env=env).returncode == 0
    added = coi(
        "printer",
        "add",
        "Bench 1 Zebra",
        "--zpl",
        "10.0.0.7:9101",
        "--as",
        "admin",
        "--db",
        db,
        cwd=tmp_path,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "name": "Bench 1 Zebra",
        "kind": "zpl",
        "address": "10.0.0.7:9101",
    }
    dialog = coi(
        "printer", "add", "Office", "--system", "--as", "admin", "--db", db, cwd=tmp_path, env=env
    )
    assert dialog.returncode == 0, dialog.stderr
    again = coi(
        "printer", "add", "Office", "--system", "--as", "admin", "--db", db, cwd=tmp_path, env=env
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = coi(
        "printer",
        "add",
        "X",
        "--zpl",
        "h",
        "--dpi",
        "150",
        "--as",
        "admin",
        "--db",
        db,
        cwd=tmp_path,
        env=env,
    )
    assert bad.returncode == 2 and "dpi" in bad.stderr
    listed = coi("printer", "list", "--db", db, cwd=tmp_path)
    names = [json.loads(line)["name"] for line in listed.stdout.splitlines()]
    assert names == ["Bench 1 Zebra", "Office"]
