"""The records a bundle carries, and making them in the receiving database.

Out (``records_of``): the case (COI, product code, stage, its two sites; never patient
identity), its units with their DINs, kinds, status, parents and side state (state, reason,
cause), its shipments (SSCC, legs, logger, packed units and how each was found on receipt), the
logger assessments of those shipments, the QP's release decision and recall, and the case's
open clinic alerts.

In (``apply_records``): the case is found by its COI, or made (a pseudonymous patient, the
product by its code); units by DIN, shipments by SSCC, assessments by the file's SHA-256 and
the release by its decision time are made when missing and brought up to date when present
(a shipment's status and receipt forward only; a unit's status only while it is away from
this site: what this site holds, this site records); the case moves forward to the sender's
stage, never back. A partner's hold, quarantine or rejection of a unit applies here in the
restrictive direction only, also to a unit held here (its NONE never lifts a hold here: only
this site's QA does); the partner's open clinic alerts become this clinic's alerts, once each,
and its recall this case's recall. Every row made or changed is audited in the receiving
database with the bundle's digest. Anything that does not fit (an unknown product or site, a
DIN or SSCC of another case, a case whose sites differ) refuses the whole bundle.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import UnitOfWork, ValidationFailed, coi_text, now, sscc_text
from app.exchange.epcis_export import epcis_time
from app.journey import (
    AUTOMATIC_CAUSES,
    FINAL_SIDE_STATES,
    STAGE_NAMES,
    enter_partner_side_state,
    stage_index,
)
from app.quality import signatures_of
from app.scanning import UNIT_KIND_NAMES, din_words
from db.enums import (
    CaseStage,
    CustodyAction,
    Disposition,
    LabelStatus,
    ReceiptOutcome,
    ReleaseDecision,
    ShipmentDirection,
    ShipmentStatus,
    SideState,
    SideStateCause,
    UnitKind,
    UnitStatus,
    Verdict,
)
from db.models import (
    Case,
    ClinicAlert,
    CustodyEvent,
    Label,
    LoggerFile,
    Patient,
    Product,
    Recall,
    Release,
    Shipment,
    ShipmentItem,
    Site,
    StageRecord,
    Unit,
    UnitParent,
    User,
)
from labels.isbt128 import InvalidCoi, parse_coi

_E = TypeVar("_E")
_SHIPMENT_ORDER = {
    ShipmentStatus.OPEN: 0,
    ShipmentStatus.PACKED: 1,
    ShipmentStatus.IN_TRANSIT: 2,
    ShipmentStatus.RECEIVED: 3,
    ShipmentStatus.CANCELLED: 3,
}
"""A shipment's status moves forward only: a partner's older view never takes it back."""


def _words(value: StrEnum) -> str:
    """A stored state in words, as the screens say it: ``in_transit`` → ``in transit``."""
    return value.value.replace("_", " ")


def coi_words(coi: str) -> str:
    """A COI grouped as printed, with its check character (as stored when it is not one)."""
    try:
        return coi_text(coi, parse_coi(coi).check_character)
    except InvalidCoi:
        return coi


class BundleRefused(ValidationFailed):
    """The bundle is not accepted (or its records do not fit here); nothing was written."""

    title = "Bundle refused"


# ---------------------------------------------------------------------------- out
def _when(moment: datetime | None) -> str | None:
    return epcis_time(moment) if moment is not None else None


def _exact(moment: datetime | None) -> str | None:
    """A UTC time to the microsecond: the key a copied record is known by when it comes back."""
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _name(session: Session, user_id: uuid.UUID | None) -> str | None:
    return session.scalar(select(User.full_name).where(User.id == user_id)) if user_id else None


def records_of(session: Session, case: Case, sites: dict[uuid.UUID, str]) -> dict[str, Any]:
    """What the receiving site needs besides the events. Never patient identity."""
    product = session.get(Product, case.product_id)
    units = list(
        session.scalars(select(Unit).where(Unit.case_id == case.id).order_by(Unit.created_at))
    )
    dins = {u.id: u.din for u in units}
    parents: dict[uuid.UUID, list[str]] = {}
    for edge in session.scalars(select(UnitParent).where(UnitParent.child_id.in_(dins))):
        if dins.get(edge.parent_id):
            parents.setdefault(edge.child_id, []).append(str(dins[edge.parent_id]))
    shipments = list(
        session.scalars(
            select(Shipment).where(Shipment.case_id == case.id).order_by(Shipment.created_at)
        )
    )
    ssccs = {s.id: s.sscc for s in shipments}
    items = list(session.scalars(select(ShipmentItem).where(ShipmentItem.shipment_id.in_(ssccs))))
    loggers = session.scalars(
        select(LoggerFile)
        .where(LoggerFile.shipment_id.in_(ssccs))
        .order_by(LoggerFile.imported_at, LoggerFile.id)
    )
    release = session.scalars(
        select(Release).where(Release.case_id == case.id).order_by(Release.decided_at.desc())
    ).first()
    labels = session.scalars(
        select(Label).where(Label.unit_id.in_(dins)).order_by(Label.printed_at, Label.id)
    )
    custody = session.scalars(
        select(CustodyEvent)
        .where(CustodyEvent.unit_id.in_(dins))
        .order_by(CustodyEvent.occurred_at, CustodyEvent.recorded_at)
    )
    return {
        "case": {
            "coi_check": case.coi_check,
            "stage": case.stage.value,
            "enrolled_at": _when(case.enrolled_at),
        },
        "product": product.code if product is not None else None,
        "clinic": sites[case.clinic_site_id],
        "manufacturer": sites[case.manufacturing_site_id],
        "units": [
            {
                "din": u.din,
                "kind": u.kind.value,
                "status": u.status.value,
                "product_code": u.product_code,
                "volume_ml": u.volume_ml,
                "anticoagulant": u.anticoagulant,
                "collection_start": _when(u.collection_start),
                "collection_end": _when(u.collection_end),
                "expires_at": _when(u.expires_at),
                "site": sites.get(u.site_id) if u.site_id else None,
                "parents": sorted(parents.get(u.id, [])),
                "side_state": u.side_state.value,
                "side_state_reason": u.side_state_reason,
                "side_state_cause": u.side_state_cause.value if u.side_state_cause else None,
            }
            for u in units
            if u.din
        ],
        "labels": [
            {
                "din": dins[label.unit_id],
                "serial": label.serial,
                "template": label.template,
                "status": label.status.value,
                "printer_name": label.printer_name,
                "copies": label.copies,
                "printed_at": _exact(label.printed_at),
                "applied_at": _exact(label.applied_at),
                "voided_at": _exact(label.voided_at),
                "void_reason": label.void_reason,
            }
            for label in labels
            if dins.get(label.unit_id)
        ],
        "custody": [
            {
                "din": dins[event.unit_id],
                "sscc": ssccs.get(event.shipment_id) if event.shipment_id else None,
                "action": event.action.value,
                "custodian": event.custodian_name,
                "organisation": event.organisation,
                "site": sites.get(event.site_id) if event.site_id else None,
                "occurred_at": _exact(event.occurred_at),
                "condition": event.condition,
            }
            for event in custody
            if dins.get(event.unit_id)
        ],
        "shipments": [
            {
                "sscc": s.sscc,
                "direction": s.direction.value,
                "status": s.status.value,
                "from": sites[s.from_site_id],
                "to": sites[s.to_site_id],
                "logger_giai": s.logger_giai,
                "courier_name": s.courier_name,
                "courier_organisation": s.courier_organisation,
                "packed_at": _when(s.packed_at),
                "handed_over_at": _when(s.handed_over_at),
                "received_at": _when(s.received_at),
                "receipt_accepted": s.receipt_accepted,
                "items": [
                    {
                        "din": dins.get(i.unit_id),
                        "packed_at": _when(i.packed_at),
                        "receipt_outcome": i.receipt_outcome.value if i.receipt_outcome else None,
                        "received_at": _when(i.received_at),
                    }
                    for i in items
                    if i.shipment_id == s.id and dins.get(i.unit_id)
                ],
            }
            for s in shipments
        ],
        "assessments": [
            {
                "sscc": ssccs[f.shipment_id] if f.shipment_id else None,
                "file_name": f.file_name,
                "sha256": f.sha256,
                "format": f.format,
                "sensor_id": f.sensor_id,
                "reading_count": f.reading_count,
                "window_start": _when(f.window_start),
                "window_end": _when(f.window_end),
                "verdict": f.verdict.value if f.verdict else None,
                "assessment": f.assessment,
                "imported_at": _when(f.imported_at),
                "disposition": f.disposition.value if f.disposition else None,
                "disposition_justification": f.disposition_justification,
                "dispositioned_at": _when(f.dispositioned_at),
                "dispositioned_by": _name(session, f.dispositioned_by_id),
            }
            for f in loggers
        ],
        "release": (
            {
                "decision": release.decision.value,
                "decided_at": _when(release.decided_at),
                "qp": _name(session, release.qp_id),
                "checklist": release.checklist,
                "signatures": [v.manifestation for v in signatures_of(session, release)],
            }
            if release is not None
            else None
        ),
        "alerts": [
            {
                "kind": a.kind,
                "message": a.message,
                "infused": a.infused,
                "raised_at": _exact(a.raised_at),
                "raised_by": _name(session, a.raised_by_id),
            }
            for a in session.scalars(
                select(ClinicAlert)
                .where(ClinicAlert.case_id == case.id, ClinicAlert.acknowledged_at.is_(None))
                .order_by(ClinicAlert.raised_at)
            )
        ],
        "recalls": [
            {
                "reason": r.reason,
                "recalled_at": _exact(r.recalled_at),
                "qp": _name(session, r.recalled_by_id),
            }
            for r in session.scalars(select(Recall).where(Recall.case_id == case.id))
        ],
    }


# ---------------------------------------------------------------------------- in
@dataclass
class Applied:
    """What the bundle made and changed here, in words."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise BundleRefused(f"The bundle holds an unreadable time ({str(value)[:40]!r}).") from None
    if moment.tzinfo is None:
        raise BundleRefused(f"The bundle holds a time without a UTC offset ({value!r}).")
    return moment


def _enum(kind: Callable[[str], _E], value: Any, what: str) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        raise BundleRefused(f"The bundle names an unknown {what} ({str(value)[:40]!r}).") from None


class _Receiver:
    """One bundle's records being made in ``uow``."""

    def __init__(
        self, uow: UnitOfWork, records: dict[str, Any], coi: str, digest: str, sender: str
    ) -> None:
        self.uow, self.session = uow, uow.session
        self.records, self.coi, self.sender = records, coi, sender
        self.reason = f"bundle sha256 {digest} from {sender}"
        self.applied = Applied()
        self.sites = {s.code: s for s in self.session.scalars(select(Site))}
        self.own_code = next(
            (s.code for s in self.sites.values() if s.id == uow.actor.site_id), None
        )

    def site(self, code: Any) -> Site:
        site = self.sites.get(str(code))
        if site is None:
            raise BundleRefused(
                f"The bundle names the site {str(code)[:32]!r}, which is not registered here; "
                "an administrator adds it first."
            )
        return site

    def away(self, unit: Unit) -> bool:
        """Whether ``unit`` is away from this site (in transit, or held elsewhere): only then may
        a partner's bundle change its status; what this site holds, this site records."""
        own = self.uow.actor.site_id
        return unit.status is UnitStatus.IN_TRANSIT or unit.site_id != own

    def add(self, record: Any, action: str, words: str) -> None:
        self.uow.add(record, action=action, reason=self.reason)
        self.applied.created.append(words)

    def changed(self, record: Any, action: str, words: str) -> None:
        self.uow.annotate(record, action=action, reason=self.reason)
        self.applied.updated.append(words)

    # ------------------------------------------------------------------ case
    def case(self, importer: uuid.UUID) -> Case:
        clinic, maker = (
            self.site(self.records.get("clinic")),
            self.site(self.records.get("manufacturer")),
        )
        code = str(self.records.get("product"))
        product = self.session.scalar(select(Product).where(Product.code == code))
        if product is None:
            raise BundleRefused(f"The product {code[:16]!r} of case {self.coi} is not known here.")
        facts = self.records.get("case") or {}
        stage = _enum(CaseStage, facts.get("stage"), "stage")
        case = self.session.scalar(select(Case).where(Case.coi == self.coi))
        if case is None:
            patient = Patient(clinic_site_id=clinic.id)
            self.add(patient, "import patient", "a pseudonymous patient")
            self.session.flush()
            case = Case(
                coi=self.coi,
                coi_check=str(facts.get("coi_check", ""))[:1],
                patient_id=patient.id,
                product_id=product.id,
                clinic_site_id=clinic.id,
                manufacturing_site_id=maker.id,
                stage=stage,
                enrolled_at=_time(facts.get("enrolled_at")),
                enrolled_by_id=importer,
            )
            self.add(case, "import case", f"case {coi_words(self.coi)} ({STAGE_NAMES[stage]})")
            self.session.flush()
            return case
        if (case.clinic_site_id, case.manufacturing_site_id) != (clinic.id, maker.id):
            raise BundleRefused(
                f"Case {self.coi} here is between other sites than the bundle's "
                f"({clinic.code} and {maker.code})."
            )
        if case.product_id != product.id:
            raise BundleRefused(f"Case {self.coi} here is of another product than {code[:16]}.")
        if stage_index(stage) > stage_index(case.stage) and case.side_state is SideState.NONE:
            old = case.stage
            case.stage = stage
            self.changed(
                case,
                f"stage {old.value} -> {stage.value}",
                f"case {coi_words(self.coi)} now {STAGE_NAMES[stage]}",
            )
        return case

    # ------------------------------------------------------------------ units
    def units(self, case: Case) -> dict[str, Unit]:
        made: dict[str, Unit] = {}
        for row in self.records.get("units") or []:
            din = str(row.get("din"))[:16]
            status = _enum(UnitStatus, row.get("status"), "unit status")
            unit = self.session.scalar(select(Unit).where(Unit.din == din))
            if unit is not None and unit.case_id != case.id:
                raise BundleRefused(f"Container {din} belongs to another case here.")
            site = self.sites.get(str(row.get("site"))) if row.get("site") else None
            if unit is None:
                unit = Unit(
                    case_id=case.id,
                    coi=case.coi,
                    kind=_enum(UnitKind, row.get("kind"), "container kind"),
                    status=status,
                    din=din,
                    product_code=row.get("product_code"),
                    volume_ml=row.get("volume_ml"),
                    anticoagulant=row.get("anticoagulant"),
                    collection_start=_time(row.get("collection_start")),
                    collection_end=_time(row.get("collection_end")),
                    expires_at=_time(row.get("expires_at")),
                    site_id=site.id if site else None,
                )
                self.add(
                    unit,
                    "import unit",
                    f"container {din_words(din)} ({UNIT_KIND_NAMES[unit.kind].lower()})",
                )
            elif unit.status is not status and self.away(unit):
                unit.status = status
                unit.site_id = site.id if site else unit.site_id
                self.changed(
                    unit, "import unit status", f"container {din_words(din)} now {_words(status)}"
                )
            made[din] = unit
        self.session.flush()
        for row in self.records.get("units") or []:
            self.side_state(made[str(row.get("din"))[:16]], row)
        for row in self.records.get("units") or []:
            child = made[str(row.get("din"))[:16]]
            for parent_din in row.get("parents") or []:
                parent = made.get(str(parent_din))
                if parent is None:
                    raise BundleRefused(f"Container {parent_din} is named but not carried.")
                if self.session.get(UnitParent, (child.id, parent.id)) is None:
                    self.session.add(UnitParent(child_id=child.id, parent_id=parent.id))
        return made

    def side_state(self, unit: Unit, row: dict[str, Any]) -> None:
        """The partner's hold, quarantine or rejection of ``unit``, restrictive only (also on a
        unit held here); its NONE, its own automatic quarantine, or this site's own state echoed
        back (its reason ends "(at <this site>)") changes nothing here."""
        state = _enum(SideState, row.get("side_state") or "none", "side state")
        given = row.get("side_state_cause")
        cause = _enum(SideStateCause, given, "side state cause") if given else None
        if cause in AUTOMATIC_CAUSES and state not in FINAL_SIDE_STATES:
            return
        why = str(row.get("side_state_reason") or "no reason given")[:400]
        if why.endswith(f"(at {self.own_code})"):
            return
        if enter_partner_side_state(
            self.uow,
            unit,
            state,
            f"{why} (at {self.sender})",
            audit_reason=self.reason,
            cause=cause,
        ):
            self.applied.updated.append(
                f"container {din_words(unit.din)} now {_words(state)} ({why})"
            )

    # ------------------------------------------------------------------ shipments
    def shipments(self, case: Case, units: dict[str, Unit]) -> dict[str, Shipment]:
        product = self.session.get(Product, case.product_id)
        made: dict[str, Shipment] = {}
        for row in self.records.get("shipments") or []:
            sscc = str(row.get("sscc"))[:18]
            direction = _enum(ShipmentDirection, row.get("direction"), "shipment direction")
            status = _enum(ShipmentStatus, row.get("status"), "shipment status")
            shipment = self.session.scalar(select(Shipment).where(Shipment.sscc == sscc))
            if shipment is not None and shipment.case_id != case.id:
                raise BundleRefused(f"Shipment {sscc} belongs to another case here.")
            if shipment is None:
                to_manufacturer = direction is ShipmentDirection.TO_MANUFACTURER
                profile = (
                    (
                        product.starting_material_profile_id
                        if to_manufacturer
                        else product.final_product_profile_id
                    )
                    if product
                    else None
                )
                shipment = Shipment(
                    sscc=sscc,
                    direction=direction,
                    status=status,
                    case_id=case.id,
                    from_site_id=self.site(row.get("from")).id,
                    to_site_id=self.site(row.get("to")).id,
                    profile_id=profile,
                    logger_giai=row.get("logger_giai"),
                    courier_name=row.get("courier_name"),
                    courier_organisation=row.get("courier_organisation"),
                    packed_at=_time(row.get("packed_at")),
                    handed_over_at=_time(row.get("handed_over_at")),
                    received_at=_time(row.get("received_at")),
                    receipt_accepted=row.get("receipt_accepted"),
                )
                self.add(
                    shipment, "import shipment", f"shipment {sscc_text(sscc)} ({_words(status)})"
                )
                self.session.flush()
                self._items(shipment, row, units, created=True)
            else:
                if _SHIPMENT_ORDER[status] > _SHIPMENT_ORDER[shipment.status]:
                    shipment.status = status
                    shipment.received_at = _time(row.get("received_at"))
                    shipment.receipt_accepted = row.get("receipt_accepted")
                    self.changed(
                        shipment,
                        "import shipment status",
                        f"shipment {sscc_text(sscc)} now {_words(status)}",
                    )
                self._items(shipment, row, units, created=False)
            made[sscc] = shipment
        return made

    def _items(
        self, shipment: Shipment, row: dict[str, Any], units: dict[str, Unit], *, created: bool
    ) -> None:
        present = {
            i.unit_id: i
            for i in self.session.scalars(
                select(ShipmentItem).where(ShipmentItem.shipment_id == shipment.id)
            )
        }
        for entry in row.get("items") or []:
            unit = units.get(str(entry.get("din")))
            if unit is None:
                raise BundleRefused(f"Shipment {shipment.sscc} holds a container not carried.")
            outcome = entry.get("receipt_outcome")
            found = _enum(ReceiptOutcome, outcome, "receipt outcome") if outcome else None
            item = present.get(unit.id)
            if item is None:
                item = ShipmentItem(
                    shipment_id=shipment.id,
                    unit_id=unit.id,
                    packed_at=_time(entry.get("packed_at")),
                    packed_by_id=self.uow.actor.user_id,
                    receipt_outcome=found,
                    received_at=_time(entry.get("received_at")),
                )
                self.uow.add(item, action="import shipment item", reason=self.reason)
            elif item.receipt_outcome is None and found is not None and not created:
                item.receipt_outcome = found
                item.received_at = _time(entry.get("received_at"))
                self.uow.annotate(item, action="import receipt outcome", reason=self.reason)

    # ------------------------------------------------------------------ labels, custody
    def labels(self, units: dict[str, Unit]) -> None:
        """The units' label prints (never their content: a scan of one is known by its serial)."""
        for row in self.records.get("labels") or []:
            unit = units.get(str(row.get("din")))
            if unit is None:
                raise BundleRefused("A label names a container not carried.")
            serial = row.get("serial")
            printed = _time(row.get("printed_at"))
            known = self.session.scalar(
                select(Label.id).where(
                    Label.serial == serial
                    if serial
                    else (Label.unit_id == unit.id) & (Label.printed_at == printed)
                )
            )
            if known is not None:
                continue
            label = Label(
                unit_id=unit.id,
                template=str(row.get("template"))[:64],
                payload="{}",
                serial=serial,
                status=_enum(LabelStatus, row.get("status"), "label status"),
                printer_name=f"at {self.sender}: {row.get('printer_name')}"[:100],
                copies=int(row.get("copies") or 1),
                printed_at=printed,
                printed_by_id=self.uow.actor.user_id,
                applied_at=_time(row.get("applied_at")),
                voided_at=_time(row.get("voided_at")),
                void_reason=row.get("void_reason"),
            )
            self.add(
                label, "import label", f"label {serial or ''} of {unit.din}".replace("  ", " ")
            )

    def custody(self, units: dict[str, Unit], shipments: dict[str, Shipment]) -> None:
        """The units' custody events the receiver does not hold yet (known by unit, action and
        exact time: an event sent back to the site that made it is not copied twice)."""
        held: dict[uuid.UUID, set[tuple[str, str | None]]] = {}
        for row in self.records.get("custody") or []:
            unit = units.get(str(row.get("din")))
            if unit is None:
                raise BundleRefused("A custody event names a container not carried.")
            if unit.id not in held:
                held[unit.id] = {
                    (e.action.value, _exact(e.occurred_at))
                    for e in self.session.scalars(
                        select(CustodyEvent).where(CustodyEvent.unit_id == unit.id)
                    )
                }
            moment = _time(row.get("occurred_at"))
            action = _enum(CustodyAction, row.get("action"), "custody action")
            if (action.value, _exact(moment)) in held[unit.id]:
                continue
            held[unit.id].add((action.value, _exact(moment)))
            shipment = shipments.get(str(row.get("sscc"))) if row.get("sscc") else None
            site = self.sites.get(str(row.get("site"))) if row.get("site") else None
            event = CustodyEvent(
                unit_id=unit.id,
                shipment_id=shipment.id if shipment else None,
                action=action,
                custodian_name=str(row.get("custodian"))[:200],
                organisation=row.get("organisation"),
                site_id=site.id if site else None,
                occurred_at=moment,
                condition=str(row.get("condition") or ""),
                recorded_by_id=self.uow.actor.user_id,
            )
            self.uow.add(event, action=f"import custody {action.value}", reason=self.reason)
            self.applied.created.append(f"custody {action.value} of {din_words(unit.din)}")

    # ------------------------------------------------------------------ assessments, release
    def assessments(self, shipments: dict[str, Shipment]) -> None:
        for row in self.records.get("assessments") or []:
            shipment = shipments.get(str(row.get("sscc")))
            if shipment is None:
                raise BundleRefused("A logger assessment names a shipment not carried.")
            sha = str(row.get("sha256"))[:64]
            known = self.session.scalar(
                select(LoggerFile).where(
                    LoggerFile.shipment_id == shipment.id, LoggerFile.sha256 == sha
                )
            )
            verdict = _enum(Verdict, row["verdict"], "verdict") if row.get("verdict") else None
            disposition = (
                _enum(Disposition, row["disposition"], "disposition")
                if row.get("disposition")
                else None
            )
            if known is not None:
                if known.disposition is not disposition and disposition is not None:
                    known.disposition = disposition
                    known.disposition_justification = row.get("disposition_justification")
                    known.dispositioned_at = _time(row.get("dispositioned_at"))
                    self.changed(
                        known, "import disposition", f"logger file {known.file_name} {disposition}"
                    )
                continue
            by = row.get("dispositioned_by")
            justification = row.get("disposition_justification")
            if disposition is not None and by:
                justification = f"{justification} (by {by} at {self.sender})"
            logger = LoggerFile(
                shipment_id=shipment.id,
                file_name=str(row.get("file_name"))[:255],
                sha256=sha,
                format=str(row.get("format"))[:32],
                sensor_id=row.get("sensor_id"),
                reading_count=int(row.get("reading_count") or 0),
                profile_id=shipment.profile_id,
                window_start=_time(row.get("window_start")),
                window_end=_time(row.get("window_end")),
                verdict=verdict,
                assessment=str(row.get("assessment") or "{}"),
                imported_at=_time(row.get("imported_at")),
                imported_by_id=self.uow.actor.user_id,
                disposition=disposition,
                disposition_justification=justification,
                dispositioned_at=_time(row.get("dispositioned_at")),
            )
            words = f"logger assessment of {shipment.sscc} ({verdict.value if verdict else '-'})"
            self.add(logger, "import logger assessment", words)

    def release(self, case: Case) -> None:
        row = self.records.get("release")
        if not row:
            return
        decided = _time(row.get("decided_at"))
        decision = _enum(ReleaseDecision, row.get("decision"), "release decision")
        known = self.session.scalar(
            select(Release.id).where(Release.case_id == case.id, Release.decided_at == decided)
        )
        if known is not None:
            return
        signed = "; ".join(str(s) for s in row.get("signatures") or [])
        self.add(
            Release(
                case_id=case.id,
                decision=decision,
                checklist=str(row.get("checklist") or "[]"),
                qp_id=self.uow.actor.user_id,
                decided_at=decided,
                comment=(
                    f"Decided at {self.sender} by {row.get('qp') or 'its QP'}"
                    f"{f' ({signed})' if signed else ''}; recorded here from the partner's "
                    "signed bundle by the user named as QP."
                ),
            ),
            "import release decision",
            f"release decision: {decision.value}",
        )

    # ------------------------------------------------------------------ alerts, recalls
    def alerts(self, case: Case) -> None:
        """The manufacturer's open alerts, made as this clinic's alerts once each (known by
        kind and exact time), only at the case's clinic; the one infused here says so."""
        if self.uow.actor.site_id != case.clinic_site_id:
            return
        known = {
            (a.kind, _exact(a.raised_at))
            for a in self.session.scalars(select(ClinicAlert).where(ClinicAlert.case_id == case.id))
        }
        infused_here = (
            self.session.scalar(
                select(Unit.id).where(
                    Unit.case_id == case.id,
                    Unit.kind == UnitKind.FINAL_PRODUCT_BAG,
                    Unit.status == UnitStatus.INFUSED,
                )
            )
            is not None
        )
        for row in self.records.get("alerts") or []:
            kind, raised = str(row.get("kind"))[:32], _time(row.get("raised_at"))
            if raised is None:
                raise BundleRefused("A clinic alert carries no time.")
            if (kind, _exact(raised)) in known:
                continue
            known.add((kind, _exact(raised)))
            infused = bool(row.get("infused")) or infused_here
            message = str(row.get("message") or "")
            if infused and not row.get("infused"):
                message += (
                    " A unit of this product was ALREADY INFUSED here: inform the treating "
                    "physician now, and record that you did when you acknowledge this alert."
                )
            alert = ClinicAlert(
                case_id=case.id,
                clinic_site_id=case.clinic_site_id,
                kind=kind,
                message=f"{message} (Raised at {self.sender} by {row.get('raised_by') or '?'}.)",
                infused=infused,
                raised_at=raised,
                raised_by_id=self.uow.actor.user_id,
            )
            self.add(alert, "import clinic alert", f"clinic alert: {kind}")

    def recalls(self, case: Case) -> None:
        """The partner QP's recall of the batch (a batch is recalled once)."""
        for row in self.records.get("recalls") or []:
            if self.session.scalar(select(Recall.id).where(Recall.case_id == case.id)):
                return
            assert self.uow.actor.user_id is not None  # apply_records admits signed-in people
            recall = Recall(
                case_id=case.id,
                reason=f"{row.get('reason')} (recalled at {self.sender} by {row.get('qp')})",
                recalled_at=_time(row.get("recalled_at")) or now(),
                recalled_by_id=self.uow.actor.user_id,
            )
            self.add(recall, "import recall", f"recall: {str(row.get('reason'))[:80]}")
            self.session.flush()

    def stage_record(self, case: Case, digest: str) -> None:
        record = StageRecord(
            case_id=case.id,
            stage=case.stage,
            action="records received from partner",
            performed_by_id=self.uow.actor.user_id,
            site_id=self.uow.actor.site_id,
            occurred_at=now(),
            details=json.dumps({"from": self.sender, "bundle_sha256": digest}),
            recorded_by_id=self.uow.actor.user_id,
        )
        self.uow.add(record, action="record stage", reason=self.reason)


def apply_records(uow: UnitOfWork, records: Any, coi: str, digest: str, sender: str) -> Applied:
    """Make or bring up to date, in ``uow``, what the bundle's ``records`` describe."""
    if not isinstance(records, dict):
        raise BundleRefused("The bundle carries no records.")
    importer = uow.actor.user_id
    if importer is None:
        raise BundleRefused("Only a signed-in user imports a bundle.")
    receiver = _Receiver(uow, records, coi, digest, sender)
    try:
        case = receiver.case(importer)
        units = receiver.units(case)
        shipments = receiver.shipments(case, units)
        receiver.labels(units)
        receiver.custody(units, shipments)
        receiver.assessments(shipments)
        receiver.release(case)
        receiver.recalls(case)
        receiver.alerts(case)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, ValidationFailed):
            raise
        raise BundleRefused(f"The bundle's records are malformed ({type(exc).__name__}).") from None
    receiver.stage_record(case, digest)
    uow.flush()
    return receiver.applied
