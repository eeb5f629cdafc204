"""The two shipping legs: who sends, who receives and verifies, what travels, which profile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.access import ROLE_NAMES
from app.core import Actor
from app.journey.stages import Operation
from db.enums import Role, ShipmentDirection, UnitKind, UnitStatus
from db.models import Case, Product

CLINIC_RECEIVERS = (Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE, Role.INFUSION_NURSE)


@dataclass(frozen=True)
class Leg:
    """One direction of the journey's shipping."""

    ship_operation: Operation
    receive_operation: Operation
    sender_roles: tuple[Role, ...]
    receiver_roles: tuple[Role, ...]
    verifier_roles: tuple[Role, ...]
    unit_kind: UnitKind
    ready_status: UnitStatus
    received_status: UnitStatus
    to_manufacturer: bool
    needs_shipper_label: bool = True
    """The hand-over is refused until the shipper's current label is on it, scanned back
    (both legs: C660 outbound, C720 inbound)."""

    @property
    def material(self) -> str:
        """What this leg carries, in words (the starting material, the final product)."""
        return "starting material" if self.to_manufacturer else "final product"

    def verifier_refusal(self, actor: Actor, site_id: uuid.UUID, site_name: str) -> str | None:
        """Why ``actor``, signing in on the receipt screen as the second person, may not verify
        this leg's receipt at the site ``site_id`` (None: they may), saying who may, here.

        The refusal is read by the person who scanned the containers in and their colleague;
        it names the verifying, not the receiving (issue 16: "may receive the starting
        material" refused a verifier who was not asked to receive anything)."""
        who = f"{actor.full_name} ({actor.username})"
        names = [ROLE_NAMES[role] for role in self.verifier_roles]
        roles = " or ".join((", ".join(names[:-1]), names[-1])) if len(names) > 1 else names[0]
        if not actor.has_role(*self.verifier_roles):
            return (
                f"{who} may not verify this receipt: the receipt of the {self.material} here is "
                f"verified and signed by a {roles} of {site_name}, a second person who did not "
                "scan the containers in. Ask one to sign in here."
            )
        if actor.site_id != site_id:
            return (
                f"{who} works at {actor.site_name or 'no site'}, not at {site_name}: the receipt "
                f"of the {self.material} here is verified and signed by a {roles} of "
                f"{site_name}. Ask one to sign in here."
            )
        return None

    def sites(self, case: Case) -> tuple[uuid.UUID, uuid.UUID]:
        """(from, to) sites of this leg for ``case``."""
        if self.to_manufacturer:
            return case.clinic_site_id, case.manufacturing_site_id
        return case.manufacturing_site_id, case.clinic_site_id

    def profile_id(self, product: Product) -> uuid.UUID | None:
        """The temperature profile the shipment is judged against."""
        if self.to_manufacturer:
            return product.starting_material_profile_id
        return product.final_product_profile_id


LEGS: dict[ShipmentDirection, Leg] = {
    ShipmentDirection.TO_MANUFACTURER: Leg(
        ship_operation=Operation.SHIP_TO_MANUFACTURER,
        receive_operation=Operation.RECEIVE_AT_MANUFACTURER,
        sender_roles=(Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE),
        receiver_roles=(Role.MFG_OPERATOR,),
        verifier_roles=(Role.MFG_VERIFIER,),
        unit_kind=UnitKind.APHERESIS_BAG,
        ready_status=UnitStatus.REGISTERED,
        received_status=UnitStatus.AVAILABLE,
        to_manufacturer=True,
    ),
    ShipmentDirection.TO_CLINIC: Leg(
        ship_operation=Operation.SHIP_TO_CLINIC,
        receive_operation=Operation.RECEIVE_AT_CLINIC,
        sender_roles=(Role.MFG_OPERATOR, Role.MFG_VERIFIER),
        receiver_roles=CLINIC_RECEIVERS,
        verifier_roles=CLINIC_RECEIVERS,
        unit_kind=UnitKind.FINAL_PRODUCT_BAG,
        ready_status=UnitStatus.RELEASED,
        received_status=UnitStatus.STORED,
        to_manufacturer=False,
    ),
}
