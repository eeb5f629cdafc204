"""Stage rules: no operation out of its stage, no skipped stage, side states block."""

from __future__ import annotations

import pytest

from app.core.errors import StageNotAllowed
from app.journey.stages import (
    RULES,
    STAGE_ORDER,
    Operation,
    advance,
    ensure_allowed,
    stage_index,
)
from db.enums import CaseStage, SideState


@pytest.mark.parametrize("operation", list(Operation))
@pytest.mark.parametrize("stage", list(CaseStage))
def test_every_operation_at_every_stage(operation: Operation, stage: CaseStage) -> None:
    if stage in RULES[operation].allowed:
        ensure_allowed(stage, SideState.NONE, operation)
    else:
        with pytest.raises(StageNotAllowed, match="only at stage"):
            ensure_allowed(stage, SideState.NONE, operation)


@pytest.mark.parametrize("side_state", [s for s in SideState if s is not SideState.NONE])
def test_side_states_block_every_operation(side_state: SideState) -> None:
    for operation in Operation:
        for stage in RULES[operation].allowed:
            with pytest.raises(StageNotAllowed, match=side_state.value.split("_")[0]):
                ensure_allowed(stage, side_state, operation)


def test_completions_move_exactly_one_stage_and_cover_the_journey() -> None:
    reached = {CaseStage.ENROLLED}
    for operation, rule in RULES.items():
        for stage in rule.allowed:
            if rule.completes_to is None:
                with pytest.raises(StageNotAllowed, match="does not move"):
                    advance(stage, operation)
                continue
            target = advance(stage, operation)
            assert stage_index(target) == stage_index(stage) + 1
            reached.add(target)
    assert reached == set(STAGE_ORDER)


def test_advance_refuses_from_a_stage_the_operation_does_not_run_at() -> None:
    with pytest.raises(StageNotAllowed):
        advance(CaseStage.ENROLLED, Operation.CERTIFY_RELEASE)


def test_a_rule_that_would_skip_a_stage_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.journey import stages  # noqa: PLC0415

    skipping = stages.Rule(frozenset({CaseStage.ENROLLED}), CaseStage.RELEASED)
    monkeypatch.setitem(stages.RULES, Operation.VERIFY_COLLECTION, skipping)
    with pytest.raises(StageNotAllowed, match="skipping a stage"):
        advance(CaseStage.ENROLLED, Operation.VERIFY_COLLECTION)
