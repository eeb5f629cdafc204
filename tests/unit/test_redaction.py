"""Patient identity taken out of scan text (labels.redaction): what goes, what stays and parses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from labels.gs1 import build_gsrn
from labels.isbt128 import compose
from labels.isbt128.coi import build_coi
from labels.redaction import IDENTITY_REMOVED, redact_identity, scrubbed
from labels.scan import parse_scan

DIN = "=A99992612345600"
COI = build_coi("G1234", 26, 1)
BORN = date(1971, 3, 9)
NUMBER = "ZQX991177"
IDENTITY_FORMS = ("19710309", "1971-03-09", "09/03/1971", NUMBER)


def _bag_code(*, identity_first: bool = False) -> str:
    identity = [compose.patient_birth_date_structure(BORN), compose.patient_id_structure(NUMBER)]
    product = [
        DIN,
        compose.product_code_structure("S1234V00"),
        compose.expiry_structure(datetime(2027, 1, 1, 12, 0, tzinfo=UTC)),
        COI.data_structure,
    ]
    return compose.compound_message(identity + product if identity_first else product + identity)


@pytest.mark.parametrize("identity_first", [False, True])
def test_a_compound_message_loses_date_of_birth_and_hospital_number_and_keeps_the_rest(
    identity_first: bool,
) -> None:
    raw = "]Q1" + _bag_code(identity_first=identity_first) + "\r\n"
    redacted = redact_identity(raw)
    assert redacted.kinds == ("patient date of birth", "patient identification number")
    for form in IDENTITY_FORMS:
        assert form not in redacted.text
    assert redacted.text.count(IDENTITY_REMOVED) == 1
    fields = parse_scan(redacted.text).fields
    assert fields["din"] == "A999926123456"
    assert fields["product_code"] == "S1234V00"
    assert fields["expiry_date"] == "2027-01-01"
    assert fields["coi"] == COI.code
    assert fields["compound_count"] == "04"  # six structures declared, two taken out
    assert "024" not in fields["data_structures"] and "025" not in fields["data_structures"]


def test_a_wristband_alone_is_removed_whole() -> None:
    redacted = redact_identity(compose.patient_id_structure(NUMBER))
    assert redacted.text == IDENTITY_REMOVED
    assert NUMBER in redacted.values


@pytest.mark.parametrize(
    "form",
    ["(01)09506000134352(8018){gsrn}", "]C18018{gsrn}", "https://id.example.org/8018/{gsrn}"],
)
def test_a_gsrn_of_a_patient_is_removed_in_every_gs1_form(form: str) -> None:
    gsrn = build_gsrn("5901234", "1234567890")
    redacted = redact_identity(form.format(gsrn=gsrn))
    assert gsrn not in redacted.text
    assert redacted.text.endswith(IDENTITY_REMOVED)
    assert redacted.kinds == ("GSRN of a patient",)


def test_a_site_mrn_pattern_removes_the_whole_wristband() -> None:
    redacted = redact_identity("MRN1234567", mrn_patterns=["(", r"MRN(?P<mrn>[0-9]{7})"])
    assert redacted.text == IDENTITY_REMOVED
    assert redact_identity("MRN1234567").text == "MRN1234567"  # no pattern, nothing read


@pytest.mark.parametrize("code", [DIN, COI.data_structure, "(00)059012340000000017", "junk"])
def test_a_code_without_identity_is_kept_as_it_is(code: str) -> None:
    assert redact_identity(code).text == code
    assert not redact_identity(code).removed


def test_messages_are_scrubbed_of_every_form_read_in_any_case() -> None:
    redacted = redact_identity(_bag_code())
    message = f"The scan “{NUMBER.lower()}” born 09/03/1971 (1971-03-09, 19710309) was refused."
    cleaned = scrubbed(message, redacted.values)
    for form in IDENTITY_FORMS:
        assert form.lower() not in cleaned.lower()
    assert cleaned.startswith("The scan “[patient identity removed]”")
