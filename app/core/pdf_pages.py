"""What the application's PDF reports share: the fonts, and footers that say "page X of Y"."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
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
    """Holds pages back until the end so each footer can say "page X of Y".

    Use as ``canvasmaker=partial(NumberedCanvas, footer=..., margin=..., footer_font=...)``.
    """

    def __init__(
        self, *args: Any, footer: str, margin: float, footer_font: str = FONT, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer if len(footer) <= 150 else f"{footer[:149]}…"
        self._margin = margin
        self._footer_font = footer_font
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's method name
        """Keep the finished page's state; it is drawn in `save`."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw every footer with the page total, then write the file."""
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width = self._pagesize[0]
        left, right, y = self._margin + 6, width - self._margin - 6, self._margin - 2 * mm
        self.setStrokeColor(colors.HexColor("#9ca3af"))
        self.setLineWidth(0.4)
        self.line(left, y + 9, right, y + 9)
        self.setFillColor(colors.black)
        self.setFont(self._footer_font, 7)
        self.drawString(left, y, self._footer)
        self.setFont(FONT, 7.5)
        self.drawRightString(right, y, f"page {number} of {total}")
