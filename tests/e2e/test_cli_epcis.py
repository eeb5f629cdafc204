"""``coi export epcis`` and ``coi import epcis`` as a script uses them (SQLite and PostgreSQL).

Run in this process through ``app.cli.main.main`` (the same parser, handlers and exit statuses
as the installed ``coi``), on a case driven from enrolment to infusion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPORA
from tests.e2e.test_cli_case import Coi
from tests.support.journeyed import (
    PATIENT,
    infused_coi,
    journeyed_postgres_template,  # noqa: F401 - fixture
    journeyed_sqlite_template,  # noqa: F401 - fixture
    journeyed_url,  # noqa: F401 - fixture
)

SCHEMA = CORPORA / "epcis2" / "schema" / "EPCIS-JSON-Schema.json"
EXAMPLE = CORPORA / "epcis2" / "examples" / "SensorDataExample5.jsonld"


@pytest.fixture
def coi(journeyed_url: str, capsys: Any, monkeypatch: Any) -> Coi:  # noqa: F811
    return Coi(journeyed_url, capsys, monkeypatch)


def test_export_then_import_round_trip(coi: Coi, tmp_path: Path) -> None:
    case = infused_coi(coi.url)
    out = tmp_path / "case.jsonld"
    status, printed = coi("export", "epcis", "--coi", case, "--out", str(out), "--as", "asha.qa")
    assert status == 0, printed
    assert printed["cases"] == [case] and printed["events"] == 23
    text = out.read_text()
    assert PATIENT.family not in text and PATIENT.mrn not in text
    assert json.loads(text)["type"] == "EPCISDocument"
    args = ["import", "epcis", str(out), "--as", "cora.coordinator"]
    if SCHEMA.exists():
        args += ["--schema", str(SCHEMA)]
    status, first = coi(*args)
    assert status == 0, first
    assert first["imported"] == 8  # packing, shipping, receiving, sensor report × 2 shipments
    assert first["skipped"] == 15 and first["duplicates"] == 0  # 23 events - the 8 imported
    status, again = coi(*args)
    assert (status, again["imported"], again["duplicates"]) == (0, 0, 8)


def test_bad_input_is_refused_in_words(coi: Coi, tmp_path: Path) -> None:
    out = str(tmp_path / "x.jsonld")
    unknown = "CHZ999999999999"
    status, printed = coi("export", "epcis", "--coi", unknown, "--out", out, "--as", "asha.qa")
    assert status == 1 and "No case you may see has the COI" in printed["error"]
    assert not Path(out).exists()
    status, printed = coi("export", "epcis", "--out", str(tmp_path / "no" / "x"), "--as", "asha.qa")
    assert status == 1 and "does not exist" in printed["error"]
    status, printed = coi("import", "epcis", str(tmp_path / "missing.jsonld"), "--as", "asha.qa")
    assert status == 1 and "Cannot read missing.jsonld" in printed["error"]
    fhir = tmp_path / "fhir.json"
    fhir.write_text('{"resourceType": "Bundle", "type": "collection"}')
    status, printed = coi("import", "epcis", str(fhir), "--as", "asha.qa")
    assert status == 1 and "not an EPCIS document" in printed["error"]
    status, printed = coi("import", "epcis", str(fhir), "--as", "ivy.infusion")
    assert status == 1 and "not an EPCIS document" in printed["error"]  # the file first
    status, _printed = coi("export", "epcis", "--since", "2026-01-01", "--out", out, "--as", "x")
    assert status == 2  # a time without an offset is bad usage


def test_a_gs1_example_reports_unknown_identifiers(coi: Coi) -> None:
    if not EXAMPLE.exists():
        pytest.skip("the GS1 EPCIS corpus (../shared/corpora/epcis2) is absent")
    status, printed = coi("import", "epcis", str(EXAMPLE), "--as", "asha.qa")
    assert status == 0
    assert printed["imported"] == 0 and printed["skipped"] == 1
    assert printed["outcomes"][0]["unknown_identifiers"]
