"""Scans: the verification rules, the scan service, refused-scan alarms, and the scanner input
rules (keyboard-wedge entries, scanner settings, entries read from images)."""

from __future__ import annotations

from app.scanning.alarms import ScanAcknowledgement, acknowledge_scan_refusal
from app.scanning.entries import ImageReading, ScanEntry, camera_entry, image_reading
from app.scanning.raw_text import (
    GS,
    LONGEST_SCAN,
    SEPARATORS,
    scan_text_problem,
    shortened,
    shown,
)
from app.scanning.rules import Expectation
from app.scanning.service import (
    UNIT_KIND_NAMES,
    ScanVerdict,
    check_label_print_scan,
    check_scan,
    checked_scan_text,
    record_refused_scan,
    refuse_scan,
    verify_scan,
)
from app.scanning.settings import ScannerSettings
from app.scanning.wedge import (
    AIM_PREFIX,
    GS_SHOWN,
    LONGEST_ENTRY,
    Keystroke,
    WedgeReader,
    WedgeScan,
    case_coi,
    entry_problem,
    names_only_coi,
)
from app.scanning.wording import din_words, says_set_aside
from app.scanning.wristband import (
    MRN_PATTERN_LONGEST,
    WristbandRules,
    mrn_of,
    mrn_pattern_problem,
)

__all__ = [
    "AIM_PREFIX",
    "GS",
    "GS_SHOWN",
    "LONGEST_ENTRY",
    "LONGEST_SCAN",
    "MRN_PATTERN_LONGEST",
    "SEPARATORS",
    "UNIT_KIND_NAMES",
    "Expectation",
    "ImageReading",
    "Keystroke",
    "ScanAcknowledgement",
    "ScanEntry",
    "ScanVerdict",
    "ScannerSettings",
    "WedgeReader",
    "WedgeScan",
    "WristbandRules",
    "acknowledge_scan_refusal",
    "camera_entry",
    "case_coi",
    "check_label_print_scan",
    "check_scan",
    "checked_scan_text",
    "din_words",
    "entry_problem",
    "image_reading",
    "mrn_of",
    "mrn_pattern_problem",
    "names_only_coi",
    "record_refused_scan",
    "refuse_scan",
    "says_set_aside",
    "scan_text_problem",
    "shortened",
    "shown",
    "verify_scan",
]
