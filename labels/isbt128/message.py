"""Read an ISBT 128 data string: one data structure, concatenated structures, or a compound message.

Rules: each data structure starts with its data identifier (ST-001 v6.2.2 §2.2, Table 2 [RT003]);
concatenated reads are structures back to back with nothing in between; a compound message
(data structure 023, §2.4.23) declares how many structures follow and they must all be there.
An unknown data identifier is reported, never guessed: reading stops there. Nationally defined
structures (`&a`-`&z` §2.5.1, `&;` §2.5.2, `&!` §2.5.3) have no length known to us, so their
content is the rest of the string and is not interpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from labels.isbt128 import din as din_structure
from labels.isbt128.fields import decode_fields
from labels.isbt128.structures import BY_DATA_IDENTIFIER, StructureSpec

_DIN_SECOND_CHARACTER = re.compile(r"[A-NP-Z1-9]")
_NATIONAL_SECOND_CHARACTER = re.compile(r"[a-z;!]")
_DIGITS = re.compile(r"[0-9]+")
_PATIENT_ID = re.compile(r"[A-Za-z0-9]*")
_UNSPECIFIED_SEQUENCE = "000"


@dataclass(frozen=True)
class DataStructure:
    """One data structure read from an ISBT 128 data string."""

    number: str | None
    name: str
    data_identifier: str
    content: str
    fields: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    retired: bool = False

    @property
    def text(self) -> str:
        """The data structure as it appears in the data string."""
        return f"{self.data_identifier}{self.content}"


@dataclass(frozen=True)
class Isbt128Message:
    """The data structures read from one ISBT 128 data string, with everything found wrong."""

    text: str
    structures: tuple[DataStructure, ...]
    errors: tuple[str, ...]
    declared_count: int | None = None
    sequence_code: str | None = None

    @property
    def valid(self) -> bool:
        """True when every structure was recognised and nothing is wrong."""
        return not self.errors and bool(self.structures)

    @property
    def numbers(self) -> tuple[str | None, ...]:
        """The data structure numbers in reading order (None for nationally defined ones)."""
        return tuple(s.number for s in self.structures)


class _Unreadable(Exception):
    """Reading cannot continue at this position."""


def _read_din(text: str, position: int) -> DataStructure:
    content = text[position + 1 : position + 1 + din_structure.CONTENT_LENGTH]
    if len(content) < din_structure.CONTENT_LENGTH:
        msg = f"DIN [001] at position {position} is truncated: {len(content)} of 15 characters"
        raise _Unreadable(msg)
    errors = din_structure.din_content_errors(content)
    fields, meaning_errors = ({}, ()) if errors else decode_fields("001", content)
    return DataStructure(
        "001", "Donation Identification Number", "=", content, fields, errors + meaning_errors
    )


def _read_counted(text: str, position: int, name: str, number: str) -> DataStructure:
    """Structures 025 (`&#aall` + ll chars), 029 (`&$nn` + 14·nn), 030 (`&%nnn` + 10·nnn)."""
    start = position + 2
    header = {"025": 4, "029": 2, "030": 3}[number]
    head = text[start : start + header]
    count_text = head[2:] if number == "025" else head
    if len(head) < header or not _DIGITS.fullmatch(head):
        msg = f"{name} [{number}] at position {position} has a malformed length header {head!r}"
        raise _Unreadable(msg)
    length = header + int(count_text) * {"025": 1, "029": 14, "030": 10}[number]
    content = text[start : start + length]
    if len(content) < length:
        msg = f"{name} [{number}] at position {position} is truncated"
        raise _Unreadable(msg)
    body = content[header:]
    valid_body = _PATIENT_ID if number == "025" else _DIGITS
    errors: tuple[str, ...] = ()
    if body and not valid_body.fullmatch(body):
        errors = (f"{name} [{number}] contains characters its clause does not allow",)
    fields, meaning_errors = decode_fields(number, content)
    return DataStructure(
        number, name, text[position:start], content, fields, errors + meaning_errors
    )


_COUNTED = {
    "&#": ("Patient Identification Number", "025"),  # ST-001 §2.4.25
    "&$": ("Dimensions", "029"),  # ST-001 §2.4.29
    "&%": ("Red Cell Antigens with Test History", "030"),  # ST-001 §2.4.30
}


def _read_fixed(text: str, position: int, spec: StructureSpec) -> DataStructure:
    start = position + len(spec.data_identifier)
    content = text[start : start + spec.length]
    if len(content) < spec.length:
        msg = (
            f"{spec.name} [{spec.number}] at position {position} is truncated: "
            f"{len(content)} of {spec.length} characters"
        )
        raise _Unreadable(msg)
    if spec.retired:
        return DataStructure(
            spec.number, spec.name, spec.data_identifier, content, {}, (), retired=True
        )
    if not spec.content.fullmatch(content):
        error = (
            f"{spec.name} [{spec.number}] content {content!r} breaks ST-001 {spec.clause} "
            "(wrong characters or case)"
        )
        return DataStructure(spec.number, spec.name, spec.data_identifier, content, {}, (error,))
    fields, errors = decode_fields(spec.number, content)
    return DataStructure(spec.number, spec.name, spec.data_identifier, content, fields, errors)


def _read_one(text: str, position: int) -> DataStructure:
    first, second = text[position], text[position + 1 : position + 2]
    if first not in "=&":
        msg = f"position {position}: {first!r} is not '=' or '&', the start of a data identifier"
        raise _Unreadable(msg)
    if not second:
        msg = f"position {position}: data identifier is truncated"
        raise _Unreadable(msg)
    if first == "=" and _DIN_SECOND_CHARACTER.fullmatch(second):
        return _read_din(text, position)
    if first == "&" and _NATIONAL_SECOND_CHARACTER.fullmatch(second):
        identifier = text[position : position + 2]
        return DataStructure(
            None, "Data structure not defined by ICCBBA", identifier, text[position + 2 :]
        )
    if text[position : position + 2] in _COUNTED:
        name, number = _COUNTED[text[position : position + 2]]
        return _read_counted(text, position, name, number)
    for length in (3, 2):
        spec = BY_DATA_IDENTIFIER.get(text[position : position + length])
        if spec is not None:
            return _read_fixed(text, position, spec)
    identifier = text[position : position + 2]
    msg = f"position {position}: unknown data identifier {identifier!r}"
    raise _Unreadable(msg)


def parse_isbt128(text: str) -> Isbt128Message:
    """Read every data structure in an ISBT 128 data string; never raises."""
    if not text:
        return Isbt128Message(text, (), ("empty data string",))
    structures: list[DataStructure] = []
    errors: list[str] = []
    position = 0
    while position < len(text):
        try:
            structure = _read_one(text, position)
        except _Unreadable as exc:
            errors.append(str(exc))
            break
        structures.append(structure)
        errors.extend(structure.errors)
        position += len(structure.text)
    declared, sequence = _compound_header(structures, errors)
    return Isbt128Message(text, tuple(structures), tuple(errors), declared, sequence)


def _compound_header(
    structures: list[DataStructure], errors: list[str]
) -> tuple[int | None, str | None]:
    compound = [i for i, s in enumerate(structures) if s.number == "023"]
    if not compound:
        return None, None
    header = structures[compound[0]]
    if compound[0] != 0 or len(compound) > 1:
        errors.append("a compound message [023] must come first and only once")
    if header.errors:
        return None, None
    declared, sequence = int(header.content[:2]), header.content[2:]
    following = len(structures) - compound[0] - 1
    if following != declared:
        errors.append(
            f"compound message declares {declared} data structures but {following} follow"
        )
    if any(s.number is None for s in structures):
        errors.append("nationally defined data structures are not allowed in a compound message")
    return declared, sequence


def is_specified_sequence(message: Isbt128Message) -> bool:
    """True when a compound message names an ICCBBA-specified sequence (Table W2 [RT017])."""
    return message.sequence_code not in (None, _UNSPECIFIED_SEQUENCE)
