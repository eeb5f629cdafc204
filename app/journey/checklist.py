"""The QP's release checklist, computed from facts gathered from the records (pure rules).

DESIGN.md §9: every item is evaluated at the moment the QP opens the checklist; nothing is ticked
by hand, and each item names its evidence so the QP can open it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StepFact:
    """A manufacturing step as the checklist needs it."""

    position: int
    name: str
    verified: bool
    performed_by: uuid.UUID | None
    verified_by: uuid.UUID | None


@dataclass(frozen=True)
class QcFact:
    """The latest result of one QC specification (None: no result yet)."""

    test: str
    outcome: str | None
    reviewed: bool
    exception_approved: bool
    accepted_out_of_specification: bool = False
    """The treating physician accepted this out-of-specification result (OOS release)."""


@dataclass(frozen=True)
class CustodyFact:
    """The custody actions of one unit, in time order."""

    unit: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ReleaseFacts:
    """Everything the checklist is computed from."""

    steps: tuple[StepFact, ...]
    unmatched_scans_without_closed_deviation: tuple[str, ...]
    unreconciled_labels: tuple[str, ...]
    qc: tuple[QcFact, ...]
    open_deviations: tuple[str, ...]
    cold_chain_problems: tuple[str, ...]
    custody: tuple[CustodyFact, ...]
    final_units: tuple[str, ...]
    final_units_not_from_received_material: tuple[str, ...]
    audit_chain_ok: bool
    audit_first_broken: int | None
    qp_participated: bool
    participants: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ChecklistItem:
    """One item: satisfied or open, with the evidence either way."""

    number: int
    title: str
    satisfied: bool
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Checklist:
    """The release checklist of one batch."""

    items: tuple[ChecklistItem, ...]

    @property
    def complete(self) -> bool:
        """True when every item is satisfied."""
        return all(item.satisfied for item in self.items)

    @property
    def open_items(self) -> tuple[ChecklistItem, ...]:
        """The items still open."""
        return tuple(item for item in self.items if not item.satisfied)

    def as_dict(self) -> list[dict[str, object]]:
        """Plain data stored with the release decision."""
        return [
            {
                "number": i.number,
                "title": i.title,
                "satisfied": i.satisfied,
                "evidence": list(i.evidence),
            }
            for i in self.items
        ]


def _steps(facts: ReleaseFacts) -> ChecklistItem:
    problems = []
    for step in facts.steps:
        if not step.verified:
            problems.append(f"step {step.position} ({step.name}) is not verified")
        elif step.performed_by == step.verified_by:
            problems.append(f"step {step.position} was verified by its performer")
    if not facts.steps:
        problems.append("the batch record has no steps")
    evidence = tuple(problems) or (f"{len(facts.steps)} steps performed and verified",)
    return ChecklistItem(
        1, "Every manufacturing step complete and verified", not problems, evidence
    )


OUTCOME_WORDS = {
    "oos": "out of specification",
    "fail": "fail",
    "pass": "pass",
    "pending": "pending",
}
"""A stored QC outcome (``QcOutcome`` value) as the checklist's evidence says it."""


def outcome_in_words(outcome: str) -> str:
    """``oos`` → ``out of specification``; an outcome not known is said as stored."""
    return OUTCOME_WORDS.get(outcome, outcome.replace("_", " "))


def _qc(facts: ReleaseFacts) -> ChecklistItem:
    problems = []
    for qc in facts.qc:
        if qc.outcome is None:
            problems.append(f"{qc.test}: no result")
        elif not qc.reviewed:
            problems.append(f"{qc.test}: not reviewed by QA")
        elif qc.outcome == "pending" and not qc.exception_approved:
            problems.append(f"{qc.test}: pending without an approved exception")
        elif qc.outcome not in {"pass", "pending"} and not qc.accepted_out_of_specification:
            problems.append(f"{qc.test}: {outcome_in_words(qc.outcome)}")
    accepted = tuple(
        f"{qc.test}: OUT OF SPECIFICATION, accepted by the treating physician"
        for qc in facts.qc
        if qc.accepted_out_of_specification and qc.outcome not in {None, "pass", "pending"}
    )
    evidence = tuple(problems) or (accepted or (f"{len(facts.qc)} results in specification",))
    return ChecklistItem(
        4, "Every QC result entered, reviewed and in specification", not problems, evidence
    )


def _custody(facts: ReleaseFacts) -> ChecklistItem:
    problems = []
    for unit in facts.custody:
        actions = list(unit.actions)
        if not actions or actions[0] != "commissioned":
            problems.append(f"{unit.unit}: custody does not start with commissioning")
        for index, action in enumerate(actions):
            if action == "given" and (
                index + 1 >= len(actions) or actions[index + 1] != "received"
            ):
                problems.append(f"{unit.unit}: a handover has no receiver")
    evidence = tuple(problems) or (f"custody unbroken for {len(facts.custody)} units",)
    return ChecklistItem(7, "Custody unbroken", not problems, evidence)


def _simple(number: int, title: str, problems: tuple[str, ...], fine: str) -> ChecklistItem:
    return ChecklistItem(number, title, not problems, problems or (fine,))


def evaluate(facts: ReleaseFacts) -> Checklist:
    """The ten items of DESIGN.md §9, each satisfied or open with its evidence."""
    genealogy = facts.final_units_not_from_received_material
    if not facts.final_units:
        genealogy = ("no final product unit exists",)
    audit = (
        ()
        if facts.audit_chain_ok
        else (f"the audit chain is broken at event {facts.audit_first_broken}",)
    )
    return Checklist(
        (
            _steps(facts),
            _simple(
                2,
                "Every container scan matched (mismatches have closed deviations)",
                facts.unmatched_scans_without_closed_deviation,
                "every scan matched or its deviation is closed",
            ),
            _simple(
                3,
                "Labels reconciled: issued = applied + voided",
                facts.unreconciled_labels,
                "labels reconciled for every unit",
            ),
            _qc(facts),
            _simple(5, "Every deviation closed", facts.open_deviations, "no open deviation"),
            _simple(
                6,
                "Cold chain within limits or accepted by QA",
                facts.cold_chain_problems,
                "every shipment's cold chain accepted",
            ),
            _custody(facts),
            _simple(
                8,
                "Genealogy: every final unit descends from received starting material",
                genealogy,
                f"{len(facts.final_units)} final units descend from the received material",
            ),
            _simple(9, "Audit chain verifies", audit, "audit chain verified"),
            _simple(
                10,
                "The QP did not perform or verify any step of this batch",
                ("you performed or verified a step of this batch",)
                if facts.qp_participated
                else (),
                "independent of the batch",
            ),
        )
    )
