"""Label PDFs to a printer through the system print dialog, at the label's true size.

Each PDF page is rendered with QtPdf at the printer's own resolution and painted at the paper's
top-left corner, one PDF point to 1/72 inch: a 100 × 100 mm label comes out 100 × 100 mm on any
paper, never scaled to fit it. `choose_printer_and_print` presets the dialog to the label
stock and sets it again once a printer is chosen (Qt's page setup falls back to the printer's
default paper, US Letter or A4, when the printer is picked); a printer that cannot take the
stock's size prints nothing.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPoint,
    QRect,
    QSize,
    QSizeF,
    Qt,
)
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from app.core import CoiError, PrinterUnavailable

_POINTS_PER_INCH = 72.0
_ADVICE = "Check the printer is on and connected, or choose another printer."


class LabelNotPrintable(CoiError):
    """The label PDF cannot be read, so nothing was sent to the printer."""

    title = "Label cannot be printed"


def _open(pdf_bytes: bytes) -> QPdfDocument:
    document = QPdfDocument()
    buffer = QBuffer(document)  # owned by the document, so it lives as long as the document
    buffer.setData(QByteArray(pdf_bytes))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)  # synchronous for an in-memory buffer
    if document.status() is not QPdfDocument.Status.Ready or document.pageCount() < 1:
        ready = document.status() is QPdfDocument.Status.Ready
        reason = "it has no pages" if ready else document.error().name.strip("_")
        document.close()
        raise LabelNotPrintable(
            f"The label could not be read as a PDF ({reason}, {len(pdf_bytes)} bytes). "
            f"Nothing was printed. Create the label again; if this repeats, report it."
        )
    return document


def _printer_name(printer: QPrinter) -> str:
    if printer.outputFormat() is QPrinter.OutputFormat.PdfFormat:
        return f"PDF file {printer.outputFileName() or '(no file name)'}"
    return f"Printer {printer.printerName() or '(default)'}"


def _page_image(document: QPdfDocument, page: int, size: QSize) -> QImage:
    """The page rendered at ``size`` device pixels, on white (QtPdf renders on transparent)."""
    rendered = document.render(page, size)
    if rendered.isNull():
        raise LabelNotPrintable(
            f"Page {page + 1} of the label could not be rendered at {size.width()} × "
            f"{size.height()} pixels. Destroy any labels this job printed, then create the "
            f"label again; if this repeats, report it."
        )
    opaque = QImage(size, QImage.Format.Format_RGB32)
    opaque.fill(Qt.GlobalColor.white)
    painter = QPainter(opaque)
    painter.drawImage(QPoint(0, 0), rendered)
    painter.end()
    return opaque


def _paint(document: QPdfDocument, printer: QPrinter) -> int:
    printer.setFullPage(True)  # the label's corner is the paper's corner, not the margin's
    dots_x, dots_y = printer.logicalDpiX(), printer.logicalDpiY()
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable(
            f"{_printer_name(printer)} could not start the print job. Nothing was printed. "
            f"{_ADVICE}"
        )
    try:
        for page in range(document.pageCount()):
            if page and not printer.newPage():
                raise PrinterUnavailable(
                    f"{_printer_name(printer)} stopped after {page} of "
                    f"{document.pageCount()} labels. Destroy the printed labels of this job "
                    f"and print it again. {_ADVICE}"
                )
            points = document.pagePointSize(page)
            size = QSize(
                round(points.width() / _POINTS_PER_INCH * dots_x),
                round(points.height() / _POINTS_PER_INCH * dots_y),
            )
            painter.drawImage(QRect(QPoint(0, 0), size), _page_image(document, page, size))
    finally:
        painter.end()
    return document.pageCount()


def print_pdf(pdf_bytes: bytes, printer: QPrinter) -> int:
    """Print every page of a label PDF at its true physical size; return the pages printed.

    The printer is switched to full-page mode so that its margins cannot shift the label;
    its page size, resolution and output are left as the caller (or the dialog) set them.
    """
    document = _open(pdf_bytes)
    try:
        return _paint(document, printer)
    finally:
        document.close()


def label_page_layout(page_size_mm: tuple[float, float]) -> QPageLayout:
    """A margin-free page exactly the size of the label stock (width, height in mm)."""
    width, height = page_size_mm
    name = f"Label {width:g} × {height:g} mm"
    size = QPageSize(
        QSizeF(width, height),
        QPageSize.Unit.Millimeter,
        name,
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    return QPageLayout(
        size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter
    )


_SIZE_TOLERANCE_MM = 0.5


def set_label_stock(printer: QPrinter, page_size_mm: tuple[float, float]) -> None:
    """Put ``printer`` on the label stock's page (margin-free, one copy), or refuse.

    Raises `PrinterUnavailable` when the printer will not take a page of that size (it would
    print the label on its default paper instead).
    """
    accepted = printer.setPageLayout(label_page_layout(page_size_mm))
    printer.setFullPage(True)
    page = printer.pageLayout().fullRect(QPageLayout.Unit.Millimeter)
    width, height = page_size_mm
    fits = (
        abs(page.width() - width) <= _SIZE_TOLERANCE_MM
        and abs(page.height() - height) <= _SIZE_TOLERANCE_MM
    )
    if not (accepted and fits):
        raise PrinterUnavailable(
            f"{_printer_name(printer)} cannot take the label stock, {width:g} × {height:g} mm "
            f"(it offers {page.width():.0f} × {page.height():.0f} mm). Nothing was printed: "
            "choose the label printer, or load it with this label stock."
        )
    printer.setCopyCount(1)


def choose_printer_and_print(
    parent: QWidget | None, pdf_bytes: bytes, page_size_mm: tuple[float, float]
) -> bool:
    """Ask for a printer in the system print dialog and print the label; False if cancelled.

    The page is the label stock's, whatever paper the dialog fell back to. Copies are always
    one: every label printed is recorded (DESIGN §3), so more labels are more print requests,
    never a copy count chosen in the dialog.
    """
    _open(pdf_bytes).close()  # an unreadable label fails before anyone chooses a printer
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(label_page_layout(page_size_mm))
    printer.setFullPage(True)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print label")
    dialog.setOptions(
        QAbstractPrintDialog.PrintDialogOption.PrintToFile
        | QAbstractPrintDialog.PrintDialogOption.PrintShowPageSize
    )
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
    finally:
        dialog.deleteLater()
    set_label_stock(printer, page_size_mm)
    print_pdf(pdf_bytes, printer)
    return True
