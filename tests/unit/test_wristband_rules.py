"""The bedside wristband rules: a hospital-issued identifier of this patient, never a label's.

Every way a scan can pose as a wristband: the COI alone, a code carrying a DIN, a product code
or a print serial, a code a label printed here carries, the bag's own scan, another patient's
identifier (never echoed), and the MRN patterns an administrator may and may not set.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scanning.rules import Expectation, ScannedIdentity, identify, judge
from app.scanning.wording import grouped
from app.scanning.wristband import (
    COI_ALONE,
    COI_ALSO_NEEDED,
    MRN_CODE_LONGEST,
    MRN_PATTERN_LONGEST,
    NO_MRN_PATTERN,
    NO_PATIENT_IDENTIFIER,
    PRODUCT_LABEL,
    SAME_CODE_TWICE,
    WristbandRules,
    mrn_of,
    mrn_pattern_problem,
)
from labels.gs1 import build_gsrn
from labels.isbt128 import build_coi, build_din
from labels.isbt128.compose import compound_message, patient_id_structure
from labels.scan import parse_scan

COI = build_coi("G1234", 2026, 1).code
OTHER_COI = build_coi("G1234", 2026, 2).code
DIN = build_din("G1234", 26, 123).din
NUMBER = "NBH200001"
GSRN = build_gsrn("0950110", 1)


def wristband(rules: WristbandRules | None = None, **changes: object) -> Expectation:
    values: dict[str, object] = {
        "purpose": "bedside wristband",
        "description": "this patient's wristband",
        "coi": COI,
        "wants": "patient",
        "patient_identifiers": frozenset({NUMBER, GSRN}),
        "wristband": rules or WristbandRules(),
    }
    values.update(changes)
    return Expectation(**values)  # type: ignore[arg-type]


def reasons_for(text: str, expected: Expectation | None = None, **kwargs: bool) -> tuple[str, ...]:
    return judge(identify(parse_scan(text)), None, expected or wristband(), **kwargs)


def test_this_patients_025_and_8018_pass() -> None:
    assert reasons_for(patient_id_structure(NUMBER)) == ()
    assert reasons_for(f"]C0{patient_id_structure(NUMBER, '07')}\r\n") == ()
    assert reasons_for(f"(8018){GSRN}") == ()
    assert reasons_for(f"]C18018{GSRN}") == ()


def test_another_patients_identifier_is_never_echoed() -> None:
    other_gsrn = build_gsrn("0950110", 2)
    for text, number in (
        (patient_id_structure("NBH200002"), "NBH200002"),
        (
            f"(8018){other_gsrn}",
            other_gsrn,
        ),
    ):
        (reason,) = reasons_for(text)
        assert reason.startswith("WRONG PATIENT: this is a wristband of another patient")
        assert number not in reason and grouped(COI) in reason


def test_the_coi_alone_is_refused_and_another_cases_coi_also_named() -> None:
    assert reasons_for(f"&/{COI}") == (COI_ALONE,)
    coi_alone, wrong = reasons_for(f"&/{OTHER_COI}")
    assert coi_alone == COI_ALONE and wrong.startswith("WRONG PATIENT: this carries COI")


@pytest.mark.parametrize(
    "text",
    [
        f"={DIN}00",
        "=<E0001V00",
        compound_message([patient_id_structure(NUMBER), f"={DIN}00"]),
        compound_message([patient_id_structure(NUMBER), "=<E0001V00"]),
        compound_message([patient_id_structure(NUMBER), "&,2ZZ0000000000000001"]),
        compound_message([f"&/{COI}", "&,2ZZ0000000000000001"]),
    ],
)
def test_a_code_carrying_a_din_product_code_or_print_serial_is_a_product_label(text: str) -> None:
    assert reasons_for(text) == (PRODUCT_LABEL,)


def test_a_code_a_label_printed_here_carries_is_a_product_label() -> None:
    assert reasons_for(patient_id_structure(NUMBER), printed_here=True) == (PRODUCT_LABEL,)
    assert reasons_for(f"&/{COI}", printed_here=True) == (COI_ALONE,)  # the COI says so first


def test_the_bags_scan_cannot_serve_as_the_wristband() -> None:
    text = patient_id_structure(NUMBER)
    assert reasons_for(text, wristband(distinct_from=text)) == (SAME_CODE_TWICE,)
    assert reasons_for(text, wristband(distinct_from=f"]C0{text}\r")) == (SAME_CODE_TWICE,)
    assert reasons_for(text, wristband(distinct_from=f"={DIN}00")) == ()
    assert reasons_for(f"={DIN}00", wristband(distinct_from=f"={DIN}00")) == (
        SAME_CODE_TWICE,
        PRODUCT_LABEL,
    )
    assert reasons_for("", wristband(distinct_from=""))[0].startswith("The scan could not")


def test_a_hospital_number_typed_at_a_clinic_without_an_mrn_pattern_says_so() -> None:
    """Issue 16: the number typed as printed was refused as "could not be read"."""
    (typed,) = reasons_for(NUMBER)
    assert typed == f"{NO_MRN_PATTERN} {NO_PATIENT_IDENTIFIER}" and NUMBER not in typed
    # With the clinic's pattern set, the same text is read, and another number is refused.
    rules = WristbandRules(mrn_pattern=r"NBH[0-9]{6}")
    assert reasons_for(NUMBER, wristband(rules)) == ()
    assert reasons_for("NBH999999", wristband(rules))[0].startswith("WRONG PATIENT")
    # Text no hospital number can be is still unreadable, in words.
    assert reasons_for("garbage!")[0].startswith("The scan could not be read")


def test_codes_without_a_patient_identifier() -> None:
    assert reasons_for("(00)095011010000000018") == (NO_PATIENT_IDENTIFIER,)
    assert reasons_for(f"(8017){GSRN}") == (NO_PATIENT_IDENTIFIER,)
    (unreadable,) = reasons_for("garbage!")
    assert unreadable.startswith("The scan could not be read: not an ISBT 128")
    assert unreadable.endswith(NO_PATIENT_IDENTIFIER)
    bare = judge(ScannedIdentity("unknown", False), None, wristband())
    assert "not a code COI Tracker reads" in bare[0]
    # A damaged code identifies no one, even if a patient identifier can be picked out.
    (damaged,) = reasons_for("&#00" + "9" * 200)
    assert damaged.startswith("The scan could not be read") and len(damaged) < 600


def test_the_coi_in_addition_when_the_clinic_says_so() -> None:
    rules = WristbandRules(coi_required=True)
    patient = patient_id_structure(NUMBER)
    assert reasons_for(patient, wristband(rules)) == (COI_ALSO_NEEDED,)
    assert reasons_for(f"&/{COI}", wristband(rules)) == (COI_ALONE,)
    assert reasons_for(compound_message([patient, f"&/{COI}"]), wristband(rules)) == ()
    (wrong,) = reasons_for(compound_message([patient, f"&/{OTHER_COI}"]), wristband(rules))
    assert wrong.startswith("WRONG PATIENT: this carries COI")
    # Without the setting a wristband carrying this case's COI too is still fine.
    assert reasons_for(compound_message([patient, f"&/{COI}"])) == ()


def test_the_mrn_pattern_reads_the_hospital_number() -> None:
    named = WristbandRules(mrn_pattern=r"MRN(?P<mrn>NBH[0-9]{6})")
    assert reasons_for(f"MRN{NUMBER}", wristband(named)) == ()
    assert reasons_for(f"MRN{NUMBER}") != ()  # no pattern set: not read
    assert reasons_for("MRNNBH200002", wristband(named))[0].startswith("WRONG PATIENT")
    # The pattern never reads a code that carries a patient identifier or the COI.
    anything = WristbandRules(mrn_pattern=r".+")
    assert reasons_for(patient_id_structure(NUMBER), wristband(anything)) == ()
    assert reasons_for(f"&/{COI}", wristband(anything))[0].startswith("WRONG PATIENT")


def test_mrn_of_reads_the_named_group_the_only_group_or_the_whole_code() -> None:
    assert mrn_of("MRN123", r"MRN(?P<mrn>[0-9]+)") == "123"
    assert mrn_of("MRN123", r"MRN([0-9]+)") == "123"
    assert mrn_of("NBH123", r"NBH[0-9]+") == "NBH123"
    assert mrn_of("MRN", r"MRN(?P<mrn>[0-9]*)") is None  # an empty number is none
    assert mrn_of("MRN", r"MRN([0-9]*)") is None
    assert mrn_of("MRN123", None) is None
    assert mrn_of("", r"[0-9]+") is None
    assert mrn_of("1" * (MRN_CODE_LONGEST + 1), r"[0-9]+") is None
    assert mrn_of("X123", r"[0-9]+") is None
    assert mrn_of("123", r"([0-9]+") is None  # a broken stored pattern reads nothing


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("   ", "is empty"),
        ("M" * (MRN_PATTERN_LONGEST + 1), "at most 200"),
        ("MRN([0-9]+", "not a valid regular expression"),
        ("[0-9]*", "matches an empty scan"),
        ("(MRN)([0-9]+)", "name the one that holds"),
        ("(a+)+$", "without nesting"),
        ("(?:[0-9]{2})+", "without nesting"),
        ("(?:ab|a)+", "without nesting"),
        ("MRN(?=(a+)+)", "without nesting"),
        ("x|(a+)+", "without nesting"),
        ("([0-9])\\1", "without nesting"),
        ("(?P<mrn>[0-9])(?(mrn)x|y)", "without nesting"),
    ],
)
def test_mrn_patterns_an_administrator_cannot_set(pattern: str, words: str) -> None:
    problem = mrn_pattern_problem(pattern)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    "pattern",
    [r"MRN(?P<mrn>[0-9]{7})", r"NBH[0-9]{6}", r"(?P<site>[A-Z]{3})-(?P<mrn>[0-9]+)", r"[0-9]+"],
)
def test_mrn_patterns_an_administrator_can_set(pattern: str) -> None:
    assert mrn_pattern_problem(pattern) is None


@given(st.text(max_size=80))
def test_any_text_gives_reasons_or_a_match_never_an_exception(text: str) -> None:
    rules = WristbandRules(mrn_pattern=r"MRN(?P<mrn>NBH[0-9]{6})", coi_required=False)
    for reason in reasons_for(text, wristband(rules, distinct_from=text)):
        assert NUMBER not in reason
