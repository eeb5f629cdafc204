"""Printing a unit's label: render it from the records, send it, and record the print.

The label content comes from the unit, its case and product (patient identity only where the
template carries it and the printing user's role may see it). A system printer gets the PDF
from the screen after the record is made. A ZPL job is never sent without its record: the label
is committed as ``sending`` first, then sent, then confirmed ``sent`` in a second transaction
(which voids the label a reprint replaces), or marked ``failed`` with the printer's error and
voided. A crash or a database fault between the send and the confirmation leaves ``sending``,
which label reconciliation shows until someone applies or voids that label.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import select

from app.access import identity_of, may_see_identity, require_site
from app.core import (
    Actor,
    ClinicKey,
    CoiError,
    Database,
    DatabaseUnavailable,
    NotFound,
    PrinterUnavailable,
    StageNotAllowed,
    UnitOfWork,
    ValidationFailed,
    load,
    require_clinic_key,
)
from app.labelling.raw_tcp import send_raw
from app.labelling.records import (
    PRINT_ROLES,
    SEND_FAILED,
    SENDING,
    SENT,
    LabelView,
    issue_label,
    label_view,
    next_print_serial,
    void,
)
from app.scanning import UNIT_KIND_NAMES
from db.enums import LabelStatus, PrinterKind, Role, SideState, UnitKind
from db.models import Case, Label, OosAcceptance, Printer, Product, Unit
from labels.content import RELEASED_OUT_OF_SPECIFICATION, LabelContent, symbol_payloads
from labels.isbt128 import parse_coi, parse_din
from labels.templates import LabelTemplate, load_template
from labels.zpl import render_label_zpl

log = logging.getLogger(__name__)

SCREEN_PRINTER = "system print dialog"
TEMPLATE_FOR_KIND: dict[UnitKind, str] = {
    UnitKind.APHERESIS_BAG: "apheresis_bag",
    UnitKind.INTERMEDIATE: "sample_tube",
    UnitKind.QC_SAMPLE: "sample_tube",
    UnitKind.RETENTION_SAMPLE: "sample_tube",
    UnitKind.FINAL_PRODUCT_BAG: "final_bag",
    UnitKind.SHIPPER: "shipper",
}


@dataclass(frozen=True)
class PrintedLabel:
    """A recorded label and what was printed: the PDF, and its codes as a scanner reads them.

    ``din_scan`` is the linear DIN code (the COI for a container without a DIN); ``two_d_scan``
    the 2-D symbol's compound message, which carries this print's serial.
    """

    label: LabelView
    pdf: bytes
    din_scan: str
    page_size_mm: tuple[float, float]
    two_d_scan: str = ""


def _content(uow: UnitOfWork, unit: Unit, show_identity: bool) -> LabelContent:
    case = load(uow.session, Case, unit.case_id, "case")
    product = load(uow.session, Product, case.product_id, "product")
    identity = identity_of(uow.session, case) if show_identity else None
    if identity is not None:
        identity.require_readable("print a label that carries the patient's identity")
    return LabelContent(
        coi=parse_coi(unit.coi),
        din=parse_din(f"{unit.din}00") if unit.din else None,
        product_code=unit.product_code,
        product_name=product.name,
        collected_at=unit.collection_end,
        expires_at=unit.expires_at,
        patient_name=f"{identity.family_name.upper()}, {identity.given_name}" if identity else None,
        patient_date_of_birth=identity.date_of_birth if identity else None,
        hospital_number=identity.hospital_number if identity else None,
        unit_description=_description(unit),
        volume_ml=unit.volume_ml,
        release_status=_release_status(uow, unit),
    )


def _template_of(uow: UnitOfWork, unit: Unit) -> str:
    """The label template the case's product version names for the unit's kind (else the
    default for the kind)."""
    case = load(uow.session, Case, unit.case_id, "case")
    product = load(uow.session, Product, case.product_id, "product")
    kinds = json.loads(product.definition or "{}").get("unit_kinds", {})
    named = kinds.get(unit.kind.value, {}).get("label_template")
    return str(named) if named else TEMPLATE_FOR_KIND[unit.kind]


def _release_status(uow: UnitOfWork, unit: Unit) -> str | None:
    """What a final product label must say of its batch's release beyond the normal."""
    if unit.kind is not UnitKind.FINAL_PRODUCT_BAG:
        return None
    released_oos = uow.session.scalar(
        select(OosAcceptance.id)
        .where(OosAcceptance.case_id == unit.case_id, OosAcceptance.release_id.is_not(None))
        .limit(1)
    )
    return RELEASED_OUT_OF_SPECIFICATION if released_oos is not None else None


def _identity_key(content: LabelContent) -> ClinicKey | None:
    """The clinic key to seal a payload that carries the patient's identity (else None)."""
    carries = (content.patient_name, content.patient_date_of_birth, content.hospital_number)
    if all(value is None for value in carries):
        return None
    return require_clinic_key("record a label that carries the patient's identity")


def _description(unit: Unit) -> str:
    return UNIT_KIND_NAMES[unit.kind]


def _printer(uow: UnitOfWork, name: str | None) -> Printer | None:
    if name is None or name == SCREEN_PRINTER:
        return None
    printer = uow.session.scalar(select(Printer).where(Printer.name == name, Printer.active))
    if printer is None:
        raise NotFound(f"There is no active printer named {name!r}.")
    return printer


def _render(
    template: LabelTemplate, content: LabelContent, show_identity: bool
) -> tuple[bytes, dict[str, str]]:
    from labels.render_pdf import render_label_pdf  # noqa: PLC0415 - reportlab when first used

    pdf = render_label_pdf(template, content, show_identity=show_identity)
    return pdf, symbol_payloads(template, content, show_identity=show_identity)


def _two_d(template: LabelTemplate, payloads: dict[str, str]) -> str:
    return next((payloads[s.name] for s in template.symbols if s.data == "compound"), "")


def print_unit_label(
    database: Database,
    actor: Actor,
    unit_id: uuid.UUID,
    *,
    printer: str | None = None,
    copies: int = 1,
    template: str | None = None,
    reprint_reason: str | None = None,
) -> PrintedLabel:
    """Print (or, with a reason, reprint) a unit's label and record it.

    A reprint voids the label it replaces. Without ``printer`` the PDF is returned for the
    system print dialog.
    """
    with UnitOfWork(database, actor) as uow:
        unit = load(uow.session, Unit, unit_id, "container")
        if unit.site_id is not None:
            require_site(actor, unit.site_id, doing="print labels for this container")
        if unit.side_state is SideState.CANCELLED:
            raise StageNotAllowed(
                "This container's case is cancelled: nothing more can be done with it, and no "
                "label is printed for it."
            )
        name = template or _template_of(uow, unit)
        show_identity = may_see_identity(actor)
        printed = record_print(
            uow,
            unit,
            name,
            _content(uow, unit, show_identity),
            show_identity=show_identity,
            printer=printer,
            copies=copies,
            reprint_reason=reprint_reason,
        )
        uow.commit()
    return finish_print(database, actor, printed, unit)


@dataclass(frozen=True)
class RecordedPrint:
    """A print recorded in its transaction, not yet sent: the label, its PDF and ZPL job."""

    view: LabelView
    pdf: bytes
    payloads: dict[str, str]
    template: LabelTemplate
    job: _Job | None
    copies: int


def record_print(
    uow: UnitOfWork,
    unit: Unit,
    name: str,
    content: LabelContent,
    *,
    show_identity: bool,
    printer: str | None,
    copies: int,
    reprint_reason: str | None,
    roles: tuple[Role, ...] = PRINT_ROLES,
) -> RecordedPrint:
    """Render template ``name`` with ``content`` and record the print of ``unit``'s label in
    the caller's transaction; a label already printed needs a reason and is voided."""
    previous = uow.session.scalars(
        select(Label).where(Label.unit_id == unit.id, Label.status != LabelStatus.VOIDED)
    ).all()
    if previous and not (reprint_reason and reprint_reason.strip()):
        raise ValidationFailed(
            "A label was already printed for this container: a reprint needs a reason, "
            "and it voids the earlier label."
        )
    target = _printer(uow, printer)
    networked = target is not None and target.kind is PrinterKind.ZPL
    if not networked:
        for earlier in previous:
            void(uow, earlier, f"reprinted: {reprint_reason}")
    chosen = load_template(name)
    serial = next_print_serial(uow)
    content = replace(content, print_serial=serial)
    pdf, payloads = _render(chosen, content, show_identity)
    label = issue_label(
        uow,
        unit,
        template=name,
        payload=json.dumps(payloads, sort_keys=True, ensure_ascii=False),
        serial=serial,
        printer_name=target.name if target else SCREEN_PRINTER,
        copies=copies,
        reprint_of=previous[-1] if previous else None,
        reason=reprint_reason.strip() if previous and reprint_reason else None,
        send_state=SENDING if networked else None,  # committed before a byte is sent
        seal_with=_identity_key(content),
        roles=roles,
    )
    job: _Job | None = None
    if target is not None and networked:
        zpl = render_label_zpl(chosen, content, show_identity=show_identity, dpi=target.dpi)
        job = _Job(
            label.id,
            target.host or "",
            target.port,
            zpl.encode("utf-8"),
            tuple(earlier.id for earlier in previous),
            f"reprinted: {reprint_reason}",
        )
    return RecordedPrint(label_view(label), pdf, payloads, chosen, job, copies)


def finish_print(
    database: Database, actor: Actor, printed: RecordedPrint, unit: Unit
) -> PrintedLabel:
    """After the commit: send a ZPL job and confirm it; the printed label and its codes."""
    view = printed.view
    if printed.job is not None:
        view = _send_and_confirm(database, actor, printed.job, printed.copies)
    chosen = printed.template
    din_scan = f"={unit.din}00" if unit.din else f"&/{unit.coi}"
    size = (chosen.width_mm, chosen.height_mm)
    return PrintedLabel(view, printed.pdf, din_scan, size, _two_d(chosen, printed.payloads))


@dataclass(frozen=True)
class _Job:
    """A ZPL job recorded as ``sending``: where it goes, and the labels it replaces."""

    label_id: uuid.UUID
    host: str
    port: int
    payload: bytes
    replaces: tuple[uuid.UUID, ...]
    void_reason: str


def _send_and_confirm(database: Database, actor: Actor, job: _Job, copies: int) -> LabelView:
    """Send a recorded job, then confirm it ``sent`` (or ``failed``) in its own transaction."""
    try:
        for _ in range(copies):
            send_raw(job.host, job.port, job.payload)
    except PrinterUnavailable as exc:
        try:
            _confirm(database, actor, job, error=str(exc))
        except Exception:  # the record stays "sending": reconciliation shows it
            log.exception("could not record the failed print of label %s", job.label_id)
        raise
    try:
        return _confirm(database, actor, job, error=None)
    except Exception as exc:
        log.exception("could not confirm the print of label %s", job.label_id)
        reason = str(exc) if isinstance(exc, CoiError) else type(exc).__name__
        raise DatabaseUnavailable(
            "The label was sent to the printer, but the database could not record that it "
            f"was sent ({reason}). Its record stays 'sending': check the printed label, then "
            "scan it onto the container or void it from the container's labels."
        ) from exc


def _confirm(database: Database, actor: Actor, job: _Job, *, error: str | None) -> LabelView:
    with UnitOfWork(database, actor) as uow:
        label = load(uow.session, Label, job.label_id, "label")
        if error is None:
            label.send_state = SENT
            for earlier_id in job.replaces:
                earlier = load(uow.session, Label, earlier_id, "label")
                if earlier.status is not LabelStatus.VOIDED:
                    void(uow, earlier, job.void_reason)
            uow.annotate(label, action="label sent")
        else:
            label.send_state = SEND_FAILED
            label.send_error = error
            void(uow, label, "not printed: the printer did not take the job")
            uow.annotate(label, action="label print failed", reason=error)
        view = label_view(label)
        uow.commit()
    return view
