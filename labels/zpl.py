"""Render a label template with its content as ZPL II for a Zebra-type printer.

Same layout as the PDF (`templates.py` geometry, millimetres converted to dots at the printer's
resolution). Text uses the scalable font 0 at the size the PDF fits with Helvetica metrics
(font 0 is narrower, so it fits too); UTF-8 text (`^CI28`). Field data containing `^` or `~`
is written with `^FH` hexadecimal escapes. Bar codes are encoded by the printer: `^BC` (Code
128; mode D, with FNC1, for GS1-128), `^BQ` (QR, model 2, error correction M) and `^BX` (Data
Matrix ECC 200, with the symbol size zxing-cpp chose, so the module count is known here too).
"""

from __future__ import annotations

from labels.content import (
    LabelContent,
    draw_elements,
    encode_symbol,
)
from labels.layout import dots, fit_font_size, layout_identifier, place_symbol
from labels.templates import (
    TWO_D,
    Box,
    IdentifierElement,
    LabelTemplate,
    SymbolElement,
    TextStyle,
)

_ESCAPE = "_"
_NEEDS_ESCAPE = frozenset("^~")
_INVERSE_PADDING_MM = 1.0
_ALIGN = {"left": "L", "center": "C", "right": "R"}
_MAX_QR_MAGNIFICATION = 10


def field_data(text: str) -> str:
    """`^FD<text>^FS`, with `^FH` hexadecimal escapes when the text holds `^` or `~`."""
    if not _NEEDS_ESCAPE.intersection(text):
        return f"^FD{text}^FS"
    escaped = "".join(
        f"{_ESCAPE}{ord(ch):02X}" if ch in _NEEDS_ESCAPE or ch == _ESCAPE else ch for ch in text
    )
    return f"^FH{_ESCAPE}^FD{escaped}^FS"


class _Zpl:
    """Collects ZPL commands with millimetre boxes converted to dots."""

    def __init__(self, dpi: int) -> None:
        self.dpi = dpi
        self.lines: list[str] = []

    def dots(self, mm: float) -> int:
        return dots(mm, self.dpi)

    def points(self, size: float) -> int:
        """A font size in points as a ZPL character height in dots."""
        return max(1, round(size * self.dpi / 72))

    def text(self, text: str, box: Box, style: TextStyle, where: str) -> None:
        padding = _INVERSE_PADDING_MM if style.inverse else 0.0
        size = fit_font_size(text, style, box.width - 2 * padding, where)
        height = self.points(size)
        x, y, width = self.dots(box.x), self.dots(box.y), self.dots(box.width)
        top = y + (self.dots(box.height) - height) // 2
        reverse = ""
        if style.inverse:
            box_h = self.dots(box.height)
            self.lines.append(f"^FO{x},{y}^GB{width},{box_h},{box_h}^FS")
            reverse = "^FR"
        pad = self.dots(padding)
        self.lines.append(
            f"^FO{x + pad},{top}{reverse}^A0N,{height},{height}"
            f"^FB{width - 2 * pad},1,0,{_ALIGN[style.align]},0{field_data(text)}"
        )

    def identifier(self, element: IdentifierElement, parts: tuple[str, str, str]) -> None:
        text, flag, check = parts
        layout = layout_identifier(element, text, flag, check)
        box = element.box
        height = self.points(layout.size)
        top = self.dots(box.y) + (self.dots(box.height) - height) // 2
        self.lines.append(
            f"^FO{self.dots(box.x + layout.text_x)},{top}^A0N,{height},{height}{field_data(text)}"
        )
        if flag:
            flag_h = self.points(layout.flag_size)
            self.lines.append(
                f"^FO{self.dots(box.x + layout.flag_x)},{top + height - flag_h}"
                f"^A0N,{flag_h},{flag_h}{field_data(flag)}"
            )
        frame_w, frame_h = self.dots(layout.frame_width), self.dots(layout.frame_height)
        frame_x = self.dots(box.x + layout.frame_x)
        frame_y = self.dots(box.y) + (self.dots(box.height) - frame_h) // 2
        line = max(1, self.points(0.7))
        self.lines.append(f"^FO{frame_x},{frame_y}^GB{frame_w},{frame_h},{line}^FS")
        self.lines.append(
            f"^FO{frame_x},{top}^A0N,{height},{height}^FB{frame_w},1,0,C,0{field_data(check)}"
        )

    def symbol(self, element: SymbolElement, symbology: str, payload: str) -> None:
        matrix = encode_symbol(symbology, payload)
        place = place_symbol(element, symbology, matrix.columns, matrix.rows, self.dpi)
        origin = f"^FO{place.x},{place.y}"
        if symbology == "code128":  # DIN and COI only: never a '>', which ^BC would interpret
            command = f"^BY{place.module}^BCN,{place.bar_height},N,N,N,A"
        elif symbology == "gs1-128":
            command = f"^BY{place.module}^BCN,{place.bar_height},N,N,N,D"
        elif symbology == "qr":
            magnification = min(place.module, _MAX_QR_MAGNIFICATION)
            command = f"^BQN,2,{magnification}"
            payload = f"MA,{payload}"  # error correction M, automatic input mode
        else:
            command = f"^BXN,{place.module},200,{matrix.columns},{matrix.rows}"
        self.lines.append(f"{origin}{command}{field_data(payload)}")


def render_label_zpl(
    template: LabelTemplate,
    content: LabelContent,
    *,
    show_identity: bool,
    dpi: int = 300,
    two_d: str | None = None,
) -> str:
    """Render one label as a ZPL II script (`^XA` … `^XZ`) for a printer of `dpi` dots/inch.

    Same rules as the PDF: identity elements only when `show_identity`; `two_d` overrides the
    2-D symbology. Raises ValueError when the content lacks something the template prints or
    a symbol cannot be printed at this resolution.
    """
    if two_d is not None and two_d not in TWO_D:
        msg = f"two_d must be one of {', '.join(sorted(TWO_D))}, got {two_d!r}"
        raise ValueError(msg)
    zpl = _Zpl(dpi)
    width, height = zpl.dots(template.width_mm), zpl.dots(template.height_mm)
    zpl.lines.extend(["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0"])
    draw_elements(zpl, template, content, show_identity=show_identity, two_d=two_d)
    zpl.lines.append("^XZ")
    return "\n".join(zpl.lines) + "\n"
