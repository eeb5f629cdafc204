"""What the application's PDF reports share: the fonts, and the page footer.

Every report's footer says "page X of Y" and carries the seal of the audit chain's head the
report was made at (``COI-AUDIT-SEAL v1 seq=N hash=H``, issue 12), printed and in a QR code,
to be checked later with ``coi audit verify --seal``. A report gets it by building its
document with ``report_pages`` (its bottom margin ``margin + FOOTER_SPACE``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
QR_SIZE = 16 * mm
"""The seal's QR code, bottom right (modules of about 0.4 mm: read from a 150 dpi scan)."""
SEAL_FORM = "auditSealQr"
"""The name of the footer's QR code, drawn once per document and shown on every page."""
FOOTER_SPACE = QR_SIZE
"""What the footer takes above the bottom margin: a report's ``bottomMargin`` is
``margin + FOOTER_SPACE``."""
"""DejaVu (shipped with matplotlib): it has °, ≤, →, ✔ and the other signs the reports print."""


def register_fonts() -> None:
    """Register the report fonts with reportlab (once per process)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    fonts = _matplotlib_data() / "fonts" / "ttf"
    for name in (FONT, BOLD, MONO):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(fonts / f"{name}.ttf")))


def _matplotlib_data() -> Path:
    """matplotlib's ``mpl-data`` folder, found without importing matplotlib: importing it costs
    a third of a second, and every command and screen loads this module."""
    spec = find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib, which ships the report fonts, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data"


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
    """Holds pages back until the end so each footer can say "page X of Y"; every footer
    prints the ``seal`` and shows it as a QR code (see the module docstring).

    Use through ``report_pages``.
    """

    def __init__(
        self,
        *args: Any,
        footer: str,
        seal: str,
        margin: float,
        footer_font: str = FONT,
        **kwargs: Any,
    ) -> None:
        if not seal:
            raise ValueError("a report carries the seal of the audit chain it was made at")
        super().__init__(*args, **kwargs)
        self._footer = footer if len(footer) <= 150 else f"{footer[:149]}…"
        self._seal = seal
        self._margin = margin
        self._footer_font = footer_font
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's method name
        """Keep the finished page's state; it is drawn in `save`."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw every footer with the page total, then write the file.

        The seal's QR code is drawn once, as a form every footer shows: drawn per page (a
        rectangle per module) it took about 0.1 s a page, most of a long audit export."""
        total = len(self._pages)
        self.beginForm(SEAL_FORM, 0, 0, QR_SIZE, QR_SIZE)  # the canvas is on a new, empty page
        renderPDF.draw(_qr_drawing(self._seal), self, 0, 0)
        self.endForm()
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width = self._pagesize[0]
        left, right = self._margin + 6, width - self._margin - 6
        bottom = self._margin - 4 * mm
        text_right = right - QR_SIZE - 3 * mm
        self.setStrokeColor(colors.HexColor("#9ca3af"))
        self.setLineWidth(0.4)
        self.line(left, bottom + QR_SIZE + 1 * mm, right, bottom + QR_SIZE + 1 * mm)
        self.setFillColor(colors.black)
        self.setFont(self._footer_font, 7)
        self.drawString(left, bottom + 10 * mm, self._footer)
        self.setFont(MONO, 6.5)
        self.drawString(left, bottom + 6 * mm, self._seal)
        self.setFont(FONT, 7.5)
        self.drawRightString(text_right, bottom + 2 * mm, f"page {number} of {total}")
        self.saveState()
        self.translate(right - QR_SIZE, bottom)
        self.doForm(SEAL_FORM)
        self.restoreState()


def _qr_drawing(text: str) -> Drawing:
    """``text`` as a QR code ``QR_SIZE`` square, its quiet zone included."""
    widget = QrCodeWidget(text, barLevel="M", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
    )
    drawing.add(widget)
    return drawing


def report_pages(
    footer: str, *, seal: str, margin: float, footer_font: str = FONT
) -> Callable[..., Canvas]:
    """The ``canvasmaker`` of a report: numbered pages whose footer carries ``seal``."""
    return partial(NumberedCanvas, footer=footer, seal=seal, margin=margin, footer_font=footer_font)
