"""Read GS1 element strings with `biip`: FNC1/GS-separated data, bracketed HRI, Digital Link URIs.

GS1 General Specifications §7.8 (element strings, FNC1 as GS 0x1D between variable-length fields)
and the GS1 Digital Link standard. The AI table, patterns, dates and GTIN/SSCC/GLN check digits are
biip's; `keys.py` adds the check digits of the other keys. Functions here never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from biip import ParseConfig, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message

from labels.gs1.keys import key_check_digit_error

GS = "\x1d"
GTIN_LENGTH = 14
_BRACKETED_AI = re.compile(r"\(([0-9]{2,4})\)")
_CONFIG = ParseConfig(separator_chars=(GS,))
_WHITE_SPACE = " \t\r\n\x0b\x0c"  # not GS: a trailing FNC1 is tolerated (GenSpecs §7.8.6)
_URI_SCHEME = re.compile(r"(?:https?|HTTPS?)://")
_GTIN_IN_PATH = re.compile(r"/01/([^/?#]*)")


@dataclass(frozen=True)
class Gs1Element:
    """One GS1 element string: an Application Identifier and its value."""

    ai: str
    value: str
    title: str
    separator_required: bool


@dataclass(frozen=True)
class Gs1Data:
    """The element strings read from GS1 data, with everything found wrong."""

    elements: tuple[Gs1Element, ...]
    errors: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """True when at least one element string was read and nothing is wrong."""
        return bool(self.elements) and not self.errors

    @property
    def fields(self) -> dict[str, str]:
        """Values keyed by AI; a repeated AI gets `_2`, `_3`, … suffixes."""
        fields: dict[str, str] = {}
        for element in self.elements:
            key, n = element.ai, 1
            while key in fields:
                n += 1
                key = f"{element.ai}_{n}"
            fields[key] = element.value
        return fields

    def element_string(self, *, fnc1: str = GS, fnc1_first: bool = False) -> str:
        """The unbracketed element string, `fnc1` after each variable-length field but the last."""
        parts: list[str] = [fnc1] if fnc1_first else []
        for index, element in enumerate(self.elements):
            parts.append(element.ai + element.value)
            if element.separator_required and index < len(self.elements) - 1:
                parts.append(fnc1)
        return "".join(parts)

    def hri(self) -> str:
        """The human-readable interpretation `(AI)value(AI)value`."""
        return "".join(f"({e.ai}){e.value}" for e in self.elements)


def _from_biip(element_strings: list[GS1ElementString]) -> Gs1Data:
    elements: list[Gs1Element] = []
    errors: list[str] = []
    for es in element_strings:
        elements.append(Gs1Element(es.ai.ai, es.value, es.ai.data_title, es.ai.separator_required))
        for error in (es.gtin_error, es.sscc_error, es.gln_error):
            if error:
                errors.append(error)
        key_error = key_check_digit_error(es.ai.ai, es.value)
        if key_error:
            errors.append(key_error)
    if not elements:
        errors.append("no GS1 element strings in the data")
    return Gs1Data(tuple(elements), tuple(errors))


def _failure(message: str) -> Gs1Data:
    return Gs1Data((), (message,))


def parse_element_strings(data: str) -> Gs1Data:
    """Read GS1 data as scanned (optional leading FNC1/GS, GS between fields)."""
    body = data.removeprefix(GS)
    if not body:
        return _failure("no GS1 element strings in the data")
    if body != body.strip(_WHITE_SPACE):
        return _failure("GS1 data must not start or end with white space")
    try:
        message = GS1Message.parse(body, config=_CONFIG)
    except (ParseError, ValueError) as exc:
        return _failure(str(exc))
    return _from_biip(list(message.element_strings))


def _split_bracketed(text: str) -> list[tuple[str, str]] | str:
    """Split `(AI)value…` where `\\(` is a literal bracket; return an error text when malformed."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _BRACKETED_AI.match(text, position)
        if match is None:
            return f"expected '(AI)' at position {position} of {text!r}"
        position = match.end()
        value: list[str] = []
        while position < len(text) and text[position] != "(":
            if text.startswith("\\(", position):
                value.append("(")
                position += 2
            else:
                value.append(text[position])
                position += 1
        if not value:
            return f"AI ({match.group(1)}) has no value"
        pairs.append((match.group(1), "".join(value)))
    return pairs if pairs else "no element strings"


def parse_bracketed(text: str) -> Gs1Data:
    """Read a bracketed element string such as `(01)09501101530003(10)ABC`."""
    pairs = _split_bracketed(text)
    if isinstance(pairs, str):
        return _failure(pairs)
    element_strings: list[GS1ElementString] = []
    for ai, value in pairs:
        try:
            element_strings.append(GS1ElementString.parse(ai + value, config=_CONFIG))
        except (ParseError, ValueError) as exc:
            return _failure(f"({ai}){value}: {exc}")
        if element_strings[-1].ai.ai != ai:
            return _failure(f"({ai}) is not a GS1 Application Identifier")
    return _from_biip(element_strings)


def parse_digital_link(uri: str) -> Gs1Data:
    """Read the element strings of a GS1 Digital Link URI."""
    if not _URI_SCHEME.match(uri):
        return _failure("a GS1 Digital Link URI starts with http:// or https:// in one case")
    gtin = _GTIN_IN_PATH.search(uri)
    if gtin is not None and len(gtin.group(1)) != GTIN_LENGTH:
        return _failure(f"the GTIN in a Digital Link path must be 14 digits, got {gtin.group(1)!r}")
    try:
        link = GS1DigitalLinkURI.parse(uri, config=_CONFIG)
    except (ParseError, ValueError) as exc:
        return _failure(str(exc))
    return _from_biip(list(link.element_strings))
