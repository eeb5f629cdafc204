"""The clinic key as a user meets it: made by init, moved by export/import --clinic."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.support.cli_runner import CoiRunner

ADMIN = {"COI_ADMIN_PASSWORD": "admin-password-1"}


def _workstation(tmp_path: Path, name: str) -> dict[str, str]:
    """A workstation with its own config directory (so its own keys)."""
    return {"XDG_CONFIG_HOME": str(tmp_path / name), "COI_AUDIT_KEY": "", "COI_CLINIC_KEY": ""}


def test_init_makes_the_clinic_key_and_another_clinic_workstation_imports_it(
    coi: CoiRunner,
    tmp_path: Path,
) -> None:
    clinic, other, plant = (_workstation(tmp_path, n) for n in ("ws1", "ws2", "mfg"))
    init = coi("init", "--db", "sqlite:///c.db", cwd=tmp_path, env={**clinic, **ADMIN})
    assert init.returncode == 0, init.stderr
    key = tmp_path / "ws1" / "coi-tracker" / "clinic.key"
    assert f"created the clinic key {key}" in init.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32
    settings = json.loads((tmp_path / "ws1" / "coi-tracker" / "settings.json").read_text())
    assert settings["clinic_key_file"] == str(key)

    made = coi("init", "--db", "sqlite:///m.db", "--no-clinic-key", cwd=tmp_path,
               env={**plant, **ADMIN})  # fmt: skip
    assert made.returncode == 0 and "clinic key" not in made.stderr
    assert not (tmp_path / "mfg" / "coi-tracker" / "clinic.key").exists()
    shown = json.loads(coi("key", "show", "--clinic", cwd=tmp_path, env=plant).stdout)
    assert shown["present"] is False and shown["key_id"] is None
    refused = coi("key", "export", "--clinic", str(tmp_path / "x.key"), cwd=tmp_path, env=plant)
    assert refused.returncode == 2 and "has no clinic key" in refused.stderr

    carried = tmp_path / "carry" / "clinic.key"
    out = coi("key", "export", "--clinic", str(carried), cwd=tmp_path, env=clinic)
    assert out.returncode == 0, out.stderr
    key_id = json.loads(out.stdout)["key_id"]
    imported = coi("key", "import", "--clinic", str(carried), cwd=tmp_path, env=other)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["key_id"] == key_id
    again = json.loads(coi("key", "show", "--clinic", cwd=tmp_path, env=other).stdout)
    assert again == {"kind": "clinic", "path": again["path"], "key_id": key_id, "present": True}
    audit = json.loads(coi("key", "show", cwd=tmp_path, env=clinic).stdout)
    assert set(audit) == {"path", "key_id"} and audit["key_id"] != key_id  # two keys
