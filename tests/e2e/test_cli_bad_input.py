"""Issue 14, "Done when": bad input on the command line is a clear message, exit 1, and nothing
written; and every command takes ``--db`` (README), even one that reads no database.

An invalid product file, an over-capacity booking, a duplicate patient, an unknown ``--as``
user and a wrong password, each through ``app.cli.main.main`` on the demo database (SQLite:
nothing here depends on the server; the services behind them run on both backends in
tests/journey). "Nothing written": the rows of the tables each command would write, and every
audit event but the failed sign-in (which is recorded on the user, ``app_user``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.cli.main import build_parser, leaf_parsers, main
from app.core import open_database
from app.demo.seed import product_file
from db.models import AuditEvent, Case, Patient, Product, QcSpecification, StepTemplate
from db.types import utc_now
from tests.conftest import PASSWORD
from tests.e2e.test_cli_case import Coi

SQLITE = pytest.mark.parametrize("demo_database_url", ["sqlite"], indirect=True)
DAY = utc_now().date() + timedelta(days=5)


def _written(url: str) -> dict[str, int]:
    """Rows a refused command must not add, and audit events other than sign-ins."""
    database = open_database(url, upgrade=False)
    try:
        with database.read_session() as session:
            counts = {
                model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Product, StepTemplate, QcSpecification, Case, Patient)
            }
            counts["audited writes"] = (
                session.scalar(select(func.count()).where(AuditEvent.record_type != "app_user"))
                or 0
            )
            return counts
    finally:
        database.dispose()


@pytest.fixture
def coi(demo_database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Coi:
    return Coi(demo_database_url, capsys, monkeypatch)


def _enrol(coi: Coi, number: str, family: str, *extra: str) -> tuple[int, Any]:
    return coi(
        "case", "enrol", "--as", "cora.coordinator", "--family-name", family,
        "--given-name", "Noor", "--date-of-birth", "1975-05-06", "--hospital-number", number,
        "--product", "S4321", "--manufacturer", "CTF", "--physician", "Dr Helen Marsh",
        "--apheresis-date", DAY.isoformat(),
        "--manufacturing-date", (DAY + timedelta(days=2)).isoformat(), *extra,
    )  # fmt: skip


@SQLITE
def test_each_bad_input_is_a_clear_refusal_and_writes_nothing(
    coi: Coi, demo_database_url: str, tmp_path: Path
) -> None:
    status, out = coi(
        "slots", "set", "--as", "admin", "--site", "NBH", "--kind", "apheresis",
        "--from", DAY.isoformat(), "--capacity", "1", "--reason", "one chair", password=PASSWORD,
    )  # fmt: skip
    assert status == 0, out
    status, out = _enrol(coi, "NBH610001", "Haddad")
    assert status == 0, out
    first = out["enrolled"]["coi_eye_readable"]
    before = _written(demo_database_url)

    # An invalid product file: the refusal names the field.
    document = json.loads(product_file("S4321-hsc-gene.json"))
    document["code"] = "S4322"
    document["time_limits"]["post_thaw_minutes"] = "30"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    status, out = coi("product", "import", str(broken), "--as", "admin", password=PASSWORD)
    assert status == 1, out
    assert "field time_limits.post_thaw_minutes" in out["error"], out
    # A duplicate patient: refused until confirmed, naming the case on record.
    status, out = _enrol(coi, "NBH610001", "Haddad")
    assert status == 1 and first in out["error"], out
    # Over capacity: another patient on the day's only slot, refused with the next free date.
    status, out = _enrol(coi, "NBH610002", "Okoro")
    assert status == 1, out
    assert f"Next free dates: {(DAY + timedelta(days=1)).isoformat()}" in out["error"]
    # An unknown user in --as, a wrong password: the same words for both (no user probing).
    status, out = _enrol(coi, "NBH610003", "Varga", "--as", "nobody")
    assert status == 1 and "user name or password is wrong" in out["error"], out
    status, out = coi(
        "product", "import", str(broken), "--as", "admin", password="not the password"
    )
    assert status == 1 and "user name or password is wrong" in out["error"], out
    assert _written(demo_database_url) == before


def test_every_command_takes_db() -> None:
    """The README's `coi() { command coi "$@" --db "$DB"; }` works for every command."""
    parser = build_parser([])
    leaves = leaf_parsers(parser)
    assert len(leaves) > 60
    lacking = [leaf.prog for leaf in leaves if "--db" not in leaf._option_string_actions]
    assert lacking == []


def test_a_command_that_reads_no_database_accepts_db_and_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["id", "check", "G123498654321", "--db", "sqlite:///nowhere/x.db"]) == 0
    assert json.loads(capsys.readouterr().out)["check_character"] == "H"
