"""GS1 element strings and keys (through biip)."""

from __future__ import annotations

import pytest

from labels.gs1 import (
    GS,
    InvalidGs1Key,
    build_giai,
    build_grai,
    build_gsrn,
    build_sscc,
    check_digit,
    element_string,
    has_valid_check_digit,
    parse_bracketed,
    parse_digital_link,
    parse_element_strings,
    sscc_hri,
)


def test_scanned_element_strings_with_gs() -> None:
    data = parse_element_strings(f"{GS}01095011015300031725010110ABC")
    assert data.valid
    assert data.fields == {"01": "09501101530003", "17": "250101", "10": "ABC"}
    data = parse_element_strings(f"0109501101530003{GS}10ABC{GS}21S1")
    assert data.fields == {"01": "09501101530003", "10": "ABC", "21": "S1"}
    assert data.element_string(fnc1="^", fnc1_first=True) == "^010950110153000310ABC^21S1"
    assert data.hri() == "(01)09501101530003(10)ABC(21)S1"


def test_repeated_ai_gets_a_suffix() -> None:
    data = parse_bracketed("(10)A(10)B")
    assert data.fields == {"10": "A", "10_2": "B"}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "no GS1 element strings"),
        ("0109501101530004", "check digit"),
        ("00106141411234567898", "check digit"),
        ("800302112345678901ABC", "incorrect check digit"),
        ("8018123456789012345670", "incorrect check digit"),
        ("17251301", "(17)"),
        (" 0109501101530003", "white space"),
        ("9", ""),
    ],
)
def test_invalid_scanned_element_strings(text: str, error: str) -> None:
    data = parse_element_strings(text)
    assert not data.valid
    assert error in " ".join(data.errors)


@pytest.mark.parametrize(
    "text",
    ["", "01", "(01", "(01)", "(1)23", "(01)0950110153000", "(8)1", "(10)AB^", "x(01)1"],
)
def test_invalid_bracketed(text: str) -> None:
    assert not parse_bracketed(text).valid


def test_escaped_bracket_is_data() -> None:
    assert parse_bracketed("(10)AB\\(C").fields == {"10": "AB(C"}


def test_digital_link() -> None:
    link = parse_digital_link("https://id.gs1.org/01/09520123456788/10/ABC123?17=251231")
    assert link.fields == {"01": "09520123456788", "10": "ABC123", "17": "251231"}
    assert not parse_digital_link("https://example.com/nothing").valid


def test_check_digits() -> None:
    assert check_digit("0950110153000") == "3"
    assert has_valid_check_digit("09501101530003")
    assert not has_valid_check_digit("09501101530004")
    assert not has_valid_check_digit("1")
    with pytest.raises(InvalidGs1Key):
        check_digit("12A")


def test_build_sscc() -> None:
    assert build_sscc(0, "0614141", 123456789) == "006141411234567890"
    assert parse_element_strings("00" + build_sscc(3, "0614141", "1")).valid
    with pytest.raises(InvalidGs1Key, match="extension"):
        build_sscc(10, "0614141", 1)
    with pytest.raises(InvalidGs1Key, match="does not fit"):
        build_sscc(0, "0614141", 10**10)
    with pytest.raises(InvalidGs1Key, match="company prefix"):
        build_sscc(0, "06A", 1)


def test_build_other_keys() -> None:
    gsrn = build_gsrn("0614141", 1234567890)
    assert len(gsrn) == 18
    assert parse_bracketed(f"(8018){gsrn}").valid
    grai = build_grai("0614141", 12, "DS01")
    assert parse_bracketed(f"(8003){grai}").valid
    giai = build_giai("0614141", "LOGGER-7")
    assert parse_bracketed(f"(8004){giai}").valid
    with pytest.raises(InvalidGs1Key):
        build_giai("0614141", "x" * 40)


def test_element_string_validation() -> None:
    assert element_string("10", "LOT1") == "10LOT1"
    with pytest.raises(InvalidGs1Key, match="check digit"):
        element_string("8018", "123456789012345670")
    with pytest.raises(InvalidGs1Key):
        element_string("10", "LOT^1")


def test_an_sscc_reads_in_groups_never_as_18_digits_in_a_row() -> None:
    sscc = build_sscc(0, "5901234", 7)
    assert sscc_hri(sscc) == "(00) 0 5901234 000000007 9"
    assert sscc_hri(sscc).replace(" ", "").removeprefix("(00)") == sscc
    assert sscc_hri("12345") == "12345"  # not an SSCC: shown as it is
