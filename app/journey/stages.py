"""Which journey operation may happen at which stage, and where it takes the case (pure rules).

A case moves forward only through these operations, one stage at a time (DESIGN.md §1); no
operation skips a stage. A case in a side state (on hold, quarantined, rejected, destroyed,
cancelled) takes no journey operation until the side state is lifted, and a rejected, destroyed
or cancelled case never again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core import StageNotAllowed
from db.enums import CaseStage, SideState

STAGE_ORDER: tuple[CaseStage, ...] = tuple(CaseStage)

STAGE_NAMES: dict[CaseStage, str] = {
    CaseStage.ENROLLED: "Enrolled",
    CaseStage.COLLECTED: "Collected",
    CaseStage.SHIPPED_TO_MANUFACTURER: "Shipped to manufacturer",
    CaseStage.RECEIVED_AT_MANUFACTURER: "Received at manufacturer",
    CaseStage.IN_MANUFACTURE: "In manufacture",
    CaseStage.QC_PENDING_RELEASE: "QC / pending release",
    CaseStage.RELEASED: "Released",
    CaseStage.SHIPPED_TO_CLINIC: "Shipped to clinic",
    CaseStage.RECEIVED_AT_CLINIC: "Received at clinic",
    CaseStage.INFUSED: "Infused",
}

FINAL_SIDE_STATES = frozenset({SideState.REJECTED, SideState.DESTROYED, SideState.CANCELLED})


class Operation(StrEnum):
    """Journey operations that depend on the case's stage."""

    REGISTER_COLLECTION = "register a collection"
    VERIFY_COLLECTION = "verify the collection"
    SHIP_TO_MANUFACTURER = "ship the starting material"
    RECEIVE_AT_MANUFACTURER = "receive the starting material"
    START_MANUFACTURE = "start manufacture"
    MANUFACTURING_STEP = "record a manufacturing step"
    ENTER_QC_RESULT = "enter a QC result"
    CERTIFY_RELEASE = "certify the batch for release"
    SHIP_TO_CLINIC = "ship the final product"
    RECEIVE_AT_CLINIC = "receive the final product"
    INFUSE = "check and infuse at the bedside"


@dataclass(frozen=True)
class Rule:
    """The stages an operation may run at, and the stage its completion moves the case to."""

    allowed: frozenset[CaseStage]
    completes_to: CaseStage | None


RULES: dict[Operation, Rule] = {
    Operation.REGISTER_COLLECTION: Rule(frozenset({CaseStage.ENROLLED}), None),
    Operation.VERIFY_COLLECTION: Rule(frozenset({CaseStage.ENROLLED}), CaseStage.COLLECTED),
    Operation.SHIP_TO_MANUFACTURER: Rule(
        frozenset({CaseStage.COLLECTED}), CaseStage.SHIPPED_TO_MANUFACTURER
    ),
    Operation.RECEIVE_AT_MANUFACTURER: Rule(
        frozenset({CaseStage.SHIPPED_TO_MANUFACTURER}), CaseStage.RECEIVED_AT_MANUFACTURER
    ),
    Operation.START_MANUFACTURE: Rule(
        frozenset({CaseStage.RECEIVED_AT_MANUFACTURER}), CaseStage.IN_MANUFACTURE
    ),
    Operation.MANUFACTURING_STEP: Rule(
        frozenset({CaseStage.IN_MANUFACTURE}), CaseStage.QC_PENDING_RELEASE
    ),
    Operation.ENTER_QC_RESULT: Rule(
        frozenset({CaseStage.IN_MANUFACTURE, CaseStage.QC_PENDING_RELEASE}), None
    ),
    Operation.CERTIFY_RELEASE: Rule(frozenset({CaseStage.QC_PENDING_RELEASE}), CaseStage.RELEASED),
    Operation.SHIP_TO_CLINIC: Rule(frozenset({CaseStage.RELEASED}), CaseStage.SHIPPED_TO_CLINIC),
    Operation.RECEIVE_AT_CLINIC: Rule(
        frozenset({CaseStage.SHIPPED_TO_CLINIC}), CaseStage.RECEIVED_AT_CLINIC
    ),
    Operation.INFUSE: Rule(frozenset({CaseStage.RECEIVED_AT_CLINIC}), CaseStage.INFUSED),
}


def stage_index(stage: CaseStage) -> int:
    """Position of ``stage`` in the journey (0 = enrolled)."""
    return STAGE_ORDER.index(stage)


def ensure_allowed(stage: CaseStage, side_state: SideState, operation: Operation) -> None:
    """Refuse ``operation`` unless the case's stage and side state allow it."""
    if side_state in FINAL_SIDE_STATES:
        raise StageNotAllowed(
            f"This case is {side_state.value}: nothing more can be done with it "
            f"(you tried to {operation.value})."
        )
    if side_state is not SideState.NONE:
        raise StageNotAllowed(
            f"This case is {side_state.value.replace('_', ' ')}: it must be released from that "
            f"state with a reason before you can {operation.value}."
        )
    rule = RULES[operation]
    if stage not in rule.allowed:
        allowed = " or ".join(STAGE_NAMES[s] for s in sorted(rule.allowed, key=stage_index))
        raise StageNotAllowed(
            f"You cannot {operation.value} now: the case is at stage '{STAGE_NAMES[stage]}', "
            f"and this happens only at stage '{allowed}'."
        )


def advance(stage: CaseStage, operation: Operation) -> CaseStage:
    """The stage a completed ``operation`` moves the case to: always exactly the next one."""
    target = RULES[operation].completes_to
    if target is None or stage not in RULES[operation].allowed:
        raise StageNotAllowed(f"Completing '{operation.value}' does not move the case on.")
    if stage_index(target) != stage_index(stage) + 1:
        raise StageNotAllowed(
            f"'{operation.value}' would move the case from '{STAGE_NAMES[stage]}' to "
            f"'{STAGE_NAMES[target]}', skipping a stage."
        )
    return target
