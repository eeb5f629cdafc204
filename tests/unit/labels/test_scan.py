"""`parse_scan`: one entry point for scanner and typed input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labels.check_character import check_report
from labels.isbt128 import build_coi, build_din
from labels.isbt128.compose import (
    coi_structure,
    compound_message,
    din_structure,
    print_serial_structure,
)
from labels.scan import ScanResult, parse_scan


def test_din_scan_with_crlf() -> None:
    result = parse_scan("=G12341765432170\r\n")
    assert result.kind == "isbt128"
    assert result.valid
    assert result.fields["din"] == "G123417654321"
    assert result.fields["check_character"] == "A"
    assert result.fields["flag"] == "70"


def test_din_with_wrong_type3_flag_is_invalid() -> None:
    result = parse_scan("=G12341765432171")
    assert result.kind == "isbt128"
    assert not result.valid
    assert "Type-3" in result.errors[0]


def test_scanned_coi() -> None:
    coi = build_coi("G1234", 2025, 7)
    result = parse_scan(coi.data_structure + "\n")
    assert result.kind == "coi"
    assert result.valid
    assert result.fields == {"coi": coi.code, "check_character": coi.check_character}


@pytest.mark.parametrize(
    ("typed", "valid"),
    [
        ("CH G1234 98 654321 H", True),
        ("CH-G1234-98-654321-H", True),
        ("&/CH G1234 98 654321 H", True),
        ("CH G1234 98 654321 J", False),
        ("CH G1234 98 654321", False),
    ],
)
def test_typed_coi(typed: str, valid: bool) -> None:
    result = parse_scan(typed)
    assert result.kind == "coi"
    assert result.valid is valid
    assert bool(result.errors) is not valid


@pytest.mark.parametrize(
    ("raw", "gs_substitute", "symbology"),
    [
        ("]C10109501101530003172501011" + "0ABC\x1d21S1", None, "]C1"),
        ("]d20109501101530003172501011" + "0ABC<GS>21S1", "<GS>", "]d2"),
        ("]Q30109501101530003172501011" + "0ABC^21S1\r", "^", "]Q3"),
        ("\x1d0109501101530003172501011" + "0ABC\x1d21S1", None, None),
        ("(01)09501101530003(17)250101(10)10ABC(21)S1", None, None),
    ],
)
def test_gs1_forms(raw: str, gs_substitute: str | None, symbology: str | None) -> None:
    result = parse_scan(raw, gs_substitute=gs_substitute)
    assert result.kind == "gs1"
    assert result.valid, result.errors
    assert result.symbology_identifier == symbology
    assert result.fields["01"] == "09501101530003"
    assert result.fields["21"] == "S1"


def test_gs1_without_prefix_needs_a_key_first() -> None:
    assert parse_scan("00106141411234567897").kind == "gs1"
    assert parse_scan("8004061414112345").fields == {"8004": "061414112345"}
    assert parse_scan("10ABC").kind == "unknown"
    assert parse_scan("123").kind == "unknown"


def test_ean13_with_aim_identifier() -> None:
    result = parse_scan("]E05901234123457")
    assert (result.kind, result.valid, result.fields) == ("gs1", True, {"01": "05901234123457"})
    assert not parse_scan("]E05901234123458").valid
    assert not parse_scan("]E0123").valid


def test_digital_link_and_plain_urls() -> None:
    assert parse_scan("]Q1https://id.gs1.org/01/09520123456788").kind == "gs1"
    assert parse_scan("https://example.com/").kind == "unknown"


def test_sec_text() -> None:
    result = parse_scan("SEC: PL001499Z549917123456 A00T041600320171231")
    assert result.kind == "isbt128"
    assert result.fields["sec_expiry_date"] == "2017-12-31"
    assert not parse_scan("SEC: nonsense").valid


@pytest.mark.parametrize("raw", ["", "\r\n", "hello", "CHANGE", "]X", "]C1", "é"])
def test_unknown_or_empty(raw: str) -> None:
    result = parse_scan(raw)
    assert not result.valid
    assert result.errors


def test_json_shape() -> None:
    document = json.loads(parse_scan("=G12341765432170").to_json())
    assert set(document) == {"kind", "valid", "fields", "errors", "symbology_identifier"}
    assert document["kind"] == "isbt128"
    assert document["errors"] == []


def test_check_report() -> None:
    assert check_report("G123498654321") == {
        "input": "G123498654321",
        "check_character": "H",
        "check_value": 17,
        "type3_flag": "77",
    }
    assert check_report("G123417654321")["type3_flag"] == "70"
    with pytest.raises(ValueError, match="13 characters"):
        check_report("G1234")
    with pytest.raises(ValueError, match="mod 37-2"):
        check_report("G12341765432_")


ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80) | st.text(
    alphabet="=&<>*#%/,+CH0123456789AGZ()\x1d]^dQCe\r\n -", max_size=60
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT, st.sampled_from([None, "^", "<GS>", "~"]))
def test_parse_scan_never_raises(raw: str, gs_substitute: str | None) -> None:
    result = parse_scan(raw, gs_substitute=gs_substitute)
    assert isinstance(result, ScanResult)
    assert result.valid is not bool(result.errors)
    assert not any(error.startswith("internal error while reading") for error in result.errors)
    json.dumps(result.as_dict())


def test_the_print_serial_of_a_compound_message_is_read_back() -> None:
    """Data structure 036 as the last item of our 2-D symbol is this print's serial."""
    din, coi = build_din("G1234", 26, "000011"), build_coi("G1234", 26, "500016")
    text = compound_message(
        [din_structure(din), coi_structure(coi), print_serial_structure("G12340000000000007")]
    )
    result = parse_scan(f"]Q1{text}\r\n")
    assert result.valid and result.kind == "isbt128"
    assert result.fields["print_serial"] == "G12340000000000007"
    assert (result.fields["din"], result.fields["coi"]) == (din.din, coi.code)
    assert result.fields["data_structures"] == "023 001 040 036"
    # A short serial is padded with zeros at the front (ST-001 §2.4.36).
    assert print_serial_structure("7") == "&,2" + "0" * 17 + "7"
    # A lone 036 (the linear code of the clinic's identity label) is a print serial too; a
    # linear DIN carries none, and a 036 concatenated with anything else is no print serial.
    assert parse_scan("]C0&,2G12340000000000007").fields["print_serial"] == "G12340000000000007"
    assert "print_serial" not in parse_scan("&,2G12340000000000007" + din_structure(din)).fields
    assert "print_serial" not in parse_scan(din_structure(din)).fields
    with pytest.raises(ValueError, match="print serial"):
        print_serial_structure("g1234")


def test_a_compound_message_with_two_print_serials_is_unreadable() -> None:
    """A spliced 2-D code cannot hide a voided serial behind a second one."""
    din, coi = build_din("G1234", 26, "000011"), build_coi("G1234", 26, "500016")
    text = compound_message(
        [
            din_structure(din),
            coi_structure(coi),
            print_serial_structure("G12340000000000007"),
            print_serial_structure("G12340000000000008"),
        ]
    )
    result = parse_scan(text)
    assert not result.valid and "more than one print serial" in result.errors[-1]
    assert "print_serial" not in result.fields
