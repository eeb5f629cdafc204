"""Where each bag of the dose stands, and what the bedside's work item says is left (pure)."""

from __future__ import annotations

import pytest

from app.casefile.work_queue import dose_work_title
from app.journey.dose import LEFT_TO_ACCOUNT, BagAccount, account_of
from db.enums import SideState, UnitStatus


@pytest.mark.parametrize(
    ("status", "side_state", "not_given", "account"),
    [
        (UnitStatus.STORED, SideState.NONE, False, BagAccount.TO_GIVE),
        (UnitStatus.STORED, SideState.ON_HOLD, False, BagAccount.HELD),  # QA's hold: not given
        (UnitStatus.STORED, SideState.QUARANTINED, False, BagAccount.HELD),
        (UnitStatus.STORED, SideState.REJECTED, False, BagAccount.HELD),  # a nurse says so
        (UnitStatus.STORED, SideState.ON_HOLD, True, BagAccount.NOT_GIVEN),
        (UnitStatus.STORED, SideState.NONE, True, BagAccount.NOT_GIVEN),  # hold lifted after
        (UnitStatus.INFUSED, SideState.ON_HOLD, False, BagAccount.GIVEN),
    ],
)
def test_a_bag_is_accounted_for_only_when_infused_or_recorded_as_not_given(
    status: UnitStatus, side_state: SideState, not_given: bool, account: BagAccount
) -> None:
    found = account_of(status, side_state, not_given)
    assert found is account
    assert (found in LEFT_TO_ACCOUNT) is (account in {BagAccount.HELD, BagAccount.TO_GIVE})


def test_the_work_item_names_what_is_left_of_the_dose() -> None:
    din = "G5678 26 000077 [S]"
    assert dose_work_title(2, [], 0) == "Bedside check and infusion"
    assert dose_work_title(1, [], 1) == "Bedside check and infusion"
    held = dose_work_title(0, [din], 1)  # the other bag infused: never idle
    assert held == (
        f"Bag DIN {din} on hold, left to account for: record it as not given, or QA lifts the hold"
    )
    both = dose_work_title(1, [din, "G5678 26 000088 [K]"], 0)
    assert both.startswith("Bedside check and infusion (1 to give); bags DIN G5678 26 000077")
    assert "record each as not given" in both
    assert dose_work_title(0, [], 0).startswith("No bag of the dose was given")
