"""Look-alike cases: warned on the case screens, and the bedside asks the date of birth."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.casefile import case_detail, case_look_alikes
from app.core.errors import ValidationFailed
from app.demo.journey import JourneyDriver
from app.journey import CollectedBag, bedside_check, register_collection
from app.journey.records import units_of_case
from db.enums import CaseStage, UnitKind
from db.types import utc_now
from labels.isbt128 import build_din
from labels.isbt128.compose import patient_id_structure

BORN = date(1975, 1, 2)


def _received_at_clinic(demo, tmp_path: Path):
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH200001", "Roe", "Rita", BORN)
    case = driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    with demo.database.read_session() as session:
        bag = next(
            u for u in units_of_case(session, case.id) if u.kind is UnitKind.FINAL_PRODUCT_BAG
        )
    driver.thaw(bag)
    return driver, case, bag


def _check(demo, case, bag, born: date | None = None):
    return bedside_check(
        demo.database,
        demo["ivy.infusion"],
        case.id,
        wristband_scan=patient_id_structure("NBH200001"),
        bag_scan=f"={bag.din}00",
        date_of_birth=born,
    )


def test_cases_drawn_by_the_counters_are_not_look_alikes(demo, tmp_path: Path) -> None:
    driver, case, bag = _received_at_clinic(demo, tmp_path)
    for n in range(2, 5):  # more patients at the same clinic, other names
        other = driver.enrol(f"NBH20000{n}", f"Other{n}", "Ola", date(1980, 1, n))
        driver.collect(other)
    cora = demo["cora.coordinator"]
    assert case_detail(demo.database, cora, case.id).look_alikes == ()
    assert case_detail(demo.database, cora, case.id).look_alike_warning == ""
    assert _check(demo, case, bag).din == bag.din  # no date of birth asked


def test_same_family_name_and_birth_date_needs_the_date_of_birth_at_the_bedside(
    demo, tmp_path: Path
) -> None:
    driver, case, bag = _received_at_clinic(demo, tmp_path)
    twin = driver.enrol("NBH200009", "ROE", "Ruth", BORN)  # another Roe born the same day

    (found,) = case_detail(demo.database, demo["cora.coordinator"], case.id).look_alikes
    assert found.case_id == twin.id and found.reasons == ("same family name and date of birth",)
    warning = case_detail(demo.database, demo["cora.coordinator"], case.id).look_alike_warning
    assert warning.startswith("⚠ Look-alike case at this site — case CH ")
    assert "Ruth" not in warning and "Roe" not in warning.title()
    # The manufacturer never reads identity: no identity-based look-alike for Otto.
    assert case_look_alikes(demo.database, demo["otto.operator"], case.id) == ()

    with pytest.raises(ValidationFailed, match="look-alike case is active"):
        _check(demo, case, bag)
    with pytest.raises(ValidationFailed, match="WRONG PATIENT"):
        _check(demo, case, bag, BORN + timedelta(days=1))
    assert _check(demo, case, bag, BORN).din == bag.din


def test_a_din_one_character_from_another_cases_din_is_a_look_alike(demo, tmp_path: Path) -> None:
    """A pre-labelled collection set's DIN is not drawn by our counters: the guard catches it."""
    driver, case, bag = _received_at_clinic(demo, tmp_path)
    assert bag.din is not None
    other = driver.enrol("NBH200010", "Bloggs", "Joe", date(1960, 5, 5))
    last = "1" if bag.din[-1] != "1" else "2"
    near = build_din(bag.din[:5], bag.din[5:7], bag.din[7:12] + last)
    end = utc_now() - timedelta(hours=1)
    register_collection(
        demo.database,
        demo["alex.apheresis"],
        other.id,
        CollectedBag(200.0, "ACD-A", end - timedelta(hours=2), end, din_scan=f"={near.din}00"),
    )

    (found,) = case_detail(demo.database, demo["cora.coordinator"], case.id).look_alikes
    assert found.case_id == other.id
    (reason,) = found.reasons
    assert reason.startswith("its DIN ") and "is one character from this case's DIN" in reason
    # The manufacturer sees identifier look-alikes too (no identity involved).
    assert [f.case_id for f in case_look_alikes(demo.database, demo["otto.operator"], case.id)] == [
        other.id
    ]
    with pytest.raises(ValidationFailed, match="date of birth"):
        _check(demo, case, bag)
    assert _check(demo, case, bag, BORN).din == bag.din


def test_a_wrong_date_of_birth_is_refused_even_without_a_look_alike(demo, tmp_path: Path) -> None:
    _driver, case, bag = _received_at_clinic(demo, tmp_path)
    with pytest.raises(ValidationFailed, match="WRONG PATIENT"):
        _check(demo, case, bag, date(1999, 9, 9))
