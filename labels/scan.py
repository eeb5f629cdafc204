"""One entry point for everything a scanner or a person types: `parse_scan`.

Input is raw keyboard-wedge text: an optional AIM symbology identifier (ISO/IEC 15424, `]Cm`,
`]dm`, `]Qm`, `]em`, …), GS (0x1D) sent as itself or as a configured substitute such as `<GS>`
or `^`, and a trailing CR/LF or Tab. The result says what kind of identifier was read:

- `isbt128`: ISBT 128 data structures (a DIN, a product code, a concatenated read, a compound
  message) or an eye-readable Single European Code;
- `coi`: a Chain of Identity identifier, scanned (`&/CH…`) or typed with its check character;
- `gs1`: GS1 element strings (AIM GS1 symbologies, leading FNC1, bracketed, a Digital Link URI,
  or unprefixed data starting with a GS1 key such as (00), (01), (8003), (8004), (8018));
- `app`: reserved. Our own 2-D symbols carry an ISBT 128 compound message (data structure 023)
  holding the DIN, product, dates and CoI, so no application-specific payload is defined.
  The last structure of that message is the print serial (data structure 036, the labelling
  facility's supplemental identification number), reported as the field `print_serial`; a
  lone 036 (the linear code of the clinic's patient-identity label) is reported the same way;
- `unknown`: anything else. Nothing is guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal

from biip import ParseError
from biip.gtin import Gtin

from labels.gs1 import GS, Gs1Data, parse_bracketed, parse_digital_link, parse_element_strings
from labels.isbt128 import (
    InvalidCoi,
    InvalidSec,
    Isbt128Message,
    parse_isbt128,
    parse_sec_text,
    parse_typed_coi,
)
from labels.isbt128.sec import is_sec_text

ScanKind = Literal["isbt128", "gs1", "coi", "app", "unknown"]

_AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_GS1_SYMBOLOGIES = frozenset({"C1", "e0", "e1", "e2", "d2", "Q3", "J1"})
_EAN_SYMBOLOGIES = frozenset({"E0", "E3", "E4"})
_TYPED_COI = re.compile(r"\s*(?:&/)?\s*CH[\sA-Z0-9*\-]*", re.IGNORECASE)
_SCANNED_COI_LENGTH = 17  # `&/` + 15 characters, ST-001 §2.4.40
_URI = re.compile(r"https?://", re.IGNORECASE)
_TRAILING = "\r\n\t"
# Primary GS1 keys that may open unprefixed GS1 data (GS1 General Specifications §3.2).
_GS1_KEY_AIS = frozenset(
    {"00", "01", "02", "03", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006"}
    | {"8010", "8013", "8017", "8018"}
)
PRINT_SERIAL_STRUCTURE = "036"  # MPHO Supplemental Identification Number, ST-001 §2.4.36


@dataclass(frozen=True)
class ScanResult:
    """What one scan (or typed entry) was found to be."""

    kind: ScanKind
    valid: bool
    fields: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    symbology_identifier: str | None = None
    data: str = ""

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output: kind, valid, fields, errors, symbology identifier."""
        return {
            "kind": self.kind,
            "valid": self.valid,
            "fields": dict(self.fields),
            "errors": list(self.errors),
            "symbology_identifier": self.symbology_identifier,
        }

    def to_json(self) -> str:
        """The result as a JSON document (see `as_dict`)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True)


def _unknown(data: str, symbology: str | None, error: str) -> ScanResult:
    return ScanResult("unknown", False, {}, (error,), symbology, data)


def _from_gs1(result: Gs1Data, data: str, symbology: str | None) -> ScanResult:
    return ScanResult("gs1", result.valid, result.fields, result.errors, symbology, data)


def _merge(target: dict[str, str], fields: dict[str, str]) -> None:
    for key, value in fields.items():
        name, n = key, 1
        while name in target:
            n += 1
            name = f"{key}_{n}"
        target[name] = value


def _read_isbt128(body: str, symbology: str | None) -> ScanResult:
    message = parse_isbt128(body)
    fields: dict[str, str] = {}
    for structure in message.structures:
        _merge(fields, structure.fields)
    if message.numbers == ("040",):
        return ScanResult("coi", message.valid, fields, message.errors, symbology, body)
    if message.structures:
        fields["data_structures"] = " ".join(n or "national" for n in message.numbers)
    serials = _print_serials(message)
    if len(serials) > 1:
        error = "the compound message carries more than one print serial [036]"
        return ScanResult("isbt128", False, fields, (*message.errors, error), symbology, body)
    if serials:
        fields["print_serial"] = serials[0]
    return ScanResult("isbt128", message.valid, fields, message.errors, symbology, body)


def _print_serials(message: Isbt128Message) -> list[str]:
    """The print serials of a compound message (its data structures 036), or of a lone 036
    (the linear code of a label that carries its print serial); none otherwise."""
    if message.declared_count is None:
        lone = message.numbers == (PRINT_SERIAL_STRUCTURE,) and message.valid
        return [message.structures[0].content] if lone else []
    return [s.content for s in message.structures if s.number == PRINT_SERIAL_STRUCTURE]


def _read_typed_coi(body: str, symbology: str | None) -> ScanResult:
    try:
        coi = parse_typed_coi(body)
    except InvalidCoi as exc:
        return ScanResult("coi", False, {}, (str(exc),), symbology, body)
    fields = {"coi": coi.code, "check_character": coi.check_character}
    return ScanResult("coi", True, fields, (), symbology, body)


def _read_sec(body: str, symbology: str | None) -> ScanResult:
    try:
        sec = parse_sec_text(body)
    except InvalidSec as exc:
        return ScanResult("isbt128", False, {}, (str(exc),), symbology, body)
    return ScanResult("isbt128", True, sec.as_fields(), (), symbology, body)


def _read_ean(body: str, symbology: str) -> ScanResult:
    if not (body.isascii() and body.isdigit() and len(body) in {8, 13}):
        return ScanResult("gs1", False, {}, ("EAN data must be 8 or 13 digits",), symbology, body)
    try:
        gtin = Gtin.parse(body)
    except ParseError as exc:
        return ScanResult("gs1", False, {}, (str(exc),), symbology, body)
    return ScanResult("gs1", True, {"01": gtin.as_gtin_14()}, (), symbology, body)


def _read_unprefixed(body: str, symbology: str | None) -> ScanResult:
    result = parse_element_strings(body)
    if result.elements and result.elements[0].ai in _GS1_KEY_AIS:
        return _from_gs1(result, body, symbology)
    return _unknown(body, symbology, "not an ISBT 128, CoI or GS1 identifier")


def _dispatch(body: str, symbology: str | None) -> ScanResult:
    code = symbology[1:] if symbology else None
    if code in _GS1_SYMBOLOGIES:
        return _from_gs1(parse_element_strings(body), body, symbology)
    if symbology and code in _EAN_SYMBOLOGIES:
        return _read_ean(body, symbology)
    if not body:
        return _unknown(body, symbology, "the scan is empty")
    compact = body.replace(" ", "").replace("-", "")
    if body[0] in "=&" and not (body.startswith("&/") and len(compact) > _SCANNED_COI_LENGTH):
        return _read_isbt128(body, symbology)
    if _TYPED_COI.fullmatch(body) and (body.startswith("&/") or len(compact) in {15, 16}):
        return _read_typed_coi(body, symbology)
    if is_sec_text(body):
        return _read_sec(body, symbology)
    if body.startswith(GS):
        return _from_gs1(parse_element_strings(body), body, symbology)
    if body.startswith("("):
        return _from_gs1(parse_bracketed(body), body, symbology)
    if _URI.match(body):
        link = parse_digital_link(body)
        if link.valid:
            return _from_gs1(link, body, symbology)
        return _unknown(body, symbology, f"not a GS1 Digital Link URI: {link.errors[0]}")
    if body[0].isdigit():
        return _read_unprefixed(body, symbology)
    return _unknown(body, symbology, "not an ISBT 128, CoI or GS1 identifier")


def parse_scan(raw: str, *, gs_substitute: str | None = None) -> ScanResult:
    """Read raw scanner or typed text into a typed result; never raises."""
    try:
        data = raw.strip(_TRAILING)
        if gs_substitute:
            data = data.replace(gs_substitute, GS)
        symbology: str | None = None
        if _AIM_PREFIX.match(data):
            symbology, data = data[:3], data[3:]
        return _dispatch(data, symbology)
    except Exception as exc:  # a scan must always give a result the screen can show
        return _unknown(raw, None, f"internal error while reading the scan: {type(exc).__name__}")
