"""Benchmark: render every label template to PDF 200 times (within 1.3x its floor).

Records the time per label and the ratio to a floor measured in the same run: bare
reportlab writing a page of the same size with the same number of strings and the same bar
code modules, encoded beforehand (the PDF-writing cost no renderer can avoid). For reference it
also times reportlab's own bar code widgets drawing the same symbols (Code 128 and QR; it has no
general Data Matrix, so a QR stands in): encoding with them costs more than our whole label.
Run with `python tests/perf/run.py --only label` (it checks the ratios).
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas

from labels.content import LabelContent, encode_symbol, symbol_payloads
from labels.isbt128 import build_coi, build_din
from labels.render_pdf import render_label_pdf
from labels.templates import (
    POINTS_PER_MM,
    TEMPLATE_NAMES,
    TWO_D,
    IdentifierElement,
    LabelTemplate,
    SymbolElement,
    load_template,
)
from tests.perf.results import quick, record

RUNS = 50 if quick() else 200
REFERENCE_RUNS = 5 if quick() else RUNS
"""Runs of the widgets reference (printed, not a row): 150-190 ms a label, it took most of
this benchmark's time in a quick run."""
TARGET_RATIO = 1.3
CONTENT = LabelContent(
    coi=build_coi("G1234", 2025, 1),
    din=build_din("G1234", 25, 654321).with_type3_flag(),
    product_code="S1234100",
    product_name="CD19 CAR-T (autologous), demo",
    collected_at=dt.datetime(2025, 7, 31, 8, 30, tzinfo=dt.UTC),
    expires_at=dt.datetime(2026, 4, 30, 23, 59, tzinfo=dt.UTC),
    unit_description="Leukapheresis, fresh",
    volume_ml=248.5,
    patient_name="Anna-Lena Müller-Lüdenscheidt",
    patient_date_of_birth=dt.date(1962, 3, 14),
    hospital_number="H00012345",
    sscc="306141411234567891",
    from_site="Demo Clinic, Haematology Day Unit",
    to_site="Demo Manufacturing Site, Leiden",
    profile_name="fresh-2-8 (2-8 °C)",
    print_serial="G12340000000000042",  # every print has one (the identity label prints it)
)


def render_ms(template: LabelTemplate) -> float:
    """One render of the label, in ms."""
    started = time.perf_counter()
    render_label_pdf(template, CONTENT, show_identity=True)
    return (time.perf_counter() - started) * 1000


def _strings(template: LabelTemplate) -> int:
    return sum(
        3 if isinstance(e, IdentifierElement) else 1
        for e in template.elements
        if not isinstance(e, SymbolElement)
    )


def _size(template: LabelTemplate) -> tuple[float, float]:
    return (template.width_mm * POINTS_PER_MM, template.height_mm * POINTS_PER_MM)


def floor_page(template: LabelTemplate) -> Callable[[], float]:
    """Bare reportlab: as many strings and the same module rectangles, already encoded (a
    function drawing one page and returning its ms)."""
    payloads = symbol_payloads(template, CONTENT, show_identity=True)
    matrices = [encode_symbol(s.symbology, payloads[s.name]) for s in template.symbols]
    strings = _strings(template)

    def page() -> float:
        started = time.perf_counter()
        canvas = Canvas(io.BytesIO(), pagesize=_size(template), invariant=True, pageCompression=1)
        canvas.setFont("Helvetica", 9)
        for line in range(strings):
            canvas.drawString(10, 10 + 10 * line, "FOR AUTOLOGOUS USE ONLY")
        for matrix in matrices:
            path = canvas.beginPath()
            for row, start, length in matrix.runs:
                path.rect(10 + start, 10 + row, length, 1)
            canvas.drawPath(path, stroke=0, fill=1)
        canvas.showPage()
        canvas.save()
        return (time.perf_counter() - started) * 1000

    return page


def widgets_ms(template: LabelTemplate) -> float:
    """Reference: reportlab's own Code 128 and QR widgets encoding and drawing the symbols."""
    strings = _strings(template)
    payloads = symbol_payloads(template, CONTENT, show_identity=True)
    size = _size(template)
    started = time.perf_counter()
    for _ in range(REFERENCE_RUNS):
        canvas = Canvas(io.BytesIO(), pagesize=size, invariant=True, pageCompression=1)
        canvas.setFont("Helvetica", 9)
        for line in range(strings):
            canvas.drawString(10, 10 + 10 * line, "FOR AUTOLOGOUS USE ONLY")
        for symbol in template.symbols:
            payload = payloads[symbol.name]
            if symbol.symbology in TWO_D:
                drawing = Drawing(80, 80)
                drawing.add(QrCodeWidget(payload, barWidth=80, barHeight=80))
                renderPDF.draw(drawing, canvas, 10, 10)
            else:
                value = "\xf100" + payload[4:] if symbol.symbology == "gs1-128" else payload
                Code128(value, barWidth=0.72, barHeight=36, quiet=False).drawOn(canvas, 10, 10)
        canvas.showPage()
        canvas.save()
    return (time.perf_counter() - started) * 1000 / REFERENCE_RUNS


@pytest.mark.slow
def test_label_rendering_speed() -> None:
    templates = [load_template(name) for name in TEMPLATE_NAMES]
    for template in templates:  # warm up fonts, zxing-cpp and reportlab caches
        render_label_pdf(template, CONTENT, show_identity=True)
        floor_page(template)()
    for template in templates:
        floor = floor_page(template)
        pairs = [(render_ms(template), floor()) for _ in range(RUNS)]  # interleaved: same load
        ours, bare = [p[0] for p in pairs], [p[1] for p in pairs]
        print(f"{template.name}: reportlab widgets {widgets_ms(template):6.2f} ms (reference)")
        record(f"label pdf {template.name}", ours, bare, TARGET_RATIO)
