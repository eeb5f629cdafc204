"""The page template of the case reports: A4 portrait on the shared sealed pages.

Every page's footer (``app.core.report_pages``) says "page X of Y" and carries the audit seal
(``COI-AUDIT-SEAL v1 seq=N hash=H``: the chain's head when the report's data were read), printed
and as a QR code; ``coi audit verify --seal TEXT`` checks a database against it later.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from app.core import FOOTER_SPACE, register_fonts, report_pages

PAGE = A4
MARGIN = 16 * mm
BOTTOM_MARGIN = MARGIN + FOOTER_SPACE
"""The frame ends above the footer and its QR code."""
CONTENT_WIDTH = PAGE[0] - 2 * MARGIN - 12  # platypus frames pad 6 pt on each side


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
    document.build(story, canvasmaker=report_pages(title, seal=seal, margin=MARGIN))
    return out.getvalue()


def sealed_report(
    story: Callable[[], list[Flowable]], *, title: str, author: str, seal: str
) -> bytes:
    """The flowables ``story`` makes, on sealed A4 pages, as PDF bytes: the report's fonts are
    registered first, as its paragraphs are made in them."""
    register_fonts()
    return build_sealed_pdf(story(), title=title, author=author, seal=seal)
