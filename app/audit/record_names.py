"""Names of the records a page of audit events is on: signatures, QC specifications, stage
records, containers, shipments, deviations and logger files.

They are many (a signature per signed step), so only those of the rows shown are read: a
signature by its meaning and signer ("Verified by Ian Infusion"), a QC specification by its
name ("Viability"), a stage record by its stage and case ("Received at manufacturer · COI
CH G1234 26 000001 [4]"), a container by its DIN, a shipment by its SSCC, a deviation by its
number, a logger file by its name. The id stays in the tooltip and the CSV.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from app.core import coi_text, din_text, sscc_text
from app.journey import STAGE_NAMES
from app.scanning import UNIT_KIND_NAMES
from db.enums import CaseStage, UnitKind
from db.models import (
    Case,
    Deviation,
    LoggerFile,
    ManufacturingStep,
    QcSpecification,
    Scan,
    Shipment,
    Signature,
    StageRecord,
    StepTemplate,
    Unit,
)
from labels.isbt128 import InvalidCoi, parse_coi

_SIGNATURE = Signature.__table__.c
_SPECIFICATION = QcSpecification.__table__.c
_STAGE_RECORD = StageRecord.__table__.c
_CASE = Case.__table__.c
_UNIT = Unit.__table__.c
_SHIPMENT = Shipment.__table__.c
_DEVIATION = Deviation.__table__.c
_LOGGER_FILE = LoggerFile.__table__.c
_STEP = ManufacturingStep.__table__.c
_TEMPLATE = StepTemplate.__table__.c
_SCAN = Scan.__table__.c


def _ids(rows: Iterable[Sequence[Any]], record_type: str) -> list[str]:
    """The record ids of ``record_type`` among audit rows (record type at 6, id at 7)."""
    return sorted({str(r[7]) for r in rows if r[6] == record_type})


def record_names(connection: Connection, rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """By id, the signatures and QC specifications the audit ``rows`` are on, in words."""
    names: dict[str, str] = {}
    signatures = _ids(rows, "signature")
    if signatures:
        query = select(_SIGNATURE.id, _SIGNATURE.meaning, _SIGNATURE.signer_name).where(
            _SIGNATURE.id.in_(_uuids(signatures))
        )
        for ident, meaning, signer in connection.execute(query):
            words = str(getattr(meaning, "value", meaning)).capitalize()
            names[str(ident)] = f"{words} by {signer}"
    specifications = _ids(rows, "qc_specification")
    if specifications:
        query = select(_SPECIFICATION.id, _SPECIFICATION.name).where(
            _SPECIFICATION.id.in_(_uuids(specifications))
        )
        for row in connection.execute(query):
            names[str(row[0])] = str(row[1])
    names.update(_stage_records(connection, _ids(rows, "stage_record")))
    names.update(_containers(connection, rows))
    names.update(_steps_and_scans(connection, rows))
    names.update(_units(connection, _ids(rows, "unit")))
    return names


def _units(connection: Connection, ids: list[str]) -> dict[str, str]:
    """Containers by DIN; one without (a shipper box) by its kind and case."""
    if not ids:
        return {}
    query = (
        select(_UNIT.id, _UNIT.din, _UNIT.kind, _CASE.coi)
        .join_from(Unit.__table__, Case.__table__, _CASE.id == _UNIT.case_id, isouter=True)
        .where(_UNIT.id.in_(_uuids(ids)))
    )
    names: dict[str, str] = {}
    for row in connection.execute(query):
        if row[1]:
            names[str(row[0])] = _din(row[1])
            continue
        kind = UNIT_KIND_NAMES.get(UnitKind(getattr(row[2], "value", row[2])), str(row[2]))
        names[str(row[0])] = f"{kind} · COI {_coi(row[3])}" if row[3] else kind
    return names


def _steps_and_scans(connection: Connection, rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """Manufacturing steps by position, name and case ("Step 9 (Cryopreservation) · COI …"),
    scans by what they were for and how they ended ("receive scan, match")."""
    names: dict[str, str] = {}
    steps = _ids(rows, "manufacturing_step")
    if steps:
        query = (
            select(_STEP.id, _STEP.position, _TEMPLATE.name, _CASE.coi)
            .join_from(
                ManufacturingStep.__table__,
                StepTemplate.__table__,
                _TEMPLATE.id == _STEP.step_template_id,
            )
            .join(Case.__table__, _CASE.id == _STEP.case_id)
            .where(_STEP.id.in_(_uuids(steps)))
        )
        for ident, position, name, coi in connection.execute(query):
            names[str(ident)] = f"Step {position} ({name}) · COI {_coi(coi)}"
    scans = _ids(rows, "scan")
    if scans:
        query = select(_SCAN.id, _SCAN.purpose, _SCAN.outcome).where(_SCAN.id.in_(_uuids(scans)))
        for row in connection.execute(query):
            said = str(getattr(row[2], "value", row[2]))
            names[str(row[0])] = f"{row[1]} scan, {said}"
    return names


def _coi(coi: str) -> str:
    try:
        return coi_text(coi, parse_coi(coi).check_character)
    except InvalidCoi:  # not a COI's characters: shown as stored
        return coi


def _din(din: str) -> str:
    try:
        return f"DIN {din_text(din)}"
    except ValueError:  # not a DIN's characters: shown as stored
        return f"DIN {din}"


def _stage(value: Any) -> str:
    try:
        return STAGE_NAMES[CaseStage(getattr(value, "value", value))]
    except ValueError:
        return str(value).replace("_", " ")


def _stage_records(connection: Connection, ids: list[str]) -> dict[str, str]:
    """Stage records by the stage they were made at and their case's COI (issue 16: not
    "Stage record · 3f2a9c1e…")."""
    if not ids:
        return {}
    query = (
        select(_STAGE_RECORD.id, _STAGE_RECORD.stage, _CASE.coi)
        .join_from(StageRecord.__table__, Case.__table__, _CASE.id == _STAGE_RECORD.case_id)
        .where(_STAGE_RECORD.id.in_(_uuids(ids)))
    )
    return {
        str(ident): f"{_stage(stage)} · COI {_coi(coi)}"
        for ident, stage, coi in connection.execute(query)
    }


def _containers(connection: Connection, rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """Shipments by SSCC, deviations by number, logger files by name."""
    names: dict[str, str] = {}
    wanted = (
        ("shipment", _SHIPMENT.id, _SHIPMENT.sscc, lambda sscc: f"SSCC {sscc_text(sscc)}"),
        ("deviation", _DEVIATION.id, _DEVIATION.number, str),
        ("logger_file", _LOGGER_FILE.id, _LOGGER_FILE.file_name, str),
    )
    for record_type, ident_column, name_column, said in wanted:
        ids = _ids(rows, record_type)
        if not ids:
            continue
        query = select(ident_column, name_column).where(ident_column.in_(_uuids(ids)))
        for ident, name in connection.execute(query):
            if name:  # a shipper box has no DIN: left to its type and short id
                names[str(ident)] = said(name)
    return names


def _uuids(texts: Iterable[str]) -> list[uuid.UUID]:
    """The texts that are UUIDs, as UUIDs (a malformed stored id names nothing)."""
    found: list[uuid.UUID] = []
    for text in texts:
        try:
            found.append(uuid.UUID(text))
        except ValueError:
            continue
    return found
