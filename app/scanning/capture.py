"""What of a scan may be stored, and messages that never quote a patient identifier read.

At a manufacturing site a scan is stored and audited with its patient-identity structures
removed (`labels.redaction`): the manufacturer never holds who the patient is (DESIGN.md §5).
At a clinic the scan is kept whole (the clinic holds the identity). Everywhere, a refusal,
deviation or error text derived from a scan is scrubbed of the identity values it read: it
says what kind of identifier it was, never which.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
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


_SITES = Site.__table__
# The sites' wristband patterns and the actor's site's kind, in one statement built once.
_CAPTURE_SITES = select(_SITES.c.id, _SITES.c.kind, _SITES.c.wristband_mrn_pattern).where(
    or_(_SITES.c.wristband_mrn_pattern.is_not(None), _SITES.c.id == bindparam("site_id"))
)


def captured(session: Session, actor: Actor, raw: str) -> CapturedScan:
    """``raw`` as ``actor``'s site may store it (redacted at a manufacturer)."""
    sites = session.execute(_CAPTURE_SITES, {"site_id": actor.site_id}).all()
    patterns = [site.wristband_mrn_pattern for site in sites if site.wristband_mrn_pattern]
    redacted = redact_identity(raw, mrn_patterns=patterns)
    manufacturer = any(
        site.id == actor.site_id and site.kind is SiteKind.MANUFACTURER for site in sites
    )
    stored = redacted.text if redacted.removed and manufacturer else raw
    return CapturedScan(stored, redacted.values)
