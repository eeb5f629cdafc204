"""Frozen views of cases and units: what services hand to screens, never live rows.

Patient name, date of birth and hospital number are filled in only for roles allowed to see
patient identity (DESIGN.md §5); everyone else gets the COI alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.access import PatientIdentityView, identity_of, may_see_identity
from app.core import Actor
from app.journey.stages import STAGE_NAMES
from app.journey.unit_states import side_state_words
from app.scanning import UNIT_KIND_NAMES
from db.enums import CaseStage, SideState, UnitKind, UnitStatus
from db.models import Case, Product, Site, Unit
from labels.isbt128 import parse_coi, with_check


@dataclass(frozen=True)
class CaseView:
    """A case as screens show it."""

    id: uuid.UUID
    coi: str
    coi_check: str
    stage: CaseStage
    side_state: SideState
    side_state_reason: str | None
    product_code: str
    product_name: str
    clinic_site: str
    manufacturing_site: str
    planned_collection_date: date | None
    manufacturing_slot_date: date | None
    enrolled_at: datetime
    version: int
    patient: PatientIdentityView | None
    treating_physician: str | None = None

    @property
    def coi_eye_readable(self) -> str:
        """The COI grouped as printed, with its check character in brackets."""
        return with_check(parse_coi(self.coi).eye_readable, self.coi_check)

    @property
    def stage_name(self) -> str:
        """The stage in words."""
        return STAGE_NAMES[self.stage]


@dataclass(frozen=True)
class UnitView:
    """A container as screens show it."""

    id: uuid.UUID
    case_id: uuid.UUID
    coi: str
    kind: UnitKind
    status: UnitStatus
    side_state: SideState
    din: str | None
    product_code: str | None
    volume_ml: float | None
    collection_start: datetime | None
    collection_end: datetime | None
    expires_at: datetime | None
    version: int
    side_state_why: str | None = None
    """Why it is in its side state, in words (its typed cause), None when it is in none."""

    @property
    def description(self) -> str:
        """The kind of container in words."""
        return UNIT_KIND_NAMES[self.kind]


def case_view(session: Session, case: Case, actor: Actor) -> CaseView:
    """The view of ``case`` that ``actor`` may see."""
    product = session.get(Product, case.product_id)
    clinic = session.get(Site, case.clinic_site_id)
    manufacturer = session.get(Site, case.manufacturing_site_id)
    return CaseView(
        id=case.id,
        coi=case.coi,
        coi_check=case.coi_check,
        stage=case.stage,
        side_state=case.side_state,
        side_state_reason=case.side_state_reason,
        product_code=product.code if product else "",
        product_name=product.name if product else "",
        clinic_site=clinic.name if clinic else "",
        manufacturing_site=manufacturer.name if manufacturer else "",
        planned_collection_date=case.planned_collection_date,
        manufacturing_slot_date=case.manufacturing_slot_date,
        enrolled_at=case.enrolled_at,
        version=case.version,
        patient=identity_of(session, case) if may_see_identity(actor) else None,
        treating_physician=case.treating_physician,
    )


def unit_view(unit: Unit) -> UnitView:
    """The view of one unit."""
    return UnitView(
        id=unit.id,
        case_id=unit.case_id,
        coi=unit.coi,
        kind=unit.kind,
        status=unit.status,
        side_state=unit.side_state,
        din=unit.din,
        product_code=unit.product_code,
        volume_ml=unit.volume_ml,
        collection_start=unit.collection_start,
        collection_end=unit.collection_end,
        expires_at=unit.expires_at,
        version=unit.version,
        side_state_why=side_state_words(unit),
    )
