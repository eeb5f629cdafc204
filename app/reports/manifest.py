"""The shipping manifest of a shipper: one page the courier signs at hand-over.

It lists the shipper's SSCC, from and to sites, temperature profile and data logger, every
container packed (DIN, kind, product) and has lines for the courier's printed name, signature
and the date and time of hand-over. It never names the patient: the COI is the only link to
the case, so a manufacturer prints it without reading any patient identity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import select

from app.access import require_role, require_site
from app.core import Actor, Database, chain_head, din_text, load, seal_text, sscc_text
from app.labelling import SHIPPER_LABEL_ROLES
from app.reports.pdf_parts import facts, grid, section, text, title, utc
from app.reports.saving import RenderedReport, SavedFile, check_writable, record_made, write_file
from app.reports.sealed_pages import sealed_report
from app.scanning import UNIT_KIND_NAMES
from db.enums import CustodyAction
from db.models import (
    Case,
    CustodyEvent,
    Product,
    Shipment,
    ShipmentItem,
    Site,
    TemperatureProfile,
    Unit,
)
from db.types import utc_now
from labels.isbt128 import parse_coi

TITLE = "Shipping manifest"
SIGNATURE_LINE = "_" * 48


@dataclass(frozen=True)
class ManifestLine:
    """One packed container: DIN (eye-readable), kind, product, when packed."""

    din: str
    kind: str
    product: str
    packed_at: datetime


@dataclass(frozen=True)
class Manifest:
    """Everything the manifest shows (no patient identity)."""

    sscc: str
    coi: str
    coi_plain: str
    from_site: str
    to_site: str
    profile: str
    logger: str
    lines: tuple[ManifestLine, ...]
    courier: str
    handed_over_at: datetime | None
    seal: str
    generated_at: datetime
    generated_by: str
    sscc_grouped: str = ""
    """The SSCC as GS1 writes it under its bar code: ``(00) 3 4012345 000000001 5``."""
    sender: str = ""
    """Who hands the shipper over at the departure site: the person recorded as giving custody
    once it is handed over, before that the sender printing the manifest."""


def read_manifest(database: Database, actor: Actor, shipment_id: uuid.UUID) -> Manifest:
    """The manifest of a shipment, for a sender at its departure site."""
    require_role(actor, *SHIPPER_LABEL_ROLES, doing="print shipping manifests")
    with database.read_session() as session:
        shipment = load(session, Shipment, shipment_id, "shipment")
        require_site(actor, shipment.from_site_id, doing="print this shipper's manifest")
        seal = seal_text(chain_head(session.connection()))
        case = load(session, Case, shipment.case_id, "case") if shipment.case_id else None
        product = load(session, Product, case.product_id, "product") if case else None
        profile = (
            load(session, TemperatureProfile, shipment.profile_id, "temperature profile")
            if shipment.profile_id is not None
            else None
        )
        rows = session.execute(
            select(Unit, ShipmentItem.packed_at)
            .join(ShipmentItem, ShipmentItem.unit_id == Unit.id)
            .where(ShipmentItem.shipment_id == shipment.id)
            .order_by(ShipmentItem.packed_at, Unit.din)
        ).all()
        lines = tuple(
            ManifestLine(
                din=din_text(unit.din) if unit.din else "—",
                kind=UNIT_KIND_NAMES[unit.kind],
                product=f"{product.code} — {product.name}" if product else "—",
                packed_at=packed_at,
            )
            for unit, packed_at in rows
        )
        courier = ", ".join(
            part for part in (shipment.courier_name, shipment.courier_organisation) if part
        )
        from_site = load(session, Site, shipment.from_site_id, "site")
        given = session.scalars(
            select(CustodyEvent.custodian_name)
            .where(
                CustodyEvent.shipment_id == shipment.id,
                CustodyEvent.action == CustodyAction.GIVEN,
            )
            .order_by(CustodyEvent.occurred_at)
            .limit(1)
        ).first()
        sender = given or f"{actor.full_name} ({actor.username})"
        return Manifest(
            sscc=shipment.sscc,
            sscc_grouped=sscc_text(shipment.sscc, from_site.gs1_company_prefix),
            coi=parse_coi(case.coi).eye_readable if case else "—",
            coi_plain=case.coi if case else "",
            from_site=from_site.name,
            to_site=load(session, Site, shipment.to_site_id, "site").name,
            profile=profile.name if profile is not None else "—",
            logger=shipment.logger_giai or "none scanned yet",
            lines=lines,
            courier=courier,
            handed_over_at=shipment.handed_over_at,
            seal=seal,
            generated_at=utc_now(),
            generated_by=f"{actor.full_name} ({actor.username})",
            sender=f"{sender}, {from_site.name}",
        )


def _story(manifest: Manifest) -> list[Flowable]:
    header = [
        ("Shipper SSCC", manifest.sscc_grouped),
        ("COI", manifest.coi),
        ("From", manifest.from_site),
        ("To", manifest.to_site),
        ("Temperature profile", manifest.profile),
        ("Data logger (GIAI)", manifest.logger),
        ("Containers", str(len(manifest.lines))),
        ("Printed", f"{utc(manifest.generated_at)} by {manifest.generated_by}"),
    ]
    rows = [
        [str(i), line.din, line.kind, line.product, utc(line.packed_at)]
        for i, line in enumerate(manifest.lines, start=1)
    ]
    handed = manifest.courier or SIGNATURE_LINE
    when = utc(manifest.handed_over_at) if manifest.handed_over_at else SIGNATURE_LINE
    courier = [
        ("Courier (name, company)", handed),
        ("Courier's signature", SIGNATURE_LINE),
        ("Date and time of hand-over", when),
        ("Handed over by (sender)", manifest.sender or SIGNATURE_LINE),
        ("Sender's signature", SIGNATURE_LINE),
    ]
    return [
        title(TITLE),
        facts(header),
        *section("Containers packed"),
        grid(("#", "DIN", "Kind", "Product", "Packed"), rows, (5, 26, 20, 33, 24)),
        *section("Hand-over to the courier"),
        text("The courier takes custody of the shipper and every container listed above."),
        Spacer(1, 3 * mm),
        facts(courier, key_width=58 * mm),
    ]


def render_manifest(manifest: Manifest) -> bytes:
    """The manifest as PDF bytes (A4 portrait, sealed pages)."""
    return sealed_report(
        lambda: _story(manifest),
        title=f"{TITLE} {manifest.sscc_grouped or manifest.sscc}",
        author=manifest.generated_by,
        seal=manifest.seal,
    )


def manifest_pdf(database: Database, actor: Actor, shipment_id: uuid.UUID) -> RenderedReport:
    """The shipment's manifest as PDF bytes."""
    manifest = read_manifest(database, actor, shipment_id)
    return RenderedReport(render_manifest(manifest), manifest.coi_plain, manifest.seal)


def save_manifest(
    database: Database, actor: Actor, shipment_id: uuid.UUID, path: Path
) -> SavedFile:
    """Write the shipment's manifest to ``path`` and record it in the audit trail."""
    check_writable(path)
    manifest = read_manifest(database, actor, shipment_id)
    saved = write_file(path, render_manifest(manifest), manifest.seal)
    with database.read_session() as session:
        case_id = load(session, Shipment, shipment_id, "shipment").case_id
    if case_id is not None:
        record_made(
            database,
            actor,
            case_id,
            "print shipping manifest",
            saved,
            coi=manifest.coi_plain,
            report="manifest",
            sscc=manifest.sscc,
        )
    return saved
