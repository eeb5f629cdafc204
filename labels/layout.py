"""Geometry shared by the PDF and ZPL renderers, so both place every element the same way.

Text is fitted with Helvetica metrics (shrunk to its box, never below the style's minimum);
bar code modules are whole printer dots, centred in the element's box with their quiet zones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from labels.templates import (
    MIN_MODULE_MM,
    MM_PER_INCH,
    POINTS_PER_MM,
    TWO_D,
    IdentifierElement,
    SymbolElement,
    TextStyle,
)


def text_width(text: str, font_name: str, font_size: float) -> float:
    """The width of ``text`` in points (reportlab's font metrics, imported when first used)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth as width  # noqa: PLC0415

    return float(width(text, font_name, font_size))


QUIET_ZONE_MODULES: dict[str, tuple[int, int]] = {  # (horizontal, vertical) per side
    "code128": (10, 0),  # ISO/IEC 15417 §4.4.2: 10X
    "gs1-128": (10, 0),
    "qr": (4, 4),  # ISO/IEC 18004 §9.1: 4X
    "datamatrix": (2, 2),  # ISO/IEC 16022 asks 1X; 2X reads more reliably
}


def dots(mm: float, dpi: int) -> int:
    """Millimetres to whole printer dots at `dpi`."""
    return round(mm * dpi / MM_PER_INCH)


def fit_font_size(text: str, style: TextStyle, width_mm: float, where: str) -> float:
    """The largest size up to the style's that fits `width_mm`; ValueError below the minimum."""
    width = text_width(text, style.font_name, style.font_size) / POINTS_PER_MM
    if width <= width_mm:
        return style.font_size
    size = math.floor(style.font_size * width_mm / width * 10) / 10
    if size < style.min_font_size:
        msg = f"{where}: {text!r} does not fit {width_mm:g} mm even at {style.min_font_size} pt"
        raise ValueError(msg)
    return size


@dataclass(frozen=True)
class SymbolPlacement:
    """Where a symbol's modules go, in printer dots from the label's top-left corner."""

    x: int  # first module (quiet zone excluded)
    y: int
    module: int  # dots per module
    bar_height: int  # linear symbols: bar height; 2-D: symbol height


def place_symbol(
    element: SymbolElement, symbology: str, columns: int, rows: int, dpi: int
) -> SymbolPlacement:
    """Size a symbol of `columns` x `rows` modules into its box, centred, on a `dpi` dot grid."""
    quiet_x, quiet_y = QUIET_ZONE_MODULES[symbology]
    box = element.box
    box_w, box_h = dots(box.width, dpi), dots(box.height, dpi)
    module = min(
        math.floor(element.module_mm * dpi / MM_PER_INCH + 1e-9),
        box_w // (columns + 2 * quiet_x),
    )
    if symbology in TWO_D:
        module = min(module, box_h // (rows + 2 * quiet_y))
    smallest = math.ceil(MIN_MODULE_MM * dpi / MM_PER_INCH - 1e-9)
    if module < smallest:
        msg = (
            f"symbol {element.name!r}: {columns} x {rows} modules do not fit its "
            f"{box.width:g} x {box.height:g} mm box at {dpi} dpi"
        )
        raise ValueError(msg)
    height = module * rows if symbology in TWO_D else box_h
    x = dots(box.x, dpi) + (box_w - module * columns) // 2
    y = dots(box.y, dpi) + (box_h - height) // 2
    return SymbolPlacement(x, y, module, height)


@dataclass(frozen=True)
class IdentifierLayout:
    """Where the parts of an eye-readable identifier go, in mm from the element box's left."""

    size: float  # grouped identifier and check character, points
    flag_size: float
    text_x: float
    flag_x: float
    frame_x: float
    frame_width: float
    frame_height: float


def layout_identifier(
    element: IdentifierElement, text: str, flag: str, check: str
) -> IdentifierLayout:
    """Lay out `text`, `flag` (may be empty) and the framed `check` character in the box."""
    style = element.style

    def parts(size: float) -> tuple[float, float, float, float]:
        gap = 0.3 * size / POINTS_PER_MM
        text_w = text_width(text, style.font_name, size) / POINTS_PER_MM
        flag_w = text_width(flag, style.font_name, 0.6 * size) / POINTS_PER_MM
        frame_w = text_width(check, style.font_name, size) / POINTS_PER_MM
        frame_w += 0.5 * size / POINTS_PER_MM
        return gap, text_w, flag_w + gap if flag else 0.0, frame_w

    gap, text_w, flag_w, frame_w = parts(style.font_size)
    total = text_w + flag_w + gap + frame_w
    size = style.font_size
    if total > element.box.width:
        size = math.floor(style.font_size * element.box.width / total * 10) / 10
        if size < style.min_font_size:
            msg = f"{element.name}: {text!r} does not fit {element.box.width:g} mm"
            raise ValueError(msg)
        gap, text_w, flag_w, frame_w = parts(size)
        total = text_w + flag_w + gap + frame_w
    start = {"left": 0.0, "center": (element.box.width - total) / 2}.get(
        style.align, element.box.width - total
    )
    frame_h = min(element.box.height, 1.05 * size / POINTS_PER_MM)
    return IdentifierLayout(
        size=size,
        flag_size=round(0.6 * size, 1),
        text_x=start,
        flag_x=start + text_w + gap,
        frame_x=start + text_w + flag_w + gap,
        frame_width=frame_w,
        frame_height=frame_h,
    )
