"""The release checklist: each of the ten items opens on its own failing fact."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from app.journey.checklist import (
    CustodyFact,
    QcFact,
    ReleaseFacts,
    StepFact,
    evaluate,
    outcome_in_words,
)
from db.enums import QcOutcome

OPERATOR, VERIFIER = uuid.uuid4(), uuid.uuid4()

GOOD = ReleaseFacts(
    steps=(StepFact(1, "Selection", True, OPERATOR, VERIFIER),),
    unmatched_scans_without_closed_deviation=(),
    unreconciled_labels=(),
    qc=(QcFact("Sterility", "pending", True, True), QcFact("Viability", "pass", True, False)),
    open_deviations=(),
    cold_chain_problems=(),
    custody=(CustodyFact("G1234", ("commissioned", "given", "received")),),
    final_units=("G5678",),
    final_units_not_from_received_material=(),
    audit_chain_ok=True,
    audit_first_broken=None,
    qp_participated=False,
)


def test_all_satisfied() -> None:
    checklist = evaluate(GOOD)
    assert checklist.complete and [i.number for i in checklist.items] == list(range(1, 11))
    assert checklist.open_items == ()
    assert checklist.as_dict()[0]["satisfied"] is True


@pytest.mark.parametrize(
    ("change", "item", "words"),
    [
        ({"steps": (StepFact(1, "Selection", False, OPERATOR, None),)}, 1, "not verified"),
        ({"steps": (StepFact(1, "Selection", True, OPERATOR, OPERATOR),)}, 1, "its performer"),
        ({"steps": ()}, 1, "no steps"),
        ({"unmatched_scans_without_closed_deviation": ("scan x",)}, 2, "scan x"),
        ({"unreconciled_labels": ("G1: labels",)}, 3, "G1: labels"),
        ({"qc": (QcFact("Sterility", None, False, False),)}, 4, "no result"),
        ({"qc": (QcFact("Sterility", "pass", False, False),)}, 4, "not reviewed"),
        ({"qc": (QcFact("Sterility", "pending", True, False),)}, 4, "approved exception"),
        (
            {"qc": (QcFact("Viability", "oos", True, False),)},
            4,
            "Viability: out of specification",
        ),
        ({"qc": (QcFact("Viability", "fail", True, False),)}, 4, "Viability: fail"),
        ({"open_deviations": ("DEV-1",)}, 5, "DEV-1"),
        ({"cold_chain_problems": ("excursion",)}, 6, "excursion"),
        ({"custody": (CustodyFact("G1", ("given", "received")),)}, 7, "commissioning"),
        ({"custody": (CustodyFact("G1", ("commissioned", "given")),)}, 7, "no receiver"),
        (
            {"custody": (CustodyFact("G1", ("commissioned", "given", "stored")),)},
            7,
            "no receiver",
        ),
        ({"final_units": ()}, 8, "no final product"),
        ({"final_units_not_from_received_material": ("G9",)}, 8, "G9"),
        ({"audit_chain_ok": False, "audit_first_broken": 7}, 9, "event 7"),
        ({"qp_participated": True}, 10, "you performed"),
    ],
)
def test_each_item_opens_on_its_fact(change: dict[str, object], item: int, words: str) -> None:
    checklist = evaluate(replace(GOOD, **change))  # type: ignore[arg-type]
    assert not checklist.complete
    (opened,) = checklist.open_items
    assert opened.number == item
    assert any(words in line for line in opened.evidence)


def test_every_qc_outcome_is_said_in_words() -> None:
    """Issue 16: the evidence says "out of specification", never the stored code ``oos``."""
    words = {outcome: outcome_in_words(outcome.value) for outcome in QcOutcome}
    assert words == {
        QcOutcome.OUT_OF_SPECIFICATION: "out of specification",
        QcOutcome.FAIL: "fail",
        QcOutcome.PASS: "pass",
        QcOutcome.PENDING: "pending",
    }
    opened = evaluate(replace(GOOD, qc=(QcFact("Viability", "oos", True, False),)))
    assert not any(line.endswith(": oos") for item in opened.items for line in item.evidence)
