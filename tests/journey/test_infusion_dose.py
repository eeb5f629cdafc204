"""The bedside accounts for every bag of the dose; an infusion's end must follow its start.

Issue 16 (screens review): after the first of two therapy bags was infused the case showed
*Infused* and the second bag stayed "stored" with no prompt; an infusion entered as 07:36 to
07:36 looked accepted. The case now moves to Infused only when each bag is infused or recorded
as not given with a reason, and the service refuses an end that is not after the start, or in
the future, whatever the screen sends.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.biologicallyderivedproduct import BiologicallyDerivedProduct
from fhir.resources.bundle import Bundle

from app.casefile import work_queue
from app.core import NotPermitted, ScanMismatch, ValidationFailed, din_text, now
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey import (
    BagAccount,
    bedside_check,
    confirm_infusion,
    dose_accounts,
    find_case,
    record_bag_not_given,
    record_thaw,
)
from app.journey.records import units_of_case
from app.journey.side_states import lift_unit_side_state, set_unit_side_state
from app.reports import build_bundle
from db.enums import CaseStage, SideState, UnitKind, UnitStatus
from db.models import StageRecord, Unit
from tests.conftest import CORPORA

SECOND = timedelta(seconds=1)


def _at_clinic(demo: Any, tmp_path: Path) -> tuple[JourneyDriver, Any, list[Unit]]:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH310001", "Dose", "Dana", date(1970, 1, 2))
    driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    return driver, case, _bags(demo, case.id)


def _bags(demo: Any, case_id: Any) -> list[Unit]:
    with demo.database.read_session() as session:
        bags = [u for u in units_of_case(session, case_id) if u.kind is UnitKind.FINAL_PRODUCT_BAG]
        session.expunge_all()
    return sorted(bags, key=lambda u: u.din or "")


def _checked(demo: Any, driver: JourneyDriver, case: Any, bag: Unit) -> Any:
    record_thaw(demo.database, demo["ivy.infusion"], bag.id, now())
    return bedside_check(
        demo.database,
        demo["ivy.infusion"],
        case.id,
        wristband_scan=driver.wristband(case),
        bag_scan=f"={bag.din}00",
    )


def _fhir_statuses(demo: Any, case: Any) -> dict[str | None, tuple[str, str]]:
    """Per DIN, the FHIR export's product status code and display, each resource validated
    with the R5 models and shaped like HL7's example (every field it fills, ours fills too)."""
    export = build_bundle(demo.database, demo["otto.operator"], case.id)
    bundle = Bundle.model_validate_json(export.json)
    products = [entry.resource for entry in bundle.entry or []]
    example = CORPORA / "fhir-bdp" / "biologicallyderivedproduct-example.xml"
    if example.is_file():
        theirs = BiologicallyDerivedProduct.model_validate_xml(example.read_bytes())
        wanted = set(theirs.model_dump(exclude_none=True)) - {"fhir_comments"}
        for product in products:
            assert wanted <= set(product.model_dump(exclude_none=True))
    return {
        p.identifier[0].value: (p.productStatus.code, p.productStatus.display) for p in products
    }


def _stage(demo: Any, case: Any) -> CaseStage:
    return find_case(demo.database, demo["cora.coordinator"], case.id).stage


def _infusions(demo: Any, case: Any) -> int:
    with demo.database.read_session() as session:
        return len(
            session.query(StageRecord)
            .filter(StageRecord.case_id == case.id, StageRecord.action == "infusion")
            .all()
        )


def test_the_case_is_infused_only_when_every_bag_of_the_dose_is_accounted_for(
    demo: Any, tmp_path: Path
) -> None:
    driver, case, bags = _at_clinic(demo, tmp_path)
    assert len(bags) == 2
    first, second = bags
    check = _checked(demo, driver, case, first)
    start = now() + SECOND
    confirm_infusion(
        demo.database,
        demo["ian.infusion"],
        check.id,
        started_at=start,
        ended_at=start + timedelta(minutes=3),
        password=DEMO_PASSWORD,
    )
    # One bag given, one left: the case stays at the bedside.
    assert _stage(demo, case) is CaseStage.RECEIVED_AT_CLINIC
    assert [b.status for b in _bags(demo, case.id)] == [UnitStatus.INFUSED, UnitStatus.STORED]
    # The FHIR R5 export says so: the bag left to give "available", the infused one not
    # (issue 16: the demo gives both bags, so "available" was no longer exercised).
    assert _fhir_statuses(demo, case) == {
        first.din: ("unavailable", "infused"),
        second.din: ("available", "stored"),
    }

    # The nurse records why the second bag is not given: reason required, then on hold.
    with pytest.raises(ValidationFailed, match="Give the reason"):
        record_bag_not_given(demo.database, demo["ivy.infusion"], second.id, reason="  ")
    with pytest.raises(NotPermitted):
        record_bag_not_given(demo.database, demo["otto.operator"], second.id, reason="x")
    with pytest.raises(ValidationFailed, match="already infused"):
        record_bag_not_given(demo.database, demo["ivy.infusion"], first.id, reason="spare")
    view = record_bag_not_given(
        demo.database, demo["ivy.infusion"], second.id, reason="prescribed dose reached"
    )
    assert view.side_state is SideState.ON_HOLD
    assert _stage(demo, case) is CaseStage.INFUSED
    with demo.database.read_session() as session:
        held = session.get(Unit, second.id)
        assert held is not None
        assert held.side_state_reason == "Not given at the bedside: prescribed dose reached"
    assert _fhir_statuses(demo, case)[second.din] == ("unavailable", "stored, on hold")


def _accounts(demo: Any, case: Any) -> list[BagAccount]:
    with demo.database.read_session() as session:
        return [account for _bag, account in dose_accounts(session, case.id)]


def _bedside_work(demo: Any, case: Any) -> str:
    [item] = [i for i in work_queue(demo.database, demo["ivy.infusion"]) if i.case_id == case.id]
    assert item.section == "bedside"
    return item.title


def _refused_at_bedside(demo: Any, driver: Any, case: Any, din: str) -> str:
    """The bedside check of ``din`` against the case's wristband, refused: its message."""
    with pytest.raises(ScanMismatch) as refused:
        bedside_check(
            demo.database, demo["ivy.infusion"], case.id, wristband_scan=driver.wristband(case),
            bag_scan=f"={din}00",
        )  # fmt: skip
    return refused.value.message


def test_bags_held_from_the_case_screen_are_accounted_for_at_the_bedside(
    demo: Any, tmp_path: Path
) -> None:
    """Issue 16: a bag QA held from the case screen was set aside silently, so the case either
    went Infused without a nurse saying the bag was not given, or, held after the other bag
    was infused, stayed "Received at clinic" with nothing to do. Attacked here: both bags
    held, a held bag scanned, the not-given recorded twice, a hold lifted after and before it."""
    driver, case, (first, second) = _at_clinic(demo, tmp_path)
    qa, ivy = demo["asha.qa"], demo["ivy.infusion"]
    for bag in (first, second):
        set_unit_side_state(demo.database, qa, bag.id, SideState.ON_HOLD, "particles seen")
    assert _accounts(demo, case) == [BagAccount.HELD, BagAccount.HELD]
    title = _bedside_work(demo, case)  # never idle: the clinic is told what is left
    assert title.startswith(f"Bags DIN {din_text(first.din)}, DIN {din_text(second.din)} on hold")
    assert "left to account for: record each as not given, or QA lifts the hold" in title

    # A held bag scanned at the bedside: refused as on hold, with the reason QA gave.
    refusal = _refused_at_bedside(demo, driver, case, first.din)
    assert "is on hold (particles seen): it cannot be used now" in refusal

    # Recorded as not given: QA's hold, cause and reason stay as QA set them; twice: refused.
    view = record_bag_not_given(demo.database, ivy, second.id, reason="dose reached")
    assert view.side_state is SideState.ON_HOLD and view.side_state_why == "set by a person"
    with demo.database.read_session() as session:
        kept = session.get(Unit, second.id)
        assert kept is not None and kept.side_state_reason == "particles seen"
    with pytest.raises(ValidationFailed, match="already recorded as not given"):
        record_bag_not_given(demo.database, ivy, second.id, reason="again")
    assert _accounts(demo, case) == [BagAccount.HELD, BagAccount.NOT_GIVEN]
    assert _stage(demo, case) is CaseStage.RECEIVED_AT_CLINIC  # nothing given: not Infused
    assert _bedside_work(demo, case).startswith(f"Bag DIN {din_text(first.din)} on hold")

    # Its hold lifted after the not-given: it stays not given, and the bedside refuses it.
    lift_unit_side_state(demo.database, qa, second.id, "inspected: no particles", DEMO_PASSWORD)
    assert _accounts(demo, case) == [BagAccount.HELD, BagAccount.NOT_GIVEN]
    with pytest.raises(ValidationFailed, match="recorded as not given at the bedside: do not"):
        record_thaw(demo.database, ivy, second.id, now())
    refusal = _refused_at_bedside(demo, driver, case, second.din)
    assert "was recorded as not given at the bedside (dose reached)" in refusal

    # The first bag's hold lifted before any not-given: it can still be given; once it is,
    # every bag is accounted for and the case is Infused.
    lift_unit_side_state(demo.database, qa, first.id, "inspected: no particles", DEMO_PASSWORD)
    assert _accounts(demo, case) == [BagAccount.TO_GIVE, BagAccount.NOT_GIVEN]
    assert _bedside_work(demo, case) == "Bedside check and infusion"
    check = _checked(demo, driver, case, first)
    start = now() + SECOND
    confirm_infusion(
        demo.database, demo["ian.infusion"], check.id, started_at=start,
        ended_at=start + timedelta(minutes=3), password=DEMO_PASSWORD,
    )  # fmt: skip
    assert _accounts(demo, case) == [BagAccount.GIVEN, BagAccount.NOT_GIVEN]
    assert _stage(demo, case) is CaseStage.INFUSED
    assert not [i for i in work_queue(demo.database, ivy) if i.case_id == case.id]


def test_the_second_bag_is_checked_and_infused_and_then_the_case_is_infused(
    demo: Any, tmp_path: Path
) -> None:
    driver, case, (first, second) = _at_clinic(demo, tmp_path)
    for bag in (first, second):
        assert _stage(demo, case) is CaseStage.RECEIVED_AT_CLINIC
        check = _checked(demo, driver, case, bag)
        start = now() + SECOND
        confirm_infusion(
            demo.database,
            demo["ian.infusion"],
            check.id,
            started_at=start,
            ended_at=start + timedelta(minutes=3),
            password=DEMO_PASSWORD,
        )
    assert _stage(demo, case) is CaseStage.INFUSED
    assert {b.status for b in _bags(demo, case.id)} == {UnitStatus.INFUSED}
    assert _infusions(demo, case) == 2


REFUSED_TIMES = [
    (timedelta(0), timedelta(0), "must end after it starts"),  # 07:36:00 to 07:36:00
    (SECOND, timedelta(0), "must end after it starts"),  # the end one second before
    (timedelta(minutes=10), timedelta(minutes=10) - SECOND, "must end after it starts"),
    (timedelta(minutes=30), timedelta(minutes=40), "in the future"),
    (timedelta(hours=2), timedelta(hours=3), "in the future"),
]
"""(start, end after now, the refusal's words): a refusal writes nothing, so one checked bag
takes every attempt in turn."""


def test_an_infusion_whose_end_is_not_after_its_start_or_in_the_future_is_refused(
    demo: Any, tmp_path: Path
) -> None:
    driver, case, (first, _second) = _at_clinic(demo, tmp_path)
    check = _checked(demo, driver, case, first)
    for start_offset, end_offset, words in REFUSED_TIMES:
        base = now()
        with pytest.raises(ValidationFailed, match=words):
            confirm_infusion(
                demo.database,
                demo["ian.infusion"],
                check.id,
                started_at=base + start_offset,
                ended_at=base + end_offset,
                password=DEMO_PASSWORD,
            )
        assert _bags(demo, case.id)[0].status is UnitStatus.STORED  # nothing written
        assert _infusions(demo, case) == 0
        assert _stage(demo, case) is CaseStage.RECEIVED_AT_CLINIC
