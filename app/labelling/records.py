"""Label records: issue, scan back (apply), void, reprint, and reconcile per unit.

Every printed label is a record (who, when, which printer, copies) with its own print serial,
carried in the label's 2-D symbol. A reprint needs a reason and voids the label it replaces; a
scan of a voided print is refused everywhere scans are checked (app.scanning). A unit's labels
reconcile when every issued label is either applied (scanned back and matched) or voided, and
at least one is applied (DESIGN.md §3, §9 item 3).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.access import require_role, require_site, visible_case
from app.core import (
    Actor,
    ClinicKey,
    Database,
    PatientKeys,
    UnitOfWork,
    ValidationFailed,
    din_text,
    issue_print_serial,
    load,
    sealed_payload,
)
from app.scanning import UNIT_KIND_NAMES, Expectation, check_scan
from db.base import new_id
from db.enums import LabelStatus, Role
from db.models import Case, Label, Site, Unit
from db.types import utc_now

LABEL_ROLES = (Role.APHERESIS_NURSE, Role.CLINIC_COORDINATOR, Role.MFG_OPERATOR, Role.MFG_VERIFIER)
"""Who may scan labels back and void them (at the container's site)."""
PRINT_ROLES = (Role.APHERESIS_NURSE, Role.MFG_OPERATOR)
"""Who prints labels (DESIGN.md §7): the apheresis nurse, and the operator at the bench."""


@dataclass(frozen=True)
class LabelView:
    """One label record."""

    id: uuid.UUID
    unit_id: uuid.UUID
    template: str
    serial: str | None
    status: LabelStatus
    printer_name: str
    copies: int
    printed_at: datetime
    reprint_of_id: uuid.UUID | None
    reprint_reason: str | None
    void_reason: str | None
    send_state: str | None = None
    """A ZPL job: ``sending``, ``sent`` or ``failed`` (`SEND_STATES`); None from the screen."""


SENDING, SENT, SEND_FAILED = "sending", "sent", "failed"
SEND_STATES = (SENDING, SENT, SEND_FAILED)
"""A networked print job's states: recorded and committed before the send, then confirmed."""


@dataclass(frozen=True)
class LabelReconciliation:
    """Label counts of one unit: issued = applied + voided + outstanding.

    ``sending`` counts ZPL jobs recorded as being sent and never confirmed (a crash between
    the send and its confirmation): the label may or may not be on the printer's tray. Such a
    label is issued, so it is also outstanding: the unit does not reconcile until someone looks
    and applies or voids it.
    """

    unit_id: uuid.UUID
    issued: int
    applied: int
    voided: int
    sending: int = 0

    @property
    def outstanding(self) -> int:
        """Labels printed but neither scanned back nor voided."""
        return self.issued - self.applied - self.voided

    @property
    def reconciled(self) -> bool:
        """True when every label is accounted for and one is on the container."""
        return self.outstanding == 0 and self.applied >= 1


def label_view(label: Label) -> LabelView:
    """The frozen view of a label row."""
    return LabelView(
        id=label.id,
        unit_id=label.unit_id,
        template=label.template,
        serial=label.serial,
        status=label.status,
        printer_name=label.printer_name,
        copies=label.copies,
        printed_at=label.printed_at,
        reprint_of_id=label.reprint_of_id,
        reprint_reason=label.reprint_reason,
        void_reason=label.void_reason,
        send_state=label.send_state,
    )


def reconcile(session: Session, unit_id: uuid.UUID) -> LabelReconciliation:
    """Count a unit's labels by status."""
    rows = session.execute(
        select(Label.status, func.count()).where(Label.unit_id == unit_id).group_by(Label.status)
    )
    counts: dict[LabelStatus, int] = dict(rows.all())
    applied = counts.get(LabelStatus.APPLIED, 0)
    voided = counts.get(LabelStatus.VOIDED, 0)
    issued = applied + voided + counts.get(LabelStatus.ISSUED, 0)
    sending = session.scalar(
        select(func.count())
        .select_from(Label)
        .where(
            Label.unit_id == unit_id,
            Label.status == LabelStatus.ISSUED,
            Label.send_state == SENDING,
        )
    )
    return LabelReconciliation(unit_id, issued, applied, voided, sending or 0)


def label_reconciliation(
    database: Database, actor: Actor, unit_id: uuid.UUID
) -> LabelReconciliation:
    """A unit's label reconciliation (for screens), for an actor who may see its case."""
    with database.read_session() as session:
        unit = load(session, Unit, unit_id, "unit")
        visible_case(session, actor, unit.case_id)
        return reconcile(session, unit_id)


def issue_label(
    uow: UnitOfWork,
    unit: Unit,
    *,
    template: str,
    payload: str,
    printer_name: str,
    copies: int = 1,
    reprint_of: Label | None = None,
    reason: str | None = None,
    serial: str | None = None,
    send_state: str | None = None,
    seal_with: ClinicKey | None = None,
    roles: tuple[Role, ...] = PRINT_ROLES,
) -> Label:
    """Record a label printed for ``unit`` in the caller's transaction.

    ``serial`` is the print serial the label's 2-D symbol carries (`next_print_serial`); a
    record made without one still gets its own. ``send_state`` is ``sending`` for a ZPL job
    recorded before it is sent. ``seal_with``: the payload carries the patient's identity and
    is stored sealed with the patient's key, wrapped by this clinic key (found again by its
    symbols' keyed hashes). ``roles``: who may print this label (the product labels' printers
    unless the caller names others, e.g. the clinic's identity label).
    """
    require_role(uow.actor, *roles, doing="print labels")
    if not 1 <= copies <= 10:
        raise ValidationFailed("Print between 1 and 10 copies of a label.")
    if uow.actor.user_id is None:
        raise ValidationFailed("Labels are printed by a signed-in person.")
    label_id = new_id()
    label = Label(
        id=label_id,
        unit_id=unit.id,
        template=template,
        payload=payload if seal_with is None else _sealed(uow, seal_with, unit, label_id, payload),
        serial=serial or next_print_serial(uow),
        status=LabelStatus.ISSUED,
        printer_name=printer_name,
        copies=copies,
        printed_at=utc_now(),
        printed_by_id=uow.actor.user_id,
        reprint_of_id=reprint_of.id if reprint_of else None,
        reprint_reason=reason,
        send_state=send_state,
    )
    uow.add(label, action="reprint label" if reprint_of else "print label", reason=reason)
    uow.flush()
    return label


def next_print_serial(uow: UnitOfWork) -> str:
    """A fresh print serial under the FIN of the printing user's site."""
    site = uow.session.get(Site, uow.actor.site_id) if uow.actor.site_id else None
    return issue_print_serial(uow.session, site)


def void(uow: UnitOfWork, label: Label, reason: str) -> None:
    """Void ``label`` with a reason (it must not be used on any container)."""
    if not reason.strip():
        raise ValidationFailed("Give the reason the label is voided.")
    if label.status is LabelStatus.VOIDED:
        raise ValidationFailed("This label is already voided.")
    label.status = LabelStatus.VOIDED
    label.voided_at = utc_now()
    label.voided_by_id = uow.actor.user_id
    label.void_reason = reason.strip()
    uow.annotate(label, action="void label", reason=reason.strip())


def void_label(database: Database, actor: Actor, label_id: uuid.UUID, reason: str) -> LabelView:
    """Void a label with a reason (damaged, misprinted, not used)."""
    require_role(actor, *LABEL_ROLES, doing="void labels")
    with UnitOfWork(database, actor) as uow:
        label = load(uow.session, Label, label_id, "label")
        _require_unit_site(uow, load(uow.session, Unit, label.unit_id, "container"), "void")
        void(uow, label, reason)
        view = label_view(label)
        uow.commit()
    return view


def _require_unit_site(uow: UnitOfWork, unit: Unit, doing: str) -> None:
    if unit.site_id is not None:
        require_site(uow.actor, unit.site_id, doing=f"{doing} labels of this container")


def unit_expectation(unit: Unit, purpose: str) -> Expectation:
    """Expect exactly this unit (print-and-verify, pack, dispense)."""
    din = f" DIN {din_text(unit.din)}" if unit.din else ""
    what = f"{UNIT_KIND_NAMES[unit.kind].lower()}{din}"
    return Expectation(
        purpose=purpose,
        description=f"the {what}",
        coi=unit.coi,
        unit_ids=frozenset({unit.id}),
        allow_quarantined=True,
    )


def confirm_label(database: Database, actor: Actor, unit_id: uuid.UUID, raw_scan: str) -> LabelView:
    """Scan a printed label back on its container: it must match the unit, then it is applied.

    A voided print, or one this database never issued, is refused. Once a container has a
    voided label, only the 2-D code (which carries the print serial) is accepted: the linear
    DIN code is the same on every copy and cannot tell the current label from a voided one.
    """
    require_role(actor, *LABEL_ROLES, doing="scan labels back")
    with UnitOfWork(database, actor) as uow:
        unit = load(uow.session, Unit, unit_id, "container")
        _require_unit_site(uow, unit, "scan back")
        expected = unit_expectation(unit, "label check")
        label = uow.session.scalar(
            select(Label)
            .where(Label.unit_id == unit.id, Label.status == LabelStatus.ISSUED)
            .order_by(Label.printed_at.desc())
        )
        if label is None:
            raise ValidationFailed(
                "No printed label is waiting to be scanned back for this container: print one."
            )
        voided = uow.session.scalar(
            select(func.count())
            .select_from(Label)
            .where(Label.unit_id == unit.id, Label.status == LabelStatus.VOIDED)
        )
        check_scan(uow, raw_scan, expected, label_id=label.id, two_d_needed=bool(voided))
        label.status = LabelStatus.APPLIED
        label.applied_at = utc_now()
        uow.annotate(label, action="apply label")
        view = label_view(label)
        uow.commit()
    return view


def labels_of_unit(database: Database, unit_id: uuid.UUID) -> list[LabelView]:
    """Every label of a unit, oldest first."""
    with database.read_session() as session:
        rows = session.scalars(
            select(Label).where(Label.unit_id == unit_id).order_by(Label.printed_at)
        )
        return [label_view(row) for row in rows]


def _sealed(uow: UnitOfWork, key: ClinicKey, unit: Unit, label_id: uuid.UUID, payload: str) -> str:
    """A payload that carries identity sealed with the patient's key (found by the clinic's
    look-up hashes of its symbols)."""
    patient_id = uow.session.scalar(select(Case.patient_id).where(Case.id == unit.case_id))
    if patient_id is None:
        return sealed_payload(key, label_id, payload)
    sealer = PatientKeys(key, uow.session).ensure(patient_id)
    return sealed_payload(key, label_id, payload, sealer)
