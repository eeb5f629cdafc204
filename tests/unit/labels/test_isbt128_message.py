"""Reading ISBT 128 data strings: single, concatenated and compound messages."""

from __future__ import annotations

import datetime as dt

import pytest

from labels.isbt128 import build_coi, build_din, parse_isbt128
from labels.isbt128.dates import decode_date, decode_date_time, encode_date, encode_date_time
from labels.isbt128.message import is_specified_sequence


@pytest.mark.parametrize(
    ("text", "number", "fields"),
    [
        ("=<S1234000", "003", {"product_code": "S1234000", "product_description_code": "S1234"}),
        ("=>025365", "004", {"expiry_date": "2025-12-31"}),
        ("&>0253652359", "005", {"expiry_date": "2025-12-31", "expiry": "2025-12-31T23:59"}),
        ("=*024001", "006", {"collection_date": "2024-01-01"}),
        ("&*0240010830", "007", {"collection_date": "2024-01-01",
                                 "collection": "2024-01-01T08:30"}),
        ("=#0119750230", "024", None),  # 30 February: meaning error
        ("=#0119750228", "024", {"patient_birth_date": "1975-02-28",
                                 "patient_birth_date_location": "01"}),
        ("&#0105ABC12", "025", {"patient_id_location": "01", "patient_id": "ABC12"}),
        ("&/CHG123498654321", "040", {"coi": "CHG123498654321", "check_character": "H"}),
    ],
)  # fmt: skip
def test_single_structures(text: str, number: str, fields: dict[str, str] | None) -> None:
    message = parse_isbt128(text)
    assert message.numbers == (number,)
    if fields is None:
        assert not message.valid
        assert "024" in message.errors[0]
    else:
        assert message.valid, message.errors
        assert message.structures[0].fields == fields
        assert message.structures[0].text == text


def test_concatenated_din_and_product_code() -> None:
    message = parse_isbt128("=G12341765432170=<S1234000")
    assert message.valid
    assert message.numbers == ("001", "003")
    assert message.declared_count is None


def test_compound_message_built_from_our_identifiers() -> None:
    din = build_din("G1234", 17, 654321).with_type3_flag()
    coi = build_coi("G1234", 2025, 1)
    text = f"=+03000{din.data_structure}{coi.data_structure}&>0253652359"
    message = parse_isbt128(text)
    assert message.valid, message.errors
    assert message.numbers == ("023", "001", "040", "005")
    assert message.declared_count == 3
    assert not is_specified_sequence(message)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "empty"),
        ("X", "not '=' or '&'"),
        ("=", "truncated"),
        ("=z123", "unknown data identifier '=z'"),
        ("=<S12", "truncated"),
        ("&,9ABC", "unknown data identifier"),
        ("=>025366", "day of year 366 does not exist in 2025"),
        ("&>0253652460", "not a time of day"),
        ("=+02000=<S1234000", "declares 2 data structures but 1 follow"),
        ("=<S1234000=+01000=>025001", "must come first"),
        ("=+01000&xLOCAL", "nationally defined"),
        ("&#01", "length header"),
        ("&#0109AB", "truncated"),
        ("&#0103A-B", "does not allow"),
        ("&$01123", "truncated"),
        ("&:1234ABCDEFGHIJKLM99", "GRID checksum"),
        ("=]202513", "month 13"),
    ],
)
def test_invalid_strings_are_reported_not_raised(text: str, error: str) -> None:
    message = parse_isbt128(text)
    assert not message.valid
    assert any(error in e for e in message.errors), message.errors


def test_unknown_structure_stops_reading_but_keeps_what_was_read() -> None:
    message = parse_isbt128("=G12341765432170=zzz")
    assert message.numbers == ("001",)
    assert not message.valid


def test_retired_structure_is_recognised_without_interpretation() -> None:
    message = parse_isbt128("=[" + "1" * 18)
    assert message.valid
    assert message.structures[0].retired


def test_dates_round_trip() -> None:
    day = dt.date(2031, 2, 28)
    assert decode_date(encode_date(day)) == day
    moment = dt.datetime(2024, 12, 31, 23, 59)  # noqa: DTZ001 - label wall-clock time
    assert encode_date_time(moment) == "0243662359"
    assert decode_date_time(encode_date_time(moment)) == moment
    with pytest.raises(ValueError, match="start in 2000"):
        encode_date(dt.date(1999, 12, 31))
    with pytest.raises(ValueError, match="six digits"):
        decode_date("12345")
    with pytest.raises(ValueError, match="ten digits"):
        decode_date_time("12345")
