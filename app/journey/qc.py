"""Stage 6: QC results against specification, reviewed by QA; approved exceptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site
from app.core import Actor, Database, SeparationOfDuties, UnitOfWork, ValidationFailed, load, now
from app.journey.records import load_case_for
from app.journey.specifications import judge_result
from app.journey.stages import Operation
from app.quality import sign
from db.enums import QcOutcome, Role, SignatureMeaning
from db.models import Case, QcResult, QcSpecification


@dataclass(frozen=True)
class QcResultView:
    """One QC result with its specification."""

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


def qc_view(session: Session, row: QcResult) -> QcResultView:
    """The frozen view of a QC result."""
    spec = load(session, QcSpecification, row.specification_id, "QC specification")
    value = row.value_text if row.value_text is not None else f"{row.value_numeric:g}"
    return QcResultView(
        id=row.id,
        case_id=row.case_id,
        test_code=spec.test_code,
        test_name=spec.name,
        criterion=spec.criterion,
        value=value,
        outcome=row.outcome,
        entered_at=row.entered_at,
        reviewed=row.reviewed_by_id is not None,
        exception_approved=row.exception_approved_by_id is not None,
        version=row.version,
    )


def latest_results(session: Session, case: Case) -> dict[uuid.UUID, QcResult]:
    """The latest result per specification of the case's product."""
    rows = session.scalars(
        select(QcResult).where(QcResult.case_id == case.id).order_by(QcResult.entered_at)
    )
    return {row.specification_id: row for row in rows}


def enter_qc_result(
    database: Database, actor: Actor, case_id: uuid.UUID, test_code: str, value: str
) -> QcResultView:
    """A QC analyst enters a result; its outcome is judged against the specification."""
    require_role(actor, Role.QC_ANALYST, doing="enter QC results")
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.ENTER_QC_RESULT)
        require_site(actor, case.manufacturing_site_id, doing="enter QC results for this batch")
        spec = uow.session.scalar(
            select(QcSpecification).where(
                QcSpecification.product_id == case.product_id,
                QcSpecification.test_code == test_code,
            )
        )
        if spec is None:
            raise ValidationFailed(f"The product has no QC test {test_code!r}.")
        judged = judge_result(spec, value)
        row = QcResult(
            case_id=case.id,
            specification_id=spec.id,
            value_text=judged.text,
            value_numeric=judged.number,
            outcome=judged.outcome,
            entered_by_id=actor.user_id,
            entered_at=now(),
        )
        uow.add(row, action="enter QC result")
        uow.flush()
        view = qc_view(uow.session, row)
        uow.commit()
    return view


def review_qc_result(
    database: Database, actor: Actor, result_id: uuid.UUID, password: str
) -> QcResultView:
    """QA reviews a QC result and signs ("reviewed")."""
    require_role(actor, Role.QA, doing="review QC results")
    with UnitOfWork(database, actor) as uow:
        row = load(uow.session, QcResult, result_id, "QC result")
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


def qc_results_of_case(database: Database, case_id: uuid.UUID) -> list[QcResultView]:
    """Every QC result of a case, oldest first."""
    with database.read_session() as session:
        return qc_result_views(session, case_id)


def qc_result_views(session: Session, case_id: uuid.UUID) -> list[QcResultView]:
    """Every QC result of a case, oldest first, read in the caller's session."""
    rows = session.scalars(
        select(QcResult).where(QcResult.case_id == case_id).order_by(QcResult.entered_at)
    )
    return [qc_view(session, row) for row in rows]
