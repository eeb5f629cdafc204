"""Building blocks of the case reports: styles, headings, fact tables, grids, the seal block."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from io import BytesIO
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    LongTable,
    Paragraph,
    Table,
    TableStyle,
)

from app.core import BOLD, FONT, MONO
from app.reports.sealed_pages import BOTTOM_MARGIN, CONTENT_WIDTH, MARGIN, PAGE

__all__ = ["BOTTOM_MARGIN", "CONTENT_WIDTH", "MARGIN", "PAGE"]

GRID_HEAD = colors.HexColor("#e3e8ee")
GRID_LINE = colors.HexColor("#c7ced6")
STRIPE = colors.HexColor("#f5f7fa")
REFUSED = colors.HexColor("#f9d6d5")


def utc(moment: datetime | None) -> str:
    """A UTC time as the reports print it ("—" for none)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def style(size: float = 8.0, *, font: str = FONT, **extra: Any) -> ParagraphStyle:
    """A paragraph style in the report font."""
    return ParagraphStyle(
        f"report-{font}-{size}", fontName=font, fontSize=size, leading=size * 1.25, **extra
    )


def escape(value: str) -> str:
    """Text made safe for a reportlab paragraph."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text(value: str, size: float = 8.0, *, font: str = FONT) -> Paragraph:
    """A paragraph of plain text."""
    return Paragraph(escape(value), style(size, font=font))


def title(value: str) -> Paragraph:
    """The report's title."""
    return Paragraph(escape(value), style(16, font=BOLD, spaceAfter=2 * mm))


def heading(value: str) -> Paragraph:
    """A section heading."""
    return Paragraph(escape(value), style(11, font=BOLD, spaceBefore=4 * mm, spaceAfter=1.5 * mm))


def section(value: str) -> list[Flowable]:
    """A section heading that starts a new page when less than 35 mm are left on this one."""
    return [CondPageBreak(35 * mm), heading(value)]


def facts(rows: Sequence[tuple[str, str]], key_width: float = 38 * mm) -> Table:
    """A two-column table of facts: name in bold, value beside it."""
    cells = [[text(key, 8.5, font=BOLD), text(value, 8.5)] for key, value in rows]
    table = Table(cells, colWidths=[key_width, CONTENT_WIDTH - key_width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            ]
        )
    )
    return table


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    highlight: Sequence[int] = (),
    empty: str = "None recorded.",
) -> Flowable:
    """A striped table with a repeated header row; ``highlight`` rows are shaded red."""
    if not rows:
        return text(empty)
    scale = CONTENT_WIDTH / sum(widths)
    cells = [[text(h, 7.5, font=BOLD) for h in header]]
    cells += [[text(value, 7.5) for value in row] for row in rows]
    table = LongTable(cells, colWidths=[w * scale for w in widths], repeatRows=1, hAlign="LEFT")
    commands: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), GRID_HEAD),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID_LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    commands += [("BACKGROUND", (0, i + 1), (-1, i + 1), REFUSED) for i in highlight]
    table.setStyle(TableStyle(commands))
    return table


def seal_block(seal: str, what: str) -> KeepTogether:
    """The audit seal printed in full beside its QR code, with how to check it."""
    size = 28 * mm
    widget = QrCodeWidget(seal, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    words = [
        text(f"{what} was made at this audit chain head:", 8.5),
        text(seal, 8, font=MONO),
        text(
            "Check it against the database later with: coi audit verify --seal "
            "'COI-AUDIT-SEAL v1 seq=N hash=H' (the QR code holds the same line).",
            7.5,
        ),
    ]
    table = Table([[drawing, words]], colWidths=[size + 4 * mm, CONTENT_WIDTH - size - 4 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.5, GRID_LINE),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return KeepTogether([table])


def png(data: bytes, width: float, height: float) -> Flowable:
    """A PNG image at the given size in points."""
    return Image(BytesIO(data), width=width, height=height)
