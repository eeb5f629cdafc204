"""``import_epcis``: attach a partner's shipping and sensor events to the cases they name.

An event is matched only by identifiers this database holds (a unit's DIN, a shipment's SSCC,
a shipment's data-logger GIAI). Identifiers we do not hold are reported, never guessed; an
event with none we hold, with units of two cases, of a case the user may not see, or that is
neither a shipping nor a sensor event is reported and not stored. Each stored event keeps its
``eventID`` (the standard event hash when it came without one), so the same event imported
twice is stored once. Everything stored is one transaction with its audit events, which carry
the file's SHA-256.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.access import require_role
from app.casefile import visible_cases
from app.core import Actor, Database, UnitOfWork, ValidationFailed, ensure_standing
from app.exchange.epcis_document import EpcisDocument, event_time, read_epcis_file
from app.exchange.event_hash import EventHashError, event_hashes
from app.exchange.uris import Identifier, read_uri
from db.enums import Role
from db.models import Case, PartnerEvent, Shipment, Unit

IMPORT_ROLES = (Role.QA, Role.CLINIC_COORDINATOR)


class AlreadyImported(ValidationFailed):
    """A concurrent import stored the same events first; nothing of this one was written."""

    title = "Already imported"


SHIPPING_STEPS = frozenset(
    {
        "shipping",
        "receiving",
        "departing",
        "arriving",
        "transporting",
        "loading",
        "unloading",
        "packing",
        "unpacking",
        "accepting",
        "holding",
        "storing",
        "sensor_reporting",
    }
)


@dataclass(frozen=True)
class EventOutcome:
    """What became of one event of the document (``number`` counts from 1)."""

    number: int
    event_type: str
    event_id: str | None
    outcome: str
    """``imported``, ``duplicate`` or ``skipped``."""
    reason: str
    coi: str | None
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class EpcisImport:
    """The import of one document."""

    file: str
    sha256: str
    outcomes: tuple[EventOutcome, ...]

    def count(self, outcome: str) -> int:
        """How many events had this outcome."""
        return sum(1 for o in self.outcomes if o.outcome == outcome)


@dataclass(frozen=True)
class _Match:
    case: Case | None
    shipment_id: uuid.UUID | None
    matched: tuple[str, ...]
    unknown: tuple[str, ...]
    problem: str | None


def import_epcis(
    database: Database, actor: Actor, path: Path, *, schema: Path | None = None
) -> EpcisImport:
    """Import the events of the EPCIS file at ``path`` (validated against ``schema`` if given)."""
    document = read_epcis_file(path, schema=schema)
    require_role(actor, *IMPORT_ROLES, doing="import a partner's EPCIS events")
    try:
        with UnitOfWork(database, actor) as uow:
            outcomes = attach_events(uow, actor, document)
            if any(o.outcome == "imported" for o in outcomes):
                uow.commit()
    except IntegrityError:
        # Another session stored the same events between our check and our commit; the
        # unique eventID refused ours, and with them the whole file.
        raise AlreadyImported(
            f"The events of {document.name} were imported at the same moment by another "
            "session (already imported); nothing was written. Import the file again to see "
            "which of its events are stored."
        ) from None
    return EpcisImport(document.name, document.sha256, tuple(outcomes))


def attach_events(uow: UnitOfWork, actor: Actor, document: EpcisDocument) -> list[EventOutcome]:
    """Store the document's events that name a case here, in ``uow``; each one's outcome."""
    session = uow.session
    ensure_standing(session, actor)
    seen: set[str] = set()
    outcomes = []
    for number, event in enumerate(document.events, start=1):
        kind = str(event["type"])
        match = _match(session, actor, event)

        def outcome(
            result: str,
            reason: str,
            event_id: str | None = None,
            *,
            _kind: str = kind,
            _number: int = number,
            _match: _Match = match,
        ) -> EventOutcome:
            coi = _match.case.coi if _match.case is not None and result != "skipped" else None
            return EventOutcome(_number, _kind, event_id, result, reason, coi, _match.unknown)

        if match.problem is not None:
            outcomes.append(outcome("skipped", match.problem))
            continue
        assert match.case is not None
        if not _is_shipping_or_sensor(event):
            outcomes.append(
                outcome("skipped", "not a shipping or sensor event; only those are attached")
            )
            continue
        try:
            event_id = _event_id(document, event)
        except EventHashError as exc:
            outcomes.append(outcome("skipped", f"it has no eventID and {exc}"))
            continue
        known = session.scalar(select(PartnerEvent.id).where(PartnerEvent.event_id == event_id))
        if known is not None or event_id in seen:
            outcomes.append(outcome("duplicate", "imported before; not stored again", event_id))
            continue
        seen.add(event_id)
        record = PartnerEvent(
            event_id=event_id,
            event_type=kind,
            biz_step=str(event["bizStep"])[:200] if event.get("bizStep") else None,
            event_time=event_time(f"{document.name}, event {number}", event),
            case_id=match.case.id,
            shipment_id=match.shipment_id,
            matched="\n".join(match.matched),
            document_sha256=document.sha256,
            source_file=document.name[:255],
            body=json.dumps(event, ensure_ascii=False, sort_keys=True),
            recorded_by_id=uow.actor.user_id,
        )
        uow.add(
            record,
            action="import epcis event",
            reason=f"EPCIS file {document.name[:100]} sha256 {document.sha256}",
        )
        outcomes.append(outcome("imported", "attached to the case", event_id))
    return outcomes


def _event_id(document: EpcisDocument, event: dict[str, Any]) -> str:
    given = event.get("eventID")
    if isinstance(given, str) and given.strip():
        return given.strip()[:200]
    return event_hashes(document.context, [event])[0]


def _bare_step(step: Any) -> str:
    text = str(step or "")
    for marker in ("BizStep-", "bizstep:"):
        if marker in text:
            return text.rsplit(marker, 1)[1]
    return text


def _is_shipping_or_sensor(event: dict[str, Any]) -> bool:
    return bool(event.get("sensorElementList")) or _bare_step(event.get("bizStep")) in (
        SHIPPING_STEPS
    )


def _uris(event: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        values = event.get(key)
        if isinstance(values, list):
            found.extend(v for v in values if isinstance(v, str))
    if isinstance(event.get("parentID"), str):
        found.append(event["parentID"])
    for element in event.get("sensorElementList") or []:
        if not isinstance(element, dict):
            continue
        metadata = element.get("sensorMetadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("deviceID"), str):
            found.append(metadata["deviceID"])
        for report in element.get("sensorReport") or []:
            if isinstance(report, dict) and isinstance(report.get("deviceID"), str):
                found.append(report["deviceID"])
    return list(dict.fromkeys(found))


def _lookup(session: Session, identifier: Identifier) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(case id, shipment id) of what the identifier names here, or (None, None)."""
    if identifier.kind == "din":
        unit = session.scalar(select(Unit).where(Unit.din == identifier.value))
        return (unit.case_id, None) if unit is not None else (None, None)
    column = {"sscc": Shipment.sscc, "giai": Shipment.logger_giai}.get(identifier.kind)
    if column is None:
        return None, None
    shipment = session.scalar(select(Shipment).where(column == identifier.value).limit(1))
    if shipment is None or shipment.case_id is None:
        return None, None
    return shipment.case_id, shipment.id


def _match(session: Session, actor: Actor, event: dict[str, Any]) -> _Match:
    cases: set[uuid.UUID] = set()
    shipments: set[uuid.UUID] = set()
    matched: list[str] = []
    unknown: list[str] = []
    for uri in _uris(event):
        identifier = read_uri(uri)
        case_id, shipment_id = _lookup(session, identifier) if identifier else (None, None)
        if case_id is None:
            unknown.append(uri)
            continue
        matched.append(uri)
        cases.add(case_id)
        if shipment_id is not None:
            shipments.add(shipment_id)

    def result(case: Case | None, problem: str | None) -> _Match:
        shipment = next(iter(shipments)) if len(shipments) == 1 else None
        return _Match(case, shipment, tuple(matched), tuple(unknown), problem)

    if not cases:
        return result(None, "none of its identifiers is held in this database")
    if len(cases) > 1:
        return result(None, "its identifiers name units of more than one case")
    case = session.scalar(select(Case).where(Case.id == next(iter(cases)), visible_cases(actor)))
    if case is None:
        return result(None, "it names units of a case you may not see")
    return result(case, None)
