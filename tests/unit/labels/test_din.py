"""ISBT 128 Donation Identification Number (data structure 001)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labels.isbt128 import InvalidDin, build_din, flag_meaning, parse_din, type3_flag


def test_type3_flags_of_the_worked_examples() -> None:
    assert type3_flag("G123498654321") == "77"
    assert type3_flag("G123417654321") == "70"


def test_build_then_parse_round_trip() -> None:
    din = build_din("G1234", 2017, 654321).with_type3_flag()
    assert din.data_structure == "=G12341765432170"
    assert din.check_character == "A"
    assert din.eye_readable == "G1234 17 654321"
    assert parse_din(din.data_structure) == din


def test_parse_accepts_content_without_data_identifier() -> None:
    din = parse_din("A99991712345600")
    assert (din.fin, din.year, din.sequence, din.flag) == ("A9999", "17", "123456", "00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=G12341765432171", "Type-3 check flag"),
        ("=A9O991712345600", "letter O"),
        ("=A99991x12345600", "year"),
        ("=A9999171234x600", "sequence"),
        ("=A99991712345600Z", "15 characters"),
        ("=A999917123456IO", "flag characters"),
        ("=09999171234560O", "FIN"),
    ],
)
def test_invalid_dins_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidDin, match=message):
        parse_din(text)


def test_build_rejects_sequence_out_of_range() -> None:
    with pytest.raises(InvalidDin, match="outside"):
        build_din("A9999", 25, 1_000_000)


@pytest.mark.parametrize(
    ("flag", "meaning"),
    [
        ("00", "flag not used"),
        ("03", "container 3 of a set"),
        ("16", "container 6 of a set"),
        ("07", "test tube label"),
        ("25", "locally defined (Type 2)"),
        ("77", "mod 37-2 check value (Type 3)"),
        ("98", "reserved for future assignment"),
        ("A1", "reserved for future assignment"),
    ],
)
def test_flag_meanings(flag: str, meaning: str) -> None:
    assert flag_meaning(flag) == meaning


@given(
    st.from_regex(r"[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}", fullmatch=True),
    st.integers(0, 99),
    st.integers(0, 999_999),
)
def test_every_built_din_with_type3_flag_parses_back(fin: str, year: int, sequence: int) -> None:
    din = build_din(fin, year, sequence).with_type3_flag()
    assert parse_din(din.data_structure) == din


def test_build_din_from_text_parts() -> None:
    din = build_din("G1234", "17", "654321")
    assert din.din == "G123417654321" and din.check_character == "A"
