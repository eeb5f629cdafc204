"""The vein-to-vein timeline shows who signed what, whether each signature still holds, and
each shipment leg's temperature verdict (issue 6), on both backends.

Cases are driven through the real services (``JourneyDriver``); the signatures are compared
with the signature table itself, and tampering changes a signed row with plain SQL, as
someone going around the application would.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select, update

from app.casefile.cold_chain import ColdChainVerdict
from app.casefile.history import case_detail, case_timeline
from app.casefile.timeline import TimelineEntry
from app.coldchain.storage import logger_files_of_shipment
from app.core import sscc_text
from app.core.database import Database
from app.demo.journey import JourneyDriver
from app.journey.manufacturing import steps_of_case
from app.journey.records import units_of_case
from app.journey.shipping import ShipmentView, complete_receipt, receive_unit, shipment_view
from app.journey.views import CaseView
from app.quality.signatures import signatures_of
from db.enums import (
    CaseStage,
    Disposition,
    ShipmentDirection,
    SignatureMeaning,
    UnitKind,
    Verdict,
)
from db.models import ManufacturingStep, QcResult, Shipment, Signature, StageRecord
from tests.support.readers import reader

PATIENT = ("H7001", "Lindqvist", "Maja", date(1968, 5, 2))
IDENTITY_WORDS = ("H7001", "Lindqvist", "Maja", "1968-05-02")


def _case(driver: JourneyDriver, stage: CaseStage, **options: Any) -> CaseView:
    return driver.run_to(driver.enrol(*PATIENT), stage, **options)


def tamper(database: Database, table: Any, record_id: uuid.UUID, **values: Any) -> None:
    """Change a signed row behind every service's back: no unit of work, no audit event."""
    assert isinstance(table, Table)
    with database.engine.begin() as connection:
        changed = connection.execute(update(table).where(table.c.id == record_id).values(values))
        assert changed.rowcount == 1


def _entry(timeline: tuple[TimelineEntry, ...], action: str) -> TimelineEntry:
    (found,) = [e for e in timeline if e.action == action]
    return found


def _shipment(database: Database, case_id: uuid.UUID, direction: ShipmentDirection) -> Shipment:
    with database.read_session() as session:
        return session.scalars(
            select(Shipment).where(Shipment.case_id == case_id, Shipment.direction == direction)
        ).one()


def _shipment_view(database: Database, shipment_id: uuid.UUID) -> ShipmentView:
    with database.read_session() as session:
        return shipment_view(session, session.get_one(Shipment, shipment_id))


def _texts(timeline: tuple[TimelineEntry, ...]) -> str:
    """Everything the timeline says, as one text."""
    parts: list[str] = []
    for e in timeline:
        parts += [e.action, e.performed_by, e.verified_by or "", e.site, json.dumps(e.details)]
        parts += [s.manifestation + s.signer_username for s in e.signatures]
        parts.append(e.cold_chain.words if e.cold_chain else "")
    return "\n".join(parts)


# ---------------------------------------------------------------- signatures


def test_step_signatures_name_the_verifier_and_match_the_signature_table(
    demo: Any, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = _case(driver, CaseStage.QC_PENDING_RELEASE)
    otto = demo["otto.operator"]
    timeline = case_timeline(demo.database, otto, case.id)
    steps = steps_of_case(demo.database, reader(demo.database), case.id)
    assert len(steps) > 1

    for step in steps:
        performed = _entry(timeline, f"step {step.position} performed")
        assert performed.signatures == ()  # performing a step is not signed; verifying is
        verified = _entry(timeline, f"step {step.position} verified")
        assert (verified.performed_by, verified.verified_by) == ("Otto Operator", "Vera Verifier")
        (signature,) = verified.signatures
        assert signature.meaning is SignatureMeaning.VERIFIED
        assert (signature.signer_name, signature.signer_username) == (
            "Vera Verifier",
            "vera.verifier",
        )
        assert (signature.record_type, signature.record_id) == ("manufacturing_step", str(step.id))
        assert signature.intact
        assert signature.signed_at.tzinfo is not None

    collection = _entry(timeline, "collection verified")
    assert [(s.signer_username, s.meaning) for s in collection.signatures] == [
        ("ana.apheresis", SignatureMeaning.VERIFIED)
    ]
    receipt = _entry(timeline, "receipt verified")
    assert [(s.signer_username, s.meaning) for s in receipt.signatures] == [
        ("vera.verifier", SignatureMeaning.VERIFIED)
    ]

    # Every signature on the case's records is on the timeline, once, and none is broken.
    shown = [s for e in timeline for s in e.signatures]
    assert len({s.id for s in shown}) == len(shown)
    with demo.database.read_session() as session:
        record_ids = [str(s.id) for s in steps] + [
            str(i)
            for i in session.scalars(select(StageRecord.id).where(StageRecord.case_id == case.id))
        ]
        stored = set(
            session.scalars(select(Signature.id).where(Signature.record_id.in_(record_ids)))
        )
    assert stored <= {s.id for s in shown}
    assert all(s.intact for s in shown)
    # A manufacturing role reads the whole timeline without the patient's identity.
    assert not any(word in _texts(timeline) for word in IDENTITY_WORDS)


def test_a_released_and_infused_case_shows_certification_qc_review_and_both_legs(
    demo: Any, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = _case(driver, CaseStage.INFUSED)
    timeline = case_detail(demo.database, demo["petra.qp"], case.id).timeline
    assert [e.occurred_at for e in timeline] == sorted(e.occurred_at for e in timeline)

    certified = _entry(timeline, "certified for release")
    assert certified.performed_by == "Dr Petra Qualified"
    (signature,) = certified.signatures
    assert signature.meaning is SignatureMeaning.CERTIFIED_FOR_RELEASE
    assert signature.meaning.label == "Certified for release"
    assert (signature.signer_username, signature.record_type) == ("petra.qp", "batch_release")
    assert signature.intact

    qc = [e for e in timeline if e.action.startswith("QC result entered: ")]
    assert len(qc) >= 2 and all(e.record_type == "qc_result" for e in qc)
    assert all(e.performed_by == "Quinn QC-Analyst" for e in qc)
    assert all(e.stage is CaseStage.QC_PENDING_RELEASE for e in qc)
    for entry in qc:
        reviews = [s for s in entry.signatures if s.meaning is SignatureMeaning.REVIEWED]
        assert [s.signer_username for s in reviews] == ["asha.qa"], entry.action
    sterility = _entry(timeline, "QC result entered: Sterility")
    assert "exception" in sterility.details
    assert [s.meaning for s in sterility.signatures] == [
        SignatureMeaning.REVIEWED,
        SignatureMeaning.APPROVED,
    ]

    infusions = [e for e in timeline if e.action == "infusion"]  # one per bag of the dose
    assert len(infusions) == 2
    for infusion in infusions:
        assert [(s.signer_username, s.meaning, s.intact) for s in infusion.signatures] == [
            ("ian.infusion", SignatureMeaning.VERIFIED, True)
        ]
        assert infusion.stage is CaseStage.INFUSED
    receipts = [e for e in timeline if e.action == "receipt verified"]
    assert [e.cold_chain.leg if e.cold_chain else None for e in receipts] == [
        "to the manufacturer",
        "to the clinic",
    ]
    to_clinic = receipts[1].cold_chain
    assert to_clinic is not None and to_clinic.verdict is Verdict.WITHIN_LIMITS
    assert to_clinic.words.startswith(
        f"Cold chain of {sscc_text(to_clinic.sscc)} (to the clinic): within"
    )
    handovers = [e for e in timeline if e.action == "handed over to courier"]
    assert len(handovers) == 2 and all(e.cold_chain is None for e in handovers)


def test_every_signature_of_a_released_case_is_intact(demo: Any, tmp_path: Path) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = _case(driver, CaseStage.RELEASED)
    timeline = case_timeline(demo.database, demo["asha.qa"], case.id)
    assert [e.action for e in timeline if e.broken_signatures] == []


def test_an_approved_exception_is_covered_by_its_own_signature_not_by_the_review(
    demo: Any, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = _case(driver, CaseStage.RELEASED)
    with demo.database.read_session() as session:
        result = session.scalars(
            select(QcResult).where(
                QcResult.case_id == case.id, QcResult.exception_approved_by_id.is_not(None)
            )
        ).one()
        signed = session.scalars(
            select(Signature).where(Signature.record_id == str(result.id))
        ).all()
    meanings = sorted(signature.meaning.value for signature in signed)
    assert meanings == ["approved", "reviewed"]

    tamper(demo.database, QcResult.__table__, result.id, exception_justification="changed later")
    with demo.database.read_session() as session:
        views = signatures_of(session, session.get_one(QcResult, result.id))
    intact = {view.meaning.value: view.intact for view in views}
    assert intact == {"reviewed": True, "approved": False}  # the approval covered the words


def test_a_signed_record_changed_behind_the_application_shows_a_broken_signature(
    demo: Any, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = _case(driver, CaseStage.QC_PENDING_RELEASE)
    vera = demo["vera.verifier"]
    before = case_timeline(demo.database, vera, case.id)
    assert all(s.intact for e in before for s in e.signatures)

    second = next(
        s for s in steps_of_case(demo.database, reader(demo.database), case.id) if s.position == 2
    )
    tamper(demo.database, ManufacturingStep.__table__, second.id, parameters='{"tampered": 1}')
    collection = _entry(before, "collection verified")
    tamper(demo.database, StageRecord.__table__, collection.id, details='{"bags": []}')

    after = case_timeline(demo.database, vera, case.id)
    broken = {e.action: e.broken_signatures for e in after if e.broken_signatures}
    assert set(broken) == {"step 2 verified", "collection verified"}
    (step_signature,) = broken["step 2 verified"]
    assert step_signature.signer_username == "vera.verifier"
    assert "BROKEN: record changed after signing" in step_signature.manifestation
    assert _entry(after, "step 1 verified").signatures[0].intact
    assert _entry(after, "receipt verified").signatures[0].intact


# ---------------------------------------------------------------- temperature verdicts


def test_an_excursion_shows_its_minutes_then_qas_signed_disposition(
    demo: Any, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = _case(driver, CaseStage.RECEIVED_AT_MANUFACTURER, excursion=True, leave_for_qa=True)
    asha = demo["asha.qa"]
    shipment = _shipment(demo.database, case.id, ShipmentDirection.TO_MANUFACTURER)
    (logger,) = logger_files_of_shipment(demo.database, reader(demo.database), shipment.id)
    timeline = case_timeline(demo.database, asha, case.id)

    imported = _entry(timeline, "logger file imported")
    receipt = _entry(timeline, "receipt verified")
    assert _entry(timeline, "handed over to courier").cold_chain is None
    for entry in (imported, receipt):
        verdict = entry.cold_chain
        assert verdict is not None
        assert (verdict.sscc, verdict.leg) == (shipment.sscc, "to the manufacturer")
        assert (verdict.file_name, verdict.verdict) == (logger.file_name, Verdict.EXCURSION)
        assert verdict.excursions == len(logger.report["excursions"]) >= 1
        assert verdict.longest_excursion_min == logger.report["longest_excursion_min"]
        assert verdict.cumulative_excursion_min == logger.report["cumulative_excursion_min"]
        assert verdict.longest_excursion_min is not None and verdict.longest_excursion_min > 15
        assert verdict.disposition is None
        assert "excursion, awaiting QA disposition" in verdict.words
        assert f"longest {verdict.longest_excursion_min:.1f} min" in verdict.words
    raised = [e for e in timeline if e.action.endswith(" raised")]
    assert len(raised) == 1 and raised[0].record_type == "deviation"
    assert raised[0].signatures == () and raised[0].performed_by == "Otto Operator"

    driver.qa_accepts(case, _shipment_view(demo.database, shipment.id))
    after = case_timeline(demo.database, asha, case.id)
    dispositioned = _entry(after, "cold chain dispositioned accept")
    verdict = dispositioned.cold_chain
    assert verdict is not None
    assert verdict.disposition is Disposition.ACCEPT
    assert verdict.dispositioned_by == "Asha Quality"
    assert "excursion, accepted by Asha Quality" in verdict.words
    (signature,) = dispositioned.signatures
    assert (signature.meaning, signature.signer_username, signature.record_type) == (
        SignatureMeaning.DISPOSITIONED,
        "asha.qa",
        "logger_file",
    )
    assert signature.intact
    assert _entry(after, "receipt verified").cold_chain == verdict
    closed = [e for e in after if e.action.endswith(" closed")]
    assert [(s.signer_username, s.meaning) for e in closed for s in e.signatures] == [
        ("asha.qa", SignatureMeaning.APPROVED)
    ]
    accepted = _entry(after, "receipt accepted")
    assert [s.meaning for s in accepted.signatures] == [SignatureMeaning.APPROVED]


def test_a_receipt_without_a_logger_file_says_so(demo: Any, tmp_path: Path) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = _case(driver, CaseStage.SHIPPED_TO_MANUFACTURER)
    shipment = _shipment(demo.database, case.id, ShipmentDirection.TO_MANUFACTURER)
    with demo.database.read_session() as session:
        bag = next(u for u in units_of_case(session, case.id) if u.kind is UnitKind.APHERESIS_BAG)
    receive_unit(demo.database, demo["otto.operator"], shipment.id, f"={bag.din}00")
    complete_receipt(demo.database, demo["vera.verifier"], shipment.id, "demo-password")

    receipt = _entry(
        case_timeline(demo.database, demo["otto.operator"], case.id), "receipt verified"
    )
    verdict = receipt.cold_chain
    assert verdict is not None
    assert (verdict.file_name, verdict.verdict) == (None, None)
    assert verdict.words == (
        f"Cold chain of {sscc_text(shipment.sscc)} (to the manufacturer): no logger file "
        "imported — temperature not assessed"
    )


def _verdict(**changes: Any) -> ColdChainVerdict:
    base = ColdChainVerdict(
        sscc="059012340000000017",
        leg="to the manufacturer",
        file_name="trip.csv",
        verdict=Verdict.INCOMPLETE,
        excursions=2,
        longest_excursion_min=12.25,
        cumulative_excursion_min=30.0,
        gaps=1,
        disposition=Disposition.REJECT,
        dispositioned_by="Asha Quality",
        dispositioned_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC),
    )
    return replace(base, **changes)


def test_verdict_words_for_incomplete_data_rejected_and_no_excursion() -> None:
    rejected = _verdict()
    assert rejected.rejected and not rejected.within_limits
    assert rejected.words == (
        f"Cold chain of {sscc_text('059012340000000017')} (to the manufacturer): incomplete "
        "data, rejected by Asha Quality 2026-03-04 05:06 UTC — 2 excursions, longest "
        "12.2 min, cumulative 30.0 min; 1 data gap (trip.csv)"
    )
    quiet = _verdict(excursions=0, gaps=2, disposition=None, dispositioned_by=None)
    assert quiet.words.endswith(
        "incomplete data, awaiting QA disposition — no excursion; 2 data gaps (trip.csv)"
    )
    assert _verdict(verdict=None).words.endswith(": not assessed (trip.csv)")
