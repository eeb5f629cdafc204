"""The whole journey across two organisations' databases, with a signed bundle at each hand-over.

Clinic (NBH): enrol, collect, ship → bundle → manufacturer (CTF): the import makes the case
(no patient identity), the bag and the shipment, so the receipt is done by scanning the bag's
DIN; receive, manufacture, QC, release, ship → bundle → clinic: receive. The manufacturer's
sterility then fails after release: its hold crosses (the clinic's bags are held, the bedside
refuses them) and its alert is on the clinic's list, once; the manufacturer's later NONE never
lifts the hold, only the clinic's QA does; bedside, infuse; the QP's recall follows. Both
audit chains verify and every record reconciles; a tampered, replayed or foreign bundle is
refused and nothing is written.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit import reconcile_database
from app.casefile import clinic_alerts
from app.core import (
    NotPermitted,
    ScanMismatch,
    ValidationFailed,
    din_text,
    sscc_text,
    verify_database,
)
from app.exchange import BundleRefused, generate_site_key, load_site_key
from app.journey import (
    acknowledge_clinic_alert,
    bedside_check,
    find_case,
    recall_batch,
    record_bag_not_given,
    record_late_result,
)
from app.journey.side_states import lift_unit_side_state
from db.enums import (
    CaseStage,
    ReleaseDecision,
    ShipmentDirection,
    ShipmentStatus,
    SideState,
    SideStateCause,
    UnitKind,
)
from db.models import (
    AuditEvent,
    Case,
    LoggerFile,
    Patient,
    PatientIdentity,
    Release,
    Shipment,
    Unit,
)
from tests.support.two_sites import DEMO_PASSWORD, Site, TwoSites, two_sites  # noqa: F401

PATIENT = ("NBH800001", "Adeyemi", "Folake", date(1979, 11, 23))


def _foreign(path: Path, folder: Path) -> Path:
    """The same payload re-signed by a key nobody registered."""
    envelope = json.loads(path.read_text())
    key_file = folder / "stranger.pem"
    generate_site_key(key_file)
    key = load_site_key(key_file)
    body = base64.b64decode(envelope["payload"])
    envelope["public_key"] = key.public_key().public_bytes_raw().hex()
    envelope["signature"] = base64.b64encode(key.sign(body)).decode()
    out = folder / "foreign.bundle"
    out.write_text(json.dumps(envelope))
    return out


def _tampered(path: Path, folder: Path) -> Path:
    """The payload changed after signing: a unit's status rewritten."""
    envelope = json.loads(path.read_text())
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["records"]["units"][0]["status"] = "released"
    envelope["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    out = folder / "tampered.bundle"
    out.write_text(json.dumps(envelope))
    return out


def _assert_held(site: Site, coi: str, dins: list[str], deviation: str) -> None:
    """The final bags ``dins`` are on hold at ``site`` for the partner's reason and cause (a
    failed result after release: only a lift naming it takes it off)."""
    with site.database.read_session() as session:
        bags = session.scalars(
            select(Unit).where(Unit.coi == coi, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
        ).all()
        states = {
            str(u.din): (u.side_state, u.side_state_reason or "", u.side_state_cause) for u in bags
        }
    assert sorted(states) == dins
    for state, reason, cause in states.values():
        assert state is SideState.ON_HOLD and deviation in reason and "(at CTF)" in reason
        assert cause is SideStateCause.POST_RELEASE


def test_the_journey_crosses_two_databases_with_a_bundle_at_each_hand_over(
    two_sites: TwoSites,  # noqa: F811
) -> None:
    clinic, maker = two_sites.clinic, two_sites.maker
    # clinic: enrol, collect, ship
    case = clinic.driver.enrol(*PATIENT)
    bag = clinic.driver.collect(case)
    inbound = clinic.driver.ship(
        case, [bag], ShipmentDirection.TO_MANUFACTURER, sender="alex.apheresis"
    )
    first = clinic.send("cora.coordinator", case.coi, "to-maker.bundle")

    # refused first, nothing written: tampered, foreign
    maker["asha.qa"]  # signed in before counting: a sign-in is audited
    before = maker.counts()
    with pytest.raises(BundleRefused, match="signature does not match"):
        maker.receive_bundle("asha.qa", _tampered(first, clinic.folder))
    with pytest.raises(BundleRefused, match="sender is unknown"):
        maker.receive_bundle("asha.qa", _foreign(first, clinic.folder))
    assert maker.counts() == before

    got = maker.receive_bundle("asha.qa", first)
    assert f"case {case.coi_eye_readable} (Shipped to manufacturer)" in got.created
    assert any(din_text(bag.din) in line for line in got.created)  # as printed, with check
    assert any(sscc_text(inbound.sscc) in line for line in got.created)
    with pytest.raises(BundleRefused, match="imported before"):
        maker.receive_bundle("asha.qa", first)
    with maker.database.read_session() as session:
        made = session.scalar(select(Case).where(Case.coi == case.coi))
        assert made is not None and made.stage is CaseStage.SHIPPED_TO_MANUFACTURER
        # the manufacturer holds a pseudonymous patient, never the identity
        assert session.get(Patient, made.patient_id) is not None
        assert session.scalar(select(PatientIdentity.id)) is None
        trail = session.scalars(
            select(AuditEvent.reason).where(AuditEvent.record_id == str(made.id))
        ).all()
        assert any(got.digest in (reason or "") for reason in trail)

    # manufacturer: receive by scanning the bag's DIN, manufacture, QC, release, ship
    case_m = find_case(maker.database, maker["asha.qa"], maker.case_id(case.coi))
    assert case_m.patient is None
    inbound_m = maker.shipment(inbound.sscc)
    bag_m = maker.units(case.coi, UnitKind.APHERESIS_BAG)
    assert [u.din for u in bag_m] == [bag.din]
    logger = maker.driver.logger_file(f"logger-{inbound.sscc}.csv", 5.0, excursion=False)
    inbound_m = maker.driver.receive(
        case_m, inbound_m, bag_m, receiver="otto.operator", verifier="vera.verifier", logger=logger
    )
    maker.driver.qa_accepts(case_m, inbound_m)
    # the clinic's older view (bag in transit) never takes back what the manufacturer recorded
    again = clinic.send("cora.coordinator", case.coi, "again.bundle")
    got = maker.receive_bundle("asha.qa", again)
    assert got.updated == ()
    assert maker.shipment(inbound.sscc).status is ShipmentStatus.RECEIVED
    assert [u.status.value for u in maker.units(case.coi, UnitKind.APHERESIS_BAG)] == ["available"]
    assert find_case(maker.database, maker["asha.qa"], case_m.id).stage is (
        CaseStage.RECEIVED_AT_MANUFACTURER
    )
    finals = maker.driver.manufacture(case_m)
    maker.driver.qc_and_release(case_m)
    outbound = maker.driver.ship(
        case_m, finals, ShipmentDirection.TO_CLINIC, sender="otto.operator"
    )
    back = maker.send("asha.qa", case.coi, "to-clinic.bundle")

    # clinic: the import attaches to the clinic's case (identity kept), makes the final bags,
    # the outbound shipment and the release; the inbound shipment is now received
    clinic["cora.coordinator"]
    before = clinic.counts()
    with pytest.raises(BundleRefused, match="sender is unknown"):
        clinic.receive_bundle("cora.coordinator", _foreign(back, maker.folder))
    with pytest.raises(BundleRefused, match="signature does not match"):
        clinic.receive_bundle("cora.coordinator", _tampered(back, maker.folder))
    assert clinic.counts() == before
    got = clinic.receive_bundle("cora.coordinator", back)
    assert f"case {case.coi_eye_readable} now Shipped to clinic" in got.updated
    assert f"shipment {sscc_text(inbound.sscc)} now received" in got.updated
    assert "release decision: certified" in got.created
    with pytest.raises(BundleRefused, match="imported before"):
        clinic.receive_bundle("cora.coordinator", back)
    with clinic.database.read_session() as session:
        release = session.scalar(select(Release).join(Case).where(Case.coi == case.coi))
        assert release is not None and release.decision is ReleaseDecision.CERTIFIED
        assert "Petra" in (release.comment or "")
        # the manufacturer's assessment of the inbound leg, by the logger file's SHA-256
        assessed = session.scalars(
            select(LoggerFile.verdict).join(Shipment).where(Shipment.sscc == inbound.sscc)
        ).all()
        assert [v.value for v in assessed if v is not None] == ["within_limits"]
    case_c = find_case(clinic.database, clinic["cora.coordinator"], case.id)
    assert case_c.stage is CaseStage.SHIPPED_TO_CLINIC and case_c.patient is not None
    assert clinic.shipment(inbound.sscc).status is ShipmentStatus.RECEIVED
    outbound_c = clinic.shipment(outbound.sscc)
    finals_c = clinic.units(case.coi, UnitKind.FINAL_PRODUCT_BAG)
    assert sorted(str(u.din) for u in finals_c) == sorted(str(u.din) for u in finals)
    logger = clinic.driver.logger_file(f"logger-{outbound.sscc}.csv", -185.0, excursion=False)
    clinic.driver.receive(
        case_c,
        outbound_c,
        finals_c,
        receiver="ivy.infusion",
        verifier="cora.coordinator",
        logger=logger,
    )

    # the bags are at the clinic (and the manufacturer knows); the manufacturer's sterility
    # fails: its hold and its alert cross to the clinic's database with the next bundle
    maker.receive_bundle("asha.qa", clinic.send("cora.coordinator", case.coi, "got.bundle"))
    dins = sorted(str(u.din) for u in finals_c)
    late = record_late_result(
        maker.database, maker["quinn.qc"], case_m.id, "sterility", "growth: S. epidermidis"
    )
    assert sorted(late.held_units) == dins
    got = clinic.receive_bundle("cora.coordinator", maker.send("asha.qa", case.coi, "late.bundle"))
    assert "clinic alert: failed_after_release" in got.created
    _assert_held(clinic, case.coi, dins, late.deviation_number or "?")
    with clinic.database.read_session() as session:  # each hold audited with the digest
        holds = session.scalars(
            select(AuditEvent.reason).where(
                AuditEvent.record_id.in_([str(u.id) for u in finals_c]),
                AuditEvent.action == "side state none -> on_hold (partner)",
            )
        ).all()
        assert len(holds) == len(dins) and all(got.digest in (r or "") for r in holds)
    with pytest.raises(ScanMismatch, match="on hold"):
        bedside_check(
            clinic.database,
            clinic["ivy.infusion"],
            case.id,
            wristband_scan=clinic.driver.wristband(case_c),
            bag_scan=f"={dins[0]}00",
        )
    (alert,) = [a for a in clinic_alerts(clinic.database, clinic["cora.coordinator"]) if a.open]
    assert alert.case_id == case.id and not alert.infused and "do NOT infuse" in alert.message
    acknowledge_clinic_alert(clinic.database, clinic["cora.coordinator"], alert.id, DEMO_PASSWORD)
    # the manufacturer's QA lifts its holds: its later bundle (NONE, the same open alert)
    # neither lifts the holds here nor raises the alert again
    for unit in maker.units(case.coi, UnitKind.FINAL_PRODUCT_BAG):
        lift_unit_side_state(
            maker.database,
            maker["asha.qa"],
            unit.id,
            "QC sample contaminated.",
            DEMO_PASSWORD,
            cause=SideStateCause.POST_RELEASE,
        )
    got = clinic.receive_bundle("cora.coordinator", maker.send("asha.qa", case.coi, "later.bundle"))
    assert not [line for line in got.created if "alert" in line], got.created
    assert [a.id for a in clinic_alerts(clinic.database, clinic["cora.coordinator"])] == [alert.id]
    _assert_held(clinic, case.coi, dins, late.deviation_number or "?")
    # only the clinic's own QA lifts a hold here: the bag to infuse
    with pytest.raises(NotPermitted, match="post-release hold"):  # not by an ordinary lift
        lift_unit_side_state(
            clinic.database, clinic["asha.qa"], finals_c[0].id, "Lifted per CTF.", DEMO_PASSWORD
        )
    lift_unit_side_state(
        clinic.database,
        clinic["asha.qa"],
        finals_c[0].id,
        "Lifted per CTF.",
        DEMO_PASSWORD,
        cause=SideStateCause.POST_RELEASE,
    )
    clinic.driver.infuse(case_c, finals_c[0])
    # the other bag stays held: the dose is open until the nurse records it as not given
    assert find_case(clinic.database, clinic["cora.coordinator"], case.id).stage is (
        CaseStage.RECEIVED_AT_CLINIC
    )
    record_bag_not_given(
        clinic.database, clinic["ivy.infusion"], finals_c[1].id, reason="held: sterility failed"
    )
    assert find_case(clinic.database, clinic["cora.coordinator"], case.id).stage is (
        CaseStage.INFUSED
    )

    # the clinic's last bundle continues the history the manufacturer holds
    done = clinic.send("cora.coordinator", case.coi, "infused.bundle")
    got = maker.receive_bundle("asha.qa", done)
    assert f"case {case.coi_eye_readable} now Infused" in got.updated

    # no bag of the clinic's comes back held at the manufacturer: the clinic's hold of the
    # second bag is the manufacturer's own, echoed, and the manufacturer lifted it
    assert {u.side_state for u in maker.units(case.coi, UnitKind.FINAL_PRODUCT_BAG)} == {
        SideState.NONE
    }
    # the QP then recalls the batch: the recall and its alert cross too; a bag was infused, so
    # the clinic acknowledges it only naming the physician it informed
    recall_batch(
        maker.database, maker["petra.qp"], case_m.id, "Sterility confirmed.", DEMO_PASSWORD
    )
    got = clinic.receive_bundle(
        "cora.coordinator", maker.send("asha.qa", case.coi, "recall.bundle")
    )
    assert "clinic alert: recall" in got.created and "recall: Sterility confirmed." in got.created
    (recalled,) = [a for a in clinic_alerts(clinic.database, clinic["cora.coordinator"]) if a.open]
    assert recalled.kind == "recall" and recalled.infused and recalled.case_id == case.id
    with pytest.raises(ValidationFailed, match="physician"):
        acknowledge_clinic_alert(
            clinic.database, clinic["cora.coordinator"], recalled.id, DEMO_PASSWORD
        )
    acknowledge_clinic_alert(
        clinic.database,
        clinic["cora.coordinator"],
        recalled.id,
        DEMO_PASSWORD,
        physician_informed="Dr Okafor",
    )
    for site in (clinic, maker):  # both chains verify, every record reconciles with its trail
        assert verify_database(site.database).ok, site.code
        assert reconcile_database(site.database).ok, site.code
