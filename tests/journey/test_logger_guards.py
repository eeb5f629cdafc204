"""The logger-file guards on both backends, attacked: a file attaches only to a shipment in
transit or being received, from the logger scanned into its shipper, with readings in its
trip; later it is QA's signed correction, which never quarantines a unit already infused."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.coldchain.analysis.registry import read_logger_file
from app.coldchain.records import (
    correct_logger_file,
    file_serial,
    import_logger_file,
    serial_matches,
)
from app.core.errors import AuthenticationFailed, NotPermitted, ValidationFailed
from app.core.unit_of_work import UnitOfWork
from app.journey.shipping import complete_receipt
from app.quality.deviations import deviations_of_case
from app.quality.signatures import signatures_of
from db.enums import SideState, SignatureMeaning, UnitStatus, Verdict
from db.models import LoggerFile, Shipment, Unit
from db.types import utc_now
from tests.journey.steps import DEMO_PASSWORD
from tests.journey.test_logger_records import (
    Leg,
    counts,
    packed_hours_ago,
    receive,
    ship,
    side_states,
    write_log,
)
from tests.support.readers import reader


def warm(moment: datetime) -> float:
    """Out of 2-8 °C for the last two hours (an excursion)."""
    return 12.0 if moment > utc_now() - timedelta(hours=2) else 5.0


def with_serial(path: Path, serial: str) -> Path:
    """The same readings with a ``serial`` column, as a logger exports them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [f"{lines[0]},serial", *(f"{line},{serial}" for line in lines[1:])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def accepted_leg(demo, tmp_path: Path, bags: int = 1) -> Leg:
    """A shipment received, its good file imported and its receipt accepted."""
    leg = ship(demo, bags)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    import_logger_file(
        demo.database, demo["otto.operator"], leg.shipment.id, write_log(tmp_path / "ok.csv")
    )
    complete_receipt(demo.database, demo["vera.verifier"], leg.shipment.id, DEMO_PASSWORD)
    return leg


def infuse(demo, unit_id) -> None:
    """The bag reached the patient (its status, as the bedside service leaves it)."""
    with UnitOfWork(demo.database, demo["asha.qa"]) as uow:
        unit = uow.session.get(Unit, unit_id)
        assert unit is not None
        unit.status = UnitStatus.INFUSED
        uow.commit()


def test_the_serial_rule() -> None:
    assert serial_matches("5901234LOG001", "LOG001")
    assert serial_matches("5901234LOG001", "log-001")
    assert serial_matches("5901234LOG001", "5901234LOG001")
    assert not serial_matches("5901234LOG001", "LOG002")
    assert not serial_matches("5901234LOG001", "001")  # a short tail proves nothing
    assert not serial_matches("5901234LOG001", "")


def test_a_file_from_another_logger_is_refused_naming_both(demo, tmp_path: Path) -> None:
    leg = ship(demo)
    receive(demo, leg)
    path = with_serial(write_log(tmp_path / "other.csv"), "LOG777")
    assert file_serial(read_logger_file(path)) == "LOG777"
    otto = demo["otto.operator"]
    before = counts(demo)
    with pytest.raises(ValidationFailed, match=r"logger LOG777.*logger 5901234LOG001"):
        import_logger_file(demo.database, otto, leg.shipment.id, path)
    assert counts(demo) == before
    same = with_serial(write_log(tmp_path / "own.csv"), "LOG001")
    view = import_logger_file(demo.database, otto, leg.shipment.id, same)
    assert view.verdict is Verdict.WITHIN_LIMITS and view.sensor_id == "LOG001"


def test_a_file_with_no_reading_in_the_trip_is_refused(demo, tmp_path: Path) -> None:
    leg = ship(demo)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    now = utc_now()
    # Readings before the packing and after the receipt only: the trip itself is not in it.
    path = write_log(tmp_path / "around.csv", skip=(now - timedelta(hours=3, minutes=5), now))
    otto = demo["otto.operator"]
    before = counts(demo)
    with pytest.raises(ValidationFailed, match="no reading in the trip window"):
        import_logger_file(demo.database, otto, leg.shipment.id, path)
    assert counts(demo) == before
    assert side_states(demo, leg) != {SideState.QUARANTINED}
    assert deviations_of_case(demo.database, reader(demo.database), leg.case.id) == []


def test_a_file_after_the_receipt_is_accepted_is_refused(demo, tmp_path: Path) -> None:
    leg = accepted_leg(demo, tmp_path)
    late = write_log(tmp_path / "late.csv", warm)
    for name in ("otto.operator", "vera.verifier", "asha.qa"):
        who = demo[name]  # signed in (an audited event) before counting
        before = counts(demo)
        with pytest.raises(ValidationFailed, match="already accepted"):
            import_logger_file(demo.database, who, leg.shipment.id, late)
        assert counts(demo) == before
    assert side_states(demo, leg) == {SideState.NONE}


def test_a_correction_needs_qa_a_reason_and_a_signature(demo, tmp_path: Path) -> None:
    leg = accepted_leg(demo, tmp_path)
    late = write_log(tmp_path / "late.csv", warm)
    db = demo.database
    before = counts(demo)
    with pytest.raises(NotPermitted):
        correct_logger_file(
            db, demo["otto.operator"], leg.shipment.id, late, "found it", DEMO_PASSWORD
        )
    with pytest.raises(ValidationFailed, match="reason"):
        correct_logger_file(db, demo["asha.qa"], leg.shipment.id, late, "  ", DEMO_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        correct_logger_file(db, demo["asha.qa"], leg.shipment.id, late, "found it", "wrong")
    assert counts(demo)[:2] == before[:2]  # no file, no reading (a failed signature is audited)
    assert side_states(demo, leg) == {SideState.NONE}

    view = correct_logger_file(
        db, demo["asha.qa"], leg.shipment.id, late, "Second logger found in the lid", DEMO_PASSWORD
    )
    assert view.verdict is Verdict.EXCURSION
    with db.read_session() as session:
        row = session.get(LoggerFile, view.id)
        assert row is not None
        signed = signatures_of(session, row)
    assert [(s.meaning, s.intact) for s in signed] == [(SignatureMeaning.APPROVED, True)]
    assert side_states(demo, leg) == {SideState.QUARANTINED}  # still in the chain: held
    with db.read_session() as session:
        shipment = session.get(Shipment, leg.shipment.id)
        assert shipment is not None and shipment.receipt_accepted is False


def test_a_correction_never_quarantines_an_infused_unit(demo, tmp_path: Path) -> None:
    leg = accepted_leg(demo, tmp_path, bags=2)
    infused, waiting = leg.bags
    infuse(demo, infused.id)
    db = demo.database
    correct_logger_file(
        db,
        demo["asha.qa"],
        leg.shipment.id,
        write_log(tmp_path / "late.csv", warm),
        "Logger read late",
        DEMO_PASSWORD,
    )
    with db.read_session() as session:
        states = dict(session.execute(select(Unit.id, Unit.side_state)).tuples().all())
    assert states[infused.id] is SideState.NONE
    assert states[waiting.id] is SideState.QUARANTINED
    assert [d.kind for d in deviations_of_case(db, reader(db), leg.case.id)] == ["cold_chain"]


def test_all_units_infused_keeps_the_acceptance_and_raises_the_deviation(
    demo, tmp_path: Path
) -> None:
    leg = accepted_leg(demo, tmp_path)
    infuse(demo, leg.bags[0].id)
    db = demo.database
    correct_logger_file(
        db,
        demo["asha.qa"],
        leg.shipment.id,
        write_log(tmp_path / "late.csv", warm),
        "Logger read late",
        DEMO_PASSWORD,
    )
    assert side_states(demo, leg) == {SideState.NONE}
    with db.read_session() as session:
        shipment = session.get(Shipment, leg.shipment.id)
        assert shipment is not None and shipment.receipt_accepted is True
    assert len(deviations_of_case(db, reader(db), leg.case.id)) == 1
