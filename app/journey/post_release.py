"""Results that arrive after release, and the QP's recall (EU GMP Part IV for ATMPs, §11).

A test the specification lets be pending at release (sterility, mycoplasma) and whose pending
result was released under an approved exception gets its final result here, against the
released batch. A pass closes the pending item. A failure, in the same transaction, opens a
deviation, puts every unit of the product not yet infused ON HOLD wherever it is (a scan of it
is then refused with the reason, and so are the bedside check and the infusion) and raises an
alert on the treating clinic's home screen; when the product was already infused, the alert
tells the clinic to inform the treating physician. The QP may recall a released batch (signed
"recalled"): its units go on hold until they are returned or destroyed, and the clinic is told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.access import require_role, require_site
from app.core import (
    Actor,
    Database,
    StageNotAllowed,
    UnitOfWork,
    ValidationFailed,
    coi_text,
    load,
    now,
)
from app.journey.qc import QcResultView, store_result
from app.journey.records import record_stage
from app.journey.stages import FINAL_SIDE_STATES, stage_index
from app.journey.unit_states import enter_side_state
from app.quality import open_deviation, sign
from db.enums import (
    CaseStage,
    QcOutcome,
    Role,
    SideState,
    SideStateCause,
    SignatureMeaning,
    UnitKind,
    UnitStatus,
)
from db.models import Case, ClinicAlert, QcResult, QcSpecification, Recall, Unit

LATE_RESULT_ROLES = (Role.QC_ANALYST, Role.QP)
"""Who records a result that arrives after release: QC, or the QP on QC's report."""

FAILED_AFTER_RELEASE = "failed_after_release"
RECALL = "recall"


@dataclass(frozen=True)
class LateResultView:
    """A result recorded after release and what it set off (a failure only)."""

    result: QcResultView
    deviation_number: str | None
    held_units: tuple[str, ...]
    alert_id: uuid.UUID | None
    infused: bool


@dataclass(frozen=True)
class RecallView:
    """A recall: the units put on hold and the clinic's alert."""

    id: uuid.UUID
    case_id: uuid.UUID
    reason: str
    held_units: tuple[str, ...]
    alert_id: uuid.UUID


def _released_case(uow: UnitOfWork, case_id: uuid.UUID, doing: str) -> Case:
    case = load(uow.session, Case, case_id, "case")
    if stage_index(case.stage) < stage_index(CaseStage.RELEASED):
        raise StageNotAllowed(
            f"You cannot {doing}: the batch is not released yet. Enter and review its QC "
            "results on the release screen."
        )
    if case.side_state in FINAL_SIDE_STATES:
        raise StageNotAllowed(
            f"This case is {case.side_state.value}: nothing more can be done with it "
            f"(you tried to {doing})."
        )
    return case


def _final_units(uow: UnitOfWork, case: Case) -> list[Unit]:
    return list(
        uow.session.scalars(
            select(Unit)
            .where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
            .order_by(Unit.created_at)
        )
    )


def hold_product(
    uow: UnitOfWork, case: Case, cause: SideStateCause, reason: str
) -> tuple[tuple[str, ...], bool]:
    """Put every final unit of ``case`` not yet infused on hold for ``cause`` (a failed result
    after release, a recall: only a lift naming it takes it off) and ``reason``: the DINs held,
    and whether a unit was already infused."""
    held: list[str] = []
    infused = False
    for unit in _final_units(uow, case):
        if unit.status is UnitStatus.INFUSED:
            infused = True
            continue
        if unit.side_state in FINAL_SIDE_STATES:
            continue
        enter_side_state(uow, unit, SideState.ON_HOLD, cause, reason)
        if unit.side_state is SideState.ON_HOLD:
            held.append(unit.din or str(unit.id))
    return tuple(held), infused


def raise_clinic_alert(
    uow: UnitOfWork,
    case: Case,
    *,
    kind: str,
    what: str,
    infused: bool,
    qc_result_id: uuid.UUID | None = None,
    deviation_id: uuid.UUID | None = None,
) -> ClinicAlert:
    """Raise an alert on the treating clinic's home screen, acknowledged with a signature."""
    physician = case.treating_physician or "the treating physician"
    if infused:
        action = (
            f"The product was ALREADY INFUSED: inform the treating physician ({physician}) now, "
            "and record that you did when you acknowledge this alert."
        )
    else:
        action = (
            "Every unit of the product is ON HOLD: do NOT infuse it. Keep it in storage and "
            "wait for the manufacturer's instructions."
        )
    assert uow.actor.user_id is not None  # the services admit signed-in people only
    alert = ClinicAlert(
        case_id=case.id,
        clinic_site_id=case.clinic_site_id,
        qc_result_id=qc_result_id,
        deviation_id=deviation_id,
        kind=kind,
        message=f"Batch COI {coi_text(case.coi, case.coi_check)}: {what} {action}",
        infused=infused,
        raised_at=now(),
        raised_by_id=uow.actor.user_id,
    )
    uow.add(alert, action="raise clinic alert")
    uow.flush()
    return alert


def _pending_at_release(
    uow: UnitOfWork, case: Case, test_code: str
) -> tuple[QcSpecification, QcResult]:
    spec = uow.session.scalar(
        select(QcSpecification).where(
            QcSpecification.product_id == case.product_id,
            QcSpecification.test_code == test_code,
        )
    )
    if spec is None:
        raise ValidationFailed(f"The product has no QC test {test_code!r}.")
    current = uow.session.scalar(
        select(QcResult)
        .where(QcResult.case_id == case.id, QcResult.specification_id == spec.id)
        .order_by(QcResult.entered_at.desc())
        .limit(1)
    )
    if current is not None and current.outcome is not QcOutcome.PENDING:
        raise ValidationFailed(
            f"{spec.name} already has its final result "
            f"({current.value_text or current.value_numeric}, entered "
            f"{current.entered_at:%Y-%m-%d %H:%M} UTC): nothing was saved."
        )
    if (
        current is None
        or not spec.may_be_pending_at_release
        or current.exception_approved_by_id is None
    ):
        raise ValidationFailed(
            f"{spec.name} was not pending at release under an approved exception: only such a "
            "result is recorded after release. Nothing was saved."
        )
    return spec, current


def record_late_result(
    database: Database, actor: Actor, case_id: uuid.UUID, test_code: str, value: str
) -> LateResultView:
    """Record the final result of a test released while pending (QC analyst or QP).

    A failure opens a deviation, holds the product and alerts the clinic, all in this one
    transaction."""
    require_role(actor, *LATE_RESULT_ROLES, doing="record a QC result after release")
    with UnitOfWork(database, actor) as uow:
        case = _released_case(uow, case_id, "record a QC result after release")
        require_site(actor, case.manufacturing_site_id, doing="record results for this batch")
        spec, pending = _pending_at_release(uow, case, test_code)
        view = store_result(uow, case, spec, value, replaces=pending, reason=None)
        record_stage(
            uow,
            case,
            "QC result after release",
            details={"test": spec.test_code, "value": view.value, "outcome": view.outcome.value},
        )
        number: str | None = None
        held: tuple[str, ...] = ()
        alert_id: uuid.UUID | None = None
        infused = False
        if view.outcome is not QcOutcome.PASS:
            what = f"{spec.name} FAILED after release ({view.value}; {spec.criterion})."
            deviation = open_deviation(
                uow,
                kind=FAILED_AFTER_RELEASE,
                description=f"{what} Released under an approved exception while pending.",
                case_id=case.id,
            )
            number = deviation.number
            held, infused = hold_product(
                uow,
                case,
                SideStateCause.POST_RELEASE,
                f"{spec.name} failed after release: deviation {number}",
            )
            alert = raise_clinic_alert(
                uow,
                case,
                kind=FAILED_AFTER_RELEASE,
                what=f"{what} Deviation {number}.",
                infused=infused,
                qc_result_id=view.id,
                deviation_id=deviation.id,
            )
            alert_id = alert.id
        uow.commit()
    return LateResultView(view, number, held, alert_id, infused)


def recall_batch(
    database: Database, actor: Actor, case_id: uuid.UUID, reason: str, password: str
) -> RecallView:
    """The QP recalls a released batch with a reason and a signature ("recalled").

    Every unit not yet infused goes on hold until it is returned or destroyed, and the clinic
    is alerted; a batch is recalled once."""
    require_role(actor, Role.QP, doing="recall a batch")
    text = reason.strip()
    if not text:
        raise ValidationFailed("State the reason for the recall: nothing was saved.")
    assert actor.user_id is not None  # require_role admits signed-in people only
    with UnitOfWork(database, actor) as uow:
        case = _released_case(uow, case_id, "recall the batch")
        require_site(actor, case.manufacturing_site_id, doing="recall this batch")
        earlier = uow.session.scalar(select(Recall).where(Recall.case_id == case.id).limit(1))
        if earlier is not None:
            raise ValidationFailed(
                f"This batch was already recalled on {earlier.recalled_at:%Y-%m-%d %H:%M} UTC."
            )
        recall = Recall(
            case_id=case.id, reason=text, recalled_at=now(), recalled_by_id=actor.user_id
        )
        uow.add(recall, action="recall batch", reason=text)
        uow.flush()
        held, infused = hold_product(
            uow, case, SideStateCause.RECALL, f"recalled by the QP: {text}"
        )
        alert = raise_clinic_alert(
            uow,
            case,
            kind=RECALL,
            what=f"the batch is RECALLED by the QP ({text}). Return the units not infused to "
            "the manufacturer, or destroy them, as the manufacturer instructs.",
            infused=infused,
        )
        record_stage(uow, case, "batch recalled", details={"reason": text, "held": list(held)})
        sign(uow, recall, SignatureMeaning.RECALLED, password, comment=text)
        view = RecallView(recall.id, case.id, text, held, alert.id)
        uow.commit()
    return view
