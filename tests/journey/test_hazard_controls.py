"""Bedside controls the hazard register names, each attacked on its own (docs/SAFETY.md, H1).

Written where `scripts/check_safety_controls.py` found a control that no test defeated.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.core.database import open_database
from app.core.errors import CoiError
from app.demo.journey import DEMO_PASSWORD, STEP_PARAMETERS, JourneyDriver
from app.journey import infusion, manufacturing
from app.journey.side_states import set_unit_side_state
from app.journey.views import CaseView
from db.enums import CaseStage, SideState, UnitKind, UnitStatus
from db.models import Unit
from db.types import utc_now
from tests.conftest import BACKENDS, Demo, database_copy, demo_source
from tests.journey.steps import thaw_final_bags
from tests.support.readers import reader


@pytest.fixture(scope="module", params=BACKENDS)
def bedside_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, CaseView]:
    """The case driven to the bedside (its bags thawed) once per backend; tests get a copy."""
    out = tmp_path_factory.mktemp("hazard-controls")
    source, url = demo_source(request, out)
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out, station="bedside")
        case = driver.enrol("BS1", "Bedside", "Pat", date(1961, 2, 3))
        case = driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
        thaw_final_bags(driver, case)
        return request.param, source, case
    finally:
        database.dispose()


@pytest.fixture
def at_the_bedside(
    bedside_template: tuple[str, str, CaseView], request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[JourneyDriver, CaseView]]:
    backend, source, case = bedside_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield JourneyDriver(database, tmp_path, station="bedside"), case


def _unit(driver: JourneyDriver, case: CaseView, kind: UnitKind) -> Unit:
    with driver.database.read_session() as session:
        unit = session.scalars(
            select(Unit).where(Unit.case_id == case.id, Unit.kind == kind)
        ).first()
        assert unit is not None
        session.expunge(unit)
        return unit


def _check(driver: JourneyDriver, case: CaseView, bag_scan: str) -> infusion.BedsideCheckView:
    return infusion.bedside_check(
        driver.database,
        driver.who("ivy.infusion"),
        case.id,
        wristband_scan=driver.wristband(case),
        bag_scan=bag_scan,
    )


def _confirm(driver: JourneyDriver, nurse: str, check: infusion.BedsideCheckView) -> None:
    infusion.confirm_infusion(
        driver.database,
        driver.who(nurse),
        check.id,
        started_at=utc_now(),  # the bag was thawed moments ago, when the case reached the bed
        ended_at=utc_now() + timedelta(minutes=1),
        password=DEMO_PASSWORD,
    )


def test_the_bedside_refuses_a_unit_of_the_case_that_is_not_its_stored_final_bag(
    at_the_bedside: tuple[JourneyDriver, CaseView],
) -> None:
    """The patient's own apheresis bag carries the right COI, but it is not the product (C04)."""
    driver, case = at_the_bedside
    apheresis = _unit(driver, case, UnitKind.APHERESIS_BAG)
    with pytest.raises(CoiError, match="not one of the containers expected here"):
        _check(driver, case, f"={apheresis.din}00")


def test_the_nurse_who_did_the_bedside_check_cannot_confirm_the_infusion(
    at_the_bedside: tuple[JourneyDriver, CaseView],
) -> None:
    driver, case = at_the_bedside
    bag = _unit(driver, case, UnitKind.FINAL_PRODUCT_BAG)
    check = _check(driver, case, f"={bag.din}00")
    with pytest.raises(CoiError, match="cannot also verify"):
        _confirm(driver, "ivy.infusion", check)
    _confirm(driver, "ian.infusion", check)


def test_a_bag_no_longer_stored_after_the_check_is_not_infused(
    at_the_bedside: tuple[JourneyDriver, CaseView],
) -> None:
    """Whatever moved the bag between the check and the confirmation, it is not infused (C05)."""
    driver, case = at_the_bedside
    bag = _unit(driver, case, UnitKind.FINAL_PRODUCT_BAG)
    check = _check(driver, case, f"={bag.din}00")
    with driver.database.engine.begin() as connection:  # behind the services' back
        connection.execute(
            update(Unit).where(Unit.id == bag.id).values(status=UnitStatus.IN_TRANSIT)
        )
    with pytest.raises(CoiError, match="not ready to infuse"):
        _confirm(driver, "ian.infusion", check)


@pytest.mark.parametrize(
    ("state", "who"),
    [
        (SideState.QUARANTINED, "cora.coordinator"),
        (SideState.ON_HOLD, "ivy.infusion"),
        (SideState.REJECTED, "asha.qa"),
    ],
)
def test_a_bag_stopped_after_the_check_is_not_infused(
    at_the_bedside: tuple[JourneyDriver, CaseView], state: SideState, who: str
) -> None:
    """A bag quarantined, held or rejected between the bedside check and the second nurse's
    signature is not infused (a defect found by this test: the confirmation looked only at the
    bag's status)."""
    driver, case = at_the_bedside
    bag = _unit(driver, case, UnitKind.FINAL_PRODUCT_BAG)
    check = _check(driver, case, f"={bag.din}00")
    set_unit_side_state(
        driver.database, driver.who(who), bag.id, state, "leak?", password=DEMO_PASSWORD
    )
    with pytest.raises(CoiError, match="after the bedside check: it cannot be infused"):
        _confirm(driver, "ian.infusion", check)
    with driver.database.read_session() as session:
        assert session.get(Unit, bag.id).status is UnitStatus.STORED  # type: ignore[union-attr]


def test_the_same_container_scanned_twice_as_a_steps_input_is_refused(
    demo: Demo, tmp_path: Path
) -> None:
    """One bag scanned twice must not stand for two inputs (H3, C18)."""
    driver = JourneyDriver(demo.database, tmp_path, station="bench")
    case = driver.enrol("BS2", "Bench", "Pat", date(1962, 3, 4))
    case = driver.run_to(case, CaseStage.IN_MANUFACTURE)
    step = manufacturing.steps_of_case(demo.database, reader(demo.database), case.id)[0]
    bag = _unit(driver, case, UnitKind.APHERESIS_BAG)
    record = manufacturing.StepRecord(
        (f"={bag.din}00", f"={bag.din}00"), dict(STEP_PARAMETERS[step.code])
    )
    with pytest.raises(CoiError, match="scanned twice"):
        manufacturing.perform_step(demo.database, driver.who("otto.operator"), step.id, record)
