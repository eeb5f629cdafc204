"""Agree with the GS1 Barcode Syntax Engine's vectors (shared/corpora/gs1-element-strings).

Only vectors that need no non-default engine option are used. `biip` (our GS1 reader) does not
carry every GS1 linter; the vectors that need one are listed below by reason and run as strict
xfails, so a change in agreement either way is noticed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from labels.gs1 import GS, Gs1Data, parse_bracketed, parse_digital_link, parse_element_strings
from labels.scan import parse_scan

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "gs1-element-strings"
VECTORS_FILE = CORPUS / "gs1_vectors.json"
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")

# GS1 linters that biip does not implement (GS1 Barcode Syntax Dictionary `linters`): coupon
# structure (8110/8112), IBAN (8007), ISO 3166/4217 code lists, latitude/longitude (4309),
# piece numbers (8026), percent-encoding (4300), company-prefix length/prefix (401, 7023),
# check-character pairs (8013), import index (7040), roll products (8001), zero prefixes
# (8011, 7258), biological sex code (7252), position-in-sequence (7258), day 00 outside
# best-before dates (4326).
UNIMPLEMENTED_LINTERS = re.compile(
    r"GS1_LINTER_(COUPON_.*|.*IBAN.*|NOT_ISO.*|INVALID_LATITUDE|INVALID_LONGITUDE|.*PIECE.*"
    r"|INVALID_PERCENT_SEQUENCE|TOO_SHORT_FOR_GCP|INVALID_GCP_PREFIX|.*CHECK_PAIR"
    r"|INVALID_IMPORT_IDX_CHARACTER|ILLEGAL_ZERO_VALUE|INVALID_WINDING_DIRECTION"
    r"|ILLEGAL_ZERO_PREFIX|INVALID_BIOLOGICAL_SEX_CODE|POSITION_EXCEEDS_END|ILLEGAL_DAY)"
)
_REPEATED = "biip keeps a repeated AI"
KNOWN_DISAGREEMENTS: dict[str, str] = {
    "^7007211225211": "biip's pattern for (7007) accepts 7 to 12 digits, GS1 wants 6 or 12",
    "^70072112252112": "biip's pattern for (7007) accepts 7 to 12 digits, GS1 wants 6 or 12",
    "^700721122521123": "biip's pattern for (7007) accepts 7 to 12 digits, GS1 wants 6 or 12",
    "]Q1HtTps://example.com/01/12312312312333?99=TEST": "plain (non-GS1) text: we call it unknown",
    "https://[fe80::1%25lo]/01/12312312312333": "biip accepts an IPv6 zone id in the host",
    "https://a/00/faux/00/006141411234567890": "biip stops at the first key-like path segment",
    "https://a/01/12312312312333?99=": "biip ignores empty query values",
    "https://a/01/12312312312333?99=ABC&999=faux": "biip ignores numeric non-AI query keys",
    "https://example.com/01/09520123456788?10=ABC123": "biip allows a path qualifier in the query",
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788": _REPEATED,
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123": _REPEATED,
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789": _REPEATED,
    "https://example.com/01/09520123456788?99=XYZ&89=ABC123": "biip ignores unknown AI (89)",
}


def _usable(vector: dict[str, Any]) -> bool:
    """Default engine options only; scan data only where it is GS1 data or a Digital Link."""
    if vector.get("engine_options"):
        return False
    if vector["suite"] != "scandata.processScanData":
        return True
    text = vector["input"]
    if "|" in text:  # EAN/UPC + composite component, joined with '|' by the engine
        return False
    plain = bool(_AIM.match(text)) and text[1:3] in {"Q1", "d1", "J0"}
    return not plain or text[3:].lower().startswith("http")


def _vectors() -> list[dict[str, Any]]:
    if not VECTORS_FILE.is_file():
        return []
    vectors: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    return [v for v in vectors if _usable(v)]


VECTORS = _vectors()


def _read(vector: dict[str, Any]) -> tuple[bool, Gs1Data | None]:
    suite, text = vector["suite"], vector["input"]
    if suite in {"ai.parseAIdata", "ai.linters"}:
        data = parse_bracketed(text)
        return data.valid, data
    if suite == "ai.processAIdata":  # `^` is FNC1; the engine requires it in first position
        data = parse_element_strings(text.replace("^", GS))
        return text.startswith("^") and data.valid, data
    if suite == "dl.parseDLuri":
        data = parse_digital_link(text)
        return data.valid, data
    return parse_scan(text).valid, None


def _known(vector: dict[str, Any]) -> str | None:
    error = vector.get("expected_error") or ""
    if vector["suite"] == "ai.linters" and UNIMPLEMENTED_LINTERS.fullmatch(error):
        return f"linter not in biip: {error}"
    return KNOWN_DISAGREEMENTS.get(vector["input"])


def _param(vector: dict[str, Any]) -> Any:
    reason = _known(vector)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(vector, marks=marks, id=f"{vector['suite']}:{vector['input'][:50]!r}")


@pytest.mark.skipif(not VECTORS, reason=f"GS1 corpus not found at {CORPUS}")
@pytest.mark.parametrize("vector", [_param(v) for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    valid, data = _read(vector)
    assert valid is vector["expected_valid"]
    expected_string = vector.get("expected_element_string")
    if valid and expected_string and data is not None:
        assert data.element_string(fnc1="^", fnc1_first=True) == expected_string
    expected_fields = vector.get("expected_fields")
    if valid and expected_fields and data is not None and vector["suite"] == "ai.parseAIdata":
        assert [(e.ai, e.value) for e in data.elements] == [
            (f["ai"], f["value"].replace("\\(", "(")) for f in expected_fields
        ]
