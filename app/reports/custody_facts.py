"""What the chain-of-identity and custody report prints, read in one session.

Every unit of the case, every custody event, every scan verification, every logger assessment,
every signature and deviation, and the audit chain's head at the moment of reading (the seal).
Patient identity is in ``case.patient`` only for roles allowed to see it (``app.journey``); raw
scanned text is never carried (a wristband scan holds the patient's hospital number).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.casefile import CaseDetail, GenealogyNode, TimelineEntry, case_detail_in
from app.coldchain import assessed_logger_file, disposition_words, profile_words, trace_plot_png
from app.core import Actor, chain_head, seal_text, sscc_text
from app.quality import SignatureView, signatures_of
from db.enums import ShipmentDirection, SideState, Verdict
from db.models import (
    CustodyEvent,
    Deviation,
    LoggerFile,
    Scan,
    Shipment,
    Site,
    TemperatureProfile,
    Unit,
    User,
)
from db.types import utc_now

PLOT_WIDTH_IN = 6.6
PLOT_HEIGHT_IN = 2.6


@dataclass(frozen=True)
class UnitLine:
    """One container of the genealogy, as the report lists it."""

    din: str
    kind: str
    status: str
    side_state: str
    """Its side state in words ("On hold"), "" when it is in none."""
    made_from: tuple[str, ...]
    storage: str
    expires_at: datetime | None


@dataclass(frozen=True)
class CustodyLine:
    """One custody or storage event: who, where, when, in what condition."""

    at: datetime
    unit: str
    action: str
    custodian: str
    organisation: str
    site: str
    condition: str
    shipment: str


@dataclass(frozen=True)
class ScanLine:
    """One scan verification: what was checked, by whom, and whether it matched."""

    at: datetime
    purpose: str
    outcome: str
    unit: str
    by: str
    station: str
    reason: str


@dataclass(frozen=True)
class AssessmentLine:
    """One logger file of a shipment: verdict, numbers, plot and QA's disposition."""

    sscc: str
    direction: str
    file_name: str
    sha256: str
    profile: str
    verdict: str
    summary: str
    disposition: str
    signatures: tuple[SignatureView, ...]
    plot_png: bytes


@dataclass(frozen=True)
class DeviationLine:
    """A deviation of the case and its closure."""

    number: str
    kind: str
    status: str
    description: str
    raised: str
    closure: str


@dataclass(frozen=True)
class CustodyReport:
    """Everything the chain-of-identity and custody report shows."""

    detail: CaseDetail
    seal: str
    generated_at: datetime
    generated_by: str
    units: tuple[UnitLine, ...]
    custody: tuple[CustodyLine, ...]
    scans: tuple[ScanLine, ...]
    assessments: tuple[AssessmentLine, ...]
    signatures: tuple[SignatureView, ...]
    deviations: tuple[DeviationLine, ...]

    @property
    def timeline(self) -> tuple[TimelineEntry, ...]:
        """The vein-to-vein operations, oldest first."""
        return self.detail.timeline


def _utc(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def code_words(value: str) -> str:
    """A stored code in words, as the screens write it: ``in_transit`` → ``In transit``
    (issue 16 review: the report printed the codes, lower case)."""
    words = " ".join(value.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _words(value: str) -> str:
    return value.replace("_", " ")


def _units(session: Session, genealogy: tuple[GenealogyNode, ...]) -> tuple[UnitLine, ...]:
    dins = {node.unit_id: node.din_eye_readable for node in genealogy}
    rows = {row.id: row for row in session.scalars(select(Unit).where(Unit.id.in_(list(dins))))}
    return tuple(
        UnitLine(
            din=dins[node.unit_id],
            kind=node.kind_name,
            status=code_words(node.status.value),
            side_state="" if node.side_state is SideState.NONE else code_words(node.side_state),
            made_from=tuple(dins.get(parent, "?") for parent in node.parent_ids),
            storage=rows[node.unit_id].storage_position or "",
            expires_at=rows[node.unit_id].expires_at,
        )
        for node in genealogy
        if not node.is_shipper  # a box with an SSCC: its shipment is on each custody line
    )


class _Names:
    """Printed names of users and sites, looked up once."""

    def __init__(self, session: Session) -> None:
        self.users = dict(session.execute(select(User.id, User.full_name)).all())
        self.sites = dict(session.execute(select(Site.id, Site.name)).all())

    def user(self, user_id: uuid.UUID | None) -> str:
        return self.users.get(user_id, "—") if user_id is not None else "—"

    def site(self, site_id: uuid.UUID | None) -> str:
        return self.sites.get(site_id, "—") if site_id is not None else "—"


def _custody(
    session: Session, case_id: uuid.UUID, names: _Names, dins: dict[uuid.UUID, str]
) -> tuple[CustodyLine, ...]:
    query = (
        select(CustodyEvent, Shipment.sscc)
        .join(Unit, Unit.id == CustodyEvent.unit_id)
        .outerjoin(Shipment, Shipment.id == CustodyEvent.shipment_id)
        .where(Unit.case_id == case_id)
        .order_by(CustodyEvent.occurred_at, CustodyEvent.recorded_at, CustodyEvent.id)
    )
    return tuple(
        CustodyLine(
            at=event.occurred_at,
            unit=dins.get(event.unit_id, "?"),
            action=code_words(event.action.value),
            custodian=event.custodian_name,
            organisation=event.organisation or "",
            site=names.site(event.site_id),
            condition=event.condition or "",
            shipment=sscc_text(sscc) if sscc else "",  # grouped as GS1 prints it
        )
        for event, sscc in session.execute(query)
    )


def _scans(
    session: Session, case_id: uuid.UUID, names: _Names, dins: dict[uuid.UUID, str]
) -> tuple[ScanLine, ...]:
    rows = session.scalars(
        select(Scan).where(Scan.case_id == case_id).order_by(Scan.recorded_at, Scan.id)
    )
    return tuple(
        ScanLine(
            at=row.recorded_at,
            purpose=code_words(row.purpose),
            outcome=row.outcome.value.upper(),
            unit=dins.get(row.unit_id, "—") if row.unit_id else "—",
            by=names.user(row.recorded_by_id),
            station=row.station,
            reason=row.mismatch_reason or "",
        )
        for row in rows
    )


def _summary(row: LoggerFile, session: Session) -> tuple[str, str, bytes]:
    assessed = assessed_logger_file(session, row.id)
    numbers = assessed.assessment
    text = (
        f"{numbers.readings} readings, {_utc(numbers.start)} → {_utc(numbers.end)}; "
        f"min {numbers.min_c:.1f} °C, max {numbers.max_c:.1f} °C, mean {numbers.mean_c:.1f} °C; "
        f"{len(numbers.excursions)} excursion(s), longest {numbers.longest_excursion_min:.0f} min, "
        f"cumulative {numbers.cumulative_excursion_min:.0f} min; {len(numbers.gaps)} gap(s)"
    )
    png = trace_plot_png(assessed, width_in=PLOT_WIDTH_IN, height_in=PLOT_HEIGHT_IN)
    stored = session.get(TemperatureProfile, row.profile_id) if row.profile_id else None
    description = stored.description if stored is not None else ""
    # the profile named for people ("Fresh, refrigerated 2–8 °C"), not its code "fresh-2-8"
    return profile_words(assessed.profile.name, description or ""), text, png


def _assessments(session: Session, case_id: uuid.UUID, names: _Names) -> tuple[AssessmentLine, ...]:
    query = (
        select(LoggerFile, Shipment)
        .join(Shipment, Shipment.id == LoggerFile.shipment_id)
        .where(Shipment.case_id == case_id)
        .order_by(LoggerFile.imported_at, LoggerFile.id)
    )
    lines = []
    for row, shipment in session.execute(query):
        profile, summary, png = _summary(row, session)
        if row.disposition is None:
            disposition = "None needed" if row.verdict is Verdict.WITHIN_LIMITS else "Awaiting QA"
        else:
            disposition = (
                f"{disposition_words(row.disposition).upper()} by "
                f"{names.user(row.dispositioned_by_id)} "
                f"at {_utc(row.dispositioned_at)}: {row.disposition_justification or ''}"
            )
        to_manufacturer = shipment.direction is ShipmentDirection.TO_MANUFACTURER
        leg = "to manufacturer" if to_manufacturer else "to clinic"
        lines.append(
            AssessmentLine(
                sscc=shipment.sscc,
                direction=leg,
                file_name=row.file_name,
                sha256=row.sha256,
                profile=profile,
                verdict=_words(row.verdict.value).upper() if row.verdict else "NOT ASSESSED",
                summary=summary,
                disposition=disposition,
                signatures=tuple(signatures_of(session, row)),
                plot_png=png,
            )
        )
    return tuple(lines)


def _deviations(session: Session, case_id: uuid.UUID, names: _Names) -> tuple[DeviationLine, ...]:
    rows = session.scalars(
        select(Deviation).where(Deviation.case_id == case_id).order_by(Deviation.raised_at)
    )
    return tuple(
        DeviationLine(
            number=row.number,
            kind=code_words(row.kind),
            status=row.status.value.upper(),
            description=row.description,
            raised=f"{names.user(row.raised_by_id)}, {_utc(row.raised_at)}",
            closure=(
                f"{names.user(row.closed_by_id)}, {_utc(row.closed_at)}: {row.closure or ''}"
                if row.closed_at
                else "open"
            ),
        )
        for row in rows
    )


def read_deviations(session: Session, case_id: uuid.UUID) -> tuple[DeviationLine, ...]:
    """The deviations of a case, oldest first, with who raised and closed them."""
    return _deviations(session, case_id, _Names(session))


def _signatures(
    detail: CaseDetail, assessments: tuple[AssessmentLine, ...]
) -> tuple[SignatureView, ...]:
    found = {view.id: view for entry in detail.timeline for view in entry.signatures}
    found.update((view.id, view) for line in assessments for view in line.signatures)
    return tuple(sorted(found.values(), key=lambda view: (view.signed_at, str(view.id))))


def read_custody_report(session: Session, actor: Actor, case_id: uuid.UUID) -> CustodyReport:
    """The report's content for a case ``actor`` may see, read in ``session``."""
    seal = seal_text(chain_head(session.connection()))
    detail = case_detail_in(session, actor, case_id)
    names = _Names(session)
    dins = {node.unit_id: node.din_eye_readable for node in detail.genealogy}
    assessments = _assessments(session, case_id, names)
    return CustodyReport(
        detail=detail,
        seal=seal,
        generated_at=utc_now(),
        generated_by=f"{actor.full_name} ({actor.username})",
        units=_units(session, detail.genealogy),
        custody=_custody(session, case_id, names, dins),
        scans=_scans(session, case_id, names, dins),
        assessments=assessments,
        signatures=_signatures(detail, assessments),
        deviations=_deviations(session, case_id, names),
    )


__all__ = [
    "AssessmentLine",
    "CustodyLine",
    "CustodyReport",
    "DeviationLine",
    "ScanLine",
    "UnitLine",
    "code_words",
    "read_custody_report",
    "read_deviations",
]
