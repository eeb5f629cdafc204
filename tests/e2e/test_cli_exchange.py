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
    assert sent["coi"] == coi and sent["previous"] is None and sent["events"] == 23
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


def test_bad_input_is_refused_in_words_and_writes_nothing(
    journeyed_url: str,  # noqa: F811
    second_journeyed_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: Any,
    tmp_path: Path,
) -> None:
    clinic = Coi(journeyed_url, capsys, monkeypatch)
    maker = Coi(second_journeyed_url, capsys, monkeypatch)
    key = tmp_path / "nbh.pem"
    assert main(["exchange", "keygen", "--out", str(key)]) == 0
    public = json.loads(capsys.readouterr().out)["public_key"]
    status, _ = maker(
        "exchange", "trust", "--site", "NBH", "--public-key", public, "--as", "admin",
        password=PASSWORD,
    )  # fmt: skip
    assert status == 0
    coi = infused_coi(journeyed_url)
    as_cora = ["--key", str(key), "--as", "cora.coordinator"]

    def export(*args: str) -> tuple[int, Any]:
        return clinic("exchange", "export", *args, *as_cora)

    out = tmp_path / "case.bundle"
    status, unknown = export("--coi", "CHZ999999999999", "--to", "CTF", "--out", str(out))
    assert status == 1 and "No case you may see has the COI" in unknown["error"]
    missing = tmp_path / "nowhere" / "case.bundle"
    status, folder = export("--coi", coi, "--to", "CTF", "--out", str(missing))
    assert status == 1 and "does not exist; nothing was written" in folder["error"]
    assert not out.exists() and not missing.exists()
    status, sent = export("--coi", coi, "--to", "CTF", "--out", str(out))
    assert status == 0 and sent["previous"] is None  # nothing was recorded by the refusals

    def import_(path: Path, user: str = "asha.qa") -> tuple[int, Any]:
        return maker("exchange", "import", str(path), "--as", user)

    status, absent = import_(tmp_path / "absent.bundle")
    assert status == 1 and "Cannot read absent.bundle" in absent["error"]
    (tmp_path / "text.bundle").write_text("not a bundle")
    status, text = import_(tmp_path / "text.bundle")
    assert status == 1 and "not JSON" in text["error"]
    (tmp_path / "other.json").write_text('{"resourceType": "Bundle"}')
    status, other = import_(tmp_path / "other.json")
    assert status == 1 and "not a COI Tracker exchange bundle" in other["error"]
    # cora works at NBH: the bundle is for CTF
    status, elsewhere = import_(out, "cora.coordinator")
    assert status == 1 and "for another site (CTF), not yours (NBH)" in elsewhere["error"]
    status, got = import_(out)
    assert status == 0 and got["imported"] == 8, got
    assert got["updated"] == [] and isinstance(got["created"], list)
