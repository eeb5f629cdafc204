"""Label PDFs through Qt printing: true physical size, a barcode that still scans, no surprises.

The printer is Qt's PDF output (offscreen there is no print server); its file is measured with
pdfinfo and rasterised with pdftoppm at 300 dpi, as a label printer would put it on paper.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from app.core.errors import PrinterUnavailable
from labels.decode import decode_image
from ui.dialogs.printing import (
    LabelNotPrintable,
    choose_printer_and_print,
    print_pdf,
    set_label_stock,
)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdfinfo", "pdftoppm")),
    reason="poppler-utils (pdfinfo, pdftoppm) is not installed",
)

DIN = "=G123498654321"
POINTS_PER_MM = 72 / 25.4


def _label_pdf(pages: int = 1, size_mm: tuple[float, float] = (100, 100)) -> bytes:
    """A label: a Code 128 of the DIN and some text, on a page the size of the stock."""
    width, height = size_mm
    tube = height < 50  # a 50 × 25 mm tube label has room for little more than the barcode
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width * mm, height * mm))
    for page in range(pages):
        barcode = Code128(
            DIN,
            barWidth=(0.25 if tube else 0.33) * mm,
            barHeight=(10 if tube else 15) * mm,
            humanReadable=True,
        )
        barcode.drawOn(pdf, 2 * mm, (9 if tube else 60) * mm)
        pdf.setFont("Helvetica-Bold", 7 if tube else 14)
        pdf.drawString(4 * mm, (3 if tube else 45) * mm, "FOR AUTOLOGOUS USE ONLY")
        if not tube:
            pdf.setFont("Helvetica", 10)
            pdf.drawString(10 * mm, 35 * mm, f"DIN {DIN}   label {page + 1} of {pages}")
        pdf.rect(1 * mm, 1 * mm, (width - 2) * mm, (height - 2) * mm)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _pdf_printer(path: Path, page: QPageSize | None = None) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(300)  # a common label-printer resolution
    if page is not None:
        printer.setPageSize(page)
    return printer


def _pdfinfo(path: Path) -> dict[str, str]:
    result = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in result.stdout.splitlines())
    }


def _page_size_mm(path: Path) -> tuple[float, float]:
    found = re.match(r"([\d.]+) x ([\d.]+) pts", _pdfinfo(path)["Page size"])
    assert found, _pdfinfo(path)
    return float(found[1]) / POINTS_PER_MM, float(found[2]) / POINTS_PER_MM


def _rasterise(pdf: Path) -> Path:
    """The first page as a 300 dpi PNG beside the PDF."""
    stem = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf), str(stem)],
        check=True,
    )
    return stem.with_suffix(".png")


def _ink_box(png: Path) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of everything darker than light grey, in pixels."""
    with Image.open(png) as image:
        dark = ImageOps.invert(image.convert("L")).point(lambda value: 255 if value > 64 else 0)
        box = dark.getbbox()
    assert box is not None, f"{png} is blank"
    return box


@pytest.fixture
def label(tmp_path: Path) -> tuple[bytes, Path]:
    """The label PDF, and a 300 dpi rasterisation of it straight from the source."""
    pdf_bytes = _label_pdf()
    source = tmp_path / "source.pdf"
    source.write_bytes(pdf_bytes)
    return pdf_bytes, _rasterise(source)


def _label_page(width_mm: float, height_mm: float) -> QPageSize:
    return QPageSize(
        QSizeF(width_mm, height_mm),
        QPageSize.Unit.Millimeter,
        "Label",
        QPageSize.SizeMatchPolicy.ExactMatch,
    )


def _assert_same_ink(printed_png: Path, source_png: Path) -> None:
    """Same ink in the same place as the source, to within 2 px (0.17 mm)."""
    for printed, source in zip(_ink_box(printed_png), _ink_box(source_png), strict=True):
        assert printed == pytest.approx(source, abs=2)


def test_a_label_prints_at_true_size_and_its_barcode_scans(
    qtbot: QtBot, tmp_path: Path, label: tuple[bytes, Path]
) -> None:
    pdf_bytes, source_png = label
    output = tmp_path / "printed.pdf"

    assert print_pdf(pdf_bytes, _pdf_printer(output, _label_page(100, 100))) == 1

    assert _page_size_mm(output) == pytest.approx((100, 100), abs=1)
    printed_png = _rasterise(output)
    with Image.open(printed_png) as image:
        assert image.size == pytest.approx((1181, 1181), abs=2)  # 100 mm at 300 dpi
    decoded = decode_image(printed_png)
    assert decoded.error is None
    assert DIN in decoded.texts
    _assert_same_ink(printed_png, source_png)


def test_a_label_on_larger_paper_keeps_its_size_and_corner(
    qtbot: QtBot, tmp_path: Path, label: tuple[bytes, Path]
) -> None:
    pdf_bytes, source_png = label
    output = tmp_path / "on-a4.pdf"

    print_pdf(pdf_bytes, _pdf_printer(output, QPageSize(QPageSize.PageSizeId.A4)))

    assert _page_size_mm(output) == pytest.approx((210, 297), abs=1)
    printed_png = _rasterise(output)
    assert DIN in decode_image(printed_png).texts
    _assert_same_ink(printed_png, source_png)  # not scaled up to the paper, not shifted


def test_every_page_is_printed(qtbot: QtBot, tmp_path: Path) -> None:
    output = tmp_path / "three.pdf"

    pages = print_pdf(
        _label_pdf(pages=3, size_mm=(50, 25)), _pdf_printer(output, _label_page(50, 25))
    )

    assert pages == 3
    assert _pdfinfo(output)["Pages"] == "3"
    assert _page_size_mm(output) == pytest.approx((50, 25), abs=1)


@pytest.mark.parametrize("pdf_bytes", [b"", b"%PDF-1.4 this is not a label", b"GIF89a"])
def test_an_unreadable_pdf_is_refused_before_printing(
    qtbot: QtBot, tmp_path: Path, pdf_bytes: bytes
) -> None:
    output = tmp_path / "never.pdf"
    with pytest.raises(LabelNotPrintable) as caught:
        print_pdf(pdf_bytes, _pdf_printer(output))
    assert caught.value.message.startswith("The label could not be read as a PDF")
    assert "Nothing was printed" in caught.value.message
    assert not output.exists()


@pytest.mark.qt_log_ignore(r"QPainter::begin\(\): Returned false")  # Qt says so, then we do
def test_a_printer_that_cannot_start_the_job_is_reported(qtbot: QtBot, tmp_path: Path) -> None:
    output = tmp_path / "no such folder" / "label.pdf"
    with pytest.raises(PrinterUnavailable) as caught:
        print_pdf(_label_pdf(), _pdf_printer(output))
    assert f"PDF file {output} could not start the print job" in caught.value.message
    assert "choose another printer" in caught.value.message


# ---------------------------------------------------------------- the print dialog


class FakeDialogRun:
    """Stands in for QPrintDialog.exec: notes what the dialog was given, then answers."""

    def __init__(
        self, answer: QDialog.DialogCode, output: Path, paper: QPageSize | None = None
    ) -> None:
        self.answer = answer
        self.paper = paper
        self.output = output
        self.layouts: list[QPageLayout] = []
        self.copies_asked = 3

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Answer every QPrintDialog.exec from now on; no modal dialog is ever shown."""

        def exec_(dialog: QPrintDialog) -> int:
            return self.answer_for(dialog)

        monkeypatch.setattr(QPrintDialog, "exec", exec_)

    def answer_for(self, dialog: QPrintDialog) -> int:
        printer = dialog.printer()
        self.layouts.append(QPageLayout(printer.pageLayout()))
        # What a user would do: print to a PDF file, asking for three copies.
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.output))
        printer.setCopyCount(self.copies_asked)
        if self.paper is not None:  # Qt's page setup falls back to the printer's default paper
            printer.setPageSize(self.paper)
        self.printer = printer
        return int(self.answer)


def test_a_cancelled_dialog_prints_nothing(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = FakeDialogRun(QDialog.DialogCode.Rejected, tmp_path / "cancelled.pdf")
    run.install(monkeypatch)

    assert choose_printer_and_print(None, _label_pdf(), (100, 100)) is False

    assert len(run.layouts) == 1
    assert not run.output.exists()


def test_the_dialog_is_preset_to_the_label_and_prints_on_accept(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = FakeDialogRun(QDialog.DialogCode.Accepted, tmp_path / "accepted.pdf")
    run.install(monkeypatch)

    parent = QWidget()
    qtbot.addWidget(parent)

    assert choose_printer_and_print(parent, _label_pdf(size_mm=(50, 25)), (50, 25)) is True

    (layout,) = run.layouts
    size = layout.fullRect(QPageLayout.Unit.Millimeter)
    assert (size.width(), size.height()) == pytest.approx((50, 25))
    assert run.printer.copyCount() == 1  # every label is a recorded print, never a copy count
    assert _page_size_mm(run.output) == pytest.approx((50, 25), abs=1)
    assert DIN in decode_image(_rasterise(run.output)).texts


def test_an_unreadable_label_fails_before_the_dialog_opens(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = FakeDialogRun(QDialog.DialogCode.Accepted, tmp_path / "never.pdf")
    run.install(monkeypatch)

    with pytest.raises(LabelNotPrintable):
        choose_printer_and_print(None, b"not a pdf", (100, 100))

    assert run.layouts == []


def test_the_label_prints_on_its_stock_when_the_dialog_fell_back_to_letter(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: labels printed through the dialog landed on a US-Letter page."""
    letter = QPageSize(QPageSize.PageSizeId.Letter)
    run = FakeDialogRun(QDialog.DialogCode.Accepted, tmp_path / "letter.pdf", paper=letter)
    run.install(monkeypatch)

    assert choose_printer_and_print(None, _label_pdf(size_mm=(50, 25)), (50, 25)) is True

    page = run.printer.pageLayout()
    size = page.fullRect(QPageLayout.Unit.Millimeter)
    assert (size.width(), size.height()) == pytest.approx((50, 25), abs=0.01)
    assert page.pageSize().id() is not QPageSize.PageSizeId.Letter
    assert page.margins(QPageLayout.Unit.Millimeter).isNull()
    assert _page_size_mm(run.output) == pytest.approx((50, 25), abs=0.5)
    assert DIN in decode_image(_rasterise(run.output)).texts


class _LetterOnlyPrinter(QPrinter):
    """A printer whose driver offers its default paper only (no custom sizes)."""

    def setPageLayout(self, layout: QPageLayout) -> bool:
        super().setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.Letter), layout.orientation(), layout.margins()
            )
        )
        return False


def test_a_printer_that_cannot_take_the_label_stock_prints_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    printer = _LetterOnlyPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "never.pdf"))

    with pytest.raises(PrinterUnavailable, match=r"cannot take the label stock, 100 × 100 mm"):
        set_label_stock(printer, (100, 100))

    assert not (tmp_path / "never.pdf").exists()


def test_the_label_stock_is_a_margin_free_page_of_the_templates_size(qtbot: QtBot) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    printer.setCopyCount(4)

    set_label_stock(printer, (100, 150))  # the shipper template's stock

    layout = printer.pageLayout()
    size = layout.fullRect(QPageLayout.Unit.Millimeter)
    assert (size.width(), size.height()) == pytest.approx((100, 150), abs=0.01)
    assert layout.orientation() is QPageLayout.Orientation.Portrait
    assert printer.fullPage() and printer.copyCount() == 1
