"""Audit values in words (app.audit.wording): labels for column names, names for user ids."""

from __future__ import annotations

import uuid

from app.audit.queries import record_type_name
from app.audit.wording import action_in_words, field_label, readable_changes, value_in_words

ASHA = str(uuid.uuid4())
CLINIC = str(uuid.uuid4())
PEOPLE = {ASHA: "Dr A. Smith", CLINIC: "Northbridge University Hospital"}
DIGEST = "ab" * 32


def _words(record_type: str, name: str, value: object) -> str:
    return value_in_words(record_type, name, value, PEOPLE, record_type_name)


def test_column_names_become_field_labels() -> None:
    assert field_label("reviewed_by_id") == "Reviewed by"
    assert field_label("record_digest") == "Signed record digest"
    assert field_label("coi") == "COI"
    assert field_label("qc_result_id") == "QC result"
    assert field_label("status") == "Status"


def test_user_ids_become_names_and_other_ids_their_record_type() -> None:
    assert _words("qc_result", "reviewed_by_id", ASHA) == "Dr A. Smith"
    assert _words("qc_result", "reviewed_by_id", ASHA.upper()) == "Dr A. Smith"  # wrong case
    gone = str(uuid.uuid4())
    assert _words("qc_result", "reviewed_by_id", gone) == f"user {gone[:8]}…"  # never dropped
    case = str(uuid.uuid4())
    assert _words("qc_result", "case_id", case) == f"Case {case[:8]}…"
    # Every versioned row's last editor, a user id with no foreign key: a name too.
    assert _words("therapy_case", "updated_by_id", ASHA) == "Dr A. Smith"
    assert _words("therapy_case", "updated_by_id", gone) == f"user {gone[:8]}…"
    # A record with a name (a site, a product) by its name.
    assert _words("therapy_case", "clinic_site_id", CLINIC) == "Northbridge University Hospital"
    assert _words("therapy_case", "manufacturing_site_id", case) == f"Site {case[:8]}…"
    # An id in a field that references nothing (a record's own id): shortened, never a name.
    assert _words("qc_result", "value_text", ASHA) == f"{ASHA[:8]}…"


def test_digests_are_shortened_and_labelled_and_other_values_kept() -> None:
    assert _words("signature", "record_digest", DIGEST) == f"SHA-256 {DIGEST[:12]}…"
    assert _words("signature", "record_digest", "not hex") == "not hex"
    assert _words("patient_identity", "birth_mac", DIGEST) == f"HMAC {DIGEST[:12]}…"
    assert field_label("hospital_number_mac") == "Hospital number (keyed digest)"
    assert _words("signature", "comment", DIGEST) == DIGEST  # not a digest field
    assert _words("qc_result", "passed", True) == "yes"
    assert _words("qc_result", "value", None) == "—"
    assert _words("qc_result", "value", {"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


def test_readable_changes_keep_the_stored_values() -> None:
    changes = readable_changes(
        "qc_result", {"reviewed_by_id": None}, {"reviewed_by_id": ASHA}, PEOPLE, record_type_name
    )
    assert [(c.label, c.old, c.new) for c in changes] == [("Reviewed by", "—", "Dr A. Smith")]
    assert (changes[0].field, changes[0].new_stored) == ("reviewed_by_id", ASHA)


def test_utc_times_are_printed_as_the_trail_prints_them() -> None:
    assert _words("signature", "signed_at", "2026-12-06T22:29:41.644263Z") == (
        "2026-12-06 22:29:41 UTC"
    )
    assert _words("signature", "comment", "2026-12-06T25:00:00Z") == "2026-12-06T25:00:00Z"
    assert _words("signature", "comment", "2026-12-06") == "2026-12-06"  # a date stays a date


def test_dispositions_are_words_as_elsewhere() -> None:
    """Issue 16 review: the detail showed "Disposition: accept"."""
    assert _words("logger_file", "disposition", "accept") == "Accepted"
    assert _words("logger_file", "disposition", "reject") == "Rejected"
    assert _words("logger_file", "disposition", "later") == "later"  # not one: as stored
    assert action_in_words("disposition reject") == "rejected by QA"
    assert action_in_words("cold chain dispositioned accept") == "cold chain accepted by QA"
