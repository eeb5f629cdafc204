"""``coi demo``: a fresh database, the demo reference data, and one complete journey.

The journey includes one refused wrong-patient scan (a second patient's bag offered for packing)
and a logger file with a short excursion that QA accepts with a signature. The summary says what
happened and whether the audit chain verifies.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.access import authenticate, count_users, create_first_admin
from app.core import Database, ValidationFailed, verify_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.demo.seed import seed_demo
from app.journey import CaseView
from db.enums import CaseStage, ScanOutcome, UnitKind
from db.models import AuditEvent, Scan, Signature, Unit

DEMO_ADMIN = "admin"


def _count(database: Database, statement: Any) -> int:
    with database.read_session() as session:
        return int(session.scalar(statement) or 0)


def summarise(database: Database, case: CaseView, driver: JourneyDriver) -> dict[str, Any]:
    """The JSON summary of a demo run."""
    verification = verify_database(database)
    return {
        "case_coi": case.coi,
        "case_coi_eye_readable": case.coi_eye_readable,
        "final_stage": case.stage.value,
        "completed": case.stage is CaseStage.INFUSED,
        "stages": dict(driver.log.stages),
        "units": _count(
            database,
            select(func.count())
            .select_from(Unit)
            .where(Unit.case_id == case.id, Unit.kind != UnitKind.SHIPPER),
        ),
        "scans": _count(database, select(func.count()).select_from(Scan)),
        "mismatches": _count(
            database,
            select(func.count()).select_from(Scan).where(Scan.outcome == ScanOutcome.MISMATCH),
        ),
        "refused_scan_messages": driver.log.refused_scans,
        "signatures": _count(database, select(func.count()).select_from(Signature)),
        "audit_events": _count(database, select(func.count()).select_from(AuditEvent)),
        "audit_verify": {
            "events": verification.events,
            "ok": verification.ok,
            "first_broken_seq": verification.first_broken_seq,
        },
        "files": sorted(driver.log.files),
    }


SHOWCASE: tuple[tuple[str, str, str, date, CaseStage, bool], ...] = (
    ("NBH300101", "Novak", "Ivan", date(1962, 5, 19), CaseStage.ENROLLED, False),
    ("NBH300102", "Haddad", "Lina", date(1979, 11, 3), CaseStage.COLLECTED, False),
    ("NBH300103", "Moreau", "Paul", date(1958, 1, 27), CaseStage.SHIPPED_TO_MANUFACTURER, False),
    ("NBH300104", "Sato", "Yuki", date(1990, 7, 8), CaseStage.RECEIVED_AT_MANUFACTURER, True),
    ("NBH300105", "Brennan", "Aoife", date(1966, 4, 14), CaseStage.IN_MANUFACTURE, False),
    ("NBH300106", "Kowalski", "Piotr", date(1973, 9, 30), CaseStage.QC_PENDING_RELEASE, False),
    ("NBH300107", "Adeyemi", "Tunde", date(1981, 12, 12), CaseStage.RELEASED, False),
    ("NBH300108", "Rossi", "Giulia", date(1969, 2, 21), CaseStage.RECEIVED_AT_CLINIC, False),
)
"""Cases left at intermediate stages so every screen has something to show (``--showcase``).
The one received at the manufacturer carries an excursion waiting for QA's disposition."""


def prepare(database: Database, station: str, admin_password: str | None = None) -> None:
    """Seed an empty database with an administrator and the demo reference data."""
    if count_users(database):
        raise ValidationFailed(
            "The database already has users: `coi demo` needs a new, empty database."
        )
    password = admin_password or secrets.token_urlsafe(18)
    create_first_admin(database, DEMO_ADMIN, "Demo Administrator", password, station)
    seed_demo(database, authenticate(database, DEMO_ADMIN, password, station))


def run_demo(
    database: Database, out_dir: Path, station: str, *, showcase: bool = False
) -> dict[str, Any]:
    """Seed, drive one complete journey (and the showcase cases), and return the summary."""
    prepare(database, station, DEMO_PASSWORD if showcase else None)
    driver = JourneyDriver(database, out_dir, station=station)
    other = driver.enrol("NBH200417", "Lindqvist", "Maja", date(1984, 9, 2))
    other_bag = driver.collect(other)
    driver.log.stages.clear()
    case = driver.enrol("NBH100233", "Okafor", "Ada", date(1971, 3, 14))
    case = driver.run_to(case, CaseStage.INFUSED, wrong_scan=f"={other_bag.din}00", excursion=True)
    summary = summarise(database, case, driver)
    if showcase:
        summary["showcase"] = _showcase(driver)
    return summary


def _showcase(driver: JourneyDriver) -> dict[str, str]:
    """Drive the showcase cases; their COI and the stage each was left at."""
    left = {}
    for number, family, given, born, stage, excursion in SHOWCASE:
        case = driver.enrol(number, family, given, born)
        case = driver.run_to(case, stage, excursion=excursion, leave_for_qa=excursion)
        left[case.coi] = case.stage.value
    return left
