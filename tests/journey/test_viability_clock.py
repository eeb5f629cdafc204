"""One viability clock per unit, enforced at every scan that moves a unit (issue 11, item 3).

Each limit refuses one second after it passes and accepts one second before, at the operation
that enforces it. A refusal names the limit, by how much and what to do, is on record (an audit
event and a deviation) and writes nothing else. Time is moved with the clock, never slept.

Before the fix (hostile testers): an expired bag passed the bedside check and the infusion
confirmation, and starting material received 48 h + 1 s after collection was accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core import CLOCK, Clock, NotPermitted, StageNotAllowed, ValidationFailed, ViabilityExpired
from app.core.database import open_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver, write_logger_csv
from app.journey import (
    StepRecord,
    bedside_check,
    confirm_infusion,
    pack_unit,
    perform_step,
    receive_unit,
    record_thaw,
    start_manufacture,
)
from app.journey.records import units_of_case
from app.journey.views import CaseView
from app.quality import deviations_of_case
from db.enums import CaseStage, Disposition, ShipmentDirection, UnitKind
from db.models import (
    AuditEvent,
    Shipment,
    ShipmentItem,
    StageRecord,
    TemperatureProfile,
    Unit,
)
from labels.isbt128.compose import patient_id_structure
from tests.conftest import BACKENDS, Demo, database_copy, demo_source
from tests.support.readers import reader

SECOND = timedelta(seconds=1)


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The process clock, released after the test."""
    yield CLOCK
    CLOCK.release()


HOSPITAL_NUMBER = "NBH300001"


def _driver(demo: Any, tmp_path: Path) -> tuple[JourneyDriver, Any]:
    driver = JourneyDriver(demo.database, tmp_path)
    return driver, driver.enrol(HOSPITAL_NUMBER, "Vale", "Vic", date(1968, 5, 6))


def _units(demo: Any, case_id: Any, kind: UnitKind) -> list[Unit]:
    with demo.database.read_session() as session:
        return [u for u in units_of_case(session, case_id) if u.kind is kind]


def _shipment(demo: Any, case_id: Any, direction: ShipmentDirection) -> Shipment:
    with demo.database.read_session() as session:
        row = session.scalar(
            select(Shipment).where(Shipment.case_id == case_id, Shipment.direction == direction)
        )
        assert row is not None
        return row


def _count(demo: Any, model: Any) -> int:
    with demo.database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _refusals(demo: Any) -> list[AuditEvent]:
    with demo.database.read_session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "viability refused"))
        )


def _assert_refused_on_record(demo: Any, case_id: Any, refusal: ViabilityExpired) -> None:
    viability = [
        d
        for d in deviations_of_case(demo.database, reader(demo.database), case_id)
        if d.kind == "viability"
    ]
    assert [d.number for d in viability][-1] == refusal.deviation_number
    assert refusal.deviation_number in refusal.message
    assert "call QA" in refusal.message
    assert _refusals(demo), "the refusal is in the audit trail"


def _bedside(demo: Any, case: Any, bag: Unit) -> Any:
    return bedside_check(
        demo.database,
        demo["ivy.infusion"],
        case.id,
        wristband_scan=patient_id_structure(HOSPITAL_NUMBER),
        bag_scan=f"={bag.din}00",
    )


def _at_clinic(demo: Any, tmp_path: Path) -> tuple[JourneyDriver, Any, list[Unit]]:
    driver, case = _driver(demo, tmp_path)
    driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    return driver, case, _units(demo, case.id, UnitKind.FINAL_PRODUCT_BAG)


@dataclass(frozen=True)
class AtClinic:
    """A copy of the template: the case received at the clinic, its final bags still frozen."""

    demo: Demo
    case: CaseView
    bags: list[Unit]


@pytest.fixture(scope="module", params=BACKENDS)
def clinic_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, CaseView, list[Unit]]:
    """The case driven to the clinic once per backend (the journey was most of each test's
    time); each test gets a copy."""
    out = tmp_path_factory.mktemp("viability-clock")
    source, url = demo_source(request, out)
    demo = Demo(open_database(url))
    try:
        _, case, bags = _at_clinic(demo, out)
        return request.param, source, case, bags
    finally:
        demo.database.dispose()


@pytest.fixture
def clinic(
    clinic_template: tuple[str, str, CaseView, list[Unit]],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[AtClinic]:
    backend, source, case, bags = clinic_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield AtClinic(Demo(database), case, bags)


# ---------------------------------------------------------------- expiry


def test_an_expired_bag_is_refused_at_the_bedside_one_second_after_its_expiry(
    clinic: AtClinic, clock: Clock
) -> None:
    demo, case, (bag, *_) = clinic.demo, clinic.case, clinic.bags
    assert bag.expires_at is not None
    clock.set(bag.expires_at - timedelta(minutes=30))
    record_thaw(demo.database, demo["ivy.infusion"], bag.id, clock.now())
    checks = _count(demo, StageRecord)

    clock.set(bag.expires_at + SECOND)
    with pytest.raises(ViabilityExpired) as refused:
        _bedside(demo, case, bag)
    assert refused.value.limits == ("expiry",)
    expiry = bag.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"expired 1 s ago at {expiry}" in refused.value.message
    assert "Do not use it" in refused.value.message
    assert _count(demo, StageRecord) == checks  # no bedside check was written
    _assert_refused_on_record(demo, case.id, refused.value)

    clock.set(bag.expires_at - SECOND)
    assert _bedside(demo, case, bag).din == bag.din


def test_an_infusion_that_started_after_the_bag_expired_is_not_recorded(
    clinic: AtClinic, clock: Clock
) -> None:
    demo, case, (bag, *_) = clinic.demo, clinic.case, clinic.bags
    assert bag.expires_at is not None
    clock.set(bag.expires_at - timedelta(minutes=30))
    record_thaw(demo.database, demo["ivy.infusion"], bag.id, clock.now())
    clock.set(bag.expires_at - timedelta(minutes=2))
    check = _bedside(demo, case, bag)
    clock.set(bag.expires_at + timedelta(minutes=3))

    def confirm(started: datetime) -> Any:
        return confirm_infusion(
            demo.database,
            demo["ian.infusion"],
            check.id,
            started_at=started,
            ended_at=started + timedelta(minutes=1),
            password=DEMO_PASSWORD,
        )

    with pytest.raises(ViabilityExpired) as refused:
        confirm(bag.expires_at + SECOND)
    assert "expired 1 s before the infusion started" in refused.value.message
    _assert_refused_on_record(demo, case.id, refused.value)
    assert _units(demo, case.id, UnitKind.FINAL_PRODUCT_BAG)[0].status.value == "stored"

    confirm(bag.expires_at - SECOND)
    assert _units(demo, case.id, UnitKind.FINAL_PRODUCT_BAG)[0].status.value == "infused"


# ---------------------------------------------------------------- post-thaw


def test_a_bag_past_its_post_thaw_limit_is_refused_at_the_bedside_and_at_infusion(
    clinic: AtClinic, clock: Clock
) -> None:
    demo, case, (bag, *_) = clinic.demo, clinic.case, clinic.bags
    thawed = clock.now()
    clock.set(thawed)
    record_thaw(demo.database, demo["ivy.infusion"], bag.id, thawed)
    limit = thawed + timedelta(minutes=90)  # the demo product's post-thaw limit

    clock.set(limit + SECOND)
    with pytest.raises(ViabilityExpired) as refused:
        _bedside(demo, case, bag)
    assert refused.value.limits == ("post-thaw",)
    assert "the 90 min post-thaw limit ended 1 s ago" in refused.value.message
    assert "Do not infuse it" in refused.value.message
    _assert_refused_on_record(demo, case.id, refused.value)

    clock.set(limit - timedelta(minutes=5))
    check = _bedside(demo, case, bag)
    clock.set(limit + timedelta(minutes=10))
    with pytest.raises(ViabilityExpired, match="post-thaw limit ended 1 s before the infusion"):
        confirm_infusion(
            demo.database,
            demo["ian.infusion"],
            check.id,
            started_at=limit + SECOND,
            ended_at=limit + timedelta(minutes=5),
            password=DEMO_PASSWORD,
        )
    confirm_infusion(
        demo.database,
        demo["ian.infusion"],
        check.id,
        started_at=limit - SECOND,
        ended_at=limit + timedelta(minutes=5),
        password=DEMO_PASSWORD,
    )


def test_the_bedside_refuses_a_frozen_bag_without_a_recorded_thaw(clinic: AtClinic) -> None:
    demo, case, (bag, *_) = clinic.demo, clinic.case, clinic.bags
    with pytest.raises(StageNotAllowed, match="no recorded thaw start"):
        _bedside(demo, case, bag)


def test_a_thaw_is_recorded_once_never_in_the_future_and_only_by_the_infusion_nurse(
    clinic: AtClinic, clock: Clock
) -> None:
    demo, bag = clinic.demo, clinic.bags[0]
    clock.set(clock.now())
    with pytest.raises(ValidationFailed, match="in the future"):
        record_thaw(demo.database, demo["ivy.infusion"], bag.id, clock.now() + timedelta(minutes=6))
    with pytest.raises(ValidationFailed, match="before the bag was received"):
        record_thaw(demo.database, demo["ivy.infusion"], bag.id, clock.now() - timedelta(days=1))
    with pytest.raises(NotPermitted):
        record_thaw(demo.database, demo["cora.coordinator"], bag.id, clock.now())
    view = record_thaw(demo.database, demo["ivy.infusion"], bag.id, clock.now())
    assert view.infuse_by == view.started_at + timedelta(minutes=90)
    # Recording a later thaw would reset the post-thaw clock: refused.
    clock.advance(timedelta(minutes=80))
    with pytest.raises(ValidationFailed, match="already recorded"):
        record_thaw(demo.database, demo["ian.infusion"], bag.id, clock.now())
    with demo.database.read_session() as session:
        thaws = session.scalars(
            select(StageRecord).where(StageRecord.action == "thaw started")
        ).all()
    assert [(t.unit_id, t.occurred_at) for t in thaws] == [(bag.id, view.started_at)]


def test_an_infusion_cannot_start_before_the_recorded_thaw(clinic: AtClinic, clock: Clock) -> None:
    demo, case, (bag, *_) = clinic.demo, clinic.case, clinic.bags
    clock.set(clock.now() + timedelta(minutes=30))
    record_thaw(demo.database, demo["ivy.infusion"], bag.id, clock.now())
    check = _bedside(demo, case, bag)
    with pytest.raises(StageNotAllowed, match="after"):
        confirm_infusion(
            demo.database,
            demo["ian.infusion"],
            check.id,
            started_at=clock.now() - timedelta(minutes=2),
            ended_at=clock.now(),
            password=DEMO_PASSWORD,
        )


# ---------------------------------------------------------------- collection → receipt


def test_starting_material_48_hours_and_a_second_after_collection_is_refused_at_receipt(
    demo: Any, tmp_path: Path, clock: Clock
) -> None:
    driver, case = _driver(demo, tmp_path)
    driver.run_to(case, CaseStage.SHIPPED_TO_MANUFACTURER)
    (bag,) = _units(demo, case.id, UnitKind.APHERESIS_BAG)
    shipment = _shipment(demo, case.id, ShipmentDirection.TO_MANUFACTURER)
    assert bag.collection_end is not None
    limit = bag.collection_end + timedelta(hours=48)  # the demo product's limit

    clock.set(limit + SECOND)
    with pytest.raises(ViabilityExpired) as refused:
        receive_unit(demo.database, demo["otto.operator"], shipment.id, f"={bag.din}00")
    assert refused.value.limits == ("collection to receipt",)
    assert "received 1 s after the 48 h limit" in refused.value.message
    _assert_refused_on_record(demo, case.id, refused.value)
    assert _shipment(demo, case.id, ShipmentDirection.TO_MANUFACTURER).received_at is None

    clock.set(limit + timedelta(hours=3, minutes=10))
    with pytest.raises(ViabilityExpired, match="received 3 h 10 min after the 48 h limit"):
        receive_unit(demo.database, demo["otto.operator"], shipment.id, f"={bag.din}00")

    clock.set(limit - SECOND)
    view = receive_unit(demo.database, demo["otto.operator"], shipment.id, f"={bag.din}00")
    assert view.received_units == (bag.id,)


def test_starting_material_past_the_receipt_limit_is_not_packed(
    demo: Any, tmp_path: Path, clock: Clock
) -> None:
    driver, case = _driver(demo, tmp_path)
    driver.run_to(case, CaseStage.COLLECTED)
    (bag,) = _units(demo, case.id, UnitKind.APHERESIS_BAG)
    assert bag.collection_end is not None
    from app.journey import create_shipment  # noqa: PLC0415

    shipment = create_shipment(
        demo.database, demo["alex.apheresis"], case.id, ShipmentDirection.TO_MANUFACTURER
    )
    clock.set(bag.collection_end + timedelta(hours=48) + SECOND)
    with pytest.raises(ViabilityExpired, match="can no longer arrive in time"):
        pack_unit(demo.database, demo["alex.apheresis"], shipment.id, f"={bag.din}00")
    clock.set(bag.collection_end + timedelta(hours=48) - SECOND)
    assert pack_unit(
        demo.database, demo["alex.apheresis"], shipment.id, f"={bag.din}00"
    ).packed_units == (bag.id,)


# ---------------------------------------------------------------- cumulative excursion


def _received_with_short_excursion(
    demo: Any, tmp_path: Path
) -> tuple[JourneyDriver, Any, Unit, float]:
    """Starting material whose trip had a short excursion, within the profile's allowances."""
    driver, case = _driver(demo, tmp_path)
    driver.run_to(case, CaseStage.SHIPPED_TO_MANUFACTURER)
    (bag,) = _units(demo, case.id, UnitKind.APHERESIS_BAG)
    inbound = _shipment(demo, case.id, ShipmentDirection.TO_MANUFACTURER)
    end = CLOCK.now() + timedelta(minutes=5)
    logger = write_logger_csv(
        tmp_path / "short-excursion.csv",
        start=end - timedelta(hours=12),
        end=end,
        base_c=5.0,
        excursion=(timedelta(hours=6), timedelta(minutes=5), 9.5),
    )
    from app.journey import shipment_view  # noqa: PLC0415

    with demo.database.read_session() as session:
        view = shipment_view(session, session.get(Shipment, inbound.id))
    driver.receive(
        case, view, [bag], receiver="otto.operator", verifier="vera.verifier", logger=logger
    )
    from app.coldchain import logger_files_of_shipment  # noqa: PLC0415

    (file,) = logger_files_of_shipment(demo.database, reader(demo.database), inbound.id)
    minutes = float(file.report["cumulative_excursion_min"])
    assert 0 < minutes < 15 and file.verdict.value == "within_limits"
    return driver, case, bag, minutes


def receive_unit_outcomes(demo: Any, shipment_id: Any) -> set[Any]:
    """How the units of a shipment were found on receipt so far."""
    with demo.database.read_session() as session:
        return set(
            session.scalars(
                select(ShipmentItem.receipt_outcome).where(ShipmentItem.shipment_id == shipment_id)
            )
        )


def _set_allowance(demo: Any, name: str, minutes: float) -> None:
    """An administrator tightens the profile's cumulative allowance (e.g. after a study)."""
    with demo.database.write_session() as session:
        profile = session.scalar(select(TemperatureProfile).where(TemperatureProfile.name == name))
        assert profile is not None
        profile.max_cumulative_excursion_min = minutes
        session.commit()


def test_cumulative_excursion_over_the_allowance_is_refused_at_manufacturing_use(
    demo: Any, tmp_path: Path
) -> None:
    _, case, bag, minutes = _received_with_short_excursion(demo, tmp_path)
    steps = start_manufacture(demo.database, demo["otto.operator"], case.id)
    record = StepRecord((f"={bag.din}00",), {"bag_intact": True, "volume_ml": 240.0})

    _set_allowance(demo, "fresh-2-8", minutes - 1 / 60)
    with pytest.raises(ViabilityExpired) as refused:
        perform_step(demo.database, demo["otto.operator"], steps[0].id, record)
    assert refused.value.limits == ("cumulative excursion",)
    assert "1 s over the cumulative allowance" in refused.value.message
    assert "disposition its cold chain" in refused.value.message
    _assert_refused_on_record(demo, case.id, refused.value)

    _set_allowance(demo, "fresh-2-8", minutes + 1 / 60)
    assert perform_step(demo.database, demo["otto.operator"], steps[0].id, record).inputs == (
        bag.id,
    )


def test_an_expired_input_is_refused_at_manufacturing_use(
    demo: Any, tmp_path: Path, clock: Clock
) -> None:
    driver, case = _driver(demo, tmp_path)
    driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER)
    (bag,) = _units(demo, case.id, UnitKind.APHERESIS_BAG)
    steps = start_manufacture(demo.database, demo["otto.operator"], case.id)
    expires = clock.now() + timedelta(hours=1)
    with demo.database.write_session() as session:  # a tester set an expiry on the bag
        row = session.get(Unit, bag.id)
        assert row is not None
        row.expires_at = expires
        session.commit()
    record = StepRecord((f"={bag.din}00",), {"bag_intact": True, "volume_ml": 240.0})
    clock.set(expires + SECOND)
    with pytest.raises(ViabilityExpired, match="expired 1 s ago"):
        perform_step(demo.database, demo["otto.operator"], steps[0].id, record)
    clock.set(expires - SECOND)
    perform_step(demo.database, demo["otto.operator"], steps[0].id, record)


def test_cumulative_excursion_over_a_zero_allowance_is_refused_at_clinic_receipt(
    demo: Any, tmp_path: Path
) -> None:
    driver, case = _driver(demo, tmp_path)
    driver.run_to(case, CaseStage.SHIPPED_TO_CLINIC)
    bags = _units(demo, case.id, UnitKind.FINAL_PRODUCT_BAG)
    outbound = _shipment(demo, case.id, ShipmentDirection.TO_CLINIC)
    end = CLOCK.now() + timedelta(minutes=5)
    logger = write_logger_csv(
        tmp_path / "warm-trip.csv",
        start=end - timedelta(hours=12),
        end=end,
        base_c=-185.0,
        excursion=(timedelta(hours=6), timedelta(minutes=10), -120.0),
    )
    from app.coldchain import import_logger_file  # noqa: PLC0415

    import_logger_file(
        demo.database,
        demo["ivy.infusion"],
        outbound.id,
        logger,
        window=(end - timedelta(hours=11, minutes=55), end - timedelta(minutes=5)),
    )
    scan = f"={bags[0].din}00"
    with pytest.raises(ViabilityExpired) as refused:
        receive_unit(demo.database, demo["ivy.infusion"], outbound.id, scan)
    assert refused.value.limits == ("cumulative excursion",)
    assert "over the cumulative allowance of 0 min" in refused.value.message
    _assert_refused_on_record(demo, case.id, refused.value)
    assert receive_unit_outcomes(demo, outbound.id) == {None}

    # QA dispositions the excursion (accepted under its decision): the bag may be received.
    from app.coldchain import disposition_logger_file, logger_files_of_shipment  # noqa: PLC0415

    (file,) = logger_files_of_shipment(demo.database, reader(demo.database), outbound.id)
    disposition_logger_file(
        demo.database,
        demo["asha.qa"],
        file.id,
        Disposition.ACCEPT,
        "Within the validated transient-warming data for the cryo bag.",
        DEMO_PASSWORD,
    )
    assert receive_unit(demo.database, demo["ivy.infusion"], outbound.id, scan).received_units
