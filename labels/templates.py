"""Label templates as data: `resources/labels/<name>.json` read into frozen dataclasses.

A template names the label stock size in millimetres and lists its elements, each in a box
(`x`, `y` from the top-left corner, `width`, `height`, all mm): fixed text, a content field,
an eye-readable identifier with its boxed check character, or a bar code symbol. Loading checks
everything a renderer relies on — known fields and symbologies, boxes inside the label and not
overlapping, patient fields marked as identity — and names the file and field of any mistake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

from resources import read_text

TEMPLATE_NAMES: tuple[str, ...] = (
    "apheresis_bag",
    "sample_tube",
    "final_bag",
    "shipper",
    "patient_identity",
)
IDENTITY_LABEL = "patient_identity"
"""The clinic's patient-identity label for a final bag: its linear code is the print serial."""
MM_PER_INCH = 25.4
POINTS_PER_MM = 72 / MM_PER_INCH
MIN_MODULE_MM = 0.15
"""Smallest bar code module (X-dimension) we print; a box too small for it is an error."""

Symbology = Literal["code128", "gs1-128", "qr", "datamatrix"]
SYMBOLOGIES: tuple[Symbology, ...] = ("code128", "gs1-128", "qr", "datamatrix")
TWO_D: frozenset[str] = frozenset({"qr", "datamatrix"})
SYMBOL_DATA: dict[str, frozenset[str]] = {
    "code128": frozenset({"din", "coi", "print_serial"}),
    "gs1-128": frozenset({"sscc"}),
    "qr": frozenset({"compound"}),
    "datamatrix": frozenset({"compound"}),
}
IDENTITY_FIELDS = frozenset({"patient_name", "patient_date_of_birth", "hospital_number"})
FIELDS = IDENTITY_FIELDS | {
    "product_name",
    "product_code",
    "collected_at",
    "expires_at",
    "unit_description",
    "volume_ml",
    "sscc",
    "from_site",
    "to_site",
    "profile_name",
    "release_status",
}
IDENTIFIERS = frozenset({"coi", "din"})
COMPOUND_ITEMS = frozenset(
    {"din", "product_code", "collected_at", "expires_at", "coi"}
    | {"patient_date_of_birth", "hospital_number"}
)
Align = Literal["left", "center", "right"]
_ALIGNS: tuple[Align, ...] = ("left", "center", "right")


@dataclass(frozen=True)
class Box:
    """A rectangle on the label in millimetres, measured from the top-left corner."""

    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        """True when the two boxes share any area (touching edges do not count)."""
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


@dataclass(frozen=True)
class TextStyle:
    """How a text element is set: size in points (shrunk to fit, never below the minimum)."""

    font_size: float
    bold: bool = False
    align: Align = "left"
    inverse: bool = False  # white on a black band
    min_font_size: float = 5.0

    @property
    def font_name(self) -> str:
        """The PDF base-14 font of this style."""
        return "Helvetica-Bold" if self.bold else "Helvetica"


@dataclass(frozen=True)
class TextElement:
    """Fixed text such as "FOR AUTOLOGOUS USE ONLY"."""

    name: str
    box: Box
    style: TextStyle
    text: str


@dataclass(frozen=True)
class FieldElement:
    """A content field printed eye-readably, optionally after a caption."""

    name: str
    box: Box
    style: TextStyle
    field: str
    caption: str = ""
    identity: bool = False
    optional: bool = False
    """Printed only when the content has the field (e.g. a release status); else left blank."""


@dataclass(frozen=True)
class IdentifierElement:
    """The COI or DIN grouped eye-readably, with flags (DIN) and the boxed check character."""

    name: str
    box: Box
    style: TextStyle
    field: str


@dataclass(frozen=True)
class SymbolElement:
    """A bar code symbol; its box includes the quiet zones."""

    name: str
    box: Box
    symbology: Symbology
    data: str
    module_mm: float  # the largest module (X-dimension); smaller when the box needs it


Element = TextElement | FieldElement | IdentifierElement | SymbolElement


@dataclass(frozen=True)
class LabelTemplate:
    """One label layout: stock size, what its compound message carries, and its elements."""

    name: str
    title: str
    width_mm: float
    height_mm: float
    compound: tuple[str, ...]
    elements: tuple[Element, ...]

    @property
    def symbols(self) -> tuple[SymbolElement, ...]:
        """The bar code elements, in template order."""
        return tuple(e for e in self.elements if isinstance(e, SymbolElement))


class _Reader:
    """Typed access to one JSON object; every error names the file and the field path."""

    def __init__(self, source: str, path: str, raw: object) -> None:
        self.source, self.path = source, path
        if not isinstance(raw, dict):
            self.fail("", f"must be an object, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw
        self.used: set[str] = set()

    def fail(self, key: str, problem: str) -> NoReturn:
        where = ".".join(p for p in (self.path, key) if p) or "(top level)"
        msg = f"label template {self.source}: {where}: {problem}"
        raise ValueError(msg)

    def get(self, key: str, default: object = None) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if default is None:
                self.fail(key, "is required")
            return default
        return self.raw[key]

    def text(self, key: str, default: str | None = None) -> str:
        value = self.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.fail(key, f"must be a non-empty string, got {value!r}")
        return str(value)

    def number(self, key: str, default: float | None = None, *, minimum: float = 0.0) -> float:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            self.fail(key, f"must be a number of at least {minimum}, got {value!r}")
        return float(value)

    def flag(self, key: str) -> bool:
        value = self.get(key, False)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, got {value!r}")
        return bool(value)

    def choice(self, key: str, options: frozenset[str] | tuple[str, ...], default: str = "") -> str:
        value = self.text(key, default or None)
        if value not in options:
            self.fail(key, f"{value!r} is not one of {', '.join(sorted(options))}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            self.fail(unknown[0], "is not a known key (misspelt?)")


def _box(r: _Reader) -> Box:
    x, y = r.number("x"), r.number("y")
    return Box(x, y, r.number("width", minimum=0.1), r.number("height", minimum=0.1))


def _style(r: _Reader) -> TextStyle:
    size = r.number("font_size", minimum=1.0)
    style = TextStyle(
        font_size=size,
        bold=r.flag("bold"),
        align=_ALIGNS[_ALIGNS.index(r.choice("align", _ALIGNS, "left"))],
        inverse=r.flag("inverse"),
        min_font_size=r.number("min_font_size", min(5.0, size), minimum=1.0),
    )
    if style.min_font_size > size:
        r.fail("min_font_size", f"is larger than font_size {size}")
    if r.number("height") < size / POINTS_PER_MM:
        r.fail("height", f"is lower than the {size} pt font ({size / POINTS_PER_MM:.2f} mm)")
    return style


def _element(r: _Reader) -> Element:
    kind = r.choice("type", ("text", "field", "identifier", "symbol"))
    name, box = r.text("name"), _box(r)
    if kind == "text":
        return TextElement(name, box, _style(r), r.text("text"))
    if kind == "field":
        field = r.choice("field", FIELDS)
        identity = r.flag("identity")
        if field in IDENTITY_FIELDS and not identity:
            r.fail("identity", f"must be true: {field} identifies the patient")
        caption, optional = r.text("caption", ""), r.flag("optional")
        return FieldElement(name, box, _style(r), field, caption, identity, optional)
    if kind == "identifier":
        return IdentifierElement(name, box, _style(r), r.choice("field", IDENTIFIERS))
    symbology = r.choice("symbology", SYMBOLOGIES)
    data = r.choice("data", SYMBOL_DATA[symbology])
    module = r.number("module", minimum=MIN_MODULE_MM)
    return SymbolElement(name, box, SYMBOLOGIES[SYMBOLOGIES.index(symbology)], data, module)


def symbology_of(element: SymbolElement, two_d: str | None) -> str:
    """The symbology an element prints in: a 2-D override replaces the template's choice."""
    if two_d is not None and element.symbology in TWO_D:
        return two_d
    return element.symbology


def parse_template(raw: object, source: str) -> LabelTemplate:
    """Validate decoded template JSON; raise ValueError naming `source` and the bad field."""
    top = _Reader(source, "", raw)
    name, title = top.text("name"), top.text("title")
    width, height = top.number("width_mm", minimum=1.0), top.number("height_mm", minimum=1.0)
    compound = top.get("compound_message", [])
    if not isinstance(compound, list) or any(item not in COMPOUND_ITEMS for item in compound):
        top.fail("compound_message", f"must list items from {', '.join(sorted(COMPOUND_ITEMS))}")
    if len(set(compound)) != len(compound):
        top.fail("compound_message", "lists an item twice")
    listed = top.get("elements")
    if not isinstance(listed, list) or not listed:
        top.fail("elements", "must be a non-empty list")
    elements: list[Element] = []
    for index, item in enumerate(listed):
        reader = _Reader(source, f"elements[{index}]", item)
        element = _element(reader)
        reader.finish()
        _check_placement(reader, element, elements, width, height)
        elements.append(element)
    top.finish()
    template = LabelTemplate(name, title, width, height, tuple(compound), tuple(elements))
    if any(s.data == "compound" for s in template.symbols) and not compound:
        top.fail("compound_message", "is empty but a 2-D symbol carries it")
    return template


def _check_placement(
    r: _Reader, element: Element, placed: list[Element], width: float, height: float
) -> None:
    box = element.box
    if box.x + box.width > width or box.y + box.height > height:
        r.fail("x", f"box of {element.name!r} runs off the {width:g} x {height:g} mm label")
    for other in placed:
        if other.name == element.name:
            r.fail("name", f"{element.name!r} is used twice")
        if other.box.overlaps(box):
            r.fail("y", f"box of {element.name!r} overlaps {other.name!r}")


def load_template(name: str) -> LabelTemplate:
    """Read and validate `resources/labels/<name>.json`; raise ValueError on bad data."""
    if name not in TEMPLATE_NAMES:
        msg = f"unknown label template {name!r}; known: {', '.join(TEMPLATE_NAMES)}"
        raise ValueError(msg)
    source = f"{name}.json"
    try:
        raw = json.loads(read_text("labels", source))
    except json.JSONDecodeError as exc:
        msg = f"label template {source}: not valid JSON ({exc})"
        raise ValueError(msg) from exc
    template = parse_template(raw, source)
    if template.name != name:
        msg = f"label template {source}: name: {template.name!r} does not match the file name"
        raise ValueError(msg)
    return template
