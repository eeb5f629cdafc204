"""``coi case`` and ``coi slots`` as a script uses them, on the demo data (SQLite and PostgreSQL).

The commands run in this process through ``app.cli.main.main`` (the same parser, handlers and
exit statuses as the installed ``coi``), so each step takes milliseconds; one subprocess run
checks the installed entry point end to end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest

from app.cli.main import main
from db.types import utc_now
from tests.conftest import PASSWORD

DEMO_PASSWORD = "demo-password"
DAY = utc_now().date() + timedelta(days=4)
LATER = DAY + timedelta(days=3)


class Coi:
    """Runs ``coi`` commands against one database, as one user at a time."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
        self.url, self.capsys, self.monkeypatch = url, capsys, monkeypatch

    def __call__(self, *args: str, password: str = DEMO_PASSWORD) -> tuple[int, Any]:
        self.monkeypatch.setenv("COI_AS_PASSWORD", password)
        self.capsys.readouterr()
        try:
            status = main([*args, "--db", self.url])
        except SystemExit as exit_:  # argparse: bad usage
            status = int(exit_.code or 0)
        out = self.capsys.readouterr().out.strip()
        return status, json.loads(out) if out else None


def _enrol(
    coi: Coi, *extra: str, number: str = "NBH900001", day: str = DAY.isoformat()
) -> tuple[int, Any]:
    return coi(
        "case", "enrol", "--as", "cora.coordinator",
        "--family-name", "Ekström", "--given-name", "Lina", "--date-of-birth", "1979-02-03",
        "--hospital-number", number, "--product", "S1234", "--manufacturer", "CTF",
        "--physician", "Dr Helen Marsh", "--apheresis-date", day,
        "--manufacturing-date", LATER.isoformat(), *extra,
    )  # fmt: skip


@pytest.fixture
def coi(demo_database_url: str, capsys, monkeypatch) -> Coi:
    return Coi(demo_database_url, capsys, monkeypatch)


def test_enrol_book_list_show_and_cancel_from_the_command_line(coi: Coi) -> None:
    status, out = coi(
        "slots", "set", "--as", "admin", "--site", "NBH", "--kind", "apheresis",
        "--from", DAY.isoformat(), "--capacity", "1", "--reason", "one chair that day",
        password=PASSWORD,
    )  # fmt: skip
    assert (status, out["days_changed"], out["capacity"]) == (0, 1, 1)

    status, out = _enrol(coi)
    assert status == 0, out
    first = out["enrolled"]
    assert first["stage"] == "enrolled" and first["apheresis_date"] == DAY.isoformat()
    assert first["patient"]["hospital_number"] == "NBH900001"
    assert first["treating_physician"] == "Dr Helen Marsh"

    # The same patient again: refused until confirmed, naming the case on record.
    status, out = _enrol(coi)
    assert status == 1 and first["coi_eye_readable"] in out["error"]
    assert out["known_cases"] == [f"{first['coi_eye_readable']} (Enrolled)"]
    # Confirmed, but the day's only slot is taken: refused with the next free date.
    status, out = _enrol(coi, "--same-patient")
    assert status == 1
    assert f"Next free dates: {(DAY + timedelta(days=1)).isoformat()}" in out["error"]
    status, out = _enrol(coi, "--same-patient", day=(DAY + timedelta(days=1)).isoformat())
    assert status == 0, out
    second = out["enrolled"]

    status, out = coi("case", "list", "--as", "cora.coordinator")
    assert status == 0 and out["total"] == 2
    assert {c["coi"] for c in out["cases"]} == {first["coi"], second["coi"]}
    status, out = coi("case", "show", second["coi_eye_readable"], "--as", "cora.coordinator")
    assert status == 0 and out["patient"]["family_name"] == "Ekström"

    # The manufacturer sees the case, never the patient.
    status, out = coi("case", "show", second["coi"], "--as", "otto.operator")
    assert status == 0 and "patient" not in out
    assert "Ekström" not in json.dumps(out) and "NBH900001" not in json.dumps(out)
    status, out = coi("case", "list", "--as", "otto.operator", "--search", "Ekström")
    assert status == 0 and out["total"] == 0

    reason = ("--reason", "patient withdrew consent")
    status, out = coi("case", "cancel", second["coi"], "--as", "cora.coordinator", *reason,
                      password="not her password")  # fmt: skip
    assert status == 1 and "password" in out["error"].lower()
    status, out = coi("case", "cancel", second["coi"], "--as", "cora.coordinator", "--reason", " ")
    assert status == 1 and "reason" in out["error"]
    status, out = coi("case", "cancel", second["coi"], "--as", "cora.coordinator", *reason)
    assert status == 0 and out["cancelled"]["side_state"] == "cancelled"

    status, out = coi("slots", "show", "--as", "cora.coordinator", "--kind", "apheresis",
                      "--from", DAY.isoformat(), "--days", "2")  # fmt: skip
    assert status == 0
    assert [(d["capacity"], d["booked"]) for d in out["days"]] == [(1, 1), (None, 0)]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("--date-of-birth", "1979-02-30"), 2, None),
        (("--date-of-birth", "tomorrow"), 2, None),
        (("--date-of-birth", "2999-01-01"), 1, "in the past"),
        (("--family-name", "Ek\x07ström"), 1, "control character"),
        (("--family-name", "E" * 5000), 1, "at most 100"),
        (("--physician", ""), 1, "treating physician"),
        (("--same-patient", "--different-patient"), 2, None),
    ],
)
def test_bad_enrolment_options(
    coi: Coi, args: tuple[str, ...], status: int, message: str | None
) -> None:
    base = {
        "--family-name": "Ekström", "--given-name": "Lina", "--date-of-birth": "1979-02-03",
        "--hospital-number": "NBH900002", "--product": "S1234", "--manufacturer": "CTF",
        "--physician": "Dr Helen Marsh", "--apheresis-date": DAY.isoformat(),
        "--manufacturing-date": LATER.isoformat(),
    }  # fmt: skip
    flags = [a for a in args if a.startswith("--") and a not in base]
    values = dict(zip(args[::2], args[1::2], strict=False)) if not flags else {}
    base.update({k: v for k, v in values.items() if k in base})
    argv = ["case", "enrol", "--as", "cora.coordinator"]
    for key, value in base.items():
        argv += [key, value]
    got, out = coi(*argv, *flags)
    assert got == status
    if message is not None:
        assert message in out["error"]
    assert coi("case", "list", "--as", "cora.coordinator")[1]["total"] == 0  # nothing written


def test_unknown_user_and_bad_coi_are_refusals_not_tracebacks(coi: Coi) -> None:
    status, out = coi("case", "list", "--as", "nobody")
    assert status == 1 and out["error"]
    status, out = coi("case", "show", "CH-not-a-coi", "--as", "cora.coordinator")
    assert status == 1 and "is not a COI" in out["error"]
    status, out = coi(
        "slots", "set", "--as", "cora.coordinator", "--site", "NBH", "--kind", "apheresis",
        "--from", DAY.isoformat(), "--capacity", "3", "--reason", "x",
    )  # fmt: skip
    assert status == 1 and "Administrator" in out["error"]


def test_the_installed_command_prints_json_and_exits_1_on_a_refusal(
    demo_database_url: str, tmp_path
) -> None:
    if not demo_database_url.startswith("sqlite"):
        pytest.skip("one subprocess run is enough")
    result = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "case", "show", "CH000000000000X",
         "--as", "cora.coordinator", "--db", demo_database_url],
        env={**__import__("os").environ, "COI_AS_PASSWORD": DEMO_PASSWORD},
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "error" in json.loads(result.stdout)
    assert "Traceback" not in result.stderr


def test_erase_identity_from_the_command_line(coi: Coi) -> None:
    """``coi case erase-identity``: the coordinator erases, signed; twice, another role, no
    reason or a wrong password are refusals in JSON, never tracebacks."""
    status, out = _enrol(coi, number="NBH900077")
    assert status == 0
    code, reason = out["enrolled"]["coi"], ("--reason", "erasure request 2026-9, assessed by QA")
    status, out = coi("case", "erase-identity", code, "--as", "otto.operator", *reason)
    assert status == 1 and "Clinic coordinator may erase" in out["error"]
    status, out = coi("case", "erase-identity", code, "--as", "cora.coordinator", "--reason", " ")
    assert status == 1 and "Give the reason" in out["error"]
    status, out = coi("case", "erase-identity", code, "--as", "cora.coordinator", *reason)
    assert status == 0 and out["erased"]["cases"] == [code] and out["erased"]["erased_at"]
    status, out = coi("case", "show", code, "--as", "cora.coordinator")
    assert status == 0 and "Ekström" not in json.dumps(out, ensure_ascii=False)
    assert "[identity erased]" in json.dumps(out)
    status, out = coi("case", "list", "--as", "cora.coordinator", "--search", "NBH900077")
    assert status == 0 and out["total"] == 0
    status, out = coi("case", "erase-identity", code, "--as", "cora.coordinator", *reason)
    assert status == 1 and "was erased already" in out["error"]
    status, out = coi("audit", "verify", "--records")
    assert status == 0, out
