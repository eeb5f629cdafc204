"""Render a label template with its content to a one-page PDF the size of the label stock.

Text is set in the PDF base-14 Helvetica faces (WinAnsi characters only: a name the font cannot
print is refused rather than printed with blanks). Bar code modules come from zxing-cpp's writer
(`content.encode_symbol`) and are drawn as filled rectangles on the dot grid of a 300-dpi label
printer, so a 300-dpi raster of the page has whole-pixel modules, as the printed label has dots.
"""

from __future__ import annotations

import functools
import io

from reportlab.lib.colors import black, white
from reportlab.pdfgen.canvas import Canvas

from labels.content import (
    LabelContent,
    draw_elements,
    encode_symbol,
)
from labels.layout import fit_font_size, layout_identifier, place_symbol
from labels.templates import (
    POINTS_PER_MM,
    TWO_D,
    Box,
    IdentifierElement,
    LabelTemplate,
    SymbolElement,
    TextStyle,
)

DOT_GRID_DPI = 300
_POINTS_PER_DOT = 72 / DOT_GRID_DPI
_INVERSE_PADDING_MM = 1.0
_ASCENT, _DESCENT = 0.72, 0.21  # Helvetica cap height and descender, in em
_FRAME_LINE_PT = 0.7


def printable(text: str, where: str) -> str:
    """Return `text` when Helvetica (WinAnsi) can print every character; else ValueError."""
    bad = _unprintable(text)
    if bad:
        msg = f"{where}: the label font cannot print {''.join(bad)!r} in {text!r}"
        raise ValueError(msg)
    return text


@functools.lru_cache(maxsize=1024)
def _unprintable(text: str) -> tuple[str, ...]:
    """The characters of ``text`` the label font cannot print, sorted (kept: labels repeat)."""
    return tuple(sorted({ch for ch in text if not _encodable(ch)}))


def _encodable(character: str) -> bool:
    try:
        character.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return character.isprintable()


class _Page:
    """A canvas with the template's top-left millimetre coordinates."""

    def __init__(self, canvas: Canvas, height_mm: float) -> None:
        self.canvas, self.height_mm = canvas, height_mm

    def pt(self, mm: float) -> float:
        """Millimetres in points."""
        return mm * POINTS_PER_MM

    def bottom(self, box: Box) -> float:
        return (self.height_mm - box.y - box.height) * POINTS_PER_MM

    def baseline(self, box: Box, size: float) -> float:
        """Baseline that centres the cap height and descender of `size` pt text in the box."""
        spare = box.height * POINTS_PER_MM - (_ASCENT + _DESCENT) * size
        return self.bottom(box) + spare / 2 + _DESCENT * size

    def text(self, text: str, box: Box, style: TextStyle, where: str) -> None:
        canvas = self.canvas
        padding = _INVERSE_PADDING_MM if style.inverse else 0.0
        size = fit_font_size(printable(text, where), style, box.width - 2 * padding, where)
        if style.inverse:
            canvas.setFillColor(black)
            width, height = self.pt(box.width), self.pt(box.height)
            canvas.rect(self.pt(box.x), self.bottom(box), width, height, stroke=0, fill=1)
            canvas.setFillColor(white)
        canvas.setFont(style.font_name, size)
        y = self.baseline(box, size)
        if style.align == "center":
            canvas.drawCentredString(self.pt(box.x + box.width / 2), y, text)
        elif style.align == "right":
            canvas.drawRightString(self.pt(box.x + box.width - padding), y, text)
        else:
            canvas.drawString(self.pt(box.x + padding), y, text)
        canvas.setFillColor(black)

    def identifier(self, element: IdentifierElement, parts: tuple[str, str, str]) -> None:
        text, flag, check = parts
        layout = layout_identifier(element, text, flag, check)
        canvas, box, font = self.canvas, element.box, element.style.font_name
        y = self.baseline(box, layout.size)
        canvas.setFont(font, layout.size)
        canvas.drawString(self.pt(box.x + layout.text_x), y, text)
        if flag:
            canvas.setFont(font, layout.flag_size)
            canvas.drawString(self.pt(box.x + layout.flag_x), y, flag)
        frame_bottom = self.bottom(box) + self.pt(box.height - layout.frame_height) / 2
        canvas.setLineWidth(_FRAME_LINE_PT)
        frame_left = self.pt(box.x + layout.frame_x)
        frame_size = self.pt(layout.frame_width), self.pt(layout.frame_height)
        canvas.rect(frame_left, frame_bottom, *frame_size, stroke=1, fill=0)
        canvas.setFont(font, layout.size)
        centre = box.x + layout.frame_x + layout.frame_width / 2
        canvas.drawCentredString(self.pt(centre), y, check)

    def symbol(self, element: SymbolElement, symbology: str, payload: str) -> None:
        matrix = encode_symbol(symbology, payload)
        place = place_symbol(element, symbology, matrix.columns, matrix.rows, DOT_GRID_DPI)
        module = place.module * _POINTS_PER_DOT
        left = place.x * _POINTS_PER_DOT
        top = self.height_mm * POINTS_PER_MM - place.y * _POINTS_PER_DOT
        # The modules as one filled path of rectangles, written as PDF operators directly
        # (reportlab's path.rect formats each number on its own: most of a label's time).
        if symbology in TWO_D:
            rects = [
                (left + start * module, top - (row + 1) * module, length * module, module)
                for row, start, length in matrix.runs
            ]
        else:
            height = place.bar_height * _POINTS_PER_DOT
            rects = [
                (left + start * module, top - height, length * module, height)
                for _, start, length in matrix.runs
            ]
        self.canvas.setFillColor(black)
        operators = "\n".join(f"{x:.4f} {y:.4f} {w:.4f} {h:.4f} re" for x, y, w, h in rects)
        self.canvas.addLiteral(f"n\n{operators}\nf")


def render_label_pdf(
    template: LabelTemplate, content: LabelContent, *, show_identity: bool, two_d: str | None = None
) -> bytes:
    """Render one label as a PDF page exactly the template's size.

    Patient identity elements print only when `show_identity` is true and the template has
    them; `two_d` ("qr" or "datamatrix") overrides the template's 2-D symbology. Raises
    ValueError when the content lacks something the template prints or a value does not fit.
    """
    if two_d is not None and two_d not in TWO_D:
        msg = f"two_d must be one of {', '.join(sorted(TWO_D))}, got {two_d!r}"
        raise ValueError(msg)
    buffer = io.BytesIO()
    size = (template.width_mm * POINTS_PER_MM, template.height_mm * POINTS_PER_MM)
    canvas = Canvas(buffer, pagesize=size, invariant=True, pageCompression=1)
    canvas.setTitle(f"{template.title} label")
    canvas.setCreator("COI Tracker")
    page = _Page(canvas, template.height_mm)
    draw_elements(page, template, content, show_identity=show_identity, two_d=two_d)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
