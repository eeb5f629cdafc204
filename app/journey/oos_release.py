"""Release out of specification on the treating physician's request (EU GMP Part IV, §11.5).

The QP records the out-of-specification deviation and the physician's written acceptance (name,
date, the scanned document and its SHA-256), then certifies with the signature meaning
"released out of specification". The checklist treats exactly the accepted results as
accepted, and the acceptance's own deviation as covered; every other item must hold as for a
normal release. The document's bytes are stored with the acceptance and checked against the
digest whenever the acceptance is used: a changed document refuses the release.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import ensure_independent_qp, require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, now
from app.journey.case_trail import ensure_case_matches_trail
from app.journey.checklist import Checklist, ReleaseFacts, evaluate
from app.journey.qc import latest_results
from app.journey.records import load_case_for
from app.journey.release import ReleaseView, checklist_of, finish_release, gather_facts
from app.journey.stages import Operation
from app.quality import open_deviation
from db.enums import QcOutcome, Role, SignatureMeaning
from db.models import Case, Deviation, OosAcceptance, QcSpecification
from labels.content import RELEASED_OUT_OF_SPECIFICATION

OUT_OF_SPECIFICATION = "out_of_specification"
RELEASED_OOS = RELEASED_OUT_OF_SPECIFICATION
"""What the final label and the bedside screen say of such a product."""
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class OosAcceptanceView:
    """A recorded acceptance, with whether its document still matches its digest."""

    id: uuid.UUID
    case_id: uuid.UUID
    deviation_id: uuid.UUID
    results: tuple[str, ...]
    physician_name: str
    accepted_on: date
    document_name: str
    document_sha256: str
    document_intact: bool
    released: bool


def _out_of_specification(session: Session, case: Case) -> tuple[str, ...]:
    """``test: value`` of every latest result of the case that failed its specification."""
    lines = []
    for spec_id, row in latest_results(session, case).items():
        if row.outcome in {QcOutcome.FAIL, QcOutcome.OUT_OF_SPECIFICATION}:
            spec = session.get(QcSpecification, spec_id)
            value = row.value_text if row.value_text is not None else f"{row.value_numeric:g}"
            lines.append(f"{spec.name if spec else spec_id}: {value}")
    return tuple(sorted(lines))


def document_intact(acceptance: OosAcceptance) -> bool:
    """True when the stored document still has the SHA-256 recorded with it."""
    return hashlib.sha256(acceptance.document).hexdigest() == acceptance.document_sha256


def acceptance_view(acceptance: OosAcceptance) -> OosAcceptanceView:
    """The frozen view of an acceptance (the document's digest checked now)."""
    return OosAcceptanceView(
        id=acceptance.id,
        case_id=acceptance.case_id,
        deviation_id=acceptance.deviation_id,
        results=tuple(line for line in acceptance.results.splitlines() if line),
        physician_name=acceptance.physician_name,
        accepted_on=acceptance.accepted_on,
        document_name=acceptance.document_name,
        document_sha256=acceptance.document_sha256,
        document_intact=document_intact(acceptance),
        released=acceptance.release_id is not None,
    )


def current_acceptance(session: Session, case_id: uuid.UUID) -> OosAcceptance | None:
    """The case's latest out-of-specification acceptance, if any."""
    return session.scalar(
        select(OosAcceptance)
        .where(OosAcceptance.case_id == case_id)
        .order_by(OosAcceptance.recorded_at.desc())
        .limit(1)
    )


def _check_acceptance_input(
    physician_name: str, accepted_on: date, document_name: str, document: bytes
) -> None:
    if not physician_name.strip():
        raise ValidationFailed(
            "Enter the name of the treating physician who accepted the product: nothing was saved."
        )
    if accepted_on > now().date():
        raise ValidationFailed("The physician's acceptance cannot be dated in the future.")
    if not document_name.strip() or not document:
        raise ValidationFailed(
            "Attach the physician's signed acceptance (the scanned document): nothing was saved."
        )
    if len(document) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed("The scanned document is larger than 20 MB: scan it again smaller.")


def record_oos_acceptance(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    physician_name: str,
    accepted_on: date,
    document_name: str,
    document: bytes,
    description: str,
) -> OosAcceptanceView:
    """The QP records the out-of-specification deviation and the physician's acceptance."""
    require_role(actor, Role.QP, doing="record a release out of specification")
    _check_acceptance_input(physician_name, accepted_on, document_name, document)
    assert actor.user_id is not None  # require_role admits signed-in people only
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.CERTIFY_RELEASE)
        require_site(actor, case.manufacturing_site_id, doing="release this batch")
        results = _out_of_specification(uow.session, case)
        if not results:
            raise ValidationFailed(
                "No QC result of this batch is out of specification: release it normally."
            )
        text = (
            description.strip()
            or "Released out of specification on the treating physician's request."
        )
        deviation = open_deviation(
            uow,
            kind=OUT_OF_SPECIFICATION,
            description=f"{text} Results: {'; '.join(results)}.",
            case_id=case.id,
        )
        acceptance = OosAcceptance(
            case_id=case.id,
            deviation_id=deviation.id,
            results="\n".join(results),
            physician_name=physician_name.strip(),
            accepted_on=accepted_on,
            document_name=document_name.strip(),
            document_sha256=hashlib.sha256(document).hexdigest(),
            document=document,
            recorded_at=now(),
            recorded_by_id=actor.user_id,
        )
        uow.add(acceptance, action="record out-of-specification acceptance", reason=text)
        uow.flush()
        view = acceptance_view(acceptance)
        uow.commit()
    return view


def oos_facts(
    session: Session, case: Case, facts: ReleaseFacts, acceptance: OosAcceptance
) -> ReleaseFacts:
    """``facts`` with the accepted results accepted and the acceptance's deviation covered."""
    accepted = set(acceptance.results.splitlines())
    current = set(_out_of_specification(session, case))
    covered = {line.split(": ", 1)[0] for line in current & accepted}
    number = session.scalar(select(Deviation.number).where(Deviation.id == acceptance.deviation_id))
    return dataclasses.replace(
        facts,
        qc=tuple(
            dataclasses.replace(qc, accepted_out_of_specification=qc.test in covered)
            for qc in facts.qc
        ),
        open_deviations=tuple(n for n in facts.open_deviations if n != number),
    )


def certify_oos_release(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    password: str,
    *,
    comment: str | None = None,
) -> ReleaseView:
    """The QP certifies the batch "released out of specification".

    Refused without a recorded acceptance, when its document no longer matches its digest,
    when a result out of specification is not the one accepted, and whenever a normal
    release would be refused for any other item."""
    require_role(actor, Role.QP, doing="certify batches for release")
    assert actor.user_id is not None  # require_role admits signed-in people only
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.CERTIFY_RELEASE)
        require_site(actor, case.manufacturing_site_id, doing="certify this batch")
        acceptance = current_acceptance(uow.session, case.id)
        if acceptance is None:
            raise ValidationFailed(
                "A batch is released out of specification only on the treating physician's "
                "written acceptance: record it (name, date and the scanned document) first."
            )
        if not document_intact(acceptance):
            raise ValidationFailed(
                f"The physician's acceptance document {acceptance.document_name!r} no longer "
                "matches the SHA-256 recorded with it: it was changed. Release refused; "
                "record the acceptance again from the original and inform QA."
            )
        ensure_case_matches_trail(uow, case, refused="release refused")
        facts = gather_facts(uow.session, case, actor.user_id)
        ensure_independent_qp(actor.user_id, facts.participants)
        checklist = evaluate(oos_facts(uow.session, case, facts, acceptance))
        _refuse_open(checklist)
        words = f"{RELEASED_OOS} at the request of {acceptance.physician_name}"
        release = finish_release(
            uow,
            case,
            checklist,
            password,
            meaning=SignatureMeaning.RELEASED_OUT_OF_SPECIFICATION,
            comment=f"{words}; {comment.strip()}" if comment and comment.strip() else words,
            action="certify release out of specification",
            stage_action="released out of specification",
        )
        acceptance.release_id = release.id
        uow.annotate(acceptance, action="release out of specification")
        view = ReleaseView(release.id, case.id, release.decision, checklist)
        uow.commit()
    return view


def _refuse_open(checklist: Checklist) -> None:
    if not checklist.complete:
        items = "; ".join(
            f"{item.number}. {item.title}: {', '.join(item.evidence)}"
            for item in checklist.open_items
        )
        raise ValidationFailed(f"The batch cannot be released while items are open — {items}")


def released_out_of_specification(session: Session, case_id: uuid.UUID) -> bool:
    """True when the case's batch was certified "released out of specification"."""
    return (
        session.scalar(
            select(OosAcceptance.id)
            .where(OosAcceptance.case_id == case_id, OosAcceptance.release_id.is_not(None))
            .limit(1)
        )
        is not None
    )


def checklist_with_acceptance(session: Session, actor: Actor, case: Case) -> Checklist:
    """The release checklist as the QP sees it: with an intact acceptance on record, the
    accepted results and the acceptance's deviation count as covered (as when certifying)."""
    checklist = checklist_of(session, actor, case)
    acceptance = current_acceptance(session, case.id)
    if acceptance is None or not document_intact(acceptance):
        return checklist
    facts = gather_facts(session, case, actor.user_id)
    return evaluate(oos_facts(session, case, facts, acceptance))
