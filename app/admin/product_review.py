"""QA's review of a product draft: what changed against the current version, and the
decision — approve with a signature (``approve_product``) or reject with a reason.

The comparison is field by field (``time_limits.post_thaw_minutes: 90 → 60``), list items of
steps and QC tests keyed by their code, so inserting one step does not show every later step
as changed. A rejected draft is retired without approval (never reaching a case); its reason
stays in the audit trail and its author may import a corrected file as the next version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.access import require_role
from app.admin.product_versions import (
    APPROVERS,
    ProductVersionView,
    _draft,
    _legacy_document,
    _versions,
    _view,
)
from app.core import Actor, Database, UnitOfWork, ValidationFailed
from db.enums import ProductStatus
from db.models import Product

MAX_REASON = 500


@dataclass(frozen=True)
class FieldChange:
    """One field of the product file that differs between the current version and the draft."""

    field: str
    current: str | None
    """The value in the current approved version; None when the draft adds the field."""
    draft: str | None
    """The value in the draft; None when the draft removes the field."""

    @property
    def kind(self) -> str:
        """``added``, ``removed`` or ``changed``."""
        if self.current is None:
            return "added"
        return "removed" if self.draft is None else "changed"


@dataclass(frozen=True)
class DraftReview:
    """A draft awaiting QA's decision, with what it changes."""

    draft: ProductVersionView
    current_version: int | None
    """The version number of the approved version it would replace (None: a new product)."""
    changes: tuple[FieldChange, ...]


def _key(item: Any, index: int) -> str | int:
    if isinstance(item, dict):
        for name in ("code", "test_code"):
            if isinstance(item.get(name), str):
                return str(item[name])
    return index


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, value as JSON text) for every leaf of ``value``."""
    if isinstance(value, dict) and value:
        for name in sorted(value):
            yield from _flatten(value[name], f"{path}.{name}" if path else name)
    elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        for index, item in enumerate(value):
            key = _key(item, index)
            yield from _flatten(item, f"{path}[{key}]")
    else:
        yield path or "(document)", json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_changes(current: dict[str, Any] | None, draft: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Every field that differs between two product documents (``current`` None: all added),
    in the draft's order, then the fields the draft removes."""
    before = dict(_flatten(current)) if current else {}
    after = dict(_flatten(draft))
    fields = [*after, *(field for field in before if field not in after)]
    return tuple(
        FieldChange(field, before.get(field), after.get(field))
        for field in fields
        if before.get(field) != after.get(field)
    )


def _document(row: Product, session: Any) -> dict[str, Any]:
    if row.definition:
        document: dict[str, Any] = json.loads(row.definition)
        return document
    return _legacy_document(session, row)


def pending_drafts(database: Database, actor: Actor) -> tuple[DraftReview, ...]:
    """Every product draft awaiting approval, with its changes against the approved version."""
    require_role(actor, *APPROVERS, doing="review product drafts")
    reviews = []
    with database.read_session() as session:
        drafts = session.scalars(
            select(Product)
            .where(Product.status == ProductStatus.DRAFT)
            .order_by(Product.code, Product.version_number)
        )
        for row in list(drafts):
            approved = [
                p for p in _versions(session, row.code) if p.status is ProductStatus.APPROVED
            ]
            current = approved[-1] if approved else None
            reviews.append(
                DraftReview(
                    draft=_view(session, row),
                    current_version=current.version_number if current else None,
                    changes=field_changes(
                        _document(current, session) if current else None,
                        _document(row, session),
                    ),
                )
            )
    return tuple(reviews)


def reject_product(
    database: Database,
    actor: Actor,
    code: str,
    version_number: int,
    reason: str,
    *,
    seen_version: int | None = None,
) -> ProductVersionView:
    """QA rejects version ``version_number`` of ``code`` (a draft) with a reason: it is
    retired unapproved, so no case ever gets it."""
    require_role(actor, *APPROVERS, doing="reject product versions")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give the reason for rejecting the draft: its author reads it.")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"The reason is too long (at most {MAX_REASON} characters).")
    with UnitOfWork(database, actor) as uow:
        row = _draft(uow.session, code.strip(), version_number)
        if seen_version is not None:
            uow.expect_version(row, seen_version)
        row.status = ProductStatus.RETIRED
        uow.annotate(row, action="reject product version", reason=reason)
        uow.flush()
        view = _view(uow.session, row)
        uow.commit()
    return view
