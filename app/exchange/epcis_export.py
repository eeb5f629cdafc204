"""``export_epcis``: a case's journey as an EPCIS 2.0 JSON-LD document, read in one session.

Events (every time in UTC, offset ``+00:00``):

- collection: an ``ObjectEvent`` ADD / commissioning per apheresis bag, with the COI and the
  collection start and end in ``ilmd``;
- each shipment: an ``AggregationEvent`` ADD / packing (the SSCC the parent, the units'
  DINs the children), an ``AssociationEvent`` ADD (the data logger's GIAI associated with the
  SSCC), an ``ObjectEvent`` OBSERVE / shipping at hand-over and one / receiving at receipt,
  with the sending and receiving sites as source and destination;
- each performed manufacturing step: a ``TransformationEvent`` (inputs → outputs; a step that
  makes no new unit has its inputs as outputs: the same bags, processed);
- the QP's decision: an ``ObjectEvent`` OBSERVE / inspecting on the final product bags,
  ``conformant`` when certified, ``non_conformant`` when refused;
- each infusion: an ``ObjectEvent`` OBSERVE / dispensing, ``dispensed``;
- each logger assessment: an ``ObjectEvent`` OBSERVE / sensor_reporting on the SSCC with a
  temperature sensor report (min, max, mean °C) and the verdict and disposition.

The ``eventID`` of each event is its standard event hash. Nothing about the patient is read:
the document names units, shipments and sites only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.casefile import visible_cases
from app.core import Actor, Database, ValidationFailed, coi_fragment, ensure_standing, now
from app.exchange.event_hash import event_hashes
from app.exchange.uris import (
    COI_NAMESPACE,
    din_uri,
    giai_uri,
    grai_uri,
    site_uri,
    sscc_uri,
)
from db.enums import CustodyAction, ReleaseDecision, StepStatus, UnitKind
from db.models import (
    AuditEvent,
    Case,
    CustodyEvent,
    LoggerFile,
    ManufacturingStep,
    Release,
    Shipment,
    ShipmentItem,
    Site,
    StepTemplate,
    StepUnit,
    Unit,
)

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CONTEXT: list[Any] = [EPCIS_CONTEXT, {"coi": COI_NAMESPACE}]
_SUMMARY_FIELDS = (("min_c", "minValue"), ("max_c", "maxValue"), ("mean_c", "meanValue"))


@dataclass(frozen=True)
class EpcisExport:
    """The document, how many events it holds, and the cases (COIs) it covers."""

    document: dict[str, Any]
    event_count: int
    cois: tuple[str, ...]

    def json_bytes(self) -> bytes:
        """The document as UTF-8 JSON, indented."""
        return (json.dumps(self.document, ensure_ascii=False, indent=2) + "\n").encode()

    @property
    def sha256(self) -> str:
        """SHA-256 of :meth:`json_bytes`."""
        return hashlib.sha256(self.json_bytes()).hexdigest()


def epcis_time(moment: datetime) -> str:
    """A UTC time as EPCIS writes it, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def export_epcis(
    database: Database,
    actor: Actor,
    *,
    coi: str | None = None,
    since: datetime | None = None,
) -> EpcisExport:
    """The EPCIS document of one case (``coi``) or of every case ``actor`` may see.

    ``since`` keeps only events at or after that time. A COI no visible case has is refused.
    """
    if since is not None and since.tzinfo is None:
        raise ValidationFailed("The --since time needs a UTC offset, e.g. 2026-01-31T00:00Z.")
    with database.read_session() as session:
        ensure_standing(session, actor)
        query = select(Case).where(visible_cases(actor)).order_by(Case.enrolled_at, Case.id)
        if coi is not None:
            fragment = normalised_coi(coi)
            query = query.where(Case.coi == fragment)
        cases = list(session.scalars(query))
        if coi is not None and not cases:
            raise ValidationFailed(f"No case you may see has the COI {fragment}.")
        reader = _Reader(session)
        events: list[dict[str, Any]] = []
        for case in cases:
            events.extend(reader.case_events(case))
    if since is not None:
        cutoff = epcis_time(since)
        events = [e for e in events if _sort_key(e) >= cutoff]
    events.sort(key=_sort_key)
    for event, event_id in zip(events, event_hashes(CONTEXT, events), strict=True):
        event["eventID"] = event_id
    document = {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": epcis_time(now()),
        "epcisBody": {"eventList": [_with_id_first(e) for e in events]},
    }
    return EpcisExport(document, len(events), tuple(c.coi for c in cases))


def normalised_coi(typed: str) -> str:
    """The stored form of a COI as typed (spaces and check character optional)."""
    fragment = coi_fragment(typed)
    if len(fragment) == 16:
        fragment = fragment[:15]  # the check character is not part of the stored COI
    if len(fragment) != 15 or not fragment.startswith("CH"):
        raise ValidationFailed(
            f"{typed.strip()[:40]!r} is not a COI: CH, then 13 characters (spaces and the "
            "check character are optional)."
        )
    return fragment


def _sort_key(event: dict[str, Any]) -> str:
    return str(event["eventTime"])


def _with_id_first(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": event["type"], "eventID": event["eventID"], **event}


def _base(kind: str, moment: datetime) -> dict[str, Any]:
    return {"type": kind, "eventTime": epcis_time(moment), "eventTimeZoneOffset": "+00:00"}


def _place(uri: str | None) -> dict[str, Any]:
    return {"readPoint": {"id": uri}, "bizLocation": {"id": uri}} if uri else {}


class _Reader:
    """Reads one case's records and turns them into event dictionaries (without eventIDs)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sites: dict[uuid.UUID, str] = {
            site.id: site_uri(site.gln, site.code) for site in session.scalars(select(Site))
        }

    def case_events(self, case: Case) -> list[dict[str, Any]]:
        units = {u.id: u for u in self.session.scalars(select(Unit).where(Unit.case_id == case.id))}
        events = self._collections(case, units)
        for shipment in self.session.scalars(
            select(Shipment).where(Shipment.case_id == case.id).order_by(Shipment.packed_at)
        ):
            events.extend(self._shipment(shipment, units))
        events.extend(self._steps(case, units))
        events.extend(self._release(case, units))
        events.extend(self._infusions(units))
        return events

    def _site(self, site_id: uuid.UUID | None) -> str | None:
        return self.sites.get(site_id) if site_id is not None else None

    def _custody(self, units: Iterable[uuid.UUID], action: CustodyAction) -> list[CustodyEvent]:
        return list(
            self.session.scalars(
                select(CustodyEvent)
                .where(CustodyEvent.unit_id.in_(list(units)), CustodyEvent.action == action)
                .order_by(CustodyEvent.occurred_at)
            )
        )

    def _collections(self, case: Case, units: dict[uuid.UUID, Unit]) -> list[dict[str, Any]]:
        bags = {i: u for i, u in units.items() if u.kind is UnitKind.APHERESIS_BAG and u.din}
        made = {c.unit_id: c for c in self._custody(bags, CustodyAction.COMMISSIONED)}
        events = []
        for unit_id, bag in bags.items():
            custody = made.get(unit_id)
            ilmd: dict[str, Any] = {"coi:chainOfIdentity": case.coi}
            if bag.collection_start is not None:
                ilmd["coi:collectionStart"] = epcis_time(bag.collection_start)
            if bag.collection_end is not None:
                ilmd["coi:collectionEnd"] = epcis_time(bag.collection_end)
            if bag.product_code:
                ilmd["coi:isbt128ProductCode"] = bag.product_code
            moment = custody.occurred_at if custody else bag.created_at
            events.append(
                {
                    **_base("ObjectEvent", moment),
                    "epcList": [din_uri(str(bag.din))],
                    "action": "ADD",
                    "bizStep": "commissioning",
                    "disposition": "active",
                    **_place(self._site(custody.site_id if custody else bag.site_id)),
                    "ilmd": ilmd,
                }
            )
        return events

    def _shipment(self, shipment: Shipment, units: dict[uuid.UUID, Unit]) -> list[dict[str, Any]]:
        items = list(
            self.session.scalars(
                select(ShipmentItem)
                .where(ShipmentItem.shipment_id == shipment.id)
                .order_by(ShipmentItem.packed_at)
            )
        )
        dins = [din_uri(str(units[i.unit_id].din)) for i in items if units[i.unit_id].din]
        sscc = sscc_uri(shipment.sscc)
        origin, destination = self._site(shipment.from_site_id), self._site(shipment.to_site_id)
        route: dict[str, Any] = {}
        if origin:
            route["sourceList"] = [{"type": "location", "source": origin}]
        if destination:
            route["destinationList"] = [{"type": "location", "destination": destination}]
        events: list[dict[str, Any]] = []
        packed = shipment.packed_at or (items[-1].packed_at if items else None)
        if packed is not None and dins:
            events.append(
                {
                    **_base("AggregationEvent", packed),
                    "parentID": sscc,
                    "childEPCs": dins,
                    "action": "ADD",
                    "bizStep": "packing",
                    "disposition": "container_closed",
                    **_place(origin),
                }
            )
        if shipment.logger_giai:
            attached = self._attached_at(shipment) or packed
            if attached is not None:
                association: dict[str, Any] = {
                    **_base("AssociationEvent", attached),
                    "parentID": sscc,
                    "childEPCs": [giai_uri(shipment.logger_giai)],
                    "action": "ADD",
                    "bizStep": "assembling",
                    **_place(origin),
                }
                events.append(association)
        extra = (
            {"coi:shipperGrai": grai_uri(shipment.shipper_grai)} if shipment.shipper_grai else {}
        )
        if shipment.handed_over_at is not None:
            events.append(
                {
                    **_base("ObjectEvent", shipment.handed_over_at),
                    "epcList": [sscc, *dins],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    **({"readPoint": {"id": origin}} if origin else {}),
                    **route,
                    **extra,
                }
            )
        if shipment.received_at is not None:
            events.append(
                {
                    **_base("ObjectEvent", shipment.received_at),
                    "epcList": [sscc, *dins],
                    "action": "OBSERVE",
                    "bizStep": "receiving",
                    "disposition": "in_progress",
                    **_place(destination),
                    **route,
                }
            )
        events.extend(self._sensor_reports(shipment, sscc, destination))
        return events

    def _attached_at(self, shipment: Shipment) -> datetime | None:
        return self.session.scalar(
            select(AuditEvent.at)
            .where(
                AuditEvent.record_type == "shipment",
                AuditEvent.record_id == str(shipment.id),
                AuditEvent.action == "attach logger",
            )
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )

    def _sensor_reports(
        self, shipment: Shipment, sscc: str, place: str | None
    ) -> list[dict[str, Any]]:
        events = []
        for logger in self.session.scalars(
            select(LoggerFile)
            .where(LoggerFile.shipment_id == shipment.id)
            .order_by(LoggerFile.imported_at)
        ):
            report = json.loads(logger.assessment or "{}")
            reading: dict[str, Any] = {"type": "Temperature", "uom": "CEL"}
            for key, field in (
                ("min_c", "minValue"),
                ("max_c", "maxValue"),
                ("mean_c", "meanValue"),
            ):
                if isinstance(report.get(key), int | float):
                    reading[field] = round(float(report[key]), 3)
            metadata: dict[str, Any] = {}
            if shipment.logger_giai:
                metadata["deviceID"] = giai_uri(shipment.logger_giai)
            if logger.window_start is not None:
                metadata["startTime"] = epcis_time(logger.window_start)
            if logger.window_end is not None:
                metadata["endTime"] = epcis_time(logger.window_end)
            element: dict[str, Any] = {"sensorReport": [reading]}
            if metadata:
                element["sensorMetadata"] = metadata
            event: dict[str, Any] = {
                **_base("ObjectEvent", logger.window_end or logger.imported_at),
                "epcList": [sscc],
                "action": "OBSERVE",
                "bizStep": "sensor_reporting",
                **({"readPoint": {"id": place}} if place else {}),
                "sensorElementList": [element],
                "coi:loggerFileSha256": logger.sha256,
            }
            if logger.verdict is not None:
                event["coi:verdict"] = logger.verdict.value
            if logger.disposition is not None:
                event["coi:disposition"] = logger.disposition.value
            events.append(event)
        return events

    def _steps(self, case: Case, units: dict[uuid.UUID, Unit]) -> list[dict[str, Any]]:
        rows = self.session.execute(
            select(ManufacturingStep, StepTemplate.code, StepTemplate.name)
            .join(StepTemplate, StepTemplate.id == ManufacturingStep.step_template_id)
            .where(
                ManufacturingStep.case_id == case.id,
                ManufacturingStep.status.in_([StepStatus.PERFORMED, StepStatus.VERIFIED]),
            )
            .order_by(ManufacturingStep.position)
        ).all()
        links: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for link in self.session.scalars(
            select(StepUnit).where(StepUnit.step_id.in_([r[0].id for r in rows]))
        ):
            unit = units.get(link.unit_id)
            if unit is not None and unit.din:
                links[link.step_id][link.direction].append(din_uri(unit.din))
        events = []
        for step, code, name in rows:
            if step.performed_at is None:
                continue
            inputs = sorted(links[step.id]["input"])
            outputs = sorted(links[step.id]["output"]) or inputs
            if not inputs and not outputs:
                continue
            event: dict[str, Any] = {**_base("TransformationEvent", step.performed_at)}
            if inputs:
                event["inputEPCList"] = inputs
            event["outputEPCList"] = outputs
            event["transformationID"] = f"{COI_NAMESPACE}step:{case.coi}:{step.position}"
            event.update(_place(self._site(case.manufacturing_site_id)))
            event["coi:step"] = code
            event["coi:stepName"] = name
            event["coi:stepPosition"] = step.position
            events.append(event)
        return events

    def _release(self, case: Case, units: dict[uuid.UUID, Unit]) -> list[dict[str, Any]]:
        finals = sorted(
            din_uri(u.din) for u in units.values() if u.kind is UnitKind.FINAL_PRODUCT_BAG and u.din
        )
        if not finals:
            return []
        events = []
        for release in self.session.scalars(
            select(Release).where(Release.case_id == case.id).order_by(Release.decided_at)
        ):
            certified = release.decision is ReleaseDecision.CERTIFIED
            events.append(
                {
                    **_base("ObjectEvent", release.decided_at),
                    "epcList": finals,
                    "action": "OBSERVE",
                    "bizStep": "inspecting",
                    "disposition": "conformant" if certified else "non_conformant",
                    **_place(self._site(case.manufacturing_site_id)),
                    "coi:releaseDecision": release.decision.value,
                }
            )
        return events

    def _infusions(self, units: dict[uuid.UUID, Unit]) -> list[dict[str, Any]]:
        return [
            {
                **_base("ObjectEvent", custody.occurred_at),
                "epcList": [din_uri(str(units[custody.unit_id].din))],
                "action": "OBSERVE",
                "bizStep": "dispensing",
                "disposition": "dispensed",
                **_place(self._site(custody.site_id)),
            }
            for custody in self._custody(units, CustodyAction.DISPENSED)
            if units[custody.unit_id].din
        ]
