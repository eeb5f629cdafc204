"""A batch released out of specification leaves only under labels that say so.

The final label of such a batch prints RELEASED OUT OF SPECIFICATION (C451), but a label
printed before the release cannot. DESIGN.md §3: a reprint needs a reason and voids the earlier
copy. So a final bag that still carries a label (issued or applied, not voided) printed before
its batch's release out of specification is refused when it is packed for shipping and at the
bedside, until its label is reprinted: the reprint says so, and voids the old copy.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import ValidationFailed, din_text
from db.enums import LabelStatus, UnitKind
from db.models import Label, OosAcceptance, Release, Unit


def labels_before_oos_release(session: Session, unit: Unit) -> tuple[Label, ...]:
    """The labels of ``unit`` not voided and printed before its batch was released out of
    specification (none when it is not a final bag of such a batch)."""
    if unit.kind is not UnitKind.FINAL_PRODUCT_BAG:
        return ()
    released_at = session.scalar(
        select(Release.decided_at)
        .join(OosAcceptance, OosAcceptance.release_id == Release.id)
        .where(OosAcceptance.case_id == unit.case_id)
        .order_by(Release.decided_at)
        .limit(1)
    )
    if released_at is None:
        return ()
    return tuple(
        session.scalars(
            select(Label).where(
                Label.unit_id == unit.id,
                Label.status != LabelStatus.VOIDED,
                Label.printed_at < released_at,
            )
        )
    )


def ensure_labelled_as_released_oos(session: Session, unit: Unit, *, doing: str) -> None:
    """Refuse ``doing`` with ``unit`` while it carries a label older than its batch's release
    out of specification."""
    if labels_before_oos_release(session, unit):
        raise ValidationFailed(
            f"Bag {din_text(unit.din or '')} still carries a label printed before its batch was "
            "released out of specification: reprint its label (the reprint says RELEASED OUT "
            f"OF SPECIFICATION and voids the old copy), then {doing}."
        )
