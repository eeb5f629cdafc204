"""What of a scan may be stored, and messages that never quote a patient identifier read.

At a manufacturing site a scan is stored and audited with its patient-identity structures
removed (`labels.redaction`): the manufacturer never holds who the patient is (DESIGN.md §5).
At a clinic the scan is kept whole (the clinic holds the identity). Everywhere, a refusal,
deviation or error text derived from a scan is scrubbed of the identity values it read: it
says what kind of identifier it was, never which.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import Actor
from db.enums import SiteKind
from db.models import Site
from labels.redaction import redact_identity, scrubbed


@dataclass(frozen=True)
class CapturedScan:
    """A scan as it may be stored here, and the identity values it carried."""

    stored: str
    identity_values: tuple[str, ...]

    def scrub(self, text: str) -> str:
        """``text`` with every identity value this scan carried replaced by the marker."""
        return scrubbed(text, self.identity_values)


def at_manufacturer(session: Session, actor: Actor) -> bool:
    """True when ``actor`` works at a manufacturing site."""
    if actor.site_id is None:
        return False
    kind = session.scalar(select(Site.kind).where(Site.id == actor.site_id))
    return kind is SiteKind.MANUFACTURER


def captured(session: Session, actor: Actor, raw: str) -> CapturedScan:
    """``raw`` as ``actor``'s site may store it (redacted at a manufacturer)."""
    patterns = tuple(
        session.scalars(
            select(Site.wristband_mrn_pattern).where(Site.wristband_mrn_pattern.is_not(None))
        )
    )
    redacted = redact_identity(raw, mrn_patterns=[p for p in patterns if p])
    stored = redacted.text if redacted.removed and at_manufacturer(session, actor) else raw
    return CapturedScan(stored, redacted.values)
