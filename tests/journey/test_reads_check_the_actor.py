"""The reads found without an actor now check it (issue 13, point 3): the administrator (who
sees no case) and a deactivated user are refused every one; QA of the site reads them all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.access import authenticate
from app.admin import deactivate_account
from app.casefile import receipt_status
from app.coldchain import assessed_trace, logger_files_of_shipment, readings_of, shipment_id_of
from app.core import Actor, NotPermitted
from app.demo.journey import JourneyDriver
from app.journey import qc_results_of_case, steps_of_case
from app.labelling import label_reconciliation
from app.quality import deviations_of_case
from db.enums import CaseStage
from db.models import LoggerFile, Shipment, Unit, User
from tests.conftest import PASSWORD

Read = Callable[[Actor], object]


def _reads(demo: Any, tmp_path: Path) -> dict[str, Read]:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("RDR100001", "Reader", "Rhea", date(1960, 5, 5))
    case = driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER)
    db = demo.database
    with db.read_session() as session:
        shipment = session.scalars(select(Shipment).where(Shipment.case_id == case.id)).one()
        logger_id = session.scalars(select(LoggerFile.id)).first()
        unit_id = session.scalars(select(Unit.id).where(Unit.case_id == case.id)).first()
    assert logger_id is not None and unit_id is not None
    return {
        "deviations_of_case": lambda a: deviations_of_case(db, a, case.id),
        "steps_of_case": lambda a: steps_of_case(db, a, case.id),
        "qc_results_of_case": lambda a: qc_results_of_case(db, a, case.id),
        "label_reconciliation": lambda a: label_reconciliation(db, a, unit_id),
        "receipt_status": lambda a: receipt_status(db, a, shipment.id),
        "logger_files_of_shipment": lambda a: logger_files_of_shipment(db, a, shipment.id),
        "readings_of": lambda a: readings_of(db, a, logger_id),
        "assessed_trace": lambda a: assessed_trace(db, a, logger_id),
        "shipment_id_of": lambda a: shipment_id_of(db, a, shipment.sscc),
    }


def test_every_read_found_without_an_actor_now_refuses_who_may_not_see_the_case(
    demo: Any, tmp_path: Path
) -> None:
    reads = _reads(demo, tmp_path)
    admin = authenticate(demo.database, "admin", PASSWORD, "test-station")
    for name, read in reads.items():
        read(demo["asha.qa"])  # QA of the manufacturing site reads them all
        with pytest.raises(NotPermitted):
            read(admin)
            pytest.fail(f"{name} let the administrator read a case")
    operator = demo["otto.operator"]
    with demo.database.read_session() as session:
        otto = session.scalars(select(User).where(User.username == "otto.operator")).one()
        otto_id, version = otto.id, otto.version
    deactivate_account(demo.database, admin, otto_id, reason="left", seen_version=version)
    for name, read in reads.items():
        with pytest.raises(NotPermitted, match="deactivated"):
            read(operator)
            pytest.fail(f"{name} let a deactivated user read")
