"""Cold-chain workflow on both backends: import a shipment's logger file, quarantine on a bad
verdict, QA's signed disposition, and the refusals that matter."""

from __future__ import annotations

import argparse
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from app.cli import logger_import
from app.coldchain.analysis.profiles import seed_profile
from app.coldchain.analysis.registry import read_logger_file
from app.coldchain.records import (
    correct_logger_file,
    disposition_logger_file,
    import_logger_file,
    shipment_id_of,
)
from app.coldchain.storage import logger_files_of_shipment, profile_from_record, readings_of
from app.core import sscc_text
from app.core.errors import (
    AuthenticationFailed,
    NotPermitted,
    ScanMismatch,
    StaleRecord,
    ValidationFailed,
)
from app.core.unit_of_work import UnitOfWork
from app.journey.manufacturing import start_manufacture
from app.journey.shipping import (
    ShipmentView,
    accept_receipt,
    attach_logger,
    complete_receipt,
    create_shipment,
    hand_over,
    pack_unit,
    receive_unit,
)
from app.journey.side_states import lift_unit_side_state
from app.journey.views import CaseView, UnitView
from app.quality.deviations import close_deviation, deviations_of_case
from app.quality.signatures import signatures_of
from app.scanning.rules import Expectation
from app.scanning.service import check_scan
from db.enums import (
    DeviationStatus,
    Disposition,
    ShipmentDirection,
    SideState,
    SignatureMeaning,
    Verdict,
)
from db.models import (
    AuditEvent,
    Deviation,
    LoggerFile,
    LoggerReading,
    Shipment,
    TemperatureProfile,
    Unit,
)
from db.types import utc_now
from tests.journey.steps import DEMO_PASSWORD, collect, din_scan, enrol, label_shipper
from tests.support.readers import reader

Temperature = Callable[[datetime], float]


def steady(_moment: datetime) -> float:
    """A well-packed fresh shipper: 5 °C throughout."""
    return 5.0


def write_log(
    path: Path,
    temperature: Temperature = steady,
    *,
    before: timedelta = timedelta(hours=4),
    after: timedelta = timedelta(hours=1),
    skip: tuple[datetime, datetime] | None = None,
) -> Path:
    """A generic CSV logger file, one reading a minute around now (skipping ``skip``)."""
    now = utc_now().replace(second=0, microsecond=0)
    lines = ["timestamp,temperature_c"]
    moment = now - before
    while moment <= now + after:
        if skip is None or not skip[0] <= moment <= skip[1]:
            lines.append(f"{moment:%Y-%m-%dT%H:%M:%SZ},{temperature(moment):.2f}")
        moment += timedelta(minutes=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Leg:
    """A case whose bags are on their way to the manufacturer."""

    case: CaseView
    bags: list[UnitView]
    shipment: ShipmentView


def ship(demo, bags: int = 1) -> Leg:
    """Enrol, collect, pack, attach the logger and hand the shipper to the courier."""
    db, alex = demo.database, demo["alex.apheresis"]
    case = enrol(demo)
    units = collect(demo, case, bags)
    shipment = create_shipment(db, alex, case.id, ShipmentDirection.TO_MANUFACTURER)
    for unit in units:
        pack_unit(db, alex, shipment.id, din_scan(unit))
    attach_logger(db, alex, shipment.id, "(8004)5901234LOG001")
    label_shipper(db, alex, shipment.id)
    shipment = hand_over(
        db, alex, shipment.id, courier_name="Sam Driver", courier_organisation="Cryo Couriers"
    )
    return Leg(case, units, shipment)


def receive(demo, leg: Leg) -> None:
    """Otto scans every bag out of the shipper."""
    for unit in leg.bags:
        receive_unit(demo.database, demo["otto.operator"], leg.shipment.id, din_scan(unit))


def packed_hours_ago(demo, leg: Leg, hours: float) -> None:
    """Set the packing time back, as if the shipper had travelled for ``hours``."""
    with UnitOfWork(demo.database, demo["alex.apheresis"]) as uow:
        shipment = uow.session.get(Shipment, leg.shipment.id)
        assert shipment is not None
        shipment.packed_at = utc_now() - timedelta(hours=hours)
        uow.commit()


def side_states(demo, leg: Leg) -> set[SideState]:
    ids = [u.id for u in leg.bags]
    with demo.database.read_session() as session:
        return set(session.scalars(select(Unit.side_state).where(Unit.id.in_(ids))))


def counts(demo) -> tuple[int, int, int]:
    with demo.database.read_session() as session:
        return (
            session.scalar(select(func.count()).select_from(LoggerFile)) or 0,
            session.scalar(select(func.count()).select_from(LoggerReading)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_within_limits_file_lets_the_receipt_be_accepted_at_once(demo, tmp_path: Path) -> None:
    db = demo.database
    leg = ship(demo, bags=2)
    receive(demo, leg)
    path = write_log(tmp_path / "LOG001.csv")
    view = import_logger_file(db, demo["otto.operator"], leg.shipment.id, path)

    assert view.verdict is Verdict.WITHIN_LIMITS
    assert not view.awaits_disposition
    assert view.profile_name == "fresh-2-8"
    assert view.format == "generic"
    assert view.imported_by == demo["otto.operator"].full_name
    assert view.report["verdict"] == "within_limits"
    assert view.report["profile"]["upper_c"] == 8.0
    assert view.window_start is not None and view.window_end is not None
    assert view.window_start <= view.window_end
    shipment = complete_receipt(db, demo["vera.verifier"], leg.shipment.id, DEMO_PASSWORD)
    assert shipment.receipt_accepted is True
    assert side_states(demo, leg) == {SideState.NONE}
    assert logger_files_of_shipment(db, reader(db), leg.shipment.id) == [view]
    assert shipment_id_of(db, reader(db), leg.shipment.sscc) == leg.shipment.id
    assert shipment_id_of(db, reader(db), f"(00){leg.shipment.sscc}") == leg.shipment.id

    original = read_logger_file(path)
    with db.read_session() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(LoggerReading)
            .where(LoggerReading.logger_file_id == view.id)
        )
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.record_type == "logger_file", AuditEvent.record_id == str(view.id)
            )
        ).one()
    assert stored == view.reading_count == len(original)
    assert event.action == "import logger file"
    assert json.loads(event.new_values)["sha256"] == original.sha256 == view.sha256

    rebuilt = readings_of(db, reader(db), view.id)
    assert len(rebuilt) == len(original)
    np.testing.assert_allclose(rebuilt.times_s, original.times_s, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(rebuilt.temps_c, original.temps_c)
    assert (rebuilt.sha256, rebuilt.source_name, rebuilt.importer) == (
        original.sha256,
        "LOG001.csv",
        "generic",
    )
    assert rebuilt.sensor_id == original.sensor_id


def test_excursion_quarantines_until_qa_dispositions_and_closes_the_deviation(
    demo, tmp_path: Path
) -> None:
    db = demo.database
    leg = ship(demo)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    now = utc_now()

    def warm_spell(moment: datetime) -> float:
        return 10.0 if now - timedelta(hours=2) <= moment < now - timedelta(minutes=80) else 5.0

    view = import_logger_file(
        db, demo["vera.verifier"], leg.shipment.id, write_log(tmp_path / "warm.csv", warm_spell)
    )
    assert view.verdict is Verdict.EXCURSION and view.awaits_disposition
    longest = view.report["longest_excursion_min"]
    assert 38.0 < longest < 42.0
    with db.read_session() as session:
        unit = session.get(Unit, leg.bags[0].id)
        assert unit is not None and unit.side_state is SideState.QUARANTINED
        assert sscc_text(leg.shipment.sscc) in (unit.side_state_reason or "")
        assert "excursion" in (unit.side_state_reason or "")
    (deviation,) = [
        d for d in deviations_of_case(db, reader(db), leg.case.id) if d.kind == "cold_chain"
    ]
    assert deviation.status is DeviationStatus.OPEN
    assert (deviation.shipment_id, deviation.logger_file_id) == (leg.shipment.id, view.id)
    assert f"longest {longest:.1f} min (allowed 15 min)" in deviation.description
    assert "0 data gaps" in deviation.description

    shipment = complete_receipt(db, demo["vera.verifier"], leg.shipment.id, DEMO_PASSWORD)
    assert not shipment.receipt_accepted
    assert side_states(demo, leg) == {SideState.QUARANTINED}
    qa = demo["asha.qa"]
    with pytest.raises(ValidationFailed, match="awaits QA's disposition"):
        accept_receipt(db, qa, leg.shipment.id, DEMO_PASSWORD, "cold chain fine")

    accepted = disposition_logger_file(
        db,
        qa,
        view.id,
        Disposition.ACCEPT,
        "40 min at 10 °C is covered by stability study STB-014.",
        DEMO_PASSWORD,
    )
    assert accepted.disposition is Disposition.ACCEPT
    assert accepted.dispositioned_by == qa.full_name and accepted.dispositioned_at is not None
    assert side_states(demo, leg) == {SideState.QUARANTINED}  # accepting lifts nothing alone
    with pytest.raises(ValidationFailed, match="already accepted by QA"):
        disposition_logger_file(db, qa, view.id, Disposition.REJECT, "second go", DEMO_PASSWORD)
    with pytest.raises(ValidationFailed, match="Open deviations"):
        accept_receipt(db, qa, leg.shipment.id, DEMO_PASSWORD, "cold chain accepted")

    close_deviation(
        db,
        qa,
        deviation.id,
        closure="Dispositioned: accepted on stability data.",
        password=DEMO_PASSWORD,
    )
    shipment = accept_receipt(db, qa, leg.shipment.id, DEMO_PASSWORD, "cold chain accepted")
    assert shipment.receipt_accepted is True
    assert side_states(demo, leg) == {SideState.NONE}
    with db.read_session() as session:
        row = session.get(LoggerFile, view.id)
        assert row is not None
        (signature,) = signatures_of(session, row)
    assert signature.meaning is SignatureMeaning.DISPOSITIONED and signature.intact


def test_rejecting_an_incomplete_trace_rejects_the_units_for_good(demo, tmp_path: Path) -> None:
    db = demo.database
    leg = ship(demo)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    first = import_logger_file(
        db, demo["otto.operator"], leg.shipment.id, write_log(tmp_path / "a.csv")
    )
    assert first.verdict is Verdict.WITHIN_LIMITS
    shipment = complete_receipt(db, demo["vera.verifier"], leg.shipment.id, DEMO_PASSWORD)
    assert shipment.receipt_accepted is True

    now = utc_now()
    gap = (now - timedelta(hours=2), now - timedelta(hours=1))
    late = write_log(tmp_path / "b.csv", skip=gap)
    with pytest.raises(ValidationFailed, match=r"already accepted: .* correction"):
        import_logger_file(db, demo["asha.qa"], leg.shipment.id, late)
    second = correct_logger_file(
        db, demo["asha.qa"], leg.shipment.id, late, "Second logger found in the lid", DEMO_PASSWORD
    )
    assert second.verdict is Verdict.INCOMPLETE
    assert len(second.report["gaps"]) == 1
    with db.read_session() as session:
        stored = session.get(Shipment, leg.shipment.id)
        assert stored is not None and stored.receipt_accepted is False
    assert side_states(demo, leg) == {SideState.QUARANTINED}
    with pytest.raises(ValidationFailed, match="within limits"):
        disposition_logger_file(
            db, demo["asha.qa"], first.id, Disposition.ACCEPT, "fine", DEMO_PASSWORD
        )
    with pytest.raises(ValidationFailed, match="Justify"):
        disposition_logger_file(
            db, demo["asha.qa"], second.id, Disposition.REJECT, "  ", DEMO_PASSWORD
        )

    rejected = disposition_logger_file(
        db,
        demo["asha.qa"],
        second.id,
        Disposition.REJECT,
        "One hour without data; stability cannot be shown.",
        DEMO_PASSWORD,
    )
    assert rejected.disposition is Disposition.REJECT
    assert side_states(demo, leg) == {SideState.REJECTED}
    with pytest.raises(ValidationFailed, match="rejected"):
        accept_receipt(db, demo["asha.qa"], leg.shipment.id, DEMO_PASSWORD, "please")
    with pytest.raises(ValidationFailed, match="rejected: nothing to lift"):
        lift_unit_side_state(db, demo["asha.qa"], leg.bags[0].id, "please", DEMO_PASSWORD)
    with pytest.raises(ValidationFailed, match="No starting material is available"):
        start_manufacture(db, demo["otto.operator"], leg.case.id)
    with (
        pytest.raises(ScanMismatch, match="can never be used"),
        UnitOfWork(db, demo["otto.operator"]) as uow,
    ):
        check_scan(
            uow,
            din_scan(leg.bags[0]),
            Expectation(purpose="pack", description="a new shipper", coi=leg.case.coi),
        )


def test_an_unreadable_file_stores_nothing(demo, tmp_path: Path) -> None:
    leg = ship(demo)
    path = write_log(tmp_path / "broken.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = "2024-13-45T00:02:00Z,5.00"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    otto = demo["otto.operator"]  # signed in (an audited event) before counting
    before = counts(demo)
    with pytest.raises(ValidationFailed, match=r"broken\.csv, line 4: .*month"):
        import_logger_file(demo.database, otto, leg.shipment.id, path)
    with pytest.raises(ValidationFailed, match="cannot read the file"):
        import_logger_file(demo.database, otto, leg.shipment.id, tmp_path / "absent.csv")
    assert counts(demo) == before


def test_a_file_that_misses_the_shipment_window_stores_nothing(demo, tmp_path: Path) -> None:
    leg = ship(demo)
    path = write_log(tmp_path / "old.csv", before=timedelta(days=3), after=timedelta(days=-2))
    otto = demo["otto.operator"]  # signed in (an audited event) before counting
    before = counts(demo)
    with pytest.raises(ValidationFailed, match="no reading in the trip window"):
        import_logger_file(demo.database, otto, leg.shipment.id, path)
    assert counts(demo) == before


def test_a_file_changed_since_the_screen_read_it_stores_nothing(demo, tmp_path: Path) -> None:
    """The import dialog fingerprints the file it reads; a file rewritten before storing (a
    logger tool still writing, a swapped file) is refused rather than stored unseen."""
    leg = ship(demo)
    path = write_log(tmp_path / "LOG002.csv")
    read_by_screen = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_text(path.read_text(encoding="utf-8") + "# appended later\n", encoding="utf-8")
    otto = demo["otto.operator"]  # signed in (an audited event) before counting
    before = counts(demo)
    with pytest.raises(ValidationFailed, match="changed on disk"):
        import_logger_file(
            demo.database, otto, leg.shipment.id, path, expected_sha256=read_by_screen
        )
    assert counts(demo) == before
    unchanged = hashlib.sha256(path.read_bytes()).hexdigest()
    view = import_logger_file(demo.database, otto, leg.shipment.id, path, expected_sha256=unchanged)
    assert view.sha256 == unchanged


def test_the_same_file_twice_is_refused(demo, tmp_path: Path) -> None:
    db = demo.database
    leg = ship(demo)
    path = write_log(tmp_path / "LOG001.csv")
    import_logger_file(db, demo["otto.operator"], leg.shipment.id, path)  # while in transit
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    with pytest.raises(ValidationFailed, match="already imported for shipment"):
        import_logger_file(db, demo["vera.verifier"], leg.shipment.id, copy)
    assert len(logger_files_of_shipment(db, reader(db), leg.shipment.id)) == 1


def test_who_may_import_and_disposition(demo, tmp_path: Path) -> None:
    db = demo.database
    case = enrol(demo)
    bag = collect(demo, case)[0]
    alex = demo["alex.apheresis"]
    shipment = create_shipment(db, alex, case.id, ShipmentDirection.TO_MANUFACTURER)
    pack_unit(db, alex, shipment.id, din_scan(bag))
    path = write_log(tmp_path / "LOG001.csv", lambda _m: 12.0)
    with pytest.raises(ValidationFailed, match="in transit or has been received"):
        import_logger_file(db, demo["otto.operator"], shipment.id, path)
    attach_logger(db, alex, shipment.id, "(8004)5901234LOG001")
    label_shipper(db, alex, shipment.id)
    hand_over(db, alex, shipment.id, courier_name="Sam", courier_organisation="Cryo Couriers")

    with pytest.raises(NotPermitted, match="Manufacturing operator"):
        import_logger_file(db, demo["ana.apheresis"], shipment.id, path)
    with pytest.raises(NotPermitted, match="Manufacturing operator"):
        import_logger_file(db, demo["quinn.qc"], shipment.id, path)
    view = import_logger_file(db, demo["otto.operator"], shipment.id, path)
    assert view.verdict is Verdict.EXCURSION
    for username in ("quinn.qc", "otto.operator", "petra.qp"):
        with pytest.raises(NotPermitted, match="Quality assurance"):
            disposition_logger_file(
                db, demo[username], view.id, Disposition.ACCEPT, "fine", DEMO_PASSWORD
            )
    asha = demo["asha.qa"]
    with pytest.raises(StaleRecord, match="reload"):
        disposition_logger_file(
            db,
            asha,
            view.id,
            Disposition.ACCEPT,
            "fine",
            DEMO_PASSWORD,
            seen_version=view.version + 1,
        )
    with pytest.raises(ValidationFailed, match="not a disposition"):
        disposition_logger_file(db, asha, view.id, "accept", "fine", DEMO_PASSWORD)  # type: ignore[arg-type]
    with pytest.raises(AuthenticationFailed, match="password is wrong"):
        disposition_logger_file(db, asha, view.id, Disposition.REJECT, "no", "wrong-password")
    with db.read_session() as session:
        row = session.get(LoggerFile, view.id)
        assert row is not None and row.disposition is None
        assert (
            session.scalar(select(Deviation).where(Deviation.logger_file_id == view.id)) is not None
        )
        bag_row = session.get(Unit, bag.id)
        assert bag_row is not None and bag_row.side_state is SideState.QUARANTINED

    # Quarantined in transit, the bag is still scanned in and the receipt verified, not accepted.
    receive_unit(db, demo["otto.operator"], shipment.id, din_scan(bag))
    received = complete_receipt(db, demo["vera.verifier"], shipment.id, DEMO_PASSWORD)
    assert received.received_units == (bag.id,) and not received.receipt_accepted


def test_profile_from_record_matches_the_seed(demo) -> None:
    with demo.database.read_session() as session:
        rows = session.scalars(select(TemperatureProfile)).all()
        converted = {row.name: profile_from_record(row) for row in rows}
    for name, profile in converted.items():
        assert profile == seed_profile(name)


def test_unknown_records_are_named(demo) -> None:
    from app.core.errors import NotFound  # noqa: PLC0415

    with pytest.raises(NotFound):
        readings_of(demo.database, reader(demo.database), uuid.uuid4())
    with pytest.raises(NotFound):
        shipment_id_of(demo.database, reader(demo.database), "000000000000000000")
    with pytest.raises(NotFound):
        import_logger_file(demo.database, demo["otto.operator"], uuid.uuid4(), Path("nothing.csv"))


def test_cli_imports_a_logger_file_as_the_named_user(
    demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    leg = ship(demo)
    receive(demo, leg)
    path = write_log(tmp_path / "LOG001.csv")
    parser = argparse.ArgumentParser(prog="coi logger")
    logger_import.register(parser.add_subparsers(dest="logger_command", required=True))
    argv = ["import", leg.shipment.sscc, str(path), "--as", "otto.operator"]
    args = parser.parse_args([*argv, "--db", demo.database.url, "--format", "generic"])
    monkeypatch.setenv("COI_AS_PASSWORD", DEMO_PASSWORD)
    assert args.handler(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["shipment"] == leg.shipment.sscc
    assert printed["verdict"] == "within_limits"
    assert printed["readings_stored"] == len(read_logger_file(path))
    (stored,) = logger_files_of_shipment(demo.database, reader(demo.database), leg.shipment.id)
    assert str(stored.id) == printed["id"]
    assert stored.imported_by == demo["otto.operator"].full_name
