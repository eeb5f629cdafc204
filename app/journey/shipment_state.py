"""What still blocks acceptance of a received shipment (read by receipt and the checklist)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core import sscc_text
from app.journey.stages import FINAL_SIDE_STATES
from db.enums import DeviationStatus, Disposition, Verdict
from db.models import Deviation, LoggerFile, Shipment, ShipmentItem, Unit

VERDICT_IN_WORDS = {
    Verdict.WITHIN_LIMITS: "within limits",
    Verdict.EXCURSION: "an excursion (outside its limits)",
    Verdict.INCOMPLETE: "incomplete",
}
"""The verdict as the receipt's open items say it (never the stored code)."""


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


def logger_files(session: Session, shipment: Shipment) -> list[LoggerFile]:
    """Every logger file imported for ``shipment``, oldest first."""
    return list(
        session.scalars(
            select(LoggerFile)
            .where(LoggerFile.shipment_id == shipment.id)
            .order_by(LoggerFile.imported_at, LoggerFile.id)
        )
    )


def _acceptable(row: LoggerFile) -> bool:
    return row.verdict is Verdict.WITHIN_LIMITS or row.disposition is Disposition.ACCEPT


def _covers_trip(row: LoggerFile, shipment: Shipment) -> bool:
    start = shipment.handed_over_at or shipment.packed_at
    end = shipment.received_at
    starts_in_time = start is None or (row.window_start is not None and row.window_start <= start)
    ends_in_time = end is None or (row.window_end is not None and row.window_end >= end)
    return starts_in_time and ends_in_time


def cold_chain_reason(session: Session, shipment: Shipment) -> str | None:
    """Why the shipment's cold chain is not (yet) acceptable, or None when it is.

    Every imported file must be within limits or accepted by QA (a rejected one blocks for
    good), and at least one acceptable file must cover the trip from hand-over to receipt.
    """
    rows = logger_files(session, shipment)
    if not rows:
        return f"No data-logger file has been imported for {sscc_text(shipment.sscc)}."
    for row in rows:
        if row.disposition is Disposition.REJECT:
            return f"QA rejected the cold chain of {sscc_text(shipment.sscc)} ({row.file_name})."
        if not _acceptable(row):
            verdict = VERDICT_IN_WORDS[row.verdict] if row.verdict else "not assessed"
            return (
                f"The cold chain of {sscc_text(shipment.sscc)} ({row.file_name}) is "
                f"{verdict} and awaits QA's disposition."
            )
    if not any(_covers_trip(row, shipment) for row in rows):
        return (
            f"No logger file of {sscc_text(shipment.sscc)} covers the whole trip from hand-over to "
            "receipt: import the file read after the shipper was opened."
        )
    return None


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
