"""The treating clinic acknowledges a clinic alert with a signature ("acknowledged").

Only clinic staff of the alert's clinic acknowledge it, once; the alert of a product already
infused is acknowledged only with the name of the treating physician who was informed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.access import CLINIC_ROLES, require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, load, now
from app.quality import sign
from db.enums import SignatureMeaning
from db.models import ClinicAlert


@dataclass(frozen=True)
class AcknowledgedAlert:
    """An acknowledged alert: who, when, and the physician informed (infused product)."""

    id: uuid.UUID
    case_id: uuid.UUID
    acknowledged_at: datetime
    physician_informed: str | None


def acknowledge_clinic_alert(
    database: Database,
    actor: Actor,
    alert_id: uuid.UUID,
    password: str,
    *,
    physician_informed: str | None = None,
    note: str | None = None,
) -> AcknowledgedAlert:
    """A clinic user acknowledges an alert of their clinic and signs."""
    require_role(actor, *sorted(CLINIC_ROLES), doing="acknowledge a clinic alert")
    informed = (physician_informed or "").strip() or None
    with UnitOfWork(database, actor) as uow:
        alert = load(uow.session, ClinicAlert, alert_id, "clinic alert")
        require_site(actor, alert.clinic_site_id, doing="acknowledge this clinic's alerts")
        if alert.acknowledged_at is not None:
            raise ValidationFailed(
                f"This alert was already acknowledged on {alert.acknowledged_at:%Y-%m-%d %H:%M} "
                "UTC."
            )
        if alert.infused and informed is None:
            raise ValidationFailed(
                "The product was already infused: inform the treating physician first, and "
                "enter the name of the physician you informed. Nothing was saved."
            )
        alert.acknowledged_at = now()
        alert.acknowledged_by_id = actor.user_id
        alert.physician_informed = informed
        alert.acknowledgement_note = (note or "").strip() or None
        uow.annotate(alert, action="acknowledge clinic alert", reason=informed)
        sign(uow, alert, SignatureMeaning.ACKNOWLEDGED, password, comment=informed)
        view = AcknowledgedAlert(alert.id, alert.case_id, alert.acknowledged_at, informed)
        uow.commit()
    return view
