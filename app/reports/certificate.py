"""The QP release certificate of a certified batch: product, COI, batch, the release checklist
as computed when the QP signed (each item with its evidence), QC results against their
specifications, deviations and their closure, and the QP's signature manifestation.

Printed by QA and the QP of the manufacturing site; a batch that is not certified has no
certificate (refused in words). No patient identity is read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role
from app.casefile import case_detail_in
from app.core import (
    Actor,
    Database,
    StageNotAllowed,
    chain_head,
    load,
    seal_text,
)
from app.journey import ChecklistItem
from app.quality import signatures_of
from app.reports.custody_facts import DeviationLine, read_deviations
from app.reports.pdf_parts import (
    facts,
    grid,
    seal_block,
    section,
    text,
    title,
    utc,
)
from app.reports.saving import RenderedReport, SavedFile, save_report
from app.reports.sealed_pages import sealed_report
from db.enums import ReleaseDecision, Role, UnitKind
from db.models import Case, Product, QcResult, QcSpecification, Release, Unit, User
from db.types import utc_now

TITLE = "QP release certificate"
CERTIFICATE_ROLES = (Role.QP, Role.QA)


@dataclass(frozen=True)
class QcLine:
    """One QC test: its specification, the result and its review."""

    test: str
    criterion: str
    result: str
    outcome: str
    entered: str
    reviewed: str
    exception: str


@dataclass(frozen=True)
class Certificate:
    """Everything the certificate shows."""

    coi: str
    coi_plain: str
    product: str
    product_version: int
    manufacturer: str
    final_units: tuple[str, ...]
    certified_at: datetime
    qp_name: str
    comment: str
    checklist: tuple[ChecklistItem, ...]
    """As computed when the QP signed."""
    qc: tuple[QcLine, ...]
    deviations: tuple[DeviationLine, ...]
    qp_signatures: tuple[str, ...]
    seal: str
    generated_at: datetime
    generated_by: str


def _name(session: Session, user_id: uuid.UUID | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.full_name if user is not None else "—"


def _checklist(release: Release) -> tuple[ChecklistItem, ...]:
    return tuple(
        ChecklistItem(
            int(item["number"]),
            str(item["title"]),
            bool(item["satisfied"]),
            tuple(str(e) for e in item["evidence"]),
        )
        for item in json.loads(release.checklist or "[]")
    )


def _qc(session: Session, case: Case) -> tuple[QcLine, ...]:
    specs = session.scalars(
        select(QcSpecification)
        .where(QcSpecification.product_id == case.product_id)
        .order_by(QcSpecification.created_at, QcSpecification.test_code)
    ).all()
    latest = {
        row.specification_id: row
        for row in session.scalars(
            select(QcResult).where(QcResult.case_id == case.id).order_by(QcResult.entered_at)
        )
    }
    lines = []
    for spec in specs:
        row = latest.get(spec.id)
        if row is None:
            lines.append(QcLine(spec.name, spec.criterion, "no result", "—", "—", "—", ""))
            continue
        value = row.value_text if row.value_text is not None else row.value_numeric
        lines.append(
            QcLine(
                test=spec.name,
                criterion=spec.criterion,
                result=f"{value} {spec.unit}".strip(),
                outcome=row.outcome.value.replace("_", " ").upper(),
                entered=f"{_name(session, row.entered_by_id)}, {utc(row.entered_at)}",
                reviewed=(
                    f"{_name(session, row.reviewed_by_id)}, {utc(row.reviewed_at)}"
                    if row.reviewed_at
                    else "not reviewed"
                ),
                exception=row.exception_justification or "",
            )
        )
    return tuple(lines)


def read_certificate(database: Database, actor: Actor, case_id: uuid.UUID) -> Certificate:
    """The certificate of a certified batch (QA or the QP); refused for any other batch."""
    require_role(actor, *CERTIFICATE_ROLES, doing="print release certificates")
    with database.read_session() as session:
        seal = seal_text(chain_head(session.connection()))
        detail = case_detail_in(session, actor, case_id)
        case = load(session, Case, case_id, "case")
        release = session.scalars(
            select(Release).where(Release.case_id == case.id).order_by(Release.decided_at.desc())
        ).first()
        if release is None or release.decision is not ReleaseDecision.CERTIFIED:
            state = "refused" if release is not None else "not yet decided"
            raise StageNotAllowed(
                f"The batch of {detail.case.coi_eye_readable} is not certified for release "
                f"(the QP's decision: {state}), so it has no release certificate."
            )
        product = load(session, Product, case.product_id, "product")
        finals = session.scalars(
            select(Unit)
            .where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
            .order_by(Unit.created_at, Unit.id)
        )
        final_units = tuple(
            node.din_eye_readable
            for unit in finals
            for node in detail.genealogy
            if node.unit_id == unit.id
        )
        return Certificate(
            coi=detail.case.coi_eye_readable,
            coi_plain=detail.case.coi,
            product=f"{product.code} — {product.name}",
            product_version=product.version,
            manufacturer=detail.case.manufacturing_site,
            final_units=final_units,
            certified_at=release.decided_at,
            qp_name=_name(session, release.qp_id),
            comment=release.comment or "",
            checklist=_checklist(release),
            qc=_qc(session, case),
            deviations=read_deviations(session, case.id),
            qp_signatures=tuple(view.manifestation for view in signatures_of(session, release)),
            seal=seal,
            generated_at=utc_now(),
            generated_by=f"{actor.full_name} ({actor.username})",
        )


def _story(cert: Certificate) -> list[Flowable]:
    header = [
        ("Product", f"{cert.product} (product record version {cert.product_version})"),
        ("COI", cert.coi),
        ("Batch", f"the patient-specific batch of {cert.coi}"),
        ("Final product units", ", ".join(cert.final_units) or "—"),
        ("Manufacturer", cert.manufacturer),
        ("Decision", f"CERTIFIED FOR RELEASE by {cert.qp_name}, {utc(cert.certified_at)}"),
    ]
    if cert.comment:
        header.append(("QP's comment", cert.comment))
    header.append(("Certificate printed", f"{utc(cert.generated_at)} by {cert.generated_by}"))
    checklist = [
        [str(item.number), item.title, "✔ satisfied" if item.satisfied else "✘ OPEN",
         "; ".join(item.evidence)]
        for item in cert.checklist
    ]  # fmt: skip
    open_items = [i for i, item in enumerate(cert.checklist) if not item.satisfied]
    qc = [
        [q.test, q.criterion, q.result, q.outcome, q.entered, q.reviewed + (
            f"; exception: {q.exception}" if q.exception else "")]
        for q in cert.qc
    ]  # fmt: skip
    failed = [i for i, q in enumerate(cert.qc) if q.outcome not in {"PASS", "PENDING"}]
    deviations = [[d.number, d.kind, d.status, d.description, d.closure] for d in cert.deviations]
    signatures = [("QP signature", line) for line in cert.qp_signatures] or [
        ("QP signature", "none on record")
    ]
    return [
        title(TITLE),
        facts(header),
        *section("Release checklist (as computed when the QP signed)"),
        grid(("#", "Item", "State", "Evidence"), checklist, (6, 38, 14, 60), highlight=open_items),
        *section("QC results against specifications"),
        grid(
            ("Test", "Specification", "Result", "Outcome", "Entered", "Reviewed"),
            qc,
            (20, 18, 14, 14, 24, 28),
            highlight=failed,
        ),
        *section("Deviations and their closure"),
        grid(
            ("Number", "Kind", "Status", "Description", "Closure"), deviations, (16, 14, 10, 34, 36)
        ),
        *section("Qualified Person's signature"),
        facts(signatures),
        Spacer(1, 4 * mm),
        seal_block(cert.seal, "This certificate"),
        text(""),
    ]


def render_certificate(cert: Certificate) -> bytes:
    """The certificate as PDF bytes (A4 portrait, sealed pages)."""
    return sealed_report(
        lambda: _story(cert), title=f"{TITLE} {cert.coi}", author=cert.generated_by, seal=cert.seal
    )


def certificate_pdf(database: Database, actor: Actor, case_id: uuid.UUID) -> RenderedReport:
    """The release certificate of a certified batch as PDF bytes."""
    cert = read_certificate(database, actor, case_id)
    return RenderedReport(render_certificate(cert), cert.coi_plain, cert.seal)


def save_certificate(database: Database, actor: Actor, case_id: uuid.UUID, path: Path) -> SavedFile:
    """Write the release certificate to ``path`` and record it in the audit trail."""
    return save_report(
        database,
        actor,
        case_id,
        path,
        render=lambda: certificate_pdf(database, actor, case_id),
        action="print release certificate",
        report="certificate",
    )
