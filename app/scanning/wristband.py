"""The bedside wristband: a patient identifier the hospital issued, never a product code.

DESIGN.md §5, "bedside identity is two independent sources": the wristband must carry a
hospital-issued identifier of the enrolled patient, and the bag the DIN of a final bag of the
case. A wristband identifier is one of

- ISBT 128 data structure 025 (patient identification number), compared with the hospital
  number recorded at enrolment;
- GS1 AI 8018 (GSRN, service relation number of the recipient). A clinic that bands its
  patients with GSRNs enrols the patient's 18-digit GSRN as the hospital number, so the GSRN
  read must equal the hospital number;
- the clinic site's MRN bar-code pattern (a regular expression the administrator sets), whose
  group ``mrn`` (or its only group, or the whole code) must equal the hospital number.

A COI alone, or any code that carries a DIN, a product code or a print serial, or that a label
this database printed carries, is refused: the same label cannot stand for both sources. A
clinic whose wristbands also carry the COI may require it in addition, never instead.
Messages never repeat the identifier read.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.scanning.wording import grouped, wrong_coi
from labels.scan import parse_scan

if TYPE_CHECKING:
    from app.scanning.rules import Expectation, ScannedIdentity

MRN_PATTERN_LONGEST = 200
"""The longest MRN bar-code pattern an administrator may set (characters)."""
MRN_CODE_LONGEST = 64
"""Longer scans are never matched against the MRN pattern (a hospital number is short)."""

SCAN_THE_WRISTBAND = "scan the patient's wristband (hospital number)"
PRODUCT_LABEL = (
    f"This is a product label, not a wristband: {SCAN_THE_WRISTBAND}. A code printed on a "
    "product label never identifies the patient."
)
COI_ALONE = (
    f"This is the COI, not a wristband: {SCAN_THE_WRISTBAND}. The COI is on every label of "
    "the case, so it cannot confirm who the patient is."
)
NO_PATIENT_IDENTIFIER = (
    f"This code carries no patient identifier issued by the hospital: {SCAN_THE_WRISTBAND} "
    "(ISBT 128 patient identification number, GS1 service relation number, or this clinic's "
    "MRN bar code)."
)
NO_MRN_PATTERN = (
    "This is plain text, not a wristband's bar code, and this clinic reads no hospital number "
    "from plain text: no MRN bar-code pattern is set for it (your administrator sets it under "
    "Administration › Sites)."
)
"""Said when a hospital number is typed (or a plain bar code scanned) at a clinic with no MRN
pattern (issue 16: the number typed as printed was refused as "could not be read")."""
PLAIN_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{2,39}")
"""What a hospital number typed or scanned as plain text may look like."""
SAME_CODE_TWICE = (
    "The same code was scanned as the wristband and as the bag: the wristband and the bag are "
    f"two independent checks. {SCAN_THE_WRISTBAND[0].upper()}{SCAN_THE_WRISTBAND[1:]}, then "
    "the DIN on the bag."
)
COI_ALSO_NEEDED = (
    "This clinic's wristbands carry the COI as well as the hospital number, and this code has "
    "no COI: scan the wristband's code that carries both."
)


@dataclass(frozen=True)
class WristbandRules:
    """How a clinic's wristbands identify the patient (the clinic site's settings)."""

    mrn_pattern: str | None = None
    coi_required: bool = False

    def as_dict(self) -> dict[str, object]:
        """Plain data stored with the scan record."""
        return {"mrn_pattern": self.mrn_pattern, "coi_required": self.coi_required}


def mrn_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a site's MRN bar-code pattern; None when it can."""
    if not pattern.strip():
        return "The MRN bar-code pattern is empty: leave the field blank to set none."
    if len(pattern) > MRN_PATTERN_LONGEST:
        return (
            f"The MRN bar-code pattern is {len(pattern)} characters long; at most "
            f"{MRN_PATTERN_LONGEST} are allowed."
        )
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"The MRN bar-code pattern is not a valid regular expression: {exc}."
    if compiled.fullmatch("") is not None:
        return (
            "The MRN bar-code pattern matches an empty scan: make it require the hospital "
            r"number's characters, e.g. MRN(?P<mrn>[0-9]{7})."
        )
    if compiled.groups > 1 and "mrn" not in compiled.groupindex:
        return (
            "The MRN bar-code pattern has several groups: name the one that holds the hospital "
            "number (?P<mrn>...)."
        )
    if _nested_repeat(_parse(pattern)):
        return (
            "The MRN bar-code pattern repeats a group that itself repeats or has alternatives "
            "(e.g. (a+)+): such a pattern can take hours on one scan. Write it without nesting."
        )
    return None


def _parse(pattern: str) -> Any:
    # The standard library's own regular-expression parser (private, untyped).
    return importlib.import_module("re._parser").parse(pattern)


def _nested_repeat(parsed: Any, inside_repeat: bool = False) -> bool:
    """True when a repeat holds another repeat or an alternation (catastrophic backtracking)."""
    constants = importlib.import_module("re._constants")
    repeats = {constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT}
    for op, av in parsed:
        if op in repeats:
            _low, high, sub = av
            if inside_repeat or _nested_repeat(sub, high > 1):
                return True
        elif op is constants.BRANCH:
            if inside_repeat or any(_nested_repeat(b, inside_repeat) for b in av[1]):
                return True
        elif op is constants.SUBPATTERN:
            if _nested_repeat(av[3], inside_repeat):
                return True
        elif op in {constants.ASSERT, constants.ASSERT_NOT}:
            if _nested_repeat(av[1], inside_repeat):
                return True
        elif op in {constants.GROUPREF, constants.GROUPREF_EXISTS}:
            return True  # back-references are never needed to read a hospital number
    return False


def mrn_of(text: str, pattern: str | None) -> str | None:
    """The hospital number the site's MRN pattern reads from ``text``; None when none."""
    if not pattern or not text or len(text) > MRN_CODE_LONGEST:
        return None
    try:
        match = re.fullmatch(pattern, text)
    except re.error:  # a pattern stored before validation: no MRN read, never a traceback
        return None
    if match is None:
        return None
    if "mrn" in match.re.groupindex:
        return match.group("mrn") or None
    if match.re.groups == 1:
        return match.group(1) or None
    return match.group(0)


def judge_wristband(
    scanned: ScannedIdentity, expected: Expectation, *, printed_here: bool = False
) -> tuple[str, ...]:
    """Every reason a scan is not this patient's wristband; empty when it is.

    ``printed_here`` says the scanned text is what a label this database printed carries.
    """
    rules = expected.wristband
    reasons: list[str] = []
    if expected.distinct_from is not None and _same_text(scanned.text, expected.distinct_from):
        reasons.append(SAME_CODE_TWICE)
    read = (scanned.patient_identifier, scanned.gsrn) if scanned.valid else ()
    identifiers = [i for i in read if i is not None]  # a damaged code identifies no one
    if not identifiers:
        mrn = mrn_of(scanned.text, rules.mrn_pattern)
        identifiers = [mrn] if mrn is not None else []
    if scanned.din or scanned.product_code or scanned.print_serial:
        return (*reasons, PRODUCT_LABEL)
    if not identifiers and scanned.coi is not None:
        reasons.append(COI_ALONE)
        if scanned.coi != expected.coi:
            reasons.append(wrong_coi(scanned.coi, expected.description, expected.coi))
        return tuple(reasons)
    if printed_here:
        return (*reasons, PRODUCT_LABEL)
    if not identifiers:
        if not rules.mrn_pattern and PLAIN_TEXT.fullmatch(scanned.text):
            return (*reasons, f"{NO_MRN_PATTERN} {NO_PATIENT_IDENTIFIER}")
        if not scanned.valid:
            detail = "; ".join(scanned.errors)[:200].rstrip(".") or "not a code COI Tracker reads"
            return (*reasons, f"The scan could not be read: {detail}. {NO_PATIENT_IDENTIFIER}")
        return (*reasons, NO_PATIENT_IDENTIFIER)
    if any(i not in expected.patient_identifiers for i in identifiers):
        reasons.append(
            "WRONG PATIENT: this is a wristband of another patient, not of the patient of COI "
            f"{grouped(expected.coi)}. Stop, check the patient's identity and call your "
            "supervisor."
        )
    elif scanned.coi is not None and scanned.coi != expected.coi:
        reasons.append(wrong_coi(scanned.coi, expected.description, expected.coi))
    elif rules.coi_required and scanned.coi is None:
        reasons.append(COI_ALSO_NEEDED)
    return tuple(reasons)


def _same_text(scanned_text: str, other_raw: str) -> bool:
    other = parse_scan(other_raw).data
    return bool(scanned_text) and scanned_text in {other, other_raw}
