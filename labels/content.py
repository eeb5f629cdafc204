"""What a label says: `LabelContent`, each field's eye-readable text, and each symbol's payload.

Dates and times are held as aware datetimes and printed, and bar-coded as ISBT 128 `cyyjjjhhmm`,
in the labelling site's time zone (`time_zone`, UTC unless given): ISBT 128 dates carry no zone,
they are the local time of the site that made the label. Patient identity (name, date of birth,
hospital number) is printed and bar-coded only when the caller allows it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import zxingcpp

from labels.gs1 import has_valid_check_digit
from labels.isbt128 import CoiIdentifier, Din, compose
from labels.templates import (
    IDENTITY_FIELDS,
    Box,
    Element,
    FieldElement,
    IdentifierElement,
    LabelTemplate,
    SymbolElement,
    TextElement,
    TextStyle,
    symbology_of,
)

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
SSCC_LENGTH = 18
RELEASED_OUT_OF_SPECIFICATION = "RELEASED OUT OF SPECIFICATION"
"""The release status a final product label prints for a batch the QP so released."""


@dataclass(frozen=True)
class LabelContent:
    """Everything any label template may print; fields a template does not use may be None."""

    coi: CoiIdentifier
    din: Din | None = None
    product_code: str | None = None  # ISBT 128 product code, 8 characters (data structure 003)
    product_name: str | None = None
    collected_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    time_zone: dt.tzinfo = dt.UTC  # the labelling site's zone: ISBT 128 dates are local time
    unit_description: str | None = None
    volume_ml: float | None = None
    patient_name: str | None = None
    patient_date_of_birth: dt.date | None = None
    hospital_number: str | None = None  # bar-coded as data structure 025: A-Z, a-z, 0-9 only
    patient_id_location: str = "00"  # location code `aa` of data structures 024 and 025
    sscc: str | None = None  # shipper: 18 digits with GS1 check digit
    from_site: str | None = None
    to_site: str | None = None
    profile_name: str | None = None
    print_serial: str | None = None  # this print's serial: the last item of the 2-D symbol
    release_status: str | None = None  # e.g. "RELEASED OUT OF SPECIFICATION"; None: normal

    def __post_init__(self) -> None:
        for name in ("collected_at", "expires_at"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                msg = f"{name} must be an aware datetime (UTC), got {moment!r}"
                raise ValueError(msg)
        if self.product_code is not None:
            compose.product_code_structure(self.product_code)
        if self.hospital_number is not None:
            compose.patient_id_structure(self.hospital_number, self.patient_id_location)
        if self.patient_date_of_birth is not None:
            compose.patient_birth_date_structure(
                self.patient_date_of_birth, self.patient_id_location
            )
        if self.print_serial is not None:
            compose.print_serial_structure(self.print_serial)
        if self.sscc is not None and not (
            len(self.sscc) == SSCC_LENGTH and has_valid_check_digit(self.sscc)
        ):
            msg = f"SSCC {self.sscc!r} must be 18 digits ending in its GS1 check digit"
            raise ValueError(msg)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """A moment as the labelling site's wall-clock time."""
        return moment.astimezone(self.time_zone)


def _day(day: dt.date) -> str:
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year:04d}"


def _moment(content: LabelContent, moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    local = content.local(moment)
    return f"{_day(local.date())} {local:%H:%M} {local.tzname() or ''}".rstrip()


_FIELD_TEXT: dict[str, Callable[[LabelContent], str | None]] = {
    "product_name": lambda c: c.product_name,
    "product_code": lambda c: c.product_code,
    "collected_at": lambda c: _moment(c, c.collected_at),
    "expires_at": lambda c: _moment(c, c.expires_at),
    "unit_description": lambda c: c.unit_description,
    "volume_ml": lambda c: None if c.volume_ml is None else f"{c.volume_ml:g} mL",
    "patient_name": lambda c: c.patient_name,
    "patient_date_of_birth": lambda c: (
        None if c.patient_date_of_birth is None else _day(c.patient_date_of_birth)
    ),
    "hospital_number": lambda c: c.hospital_number,
    "sscc": lambda c: None if c.sscc is None else f"(00) {c.sscc}",
    "from_site": lambda c: c.from_site,
    "to_site": lambda c: c.to_site,
    "profile_name": lambda c: c.profile_name,
    "release_status": lambda c: c.release_status,
}


def field_text(content: LabelContent, field: str) -> str | None:
    """The eye-readable text of one content field (None when the content lacks it)."""
    return _FIELD_TEXT[field](content)


def identifier_parts(content: LabelContent, field: str) -> tuple[str, str, str] | None:
    """The grouped identifier, its flag characters (DIN only) and its check character."""
    if field == "coi":
        return content.coi.eye_readable, "", content.coi.check_character
    if content.din is None:
        return None
    return content.din.eye_readable, content.din.flag, content.din.check_character


def _structure(c: LabelContent, item: str) -> str | None:
    """One compound-message item as its ISBT 128 data structure (None when absent)."""
    born, number, where = c.patient_date_of_birth, c.hospital_number, c.patient_id_location
    if item == "coi":
        return compose.coi_structure(c.coi)
    if item == "din" and c.din is not None:
        return compose.din_structure(c.din)
    if item == "product_code" and c.product_code is not None:
        return compose.product_code_structure(c.product_code)
    if item == "collected_at" and c.collected_at is not None:
        return compose.collection_structure(c.local(c.collected_at))
    if item == "expires_at" and c.expires_at is not None:
        return compose.expiry_structure(c.local(c.expires_at))
    if item == "patient_date_of_birth" and born is not None:
        return compose.patient_birth_date_structure(born, where)
    if item == "hospital_number" and number is not None:
        return compose.patient_id_structure(number, where)
    if item == "print_serial" and c.print_serial is not None:
        return compose.print_serial_structure(c.print_serial)
    return None


def compound_items(template: LabelTemplate, show_identity: bool) -> tuple[str, ...]:
    """The items a template's compound message carries: identity items only when allowed."""
    return tuple(i for i in template.compound if show_identity or i not in IDENTITY_FIELDS)


def shown_elements(template: LabelTemplate, show_identity: bool) -> tuple[Element, ...]:
    """The template's elements that print: identity fields only when allowed."""
    return tuple(
        e
        for e in template.elements
        if show_identity or not (isinstance(e, FieldElement) and e.identity)
    )


def check_content(template: LabelTemplate, content: LabelContent, show_identity: bool) -> None:
    """Raise ValueError naming every value the template prints that the content lacks."""
    needed: list[str] = list(compound_items(template, show_identity))
    for element in shown_elements(template, show_identity):
        if isinstance(element, FieldElement) and element.optional:
            continue
        if isinstance(element, FieldElement | IdentifierElement):
            needed.append(element.field)
        elif isinstance(element, SymbolElement) and element.data != "compound":
            needed.append(element.data)
    missing = sorted({name for name in needed if name != "coi" and getattr(content, name) is None})
    if missing:
        msg = f"label template {template.name} prints {', '.join(missing)}, which the content lacks"
        raise ValueError(msg)


def symbol_payloads(
    template: LabelTemplate, content: LabelContent, show_identity: bool
) -> dict[str, str]:
    """The exact data each symbol encodes, by element name.

    ISBT 128 symbols carry their data structures (data identifiers included); the compound
    message carries the template's `compound_message` items in order, then the print serial
    (data structure 036) when the content has one; GS1 symbols carry the
    bracketed element string, e.g. `(00)306141411234567890` (FNC1 first is implied).
    """
    check_content(template, content, show_identity)
    payloads: dict[str, str] = {}
    for symbol in template.symbols:
        if symbol.data == "compound":
            structures = [_structure(content, i) for i in compound_items(template, show_identity)]
            if content.print_serial is not None:
                structures.append(compose.print_serial_structure(content.print_serial))
            payloads[symbol.name] = compose.compound_message([s for s in structures if s])
        elif symbol.data == "sscc":
            payloads[symbol.name] = f"(00){content.sscc}"
        else:
            structure = _structure(content, symbol.data)
            if structure is None:  # pragma: no cover - check_content found it present
                msg = f"label template {template.name} prints {symbol.data}, which is missing"
                raise ValueError(msg)
            payloads[symbol.name] = structure
    return payloads


@dataclass(frozen=True)
class SymbolMatrix:
    """The modules of an encoded symbol: dark runs as (row, first column, length)."""

    columns: int
    rows: int
    runs: tuple[tuple[int, int, int], ...]


_FORMATS = {
    "code128": zxingcpp.BarcodeFormat.Code128,
    "gs1-128": zxingcpp.BarcodeFormat.Code128,
    "qr": zxingcpp.BarcodeFormat.QRCode,
    "datamatrix": zxingcpp.BarcodeFormat.DataMatrix,
}
_OPTIONS: dict[str, dict[str, object]] = {
    "gs1-128": {"gs1": True},
    "qr": {"ec_level": "M"},
    "datamatrix": {"force_square": True},
}


@functools.lru_cache(maxsize=64)
def encode_symbol(symbology: str, payload: str) -> SymbolMatrix:
    """Encode a payload with zxing-cpp's writer into its module matrix (no quiet zone).

    The matrix is kept for the last 64 symbols: the preview, the print and a reprint of a
    label encode the same symbols once (a matrix is immutable)."""
    import numpy as np  # noqa: PLC0415 - ~100 ms of import, paid by the first label only

    barcode = zxingcpp.create_barcode(payload, _FORMATS[symbology], **_OPTIONS.get(symbology, {}))
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    dark = image < 128  # 8-bit grey: dark modules are 0, light ones 255
    if symbology in {"code128", "gs1-128"}:
        dark = dark[:1]
    rows, columns = dark.shape
    runs: list[tuple[int, int, int]] = []
    padded = np.zeros((rows, columns + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    edges = np.diff(padded, axis=1)
    for row in range(rows):
        starts = np.flatnonzero(edges[row] == 1)
        ends = np.flatnonzero(edges[row] == -1)
        runs.extend((row, int(s), int(e - s)) for s, e in zip(starts, ends, strict=True))
    return SymbolMatrix(columns, rows, tuple(runs))


class ElementSink(Protocol):
    """A renderer (PDF page, ZPL job) that draws the elements of a label."""

    def text(self, text: str, box: Box, style: TextStyle, where: str) -> None:
        """Draw fitted text in a box."""

    def identifier(self, element: IdentifierElement, parts: tuple[str, str, str]) -> None:
        """Draw an eye-readable identifier with its boxed check character."""

    def symbol(self, element: SymbolElement, symbology: str, payload: str) -> None:
        """Draw one bar code symbol."""


def draw_elements(
    sink: ElementSink,
    template: LabelTemplate,
    content: LabelContent,
    *,
    show_identity: bool,
    two_d: str | None,
) -> None:
    """Hand every element the template shows to ``sink``, with the text or data it carries."""
    payloads = symbol_payloads(template, content, show_identity)
    for element in shown_elements(template, show_identity):
        where = f"label template {template.name}, element {element.name}"
        if isinstance(element, TextElement):
            sink.text(element.text, element.box, element.style, where)
        elif isinstance(element, FieldElement):
            value = field_text(content, element.field) or ""
            if element.optional and not value:
                continue
            text = f"{element.caption} {value}" if element.caption else value
            sink.text(text, element.box, element.style, where)
        elif isinstance(element, IdentifierElement):
            parts = identifier_parts(content, element.field)
            if parts is not None:
                sink.identifier(element, parts)
        else:
            sink.symbol(element, symbology_of(element, two_d), payloads[element.name])
