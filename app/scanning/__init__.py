"""Scans: the verification rules, the scan service, refused-scan alarms and scanner input rules."""

from __future__ import annotations

from app.scanning.alarms import ScanAcknowledgement, acknowledge_scan_refusal
from app.scanning.rules import Expectation
from app.scanning.service import UNIT_KIND_NAMES, ScanVerdict, check_scan, verify_scan

__all__ = [
    "UNIT_KIND_NAMES",
    "Expectation",
    "ScanAcknowledgement",
    "ScanVerdict",
    "acknowledge_scan_refusal",
    "check_scan",
    "verify_scan",
]
