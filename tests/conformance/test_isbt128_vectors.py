"""Agree with every ISBT 128 vector in shared/corpora/isbt128 (from ST-001, ST-012, ST-017)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labels import mod37_2
from labels.isbt128 import (
    InvalidSec,
    Isbt128Message,
    basic_udi_di_checksum,
    decode_sec_content,
    is_valid_basic_udi_di,
    parse_isbt128,
    parse_sec_text,
    type3_flag,
)
from labels.isbt128.din import is_type3_flag
from labels.isbt128.message import is_specified_sequence
from labels.scan import parse_scan

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "isbt128"
VECTORS_FILE = CORPUS / "isbt128_vectors.json"


def _vectors() -> list[dict[str, Any]]:
    if not VECTORS_FILE.is_file():
        return []
    vectors: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]
    return vectors


VECTORS = _vectors()


def _fields_by_upstream_name(message: Isbt128Message) -> dict[str, object]:
    """Our fields under the upstream parser's names, for the structures the vectors check."""
    names: dict[str, object] = {}
    for structure in message.structures:
        f = structure.fields
        if structure.number == "001" and f:
            names |= {
                "facilityIdentificationNumber": f["din"][:5],
                "year": f["din"][5:7],
                "sequenceNumber": f["din"][7:],
                "flagCharacters": f["flag"],
                "isChecksumFlag": is_type3_flag(f["flag"]),
                "checksumValid": message.valid,
            }
        elif structure.number == "001":  # wrong Type-3 flag: no fields, but the flag is known
            names |= {
                "isChecksumFlag": is_type3_flag(structure.content[13:]),
                "checksumValid": False,
            }
        if structure.number == "034" and f:
            names |= {
                "facilityIdentificationNumberOfProcessor": f["processor_fin"],
                "facilityDefinedProductCode": f["facility_product_code"],
                "productDescriptionCode": f["product_description_code"],
            }
        if structure.number == "032" and f:
            names["divisionCode"] = f["product_divisions"]
        if structure.number == "025" and f:
            names["patientId"] = f["patient_id"]
    return names


def _check_message(vector: dict[str, Any]) -> None:
    message = parse_isbt128(vector["input"])
    expected = vector["expected"]
    assert message.valid is vector["expected_valid"], message.errors
    assert parse_scan(vector["input"]).valid is vector["expected_valid"]
    if not vector["expected_valid"]:
        assert message.errors
        return
    _check_layout(message, expected)


def _check_layout(message: Isbt128Message, expected: dict[str, Any]) -> None:
    if "segments" in expected:
        assert list(message.numbers) == expected["segments"]
    fields = _fields_by_upstream_name(message)
    for name, value in expected.get("fields", {}).items():
        assert fields[name] == value, name
    if "isRetired" in expected:
        assert message.structures[0].retired is expected["isRetired"]
    if "declaredCount" in expected:
        assert message.declared_count == expected["declaredCount"]
    if "segment_count_incl_header" in expected:
        assert len(message.structures) == expected["segment_count_incl_header"]
    if "isSpecifiedSequence" in expected:
        assert is_specified_sequence(message) is expected["isSpecifiedSequence"]
    if "sequenceCode" in expected:
        assert message.sequence_code == expected["sequenceCode"]
    if "isCompoundMessage" in expected:
        assert (message.declared_count is not None) is expected["isCompoundMessage"]
    if "opaque_trailing_rawContent" in expected:
        assert message.structures[-1].number is None
        assert message.structures[-1].content == expected["opaque_trailing_rawContent"]
    _check_contents(message, expected)


def _check_contents(message: Isbt128Message, expected: dict[str, Any]) -> None:
    merged: dict[str, str] = {}
    for structure in message.structures:
        merged |= structure.fields
    if "expirationDate" in expected:
        assert merged["expiry_date"] == expected["expirationDate"]
    if "sec_expiryDate" in expected:
        sec = next(s for s in message.structures if s.number == "038")
        expiry = decode_sec_content(sec.content).expiry_date
        assert expiry is not None
        assert expiry.isoformat() == expected["sec_expiryDate"]
    if "udi" in expected:
        _check_udi(message, expected["udi"], merged)
    if "dimensions_count" in expected:
        content = message.structures[0].content
        assert int(content[:2]) == expected["dimensions_count"]
        # First repeating segment: symbol(2) dimension(4) value(5) decimals(1) reserved(2);
        # dimension 0001 is volume in mL (ST-001 Table 20 [RT038]).
        assert content[4:8] == "0001"
        assert expected["dim0"]["unit"] == "mL"
        assert content[8:13] == expected["dim0"]["formattedValue"]


def _check_udi(message: Isbt128Message, udi: dict[str, str], merged: dict[str, str]) -> None:
    """ST-017 §4.3: the PPIC [034] is the UDI-DI; the other structures form the UDI-PI."""
    body = [s for s in message.structures if s.number != "023"]
    assert "".join(s.text for s in body if s.number == "034") == udi["DI"]
    assert "".join(s.text for s in body if s.number != "034") == udi["PI"]
    if "expirationDate" in udi:
        assert merged["expiry_date"] == udi["expirationDate"]
    if "lotNumber" in udi:
        assert merged["mpho_lot"] == udi["lotNumber"]


def _check_sec(vector: dict[str, Any]) -> None:
    reader = parse_sec_text if vector["kind"] == "sec_text" else decode_sec_content
    if not vector["expected_valid"]:
        with pytest.raises(InvalidSec):
            reader(vector["input"])
        return
    sec = reader(vector["input"])
    fields = sec.as_fields()
    names = {
        "countryIdentifier": "sec_country",
        "tissueEstablishmentCode": "sec_tissue_establishment_code",
        "uniqueDonationNumber": "sec_unique_donation_number",
        "codingSystemIdentifier": "sec_coding_system",
        "productCode": "sec_product_code",
        "splitNumber": "sec_split_number",
        "expiryDate": "sec_expiry_date",
    }
    for name, value in vector["expected"].items():
        if name in names:
            assert fields[names[name]] == value, name
    if vector["kind"] == "sec_text":
        assert parse_scan(vector["input"]).valid


def _check(vector: dict[str, Any]) -> None:
    kind, text, expected = vector["kind"], vector["input"], vector["expected"]
    if kind == "din_check_character":
        assert mod37_2.check_character(text) == expected["check_character"]
        assert mod37_2.check_value(text) == expected["mod37_2_value"]
    elif kind == "din_type3_flag":
        assert type3_flag(text) == expected["flag_characters"]
    elif kind == "basic_udi_di_checksum":
        assert basic_udi_di_checksum(text) == expected["checksum"]
    elif kind == "basic_udi_di_verify":
        assert is_valid_basic_udi_di(text) is vector["expected_valid"]
    elif kind in {"data_structure", "concatenated_pair", "compound_message"}:
        _check_message(vector)
    elif kind in {"sec_text", "sec_content_ds038_body"}:
        _check_sec(vector)
    else:
        pytest.fail(f"vector kind {kind!r} is not handled")


@pytest.mark.skipif(not VECTORS, reason=f"ISBT 128 corpus not found at {CORPUS}")
@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['kind']}:{v['input'][:40]}")
def test_vector(vector: dict[str, Any]) -> None:
    _check(vector)


@pytest.mark.skipif(not VECTORS_FILE.is_file(), reason=f"ISBT 128 corpus not found at {CORPUS}")
def test_derived_din_check_characters() -> None:
    derived = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))[
        "derived_din_check_characters_NOT_third_party"
    ]
    for row in derived:
        report = {
            "check_character": mod37_2.check_character(row["din13"]),
            "check_value": mod37_2.check_value(row["din13"]),
            "type3_flag": type3_flag(row["din13"]),
        }
        assert report == {
            "check_character": row["check_character"],
            "check_value": row["mod37_2_value"],
            "type3_flag": row["type3_flag"],
        }
