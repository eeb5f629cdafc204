"""Issue 14, point 3: results after release, the clinic's alert, recall, release out of spec.

Two cases are driven once per backend through the real services (a batch received at the
clinic and thawed; a batch with an out-of-specification viability awaiting the QP) and copied
per test; the infused product is the thawed batch, infused in the test. Each test plays one
path end to end and attacks its controls.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from app.audit import reconcile_database
from app.casefile.exceptions import product_warnings
from app.casefile.history import genealogy
from app.core import (
    Actor,
    NotPermitted,
    ScanMismatch,
    StageNotAllowed,
    ValidationFailed,
    now,
)
from app.core.database import Database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey import (
    acknowledge_clinic_alert,
    bedside_check,
    certify_oos_release,
    confirm_infusion,
    create_shipment,
    pack_unit,
    qc_results_of_case,
    recall_batch,
    record_late_result,
    record_oos_acceptance,
    release_checklist,
    review_qc_result,
)
from app.journey.side_states import lift_unit_side_state, set_unit_side_state
from app.journey.views import UnitView
from app.labelling.printing import print_unit_label
from app.quality import SignatureView, close_deviation, deviations_of_case, signatures_of
from app.scanning import Expectation, verify_scan
from db.enums import (
    DeviationStatus,
    QcOutcome,
    ShipmentDirection,
    SideState,
    SideStateCause,
    SignatureMeaning,
    UnitKind,
)
from db.models import AuditEvent, Case, ClinicAlert, OosAcceptance, Recall, Release, Unit
from labels.isbt128.compose import patient_id_structure
from tests.conftest import BACKENDS, database_copy
from tests.e2e.test_cli_case import Coi
from tests.support.pdf_words import plain
from tests.support.post_release import (  # noqa: F401 - fixtures
    AT_CLINIC,
    Batches,
    post_release_postgresql,
    post_release_sqlite,
)

DOCUMENT = b"%PDF-1.4 scanned acceptance signed by Dr Helen Marsh\n"


@dataclass
class Ward:
    """A copy of the driven database and the demo's people."""

    database: Database
    driver: JourneyDriver
    batches: Batches

    def __getitem__(self, username: str) -> Actor:
        return self.driver.who(username)

    def bags(self, case_id: uuid.UUID) -> list[Unit]:
        with self.database.read_session() as session:
            return list(
                session.scalars(
                    select(Unit)
                    .where(Unit.case_id == case_id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
                    .order_by(Unit.created_at)
                )
            )

    def alerts(self, case_id: uuid.UUID) -> list[ClinicAlert]:
        with self.database.read_session() as session:
            return list(session.scalars(select(ClinicAlert).where(ClinicAlert.case_id == case_id)))

    def coi(self, case_id: uuid.UUID) -> str:
        with self.database.read_session() as session:
            return session.get(Case, case_id).coi  # type: ignore[union-attr]

    def signature(self, model: type, record_id: uuid.UUID) -> SignatureView:
        """The one signature on a record, checked against its content."""
        with self.database.read_session() as session:
            (signature,) = signatures_of(session, session.get(model, record_id))
        assert signature.intact
        return signature

    def events(self, *signing_in: str) -> int:
        """How many audit events exist, after signing ``signing_in`` in (a sign-in is audited)."""
        for username in signing_in:
            self.driver.who(username)
        with self.database.read_session() as session:
            return session.scalar(select(func.count()).select_from(AuditEvent)) or 0

    def late(self, case_id: uuid.UUID, value: str, who: str = "quinn.qc", test: str = "sterility"):
        return record_late_result(self.database, self[who], case_id, test, value)


@pytest.fixture(scope="module", params=BACKENDS)
def ward_template(request: pytest.FixtureRequest) -> tuple[str, str, Batches]:
    """The driven cases of this backend (built once per run, shared with the screen tests)."""
    return request.param, *request.getfixturevalue(f"post_release_{request.param}")


@pytest.fixture
def ward(
    ward_template: tuple[str, str, Batches], request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Ward]:
    backend, source, batches = ward_template
    with database_copy(request, backend, source, tmp_path) as database:
        yield Ward(database, JourneyDriver(database, tmp_path), batches)


def _bedside(ward: Ward, din: str) -> uuid.UUID:
    return bedside_check(
        ward.database,
        ward["ivy.infusion"],
        ward.batches.at_clinic,
        wristband_scan=patient_id_structure(AT_CLINIC[0]),
        bag_scan=f"={din}00",
    ).id


def test_a_failed_sterility_after_release_holds_the_product_and_alerts_the_clinic(
    ward: Ward,
) -> None:
    case = ward.batches.at_clinic
    check = _bedside(ward, ward.batches.clinic_bags[0])  # passed before the result came
    late = ward.late(case, "growth: S. epidermidis")
    assert late.result.outcome is QcOutcome.FAIL
    assert late.deviation_number is not None and not late.infused
    assert set(late.held_units) == set(ward.batches.clinic_bags)
    deviation = next(
        d
        for d in deviations_of_case(ward.database, ward["asha.qa"], case)
        if d.number == late.deviation_number
    )
    assert deviation.status is DeviationStatus.OPEN and deviation.kind == "failed_after_release"
    for bag in ward.bags(case):
        assert bag.side_state is SideState.ON_HOLD
        assert late.deviation_number in (bag.side_state_reason or "")

    # a scan of it at any station is refused, with the reason
    expected = Expectation(purpose="scan station", description="the case", coi=ward.coi(case))
    verdict = verify_scan(
        ward.database, ward["cora.coordinator"], f"={ward.batches.clinic_bags[0]}00", expected
    )
    assert not verdict.matched
    assert any("on hold" in r and "Sterility failed after release" in r for r in verdict.reasons)
    # the bedside check refuses it, and so does the infusion of the bag checked before
    with pytest.raises(ScanMismatch, match="on hold \\(Sterility failed after release"):
        _bedside(ward, ward.batches.clinic_bags[-1])
    with pytest.raises(ValidationFailed, match="on hold after the bedside check"):
        started = now()
        confirm_infusion(
            ward.database,
            ward["ian.infusion"],
            check,
            started_at=started,
            ended_at=started + timedelta(minutes=1),
            password=DEMO_PASSWORD,
        )

    # the clinic's alert: not infused, so "do NOT infuse"; acknowledged with a signature
    (alert,) = ward.alerts(case)
    assert alert.id == late.alert_id and not alert.infused
    assert "FAILED after release" in alert.message and "do NOT infuse" in alert.message
    with pytest.raises(NotPermitted):  # a manufacturing role may not acknowledge it
        acknowledge_clinic_alert(ward.database, ward["otto.operator"], alert.id, DEMO_PASSWORD)
    done = acknowledge_clinic_alert(
        ward.database, ward["cora.coordinator"], alert.id, DEMO_PASSWORD
    )
    assert done.physician_informed is None
    signature = ward.signature(ClinicAlert, alert.id)
    assert signature.meaning is SignatureMeaning.ACKNOWLEDGED
    with pytest.raises(ValidationFailed, match="already acknowledged"):
        acknowledge_clinic_alert(ward.database, ward["ivy.infusion"], alert.id, DEMO_PASSWORD)


def test_a_passing_result_after_release_closes_the_pending_item_and_holds_nothing(
    ward: Ward,
) -> None:
    case = ward.batches.at_clinic
    late = ward.late(case, "No Growth")
    assert late.result.outcome is QcOutcome.PASS
    assert late.deviation_number is None and late.alert_id is None and late.held_units == ()
    assert [earlier.value for earlier in late.result.earlier] == ["pending"]
    assert all(bag.side_state is SideState.NONE for bag in ward.bags(case))
    assert ward.alerts(case) == []
    _bedside(ward, ward.batches.clinic_bags[0])  # the product is used as before


def test_a_failure_after_infusion_tells_the_clinic_to_inform_the_physician(ward: Ward) -> None:
    case = ward.batches.at_clinic
    given, kept = ward.batches.clinic_bags
    check = _bedside(ward, given)
    started = now()
    confirm_infusion(
        ward.database,
        ward["ian.infusion"],
        check,
        started_at=started,
        ended_at=started + timedelta(minutes=1),
        password=DEMO_PASSWORD,
    )
    late = ward.late(case, "growth", who="petra.qp")
    assert late.infused and late.held_units == (kept,)  # the bag not given is held
    (alert,) = ward.alerts(case)
    assert alert.infused and "ALREADY INFUSED" in alert.message
    assert "inform the treating physician (Dr Helen Marsh)" in alert.message
    before = ward.events("cora.coordinator")
    with pytest.raises(ValidationFailed, match="name of the physician you informed"):
        acknowledge_clinic_alert(
            ward.database,
            ward["cora.coordinator"],
            alert.id,
            DEMO_PASSWORD,
            physician_informed="  ",
        )
    assert ward.events() == before
    done = acknowledge_clinic_alert(
        ward.database,
        ward["cora.coordinator"],
        alert.id,
        DEMO_PASSWORD,
        physician_informed="Dr Helen Marsh",
        note="Phoned at 14:05; patient monitored.",
    )
    assert done.physician_informed == "Dr Helen Marsh"
    (alert,) = ward.alerts(case)
    assert alert.physician_informed == "Dr Helen Marsh" and alert.acknowledged_by_id is not None
    reconciliation = reconcile_database(ward.database)
    assert reconciliation.ok, reconciliation.as_list()


def test_a_late_result_is_refused_twice_by_the_wrong_role_and_for_a_test_not_pending(
    ward: Ward,
) -> None:
    case = ward.batches.at_clinic
    before = ward.events("otto.operator", "asha.qa", "quinn.qc")
    with pytest.raises(NotPermitted):
        ward.late(case, "growth", who="otto.operator")
    with pytest.raises(NotPermitted):
        ward.late(case, "growth", who="asha.qa")
    with pytest.raises(ValidationFailed, match="already has its final result"):
        ward.late(case, "detected", test="mycoplasma")  # released with its final result
    with pytest.raises(ValidationFailed, match="no QC test"):
        ward.late(case, "growth", test="Sterility")  # wrong case of the code
    with pytest.raises(StageNotAllowed, match="not released yet"):
        ward.late(ward.batches.oos, "growth")
    assert ward.events() == before
    ward.late(case, "growth")
    after = ward.events()
    with pytest.raises(ValidationFailed, match="already has its final result"):
        ward.late(case, "growth")
    with pytest.raises(ValidationFailed, match="already has its final result"):
        ward.late(case, "no growth")
    assert ward.events() == after
    assert len(ward.alerts(case)) == 1


def test_the_qp_recalls_a_batch_once_with_a_signature(ward: Ward) -> None:
    case = ward.batches.at_clinic
    with pytest.raises(NotPermitted):
        recall_batch(ward.database, ward["asha.qa"], case, "Sterility failure", DEMO_PASSWORD)
    with pytest.raises(ValidationFailed, match="reason"):
        recall_batch(ward.database, ward["petra.qp"], case, " ", DEMO_PASSWORD)
    recall = recall_batch(ward.database, ward["petra.qp"], case, "Sterility failure", DEMO_PASSWORD)
    assert set(recall.held_units) == set(ward.batches.clinic_bags)
    signature = ward.signature(Recall, recall.id)
    assert signature.meaning is SignatureMeaning.RECALLED
    (alert,) = ward.alerts(case)
    assert "RECALLED" in alert.message and alert.kind == "recall"
    with pytest.raises(ValidationFailed, match="already recalled"):
        recall_batch(ward.database, ward["petra.qp"], case, "again", DEMO_PASSWORD)
    with pytest.raises(ScanMismatch, match="recalled by the QP"):
        _bedside(ward, ward.batches.clinic_bags[0])
    reconciliation = reconcile_database(ward.database)
    assert reconciliation.ok, reconciliation.as_list()


def _accept(ward: Ward, **changes: object) -> object:
    values: dict[str, object] = {
        "physician_name": "Dr Helen Marsh",
        "accepted_on": now().date(),
        "document_name": "acceptance-marsh.pdf",
        "document": DOCUMENT,
        "description": "Viability 62 % (spec ≥ 70 %); no alternative therapy.",
    } | changes
    return record_oos_acceptance(
        ward.database,
        ward["petra.qp"],
        ward.batches.oos,
        **values,  # type: ignore[arg-type]
    )


def test_an_out_of_specification_release_needs_the_physicians_acceptance(ward: Ward) -> None:
    case = ward.batches.oos
    checklist = release_checklist(ward.database, ward["petra.qp"], case)
    assert not checklist.complete  # viability out of specification
    before = ward.events("asha.qa")
    with pytest.raises(ValidationFailed, match="written acceptance"):
        certify_oos_release(ward.database, ward["petra.qp"], case, DEMO_PASSWORD)
    for bad, match in (
        ({"physician_name": " "}, "name of the treating physician"),
        ({"document": b""}, "scanned document"),
        ({"accepted_on": now().date() + timedelta(days=1)}, "future"),
    ):
        with pytest.raises(ValidationFailed, match=match):
            _accept(ward, **bad)
    with pytest.raises(NotPermitted):
        record_oos_acceptance(
            ward.database,
            ward["asha.qa"],
            case,
            physician_name="Dr Helen Marsh",
            accepted_on=now().date(),
            document_name="a.pdf",
            document=DOCUMENT,
            description="",
        )
    assert ward.events() == before
    accepted = _accept(ward)
    assert accepted.document_sha256 == hashlib.sha256(DOCUMENT).hexdigest()  # type: ignore[attr-defined]
    assert accepted.results == ("Viability: 62",)  # type: ignore[attr-defined]
    release = certify_oos_release(
        ward.database, ward["petra.qp"], case, DEMO_PASSWORD, comment="Per physician request."
    )
    assert release.checklist.complete
    qc_item = release.checklist.items[3]
    assert "Viability: OUT OF SPECIFICATION, accepted by the treating physician" in qc_item.evidence
    signature = ward.signature(Release, release.id)
    with ward.database.read_session() as session:
        row = session.scalar(select(OosAcceptance).where(OosAcceptance.case_id == case))
        assert row is not None and row.release_id == release.id
    assert signature.meaning is SignatureMeaning.RELEASED_OUT_OF_SPECIFICATION
    with ward.database.read_session() as session:
        comment = session.scalar(select(Release.comment).where(Release.id == release.id))
    assert comment == (
        "RELEASED OUT OF SPECIFICATION at the request of Dr Helen Marsh; Per physician request."
    )
    # the final label, printed again after the release, says so in a black band
    bag = ward.bags(case)[0]
    printed = print_unit_label(
        ward.database, ward["otto.operator"], bag.id, reprint_reason="released out of spec"
    )
    text = plain(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.pdf)).pages))
    assert "RELEASED OUT OF SPECIFICATION" in text
    # every new record equals its audited state and every signature holds
    reconciliation = reconcile_database(ward.database)
    assert reconciliation.ok, reconciliation.as_list()


def test_a_changed_acceptance_document_is_detected_and_refuses_the_release(ward: Ward) -> None:
    _accept(ward)
    with ward.database.engine.begin() as conn:  # the attack: the scanned document swapped
        conn.execute(update(OosAcceptance).values(document=b"%PDF-1.4 another document\n"))
    before = ward.events("petra.qp")
    with pytest.raises(ValidationFailed, match="no longer matches the SHA-256"):
        certify_oos_release(ward.database, ward["petra.qp"], ward.batches.oos, DEMO_PASSWORD)
    assert ward.events() == before


def test_an_acceptance_covers_only_the_results_it_names(ward: Ward) -> None:
    case = ward.batches.oos
    _accept(ward)
    (viability,) = (
        r
        for r in qc_results_of_case(ward.database, ward["asha.qa"], case)
        if r.test_code == "viability" and r.value == "62"
    )
    from app.journey import correct_qc_result  # noqa: PLC0415

    corrected = correct_qc_result(
        ward.database, ward["quinn.qc"], case, "viability", "55.0", "Recount of the sample."
    )
    review_qc_result(ward.database, ward["asha.qa"], corrected.id, DEMO_PASSWORD)
    assert viability.outcome is QcOutcome.OUT_OF_SPECIFICATION
    with pytest.raises(ValidationFailed, match="Viability: out of specification"):
        certify_oos_release(ward.database, ward["petra.qp"], case, DEMO_PASSWORD)


def test_a_normal_release_still_refuses_the_out_of_specification_batch(ward: Ward) -> None:
    from app.journey import certify_release  # noqa: PLC0415

    _accept(ward)
    with pytest.raises(ValidationFailed, match="Viability: out of specification"):
        certify_release(ward.database, ward["petra.qp"], ward.batches.oos, DEMO_PASSWORD)
    # the OOS deviation stays open for QA's investigation; closing it changes nothing above
    for deviation in deviations_of_case(ward.database, ward["asha.qa"], ward.batches.oos):
        if deviation.status is DeviationStatus.OPEN:
            close_deviation(
                ward.database, ward["asha.qa"], deviation.id, closure="ok", password=DEMO_PASSWORD
            )
    with pytest.raises(ValidationFailed, match="Viability: out of specification"):
        certify_release(ward.database, ward["petra.qp"], ward.batches.oos, DEMO_PASSWORD)


def test_a_normal_final_label_has_no_release_status_band(ward: Ward) -> None:
    bag = ward.bags(ward.batches.oos)[0]  # not released yet
    printed = print_unit_label(
        ward.database, ward["otto.operator"], bag.id, reprint_reason="damaged"
    )
    text = plain(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.pdf)).pages))
    assert "FOR AUTOLOGOUS USE ONLY" in text and "OUT OF SPECIFICATION" not in text


def _lift(ward: Ward, unit_id: uuid.UUID, cause: SideStateCause | None) -> UnitView:
    return lift_unit_side_state(
        ward.database, ward["asha.qa"], unit_id, "investigated", DEMO_PASSWORD, cause=cause
    )


def test_a_failed_result_or_recall_hold_is_lifted_only_by_a_lift_naming_its_cause(
    ward: Ward,
) -> None:
    """The hold of a failed result after release (POST_RELEASE) and of a recall (RECALL) are
    causes of their own: QA's ordinary lift, or a lift naming another cause, takes neither off
    (nothing written); a recall lift never lifts a person's hold; the bedside says why."""
    case = ward.batches.at_clinic
    ward.late(case, "growth: S. epidermidis")
    first, second = ward.bags(case)
    assert {first.side_state_cause, second.side_state_cause} == {SideStateCause.POST_RELEASE}
    with ward.database.read_session() as session:
        warnings = product_warnings(session, session.get(Case, case))
    assert sum("ON HOLD (a result after release failed)" in w for w in warnings) == 2, warnings

    before = ward.events("asha.qa")
    for wrong in (None, SideStateCause.MANUAL, SideStateCause.RECALL):
        with pytest.raises(NotPermitted, match="Lift it as the post-release hold"):
            _lift(ward, first.id, wrong)
    assert ward.events() == before
    assert _lift(ward, first.id, SideStateCause.POST_RELEASE).side_state is SideState.NONE

    recall_batch(ward.database, ward["petra.qp"], case, "Sterility failure", DEMO_PASSWORD)
    first, second = ward.bags(case)
    assert {first.side_state_cause, second.side_state_cause} == {SideStateCause.RECALL}
    with ward.database.read_session() as session:
        warnings = product_warnings(session, session.get(Case, case))
    assert sum("ON HOLD (batch recalled by the QP)" in w for w in warnings) == 2, warnings
    nodes = genealogy(ward.database, ward["cora.coordinator"], case)  # the case screen's tree
    held = [node.side_state_why for node in nodes if node.side_state is SideState.ON_HOLD]
    assert held == ["batch recalled by the QP"] * 2
    before = ward.events()
    for wrong in (None, SideStateCause.MANUAL, SideStateCause.POST_RELEASE):
        with pytest.raises(NotPermitted, match="Lift it as the recall hold"):
            _lift(ward, first.id, wrong)
    assert ward.events() == before
    assert _lift(ward, first.id, SideStateCause.RECALL).side_state is SideState.NONE

    # a person's hold: a recall lift does not take it off, QA's ordinary lift does
    set_unit_side_state(
        ward.database, ward["ivy.infusion"], first.id, SideState.ON_HOLD, "bag looks cloudy"
    )
    before = ward.events()
    with pytest.raises(NotPermitted, match="set by a person"):
        _lift(ward, first.id, SideStateCause.RECALL)
    assert ward.events() == before
    assert _lift(ward, first.id, None).side_state is SideState.NONE
    reconciliation = reconcile_database(ward.database)
    assert reconciliation.ok, reconciliation.as_list()


def test_a_bag_labelled_before_its_release_out_of_specification_is_not_shipped(
    ward: Ward,
) -> None:
    """The bags of a batch released out of specification still carry the labels printed
    before the release, which cannot say so: packing one is refused (nothing written) until
    its label is reprinted; the reprint voids the old copy and says so."""
    case = ward.batches.oos
    _accept(ward)
    certify_oos_release(ward.database, ward["petra.qp"], case, DEMO_PASSWORD)
    first, second = ward.bags(case)
    otto = ward["otto.operator"]
    shipment = create_shipment(ward.database, otto, case, ShipmentDirection.TO_CLINIC)
    before = ward.events()
    for bag in (first, second):
        with pytest.raises(ValidationFailed, match="label printed before its batch was released"):
            pack_unit(ward.database, otto, shipment.id, f"={bag.din}00")
    assert ward.events() == before
    printed = print_unit_label(
        ward.database, otto, first.id, reprint_reason="released out of specification"
    )
    text = plain(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.pdf)).pages))
    assert "RELEASED OUT OF SPECIFICATION" in text
    packed = pack_unit(ward.database, otto, shipment.id, f"={first.din}00")
    assert packed.packed_units == (first.id,)
    with pytest.raises(ValidationFailed, match="reprint its label"):  # the other one still not
        pack_unit(ward.database, otto, shipment.id, f"={second.din}00")


def _writes(ward: Ward) -> int:
    """Audit events other than sign-ins (each command signs in; that is on the user)."""
    with ward.database.read_session() as session:
        query = select(func.count()).where(AuditEvent.record_type != "app_user")
        return session.scalar(query) or 0


def test_coi_hold_lift_names_the_cause_it_lifts(
    ward: Ward, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rule from the command line: exit 1 with the cause in words, nothing written,
    until ``--cause`` names the hold's own cause; ``coi hold set`` puts a person's hold on."""
    coi = Coi(ward.database.engine.url.render_as_string(hide_password=False), capsys, monkeypatch)
    case = ward.batches.at_clinic
    ward.late(case, "growth")
    first, second = ward.batches.clinic_bags
    before = _writes(ward)
    for wrong in ((), ("--cause", "manual"), ("--cause", "recall")):
        status, out = coi("hold", "lift", first, "--reason", "ok", "--as", "asha.qa", *wrong)
        assert status == 1, out
        assert "(a result after release failed)" in out["error"], out
    assert _writes(ward) == before
    status, out = coi(
        "hold", "lift", first, "--reason", "ok", "--as", "asha.qa", "--cause", "post-release"
    )
    assert status == 0 and out["lifted"] == {"din": first, "side_state": "none", "why": None}
    status, out = coi("hold", "set", first, "--reason", "cloudy", "--as", "ivy.infusion")
    assert status == 0 and out["held"]["why"] == "set by a person", out
    status, out = coi("hold", "lift", second, "--reason", "ok", "--as", "ivy.infusion")
    assert status == 1 and "Quality assurance" in out["error"], out
