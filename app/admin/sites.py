"""Sites: clinics and manufacturers with their GS1 GLN and ISBT 128 FIN, and each clinic's
wristband rules (its MRN bar-code pattern; whether its wristbands carry the COI too)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from biip import ParseError
from biip.gln import Gln
from sqlalchemy import select

from app.access import require_role
from app.core import Actor, Database, UnitOfWork, ValidationFailed, load
from app.scanning import mrn_pattern_problem
from db.enums import Role, SiteKind
from db.models import Site

FIN_PATTERN = re.compile(r"^[A-Z][0-9]{4}$")
"""ISBT 128 Facility Identification Number: one letter and four digits (e.g. G1234)."""
_COMPANY_PREFIX = re.compile(r"^[0-9]{6,12}$")


@dataclass(frozen=True)
class SiteSummary:
    """A site as services return it."""

    id: uuid.UUID
    code: str
    name: str
    kind: SiteKind
    gln: str | None
    fin: str | None
    address: str = ""
    gs1_company_prefix: str | None = None
    active: bool = True
    wristband_mrn_pattern: str | None = None
    wristband_carries_coi: bool = False


def _summary(site: Site) -> SiteSummary:
    return SiteSummary(
        site.id,
        site.code,
        site.name,
        site.kind,
        site.gln,
        site.fin,
        site.address,
        site.gs1_company_prefix,
        site.active,
        site.wristband_mrn_pattern,
        site.wristband_carries_coi,
    )


def _wristband_rules(
    kind: SiteKind, mrn_pattern: str | None, carries_coi: bool
) -> tuple[str | None, bool]:
    """The checked wristband rules: a valid pattern or none; a clinic's rules only."""
    if mrn_pattern is not None:
        problem = mrn_pattern_problem(mrn_pattern)
        if problem is not None:
            raise ValidationFailed(problem)
    if kind is not SiteKind.CLINIC and (mrn_pattern is not None or carries_coi):
        raise ValidationFailed(
            "Wristband rules belong to a clinic: a manufacturing site has no patients."
        )
    return mrn_pattern, carries_coi


def create_site(
    uow: UnitOfWork,
    *,
    code: str,
    name: str,
    kind: SiteKind,
    gln: str | None = None,
    fin: str | None = None,
    address: str = "",
    gs1_company_prefix: str | None = None,
    wristband_mrn_pattern: str | None = None,
    wristband_carries_coi: bool = False,
) -> SiteSummary:
    """Register a site (administrators only); GLN, FIN and the MRN pattern are checked."""
    require_role(uow.actor, Role.ADMIN, doing="register sites")
    code = code.strip()
    if not code or not name.strip():
        raise ValidationFailed("A site needs a code and a name.")
    if gln is not None:
        try:
            Gln.parse(gln)
        except ParseError as exc:
            raise ValidationFailed(f"GLN {gln!r} is not valid: {exc}") from exc
    if fin is not None and not FIN_PATTERN.match(fin):
        raise ValidationFailed(
            f"FIN {fin!r} is not an ISBT 128 facility number (a letter and four digits)."
        )
    if gs1_company_prefix is not None and not _COMPANY_PREFIX.match(gs1_company_prefix):
        raise ValidationFailed(f"GS1 company prefix {gs1_company_prefix!r} must be 6 to 12 digits.")
    pattern, carries_coi = _wristband_rules(kind, wristband_mrn_pattern, wristband_carries_coi)
    if uow.session.scalar(select(Site).where(Site.code == code)) is not None:
        raise ValidationFailed(f"Site code {code!r} is already in use.")
    site = Site(
        code=code,
        name=name.strip(),
        kind=kind,
        gln=gln,
        fin=fin,
        address=address,
        gs1_company_prefix=gs1_company_prefix,
        wristband_mrn_pattern=pattern,
        wristband_carries_coi=carries_coi,
    )
    uow.add(site)
    uow.flush()
    return _summary(site)


def list_sites(database: Database) -> list[SiteSummary]:
    """Every site, by code."""
    with database.read_session() as session:
        return [_summary(s) for s in session.scalars(select(Site).order_by(Site.code))]


def register_site(
    database: Database,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: SiteKind,
    gln: str | None = None,
    fin: str | None = None,
    address: str = "",
    gs1_company_prefix: str | None = None,
    wristband_mrn_pattern: str | None = None,
    wristband_carries_coi: bool = False,
) -> SiteSummary:
    """Register a site in its own transaction (administrators only)."""
    require_role(actor, Role.ADMIN, doing="register sites")
    with UnitOfWork(database, actor) as uow:
        summary = create_site(
            uow,
            code=code,
            name=name,
            kind=kind,
            gln=gln or None,
            fin=fin or None,
            address=address.strip(),
            gs1_company_prefix=gs1_company_prefix or None,
            wristband_mrn_pattern=wristband_mrn_pattern or None,
            wristband_carries_coi=wristband_carries_coi,
        )
        uow.commit()
    return summary


def set_wristband_rules(
    database: Database,
    actor: Actor,
    site_id: uuid.UUID,
    *,
    mrn_pattern: str | None,
    carries_coi: bool,
) -> SiteSummary:
    """Set a clinic's MRN bar-code pattern (None: none) and whether its wristbands carry the COI
    (administrators only); the pattern is checked before it is stored."""
    require_role(actor, Role.ADMIN, doing="set a clinic's wristband rules")
    with UnitOfWork(database, actor) as uow:
        site = load(uow.session, Site, site_id, "site")
        pattern, coi = _wristband_rules(site.kind, mrn_pattern or None, carries_coi)
        site.wristband_mrn_pattern = pattern
        site.wristband_carries_coi = coi
        uow.annotate(site, action="set wristband rules")
        uow.flush()
        summary = _summary(site)
        uow.commit()
    return summary
