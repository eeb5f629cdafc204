"""`judge_print`: the pure rules that refuse a voided, never-issued or foreign label print."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.scanning.rules import (
    TWO_D_NEEDED,
    KnownPrint,
    KnownUnit,
    ScannedIdentity,
    judge_print,
    voided_label_reason,
)
from db.enums import SideState

UNIT = KnownUnit(uuid.uuid4(), "G123426000011", "CHG123426500016", SideState.NONE, "Apheresis bag")
SERIAL = "G12340000000000002"
CURRENT = KnownPrint(SERIAL, UNIT.id, None, None, None)
VOIDED = KnownPrint(
    SERIAL,
    UNIT.id,
    datetime(2026, 3, 4, 10, 15, tzinfo=UTC),
    "Alex Apheresis",
    "reprinted: smudged",
)


def _scanned(serial: str | None = SERIAL, *, valid: bool = True) -> ScannedIdentity:
    return ScannedIdentity("isbt128", valid, din=UNIT.din, coi=UNIT.coi, print_serial=serial)


def test_the_current_print_passes_and_a_voided_one_says_when_who_and_why() -> None:
    assert judge_print(_scanned(), CURRENT, UNIT) == ()
    assert judge_print(_scanned(), CURRENT, UNIT, two_d_needed=True) == ()
    assert judge_print(_scanned(), VOIDED, UNIT) == (
        "This label was voided on 2026-03-04 10:15 UTC by Alex Apheresis "
        "(reprinted: smudged): use the current label.",
    )


def test_a_voided_print_with_gaps_in_its_record_is_still_refused() -> None:
    bare = KnownPrint(SERIAL, UNIT.id, None, None, None)
    assert voided_label_reason(bare) == (
        "This label was voided on an unknown date by an unknown user: use the current label."
    )


def test_never_issued_and_other_containers_prints_are_refused() -> None:
    (unknown,) = judge_print(_scanned(), None, UNIT)
    assert "never issued by this COI Tracker database" in unknown and SERIAL in unknown
    elsewhere = KnownPrint(SERIAL, uuid.uuid4(), None, None, None)
    (foreign,) = judge_print(_scanned(), elsewhere, UNIT)
    assert foreign.startswith("LABEL MISMATCH: print serial")
    assert judge_print(_scanned(), elsewhere, None) == ()  # no unit: judge() already refuses


def test_a_code_without_serial_is_refused_only_where_the_2d_code_is_needed() -> None:
    assert judge_print(_scanned(None), None, UNIT) == ()
    assert judge_print(_scanned(None), None, UNIT, two_d_needed=True) == (TWO_D_NEEDED,)
    assert judge_print(_scanned(None, valid=False), None, UNIT, two_d_needed=True) == ()
