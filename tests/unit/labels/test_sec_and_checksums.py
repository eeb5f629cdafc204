"""Single European Code and two-digit mod 37-2 checksums."""

from __future__ import annotations

import datetime as dt

import pytest

from labels.isbt128 import (
    InvalidSec,
    basic_udi_di_checksum,
    decode_sec_content,
    is_valid_basic_udi_di,
    parse_sec_text,
)


def test_sec_text() -> None:
    sec = parse_sec_text("SEC: PL001499Z549917123456 A00T041600320171231")
    assert sec.country == "PL"
    assert sec.unique_donation_number == "Z549917123456"
    assert sec.product_code == "00T0416"
    assert sec.split_number == "003"
    assert sec.expiry_date == dt.date(2017, 12, 31)


def test_sec_without_expiry() -> None:
    assert decode_sec_content("PL0014990000000000000A000000000000000000").expiry_date is None


@pytest.mark.parametrize(
    "bad", ["SEC: too short", "PL001499Z549917123456A00T041600320171331", "SEC PL001"]
)
def test_bad_sec(bad: str) -> None:
    with pytest.raises(InvalidSec):
        if bad.startswith("SEC"):
            parse_sec_text(bad)
        else:
            decode_sec_content(bad)


def test_basic_udi_di_checksum() -> None:
    assert basic_udi_di_checksum("A9990ABC123T0480") == "08"  # ST-017 Appendix 1
    assert is_valid_basic_udi_di("A9990ABC123T048008")
    assert not is_valid_basic_udi_di("A9990ABC123T048099")
    assert not is_valid_basic_udi_di("A9990ABC123T0480a8")
    assert not is_valid_basic_udi_di("short")
    with pytest.raises(ValueError, match="16 characters"):
        basic_udi_di_checksum("A9990")
