"""Reading a unit's viability clock from the record, and refusing a scan that would move a unit
past one of its limits (the rule itself is pure: ``app.journey.viability``).

``ensure_viable`` runs inside the moving operation's transaction, right after the unit's scan
matched. When a limit is passed it throws the operation's work away, records the refusal (an
audit event on the unit and a deviation) in a transaction of its own, and raises
``ViabilityExpired``: nothing else is written, and the refusal is on record.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import (
    Actor,
    Database,
    StageNotAllowed,
    UnitOfWork,
    ViabilityExpired,
    din_text,
    load,
    now,
)
from app.journey.viability import (
    THAW_FIRST,
    PassedLimit,
    ViabilityClock,
    passed_limits,
    thaw_missing,
    utc_text,
)
from app.quality import open_deviation
from db.enums import Disposition, ReceiptOutcome, ShipmentDirection, UnitKind
from db.models import (
    Case,
    LoggerFile,
    Product,
    Shipment,
    ShipmentItem,
    StageRecord,
    TemperatureProfile,
    Unit,
)

THAW_STARTED = "thaw started"
"""The stage record of a bag's thaw start (its ``occurred_at`` is the thaw start)."""

UNIT_NAMES: dict[UnitKind, str] = {
    UnitKind.APHERESIS_BAG: "starting material bag",
    UnitKind.INTERMEDIATE: "intermediate",
    UnitKind.QC_SAMPLE: "QC sample",
    UnitKind.RETENTION_SAMPLE: "retention sample",
    UnitKind.FINAL_PRODUCT_BAG: "final product bag",
    UnitKind.SHIPPER: "shipper",
}


def unit_name(unit: Unit) -> str:
    """The unit as messages name it: ``final product bag G5678 26 000066 [K]``."""
    return f"{UNIT_NAMES[unit.kind]} {din_text(unit.din)}"


def thaw_record(session: Session, unit_id: uuid.UUID) -> StageRecord | None:
    """The recorded thaw start of a unit, if any (a thaw is recorded once)."""
    return session.scalar(
        select(StageRecord)
        .where(StageRecord.unit_id == unit_id, StageRecord.action == THAW_STARTED)
        .order_by(StageRecord.occurred_at)
        .limit(1)
    )


def received_at(
    session: Session, unit: Unit, direction: ShipmentDirection, *, latest: bool = False
) -> datetime | None:
    """When ``unit`` was received out of a shipment going ``direction``: its first receipt
    (``latest``: its latest); None when it never was."""
    when = ShipmentItem.received_at
    return session.scalar(
        select(when)
        .join(Shipment, Shipment.id == ShipmentItem.shipment_id)
        .where(
            ShipmentItem.unit_id == unit.id,
            ShipmentItem.receipt_outcome == ReceiptOutcome.RECEIVED,
            Shipment.direction == direction,
        )
        .order_by(when.desc() if latest else when)
        .limit(1)
    )


def _excursion_minutes(session: Session, unit: Unit) -> float:
    """Time outside limits over every shipment of the unit: per shipment the worst logger file
    QA has not accepted (a file QA accepted carries its excursion under QA's decision)."""
    rows = session.execute(
        select(LoggerFile.shipment_id, LoggerFile.assessment)
        .join(ShipmentItem, ShipmentItem.shipment_id == LoggerFile.shipment_id)
        .where(
            ShipmentItem.unit_id == unit.id,
            LoggerFile.disposition.is_distinct_from(Disposition.ACCEPT),
        )
    ).all()
    worst: dict[uuid.UUID | None, float] = {}
    for shipment_id, assessment in rows:
        minutes = float(json.loads(assessment or "{}").get("cumulative_excursion_min") or 0.0)
        worst[shipment_id] = max(worst.get(shipment_id, 0.0), minutes)
    return sum(worst.values())


def _profile_allowance(session: Session, unit: Unit, product: Product) -> timedelta | None:
    profile_id = {
        UnitKind.APHERESIS_BAG: product.starting_material_profile_id,
        UnitKind.FINAL_PRODUCT_BAG: product.final_product_profile_id,
    }.get(unit.kind)
    if profile_id is None:
        return None
    if product.max_cumulative_excursion_min is not None:  # the product version's own limit
        return timedelta(minutes=product.max_cumulative_excursion_min)
    profile = load(session, TemperatureProfile, profile_id, "temperature profile")
    return timedelta(minutes=profile.max_cumulative_excursion_min)


def viability_clock(session: Session, unit: Unit, *, receiving: bool = False) -> ViabilityClock:
    """The unit's viability clock as recorded (``receiving``: this scan is its receipt)."""
    case = load(session, Case, unit.case_id, "case")
    product = load(session, Product, case.product_id, "product")
    starting = unit.kind is UnitKind.APHERESIS_BAG
    final = unit.kind is UnitKind.FINAL_PRODUCT_BAG
    receipt_hours = product.max_hours_collection_to_receipt if starting else None
    thaw = thaw_record(session, unit.id) if final else None
    return ViabilityClock(
        expires_at=unit.expires_at,
        collection_end=unit.collection_end,
        receipt_limit=timedelta(hours=receipt_hours) if receipt_hours else None,
        received_at=(
            received_at(session, unit, ShipmentDirection.TO_MANUFACTURER) if starting else None
        ),
        thawed_at=thaw.occurred_at if thaw else None,
        post_thaw_limit=(
            timedelta(minutes=product.post_thaw_minutes)
            if final and product.post_thaw_minutes
            else None
        ),
        excursion=timedelta(minutes=_excursion_minutes(session, unit)),
        excursion_allowance=_profile_allowance(session, unit, product),
    )


def ensure_viable(
    uow: UnitOfWork,
    unit: Unit,
    *,
    doing: str,
    at: datetime | None = None,
    relative: str = "ago",
    receiving: bool = False,
    thawed: bool = False,
) -> None:
    """Refuse to ``doing`` when ``unit`` is past a viability limit at ``at`` (default now).

    ``receiving`` judges the collection → receipt limit at this moment (the scan is the
    receipt); ``thawed`` also requires a recorded thaw start, not after ``at``, when the
    product is thawed before use. A passed limit rolls the operation back, is recorded (audit
    event and deviation) and raises ``ViabilityExpired``.
    """
    moment = at or now()
    clock = viability_clock(uow.session, unit)
    if receiving and clock.receipt_limit is not None and clock.received_at is None:
        clock = replace(clock, received_at=moment)
    name = unit_name(unit)
    if thawed and thaw_missing(clock):
        raise StageNotAllowed(f"Cannot {doing}: {name} has no recorded thaw start. {THAW_FIRST}")
    if thawed and clock.thawed_at is not None and clock.thawed_at > moment:
        raise StageNotAllowed(
            f"Cannot {doing}: the thaw of {name} is recorded as starting at "
            f"{utc_text(clock.thawed_at)}, after {utc_text(moment)}. Check the times."
        )
    passed = passed_limits(clock, moment, relative=relative)
    if not passed:
        return
    unit_id, case_id = unit.id, unit.case_id
    uow.session.rollback()
    message = f"Cannot {doing}: {name} is past its viability. " + " ".join(
        limit.message for limit in passed
    )
    number = _record_refusal(
        uow.database,
        uow.actor,
        unit_id=unit_id,
        case_id=case_id,
        doing=doing,
        moment=moment,
        passed=passed,
    )
    raise ViabilityExpired(
        f"{message} The refusal is on record as deviation {number}.",
        limits=tuple(limit.limit.value for limit in passed),
        deviation_number=number,
    )


def ensure_viable_at_infusion(uow: UnitOfWork, bag: Unit, started_at: datetime) -> None:
    """Refuse an infusion record whose bag was past a viability limit when it started."""
    ensure_viable(
        uow,
        bag,
        doing="confirm the infusion",
        at=started_at,
        relative="before the infusion started",
        thawed=True,
    )


def _record_refusal(
    database: Database,
    actor: Actor,
    *,
    unit_id: uuid.UUID,
    case_id: uuid.UUID,
    doing: str,
    moment: datetime,
    passed: tuple[PassedLimit, ...],
) -> str:
    """Record the refused move in a transaction of its own; return the deviation number."""
    description = f"Viability refusal during '{doing}': " + " ".join(
        limit.what_happened for limit in passed
    )
    with UnitOfWork(database, actor) as uow:
        uow.record_event(
            "viability refused",
            "unit",
            str(unit_id),
            new={
                "doing": doing,
                "at": moment.isoformat(),
                "limits": {limit.limit.value: str(limit.by) for limit in passed},
            },
            reason=description,
        )
        number = open_deviation(
            uow, kind="viability", description=description, case_id=case_id, unit_id=unit_id
        ).number
        uow.commit()
    return number
