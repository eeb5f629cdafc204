"""What the screens show of the QP's exceptions: the clinic's alerts, a batch's late results,
recall and out-of-specification release, and the warnings the bedside screen shows.

Read-only queries returning frozen views, for the cases the actor may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.casefile.queries import may_view_cases, visible_case, visible_cases
from app.core import Actor, Database, coi_text, din_text
from app.journey import (
    RELEASED_OOS,
    OosAcceptanceView,
    acceptance_view,
    current_acceptance,
    released_out_of_specification,
    side_state_words,
)
from db.enums import QcOutcome, SideState, SideStateCause, UnitKind, UnitStatus
from db.models import Case, ClinicAlert, QcResult, QcSpecification, Recall, Unit, User


@dataclass(frozen=True)
class ClinicAlertView:
    """A clinic alert as the home screen shows it."""

    id: uuid.UUID
    case_id: uuid.UUID
    coi: str
    coi_check: str
    kind: str
    message: str
    infused: bool
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    physician_informed: str | None

    @property
    def coi_eye_readable(self) -> str:
        """The case's COI as printed, with its check character."""
        return coi_text(self.coi, self.coi_check)

    @property
    def open(self) -> bool:
        """True until a clinic user acknowledges it."""
        return self.acknowledged_at is None


@dataclass(frozen=True)
class PendingTest:
    """A test released while pending, whose final result may be recorded after release."""

    test_code: str
    name: str
    criterion: str


@dataclass(frozen=True)
class ReleaseExceptions:
    """A batch's exceptions on the release screen."""

    pending_after_release: tuple[PendingTest, ...]
    out_of_specification: tuple[str, ...]
    """``test: value`` of the latest results out of specification."""
    acceptance: OosAcceptanceView | None
    released_out_of_specification: bool
    recalled_because: str | None


def _alert_view(session: Session, alert: ClinicAlert, case: Case) -> ClinicAlertView:
    by = session.get(User, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    return ClinicAlertView(
        id=alert.id,
        case_id=case.id,
        coi=case.coi,
        coi_check=case.coi_check,
        kind=alert.kind,
        message=alert.message,
        infused=alert.infused,
        raised_at=alert.raised_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=by.full_name if by else None,
        physician_informed=alert.physician_informed,
    )


def clinic_alerts(database: Database, actor: Actor) -> tuple[ClinicAlertView, ...]:
    """The clinic alerts of the cases ``actor`` may see: open ones first, newest first."""
    if not may_view_cases(actor):
        return ()
    with database.read_session() as session:
        rows = session.execute(
            select(ClinicAlert, Case)
            .join(Case, Case.id == ClinicAlert.case_id)
            .where(visible_cases(actor))
            .order_by(ClinicAlert.raised_at.desc())
        ).all()
        views = [_alert_view(session, alert, case) for alert, case in rows]
    return tuple(sorted(views, key=lambda v: not v.open))


def _latest_results(session: Session, case: Case) -> list[tuple[QcResult, QcSpecification]]:
    """The latest result of each QC test of ``case``, with its specification."""
    rows = session.execute(
        select(QcResult, QcSpecification)
        .join(QcSpecification, QcSpecification.id == QcResult.specification_id)
        .where(QcResult.case_id == case.id)
        .order_by(QcResult.entered_at)
    ).all()
    return list({spec.id: (row, spec) for row, spec in rows}.values())


def _pending_tests(session: Session, case: Case) -> tuple[PendingTest, ...]:
    return tuple(
        PendingTest(spec.test_code, spec.name, spec.criterion)
        for row, spec in _latest_results(session, case)
        if row.outcome is QcOutcome.PENDING
        and spec.may_be_pending_at_release
        and row.exception_approved_by_id is not None
    )


def _value(row: QcResult) -> str:
    return row.value_text if row.value_text is not None else f"{row.value_numeric:g}"


def _out_of_specification(session: Session, case: Case) -> tuple[str, ...]:
    return tuple(
        sorted(
            f"{spec.name}: {_value(row)}" + (f" {spec.unit}" if spec.unit else "")
            for row, spec in _latest_results(session, case)
            if row.outcome in {QcOutcome.FAIL, QcOutcome.OUT_OF_SPECIFICATION}
        )
    )


def release_exceptions(database: Database, actor: Actor, case_id: uuid.UUID) -> ReleaseExceptions:
    """The exceptions panel of the release screen for one batch."""
    with database.read_session() as session:
        return exceptions_in(session, visible_case(session, actor, case_id))


def exceptions_in(session: Session, case: Case) -> ReleaseExceptions:
    """``release_exceptions`` of ``case``, read in the caller's session."""
    acceptance = current_acceptance(session, case.id)
    recall = session.scalar(select(Recall).where(Recall.case_id == case.id).limit(1))
    return ReleaseExceptions(
        pending_after_release=_pending_tests(session, case),
        out_of_specification=_out_of_specification(session, case),
        acceptance=acceptance_view(acceptance) if acceptance else None,
        released_out_of_specification=released_out_of_specification(session, case.id),
        recalled_because=recall.reason if recall else None,
    )


def awaiting_late_results(session: Session, case_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The cases among ``case_ids`` released with a test still pending under an exception."""
    if not case_ids:
        return set()
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids)))
    return {case.id for case in cases if _pending_tests(session, case)}


def _cause_words(unit: Unit) -> str:
    """ " (a recall)" for a hold the journey or the QP set; nothing for a hold a person set,
    whose own reason follows (never "set by a person" alone, issue 16)."""
    cause = unit.side_state_cause or SideStateCause.MANUAL
    return "" if cause is SideStateCause.MANUAL else f" ({side_state_words(unit)})"


def product_warnings(session: Session, case: Case) -> tuple[str, ...]:
    """What the bedside screen must say before anything else: a product released out of
    specification, a unit on hold (with why) and an alert the clinic has not acknowledged."""
    warnings: list[str] = []
    if released_out_of_specification(session, case.id):
        acceptance = current_acceptance(session, case.id)
        who = f" at the request of {acceptance.physician_name}" if acceptance else ""
        results = _out_of_specification(session, case)  # which: the nurse reads it whole
        which = f" ({'; '.join(results)})" if results else ""
        warnings.append(f"{RELEASED_OOS}{which}{who}.")
    held = session.scalars(
        select(Unit).where(
            Unit.case_id == case.id,
            Unit.kind == UnitKind.FINAL_PRODUCT_BAG,
            Unit.side_state == SideState.ON_HOLD,
            Unit.status != UnitStatus.INFUSED,
        )
    )
    warnings.extend(
        f"DIN {din_text(unit.din or '')} is ON HOLD{_cause_words(unit)}: "
        f"{unit.side_state_reason or 'no reason'}. Do not infuse it."
        for unit in held
    )
    open_alerts = session.scalars(
        select(ClinicAlert.message).where(
            ClinicAlert.case_id == case.id, ClinicAlert.acknowledged_at.is_(None)
        )
    )
    warnings.extend(f"Clinic alert: {message}" for message in open_alerts)
    return tuple(warnings)
