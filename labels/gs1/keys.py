"""GS1 identification keys: check digits and builders for the keys our labels carry.

GS1 General Specifications §7.9 (standard mod-10 check digit), §2.2.1 (SSCC, AI 00), §2.3.1
(GRAI, AI 8003), §2.3.2 (GIAI, AI 8004), §2.5 (GSRN, AI 8018). The check digit arithmetic comes
from `biip`; the element strings are validated by `biip` against the GS1 AI table.
"""

from __future__ import annotations

import re

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_element_strings import GS1ElementString

SSCC_LENGTH = 18
GSRN_LENGTH = 18
GRAI_KEY_LENGTH = 13
_DIGITS = re.compile(r"[0-9]+")
_COMPANY_PREFIX = re.compile(r"[0-9]{4,12}")

# Keys (beyond GTIN, SSCC and GLN, which biip checks) whose value carries a mod-10 check digit,
# and where that digit-run sits in the AI's value.
KEY_CHECK_DIGIT_SPANS: dict[str, slice] = {
    "253": slice(0, 13),  # GDTI, §3.9.1
    "255": slice(0, 13),  # GCN, §3.9.3
    "402": slice(0, 17),  # GSIN, §3.6.14
    "8003": slice(1, 14),  # GRAI: filler 0 then N13 with check digit, §3.9.6
    "8006": slice(0, 14),  # ITIP, §3.9.7
    "8017": slice(0, 18),  # GSRN provider, §3.9.13
    "8018": slice(0, 18),  # GSRN recipient, §3.9.13
    "8026": slice(0, 14),  # ITIP content, §3.9.17
}


class InvalidGs1Key(ValueError):
    """A GS1 key or element string that cannot be built as asked."""


def check_digit(payload: str) -> str:
    """Return the GS1 mod-10 check digit for a string of digits."""
    if not _DIGITS.fullmatch(payload):
        msg = f"a GS1 check digit needs digits only, got {payload!r}"
        raise InvalidGs1Key(msg)
    return str(gs1_standard_check_digit(payload))


def has_valid_check_digit(digits: str) -> bool:
    """True when the last digit of `digits` is the GS1 check digit of the others."""
    return (
        len(digits) > 1
        and _DIGITS.fullmatch(digits) is not None
        and check_digit(digits[:-1]) == digits[-1]
    )


def key_check_digit_error(ai: str, value: str) -> str | None:
    """Return an error when a key AI's embedded check digit is wrong (None when fine)."""
    span = KEY_CHECK_DIGIT_SPANS.get(ai)
    if span is None:
        return None
    digits = value[span]
    if len(digits) != span.stop - span.start or not has_valid_check_digit(digits):
        return f"AI ({ai}) {value!r}: incorrect check digit"
    return None


def _company_prefix(company_prefix: str) -> str:
    if not _COMPANY_PREFIX.fullmatch(company_prefix):
        msg = f"GS1 company prefix must be 4-12 digits, got {company_prefix!r}"
        raise InvalidGs1Key(msg)
    return company_prefix


def _reference(reference: int | str, width: int, what: str) -> str:
    text = f"{reference:0{width}d}" if isinstance(reference, int) else reference.zfill(width)
    if len(text) != width or not _DIGITS.fullmatch(text):
        msg = f"{what} {reference!r} does not fit in {width} digits"
        raise InvalidGs1Key(msg)
    return text


def build_sscc(extension_digit: int, company_prefix: str, serial_reference: int | str) -> str:
    """Return an 18-digit SSCC (extension digit, company prefix, serial reference, check digit)."""
    if not 0 <= extension_digit <= 9:
        msg = f"SSCC extension digit must be 0-9, got {extension_digit}"
        raise InvalidGs1Key(msg)
    prefix = _company_prefix(company_prefix)
    serial = _reference(serial_reference, SSCC_LENGTH - 2 - len(prefix), "SSCC serial reference")
    payload = f"{extension_digit}{prefix}{serial}"
    return payload + check_digit(payload)


DEFAULT_COMPANY_PREFIX_LENGTH = 7
"""The company prefix's length when the sender's is not known (GS1 prefixes are 6-12 digits)."""


def sscc_hri(sscc: str, company_prefix: str | None = None) -> str:
    """An SSCC as GS1 writes it under its bar code: the AI in brackets, the extension digit, the
    company prefix (as long as ``company_prefix`` when the SSCC carries it, else 7 digits), the
    serial reference and the check digit (``(00) 3 4012345 000000001 5``). Anything that is
    no SSCC is returned as it is."""
    if len(sscc) != SSCC_LENGTH or not sscc.isdigit():
        return sscc
    known = company_prefix and sscc[1:].startswith(company_prefix)
    length = len(company_prefix) if known and company_prefix else DEFAULT_COMPANY_PREFIX_LENGTH
    parts = ("(00)", sscc[0], sscc[1 : 1 + length], sscc[1 + length : -1], sscc[-1])
    return " ".join(parts)


def build_gsrn(company_prefix: str, service_reference: int | str) -> str:
    """Return an 18-digit GSRN (company prefix, service reference, check digit)."""
    prefix = _company_prefix(company_prefix)
    reference = _reference(service_reference, GSRN_LENGTH - 1 - len(prefix), "service reference")
    payload = prefix + reference
    return payload + check_digit(payload)


def build_grai(company_prefix: str, asset_type: int | str, serial: str = "") -> str:
    """Return the AI (8003) value: filler 0, company prefix, asset type, check digit, serial."""
    prefix = _company_prefix(company_prefix)
    asset = _reference(asset_type, GRAI_KEY_LENGTH - 1 - len(prefix), "GRAI asset type")
    payload = prefix + asset
    value = f"0{payload}{check_digit(payload)}{serial}"
    element_string("8003", value)
    return value


def build_giai(company_prefix: str, asset_reference: str) -> str:
    """Return the AI (8004) value: company prefix then the individual asset reference."""
    value = _company_prefix(company_prefix) + asset_reference
    element_string("8004", value)
    return value


def element_string(ai: str, value: str) -> str:
    """Return `ai + value` after checking it against the GS1 AI table; raise InvalidGs1Key."""
    text = f"{ai}{value}"
    try:
        GS1ElementString.parse(text)
    except (ParseError, ValueError) as exc:
        raise InvalidGs1Key(str(exc)) from exc
    error = key_check_digit_error(ai, value)
    if error:
        raise InvalidGs1Key(error)
    return text
