"""Issue 16: the verify-receipt refusal says who may verify the receipt, here (pure words)."""

from __future__ import annotations

import uuid

from app.core import Actor
from app.journey.legs import LEGS
from db.enums import Role, ShipmentDirection

CLINIC = uuid.uuid4()
MAKER = uuid.uuid4()


def _actor(role: Role, site_id: uuid.UUID, site_name: str) -> Actor:
    return Actor(
        uuid.uuid4(), "cora", "Cora Coordinator", frozenset({role}), site_id, site_name, "s"
    )


def test_a_verifier_is_refused_in_words_about_verifying_at_this_site() -> None:
    clinic_leg = LEGS[ShipmentDirection.TO_CLINIC]
    here = _actor(Role.CLINIC_COORDINATOR, CLINIC, "North Bay Hospital")
    assert clinic_leg.verifier_refusal(here, CLINIC, "North Bay Hospital") is None
    elsewhere = _actor(Role.CLINIC_COORDINATOR, uuid.uuid4(), "South Clinic")
    words = clinic_leg.verifier_refusal(elsewhere, CLINIC, "North Bay Hospital")
    assert words == (
        "Cora Coordinator (cora) works at South Clinic, not at North Bay Hospital: the receipt "
        "of the final product here is verified and signed by a Clinic coordinator, Apheresis "
        "nurse or Infusion nurse of North Bay Hospital. Ask one to sign in here."
    )
    maker_leg = LEGS[ShipmentDirection.TO_MANUFACTURER]
    operator = _actor(Role.MFG_OPERATOR, MAKER, "CellWorks")
    words = maker_leg.verifier_refusal(operator, MAKER, "CellWorks")
    assert words is not None and "may receive" not in words
    assert words == (
        "Cora Coordinator (cora) may not verify this receipt: the receipt of the starting "
        "material here is verified and signed by a Manufacturing verifier / supervisor of "
        "CellWorks, a second person who did not scan the containers in. Ask one to sign in here."
    )
