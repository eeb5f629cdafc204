"""ISBT 128 Chain of Identity identifier (data structure 040)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labels import mod37_2
from labels.isbt128 import InvalidCoi, build_coi, format_sequence, parse_coi, parse_typed_coi


def test_build_coi_layout_and_check_character() -> None:
    coi = build_coi("G1234", 2025, 12)
    assert coi.code == "CHG123425000012"
    assert coi.data_structure == "&/CHG123425000012"
    assert coi.check_character == mod37_2.check_character("G123425000012")
    assert coi.eye_readable == "CH G1234 25 000012"


def test_check_character_is_computed_over_the_13_characters_after_ch() -> None:
    coi = build_coi("G1234", "98", "654321")
    assert coi.checked_text == "G123498654321"
    assert coi.check_character == "H"


@pytest.mark.parametrize(("number", "text"), [(1, "000001"), (999_999, "999999"), (4711, "004711")])
def test_format_sequence(number: int, text: str) -> None:
    assert format_sequence(number) == text


@pytest.mark.parametrize("number", [0, -1, 1_000_000])
def test_format_sequence_rejects_out_of_range(number: int) -> None:
    with pytest.raises(InvalidCoi, match="outside"):
        format_sequence(number)


@pytest.mark.parametrize(
    "typed",
    [
        "CH G1234 98 654321 H",
        "ch-g1234-98-654321-h",
        "&/CHG123498654321H",
        "CHG123498654321H",
        "  CH G1234 98 654321  H ",
    ],
)
def test_typed_coi_accepted_when_check_character_matches(typed: str) -> None:
    assert parse_typed_coi(typed).code == "CHG123498654321"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("CH G1234 98 654321 A", "does not match"),
        ("CH G1234 98 654312 H", "does not match"),
        ("CH G1234 98 654321", "missing"),
        ("CH G1234 98 654 H", "CH \\+ 13"),
        ("CH G1234 98 65432 H", "missing"),
        ("XH G1234 98 654321 H", "start with 'CH'"),
        ("CH O1234 98 654321 H", "letter O"),
    ],
)
def test_typed_coi_rejected_with_a_reason(typed: str, message: str) -> None:
    with pytest.raises(InvalidCoi, match=message):
        parse_typed_coi(typed)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("&/CHG1234980000a1", "sequence"),
        ("&/CHG12349X000001", "year"),
        ("&/CHG12349800000", "15 characters"),
    ],
)
def test_scanned_coi_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidCoi, match=message):
        parse_coi(text)


@given(
    st.from_regex(r"[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}", fullmatch=True),
    st.integers(2000, 2099),
    st.integers(1, 999_999),
)
def test_round_trip_build_eye_readable_typed(fin: str, year: int, sequence: int) -> None:
    coi = build_coi(fin, year, sequence)
    assert parse_coi(coi.data_structure) == coi
    assert parse_typed_coi(coi.eye_readable_with_check) == coi
