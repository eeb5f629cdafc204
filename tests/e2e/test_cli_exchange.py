"""``coi exchange keygen|trust|export|import`` between two databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli.main import main
from tests.conftest import PASSWORD
from tests.e2e.test_cli_case import Coi
from tests.support.journeyed import (
    PATIENT,
    infused_coi,
    journeyed_postgres_template,  # noqa: F401 - fixture
    journeyed_sqlite_template,  # noqa: F401 - fixture
    journeyed_url,  # noqa: F401 - fixture
    second_journeyed_url,  # noqa: F401 - fixture
)


def test_clinic_to_manufacturer_by_command_line(
    journeyed_url: str,  # noqa: F811
    second_journeyed_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: Any,
    tmp_path: Path,
) -> None:
    clinic = Coi(journeyed_url, capsys, monkeypatch)
    maker = Coi(second_journeyed_url, capsys, monkeypatch)
    key = tmp_path / "nbh.pem"
    assert main(["exchange", "keygen", "--out", str(key)]) == 0  # no database involved
    made = json.loads(capsys.readouterr().out)
    assert len(made["public_key"]) == 64
    assert main(["exchange", "keygen", "--out", str(key)]) == 1  # never overwritten
    assert "never overwritten" in json.loads(capsys.readouterr().out)["error"]
    status, trusted = maker(
        "exchange", "trust", "--site", "NBH", "--public-key", made["public_key"],
        "--as", "admin", password=PASSWORD,
    )  # fmt: skip
    assert status == 0, trusted
    bundle = tmp_path / "case.bundle"
    coi = infused_coi(journeyed_url)
    args = ["exchange", "export", "--coi", coi, "--to", "CTF", "--out", str(bundle)]
    status, sent = clinic(*args, "--key", str(key), "--as", "cora.coordinator")
    assert status == 0, sent
    assert sent["coi"] == coi and sent["previous"] is None and sent["events"] == 22
    assert PATIENT.mrn not in bundle.read_text()
    status, got = maker("exchange", "import", str(bundle), "--as", "asha.qa")
    assert status == 0, got
    assert got["sha256"] == sent["sha256"] and got["from"] == "NBH" and got["imported"] == 8
    status, again = maker("exchange", "import", str(bundle), "--as", "asha.qa")
    assert status == 1 and "imported before" in again["error"]
    elsewhere = ["exchange", "export", "--coi", coi, "--to", "OTH", "--out", str(bundle)]
    status, wrong = clinic(*elsewhere, "--key", str(key), "--as", "cora.coordinator")
    assert status == 1 and "only to its partner site CTF" in wrong["error"]
    status, nokey = clinic(*args, "--as", "cora.coordinator")
    assert status == 1 and "--key FILE" in nokey["error"]
    envelope = json.loads(bundle.read_text())
    envelope["signature"] = envelope["signature"][::-1]
    bundle.write_text(json.dumps(envelope))
    status, bad = maker("exchange", "import", str(bundle), "--as", "asha.qa")
    assert status == 1 and ("signature" in bad["error"] or "damaged" in bad["error"])
