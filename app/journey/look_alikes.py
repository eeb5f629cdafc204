"""Look-alike cases: the identifiers one misread character, or one name, could confuse.

COI and DIN sequences are drawn two characters apart (`labels.isbt128.sequences`), but some
look-alikes remain: identifiers issued before that, pre-labelled DIN sets, the same sequence in
two nominal years, and two patients with the same family name and date of birth. Two active
cases at the same site are look-alikes when any of their 13-character identifiers (the COI
after `CH`, every container's DIN) are equal or one character apart, or — for the roles that
may see identity — their patients share family name and date of birth. The case screens warn,
and the bedside check asks for the date of birth as a second identifier.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.access import may_see_identity, open_identity
from app.core import Actor, Database, coi_text, din_text, identity_keys, load
from app.journey.stages import FINAL_SIDE_STATES
from db.enums import CaseStage
from db.models import Case, PatientIdentity, Unit


@dataclass(frozen=True)
class LookAlike:
    """Another active case at the same site that could be taken for this one."""

    case_id: uuid.UUID
    coi: str
    coi_check: str
    reasons: tuple[str, ...]

    @property
    def coi_eye_readable(self) -> str:
        """The other case's COI as printed, with its check character."""
        return coi_text(self.coi, self.coi_check)


def look_alike_line(look_alikes: Iterable[LookAlike]) -> str:
    """The one-line warning the case screens show (empty when there is no look-alike)."""
    found = list(look_alikes)
    if not found:
        return ""
    parts = "; ".join(
        f"case {other.coi_eye_readable}: {', '.join(other.reasons)}" for other in found
    )
    return f"⚠ Look-alike case{'s' if len(found) > 1 else ''} at this site — {parts}."


def _identifiers(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Each case's DINs (13 characters), in one query."""
    found: dict[uuid.UUID, list[str]] = {i: [] for i in case_ids}
    if case_ids:
        rows = session.execute(
            select(Unit.case_id, Unit.din).where(Unit.case_id.in_(case_ids), Unit.din.is_not(None))
        )
        for case_id, din in rows:
            if din is not None:
                found[case_id].append(din)
    return found


def _coi_words(case: Case) -> str:
    return f"COI {coi_text(case.coi, case.coi_check)}"


def _index(mine: dict[str, str]) -> dict[tuple[int, str], str]:
    """This case's identifiers under each position blanked: a key shared is one character apart."""
    return {
        (position, text[:position] + text[position + 1 :]): text
        for text in mine
        for position in range(len(text))
    }


def _near(
    mine: dict[str, str], index: dict[tuple[int, str], str], texts: dict[str, str]
) -> list[str]:
    """This case's identifiers equal to, or one character from, the other's, in words."""
    reasons = []
    for text, words in texts.items():
        if text in mine:
            reasons.append(f"its {words} is the same as this case's {mine[text]}")
            continue
        for position in range(len(text)):
            own = index.get((position, text[:position] + text[position + 1 :]))
            if own is not None and len(own) == len(text):
                reasons.append(f"its {words} is one character from this case's {mine[own]}")
                break
    return reasons


def look_alikes(session: Session, case: Case, *, with_identity: bool) -> tuple[LookAlike, ...]:
    """The active cases at ``case``'s clinic or manufacturing site that look like it.

    ``with_identity`` compares the patients' family names and dates of birth too; pass it only
    for roles allowed to see identity (the identity table is not read otherwise).
    """
    others = list(
        session.scalars(
            select(Case).where(
                Case.id != case.id,
                Case.stage != CaseStage.INFUSED,
                Case.side_state.not_in(FINAL_SIDE_STATES),
                or_(
                    Case.clinic_site_id == case.clinic_site_id,
                    Case.manufacturing_site_id == case.manufacturing_site_id,
                ),
            )
        )
    )
    if not others:
        return ()
    dins = _identifiers(session, [case.id, *(o.id for o in others)])
    mine = {case.coi[2:]: _coi_words(case)}
    mine.update({din: f"DIN {din_text(din)}" for din in dins[case.id]})
    index = _index(mine)
    same_person = _same_person(session, case, others) if with_identity else set()
    found = []
    for other in others:
        texts = {other.coi[2:]: _coi_words(other)}
        texts.update({din: f"DIN {din_text(din)}" for din in dins[other.id]})
        reasons = _near(mine, index, texts)
        if other.patient_id in same_person:
            reasons.append("same family name and date of birth")
        if reasons:
            found.append(LookAlike(other.id, other.coi, other.coi_check, tuple(reasons)))
    return tuple(found)


def _same_person(session: Session, case: Case, others: list[Case]) -> set[uuid.UUID]:
    """The patients of ``others`` with this case's patient's family name and date of birth.

    Found by the keyed hash of the date of birth, then compared opened; without the clinic
    key (a manufacturing workstation) no identity is compared.
    """
    key = identity_keys(session)
    mine = session.scalar(
        select(PatientIdentity).where(PatientIdentity.patient_id == case.patient_id)
    )
    if mine is None or key is None or mine.birth_mac is None:
        return set()
    me = open_identity(mine, key)
    if me.problem is not None:
        return set()
    rows = session.scalars(
        select(PatientIdentity).where(
            PatientIdentity.patient_id.in_([o.patient_id for o in others]),
            PatientIdentity.patient_id != case.patient_id,
            PatientIdentity.birth_mac == mine.birth_mac,
        )
    )
    family = me.family_name.lower()
    return {
        row.patient_id
        for row in rows
        if (other := open_identity(row, key)).problem is None
        and other.family_name.lower() == family
    }


def case_look_alikes(database: Database, actor: Actor, case_id: uuid.UUID) -> tuple[LookAlike, ...]:
    """The look-alikes of one case as ``actor`` may see them (names only for identity roles)."""
    with database.read_session() as session:
        case = load(session, Case, case_id, "case")
        return look_alikes(session, case, with_identity=may_see_identity(actor))
