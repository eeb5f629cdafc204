"""Everything one screen shows, read in ONE session: one service call per screen load.

A screen that made a call per panel read each panel at a different moment (a QC result saved
between two calls showed in one panel and not the next) and paid a connection per call. Each
function here opens one read session, checks the actor may see the case, and returns a frozen
view of the whole screen.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import may_see_identity
from app.casefile.exceptions import (
    ReleaseExceptions,
    awaiting_late_results,
    exceptions_in,
    product_warnings,
)
from app.casefile.queries import (
    CaseFilter,
    CaseRow,
    case_page,
    may_view_cases,
    user_names,
    visible_case,
)
from app.casefile.receipts import (
    AcceptedReceipt,
    QuarantinedReceipt,
    accepted_receipts,
    quarantined_receipts,
)
from app.casefile.release import (
    PendingDisposition,
    QcSpecView,
    ReleaseRecord,
    SiteDeviation,
    latest_release,
    pending_dispositions,
    qc_signature_lines,
    site_deviations,
    spec_views,
)
from app.casefile.shipments import packing_shipment
from app.casefile.stages import post_thaw_limit, unit_views
from app.core import Actor, Database
from app.journey import (
    BagAccount,
    CaseView,
    Checklist,
    LookAlike,
    PlacementView,
    QcResultView,
    ShipmentView,
    StepView,
    ThawView,
    UnitView,
    case_view,
    checklist_with_acceptance,
    dose_accounts,
    look_alikes,
    not_given_reason,
    not_given_records,
    qc_result_views,
    step_views,
    stored_places,
    thaws_of_case,
)
from app.labelling import LabelReconciliation, reconcile
from db.enums import CaseStage, LabelStatus, Role, ShipmentDirection, SideState, UnitKind
from db.models import AuditEvent, Label, Unit
from labels.templates import IDENTITY_LABEL

__all__ = [
    "RELEASE_STAGES",
    "BatchRecordScreen",
    "BedsideScreen",
    "CollectionScreen",
    "DeviationsScreen",
    "ReleaseBatch",
    "ReleaseScreen",
    "batch_record_screen",
    "bedside_screen",
    "cases_at",
    "collection_screen",
    "deviations_screen",
    "release_screen",
]

RELEASE_STAGES = (CaseStage.QC_PENDING_RELEASE, CaseStage.RELEASED)
"""Batches the QC & release screen lists: waiting for QC and release, then released but not
yet shipped."""
AFTER_RELEASE_STAGES = (
    CaseStage.SHIPPED_TO_CLINIC,
    CaseStage.RECEIVED_AT_CLINIC,
    CaseStage.INFUSED,
)
"""Listed too when a test released while pending still awaits its final result."""


# ---------------------------------------------------------------- case pickers


def cases_at(database: Database, actor: Actor, stages: Sequence[CaseStage]) -> tuple[CaseRow, ...]:
    """The cases the actor may see at ``stages``, stage by stage, newest first within a stage
    (the case picker of the bench and bedside screens)."""
    with database.read_session() as session:
        return _cases_at(session, actor, stages)


def _cases_at(session: Session, actor: Actor, stages: Sequence[CaseStage]) -> tuple[CaseRow, ...]:
    return tuple(
        row for stage in stages for row in case_page(session, actor, CaseFilter(stage=stage)).rows
    )


# ---------------------------------------------------------------- QC & release


@dataclass(frozen=True)
class ReleaseBatch:
    """One batch as the QC & release screen shows it."""

    case: CaseView
    specs: tuple[QcSpecView, ...]
    results: dict[str, QcResultView]
    """The latest result of each test, by test code."""
    signatures: dict[uuid.UUID, tuple[str, ...]]
    checklist: Checklist | None
    """The release checklist, for QA and the QP (None for anyone else)."""
    release: ReleaseRecord | None
    exceptions: ReleaseExceptions | None = None
    """Late results, recall and release out of specification (QA, QP and QC only)."""


@dataclass(frozen=True)
class ReleaseScreen:
    """The batches the screen lists and the one it shows (None when there is none)."""

    batches: tuple[CaseRow, ...]
    batch: ReleaseBatch | None


def release_screen(
    database: Database, actor: Actor, case_id: uuid.UUID | None = None
) -> ReleaseScreen:
    """The QC & release screen: the site's batches in QC / pending release, then those
    released, and the batch ``case_id`` (listed or not; the first listed when it is None)."""
    with database.read_session() as session:
        batches = _cases_at(session, actor, RELEASE_STAGES)
        later = _cases_at(session, actor, AFTER_RELEASE_STAGES)
        waiting = awaiting_late_results(session, [row.id for row in later])
        batches += tuple(row for row in later if row.id in waiting)
        ids = [row.id for row in batches]
        # The batch asked for is shown even when it left the list (e.g. certified and moved on):
        # the screen never swaps the batch in front of the user for another by itself.
        chosen = case_id if case_id is not None else (ids[0] if ids else None)
        if chosen is None:
            return ReleaseScreen(batches, None)
        case = visible_case(session, actor, chosen)
        checklist = (
            checklist_with_acceptance(session, actor, case)
            if actor.has_role(Role.QA, Role.QP)
            else None
        )
        batch = ReleaseBatch(
            case_view(session, case, actor),
            tuple(spec_views(session, case)),
            {view.test_code: view for view in qc_result_views(session, case.id)},
            qc_signature_lines(session, case),
            checklist,
            latest_release(session, case),
            exceptions_in(session, case)
            if actor.has_role(Role.QA, Role.QP, Role.QC_ANALYST)
            else None,
        )
        return ReleaseScreen(batches, batch)


# ---------------------------------------------------------------- deviations


@dataclass(frozen=True)
class DeviationsScreen:
    """The site's deviations, the cold-chain files waiting for QA and the cases to raise on."""

    deviations: tuple[SiteDeviation, ...]
    pending: tuple[PendingDisposition, ...]
    cases: tuple[CaseRow, ...]
    receipts: tuple[QuarantinedReceipt, ...] = ()
    """Receipts at the site waiting for QA's acceptance (read for QA only)."""
    accepted: tuple[AcceptedReceipt, ...] = ()
    """The latest accepted receipts at the site, for QA's logger-file correction (QA only)."""


def deviations_screen(database: Database, actor: Actor) -> DeviationsScreen:
    """The deviations screen: deviations (open first), files awaiting QA's disposition, and
    the cases a deviation may be raised on (none for a role that sees no case)."""
    with database.read_session() as session:
        cases = case_page(session, actor, CaseFilter()).rows if may_view_cases(actor) else ()
        qa = actor.has_role(Role.QA)
        return DeviationsScreen(
            tuple(site_deviations(session, actor)),
            tuple(pending_dispositions(session, actor)),
            cases,
            tuple(quarantined_receipts(session, actor)) if qa else (),
            tuple(accepted_receipts(session, actor)) if qa else (),
        )


# ---------------------------------------------------------------- the bench and the bedside


@dataclass(frozen=True)
class CollectionScreen:
    """The case, its apheresis bags and where each bag's label stands."""

    case: CaseView
    bags: tuple[UnitView, ...]
    labels: dict[uuid.UUID, LabelReconciliation]
    shipment: ShipmentView | None = None
    """The shipper still being packed for this case, as the database knows it."""

    @property
    def labelled(self) -> bool:
        """True when every bag carries a label that was scanned back."""
        return bool(self.bags) and all(self.labels[b.id].reconciled for b in self.bags)


def collection_screen(database: Database, actor: Actor, case_id: uuid.UUID) -> CollectionScreen:
    """The collection screen of one case: bags, their labels, the shipper being packed."""
    with database.read_session() as session:
        case = visible_case(session, actor, case_id)
        bags = tuple(u for u in unit_views(session, case) if u.kind is UnitKind.APHERESIS_BAG)
        return CollectionScreen(
            case_view(session, case, actor),
            bags,
            {bag.id: reconcile(session, bag.id) for bag in bags},
            packing_shipment(session, case.id, ShipmentDirection.TO_MANUFACTURER),
        )


@dataclass(frozen=True)
class BatchRecordScreen:
    """One case's batch record: the case, its steps, containers and output labels."""

    case: CaseView
    steps: tuple[StepView, ...]
    units: dict[uuid.UUID, UnitView]
    labels: dict[uuid.UUID, LabelReconciliation]
    """Where the label of each step output stands, by unit."""
    shipment: ShipmentView | None = None
    """The shipper to the clinic still being packed for this case, as the database knows it."""

    @property
    def final_bags(self) -> tuple[UnitView, ...]:
        """The case's final product bags (what a released batch ships to the clinic)."""
        return tuple(u for u in self.units.values() if u.kind is UnitKind.FINAL_PRODUCT_BAG)


def batch_record_screen(database: Database, actor: Actor, case_id: uuid.UUID) -> BatchRecordScreen:
    """The batch record screen of one case."""
    with database.read_session() as session:
        case = visible_case(session, actor, case_id)
        steps = tuple(step_views(session, case.id))
        outputs = {unit_id for step in steps for unit_id in step.outputs}
        return BatchRecordScreen(
            case_view(session, case, actor),
            steps,
            {unit.id: unit for unit in unit_views(session, case)},
            {unit_id: reconcile(session, unit_id) for unit_id in outputs},
            packing_shipment(session, case.id, ShipmentDirection.TO_CLINIC),
        )


@dataclass(frozen=True)
class BedsideScreen:
    """The case at the bedside, its final product bags, the post-thaw limit, the look-alike
    cases at the site (the check then asks the date of birth too) and the recorded thaws."""

    case: CaseView
    bags: tuple[UnitView, ...]
    limit_minutes: int | None
    look_alikes: tuple[LookAlike, ...] = ()
    thaws: tuple[ThawView, ...] = ()
    """The recorded thaw starts of the case's bags, oldest first."""
    warnings: tuple[str, ...] = ()
    """Released out of specification, a bag on hold, an open clinic alert (``product_warnings``)."""
    places: dict[uuid.UUID, PlacementView] = field(default_factory=dict)
    """Where each bag still recorded in storage is, by unit."""
    identity_labelled: frozenset[uuid.UUID] = frozenset()
    """The bags that carry their scanned-back patient-identity label (printed at receipt)."""
    accounts: dict[uuid.UUID, BagAccount] = field(default_factory=dict)
    """Where each bag of the dose stands: given, recorded as not given, held, or to give."""
    holds: dict[uuid.UUID, BagNote] = field(default_factory=dict)
    """Per bag in a side state: the reason the person gave, who set it and when."""
    not_given: dict[uuid.UUID, BagNote] = field(default_factory=dict)
    """Per bag recorded as not given at the bedside: the nurse's reason, who and when."""


@dataclass(frozen=True)
class BagNote:
    """Why a bag is held or not given, in the words the person gave, who and when."""

    reason: str
    by: str
    at: datetime | None


def _bag_notes(
    session: Session, bags: Sequence[UnitView]
) -> tuple[dict[uuid.UUID, BagNote], dict[uuid.UUID, BagNote]]:
    """The holds of ``bags`` in a side state (reason, and who set it from the audit trail) and
    their not-given records."""
    if not bags:
        return {}, {}
    ids = [bag.id for bag in bags]
    query = select(Unit.id, Unit.side_state_reason).where(Unit.id.in_(ids))
    reasons: dict[uuid.UUID, str | None] = {
        row.id: row.side_state_reason for row in session.execute(query)
    }

    setters: dict[str, tuple[str | None, datetime | None]] = {}
    events = session.execute(
        select(AuditEvent.record_id, AuditEvent.user_id, AuditEvent.at)
        .where(
            AuditEvent.record_type == Unit.__tablename__,
            AuditEvent.record_id.in_([str(i) for i in ids]),
            AuditEvent.action.like("side state %"),
        )
        .order_by(AuditEvent.seq)
    )
    for record_id, user_id, at in events:
        setters[record_id] = (user_id, at)  # the last change of each bag's side state
    records = not_given_records(session, {bag.case_id for bag in bags})
    people = user_names(
        session,
        [_user_id(user) for user, _at in setters.values()]
        + [r.performed_by_id for r in records.values()],
    )
    holds = {}
    for bag in bags:
        if bag.side_state is SideState.NONE:
            continue
        user, when = setters.get(str(bag.id), (None, None))
        setter = _user_id(user)
        by = people.get(setter, "unknown user") if setter else "unknown user"
        holds[bag.id] = BagNote(reasons.get(bag.id) or "no reason recorded", by, when)
    not_given = {
        unit_id: BagNote(
            not_given_reason(record),
            people.get(record.performed_by_id, "unknown user")
            if record.performed_by_id
            else "unknown user",
            record.occurred_at,
        )
        for unit_id, record in records.items()
    }
    return holds, not_given


def _user_id(text: str | None) -> uuid.UUID | None:
    """An audit event's user id (None when it names no user)."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def _identity_labelled(session: Session, bags: Sequence[UnitView]) -> frozenset[uuid.UUID]:
    """Which of ``bags`` carry an applied patient-identity label."""
    if not bags:
        return frozenset()
    rows = session.scalars(
        select(Label.unit_id).where(
            Label.unit_id.in_([bag.id for bag in bags]),
            Label.template == IDENTITY_LABEL,
            Label.status == LabelStatus.APPLIED,
        )
    )
    return frozenset(rows)


def bedside_screen(database: Database, actor: Actor, case_id: uuid.UUID) -> BedsideScreen:
    """The bedside screen of one case."""
    with database.read_session() as session:
        case = visible_case(session, actor, case_id)
        bags = tuple(u for u in unit_views(session, case) if u.kind is UnitKind.FINAL_PRODUCT_BAG)
        return BedsideScreen(
            case_view(session, case, actor),
            bags,
            post_thaw_limit(session, case),
            look_alikes(session, case, with_identity=may_see_identity(actor)),
            thaws_of_case(session, case),
            product_warnings(session, case),
            stored_places(session, case),
            _identity_labelled(session, bags),
            {bag.id: account for bag, account in dose_accounts(session, case.id)},
            *_bag_notes(session, bags),
        )
