"""What the QC & release and deviations screens read: a batch's QC specifications and
signatures, the site's deviations (open first) and the cold-chain files waiting for QA.

Read-only queries returning frozen views. Who sees what follows the case list
(``app.casefile.queries.visible_cases``): the cases of the actor's own site. The enums the screens
compare against are re-exported here, because screens never import ``db``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from app.casefile.queries import visible_case, visible_cases
from app.coldchain import LoggerFileView, logger_file_view
from app.core import Actor, Database, coi_text
from app.journey import review_sets
from app.quality import DeviationView, deviation_view, signatures_of
from db.enums import (
    CaseStage,
    DeviationStatus,
    Disposition,
    QcOutcome,
    ReleaseDecision,
    Role,
    ShipmentDirection,
    SignatureMeaning,
    Verdict,
)
from db.models import (
    Case,
    Deviation,
    LoggerFile,
    QcResult,
    QcSpecification,
    Release,
    Shipment,
    User,
)

__all__ = [
    "CaseStage",
    "DeviationStatus",
    "Disposition",
    "PendingDisposition",
    "QcOutcome",
    "QcSpecView",
    "ReleaseRecord",
    "Role",
    "SignatureMeaning",
    "SiteDeviation",
    "Verdict",
    "awaiting_disposition",
    "open_deviations",
    "qc_signatures",
    "qc_specifications",
    "release_record",
]

CLOSED_SHOWN = 200
"""How many closed deviations the list shows after the open ones (newest first)."""


@dataclass(frozen=True)
class QcSpecView:
    """One QC test of a product and its acceptance criterion."""

    test_code: str
    name: str
    criterion: str
    unit: str
    may_be_pending_at_release: bool


@dataclass(frozen=True)
class ReleaseRecord:
    """The QP's decision on a batch, with its signatures as printed."""

    decision: ReleaseDecision
    qp_name: str
    decided_at: datetime
    signatures: tuple[str, ...]


@dataclass(frozen=True)
class SiteDeviation:
    """A deviation with what its list line shows beside it."""

    deviation: DeviationView
    case_coi: str | None
    raised_by: str
    signatures: tuple[str, ...]


@dataclass(frozen=True)
class PendingDisposition:
    """A logger file whose excursion or incomplete verdict waits for QA's decision."""

    logger: LoggerFileView
    sscc: str
    direction: ShipmentDirection
    case_id: uuid.UUID | None
    case_coi: str | None


def _manifestations(session: Session, record: QcResult | Release | Deviation) -> tuple[str, ...]:
    return tuple(view.manifestation for view in signatures_of(session, record))


def qc_specifications(database: Database, actor: Actor, case_id: uuid.UUID) -> list[QcSpecView]:
    """The QC tests of the case's product, in the order the product lists them."""
    with database.read_session() as session:
        return spec_views(session, visible_case(session, actor, case_id))


def spec_views(session: Session, case: Case) -> list[QcSpecView]:
    """The QC tests of ``case``'s product in the product's order, read in the caller's session."""
    rows = session.scalars(
        select(QcSpecification)
        .where(QcSpecification.product_id == case.product_id)
        .order_by(QcSpecification.created_at, QcSpecification.test_code)
    )
    return [
        QcSpecView(row.test_code, row.name, row.criterion, row.unit, row.may_be_pending_at_release)
        for row in rows
    ]


def qc_signatures(
    database: Database, actor: Actor, case_id: uuid.UUID
) -> dict[uuid.UUID, tuple[str, ...]]:
    """The signatures (review, exception approval) on each QC result of the case, by result."""
    with database.read_session() as session:
        return qc_signature_lines(session, visible_case(session, actor, case_id))


def qc_signature_lines(session: Session, case: Case) -> dict[uuid.UUID, tuple[str, ...]]:
    """The signatures on each QC result of ``case``, by result, read in the caller's session."""
    rows = session.scalars(select(QcResult).where(QcResult.case_id == case.id))
    lines = {row.id: _manifestations(session, row) for row in rows}
    for signature, covered in review_sets(session, case.id):
        shared = f"{signature.manifestation} (one signature over {len(covered)} results)"
        for row in covered:
            lines[row.id] = (*lines.get(row.id, ()), shared)
    return lines


def release_record(database: Database, actor: Actor, case_id: uuid.UUID) -> ReleaseRecord | None:
    """The latest QP decision on the case's batch, or None before any."""
    with database.read_session() as session:
        return latest_release(session, visible_case(session, actor, case_id))


def latest_release(session: Session, case: Case) -> ReleaseRecord | None:
    """The latest QP decision on ``case``'s batch (None before any), in the caller's session."""
    row = session.scalars(
        select(Release).where(Release.case_id == case.id).order_by(Release.decided_at.desc())
    ).first()
    if row is None:
        return None
    qp = session.get(User, row.qp_id)
    return ReleaseRecord(
        row.decision,
        qp.full_name if qp else "unknown user",
        row.decided_at,
        _manifestations(session, row),
    )


def open_deviations(database: Database, actor: Actor) -> list[SiteDeviation]:
    """Deviations of the cases at the actor's site (and those raised there without a case):
    every open one, oldest first, then the most recently closed."""
    with database.read_session() as session:
        return site_deviations(session, actor)


def site_deviations(session: Session, actor: Actor) -> list[SiteDeviation]:
    """``open_deviations`` read in the caller's session."""
    if actor.site_id is None:
        return []
    raiser = aliased(User, name="raiser")
    seen = or_(
        and_(Deviation.case_id.is_not(None), visible_cases(actor)),
        and_(Deviation.case_id.is_(None), raiser.site_id == actor.site_id),
    )
    query = (
        select(Deviation, Case.coi, Case.coi_check, raiser.full_name)
        .outerjoin(Case, Case.id == Deviation.case_id)
        .join(raiser, raiser.id == Deviation.raised_by_id)
        .where(seen)
    )
    still_open = session.execute(
        query.where(Deviation.status == DeviationStatus.OPEN).order_by(Deviation.raised_at)
    ).all()
    closed = session.execute(
        query.where(Deviation.status == DeviationStatus.CLOSED)
        .order_by(Deviation.closed_at.desc())
        .limit(CLOSED_SHOWN)
    ).all()
    return [
        SiteDeviation(
            deviation_view(row),
            coi_text(coi, check) if coi else None,
            raised_by,
            _manifestations(session, row),
        )
        for row, coi, check, raised_by in [*still_open, *closed]
    ]


def awaiting_disposition(database: Database, actor: Actor) -> list[PendingDisposition]:
    """Logger files of shipments to or from the actor's site whose verdict is an excursion or
    incomplete data and that QA has not dispositioned yet, oldest import first."""
    with database.read_session() as session:
        return pending_dispositions(session, actor)


def pending_dispositions(session: Session, actor: Actor) -> list[PendingDisposition]:
    """``awaiting_disposition`` read in the caller's session."""
    if actor.site_id is None:
        return []
    query = (
        select(LoggerFile, Shipment.sscc, Shipment.direction, Case.id, Case.coi, Case.coi_check)
        .join(Shipment, Shipment.id == LoggerFile.shipment_id)
        .outerjoin(Case, Case.id == Shipment.case_id)
        .where(
            or_(LoggerFile.verdict.is_(None), LoggerFile.verdict != Verdict.WITHIN_LIMITS),
            LoggerFile.disposition.is_(None),
            or_(Shipment.to_site_id == actor.site_id, Shipment.from_site_id == actor.site_id),
        )
        .order_by(LoggerFile.imported_at)
    )
    return [
        PendingDisposition(
            logger_file_view(session, row),
            sscc,
            direction,
            case_id,
            coi_text(coi, check) if coi else None,
        )
        for row, sscc, direction, case_id, coi, check in session.execute(query).all()
    ]
