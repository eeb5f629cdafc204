"""What still blocks acceptance of a received shipment (read by receipt and the checklist)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.journey.stages import FINAL_SIDE_STATES
from db.enums import DeviationStatus, Disposition, Verdict
from db.models import Deviation, LoggerFile, Shipment, ShipmentItem, Unit


def shipment_units(session: Session, shipment: Shipment) -> list[Unit]:
    """The units packed in ``shipment``."""
    return list(
        session.scalars(
            select(Unit)
            .join(ShipmentItem, ShipmentItem.unit_id == Unit.id)
            .where(ShipmentItem.shipment_id == shipment.id)
            .order_by(Unit.din)
        )
    )


def latest_logger_file(session: Session, shipment: Shipment) -> LoggerFile | None:
    """The most recently imported logger file of ``shipment``."""
    return session.scalar(
        select(LoggerFile)
        .where(LoggerFile.shipment_id == shipment.id)
        .order_by(LoggerFile.imported_at.desc())
    )


def cold_chain_reason(session: Session, shipment: Shipment) -> str | None:
    """Why the shipment's cold chain is not (yet) acceptable, or None when it is."""
    logger = latest_logger_file(session, shipment)
    if logger is None:
        return f"No data-logger file has been imported for {shipment.sscc}."
    if logger.verdict is Verdict.WITHIN_LIMITS:
        return None
    if logger.disposition is Disposition.ACCEPT:
        return None
    if logger.disposition is Disposition.REJECT:
        return f"QA rejected the cold chain of {shipment.sscc}."
    verdict = logger.verdict.value if logger.verdict else "not assessed"
    return f"The cold-chain verdict of {shipment.sscc} is '{verdict}' and awaits QA's disposition."


def blocking_reasons(session: Session, shipment: Shipment) -> tuple[str, ...]:
    """Everything that keeps a received shipment's units in quarantine."""
    reasons: list[str] = []
    cold_chain = cold_chain_reason(session, shipment)
    if cold_chain:
        reasons.append(cold_chain)
    units = shipment_units(session, shipment)
    unit_ids = [u.id for u in units]
    open_deviations = session.scalars(
        select(Deviation.number).where(
            Deviation.status == DeviationStatus.OPEN,
            or_(Deviation.shipment_id == shipment.id, Deviation.unit_id.in_(unit_ids)),
        )
    ).all()
    if open_deviations:
        reasons.append("Open deviations: " + ", ".join(sorted(open_deviations)) + ".")
    unusable = [u.din or "?" for u in units if u.side_state in FINAL_SIDE_STATES]
    if unusable:
        reasons.append("Rejected or destroyed units: " + ", ".join(unusable) + ".")
    return tuple(reasons)
