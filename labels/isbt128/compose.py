"""Write the ISBT 128 data structures our labels print (ICCBBA ST-001 v6.2.2 §2.4).

Each writer returns one data structure, data identifier included, exactly as it is bar-coded;
`compound_message` puts structures behind a data structure 023 header for a 2-D symbol. Every
writer refuses content that `parse_isbt128` would not read back cleanly, so a label can never
carry a structure our own scanners report as wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from labels.isbt128.coi import CoiIdentifier
from labels.isbt128.dates import encode_date_time
from labels.isbt128.din import Din
from labels.isbt128.message import parse_isbt128
from labels.isbt128.structures import BY_NUMBER

_LOCATION = re.compile(r"[0-9]{2}")
_PATIENT_ID = re.compile(r"[A-Za-z0-9]{1,99}")
_SEQUENCE_CODE = re.compile(r"[0-9]{3}")
_PRINT_SERIAL = re.compile(r"[A-Z0-9]{1,18}")
PRINT_SERIAL_LENGTH = 18
_MAX_COMPOUND = 99
UNSPECIFIED_SEQUENCE = "000"
"""Compound message sequence code 000: structures in no ICCBBA-specified order (Table W2)."""


def din_structure(din: Din) -> str:
    """Data structure 001: `=` + DIN + flag characters."""
    return din.data_structure


def product_code_structure(product_code: str) -> str:
    """Data structure 003 (§2.4.3): `=<` + the 8-character product code `αoooo tds`."""
    spec = BY_NUMBER["003"]
    if not spec.content.fullmatch(product_code):
        msg = f"product code {product_code!r} is not 8 characters as ST-001 §2.4.3 defines"
        raise ValueError(msg)
    return f"{spec.data_identifier}{product_code}"


def expiry_structure(moment: dt.datetime) -> str:
    """Data structure 005 (§2.4.5): `&>` + `cyyjjjhhmm`, the wall-clock time as given."""
    return f"{BY_NUMBER['005'].data_identifier}{encode_date_time(moment)}"


def collection_structure(moment: dt.datetime) -> str:
    """Data structure 007 (§2.4.7): `&*` + `cyyjjjhhmm`, the wall-clock time as given."""
    return f"{BY_NUMBER['007'].data_identifier}{encode_date_time(moment)}"


def _location(location: str, number: str) -> str:
    if not _LOCATION.fullmatch(location):
        msg = f"data structure {number}: location code {location!r} must be two digits"
        raise ValueError(msg)
    return location


def patient_birth_date_structure(born: dt.date, location: str = "00") -> str:
    """Data structure 024 (§2.4.24): `=#` + location code `aa` + `yyyymmdd`."""
    return f"{BY_NUMBER['024'].data_identifier}{_location(location, '024')}{born:%Y%m%d}"


def patient_id_structure(patient_id: str, location: str = "00") -> str:
    """Data structure 025 (§2.4.25): `&#` + location `aa` + length `ll` + the identifier."""
    if not _PATIENT_ID.fullmatch(patient_id):
        msg = (
            f"patient identification number {patient_id!r} must be 1-99 characters "
            "A-Z, a-z or 0-9 (ST-001 §2.4.25)"
        )
        raise ValueError(msg)
    return f"&#{_location(location, '025')}{len(patient_id):02d}{patient_id}"


def coi_structure(coi: CoiIdentifier) -> str:
    """Data structure 040: `&/` + the Chain of Identity identifier."""
    return coi.data_structure


def print_serial_structure(serial: str) -> str:
    """Data structure 036 (§2.4.36) `&,2` + 18 characters: the serial of one printed label.

    036 is the supplemental identification number the labelling facility assigns; it never
    identifies the product (the DIN and product code do), here it tells one print of a label
    from another, so a voided copy is refused when scanned (DESIGN.md §3). Shorter serials
    are padded with zeros at the front, as the clause says.
    """
    if not _PRINT_SERIAL.fullmatch(serial):
        msg = f"print serial {serial!r} must be 1-18 characters A-Z or 0-9 (ST-001 §2.4.36)"
        raise ValueError(msg)
    return f"{BY_NUMBER['036'].data_identifier}{serial.rjust(PRINT_SERIAL_LENGTH, '0')}"


def compound_message(structures: Sequence[str], sequence: str = UNSPECIFIED_SEQUENCE) -> str:
    """Data structure 023 (§2.4.23) `=+nnsss` followed by the given structures, in order.

    `nn` is the number of structures that follow, `sss` the ICCBBA sequence code ("000" when
    the order is not a specified one). Raises ValueError when the result would not read back
    as exactly these structures with no errors.
    """
    if not 1 <= len(structures) <= _MAX_COMPOUND:
        msg = f"a compound message holds 1-{_MAX_COMPOUND} data structures, got {len(structures)}"
        raise ValueError(msg)
    if not _SEQUENCE_CODE.fullmatch(sequence):
        msg = f"compound message sequence code {sequence!r} must be three digits"
        raise ValueError(msg)
    text = f"{BY_NUMBER['023'].data_identifier}{len(structures):02d}{sequence}" + "".join(
        structures
    )
    message = parse_isbt128(text)
    read_back = tuple(s.text for s in message.structures[1:])
    if message.errors or read_back != tuple(structures):
        problems = "; ".join(message.errors) or "the structures do not read back as given"
        msg = f"compound message {text!r} is not valid: {problems}"
        raise ValueError(msg)
    return text
