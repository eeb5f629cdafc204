"""Scan verification rules: every way a scan can fail to be what the screen expects."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scanning.rules import (
    Expectation,
    KnownUnit,
    ScannedIdentity,
    grouped,
    identify,
    judge,
)
from app.scanning.wording import din_grouped, wrong_coi
from db.enums import SideState
from labels.isbt128 import build_coi, build_din
from labels.scan import parse_scan

COI = build_coi("G1234", 2026, 1).code
OTHER_COI = build_coi("G1234", 2026, 2).code
DIN = build_din("G1234", 26, 123).din
UNIT = KnownUnit(uuid.uuid4(), DIN, COI, SideState.NONE, "Apheresis bag")


def expect(**changes: object) -> Expectation:
    values: dict[str, object] = {"purpose": "pack", "description": "shipment 1", "coi": COI}
    values.update(changes)
    return Expectation(**values)  # type: ignore[arg-type]


def scanned(**fields: str | None) -> ScannedIdentity:
    return ScannedIdentity(kind="isbt128", valid=True, **fields)  # type: ignore[arg-type]


def test_identify_picks_din_coi_and_patient_id_from_a_compound_message() -> None:
    text = f"=+02000={DIN}00&/{COI}"
    identity = identify(parse_scan(text))
    assert (identity.din, identity.coi, identity.valid) == (DIN, COI, True)
    assert identify(parse_scan("garbage!")).valid is False


def test_matching_unit_scan() -> None:
    assert judge(scanned(din=DIN), UNIT, expect()) == ()
    assert judge(scanned(din=DIN, coi=COI), UNIT, expect(unit_ids=frozenset({UNIT.id}))) == ()


def test_unreadable_scan_is_refused_with_the_parser_errors() -> None:
    reasons = judge(ScannedIdentity("unknown", False, ("bad data",)), None, expect())
    assert reasons == ("The scan could not be read: bad data. Scan the code again.",)
    bare = judge(ScannedIdentity("unknown", False), None, expect())
    assert "not a code COI Tracker reads" in bare[0]


def test_unit_of_another_patient_is_a_wrong_patient_alarm() -> None:
    other = KnownUnit(uuid.uuid4(), DIN, OTHER_COI, SideState.NONE, "Apheresis bag")
    (reason,) = judge(scanned(din=DIN), other, expect())
    assert reason.startswith("WRONG PATIENT")
    assert grouped(OTHER_COI) in reason and grouped(COI) in reason


def test_scanned_coi_of_another_patient() -> None:
    assert judge(scanned(coi=OTHER_COI), None, expect())[0].startswith("WRONG PATIENT")


def test_a_coi_alone_does_not_identify_a_container() -> None:
    (reason,) = judge(scanned(coi=COI), None, expect())
    assert "does not identify a container" in reason


def test_unknown_din() -> None:
    (reason,) = judge(scanned(din=DIN), None, expect())
    assert "not registered" in reason


def test_label_that_disagrees_with_its_container_is_a_label_mismatch() -> None:
    other = KnownUnit(uuid.uuid4(), DIN, OTHER_COI, SideState.NONE, "Apheresis bag")
    reasons = judge(scanned(din=DIN, coi=COI), other, expect())
    assert len(reasons) == 1 and reasons[0].startswith("LABEL MISMATCH")


def test_unit_not_among_the_expected_ones() -> None:
    (reason,) = judge(scanned(din=DIN), UNIT, expect(unit_ids=frozenset()))
    assert "not one of the containers expected here" in reason


@pytest.mark.parametrize(
    ("state", "allow_quarantined", "words"),
    [
        (SideState.REJECTED, True, "can never be used"),
        (SideState.DESTROYED, False, "can never be used"),
        (SideState.CANCELLED, True, "can never be used"),
        (SideState.QUARANTINED, False, "quarantined"),
        (SideState.ON_HOLD, False, "on hold"),
    ],
)
def test_units_in_a_side_state(state: SideState, allow_quarantined: bool, words: str) -> None:
    unit = KnownUnit(UNIT.id, DIN, COI, state, "Final product bag")
    (reason,) = judge(scanned(din=DIN), unit, expect(allow_quarantined=allow_quarantined))
    assert words in reason


def test_quarantined_unit_allowed_where_the_screen_says_so() -> None:
    unit = KnownUnit(UNIT.id, DIN, COI, SideState.QUARANTINED, "Apheresis bag")
    assert judge(scanned(din=DIN), unit, expect(allow_quarantined=True)) == ()


def test_wristband_by_hospital_number_never_by_the_coi_alone() -> None:
    wristband = expect(wants="patient", patient_identifiers=frozenset({"H1"}))
    assert judge(scanned(patient_identifier="H1"), None, wristband) == ()
    assert judge(scanned(patient_identifier="H1", coi=COI), None, wristband) == ()
    assert judge(scanned(coi=COI), None, wristband)[0].startswith("This is the COI")
    assert judge(scanned(coi=OTHER_COI), None, wristband)[1].startswith("WRONG PATIENT")
    (other,) = judge(scanned(patient_identifier="H2"), None, wristband)
    assert other.startswith("WRONG PATIENT") and "H2" not in other
    assert "product label" in judge(scanned(din=DIN), None, wristband)[0]


def test_expectation_as_stored() -> None:
    stored = expect(unit_ids=frozenset({UNIT.id})).as_dict()
    assert stored["unit_ids"] == [str(UNIT.id)] and stored["coi"] == COI
    assert expect().as_dict()["unit_ids"] is None
    assert "wristband" not in expect().as_dict()
    assert expect(wants="patient").as_dict()["wristband"] == {
        "mrn_pattern": None,
        "coi_required": False,
    }


@given(
    coi_seq=st.integers(1, 999_999),
    other_seq=st.integers(1, 999_999),
    state=st.sampled_from(list(SideState)),
)
def test_never_a_match_for_another_patients_unit(
    coi_seq: int, other_seq: int, state: SideState
) -> None:
    expected_coi = build_coi("G1234", 2026, coi_seq).code
    unit_coi = build_coi("G1234", 2026, other_seq).code
    unit = KnownUnit(uuid.uuid4(), DIN, unit_coi, state, "Final product bag")
    for scan in (
        scanned(din=DIN),
        scanned(din=DIN, coi=unit_coi),
        scanned(din=DIN, coi=expected_coi),
    ):
        matched = judge(scan, unit, expect(coi=expected_coi, allow_quarantined=True)) == ()
        if matched:
            assert unit_coi == expected_coi
            assert state in {SideState.NONE, SideState.QUARANTINED, SideState.ON_HOLD}


def test_custody_scan_admits_a_unit_in_any_state_but_never_another_patients() -> None:
    rejected = KnownUnit(UNIT.id, DIN, COI, SideState.REJECTED, "Apheresis bag")
    assert judge(scanned(din=DIN), rejected, expect(custody_only=True)) == ()
    other = KnownUnit(UNIT.id, DIN, OTHER_COI, SideState.REJECTED, "Apheresis bag")
    assert judge(scanned(din=DIN), other, expect(custody_only=True))[0].startswith("WRONG")


def test_grouped_leaves_anything_but_a_coi_alone() -> None:
    # the check character, as printed, joined by a no-break space: it never wraps away alone
    assert grouped(COI) == "CH G1234 26 000001\u00a0[4]"
    assert grouped("short") == "short"


def test_alarms_name_cois_and_dins_as_printed_with_their_check_characters() -> None:
    """An operator compares the alarm with the label: both show the boxed check character."""
    assert din_grouped("G567826000066") == "G5678 26 000066\u00a0[Y]"
    assert din_grouped("G56782600006") == "G56782600006"  # not 13 characters: left alone
    assert din_grouped("G5678260000!6") == "G5678260000!6"  # not a DIN's characters
    reason = wrong_coi(OTHER_COI, "the case chosen", COI)
    assert f"COI {grouped(OTHER_COI)}," in reason and reason.count("[") == 2
