"""A step's input scan that no code could be is refused and recorded at once, never kept as an
input (issue 16 review: the batch record listed it among the inputs until the step was
recorded); a readable scan is left to the step's own check."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.core import ValidationFailed
from app.core.errors import ScanMismatch
from app.demo.journey import JourneyDriver
from app.journey import refuse_unreadable_input, start_manufacture, steps_of_case
from db.enums import CaseStage, ScanOutcome, StepStatus
from db.models import Scan
from tests.support.readers import reader


def test_an_unreadable_input_scan_is_refused_and_recorded_at_once(
    demo: Any, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.run_to(
        driver.enrol("NBH530001", "Sato", "Ren", date(1975, 6, 2)),
        CaseStage.RECEIVED_AT_MANUFACTURER,
    )
    otto = demo["otto.operator"]
    start_manufacture(demo.database, otto, case.id)
    step = steps_of_case(demo.database, reader(demo.database), case.id)[0]
    with pytest.raises(ScanMismatch) as refused:
        refuse_unreadable_input(demo.database, otto, step.id, "=G123426000011\udcff")
    assert refused.value.unreadable and refused.value.deviation_number is None
    with demo.database.read_session() as session:
        scan = session.get_one(Scan, refused.value.scan_id)
        assert scan.outcome is ScanOutcome.UNREADABLE and scan.purpose == "step receipt"
    assert steps_of_case(demo.database, reader(demo.database), case.id)[0].status is (
        StepStatus.PENDING
    )
    # a readable scan is not this call's: the step's own check takes it, nothing recorded
    with demo.database.read_session() as session:
        before = len(session.scalars(select(Scan.id)).all())
    with pytest.raises(ValidationFailed, match="can be read"):
        refuse_unreadable_input(demo.database, otto, step.id, "=G12342600001100")
    with demo.database.read_session() as session:
        assert len(session.scalars(select(Scan.id)).all()) == before
