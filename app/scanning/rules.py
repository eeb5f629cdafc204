"""Is this scan what the screen expects? Pure rules; `service` applies them.

A scan is first reduced to the identifiers it carries (`identify`). The service then looks up
the unit its DIN names and hands both to `judge`, which lists every reason the scan does not fit
the `Expectation`. No reason means a match; anything else blocks the operation (DESIGN.md §3).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from app.scanning.wording import din_grouped, din_words, grouped, wrong_coi
from app.scanning.wristband import WristbandRules, judge_wristband
from db.enums import SideState
from labels.scan import ScanResult

NEVER_USABLE = frozenset({SideState.REJECTED, SideState.DESTROYED, SideState.CANCELLED})
"""Side states after which a unit can never be shipped, processed, released or infused."""


@dataclass(frozen=True)
class ScannedIdentity:
    """The identifiers one scan carries."""

    kind: str
    valid: bool
    errors: tuple[str, ...] = ()
    coi: str | None = None
    din: str | None = None
    patient_identifier: str | None = None
    print_serial: str | None = None
    gsrn: str | None = None
    """GS1 AI 8018, the service relation number of a recipient (a patient's wristband)."""
    product_code: str | None = None
    text: str = ""
    """The scanned data without its AIM prefix and line end (the text a symbol encodes)."""
    birth_date: str | None = None
    """ISBT 128 data structure 024, the patient's date of birth (ISO)."""

    @property
    def carries_identity(self) -> bool:
        """Whether the scan names a patient (hospital number, GSRN or date of birth)."""
        return any((self.patient_identifier, self.gsrn, self.birth_date))


def identify(result: ScanResult) -> ScannedIdentity:
    """Pick the COI, DIN, patient identifiers and product code out of a parsed scan."""
    fields = result.fields
    return ScannedIdentity(
        kind=result.kind,
        valid=result.valid,
        errors=result.errors,
        coi=fields.get("coi"),
        din=fields.get("din"),
        patient_identifier=fields.get("patient_id"),
        print_serial=fields.get("print_serial"),
        gsrn=fields.get("8018"),
        product_code=fields.get("product_code"),
        text=result.data,
        birth_date=fields.get("patient_birth_date"),
    )


@dataclass(frozen=True)
class KnownUnit:
    """What the database says about the unit a scanned DIN names."""

    id: uuid.UUID
    din: str
    coi: str
    side_state: SideState
    description: str
    side_state_reason: str | None = None
    """Why the unit is in its side state (shown with a refusal)."""


@dataclass(frozen=True)
class Expectation:
    """What the screen expects next: a unit of this case, or this patient's wristband.

    ``unit_ids`` narrows a unit scan to the units expected here (a shipment's items, a step's
    inputs); None means any unit of the case. ``patient_identifiers`` are the hospital-issued
    identifiers of the patient (the hospital number) a wristband must carry, ``wristband`` the
    clinic's wristband rules, and ``distinct_from`` another scan of the same check (the bag)
    that the wristband scan may not repeat (`judge_wristband`). ``allow_quarantined`` admits
    a quarantined or held unit (label check); rejected or destroyed never. ``custody_only``
    admits a unit in any state because the scan only records where it physically is (receipt).
    ``refused`` names units refused here whatever their state, each with why in words (a bag
    recorded as not given at the bedside).
    """

    purpose: str
    description: str
    coi: str
    wants: str = "unit"  # "unit" or "patient"
    unit_ids: frozenset[uuid.UUID] | None = None
    patient_identifiers: frozenset[str] = field(default_factory=frozenset)
    allow_quarantined: bool = False
    custody_only: bool = False
    wristband: WristbandRules = field(default_factory=WristbandRules)
    distinct_from: str | None = None
    refused: tuple[tuple[uuid.UUID, str], ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Plain data stored with the scan record."""
        data: dict[str, object] = {
            "purpose": self.purpose,
            "description": self.description,
            "coi": self.coi,
            "wants": self.wants,
            "unit_ids": None if self.unit_ids is None else sorted(str(u) for u in self.unit_ids),
            "allow_quarantined": self.allow_quarantined,
            "custody_only": self.custody_only,
        }
        if self.wants == "patient":
            data["wristband"] = self.wristband.as_dict()
        if self.refused:
            data["refused"] = sorted(str(unit_id) for unit_id, _why in self.refused)
        return data


def judge(
    scanned: ScannedIdentity,
    unit: KnownUnit | None,
    expected: Expectation,
    *,
    printed_here: bool = False,
) -> tuple[str, ...]:
    """Every reason the scan does not match ``expected``; empty when it matches.

    ``printed_here`` (a wristband scan only) says a label this database printed carries
    exactly the scanned text.
    """
    if expected.wants == "patient":
        return judge_wristband(scanned, expected, printed_here=printed_here)
    if not scanned.valid:
        detail = "; ".join(scanned.errors) or "not a code COI Tracker reads"
        return (f"The scan could not be read: {detail}. Scan the code again.",)
    return _judge_unit(scanned, unit, expected)


def _wrong_coi(found: str, expected: Expectation) -> str:
    return wrong_coi(found, expected.description, expected.coi)


def _named(unit: KnownUnit) -> str:
    """``Apheresis bag (G1234 26 000011 [0])``: the container and its DIN as printed."""
    return f"{unit.description} ({din_words(unit.din)})"


def _judge_unit(
    scanned: ScannedIdentity, unit: KnownUnit | None, expected: Expectation
) -> tuple[str, ...]:
    reasons: list[str] = []
    if scanned.coi is not None and scanned.coi != expected.coi:
        reasons.append(_wrong_coi(scanned.coi, expected))
    if scanned.din is None:
        if not reasons:
            reasons.append(
                "This code does not identify a container: scan the DIN bar code or the 2-D "
                "code on the label."
            )
        return tuple(reasons)
    if unit is None:
        reasons.append(
            f"DIN {din_grouped(scanned.din)} is not registered: this is not a known container."
        )
        return tuple(reasons)
    if scanned.coi is not None and scanned.coi != unit.coi:
        reasons.append(
            f"LABEL MISMATCH: the label says COI {grouped(scanned.coi)}, but container "
            f"{din_grouped(unit.din)} belongs to COI {grouped(unit.coi)}. The container may be "
            "mislabelled: quarantine it."
        )
    if unit.coi != expected.coi and scanned.coi in (None, unit.coi):
        reasons.append(_wrong_coi(unit.coi, expected))
    if (
        expected.unit_ids is not None
        and unit.id not in expected.unit_ids
        and unit.coi == expected.coi
    ):
        reasons.append(f"{_named(unit)} is not one of the containers expected here.")
    reasons.extend(f"{_named(unit)} {why}" for one, why in expected.refused if one == unit.id)
    if expected.custody_only:
        return tuple(reasons)
    if unit.side_state in NEVER_USABLE:
        reasons.append(f"{_named(unit)} is {unit.side_state.value}: it can never be used.")
    elif unit.side_state is SideState.QUARANTINED and not expected.allow_quarantined:
        reasons.append(f"{_named(unit)} is quarantined: it cannot be used now.")
    elif unit.side_state is SideState.ON_HOLD and not expected.allow_quarantined:
        why = f" ({unit.side_state_reason})" if unit.side_state_reason else ""
        reasons.append(f"{_named(unit)} is on hold{why}: it cannot be used now.")
    return tuple(reasons)


@dataclass(frozen=True)
class KnownPrint:
    """What the database says about the label print a scanned serial names."""

    serial: str
    unit_id: uuid.UUID
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None


TWO_D_NEEDED = (
    "This container has a voided label: scan the 2-D code of the label you are applying. "
    "The DIN bar code is the same on every copy, so only the 2-D code tells the current "
    "label from a voided one."
)


def voided_label_reason(printed: KnownPrint) -> str:
    """The refusal of a voided print: when, by whom, why, and what to do."""
    moment = printed.voided_at
    when = moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown date"
    reason = f" ({printed.void_reason})" if printed.void_reason else ""
    who = printed.voided_by or "an unknown user"
    return f"This label was voided on {when} by {who}{reason}: use the current label."


def judge_print(
    scanned: ScannedIdentity,
    printed: KnownPrint | None,
    unit: KnownUnit | None,
    *,
    two_d_needed: bool = False,
) -> tuple[str, ...]:
    """Every reason the scanned print itself is not usable (voided, never issued, elsewhere).

    ``printed`` is the label the scan's print serial names (None when the database never
    issued it). ``two_d_needed`` refuses a scan without a serial (a linear DIN or COI code),
    for the label scan-back of a container that has a voided label.
    """
    if not scanned.valid:
        return ()
    serial = scanned.print_serial
    if serial is None:
        return (TWO_D_NEEDED,) if two_d_needed else ()
    if printed is None:
        return (
            f"This label was not printed here: its print serial {serial} was never issued by "
            "this COI Tracker database. Do not use it: use the current label.",
        )
    if printed.voided_at is not None:
        return (voided_label_reason(printed),)
    if unit is not None and printed.unit_id != unit.id:
        return (
            f"LABEL MISMATCH: print serial {serial} was printed for another container than "
            f"{_named(unit)}. The label may be forged or misapplied: "
            "quarantine the container.",
        )
    return ()
