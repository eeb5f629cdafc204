"""The records of one case as the audit trail names them, for the trail's case filter.

A case's records are the case itself, its patient and patient identity, its units and their
genealogy links, labels and custody events, scans, stage records, manufacturing steps and their
unit links, QC results, releases, deviations, shipments with their items and logger files, a
partner's EPCIS events attached to the case, and the signatures on any of these. The trail
names a record by its primary key as text; link rows by their key parts joined with ``/``
(``record_key``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, inspect, or_, select
from sqlalchemy.orm import Session

from app.core import NotFound
from db.base import Base
from db.models import (
    Case,
    CustodyEvent,
    Deviation,
    Label,
    LoggerFile,
    ManufacturingStep,
    PartnerEvent,
    Patient,
    PatientIdentity,
    QcResult,
    Release,
    Scan,
    Shipment,
    ShipmentItem,
    Signature,
    StageRecord,
    StepUnit,
    Unit,
    UnitParent,
)

CASE_RECORD_TABLES = frozenset(
    str(model.__tablename__)
    for model in (
        Case, CustodyEvent, Deviation, Label, LoggerFile, ManufacturingStep, PartnerEvent,
        Patient, PatientIdentity, QcResult, Release, Scan, Shipment, ShipmentItem, Signature,
        StageRecord, StepUnit, Unit, UnitParent,
    )
)  # fmt: skip
"""The tables ``case_record_keys`` finds a case's records in."""


def _ids(session: Session, query: Select[uuid.UUID]) -> list[uuid.UUID]:
    return list(session.scalars(query))


def _link_keys(session: Session, model: type[Base], condition: ColumnElement[bool]) -> set[str]:
    """Record ids of link rows: their primary key parts joined with ``/`` (``record_key``)."""
    key_columns = inspect(model).primary_key
    return {
        "/".join(str(part) for part in row)
        for row in session.execute(select(*key_columns).where(condition))
    }


def case_record_keys(session: Session, case_id: uuid.UUID) -> set[str]:
    """The audit record ids of every record belonging to the case (see the module docstring)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case does not exist.")
    units = _ids(session, select(Unit.id).where(Unit.case_id == case_id))
    shipments = _ids(session, select(Shipment.id).where(Shipment.case_id == case_id))
    steps = _ids(session, select(ManufacturingStep.id).where(ManufacturingStep.case_id == case_id))
    keys: list[uuid.UUID] = [case.id, case.patient_id, *units, *shipments, *steps]
    for model in (StageRecord, QcResult, Release, PartnerEvent):
        keys += _ids(session, select(model.id).where(model.case_id == case_id))
    keys += _ids(
        session,
        select(Deviation.id).where(or_(Deviation.case_id == case_id, Deviation.unit_id.in_(units))),
    )
    keys += _ids(
        session, select(Scan.id).where(or_(Scan.case_id == case_id, Scan.unit_id.in_(units)))
    )
    keys += _ids(
        session, select(PatientIdentity.id).where(PatientIdentity.patient_id == case.patient_id)
    )
    keys += _ids(session, select(Label.id).where(Label.unit_id.in_(units)))
    keys += _ids(session, select(CustodyEvent.id).where(CustodyEvent.unit_id.in_(units)))
    keys += _ids(session, select(ShipmentItem.id).where(ShipmentItem.shipment_id.in_(shipments)))
    keys += _ids(session, select(LoggerFile.id).where(LoggerFile.shipment_id.in_(shipments)))
    found = {str(key) for key in keys}
    found.update(_link_keys(session, UnitParent, UnitParent.child_id.in_(units)))
    found.update(_link_keys(session, StepUnit, StepUnit.step_id.in_(steps)))
    signatures = session.scalars(select(Signature.id).where(Signature.record_id.in_(found)))
    found.update(str(signature) for signature in signatures)
    return found
