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

from sqlalchemy import ColumnElement, Connection, inspect, or_, select, union_all
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


def _link_keys(
    connection: Connection, model: type[Base], condition: ColumnElement[bool]
) -> set[str]:
    """Record ids of link rows: their primary key parts joined with ``/`` (``record_key``)."""
    key_columns = inspect(model).primary_key
    return {
        "/".join(str(part) for part in row)
        for row in connection.execute(select(*key_columns).where(condition))
    }


def case_record_keys(session: Session, case_id: uuid.UUID) -> set[str]:
    """The audit record ids of every record belonging to the case (see the module docstring).

    Read in five Core statements on the session's connection (the case, the records keyed by
    id in one ``UNION ALL``, the two kinds of link rows, the signatures), not one ORM query
    per table.
    """
    connection = session.connection()
    case = connection.execute(
        select(Case.id, Case.patient_id).where(Case.id == case_id)
    ).one_or_none()
    if case is None:
        raise NotFound("That case does not exist.")
    units = select(Unit.id).where(Unit.case_id == case_id).scalar_subquery()
    shipments = select(Shipment.id).where(Shipment.case_id == case_id).scalar_subquery()
    steps = select(ManufacturingStep.id).where(ManufacturingStep.case_id == case_id)
    by_case = [
        select(model.id).where(model.case_id == case_id)
        for model in (
            Unit,
            Shipment,
            ManufacturingStep,
            StageRecord,
            QcResult,
            Release,
            PartnerEvent,
        )
    ]
    keyed = union_all(
        *by_case,
        select(Deviation.id).where(or_(Deviation.case_id == case_id, Deviation.unit_id.in_(units))),
        select(Scan.id).where(or_(Scan.case_id == case_id, Scan.unit_id.in_(units))),
        select(PatientIdentity.id).where(PatientIdentity.patient_id == case.patient_id),
        select(Label.id).where(Label.unit_id.in_(units)),
        select(CustodyEvent.id).where(CustodyEvent.unit_id.in_(units)),
        select(ShipmentItem.id).where(ShipmentItem.shipment_id.in_(shipments)),
        select(LoggerFile.id).where(LoggerFile.shipment_id.in_(shipments)),
    )
    found = {str(case.id), str(case.patient_id)}
    found.update(str(key) for key in connection.scalars(keyed))
    found.update(_link_keys(connection, UnitParent, UnitParent.child_id.in_(units)))
    found.update(_link_keys(connection, StepUnit, StepUnit.step_id.in_(steps.scalar_subquery())))
    signatures = connection.scalars(select(Signature.id).where(Signature.record_id.in_(found)))
    found.update(str(signature) for signature in signatures)
    return found
