"""What is waiting for me (the per-role work queue) and what needs attention (alerts).

Both read only the cases the actor may see (app.casefile.queries.visible_cases); an administrator
does no GMP work and gets neither. Each item names the navigation section (app.access.navigation)
where the work is done, and since when it has been waiting.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, exists, func, select
from sqlalchemy.orm import Session, aliased

from app.casefile.queries import may_view_cases, visible_cases
from app.core import Actor, Database, coi_text, din_text, sscc_text
from app.journey import BagAccount, account_of, not_given_units
from app.scanning import UNIT_KIND_NAMES
from db.enums import (
    CaseStage,
    DeviationStatus,
    Role,
    ShipmentDirection,
    ShipmentStatus,
    SideState,
    StepStatus,
    UnitKind,
    Verdict,
)
from db.models import (
    Case,
    Deviation,
    LoggerFile,
    ManufacturingStep,
    QcResult,
    QcSpecification,
    Shipment,
    ShipmentItem,
    StageRecord,
    StepTemplate,
    Unit,
)
from db.types import utc_now

OVERDUE_AFTER = timedelta(hours=48)
"""A shipment in transit longer than this is overdue."""


class WorkKind(StrEnum):
    """The kinds of work a queue holds."""

    REGISTER_COLLECTION = "register_collection"
    VERIFY_COLLECTION = "verify_collection"
    SHIP_STARTING_MATERIAL = "ship_starting_material"
    RECEIVE_SHIPMENT = "receive_shipment"
    VERIFY_RECEIPT = "verify_receipt"
    START_MANUFACTURE = "start_manufacture"
    PERFORM_STEP = "perform_step"
    VERIFY_STEP = "verify_step"
    ENTER_QC_RESULTS = "enter_qc_results"
    REVIEW_QC_RESULTS = "review_qc_results"
    DISPOSITION_EXCURSION = "disposition_excursion"
    CLOSE_DEVIATION = "close_deviation"
    ACCEPT_RECEIPT = "accept_receipt"
    CERTIFY_RELEASE = "certify_release"
    INFUSE = "infuse"


class AlertKind(StrEnum):
    """The kinds of alert on the home page."""

    QUARANTINED_UNIT = "quarantined_unit"
    EXCURSION = "excursion"
    OVERDUE_SHIPMENT = "overdue_shipment"


@dataclass(frozen=True)
class WorkItem:
    """One piece of work waiting for the signed-in person."""

    kind: WorkKind
    title: str
    case_id: uuid.UUID
    coi: str
    coi_check: str
    section: str
    """The key of the navigation section (app.access.navigation.SECTIONS) where it is done."""
    since: datetime
    sscc: str | None = None
    """The shipment the work is about (its SSCC), for the section to select it."""

    @property
    def coi_eye_readable(self) -> str:
        """The case's COI as printed, with its check character."""
        return coi_text(self.coi, self.coi_check)


@dataclass(frozen=True)
class Alert:
    """Something at the actor's site that needs attention."""

    kind: AlertKind
    message: str
    case_id: uuid.UUID
    coi: str
    coi_check: str
    since: datetime

    @property
    def coi_eye_readable(self) -> str:
        """The case's COI as printed, with its check character."""
        return coi_text(self.coi, self.coi_check)


# ---------------------------------------------------------------- the work queue

_CASE = (Case.id, Case.coi, Case.coi_check)

_LAST_RECORD = (
    select(func.max(StageRecord.occurred_at))
    .where(StageRecord.case_id == Case.id)
    .correlate(Case)
    .scalar_subquery()
)
"""When the case last moved: how long a stage's work has been waiting."""


class _Queue:
    """Collects the items of one actor's queue, each query scoped to the visible cases."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.visible = visible_cases(actor)
        self.items: dict[tuple[WorkKind, uuid.UUID, str], WorkItem] = {}

    def add(
        self,
        kind: WorkKind,
        title: str,
        case: Any,
        section: str,
        since: Any,
        *,
        sscc: str | None = None,
    ) -> None:
        item = WorkItem(kind, title, case.id, case.coi, case.coi_check, section, since, sscc)
        self.items.setdefault((kind, case.id, title), item)

    def cases_at(self, stage: CaseStage, *extra: ColumnElement[bool]) -> list[Any]:
        """Visible cases at ``stage``, not on hold or quarantined, with when they last moved."""
        query = select(Case.id, Case.coi, Case.coi_check, _LAST_RECORD.label("since")).where(
            self.visible, Case.stage == stage, Case.side_state == SideState.NONE, *extra
        )
        return list(self.session.execute(query))

    def joined(self, query: Any) -> list[Any]:
        """Rows of ``query`` (which selects from a model with ``case_id``) on visible cases."""
        return list(self.session.execute(query.add_columns(Case.coi, Case.coi_check)))


def _qc_counts() -> tuple[ScalarSelect[int], ScalarSelect[int]]:
    """Per case (correlated): the QC tests its product specifies, and those with a result."""
    specified = (
        select(func.count(QcSpecification.id))
        .where(QcSpecification.product_id == Case.product_id)
        .correlate(Case)
        .scalar_subquery()
    )
    entered = (
        select(func.count(func.distinct(QcResult.specification_id)))
        .where(QcResult.case_id == Case.id)
        .correlate(Case)
        .scalar_subquery()
    )
    return specified, entered


def _qc_reviewed() -> tuple[ColumnElement[bool], ...]:
    """A case whose every specified QC test has a result and QA reviewed every result still
    standing: only then is the batch the QP's work (before, the QP's item asked to certify a
    batch whose results were not in, issue 16)."""
    specified, entered = _qc_counts()
    later = aliased(QcResult)
    unreviewed = exists().where(
        QcResult.case_id == Case.id,
        QcResult.reviewed_by_id.is_(None),
        ~exists().where(later.corrects_id == QcResult.id),
    )
    return (entered >= specified, ~unreviewed)


def _case_stages(queue: _Queue) -> None:
    """Work that a case's stage alone calls for, by role."""
    has_bag = exists().where(Unit.case_id == Case.id, Unit.kind == UnitKind.APHERESIS_BAG)
    collectors = (Role.APHERESIS_NURSE, Role.CLINIC_COORDINATOR)
    rules: tuple[tuple[tuple[Role, ...], WorkKind, str, str, CaseStage, tuple[Any, ...]], ...] = (
        ((Role.APHERESIS_NURSE,), WorkKind.REGISTER_COLLECTION,
         "Register the collection and print the bag labels", "collection",
         CaseStage.ENROLLED, (~has_bag,)),
        (collectors, WorkKind.VERIFY_COLLECTION, "Verify the collection (second person)",
         "collection", CaseStage.ENROLLED, (has_bag,)),
        (collectors, WorkKind.SHIP_STARTING_MATERIAL,
         "Pack the starting material and hand it to the courier", "collection",
         CaseStage.COLLECTED, ()),
        ((Role.QP,), WorkKind.CERTIFY_RELEASE, "Review the release checklist and certify the batch",
         "release", CaseStage.QC_PENDING_RELEASE, _qc_reviewed()),
    )  # fmt: skip
    for roles, kind, title, section, stage, extra in rules:
        if queue.actor.has_role(*roles):
            for case in queue.cases_at(stage, *extra):
                queue.add(kind, title, case, section, case.since)
    if queue.actor.has_role(Role.INFUSION_NURSE):
        _bedside(queue)


def dose_work_title(to_give: int, held: Sequence[str], infused: int) -> str:
    """The bedside's work item for a case at the clinic, from its dose: how many bags are to
    give, the DINs (as printed) of the bags on hold left to account for, how many are infused.
    A bag on hold is never left unsaid: the case would look idle with a bag unaccounted for."""
    if held:
        bags = ", ".join(f"DIN {din}" for din in held)
        on_hold = (
            f"bag {bags} on hold, left to account for: record it as not given, or QA lifts the hold"
            if len(held) == 1
            else f"bags {bags} on hold, left to account for: record each as not given, or QA "
            "lifts the hold"
        )
        if to_give:
            return f"Bedside check and infusion ({to_give} to give); {on_hold}"
        return on_hold[0].upper() + on_hold[1:]
    if to_give or infused:
        return "Bedside check and infusion"
    return (
        "No bag of the dose was given (each is recorded as not given): the case awaits the "
        "coordinator's or QA's decision"
    )


def _bedside(queue: _Queue) -> None:
    """Per case at the clinic, what is left of its dose (app.journey.dose)."""
    cases = {case.id: case for case in queue.cases_at(CaseStage.RECEIVED_AT_CLINIC)}
    if not cases:
        return
    skipped = not_given_units(queue.session, list(cases))
    bags = queue.session.execute(
        select(Unit.case_id, Unit.din, Unit.status, Unit.side_state, Unit.id)
        .where(Unit.case_id.in_(list(cases)), Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
        .order_by(Unit.din)
    )
    dose: dict[uuid.UUID, list[tuple[str, BagAccount]]] = {case_id: [] for case_id in cases}
    for bag in bags:
        account = account_of(bag.status, bag.side_state, bag.id in skipped)
        dose[bag.case_id].append((din_text(bag.din), account))
    for case_id, case in cases.items():
        accounts = [account for _din, account in dose[case_id]]
        held = [din for din, account in dose[case_id] if account is BagAccount.HELD]
        title = dose_work_title(
            accounts.count(BagAccount.TO_GIVE), held, accounts.count(BagAccount.GIVEN)
        )
        queue.add(WorkKind.INFUSE, title, case, "bedside", case.since)


def _arriving(queue: _Queue, scanned: bool) -> list[Any]:
    waiting = exists().where(
        ShipmentItem.shipment_id == Shipment.id, ShipmentItem.receipt_outcome.is_(None)
    )
    condition = Shipment.received_by_id.is_not(None) if scanned else waiting
    query = (
        select(Shipment.sscc, Shipment.handed_over_at, Shipment.received_at, Case.id)
        .join(Case, Case.id == Shipment.case_id)
        .where(
            queue.visible,
            Shipment.status == ShipmentStatus.IN_TRANSIT,
            Shipment.direction == ShipmentDirection.TO_MANUFACTURER,
            Shipment.to_site_id == queue.actor.site_id,
            condition,
        )
    )
    return queue.joined(query)


def _next_steps(queue: _Queue) -> list[Any]:
    """Per case in manufacture, its first step not yet verified."""
    query = (
        select(
            ManufacturingStep.position,
            ManufacturingStep.status,
            ManufacturingStep.performed_at,
            StepTemplate.name,
            Case.id,
            _LAST_RECORD.label("since"),
        )
        .join(Case, Case.id == ManufacturingStep.case_id)
        .join(StepTemplate, StepTemplate.id == ManufacturingStep.step_template_id)
        .where(
            queue.visible,
            Case.stage == CaseStage.IN_MANUFACTURE,
            Case.side_state == SideState.NONE,
            ManufacturingStep.status != StepStatus.VERIFIED,
        )
        .order_by(Case.id, ManufacturingStep.position)
    )
    first: dict[uuid.UUID, Any] = {}
    for row in queue.joined(query):
        first.setdefault(row.id, row)
    return list(first.values())


def _manufacturing(queue: _Queue) -> None:
    operator = queue.actor.has_role(Role.MFG_OPERATOR)
    verifier = queue.actor.has_role(Role.MFG_VERIFIER)
    if operator:
        for row in _arriving(queue, scanned=False):
            title = f"Receive shipment {sscc_text(row.sscc)}: scan every container in"
            queue.add(WorkKind.RECEIVE_SHIPMENT, title, row, "receipt", row.handed_over_at)
        accepted = exists().where(
            Shipment.case_id == Case.id,
            Shipment.direction == ShipmentDirection.TO_MANUFACTURER,
            Shipment.receipt_accepted.is_(True),
        )
        for case in queue.cases_at(CaseStage.RECEIVED_AT_MANUFACTURER, accepted):
            queue.add(WorkKind.START_MANUFACTURE, "Start manufacture", case, "batch", case.since)
    if verifier:
        for row in _arriving(queue, scanned=True):
            title = f"Verify the receipt of shipment {sscc_text(row.sscc)} (second person)"
            queue.add(WorkKind.VERIFY_RECEIPT, title, row, "receipt", row.received_at)
    for step in _next_steps(queue) if operator or verifier else []:
        if operator and step.status in {StepStatus.PENDING, StepStatus.IN_PROGRESS}:
            title = f"Perform step {step.position}: {step.name}"
            queue.add(WorkKind.PERFORM_STEP, title, step, "batch", step.since)
        if verifier and step.status is StepStatus.PERFORMED:
            title = f"Verify step {step.position}: {step.name} (second person)"
            queue.add(WorkKind.VERIFY_STEP, title, step, "batch", step.performed_at or step.since)


def _qc_missing(queue: _Queue) -> None:
    specified, entered = _qc_counts()
    for stage in (CaseStage.IN_MANUFACTURE, CaseStage.QC_PENDING_RELEASE):
        query = select(
            Case.id, Case.coi, Case.coi_check, _LAST_RECORD.label("since"), specified, entered
        ).where(
            queue.visible, Case.stage == stage, Case.side_state == SideState.NONE,
            entered < specified,
        )  # fmt: skip
        for row in queue.session.execute(query):
            missing = row[4] - row[5]
            title = f"Enter QC results ({missing} of {row[4]} still missing)"
            queue.add(WorkKind.ENTER_QC_RESULTS, title, row, "release", row.since)


def _quality_assurance(queue: _Queue) -> None:
    later = aliased(QcResult)
    replaced = exists().where(later.corrects_id == QcResult.id)  # a correction replaced it
    unreviewed = (
        select(Case.id, func.count(QcResult.id).label("waiting"), func.min(QcResult.entered_at))
        .join(Case, Case.id == QcResult.case_id)
        .where(queue.visible, QcResult.reviewed_by_id.is_(None), ~replaced)
        .group_by(Case.id, Case.coi, Case.coi_check)
    )
    for row in queue.joined(unreviewed):
        title = f"Review QC results ({row.waiting} waiting)"
        queue.add(WorkKind.REVIEW_QC_RESULTS, title, row, "release", row[2])
    for row in _excursions(queue.session, queue.visible):
        title = (
            f"Disposition the cold-chain {row.verdict.replace('_', ' ')} of {sscc_text(row.sscc)}"
        )
        queue.add(WorkKind.DISPOSITION_EXCURSION, title, row, "deviations", row.imported_at)
    deviations = (
        select(Deviation.number, Deviation.kind, Deviation.raised_at, Case.id)
        .join(Case, Case.id == Deviation.case_id)
        .where(queue.visible, Deviation.status == DeviationStatus.OPEN)
    )
    for row in queue.joined(deviations):
        title = f"Close deviation {row.number} ({row.kind.replace('_', ' ')})"
        queue.add(WorkKind.CLOSE_DEVIATION, title, row, "deviations", row.raised_at)
    receipts = (
        select(Shipment.sscc, Shipment.received_at, Case.id)
        .join(Case, Case.id == Shipment.case_id)
        .where(
            queue.visible,
            Shipment.status == ShipmentStatus.RECEIVED,
            Shipment.receipt_accepted.is_not(True),
        )
    )
    for row in queue.joined(receipts):
        title = f"Accept the quarantined receipt of {sscc_text(row.sscc)}"
        queue.add(WorkKind.ACCEPT_RECEIPT, title, row, "deviations", row.received_at, sscc=row.sscc)


def _excursions(session: Session, visible: ColumnElement[bool]) -> list[Any]:
    query = (
        select(LoggerFile.verdict, LoggerFile.imported_at, Shipment.sscc, *_CASE)
        .join(Shipment, Shipment.id == LoggerFile.shipment_id)
        .join(Case, Case.id == Shipment.case_id)
        .where(
            visible,
            LoggerFile.verdict.in_([Verdict.EXCURSION, Verdict.INCOMPLETE]),
            LoggerFile.disposition.is_(None),
        )
    )
    return list(session.execute(query))


def work_queue(database: Database, actor: Actor) -> tuple[WorkItem, ...]:
    """What is waiting for ``actor``, by role, oldest first (empty for administrators)."""
    if not may_view_cases(actor):
        return ()
    with database.read_session() as session:
        queue = _Queue(session, actor)
        _case_stages(queue)
        _manufacturing(queue)
        if actor.has_role(Role.QC_ANALYST):
            _qc_missing(queue)
        if actor.has_role(Role.QA):
            _quality_assurance(queue)
    return tuple(sorted(queue.items.values(), key=lambda i: (i.since, i.coi, i.title)))


# ---------------------------------------------------------------- alerts


def _quarantined(session: Session, visible: ColumnElement[bool]) -> list[Alert]:
    query = (
        select(Unit.din, Unit.kind, Unit.side_state_reason, Unit.updated_at, *_CASE)
        .join(Case, Case.id == Unit.case_id)
        .where(visible, Unit.side_state == SideState.QUARANTINED)
    )
    return [
        _alert(
            AlertKind.QUARANTINED_UNIT,
            f"Quarantined: {UNIT_KIND_NAMES[row.kind].lower()} {din_text(row.din)} — "
            f"{row.side_state_reason or 'no reason recorded'}",
            row,
            row.updated_at,
        )
        for row in session.execute(query)
    ]


def _overdue(session: Session, visible: ColumnElement[bool]) -> list[Alert]:
    now = utc_now()
    query = (
        select(Shipment.sscc, Shipment.handed_over_at, *_CASE)
        .join(Case, Case.id == Shipment.case_id)
        .where(
            visible,
            Shipment.status == ShipmentStatus.IN_TRANSIT,
            Shipment.handed_over_at.is_not(None),
            Shipment.handed_over_at < now - OVERDUE_AFTER,
        )
    )
    found = []
    for row in session.execute(query):
        hours = (now - row.handed_over_at).total_seconds() / 3600
        message = f"Overdue: shipment {sscc_text(row.sscc)} has been in transit for {hours:.0f} h"
        found.append(_alert(AlertKind.OVERDUE_SHIPMENT, message, row, row.handed_over_at))
    return found


def alerts(database: Database, actor: Actor) -> tuple[Alert, ...]:
    """Quarantined containers, excursions awaiting disposition and overdue shipments of the
    cases ``actor`` may see (empty for administrators), oldest first."""
    if not may_view_cases(actor):
        return ()
    visible = visible_cases(actor)
    with database.read_session() as session:
        found = _quarantined(session, visible) + _overdue(session, visible)
        for row in _excursions(session, visible):
            # issue 16 review: the logger file's name ("logger-0590….csv") told the clinic
            # and the bench nothing the shipment's SSCC does not; QA finds it on the case
            message = (
                f"Cold-chain {row.verdict.replace('_', ' ')} in shipment {sscc_text(row.sscc)} "
                "awaits QA's disposition"
            )
            found.append(_alert(AlertKind.EXCURSION, message, row, row.imported_at))
    return tuple(sorted(found, key=lambda a: (a.since, a.coi, a.message)))


def _alert(kind: AlertKind, message: str, row: Any, since: datetime) -> Alert:
    return Alert(kind, message, row.id, row.coi, row.coi_check, since)
