"""Products as versioned, approved data: import a definition as a draft, edit the draft,
approve it with a QA signature, list versions, export a version.

Each version is its own ``product`` row. A draft holds only its document: its manufacturing
steps and QC specifications are written when QA approves it, so a draft cannot reach a case.
Approval (QA, not the draft's author, signature meaning "approved") makes the version the one
new cases get (``app.journey.current_product``) and retires the version approved before it;
cases enrolled before keep the product row, steps and specifications they were enrolled with.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role
from app.admin.product_files import (
    FORMAT,
    Document,
    canonical_text,
    check_document,
    document_text,
    parse_document,
)
from app.core import (
    Actor,
    Database,
    NotFound,
    SeparationOfDuties,
    UnitOfWork,
    ValidationFailed,
    record_key,
)
from app.journey import current_product
from app.quality import sign
from db.enums import ProductStatus, Role, SignatureMeaning
from db.models import AuditEvent, Product, QcSpecification, StepTemplate, TemperatureProfile, User
from db.types import utc_now

AUTHORS = (Role.ADMIN, Role.QA)
"""Who may create and edit product drafts (DESIGN.md §7: administrators keep products)."""
APPROVERS = (Role.QA,)
READERS = (Role.ADMIN, Role.QA, Role.QP)
DRAFT_WRITES = ("create product version", "edit product draft")
"""The audit actions that write a draft's content: whoever did one may not approve it."""


@dataclass(frozen=True)
class ProductVersionView:
    """One version of a product, as the admin screen and ``coi product list`` show it."""

    id: uuid.UUID
    code: str
    name: str
    version_number: int
    status: ProductStatus
    author: str | None
    approved_by: str | None
    approved_at: datetime | None
    created_at: datetime
    steps: int
    qc_tests: int
    row_version: int
    state: str = ""
    """The status in words: a retired version never approved shows as ``rejected``."""
    author_id: uuid.UUID | None = None

    def as_json(self) -> dict[str, object]:
        """The view as plain JSON values (the CLI's output)."""
        return {
            "code": self.code,
            "name": self.name,
            "version": self.version_number,
            "status": self.status.value,
            "state": self.state,
            "author": self.author,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
        }


def _who(session: Session, user_id: uuid.UUID | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return f"{user.full_name} ({user.username})" if user else None


def _view(session: Session, row: Product) -> ProductVersionView:
    document = json.loads(row.definition) if row.definition else {}
    return ProductVersionView(
        id=row.id,
        code=row.code,
        name=row.name,
        version_number=row.version_number,
        status=row.status,
        author=_who(session, row.author_id),
        approved_by=_who(session, row.approved_by_id),
        approved_at=row.approved_at,
        created_at=row.created_at,
        steps=len(document.get("steps", ())),
        qc_tests=len(document.get("qc", ())),
        row_version=row.version,
        state=status_words(row),
        author_id=row.author_id,
    )


def _profile_ids(session: Session, document: Document) -> tuple[uuid.UUID, uuid.UUID]:
    ids = []
    for leg in ("to_manufacturer", "to_clinic"):
        name = document["temperature_profiles"][leg]
        found = session.scalar(select(TemperatureProfile.id).where(TemperatureProfile.name == name))
        if found is None:
            raise ValidationFailed(
                f"Product file, field temperature_profiles.{leg}: there is no temperature "
                f"profile {name[:64]!r} in this database (an administrator creates it first)."
            )
        ids.append(found)
    return ids[0], ids[1]


def _store(session: Session, row: Product, document: Document) -> None:
    """Put the checked ``document`` on the product row (not yet its steps or specifications)."""
    starting, final = _profile_ids(session, document)
    limits = document["time_limits"]
    row.code = document["code"]
    row.name = document["name"]
    row.gtin = document.get("gtin")
    row.starting_material_profile_id = starting
    row.final_product_profile_id = final
    row.max_hours_collection_to_receipt = float(limits["collection_to_receipt_hours"])
    row.shelf_life_days = limits["shelf_life_days"]
    row.post_thaw_minutes = limits["post_thaw_minutes"]
    excursion = limits["cumulative_excursion_minutes"]
    row.max_cumulative_excursion_min = None if excursion is None else float(excursion)
    row.min_final_bags = document["final_bags"]["min"]
    row.max_final_bags = document["final_bags"]["max"]
    row.definition = canonical_text(document)


def _read(text: str) -> Document:
    return check_document(parse_document(text))


def _versions(session: Session, code: str) -> list[Product]:
    query = select(Product).where(Product.code == code).order_by(Product.version_number)
    return list(session.scalars(query))


def _draft(session: Session, code: str, version_number: int | None = None) -> Product:
    """The draft of ``code``; with ``version_number``, refused unless that version is it."""
    versions = _versions(session, code)
    if version_number is not None:
        named = [p for p in versions if p.version_number == version_number]
        if not named:
            raise NotFound(f"Product {code[:16]!r} has no version {version_number}.")
        if named[0].status is not ProductStatus.DRAFT:
            raise ValidationFailed(
                f"Version {version_number} of product {named[0].code} is "
                f"{status_words(named[0])}, not a draft: there is nothing to decide."
            )
        return named[0]
    drafts = [p for p in versions if p.status is ProductStatus.DRAFT]
    if not drafts:
        raise NotFound(f"Product {code[:16]!r} has no draft version.")
    return drafts[-1]


def status_words(row: Product) -> str:
    """A version's state in words: a retired version never approved was rejected."""
    if row.status is ProductStatus.RETIRED and row.approved_at is None:
        return "rejected"
    if row.status is ProductStatus.RETIRED:
        return "retired (superseded)"
    return str(row.status.value)


def contributors(session: Session, row: Product) -> set[str]:
    """The ids (text) of everyone who wrote the draft's content: its author and its editors."""
    query = select(AuditEvent.user_id).where(
        AuditEvent.record_type == Product.__tablename__,
        AuditEvent.record_id == record_key(row),
        AuditEvent.action.in_(DRAFT_WRITES),
    )
    found = {str(user_id) for user_id in session.scalars(query) if user_id}
    return found | ({str(row.author_id)} if row.author_id else set())


def add_draft(uow: UnitOfWork, document: Document, *, reason: str | None = None) -> Product:
    """Add ``document`` (checked) as the next version of its code, a draft, in ``uow``."""
    require_role(uow.actor, *AUTHORS, doing="create product versions")
    session = uow.session
    versions = _versions(session, document["code"])
    for existing in versions:
        if existing.status is ProductStatus.DRAFT:
            raise ValidationFailed(
                f"Product {existing.code} already has a draft (version "
                f"{existing.version_number}): edit it or have it approved first."
            )
    if versions and versions[-1].definition == canonical_text(document):
        raise ValidationFailed(
            f"The file is the same as version {versions[-1].version_number} of product "
            f"{document['code']}: there is nothing to change."
        )
    row = Product(
        version_number=(versions[-1].version_number + 1) if versions else 1,
        status=ProductStatus.DRAFT,
        author_id=uow.actor.user_id,
        active=True,
    )
    _store(session, row, document)
    uow.add(row, action="create product version", reason=reason)
    uow.flush()
    return row


def import_product(
    database: Database, actor: Actor, text: str, *, reason: str | None = None
) -> ProductVersionView:
    """A product file's text as a new draft version of its product (administrators, QA)."""
    require_role(actor, *AUTHORS, doing="import products")
    document = _read(text)
    with UnitOfWork(database, actor) as uow:
        row = add_draft(uow, document, reason=reason)
        view = _view(uow.session, row)
        uow.commit()
    return view


def edit_draft(
    database: Database,
    actor: Actor,
    code: str,
    text: str,
    *,
    reason: str,
    seen_version: int | None = None,
) -> ProductVersionView:
    """Replace the draft of ``code`` with the file's text, with the reason (authors only)."""
    require_role(actor, *AUTHORS, doing="edit product drafts")
    document = _read(text)
    if not reason.strip():
        raise ValidationFailed("Give the reason for changing the draft: it is kept in the trail.")
    with UnitOfWork(database, actor) as uow:
        row = _draft(uow.session, code.strip())
        if seen_version is not None:
            uow.expect_version(row, seen_version)
        if document["code"] != row.code:
            raise ValidationFailed(
                f"Product file, field code: {document['code']!r} is not the draft's code "
                f"{row.code!r} (import a new product instead)."
            )
        _store(uow.session, row, document)
        row.author_id = actor.user_id
        uow.annotate(row, action="edit product draft", reason=reason.strip())
        uow.flush()
        view = _view(uow.session, row)
        uow.commit()
    return view


def _materialise(uow: UnitOfWork, row: Product) -> None:
    """Write the approved version's manufacturing steps and QC specifications."""
    document = json.loads(row.definition or "{}")
    for position, step in enumerate(document["steps"], start=1):
        uow.add(
            StepTemplate(
                product_id=row.id,
                position=position,
                code=step["code"],
                name=step["name"],
                instructions=step.get("instructions", ""),
                output_kind=step["output_kind"],
                parameters=json.dumps(step["parameters"], ensure_ascii=False),
            )
        )
    for spec in document["qc"]:
        uow.add(QcSpecification(product_id=row.id, **spec))


def approve_draft(
    uow: UnitOfWork,
    code: str,
    password: str,
    *,
    comment: str | None = None,
    version_number: int | None = None,
    seen_version: int | None = None,
) -> Product:
    """QA approves the draft of ``code`` in ``uow``: signed, made current, the previous retired.

    With ``version_number`` (and ``seen_version``, the row version reviewed) only that version,
    as it was reviewed, is approved: never a draft that replaced or changed it meanwhile.
    """
    actor = uow.actor
    require_role(actor, *APPROVERS, doing="approve product versions")
    row = _draft(uow.session, code.strip(), version_number)
    if seen_version is not None:
        uow.expect_version(row, seen_version)  # approve only the version as QA reviewed it
    if str(actor.user_id) in contributors(uow.session, row):
        raise SeparationOfDuties(
            f"You are the author of version {row.version_number} of product {row.code}, so you "
            "cannot approve it: another QA person approves it."
        )
    for previous in _versions(uow.session, row.code):
        if previous.status is ProductStatus.APPROVED:
            previous.status = ProductStatus.RETIRED
            uow.annotate(
                previous,
                action="retire product version",
                reason=f"superseded by version {row.version_number}",
            )
    row.status = ProductStatus.APPROVED
    row.approved_by_id = actor.user_id
    row.approved_at = utc_now()
    uow.annotate(row, action="approve product version", reason=comment)
    _materialise(uow, row)
    sign(uow, row, SignatureMeaning.APPROVED, password, comment=comment)
    return row


def approve_product(
    database: Database,
    actor: Actor,
    code: str,
    password: str,
    *,
    comment: str | None = None,
    version_number: int | None = None,
    seen_version: int | None = None,
) -> ProductVersionView:
    """QA approves the draft of ``code`` with a signature; it applies to new cases only."""
    require_role(actor, *APPROVERS, doing="approve product versions")
    with UnitOfWork(database, actor) as uow:
        row = approve_draft(
            uow,
            code,
            password,
            comment=comment,
            version_number=version_number,
            seen_version=seen_version,
        )
        view = _view(uow.session, row)
        uow.commit()
    return view


def product_versions(
    database: Database, actor: Actor, code: str | None = None
) -> list[ProductVersionView]:
    """Every version of every product (or of ``code``), by code and version."""
    require_role(actor, *READERS, doing="see product versions")
    with database.read_session() as session:
        query = select(Product).order_by(Product.code, Product.version_number)
        if code is not None:
            query = query.where(Product.code == code.strip())
        return [_view(session, row) for row in session.scalars(query)]


def _legacy_document(session: Session, row: Product) -> Document:
    """The document of a version stored before products were files (rebuilt from its rows)."""
    rows = session.execute(select(TemperatureProfile.id, TemperatureProfile.name)).all()
    profiles: dict[uuid.UUID | None, str] = {row[0]: row[1] for row in rows}
    steps = session.scalars(
        select(StepTemplate)
        .where(StepTemplate.product_id == row.id)
        .order_by(StepTemplate.position)
    )
    specs = session.scalars(
        select(QcSpecification)
        .where(QcSpecification.product_id == row.id)
        .order_by(QcSpecification.test_code)
    )
    qc = []
    for spec in specs:
        item: dict[str, object] = {"test_code": spec.test_code, "name": spec.name}
        optional = {"unit": spec.unit or None, "lower": spec.lower, "upper": spec.upper}
        optional["expected_text"] = spec.expected_text
        item.update({k: v for k, v in optional.items() if v is not None})
        item["criterion"] = spec.criterion
        if spec.may_be_pending_at_release:
            item["may_be_pending_at_release"] = True
        qc.append(item)
    return {
        "format": FORMAT,
        "code": row.code,
        "name": row.name,
        "gtin": row.gtin,
        "unit_kinds": {
            "apheresis_bag": {"label_template": "apheresis_bag"},
            "final_product_bag": {"label_template": "final_bag"},
            "shipper": {"label_template": "shipper"},
        },
        "final_bags": {"min": row.min_final_bags, "max": row.max_final_bags},
        "time_limits": {
            "shelf_life_days": row.shelf_life_days,
            "collection_to_receipt_hours": row.max_hours_collection_to_receipt,
            "post_thaw_minutes": row.post_thaw_minutes,
            "cumulative_excursion_minutes": row.max_cumulative_excursion_min,
        },
        "temperature_profiles": {
            "to_manufacturer": profiles.get(row.starting_material_profile_id),
            "to_clinic": profiles.get(row.final_product_profile_id),
        },
        "steps": [
            {
                "code": s.code,
                "name": s.name,
                "output_kind": s.output_kind,
                "parameters": json.loads(s.parameters),
            }
            for s in steps
        ],
        "qc": qc,
    }


def export_product(
    database: Database, actor: Actor, code: str, *, version_number: int | None = None
) -> str:
    """The product file of ``code``: its current approved version, or ``version_number``."""
    require_role(actor, *READERS, doing="export products")
    code = code.strip()
    with database.read_session() as session:
        if version_number is None:
            row = current_product(session, code)
            if row is None:
                raise NotFound(f"Product {code[:16]!r} has no approved version.")
        else:
            row = session.scalar(
                select(Product).where(
                    Product.code == code, Product.version_number == version_number
                )
            )
            if row is None:
                raise NotFound(f"Product {code[:16]!r} has no version {version_number}.")
        if row.definition:
            document: Document = json.loads(row.definition)
        else:
            document = _legacy_document(session, row)
        return document_text(document)
