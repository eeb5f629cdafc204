"""QA reviews several QC results of one batch under one electronic signature (issue 16 point 7).

One password, one signature: its comment lists each result as QA saw it (test, value, outcome)
and its digest covers every result's signed content (``app.quality.sign_together``); each
result gets its own audit event ("review QC result") naming that signature. The same rules as a
single review hold for every result, checked before anything is written: QA only, the batch's
own site, the latest value of its test, not yet reviewed, not entered by the reviewer.

The results a review signature covers are those of its case that its signer reviewed at the
moment it was signed (``reviewed_at`` is set to the signature's ``signed_at``):
:func:`review_sets` finds them again and checks the signature against them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site
from app.core import Actor, Database, SeparationOfDuties, UnitOfWork, ValidationFailed, load, now
from app.journey.qc import QcResultView, qc_view, refuse_replaced
from app.quality import SignatureView, sign_together, verify_set_signature
from db.enums import QcOutcome, Role, SignatureMeaning
from db.models import Case, QcResult, QcSpecification, Signature

REVIEW_SET = "qc_review"
"""The record type a review signature names: the set of results it covers (of one case)."""
OUTCOME_WORDS = {
    QcOutcome.PENDING: "pending",
    QcOutcome.PASS: "pass",
    QcOutcome.FAIL: "FAIL",
    QcOutcome.OUT_OF_SPECIFICATION: "OUT OF SPECIFICATION",
}


def _value(row: QcResult) -> str:
    return row.value_text if row.value_text is not None else f"{row.value_numeric:g}"


def _listing(case: Case, rows: Sequence[tuple[QcResult, QcSpecification]]) -> str:
    items = "; ".join(
        f"{spec.name} = {_value(row)}{f' {spec.unit}' if spec.unit else ''} "
        f"({OUTCOME_WORDS[row.outcome]})"
        for row, spec in rows
    )
    noun = "result" if len(rows) == 1 else "results"
    return f"Reviewed {len(rows)} QC {noun} of batch {case.coi}: {items}"


def review_qc_results(
    database: Database, actor: Actor, result_ids: Sequence[uuid.UUID], password: str
) -> tuple[QcResultView, ...]:
    """QA reviews the results ``result_ids`` (one batch) and signs once ("reviewed")."""
    require_role(actor, Role.QA, doing="review QC results")
    if not result_ids:
        raise ValidationFailed("Tick the QC results to review.")
    if len(set(result_ids)) != len(result_ids):
        raise ValidationFailed("A QC result is listed twice; each is reviewed once.")
    with UnitOfWork(database, actor) as uow:
        session = uow.session
        rows = [load(session, QcResult, result_id, "QC result") for result_id in result_ids]
        if len({row.case_id for row in rows}) != 1:
            raise ValidationFailed(
                "One signature covers the results of one batch; review each batch on its own."
            )
        case = load(session, Case, rows[0].case_id, "case")
        require_site(actor, case.manufacturing_site_id, doing="review this batch's QC results")
        listed: list[tuple[QcResult, QcSpecification]] = []
        for row in rows:
            spec = load(session, QcSpecification, row.specification_id, "QC specification")
            refuse_replaced(session, row, "review")
            if row.reviewed_by_id is not None:
                raise ValidationFailed(f"{spec.name} is already reviewed; untick it.")
            if row.outcome is QcOutcome.PENDING:
                raise ValidationFailed(
                    f"{spec.name} is still pending: only entered results are reviewed "
                    "together; untick it."
                )
            if row.entered_by_id == actor.user_id:
                raise SeparationOfDuties(
                    f"You entered the {spec.name} result, so you cannot also review it."
                )
            listed.append((row, spec))
        signature_id = uuid.uuid4()
        listing = _listing(case, listed)
        reviewed_at = now()  # the signature's moment too: it names the results it covers
        for row in rows:
            row.reviewed_by_id = actor.user_id
            row.reviewed_at = reviewed_at
            uow.annotate(
                row,
                action="review QC result",
                reason=f"Reviewed with {len(rows)} under one signature ({signature_id})",
            )
        sign_together(
            uow,
            rows,
            SignatureMeaning.REVIEWED,
            password,
            set_type=REVIEW_SET,
            set_id=str(case.id),
            listing=listing,
            signature_id=signature_id,
            signed_at=reviewed_at,
        )
        views = tuple(qc_view(session, row) for row in rows)
        uow.commit()
    return views


def review_sets(
    session: Session, case_id: uuid.UUID
) -> list[tuple[SignatureView, tuple[QcResult, ...]]]:
    """Each review signature over several results of the case, checked against the results it
    covers (those its signer reviewed at its moment), oldest first."""
    signatures = session.scalars(
        select(Signature)
        .where(Signature.record_type == REVIEW_SET, Signature.record_id == str(case_id))
        .order_by(Signature.signed_at)
    )
    found = []
    for signature in signatures:
        covered = tuple(
            session.scalars(
                select(QcResult)
                .where(
                    QcResult.case_id == case_id,
                    QcResult.reviewed_by_id == signature.signer_id,
                    QcResult.reviewed_at == signature.signed_at,
                )
                .order_by(QcResult.entered_at)
            )
        )
        found.append((verify_set_signature(signature, covered), covered))
    return found
