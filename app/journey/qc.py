"""Stage 6: QC results against specification, reviewed by QA; approved exceptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site, visible_case
from app.core import Actor, Database, SeparationOfDuties, UnitOfWork, ValidationFailed, load, now
from app.journey.records import load_case_for
from app.journey.specifications import judge_result
from app.journey.stages import Operation
from app.quality import sign
from db.enums import QcOutcome, Role, SignatureMeaning
from db.models import Case, QcResult, QcSpecification, User


@dataclass(frozen=True)
class QcEarlierValue:
    """A value a correction replaced: it stays readable, with who entered it and when."""

    value: str
    outcome: QcOutcome
    entered_at: datetime
    entered_by: str
    reviewed: bool
    replaced_because: str | None
    """The reason of the correction that replaced it (None: a pending result completed)."""


@dataclass(frozen=True)
class QcResultView:
    """One QC result with its specification, and the values it replaced (oldest first)."""

    id: uuid.UUID
    case_id: uuid.UUID
    test_code: str
    test_name: str
    criterion: str
    value: str
    outcome: QcOutcome
    entered_at: datetime
    reviewed: bool
    exception_approved: bool
    version: int
    unit: str = ""
    correction_reason: str | None = None
    earlier: tuple[QcEarlierValue, ...] = ()


def _value_text(row: QcResult) -> str:
    return row.value_text if row.value_text is not None else f"{row.value_numeric:g}"


def _user_name(session: Session, user_id: uuid.UUID) -> str:
    user = session.get(User, user_id)
    return user.full_name if user is not None else "?"


def _earlier(session: Session, row: QcResult) -> tuple[QcEarlierValue, ...]:
    """The chain of values ``row`` replaced, oldest first."""
    chain: list[QcEarlierValue] = []
    reason, link = row.correction_reason, row.corrects_id
    while link is not None:
        old = load(session, QcResult, link, "QC result")
        chain.append(
            QcEarlierValue(
                value=_value_text(old),
                outcome=old.outcome,
                entered_at=old.entered_at,
                entered_by=_user_name(session, old.entered_by_id),
                reviewed=old.reviewed_by_id is not None,
                replaced_because=reason,
            )
        )
        reason, link = old.correction_reason, old.corrects_id
    return tuple(reversed(chain))


def qc_view(session: Session, row: QcResult) -> QcResultView:
    """The frozen view of a QC result, with the values it replaced."""
    spec = load(session, QcSpecification, row.specification_id, "QC specification")
    return QcResultView(
        id=row.id,
        case_id=row.case_id,
        test_code=spec.test_code,
        test_name=spec.name,
        criterion=spec.criterion,
        value=_value_text(row),
        outcome=row.outcome,
        entered_at=row.entered_at,
        reviewed=row.reviewed_by_id is not None,
        exception_approved=row.exception_approved_by_id is not None,
        version=row.version,
        unit=spec.unit or "",
        correction_reason=row.correction_reason,
        earlier=_earlier(session, row),
    )


def latest_results(session: Session, case: Case) -> dict[uuid.UUID, QcResult]:
    """The latest result per specification of the case's product."""
    rows = session.scalars(
        select(QcResult).where(QcResult.case_id == case.id).order_by(QcResult.entered_at)
    )
    return {row.specification_id: row for row in rows}


def _is_replaced(session: Session, row: QcResult) -> bool:
    later = session.scalar(select(QcResult.id).where(QcResult.corrects_id == row.id).limit(1))
    return later is not None


def _spec_of(uow: UnitOfWork, case: Case, test_code: str) -> QcSpecification:
    spec = uow.session.scalar(
        select(QcSpecification).where(
            QcSpecification.product_id == case.product_id,
            QcSpecification.test_code == test_code,
        )
    )
    if spec is None:
        raise ValidationFailed(f"The product has no QC test {test_code!r}.")
    return spec


def _current(uow: UnitOfWork, case: Case, spec: QcSpecification) -> QcResult | None:
    return uow.session.scalar(
        select(QcResult)
        .where(QcResult.case_id == case.id, QcResult.specification_id == spec.id)
        .order_by(QcResult.entered_at.desc())
        .limit(1)
    )


def _open_for_results(uow: UnitOfWork, actor: Actor, case_id: uuid.UUID) -> Case:
    require_role(actor, Role.QC_ANALYST, doing="enter QC results")
    case = load_case_for(uow, case_id, Operation.ENTER_QC_RESULT)
    require_site(actor, case.manufacturing_site_id, doing="enter QC results for this batch")
    return case


def store_result(
    uow: UnitOfWork,
    case: Case,
    spec: QcSpecification,
    value: str,
    *,
    replaces: QcResult | None,
    reason: str | None,
) -> QcResultView:
    """Add a result judged against ``spec`` (``replaces``: the pending or corrected one)."""
    judged = judge_result(spec, value)
    row = QcResult(
        case_id=case.id,
        specification_id=spec.id,
        value_text=judged.text,
        value_numeric=judged.number,
        outcome=judged.outcome,
        entered_by_id=uow.actor.user_id,
        entered_at=now(),
        corrects_id=replaces.id if replaces is not None else None,
        correction_reason=reason,
    )
    if replaces is not None and row.entered_at <= replaces.entered_at:
        row.entered_at = replaces.entered_at + timedelta(microseconds=1)  # stays the latest
    action = "correct QC result" if reason is not None else "enter QC result"
    uow.add(row, action=action, reason=reason)
    uow.flush()
    return qc_view(uow.session, row)


def enter_qc_result(
    database: Database, actor: Actor, case_id: uuid.UUID, test_code: str, value: str
) -> QcResultView:
    """A QC analyst enters a result; its outcome is judged against the specification.

    A test that already has a result is refused: that is a correction, with its reason
    (``correct_qc_result``). A pending result is completed here (it stays readable)."""
    with UnitOfWork(database, actor) as uow:
        case = _open_for_results(uow, actor, case_id)
        spec = _spec_of(uow, case, test_code)
        current = _current(uow, case, spec)
        if current is not None and current.outcome is not QcOutcome.PENDING:
            raise ValidationFailed(
                f"{spec.name} already has a result ({_value_text(current)}, entered "
                f"{current.entered_at:%Y-%m-%d %H:%M} UTC): nothing was saved. To change it, "
                "correct it and give the reason; the earlier value stays on record."
            )
        view = store_result(uow, case, spec, value, replaces=current, reason=None)
        uow.commit()
    return view


def correct_qc_result(  # noqa: PLR0917 - the test, its new value and the reason, in order
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    test_code: str,
    value: str,
    reason: str,
) -> QcResultView:
    """A QC analyst corrects a result with a reason: a new result that names the one it
    replaces, which stays as it was; QA reviews the new one, even if it had reviewed the old."""
    text = reason.strip()
    if not text:
        raise ValidationFailed(
            "Give the reason for the correction: a QC result is changed only with one."
        )
    with UnitOfWork(database, actor) as uow:
        case = _open_for_results(uow, actor, case_id)
        spec = _spec_of(uow, case, test_code)
        current = _current(uow, case, spec)
        if current is None:
            raise ValidationFailed(f"{spec.name} has no result to correct: enter it.")
        judged = judge_result(spec, value)
        same_text = (judged.text or "").casefold() == (current.value_text or "").casefold()
        if (
            same_text
            and judged.number == current.value_numeric
            and (judged.outcome is current.outcome)
        ):
            raise ValidationFailed(
                f"{spec.name} is already {_value_text(current)}: there is nothing to correct."
            )
        view = store_result(uow, case, spec, value, replaces=current, reason=text)
        uow.commit()
    return view


def refuse_replaced(session: Session, row: QcResult, doing: str) -> None:
    if _is_replaced(session, row):
        raise ValidationFailed(
            f"This QC result ({_value_text(row)}) was replaced by a correction: {doing} the "
            "latest value."
        )


def review_qc_result(
    database: Database, actor: Actor, result_id: uuid.UUID, password: str
) -> QcResultView:
    """QA reviews a QC result and signs ("reviewed")."""
    require_role(actor, Role.QA, doing="review QC results")
    with UnitOfWork(database, actor) as uow:
        row = load(uow.session, QcResult, result_id, "QC result")
        refuse_replaced(uow.session, row, "review")
        if row.reviewed_by_id is not None:
            raise ValidationFailed("This QC result is already reviewed.")
        if row.entered_by_id == actor.user_id:
            raise SeparationOfDuties("You entered this result, so you cannot also review it.")
        row.reviewed_by_id = actor.user_id
        row.reviewed_at = now()
        uow.annotate(row, action="review QC result")
        sign(uow, row, SignatureMeaning.REVIEWED, password)
        view = qc_view(uow.session, row)
        uow.commit()
    return view


def approve_qc_exception(
    database: Database, actor: Actor, result_id: uuid.UUID, justification: str, password: str
) -> QcResultView:
    """QA approves release with a result still pending, where the specification allows it."""
    require_role(actor, Role.QA, doing="approve QC exceptions")
    if not justification.strip():
        raise ValidationFailed("State the justification for the exception.")
    with UnitOfWork(database, actor) as uow:
        row = load(uow.session, QcResult, result_id, "QC result")
        refuse_replaced(uow.session, row, "approve an exception on")
        spec = load(uow.session, QcSpecification, row.specification_id, "QC specification")
        if row.outcome is not QcOutcome.PENDING or not spec.may_be_pending_at_release:
            raise ValidationFailed(
                f"An exception can be approved only for a pending {spec.name} result whose "
                "specification allows release while pending."
            )
        row.exception_approved_by_id = actor.user_id
        row.exception_justification = justification.strip()
        uow.annotate(row, action="approve QC exception", reason=justification.strip())
        sign(uow, row, SignatureMeaning.APPROVED, password, comment=justification.strip())
        view = qc_view(uow.session, row)
        uow.commit()
    return view


def qc_results_of_case(database: Database, actor: Actor, case_id: uuid.UUID) -> list[QcResultView]:
    """Every QC result of a case ``actor`` may see, oldest first."""
    with database.read_session() as session:
        visible_case(session, actor, case_id)
        return qc_result_views(session, case_id)


def qc_result_views(session: Session, case_id: uuid.UUID) -> list[QcResultView]:
    """Every QC result of a case, oldest first, read in the caller's session (the latest of
    each test carries the values it replaced)."""
    rows = session.scalars(
        select(QcResult).where(QcResult.case_id == case_id).order_by(QcResult.entered_at)
    )
    return [qc_view(session, row) for row in rows]
