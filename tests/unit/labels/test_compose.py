"""Writing ISBT 128 data structures and compound messages that our own reader reads back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.isbt128 import CoiIdentifier, Din, parse_isbt128
from labels.isbt128.compose import (
    coi_structure,
    collection_structure,
    compound_message,
    din_structure,
    expiry_structure,
    patient_birth_date_structure,
    patient_id_structure,
    product_code_structure,
)
from labels.isbt128.din import type3_flag
from labels.scan import parse_scan

FIN = r"[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}"
fins = st.from_regex(FIN, fullmatch=True)
two_digits = st.from_regex(r"[0-9]{2}", fullmatch=True)
moments = st.datetimes(  # ISBT 128 `cyyjjj` dates run from 2000 to 2999
    min_value=dt.datetime.fromisoformat("2000-01-01T00:00"),
    max_value=dt.datetime.fromisoformat("2999-12-31T23:59"),
    timezones=st.just(dt.UTC),
)
product_codes = st.from_regex(r"[A-Z][A-Z0-9]{4}[A-Za-z0-9][A-Z0-9][a-z0-9]", fullmatch=True)
patient_ids = st.from_regex(r"[A-Za-z0-9]{1,99}", fullmatch=True)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31))


@st.composite
def dins(draw: st.DrawFn) -> Din:
    din = Din(draw(fins), draw(two_digits), draw(st.from_regex(r"[0-9]{6}", fullmatch=True)))
    return din.with_type3_flag() if draw(st.booleans()) else din


@st.composite
def cois(draw: st.DrawFn) -> CoiIdentifier:
    sequence = draw(st.from_regex(r"[A-Z0-9]{6}", fullmatch=True))
    return CoiIdentifier(draw(fins), draw(two_digits), sequence)


def _minutes(moment: dt.datetime) -> str:
    """The reader's form of a label date-time: wall clock, no zone."""
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


@pytest.mark.parametrize(
    ("structure", "expected"),
    [
        (din_structure(Din("G1234", "17", "654321", "70")), "=G12341765432170"),
        (product_code_structure("S1234100"), "=<S1234100"),
        (expiry_structure(dt.datetime(2025, 12, 31, 23, 59, tzinfo=dt.UTC)), "&>0253652359"),
        (collection_structure(dt.datetime(2024, 1, 1, 8, 30, tzinfo=dt.UTC)), "&*0240010830"),
        (patient_birth_date_structure(dt.date(1975, 2, 28), "01"), "=#0119750228"),
        (patient_id_structure("ABC12", "01"), "&#0105ABC12"),
        (coi_structure(CoiIdentifier("G1234", "98", "654321")), "&/CHG123498654321"),
    ],
)
def test_writers_match_the_reader_vectors(structure: str, expected: str) -> None:
    assert structure == expected
    assert parse_isbt128(structure).valid


def test_compound_header_counts_the_structures_that_follow() -> None:
    din = Din("G1234", "17", "654321").with_type3_flag()
    text = compound_message([din_structure(din), "=<S1234100", "&>0253652359"])
    assert text == "=+03000=G12341765432170=<S1234100&>0253652359"
    message = parse_isbt128(text)
    assert message.valid
    assert (message.declared_count, message.sequence_code) == (3, "000")


def test_compound_takes_a_sequence_code() -> None:
    assert compound_message(["=<S1234100"], "012").startswith("=+01012")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: product_code_structure("S12340"), "8 characters"),
        (lambda: product_code_structure("s1234100"), "8 characters"),
        (lambda: patient_id_structure("MRN-123"), "A-Z, a-z or 0-9"),
        (lambda: patient_id_structure("A" * 100), "1-99"),
        (lambda: patient_id_structure(""), "1-99"),
        (lambda: patient_id_structure("ABC", "1"), "location code"),
        (lambda: patient_birth_date_structure(dt.date(1960, 1, 1), "AB"), "location code"),
        (lambda: compound_message([]), "1-99"),
        (lambda: compound_message(["=<S1234100"] * 100), "1-99"),
        (lambda: compound_message(["=<S1234100"], "00"), "three digits"),
        (lambda: compound_message(["=<S12"]), "truncated"),
        (lambda: compound_message(["=<S1234100", "=+01000=<S1234100"]), "must come first"),
        (lambda: compound_message(["&>0253662359"]), "day of year 366"),
        (lambda: compound_message(["&xLOCAL"]), "nationally defined"),
        (lambda: compound_message(["=<S1234100=<S1234100"]), "2 follow"),
        (lambda: compound_message(["=<S1234100extra"]), "is not '=' or '&'"),
    ],
)
def test_writers_refuse_what_would_not_read_back(call: Callable[[], str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@settings(max_examples=300, deadline=None)
@given(
    din=dins(),
    product_code=product_codes,
    collected=moments,
    expires=moments,
    coi=cois(),
    born=births,
    patient_id=patient_ids,
    location=two_digits,
)
def test_compound_message_reads_back_every_field(
    din: Din,
    product_code: str,
    collected: dt.datetime,
    expires: dt.datetime,
    coi: CoiIdentifier,
    born: dt.date,
    patient_id: str,
    location: str,
) -> None:
    structures = [
        din_structure(din),
        product_code_structure(product_code),
        collection_structure(collected),
        expiry_structure(expires),
        coi_structure(coi),
        patient_birth_date_structure(born, location),
        patient_id_structure(patient_id, location),
    ]
    message = parse_isbt128(compound_message(structures))
    assert message.valid, message.errors
    assert message.numbers == ("023", "001", "003", "007", "005", "040", "024", "025")
    fields = [s.fields for s in message.structures]
    assert fields[0] == {"compound_count": "07", "compound_sequence": "000"}
    assert (fields[1]["din"], fields[1]["flag"]) == (din.din, din.flag)
    assert fields[1]["check_character"] == din.check_character
    assert fields[2]["product_code"] == product_code
    assert fields[3]["collection"] == _minutes(collected)
    assert fields[4]["expiry"] == _minutes(expires)
    assert fields[5] == {"coi": coi.code, "check_character": coi.check_character}
    assert fields[6] == {
        "patient_birth_date": born.isoformat(),
        "patient_birth_date_location": location,
    }
    assert fields[7] == {"patient_id_location": location, "patient_id": patient_id}


@settings(max_examples=200, deadline=None)
@given(
    structures=st.lists(
        st.sampled_from(["din", "product", "collected", "coi"]), min_size=1, max_size=20
    )
)
def test_any_selection_of_structures_reads_back_in_order(structures: list[str]) -> None:
    din = Din("G1234", "25", "000007")
    writers = {
        "din": din_structure(din.with_type3_flag()),
        "product": product_code_structure("S1234100"),
        "collected": collection_structure(dt.datetime(2025, 7, 31, 10, 30, tzinfo=dt.UTC)),
        "coi": coi_structure(CoiIdentifier("G1234", "25", "000001")),
    }
    text = compound_message([writers[name] for name in structures])
    scan = parse_scan("]Q1" + text)
    assert scan.kind == "isbt128"
    assert scan.valid, scan.errors
    assert tuple(s.text for s in parse_isbt128(text).structures[1:]) == tuple(
        writers[name] for name in structures
    )


@given(din=dins())
def test_din_structure_keeps_a_type3_flag_consistent(din: Din) -> None:
    message = parse_isbt128(din_structure(din))
    assert message.valid
    if din.flag != "00":
        assert message.structures[0].fields["flag"] == type3_flag(din.din)
