"""The page template of the case reports: A4 portrait, "page X of Y" footers, and the audit seal
printed and as a QR code on every page.

The seal (``COI-AUDIT-SEAL v1 seq=N hash=H``) is the audit chain's head when the report's data
were read; ``coi audit verify --seal TEXT`` checks a database against it later. The footer is
drawn here over ``app.core.NumberedCanvas``; when the shared seal footer lands in
``app.core.pdf_pages``, :func:`sealed_canvas` is the one place to switch to it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from io import BytesIO
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from app.core import MONO, NumberedCanvas, register_fonts

PAGE = A4
MARGIN = 16 * mm
QR_SIZE = 17 * mm
BOTTOM_MARGIN = MARGIN + QR_SIZE + 3 * mm
"""The frame ends above the seal's QR code."""
CONTENT_WIDTH = PAGE[0] - 2 * MARGIN - 12  # platypus frames pad 6 pt on each side


class SealedCanvas(NumberedCanvas):
    """``NumberedCanvas`` that also draws the seal's QR code at the bottom right of each page."""

    def __init__(self, *args: Any, seal: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seal = seal

    def _draw_footer(self, number: int, total: int) -> None:
        super()._draw_footer(number, total)
        widget = QrCodeWidget(self._seal, barLevel="M")
        left, bottom, right, top = widget.getBounds()
        scale_x, scale_y = QR_SIZE / (right - left), QR_SIZE / (top - bottom)
        drawing = Drawing(QR_SIZE, QR_SIZE, transform=[scale_x, 0, 0, scale_y, 0, 0])
        drawing.add(widget)
        x = self._pagesize[0] - self._margin - QR_SIZE
        renderPDF.draw(drawing, self, x, self._margin + 1 * mm)


def build_sealed_pdf(story: list[Flowable], *, title: str, author: str, seal: str) -> bytes:
    """``story`` laid out on sealed A4 pages, as PDF bytes (the seal is also the subject)."""
    register_fonts()
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=title,
        author=author,
        subject=seal,
        creator="COI Tracker",
    )
    document.build(story, canvasmaker=sealed_canvas(seal))
    return out.getvalue()


def sealed_canvas(seal: str) -> Callable[..., Canvas]:
    """The canvas maker of a case report: the seal in the footer and as a QR code."""
    return partial(SealedCanvas, seal=seal, footer=seal, margin=MARGIN, footer_font=MONO)
