"""``coi report coc|certificate``, ``coi export fhir`` and ``coi archive`` on a finished demo
journey (SQLite and PostgreSQL), run in this process through ``app.cli.main.main``.

The archive's manifest is checked by ``sha256sum -c`` itself, in the folder, and fails once a
file is altered.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.bundle import Bundle

from tests.e2e.test_cli_case import Coi
from tests.support.finished_journey import (
    IDENTITY_TEXTS,
    Journey,
    journey,
    journey_postgres_template,
    journey_sqlite_template,
)

__all__ = ["journey", "journey_postgres_template", "journey_sqlite_template"]


@pytest.fixture
def coi(journey: Journey, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Coi:
    return Coi(journey.url, capsys, monkeypatch)


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    """``sha256sum -c SHA256SUMS`` run in ``folder``, as someone without the app would."""
    return subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_archive_is_checked_by_sha256sum_and_an_altered_file_fails(
    coi: Coi, journey: Journey, tmp_path: Path
) -> None:
    folder = tmp_path / "archive"
    status, out = coi("archive", "--coi", journey.coi, "--out", str(folder), "--as", "asha.qa")
    assert status == 0, out
    names = sorted(path.name for path in folder.iterdir())
    coi_ = journey.coi
    assert names == sorted(
        [
            "SHA256SUMS",
            "archive.json",
            f"audit-events-{coi_}.csv",
            f"coc-report-{coi_}.pdf",
            f"epcis-{coi_}.jsonld",
            f"fhir-{coi_}.json",
            f"release-certificate-{coi_}.pdf",
        ]
    )
    checked = sha256sum_check(folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 6
    summary = json.loads((folder / "archive.json").read_text(encoding="utf-8"))
    assert summary["coi"] == coi_ and summary["seal"].startswith("COI-AUDIT-SEAL v1")
    # The case's audit events: QA reads them without identity (manufacturing site).
    events = (folder / f"audit-events-{coi_}.csv").read_text(encoding="utf-8-sig")
    assert "certify release" in events
    for identity in IDENTITY_TEXTS:
        assert identity not in events
    Bundle.model_validate_json((folder / f"fhir-{coi_}.json").read_text(encoding="utf-8"))

    # One byte changed in the report: sha256sum names the file and fails.
    report = folder / f"coc-report-{coi_}.pdf"
    data = bytearray(report.read_bytes())
    data[len(data) // 2] ^= 0x01
    report.write_bytes(bytes(data))
    checked = sha256sum_check(folder)
    assert checked.returncode != 0
    assert f"coc-report-{coi_}.pdf: FAILED" in checked.stdout

    # The archive never overwrites: the same folder again is refused, nothing changed.
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    status, out = coi("archive", "--coi", coi_, "--out", str(folder), "--as", "asha.qa")
    assert status == 1 and "is not empty" in out["error"]
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_report_commands_refuse_bad_input_in_words(
    coi: Coi, journey: Journey, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out_pdf = str(folder / "r.pdf")
    # An unknown COI, a COI with a wrong check character, a case of no case.
    status, out = coi("report", "coc", "CHG123426999999", "--out", out_pdf, "--as", "otto.operator")
    assert status == 1 and "No case you may see" in out["error"]
    status, out = coi("report", "coc", "not a coi", "--out", out_pdf, "--as", "otto.operator")
    assert status == 1 and "is not a COI" in out["error"]
    # A folder that does not exist.
    missing = str(folder / "nowhere" / "r.pdf")
    status, out = coi("report", "coc", journey.coi, "--out", missing, "--as", "otto.operator")
    assert status == 1 and "does not exist" in out["error"]
    # Roles that may not: the certificate for an operator, the archive for a nurse.
    status, out = coi(
        "report", "certificate", journey.coi, "--out", out_pdf, "--as", "otto.operator"
    )
    assert status == 1 and "print release certificates" in out["error"]
    status, out = coi(
        "archive", "--coi", journey.coi, "--out", str(folder / "a"), "--as", "cora.coordinator"
    )
    assert status == 1 and "archive cases" in out["error"]
    # A batch not certified has no certificate.
    status, out = coi(
        "report", "certificate", journey.facts.other_coi, "--out", out_pdf, "--as", "petra.qp"
    )
    assert status == 1 and "not certified for release" in out["error"]
    # Bad usage: no --out.
    status, _out = coi("report", "coc", journey.coi, "--as", "otto.operator")
    assert status == 2
    assert list(folder.iterdir()) == []  # nothing written by any refusal


def test_export_fhir_writes_a_validated_bundle_without_identity(
    coi: Coi, journey: Journey, tmp_path: Path
) -> None:
    target = tmp_path / "bundle.json"
    status, out = coi(
        "export", "fhir", "--coi", journey.coi, "--out", str(target), "--as", "vera.verifier"
    )
    assert status == 0, out
    assert out["products"] == 2 and out["file"] == str(target)
    text = target.read_text(encoding="utf-8")
    bundle = Bundle.model_validate_json(text)
    assert len(bundle.entry or []) == 2
    for identity in IDENTITY_TEXTS:
        assert identity not in text
    status, out = coi(
        "export", "fhir", "--coi", journey.coi, "--out", str(tmp_path), "--as", "vera.verifier"
    )
    assert status == 1 and "is a folder" in out["error"]
