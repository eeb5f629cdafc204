"""Scan verification as a service: parse, look up, judge, record; a mismatch always blocks.

`check_scan` runs inside an operation's transaction. On a match it records the scan there and
returns the unit. On a mismatch it throws the operation's work away, records the scan (and, for a
wrong container, a deviation) in a transaction of its own, and raises `ScanMismatch`: the
operation never silently continues, and the refusal is on record. A scan is stored as the
actor's site may hold it (at a manufacturer without patient identity) and a refusal's words
never quote an identifier it read (`app.scanning.capture`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.core import (
    Actor,
    Database,
    PatientKeys,
    ScanMismatch,
    UnitOfWork,
    bound_to,
    clinic_key,
    symbol_mac,
)
from app.quality import open_deviation
from app.scanning.capture import captured
from app.scanning.raw_text import LONGEST_SCAN, scan_text_problem
from app.scanning.rules import (
    TWO_D_NEEDED,
    Expectation,
    KnownPrint,
    KnownUnit,
    ScannedIdentity,
    identify,
    judge,
    judge_print,
)
from app.scanning.wording import din_grouped, wrong_coi
from app.scanning.wristband import SCAN_THE_WRISTBAND
from db.base import new_id
from db.enums import LabelStatus, ScanOutcome, UnitKind
from db.models import Case, Label, Scan, Unit, User
from labels.redaction import IDENTITY_REMOVED, redact_identity
from labels.scan import parse_scan

_LONGEST_PAYLOAD = 2000  # longer than any label's code
_KEPT_OF_TOO_LONG = 200  # what is stored of a scan longer than any code (refused unread)

UNIT_KIND_NAMES: dict[UnitKind, str] = {
    UnitKind.APHERESIS_BAG: "Apheresis bag",
    UnitKind.INTERMEDIATE: "Intermediate",
    UnitKind.QC_SAMPLE: "QC sample",
    UnitKind.RETENTION_SAMPLE: "Retention sample",
    UnitKind.FINAL_PRODUCT_BAG: "Final product bag",
    UnitKind.SHIPPER: "Shipper",
}


@dataclass(frozen=True)
class ScanVerdict:
    """The outcome of one verified scan."""

    scan_id: uuid.UUID
    outcome: ScanOutcome
    reasons: tuple[str, ...]
    unit_id: uuid.UUID | None
    din: str | None
    coi: str | None
    deviation_number: str | None = None
    """The deviation a wrong container opened (refused mismatches only)."""

    @property
    def matched(self) -> bool:
        """True when the scan is what the screen expected."""
        return self.outcome is ScanOutcome.MATCH


_UNITS = Unit.__table__
# The unit a scan names, as the checks need it: built once, run without the ORM (scan path).
_UNIT_SEEN = select(
    _UNITS.c.id,
    _UNITS.c.din,
    _UNITS.c.coi,
    _UNITS.c.side_state,
    _UNITS.c.kind,
    _UNITS.c.case_id,
    _UNITS.c.side_state_reason,
).where(_UNITS.c.din == bindparam("din"))


class _SeenUnit(Protocol):
    """What the scan path uses of the unit a scan names (a `Unit`, or its row)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def coi(self) -> str: ...
    @property
    def case_id(self) -> uuid.UUID: ...


def _known_unit(
    session: Session, din: str | None, *, entity: bool = False
) -> tuple[Any, KnownUnit | None]:
    """The unit of ``din`` (the `Unit` itself with ``entity``, else its row) and what the
    rules know of it; (None, None) when no unit has that DIN."""
    if din is None:
        return None, None
    if entity:
        unit: Any = session.scalar(select(Unit).where(Unit.din == din))
    else:
        unit = session.execute(_UNIT_SEEN, {"din": din}).first()
    if unit is None or unit.din is None:
        return None, None
    known = KnownUnit(
        unit.id,
        unit.din,
        unit.coi,
        unit.side_state,
        UNIT_KIND_NAMES[unit.kind],
        unit.side_state_reason,
    )
    return unit, known


def _known_print(session: Session, serial: str | None) -> KnownPrint | None:
    if serial is None:
        return None
    label = session.scalar(select(Label).where(Label.serial == serial))
    if label is None or label.serial is None:
        return None
    voided_by = None
    if label.voided_by_id is not None:
        voided_by = session.scalar(select(User.full_name).where(User.id == label.voided_by_id))
    voided = label.status is LabelStatus.VOIDED
    return KnownPrint(
        serial=label.serial,
        unit_id=label.unit_id,
        voided_at=(label.voided_at or label.updated_at) if voided else None,
        voided_by=voided_by,
        void_reason=label.void_reason,
    )


def _printed_here(session: Session, text: str) -> bool:
    """True when a label this database printed carries exactly ``text`` in one of its codes."""
    if not text or len(text) > _LONGEST_PAYLOAD or text != storable(text):
        return False
    key = clinic_key()
    if key is not None:  # a label that carries identity is sealed: found by a symbol's hash
        mac = symbol_mac(key, text)
        sealed = select(Label.payload).where(Label.payload.contains(mac, autoescape=True))
        for payload in session.scalars(sealed):
            if mac in json.loads(payload).get("symbol_macs", ()):
                return True
    escaped = json.dumps(text, ensure_ascii=False)[1:-1]  # as the payload JSON holds it
    query = select(Label.payload).where(Label.payload.contains(escaped, autoescape=True))
    for payload in session.scalars(query):
        symbols = json.loads(payload)
        if isinstance(symbols, dict) and text in symbols.values():
            return True
    return False


def _judged(
    session: Session,
    scanned: ScannedIdentity,
    expected: Expectation,
    *,
    two_d_needed: bool,
    entity: bool = False,
) -> tuple[Any, KnownUnit | None, tuple[str, ...]]:
    """The scanned unit (see `_known_unit`), what the rules know of it, and every reason the
    scan is refused (the unit's, then the print's)."""
    unit, known = _known_unit(session, scanned.din, entity=entity)
    printed = expected.wants == "patient" and _printed_here(session, scanned.text)
    reasons = judge(scanned, known, expected, printed_here=printed)
    printed_label = _known_print(session, scanned.print_serial)
    extra = judge_print(scanned, printed_label, known, two_d_needed=two_d_needed)
    reasons += tuple(r for r in extra if r not in reasons)
    return unit, known, tuple(storable(r) for r in reasons)  # a reason may quote the scan


def _stored_raw(
    session: Session, case_id: uuid.UUID | None, scan_id: uuid.UUID, text: str, identifying: bool
) -> str:
    """The scan's text as stored: sealed when it names a patient (a wristband, a bag label's
    hospital number or date of birth) and the clinic key is here — with the case's patient's
    key (erasable), or the clinic key for a scan of no case; as read otherwise (a
    manufacturing site removes identity before it is stored). The identity read in a scan of
    an erased patient's case is removed, never stored again."""
    key = clinic_key() if identifying else None
    if key is None:
        return text
    where = bound_to(Scan.__tablename__, "raw_text", scan_id)
    patient_id = session.scalar(select(Case.patient_id).where(Case.id == case_id))
    if patient_id is None:
        return key.seal(text, where)
    keys = PatientKeys(key, session)
    if keys.is_erased(patient_id):
        redacted = redact_identity(text).text
        return redacted if redacted != text else IDENTITY_REMOVED
    return keys.seal(text, where, patient_id)


def _scan_row(
    actor: Actor,
    stored: str,
    scanned: ScannedIdentity,
    expected: Expectation,
    reasons: tuple[str, ...],
    *,
    session: Session,
    case_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
) -> Scan:
    if not reasons:
        outcome = ScanOutcome.MATCH
    elif scanned.valid:
        outcome = ScanOutcome.MISMATCH
    else:
        outcome = ScanOutcome.UNREADABLE
    scan_id = new_id()
    return Scan(
        id=scan_id,
        station=actor.station,
        raw_text=_stored_raw(
            session,
            case_id,
            scan_id,
            storable(stored),
            (expected.wants == "patient" or scanned.carries_identity)
            and IDENTITY_REMOVED not in stored,  # redacted at a manufacturer: nothing to seal
        ),
        parsed_kind=scanned.kind,
        purpose=expected.purpose,
        expected=json.dumps(expected.as_dict(), sort_keys=True),
        outcome=outcome,
        mismatch_reason="\n".join(reasons) or None,
        case_id=case_id,
        unit_id=unit_id,
        recorded_by_id=actor.user_id,
    )


def storable(raw: str) -> str:
    """Scanned text as a database can hold it: NUL and lone surrogates written out, and a
    text longer than any code (refused unread) cut to its first characters, its length said."""
    kept = raw if len(raw) <= LONGEST_SCAN else raw[:_KEPT_OF_TOO_LONG]
    text = kept.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    if kept is not raw:
        return f"{text}… ({len(raw)} characters in all)"
    return text


def _unreadable(problem: str) -> ScannedIdentity:
    return ScannedIdentity(kind="unknown", valid=False, errors=(problem,))


def _identified(
    raw: str, expected: Expectation, gs_substitute: str | None = None
) -> tuple[ScannedIdentity, str | None]:
    """What ``raw`` carries, or the refusal of text no code could be (then it is not parsed)."""
    problem = scan_text_problem(raw)
    if problem is None:
        return identify(parse_scan(raw, gs_substitute=gs_substitute)), None
    then = SCAN_THE_WRISTBAND if expected.wants == "patient" else "scan the code again"
    reason = f"{problem} Nothing was checked: {then}."
    return _unreadable(reason), reason


def _case_id(session: Session, coi: str) -> uuid.UUID | None:
    return session.scalar(select(Case.id).where(Case.coi == coi))


def _matched_case_id(
    session: Session, unit: _SeenUnit | None, expected: Expectation
) -> uuid.UUID | None:
    """The case of a matched scan: the unit's own when it carries the expected COI (no second
    query on the scan path), else the case of that COI looked up."""
    if unit is not None and unit.coi == expected.coi:
        return unit.case_id
    return _case_id(session, expected.coi)


def _verdict(
    scan: Scan,
    reasons: tuple[str, ...],
    scanned: ScannedIdentity,
    deviation_number: str | None = None,
) -> ScanVerdict:
    return ScanVerdict(
        scan.id, scan.outcome, reasons, scan.unit_id, scanned.din, scanned.coi, deviation_number
    )


def _mismatch(
    uow: UnitOfWork,
    raw: str,
    scanned: ScannedIdentity,
    expected: Expectation,
    reasons: tuple[str, ...],
) -> ScanMismatch:
    """The operation's own work undone, the refusal recorded in its own unit of work (with its
    deviation), and the `ScanMismatch` that names it."""
    uow.session.rollback()
    refusal = _record_refusal(
        uow.database, uow.actor, raw, scanned, expected=expected, reasons=reasons
    )
    return ScanMismatch(
        " ".join(refusal.reasons),
        reasons=refusal.reasons,
        scan_id=refusal.scan_id,
        deviation_number=refusal.deviation_number,
        unreadable=not scanned.valid,  # a code that did not parse: scan it again
    )


def _record_refusal(
    database: Database,
    actor: Actor,
    raw: str,
    scanned: ScannedIdentity,
    *,
    expected: Expectation,
    reasons: tuple[str, ...],
    deviation: bool = True,
) -> ScanVerdict:
    with UnitOfWork(database, actor) as uow:
        _unit, known = _known_unit(uow.session, scanned.din)
        verdict = _refuse_in(
            uow, raw, scanned, known, expected=expected, reasons=reasons, deviation=deviation
        )
        uow.commit()
    return verdict


def _refuse_in(
    uow: UnitOfWork,
    raw: str,
    scanned: ScannedIdentity,
    known: KnownUnit | None,
    *,
    expected: Expectation,
    reasons: tuple[str, ...],
    deviation: bool = True,
) -> ScanVerdict:
    """Record the refused scan (and, for a wrong container, its deviation) in ``uow``, which
    has written nothing else; the caller commits."""
    capture = captured(uow.session, uow.actor, raw)
    reasons = tuple(capture.scrub(r) for r in reasons)
    case_id = _case_id(uow.session, expected.coi)
    scan = _scan_row(
        uow.actor,
        capture.stored,
        scanned,
        expected,
        reasons,
        session=uow.session,
        case_id=case_id,
        unit_id=known.id if known else None,
    )
    uow.insert(scan, action="scan refused", reason=reasons[0])
    deviation_number = None
    if deviation and scan.outcome is ScanOutcome.MISMATCH and reasons != (TWO_D_NEEDED,):
        deviation_number = open_deviation(
            uow,
            kind="scan_mismatch",
            description=f"Scan refused during {expected.purpose}: " + " ".join(reasons),
            case_id=case_id,
            unit_id=known.id if known else None,
            scan_id=scan.id,
        ).number
    return _verdict(scan, reasons, scanned, deviation_number)


def check_scan(
    uow: UnitOfWork,
    raw: str,
    expected: Expectation,
    *,
    gs_substitute: str | None = None,
    label_id: uuid.UUID | None = None,
    two_d_needed: bool = False,
) -> Unit | None:
    """Verify ``raw`` against ``expected`` within ``uow``; return the scanned unit on a match.

    A scan of a voided label print, or of a print this database never issued, is refused;
    ``two_d_needed`` also refuses a code without a print serial (label scan-back after a
    reprint). A mismatch rolls back ``uow``, is recorded on its own, and raises `ScanMismatch`
    naming the refused scan (its alarm is acknowledged with `acknowledge_scan_refusal`).
    """
    scanned, problem = _identified(raw, expected, gs_substitute)
    if problem is not None:
        raise refuse_scan(uow, raw, expected, problem)
    unit, _known, reasons = _judged(
        uow.session, scanned, expected, two_d_needed=two_d_needed, entity=True
    )
    if reasons:
        raise _mismatch(uow, raw, scanned, expected, reasons)
    case_id = _matched_case_id(uow.session, unit, expected)
    stored = captured(uow.session, uow.actor, raw).stored
    scan = _scan_row(
        uow.actor,
        stored,
        scanned,
        expected,
        (),
        session=uow.session,
        case_id=case_id,
        unit_id=unit.id if unit else None,
    )
    scan.label_id = label_id
    uow.add(scan, action="scan matched")
    matched: Unit | None = unit  # the entity (``entity=True`` above)
    return matched


def _print_reasons(
    session: Session, scanned: ScannedIdentity, expected: Expectation, template: str
) -> tuple[tuple[str, ...], uuid.UUID | None]:
    """Every reason a scan is not the current ``template`` print of the expected unit, and the
    unit the scanned print belongs to (None when no print of this database was scanned)."""
    serial = scanned.print_serial
    if serial is None:
        return (
            "This code is not the label you are applying: scan the bar code printed on that "
            "label (it carries the label's own serial).",
        ), None
    label = session.scalar(select(Label).where(Label.serial == serial))
    unit, known = (
        _known_unit(session, scanned.din) if scanned.din else _unit_of_label(session, label)
    )
    printed = _known_print(session, serial)
    reasons = list(judge(scanned, known, expected) if scanned.din else ())
    if scanned.din is not None or known is None:
        pass  # the unit's checks ran in `judge`, or no print of this database names one
    elif known.coi != expected.coi:
        reasons.append(wrong_coi(known.coi, expected.description, expected.coi))
    elif expected.unit_ids is not None and known.id not in expected.unit_ids:
        reasons.append(
            f"LABEL MISMATCH: this label was printed for another container, {known.description} "
            f"{din_grouped(known.din)}. Do not apply it: set it aside."
        )
    reasons += [r for r in judge_print(scanned, printed, known) if r not in reasons]
    if not reasons and label is not None and label.template != template:
        reasons.append(
            "This is the container's product label, not the label you are applying: scan the "
            "bar code of the new label."
        )
    return tuple(storable(r) for r in reasons), unit.id if unit is not None else None


def _unit_of_label(session: Session, label: Label | None) -> tuple[Any, KnownUnit | None]:
    if label is None:
        return None, None
    din = session.scalar(select(Unit.din).where(Unit.id == label.unit_id))
    return _known_unit(session, din)


def check_label_print_scan(
    uow: UnitOfWork, raw: str, expected: Expectation, *, template: str, label_id: uuid.UUID
) -> None:
    """Verify within ``uow`` that ``raw`` is a current ``template`` print of the expected unit
    (its linear serial code or its 2-D code), and record the match; a refusal rolls ``uow``
    back, is recorded on its own (another container's label opens a deviation) and raises
    `ScanMismatch`."""
    scanned, problem = _identified(raw, expected)
    if problem is not None:
        raise refuse_scan(uow, raw, expected, problem)
    reasons, unit_id = _print_reasons(uow.session, scanned, expected, template)
    if reasons:
        raise _mismatch(uow, raw, scanned, expected, reasons)
    stored = captured(uow.session, uow.actor, raw).stored
    scan = _scan_row(
        uow.actor,
        stored,
        scanned,
        expected,
        (),
        session=uow.session,
        case_id=_case_id(uow.session, expected.coi),
        unit_id=unit_id,
    )
    scan.label_id = label_id
    uow.add(scan, action="scan matched")


def verify_scan(
    database: Database,
    actor: Actor,
    raw: str,
    expected: Expectation,
    *,
    gs_substitute: str | None = None,
) -> ScanVerdict:
    """Verify and record one scan on its own (scan station); never raises on a mismatch."""
    with UnitOfWork(database, actor) as uow:
        scanned, problem = _identified(raw, expected, gs_substitute)
        if problem is not None:  # nothing read, nothing written: refused in this transaction
            verdict = _refuse_in(uow, raw, scanned, None, expected=expected, reasons=(problem,))
            uow.commit()
            return verdict
        unit, known, reasons = _judged(uow.session, scanned, expected, two_d_needed=False)
        if reasons:  # only read so far: the refusal is recorded in this same transaction
            verdict = _refuse_in(uow, raw, scanned, known, expected=expected, reasons=reasons)
            uow.commit()
            return verdict
        case_id = _matched_case_id(uow.session, unit, expected)
        stored = captured(uow.session, actor, raw).stored
        scan = _scan_row(
            actor,
            stored,
            scanned,
            expected,
            (),
            session=uow.session,
            case_id=case_id,
            unit_id=unit.id if unit else None,
        )
        uow.insert(scan, action="scan matched")
        verdict = _verdict(scan, (), scanned)
        uow.commit()
    return verdict


def refuse_scan(
    uow: UnitOfWork, raw: str, expected: Expectation, reason: str, *, deviation: bool = False
) -> ScanMismatch:
    """Throw ``uow``'s work away, record ``raw`` as a refused scan (``reason``) in a transaction
    of its own, and return the `ScanMismatch` for the caller to raise.

    For a scan a service cannot use: text no code could be (`scan_text_problem`), or a valid
    code of the wrong kind for the field. ``deviation`` also opens a deviation for a valid
    code (a wrong container); text that is no code never opens one.
    """
    scanned, problem = _identified(raw, expected)
    reasons = (problem or reason,)
    uow.session.rollback()
    refusal = _record_refusal(
        uow.database,
        uow.actor,
        raw,
        scanned,
        expected=expected,
        reasons=reasons,
        deviation=deviation,
    )
    return ScanMismatch(
        refusal.reasons[0],
        reasons=refusal.reasons,
        scan_id=refusal.scan_id,
        deviation_number=refusal.deviation_number,
        unreadable=problem is not None,
    )


def checked_scan_text(uow: UnitOfWork, raw: str, expected: Expectation) -> None:
    """Refuse (and record) ``raw`` when it is text no code could be; for the services that
    parse a scan themselves (a pre-labelled DIN, a data logger's code)."""
    problem = scan_text_problem(raw)
    if problem is not None:
        raise refuse_scan(uow, raw, expected, problem)


def record_refused_scan(
    database: Database, actor: Actor, raw: str, expected: Expectation, reason: str
) -> ScanVerdict:
    """Record on its own a scan a screen refused before any service could use it (the scan
    station's case choice): text no code could be is refused as such, else with ``reason``."""
    scanned, problem = _identified(raw, expected)
    return _record_refusal(
        database,
        actor,
        raw,
        scanned,
        expected=expected,
        reasons=(problem or reason,),
        deviation=False,
    )
