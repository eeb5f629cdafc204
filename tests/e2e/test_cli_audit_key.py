"""The audit key and the anchor as a user meets them: init, verify, seal, export, import."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

from tests.support.cli_runner import CoiRunner

ADMIN = {"COI_ADMIN_PASSWORD": "admin-password-1"}


def _workstation(tmp_path: Path, name: str) -> dict[str, str]:
    """The environment of a workstation with its own config directory (and so its own key)."""
    return {"XDG_CONFIG_HOME": str(tmp_path / name), "COI_AUDIT_KEY": ""}


def test_init_creates_the_key_and_verify_reports_every_part(coi: CoiRunner, tmp_path: Path) -> None:
    first = _workstation(tmp_path, "ws1")
    init = coi("init", "--db", "sqlite:///k.db", cwd=tmp_path, env={**first, **ADMIN})
    assert init.returncode == 0, init.stderr
    key = tmp_path / "ws1" / "coi-tracker" / "audit.key"
    assert f"created the audit key {key}" in init.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32
    settings = json.loads((tmp_path / "ws1" / "coi-tracker" / "settings.json").read_text())
    assert settings["audit_key_file"] == str(key)

    verify = coi("audit", "verify", "--db", "sqlite:///k.db", cwd=tmp_path, env=first)
    assert verify.returncode == 0, verify.stderr
    result = json.loads(verify.stdout)
    assert list(result)[:7] == [
        "events", "ok", "first_broken_seq", "keyed", "anchor", "triggers_ok",
        "record_mismatches",
    ]  # fmt: skip
    assert result["ok"] is True and result["triggers_ok"] is True
    assert result["keyed"]["from_seq"] == 1
    assert result["anchor"]["matches"] is True
    assert result["anchor"]["seq"] == result["events"]
    assert result["record_mismatches"] == []

    seal = coi("audit", "seal", "--db", "sqlite:///k.db", cwd=tmp_path, env=first).stdout.strip()
    assert seal.startswith(f"COI-AUDIT-SEAL v1 seq={result['events']} hash=")
    sealed = coi(
        "audit", "verify", "--db", "sqlite:///k.db", "--seal", seal, cwd=tmp_path, env=first
    )
    assert sealed.returncode == 0 and json.loads(sealed.stdout)["seal"]["matches"] is True

    with sqlite3.connect(tmp_path / "k.db") as conn:
        conn.execute("DROP TRIGGER audit_event_no_delete")
        conn.execute(f"DELETE FROM audit_event WHERE seq = {result['events']}")
    broken = coi("audit", "verify", "--db", "sqlite:///k.db", cwd=tmp_path, env=first)
    assert broken.returncode == 1
    shown = json.loads(broken.stdout)
    assert shown["ok"] is False and shown["triggers_ok"] is False
    assert shown["anchor"]["matches"] is False
    assert f"anchor: event {result['events']} is missing: the database ends at" in broken.stderr
    assert "triggers: the append-only trigger audit_event_no_delete is missing" in broken.stderr


def test_a_second_workstation_needs_the_key_and_gets_it_by_export_and_import(
    coi: CoiRunner,
    tmp_path: Path,
) -> None:
    first, second = _workstation(tmp_path, "ws1"), _workstation(tmp_path, "ws2")
    assert (
        coi("init", "--db", "sqlite:///s.db", cwd=tmp_path, env={**first, **ADMIN}).returncode == 0
    )

    refused = coi("audit", "verify", "--db", "sqlite:///s.db", cwd=tmp_path, env=second)
    assert refused.returncode == 2
    missing = tmp_path / "ws2" / "coi-tracker" / "audit.key"
    assert f"The audit key is missing: {missing} does not exist" in refused.stderr
    assert "coi key import FILE" in refused.stderr
    assert refused.stdout == ""  # never an unkeyed verdict

    exported = tmp_path / "carry" / "audit.key"
    out = coi("key", "export", str(exported), cwd=tmp_path, env=first)
    assert out.returncode == 0, out.stderr
    key_id = json.loads(out.stdout)["key_id"]
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    again = coi("key", "export", str(exported), cwd=tmp_path, env=first)
    assert again.returncode == 2 and "exists already" in again.stderr

    imported = coi("key", "import", str(exported), cwd=tmp_path, env=second)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["key_id"] == key_id
    shown = coi("key", "show", cwd=tmp_path, env=second)
    assert json.loads(shown.stdout) == {"path": str(missing), "key_id": key_id}

    verify = coi("audit", "verify", "--db", "sqlite:///s.db", cwd=tmp_path, env=second)
    assert verify.returncode == 0, verify.stderr
    result = json.loads(verify.stdout)
    assert result["anchor"]["matches"] is None  # this workstation never wrote to it
    assert "no anchor on this workstation" in result["notes"][0]

    other = tmp_path / "other.key"
    other.write_bytes(bytes(range(32)))
    clash = coi("key", "import", str(other), cwd=tmp_path, env=second)
    assert clash.returncode == 2
    assert f"A different audit key (key id {key_id}) is installed" in clash.stderr
    replaced = coi("key", "import", str(other), "--replace", cwd=tmp_path, env=second)
    assert replaced.returncode == 0
    assert Path(json.loads(replaced.stdout)["replaced"]).read_bytes() == exported.read_bytes()
    wrong = coi("audit", "verify", "--db", "sqlite:///s.db", cwd=tmp_path, env=second)
    assert wrong.returncode == 2
    assert f"is not the key this database's audit trail is keyed with (key id {key_id})" in (
        wrong.stderr
    )
    not_a_key = coi("key", "import", str(tmp_path / "s.db"), cwd=tmp_path, env=second)
    assert not_a_key.returncode == 2 and "is not an audit key" in not_a_key.stderr
