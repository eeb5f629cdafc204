"""Stage 7: gather the release facts, show the checklist, and let an independent QP certify."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import batch_participants, ensure_independent_qp, require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, load, now, verify_chain
from app.journey.case_trail import ensure_case_matches_trail
from app.journey.checklist import (
    Checklist,
    CustodyFact,
    QcFact,
    ReleaseFacts,
    StepFact,
    evaluate,
)
from app.journey.qc import latest_results
from app.journey.records import load_case_for, move_case, record_stage, units_of_case
from app.journey.shipment_state import cold_chain_reason
from app.journey.stages import Operation
from app.labelling import reconcile
from app.quality import sign
from db.enums import (
    DeviationStatus,
    ReleaseDecision,
    Role,
    ScanOutcome,
    ShipmentStatus,
    SignatureMeaning,
    StepStatus,
    UnitKind,
    UnitStatus,
)
from db.models import (
    Case,
    CustodyEvent,
    Deviation,
    ManufacturingStep,
    QcSpecification,
    Release,
    Scan,
    Shipment,
    StepTemplate,
    Unit,
    UnitParent,
)


@dataclass(frozen=True)
class ReleaseView:
    """A QP decision."""

    id: uuid.UUID
    case_id: uuid.UUID
    decision: ReleaseDecision
    checklist: Checklist


def _steps(session: Session, case: Case) -> tuple[StepFact, ...]:
    rows = session.execute(
        select(ManufacturingStep, StepTemplate.name)
        .join(StepTemplate, StepTemplate.id == ManufacturingStep.step_template_id)
        .where(ManufacturingStep.case_id == case.id)
        .order_by(ManufacturingStep.position)
    ).all()
    return tuple(
        StepFact(
            step.position,
            name,
            step.status is StepStatus.VERIFIED,
            step.performed_by_id,
            step.verified_by_id,
        )
        for step, name in rows
    )


def _unmatched_scans(session: Session, case: Case) -> tuple[str, ...]:
    closed = set(
        session.scalars(
            select(Deviation.scan_id).where(
                Deviation.case_id == case.id, Deviation.status == DeviationStatus.CLOSED
            )
        )
    )
    refused = session.scalars(
        select(Scan).where(Scan.case_id == case.id, Scan.outcome == ScanOutcome.MISMATCH)
    )
    return tuple(
        f"scan refused at {scan.recorded_at:%Y-%m-%d %H:%M} ({scan.purpose}): no closed deviation"
        for scan in refused
        if scan.id not in closed
    )


def _qc(session: Session, case: Case) -> tuple[QcFact, ...]:
    latest = latest_results(session, case)
    specs = session.scalars(
        select(QcSpecification)
        .where(QcSpecification.product_id == case.product_id)
        .order_by(QcSpecification.test_code)
    )
    facts = []
    for spec in specs:
        row = latest.get(spec.id)
        facts.append(
            QcFact(
                spec.name,
                row.outcome.value if row else None,
                bool(row and row.reviewed_by_id),
                bool(row and row.exception_approved_by_id),
            )
        )
    return tuple(facts)


def _ancestors(session: Session, unit_id: uuid.UUID) -> set[uuid.UUID]:
    seen: set[uuid.UUID] = set()
    frontier = [unit_id]
    while frontier:
        parents = session.scalars(
            select(UnitParent.parent_id).where(UnitParent.child_id.in_(frontier))
        ).all()
        frontier = [p for p in parents if p not in seen]
        seen.update(frontier)
    return seen


def gather_facts(session: Session, case: Case, qp_id: uuid.UUID | None) -> ReleaseFacts:
    """Read everything the checklist needs from the records."""
    units = units_of_case(session, case.id)
    finals = [u for u in units if u.kind is UnitKind.FINAL_PRODUCT_BAG]
    received_material = {
        u.id
        for u in units
        if u.kind is UnitKind.APHERESIS_BAG
        and u.status in {UnitStatus.AVAILABLE, UnitStatus.CONSUMED}
        and u.coi == case.coi
    }
    by_id = {u.id: u for u in units}
    orphaned = []
    for final in finals:
        ancestors = _ancestors(session, final.id)
        if not ancestors & received_material or any(
            a not in by_id or by_id[a].coi != case.coi for a in ancestors
        ):
            orphaned.append(final.din or str(final.id))
    custody_facts = []
    for unit in units:
        actions = session.scalars(
            select(CustodyEvent.action)
            .where(CustodyEvent.unit_id == unit.id)
            .order_by(CustodyEvent.occurred_at, CustodyEvent.recorded_at)
        ).all()
        custody_facts.append(CustodyFact(unit.din or str(unit.id), tuple(a.value for a in actions)))
    shipments = session.scalars(
        select(Shipment).where(
            Shipment.case_id == case.id, Shipment.status == ShipmentStatus.RECEIVED
        )
    )
    participants = batch_participants(session, case.id)
    chain = verify_chain(session.connection())
    return ReleaseFacts(
        steps=_steps(session, case),
        unmatched_scans_without_closed_deviation=_unmatched_scans(session, case),
        unreconciled_labels=tuple(
            f"{u.din}: labels do not reconcile"
            for u in units
            if u.kind is not UnitKind.SHIPPER and not reconcile(session, u.id).reconciled
        ),
        qc=_qc(session, case),
        open_deviations=tuple(
            session.scalars(
                select(Deviation.number).where(
                    Deviation.case_id == case.id, Deviation.status == DeviationStatus.OPEN
                )
            )
        ),
        cold_chain_problems=tuple(
            reason for s in shipments if (reason := cold_chain_reason(session, s)) is not None
        ),
        custody=tuple(custody_facts),
        final_units=tuple(f.din or str(f.id) for f in finals),
        final_units_not_from_received_material=tuple(orphaned),
        audit_chain_ok=chain.ok,
        audit_first_broken=chain.first_broken_seq,
        qp_participated=qp_id in participants,
        participants=participants,
    )


def release_checklist(database: Database, actor: Actor, case_id: uuid.UUID) -> Checklist:
    """The checklist as it stands now, for the QP (or QA) to review."""
    require_role(actor, Role.QP, Role.QA, doing="review the release checklist")  # before reading
    with database.read_session() as session:
        return checklist_of(session, actor, load(session, Case, case_id, "case"))


def checklist_of(session: Session, actor: Actor, case: Case) -> Checklist:
    """The checklist of ``case`` as it stands now, read in the caller's session (QP or QA)."""
    require_role(actor, Role.QP, Role.QA, doing="review the release checklist")
    return evaluate(gather_facts(session, case, actor.user_id))


def certify_release(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    password: str,
    *,
    comment: str | None = None,
) -> ReleaseView:
    """The QP certifies the batch for release with an electronic signature.

    Refused while any checklist item is open, and to a QP who performed or verified a step.
    """
    require_role(actor, Role.QP, doing="certify batches for release")
    assert actor.user_id is not None  # require_role admits signed-in people only
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.CERTIFY_RELEASE)
        require_site(actor, case.manufacturing_site_id, doing="certify this batch")
        ensure_case_matches_trail(uow, case, refused="release refused")
        facts = gather_facts(uow.session, case, actor.user_id)
        ensure_independent_qp(actor.user_id, facts.participants)
        checklist = evaluate(facts)
        if not checklist.complete:
            items = "; ".join(
                f"{item.number}. {item.title}: {', '.join(item.evidence)}"
                for item in checklist.open_items
            )
            raise ValidationFailed(f"The batch cannot be released while items are open — {items}")
        release = finish_release(
            uow,
            case,
            checklist,
            password,
            meaning=SignatureMeaning.CERTIFIED_FOR_RELEASE,
            comment=comment,
        )
        view = ReleaseView(release.id, case.id, release.decision, checklist)
        uow.commit()
    return view


def finish_release(
    uow: UnitOfWork,
    case: Case,
    checklist: Checklist,
    password: str,
    *,
    meaning: SignatureMeaning,
    comment: str | None,
    action: str = "certify release",
    stage_action: str = "certified for release",
) -> Release:
    """Record the QP's certification of ``case`` with ``checklist``: the decision, the final
    units released, the case moved on, and the QP's signature with ``meaning``."""
    assert uow.actor.user_id is not None  # the QP is signed in
    release = Release(
        case_id=case.id,
        decision=ReleaseDecision.CERTIFIED,
        checklist=json.dumps(checklist.as_dict(), ensure_ascii=False),
        qp_id=uow.actor.user_id,
        decided_at=now(),
        comment=comment,
    )
    uow.add(release, action=action, reason=comment)
    for unit in uow.session.scalars(
        select(Unit).where(
            Unit.case_id == case.id,
            Unit.kind == UnitKind.FINAL_PRODUCT_BAG,
            Unit.status == UnitStatus.AVAILABLE,
        )
    ):
        unit.status = UnitStatus.RELEASED
    move_case(uow, case, Operation.CERTIFY_RELEASE)
    record_stage(uow, case, stage_action)
    uow.flush()
    sign(uow, release, meaning, password, comment=comment)
    return release
