"""What the enrolment screen offers: the coordinator's clinic, the products, the manufacturers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.access import require_role
from app.core import Actor, Database, NotPermitted
from app.journey import current_products
from db.enums import Role, SiteKind
from db.models import Site


@dataclass(frozen=True)
class Choice:
    """One entry of a list: its code and its name."""

    code: str
    name: str

    @property
    def text(self) -> str:
        """As the list shows it: "S1234 — CD19 CAR-T"."""
        return f"{self.code} — {self.name}"


@dataclass(frozen=True)
class EnrolmentForm:
    """The choices of the enrolment screen."""

    clinic_code: str
    clinic_name: str
    products: tuple[Choice, ...]
    manufacturers: tuple[Choice, ...]


def enrolment_form(database: Database, actor: Actor) -> EnrolmentForm:
    """The coordinator's clinic and the active products and manufacturing sites."""
    require_role(actor, Role.CLINIC_COORDINATOR, doing="enrol patients")
    with database.read_session() as session:
        clinic = session.get(Site, actor.site_id) if actor.site_id else None
        if clinic is None or clinic.kind is not SiteKind.CLINIC:
            raise NotPermitted("Patients are enrolled by a coordinator of a clinic site.")
        products = current_products(session)
        sites = session.scalars(
            select(Site).where(Site.kind == SiteKind.MANUFACTURER, Site.active).order_by(Site.code)
        )
        return EnrolmentForm(
            clinic.code,
            clinic.name,
            tuple(Choice(p.code, p.name) for p in products),
            tuple(Choice(s.code, s.name) for s in sites),
        )
